use std::io::Write;

use super::*;
use crate::envelope::{BodyType, Origin, RcptState, Recipient};

fn envelope(id: &str) -> Envelope {
    Envelope {
        id: id.into(),
        sender: "a@b.test".into(),
        recipients: vec![Recipient {
            address: "u@local.test".into(),
            state: RcptState::Pending,
            last_reply: None,
        }],
        body: BodyType::EightBitMime,
        smtputf8: false,
        eight_bit: true,
        received_at: 1,
        attempts: 0,
        next_attempt: 1,
        origin: Origin::default(),
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("septet-spool-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    d
}

#[test]
fn commit_recover_remove() {
    let dir = temp_dir("crr");
    let spool = Spool::open(&dir).unwrap();
    let (a, b) = (spool.new_id(), spool.new_id());
    assert_ne!(a, b);
    let mut fa = spool.create(&a).unwrap();
    fa.write_all(b"Subject: a\r\n\r\nbody\r\n").unwrap();
    let mut fb = spool.create(&b).unwrap();
    fb.write_all(b"never committed").unwrap();
    let results = spool.commit_batch(vec![Pending {
        envelope: envelope(&a),
        file: fa,
    }]);
    assert!(results[0].is_ok());
    // A crash here: b's tmp file and an orphan .msg are left behind.
    fs::write(dir.join("ORPHAN.msg"), b"x").unwrap();
    let (envs, broken) = Spool::open(&dir).unwrap().recover().unwrap();
    assert_eq!(envs, vec![envelope(&a)]);
    assert!(broken.is_empty());
    let mut names: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, [format!("{a}.env"), format!("{a}.msg")]);
    assert_eq!(
        fs::read(spool.message_path(&a)).unwrap(),
        b"Subject: a\r\n\r\nbody\r\n"
    );
    let mut e = envelope(&a);
    e.attempts = 3;
    spool.save(&e).unwrap();
    assert_eq!(spool.list().unwrap(), vec![e]);
    spool.remove(&a).unwrap();
    assert!(spool.list().unwrap().is_empty());
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn reused_files_hold_only_the_new_message() {
    let dir = temp_dir("reuse");
    let spool = Spool::open(&dir).unwrap();
    assert!(spool.recover().unwrap().0.is_empty());
    let big = spool.new_id();
    let mut f = spool.create(&big).unwrap();
    f.write_all(&vec![b'x'; 100_000]).unwrap();
    let mut env = envelope(&big);
    env.recipients[0].address = "a-much-longer-address-than-the-next-one@example.test".into();
    assert!(spool.commit_batch(vec![Pending {
        envelope: env,
        file: f
    }])[0]
        .is_ok());
    spool.remove(&big).unwrap();
    assert!(!spool.message_path(&big).exists());
    // Not reused before a folder fsync has made the removal durable.
    let early = spool.new_id();
    spool.create(&early).unwrap();
    assert_eq!(fs::read(spool.message_path(&early)).unwrap(), b"");
    spool.discard(&early);
    spool.sync_staged(&mut [Ok(())]);
    // Now the next message and envelope take the freed files.
    let small = spool.new_id();
    let mut f = spool.create(&small).unwrap();
    f.write_all(b"Subject: s\r\n\r\nshort\r\n").unwrap();
    let results = spool.commit_batch(vec![Pending {
        envelope: envelope(&small),
        file: f,
    }]);
    assert!(results[0].is_ok());
    assert_eq!(
        fs::read(spool.message_path(&small)).unwrap(),
        b"Subject: s\r\n\r\nshort\r\n"
    );
    assert_eq!(spool.load(&small).unwrap(), envelope(&small));
    let names = || -> Vec<String> {
        let mut n: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        n.sort();
        n
    };
    // Kept in reserve in `free/`: only one message file (the one reused
    // was `big`'s or the discarded `early`'s; the envelope was `big`'s).
    assert_eq!(
        names(),
        [
            format!("{small}.env"),
            format!("{small}.msg"),
            "free".into()
        ]
    );
    assert_eq!(fs::read_dir(dir.join("free")).unwrap().count(), 1);
    // A restart deletes what was kept.
    let (envs, broken) = Spool::open(&dir).unwrap().recover().unwrap();
    assert_eq!(envs, vec![envelope(&small)]);
    assert!(broken.is_empty());
    assert_eq!(names(), [format!("{small}.env"), format!("{small}.msg")]);
    // A clean stop deletes what is kept.
    let gone = spool.new_id();
    spool.create(&gone).unwrap();
    spool.discard(&gone);
    assert_eq!(fs::read_dir(dir.join("free")).unwrap().count(), 1);
    spool.clear_free();
    assert_eq!(names(), [format!("{small}.env"), format!("{small}.msg")]);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn without_recovery_files_are_deleted() {
    let dir = temp_dir("norecycle");
    let spool = Spool::open(&dir).unwrap();
    let id = spool.new_id();
    let f = spool.create(&id).unwrap();
    assert!(spool.commit_batch(vec![Pending {
        envelope: envelope(&id),
        file: f
    }])[0]
        .is_ok());
    spool.remove(&id).unwrap();
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
    let _ = fs::remove_dir_all(&dir);
}
