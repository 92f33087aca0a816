#!/usr/bin/env python3
"""Issue 11's workloads W1-W8 with pyarrow, on the same data as
`benches/benches/workloads.rs` (Quiver and arrow-rs), and issue 13's Flight workload W9
with pyarrow.flight, as `benches/benches/flight.rs`.

Each workload is timed as single calls (after one untimed warm-up call), `--repeat`
times; one JSON line per workload goes to stdout:

    {"workload": "W1_write_file", "median_ns": 50400000, "samples": 7, "note": "..."}

`median_ns` is the median time of one call, which covers the same work as one criterion
iteration of the Rust group of the same name (W5 and W6 are per call of the whole loop;
`cargo xtask bench` divides them per batch). W9 runs a pyarrow.flight server in this
process (gRPC's own threads) on 127.0.0.1:0 and times one client call: `do_get(...)
.read_all()` of W4's 64 batches, or a `do_put` of them that the server reads batch by
batch and drops. Run it with the project's venv:

    .cache/pyarrow-venv/bin/python benches/pyarrow_bench.py [--repeat N] [--filter REGEX]
"""

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time

import numpy as np
import pyarrow as pa
import pyarrow.flight as flight
import pyarrow.ipc as ipc

INT32_ROWS = 10_000
INT32_BATCHES = 1000
SEED_ROWS = 64 * 1024
SEED_BATCHES = 64
TINY_BATCHES = 100_000
LOOKUPS = 1000
NESTED_ROWS = 62_500
NESTED_BATCHES = 16
STRINGS = ["foo", "bar", "baz", None]
BOOLS = [True, None, False, True]
DICTIONARY = ["alpha", "beta", "gamma", "delta"]
MASK = (1 << 64) - 1


def int32_batch():
    return pa.record_batch([pa.array(np.arange(INT32_ROWS, dtype=np.int32))], names=["f0"])


def seed_batch(rows):
    ints = pa.array(np.arange(1, rows + 1, dtype=np.int64))
    strings = pa.array([STRINGS[i % 4] for i in range(rows)], type=pa.utf8())
    bools = pa.array([BOOLS[i % 4] for i in range(rows)], type=pa.bool_())
    return pa.record_batch([ints, strings, bools], names=["f0", "f1", "f2"])


def nested_batch(rows):
    lengths = np.arange(rows) % 4
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    items = pa.array(np.arange(offsets[-1], dtype=np.int32))
    lists = pa.ListArray.from_arrays(pa.array(offsets), items)
    a = pa.array(np.arange(rows, dtype=np.int32))
    b = pa.array([STRINGS[i % 4] for i in range(rows)], type=pa.utf8())
    struct = pa.StructArray.from_arrays(
        [a, b], fields=[pa.field("a", pa.int32(), nullable=False), pa.field("b", pa.utf8())]
    )
    keys = pa.array((np.arange(rows) % 4).astype(np.int32))
    dictionary = pa.DictionaryArray.from_arrays(keys, pa.array(DICTIONARY))
    return pa.record_batch([lists, struct, dictionary], names=["list", "struct", "dict"])


def lookups():
    """The same xorshift sequence as `lookups()` in workloads.rs."""
    x, out = 0x9E3779B97F4A7C15, []
    for _ in range(LOOKUPS):
        x ^= (x << 13) & MASK
        x ^= x >> 7
        x ^= (x << 17) & MASK
        out.append(x % INT32_BATCHES)
    return out


def write_file(path, batch, n):
    with pa.OSFile(path, "wb") as sink:
        with ipc.new_file(sink, batch.schema) as writer:
            for _ in range(n):
                writer.write_batch(batch)


def read_file(path):
    with pa.OSFile(path, "rb") as source:
        return ipc.open_file(source).read_all()


def read_mmap(path):
    with pa.memory_map(path, "r") as source:
        return ipc.open_file(source).read_all()


def write_stream(batch, n, options=None):
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, batch.schema, options=options) as writer:
        for _ in range(n):
            writer.write_batch(batch)
    return sink.getvalue()


def read_stream(buf):
    """Every batch of an in-memory stream, as a list (as the Rust side collects a Vec)."""
    return list(ipc.open_stream(buf))


def workloads(tmp):
    """(name, callable, note) for every workload; inputs are built here, untimed."""
    int32 = int32_batch()
    path = os.path.join(tmp, "input.arrow")
    write_file(path, int32, INT32_BATCHES)
    assert read_file(path).num_rows == INT32_ROWS * INT32_BATCHES
    out_path = os.path.join(tmp, "out.arrow")
    mapped = ipc.open_file(pa.memory_map(path, "r"))
    indices = lookups()

    def get_batches():
        for i in indices:
            mapped.get_batch(i)

    seed = seed_batch(SEED_ROWS)
    seed_stream = write_stream(seed, SEED_BATCHES)
    tiny = seed_batch(4)
    tiny_stream = write_stream(tiny, TINY_BATCHES)
    zstd = ipc.IpcWriteOptions(compression=pa.Codec("zstd", compression_level=1))
    lz4 = ipc.IpcWriteOptions(compression="lz4")
    zstd_stream = write_stream(seed, SEED_BATCHES, zstd)
    lz4_stream = write_stream(seed, SEED_BATCHES, lz4)
    nested = nested_batch(NESTED_ROWS)
    nested_stream = write_stream(nested, NESTED_BATCHES)
    for buf, rows in [
        (seed_stream, SEED_ROWS * SEED_BATCHES),
        (tiny_stream, 4 * TINY_BATCHES),
        (zstd_stream, SEED_ROWS * SEED_BATCHES),
        (lz4_stream, SEED_ROWS * SEED_BATCHES),
        (nested_stream, NESTED_ROWS * NESTED_BATCHES),
    ]:
        table = pa.Table.from_batches(read_stream(buf))
        table.validate(full=True)
        assert table.num_rows == rows

    no_validation = "pyarrow's IPC read does not validate values (no UTF-8 or offset checks)"
    threads = "pyarrow (de)compresses buffers on several threads"
    return [
        ("W1_write_file", lambda: write_file(out_path, int32, INT32_BATCHES), "pa.OSFile, unbuffered"),
        ("W2_read_file", lambda: read_file(path), "pa.OSFile (pread), no mmap"),
        ("W3_read_mmap", lambda: read_mmap(path), ""),
        ("W4_write", lambda: write_stream(seed, SEED_BATCHES), ""),
        ("W4_read_validated", lambda: read_stream(seed_stream), no_validation),
        ("W5_write", lambda: write_stream(tiny, TINY_BATCHES), ""),
        ("W5_read", lambda: read_stream(tiny_stream), no_validation),
        ("W6_get_batch", get_batches, ""),
        ("W7_zstd_write", lambda: write_stream(seed, SEED_BATCHES, zstd), threads),
        ("W7_zstd_read", lambda: read_stream(zstd_stream), threads + "; " + no_validation),
        ("W7_lz4_write", lambda: write_stream(seed, SEED_BATCHES, lz4), threads),
        ("W7_lz4_read", lambda: read_stream(lz4_stream), threads + "; " + no_validation),
        ("W8_write", lambda: write_stream(nested, NESTED_BATCHES), ""),
        ("W8_read", lambda: read_stream(nested_stream), no_validation),
    ]


class W4Server(flight.FlightServerBase):
    """W9's server: any ticket gets the batches; an upload is read batch by batch and
    dropped, and the answer is its row count as text."""

    def __init__(self, batches):
        super().__init__("grpc://127.0.0.1:0")
        self.batches = batches

    def do_get(self, context, ticket):
        return flight.RecordBatchStream(pa.Table.from_batches(self.batches))

    def do_put(self, context, descriptor, reader, writer):
        rows = 0
        for chunk in reader:
            rows += chunk.data.num_rows
        writer.write(pa.py_buffer(str(rows).encode()))


def flight_workloads(server):
    """W9 against `server` (a running W4Server), on one client connection."""
    batches = server.batches
    client = flight.connect(f"grpc://127.0.0.1:{server.port}")
    descriptor = flight.FlightDescriptor.for_path("w4")

    def do_get():
        return client.do_get(flight.Ticket(b"w4")).read_all()

    def do_put():
        writer, answer = client.do_put(descriptor, batches[0].schema)
        for batch in batches:
            writer.write_batch(batch)
        writer.done_writing()
        rows = int(answer.read().to_pybytes())
        writer.close()
        return rows

    table = do_get()
    table.validate(full=True)
    assert table.equals(pa.Table.from_batches(batches))
    assert do_put() == sum(b.num_rows for b in batches)
    unchecked = "pyarrow.flight's client does not validate values (no UTF-8 or offset checks)"
    return [
        ("W9_flight_doget", do_get, unchecked),
        ("W9_flight_doput", do_put, "the server reads the upload without validating values"),
    ]


def time_workload(name, call, note, repeat):
    """One warm-up call, then `repeat` timed calls; prints the JSON line."""
    call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        call()
        times.append(time.perf_counter_ns() - start)
    line = {
        "workload": name,
        "median_ns": statistics.median(times),
        "samples": len(times),
        "pyarrow": pa.__version__,
    }
    if note:
        line["note"] = note
    print(json.dumps(line), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed calls per workload")
    parser.add_argument("--filter", default="", help="only workloads whose name matches")
    args = parser.parse_args()
    pattern = re.compile(args.filter)
    with tempfile.TemporaryDirectory() as tmp:
        for name, call, note in workloads(tmp):
            if pattern.search(name):
                time_workload(name, call, note, args.repeat)
    if any(pattern.search(name) for name in ("W9_flight_doget", "W9_flight_doput")):
        with W4Server([seed_batch(SEED_ROWS)] * SEED_BATCHES) as server:
            for name, call, note in flight_workloads(server):
                if pattern.search(name):
                    time_workload(name, call, note, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
