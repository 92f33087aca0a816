//! The opt-in serde fallback (feature `serde`): a Rust type with serde implementations
//! is registered without hand-written handlers. Its serde form goes through
//! `serde_json`'s data model: maps with string keys become dicts, sequences lists,
//! integers ints (big ints beyond `i64` when they do not fit), floats floats, strings
//! strs, unit and `None` become `None`; NaN and infinite floats become `None`, as in
//! JSON.

use std::any::Any;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value as Json};

use crate::context::SerializationContext;
use crate::error::LegacyError;
use crate::value::{BigInt, Value};

impl SerializationContext {
    /// Registers `T` under `type_id` through its serde implementations: no handlers to
    /// write. The payload is `T`'s serde form as a [`Value`] (structs become dicts with
    /// their field names, sequences lists, enums as serde tags them); values serde
    /// cannot express (n-d arrays, Arrow objects, byte strings, sets, non-string dict
    /// keys) are refused with [`LegacyError::Custom`] when deserializing into `T`.
    ///
    /// ```
    /// use quiver_legacy::{SerializationContext, Value};
    ///
    /// #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    /// struct Point { x: i64, y: f64, label: Option<String> }
    ///
    /// let mut ctx = SerializationContext::default();
    /// ctx.register_serde_type::<Point>("Point");
    /// let p = Point { x: 3, y: 0.5, label: None };
    /// assert_eq!(
    ///     ctx.to_value(&p).unwrap(),
    ///     Value::custom("Point", Value::dict([
    ///         ("label", Value::None), ("x", Value::from(3i64)), ("y", Value::from(0.5)),
    ///     ])),
    /// );
    /// let blob = ctx.serialize(&p).unwrap().to_buffer();
    /// assert_eq!(ctx.deserialize::<Point>(&blob).unwrap(), p);
    /// ```
    pub fn register_serde_type<T: Serialize + DeserializeOwned + Any>(
        &mut self,
        type_id: impl Into<String>,
    ) -> &mut Self {
        let type_id = type_id.into();
        let (ser_id, de_id) = (type_id.clone(), type_id.clone());
        self.register_type::<T>(
            type_id,
            move |x| {
                let json = serde_json::to_value(x).map_err(|e| custom(&ser_id, e.to_string()))?;
                Ok(from_json(json))
            },
            move |v| {
                let json = to_json(v).map_err(|detail| custom(&de_id, detail))?;
                serde_json::from_value(json).map_err(|e| custom(&de_id, e.to_string()))
            },
        )
    }
}

fn custom(type_id: &str, detail: String) -> LegacyError {
    LegacyError::Custom {
        type_id: type_id.to_string(),
        detail,
    }
}

fn from_json(j: Json) -> Value {
    match j {
        Json::Null => Value::None,
        Json::Bool(b) => Value::Bool(b),
        Json::Number(n) => match (n.as_i64(), n.is_u64(), n.as_f64()) {
            (Some(i), _, _) => Value::Int(i),
            // A u64 above i64::MAX: an int beyond int64, as Python sees it.
            (None, true, _) => BigInt::parse(&n.to_string()).map_or(Value::None, Value::BigInt),
            (None, false, Some(f)) => Value::Float(f),
            (None, false, None) => Value::None,
        },
        Json::String(s) => Value::Str(s),
        Json::Array(items) => Value::List(items.into_iter().map(from_json).collect()),
        Json::Object(map) => Value::Dict(
            map.into_iter()
                .map(|(k, v)| (Value::Str(k), from_json(v)))
                .collect(),
        ),
    }
}

fn to_json(v: &Value) -> std::result::Result<Json, String> {
    Ok(match v {
        Value::None => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::BigInt(b) => match b.as_str().parse::<u64>() {
            Ok(u) => Json::from(u),
            Err(_) => {
                return Err(format!(
                    "the int {} does not fit serde's integers",
                    b.as_str()
                ));
            }
        },
        Value::Float(f) => Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::Float32(f) => Number::from_f64(f64::from(*f)).map_or(Json::Null, Json::Number),
        Value::Float16(f) => Number::from_f64(f64::from(*f)).map_or(Json::Null, Json::Number),
        Value::Str(s) => Json::String(s.clone()),
        Value::List(items) | Value::Tuple(items) => Json::Array(
            items
                .iter()
                .map(to_json)
                .collect::<std::result::Result<_, _>>()?,
        ),
        Value::Dict(pairs) => {
            let mut map = Map::new();
            for (k, v) in pairs {
                let Value::Str(k) = k else {
                    return Err(format!(
                        "a dict key of type {} (serde maps need str keys)",
                        k.type_name()
                    ));
                };
                map.insert(k.clone(), to_json(v)?);
            }
            Json::Object(map)
        }
        other => return Err(format!("a {} value has no serde form", other.type_name())),
    })
}
