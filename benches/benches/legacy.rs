//! pyarrow's legacy object serialization of the seed's dict of 100 500×500 float64
//! arrays (200 MB): `serialize`, `to_buffer`, `deserialize`, `to_components` and
//! `deserialize_components`, with one copy of the same 200 MB (`memcpy_200mb`) as the
//! yardstick for `to_buffer`. pyarrow 10's figures for the same calls come from
//! `benches/python/legacy_pyarrow10.py`.
//!
//! Before timing, each call runs once under a counting global allocator and the number
//! of heap allocations and bytes it made are printed: the zero-copy paths must stay
//! O(metadata), not O(data).

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use quiver::legacy::{NdArray, Value};

#[global_allocator]
static GLOBAL: quiver_benches::Counting = quiver_benches::Counting;

const ARRAYS: usize = 100;
const SIDE: usize = 500;
const DATA_BYTES: usize = ARRAYS * SIDE * SIDE * 8;

/// The seed's `{i: np.random.randn(500, 500) for i in range(100)}`, with deterministic
/// values (the time does not depend on them).
fn seed_dict() -> Value {
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let pairs = (0..ARRAYS as i64)
        .map(|i| {
            let values: Vec<f64> = (0..SIDE * SIDE)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (x >> 11) as f64 / (1u64 << 53) as f64 - 0.5
                })
                .collect();
            let array =
                NdArray::from_slice(&values, &[SIDE as i64, SIDE as i64]).expect("a 500x500 array");
            (Value::from(i), Value::NdArray(array))
        })
        .collect();
    Value::Dict(pairs)
}

/// Runs `f` once and prints the heap allocations and pool bytes it made.
fn report_allocations<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let pool = quiver::total_allocated_bytes();
    let (out, calls, bytes) = quiver_benches::count_allocations(f);
    let pool = quiver::total_allocated_bytes().saturating_sub(pool);
    println!(
        "allocations {name:<24} {calls:>6} calls {bytes:>11} bytes  (total_allocated_bytes +{pool})"
    );
    out
}

fn legacy_200mb(c: &mut Criterion) {
    let data = seed_dict();
    let serialized =
        report_allocations("serialize", || quiver::serialize(&data)).expect("serialize");
    let buf = report_allocations("to_buffer", || serialized.to_buffer());
    let restored =
        report_allocations("deserialize", || quiver::deserialize(&buf)).expect("deserialize");
    let components = report_allocations("to_components", || serialized.to_components());
    let rebuilt = report_allocations("deserialize_components", || {
        quiver::deserialize_components(&components)
    })
    .expect("deserialize_components");
    // The yardstick copies the blob's bytes (the 200 MB of array data and the small
    // rest) into fresh memory, as `to_buffer` must.
    let copy = report_allocations("memcpy_200mb", || buf.as_slice().to_vec());
    assert_eq!(copy.len(), buf.len());
    assert!(restored == data && rebuilt == data);
    drop((restored, rebuilt, copy));

    let mut group = c.benchmark_group("legacy_dict_100x500x500_f64");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Bytes(DATA_BYTES as u64));
    group.bench_function("serialize", |b| b.iter(|| quiver::serialize(&data)));
    group.bench_function("to_buffer", |b| b.iter(|| serialized.to_buffer()));
    group.bench_function("deserialize", |b| b.iter(|| quiver::deserialize(&buf)));
    group.bench_function("to_components", |b| b.iter(|| serialized.to_components()));
    group.bench_function("deserialize_components", |b| {
        b.iter(|| quiver::deserialize_components(&components))
    });
    group.bench_function("memcpy_200mb", |b| b.iter(|| buf.as_slice().to_vec()));
    group.finish();
}

criterion_group!(benches, legacy_200mb);
criterion_main!(benches);
