//! The DNS side of MX delivery: asks hickory-resolver the questions and
//! hands the classified answers to the sans-IO [`crate::mx`] decisions.

use std::io;
use std::net::{IpAddr, SocketAddr};

use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::RData;
use hickory_resolver::TokioResolver;

use crate::mx::{self, AddrLookup, Mx, MxLookup, Route};
use crate::queue::RcptResult;

/// A resolver on the system's name servers or on one given server.
pub(crate) struct Resolver(TokioResolver);

impl Resolver {
    /// `server`: one name server (UDP then TCP) instead of resolv.conf's.
    pub(crate) fn new(server: Option<SocketAddr>) -> io::Result<Resolver> {
        let provider = TokioRuntimeProvider::default();
        let builder = match server {
            Some(addr) => {
                let mut udp = ConnectionConfig::udp();
                udp.port = addr.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = addr.port();
                let ns = NameServerConfig::new(addr.ip(), true, vec![udp, tcp]);
                let config = ResolverConfig::from_name_servers(vec![ns]);
                TokioResolver::builder_with_config(config, provider)
            }
            None => TokioResolver::builder(provider).map_err(io::Error::other)?,
        };
        let mut builder = builder;
        // A negative answer must not stick: the MX may be fixed before the
        // next retry.
        builder.options_mut().negative_max_ttl = Some(std::time::Duration::from_secs(60));
        builder.build().map(Resolver).map_err(io::Error::other)
    }

    async fn mx(&self, domain: &str) -> MxLookup {
        match self.0.mx_lookup(fqdn(domain)).await {
            Ok(lookup) => MxLookup::Found(
                lookup
                    .answers()
                    .iter()
                    .filter_map(|r| match &r.data {
                        RData::MX(m) => Some(Mx {
                            preference: m.preference,
                            exchange: m.exchange.to_ascii(),
                        }),
                        _ => None,
                    })
                    .collect(),
            ),
            Err(e) => match negative(&e) {
                Some(ResponseCode::NXDomain) => MxLookup::NxDomain,
                Some(_) => MxLookup::NoRecords,
                None => MxLookup::Failed(e.to_string()),
            },
        }
    }

    async fn addrs(&self, host: &str) -> AddrLookup {
        match self.0.lookup_ip(fqdn(host)).await {
            Ok(ips) => AddrLookup::Found(ips.iter().collect()),
            Err(e) => match negative(&e) {
                Some(_) => AddrLookup::NoRecords,
                None => AddrLookup::Failed(e.to_string()),
            },
        }
    }

    /// The addresses to dial for `domain`, in order, or why there are none.
    pub(crate) async fn targets(
        &self,
        domain: &str,
        me: &[String],
    ) -> Result<Vec<IpAddr>, RcptResult> {
        let answer = if domain.starts_with('[') {
            MxLookup::NoRecords
        } else {
            self.mx(domain).await
        };
        match mx::route(domain, answer, me) {
            Route::Literal(ip) => Ok(vec![ip]),
            Route::Fail(f) => Err(f),
            Route::Hosts { hosts, implicit } => {
                let mut lookups = Vec::with_capacity(hosts.len());
                for h in &hosts {
                    lookups.push(self.addrs(h).await);
                }
                tracing::debug!(%domain, ?hosts, ?lookups, "MX hosts");
                mx::addresses(domain, implicit, lookups)
            }
        }
    }
}

/// An absolute name, so resolv.conf's search list is never appended.
fn fqdn(name: &str) -> String {
    if name.ends_with('.') {
        name.to_owned()
    } else {
        format!("{name}.")
    }
}

/// The response code of an authoritative "no such records" answer.
fn negative(e: &NetError) -> Option<ResponseCode> {
    match e {
        NetError::Dns(DnsError::NoRecordsFound(n)) => Some(n.response_code),
        _ => None,
    }
}
