//! `quiver info` output: aligned text for people, one JSON document for programs.

use std::fmt::Write;

use quiver::ipc::Endianness;
use serde_json::{Value, json};

use super::info::Info;
use super::schema_text::show_name;

fn endianness_name(e: Option<Endianness>) -> Option<&'static str> {
    e.map(|e| match e {
        Endianness::Little => "little",
        Endianness::Big => "big",
    })
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The report as text.
pub fn text(info: &Info) -> String {
    let mut out = String::new();
    let format = if info.is_file { "file" } else { "stream" };
    let _ = writeln!(out, "format: Arrow IPC {format}");
    let _ = writeln!(
        out,
        "metadata version: {}",
        info.metadata_version.as_deref().unwrap_or("unknown")
    );
    let _ = writeln!(
        out,
        "endianness: {}",
        endianness_name(info.endianness).unwrap_or("unknown")
    );
    if let Some(size) = info.file_size {
        let _ = writeln!(out, "file size: {}", plural(size, "byte", "bytes"));
    }
    let _ = writeln!(out, "batches: {}", info.num_batches);
    let _ = writeln!(out, "rows: {}", info.num_rows);
    let _ = write!(out, "compression: {}", info.compression());
    if info.compression() == "mixed" {
        let parts: Vec<_> = info
            .message_compression
            .iter()
            .map(|(codec, n)| format!("{codec} in {}", plural(*n, "message", "messages")))
            .collect();
        let _ = write!(out, " ({})", parts.join(", "));
    }
    out.push('\n');
    columns_table(&mut out, info);
    if info.dictionaries.is_empty() {
        out.push_str("dictionaries: none\n");
    } else {
        out.push_str("dictionaries:\n");
        for (id, d) in &info.dictionaries {
            let fields: Vec<_> = d.fields.iter().map(|f| show_name(f)).collect();
            let fields = if fields.is_empty() {
                String::new()
            } else {
                format!(" ({})", fields.join(", "))
            };
            let _ = writeln!(
                out,
                "  id {id}{fields}: {}, {}, {}",
                plural(d.batches, "dictionary batch", "dictionary batches"),
                plural(d.deltas, "delta", "deltas"),
                plural(d.replacements, "replacement", "replacements")
            );
        }
    }
    if let Some(metadata) = &info.footer_metadata {
        if metadata.is_empty() {
            out.push_str("footer metadata: none\n");
        } else {
            out.push_str("footer metadata:\n");
            for (k, v) in metadata {
                let _ = writeln!(out, "  {k:?}: {v:?}");
            }
        }
    }
    out
}

fn columns_table(out: &mut String, info: &Info) {
    if info.columns.is_empty() {
        out.push_str("columns: none\n");
        return;
    }
    out.push_str("columns:\n");
    let rows: Vec<[String; 4]> = info
        .columns
        .iter()
        .map(|c| {
            let not_null = if c.nullable { "" } else { " not null" };
            [
                show_name(&c.name),
                format!("{}{not_null}", c.data_type),
                c.null_count.to_string(),
                c.byte_size.to_string(),
            ]
        })
        .collect();
    let header = ["name", "type", "nulls", "bytes"].map(String::from);
    let mut widths = [0usize; 4];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let _ = writeln!(
            out,
            "  {:<w0$}  {:<w1$}  {:>w2$}  {:>w3$}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3]
        );
    }
}

/// The report as one JSON document (field names documented in `quiver info --help`).
pub fn json(info: &Info) -> Value {
    let columns: Vec<Value> = info
        .columns
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "type": c.data_type,
                "nullable": c.nullable,
                "null_count": c.null_count,
                "byte_size": c.byte_size,
            })
        })
        .collect();
    let dictionaries: Vec<Value> = info
        .dictionaries
        .iter()
        .map(|(id, d)| {
            json!({
                "id": id,
                "fields": d.fields,
                "batches": d.batches,
                "deltas": d.deltas,
                "replacements": d.replacements,
            })
        })
        .collect();
    let footer_metadata = info.footer_metadata.as_ref().map(|m| {
        m.iter()
            .map(|(k, v)| json!({"key": k, "value": v}))
            .collect::<Vec<_>>()
    });
    json!({
        "format": if info.is_file { "file" } else { "stream" },
        "metadata_version": info.metadata_version,
        "endianness": endianness_name(info.endianness),
        "file_size": info.file_size,
        "num_batches": info.num_batches,
        "num_rows": info.num_rows,
        "compression": info.compression(),
        "message_compression": info.message_compression,
        "columns": columns,
        "dictionaries": dictionaries,
        "footer_metadata": footer_metadata,
    })
}
