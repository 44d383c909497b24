//! The message analyses ([`Meta`]) shared by every IMAP session of a
//! process, so a FETCH of BODYSTRUCTURE, ENVELOPE or RFC822.SIZE parses a
//! message once per process rather than once per session.
//!
//! Entries are keyed by folder and Maildir unique name: a Maildir message
//! never changes its contents under its unique name (flag changes rename
//! the file but keep the unique part), so an entry never goes stale. The
//! file's size is kept beside it and checked too, so a unique name
//! reused for other contents is analyzed again.
//!
//! The cache is bounded in bytes (the analyses' text plus a fixed
//! per-entry overhead), not in messages: memory follows the size chosen,
//! not the mailboxes served. Eviction is CLOCK (second chance): an entry
//! read since the hand last passed survives one more turn.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use super::structure::Meta;

/// The default bound: 64 MiB holds the analyses of about 50,000 typical
/// messages.
pub const DEFAULT_CACHE_BYTES: usize = 64 << 20;

/// What an entry costs besides its text: the two maps' slots, the clock's
/// slot, the `Arc` and `Meta` headers (measured order of magnitude).
const ENTRY_OVERHEAD: usize = 160;

struct Slot {
    meta: Arc<Meta>,
    /// The file size the analysis is of.
    len: u64,
    /// Read since the clock hand last passed.
    used: bool,
    cost: usize,
}

#[derive(Default)]
struct Inner {
    folders: HashMap<Arc<Path>, HashMap<Box<str>, Slot>>,
    /// The clock: every entry once, oldest first.
    clock: VecDeque<(Arc<Path>, Box<str>)>,
    bytes: usize,
}

/// A byte-bounded cache of message analyses, shared by the sessions of a
/// process (cheap to clone: clones share the entries).
#[derive(Clone)]
pub struct MetaCache {
    inner: Arc<Mutex<Inner>>,
    capacity: usize,
}

impl std::fmt::Debug for MetaCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetaCache")
            .field("capacity", &self.capacity)
            .field("bytes", &self.bytes())
            .finish()
    }
}

impl Default for MetaCache {
    fn default() -> MetaCache {
        MetaCache::new(DEFAULT_CACHE_BYTES)
    }
}

impl MetaCache {
    /// An empty cache holding at most about `capacity` bytes; 0 disables
    /// it (every lookup misses).
    pub fn new(capacity: usize) -> MetaCache {
        MetaCache {
            inner: Arc::default(),
            capacity,
        }
    }

    /// The bound, in bytes.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// What the entries cost now, in bytes.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.lock().clock.len()
    }

    /// Whether the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps
        // inconsistent in a way that matters: at worst an entry is
        // missing from the clock and is never evicted.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The analysis of the message `unique` of size `len` in `folder`.
    pub fn get(&self, folder: &Path, unique: &str, len: u64) -> Option<Arc<Meta>> {
        let mut inner = self.lock();
        let slot = inner.folders.get_mut(folder)?.get_mut(unique)?;
        if slot.len != len {
            return None;
        }
        slot.used = true;
        Some(slot.meta.clone())
    }

    /// Keeps `meta` as the analysis of the message `unique` of size `len`
    /// in `folder`, evicting older entries to stay within the bound.
    /// An analysis larger than the whole bound is not kept.
    pub fn insert(&self, folder: &Arc<Path>, unique: &str, len: u64, meta: Arc<Meta>) {
        let cost = meta.heap_bytes() + unique.len() * 2 + ENTRY_OVERHEAD;
        if cost > self.capacity {
            return;
        }
        let mut inner = self.lock();
        while inner.bytes + cost > self.capacity && inner.evict_one() {}
        let slot = Slot {
            meta,
            len,
            used: false,
            cost,
        };
        let Inner {
            folders,
            clock,
            bytes,
        } = &mut *inner;
        let entries = folders.entry(folder.clone()).or_default();
        match entries.get_mut(unique) {
            Some(old) => {
                *bytes = *bytes - old.cost + cost;
                *old = slot;
            }
            None => {
                let key: Box<str> = unique.into();
                entries.insert(key.clone(), slot);
                clock.push_back((folder.clone(), key));
                *bytes += cost;
            }
        }
    }
}

impl Inner {
    /// Advances the clock hand to the first entry not used since its last
    /// pass and removes it; false when the cache is empty.
    fn evict_one(&mut self) -> bool {
        // Each entry is passed over at most once per call: after a full
        // turn every `used` bit is clear.
        let mut budget = self.clock.len() + 1;
        while let Some((folder, unique)) = self.clock.pop_front() {
            let Some(entries) = self.folders.get_mut(&folder) else {
                continue;
            };
            let Some(slot) = entries.get_mut(&unique) else {
                continue;
            };
            budget -= 1;
            if slot.used && budget > 0 {
                slot.used = false;
                self.clock.push_back((folder, unique));
                continue;
            }
            self.bytes -= slot.cost;
            entries.remove(&unique);
            if entries.is_empty() {
                self.folders.remove(&folder);
            }
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(n: usize) -> Arc<Meta> {
        Arc::new(Meta {
            size: n as u64,
            envelope: vec![b'e'; n],
            bodystructure: vec![b'b'; n],
            body: Vec::new(),
        })
    }

    #[test]
    fn hits_need_the_same_folder_name_and_size() {
        let c = MetaCache::new(1 << 20);
        let f: Arc<Path> = Path::new("/m/a").into();
        c.insert(&f, "1.x", 10, meta(100));
        assert_eq!(c.get(&f, "1.x", 10).unwrap().size, 100);
        assert!(c.get(&f, "1.x", 11).is_none());
        assert!(c.get(Path::new("/m/b"), "1.x", 10).is_none());
        assert!(c.get(&f, "2.x", 10).is_none());
        c.insert(&f, "1.x", 11, meta(50));
        assert_eq!(c.get(&f, "1.x", 11).unwrap().size, 50);
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn bytes_stay_within_the_bound() {
        let cap = 64 * 1024;
        let c = MetaCache::new(cap);
        let f: Arc<Path> = Path::new("/m/a").into();
        for i in 0..10_000 {
            c.insert(&f, &format!("{i}.x"), 1, meta(200));
            assert!(c.bytes() <= cap);
        }
        assert!(c.len() > 50 && c.len() < 200, "{}", c.len());
        // Too big for the whole cache: not kept.
        c.insert(&f, "big", 1, meta(cap));
        assert!(c.get(&f, "big", 1).is_none());
        // Disabled.
        let off = MetaCache::new(0);
        off.insert(&f, "1.x", 1, meta(1));
        assert!(off.is_empty());
    }

    #[test]
    fn used_entries_get_a_second_chance() {
        let c = MetaCache::new(10 * (400 + 6 + ENTRY_OVERHEAD));
        let f: Arc<Path> = Path::new("/m/a").into();
        for i in 0..10 {
            c.insert(&f, &format!("{i}.x"), 1, meta(200));
        }
        assert_eq!(c.len(), 10);
        assert!(c.get(&f, "0.x", 1).is_some());
        c.insert(&f, "10.x", 1, meta(200));
        // The oldest entry was read: the next one went instead.
        assert!(c.get(&f, "0.x", 1).is_some());
        assert!(c.get(&f, "1.x", 1).is_none());
    }
}
