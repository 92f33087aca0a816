//! Deterministic corruptions of one input, aimed by its structure.

use crate::fb::i64_at;
use crate::layout::{Buf, Message, Structure};

/// A fixed-seed PRNG (xorshift64*).
pub struct Rng(u64);

impl Rng {
    /// Seeded from `name` (FNV-1a), so every input has its own fixed sequence.
    pub fn for_name(name: &str) -> Rng {
        let h = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        Rng(h | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n`; 0 when `n` is 0.
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// One corruption: byte patches, or a truncation.
#[derive(Debug, Clone)]
pub struct Mutation {
    /// The class of corruption (`view length`, `run end`, `truncation`, …).
    pub kind: &'static str,
    /// What was hit and how, for people.
    pub desc: String,
    pub patches: Vec<(usize, Vec<u8>)>,
    pub truncate: Option<usize>,
}

impl Mutation {
    /// The corrupted bytes.
    pub fn apply(&self, original: &[u8]) -> Vec<u8> {
        let mut out = original[..self.truncate.unwrap_or(original.len())].to_vec();
        for (pos, bytes) in &self.patches {
            out[*pos..pos + bytes.len()].copy_from_slice(bytes);
        }
        out
    }
}

/// A little-endian integer of `width` bytes.
fn le(v: i128, width: usize) -> Vec<u8> {
    v.to_le_bytes()[..width].to_vec()
}

/// The signed little-endian integer of `width` bytes at `pos`.
fn read(b: &[u8], pos: usize, width: usize) -> i128 {
    let mut raw = [0u8; 16];
    raw[..width].copy_from_slice(&b[pos..pos + width]);
    let shift = 128 - 8 * width as u32;
    (i128::from_le_bytes(raw) << shift) >> shift
}

fn width_of(kind: &str) -> usize {
    match kind {
        "int8" | "uint8" => 1,
        "int16" | "uint16" => 2,
        "int32" | "uint32" | "decimal32" => 4,
        "int64" | "uint64" | "decimal64" => 8,
        "decimal128" => 16,
        "decimal256" => 32,
        _ => 1,
    }
}

/// A patch of one element of `buf`: (kind, position, new bytes, description).
type Hit = (&'static str, usize, Vec<u8>, String);

/// Replaces element `i` (of `w` bytes) of `buf` with one of `values(current, prev, next)`.
fn element(
    rng: &mut Rng,
    b: &[u8],
    buf: &Buf,
    w: usize,
    kind: &'static str,
    values: impl Fn(i128, i128, i128) -> Vec<i128>,
) -> Option<Hit> {
    let n = buf.len / w;
    if n == 0 {
        return None;
    }
    let i = rng.below(n);
    let at = |k: usize| read(b, buf.start + k * w, w);
    let (cur, prev, next) = (at(i), at(i.saturating_sub(1)), at((i + 1).min(n - 1)));
    let v = rng.pick(&values(cur, prev, next));
    let lim = 1i128 << (8 * w.min(8) - 1);
    let v = if w <= 8 { v.clamp(-lim, lim - 1) } else { v };
    Some((
        kind,
        buf.start + i * w,
        le(v, w.min(16)),
        format!("element {i}: {cur} -> {v}"),
    ))
}

/// A corruption of a value in an uncompressed body buffer, chosen by the buffer's role.
fn body_value(rng: &mut Rng, b: &[u8], m: &Message, buf: &Buf) -> Option<Hit> {
    let (base, sub) = buf
        .role
        .role
        .split_once(':')
        .unwrap_or((&buf.role.role, ""));
    let big = |w: usize| {
        if w == 4 {
            i128::from(i32::MAX)
        } else {
            i128::from(i64::MAX)
        }
    };
    let small = |w: usize| {
        if w == 4 {
            i128::from(i32::MIN)
        } else {
            i128::from(i64::MIN)
        }
    };
    match base {
        "validity" | "bits" => {
            let n = m
                .nodes
                .get(buf.role.node)
                .map_or(0, |n| n.length.max(0) as usize)
                .min(buf.len * 8);
            if n == 0 {
                return None;
            }
            let bit = |k: usize| b[buf.start + k / 8] >> (k % 8) & 1;
            let mut bytes = b[buf.start..buf.start + n.div_ceil(8)].to_vec();
            let (kind, detail, flips) = if base == "validity" && rng.below(2) == 0 {
                // A null slot becomes valid and a valid one null: the null count holds.
                let set: Vec<usize> = (0..n).filter(|&k| bit(k) == 1).collect();
                let clear: Vec<usize> = (0..n).filter(|&k| bit(k) == 0).collect();
                if set.is_empty() || clear.is_empty() {
                    return None;
                }
                let (a, c) = (rng.pick(&set), rng.pick(&clear));
                let detail = format!("slot {c} made valid, slot {a} null");
                ("validity swap", detail, vec![a, c])
            } else {
                let k = rng.below(n);
                let kind = if base == "bits" {
                    "boolean bit"
                } else {
                    "validity bit"
                };
                (kind, format!("bit {k} flipped"), vec![k])
            };
            for k in flips {
                bytes[k / 8] ^= 1 << (k % 8);
            }
            Some((kind, buf.start, bytes, detail))
        }
        "values" if sub.starts_with("decimal") => {
            let w = width_of(sub);
            let i = rng.below(buf.len / w);
            let mut v = vec![0xFF; w];
            match rng.below(3) {
                0 => v[w - 1] = 0x7F, // the largest value of the width
                1 => v = [vec![0; w - 1], vec![0x80]].concat(), // the smallest
                _ => v.iter_mut().for_each(|x| *x = rng.below(256) as u8),
            }
            (buf.len >= w).then(|| {
                (
                    "decimal value",
                    buf.start + i * w,
                    v,
                    format!("element {i}"),
                )
            })
        }
        "values" => {
            let w = width_of(sub);
            element(rng, b, buf, w, "fixed-width value", |c, _, _| {
                vec![-1, c + 1, c ^ 0x55, 1 << 62, -(1 << 62)]
            })
        }
        "offsets32" | "offsets64" => {
            let w = if base == "offsets32" { 4 } else { 8 };
            element(rng, b, buf, w, "offset", |c, p, n| {
                vec![
                    -1,
                    small(w),
                    big(w),
                    c + 1,
                    c - 1,
                    n + 1,
                    p - 1,
                    c + 1000,
                    1 << 31,
                ]
            })
        }
        "data" | "vdata" if sub == "utf8" => {
            let pos = buf.start + rng.below(buf.len);
            let v = rng.pick(&[0xFF, 0xC3, 0x80, 0xED, 0xF4, 0xE2, 0xC0]);
            (buf.len > 0).then(|| {
                (
                    "utf8 byte",
                    pos,
                    vec![v],
                    format!("byte {} -> {v:#04x}", pos - buf.start),
                )
            })
        }
        "data" | "vdata" => {
            let pos = buf.start + rng.below(buf.len);
            (buf.len > 0).then(|| {
                (
                    "binary byte",
                    pos,
                    vec![rng.below(256) as u8],
                    String::new(),
                )
            })
        }
        "views" => view(rng, b, buf, sub == "utf8"),
        "lvoffsets32" | "lvoffsets64" | "lvsizes32" | "lvsizes64" => {
            let w = if base.ends_with("32") { 4 } else { 8 };
            let kind = if base.starts_with("lvoffsets") {
                "list-view offset"
            } else {
                "list-view size"
            };
            element(rng, b, buf, w, kind, |c, _, _| {
                vec![
                    -1,
                    small(w),
                    big(w),
                    (1 << 31) - 1,
                    c + 1,
                    c + 3,
                    1000,
                    c - 1,
                    1 << 32,
                    -(1 << 32),
                ]
            })
        }
        "type_ids" => element(rng, b, buf, 1, "union type id", |_, _, _| {
            vec![-1, -128, 127, 1, 2, 4, 8, 0, 3, 7]
        }),
        "union_offsets" => element(rng, b, buf, 4, "dense union offset", |c, _, _| {
            vec![
                -1,
                i128::from(i32::MIN),
                i128::from(i32::MAX),
                c + 1,
                c + 5,
                100,
            ]
        }),
        "run_ends" => {
            let w = width_of(sub);
            element(rng, b, buf, w, "run end", |c, p, n| {
                vec![0, -1, 1 << 40, p, p - 1, c + 1, c - 1, n + 1, 1000]
            })
        }
        "indices" => {
            let w = width_of(sub);
            element(rng, b, buf, w, "dictionary index", |c, _, _| {
                vec![-1, -(1 << 40), 1 << 40, c + 1, 6, 9, 100]
            })
        }
        _ => None,
    }
}

/// A corruption of one 16-byte view: length, buffer index, offset, prefix, inline
/// bytes or inline padding.
fn view(rng: &mut Rng, b: &[u8], buf: &Buf, utf8: bool) -> Option<Hit> {
    let n = buf.len / 16;
    if n == 0 {
        return None;
    }
    let v = rng.below(n);
    let at = buf.start + 16 * v;
    let len = read(b, at, 4);
    let mut choices = vec![0];
    if len > 12 {
        choices.extend([1, 2, 3]);
    } else if len >= 0 {
        if len < 12 {
            choices.extend([4, 4]);
        }
        if len > 0 {
            choices.push(5);
        }
    }
    let desc = |what: &str| format!("view {v} (length {len}): {what}");
    Some(match rng.pick(&choices) {
        0 => {
            let new = rng.pick(&[-1, len + 1, len - 1, 12, 13, i128::from(i32::MAX), 0]);
            (
                "view length",
                at,
                le(new, 4),
                desc(&format!("length -> {new}")),
            )
        }
        1 => {
            let new = rng.pick(&[-1, 1, 2, 3, 7, i128::from(i32::MAX)]);
            (
                "view buffer index",
                at + 8,
                le(new, 4),
                desc(&format!("buffer index -> {new}")),
            )
        }
        2 => {
            let new = rng.pick(&[
                -1,
                1,
                4096,
                i128::from(i32::MAX) - 4,
                read(b, at + 12, 4) + 1,
            ]);
            (
                "view offset",
                at + 12,
                le(new, 4),
                desc(&format!("offset -> {new}")),
            )
        }
        3 => {
            let p = at + 4 + rng.below(4);
            (
                "view prefix",
                p,
                vec![b[p] ^ 0x20],
                desc(&format!("prefix byte {}", p - at - 4)),
            )
        }
        4 => {
            let p = at + 4 + len as usize + rng.below(12 - len as usize);
            let new = 1 + rng.below(255) as u8;
            (
                "view inline padding",
                p,
                vec![new],
                desc(&format!("padding byte {} -> {new:#04x}", p - at - 4)),
            )
        }
        _ => {
            let p = at + 4 + rng.below(len as usize);
            let new = if utf8 { 0xFF } else { b[p] ^ 0x01 };
            (
                "view inline byte",
                p,
                vec![new],
                desc(&format!("inline byte {} -> {new:#04x}", p - at - 4)),
            )
        }
    })
}

/// A corruption of a compressed buffer: its uncompressed-length prefix, or a byte of
/// the compressed frame.
fn compressed(rng: &mut Rng, b: &[u8], buf: &Buf) -> Option<Hit> {
    if buf.len < 8 {
        return None;
    }
    if rng.below(2) == 0 || buf.len == 8 {
        let cur = i128::from(i64_at(b, buf.start)?);
        let new = rng.pick(&[-1, 0, cur + 1, cur - 1, cur * 2 + 8, i128::from(i64::MAX)]);
        return Some((
            "compressed length prefix",
            buf.start,
            le(new, 8),
            format!("{cur} -> {new}"),
        ));
    }
    let p = buf.start + 8 + rng.below(buf.len - 8);
    Some((
        "compressed frame byte",
        p,
        vec![b[p] ^ (1 + rng.below(255) as u8)],
        format!("byte {}", p - buf.start),
    ))
}

const CANONICAL: [&str; 6] = [
    "arrow.uuid",
    "arrow.json",
    "arrow.bool8",
    "arrow.opaque",
    "arrow.fixed_shape_tensor",
    "arrow.variable_shape_tensor",
];

/// A corruption of a schema target, applied to every schema copy.
fn schema(rng: &mut Rng, s: &Structure) -> Option<Mutation> {
    let t = s.schema.get(rng.below(s.schema.len()))?;
    let (kind, offset, new): (&'static str, usize, Vec<u8>) = match t.kind {
        "extension name" => {
            let same: Vec<&str> = CANONICAL
                .into_iter()
                .filter(|c| c.len() == t.len && *c != t.text)
                .collect();
            if !same.is_empty() && rng.below(2) == 0 {
                (
                    "extension name swap",
                    0,
                    rng.pick(&same).as_bytes().to_vec(),
                )
            } else {
                let i = rng.below(t.len);
                ("extension name byte", i, vec![rng.pick(b"x_.Z0")])
            }
        }
        "extension metadata" if t.len > 0 => {
            let i = rng.below(t.len);
            (
                "extension metadata byte",
                i,
                vec![rng.pick(b"0123456789{}[],:\" x-")],
            )
        }
        "extension metadata" => return None,
        k => {
            let cur: i128 = t.text.parse().ok()?;
            let new = match k {
                "int bit width" | "dictionary index width" => rng.pick(&[8, 16, 32, 64, 7]),
                "decimal precision" => rng.pick(&[0, 1, 2, cur - 1, cur + 1, 39, 77]),
                "decimal bit width" => rng.pick(&[32, 64, 128, 256]),
                "union type code" => rng.pick(&[-1, 0, 1, 2, 3, 7, 127, 128]),
                _ => rng.pick(&[cur - 1, cur + 1, 0, -1, cur * 2]),
            };
            (k, 0, le(new, 4))
        }
    };
    Some(Mutation {
        kind,
        desc: format!(
            "schema {} {:?}: bytes at +{offset} -> {:?}",
            t.kind,
            t.text,
            String::from_utf8_lossy(&new)
        ),
        patches: t.pos.iter().map(|p| (p + offset, new.clone())).collect(),
        truncate: None,
    })
}

/// A corruption of a field node's length or null count.
fn node(rng: &mut Rng, m: &Message) -> Option<Mutation> {
    let n = m.nodes.get(rng.below(m.nodes.len()))?;
    let (l, c) = (i128::from(n.length), i128::from(n.nulls));
    let (kind, pos, new) = if rng.below(2) == 0 {
        (
            "node length",
            n.pos,
            rng.pick(&[l + 1, l - 1, 0, l * 2 + 8, i128::from(i64::MAX), -1]),
        )
    } else {
        (
            "node null count",
            n.pos + 8,
            rng.pick(&[c + 1, c - 1, 0, l, l + 1, -1]),
        )
    };
    let i = m.nodes.iter().position(|x| x.pos == n.pos).unwrap_or(0);
    Some(Mutation {
        kind,
        desc: format!(
            "{} node {i} (length {l}, nulls {c}): {kind} -> {new}",
            m.what
        ),
        patches: vec![(pos, le(new, 8))],
        truncate: None,
    })
}

/// Blind corruptions: a body byte, a buffer's offset or length, a metadata byte, a cut.
fn blind(rng: &mut Rng, b: &[u8], s: &Structure) -> Option<Mutation> {
    let patch = |kind, pos: usize, new: Vec<u8>, desc: String| Mutation {
        kind,
        desc,
        patches: vec![(pos, new)],
        truncate: None,
    };
    let m = s.messages.get(rng.below(s.messages.len()));
    Some(match rng.below(4) {
        0 => {
            let m = m.filter(|m| m.body.1 > m.body.0)?;
            let p = m.body.0 + rng.below(m.body.1 - m.body.0);
            patch(
                "body byte flip",
                p,
                vec![b[p] ^ (1 + rng.below(255) as u8)],
                format!("{} body byte {}", m.what, p - m.body.0),
            )
        }
        1 => {
            let m = m?;
            let buf = m.bufs.get(rng.below(m.bufs.len()))?;
            let (kind, pos) = if rng.below(2) == 0 {
                ("buffer offset", buf.pos)
            } else {
                ("buffer length", buf.pos + 8)
            };
            let cur = i128::from(i64_at(b, pos)?);
            let new = rng.pick(&[cur + 8, cur - 8, 0, cur * 2 + 8, i128::from(i64::MAX), -1]);
            patch(
                kind,
                pos,
                le(new, 8),
                format!(
                    "{} {} buffer {kind}: {cur} -> {new}",
                    m.what, buf.role.label
                ),
            )
        }
        2 => {
            let &(start, end) = s.metas.get(rng.below(s.metas.len()))?;
            let p = start + rng.below(end - start);
            patch(
                "metadata byte flip",
                p,
                vec![b[p] ^ (1 + rng.below(255) as u8)],
                format!("byte {p}"),
            )
        }
        _ => {
            let cut = 8 + rng.below(b.len() - 8);
            Mutation {
                kind: "truncation",
                desc: format!("cut at {cut} of {}", b.len()),
                patches: vec![],
                truncate: Some(cut),
            }
        }
    })
}

/// How often a buffer of `role` is picked, relative to the others.
fn weight(role: &str) -> usize {
    match role.split_once(':').map_or(role, |(base, _)| base) {
        "bits" | "vdata" => 1,
        "values" if role.starts_with("values:decimal") => 3,
        "validity" | "values" | "data" => 2,
        _ => 4,
    }
}

/// `count` corruptions of `b`, each changing at least one byte.
pub fn mutations(
    b: &[u8],
    s: &Structure,
    compressed_body: bool,
    rng: &mut Rng,
    count: usize,
) -> Vec<Mutation> {
    let mut out = Vec::new();
    // Buffers, each as often as its role's weight: the values full validation must
    // check come up most.
    let bufs: Vec<(&Message, &Buf)> = s
        .messages
        .iter()
        .flat_map(|m| m.bufs.iter().map(move |buf| (m, buf)))
        .filter(|(_, buf)| buf.len > 0)
        .flat_map(|(m, buf)| std::iter::repeat_n((m, buf), weight(&buf.role.role)))
        .collect();
    let mut attempts = 0;
    while out.len() < count && attempts < count * 50 {
        attempts += 1;
        let roll = rng.below(100);
        let candidate = if roll < 60 {
            let Some(&(m, buf)) = bufs.get(rng.below(bufs.len())) else {
                continue;
            };
            let hit = if compressed_body {
                compressed(rng, b, buf)
            } else {
                body_value(rng, b, m, buf)
            };
            hit.map(|(kind, pos, new, detail)| Mutation {
                kind,
                desc: format!("{} {} ({}) {detail}", m.what, buf.role.label, buf.role.role),
                patches: vec![(pos, new)],
                truncate: None,
            })
        } else if roll < 68 {
            s.messages
                .get(rng.below(s.messages.len()))
                .and_then(|m| node(rng, m))
        } else if roll < 82 {
            schema(rng, s)
        } else {
            blind(rng, b, s)
        };
        if let Some(m) = candidate
            && m.apply(b) != b
        {
            out.push(m);
        }
    }
    out
}
