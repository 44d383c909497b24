//! The users file of the access servers (POP3, IMAP): one
//! `user:argon2-PHC-hash` per line, `#` comments and blank lines ignored;
//! and the rate limiting of wrong passwords.
//!
//! The file is written by `septet passwd` ([`set_password`]). Verifying
//! runs argon2 even for an unknown user (against a fixed dummy hash), so
//! the time taken does not tell which user names exist.
//! [`FailureLimiter`] is sans-IO: it takes `now` and keeps counters.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// What went wrong reading or writing a users file.
#[derive(Debug)]
pub enum UsersError {
    /// The file could not be read or written.
    Io(io::Error),
    /// Line `line` (1-based) is not `user:hash` with a valid user name and
    /// an argon2 PHC string.
    Syntax {
        /// The 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The user name given is not valid (see [`valid_user_name`]).
    BadUserName,
    /// Hashing failed (argon2 parameters).
    Hash(String),
}

impl fmt::Display for UsersError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsersError::Io(e) => write!(f, "users file: {e}"),
            UsersError::Syntax { line, reason } => write!(f, "users file line {line}: {reason}"),
            UsersError::BadUserName => f.write_str(
                "bad user name: use 1 to 64 of A-Z a-z 0-9 . _ - @ +, not starting with '.'",
            ),
            UsersError::Hash(e) => write!(f, "password hashing failed: {e}"),
        }
    }
}

impl std::error::Error for UsersError {}

impl From<io::Error> for UsersError {
    fn from(e: io::Error) -> Self {
        UsersError::Io(e)
    }
}

/// Whether `name` can be a user: it names a folder under the Maildir
/// root, so it is 1..=64 of `A-Za-z0-9._-@+` and does not start with `.`
/// (no `..`, no `/`, no hidden folders).
pub fn valid_user_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-@+".contains(&b))
}

/// The users and their password hashes.
#[derive(Clone, Debug, Default)]
pub struct Users {
    hashes: HashMap<String, String>,
}

/// A valid argon2id hash of a random password, verified against when the
/// user is unknown so that both cases cost one argon2 run.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2VwdGV0ZHVtbXlzYWx0$0f4Ckw6YcgSeqkRRqhv0yvTunCVMw2uqWYxZgQxeVWs";

impl Users {
    /// Reads and checks a users file.
    pub fn load(path: &Path) -> Result<Users, UsersError> {
        Users::parse(&std::fs::read_to_string(path)?)
    }

    /// Parses the text of a users file.
    pub fn parse(text: &str) -> Result<Users, UsersError> {
        let mut hashes = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let syntax = |reason| UsersError::Syntax {
                line: i + 1,
                reason,
            };
            let (user, hash) = line.split_once(':').ok_or(syntax("no ':'"))?;
            if !valid_user_name(user) {
                return Err(syntax("bad user name"));
            }
            if PasswordHash::new(hash).is_err() {
                return Err(syntax("not a PHC hash string"));
            }
            hashes.insert(user.to_owned(), hash.to_owned());
        }
        Ok(Users { hashes })
    }

    /// Whether `user` exists.
    pub fn contains(&self, user: &str) -> bool {
        self.hashes.contains_key(user)
    }

    /// The number of users.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether there are no users.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// Whether `password` is `user`'s. An unknown user costs the same
    /// argon2 run as a known one.
    pub fn verify(&self, user: &str, password: &[u8]) -> bool {
        let (hash, known) = match self.hashes.get(user) {
            Some(h) => (h.as_str(), true),
            None => (DUMMY_HASH, false),
        };
        let ok = PasswordHash::new(hash)
            .map(|h| Argon2::default().verify_password(password, &h).is_ok())
            .unwrap_or(false);
        ok && known
    }
}

/// An argon2id PHC string for `password` with a fresh random salt.
pub fn hash_password(password: &[u8]) -> Result<String, UsersError> {
    let mut salt = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut salt)?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| UsersError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password, &salt)
        .map(|h| h.to_string())
        .map_err(|e| UsersError::Hash(e.to_string()))
}

/// Sets `user`'s password in the users file at `path` (created if
/// missing): the user's line is replaced, or appended. The file is
/// replaced atomically (written beside it, then renamed), mode 0600.
pub fn set_password(path: &Path, user: &str, password: &[u8]) -> Result<(), UsersError> {
    if !valid_user_name(user) {
        return Err(UsersError::BadUserName);
    }
    let old = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e.into()),
    };
    // A broken file is reported, not silently rewritten.
    Users::parse(&old)?;
    let line = format!("{user}:{}", hash_password(password)?);
    let mut out = String::new();
    let mut replaced = false;
    for l in old.lines() {
        if l.trim().split_once(':').map(|(u, _)| u) == Some(user) {
            if !replaced {
                out.push_str(&line);
                out.push('\n');
                replaced = true;
            }
        } else {
            out.push_str(l);
            out.push('\n');
        }
    }
    if !replaced {
        out.push_str(&line);
        out.push('\n');
    }
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(".tmp");
    let tmp = Path::new(&tmp_name);
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(tmp)?;
        f.write_all(out.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(tmp, path)?;
    Ok(())
}

/// Limits on wrong passwords.
#[derive(Clone, Copy, Debug)]
pub struct LimiterConfig {
    /// Wrong passwords allowed per key within `window` before refusing.
    pub max_failures: u32,
    /// How long failures are remembered (and a locked key waits).
    pub window: Duration,
}

impl Default for LimiterConfig {
    fn default() -> Self {
        LimiterConfig {
            max_failures: 5,
            window: Duration::from_secs(60),
        }
    }
}

/// Counts wrong passwords per key (a client address, a user name); past
/// the limit, attempts are refused without checking the password until
/// the window has passed since the last failure. Sans-IO: the caller
/// passes `now`.
#[derive(Debug, Default)]
pub struct FailureLimiter {
    config: LimiterConfig,
    failures: HashMap<String, (u32, Instant)>,
}

impl FailureLimiter {
    /// An empty limiter.
    pub fn new(config: LimiterConfig) -> FailureLimiter {
        FailureLimiter {
            config,
            failures: HashMap::new(),
        }
    }

    /// Whether an attempt for `key` may go ahead at `now`.
    pub fn allowed(&self, key: &str, now: Instant) -> bool {
        match self.failures.get(key) {
            Some(&(n, last)) => {
                n < self.config.max_failures || now.duration_since(last) >= self.config.window
            }
            None => true,
        }
    }

    /// Records a wrong password for `key` at `now`.
    pub fn failure(&mut self, key: &str, now: Instant) {
        let window = self.config.window;
        // Forget old entries so the table stays bounded by recent abuse.
        if self.failures.len() > 10_000 {
            self.failures
                .retain(|_, (_, t)| now.duration_since(*t) < window);
        }
        let e = self.failures.entry(key.to_owned()).or_insert((0, now));
        if now.duration_since(e.1) >= window {
            e.0 = 0;
        }
        e.0 = e.0.saturating_add(1);
        e.1 = now;
    }

    /// A right password for `key`: its count is cleared.
    pub fn success(&mut self, key: &str) {
        self.failures.remove(key);
    }
}

/// The authentication of every access session: the users and the
/// limiter, shared by the sessions of a process.
#[derive(Debug)]
pub struct Authenticator {
    users: Users,
    limiter: Mutex<FailureLimiter>,
}

/// The verdict on a login attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthResult {
    /// The password is right.
    Ok,
    /// Wrong user or password.
    Failed,
    /// Too many failures lately from this client or for this user.
    RateLimited,
}

impl Authenticator {
    /// Authentication against `users`.
    pub fn new(users: Users, config: LimiterConfig) -> Authenticator {
        Authenticator {
            users,
            limiter: Mutex::new(FailureLimiter::new(config)),
        }
    }

    /// Checks `user`'s `password` from `client` (its address) at `now`;
    /// failures count against both the client and the user.
    pub fn authenticate(
        &self,
        client: &str,
        user: &str,
        password: &[u8],
        now: Instant,
    ) -> AuthResult {
        let ckey = format!("c:{client}");
        let ukey = format!("u:{user}");
        {
            let lim = self.limiter.lock().unwrap_or_else(|p| p.into_inner());
            if !lim.allowed(&ckey, now) || !lim.allowed(&ukey, now) {
                return AuthResult::RateLimited;
            }
        }
        let ok = self.users.verify(user, password);
        let mut lim = self.limiter.lock().unwrap_or_else(|p| p.into_inner());
        if ok {
            lim.success(&ckey);
            lim.success(&ukey);
            AuthResult::Ok
        } else {
            lim.failure(&ckey, now);
            lim.failure(&ukey, now);
            AuthResult::Failed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dummy_hash_parses() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn hash_and_verify() {
        let h = hash_password(b"secret").unwrap();
        let users = Users::parse(&format!("# comment\n\nalice:{h}\n")).unwrap();
        assert!(users.verify("alice", b"secret"));
        assert!(!users.verify("alice", b"wrong"));
        assert!(!users.verify("bob", b"secret"));
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let e = Users::parse("# c\nalice\n").unwrap_err();
        assert!(matches!(e, UsersError::Syntax { line: 2, .. }), "{e}");
        let e = Users::parse("../x:$argon2id$v=19$m=1,t=1,p=1$c2FsdHNhbHQ$aGFzaA\n").unwrap_err();
        assert!(matches!(e, UsersError::Syntax { line: 1, .. }), "{e}");
        let e = Users::parse("bob:plain\n").unwrap_err();
        assert!(matches!(e, UsersError::Syntax { line: 1, .. }), "{e}");
    }

    #[test]
    fn user_names() {
        assert!(valid_user_name("alice"));
        assert!(valid_user_name("a.b-c_d@example.org"));
        for bad in [
            "",
            ".",
            "..",
            ".hidden",
            "a/b",
            "a b",
            "a:b",
            &"x".repeat(65),
        ] {
            assert!(!valid_user_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn set_password_appends_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users");
        set_password(&path, "alice", b"one").unwrap();
        set_password(&path, "bob", b"two").unwrap();
        set_password(&path, "alice", b"three").unwrap();
        let users = Users::load(&path).unwrap();
        assert_eq!(users.len(), 2);
        assert!(users.verify("alice", b"three"));
        assert!(!users.verify("alice", b"one"));
        assert!(users.verify("bob", b"two"));
        assert!(matches!(
            set_password(&path, "a/b", b"x"),
            Err(UsersError::BadUserName)
        ));
    }

    #[test]
    fn limiter_locks_and_unlocks() {
        let t0 = Instant::now();
        let cfg = LimiterConfig {
            max_failures: 3,
            window: Duration::from_secs(60),
        };
        let mut lim = FailureLimiter::new(cfg);
        for _ in 0..3 {
            assert!(lim.allowed("k", t0));
            lim.failure("k", t0);
        }
        assert!(!lim.allowed("k", t0 + Duration::from_secs(59)));
        assert!(lim.allowed("other", t0));
        assert!(lim.allowed("k", t0 + Duration::from_secs(60)));
        lim.success("k");
        assert!(lim.allowed("k", t0));
    }

    #[test]
    fn authenticator_rate_limits_wrong_passwords() {
        let h = hash_password(b"pw").unwrap();
        let auth = Authenticator::new(
            Users::parse(&format!("alice:{h}\n")).unwrap(),
            LimiterConfig {
                max_failures: 2,
                window: Duration::from_secs(30),
            },
        );
        let t = Instant::now();
        assert_eq!(
            auth.authenticate("1.2.3.4", "alice", b"x", t),
            AuthResult::Failed
        );
        assert_eq!(
            auth.authenticate("1.2.3.4", "alice", b"x", t),
            AuthResult::Failed
        );
        // Even the right password waits out the window.
        assert_eq!(
            auth.authenticate("5.6.7.8", "alice", b"pw", t),
            AuthResult::RateLimited
        );
        let later = t + Duration::from_secs(31);
        assert_eq!(
            auth.authenticate("1.2.3.4", "alice", b"pw", later),
            AuthResult::Ok
        );
    }
}
