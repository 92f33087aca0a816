//! [`SerializationContext`]: the registry of custom types, passed explicitly.

use std::any::{Any, TypeId};
use std::collections::{HashMap, VecDeque};
use std::fmt;

use quiver_array::RecordBatch;
use quiver_buffer::Buffer;
use quiver_ipc::{Decoded, IpcReadOptions, StreamDecoder, StreamWriter};

use crate::components::Components;
use crate::error::{LegacyError, Result};
use crate::value::{BigInt, DType, NdArray, Value};
use crate::write::SerializedObject;
use crate::read;

type SerFn = Box<dyn Fn(&dyn Any) -> Result<Value> + Send + Sync>;
type DeFn = Box<dyn Fn(&Value) -> Result<Box<dyn Any>> + Send + Sync>;

struct Handler {
    type_id: String,
    serialize: SerFn,
    deserialize: DeFn,
}

/// The registry of custom types for serialization (pyarrow's `SerializationContext`).
/// It is a plain value, passed to each call: there is no global registry.
///
/// [`SerializationContext::default`] has pyarrow's default handlers: Python ints
/// outside int64 (`"int"`), bool arrays (`"np.array"`), Arrow arrays and record batches
/// (`"pyarrow.Array"`, `"pyarrow.RecordBatch"`), and `VecDeque<Value>` as
/// `"collections.deque"`. [`SerializationContext::new`] has none: those values then
/// stay [`Value::Custom`] when decoding and cannot be serialized.
///
/// Custom ids nobody registered decode to [`Value::Custom`], [`Value::Object`] or
/// [`Value::Pickled`], so nothing is lost, and are written back unchanged.
///
/// ```
/// use quiver_legacy::{LegacyError, SerializationContext, Value};
///
/// #[derive(Debug, PartialEq)]
/// struct MyData { name: String, data: i64 }
///
/// let mut ctx = SerializationContext::default();
/// ctx.register_type::<MyData>(
///     "MyData",
///     |d| Ok(Value::dict([("name", Value::from(d.name.as_str())), ("data", Value::from(d.data))])),
///     |v| match v {
///         Value::Dict(pairs) => match pairs.as_slice() {
///             [(_, Value::Str(name)), (_, Value::Int(data))] => Ok(MyData { name: name.clone(), data: *data }),
///             _ => Err(LegacyError::Custom { type_id: "MyData".into(), detail: "bad fields".into() }),
///         },
///         _ => Err(LegacyError::Custom { type_id: "MyData".into(), detail: "not a dict".into() }),
///     },
/// );
/// let x = MyData { name: "x".into(), data: 7 };
/// let blob = ctx.serialize(&x).unwrap().to_buffer();
/// assert_eq!(ctx.deserialize::<MyData>(&blob).unwrap(), x);
///
/// // Without the registration the id survives as a generic custom value.
/// let v = quiver_legacy::deserialize(&blob).unwrap();
/// assert!(matches!(v, Value::Custom { ref type_id, .. } if type_id == "MyData"));
///
/// // A type with no handler is refused.
/// let err = ctx.serialize(&3u8).unwrap_err();
/// assert!(err.to_string().starts_with("no handler for the Rust type u8"));
/// ```
pub struct SerializationContext {
    defaults: bool,
    handlers: HashMap<TypeId, Handler>,
}

impl fmt::Debug for SerializationContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ids: Vec<&str> = self.handlers.values().map(|h| h.type_id.as_str()).collect();
        ids.sort_unstable();
        f.debug_struct("SerializationContext")
            .field("defaults", &self.defaults)
            .field("registered", &ids)
            .finish()
    }
}

impl Default for SerializationContext {
    /// pyarrow's default context (see the type's docs).
    fn default() -> Self {
        let mut ctx = Self {
            defaults: true,
            handlers: HashMap::new(),
        };
        ctx.register_type::<VecDeque<Value>>(
            "collections.deque",
            |d| Ok(Value::List(d.iter().cloned().collect())),
            |v| match v {
                Value::List(items) => Ok(items.iter().cloned().collect()),
                other => Err(LegacyError::Custom {
                    type_id: "collections.deque".into(),
                    detail: format!("the payload is a {}, not a list", other.type_name()),
                }),
            },
        );
        ctx
    }
}

fn str_key(v: &Value, key: &str) -> bool {
    matches!(v, Value::Str(s) if s == key)
}

impl SerializationContext {
    /// A context with no handlers at all, not even pyarrow's defaults.
    pub fn new() -> Self {
        Self {
            defaults: false,
            handlers: HashMap::new(),
        }
    }

    /// Registers the Rust type `T` under the custom `type_id`: `serializer` gives the
    /// payload written as `{"data": payload, "_pytype_": type_id}` (pyarrow's
    /// `custom_serializer`), `deserializer` rebuilds `T` from it. A later registration
    /// of the same `T` replaces the earlier one.
    pub fn register_type<T: Any>(
        &mut self,
        type_id: impl Into<String>,
        serializer: impl Fn(&T) -> Result<Value> + Send + Sync + 'static,
        deserializer: impl Fn(&Value) -> Result<T> + Send + Sync + 'static,
    ) -> &mut Self {
        let type_id = type_id.into();
        let id = type_id.clone();
        let handler = Handler {
            type_id,
            serialize: Box::new(move |x| match x.downcast_ref::<T>() {
                Some(t) => serializer(t),
                None => Err(LegacyError::Custom {
                    type_id: id.clone(),
                    detail: "internal: handler called with another type".into(),
                }),
            }),
            deserialize: Box::new(move |v| deserializer(v).map(|t| Box::new(t) as Box<dyn Any>)),
        };
        self.handlers.insert(TypeId::of::<T>(), handler);
        self
    }

    /// The custom type id `T` is registered under, if any.
    pub fn type_id_of<T: Any>(&self) -> Option<&str> {
        self.handlers.get(&TypeId::of::<T>()).map(|h| h.type_id.as_str())
    }

    /// `x` as a [`Value::Custom`] through its registered serializer.
    pub fn to_value<T: Any>(&self, x: &T) -> Result<Value> {
        let h = self.handler::<T>()?;
        Ok(Value::custom(h.type_id.clone(), (h.serialize)(x)?))
    }

    /// The `T` a [`Value::Custom`] of `T`'s type id holds, through its registered
    /// deserializer.
    pub fn from_value<T: Any>(&self, v: &Value) -> Result<T> {
        let h = self.handler::<T>()?;
        match v {
            Value::Custom { type_id, payload } if *type_id == h.type_id => {
                let any = (h.deserialize)(payload)?;
                any.downcast::<T>().map(|b| *b).map_err(|_| LegacyError::Custom {
                    type_id: type_id.clone(),
                    detail: "internal: the deserializer returned another type".into(),
                })
            }
            Value::Custom { type_id, .. } => Err(LegacyError::Custom {
                type_id: type_id.clone(),
                detail: format!(
                    "{} is registered as {:?}, not this id",
                    std::any::type_name::<T>(),
                    h.type_id
                ),
            }),
            other => Err(LegacyError::Custom {
                type_id: h.type_id.clone(),
                detail: format!("expected a custom value, found a {}", other.type_name()),
            }),
        }
    }

    fn handler<T: Any>(&self) -> Result<&Handler> {
        self.handlers
            .get(&TypeId::of::<T>())
            .ok_or(LegacyError::UnregisteredType {
                type_name: std::any::type_name::<T>(),
            })
    }

    /// Serializes a registered Rust value (`pa.serialize(x, context)`).
    pub fn serialize<T: Any>(&self, x: &T) -> Result<SerializedObject> {
        self.serialize_value(&self.to_value(x)?)
    }

    /// Serializes a [`Value`] in this context.
    pub fn serialize_value(&self, v: &Value) -> Result<SerializedObject> {
        SerializedObject::build(v, self)
    }

    /// Deserializes a blob into a registered Rust type.
    pub fn deserialize<T: Any>(&self, buf: &Buffer) -> Result<T> {
        self.from_value(&self.deserialize_value(buf)?)
    }

    /// Deserializes a blob into a [`Value`] (`pa.deserialize(buf, context)`).
    pub fn deserialize_value(&self, buf: &Buffer) -> Result<Value> {
        read::decode_blob(buf, self)
    }

    /// Deserializes components into a [`Value`] (`pa.deserialize_components`).
    pub fn deserialize_components(&self, c: &Components) -> Result<Value> {
        read::decode_components(c, self)
    }

    /// A decoded dict: custom objects (`"_pytype_"` key) become custom values, the
    /// default handlers applied.
    pub(crate) fn decode_dict(&self, pairs: Vec<(Value, Value)>, location: &str) -> Result<Value> {
        let Some((last_key, Value::Str(type_id))) = pairs.last() else {
            return Ok(Value::Dict(pairs));
        };
        if !str_key(last_key, "_pytype_") {
            return Ok(Value::Dict(pairs));
        }
        let type_id = type_id.clone();
        match pairs.as_slice() {
            [(d, Value::Bytes(b)), (p, Value::Bool(true)), _]
                if str_key(d, "data") && str_key(p, "pickle") =>
            {
                Ok(Value::Pickled {
                    type_id,
                    bytes: b.clone(),
                })
            }
            [(d, payload), _] if str_key(d, "data") => self.decode_custom(type_id, payload.clone(), location),
            _ => {
                let mut attributes = pairs;
                attributes.pop();
                Ok(Value::Object {
                    type_id,
                    attributes,
                })
            }
        }
    }

    fn decode_custom(&self, type_id: String, payload: Value, location: &str) -> Result<Value> {
        let bad = |detail: String| LegacyError::malformed(location, detail);
        if !self.defaults {
            return Ok(Value::Custom {
                type_id,
                payload: Box::new(payload),
            });
        }
        match (type_id.as_str(), &payload) {
            ("int", Value::Str(s)) => BigInt::parse(s)
                .map(Value::from)
                .ok_or_else(|| bad(format!("custom \"int\" payload {s:?} is not a decimal integer"))),
            ("np.array", Value::Tuple(t)) => match t.as_slice() {
                [Value::NdArray(a), Value::Str(descr)] if descr == "|b1" && a.dtype() == DType::UInt8 => {
                    let t = a.to_tensor()?;
                    Ok(Value::NdArray(NdArray::from_parts(DType::Bool, &t, a.copied())))
                }
                _ => Ok(Value::custom(type_id, payload)),
            },
            ("pyarrow.Array", Value::Buffer(b)) => {
                let batch = read_ipc_batch(b, location)?;
                match batch.columns() {
                    [column] => Ok(Value::Array(column.clone())),
                    _ => Err(bad(format!(
                        "a pyarrow.Array payload must hold one column, found {}",
                        batch.num_columns()
                    ))),
                }
            }
            ("pyarrow.RecordBatch", Value::Buffer(b)) => {
                read_ipc_batch(b, location).map(Value::RecordBatch)
            }
            _ => Ok(Value::custom(type_id, payload)),
        }
    }

    /// The custom form of a value that pyarrow writes through a default handler.
    pub(crate) fn encode_special(&self, v: &Value) -> Result<Value> {
        let need_defaults = || {
            LegacyError::serialize(
                v.type_name(),
                "it needs pyarrow's default handlers: use SerializationContext::default()",
            )
        };
        if !self.defaults {
            return Err(need_defaults());
        }
        match v {
            Value::BigInt(b) => Ok(match b.to_i64() {
                Some(i) => Value::Int(i),
                None => Value::custom("int", b.as_str()),
            }),
            Value::NdArray(a) => {
                let t = a.to_tensor()?;
                let t = if t.is_row_major() {
                    t
                } else {
                    t.to_row_major().map_err(|e| LegacyError::ipc("a bool array", e))?
                };
                let bytes = NdArray::from_parts(DType::UInt8, &t, false);
                Ok(Value::custom(
                    "np.array",
                    Value::Tuple(vec![Value::NdArray(bytes), Value::from("|b1")]),
                ))
            }
            Value::Array(a) => {
                let batch = RecordBatch::try_from_columns(vec![a.clone()], &[""])
                    .map_err(|e| LegacyError::serialize("a pyarrow.Array", e.to_string()))?;
                Ok(Value::custom("pyarrow.Array", Value::Buffer(write_ipc_batch(&batch)?)))
            }
            Value::RecordBatch(b) => Ok(Value::custom(
                "pyarrow.RecordBatch",
                Value::Buffer(write_ipc_batch(b)?),
            )),
            other => Err(LegacyError::serialize(other.type_name(), "internal: no encoding")),
        }
    }
}

fn write_ipc_batch(batch: &RecordBatch) -> Result<Buffer> {
    let err = |e| LegacyError::ipc("writing an Arrow payload", e);
    let mut w = StreamWriter::try_new(Vec::new(), batch.schema()).map_err(err)?;
    w.write(batch).map_err(err)?;
    Ok(Buffer::from_vec(w.close().map_err(err)?))
}

fn read_ipc_batch(buf: &Buffer, location: &str) -> Result<RecordBatch> {
    let err = |e| LegacyError::ipc(format!("the Arrow payload at {location}"), e);
    let mut decoder = StreamDecoder::new(IpcReadOptions::default());
    let mut input = buf.clone();
    let mut found = None;
    while let Some(event) = decoder.decode(&mut input).map_err(err)? {
        match event {
            Decoded::RecordBatch(b) if found.is_none() => found = Some(b),
            Decoded::RecordBatch(_) => {
                return Err(LegacyError::malformed(
                    location,
                    "the Arrow payload holds more than one record batch",
                ));
            }
            Decoded::EndOfStream => break,
            _ => {}
        }
    }
    decoder.finish().map_err(err)?;
    found.ok_or_else(|| LegacyError::malformed(location, "the Arrow payload holds no record batch"))
}

