//! The inputs and their structure: the manifest of `mutation_inputs.py`, and each
//! input taken apart into messages (field nodes, body buffers with their roles) and
//! schema copies (extension strings, type parameters).

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::Value;

use crate::fb::{deref, field, i32_at, i64_at, string, table, u32_at, vector};

/// What one body buffer holds, from the manifest.
#[derive(Debug, Clone)]
pub struct Role {
    /// `validity`, `offsets32`, `views:utf8`, … (see `mutation_inputs.py`).
    pub role: String,
    /// The field path, with extension names.
    pub label: String,
    /// The index of the buffer's field node in its message.
    pub node: usize,
}

fn roles(v: &Value) -> Vec<Role> {
    v.as_array()
        .expect("a list of buffer roles")
        .iter()
        .map(|r| Role {
            role: r[0].as_str().expect("role").to_owned(),
            label: r[1].as_str().expect("label").to_owned(),
            node: r[2].as_u64().expect("node") as usize,
        })
        .collect()
}

/// One pyarrow-written input.
#[derive(Debug)]
pub struct Input {
    /// `<case>.<codec>.<format>`.
    pub name: String,
    pub path: PathBuf,
    pub is_file: bool,
    pub compressed: bool,
    /// Its dictionaries are replaced, which only a stream can hold.
    pub replacement: bool,
    /// Buffer roles of every record batch.
    pub batch: Vec<Role>,
    /// Buffer roles of the dictionary batches, by id.
    pub dicts: HashMap<i64, Vec<Role>>,
}

impl Input {
    /// One entry of the manifest's `inputs`.
    pub fn from_json(v: &Value) -> Input {
        let dicts = v["dicts"]
            .as_object()
            .expect("dicts")
            .iter()
            .map(|(id, r)| (id.parse().expect("a dictionary id"), roles(r)))
            .collect();
        Input {
            name: v["name"].as_str().expect("name").to_owned(),
            path: PathBuf::from(v["path"].as_str().expect("path")),
            is_file: v["format"] == "file",
            compressed: v["codec"] != "none",
            replacement: v["replacement"] == true,
            batch: roles(&v["batch"]),
            dicts,
        }
    }
}

/// A field node: where its length is (the null count follows), and its values.
#[derive(Debug, Clone)]
pub struct Node {
    pub pos: usize,
    pub length: i64,
    pub nulls: i64,
}

/// A body buffer: where its offset is in the metadata (its length follows), where it
/// is in the input, and what it holds.
#[derive(Debug, Clone)]
pub struct Buf {
    pub pos: usize,
    pub start: usize,
    pub len: usize,
    pub role: Role,
}

/// One record batch or dictionary batch message.
#[derive(Debug)]
pub struct Message {
    /// `message 3 (batch 1)` or `message 2 (dictionary 0 delta)`, counting from the
    /// schema message as 0, for descriptions.
    pub what: String,
    pub body: (usize, usize),
    pub nodes: Vec<Node>,
    pub bufs: Vec<Buf>,
}

/// A string or number in a schema: the same target in every schema copy (a file has
/// two: the stream's schema message and the footer's) is patched together.
#[derive(Debug, Clone)]
pub struct SchemaTarget {
    /// `extension name`, `extension metadata`, `decimal precision`, ….
    pub kind: &'static str,
    /// The positions of the string's bytes or the number, one per copy.
    pub pos: Vec<usize>,
    /// The string's length, or the number's width.
    pub len: usize,
    /// The string, or the number in decimal.
    pub text: String,
}

#[derive(Debug, Default)]
pub struct Structure {
    pub messages: Vec<Message>,
    pub schema: Vec<SchemaTarget>,
    /// Where the metadata flatbuffers are (schema messages and the footer included).
    pub metas: Vec<(usize, usize)>,
}

/// Takes `bytes` apart. Errors when the manifest's roles do not fit the buffers.
pub fn parse(bytes: &[u8], input: &Input) -> Result<Structure, String> {
    let mut s = Structure::default();
    let mut copies: Vec<Vec<SchemaTarget>> = Vec::new();
    let (mut pos, mut end) = (0, bytes.len());
    if input.is_file {
        pos = 8;
        let flen_pos = bytes.len().checked_sub(10).ok_or("file too short")?;
        let flen = i32_at(bytes, flen_pos).ok_or("no footer length")? as usize;
        end = flen_pos
            .checked_sub(flen)
            .ok_or("footer length too large")?;
        s.metas.push((end, flen_pos));
        let footer = deref(bytes, end).ok_or("no footer")?;
        copies.push(schema_targets(
            bytes,
            table(bytes, footer, 1).ok_or("no footer schema")?,
        ));
    }
    let mut batches = 0;
    while pos + 8 <= end && u32_at(bytes, pos) == Some(0xFFFF_FFFF) {
        let meta_len = i32_at(bytes, pos + 4).ok_or("no metadata length")? as usize;
        if meta_len == 0 {
            break;
        }
        let meta = (pos + 8, pos + 8 + meta_len);
        s.metas.push(meta);
        let root = deref(bytes, meta.0).ok_or("no message table")?;
        let body_len = field(bytes, root, 3)
            .and_then(|p| i64_at(bytes, p))
            .unwrap_or(0) as usize;
        let body = (meta.1, meta.1 + body_len);
        let header_type = field(bytes, root, 1).and_then(|p| bytes.get(p).copied());
        let header = table(bytes, root, 2).ok_or("no message header")?;
        match header_type {
            Some(1) => copies.push(schema_targets(bytes, header)),
            Some(2) => {
                let id = field(bytes, header, 0)
                    .and_then(|p| i64_at(bytes, p))
                    .unwrap_or(0);
                let delta = field(bytes, header, 2).and_then(|p| bytes.get(p)) == Some(&1);
                let rb = table(bytes, header, 1).ok_or("no dictionary data")?;
                let roles = input
                    .dicts
                    .get(&id)
                    .ok_or(format!("no roles for dictionary {id}"))?;
                let delta = if delta { " delta" } else { "" };
                let what = format!("message {} (dictionary {id}{delta})", s.metas.len() - 1);
                s.messages.push(batch(bytes, rb, body, roles, what)?);
            }
            Some(3) => {
                let what = format!("message {} (batch {batches})", s.metas.len() - 1);
                batches += 1;
                s.messages
                    .push(batch(bytes, header, body, &input.batch, what)?);
            }
            other => return Err(format!("unexpected message header type {other:?}")),
        }
        pos = body.1;
    }
    let first = copies.first().cloned().unwrap_or_default();
    for (k, mut t) in first.into_iter().enumerate() {
        for c in &copies[1..] {
            match c.get(k) {
                Some(o) if o.kind == t.kind && o.text == t.text => t.pos.extend(&o.pos),
                _ => return Err(format!("schema copies differ at target {k}")),
            }
        }
        s.schema.push(t);
    }
    Ok(s)
}

/// A `RecordBatch` table: its nodes, and its buffers with their roles (the roles of a
/// view field are followed by as many data buffers as its variadic count says).
fn batch(
    b: &[u8],
    rb: usize,
    body: (usize, usize),
    roles: &[Role],
    what: String,
) -> Result<Message, String> {
    let mut nodes = Vec::new();
    if let Some((start, n)) = vector(b, rb, 1) {
        for p in (0..n).map(|i| start + 16 * i) {
            let (length, nulls) = (i64_at(b, p).ok_or("node")?, i64_at(b, p + 8).ok_or("node")?);
            nodes.push(Node {
                pos: p,
                length,
                nulls,
            });
        }
    }
    let variadic: Vec<i64> = vector(b, rb, 4)
        .map(|(start, n)| (0..n).filter_map(|i| i64_at(b, start + 8 * i)).collect())
        .unwrap_or_default();
    let mut expanded = Vec::new();
    let mut views = variadic.iter();
    for r in roles {
        expanded.push(r.clone());
        if let Some(kind) = r.role.strip_prefix("views:") {
            let count = *views
                .next()
                .ok_or(format!("{what}: fewer variadic counts than views"))?;
            for _ in 0..count {
                expanded.push(Role {
                    role: format!("vdata:{kind}"),
                    ..r.clone()
                });
            }
        }
    }
    let (start, n) = vector(b, rb, 2).unwrap_or((0, 0));
    if n != expanded.len() {
        return Err(format!(
            "{what}: {n} buffers, but the manifest gives {} roles",
            expanded.len()
        ));
    }
    let mut bufs = Vec::new();
    for (i, role) in expanded.into_iter().enumerate() {
        let p = start + 16 * i;
        let (off, len) = (
            i64_at(b, p).ok_or("buffer")?,
            i64_at(b, p + 8).ok_or("buffer")?,
        );
        let (off, len) = (off as usize, len as usize);
        if off.saturating_add(len) > body.1 - body.0 {
            return Err(format!("{what}: buffer {i} is outside the body"));
        }
        bufs.push(Buf {
            pos: p,
            start: body.0 + off,
            len,
            role,
        });
    }
    Ok(Message {
        what,
        body,
        nodes,
        bufs,
    })
}

/// The extension strings and type parameters of a `Schema` table, depth-first.
fn schema_targets(b: &[u8], schema: usize) -> Vec<SchemaTarget> {
    let mut out = Vec::new();
    if let Some((start, n)) = vector(b, schema, 1) {
        for i in 0..n {
            if let Some(f) = deref(b, start + 4 * i) {
                field_targets(b, f, &mut out, 0);
            }
        }
    }
    out
}

fn number(out: &mut Vec<SchemaTarget>, b: &[u8], kind: &'static str, pos: Option<usize>) {
    if let Some(p) = pos
        && let Some(v) = i32_at(b, p)
    {
        out.push(SchemaTarget {
            kind,
            pos: vec![p],
            len: 4,
            text: v.to_string(),
        });
    }
}

fn field_targets(b: &[u8], f: usize, out: &mut Vec<SchemaTarget>, depth: usize) {
    if depth > 32 {
        return;
    }
    let type_type = field(b, f, 2).and_then(|p| b.get(p).copied());
    if let Some(t) = table(b, f, 3) {
        match type_type {
            Some(2) => number(out, b, "int bit width", field(b, t, 0)),
            Some(7) => {
                number(out, b, "decimal precision", field(b, t, 0));
                number(out, b, "decimal bit width", field(b, t, 2));
            }
            Some(14) => {
                if let Some((start, n)) = vector(b, t, 1) {
                    for i in 0..n {
                        number(out, b, "union type code", Some(start + 4 * i));
                    }
                }
            }
            Some(15) => number(out, b, "fixed-size binary width", field(b, t, 0)),
            Some(16) => number(out, b, "fixed-size list size", field(b, t, 0)),
            _ => {}
        }
    }
    if let Some(d) = table(b, f, 4)
        && let Some(index) = table(b, d, 1)
    {
        number(out, b, "dictionary index width", field(b, index, 0));
    }
    if let Some((start, n)) = vector(b, f, 6) {
        for kv in (0..n).filter_map(|i| deref(b, start + 4 * i)) {
            let key = string(b, kv, 0).and_then(|(p, l)| std::str::from_utf8(&b[p..p + l]).ok());
            let kind = match key {
                Some("ARROW:extension:name") => "extension name",
                Some("ARROW:extension:metadata") => "extension metadata",
                _ => continue,
            };
            if let Some((p, l)) = string(b, kv, 1) {
                let text = String::from_utf8_lossy(&b[p..p + l]).into_owned();
                out.push(SchemaTarget {
                    kind,
                    pos: vec![p],
                    len: l,
                    text,
                });
            }
        }
    }
    if let Some((start, n)) = vector(b, f, 5) {
        for child in (0..n).filter_map(|i| deref(b, start + 4 * i)) {
            field_targets(b, child, out, depth + 1);
        }
    }
}
