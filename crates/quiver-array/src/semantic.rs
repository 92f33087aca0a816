//! Checks of values that are memory-safe but outside their type's meaning: decimals
//! with more digits than their precision, date64 values that are not whole days, times
//! of day outside one day. Arrow C++'s `ValidateFull` refuses them, and so do Quiver's
//! IPC readers by default (`IpcReadOptions::with_value_range_checks(false)` reads such
//! files, which some old producers wrote). Arrays built in memory are not checked
//! unless asked, through [`Array::validate_values`].

use quiver_buffer::{NativeType, i256};

use crate::data::Array;
use crate::datatype::{DataType, TimeUnit};
use crate::error::{ArrayError, Result};

fn out_of_meaning(a: &Array, slot: usize, problem: String) -> ArrayError {
    ArrayError::invalid_slot(a.data_type().clone(), slot, problem)
}

fn day_units(unit: TimeUnit) -> i64 {
    86_400
        * match unit {
            TimeUnit::Second => 1,
            TimeUnit::Millisecond => 1_000,
            TimeUnit::Microsecond => 1_000_000,
            TimeUnit::Nanosecond => 1_000_000_000,
        }
}

/// 10^p as an `i256` (p <= 76, so it fits).
fn power_of_ten(p: u8) -> i256 {
    let mut words = [1u64, 0, 0, 0];
    for _ in 0..p {
        let mut carry = 0u128;
        for w in &mut words {
            let v = u128::from(*w) * 10 + carry;
            *w = v as u64;
            carry = v >> 64;
        }
    }
    let low = u128::from(words[0]) | (u128::from(words[1]) << 64);
    let high = u128::from(words[2]) | (u128::from(words[3]) << 64);
    i256::from_parts(high as i128, low)
}

/// The first valid slot whose value `bad` accepts, with that value.
fn first_bad<T: NativeType>(a: &Array, bad: impl Fn(T) -> bool) -> Option<(usize, T)> {
    let view = a.as_primitive::<T>()?;
    (0..a.len()).find_map(|i| {
        let v = view.value(i);
        (bad(v) && a.is_valid(i)).then_some((i, v))
    })
}

impl Array {
    /// Reports the first value that is outside its type's meaning (valid slots only),
    /// recursing into children and dictionaries.
    ///
    /// ```
    /// use quiver_array::{Array, DataType};
    /// let d = Array::from_primitive::<i32>(DataType::Decimal32(3, 1), [Some(999), Some(1000)]).unwrap();
    /// assert_eq!(
    ///     d.validate_values().unwrap_err().to_string(),
    ///     "decimal32(3, 1) array: slot 1 holds 1000, which has more than 3 digits"
    /// );
    /// ```
    pub fn validate_values(&self) -> Result<()> {
        self.validate_own_values()?;
        for c in self.children() {
            c.validate_values()?;
        }
        if let Some(d) = self.dictionary() {
            d.validate_values()?;
        }
        Ok(())
    }

    /// [`validate_values`](Array::validate_values) for this array's own slots only, not
    /// its children or dictionary (readers call it once per decoded array).
    pub fn validate_own_values(&self) -> Result<()> {
        let digits = |p: u8, found: Option<(usize, String)>| match found {
            Some((i, v)) => Err(out_of_meaning(
                self,
                i,
                format!("slot {i} holds {v}, which has more than {p} digits"),
            )),
            None => Ok(()),
        };
        match *self.data_type() {
            DataType::Decimal32(p, _) => {
                let limit = 10i64.checked_pow(u32::from(p)).unwrap_or(i64::MAX);
                let found = first_bad::<i32>(self, |v| i64::from(v).abs() >= limit);
                digits(p, found.map(|(i, v)| (i, v.to_string())))
            }
            DataType::Decimal64(p, _) => {
                let limit = 10i128.checked_pow(u32::from(p)).unwrap_or(i128::MAX);
                let found = first_bad::<i64>(self, |v| i128::from(v).abs() >= limit);
                digits(p, found.map(|(i, v)| (i, v.to_string())))
            }
            DataType::Decimal128(p, _) => {
                let limit = 10u128.checked_pow(u32::from(p)).unwrap_or(u128::MAX);
                let found = first_bad::<i128>(self, |v| v.unsigned_abs() >= limit);
                digits(p, found.map(|(i, v)| (i, v.to_string())))
            }
            DataType::Decimal256(p, _) => {
                let high = power_of_ten(p.min(76));
                let low = high.checked_neg().unwrap_or(i256::MIN);
                let found = first_bad::<i256>(self, |v| v >= high || v <= low);
                digits(p, found.map(|(i, v)| (i, v.to_string())))
            }
            DataType::Date64 => match first_bad::<i64>(self, |v| v % 86_400_000 != 0) {
                Some((i, v)) => Err(out_of_meaning(
                    self,
                    i,
                    format!("slot {i} holds {v} ms, which is not a whole day"),
                )),
                None => Ok(()),
            },
            DataType::Time32(u) => {
                let day = day_units(u);
                let found = first_bad::<i32>(self, |v| !(0..day).contains(&i64::from(v)));
                self.time_error(found.map(|(i, v)| (i, i64::from(v))), u)
            }
            DataType::Time64(u) => {
                let day = day_units(u);
                let found = first_bad::<i64>(self, |v| !(0..day).contains(&v));
                self.time_error(found, u)
            }
            _ => Ok(()),
        }
    }

    fn time_error(&self, found: Option<(usize, i64)>, unit: TimeUnit) -> Result<()> {
        match found {
            Some((i, v)) => Err(out_of_meaning(
                self,
                i,
                format!("slot {i} holds {v}{}, outside one day", unit.suffix()),
            )),
            None => Ok(()),
        }
    }
}
