//! SMTP replies as a client reads them (RFC 5321 4.2): `XYZ-text`
//! continuation lines, then `XYZ text`.

/// One complete reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit code.
    pub code: u16,
    /// The text of each line, without code and separator.
    pub lines: Vec<String>,
}

impl Reply {
    /// 2xx or 3xx.
    pub fn is_positive(&self) -> bool {
        (200..400).contains(&self.code)
    }

    /// 4xx (or anything that is neither positive nor 5xx).
    pub fn is_temporary(&self) -> bool {
        !self.is_positive() && !self.is_permanent()
    }

    /// 5xx.
    pub fn is_permanent(&self) -> bool {
        (500..600).contains(&self.code)
    }

    /// `CODE text` of the last line, for logs and DSNs.
    pub fn summary(&self) -> String {
        format!(
            "{} {}",
            self.code,
            self.lines.last().map_or("", String::as_str)
        )
    }
}

/// Collects reply lines from received bytes.
#[derive(Debug, Default)]
pub struct ReplyParser {
    buf: Vec<u8>,
    lines: Vec<String>,
}

/// A reply line longer than this is an error (RFC 5321 allows 512).
const MAX_REPLY_LINE: usize = 4096;

impl ReplyParser {
    /// Feeds bytes; complete replies go to `out`. `Err` on a line that is
    /// not a reply.
    pub fn feed(&mut self, data: &[u8], out: &mut Vec<Reply>) -> Result<(), String> {
        self.buf.extend_from_slice(data);
        let mut start = 0;
        while let Some(k) = self.buf[start..].iter().position(|&b| b == b'\n') {
            let raw = &self.buf[start..start + k];
            start += k + 1;
            let line = String::from_utf8_lossy(raw.strip_suffix(b"\r").unwrap_or(raw)).into_owned();
            let code = line
                .get(..3)
                .filter(|c| c.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|c| c.parse::<u16>().ok())
                .ok_or_else(|| format!("not an SMTP reply: {line:?}"))?;
            let sep = line.as_bytes().get(3).copied();
            self.lines.push(line.get(4..).unwrap_or("").to_owned());
            if sep != Some(b'-') {
                out.push(Reply {
                    code,
                    lines: std::mem::take(&mut self.lines),
                });
            }
        }
        self.buf.drain(..start);
        if self.buf.len() > MAX_REPLY_LINE {
            return Err("reply line too long".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiline_split_anywhere() {
        let wire = b"250-mx\r\n250-8BITMIME\r\n250 SIZE 10\r\n354 go\r\n";
        for split in 0..wire.len() {
            let mut p = ReplyParser::default();
            let mut out = Vec::new();
            p.feed(&wire[..split], &mut out).unwrap();
            p.feed(&wire[split..], &mut out).unwrap();
            assert_eq!(out.len(), 2);
            assert_eq!(out[0].lines, ["mx", "8BITMIME", "SIZE 10"]);
            assert_eq!(out[1].summary(), "354 go");
        }
        assert!(ReplyParser::default()
            .feed(b"hello\r\n", &mut Vec::new())
            .is_err());
    }
}
