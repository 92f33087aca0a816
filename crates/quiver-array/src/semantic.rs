//! Checks of values that are memory-safe but outside their type's meaning: decimals
//! with more digits than their precision, date64 values that are not whole days, times
//! of day outside one day. Readers carry such values over faithfully (some producers
//! write them); this check is for users who want to know.

use crate::data::Array;
use crate::datatype::{DataType, TimeUnit};
use crate::error::{ArrayError, Result};
use crate::values::slot as read;

fn out_of_meaning(a: &Array, problem: String) -> ArrayError {
    ArrayError::InvalidData {
        data_type: a.data_type().clone(),
        problem,
    }
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
        for i in 0..self.len() {
            if self.is_null(i) {
                continue;
            }
            self.check_slot(i)?;
        }
        for c in self.children() {
            c.validate_values()?;
        }
        if let Some(d) = self.dictionary() {
            d.validate_values()?;
        }
        Ok(())
    }

    fn check_slot(&self, i: usize) -> Result<()> {
        let digits = |p: u8, v: String| -> Result<()> {
            let n = v.trim_start_matches('-').len();
            if n > usize::from(p) && v.trim_start_matches('-') != "0" {
                return Err(out_of_meaning(
                    self,
                    format!("slot {i} holds {v}, which has more than {p} digits"),
                ));
            }
            Ok(())
        };
        match self.data_type() {
            DataType::Decimal32(p, _) => match read::<4>(self, i) {
                Some(b) => digits(*p, i32::from_ne_bytes(b).to_string()),
                None => Ok(()),
            },
            DataType::Decimal64(p, _) => match read::<8>(self, i) {
                Some(b) => digits(*p, i64::from_ne_bytes(b).to_string()),
                None => Ok(()),
            },
            DataType::Decimal128(p, _) => match read::<16>(self, i) {
                Some(b) => digits(*p, i128::from_ne_bytes(b).to_string()),
                None => Ok(()),
            },
            DataType::Decimal256(p, _) => match read::<32>(self, i) {
                Some(b) => digits(*p, crate::display::i256_to_string(b)),
                None => Ok(()),
            },
            DataType::Date64 => match read::<8>(self, i).map(i64::from_ne_bytes) {
                Some(v) if v % 86_400_000 != 0 => Err(out_of_meaning(
                    self,
                    format!("slot {i} holds {v} ms, which is not a whole day"),
                )),
                _ => Ok(()),
            },
            DataType::Time32(u) => {
                let v = read::<4>(self, i).map(|b| i64::from(i32::from_ne_bytes(b)));
                self.check_time(i, v, *u)
            }
            DataType::Time64(u) => {
                let v = read::<8>(self, i).map(i64::from_ne_bytes);
                self.check_time(i, v, *u)
            }
            _ => Ok(()),
        }
    }

    fn check_time(&self, i: usize, v: Option<i64>, unit: TimeUnit) -> Result<()> {
        match v {
            Some(v) if !(0..day_units(unit)).contains(&v) => Err(out_of_meaning(
                self,
                format!("slot {i} holds {v}{}, outside one day", unit.suffix()),
            )),
            _ => Ok(()),
        }
    }
}
