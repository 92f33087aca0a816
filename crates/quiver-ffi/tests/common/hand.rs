//! Hand-built `ArrowArray`s, as a foreign producer would make them, with a release
//! callback that counts its calls.

use std::ffi::c_void;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use quiver_ffi::ArrowArray;

struct HandPrivate {
    _data: Vec<Vec<u64>>,
    pointers: Vec<*const c_void>,
    children: Vec<*mut ArrowArray>,
    releases: Arc<AtomicUsize>,
}

unsafe extern "C" fn release_hand(array: *mut ArrowArray) {
    // SAFETY: the test passes a struct `hand` built; its private data is our box.
    unsafe {
        let a = &mut *array;
        let private = Box::from_raw(a.private_data.cast::<HandPrivate>());
        for c in &private.children {
            drop(Box::from_raw(*c));
        }
        private.releases.fetch_add(1, Ordering::SeqCst);
        a.release = None;
    }
}

/// A buffer's bytes (stored in `u64`s so every pointer is 8-byte aligned), or `None`
/// for a null pointer.
pub type Bytes = Option<Vec<u8>>;

/// An `ArrowArray` of the given shape whose `release` counts into the returned counter.
pub fn hand(
    length: i64,
    null_count: i64,
    offset: i64,
    buffers: Vec<Bytes>,
    children: Vec<ArrowArray>,
) -> (ArrowArray, Arc<AtomicUsize>) {
    let releases = Arc::new(AtomicUsize::new(0));
    let mut data = Vec::new();
    let mut pointers = Vec::new();
    for b in buffers {
        match b {
            None => pointers.push(std::ptr::null()),
            Some(bytes) => {
                let mut words = vec![0u64; bytes.len().div_ceil(8).max(1)];
                // SAFETY: `words` has at least `bytes.len()` bytes.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        bytes.as_ptr(),
                        words.as_mut_ptr().cast::<u8>(),
                        bytes.len(),
                    );
                }
                pointers.push(words.as_ptr().cast::<c_void>());
                data.push(words);
            }
        }
    }
    let mut private = Box::new(HandPrivate {
        _data: data,
        pointers,
        children: children
            .into_iter()
            .map(|c| Box::into_raw(Box::new(c)))
            .collect(),
        releases: releases.clone(),
    });
    let array = ArrowArray {
        length,
        null_count,
        offset,
        n_buffers: private.pointers.len() as i64,
        n_children: private.children.len() as i64,
        buffers: private.pointers.as_mut_ptr(),
        children: private.children.as_mut_ptr(),
        dictionary: std::ptr::null_mut(),
        release: Some(release_hand),
        private_data: Box::into_raw(private).cast::<c_void>(),
    };
    (array, releases)
}

/// Little helper: the native bytes of `i32` values.
pub fn i32s(values: &[i32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_ne_bytes()).collect()
}

/// How many times `counter`'s release ran.
pub fn count(counter: &AtomicUsize) -> usize {
    counter.load(Ordering::SeqCst)
}
