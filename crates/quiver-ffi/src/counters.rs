//! Counts of live owners, a leak check that needs no sanitizer.

use std::sync::atomic::{AtomicUsize, Ordering};

static EXPORTS: AtomicUsize = AtomicUsize::new(0);
static IMPORTS: AtomicUsize = AtomicUsize::new(0);

/// Number of private-data objects of Quiver's exported structs (`ArrowSchema`,
/// `ArrowArray` nodes and `ArrowArrayStream`s) that are not released yet, in the whole
/// process. After every export was released it returns to what it was before.
///
/// ```
/// use quiver_array::Array;
/// let before = quiver_ffi::live_exports();
/// let c = quiver_ffi::export_array(&Array::from(vec![1i8])).unwrap();
/// assert!(quiver_ffi::live_exports() >= before + 1);
/// drop(c);
/// ```
pub fn live_exports() -> usize {
    EXPORTS.load(Ordering::SeqCst)
}

/// Number of imported `ArrowArray`s whose `release` has not run yet: each import holds
/// one until the last buffer (or slice) taken from it is dropped.
pub fn live_imports() -> usize {
    IMPORTS.load(Ordering::SeqCst)
}

/// One counted owner; counts down when dropped.
#[derive(Debug)]
pub(crate) struct Token(&'static AtomicUsize);

impl Token {
    pub(crate) fn export() -> Self {
        EXPORTS.fetch_add(1, Ordering::SeqCst);
        Token(&EXPORTS)
    }

    pub(crate) fn import() -> Self {
        IMPORTS.fetch_add(1, Ordering::SeqCst);
        Token(&IMPORTS)
    }
}

impl Drop for Token {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
