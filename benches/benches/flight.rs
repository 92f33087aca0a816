//! Issue 13's Flight benchmark, W9: W4's data (64 batches of 65,536 rows: `f0` int64,
//! `f1` utf8 with nulls, `f2` bool with nulls; 4Mi rows) over gRPC on loopback, Quiver's
//! Flight server and client beside arrow-flight 60's, in the same run (pyarrow.flight's
//! side is in `benches/pyarrow_bench.py`; `cargo xtask bench` puts all three in one
//! table).
//!
//! | group | what one iteration does |
//! |---|---|
//! | `W9_flight_doget` | one `DoGet` from a server holding the 64 batches in memory; the client decodes and validates every batch and collects them |
//! | `W9_flight_doput` | one `DoPut` of the 64 batches; the server decodes and validates each and drops it, and answers the row count |
//!
//! Each side has its own server on `127.0.0.1:0` and one client connection, made once
//! outside the timed loop; servers and client calls run as tasks on one multi-threaded
//! tokio runtime (a worker per core). Transport settings: arrow-rs has tonic 0.14's
//! defaults on both ends (`TCP_NODELAY`, 16 KiB HTTP/2 frames); Quiver's server and
//! `FlightClient` have their own defaults (`TCP_NODELAY`, 1 MiB frames accepted). The
//! gRPC message limits are 64 MiB on every server and client (raised on arrow-rs's side,
//! Quiver's defaults) so that nothing is refused (each message here is about
//! 1 MB: neither encoder splits W4's batches, Quiver splitting at 4 MiB and arrow-flight
//! at 2 MiB by default). Criterion's throughput is the IPC body bytes of the 64 record
//! batch messages.
//!
//! It prints `throughput <group> <bytes> bytes <rows> rows` for `cargo xtask bench`'s
//! throughput table. Before timing, each group runs each side once and checks what came back (every row
//! of every batch for `DoGet`, the server's row count for `DoPut`), and prints
//! `allocations <group> <side> <n> per batch (...)`: the heap allocations of the call on
//! both ends (client and server share the process), divided by the 64 batches.

#[path = "workloads/alloc.rs"]
mod alloc;
#[path = "flight/arrow_side.rs"]
mod arrow_side;
#[allow(dead_code)]
#[path = "workloads/data.rs"]
mod data;
#[path = "flight/quiver_side.rs"]
mod quiver_side;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

#[global_allocator]
static GLOBAL: quiver_benches::Counting = quiver_benches::Counting;

const QUIVER: &str = "quiver";
const ARROW: &str = "arrow-rs";

/// W4's shape: 64 batches of 64Ki rows.
const ROWS: usize = 64 * 1024;
const BATCHES: usize = 64;

/// The gRPC message limit of every server and client here.
const MESSAGE_LIMIT: usize = 64 << 20;
/// The ticket the clients ask for (the servers answer any ticket with the batches).
const TICKET: &[u8] = b"w4";

/// The row count a `DoPut` server answers, as text in the `PutResult`'s metadata.
fn rows_answered(app_metadata: &[u8]) -> usize {
    std::str::from_utf8(app_metadata)
        .ok()
        .and_then(|text| text.parse().ok())
        .expect("the server answers the number of rows it decoded")
}

/// Runs one client call as a task on the runtime (as an application's client would
/// run), waiting for it from the bench thread.
fn call<T: Send + 'static>(
    rt: &tokio::runtime::Runtime,
    future: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    rt.block_on(rt.spawn(future)).expect("the client task")
}

fn w9_flight(c: &mut Criterion) {
    let seed = data::Seed::new(ROWS);
    let q_batches = vec![seed.quiver(); BATCHES];
    let a_batches = vec![seed.arrow(); BATCHES];
    let total_rows = ROWS * BATCHES;

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let (q_client, a_client, q_body, a_body) = rt.block_on(async {
        let q_addr = quiver_side::serve(q_batches.clone()).await;
        let a_addr = arrow_side::serve(a_batches.clone()).await;
        (
            quiver_side::connect(q_addr).await,
            arrow_side::connect(a_addr).await,
            quiver_side::body_bytes(&q_batches),
            arrow_side::body_bytes(&a_batches).await,
        )
    });
    println!("flight body bytes W9: quiver {q_body}, arrow-rs {a_body} (64 record batch messages)");
    // For `cargo xtask bench`'s throughput table.
    for group in ["W9_flight_doget", "W9_flight_doput"] {
        println!("throughput {group} {q_body} bytes {total_rows} rows");
    }
    let q_get = || call(&rt, quiver_side::do_get(q_client.clone()));
    let a_get = || call(&rt, arrow_side::do_get(a_client.clone()));
    let q_put = || {
        call(
            &rt,
            quiver_side::do_put(q_client.clone(), q_batches.clone()),
        )
    };
    let a_put = || call(&rt, arrow_side::do_put(a_client.clone(), a_batches.clone()));

    // What comes back is what was sent.
    let got = q_get();
    assert_eq!(got.len(), BATCHES);
    assert!(got.iter().all(|b| b.equals(&q_batches[0])));
    let got = a_get();
    assert_eq!(got.len(), BATCHES);
    assert!(got.iter().all(|b| b == &a_batches[0]));
    assert_eq!(q_put(), total_rows);
    assert_eq!(a_put(), total_rows);

    let name = "W9_flight_doget";
    alloc::report(name, QUIVER, BATCHES, q_get);
    alloc::report(name, ARROW, BATCHES, a_get);
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Bytes(q_body as u64));
    g.bench_function(QUIVER, |b| b.iter(|| black_box(q_get())));
    g.bench_function(ARROW, |b| b.iter(|| black_box(a_get())));
    g.finish();

    let name = "W9_flight_doput";
    alloc::report(name, QUIVER, BATCHES, q_put);
    alloc::report(name, ARROW, BATCHES, a_put);
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Bytes(q_body as u64));
    g.bench_function(QUIVER, |b| b.iter(q_put));
    g.bench_function(ARROW, |b| b.iter(a_put));
    g.finish();
}

criterion_group!(benches, w9_flight);
criterion_main!(benches);
