//! A tiny authoritative DNS responder on loopback UDP for the MX tests,
//! built with hickory-proto's message types (re-exported by
//! hickory-resolver): fixed MX and A records, NXDOMAIN for other names.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::proto::op::{Message, ResponseCode};
use hickory_resolver::proto::rr::rdata::{A, MX};
use hickory_resolver::proto::rr::{Name, RData, Record, RecordType};

/// The records of the test zone, by lower-case name without the final dot.
#[derive(Default, Clone)]
pub struct Zone {
    mx: HashMap<String, Vec<(u16, String)>>,
    a: HashMap<String, Vec<Ipv4Addr>>,
}

impl Zone {
    /// `name MX pref exchange` (exchange "." for a null MX).
    pub fn mx(mut self, name: &str, pref: u16, exchange: &str) -> Zone {
        self.mx
            .entry(name.into())
            .or_default()
            .push((pref, exchange.into()));
        self
    }

    /// `name A ip`.
    pub fn a(mut self, name: &str, ip: &str) -> Zone {
        self.a
            .entry(name.into())
            .or_default()
            .push(ip.parse().unwrap());
        self
    }

    fn exists(&self, name: &str) -> bool {
        self.mx.contains_key(name) || self.a.contains_key(name)
    }

    fn answer(&self, query: &[u8]) -> Option<Vec<u8>> {
        let req = Message::from_vec(query).ok()?;
        let mut resp = Message::response(req.metadata.id, req.metadata.op_code);
        resp.metadata.authoritative = true;
        resp.metadata.recursion_desired = req.metadata.recursion_desired;
        resp.add_queries(req.queries.clone());
        for q in &req.queries {
            let owner = q.name().clone();
            let name = owner.to_ascii().trim_end_matches('.').to_ascii_lowercase();
            if !self.exists(&name) {
                resp.metadata.response_code = ResponseCode::NXDomain;
                continue;
            }
            match q.query_type() {
                RecordType::MX => {
                    for (pref, ex) in self.mx.get(&name).into_iter().flatten() {
                        let exchange = if ex == "." {
                            Name::root()
                        } else {
                            Name::from_ascii(format!("{ex}.")).ok()?
                        };
                        resp.add_answer(Record::from_rdata(
                            owner.clone(),
                            60,
                            RData::MX(MX::new(*pref, exchange)),
                        ));
                    }
                }
                RecordType::A => {
                    for ip in self.a.get(&name).into_iter().flatten() {
                        resp.add_answer(Record::from_rdata(owner.clone(), 60, RData::A(A(*ip))));
                    }
                }
                _ => {}
            }
        }
        resp.to_vec().ok()
    }
}

/// The responder (stops on drop).
pub struct Dns {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Dns {
    pub fn start(zone: Zone) -> Dns {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let addr = sock.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut buf = [0u8; 1500];
            while !flag.load(Ordering::Relaxed) {
                let Ok((n, peer)) = sock.recv_from(&mut buf) else {
                    continue;
                };
                if let Some(out) = zone.answer(&buf[..n]) {
                    let _ = sock.send_to(&out, peer);
                }
            }
        });
        Dns {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Dns {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
