//! The field walk the IPC format uses to number dictionaries, repeated here so that this
//! crate does not depend on the IPC crate.

use quiver_array::{DataType, Field, Schema};

/// The children of `f` in the IPC pre-order: a dictionary-encoded field's children are
/// those of its value type.
pub(super) fn walk_children(f: &Field) -> Vec<&Field> {
    match f.data_type() {
        DataType::Dictionary { value, .. } => value.children(),
        t => t.children(),
    }
}

/// One entry per field of a pre-order walk over `schema` (children by
/// [`walk_children`]): `Some(n)` for the n-th dictionary-encoded field, as the IPC
/// writers number them, `None` for every other field.
pub(super) fn assign_dictionary_ids(schema: &Schema) -> Vec<Option<i64>> {
    fn visit(f: &Field, ids: &mut Vec<Option<i64>>, next: &mut i64) {
        if matches!(f.data_type(), DataType::Dictionary { .. }) {
            ids.push(Some(*next));
            *next = next.saturating_add(1);
        } else {
            ids.push(None);
        }
        for c in walk_children(f) {
            visit(c, ids, next);
        }
    }
    let mut ids = Vec::new();
    let mut next = 0;
    for f in schema.fields() {
        visit(f, &mut ids, &mut next);
    }
    ids
}
