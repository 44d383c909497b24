//! Giving back the pages of a mapped mbox once they have been read, so
//! that a pass over an archive keeps a bounded resident set whatever the
//! archive's size (the pages stay in the page cache; only this process's
//! mappings of them go).

use super::Mbox;

/// Released ranges are whole multiples of this, which is a multiple of
/// every page size in use (4 KiB, 16 KiB, 64 KiB), so a range never
/// reaches into a page that holds bytes still to be read.
pub(crate) const RELEASE_ALIGN: usize = 64 << 10;

/// Bytes read before the next release: one `madvise` call per step keeps
/// the cost negligible next to reading them.
const RELEASE_STEP: usize = 8 << 20;

/// Follows a forward pass over an [`Mbox`] and releases what the pass has
/// left behind.
#[derive(Debug)]
pub(crate) struct Releaser<'a> {
    mbox: &'a Mbox,
    /// Everything before this offset was released (or never read).
    from: usize,
}

impl<'a> Releaser<'a> {
    pub(crate) fn new(mbox: &'a Mbox) -> Self {
        Releaser { mbox, from: 0 }
    }

    /// Declares that nothing before `upto` will be read again (until a new
    /// pass starts from an offset below the last one seen, which
    /// [`advance`](Self::advance) notices). Releases in steps.
    pub(crate) fn advance(&mut self, upto: usize) {
        if upto < self.from {
            // A new pass from the start: what it reads again must be
            // released again.
            self.from = 0;
        }
        if upto - self.from >= RELEASE_STEP {
            self.mbox.release(self.from..upto);
            self.from = upto / RELEASE_ALIGN * RELEASE_ALIGN;
        }
    }

    /// Releases everything the pass read.
    pub(crate) fn finish(&mut self, upto: usize) {
        self.mbox.release(self.from.min(upto)..upto);
        self.from = upto / RELEASE_ALIGN * RELEASE_ALIGN;
    }
}
