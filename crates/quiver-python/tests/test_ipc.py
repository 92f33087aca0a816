"""Arrow IPC and the PyCapsule interface from Python: every golden file of
arrow-testing read by quiver equals pyarrow's reading; pyarrow-written files of every
type round-trip through quiver's readers and writers; memory maps and buffers are read
zero-copy; polars reads quiver readers; corrupt input raises the documented errors."""

import collections
import datetime
import decimal
import gc
import os
import pathlib

import numpy as np
import polars as pl
import pyarrow as pa
import pytest

import quiver

RAN = collections.Counter()


def arrow_testing():
    """$QUIVER_ARROW_TESTING (the arrow-testing data folder), else the shared checkout
    next to the repository. Missing data is an error, never a silent skip."""
    configured = os.environ.get("QUIVER_ARROW_TESTING")
    root = pathlib.Path(configured) if configured else \
        pathlib.Path(__file__).resolve().parents[3].parent / "shared/testdata/arrow-testing"
    for candidate in (root / "arrow-ipc-stream", root / "data" / "arrow-ipc-stream"):
        if (candidate / "integration").is_dir():
            return candidate / "integration"
    raise RuntimeError("no arrow-testing golden files under %s: set QUIVER_ARROW_TESTING "
                       "to the arrow-testing data folder" % root)


INTEGRATION = arrow_testing()
GOLDEN = sorted(str(p.relative_to(INTEGRATION)) for p in INTEGRATION.glob("*/*")
                if p.suffix in (".arrow_file", ".stream"))
# arrow-testing's integration folder holds 91 files in each format; fewer means the
# data moved or was cut.
assert len(GOLDEN) == 182, "expected 182 golden files in %s, found %d" % (INTEGRATION, len(GOLDEN))

# Old producers wrote random decimals and dates: values outside their type's meaning,
# which full validation refuses unless value_range_checks=False.
OUT_OF_RANGE = sorted(
    g for g in GOLDEN
    if g.split("/")[0] in ("0.14.1", "1.0.0-bigendian", "1.0.0-littleendian")
    and pathlib.Path(g).stem in ("generated_datetime", "generated_decimal", "generated_decimal256"))
assert len(OUT_OF_RANGE) == 16, OUT_OF_RANGE


def typed_columns():
    """One pyarrow array of each type, with a null where the type has nulls."""
    d = decimal.Decimal
    cols = {
        "null": pa.array([None, None, None], pa.null()),
        "bool": pa.array([True, None, False]),
        "int8": pa.array([1, None, -3], pa.int8()),
        "int16": pa.array([1, None, -300], pa.int16()),
        "int32": pa.array([1, None, -3], pa.int32()),
        "int64": pa.array([1, None, -2**62], pa.int64()),
        "uint8": pa.array([1, None, 255], pa.uint8()),
        "uint16": pa.array([1, None, 65535], pa.uint16()),
        "uint32": pa.array([1, None, 2**32 - 1], pa.uint32()),
        "uint64": pa.array([1, None, 2**64 - 1], pa.uint64()),
        "float16": pa.array(np.array([1.5, 0, -2.0], np.float16), mask=np.array([0, 1, 0], bool)),
        "float32": pa.array([1.5, None, -2.0], pa.float32()),
        "float64": pa.array([1.5, None, float("inf")]),
        "decimal128": pa.array([d("1.23"), None, d("-4.56")], pa.decimal128(5, 2)),
        "decimal256": pa.array([d("1.23"), None, d("-4.56")], pa.decimal256(40, 2)),
        "date32": pa.array([datetime.date(2020, 1, 1), None, datetime.date(1970, 1, 2)]),
        "date64": pa.array([datetime.date(2020, 1, 1), None, datetime.date(1970, 1, 2)],
                           pa.date64()),
        "time32": pa.array([1000, None, 2000], pa.time32("ms")),
        "time64": pa.array([1000, None, 2000], pa.time64("ns")),
        "timestamp": pa.array([1, None, 3], pa.timestamp("ns")),
        "timestamp_tz": pa.array([1, None, 3], pa.timestamp("us", tz="Europe/Paris")),
        "duration": pa.array([1, None, 3], pa.duration("s")),
        "interval": pa.array([pa.MonthDayNano([1, 2, 3]), None, pa.MonthDayNano([-1, 0, 5])],
                             pa.month_day_nano_interval()),
        "binary": pa.array([b"a", None, b"ccc"]),
        "large_binary": pa.array([b"a", None, b"ccc"], pa.large_binary()),
        "string": pa.array(["a", None, "ccc"]),
        "large_string": pa.array(["a", None, "ccc"], pa.large_string()),
        "binary_view": pa.array([b"a", None, b"c" * 40], pa.binary_view()),
        "string_view": pa.array(["a", None, "c" * 40], pa.string_view()),
        "fixed_size_binary": pa.array([b"ab", None, b"cd"], pa.binary(2)),
        "list": pa.array([[1, 2], None, []], pa.list_(pa.int32())),
        "large_list": pa.array([[1, 2], None, []], pa.large_list(pa.int32())),
        "fixed_size_list": pa.array([[1, 2], None, [3, 4]], pa.list_(pa.int32(), 2)),
        "list_view": pa.array([[1, 2], None, []], pa.list_view(pa.int32())),
        "large_list_view": pa.array([[1, 2], None, []], pa.large_list_view(pa.int32())),
        "struct": pa.array([{"x": 1, "y": "a"}, None, {"x": None, "y": "c"}]),
        "map": pa.array([[("k", 1)], None, []], pa.map_(pa.string(), pa.int64())),
        "dense_union": pa.UnionArray.from_dense(
            pa.array([0, 1, 0], pa.int8()), pa.array([0, 0, 1], pa.int32()),
            [pa.array([1, 2]), pa.array(["a"])]),
        "sparse_union": pa.UnionArray.from_sparse(
            pa.array([0, 1, 0], pa.int8()), [pa.array([1, 2, 3]), pa.array(["a", "b", "c"])]),
        "dictionary": pa.array(["a", None, "a"]).dictionary_encode(),
        "run_end_encoded": pa.RunEndEncodedArray.from_arrays(
            pa.array([2, 3], pa.int32()), pa.array(["x", "y"])),
        "uuid": pa.ExtensionArray.from_storage(
            pa.uuid(), pa.array([b"0" * 16, None, b"1" * 16], pa.binary(16))),
        "fixed_shape_tensor": pa.ExtensionArray.from_storage(
            pa.fixed_shape_tensor(pa.int32(), [2]),
            pa.array([[1, 2], None, [3, 4]], pa.list_(pa.int32(), 2))),
    }
    return cols


TYPES = typed_columns()
assert len(TYPES) == 43, len(TYPES)


def typed_table(name):
    """A table of two batches of the type's column, with schema metadata."""
    column = TYPES[name]
    batch = pa.record_batch({name: column}).replace_schema_metadata({"case": name})
    return pa.Table.from_batches([batch, batch.slice(1, 2)])


@pytest.fixture(scope="module", autouse=True)
def every_case_ran(request):
    yield
    if request.config.getoption("keyword") or request.config.getoption("markexpr"):
        return  # a chosen subset (-k/-m) runs fewer cases on purpose
    expected = {"golden": len(GOLDEN), "out of range": len(OUT_OF_RANGE),
                "written": 2 * len(TYPES), "read": len(TYPES)}
    assert dict(RAN) == expected, "cases ran: %s, expected %s" % (dict(RAN), expected)


def pyarrow_read(path):
    if path.suffix == ".arrow_file":
        return pa.ipc.open_file(path).read_all()
    return pa.ipc.open_stream(path).read_all()


def quiver_open(path, **options):
    """quiver's reader: a file through a memory map, a stream from bytes."""
    if path.suffix == ".arrow_file":
        return quiver.ipc.open_file(quiver.memory_map(path), **options)
    return quiver.ipc.open_stream(path.read_bytes(), **options)


@pytest.mark.parametrize("name", GOLDEN)
def test_golden_file_reads_as_pyarrow_reads_it_and_round_trips(name):
    path = INTEGRATION / name
    expected = pyarrow_read(path)
    checks = name not in OUT_OF_RANGE
    got = pa.table(quiver_open(path, value_range_checks=checks))
    assert got.equals(expected)
    # pyarrow -> quiver's writer of the same format -> pyarrow.
    sink = quiver.BufferOutputStream()
    new = quiver.ipc.new_file if path.suffix == ".arrow_file" else quiver.ipc.new_stream
    with new(sink, expected.schema) as writer:
        writer.write(expected)
    reopen = pa.ipc.open_file if path.suffix == ".arrow_file" else pa.ipc.open_stream
    assert reopen(sink.getvalue()).read_all().equals(expected)
    RAN["golden"] += 1


@pytest.mark.parametrize("name", OUT_OF_RANGE)
def test_out_of_range_golden_values_are_refused_by_default(name):
    path = INTEGRATION / name
    with pytest.raises(OSError) as raised:
        pa.table(quiver_open(path))
    message = str(raised.value)
    assert "which is not a whole day" in message or "which has more than" in message, message
    RAN["out of range"] += 1


@pytest.mark.parametrize("fmt", ["file", "stream"])
@pytest.mark.parametrize("name", sorted(TYPES))
def test_pyarrow_data_round_trips_through_quiver_writers(name, fmt):
    table = typed_table(name)
    new = quiver.ipc.new_file if fmt == "file" else quiver.ipc.new_stream
    reopen = pa.ipc.open_file if fmt == "file" else pa.ipc.open_stream
    for compression in (None, "lz4", "zstd"):
        sink = quiver.BufferOutputStream()
        with new(sink, table.schema, compression=compression) as writer:
            writer.write(table)                      # a pyarrow Table (stream capsule)
            writer.write(table.to_batches()[0])      # a pyarrow RecordBatch (array capsule)
        back = reopen(sink.getvalue()).read_all()
        expected = pa.concat_tables([table, pa.Table.from_batches(table.to_batches()[:1])])
        assert back.equals(expected, check_metadata=True), (compression, back.schema)
    RAN["written"] += 1


@pytest.mark.parametrize("fmt", ["file", "stream"])
def test_compression_is_applied_with_the_codec_asked_for(fmt):
    table = pa.table({"zeros": pa.array(np.zeros(100_000, dtype=np.int64))})
    new = quiver.ipc.new_file if fmt == "file" else quiver.ipc.new_stream
    reopen = pa.ipc.open_file if fmt == "file" else pa.ipc.open_stream
    written = {}
    for compression in (None, "lz4", "zstd", "ZSTD"):
        sink = quiver.BufferOutputStream()
        with new(sink, table.schema, compression=compression) as writer:
            writer.write(table)
        written[compression] = bytes(sink.getvalue())
        assert reopen(written[compression]).read_all().equals(table)
    lz4_frame, zstd_frame = bytes([0x04, 0x22, 0x4D, 0x18]), bytes([0x28, 0xB5, 0x2F, 0xFD])
    assert len(written[None]) > 800_000
    assert len(written["lz4"]) < 10_000 and lz4_frame in written["lz4"]
    assert len(written["zstd"]) < 10_000 and zstd_frame in written["zstd"]
    assert written["ZSTD"] == written["zstd"]
    assert lz4_frame not in written[None] and zstd_frame not in written[None]


@pytest.mark.parametrize("name", sorted(TYPES))
def test_pyarrow_written_files_read_through_quiver(name):
    table = typed_table(name)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    reader = quiver.ipc.open_file(sink.getvalue())
    assert reader.num_record_batches == 2
    assert pa.record_batch(reader.get_batch(1)).equals(table.to_batches()[1])
    assert pa.table(reader).equals(table, check_metadata=True)
    assert reader.read_all().to_pyarrow().equals(table)
    RAN["read"] += 1


def big_file(path):
    """A pyarrow-written file of 1,000,000 rows in 10 batches; its table."""
    table = pa.table({"i": pa.array(np.arange(1_000_000, dtype=np.int32)),
                      "s": pa.array([str(i) for i in range(100_000)] * 10)})
    with pa.ipc.new_file(path, table.schema) as writer:
        for batch in table.to_batches(max_chunksize=100_000):
            writer.write_batch(batch)
    return table


def buffer_addresses(table):
    return [b.address for column in table.columns for chunk in column.chunks
            for b in chunk.buffers() if b is not None and b.size > 0]


def test_memory_mapped_columns_point_into_the_map_and_allocate_nothing(tmp_path):
    path = tmp_path / "big.arrow"
    expected = big_file(path)
    before = quiver.total_allocated_bytes()
    with quiver.memory_map(path) as mm:
        reader = quiver.ipc.open_file(mm)
        table = pa.table(reader)
        start, end = mm.address, mm.address + mm.size()
    assert quiver.total_allocated_bytes() == before
    assert table.equals(expected)
    addresses = buffer_addresses(table)
    assert len(addresses) == 30  # 10 batches x (int32 values, string offsets, string data)
    assert all(start <= a < end for a in addresses)


def test_a_path_is_read_into_quiver_memory_and_freed_with_the_last_user(tmp_path):
    path = tmp_path / "big.arrow"
    expected = big_file(path)
    before = quiver.total_allocated_bytes()
    table = quiver.ipc.open_file(path).read_all()
    assert table.num_rows == 1_000_000
    assert quiver.total_allocated_bytes() - before > 4_000_000 + 588_890
    exported = pa.table(table)
    del table
    gc.collect()
    assert quiver.total_allocated_bytes() - before > 4_000_000  # pyarrow still holds it
    assert exported.equals(expected)
    del exported
    gc.collect()
    assert quiver.total_allocated_bytes() == before


def test_capsules_never_consumed_release_what_they_hold(tmp_path):
    path = tmp_path / "big.arrow"
    big_file(path)
    before = quiver.total_allocated_bytes()
    reader = quiver.ipc.open_file(path)
    batch = reader.get_batch(0)
    held = [reader.__arrow_c_stream__(), batch.__arrow_c_array__(), batch.__arrow_c_stream__(),
            batch.schema.__arrow_c_schema__()]
    assert quiver.total_allocated_bytes() > before
    del reader, batch, held
    gc.collect()
    assert quiver.total_allocated_bytes() == before


def test_buffer_protocol_sources_are_read_zero_copy():
    table = pa.table({"x": pa.array(np.arange(4096, dtype=np.int64))})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    data = np.frombuffer(sink.getvalue(), dtype=np.uint8).copy()
    start = data.ctypes.data
    for source in (data, memoryview(data), pa.py_buffer(data)):
        got = pa.table(quiver.ipc.open_stream(source))
        assert got.equals(table)
        [values] = buffer_addresses(got)
        assert start <= values < start + data.nbytes
    # The columns keep the source's memory alive after the source is dropped.
    got = pa.table(quiver.ipc.open_stream(bytes(data)))
    gc.collect()
    assert got.column("x").to_pylist()[-1] == 4095


def test_stream_reader_iterates_and_reads_the_rest(tmp_path):
    table = typed_table("int32")
    path = tmp_path / "s.arrows"
    with quiver.ipc.new_stream(str(path), table.schema) as writer:
        writer.write_table(table)
        writer.write_batch(table.to_batches()[0])
    assert writer.closed
    with quiver.ipc.open_stream(path) as reader:
        assert reader.schema.names == ["int32"]
        first = reader.read_next_batch()
        assert (first.num_rows, first.num_columns, first.column_names) == (3, 1, ["int32"])
        rest = reader.read_all()
        assert (rest.num_rows, len(rest)) == (5, 5)
        assert list(reader) == []
    batches = list(quiver.ipc.open_stream(path.read_bytes()))
    assert [len(b) for b in batches] == [3, 2, 3]
    assert batches[0] == batches[2] and batches[0] != batches[1]
    assert batches[0].equals(table.to_batches()[0])


def test_polars_reads_quiver_readers_and_quiver_writes_polars_frames(tmp_path):
    path = tmp_path / "big.arrow"
    expected = pl.from_arrow(big_file(path))
    assert pl.DataFrame(quiver.ipc.open_file(path)).equals(expected)
    with quiver.memory_map(path) as mm:
        # polars takes any PyCapsule stream as a struct Series.
        assert pl.from_arrow(quiver.ipc.open_file(mm)).struct.unnest().equals(expected)
    frame = pl.DataFrame({"a": [1, 2, None], "s": ["x", None, "z"]})
    sink = quiver.BufferOutputStream()
    with quiver.ipc.new_file(sink, quiver.table(frame).schema) as writer:
        writer.write(frame)
    assert pl.DataFrame(quiver.ipc.open_file(sink.getvalue())).equals(frame)


def test_quiver_objects_import_from_and_export_to_pyarrow():
    table = typed_table("string")
    q = quiver.table(table)
    assert (q.num_rows, q.num_columns, q.column_names, len(q)) == (5, 1, ["string"], 5)
    assert q.equals(table) and q == quiver.table(table) and q.to_pyarrow().equals(table)
    assert q.schema == quiver.schema(table.schema)
    assert q.schema.equals(table.schema, check_metadata=True)
    assert not q.schema.equals(pa.schema([("string", pa.int8())]))
    batch = quiver.record_batch(table.to_batches()[0])
    assert batch.to_pyarrow().equals(table.to_batches()[0])
    array = quiver.array(pa.array([1, None, 3]))
    assert (array.type, len(array), array.null_count) == ("int64", 3, 1)
    assert pa.array(array).equals(pa.array([1, None, 3]))
    assert repr(array) == "<quiver.Array type=int64 length=3 null_count=1>"
    assert repr(q.schema) == "quiver.Schema\nstring: string\n-- schema metadata --\ncase: string"
    assert [b.num_rows for b in q.to_batches()] == [3, 2]


def test_requested_schema_is_accepted_and_must_be_a_schema_capsule():
    table = quiver.table(typed_table("int64"))
    capsule = pa.schema([("int64", pa.int32())]).__arrow_c_schema__()
    # Quiver does not cast: the consumer receives the data's own schema.
    got = pa.RecordBatchReader._import_from_c_capsule(table.__arrow_c_stream__(capsule))
    assert got.schema.field(0).type == pa.int64()
    with pytest.raises(quiver.ArrowTypeError) as raised:
        table.__arrow_c_stream__("int32")
    assert str(raised.value) == "requested_schema must be an `arrow_schema` PyCapsule or None"


def test_a_stream_reader_exports_once():
    sink = quiver.BufferOutputStream()
    table = typed_table("int8")
    with quiver.ipc.new_stream(sink, table.schema) as writer:
        writer.write(table)
    reader = quiver.ipc.open_stream(sink.getvalue())
    assert pa.table(reader).equals(table)
    with pytest.raises(quiver.ArrowInvalid) as raised:
        pa.table(reader)
    assert str(raised.value) == "the stream reader was already exported through __arrow_c_stream__"


CORRUPT = [
    (quiver.ipc.open_file, b"",
     "opening an Arrow IPC file: invalid Arrow IPC data at input: 0 bytes is too small to be "
     "an Arrow file"),
    (quiver.ipc.open_stream, b"",
     "opening an Arrow IPC stream: unexpected end of input at input: the input is empty: no "
     "schema message"),
    (quiver.ipc.open_file, b"garbage-garbage-garbage",
     "opening an Arrow IPC file: invalid Arrow IPC data at input: not an Arrow file: the "
     "ARROW1 magic is missing at the start"),
    (quiver.ipc.open_stream, b"garbage-garbage-garbage",
     "opening an Arrow IPC stream: invalid Arrow IPC data at message 0, byte 0: not an Arrow "
     "IPC stream: its first 4 bytes (67 61 72 62) are neither the continuation marker (ff ff "
     "ff ff) nor a plausible metadata length"),
]


@pytest.mark.parametrize("open_, data, message", CORRUPT)
def test_corrupt_input_is_arrow_invalid(open_, data, message):
    with pytest.raises(quiver.ArrowInvalid) as raised:
        open_(data)
    assert str(raised.value) == message


def test_truncated_and_damaged_files_raise_arrow_exceptions(tmp_path):
    path = tmp_path / "big.arrow"
    big_file(path)
    data = path.read_bytes()
    with pytest.raises(quiver.ArrowInvalid) as raised:
        quiver.ipc.open_file(data[:1000])
    assert str(raised.value) == (
        "opening an Arrow IPC file: unexpected end of input at byte 1000: the file starts with "
        "the ARROW1 magic but does not end with it: it is truncated (cut off, or its writer "
        "never finished it)")
    # Every cut of the stream form raises an ArrowException or ends early; none panics.
    sink = quiver.BufferOutputStream()
    with quiver.ipc.new_stream(sink, pa.schema([("s", pa.string())])) as writer:
        writer.write(pa.table({"s": ["a", None, "ccc"]}))
    stream = bytes(sink.getvalue())
    for cut in range(len(stream)):
        try:
            list(quiver.ipc.open_stream(stream[:cut]))
        except quiver.ArrowException:
            pass
    # A byte flipped in a string's offsets is caught by full validation.
    offsets = stream.index(bytes([1, 0, 0, 0, 1, 0, 0, 0]))
    damaged = stream[:offsets] + bytes([9]) + stream[offsets + 1:]
    with pytest.raises(quiver.ArrowInvalid, match="offset"):
        list(quiver.ipc.open_stream(damaged))


def test_argument_errors_name_what_to_pass(tmp_path):
    with pytest.raises(FileNotFoundError):
        quiver.ipc.open_file(tmp_path / "missing.arrow")
    with pytest.raises(quiver.ArrowTypeError) as raised:
        quiver.ipc.open_stream(12)
    assert str(raised.value) == (
        "a source must be a path (str or os.PathLike), an object with the buffer protocol "
        "(bytes, memoryview, numpy array, pyarrow.Buffer, quiver.Buffer) or "
        "quiver.memory_map(path); got a int")
    schema = pa.schema([("x", pa.int64())])
    with pytest.raises(quiver.ArrowTypeError) as raised:
        quiver.ipc.new_file(12, schema)
    assert str(raised.value) == (
        "a sink must be a path (str or os.PathLike) or a quiver.BufferOutputStream; got a int")
    with pytest.raises(quiver.ArrowInvalid) as raised:
        quiver.ipc.new_stream(quiver.BufferOutputStream(), schema, compression="gzip")
    assert str(raised.value) == 'unknown compression "gzip": use None, "lz4" or "zstd"'
    with pytest.raises(quiver.ArrowTypeError) as raised:
        quiver.ipc.new_stream(quiver.BufferOutputStream(), "x: int64")
    assert str(raised.value) == (
        "expected an object with __arrow_c_schema__ (a pyarrow.Schema, a quiver.Schema, ...), "
        "got a str")
    writer = quiver.ipc.new_stream(quiver.BufferOutputStream(), schema)
    with pytest.raises(quiver.ArrowTypeError) as raised:
        writer.write([1, 2])
    assert str(raised.value) == (
        "write takes an object with __arrow_c_stream__ or __arrow_c_array__ (a pyarrow Table "
        "or RecordBatch, a polars DataFrame, a quiver batch), got a list")
    with pytest.raises(quiver.ArrowInvalid) as raised:
        writer.write(pa.table({"x": pa.array([1], pa.int32())}))
    assert str(raised.value) == (
        "writing batch 0 of the object: the batch does not match the writer's schema: field 0 "
        "is `x: int32` but `x: int64` was expected")
    writer.close()
    writer.close()
    with pytest.raises(quiver.ArrowInvalid) as raised:
        writer.write(pa.table({"x": [1]}))
    assert str(raised.value) == "the writer is closed"


def test_buffer_output_stream_getvalue_keeps_everything_written():
    sink = quiver.BufferOutputStream()
    schema = pa.schema([("x", pa.int64())])
    writer = quiver.ipc.new_stream(sink, schema)
    head = sink.getvalue()
    writer.write(pa.table({"x": [1, 2]}))
    writer.close()
    whole = sink.getvalue()
    assert sink.tell() == len(whole) > len(head) > 0
    assert bytes(whole)[:len(head)] == bytes(head)
    assert sink.getvalue() == whole
    assert pa.ipc.open_stream(whole).read_all().equals(pa.table({"x": [1, 2]}))


def test_legacy_arrays_cross_through_the_c_data_interface():
    array, batch = pa.array([1, None, 3]), pa.record_batch({"x": ["a", None]})
    back = quiver.deserialize(quiver.serialize([array, batch]).to_buffer())
    assert type(back[0]) is pa.Int64Array and back[0].equals(array)
    assert type(back[1]) is pa.RecordBatch and back[1].equals(batch)
    # quiver's own objects serialize as Arrow values too.
    back = quiver.deserialize(quiver.serialize(quiver.array(array)).to_buffer())
    assert back.equals(array)
