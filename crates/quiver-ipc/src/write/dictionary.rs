//! Which dictionaries a writer has sent, so each is sent once (or replaced).

use std::collections::HashMap;

use quiver_array::{Array, DataType, Field, RecordBatch};

use crate::error::{IpcError, Result};

/// A dictionary message to send before a batch that uses it: the whole dictionary
/// (first time, or replacing a different one in a stream), or only the values appended
/// since the last one (`is_delta`).
#[derive(Debug)]
pub(crate) struct DictionaryMessage {
    pub id: i64,
    pub values: Array,
    pub is_delta: bool,
}

/// Dictionaries already written, by id.
#[derive(Debug)]
pub(crate) struct DictionaryTracker {
    written: HashMap<i64, Array>,
    /// Send appended values as deltas instead of replacing.
    emit_deltas: bool,
}

impl DictionaryTracker {
    /// A tracker that has sent nothing yet.
    pub(crate) fn new(emit_deltas: bool) -> Self {
        Self {
            written: HashMap::new(),
            emit_deltas,
        }
    }

    /// The dictionaries `batch` needs sent first. `allow_replacement` is false for files.
    pub(crate) fn collect(
        &mut self,
        batch: &RecordBatch,
        dict_ids: &[Option<i64>],
        allow_replacement: bool,
    ) -> Result<Vec<DictionaryMessage>> {
        let mut out = Vec::new();
        let mut position = 0;
        for (field, col) in batch.schema().fields().iter().zip(batch.columns()) {
            self.walk(
                field,
                Some(col),
                dict_ids,
                &mut position,
                allow_replacement,
                &mut out,
            )?;
        }
        Ok(out)
    }

    /// Walks a field and its array in the schema's pre-order. Inner dictionaries (inside
    /// a dictionary's values) are queued before the dictionary that refers to them, so
    /// a reader always knows them first.
    fn walk(
        &mut self,
        field: &Field,
        array: Option<&Array>,
        dict_ids: &[Option<i64>],
        position: &mut usize,
        allow_replacement: bool,
        out: &mut Vec<DictionaryMessage>,
    ) -> Result<()> {
        let my_position = *position;
        *position += 1;
        let is_dictionary = matches!(field.data_type(), DataType::Dictionary { .. });
        // The arrays matching `field.children_through_dictionary()`: a dictionary's value children live
        // in its dictionary array; other nested arrays hold them directly.
        let holder = if is_dictionary {
            array.and_then(Array::dictionary)
        } else {
            array
        };
        let children = field.children_through_dictionary();
        for (i, c) in children.into_iter().enumerate() {
            let ca = holder.and_then(|h| h.children().get(i));
            self.walk(c, ca, dict_ids, position, allow_replacement, out)?;
        }
        let (true, Some(values)) = (is_dictionary, array.and_then(Array::dictionary)) else {
            return Ok(());
        };
        let id = dict_ids.get(my_position).copied().flatten().unwrap_or(0);
        match self.written.get(&id) {
            Some(prev) if prev.ptr_eq(values) || prev.equals(values) => {}
            Some(prev)
                if ((self.emit_deltas && !holds_dictionary(values.data_type()))
                    || !allow_replacement)
                    && values.len() > prev.len()
                    && values.slice(0, prev.len()).equals(prev) =>
            {
                // The dictionary grew by appending: a delta carries only the new values
                // (files accept deltas too, so this also serves writers that cannot
                // replace). A stream replaces instead when the values hold dictionaries
                // of their own: Arrow C++ cannot read a delta with nested dictionaries.
                let added = values.slice(prev.len(), values.len() - prev.len());
                self.written.insert(id, values.clone());
                out.push(DictionaryMessage {
                    id,
                    values: added,
                    is_delta: true,
                });
            }
            Some(_) if !allow_replacement => {
                return Err(IpcError::Usage(format!(
                    "field {:?} changes its dictionary (id {id}); the file format does not allow dictionary replacement, write a stream instead",
                    field.name()
                )));
            }
            _ => {
                self.written.insert(id, values.clone());
                out.push(DictionaryMessage {
                    id,
                    values: values.clone(),
                    is_delta: false,
                });
            }
        }
        Ok(())
    }
}

/// Whether values of `t` contain dictionary-encoded arrays (at any depth).
fn holds_dictionary(t: &DataType) -> bool {
    match t {
        DataType::Dictionary { .. } => true,
        t => t.children().iter().any(|f| holds_dictionary(f.data_type())),
    }
}
