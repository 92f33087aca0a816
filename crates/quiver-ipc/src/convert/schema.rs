//! `Schema` <-> flatbuffers `Schema`, with dictionary ids kept on the IPC side.

use std::collections::BTreeMap;
use std::sync::Arc;

use flatbuffers::{FlatBufferBuilder, ForwardsUOffset, Vector, WIPOffset};
use quiver_array::{DataType, ExtensionRegistry, Field, Metadata, Schema, SchemaRef};

use crate::convert::types::{int_from_fb, type_from_fb, type_to_fb};
use crate::error::{IpcError, Location, Result};
use crate::fb;

/// Deepest field nesting accepted from input.
pub(crate) const MAX_NESTING: usize = 64;

/// A dictionary-encoded field, by id.
#[derive(Debug, Clone)]
pub(crate) struct DictionaryField {
    /// Pre-order position of the field (see [`IpcSchema::dict_ids`]).
    pub position: usize,
    /// The type of the dictionary's values.
    pub value_type: DataType,
}

/// A schema as the IPC layer sees it: the array-level schema plus the dictionary ids,
/// which belong to the wire format and not to `Field`.
#[derive(Debug, Clone)]
pub(crate) struct IpcSchema {
    pub schema: SchemaRef,
    /// Dictionary id of each field, indexed by its position in a pre-order walk over
    /// all fields (children, and the children of dictionary value types, included).
    pub dict_ids: Vec<Option<i64>>,
    /// Every dictionary id used, with the field that first uses it.
    pub dictionaries: BTreeMap<i64, DictionaryField>,
    /// Whether body buffers are big-endian.
    pub big_endian: bool,
}

/// Key/value pairs as the array layer keeps them (absent keys and values read as
/// empty strings).
pub(crate) fn metadata_from_fb(
    kvs: Option<Vector<'_, ForwardsUOffset<fb::KeyValue<'_>>>>,
) -> Metadata {
    kvs.map(|v| {
        v.iter()
            .map(|kv| {
                (
                    kv.key().unwrap_or("").to_string(),
                    kv.value().unwrap_or("").to_string(),
                )
            })
            .collect()
    })
    .unwrap_or_default()
}

/// Converts a verified flatbuffers schema; extension fields are checked against
/// `registry`.
pub(crate) fn schema_from_fb(
    s: fb::Schema<'_>,
    registry: &ExtensionRegistry,
    loc: &Location,
) -> Result<IpcSchema> {
    let big_endian = match s.endianness() {
        fb::Endianness::Little => false,
        fb::Endianness::Big => true,
        e => {
            return Err(IpcError::malformed_metadata(
                loc.clone(),
                format!("unknown endianness {}", e.0),
            ));
        }
    };
    let mut state = SchemaState::default();
    let fields = match s.fields() {
        Some(fs) => fs
            .iter()
            .map(|f| state.field(f, 0, "", loc))
            .collect::<Result<Vec<_>>>()?,
        None => Vec::new(),
    };
    // Registered extension types get checked; unknown ones stay plain storage.
    for f in &fields {
        registry
            .validate_field(f)
            .map_err(|e| IpcError::malformed_metadata(loc.clone(), e))?;
    }
    let schema = Schema::new(fields).with_metadata(metadata_from_fb(s.custom_metadata()));
    Ok(IpcSchema {
        schema: Arc::new(schema),
        dict_ids: state.dict_ids,
        dictionaries: state.dictionaries,
        big_endian,
    })
}

#[derive(Default)]
struct SchemaState {
    dict_ids: Vec<Option<i64>>,
    dictionaries: BTreeMap<i64, DictionaryField>,
}

impl SchemaState {
    fn field(
        &mut self,
        f: fb::Field<'_>,
        depth: usize,
        parent: &str,
        loc: &Location,
    ) -> Result<Field> {
        let name = f.name().unwrap_or("");
        let path = if parent.is_empty() {
            name.to_string()
        } else {
            format!("{parent}.{name}")
        };
        let loc = Location {
            field: Some(path.clone()),
            ..loc.clone()
        };
        if depth > MAX_NESTING {
            return Err(IpcError::LimitExceeded {
                location: Box::new(loc),
                what: format!("fields nested more than {MAX_NESTING} levels deep"),
            });
        }
        let position = self.dict_ids.len();
        self.dict_ids.push(None);
        let children = match f.children() {
            Some(cs) => cs
                .iter()
                .map(|c| self.field(c, depth.saturating_add(1), &path, &loc))
                .collect::<Result<Vec<_>>>()?,
            None => Vec::new(),
        };
        let mut data_type = type_from_fb(&f, children, &loc)?;
        if let Some(d) = f.dictionary() {
            let index = match d.indexType() {
                Some(i) => int_from_fb(i.bitWidth(), i.is_signed(), &loc)?,
                None => DataType::Int32,
            };
            if d.dictionaryKind() != fb::DictionaryKind::DenseArray {
                return Err(IpcError::unsupported(
                    loc,
                    format!("dictionary kind {}", d.dictionaryKind().0),
                ));
            }
            let id = d.id();
            match self.dictionaries.get(&id) {
                Some(existing) if existing.value_type != data_type => {
                    return Err(IpcError::malformed_metadata(
                        loc,
                        format!(
                            "dictionary id {id} is used for {} and for {data_type}",
                            existing.value_type
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    self.dictionaries.insert(
                        id,
                        DictionaryField {
                            position,
                            value_type: data_type.clone(),
                        },
                    );
                }
            }
            if let Some(slot) = self.dict_ids.get_mut(position) {
                *slot = Some(id);
            }
            data_type = DataType::Dictionary {
                index: Box::new(index),
                value: Box::new(data_type),
                ordered: d.isOrdered(),
            };
        }
        Ok(Field::new(name, data_type, f.nullable())
            .with_metadata(metadata_from_fb(f.custom_metadata())))
    }
}

pub(crate) fn metadata_to_fb<'a>(
    fbb: &mut FlatBufferBuilder<'a>,
    md: &Metadata,
) -> Option<WIPOffset<Vector<'a, ForwardsUOffset<fb::KeyValue<'a>>>>> {
    if md.is_empty() {
        return None;
    }
    let kvs: Vec<_> = md
        .iter()
        .map(|(k, v)| {
            let key = Some(fbb.create_string(k));
            let value = Some(fbb.create_string(v));
            fb::KeyValue::create(fbb, &fb::KeyValueArgs { key, value })
        })
        .collect();
    Some(fbb.create_vector(&kvs))
}

fn field_to_fb<'a>(
    fbb: &mut FlatBufferBuilder<'a>,
    f: &Field,
    dict_ids: &[Option<i64>],
    position: &mut usize,
) -> WIPOffset<fb::Field<'a>> {
    let my_position = *position;
    *position = position.saturating_add(1);
    let children: Vec<_> = f.children_through_dictionary()
        .into_iter()
        .map(|c| field_to_fb(fbb, c, dict_ids, position))
        .collect();
    let children = Some(fbb.create_vector(&children));
    let name = Some(fbb.create_string(f.name()));
    let (type_type, type_) = type_to_fb(fbb, f.data_type());
    let dictionary = match f.data_type() {
        DataType::Dictionary { index, ordered, .. } => {
            let (bit_width, signed) = match index.as_ref() {
                DataType::Int8 => (8, true),
                DataType::Int16 => (16, true),
                DataType::Int32 => (32, true),
                DataType::Int64 => (64, true),
                DataType::UInt8 => (8, false),
                DataType::UInt16 => (16, false),
                DataType::UInt32 => (32, false),
                _ => (64, false),
            };
            let index_type = fb::Int::create(
                fbb,
                &fb::IntArgs {
                    bitWidth: bit_width,
                    is_signed: signed,
                },
            );
            Some(fb::DictionaryEncoding::create(
                fbb,
                &fb::DictionaryEncodingArgs {
                    id: dict_ids.get(my_position).copied().flatten().unwrap_or(0),
                    indexType: Some(index_type),
                    isOrdered: *ordered,
                    dictionaryKind: fb::DictionaryKind::DenseArray,
                },
            ))
        }
        _ => None,
    };
    let custom_metadata = metadata_to_fb(fbb, f.metadata());
    fb::Field::create(
        fbb,
        &fb::FieldArgs {
            name,
            nullable: f.is_nullable(),
            type_type,
            type_: Some(type_),
            dictionary,
            children,
            custom_metadata,
        },
    )
}

/// Writes `schema` as a flatbuffers `Schema` table.
pub(crate) fn schema_to_fb<'a>(
    fbb: &mut FlatBufferBuilder<'a>,
    schema: &Schema,
    dict_ids: &[Option<i64>],
) -> WIPOffset<fb::Schema<'a>> {
    let mut position = 0;
    let fields: Vec<_> = schema
        .fields()
        .iter()
        .map(|f| field_to_fb(fbb, f, dict_ids, &mut position))
        .collect();
    let fields = Some(fbb.create_vector(&fields));
    let custom_metadata = metadata_to_fb(fbb, schema.metadata());
    fb::Schema::create(
        fbb,
        &fb::SchemaArgs {
            endianness: if cfg!(target_endian = "big") {
                fb::Endianness::Big
            } else {
                fb::Endianness::Little
            },
            fields,
            custom_metadata,
            features: None,
        },
    )
}
