//! The trusted constructors the IPC reader uses: what they skip and what they still
//! check.

use std::sync::Arc;

use quiver_array::{Array, ArrayData, ArrayError, DataType, Field, RecordBatch, Schema};
use quiver_buffer::Buffer;

/// Three int32 slots, slot 1 null (one unset bit), declaring `declared` nulls.
fn int32_declaring(declared: usize) -> ArrayData {
    ArrayData::new(DataType::Int32, 3)
        .nulls(Some(Buffer::from_slice_ref(&[0b101u8])))
        .null_count(declared)
        .buffers(vec![Buffer::from_slice_ref(&[7i32, 0, 9])])
}

#[test]
fn trusting_null_count_takes_a_declared_count_up_to_the_length() {
    // SAFETY: the test only reads the null count back.
    let a = unsafe { int32_declaring(2).build_unchecked_trusting_null_count() }.unwrap();
    assert_eq!(a.null_count(), 2);
    // SAFETY: as above.
    let a = unsafe { int32_declaring(3).build_unchecked_trusting_null_count() }.unwrap();
    assert_eq!(a.null_count(), 3);
    // Every other build counts the bitmap.
    // SAFETY: the values are valid.
    let err = unsafe { int32_declaring(2).build_unchecked() }.unwrap_err();
    assert!(
        matches!(
            err,
            ArrayError::NullCount {
                declared: 2,
                actual: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(matches!(
        int32_declaring(2).build().unwrap_err(),
        ArrayError::NullCount {
            declared: 2,
            actual: 1,
            ..
        }
    ));
}

#[test]
fn trusting_null_count_still_counts_past_the_length_and_checks_the_bitmap_size() {
    // A count past the length is not trusted: the bitmap is counted and disagrees.
    // SAFETY: the values are valid.
    let err = unsafe { int32_declaring(4).build_unchecked_trusting_null_count() }.unwrap_err();
    assert!(
        matches!(
            err,
            ArrayError::NullCount {
                declared: 4,
                actual: 1,
                ..
            }
        ),
        "{err:?}"
    );
    let short = ArrayData::new(DataType::Int32, 9)
        .nulls(Some(Buffer::from_slice_ref(&[0u8])))
        .null_count(1)
        .buffers(vec![Buffer::from_slice_ref(&[0i32; 9])]);
    // SAFETY: the values are valid.
    let err = unsafe { short.build_unchecked_trusting_null_count() }.unwrap_err();
    assert_eq!(
        err.to_string(),
        // Same array, same checks: the words are those of `build`.
        ArrayData::new(DataType::Int32, 9)
            .nulls(Some(Buffer::from_slice_ref(&[0u8])))
            .null_count(1)
            .buffers(vec![Buffer::from_slice_ref(&[0i32; 9])])
            .build()
            .unwrap_err()
            .to_string()
    );
    assert!(
        err.to_string().contains("validity bitmap has 1 bytes but"),
        "{err}"
    );
}

#[test]
fn trusted_types_still_check_column_count_and_lengths() {
    let schema = Arc::new(Schema::new(vec![Field::new("a", DataType::Int32, false)]));
    let col = Array::from(vec![1i32, 2]);
    // SAFETY: the column is int32, as its field says.
    let b = unsafe {
        RecordBatch::try_new_with_trusted_types(Arc::clone(&schema), vec![col.clone()], 2)
    }
    .unwrap();
    assert_eq!((b.num_rows(), b.num_columns()), (2, 1));
    // SAFETY: as above.
    let err = unsafe {
        RecordBatch::try_new_with_trusted_types(Arc::clone(&schema), vec![col.clone()], 3)
    }
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        RecordBatch::try_new_with_row_count(Arc::clone(&schema), vec![col.clone()], 3)
            .unwrap_err()
            .to_string()
    );
    assert!(
        err.to_string().contains("has 2 rows but the batch has 3"),
        "{err}"
    );
    // SAFETY: no column at all; nothing to trust.
    let err = unsafe { RecordBatch::try_new_with_trusted_types(schema, vec![], 2) }.unwrap_err();
    assert!(
        err.to_string()
            .contains("the schema has 1 fields but 0 columns were given"),
        "{err}"
    );
}

#[test]
fn buffers_build_from_vec_array_and_iterator() {
    use quiver_array::Buffers;
    let one = Buffer::from_slice_ref(&[1i32]);
    let from_vec: Buffers = vec![one.clone()].into();
    let from_array: Buffers = [one.clone()].into();
    let collected: Buffers = std::iter::once(one.clone()).collect();
    assert_eq!(from_vec, from_array);
    assert_eq!(from_vec, collected);
    assert_eq!(format!("{from_vec:?}"), format!("{:?}", vec![one.clone()]));
    assert_eq!(Vec::from(from_vec), vec![one]);
}
