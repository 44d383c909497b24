//! Choosing the next hops for a domain (RFC 5321 §5.1, RFC 7505), sans-IO:
//! DNS answers in, an ordered list of hosts (then of addresses) or a
//! verdict out. The driver (`driver/resolve.rs`) only asks the questions.
//!
//! - MX records are tried by preference, lowest first; equal preferences
//!   keep the order the resolver gave (RFC 5321 allows either that or a
//!   shuffle, and a fixed order keeps the tests deterministic).
//! - No MX at all (the name exists): the implicit MX, the domain itself.
//! - A null MX (`MX 0 .`, RFC 7505): the domain takes no mail: 5.1.10.
//! - NXDOMAIN: 5.1.2, permanent. SERVFAIL, timeouts: 4.4.3, retried.
//! - When this host is one of the MX hosts, only the more preferred ones
//!   are candidates (RFC 5321 §5.1), so mail never loops back to itself.

use std::net::IpAddr;

use crate::queue::RcptResult;

/// One MX record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mx {
    /// Lower is tried first.
    pub preference: u16,
    /// The mail exchanger's host name (no trailing dot; empty for the root, `.`).
    pub exchange: String,
}

/// The answer to an MX query, as the driver classified it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MxLookup {
    /// The records (possibly a null MX).
    Found(Vec<Mx>),
    /// The name exists but has no MX records (NOERROR, empty answer).
    NoRecords,
    /// The name does not exist (NXDOMAIN).
    NxDomain,
    /// SERVFAIL, a timeout, no name server reachable: try again later.
    Failed(String),
}

/// The answer to an address (A/AAAA) query for one host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddrLookup {
    /// The host's addresses.
    Found(Vec<IpAddr>),
    /// NXDOMAIN, or no A/AAAA records.
    NoRecords,
    /// SERVFAIL, a timeout: try again later.
    Failed(String),
}

/// Where mail for a domain goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// Try these hosts in order; `implicit` when there was no MX and the
    /// only host is the domain itself.
    Hosts {
        /// Host names, most preferred first.
        hosts: Vec<String>,
        /// The domain had no MX records (RFC 5321 §5.1 implicit MX).
        implicit: bool,
    },
    /// A domain literal (`[192.0.2.1]`): that address, no DNS.
    Literal(IpAddr),
    /// Not deliverable: the recipients fail (permanently or for now).
    Fail(RcptResult),
}

/// The most MX hosts tried per attempt (Postfix's `smtp_mx_address_limit`
/// spirit: a domain with fifty MX records should not stall a worker).
pub const MAX_HOSTS: usize = 10;

fn normalize(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// A domain literal's address: `[192.0.2.1]` or `[IPv6:2001:db8::1]`.
pub fn literal(domain: &str) -> Option<IpAddr> {
    let inner = domain.strip_prefix('[')?.strip_suffix(']')?;
    let inner = inner
        .strip_prefix("IPv6:")
        .or_else(|| inner.strip_prefix("ipv6:"))
        .unwrap_or(inner);
    inner.parse().ok()
}

/// Decides the hosts to try for `domain` from its MX answer. `me` are this
/// relay's own names (its hostname): an MX naming it cuts the list there.
pub fn route(domain: &str, answer: MxLookup, me: &[String]) -> Route {
    if domain.starts_with('[') {
        return match literal(domain) {
            Some(ip) => Route::Literal(ip),
            None => Route::Fail(RcptResult::Permanent(format!(
                "553 5.1.3 bad domain literal {domain}"
            ))),
        };
    }
    let domain = normalize(domain);
    let mut records = match answer {
        MxLookup::Found(r) if !r.is_empty() => r,
        MxLookup::Found(_) | MxLookup::NoRecords => {
            return Route::Hosts {
                hosts: vec![domain],
                implicit: true,
            }
        }
        MxLookup::NxDomain => {
            return Route::Fail(RcptResult::Permanent(format!(
                "550 5.1.2 domain {domain} does not exist (NXDOMAIN)"
            )))
        }
        MxLookup::Failed(why) => {
            return Route::Fail(RcptResult::Temporary(format!(
                "451 4.4.3 MX lookup for {domain} failed: {why}"
            )))
        }
    };
    for r in &mut records {
        r.exchange = normalize(&r.exchange);
    }
    // RFC 7505 §3: a null MX is the only record; any root exchange among
    // real hosts is just unusable and skipped.
    if records.iter().all(|r| r.exchange.is_empty()) {
        return Route::Fail(RcptResult::Permanent(format!(
            "556 5.1.10 domain {domain} accepts no mail (null MX, RFC 7505)"
        )));
    }
    records.retain(|r| !r.exchange.is_empty());
    // Stable: equal preferences keep the resolver's order.
    records.sort_by_key(|r| r.preference);
    let me: Vec<String> = me.iter().map(|m| normalize(m)).collect();
    if let Some(mine) = records.iter().find(|r| me.contains(&r.exchange)) {
        let cut = mine.preference;
        records.retain(|r| r.preference < cut);
        if records.is_empty() {
            return Route::Fail(RcptResult::Permanent(format!(
                "554 5.4.6 mail for {domain} loops back to myself (this host is its best MX)"
            )));
        }
    }
    let mut hosts: Vec<String> = Vec::new();
    for r in records {
        if !hosts.contains(&r.exchange) {
            hosts.push(r.exchange);
        }
    }
    hosts.truncate(MAX_HOSTS);
    Route::Hosts {
        hosts,
        implicit: false,
    }
}

/// The addresses to dial, in order, from the hosts of a [`Route::Hosts`]
/// and one [`AddrLookup`] per host (same order). Addresses repeated across
/// hosts are dialled once.
pub fn addresses(
    domain: &str,
    implicit: bool,
    lookups: Vec<AddrLookup>,
) -> Result<Vec<IpAddr>, RcptResult> {
    let mut out: Vec<IpAddr> = Vec::new();
    let mut failed = None;
    for l in lookups {
        match l {
            AddrLookup::Found(ips) => {
                for ip in ips {
                    if !out.contains(&ip) {
                        out.push(ip);
                    }
                }
            }
            AddrLookup::NoRecords => {}
            AddrLookup::Failed(why) => {
                failed.get_or_insert(why);
            }
        }
    }
    if !out.is_empty() {
        return Ok(out);
    }
    let domain = normalize(domain);
    Err(match failed {
        Some(why) => RcptResult::Temporary(format!(
            "451 4.4.3 address lookup for the MX hosts of {domain} failed: {why}"
        )),
        None if implicit => RcptResult::Permanent(format!(
            "550 5.1.2 domain {domain} has no MX and no address"
        )),
        // A broken MX host name is often fixed within the retry period.
        None => RcptResult::Temporary(format!("451 4.4.4 no MX host of {domain} has an address")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mx(p: u16, h: &str) -> Mx {
        Mx {
            preference: p,
            exchange: h.into(),
        }
    }

    fn hosts(r: Route) -> Vec<String> {
        match r {
            Route::Hosts { hosts, .. } => hosts,
            other => panic!("not hosts: {other:?}"),
        }
    }

    fn fail(r: Route) -> RcptResult {
        match r {
            Route::Fail(f) => f,
            other => panic!("not a failure: {other:?}"),
        }
    }

    #[test]
    fn sorted_by_preference_stable_for_ties() {
        let r = route(
            "Example.TEST",
            MxLookup::Found(vec![
                mx(20, "c.example.test."),
                mx(10, "B.example.test."),
                mx(10, "a.example.test"),
                mx(30, "b.example.test"),
            ]),
            &[],
        );
        assert_eq!(
            hosts(r),
            ["b.example.test", "a.example.test", "c.example.test"]
        );
    }

    #[test]
    fn implicit_mx_when_no_records() {
        for answer in [MxLookup::NoRecords, MxLookup::Found(vec![])] {
            assert_eq!(
                route("x.test.", answer, &[]),
                Route::Hosts {
                    hosts: vec!["x.test".into()],
                    implicit: true
                }
            );
        }
    }

    #[test]
    fn null_mx_is_permanent_5_1_10() {
        let f = fail(route("n.test", MxLookup::Found(vec![mx(0, ".")]), &[]));
        assert!(
            matches!(&f, RcptResult::Permanent(s) if s.starts_with("556 5.1.10")),
            "{f:?}"
        );
        let f = fail(route("n.test", MxLookup::Found(vec![mx(0, "")]), &[]));
        assert!(matches!(f, RcptResult::Permanent(_)));
        // A root exchange beside real hosts is skipped, not a null MX.
        let r = route(
            "n.test",
            MxLookup::Found(vec![mx(0, "."), mx(5, "m.test")]),
            &[],
        );
        assert_eq!(hosts(r), ["m.test"]);
    }

    #[test]
    fn nxdomain_permanent_servfail_temporary() {
        let f = fail(route("gone.test", MxLookup::NxDomain, &[]));
        assert!(
            matches!(&f, RcptResult::Permanent(s) if s.contains("5.1.2")),
            "{f:?}"
        );
        let f = fail(route("d.test", MxLookup::Failed("SERVFAIL".into()), &[]));
        assert!(
            matches!(&f, RcptResult::Temporary(s) if s.starts_with("451 4.4.3")),
            "{f:?}"
        );
    }

    #[test]
    fn own_name_cuts_the_list() {
        let me = ["MX2.d.test".to_string()];
        let records = vec![
            mx(10, "mx1.d.test"),
            mx(20, "mx2.d.test"),
            mx(30, "mx3.d.test"),
        ];
        assert_eq!(
            hosts(route("d.test", MxLookup::Found(records), &me)),
            ["mx1.d.test"]
        );
        let f = fail(route(
            "d.test",
            MxLookup::Found(vec![mx(5, "mx2.d.test")]),
            &me,
        ));
        assert!(
            matches!(&f, RcptResult::Permanent(s) if s.contains("5.4.6")),
            "{f:?}"
        );
    }

    #[test]
    fn duplicates_and_limit() {
        let mut records: Vec<Mx> = (0..30).map(|i| mx(i, &format!("h{i}.test"))).collect();
        records.push(mx(1, "h0.test"));
        let h = hosts(route("d.test", MxLookup::Found(records), &[]));
        assert_eq!(h.len(), MAX_HOSTS);
        assert_eq!(h[0], "h0.test");
        assert_eq!(h[1], "h1.test");
    }

    #[test]
    fn literals() {
        assert_eq!(
            route("[127.0.0.1]", MxLookup::NxDomain, &[]),
            Route::Literal("127.0.0.1".parse().unwrap())
        );
        assert_eq!(literal("[IPv6:::1]"), Some("::1".parse().unwrap()));
        assert!(matches!(
            route("[nonsense]", MxLookup::NoRecords, &[]),
            Route::Fail(RcptResult::Permanent(_))
        ));
    }

    #[test]
    fn address_verdicts() {
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let got = addresses(
            "d.test",
            false,
            vec![
                AddrLookup::NoRecords,
                AddrLookup::Found(vec![a, b]),
                AddrLookup::Found(vec![b]),
            ],
        );
        assert_eq!(got, Ok(vec![a, b]));
        let implicit = addresses("d.test", true, vec![AddrLookup::NoRecords]);
        assert!(matches!(implicit, Err(RcptResult::Permanent(s)) if s.contains("5.1.2")));
        let broken = addresses("d.test", false, vec![AddrLookup::NoRecords]);
        assert!(matches!(broken, Err(RcptResult::Temporary(_))));
        let servfail = addresses(
            "d.test",
            true,
            vec![AddrLookup::Failed("timeout".into()), AddrLookup::NoRecords],
        );
        assert!(matches!(servfail, Err(RcptResult::Temporary(s)) if s.contains("4.4.3")));
    }
}
