//! Writer for the Arrow JSON integration-test format: a [`Schema`] and its
//! [`RecordBatch`]es as the document [`read_json_file`](super::read_json_file) reads (and
//! the gold `generated_*.json` files contain).
//!
//! Encodings follow the gold files (sections 2–7 and 10 of
//! `docs/arrow-json-integration-format.md`): 64-bit values as decimal strings,
//! `MONTH_DAY_NANO` nanoseconds as bare numbers, booleans as `true`/`false`, bytes as
//! uppercase hex, a `VALIDITY` list for every array that has one, offsets rebased to
//! start at 0 (sliced arrays are written as what they show), views as
//! `SIZE`/`INLINED` or `SIZE`/`PREFIX_HEX`/`BUFFER_INDEX`/`OFFSET`, unions as
//! `TYPE_ID` (plus `OFFSET` when dense), run-end encoded arrays as their two children,
//! list views as `OFFSET`/`SIZE`. Extension types are written as their storage type with
//! the `ARROW:extension:*` keys kept in the field metadata.
//!
//! Values under null slots are written as zeros (empty strings for variable-length
//! types, whose offsets then do not advance). Floats are written in their shortest
//! round-trip spelling; NaN and infinities, which JSON numbers cannot express, are
//! written as the strings `"NaN"`, `"inf"` and `"-inf"`.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod columns;
mod emit;

use std::collections::BTreeMap;

use quiver_array::{Array, DataType, Field, IntervalUnit, Metadata, RecordBatch, Schema, TimeUnit};
use quiver_array::{UnionMode, concat};
use serde_json::Value;

use super::JsonError;
use emit::J;

/// Deepest field nesting the writer accepts (its walks are recursive).
const MAX_DEPTH: usize = 256;

/// Writes `batches` (all of `schema`) as a compact JSON integration document.
///
/// Dictionaries are taken from the dictionary-encoded columns themselves
/// ([`Array::dictionary`]) and written once per id in the `dictionaries` section.
/// `dictionary_ids` gives the id of each dictionary-encoded field in a pre-order walk
/// over all fields (children of dictionary value types included), the order of
/// [`JsonFile::dictionary_ids`](super::JsonFile::dictionary_ids); several fields may
/// share an id. `None` assigns ids as the IPC writers do: the n-th dictionary-encoded
/// field gets id n.
///
/// The JSON format has one final dictionary per id. When batches carry different
/// dictionaries for one id, the longest one is written if the others are its
/// prefixes (the delta case); otherwise the dictionaries are concatenated and the
/// indices of each batch are shifted to their part, so every batch keeps its values.
///
/// ```
/// use quiver_array::{Array, RecordBatch};
/// use quiver_json::{read_json_file, write_json_file};
///
/// let batch = RecordBatch::try_from_columns(
///     vec![Array::from(vec![Some(1i64), None]), Array::from(vec![Some("x"), None])],
///     &["n", "s"],
/// )
/// .unwrap();
/// let text = write_json_file(batch.schema(), &[batch.clone()], None).unwrap();
/// assert!(text.contains(r#""DATA":["1","0"]"#));
/// let back = read_json_file(&text).unwrap();
/// assert!(back.batches[0].equals(&batch));
/// ```
pub fn write_json_file(
    schema: &Schema,
    batches: &[RecordBatch],
    dictionary_ids: Option<&[i64]>,
) -> Result<String, JsonError> {
    Ok(document(schema, batches, dictionary_ids)?.to_compact())
}

/// Like [`write_json_file`], indented: one key per line, with lists and objects that
/// hold only scalars (`VALIDITY`, `DATA`, type objects, views) kept on one line.
pub fn write_json_file_pretty(
    schema: &Schema,
    batches: &[RecordBatch],
    dictionary_ids: Option<&[i64]>,
) -> Result<String, JsonError> {
    Ok(document(schema, batches, dictionary_ids)?.to_pretty())
}

/// Like [`write_json_file`], as a `serde_json` value (for structural comparisons).
pub fn write_json_value(
    schema: &Schema,
    batches: &[RecordBatch],
    dictionary_ids: Option<&[i64]>,
) -> Result<Value, JsonError> {
    Ok(document(schema, batches, dictionary_ids)?.into_value())
}

pub(super) fn invalid(context: impl Into<String>, message: impl Into<String>) -> JsonError {
    JsonError::Invalid {
        context: context.into(),
        message: message.into(),
    }
}

/// A schema field with its dictionary id and the nodes of [`Field::children_through_dictionary`](quiver_array::Field::children_through_dictionary).
#[derive(Debug, Clone)]
struct Node<'a> {
    field: &'a Field,
    path: String,
    dict_id: Option<i64>,
    children: Vec<Node<'a>>,
}

struct IdState<'i> {
    positional: Vec<Option<i64>>,
    given: Option<&'i [i64]>,
    position: usize,
    nth: usize,
}

impl IdState<'_> {
    fn node<'a>(
        &mut self,
        f: &'a Field,
        parent: &str,
        depth: usize,
    ) -> Result<Node<'a>, JsonError> {
        let path = if parent.is_empty() {
            f.name().to_string()
        } else {
            format!("{parent}.{}", f.name())
        };
        if depth > MAX_DEPTH {
            return Err(invalid(
                format!("schema, field path {path}"),
                format!("fields nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        let position = self.position;
        self.position = self.position.saturating_add(1);
        let dict_id = if matches!(f.data_type(), DataType::Dictionary { .. }) {
            let id = match self.given {
                Some(ids) => ids.get(self.nth).copied(),
                None => self.positional.get(position).copied().flatten(),
            };
            self.nth = self.nth.saturating_add(1);
            Some(id.ok_or_else(|| {
                invalid(
                    format!("schema, field path {path}"),
                    format!(
                        "no dictionary id for dictionary-encoded field number {}",
                        self.nth
                    ),
                )
            })?)
        } else {
            None
        };
        let children = f
            .children_through_dictionary()
            .into_iter()
            .map(|c| self.node(c, &path, depth.saturating_add(1)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Node {
            field: f,
            path,
            dict_id,
            children,
        })
    }
}

fn nodes<'a>(schema: &'a Schema, ids: Option<&[i64]>) -> Result<Vec<Node<'a>>, JsonError> {
    let mut state = IdState {
        positional: schema.dictionary_ids(),
        given: ids,
        position: 0,
        nth: 0,
    };
    let nodes = schema
        .fields()
        .iter()
        .map(|f| state.node(f, "", 0))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(ids) = ids
        && ids.len() != state.nth
    {
        return Err(invalid(
            "schema",
            format!(
                "{} dictionary ids given for {} dictionary-encoded fields",
                ids.len(),
                state.nth
            ),
        ));
    }
    // Fields sharing an id must agree on the value type.
    let mut types: BTreeMap<i64, (&DataType, &str)> = BTreeMap::new();
    let mut stack: Vec<&Node<'_>> = nodes.iter().collect();
    while let Some(n) = stack.pop() {
        if let (Some(id), DataType::Dictionary { value, .. }) = (n.dict_id, n.field.data_type()) {
            match types.get(&id) {
                Some((t, p)) if *t != value.as_ref() => {
                    return Err(invalid(
                        format!("schema, field path {}", n.path),
                        format!("dictionary {id} has values of type {value} here but {t} at {p}"),
                    ));
                }
                Some(_) => {}
                None => {
                    types.insert(id, (value.as_ref(), n.path.as_str()));
                }
            }
        }
        stack.extend(n.children.iter());
    }
    Ok(nodes)
}

/// The one final dictionary of an id, and every dictionary seen for it with the
/// position of its values in the final one.
struct DictEntry<'a> {
    node: Node<'a>,
    values: Array,
    seen: Vec<(Array, usize)>,
}

/// Dictionaries by id, gathered from the columns (and from the dictionaries' own
/// dictionary-encoded children).
#[derive(Default)]
struct Dictionaries<'a> {
    by_id: BTreeMap<i64, DictEntry<'a>>,
}

impl<'a> Dictionaries<'a> {
    /// Registers the dictionaries under `node`'s array `a`.
    fn collect(&mut self, node: &Node<'a>, a: &Array, ctx: &str) -> Result<(), JsonError> {
        let Some(id) = node.dict_id else {
            for (c, ca) in node.children.iter().zip(a.children()) {
                self.collect(c, ca, ctx)?;
            }
            return Ok(());
        };
        let d = a.dictionary().ok_or_else(|| {
            invalid(
                format!("{ctx} (field path {})", node.path),
                "dictionary-encoded array without a dictionary",
            )
        })?;
        for walk in self.add(id, node, d, ctx)? {
            for (c, ca) in node.children.iter().zip(walk.children()) {
                self.collect(c, ca, ctx)?;
            }
        }
        Ok(())
    }

    /// Adds dictionary `d` for `id`; returns the arrays whose children may hold
    /// dictionaries not seen before.
    fn add(
        &mut self,
        id: i64,
        node: &Node<'a>,
        d: &Array,
        ctx: &str,
    ) -> Result<Vec<Array>, JsonError> {
        let Some(entry) = self.by_id.get_mut(&id) else {
            self.by_id.insert(
                id,
                DictEntry {
                    node: node.clone(),
                    values: d.clone(),
                    seen: vec![(d.clone(), 0)],
                },
            );
            return Ok(vec![d.clone()]);
        };
        if entry.seen.iter().any(|(s, _)| s.ptr_eq(d)) {
            return Ok(Vec::new());
        }
        if let Some(base) = entry
            .seen
            .iter()
            .find(|(s, _)| s.equals(d))
            .map(|(_, b)| *b)
        {
            entry.seen.push((d.clone(), base));
            return Ok(Vec::new());
        }
        let current = entry.values.len();
        if d.len() >= current && prefix_equals(d, &entry.values) {
            // A delta: the new dictionary extends the old one.
            entry.values = d.clone();
            entry.seen.push((d.clone(), 0));
            return Ok(vec![d.clone()]);
        }
        if d.len() < current && prefix_equals(&entry.values, d) {
            entry.seen.push((d.clone(), 0));
            return Ok(Vec::new());
        }
        // A replacement: keep both, the new values after the old.
        let joined = concat(&[entry.values.clone(), d.clone()]).map_err(|e| {
            invalid(
                format!("{ctx} (field path {})", node.path),
                format!(
                    "dictionary {id} changes between batches and its values cannot be joined into one dictionary: {e}"
                ),
            )
        })?;
        entry.values = joined.clone();
        entry.seen.push((d.clone(), current));
        Ok(vec![d.clone(), joined])
    }

    /// Where the values of dictionary `d` start in the final dictionary of `id`.
    fn base(&self, id: i64, d: &Array) -> Option<usize> {
        let entry = self.by_id.get(&id)?;
        entry
            .seen
            .iter()
            .find(|(s, _)| s.ptr_eq(d))
            .or_else(|| entry.seen.iter().find(|(s, _)| s.equals(d)))
            .map(|(_, b)| *b)
    }
}

/// Whether the first `short.len()` values of `long` equal `short`.
fn prefix_equals(long: &Array, short: &Array) -> bool {
    long.try_slice(0, short.len())
        .is_ok_and(|head| head.equals(short))
}

fn document(
    schema: &Schema,
    batches: &[RecordBatch],
    dictionary_ids: Option<&[i64]>,
) -> Result<J, JsonError> {
    let nodes = nodes(schema, dictionary_ids)?;
    for (b, batch) in batches.iter().enumerate() {
        if batch.num_columns() != nodes.len() {
            return Err(invalid(
                format!("batch {b}"),
                format!(
                    "{} columns but the schema has {} fields",
                    batch.num_columns(),
                    nodes.len()
                ),
            ));
        }
        for (node, col) in nodes.iter().zip(batch.columns()) {
            if col.data_type() != node.field.data_type() {
                return Err(invalid(
                    format!("batch {b}, column '{}'", node.field.name()),
                    format!(
                        "type {} but the schema says {}",
                        col.data_type(),
                        node.field.data_type()
                    ),
                ));
            }
        }
    }
    let mut dicts = Dictionaries::default();
    for (b, batch) in batches.iter().enumerate() {
        let ctx = format!("batch {b}");
        for (node, col) in nodes.iter().zip(batch.columns()) {
            dicts.collect(node, col, &ctx)?;
        }
    }

    let mut root = vec![(
        "schema",
        J::Obj({
            let mut s = vec![(
                "fields",
                J::Arr(nodes.iter().map(field_json).collect::<Result<_, _>>()?),
            )];
            if !schema.metadata().is_empty() {
                s.push(("metadata", metadata_json(schema.metadata())));
            }
            s
        }),
    )];

    let mut out_batches = Vec::with_capacity(batches.len());
    for (b, batch) in batches.iter().enumerate() {
        let mut columns = Vec::with_capacity(nodes.len());
        for (node, col) in nodes.iter().zip(batch.columns()) {
            let prefix = format!("batch {b}, column '{}'", node.field.name());
            columns.push(dicts.column(node, true, col, &prefix)?);
        }
        out_batches.push(J::Obj(vec![
            ("count", J::int(batch.num_rows() as u64)),
            ("columns", J::Arr(columns)),
        ]));
    }
    root.push(("batches", J::Arr(out_batches)));

    let mut has_dictionary_fields = false;
    let mut stack: Vec<&Node<'_>> = nodes.iter().collect();
    while let Some(n) = stack.pop() {
        has_dictionary_fields |= n.dict_id.is_some();
        stack.extend(n.children.iter());
    }
    if has_dictionary_fields {
        let mut out = Vec::with_capacity(dicts.by_id.len());
        for (id, entry) in &dicts.by_id {
            let prefix = format!("dictionary {id}");
            let mut column = dicts.column(&entry.node, false, &entry.values, &prefix)?;
            // The column name means nothing here; Arrow's writers use DICT<id>.
            if let J::Obj(entries) = &mut column
                && let Some((_, name)) = entries.first_mut()
            {
                *name = J::str(format!("DICT{id}"));
            }
            out.push(J::Obj(vec![
                ("id", J::int(*id)),
                (
                    "data",
                    J::Obj(vec![
                        ("count", J::int(entry.values.len() as u64)),
                        ("columns", J::Arr(vec![column])),
                    ]),
                ),
            ]));
        }
        root.push(("dictionaries", J::Arr(out)));
    }
    Ok(J::Obj(root))
}

fn metadata_json(md: &Metadata) -> J {
    J::Arr(
        md.iter()
            .map(|(k, v)| {
                J::Obj(vec![
                    ("key", J::str(k.as_str())),
                    ("value", J::str(v.as_str())),
                ])
            })
            .collect(),
    )
}

fn field_json(node: &Node<'_>) -> Result<J, JsonError> {
    let f = node.field;
    let (type_json, dictionary) = match f.data_type() {
        DataType::Dictionary {
            index,
            value,
            ordered,
        } => {
            let id = node.dict_id.unwrap_or(0);
            let encoding = J::Obj(vec![
                ("id", J::int(id)),
                ("indexType", type_json(index, &node.path)?),
                ("isOrdered", J::bool(*ordered)),
            ]);
            (type_json(value, &node.path)?, Some(encoding))
        }
        t => (type_json(t, &node.path)?, None),
    };
    let mut o = vec![
        ("name", J::str(f.name())),
        ("nullable", J::bool(f.is_nullable())),
        ("type", type_json),
        (
            "children",
            J::Arr(
                node.children
                    .iter()
                    .map(field_json)
                    .collect::<Result<_, _>>()?,
            ),
        ),
    ];
    if let Some(d) = dictionary {
        o.push(("dictionary", d));
    }
    if !f.metadata().is_empty() {
        o.push(("metadata", metadata_json(f.metadata())));
    }
    Ok(J::Obj(o))
}

fn unit_name(u: TimeUnit) -> &'static str {
    match u {
        TimeUnit::Second => "SECOND",
        TimeUnit::Millisecond => "MILLISECOND",
        TimeUnit::Microsecond => "MICROSECOND",
        TimeUnit::Nanosecond => "NANOSECOND",
    }
}

/// The Type object of `t` (for a dictionary field, call it with the value type).
fn type_json(t: &DataType, path: &str) -> Result<J, JsonError> {
    use DataType::*;
    let named = |name: &'static str| J::Obj(vec![("name", J::str(name))]);
    let int = |bits: i32, signed: bool| {
        J::Obj(vec![
            ("name", J::str("int")),
            ("isSigned", J::bool(signed)),
            ("bitWidth", J::int(bits)),
        ])
    };
    let float = |p: &'static str| {
        J::Obj(vec![
            ("name", J::str("floatingpoint")),
            ("precision", J::str(p)),
        ])
    };
    let decimal = |p: u8, s: i8, bits: i32| {
        J::Obj(vec![
            ("name", J::str("decimal")),
            ("precision", J::int(p)),
            ("scale", J::int(s)),
            ("bitWidth", J::int(bits)),
        ])
    };
    let with_unit = |name: &'static str, unit: &'static str| {
        J::Obj(vec![("name", J::str(name)), ("unit", J::str(unit))])
    };
    Ok(match t {
        Null => named("null"),
        Boolean => named("bool"),
        Int8 => int(8, true),
        Int16 => int(16, true),
        Int32 => int(32, true),
        Int64 => int(64, true),
        UInt8 => int(8, false),
        UInt16 => int(16, false),
        UInt32 => int(32, false),
        UInt64 => int(64, false),
        Float16 => float("HALF"),
        Float32 => float("SINGLE"),
        Float64 => float("DOUBLE"),
        Binary => named("binary"),
        LargeBinary => named("largebinary"),
        Utf8 => named("utf8"),
        LargeUtf8 => named("largeutf8"),
        BinaryView => named("binaryview"),
        Utf8View => named("utf8view"),
        FixedSizeBinary(w) => J::Obj(vec![
            ("name", J::str("fixedsizebinary")),
            ("byteWidth", J::int(*w)),
        ]),
        Decimal32(p, s) => decimal(*p, *s, 32),
        Decimal64(p, s) => decimal(*p, *s, 64),
        Decimal128(p, s) => decimal(*p, *s, 128),
        Decimal256(p, s) => decimal(*p, *s, 256),
        Date32 => with_unit("date", "DAY"),
        Date64 => with_unit("date", "MILLISECOND"),
        Time32(u) | Time64(u) => J::Obj(vec![
            ("name", J::str("time")),
            ("unit", J::str(unit_name(*u))),
            (
                "bitWidth",
                J::int(if matches!(t, Time32(_)) { 32 } else { 64 }),
            ),
        ]),
        Timestamp(u, tz) => {
            let mut o = vec![
                ("name", J::str("timestamp")),
                ("unit", J::str(unit_name(*u))),
            ];
            if let Some(tz) = tz {
                o.push(("timezone", J::str(tz.as_ref())));
            }
            J::Obj(o)
        }
        Duration(u) => with_unit("duration", unit_name(*u)),
        Interval(u) => with_unit(
            "interval",
            match u {
                IntervalUnit::YearMonth => "YEAR_MONTH",
                IntervalUnit::DayTime => "DAY_TIME",
                IntervalUnit::MonthDayNano => "MONTH_DAY_NANO",
            },
        ),
        List(_) => named("list"),
        LargeList(_) => named("largelist"),
        ListView(_) => named("listview"),
        LargeListView(_) => named("largelistview"),
        FixedSizeList(_, n) => J::Obj(vec![
            ("name", J::str("fixedsizelist")),
            ("listSize", J::int(*n)),
        ]),
        Struct(_) => named("struct"),
        Map(_, sorted) => J::Obj(vec![
            ("name", J::str("map")),
            ("keysSorted", J::bool(*sorted)),
        ]),
        Union { type_ids, mode, .. } => J::Obj(vec![
            ("name", J::str("union")),
            (
                "mode",
                J::str(match mode {
                    UnionMode::Sparse => "SPARSE",
                    UnionMode::Dense => "DENSE",
                }),
            ),
            (
                "typeIds",
                J::Arr(type_ids.iter().map(|&i| J::int(i)).collect()),
            ),
        ]),
        RunEndEncoded(..) => named("runendencoded"),
        Dictionary { .. } => {
            return Err(invalid(
                format!("schema, field path {path}"),
                "a dictionary type directly inside a dictionary type",
            ));
        }
        other => {
            return Err(invalid(
                format!("schema, field path {path}"),
                format!("the JSON format has no name for the type {other}"),
            ));
        }
    })
}
