//! How a message goes to a hop, from the hop's EHLO (RFC 6152, 3030, 6531).

use crate::envelope::BodyType;
use crate::queue::RcptResult;

/// What the next hop announced in its EHLO reply.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// PIPELINING (RFC 2920).
    pub pipelining: bool,
    /// 8BITMIME (RFC 6152).
    pub eightbitmime: bool,
    /// BINARYMIME (RFC 3030).
    pub binarymime: bool,
    /// CHUNKING: BDAT (RFC 3030).
    pub chunking: bool,
    /// SMTPUTF8 (RFC 6531).
    pub smtputf8: bool,
    /// SIZE with its limit (0: none given).
    pub size: Option<u64>,
    /// STARTTLS (RFC 3207).
    pub starttls: bool,
}

impl Capabilities {
    /// Reads the keyword lines of an EHLO reply (the first is the greeting).
    pub fn parse(lines: &[String]) -> Capabilities {
        let mut caps = Capabilities::default();
        for line in lines.iter().skip(1) {
            let mut words = line.split_whitespace();
            let key = words.next().unwrap_or("").to_ascii_uppercase();
            match key.as_str() {
                "PIPELINING" => caps.pipelining = true,
                "8BITMIME" => caps.eightbitmime = true,
                "BINARYMIME" => caps.binarymime = true,
                "CHUNKING" => caps.chunking = true,
                "SMTPUTF8" => caps.smtputf8 = true,
                "STARTTLS" => caps.starttls = true,
                "SIZE" => caps.size = Some(words.next().and_then(|w| w.parse().ok()).unwrap_or(0)),
                _ => {}
            }
        }
        caps
    }
}

/// How the body is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transfer {
    /// DATA, dot-stuffed, as stored.
    Data,
    /// BDAT chunks, as stored.
    Bdat,
    /// DATA, through septet's downgrade to 7-bit.
    Downgrade,
}

/// What one message needs from the hop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageSpec {
    /// The reverse path (empty for `<>`).
    pub sender: String,
    /// The forward paths for this hop.
    pub recipients: Vec<String>,
    /// The declared body type.
    pub body: BodyType,
    /// The data holds 8-bit bytes.
    pub eight_bit: bool,
    /// SMTPUTF8 was requested.
    pub smtputf8: bool,
    /// The stored size in bytes.
    pub size: u64,
}

/// The transfer and `BODY=` for `spec` over a hop with `caps`, or why the
/// message cannot go there at all.
pub fn plan(
    caps: &Capabilities,
    spec: &MessageSpec,
) -> Result<(Transfer, Option<&'static str>), RcptResult> {
    if spec.smtputf8 && !caps.smtputf8 {
        return Err(RcptResult::Permanent(
            "553 5.6.7 the next hop does not support SMTPUTF8".into(),
        ));
    }
    if let Some(limit) = caps.size.filter(|&l| l > 0) {
        if spec.size > limit {
            return Err(RcptResult::Permanent(format!(
                "552 5.3.4 message of {} bytes over the next hop's limit of {limit}",
                spec.size
            )));
        }
    }
    let as_is = if caps.chunking {
        Transfer::Bdat
    } else {
        Transfer::Data
    };
    Ok(match spec.body {
        BodyType::BinaryMime if caps.chunking && caps.binarymime => {
            (Transfer::Bdat, Some("BINARYMIME"))
        }
        BodyType::BinaryMime => (Transfer::Downgrade, None),
        _ if !(spec.eight_bit || spec.body == BodyType::EightBitMime) => (as_is, None),
        _ if caps.eightbitmime => (as_is, Some("8BITMIME")),
        _ => (Transfer::Downgrade, None),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(body: BodyType, eight_bit: bool) -> MessageSpec {
        MessageSpec {
            sender: "a@b".into(),
            recipients: vec!["c@d".into()],
            body,
            eight_bit,
            smtputf8: false,
            size: 10,
        }
    }

    #[test]
    fn plans() {
        let ehlo = |exts: &[&str]| {
            let mut l = vec!["mx".to_owned()];
            l.extend(exts.iter().map(|s| s.to_string()));
            Capabilities::parse(&l)
        };
        let full = ehlo(&[
            "PIPELINING",
            "8BITMIME",
            "BINARYMIME",
            "CHUNKING",
            "SIZE 100",
        ]);
        assert_eq!(full.size, Some(100));
        let bin = spec(BodyType::BinaryMime, true);
        assert_eq!(plan(&full, &bin), Ok((Transfer::Bdat, Some("BINARYMIME"))));
        let eight = ehlo(&["8BITMIME"]);
        assert_eq!(plan(&eight, &bin), Ok((Transfer::Downgrade, None)));
        let e8 = spec(BodyType::EightBitMime, true);
        assert_eq!(plan(&eight, &e8), Ok((Transfer::Data, Some("8BITMIME"))));
        let seven = ehlo(&["PIPELINING"]);
        assert_eq!(plan(&seven, &e8), Ok((Transfer::Downgrade, None)));
        // Undeclared 8-bit data is downgraded too; 7-bit data goes as is.
        assert_eq!(
            plan(&seven, &spec(BodyType::SevenBit, true)),
            Ok((Transfer::Downgrade, None))
        );
        assert_eq!(
            plan(&seven, &spec(BodyType::SevenBit, false)),
            Ok((Transfer::Data, None))
        );
        let mut utf8 = e8.clone();
        utf8.smtputf8 = true;
        assert!(
            matches!(plan(&eight, &utf8), Err(RcptResult::Permanent(r)) if r.contains("5.6.7"))
        );
        let mut big = e8;
        big.size = 1000;
        assert!(plan(&full, &big).is_err());
    }
}
