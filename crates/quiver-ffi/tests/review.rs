//! Findings of a hostile review of the import path: each test is a malformed struct a
//! producer could hand in that once panicked or read released memory.

mod common;

use common::hand::{count, hand, i32s};
use std::ffi::CStr;
use std::time::Duration;

use quiver_array::{DataType, Field};
use quiver_ffi::{
    ArrowArray, ArrowSchema, FfiError, export_data_type, import_array, import_schema,
};

fn import(array: ArrowArray, data_type: &DataType) -> Result<quiver_array::Array, FfiError> {
    let schema = export_data_type(data_type).unwrap();
    // SAFETY: the hand-built arrays follow the spec's pointer rules; only their contents
    // are wrong.
    unsafe { import_array(array, &schema) }
}

fn released_at(e: FfiError) -> String {
    match e {
        FfiError::Released {
            what: "ArrowArray",
            path,
        } => path,
        other => panic!("expected a released-struct error, got {other:?}"),
    }
}

#[test]
fn a_child_moved_out_of_the_parent_is_refused_not_read() {
    let (child, child_releases) = hand(2, 0, 0, vec![None, Some(i32s(&[1, 2]))], vec![]);
    let (parent, releases) = hand(2, 0, 0, vec![None], vec![child]);
    // The consumer moves the child out, as the spec allows: the parent keeps a released
    // struct in its place, whose buffers are no longer the parent's to lend.
    // SAFETY: `children[0]` is the live child `hand` boxed.
    let moved = unsafe { ArrowArray::take(*parent.children) };
    let t = DataType::Struct(vec![Field::new("a", DataType::Int32, true)]);
    let e = import(parent, &t).unwrap_err();
    assert_eq!(released_at(e), "array.child 0");
    assert_eq!(count(&releases), 1, "the parent is released once");
    assert_eq!(
        count(&child_releases),
        0,
        "the moved child is ours to release"
    );
    drop(moved);
    assert_eq!(count(&child_releases), 1);
}

#[test]
fn a_released_dictionary_is_refused_not_read() {
    let (values, dict_releases) = hand(1, 0, 0, vec![None, Some(i32s(&[5]))], vec![]);
    let mut dict = Box::new(values);
    // SAFETY: `dict` is a live struct; this leaves a released one in its place.
    let moved = unsafe { ArrowArray::take(&mut *dict) };
    let (mut a, releases) = hand(1, 0, 0, vec![None, Some(vec![0])], vec![]);
    a.dictionary = &mut *dict;
    let t = DataType::Dictionary {
        index: Box::new(DataType::Int8),
        value: Box::new(DataType::Int32),
        ordered: false,
    };
    let e = import(a, &t).unwrap_err();
    assert_eq!(released_at(e), "array.dictionary");
    assert_eq!(count(&releases), 1);
    drop((dict, moved));
    assert_eq!(count(&dict_releases), 1);
}

#[test]
fn a_huge_n_buffers_on_a_view_array_is_an_error_not_a_capacity_panic() {
    // A producer that claims billions of variadic buffers: the import must not size an
    // allocation by that count; here the null views buffer is found first.
    let (mut a, releases) = hand(1, 0, 0, vec![None, None, None], vec![]);
    a.n_buffers = i64::MAX / 2;
    let e = import(a, &DataType::Utf8View).unwrap_err();
    match e {
        FfiError::Structure { path, problem, .. } => {
            assert_eq!(path, "array");
            assert_eq!(
                problem,
                "buffer 1 (values) is null but 16 bytes are needed; only empty buffers may be null"
            );
        }
        other => panic!("expected a structure error, got {other:?}"),
    }
    assert_eq!(count(&releases), 1);
}

unsafe extern "C" fn release_node(schema: *mut ArrowSchema) {
    // SAFETY: the test passes its own live structs; they own nothing.
    unsafe { (*schema).release = None };
}

/// A schema node that owns nothing, pointing at `children`.
fn node(format: &'static CStr, children: &mut Vec<*mut ArrowSchema>) -> ArrowSchema {
    ArrowSchema {
        format: format.as_ptr(),
        n_children: children.len() as i64,
        children: children.as_mut_ptr(),
        release: Some(release_node),
        ..ArrowSchema::empty()
    }
}

#[test]
fn a_schema_node_reached_twice_is_refused_not_walked_exponentially() {
    // 60 levels, each pointing twice at the next: 61 structs in memory, but 2^60 fields
    // if walked as a tree. Every pointer is valid, so only a check can stop the walk.
    const LEVELS: usize = 60;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut leaf = Box::new(node(c"i", &mut Vec::new()));
        let mut nodes = Vec::new();
        let mut below: *mut ArrowSchema = &mut *leaf;
        for _ in 0..LEVELS {
            let mut children = Box::new(vec![below, below]);
            let mut n = Box::new(node(c"+s", &mut children));
            below = &mut *n;
            nodes.push((n, children));
        }
        // SAFETY: every pointer is to a live struct above.
        let got = unsafe { import_schema(&*below) };
        tx.send(got.map(|_| ())).unwrap();
        drop((nodes, leaf));
    });
    let got = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("importing a 61-struct schema did not finish in 20 s");
    let first = format!("schema{}", ".child 0".repeat(LEVELS));
    let again = format!("schema{}.child 1", ".child 0".repeat(LEVELS - 1));
    match got.unwrap_err() {
        FfiError::Schema { path, problem } => {
            assert_eq!(path, again);
            assert_eq!(
                problem,
                format!(
                    "this ArrowSchema struct is also the node at {first}; each node of the tree must be a struct of its own"
                )
            );
        }
        other => panic!("expected a schema error, got {other:?}"),
    }
}
