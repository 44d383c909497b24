//! AUTH PLAIN and LOGIN (RFC 4954, RFC 4616), offered only on a submission
//! listener, only in TLS, and only when a users file is configured.
//! Checking the password is the driver's job (argon2 is slow and the
//! users file is shared), asked for with [`Action::Authenticate`].
//! Failures are answered after a delay, and the session ends after a few.

use std::time::Instant;

use super::{Action, Session};
use crate::users::AuthResult;

/// `Username:` and `Password:` in base64 (the LOGIN mechanism's prompts).
const LOGIN_USER_PROMPT: &str = "VXNlcm5hbWU6";
const LOGIN_PASSWORD_PROMPT: &str = "UGFzc3dvcmQ6";

/// Where an AUTH exchange is.
#[derive(Debug, Default)]
pub(super) enum AuthStep {
    /// No exchange.
    #[default]
    Idle,
    /// PLAIN without an initial response: the next line is it.
    PlainResponse,
    /// LOGIN: the next line is the user name.
    LoginUser,
    /// LOGIN: the next line is the password of this user.
    LoginPassword(String),
    /// The driver checks the password of this user.
    Verifying(String),
    /// A failure waits until `until` before `code` is sent.
    Delay {
        until: Instant,
        code: (u16, &'static str, &'static str),
    },
}

impl AuthStep {
    /// The next line belongs to the exchange, not the command parser.
    pub(super) fn wants_line(&self) -> bool {
        matches!(
            self,
            AuthStep::PlainResponse | AuthStep::LoginUser | AuthStep::LoginPassword(_)
        )
    }

    /// Input waits (for the driver's verdict or the failure delay).
    pub(super) fn is_blocking(&self) -> bool {
        matches!(self, AuthStep::Verifying(_) | AuthStep::Delay { .. })
    }
}

impl Session {
    /// AUTH is advertised and accepted now.
    pub(super) fn auth_offered(&self) -> bool {
        self.config.auth && self.peer.submission && self.tls && self.auth_user.is_none()
    }

    /// The AUTH command: `mechanism [initial-response]`.
    pub(super) fn auth(&mut self, args: &str) {
        if !(self.config.auth && self.peer.submission) {
            return self.error(502, "5.5.1", "command not implemented");
        }
        if !self.tls {
            return self.error(538, "5.7.11", "encryption required: use STARTTLS first");
        }
        if self.auth_user.is_some() {
            return self.error(503, "5.5.1", "already authenticated");
        }
        if self.mail.is_some() {
            return self.error(503, "5.5.1", "AUTH not allowed in a mail transaction");
        }
        let mut words = args.split(' ').filter(|w| !w.is_empty());
        let mechanism = words.next().unwrap_or("").to_ascii_uppercase();
        let initial = words.next();
        if words.next().is_some() {
            return self.error(501, "5.5.4", "AUTH takes a mechanism and one response");
        }
        match (mechanism.as_str(), initial) {
            ("PLAIN", None) => {
                self.auth = AuthStep::PlainResponse;
                self.output.extend_from_slice(b"334 \r\n");
            }
            ("PLAIN", Some(r)) => {
                if let Some(decoded) = self.decode_response(r) {
                    self.plain(&decoded);
                }
            }
            ("LOGIN", None) => {
                self.auth = AuthStep::LoginUser;
                self.reply(334, "", LOGIN_USER_PROMPT);
            }
            ("LOGIN", Some(r)) => {
                if let Some(user) = self.decode_response(r) {
                    self.login_user(user);
                }
            }
            _ => self.error(504, "5.5.4", "unrecognized authentication type"),
        }
    }

    /// A line in an AUTH exchange: a base64 response or `*` to cancel.
    pub(super) fn auth_line(&mut self, line: &[u8]) {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let step = std::mem::take(&mut self.auth);
        if line == b"*" {
            return self.error(501, "5.0.0", "authentication cancelled");
        }
        let Some(decoded) = std::str::from_utf8(line)
            .ok()
            .and_then(|r| self.decode_response(r))
        else {
            return;
        };
        match step {
            AuthStep::PlainResponse => self.plain(&decoded),
            AuthStep::LoginUser => self.login_user(decoded),
            AuthStep::LoginPassword(user) => self.verify(user, decoded),
            _ => {}
        }
    }

    /// The driver's verdict on the password asked for in
    /// [`Action::Authenticate`].
    pub fn handle_auth_result(&mut self, now: Instant, result: AuthResult) {
        let AuthStep::Verifying(user) = std::mem::take(&mut self.auth) else {
            return;
        };
        if result == AuthResult::Ok {
            self.auth_user = Some(user);
            self.reply(235, "2.7.0", "authentication successful");
            self.touch(now);
            self.process();
            return;
        }
        self.auth_failures += 1;
        if self.auth_failures >= self.config.max_auth_failures {
            self.reply(535, "5.7.8", "authentication credentials invalid");
            self.reply(421, "4.7.0", "too many authentication failures, closing");
            return self.close();
        }
        let code = match result {
            AuthResult::RateLimited => (454, "4.7.0", "too many failures lately, try later"),
            _ => (535, "5.7.8", "authentication credentials invalid"),
        };
        let until = now
            .checked_add(self.config.auth_failure_delay)
            .unwrap_or(now);
        self.auth = AuthStep::Delay { until, code };
    }

    /// Sends a delayed failure reply once its time has come; true if the
    /// timeout was this.
    pub(super) fn auth_delay_over(&mut self, now: Instant) -> bool {
        let AuthStep::Delay { until, code } = self.auth else {
            return false;
        };
        if now < until {
            return true;
        }
        self.auth = AuthStep::Idle;
        self.reply(code.0, code.1, code.2);
        self.touch(now);
        self.process();
        true
    }

    /// Decodes a base64 response (`=` is an empty one, RFC 4954 4).
    fn decode_response(&mut self, response: &str) -> Option<Vec<u8>> {
        if response == "=" {
            return Some(Vec::new());
        }
        match septet::base64::decode(response.as_bytes()) {
            Ok(d) => Some(d),
            Err(_) => {
                self.auth = AuthStep::Idle;
                self.error(501, "5.5.2", "cannot decode the base64 response");
                None
            }
        }
    }

    /// `authzid NUL authcid NUL password` (RFC 4616); an authorization
    /// identity other than the user's own is refused.
    fn plain(&mut self, decoded: &[u8]) {
        let mut parts = decoded.splitn(3, |&b| b == 0);
        let (Some(authz), Some(user), Some(password)) = (parts.next(), parts.next(), parts.next())
        else {
            return self.error(501, "5.5.2", "malformed PLAIN response");
        };
        if !authz.is_empty() && authz != user {
            return self.error(535, "5.7.8", "authorization identity refused");
        }
        self.verify(user.to_vec(), password.to_vec());
    }

    fn login_user(&mut self, user: Vec<u8>) {
        match String::from_utf8(user) {
            Ok(u) => {
                self.auth = AuthStep::LoginPassword(u);
                self.reply(334, "", LOGIN_PASSWORD_PROMPT);
            }
            Err(_) => self.error(501, "5.5.2", "the user name is not UTF-8"),
        }
    }

    fn verify(&mut self, user: impl Into<Vec<u8>>, password: Vec<u8>) {
        let Ok(user) = String::from_utf8(user.into()) else {
            return self.error(501, "5.5.2", "the user name is not UTF-8");
        };
        self.auth = AuthStep::Verifying(user.clone());
        self.actions
            .push_back(Action::Authenticate { user, password });
    }
}
