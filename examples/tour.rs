//! A tour of Quiver following pyarrow's "Streaming, Serialization, and IPC" page,
//! step by step: build arrays and a record batch, write and read the streaming and file
//! formats in memory, read zero-copy, then write a 10-million-row file to disk and read
//! it back twice — through a plain file (the data is copied into memory) and through a
//! memory map (it is not). Then pyarrow's legacy object serialization: a dict of 100
//! numpy-like arrays serialized and read back, the pickle fallback, a registered custom
//! type, and the zero-copy components.
//!
//! ```text
//! cargo run --release --example tour
//! ```

use quiver::legacy::{LegacyError, NdArray, Value};
use quiver::{
    Array, Buffer, BufferOutputStream, DataType, Field, OsFile, RecordBatch, Schema,
    SerializationContext,
};

fn heading(title: &str) {
    println!("\n== {title} ==");
}

fn main() -> Result<(), quiver::Error> {
    heading("1. arrays from Rust values");
    let data = vec![
        quiver::array(vec![1i64, 2, 3, 4]),
        quiver::array(vec![Some("foo"), Some("bar"), Some("baz"), None]),
        quiver::array(vec![Some(true), None, Some(false), Some(true)]),
    ];
    for array in &data {
        println!("{}: {array}", array.data_type());
    }

    heading("2. a record batch");
    let batch = quiver::record_batch(data, &["f0", "f1", "f2"])?;
    println!("batch.num_rows    = {}", batch.num_rows());
    println!("batch.num_columns = {}", batch.num_columns());

    heading("3-4. writing a stream into a BufferOutputStream");
    let mut sink = BufferOutputStream::new();
    let mut writer = quiver::ipc::new_stream(&mut sink, batch.schema())?;
    for _ in 0..5 {
        writer.write_batch(&batch)?;
    }
    // Like leaving pyarrow's `with` block: writes the end-of-stream marker.
    writer.close()?;
    let buf = sink.getvalue();
    println!("buf.size = {}", buf.size());

    heading("5. reading the stream back");
    let reader = quiver::ipc::open_stream(buf.clone())?;
    let schema = reader.schema().clone();
    let batches = reader.collect::<Result<Vec<_>, _>>()?;
    println!("schema:\n{schema}");
    println!("len(batches) = {}", batches.len());

    heading("6. equality");
    println!("batches[0].equals(batch) = {}", batches[0].equals(&batch));

    heading("7. zero-copy reads");
    // Read from an in-memory buffer, the batches' column data are slices of that buffer:
    // nothing was copied, nothing new was allocated for it.
    let values = &batches[0].columns()[0].buffers()[0];
    println!(
        "column f0 of batches[0] lies inside buf = {}",
        buf.contains_ptr(values.as_ptr())
    );

    heading("8. writing the file format");
    let mut sink = BufferOutputStream::new();
    let mut writer = quiver::ipc::new_file(&mut sink, batch.schema())?;
    for _ in 0..10 {
        writer.write_batch(&batch)?;
    }
    writer.close()?;
    let buf = sink.getvalue();
    println!("buf.size = {}", buf.size());

    heading("9. random access");
    let reader = quiver::ipc::open_file(buf.clone())?;
    let num_record_batches = reader.num_record_batches();
    let b = reader.get_batch(3)?;
    println!("num_record_batches = {num_record_batches}");
    println!("b.equals(batch) = {}", b.equals(&batch));

    heading("10. reading everything into a table");
    let table = quiver::ipc::open_file(buf)?.read_all()?;
    println!("{}", table.head(5));

    heading("11. writing 10M int32 values to bigfile.arrow");
    const BATCH_SIZE: i32 = 10_000;
    const NUM_BATCHES: usize = 1_000;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bigfile.arrow");
    let schema = Schema::new(vec![Field::new("nums", DataType::Int32, true)]);
    let mut writer = quiver::ipc::new_file(OsFile::create(&path)?, &schema)?;
    for _ in 0..NUM_BATCHES {
        // Only the current batch is in memory.
        let nums = Array::from((0..BATCH_SIZE).collect::<Vec<i32>>());
        writer.write(&RecordBatch::try_new(schema.clone(), vec![nums])?)?;
    }
    writer.close()?;
    println!(
        "wrote {} ({} bytes)",
        path.file_name().unwrap_or_default().to_string_lossy(),
        std::fs::metadata(&path)?.len()
    );

    heading("12. reading it back through a plain file");
    let source = OsFile::open(&path)?;
    let loaded_array = quiver::ipc::open_file(source)?.read_all()?;
    println!("LEN: {}", loaded_array.num_rows());
    println!("RSS: {}MB", quiver::total_allocated_bytes() >> 20);

    heading("13. reading it back through a memory map");
    // Like the seed rebinding `loaded_array`: the copied table is released first.
    drop(loaded_array);
    let source = quiver::memory_map(&path)?;
    let loaded_array = quiver::ipc::open_file(source)?.read_all()?;
    println!("LEN: {}", loaded_array.num_rows());
    println!("RSS: {}MB", quiver::total_allocated_bytes() >> 20);

    // The map must be gone before the directory is removed (Windows insists).
    drop(loaded_array);
    dir.close()?;

    legacy_serialization()
}

/// Steps 14-17: pyarrow's legacy `serialize` / `deserialize`.
fn legacy_serialization() -> Result<(), quiver::Error> {
    heading("14. serializing a dict of 100 500x500 float64 arrays");
    let mut rng = Normal::new(14);
    let arrays = (0..100i64).map(|i| Ok((i, Value::NdArray(rng.array(500, 500)?))));
    let data = Value::Dict(
        arrays
            .map(|r| r.map(|(k, v)| (Value::from(k), v)))
            .collect::<Result<_, LegacyError>>()?,
    );
    let buf: Buffer = quiver::serialize(&data)?.to_buffer();
    println!("type(buf) = quiver::Buffer");
    println!("buf.size = {}", buf.size());
    let restored_data = quiver::deserialize(&buf)?;
    assert_eq!(restored_data, data);
    let restored_0 = dict_get(&restored_data, &Value::Int(0)).and_then(as_ndarray);
    let restored_0 = restored_0.ok_or_else(|| tour_error("restored_data[0] is not an array"))?;
    // Read from one buffer, every array is a slice of it.
    assert!(!restored_0.copied() && buf.contains_ptr(restored_0.data().as_ptr()));
    println!("restored_data[0] =\n{}", numpy_repr(restored_0)?);

    heading("15. unknown types: the pickle fallback");
    // pyarrow pickles the types registered with pickle=True (classes, functions); here
    // are the bytes pyarrow 10 wrote for the class `int`. Quiver cannot run them, but
    // keeps them exactly, so a blob that holds them is written back unchanged.
    let pickle = hex("80049514000000000000008c086275696c74696e73948c03696e749493942e");
    let pickled = Value::Pickled {
        type_id: "type".into(),
        bytes: pickle.clone(),
    };
    let restored = quiver::deserialize(&quiver::serialize(&pickled)?.to_buffer())?;
    assert!(matches!(&restored, Value::Pickled { bytes, .. } if *bytes == pickle));
    println!("pickled bytes kept intact = {}", restored == pickled);
    // A Rust type nobody registered is refused with an error saying what to do, like
    // pyarrow's SerializationCallbackError.
    let unknown = SerializationContext::default().serialize(&std::time::Instant::now());
    let err = unknown
        .err()
        .ok_or_else(|| tour_error("an unregistered type serialized"))?;
    assert!(matches!(err, LegacyError::UnregisteredType { .. }));
    println!("unregistered type: {err}");

    heading("16. a custom type in a SerializationContext");
    let mut context = SerializationContext::default();
    context.register_type::<MyData>("MyData", serialize_my_data, deserialize_my_data);
    let val = MyData {
        name: "example".into(),
        data: rng.array(10, 10)?,
    };
    let buf = context.serialize(&val)?.to_buffer();
    let restored_val: MyData = context.deserialize(&buf)?;
    assert_eq!(restored_val, val);
    println!(
        "restored_val = MyData(name={:?}, data=<{} array, shape {:?}>)",
        restored_val.name,
        restored_val.data.dtype().numpy_str(),
        restored_val.data.shape()
    );
    println!("restored_val == val = {}", restored_val == val);

    heading("17. components: serializing without a copy");
    let before = quiver::total_allocated_bytes();
    let serialized = quiver::serialize(&data)?;
    let components = serialized.to_components();
    let components_bytes = quiver::total_allocated_bytes().saturating_sub(before);
    // Buffers 2, 4, 6, ... are the arrays' bodies: the arrays' own memory.
    let Value::Dict(pairs) = &data else {
        return Err(tour_error("data is not a dict"));
    };
    let bodies = components.data.iter().skip(2).step_by(2);
    let same = pairs
        .iter()
        .zip(bodies)
        .all(|((_, v), body)| as_ndarray(v).is_some_and(|a| a.data().as_ptr() == body.as_ptr()));
    assert!(same && components.num_ndarrays == 100);
    println!(
        "components: {} buffers, {} ndarrays",
        components.data.len(),
        components.num_ndarrays
    );
    println!("every array body is the array's own memory = {same}");
    println!("allocated by serialize + to_components: {components_bytes} bytes");
    let before = quiver::total_allocated_bytes();
    let copy = serialized.to_buffer();
    let to_buffer_bytes = quiver::total_allocated_bytes().saturating_sub(before);
    println!(
        "allocated by to_buffer (one copy): {}MB",
        to_buffer_bytes >> 20
    );
    assert!(components_bytes < 1 << 20 && to_buffer_bytes >= copy.size());
    drop(copy);

    // memoryview(components['data'][0]): a byte slice over the same memory.
    let mv: &[u8] = components.data[0].as_slice();
    println!("memoryview(components.data[0]): {} bytes", mv.len());
    assert_eq!(mv.as_ptr(), components.data[0].as_ptr());
    // pa.py_buffer(mv): a buffer over the same memory (it keeps the owner alive).
    let py_buffer = Buffer::from_owner(components.data[0].clone());
    assert_eq!(py_buffer.as_ptr(), mv.as_ptr());
    // A Vec<u8> becomes a Buffer without a copy too.
    let bytes = vec![1u8, 2, 3];
    let ptr = bytes.as_ptr();
    assert_eq!(Buffer::from(bytes).as_ptr(), ptr);

    let restored_data = quiver::deserialize_components(&components)?;
    assert_eq!(restored_data, data);
    let Value::Dict(restored_pairs) = &restored_data else {
        return Err(tour_error("restored_data is not a dict"));
    };
    let shared = restored_pairs.iter().zip(pairs).all(|((_, r), (_, v))| {
        matches!((as_ndarray(r), as_ndarray(v)), (Some(r), Some(v)) if r.data().as_ptr() == v.data().as_ptr())
    });
    assert!(shared);
    println!("deserialize_components: the arrays point into the components = {shared}");
    let restored_0 = dict_get(&restored_data, &Value::Int(0)).and_then(as_ndarray);
    let restored_0 = restored_0.ok_or_else(|| tour_error("restored_data[0] is not an array"))?;
    println!("restored_data[0] =\n{}", numpy_repr(restored_0)?);
    Ok(())
}

/// The seed's `MyData`: a name and a numpy array.
#[derive(Debug, PartialEq)]
struct MyData {
    name: String,
    data: NdArray,
}

/// The seed's `_serialize_MyData`: `{'name': val.name, 'data': val.data}`.
fn serialize_my_data(val: &MyData) -> Result<Value, LegacyError> {
    Ok(Value::dict([
        ("name", Value::from(val.name.as_str())),
        ("data", Value::NdArray(val.data.clone())),
    ]))
}

/// The seed's `_deserialize_MyData`: `MyData(data['name'], data['data'])`.
fn deserialize_my_data(data: &Value) -> Result<MyData, LegacyError> {
    let bad = |detail: &str| LegacyError::Custom {
        type_id: "MyData".into(),
        detail: detail.into(),
    };
    let name = match dict_get(data, &Value::from("name")) {
        Some(Value::Str(name)) => name.clone(),
        _ => return Err(bad("no 'name' string")),
    };
    let data = dict_get(data, &Value::from("data")).and_then(as_ndarray);
    let data = data.ok_or_else(|| bad("no 'data' array"))?.clone();
    Ok(MyData { name, data })
}

/// `d[key]` of a dict value.
fn dict_get<'a>(d: &'a Value, key: &Value) -> Option<&'a Value> {
    match d {
        Value::Dict(pairs) => pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v),
        _ => None,
    }
}

fn as_ndarray(v: &Value) -> Option<&NdArray> {
    match v {
        Value::NdArray(a) => Some(a),
        _ => None,
    }
}

fn tour_error(what: &str) -> quiver::Error {
    quiver::Error::Io(std::io::Error::other(what.to_string()))
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .filter_map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A 2-d float64 array printed the way numpy abbreviates a large one: the first and
/// last three rows and columns.
fn numpy_repr(a: &NdArray) -> Result<String, quiver::Error> {
    let values = a.data().typed_data::<f64>()?;
    let (rows, cols) = match a.shape() {
        [r, c] => (*r as usize, *c as usize),
        _ => return Err(tour_error("not a 2-d array")),
    };
    let row = |r: usize| {
        let cell = |c: usize| format!("{:11.8}", values[r * cols + c]);
        let head: Vec<String> = (0..3).map(cell).collect();
        let tail: Vec<String> = (cols - 3..cols).map(cell).collect();
        format!("[{}, ..., {}]", head.join(", "), tail.join(", "))
    };
    let mut lines: Vec<String> = (0..3).map(row).collect();
    lines.push("...".into());
    lines.extend((rows - 3..rows).map(row));
    Ok(format!("array([{}])", lines.join(",\n       ")))
}

/// Standard normal samples (`np.random.randn`), from a splitmix64 generator and the
/// Box-Muller transform: deterministic, no dependency.
struct Normal {
    state: u64,
}

impl Normal {
    fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    fn uniform(&mut self) -> f64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // 53 random bits in (0, 1].
        ((z >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    /// A `rows` x `cols` array of samples.
    fn array(&mut self, rows: usize, cols: usize) -> Result<NdArray, LegacyError> {
        let mut values = Vec::with_capacity(rows * cols);
        while values.len() < rows * cols {
            let (r, t) = (
                (-2.0 * self.uniform().ln()).sqrt(),
                std::f64::consts::TAU * self.uniform(),
            );
            values.push(r * t.cos());
            values.push(r * t.sin());
        }
        values.truncate(rows * cols);
        let shape = [rows as i64, cols as i64];
        NdArray::from_slice(&values, &shape)
    }
}
