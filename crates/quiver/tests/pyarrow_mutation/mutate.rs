//! Deterministic corruptions of one input, aimed by its structure.

use crate::body::{body_value, compressed, le};
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
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n`; 0 when `n` is 0.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
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
