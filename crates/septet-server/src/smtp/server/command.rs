//! Parsing of one command line (RFC 5321 4.1.1), without CRLF.

use crate::envelope::BodyType;

/// A parsed command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Command {
    Ehlo(String),
    Helo(String),
    Mail(MailArgs),
    Rcpt(String),
    Data,
    Bdat {
        size: u64,
        last: bool,
    },
    Rset,
    Noop,
    Vrfy,
    Help,
    Quit,
    StartTls,
    /// AUTH with its arguments (mechanism and initial response).
    Auth(String),
}

/// The arguments of `MAIL FROM:<path> params`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct MailArgs {
    pub sender: String,
    pub size: Option<u64>,
    pub body: BodyType,
    pub smtputf8: bool,
}

/// Why a line is not a command we run, with the reply to give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// Unknown verb: 500 5.5.1.
    Unknown,
    /// Known verb, bad arguments: 501 5.5.4 (or 555 for MAIL/RCPT parameters).
    Syntax(&'static str),
    /// An unknown MAIL/RCPT parameter: 555 5.5.4.
    Parameter,
}

/// Parses one command line (CRLF removed).
pub(crate) fn parse(line: &str) -> Result<Command, ParseError> {
    let (verb, rest) = match line.find(' ') {
        Some(i) => (&line[..i], line[i + 1..].trim()),
        None => (line, ""),
    };
    let verb = verb.to_ascii_uppercase();
    let no_args = |c: Command| {
        if rest.is_empty() {
            Ok(c)
        } else {
            Err(ParseError::Syntax("no arguments allowed"))
        }
    };
    match verb.as_str() {
        "EHLO" | "HELO" => {
            let name = rest.split(' ').next().unwrap_or("");
            if name.is_empty() {
                return Err(ParseError::Syntax("a domain name is required"));
            }
            Ok(if verb == "EHLO" {
                Command::Ehlo(name.to_owned())
            } else {
                Command::Helo(name.to_owned())
            })
        }
        "MAIL" => parse_mail(rest),
        "RCPT" => parse_rcpt(rest),
        "DATA" => no_args(Command::Data),
        "BDAT" => match septet::smtp::BdatReader::parse_command(line.as_bytes()) {
            Some((size, last)) => Ok(Command::Bdat { size, last }),
            None => Err(ParseError::Syntax("BDAT needs a size and optionally LAST")),
        },
        "RSET" => no_args(Command::Rset),
        "NOOP" => Ok(Command::Noop),
        "VRFY" | "EXPN" => Ok(Command::Vrfy),
        "HELP" => Ok(Command::Help),
        "QUIT" => no_args(Command::Quit),
        "STARTTLS" => no_args(Command::StartTls),
        "AUTH" => Ok(Command::Auth(rest.to_owned())),
        _ => Err(ParseError::Unknown),
    }
}

/// Splits `PREFIX:<path> params` (prefix matched case-insensitively; a
/// space after the colon is tolerated, as many clients send one).
fn path_and_params<'a>(rest: &'a str, prefix: &str) -> Option<(&'a str, &'a str)> {
    if rest.len() < prefix.len() || !rest[..prefix.len()].eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = rest[prefix.len()..].trim_start();
    let rest = rest.strip_prefix('<')?;
    let end = rest.find('>')?;
    let path = &rest[..end];
    Some((path, rest[end + 1..].trim()))
}

/// A mailbox is plausible: `local@domain`, no blanks or controls, and an
/// optional source route (`@a,@b:`) removed.
fn mailbox(path: &str) -> Option<String> {
    let path = match path.strip_prefix('@') {
        Some(route) => route.split_once(':')?.1,
        None => path,
    };
    let (local, domain) = path.rsplit_once('@')?;
    let bad = |s: &str| s.is_empty() || s.chars().any(|c| c.is_control() || c == ' ');
    if bad(local) || bad(domain) || path.len() > 320 {
        return None;
    }
    Some(path.to_owned())
}

fn parse_mail(rest: &str) -> Result<Command, ParseError> {
    let (path, params) =
        path_and_params(rest, "FROM:").ok_or(ParseError::Syntax("use MAIL FROM:<address>"))?;
    let sender = if path.is_empty() {
        String::new()
    } else {
        mailbox(path).ok_or(ParseError::Syntax("bad sender address"))?
    };
    let mut args = MailArgs {
        sender,
        ..MailArgs::default()
    };
    for param in params.split(' ').filter(|p| !p.is_empty()) {
        let (key, value) = match param.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (param, None),
        };
        match (key.to_ascii_uppercase().as_str(), value) {
            ("SIZE", Some(v)) => {
                let n = v
                    .parse()
                    .map_err(|_| ParseError::Syntax("bad SIZE value"))?;
                args.size = Some(n);
            }
            ("BODY", Some(v)) => {
                args.body = match v.to_ascii_uppercase().as_str() {
                    "7BIT" => BodyType::SevenBit,
                    "8BITMIME" => BodyType::EightBitMime,
                    "BINARYMIME" => BodyType::BinaryMime,
                    _ => return Err(ParseError::Syntax("bad BODY value")),
                }
            }
            ("SMTPUTF8", None) => args.smtputf8 = true,
            _ => return Err(ParseError::Parameter),
        }
    }
    Ok(Command::Mail(args))
}

fn parse_rcpt(rest: &str) -> Result<Command, ParseError> {
    let (path, params) =
        path_and_params(rest, "TO:").ok_or(ParseError::Syntax("use RCPT TO:<address>"))?;
    if !params.is_empty() {
        return Err(ParseError::Parameter);
    }
    let mailbox = mailbox(path).ok_or(ParseError::Syntax("bad recipient address"))?;
    Ok(Command::Rcpt(mailbox))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_parameters() {
        let Ok(Command::Mail(m)) = parse("MAIL FROM:<a@b.c> SIZE=100 BODY=8BITMIME SMTPUTF8")
        else {
            panic!("not parsed");
        };
        assert_eq!(
            m,
            MailArgs {
                sender: "a@b.c".into(),
                size: Some(100),
                body: BodyType::EightBitMime,
                smtputf8: true
            }
        );
        assert_eq!(
            parse("mail from: <>"),
            Ok(Command::Mail(MailArgs::default()))
        );
        assert_eq!(parse("MAIL FROM:<a@b> XYZ=1"), Err(ParseError::Parameter));
        assert!(matches!(parse("MAIL TO:<a@b>"), Err(ParseError::Syntax(_))));
    }

    #[test]
    fn rcpt_and_others() {
        assert_eq!(
            parse("RCPT TO:<@r.x:u@d.x>"),
            Ok(Command::Rcpt("u@d.x".into()))
        );
        assert!(parse("RCPT TO:<nodomain>").is_err());
        assert_eq!(
            parse("bdat 10 LAST"),
            Ok(Command::Bdat {
                size: 10,
                last: true
            })
        );
        assert_eq!(parse("FOO"), Err(ParseError::Unknown));
        assert!(parse("DATA x").is_err());
    }
}
