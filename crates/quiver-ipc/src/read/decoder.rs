//! Decoding whole messages (record batches and dictionary batches) from verified
//! metadata and a body buffer. No I/O happens here.

use std::sync::Arc;

use quiver_array::{DataType, Field, RecordBatch, Schema, layout};
use quiver_buffer::Buffer;

use crate::compression::CompressionCodec;
use crate::compression::parallel::{available_threads, decompress_buffers};
use crate::convert::schema::{IpcSchema, metadata_from_fb};
use crate::error::{IpcError, Location, Result};
use crate::fb;
use crate::message::VerifiedMessage;
use crate::options::{IpcReadOptions, Selection};
use crate::read::array::{BatchDecoder, Body, Dictionaries, FieldPath};

fn decoder<'a>(
    rb: fb::RecordBatch<'a>,
    body: &'a Body,
    msg: &VerifiedMessage,
    schema: &'a IpcSchema,
    dictionaries: &'a Dictionaries,
    options: &'a IpcReadOptions,
    loc: &Location,
) -> Result<BatchDecoder<'a>> {
    let compression = rb
        .compression()
        .map(|c| CompressionCodec::from_fb(c, loc))
        .transpose()?;
    let empty_nodes = || IpcError::malformed_metadata(loc.clone(), "record batch has no field node list");
    let nodes = rb.nodes().ok_or_else(empty_nodes)?;
    let buffers = rb
        .buffers()
        .ok_or_else(|| IpcError::malformed_metadata(loc.clone(), "record batch has no buffer list"))?;
    Ok(BatchDecoder {
        body,
        plan: None,
        nodes,
        buffers,
        variadic: rb.variadicBufferCounts(),
        compression,
        version: msg.version,
        big_endian: schema.big_endian,
        options,
        dict_ids: &schema.dict_ids,
        dictionaries,
        location: loc.clone(),
        node_index: 0,
        buffer_index: 0,
        variadic_index: 0,
        position: 0,
        predecoded: Vec::new(),
    })
}

/// With threads allowed and a compressed body, decompresses the buffers that `fields`
/// can use ahead of decoding, on several threads (see
/// [`decompress_buffers`]); the decoder then takes them in order. Buffers past what
/// the schema can use are left alone, as the decoder never decompresses them either.
fn predecompress(dec: &mut BatchDecoder<'_>, fields: &[Field]) {
    let options = dec.options;
    let Some(codec) = dec.compression else {
        return;
    };
    if !options.use_threads() || options.require_zero_copy() || available_threads() == 1 {
        return;
    }
    let variadic = dec
        .variadic
        .iter()
        .flatten()
        .map(|n| usize::try_from(n).unwrap_or(0))
        .fold(0usize, usize::saturating_add);
    let usable = buffers_in_schema(fields).saturating_add(variadic);
    let body = dec.body;
    let stored: Vec<Option<Buffer>> = dec
        .buffers
        .iter()
        .take(usable)
        .map(|b| {
            let offset = usize::try_from(b.offset()).ok()?;
            let length = usize::try_from(b.length()).ok()?;
            if offset.checked_add(length)? > body.len() {
                return None;
            }
            body.slice(offset, length)
        })
        .collect();
    dec.predecoded = decompress_buffers(
        codec,
        &stored,
        options.max_message_size(),
        options.memory_pool(),
        available_threads(),
    );
}

/// An upper bound on the buffers a record batch of `fields` holds, variadic buffers
/// of view types aside.
fn buffers_in_schema(fields: &[Field]) -> usize {
    fields
        .iter()
        .map(|f| {
            let dt = f.data_type();
            // The validity bitmap (or a V4 union's empty slot) and the layout's buffers.
            let own = layout(dt).buffers.len().saturating_add(1);
            let children = match dt {
                DataType::Dictionary { .. } => 0,
                _ => dt
                    .children()
                    .into_iter()
                    .map(|c| buffers_in_schema(std::slice::from_ref(c)))
                    .fold(0usize, usize::saturating_add),
            };
            own.saturating_add(children)
        })
        .fold(0usize, usize::saturating_add)
}

/// Decodes a record batch message. `output` is the schema of the batch produced (the
/// projected schema when a projection is set).
#[allow(clippy::too_many_arguments)]
pub(crate) fn decode_record_batch(
    msg: &VerifiedMessage,
    body: &Body,
    schema: &IpcSchema,
    output: &Arc<Schema>,
    projection: Option<&[Selection]>,
    dictionaries: &Dictionaries,
    options: &IpcReadOptions,
    loc: &Location,
) -> Result<RecordBatch> {
    let m = msg.message();
    let rb = m.header_as_record_batch().ok_or_else(|| {
        IpcError::malformed_metadata(loc.clone(), "message says record batch but holds none")
    })?;
    let rows = usize::try_from(rb.length()).map_err(|_| {
        IpcError::malformed_metadata(loc.clone(), format!("negative row count {}", rb.length()))
    })?;
    let mut dec = decoder(rb, body, msg, schema, dictionaries, options, loc)?;
    let fields = schema.schema.fields();
    let columns = match projection {
        // Without a projection every field is a column: one vector, filled in order.
        None => {
            predecompress(&mut dec, fields);
            let mut columns = Vec::with_capacity(fields.len());
            for f in fields {
                columns.extend(dec.read_field(f, &FieldPath::Top(f.name()), true, None)?);
            }
            dec.finish()?;
            columns
        }
        Some(p) => {
            let mut columns: Vec<Option<quiver_array::Array>> = Vec::with_capacity(fields.len());
            for (i, f) in fields.iter().enumerate() {
                let (wanted, subset) = match p.iter().find(|s| s.index == i) {
                    None => (false, None),
                    Some(s) => (true, s.children.as_deref()),
                };
                columns.push(dec.read_field(f, &FieldPath::Top(f.name()), wanted, subset)?);
            }
            dec.finish()?;
            p.iter()
                .filter_map(|s| columns.get(s.index).cloned().flatten())
                .collect()
        }
    };
    let batch = if projection.is_none() && Arc::ptr_eq(output, &schema.schema) {
        // SAFETY: without a projection, column `i` was built by `read_field` from
        // field `i` of `schema.schema`, which is `output`, with that field's data type.
        unsafe { RecordBatch::try_new_with_trusted_types(Arc::clone(output), columns, rows) }
    } else {
        RecordBatch::try_new_with_row_count(Arc::clone(output), columns, rows)
    };
    batch
        .map(|b| b.with_metadata(metadata_from_fb(m.custom_metadata())))
        .map_err(|source| IpcError::InvalidArray {
            location: Box::new(loc.clone()),
            source,
        })
}

/// The body ranges `(offset, length)` holding the buffers of the projected columns of
/// a record batch message, so a reader can fetch only those.
pub(crate) fn plan_record_batch(
    msg: &VerifiedMessage,
    body_length: usize,
    schema: &IpcSchema,
    projection: &[Selection],
    dictionaries: &Dictionaries,
    options: &IpcReadOptions,
    loc: &Location,
) -> Result<Vec<(usize, usize)>> {
    let m = msg.message();
    let rb = m.header_as_record_batch().ok_or_else(|| {
        IpcError::malformed_metadata(loc.clone(), "message says record batch but holds none")
    })?;
    let body = Body::Ranges {
        len: body_length,
        parts: Vec::new(),
    };
    let mut dec = decoder(rb, &body, msg, schema, dictionaries, options, loc)?;
    dec.plan = Some(Vec::new());
    for (i, f) in schema.schema.fields().iter().enumerate() {
        let sel = projection.iter().find(|s| s.index == i);
        dec.read_field(
            f,
            &FieldPath::Top(f.name()),
            sel.is_some(),
            sel.and_then(|s| s.children.as_deref()),
        )?;
    }
    dec.finish()?;
    Ok(dec.plan.take().unwrap_or_default())
}

/// Decodes a dictionary batch message into `dictionaries`.
pub(crate) fn decode_dictionary(
    msg: &VerifiedMessage,
    body: &Body,
    schema: &IpcSchema,
    dictionaries: &mut Dictionaries,
    options: &IpcReadOptions,
    loc: &Location,
) -> Result<()> {
    let m = msg.message();
    let db = m.header_as_dictionary_batch().ok_or_else(|| {
        IpcError::malformed_metadata(loc.clone(), "message says dictionary batch but holds none")
    })?;
    let id = db.id();
    let field = schema.dictionaries.get(&id).ok_or_else(|| {
        IpcError::malformed(
            loc.clone(),
            format!("dictionary batch for id {id}, which no field uses"),
        )
    })?;
    let rb = db.data().ok_or_else(|| {
        IpcError::malformed_metadata(loc.clone(), format!("dictionary batch {id} has no data"))
    })?;
    let values_field = Field::new("", field.value_type.clone(), true);
    let array = {
        let mut dec = decoder(rb, body, msg, schema, dictionaries, options, loc)?;
        dec.position = field.position;
        predecompress(&mut dec, std::slice::from_ref(&values_field));
        let array = dec.read_field(&values_field, &FieldPath::Dictionary(id), true, None)?;
        dec.finish()?;
        array.ok_or_else(|| IpcError::malformed(loc.clone(), "empty dictionary"))?
    };
    let array = match dictionaries.get(&id) {
        Some(existing) if db.isDelta() => quiver_array::concat(&[existing.clone(), array])
            .map_err(|source| IpcError::InvalidArray {
                location: Box::new(loc.clone()),
                source,
            })?,
        // Arrow C++ refuses this too: a delta extends a dictionary, it cannot start one.
        None if db.isDelta() => {
            return Err(IpcError::malformed(
                loc.clone(),
                format!(
                    "delta dictionary batch for id {id} comes before any dictionary for that id"
                ),
            ));
        }
        _ => array,
    };
    dictionaries.insert(id, array);
    Ok(())
}
