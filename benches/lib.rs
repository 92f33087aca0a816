//! Criterion benchmarks for Quiver, each IPC group measuring Quiver and arrow-rs side by
//! side over identical data. The benchmarks themselves live in `benches/` (`file.rs`: the
//! IPC file format through a plain file and a memory map; `stream.rs`: in-memory stream
//! round trips; `workloads.rs`: issue 11's workloads W1–W8, whose pyarrow side is
//! `pyarrow_bench.py` and which `cargo xtask bench` tabulates; `legacy.rs`: pyarrow's legacy serialization of a 200 MB dict of arrays,
//! against one memcpy and, in the README, pyarrow 10). Run them with `cargo bench -p quiver-benches` (or `cargo xtask bench`); see
//! `README.md` for what each one measures and the latest numbers.
