//! Corruptions of body buffers, chosen by what each buffer holds.

use crate::fb::i64_at;
use crate::layout::{Buf, Message};
use crate::mutate::Rng;

/// A little-endian integer of `width` bytes.
pub fn le(v: i128, width: usize) -> Vec<u8> {
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
pub type Hit = (&'static str, usize, Vec<u8>, String);

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
pub fn body_value(rng: &mut Rng, b: &[u8], m: &Message, buf: &Buf) -> Option<Hit> {
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
pub fn compressed(rng: &mut Rng, b: &[u8], buf: &Buf) -> Option<Hit> {
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
