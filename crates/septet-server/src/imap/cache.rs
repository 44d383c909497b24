//! The per-session cache of message analyses ([`Meta`]: ENVELOPE,
//! BODYSTRUCTURE, size), bounded by entries and by bytes so a session's
//! memory follows the configured [`CacheLimits`], not the mailbox size.

use std::collections::HashMap;
use std::sync::Arc;

use super::structure::Meta;
use crate::access::CacheLimits;

/// What one cached entry costs beyond its texts: the map slot, the
/// `Arc` and the `Meta` itself.
const ENTRY_OVERHEAD: usize = 128;

/// Analyses by UID. When an insert would pass a bound, the cache is
/// emptied first: FETCH walks a mailbox in order, so older entries are
/// the least likely to be asked for again, and a whole clear is O(1) per
/// entry over time without LRU bookkeeping.
#[derive(Debug, Default)]
pub struct MetaCache {
    map: HashMap<u32, Arc<Meta>>,
    bytes: usize,
}

/// The memory an analysis is counted as.
pub fn weight(m: &Meta) -> usize {
    m.envelope.len() + m.bodystructure.len() + m.body.len() + ENTRY_OVERHEAD
}

impl MetaCache {
    /// The analysis of `uid`, if cached.
    pub fn get(&self, uid: &u32) -> Option<&Arc<Meta>> {
        self.map.get(uid)
    }

    /// Caches `m` for `uid` within `limits` (an entry larger than the
    /// byte bound alone is not cached).
    pub fn insert(&mut self, uid: u32, m: Arc<Meta>, limits: CacheLimits) {
        let w = weight(&m);
        if limits.entries == 0 || w > limits.bytes {
            return;
        }
        if self.map.len() >= limits.entries || self.bytes + w > limits.bytes {
            self.clear();
        }
        if let Some(old) = self.map.insert(uid, m) {
            self.bytes -= weight(&old);
        }
        self.bytes += w;
    }

    /// Empties the cache (another mailbox, or the messages changed).
    pub fn clear(&mut self) {
        self.map.clear();
        self.map.shrink_to(1024);
        self.bytes = 0;
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The bytes held, as [`weight`] counts them.
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_by_entries_and_bytes() {
        let m = Arc::new(Meta::of(b"Subject: x\r\n\r\nbody\r\n"));
        let w = weight(&m);
        let mut c = MetaCache::default();
        let limits = CacheLimits {
            entries: 3,
            bytes: 10 * w,
        };
        for uid in 1..=7 {
            c.insert(uid, m.clone(), limits);
            assert!(c.len() <= 3 && c.bytes() <= limits.bytes);
        }
        assert!(c.get(&7).is_some());
        let tight = CacheLimits {
            entries: 100,
            bytes: 2 * w,
        };
        c.clear();
        for uid in 1..=5 {
            c.insert(uid, m.clone(), tight);
            assert!(c.bytes() <= 2 * w);
        }
        c.insert(
            9,
            m.clone(),
            CacheLimits {
                entries: 0,
                bytes: 0,
            },
        );
        assert!(c.get(&9).is_none());
        c.insert(5, m, tight);
        assert!(c.bytes() <= 2 * w && c.get(&5).is_some());
    }
}
