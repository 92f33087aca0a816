//! The cache of freed large blocks that [`SystemMemoryPool`](super::SystemMemoryPool)
//! keeps for reuse, so that a buffer allocated, freed and allocated again (a write sink
//! per message, a read buffer per batch) does not map and fault in fresh pages each time.
//!
//! From [`RETAINED_MIN`] bytes up, the pool allocates a block of the size's *class*
//! ([`class_size`]), a pure function of the size the caller asks for and passes back to
//! `free` and `reallocate`, so the block's length is known again at free time. The one
//! exception is a growing allocation that took a longer cached block: the cache records
//! that block's length ([`Retained::set_capacity`]) until it is resized or freed. A freed
//! block goes onto the cache if the cache stays under its limit, or into the single
//! overflow place if it is larger than the limit by itself; an allocation of the same
//! length takes it back instead of mapping a new one.

use std::ptr::NonNull;
use std::sync::{Mutex, MutexGuard};

/// The smallest allocation whose block the pool keeps for reuse. Below it, the allocator
/// serves blocks from its heap (or, from 128 KiB, maps them, which is cheap at this
/// size); from it up, mapping and faulting in fresh pages costs as much as the copy the
/// caller is about to do.
pub(super) const RETAINED_MIN: usize = 1 << 20;

/// How many bytes of freed blocks [`SystemMemoryPool::new`](super::SystemMemoryPool::new)
/// keeps for reuse (besides the one block larger than it): enough for the buffers of a
/// batch, small next to the memory those workloads have live anyway.
pub(super) const DEFAULT_RETENTION_LIMIT: usize = 64 << 20;

/// The size of the block allocated for `size` bytes (`size >= RETAINED_MIN`): `size`
/// rounded up to a quarter of the power of two at or below it, so four classes per
/// doubling and at most 25% of a block unused. `None` when the rounding overflows.
pub(super) fn class_size(size: usize) -> Option<usize> {
    debug_assert!(size >= RETAINED_MIN);
    let power = 1usize << (usize::BITS - 1 - size.leading_zeros());
    size.checked_next_multiple_of(power / 4)
}

/// A block: its aligned start and its length in bytes (the class size of the
/// allocation it was made for, or more; see [`Retained::set_capacity`]).
#[derive(Debug, Clone, Copy)]
struct Block {
    start: NonNull<u8>,
    len: usize,
}

// SAFETY: a cached block is owned by the cache alone (its user freed it), and a live
// block's entry in `oversized` is only its address and length, never dereferenced, so
// moving either to another thread moves nothing shared.
unsafe impl Send for Block {}

/// The cache's state, behind the pool's mutex.
#[derive(Debug)]
struct Cache {
    /// Freed blocks within the limit, oldest first.
    blocks: Vec<Block>,
    /// Sum of the lengths of `blocks`.
    bytes: usize,
    /// Most bytes `blocks` may hold.
    limit: usize,
    /// The most recently freed block that is larger than the limit by itself, kept
    /// beyond the limit (unless the limit is 0).
    overflow: Option<Block>,
    /// Live blocks longer than their size's class (handed to a growing allocation from
    /// the cache): the pool needs their length again when they grow, shrink or are freed.
    oversized: Vec<Block>,
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
            overflow: None,
            oversized: Vec::new(),
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

    /// Takes a cached block of exactly `len` bytes, most recently freed first.
    pub(super) fn take(&self, len: usize) -> Option<NonNull<u8>> {
        let mut cache = self.lock();
        if let Some(at) = cache.blocks.iter().rposition(|b| b.len == len) {
            let block = cache.blocks.swap_remove(at);
            cache.bytes -= block.len;
            return Some(block.start);
        }
        match cache.overflow {
            Some(block) if block.len == len => cache.overflow.take().map(|b| b.start),
            _ => None,
        }
    }

    /// Takes the longest cached block if it has at least `len` bytes: (start, length).
    /// A growing allocation is likely to keep growing (a sink being written), and the
    /// longest block is most likely the one it grew into last time; the blocks of the
    /// classes it passes on its way stay for the allocations of those classes.
    pub(super) fn take_longest(&self, len: usize) -> Option<(NonNull<u8>, usize)> {
        let mut cache = self.lock();
        let longest = cache
            .blocks
            .iter()
            .enumerate()
            .max_by_key(|(_, b)| b.len)
            .map(|(at, b)| (at, b.len));
        let use_overflow = match (cache.overflow, longest) {
            (Some(o), Some((_, most))) => o.len >= len && o.len >= most,
            (Some(o), None) => o.len >= len,
            (None, _) => false,
        };
        if use_overflow {
            return cache.overflow.take().map(|b| (b.start, b.len));
        }
        let (at, most) = longest?;
        if most < len {
            return None;
        }
        let block = cache.blocks.swap_remove(at);
        cache.bytes -= block.len;
        Some((block.start, block.len))
    }

    /// Keeps the freed block at `start` of `len` bytes: among the cached blocks if it
    /// fits under the limit, else in the overflow place if it is larger than the limit
    /// by itself (and the limit is not 0). Returns the block the caller must give back:
    /// this one if it is not kept, or the overflow block it displaced.
    pub(super) fn keep(&self, start: NonNull<u8>, len: usize) -> Option<(NonNull<u8>, usize)> {
        let mut cache = self.lock();
        match cache.bytes.checked_add(len) {
            Some(total) if total <= cache.limit => {
                cache.blocks.push(Block { start, len });
                cache.bytes = total;
                None
            }
            _ if cache.limit > 0 && len > cache.limit => cache
                .overflow
                .replace(Block { start, len })
                .map(|b| (b.start, b.len)),
            _ => Some((start, len)),
        }
    }

    /// Records that the live block at `start` is `len` bytes long, more than its size's
    /// class; replaces an earlier record of it.
    pub(super) fn set_capacity(&self, start: NonNull<u8>, len: usize) {
        let mut cache = self.lock();
        cache.oversized.retain(|b| b.start != start);
        cache.oversized.push(Block { start, len });
    }

    /// The length recorded by [`set_capacity`](Retained::set_capacity) for the live block
    /// at `start`, if any; `forget` drops the record (the block is freed or resized).
    pub(super) fn capacity(&self, start: NonNull<u8>, forget: bool) -> Option<usize> {
        let mut cache = self.lock();
        let at = cache.oversized.iter().position(|b| b.start == start)?;
        let len = cache.oversized[at].len;
        if forget {
            cache.oversized.swap_remove(at);
        }
        Some(len)
    }

    /// Bytes of cached blocks.
    pub(super) fn bytes(&self) -> usize {
        let cache = self.lock();
        cache.bytes + cache.overflow.map_or(0, |b| b.len)
    }

    /// The cache's limit in bytes.
    pub(super) fn limit(&self) -> usize {
        self.lock().limit
    }

    /// Sets the limit and takes out the blocks, oldest first, until the rest fit under
    /// it, and the overflow block unless it is still larger than the new (non-zero)
    /// limit. Returns the blocks taken out (start, length), for the caller to free.
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
            over = over.saturating_sub(block.len);
            taken += 1;
        }
        let mut out: Vec<_> = cache
            .blocks
            .drain(..taken)
            .map(|b| (b.start, b.len))
            .collect();
        cache.bytes -= out.iter().map(|&(_, len)| len).sum::<usize>();
        if limit == 0 || cache.overflow.is_some_and(|b| b.len <= limit) {
            out.extend(cache.overflow.take().map(|b| (b.start, b.len)));
        }
        out
    }

    /// Takes out every cached block (start, length), for the caller to free.
    pub(super) fn take_all(&self) -> Vec<(NonNull<u8>, usize)> {
        let mut cache = self.lock();
        cache.bytes = 0;
        let overflow = cache.overflow.take();
        std::mem::take(&mut cache.blocks)
            .into_iter()
            .chain(overflow)
            .map(|b| (b.start, b.len))
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
