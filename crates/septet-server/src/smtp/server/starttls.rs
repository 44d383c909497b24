//! STARTTLS (RFC 3207) in the session: the 220, the reset, and the
//! driver's report on the handshake.

use std::time::Instant;

use super::Session;

impl Session {
    /// The TLS handshake after [`Action::StartTls`](super::Action::StartTls) succeeded (`ok`) or
    /// failed (the session ends: the stream is unusable). The session
    /// starts over as after the greeting (RFC 3207 4.2): the client must
    /// send EHLO again.
    pub fn handle_tls(&mut self, now: Instant, ok: bool) {
        if !std::mem::take(&mut self.awaiting_tls) {
            return;
        }
        if ok {
            self.tls = true;
            self.touch(now);
        } else {
            self.output.clear();
            self.close();
        }
    }

    /// True once STARTTLS completed.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// STARTTLS (RFC 3207): 220, then everything about the session before
    /// it is forgotten.
    pub(super) fn starttls(&mut self) {
        if !self.config.starttls {
            return self.error(502, "5.5.1", "command not implemented");
        }
        if self.tls {
            return self.error(503, "5.5.1", "TLS already active");
        }
        self.reply(220, "2.0.0", "Ready to start TLS");
        self.reset_transaction();
        self.helo = None;
        self.awaiting_tls = true;
    }
}
