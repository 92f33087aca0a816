//! Per-request accounting, as a server would do it: each request reads through its own
//! `ProxyMemoryPool`, which counts exactly the bytes that request holds (and caps them,
//! if given a limit), while `total_allocated_bytes()` still counts everything. Then an
//! explicit `ExtensionRegistry` gives one reader its own extension types without touching
//! the process-wide registry.
//!
//! ```text
//! cargo run --example memory_pool
//! ```

use std::sync::Arc;

use quiver::ipc::{IpcError, IpcReadOptions};
use quiver::{
    Array, DataType, ExtensionRegistry, ExtensionType, Field, MemoryPool, OsFile, ProxyMemoryPool,
    RecordBatch, Schema, default_memory_pool, total_allocated_bytes,
};

/// Fails the example with `what` unless `ok`.
fn check(ok: bool, what: &str) -> quiver::Result<()> {
    if ok {
        Ok(())
    } else {
        Err(std::io::Error::other(format!("check failed: {what}")).into())
    }
}

/// `example.celsius` as one tenant defines it: temperatures stored as float64.
#[derive(Debug)]
struct Celsius;

impl ExtensionType for Celsius {
    fn name(&self) -> &str {
        "example.celsius"
    }
    fn validate(&self, storage: &DataType, _metadata: &str) -> Result<(), String> {
        match storage {
            DataType::Float64 => Ok(()),
            other => Err(format!("storage must be double, not {other}")),
        }
    }
}

fn main() -> quiver::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("readings.arrow");
    let field = Field::new("celsius", DataType::Int32, false).with_extension("example.celsius", "");
    let schema = Arc::new(Schema::new(vec![field]));
    let batch = RecordBatch::try_new(
        Arc::clone(&schema),
        vec![Array::from((0..100_000).collect::<Vec<i32>>())],
    )?;
    let mut writer = quiver::ipc::new_file(OsFile::create(&path)?, &schema)?;
    writer.write_batch(&batch)?;
    writer.close()?;

    // Two requests read the same file through plain file reads (which copy), each with
    // its own pool. What each holds is counted apart, and in the default pool as well.
    let base = total_allocated_bytes();
    let (first, second) = (
        Arc::new(ProxyMemoryPool::new(default_memory_pool())),
        Arc::new(ProxyMemoryPool::new(default_memory_pool())),
    );
    let read = |pool: &Arc<ProxyMemoryPool>| -> quiver::Result<quiver::Table> {
        let options = IpcReadOptions::default().with_memory_pool(Arc::clone(pool));
        Ok(quiver::ipc::open_file_with_options(OsFile::open(&path)?, options)?.read_all()?)
    };
    let first_table = read(&first)?;
    let second_table = read(&second)?;
    println!(
        "request 1 holds {} bytes, request 2 holds {} bytes, the default pool {} more",
        first.bytes_allocated(),
        second.bytes_allocated(),
        total_allocated_bytes() - base
    );
    check(
        first.bytes_allocated() >= 400_000,
        "the column is in request 1's pool",
    )?;
    check(
        first.bytes_allocated() == second.bytes_allocated(),
        "both requests hold the same",
    )?;
    check(
        total_allocated_bytes() - base == first.bytes_allocated() + second.bytes_allocated(),
        "the default pool counts both requests",
    )?;
    drop(first_table);
    check(
        first.bytes_allocated() == 0,
        "request 1 gave its memory back",
    )?;
    drop(second_table);
    println!(
        "after both requests: {} bytes",
        total_allocated_bytes() - base
    );

    // A request with a budget: the read fails with a typed error instead of allocating.
    let small = Arc::new(ProxyMemoryPool::new(default_memory_pool()).with_limit(64 * 1024));
    match read(&small) {
        Err(quiver::Error::Ipc(e @ IpcError::Memory { .. })) => println!("over budget: {e}"),
        other => {
            return Err(std::io::Error::other(format!("expected a refusal: {other:?}")).into());
        }
    }
    check(
        small.bytes_allocated() == 0,
        "the refused request holds nothing",
    )?;

    // An explicit registry: this tenant says example.celsius is stored as float64, so
    // the int32 column is refused; readers using the process-wide registry, which does
    // not know the name, read it as plain int32.
    let tenant = Arc::new(ExtensionRegistry::new());
    tenant.register(Arc::new(Celsius));
    let options = IpcReadOptions::default().with_extension_registry(Arc::clone(&tenant));
    match quiver::ipc::open_file_with_options(OsFile::open(&path)?, options) {
        Err(e) => println!("with the tenant's registry: {e}"),
        Ok(_) => return Err(std::io::Error::other("the tenant's registry accepted int32").into()),
    }
    let rows = quiver::ipc::open_file(OsFile::open(&path)?)?
        .read_all()?
        .num_rows();
    check(
        rows == 100_000,
        "the global registry reads the storage type",
    )?;
    check(
        quiver::extension_type("example.celsius").is_none(),
        "the global registry is untouched",
    )?;
    println!("with the process-wide registry: {rows} rows of int32");
    Ok(())
}
