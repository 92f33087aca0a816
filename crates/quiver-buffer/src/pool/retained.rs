//! The cache of freed large blocks that [`SystemMemoryPool`](super::SystemMemoryPool)
//! keeps for reuse, so that a buffer allocated, freed and allocated again (a write sink
//! per message, a read buffer per batch) does not map and fault in fresh pages each time.
//!
//! From [`RETAINED_MIN`] bytes up, the pool allocates a block of the size's *class*
//! ([`class_size`]), a pure function of the size the caller asks for and passes back to
//! `free` and `reallocate`, so the block's `Layout` is known again at free time. A freed
//! block goes onto the cache if the cache stays under its limit, and an allocation of the
//! same class takes it back instead of calling the allocator.

use std::ptr::NonNull;
use std::sync::{Mutex, MutexGuard};

/// The smallest allocation whose block the pool keeps for reuse. Below it, the allocator
/// serves blocks from its heap (or, from 128 KiB, maps them, which is cheap at this
/// size); from it up, mapping and faulting in fresh pages costs as much as the copy the
/// caller is about to do.
pub(super) const RETAINED_MIN: usize = 1 << 20;

/// How many bytes of freed blocks [`SystemMemoryPool::new`](super::SystemMemoryPool::new)
/// keeps for reuse: enough for the sink of a typical IPC write and the buffers of a batch,
/// small next to the memory those workloads have live anyway.
pub(super) const DEFAULT_RETENTION_LIMIT: usize = 64 << 20;

/// The size of the block allocated for `size` bytes (`size >= RETAINED_MIN`): `size`
/// rounded up to a quarter of the power of two at or below it, so four classes per
/// doubling and at most 25% of a block unused. `None` when the rounding overflows.
pub(super) fn class_size(size: usize) -> Option<usize> {
    debug_assert!(size >= RETAINED_MIN);
    let power = 1usize << (usize::BITS - 1 - size.leading_zeros());
    size.checked_next_multiple_of(power / 4)
}

/// A freed block: the aligned start of a large allocation of its class size.
#[derive(Debug)]
struct Block {
    start: NonNull<u8>,
    class: usize,
}

// SAFETY: a cached block is owned by the cache alone (its user freed it), so moving it to
// another thread moves nothing shared.
unsafe impl Send for Block {}

/// The cache's state, behind the pool's mutex.
#[derive(Debug)]
struct Cache {
    blocks: Vec<Block>,
    /// Sum of the cached blocks' class sizes.
    bytes: usize,
    /// Most bytes the cache may hold.
    limit: usize,
}

/// The freed blocks a pool keeps, and how many bytes of them it may keep.
#[derive(Debug)]
pub(super) struct Retained(Mutex<Cache>);

impl Retained {
    /// An empty cache that keeps up to `limit` bytes.
    pub(super) const fn new(limit: usize) -> Self {
        Retained(Mutex::new(Cache {
            blocks: Vec::new(),
            bytes: 0,
            limit,
        }))
    }

    /// The cache, also after a thread panicked while holding it: every update keeps
    /// `bytes` equal to the sum of `blocks` or leaves a block out of both (leaked, not
    /// freed twice), so the state stays sound.
    fn lock(&self) -> MutexGuard<'_, Cache> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes a cached block of class `class`, most recently freed first.
    pub(super) fn take(&self, class: usize) -> Option<NonNull<u8>> {
        let mut cache = self.lock();
        let at = cache.blocks.iter().rposition(|b| b.class == class)?;
        let block = cache.blocks.swap_remove(at);
        cache.bytes -= block.class;
        Some(block.start)
    }

    /// Keeps the block at `start` of class `class` if it fits under the limit; gives it
    /// back otherwise, for the caller to free.
    pub(super) fn keep(&self, start: NonNull<u8>, class: usize) -> Result<(), NonNull<u8>> {
        let mut cache = self.lock();
        match cache.bytes.checked_add(class) {
            Some(total) if total <= cache.limit => {
                cache.blocks.push(Block { start, class });
                cache.bytes = total;
                Ok(())
            }
            _ => Err(start),
        }
    }

    /// Bytes of cached blocks.
    pub(super) fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// The cache's limit in bytes.
    pub(super) fn limit(&self) -> usize {
        self.lock().limit
    }

    /// Sets the limit and takes out the blocks, oldest first, until the rest fit under
    /// it. Returns the blocks taken out (start, class), for the caller to free.
    pub(super) fn set_limit(&self, limit: usize) -> Vec<(NonNull<u8>, usize)> {
        let mut cache = self.lock();
        cache.limit = limit;
        let mut taken = 0;
        let mut over = cache.bytes.saturating_sub(limit);
        while over > 0 {
            // `bytes` is the sum of `blocks`, so blocks remain while `over > 0`.
            let Some(block) = cache.blocks.get(taken) else {
                break;
            };
            over = over.saturating_sub(block.class);
            taken += 1;
        }
        let out: Vec<_> = cache
            .blocks
            .drain(..taken)
            .map(|b| (b.start, b.class))
            .collect();
        cache.bytes -= out.iter().map(|&(_, class)| class).sum::<usize>();
        out
    }

    /// Takes out every cached block (start, class), for the caller to free.
    pub(super) fn take_all(&self) -> Vec<(NonNull<u8>, usize)> {
        let mut cache = self.lock();
        cache.bytes = 0;
        std::mem::take(&mut cache.blocks)
            .into_iter()
            .map(|b| (b.start, b.class))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_quarter_steps_of_each_power_of_two() {
        let mib = 1 << 20;
        assert_eq!(class_size(mib), Some(mib));
        assert_eq!(class_size(mib + 1), Some(mib + mib / 4));
        assert_eq!(class_size(mib + mib / 4), Some(mib + mib / 4));
        assert_eq!(class_size(2 * mib - 1), Some(2 * mib));
        assert_eq!(class_size(2 * mib + 1), Some(2 * mib + mib / 2));
        assert_eq!(class_size(7 * mib), Some(7 * mib));
        assert_eq!(class_size(7 * mib + 1), Some(8 * mib));
        assert_eq!(class_size(usize::MAX), None);
    }
}
