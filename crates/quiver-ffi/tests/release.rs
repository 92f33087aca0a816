//! The release protocol: moved structs, moved and released children, no double
//! release, release from another thread, streams.

use quiver_array::{Array, ArrayData, DataType, Field, RecordBatch};
use quiver_ffi::{
    ArrowArray, ArrowArrayStream, ArrowArrayStreamReader, FfiError, export_array, export_data_type,
    export_field, export_reader, import_array, import_field,
};

fn strings() -> Array {
    Array::from(vec![Some("alpha"), None, Some("gamma")])
}

fn struct_array() -> Array {
    let fields = vec![
        Field::new("n", DataType::Int64, false),
        Field::new("s", DataType::Utf8, true),
    ];
    ArrayData::new(DataType::Struct(fields), 3)
        .children(vec![Array::from(vec![1i64, 2, 3]), strings()])
        .build()
        .unwrap()
}

#[test]
fn a_moved_struct_leaves_a_released_one_behind() {
    let a = strings();
    let mut c = export_array(&a).unwrap();
    // SAFETY: `c` is a live, aligned struct.
    let moved = unsafe { ArrowArray::take(&mut c) };
    assert!(c.is_released() && !moved.is_released());
    assert!(c.private_data.is_null());
    let schema = export_data_type(a.data_type()).unwrap();
    // SAFETY: live exports.
    let back = unsafe { import_array(moved, &schema) }.unwrap();
    assert!(back.equals(&a));
    drop(c); // released: dropping it does nothing
}

#[test]
fn release_nulls_itself_so_a_second_release_is_a_no_op() {
    let mut c = export_array(&strings()).unwrap();
    let release = c.release.unwrap();
    // SAFETY: `c` is live; the second call sees a null `release` and returns.
    unsafe {
        release(&mut c);
        assert!(c.is_released());
        assert!(c.private_data.is_null());
        release(&mut c);
    }
    let mut s = export_data_type(&DataType::Utf8).unwrap();
    let release = s.release.unwrap();
    // SAFETY: as above.
    unsafe {
        release(&mut s);
        release(&mut s);
    }
    assert!(s.is_released());
}

#[test]
fn a_child_moved_out_outlives_its_released_parent() {
    let a = struct_array();
    let c = export_array(&a).unwrap();
    let field = Field::new("s", DataType::Utf8, true);
    assert_eq!(c.n_children, 2);
    // SAFETY: `children` holds two live child pointers; moving one out nulls its
    // `release` inside the parent, so the parent's release skips it.
    let child = unsafe { ArrowArray::take(*c.children.add(1)) };
    // SAFETY: as above.
    assert!(unsafe { (**c.children.add(1)).is_released() });
    drop(c); // the parent's release frees child 0 and the parent, not the moved child
    let schema = export_field(&field).unwrap();
    // SAFETY: the moved child is live and owns clones of its buffers.
    let back = unsafe { import_array(child, &schema) }.unwrap();
    assert!(back.equals(&strings()));
}

#[test]
fn each_node_has_its_own_private_data_until_the_parent_is_released() {
    let before = quiver_ffi::live_exports();
    let c = export_array(&struct_array()).unwrap();
    // One private-data object per node: the parent, two children.
    assert!(quiver_ffi::live_exports() >= before + 3);
    // SAFETY: the children are live until the parent is released.
    let child = unsafe { &**c.children };
    assert!(!child.is_released());
    drop(c);
}

#[test]
fn release_from_another_thread() {
    let a = strings();
    let c = export_array(&a).unwrap();
    let s = export_data_type(a.data_type()).unwrap();
    std::thread::spawn(move || drop((c, s))).join().unwrap();

    // An imported array's buffers may be dropped on another thread too.
    let c = export_array(&a).unwrap();
    let s = export_data_type(a.data_type()).unwrap();
    // SAFETY: live exports.
    let back = unsafe { import_array(c, &s) }.unwrap();
    let a2 = a.clone();
    std::thread::spawn(move || assert!(back.equals(&a2)))
        .join()
        .unwrap();
}

#[test]
fn import_field_keeps_the_schema_with_the_caller() {
    let f = Field::new("s", DataType::Utf8, false).with_metadata(vec![("k".into(), "v".into())]);
    let c = export_field(&f).unwrap();
    // SAFETY: a live export.
    assert_eq!(unsafe { import_field(&c) }.unwrap(), f);
    // SAFETY: the struct was not consumed: it can be read again.
    assert_eq!(unsafe { import_field(&c) }.unwrap(), f);
    assert!(!c.is_released());
}

#[test]
fn streams_end_report_errors_and_release() {
    let batch = RecordBatch::try_from_columns(vec![strings()], &["s"]).unwrap();
    let schema = batch.schema().clone();
    let items = vec![Ok(batch.clone()), Err("disk on fire".to_string())];
    let stream = export_reader(schema.clone(), items);
    // SAFETY: a live export.
    let mut reader = unsafe { ArrowArrayStreamReader::try_new(stream) }.unwrap();
    assert!(reader.next().unwrap().unwrap().equals(&batch));
    match reader.next().unwrap().unwrap_err() {
        FfiError::Stream {
            call,
            code,
            message,
        } => {
            assert_eq!(
                (call, code, message.as_str()),
                ("get_next", 5, "disk on fire")
            );
        }
        other => panic!("expected a stream error, got {other:?}"),
    }
    assert!(reader.next().is_none(), "a failed stream ends");

    // The raw protocol: the end is a released array; the error text stays readable.
    let mut stream = export_reader(schema.clone(), Vec::<Result<RecordBatch, String>>::new());
    let mut out = ArrowArray::empty();
    // SAFETY: a live export and an out struct.
    let code = unsafe { (stream.get_next.unwrap())(&mut stream, &mut out) };
    assert_eq!(code, 0);
    assert!(out.is_released());
    let other = RecordBatch::try_from_columns(vec![Array::from(vec![1i8])], &["x"]).unwrap();
    let mut stream = export_reader(schema, vec![Ok::<_, String>(other)]);
    // SAFETY: as above.
    let code = unsafe { (stream.get_next.unwrap())(&mut stream, &mut out) };
    assert_eq!(code, 22, "EINVAL");
    // SAFETY: as above; the text lives until the next call.
    let text = unsafe { std::ffi::CStr::from_ptr((stream.get_last_error.unwrap())(&mut stream)) };
    assert!(
        text.to_str()
            .unwrap()
            .starts_with("a batch's schema differs from the stream's"),
        "{text:?}"
    );
    let mut moved = ArrowArrayStream::empty();
    std::mem::swap(&mut moved, &mut stream);
    std::thread::spawn(move || drop(moved)).join().unwrap();
    assert!(stream.is_released());

    // A released stream is refused.
    // SAFETY: a released stream is never called.
    let e = unsafe { ArrowArrayStreamReader::try_new(ArrowArrayStream::empty()) }.unwrap_err();
    assert!(matches!(
        e,
        FfiError::Released {
            what: "ArrowArrayStream",
            ..
        }
    ));
}
