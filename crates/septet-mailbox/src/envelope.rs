//! What a writer invents when the source format lacks it: an mbox
//! separator line for a message from a file, and Maildir flags for a
//! message from an mbox (from its `Status` and `X-Status` fields, the way
//! mutt and Python's `mailbox` map them).

use super::lines::{header_block, header_value, trim, HEADER_SCAN_LIMIT};
use super::Subdir;

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The header lines of `message` (all of it when no empty line ends them).
fn header_of(message: &[u8]) -> &[u8] {
    match header_block(message, 0, HEADER_SCAN_LIMIT) {
        Some((end, _)) => &message[..end],
        None => &message[..message.len().min(HEADER_SCAN_LIMIT)],
    }
}

/// A separator line (`From sender date`, no terminator) for a message
/// that has none: the sender is the `Return-Path` address, or
/// `MAILER-DAEMON` when there is none, it is empty (`<>`), or it holds
/// spaces or control bytes; the date is `time` (Unix seconds, UTC) in the
/// `asctime` form every mbox reader parses, or the epoch when unknown.
///
/// ```
/// use septet_mailbox::synthesize_from_line;
/// let msg = b"Return-Path: <alice@example.org>\r\nSubject: hi\r\n\r\nbody\r\n";
/// assert_eq!(
///     synthesize_from_line(msg, Some(1_700_000_000)),
///     b"From alice@example.org Tue Nov 14 22:13:20 2023"
/// );
/// assert_eq!(synthesize_from_line(b"\n", None), b"From MAILER-DAEMON Thu Jan  1 00:00:00 1970");
/// ```
pub fn synthesize_from_line(message: &[u8], time: Option<i64>) -> Vec<u8> {
    let sender = header_value(header_of(message), b"return-path")
        .map(|v| {
            let v = trim(v);
            let v = v.strip_prefix(b"<").unwrap_or(v);
            trim(v.strip_suffix(b">").unwrap_or(v))
        })
        .filter(|v| !v.is_empty() && v.iter().all(|&b| b > b' ' && b != 0x7f))
        .unwrap_or(b"MAILER-DAEMON");
    let mut line = Vec::with_capacity(sender.len() + 30);
    line.extend_from_slice(b"From ");
    line.extend_from_slice(sender);
    line.push(b' ');
    line.extend_from_slice(asctime(time.unwrap_or(0)).as_bytes());
    line
}

/// `Www Mmm dd hh:mm:ss yyyy` (day padded with a space) for Unix seconds,
/// UTC; proleptic Gregorian, so any `i64` works.
fn asctime(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    // 1970-01-01 was a Thursday.
    let weekday = DAYS[(days + 4).rem_euclid(7) as usize];
    format!(
        "{weekday} {} {day:>2} {:02}:{:02}:{:02} {year}",
        MONTHS[(month - 1) as usize],
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// (year, month 1-12, day 1-31) of a day count since 1970-01-01, by the
/// era arithmetic of Howard Hinnant's `civil_from_days` (public domain
/// algorithm, re-derived here).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Maildir placement for a message from an mbox, from its `Status` (`R`
/// read → `S`, `O` old → `cur/`) and `X-Status` (`A` answered → `R`, `F`
/// flagged → `F`, `D` deleted → `T`) fields: the subdirectory and the
/// info (`2,FRS`, flags sorted), `None` for `new/` without flags.
///
/// ```
/// use septet_mailbox::{maildir_flags_from_status, Subdir};
/// let msg = b"Status: RO\nX-Status: AF\n\nbody\n";
/// assert_eq!(maildir_flags_from_status(msg), (Subdir::Cur, Some("2,FRS".to_owned())));
/// assert_eq!(maildir_flags_from_status(b"Subject: x\n\n"), (Subdir::New, None));
/// ```
pub fn maildir_flags_from_status(message: &[u8]) -> (Subdir, Option<String>) {
    let header = header_of(message);
    let status = header_value(header, b"status").unwrap_or(b"");
    let x_status = header_value(header, b"x-status").unwrap_or(b"");
    let mut flags = Vec::new();
    for (field, letter, flag) in [
        (x_status, b'F', 'F'),
        (x_status, b'A', 'R'),
        (status, b'R', 'S'),
        (x_status, b'D', 'T'),
    ] {
        if field.contains(&letter) {
            flags.push(flag);
        }
    }
    if flags.is_empty() && !status.contains(&b'O') {
        return (Subdir::New, None);
    }
    let info: String = "2,".chars().chain(flags).collect();
    (Subdir::Cur, Some(info))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(asctime(0), "Thu Jan  1 00:00:00 1970");
        assert_eq!(asctime(951_782_400), "Tue Feb 29 00:00:00 2000");
        assert_eq!(asctime(-1), "Wed Dec 31 23:59:59 1969");
        assert_eq!(asctime(4_102_444_799), "Thu Dec 31 23:59:59 2099");
        // Extremes must not panic.
        let _ = asctime(i64::MAX / 2);
        let _ = asctime(i64::MIN / 2);
    }

    #[test]
    fn senders() {
        let from = |m: &[u8]| String::from_utf8(synthesize_from_line(m, Some(0))).unwrap();
        assert!(from(b"Return-Path: <>\n\n").starts_with("From MAILER-DAEMON "));
        assert!(from(b"Return-Path: <a b@c>\n\n").starts_with("From MAILER-DAEMON "));
        assert!(from(b"return-path:  x@y \n\n").starts_with("From x@y Thu"));
        assert!(from(b"Subject: x\n\nReturn-Path: <no@body>\n").starts_with("From MAILER-DAEMON "));
    }

    #[test]
    fn status_only_old() {
        assert_eq!(
            maildir_flags_from_status(b"Status: O\n\n"),
            (Subdir::Cur, Some("2,".to_owned()))
        );
        assert_eq!(
            maildir_flags_from_status(b"X-Status: D\n\n"),
            (Subdir::Cur, Some("2,T".to_owned()))
        );
    }
}
