//! Just enough of a flatbuffer walker to find the numbers and strings to corrupt.
//! Positions are absolute in the whole input; every read is bounds-checked.

/// The little-endian `u16` at `p`.
pub fn u16_at(b: &[u8], p: usize) -> Option<usize> {
    Some(u16::from_le_bytes(b.get(p..p.checked_add(2)?)?.try_into().ok()?) as usize)
}

/// The little-endian `u32` at `p`.
pub fn u32_at(b: &[u8], p: usize) -> Option<usize> {
    Some(u32::from_le_bytes(b.get(p..p.checked_add(4)?)?.try_into().ok()?) as usize)
}

/// The little-endian `i32` at `p`.
pub fn i32_at(b: &[u8], p: usize) -> Option<i32> {
    Some(i32::from_le_bytes(
        b.get(p..p.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// The little-endian `i64` at `p`.
pub fn i64_at(b: &[u8], p: usize) -> Option<i64> {
    Some(i64::from_le_bytes(
        b.get(p..p.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// Where field `i` of the table at `t` is stored, if present.
pub fn field(b: &[u8], t: usize, i: usize) -> Option<usize> {
    let vt = usize::try_from(t as i64 - i64::from(i32_at(b, t)?)).ok()?;
    let slot = 4 + 2 * i;
    if slot + 2 > u16_at(b, vt)? {
        return None;
    }
    match u16_at(b, vt + slot)? {
        0 => None,
        off => Some(t + off),
    }
}

/// Follows the uoffset at `p`.
pub fn deref(b: &[u8], p: usize) -> Option<usize> {
    p.checked_add(u32_at(b, p)?).filter(|&q| q < b.len())
}

/// The table that field `i` of table `t` points to.
pub fn table(b: &[u8], t: usize, i: usize) -> Option<usize> {
    deref(b, field(b, t, i)?)
}

/// (first element, count) of the vector field `i` of table `t`.
pub fn vector(b: &[u8], t: usize, i: usize) -> Option<(usize, usize)> {
    let v = deref(b, field(b, t, i)?)?;
    Some((v + 4, u32_at(b, v)?.min(4096)))
}

/// (first byte, length) of the string field `i` of table `t`.
pub fn string(b: &[u8], t: usize, i: usize) -> Option<(usize, usize)> {
    let s = deref(b, field(b, t, i)?)?;
    let len = u32_at(b, s)?;
    b.get(s + 4..s + 4 + len).map(|_| (s + 4, len))
}
