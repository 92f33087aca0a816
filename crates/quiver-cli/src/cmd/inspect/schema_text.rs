//! The schema as `quiver schema` prints it: one line per field, children indented
//! under their parent, then the details a type line does not show (dictionary id,
//! extension, metadata), then the schema's own metadata.

use std::fmt::Write;

use quiver::{DataType, Field, Schema};

/// The metadata keys that mark an extension type (shown on the `extension` line).
const EXTENSION_KEYS: [&str; 2] = ["ARROW:extension:name", "ARROW:extension:metadata"];

/// `schema` as text. `dictionary_ids` are the wire dictionary ids of a pre-order walk
/// over the fields (as the schema message numbered them).
pub fn render(schema: &Schema, dictionary_ids: &[Option<i64>]) -> String {
    let mut out = String::new();
    let mut position = 0;
    if schema.fields().is_empty() {
        out.push_str("(no fields)\n");
    }
    for field in schema.fields() {
        field_lines(&mut out, field, 0, dictionary_ids, &mut position);
    }
    if !schema.metadata().is_empty() {
        out.push_str("schema metadata:\n");
        for (k, v) in schema.metadata() {
            let _ = writeln!(out, "  {k:?}: {v:?}");
        }
    }
    out
}

/// A field name as printed: bare when it is plain, else quoted with escapes.
pub fn show_name(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '$' | '@'));
    if plain {
        name.to_owned()
    } else {
        format!("{name:?}")
    }
}

fn field_lines(
    out: &mut String,
    field: &Field,
    depth: usize,
    ids: &[Option<i64>],
    position: &mut usize,
) {
    let pad = "  ".repeat(depth);
    let not_null = if field.is_nullable() { "" } else { " not null" };
    let _ = writeln!(
        out,
        "{pad}{}: {}{not_null}",
        show_name(field.name()),
        field.data_type()
    );
    let id = ids.get(*position).copied().flatten();
    *position += 1;
    if let DataType::Dictionary {
        index,
        value,
        ordered,
    } = field.data_type()
    {
        let id = id.map_or_else(|| "unknown".to_owned(), |id| id.to_string());
        let order = if *ordered { "ordered" } else { "unordered" };
        let _ = writeln!(
            out,
            "{pad}  dictionary: id {id}, index type {index}, {order}, values {value}"
        );
    }
    if let Some(name) = field.extension_name() {
        let storage = field.data_type();
        let _ = writeln!(
            out,
            "{pad}  extension: {name:?}, storage {storage}, metadata {:?}",
            field.extension_metadata().unwrap_or("")
        );
    }
    let other: Vec<_> = field
        .metadata()
        .iter()
        .filter(|(k, _)| !EXTENSION_KEYS.contains(&k.as_str()))
        .collect();
    if !other.is_empty() {
        let _ = writeln!(out, "{pad}  metadata:");
        for (k, v) in other {
            let _ = writeln!(out, "{pad}    {k:?}: {v:?}");
        }
    }
    for child in field.children_through_dictionary() {
        field_lines(out, child, depth + 1, ids, position);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_quoted_only_when_needed() {
        assert_eq!(show_name("col_1"), "col_1");
        assert_eq!(show_name(""), "\"\"");
        assert_eq!(show_name("a b"), "\"a b\"");
        assert_eq!(show_name("x\ny"), "\"x\\ny\"");
    }
}
