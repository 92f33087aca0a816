//! Schemas through the C data interface: [`export_schema`], [`export_field`],
//! [`export_data_type`] and their imports.

use std::collections::HashMap;
use std::ffi::{CStr, CString, c_char, c_void};

use quiver_array::{DataType, Field, Metadata, Schema};

use crate::abi::{
    ARROW_FLAG_DICTIONARY_ORDERED, ARROW_FLAG_MAP_KEYS_SORTED, ARROW_FLAG_NULLABLE, ArrowSchema,
};
use crate::counters::Token;
use crate::error::{FfiError, Result};
use crate::format::{Format, decode_metadata_at, encode_metadata, format_of, parse_format_at};

/// Deepest nesting an import accepts; deeper schemas are refused instead of risking the
/// stack.
pub(crate) const MAX_DEPTH: usize = 64;

/// What an exported schema node owns: its strings and its children and dictionary
/// (boxed, so their addresses stay put until this is freed).
struct SchemaPrivate {
    format: CString,
    name: CString,
    metadata: Option<Vec<u8>>,
    children: Vec<*mut ArrowSchema>,
    dictionary: *mut ArrowSchema,
    _token: Token,
}

unsafe extern "C" fn release_schema(schema: *mut ArrowSchema) {
    if schema.is_null() {
        return;
    }
    // SAFETY: the consumer passes the struct we produced (or a moved copy of it); its
    // `private_data` is the `Box<SchemaPrivate>` `node` leaked, taken back exactly once
    // because `release` is set to null below.
    unsafe {
        let s = &mut *schema;
        if s.release.is_none() {
            return;
        }
        let private = Box::from_raw(s.private_data.cast::<SchemaPrivate>());
        for child in private
            .children
            .iter()
            .copied()
            .chain((!private.dictionary.is_null()).then_some(private.dictionary))
        {
            // Dropping the box runs the child's `release` unless the consumer moved it
            // out (then its `release` is null and only the memory is freed).
            drop(Box::from_raw(child));
        }
        drop(private);
        s.release = None;
        s.private_data = std::ptr::null_mut();
    }
}

fn c_string(text: &str, what: &str) -> Result<CString> {
    CString::new(text).map_err(|_| FfiError::Export {
        what: what.to_string(),
        problem: format!("{text:?} contains a NUL byte, which C strings cannot hold"),
    })
}

fn node(
    format: String,
    name: &str,
    metadata: &Metadata,
    flags: i64,
    children: Vec<ArrowSchema>,
    dictionary: Option<ArrowSchema>,
) -> Result<ArrowSchema> {
    let format = c_string(&format, "format string")?;
    let name = c_string(name, "field name")?;
    let metadata = encode_metadata(metadata)?;
    let mut private = Box::new(SchemaPrivate {
        format,
        name,
        metadata,
        children: children
            .into_iter()
            .map(|c| Box::into_raw(Box::new(c)))
            .collect(),
        dictionary: dictionary.map_or(std::ptr::null_mut(), |d| Box::into_raw(Box::new(d))),
        _token: Token::export(),
    });
    Ok(ArrowSchema {
        format: private.format.as_ptr(),
        name: private.name.as_ptr(),
        metadata: private
            .metadata
            .as_ref()
            .map_or(std::ptr::null(), |m| m.as_ptr().cast::<c_char>()),
        flags,
        n_children: i64::try_from(private.children.len()).unwrap_or(i64::MAX),
        children: private.children.as_mut_ptr(),
        dictionary: private.dictionary,
        release: Some(release_schema),
        private_data: Box::into_raw(private).cast::<c_void>(),
    })
}

fn export_type(
    data_type: &DataType,
    name: &str,
    metadata: &Metadata,
    nullable: bool,
) -> Result<ArrowSchema> {
    let mut flags = if nullable { ARROW_FLAG_NULLABLE } else { 0 };
    let mut dictionary = None;
    match data_type {
        DataType::Dictionary { value, ordered, .. } => {
            if *ordered {
                flags |= ARROW_FLAG_DICTIONARY_ORDERED;
            }
            dictionary = Some(export_type(value, "", &Metadata::new(), true)?);
        }
        DataType::Map(_, true) => flags |= ARROW_FLAG_MAP_KEYS_SORTED,
        _ => {}
    }
    let children = data_type
        .children()
        .into_iter()
        .map(export_field)
        .collect::<Result<Vec<_>>>()?;
    node(
        format_of(data_type)?,
        name,
        metadata,
        flags,
        children,
        dictionary,
    )
}

/// Exports a field: its type's format, name, metadata (extension types included, as the
/// `ARROW:extension:*` keys) and nullable flag.
///
/// # Errors
/// [`FfiError::Export`] for names or metadata that C strings cannot hold.
pub fn export_field(field: &Field) -> Result<ArrowSchema> {
    export_type(
        field.data_type(),
        field.name(),
        field.metadata(),
        field.is_nullable(),
    )
}

/// Exports a bare type (nameless, nullable, without metadata).
///
/// # Errors
/// As [`export_field`].
pub fn export_data_type(data_type: &DataType) -> Result<ArrowSchema> {
    export_type(data_type, "", &Metadata::new(), true)
}

/// Exports a schema as the spec says: a struct (`+s`) whose children are the fields,
/// carrying the schema's metadata.
///
/// ```
/// use quiver_ffi::{export_schema, import_schema};
/// use quiver_array::{DataType, Field, Schema};
/// let schema = Schema::new(vec![Field::new("a", DataType::Utf8, false)])
///     .with_metadata(vec![("k".into(), "v".into())]);
/// let c = export_schema(&schema).unwrap();
/// // SAFETY: `c` is a live export.
/// assert_eq!(unsafe { import_schema(&c) }.unwrap(), schema);
/// ```
///
/// # Errors
/// As [`export_field`].
pub fn export_schema(schema: &Schema) -> Result<ArrowSchema> {
    let children = schema
        .fields()
        .iter()
        .map(export_field)
        .collect::<Result<Vec<_>>>()?;
    node("+s".into(), "", schema.metadata(), 0, children, None)
}

fn schema_err(path: &str, problem: impl Into<String>) -> FfiError {
    FfiError::Schema {
        path: path.to_string(),
        problem: problem.into(),
    }
}

/// Reads a NUL-terminated string.
///
/// # Safety
/// `ptr` is null or points to a NUL-terminated string.
unsafe fn text(ptr: *const c_char, what: &str, path: &str) -> Result<Option<String>> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: non-null and NUL-terminated by the caller's contract.
    let s = unsafe { CStr::from_ptr(ptr) };
    s.to_str()
        .map(|s| Some(s.to_string()))
        .map_err(|e| schema_err(path, format!("the {what} is not UTF-8: {e}")))
}

/// Reads metadata of unknown length: walks the length prefixes to find its size first.
///
/// # Safety
/// `ptr` is null or points to metadata in the spec's layout.
unsafe fn metadata(ptr: *const c_char, path: &str) -> Result<Metadata> {
    if ptr.is_null() {
        return Ok(Metadata::new());
    }
    let bytes = ptr.cast::<u8>();
    let bad = |problem: String| FfiError::Metadata {
        path: path.to_string(),
        problem,
    };
    // SAFETY: the producer promises the layout; each read is of 4 bytes the layout says
    // are there, at offsets computed with checked arithmetic.
    let read = |at: usize| unsafe { bytes.add(at).cast::<i32>().read_unaligned() };
    let n = read(0);
    let n = usize::try_from(n).map_err(|_| bad(format!("the pair count is negative ({n})")))?;
    let mut pos = 4usize;
    for i in 0..n.saturating_mul(2) {
        let len = read(pos);
        let len = usize::try_from(len)
            .map_err(|_| bad(format!("length {i} at byte {pos} is negative ({len})")))?;
        pos = pos
            .checked_add(4)
            .and_then(|p| p.checked_add(len))
            .filter(|p| *p <= isize::MAX as usize)
            .ok_or_else(|| bad(format!("length {i} at byte {pos} overflows")))?;
    }
    // SAFETY: the walk above found `pos` bytes of metadata in the producer's layout.
    let slice = unsafe { std::slice::from_raw_parts(bytes, pos) };
    Ok(decode_metadata_at(slice, path)?.0)
}

/// Reads the children pointers of a schema node.
///
/// # Safety
/// `schema` is a live struct following the spec.
unsafe fn children<'a>(schema: &'a ArrowSchema, path: &str) -> Result<Vec<&'a ArrowSchema>> {
    let n = usize::try_from(schema.n_children).map_err(|_| {
        schema_err(
            path,
            format!("n_children is negative ({})", schema.n_children),
        )
    })?;
    if n == 0 {
        return Ok(Vec::new());
    }
    if schema.children.is_null() {
        return Err(schema_err(
            path,
            format!("n_children is {n} but children is null"),
        ));
    }
    (0..n)
        .map(|i| {
            // SAFETY: `children` points to `n_children` pointers (spec).
            let child = unsafe { *schema.children.add(i) };
            // SAFETY: a non-null child pointer points to a live struct (spec).
            unsafe { child.as_ref() }.ok_or_else(|| schema_err(path, format!("child {i} is null")))
        })
        .collect()
}

/// The nodes an import has reached so far, by address, with their paths.
type Seen = HashMap<*const ArrowSchema, String>;

/// Imports one schema node as a field.
///
/// A struct reached a second time is an error: with every pointer valid, a producer could
/// otherwise point each level's children at one shared struct and make a walk of a few
/// dozen structs take 2^depth steps (or loop through a cycle up to the depth limit).
///
/// # Safety
/// `schema` and everything it points to follow the spec.
unsafe fn field_at(schema: &ArrowSchema, path: &str, depth: usize, seen: &mut Seen) -> Result<Field> {
    if schema.is_released() {
        return Err(FfiError::Released {
            what: "ArrowSchema",
            path: path.to_string(),
        });
    }
    if depth > MAX_DEPTH {
        return Err(schema_err(
            path,
            format!("nested deeper than {MAX_DEPTH} levels"),
        ));
    }
    if let Some(first) = seen.insert(std::ptr::from_ref(schema), path.to_string()) {
        return Err(schema_err(
            path,
            format!(
                "this ArrowSchema struct is also the node at {first}; each node of the tree must be a struct of its own"
            ),
        ));
    }
    // SAFETY: forwarded from this function's contract.
    let format = unsafe { text(schema.format, "format string", path) }?
        .ok_or_else(|| schema_err(path, "the format string is null"))?;
    // SAFETY: as above.
    let name = unsafe { text(schema.name, "name", path) }?.unwrap_or_default();
    // SAFETY: as above.
    let md = unsafe { metadata(schema.metadata, path) }?;
    // SAFETY: as above.
    let kids = unsafe { children(schema, path) }?;
    let mut fields = Vec::with_capacity(kids.len());
    for (i, kid) in kids.iter().enumerate() {
        // SAFETY: as above.
        fields.push(unsafe { field_at(kid, &format!("{path}.child {i}"), depth.saturating_add(1), seen) }?);
    }
    let expect = |n: usize| {
        if fields.len() == n {
            Ok(())
        } else {
            Err(schema_err(
                path,
                format!(
                    "format {format:?} needs {n} children but there are {}",
                    fields.len()
                ),
            ))
        }
    };
    let one = |fields: &mut Vec<Field>| fields.pop().map(Into::into);
    let mut data_type = match parse_format_at(&format, path)? {
        Format::Type(t) => {
            expect(0)?;
            t
        }
        Format::List => {
            expect(1)?;
            DataType::List(one(&mut fields).ok_or_else(|| schema_err(path, "missing child"))?)
        }
        Format::LargeList => {
            expect(1)?;
            DataType::LargeList(one(&mut fields).ok_or_else(|| schema_err(path, "missing child"))?)
        }
        Format::ListView => {
            expect(1)?;
            DataType::ListView(one(&mut fields).ok_or_else(|| schema_err(path, "missing child"))?)
        }
        Format::LargeListView => {
            expect(1)?;
            DataType::LargeListView(
                one(&mut fields).ok_or_else(|| schema_err(path, "missing child"))?,
            )
        }
        Format::FixedSizeList(n) => {
            expect(1)?;
            DataType::FixedSizeList(
                one(&mut fields).ok_or_else(|| schema_err(path, "missing child"))?,
                n,
            )
        }
        Format::Map => {
            expect(1)?;
            let entries: Field = fields
                .pop()
                .ok_or_else(|| schema_err(path, "missing child"))?;
            match entries.data_type() {
                DataType::Struct(kv) if kv.len() == 2 => {}
                other => {
                    return Err(schema_err(
                        path,
                        format!("a map's child must be a struct of key and value, not {other}"),
                    ));
                }
            }
            DataType::Map(
                entries.into(),
                schema.flags & ARROW_FLAG_MAP_KEYS_SORTED != 0,
            )
        }
        Format::Struct => DataType::Struct(fields),
        Format::Union(mode, type_ids) => {
            expect(type_ids.len())?;
            DataType::Union {
                fields,
                type_ids,
                mode,
            }
        }
        Format::RunEndEncoded => {
            expect(2)?;
            let values = fields
                .pop()
                .ok_or_else(|| schema_err(path, "missing child"))?;
            let run_ends = fields
                .pop()
                .ok_or_else(|| schema_err(path, "missing child"))?;
            if !matches!(
                run_ends.data_type(),
                DataType::Int16 | DataType::Int32 | DataType::Int64
            ) {
                return Err(schema_err(
                    path,
                    format!(
                        "run ends must be int16, int32 or int64, not {}",
                        run_ends.data_type()
                    ),
                ));
            }
            DataType::RunEndEncoded(run_ends.into(), values.into())
        }
    };
    // SAFETY: a non-null dictionary points to a live struct (spec).
    if let Some(dict) = unsafe { schema.dictionary.as_ref() } {
        if !data_type.is_integer() {
            return Err(schema_err(
                path,
                format!("a dictionary's index type must be an integer, not {data_type}"),
            ));
        }
        // SAFETY: forwarded from this function's contract.
        let value = unsafe { field_at(dict, &format!("{path}.dictionary"), depth.saturating_add(1), seen) }?;
        data_type = DataType::Dictionary {
            index: Box::new(data_type),
            value: Box::new(value.data_type().clone()),
            ordered: schema.flags & ARROW_FLAG_DICTIONARY_ORDERED != 0,
        };
    }
    Ok(Field::new(name, data_type, schema.flags & ARROW_FLAG_NULLABLE != 0).with_metadata(md))
}

/// Imports a field (name, type, nullable flag, metadata). The struct stays the
/// caller's: release it (or drop it) afterwards.
///
/// # Safety
/// `schema` and everything it points to must follow the C data interface spec (valid
/// NUL-terminated strings, `n_children` valid child pointers, metadata in the spec's
/// layout). Malformed *contents* (format strings, counts, UTF-8) are errors, not UB.
///
/// # Errors
/// [`FfiError::Released`], [`FfiError::Format`], [`FfiError::Metadata`] or
/// [`FfiError::Schema`] naming the node.
pub unsafe fn import_field(schema: &ArrowSchema) -> Result<Field> {
    // SAFETY: forwarded from this function's contract.
    unsafe { field_at(schema, "schema", 0, &mut Seen::new()) }
}

/// Imports a type (the node's name, flags and metadata are dropped).
///
/// # Safety
/// As [`import_field`].
///
/// # Errors
/// As [`import_field`].
pub unsafe fn import_data_type(schema: &ArrowSchema) -> Result<DataType> {
    // SAFETY: forwarded from this function's contract.
    Ok(unsafe { import_field(schema) }?.data_type().clone())
}

/// Imports a schema: a struct node (`+s`) whose children are the fields.
///
/// # Safety
/// As [`import_field`].
///
/// # Errors
/// As [`import_field`], and [`FfiError::Schema`] when the node is not a struct.
pub unsafe fn import_schema(schema: &ArrowSchema) -> Result<Schema> {
    // SAFETY: forwarded from this function's contract.
    let field = unsafe { import_field(schema) }?;
    match field.data_type() {
        DataType::Struct(fields) => {
            Ok(Schema::new(fields.clone()).with_metadata(field.metadata().clone()))
        }
        other => Err(schema_err(
            "schema",
            format!("a schema must be exported as a struct (format \"+s\"), not {other}"),
        )),
    }
}
