//! Scalar parsing for the JSON integration format: integers (numbers or decimal
//! strings), booleans, floats, hex bytes and 256-bit decimals.

use serde_json::Value;

/// An integer written as a JSON number or as a decimal string (64-bit kinds are strings,
/// but both spellings are accepted everywhere). Never goes through `f64`.
pub(super) fn int(v: &Value) -> Option<i128> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from)),
        Value::String(s) => s.parse::<i128>().ok(),
        _ => None,
    }
}

/// An integer converted to `T`, or `None` when it does not fit.
pub(super) fn int_as<T: TryFrom<i128>>(v: &Value) -> Option<T> {
    int(v).and_then(|x| T::try_from(x).ok())
}

/// A boolean written as `true`/`false` or `1`/`0`.
pub(super) fn boolean(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        other => match int(other)? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        },
    }
}

/// A float written as a JSON number (or, leniently, a numeric string).
pub(super) fn float(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse::<f64>().ok(),
        _ => None,
    }
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Bytes from a hex string (upper or lower case, even length).
pub(super) fn hex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    b.chunks_exact(2)
        .map(|c| Some((nibble(c[0])? << 4) | nibble(c[1])?))
        .collect()
}

/// A base-10 integer string (optional sign) as a 256-bit little-endian two's complement
/// value, or `None` if it is malformed or outside the signed 256-bit range.
pub(super) fn i256_le(s: &str) -> Option<[u8; 32]> {
    let (neg, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    // Magnitude as four little-endian u64 limbs.
    let mut limbs = [0u64; 4];
    for c in digits.bytes() {
        if !c.is_ascii_digit() {
            return None;
        }
        let mut carry = u128::from(c - b'0');
        for l in &mut limbs {
            let x = u128::from(*l) * 10 + carry;
            *l = x as u64;
            carry = x >> 64;
        }
        if carry != 0 {
            return None;
        }
    }
    if limbs[3] >> 63 == 1 {
        // Only -2^255 has its top bit set and still fits.
        let is_min = neg && limbs[3] == 1 << 63 && limbs[..3].iter().all(|&l| l == 0);
        if !is_min {
            return None;
        }
    }
    if neg {
        let mut carry = 1u128;
        for l in &mut limbs {
            let x = u128::from(!*l) + carry;
            *l = x as u64;
            carry = x >> 64;
        }
    }
    let mut out = [0u8; 32];
    for (chunk, l) in out.chunks_exact_mut(8).zip(limbs) {
        chunk.copy_from_slice(&l.to_le_bytes());
    }
    Some(out)
}

/// A short rendering of a JSON value for error messages.
pub(super) fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 60 {
        let mut end = 60;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &s[..end])
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn i256_corner_cases() {
        assert_eq!(i256_le("0"), Some([0; 32]));
        assert_eq!(i256_le("-1"), Some([0xFF; 32]));
        let mut one = [0u8; 32];
        one[0] = 1;
        assert_eq!(i256_le("+1"), Some(one));
        // 2^255 - 1 and -2^255 fit; one more does not.
        let max = "57896044618658097711785492504343953926634992332820282019728792003956564819967";
        let min = "-57896044618658097711785492504343953926634992332820282019728792003956564819968";
        let mut want_max = [0xFF; 32];
        want_max[31] = 0x7F;
        assert_eq!(i256_le(max), Some(want_max));
        let mut want_min = [0u8; 32];
        want_min[31] = 0x80;
        assert_eq!(i256_le(min), Some(want_min));
        assert_eq!(
            i256_le(
                "57896044618658097711785492504343953926634992332820282019728792003956564819968"
            ),
            None
        );
        assert_eq!(i256_le(""), None);
        assert_eq!(i256_le("-"), None);
        assert_eq!(i256_le("12a"), None);
        // Agrees with i128 where both apply.
        let x: i128 = -170141183460469231731687303715884105728;
        let b = i256_le(&x.to_string()).unwrap();
        assert_eq!(&b[..16], &x.to_le_bytes());
        assert_eq!(&b[16..], &[0xFF; 16]);
    }

    #[test]
    fn scalars() {
        let v: Value = serde_json::from_str(
            r#"[18446744073709551615, "-9223372036854775808", 1.5, true, 0, "x"]"#,
        )
        .unwrap();
        assert_eq!(int(&v[0]), Some(18446744073709551615));
        assert_eq!(int_as::<i64>(&v[1]), Some(i64::MIN));
        assert_eq!(int_as::<i64>(&v[0]), None);
        assert_eq!(int(&v[2]), None);
        assert_eq!(float(&v[2]), Some(1.5));
        assert_eq!(boolean(&v[3]), Some(true));
        assert_eq!(boolean(&v[4]), Some(false));
        assert_eq!(int(&v[5]), None);
        assert_eq!(hex("00fFa1"), Some(vec![0, 0xFF, 0xA1]));
        assert_eq!(hex("0"), None);
        assert_eq!(hex("zz"), None);
    }
}
