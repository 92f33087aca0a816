//! A hand-written check of the record batch and dictionary batch messages, the ones
//! read once per batch, in place of the generic flatbuffers verifier (which walks every
//! field with a trace of where it is, several times the cost for these small tables).
//!
//! [`accepts`] applies the verifier's own rules (flatbuffers 25.12's `Verifier`) to
//! exactly the fields of these tables, and is stricter where that is simpler: it only
//! says yes to bytes the verifier would accept, so a `Message` it accepts can be read
//! with the unchecked accessors. Anything it does not know (other message types, custom
//! metadata, large metadata) gets a no, and the caller runs the verifier, whose errors
//! keep their exact words. `verify_tests.rs` feeds every truncation and
//! bit flip of sample messages to both and checks that this never accepts what the
//! verifier refuses.
//!
//! The rules, as the verifier applies them (positions are offsets into the bytes, and
//! alignment is of those offsets):
//! - a scalar of `n` bytes lies inside the bytes at a position that is a multiple of
//!   `n`;
//! - an offset (`u32`) to a table or vector is such a scalar; the target is at the
//!   offset's position plus its value;
//! - a table starts with an `i32` that, subtracted from its position, gives its vtable:
//!   inside the bytes, at an even position, starting with its own length in bytes
//!   (`u16`), which is even and keeps the vtable inside the bytes;
//! - a field is present when its slot is inside the vtable and holds a non-zero `u16`,
//!   the field's distance from the table's start;
//! - a vector is a `u32` count, then its elements, starting at a multiple of their
//!   alignment and ending inside the bytes;
//! - a union's type and value fields are both present or both absent.

use crate::fb;

/// Metadata larger than this goes to the verifier: it keeps the bytes the check looks
/// at (a few times the length at most) far below the verifier's limit on them
/// (`max_apparent_size`, 2 GiB), so the check need not count them.
const MAX_LEN: usize = 1 << 20;

/// Whether `bytes` are a `Message` holding a record batch or a dictionary batch, without
/// custom metadata, that the flatbuffers verifier (with [`fb::verifier_options`])
/// would accept. `false` means "not known": run the verifier.
pub(crate) fn accepts(bytes: &[u8]) -> bool {
    check_message(Bytes(bytes)).is_some()
}

fn check_message(b: Bytes<'_>) -> Option<()> {
    if b.0.len() > MAX_LEN {
        return None;
    }
    let msg = b.table(b.follow(0)?)?;
    if let Some(p) = msg.field(&b, fb::Message::VT_VERSION) {
        b.scalar::<2>(p)?;
    }
    if let Some(p) = msg.field(&b, fb::Message::VT_BODYLENGTH) {
        b.scalar::<8>(p)?;
    }
    if msg.field(&b, fb::Message::VT_CUSTOM_METADATA).is_some() {
        // Key-value strings: the verifier checks their UTF-8 and terminators.
        return None;
    }
    let kind = b.scalar::<1>(msg.field(&b, fb::Message::VT_HEADER_TYPE)?)?[0];
    let header = b.follow(msg.field(&b, fb::Message::VT_HEADER)?)?;
    match fb::MessageHeader(kind) {
        fb::MessageHeader::RecordBatch => check_record_batch(b, header),
        fb::MessageHeader::DictionaryBatch => {
            let db = b.table(header)?;
            if let Some(p) = db.field(&b, fb::DictionaryBatch::VT_ID) {
                b.scalar::<8>(p)?;
            }
            if let Some(p) = db.field(&b, fb::DictionaryBatch::VT_ISDELTA) {
                b.scalar::<1>(p)?;
            }
            match db.field(&b, fb::DictionaryBatch::VT_DATA) {
                Some(p) => check_record_batch(b, b.follow(p)?),
                None => Some(()),
            }
        }
        _ => None,
    }
}

fn check_record_batch(b: Bytes<'_>, pos: usize) -> Option<()> {
    let rb = b.table(pos)?;
    if let Some(p) = rb.field(&b, fb::RecordBatch::VT_LENGTH) {
        b.scalar::<8>(p)?;
    }
    if let Some(p) = rb.field(&b, fb::RecordBatch::VT_NODES) {
        b.vector(b.follow(p)?, size_of::<fb::FieldNode>(), align_of::<fb::FieldNode>())?;
    }
    if let Some(p) = rb.field(&b, fb::RecordBatch::VT_BUFFERS) {
        b.vector(b.follow(p)?, size_of::<fb::Buffer>(), align_of::<fb::Buffer>())?;
    }
    if let Some(p) = rb.field(&b, fb::RecordBatch::VT_COMPRESSION) {
        let c = b.table(b.follow(p)?)?;
        if let Some(p) = c.field(&b, fb::BodyCompression::VT_CODEC) {
            b.scalar::<1>(p)?;
        }
        if let Some(p) = c.field(&b, fb::BodyCompression::VT_METHOD) {
            b.scalar::<1>(p)?;
        }
    }
    if let Some(p) = rb.field(&b, fb::RecordBatch::VT_VARIADICBUFFERCOUNTS) {
        b.vector(b.follow(p)?, size_of::<i64>(), align_of::<i64>())?;
    }
    Some(())
}

/// The bytes under check; every read is `None` where the verifier would refuse it.
#[derive(Clone, Copy)]
struct Bytes<'a>(&'a [u8]);

/// A table's position and its vtable's position and length (checked by [`Bytes::table`]).
struct Table {
    pos: usize,
    vtable: usize,
    vtable_len: usize,
}

impl Bytes<'_> {
    /// The `N` bytes of a scalar of `N` bytes at `pos` (aligned to `N`, inside).
    fn scalar<const N: usize>(self, pos: usize) -> Option<[u8; N]> {
        if !pos.is_multiple_of(N) {
            return None;
        }
        self.0.get(pos..pos.checked_add(N)?)?.try_into().ok()
    }

    fn u16(self, pos: usize) -> Option<usize> {
        self.scalar::<2>(pos).map(|b| usize::from(u16::from_le_bytes(b)))
    }

    /// Where the offset at `pos` points.
    fn follow(self, pos: usize) -> Option<usize> {
        let off = u32::from_le_bytes(self.scalar::<4>(pos)?);
        pos.checked_add(usize::try_from(off).ok()?)
    }

    /// The table at `pos`, with its vtable checked.
    fn table(self, pos: usize) -> Option<Table> {
        let soffset = i32::from_le_bytes(self.scalar::<4>(pos)?);
        let vtable = if soffset > 0 {
            pos.checked_sub(usize::try_from(soffset.unsigned_abs()).ok()?)?
        } else {
            pos.checked_add(usize::try_from(soffset.unsigned_abs()).ok()?)?
        };
        let vtable_len = self.u16(vtable)?;
        if !vtable_len.is_multiple_of(2) || vtable.checked_add(vtable_len)? > self.0.len() {
            return None;
        }
        Some(Table {
            pos,
            vtable,
            vtable_len,
        })
    }

    /// Checks a vector of `count` elements of `size` bytes aligned to `align` at `pos`.
    fn vector(self, pos: usize, size: usize, align: usize) -> Option<()> {
        let count = usize::try_from(u32::from_le_bytes(self.scalar::<4>(pos)?)).ok()?;
        let start = pos.checked_add(4)?;
        if !start.is_multiple_of(align) {
            return None;
        }
        let end = start.checked_add(count.checked_mul(size)?)?;
        (end <= self.0.len()).then_some(())
    }
}

impl Table {
    /// The position of field `voffset`, when present.
    fn field(&self, b: &Bytes<'_>, voffset: flatbuffers::VOffsetT) -> Option<usize> {
        let slot = usize::from(voffset);
        if slot >= self.vtable_len {
            return None;
        }
        // Inside the vtable, which `table` checked, and even: always readable.
        let at = b.u16(self.vtable.checked_add(slot)?)?;
        if at == 0 {
            return None;
        }
        self.pos.checked_add(at)
    }
}
