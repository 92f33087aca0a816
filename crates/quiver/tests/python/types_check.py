#!/usr/bin/env python3
"""pyarrow side of `crates/quiver/tests/pyarrow_types.rs`.

pyarrow writes every Arrow type it supports, one case per type (a nullable column
`c` with field metadata, schema metadata naming the case, three batches: 24 rows
with nulls, an offset slice of them, an empty slice), as a stream and as a file, each
uncompressed, LZ4 and ZSTD; plus dictionary streams/files with deltas, a stream
with dictionary replacement, and edge cases (nested field metadata, many columns with
duplicate names, no batches, zero columns, views over several data buffers, all-null
columns, per-batch custom metadata). Quiver reads each output, re-writes it uncompressed, and
this script checks that Quiver's output equals pyarrow's original.

Usage:
    types_check.py write <dir>                   writes the cases and <dir>/manifest.json
    types_check.py check <checks.json> <results.json>

`write`'s manifest:
    {"pyarrow": "<version>",
     "cases": [{"name": ..., "outputs": [{"path", "format", "codec"}],
                "emit_dictionary_deltas": bool}],
     "skipped": [{"name": ..., "reason": ...}]}
A type pyarrow lacks (AttributeError and the like) is skipped with the reason.

`check`'s input: {"checks": [{"label", "path", "format", "reference",
"reference_format", "min_deltas", "min_replacements"}]}; `path` (Quiver's output)
must read with pyarrow equal to `reference` (pyarrow's output): schema and field
metadata, batch boundaries, per-batch custom metadata, every column, `Table.equals`; and a stream of Quiver's
must carry at least `min_deltas` delta dictionary batches and `min_replacements`
replaced dictionaries (pyarrow's read statistics). Results:
{"<label>": ["problem", ...]} (empty list when equal). Exit 0 when the results were
written, 2 on bad usage.
"""

import decimal
import json
import os
import sys
import traceback
import uuid

import numpy as np
import pyarrow as pa
import pyarrow.ipc

from golden_check import diff_tables, read_batch_metadata, read_ipc

N = 24  # rows of the full batch


def null(i):
    """The null pattern of every generated column."""
    return i % 5 == 3 or i == N - 1


def mask(n):
    return np.array([null(i) for i in range(n)], dtype=bool)


def py(n, f):
    """[f(i) or None where null(i)] for i < n."""
    return [None if null(i) else f(i) for i in range(n)]


def extremes(lo, hi, f):
    def value(i):
        return lo if i % 7 == 0 else hi if i % 7 == 6 else f(i)

    return value


# ---------------------------------------------------------------------------------
# Extension types
# ---------------------------------------------------------------------------------


class PointType(pa.ExtensionType):
    """A custom extension type over struct<x: float64, y: float64>."""

    def __init__(self):
        storage = pa.struct([("x", pa.float64()), ("y", pa.float64())])
        super().__init__(storage, "quiver.test.point")

    def __arrow_ext_serialize__(self):
        return b'{"crs": "none"}'

    @classmethod
    def __arrow_ext_deserialize__(cls, storage_type, serialized):
        return PointType()


class LabelType(pa.ExtensionType):
    """A custom extension type over a dictionary (the storage itself is dictionary-encoded)."""

    def __init__(self):
        super().__init__(pa.dictionary(pa.int16(), pa.string()), "quiver.test.label")

    def __arrow_ext_serialize__(self):
        return b""

    @classmethod
    def __arrow_ext_deserialize__(cls, storage_type, serialized):
        return LabelType()


for _ext in (PointType(), LabelType()):
    try:
        pa.register_extension_type(_ext)
    except pa.ArrowKeyError:  # already registered (module imported twice)
        pass

# ---------------------------------------------------------------------------------
# Columns of every type: name -> function(n) returning a pa.Array of n rows
# ---------------------------------------------------------------------------------

STRS = ["", "a", "héllo", "日本語", "tab\tnew\nline", "emoji 🦀", "a string longer than twelve bytes", "quiver"]


def plain(typ, f):
    return lambda n: pa.array(py(n, f), type=typ())


def ints(typ, bits, signed):
    lo, hi = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    span = hi - lo + 1
    return plain(typ, extremes(lo, hi, lambda i: lo + (i * 2654435761) % span))


def float16(n):
    vals = np.array([0.0 if null(i) else (i - 7) * 0.75 for i in range(n)], dtype=np.float16)
    vals[0] = np.float16("inf")
    return pa.array(vals, type=pa.float16(), mask=mask(n))


def floats(typ):
    return plain(typ, extremes(float("-inf"), float("inf"), lambda i: (i - 9) * 1.25e-3 if i % 4 else -0.0))


def decimals(typ, precision, scale):
    top = 10**precision - 1

    def value(i):
        unscaled = extremes(-top, top, lambda i: (i * 987654321987654321987) % top - top // 2)(i)
        return decimal.Decimal(unscaled).scaleb(-scale, context=decimal.Context(prec=100))

    return lambda n: pa.array(py(n, value), type=typ()(precision, scale))


def cast_int(typ, storage, f):
    """A temporal column built from integers (no pandas / datetime conversions needed)."""
    return lambda n: pa.array(py(n, f), type=storage).cast(typ())


def month_day_nano(n):
    return pa.array(
        py(n, lambda i: pa.MonthDayNano([i - 12, (i * 17) % 60 - 30, i * 1_000_000_007 - 9_000_000_000])),
        type=pa.month_day_nano_interval(),
    )


def binaries(typ):
    return plain(typ, lambda i: bytes((i * 31 + j * 7) % 256 for j in range(i % 6 * 3)))


def strings(typ):
    return plain(typ, lambda i: STRS[i % len(STRS)] * (1 + i % 3))


def list_of(typ, inner, f):
    return lambda n: pa.array(py(n, f), type=typ()(inner))


def list_view(typ, values_type):
    def make(n):
        values = pa.array([STRS[j % len(STRS)] for j in range(40)] if values_type == pa.string else range(40))
        values = values.cast(values_type())
        # Out-of-order, overlapping views; null rows still get an in-bounds view.
        offsets = [(i * 7) % 30 for i in range(n)]
        sizes = [i % 5 for i in range(n)]
        return typ().from_arrays(
            pa.array(offsets, pa.int32() if typ is pa.ListViewArray else pa.int64()),
            pa.array(sizes, pa.int32() if typ is pa.ListViewArray else pa.int64()),
            values,
            mask=pa.array(mask(n)),
        )

    return make


def struct(n):
    a = pa.array(py(n, lambda i: i * 3 - 20), pa.int32())
    b = pa.array([None if i % 3 == 0 else STRS[i % len(STRS)] for i in range(n)], pa.string())
    c = pa.array([[j % 2 == 0 for j in range(i % 3)] for i in range(n)], pa.list_(pa.bool_()))
    return pa.StructArray.from_arrays(
        [a, b, c],
        fields=[pa.field("a", pa.int32()), pa.field("b", pa.string()), pa.field("c", pa.list_(pa.bool_()), nullable=False)],
        mask=pa.array([i % 6 == 1 for i in range(n)]),
    )


def map_sorted(n):
    return pa.array(
        py(n, lambda i: [(f"k{j}", None if (i + j) % 4 == 0 else i * 10 + j) for j in range(i % 4)]),
        type=pa.map_(pa.string(), pa.int32(), keys_sorted=True),
    )


def map_nested(n):
    return pa.array(
        py(n, lambda i: [(i * 3 + j, [STRS[(i + j + k) % len(STRS)] for k in range(j)]) for j in range(i % 3)]),
        type=pa.map_(pa.int64(), pa.list_(pa.string())),
    )


UNION_CODES = [5, 1, 9]


def union_children(n):
    return [
        pa.array(py(n, lambda i: i * 1000 - 7), pa.int32()),
        pa.array([None if i % 4 == 1 else STRS[i % len(STRS)] for i in range(n)], pa.string()),
        pa.array([i % 3 == 0 for i in range(n)], pa.bool_()),
    ]


def sparse_union(n):
    types = pa.array([UNION_CODES[(i * 5) % 3] for i in range(n)], pa.int8())
    return pa.UnionArray.from_sparse(types, union_children(n), ["i", "s", "b"], UNION_CODES)


def dense_union(n):
    kinds = [(i * 5) % 3 for i in range(n)]
    counts = [0, 0, 0]
    offsets = []
    for k in kinds:
        offsets.append(counts[k])
        counts[k] += 1
    children = [c.slice(0, counts[k]) for k, c in enumerate(union_children(n))]
    return pa.UnionArray.from_dense(
        pa.array([UNION_CODES[k] for k in kinds], pa.int8()),
        pa.array(offsets, pa.int32()),
        children,
        ["i", "s", "b"],
        UNION_CODES,
    )


def dictionary(index, values=None, ordered=False):
    def make(n):
        dict_values = values or pa.array(["zero", "one", "", "three", "four 🦀", "five"])
        size = len(dict_values)
        indices = pa.array(py(n, lambda i: (i * 7) % size), type=index())
        return pa.DictionaryArray.from_arrays(indices, dict_values, ordered=ordered)

    return make


def dict_in_list(n):
    d = dictionary(pa.int32)(n * 2)
    offsets = [min(2 * n, (i * 3) // 2) for i in range(n + 1)]
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), d, mask=pa.array(mask(n)))


def dict_in_struct(n):
    d = dictionary(pa.int8, ordered=True)(n)
    x = pa.array(py(n, lambda i: i * 0.5), pa.float64())
    return pa.StructArray.from_arrays([d, x], names=["label", "x"], mask=pa.array([i % 6 == 1 for i in range(n)]))


def run_end_encoded(run_type, values_type):
    def make(n):
        ends, end, i = [], 0, 0
        while end < n:
            end = min(n, end + 1 + i % 4)
            ends.append(end)
            i += 1
        if values_type == "string":
            vals = pa.array([None if k % 5 == 2 else STRS[k % len(STRS)] for k in range(len(ends))], pa.string())
        else:
            vals = pa.array([None if k % 5 == 2 else k * 1.5 for k in range(len(ends))], pa.float64())
        return pa.RunEndEncodedArray.from_arrays(pa.array(ends, type=run_type()), vals)

    return make


def ext(typ_factory, storage):
    return lambda n: pa.ExtensionArray.from_storage(typ_factory(), storage(n))


def uuid_storage(n):
    return pa.array(py(n, lambda i: uuid.UUID(int=(i * 0x9E3779B97F4A7C15F39CC0605CEDC835) % 2**128).bytes), pa.binary(16))


def point_storage(n):
    x = pa.array([i * 0.5 for i in range(n)], pa.float64())
    y = pa.array([None if i % 4 == 2 else -i * 1.5 for i in range(n)], pa.float64())
    return pa.StructArray.from_arrays([x, y], names=["x", "y"], mask=pa.array(mask(n)))


def label_storage(n):
    return dictionary(pa.int16)(n)


def tensor_storage(n):
    return pa.array(py(n, lambda i: [i, -i, i * i, 7]), pa.list_(pa.int32(), 4))


# (name, column factory); a factory may raise AttributeError when pyarrow lacks the type.
TYPES = [
    ("null", lambda n: pa.nulls(n)),
    ("bool", plain(pa.bool_, lambda i: (i * 7) % 5 < 2)),
    ("int8", ints(pa.int8, 8, True)),
    ("int16", ints(pa.int16, 16, True)),
    ("int32", ints(pa.int32, 32, True)),
    ("int64", ints(pa.int64, 64, True)),
    ("uint8", ints(pa.uint8, 8, False)),
    ("uint16", ints(pa.uint16, 16, False)),
    ("uint32", ints(pa.uint32, 32, False)),
    ("uint64", ints(pa.uint64, 64, False)),
    ("float16", float16),
    ("float32", floats(pa.float32)),
    ("float64", floats(pa.float64)),
    ("decimal32", decimals(lambda: pa.decimal32, 7, 2)),
    ("decimal64", decimals(lambda: pa.decimal64, 15, 3)),
    ("decimal128", decimals(lambda: pa.decimal128, 38, 10)),
    ("decimal128_small", decimals(lambda: pa.decimal128, 5, 0)),
    ("decimal256", decimals(lambda: pa.decimal256, 76, 20)),
    ("date32", cast_int(pa.date32, pa.int32(), lambda i: i * 1000 - 12000)),
    ("date64", cast_int(pa.date64, pa.int64(), lambda i: (i * 37 - 400) * 86_400_000)),
    ("time32_s", cast_int(lambda: pa.time32("s"), pa.int32(), lambda i: (i * 3607) % 86400)),
    ("time32_ms", cast_int(lambda: pa.time32("ms"), pa.int32(), lambda i: (i * 3_607_001) % 86_400_000)),
    ("time64_us", cast_int(lambda: pa.time64("us"), pa.int64(), lambda i: (i * 3_600_000_123) % 86_400_000_000)),
    ("time64_ns", cast_int(lambda: pa.time64("ns"), pa.int64(), lambda i: (i * 3_600_000_123_457) % 86_400_000_000_000)),
]
for _unit, _scale in (("s", 1), ("ms", 10**3), ("us", 10**6), ("ns", 10**9)):
    for _tz in (None, {"s": "UTC", "ms": "America/New_York", "us": "+05:30", "ns": "Europe/Paris"}[_unit]):
        TYPES.append(
            (
                f"timestamp_{_unit}" + ("_" + _tz.replace("/", "_").replace("+", "plus").replace(":", "") if _tz else ""),
                cast_int(
                    lambda u=_unit, tz=_tz: pa.timestamp(u, tz=tz),
                    pa.int64(),
                    lambda i, s=_scale: (1_600_000_000 + i * 86_399 - 500_000) * s + i,
                ),
            )
        )
for _unit in ("s", "ms", "us", "ns"):
    TYPES.append((f"duration_{_unit}", cast_int(lambda u=_unit: pa.duration(u), pa.int64(), lambda i: i * 1_000_000_007 - 9_000_000_000)))
TYPES += [
    ("interval_month_day_nano", month_day_nano),
    ("binary", binaries(pa.binary)),
    ("large_binary", binaries(pa.large_binary)),
    ("fixed_size_binary", plain(lambda: pa.binary(5), lambda i: bytes((i * 3 + j) % 256 for j in range(5)))),
    ("binary_view", binaries(lambda: pa.binary_view())),
    ("string", strings(pa.string)),
    ("large_string", strings(pa.large_string)),
    ("string_view", strings(lambda: pa.string_view())),
    ("list", list_of(lambda: pa.list_, pa.int32(), lambda i: [None if (i + j) % 5 == 0 else i * j for j in range(i % 4)])),
    ("large_list", list_of(lambda: pa.large_list, pa.string(), lambda i: [STRS[(i + j) % len(STRS)] for j in range(i % 3)])),
    (
        "fixed_size_list",
        lambda n: pa.array(py(n, lambda i: [i, None if i % 2 else -i, 3]), type=pa.list_(pa.int16(), 3)),
    ),
    ("list_of_list", list_of(lambda: pa.list_, pa.list_(pa.int64()), lambda i: [[j] * j for j in range(i % 4)])),
    ("list_view", list_view(lambda: pa.ListViewArray, pa.int32)),
    ("large_list_view", list_view(lambda: pa.LargeListViewArray, pa.string)),
    ("struct", struct),
    ("map_keys_sorted", map_sorted),
    ("map_of_list", map_nested),
    ("sparse_union", sparse_union),
    ("dense_union", dense_union),
]
for _index in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"):
    TYPES.append((f"dictionary_{_index}", dictionary(getattr(pa, _index), ordered=_index in ("int16", "uint32"))))
TYPES += [
    ("dictionary_int32_of_int64", dictionary(pa.int32, pa.array([10, -20, 30, 2**40, -(2**62)], pa.int64()))),
    ("dictionary_int8_of_large_string", dictionary(pa.int8, pa.array(STRS, pa.large_string()))),
    ("dictionary_in_list", dict_in_list),
    ("dictionary_in_struct", dict_in_struct),
    ("run_end_encoded_int16_string", run_end_encoded(pa.int16, "string")),
    ("run_end_encoded_int32_float64", run_end_encoded(pa.int32, "float64")),
    ("run_end_encoded_int64_string", run_end_encoded(pa.int64, "string")),
    ("extension_uuid", ext(lambda: pa.uuid(), uuid_storage)),
    ("extension_json", ext(lambda: pa.json_(), strings(pa.string))),
    ("extension_bool8", ext(lambda: pa.bool8(), plain(pa.int8, lambda i: i % 3 - 1))),
    ("extension_fixed_shape_tensor", ext(lambda: pa.fixed_shape_tensor(pa.int32(), [2, 2]), tensor_storage)),
    ("extension_opaque", ext(lambda: pa.opaque(pa.binary(), "geometry", "quiver.vendor"), binaries(pa.binary))),
    ("extension_custom_point", ext(PointType, point_storage)),
    ("extension_custom_dictionary", ext(LabelType, label_storage)),
]

SLICE = (5, 11)  # offset and length of the sliced batch


def type_case(name, make):
    def build():
        column = make(N)
        field = pa.field("c", column.type, nullable=True, metadata={"quiver": "field metadata", "type": name})
        schema = pa.schema([field], metadata={"case": name, "writer": "pyarrow"})
        full = pa.record_batch([column], schema=schema)
        return schema, [full, full.slice(*SLICE), full.slice(0, 0)]

    return build


# ---------------------------------------------------------------------------------
# Dictionary deltas and replacement
# ---------------------------------------------------------------------------------


def dict_batches(schema, steps):
    """One batch per (indices, dictionary values) step."""
    batches = []
    for indices, values in steps:
        arr = pa.DictionaryArray.from_arrays(pa.array(indices, pa.int32()), pa.array(values, schema.field(0).type.value_type))
        batches.append(pa.record_batch([arr], schema=schema))
    return batches


def case_dict_deltas():
    schema = pa.schema([pa.field("d", pa.dictionary(pa.int32(), pa.string()))], metadata={"case": "dictionary_deltas"})
    return schema, dict_batches(
        schema,
        [
            ([0, 1, None, 0], ["a", "b"]),
            ([2, 1, 0], ["a", "b", "c"]),
            ([], ["a", "b", "c"]),
            ([3, None, 4, 0], ["a", "b", "c", "dé", "e 🦀"]),
        ],
    )


def case_nested_dict_deltas():
    typ = pa.dictionary(pa.int16(), pa.string())
    schema = pa.schema([pa.field("l", pa.list_(typ))], metadata={"case": "nested_dictionary_deltas"})
    batches = []
    for offsets, indices, values in (
        ([0, 2, 2, 3], [0, 1, 0], ["x", "y"]),
        ([0, 1, 4], [2, 0, 1, 2], ["x", "y", "z"]),
        ([0, 0, 2], [3, 3], ["x", "y", "z", "w"]),
    ):
        d = pa.DictionaryArray.from_arrays(pa.array(indices, pa.int16()), pa.array(values))
        lst = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), d)
        batches.append(pa.record_batch([lst], schema=schema))
    return schema, batches


def case_dict_replacement():
    schema = pa.schema([pa.field("d", pa.dictionary(pa.int32(), pa.string()))], metadata={"case": "dictionary_replacement"})
    return schema, dict_batches(
        schema,
        [
            ([0, 1, None, 0], ["a", "b"]),
            ([2, 1, 0], ["x", "y", "z"]),
            ([0, 0], ["only"]),
        ],
    )


# ---------------------------------------------------------------------------------
# Edge cases of layout and schema
# ---------------------------------------------------------------------------------


def three_batches(name, columns, fields=None, metadata=None):
    """The usual three batches (full, offset slice, empty) of `columns`."""
    schema = pa.schema(fields or [pa.field(f"c{k}", c.type) for k, c in enumerate(columns)], metadata=metadata or {"case": name})
    full = pa.record_batch(columns, schema=schema)
    return schema, [full, full.slice(*SLICE), full.slice(0, 0)]


def case_nested_field_metadata():
    item = pa.field("element", pa.int64(), nullable=False, metadata={"level": "list item"})
    child = pa.field("inner", pa.list_(item), metadata={"level": "struct child"})
    typ = pa.struct([child, pa.field("n", pa.null())])
    col = pa.array(py(N, lambda i: {"inner": list(range(i % 3)), "n": None}), type=typ)
    # (pyarrow itself does not keep non-canonical map field names through IPC.)
    m = pa.array(py(N, lambda i: [(f"k{j}", j) for j in range(i % 3)]), type=pa.map_(pa.string(), pa.int32()))
    fields = [
        pa.field("s", typ, metadata={"level": "top"}),
        pa.field("m", m.type, nullable=False, metadata={"k": "non-nullable map"}),
    ]
    m = pa.array([[] if v is None else v for v in m.to_pylist()], type=m.type)
    return three_batches("nested_field_metadata", [col, m], fields)


def case_many_columns():
    """Every flat type side by side, plus duplicate names and a non-nullable column."""
    cols, fields = [], []
    for k, (name, make) in enumerate(TYPES[:40]):
        col = make(N)
        cols.append(col)
        fields.append(pa.field("dup" if k % 10 == 0 else name, col.type))
    cols.append(pa.array(range(N), pa.int32()))
    fields.append(pa.field("required", pa.int32(), nullable=False))
    return three_batches("many_columns", cols, fields)


def case_no_batches():
    schema = pa.schema([pa.field("d", pa.dictionary(pa.int8(), pa.string())), pa.field("l", pa.list_(pa.utf8()))])
    return schema, []


def case_zero_columns():
    schema = pa.schema([], metadata={"case": "zero columns, some rows"})
    full = pa.record_batch({"x": list(range(N))}).select([])
    full = pa.RecordBatch.from_arrays([], schema=schema) if full.num_rows != N else full.replace_schema_metadata(schema.metadata)
    return schema, [full, full.slice(*SLICE), full.slice(0, 0)]


def case_view_buffers():
    """Views over several variadic data buffers, inline and out-of-line values."""
    parts = [
        pa.array(py(N // 2, lambda i: STRS[i % len(STRS)] * (1 + i % 4)), t)
        for t in (pa.string_view(), pa.string_view(), pa.string_view())
    ]
    sv = pa.concat_arrays(parts)[: N]
    bparts = [pa.array([("b" * (i * 3)).encode() for i in range(N // 2)], pa.binary_view()) for _ in range(3)]
    bv = pa.concat_arrays(bparts)[: N]
    if len(sv.buffers()) < 4:
        raise NotImplementedError("concat_arrays did not give several data buffers")
    return three_batches("view_buffers", [sv, bv])


def case_nulls_everywhere():
    """All-null columns of many layouts, and dictionaries whose values hold nulls."""
    cols = [pa.nulls(N, t) for t in (pa.int64(), pa.string(), pa.list_(pa.int8()), pa.struct([("a", pa.bool_())]), pa.binary_view(), pa.decimal128(10, 2))]
    cols.append(pa.DictionaryArray.from_arrays(pa.array(py(N, lambda i: i % 3), pa.int32()), pa.array(["a", None, "c"])))
    cols.append(pa.array(py(N, lambda i: [None] * (i % 3)), pa.list_(pa.null())))
    cols.append(pa.array(py(N, lambda i: [i, None]), pa.list_(pa.timestamp("us", tz="Asia/Tokyo"))))
    return three_batches("nulls_everywhere", cols)


def case_batch_metadata():
    schema = pa.schema([pa.field("x", pa.int32())], metadata={"case": "batch_metadata"})
    return schema, [pa.record_batch([pa.array(range(k * 3), pa.int32())], schema=schema) for k in range(4)]


# Per-batch custom metadata written with the batches of a case (None: none).
BATCH_METADATA = {
    "batch_metadata": [{"batch": "0", "ключ": "значение"}, None, {"batch": "2", "empty": ""}, {"b": "3"}],
}


# name -> (build, formats, emit_dictionary_deltas, minimum deltas, minimum replacements)
SPECIAL = {
    "nested_field_metadata": (case_nested_field_metadata, ("stream", "file"), False, 0, 0),
    "many_columns": (case_many_columns, ("stream", "file"), False, 0, 0),
    "no_batches": (case_no_batches, ("stream", "file"), False, 0, 0),
    "zero_columns": (case_zero_columns, ("stream", "file"), False, 0, 0),
    "view_buffers": (case_view_buffers, ("stream", "file"), False, 0, 0),
    "nulls_everywhere": (case_nulls_everywhere, ("stream", "file"), False, 0, 0),
    "batch_metadata": (case_batch_metadata, ("stream", "file"), False, 0, 0),
    "dictionary_deltas": (case_dict_deltas, ("stream", "file"), True, 2, 0),
    "nested_dictionary_deltas": (case_nested_dict_deltas, ("stream", "file"), True, 2, 0),
    "dictionary_replacement": (case_dict_replacement, ("stream",), False, 0, 2),
}

CODECS = ("none", "lz4", "zstd")

# ---------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------


def write_one(path, fmt, schema, batches, codec, deltas, batch_metadata=None):
    options = pa.ipc.IpcWriteOptions(compression=None if codec == "none" else codec, emit_dictionary_deltas=deltas)
    with pa.OSFile(path, "wb") as sink:
        new = pa.ipc.new_stream if fmt == "stream" else pa.ipc.new_file
        with new(sink, schema, options=options) as writer:
            for k, b in enumerate(batches):
                md = batch_metadata[k] if batch_metadata else None
                writer.write_batch(b, custom_metadata=md)


def same_values(schema, batches, got_schema, got):
    return got_schema.equals(schema, check_metadata=True) and [b.to_pylist() for b in batches] == [
        b.to_pylist() for b in got
    ]


def read_stats(path, fmt):
    source = pa.memory_map(path, "r")
    if fmt == "stream":
        reader = pa.ipc.open_stream(source)
        for _ in reader:
            pass
    else:
        reader = pa.ipc.open_file(source)
        for i in range(reader.num_record_batches):
            reader.get_batch(i)
    return reader.stats


def write(directory):
    os.makedirs(directory, exist_ok=True)
    cases, skipped = [], []
    plan = [(name, type_case(name, make), ("stream", "file"), False, 0, 0) for name, make in TYPES]
    plan += [(name, *spec) for name, spec in SPECIAL.items()]
    for name, build, formats, deltas, min_deltas, min_repl in plan:
        try:
            schema, batches = build()
        except (AttributeError, NotImplementedError, pa.ArrowNotImplementedError, TypeError) as err:
            skipped.append({"name": name, "reason": f"pyarrow {pa.__version__} cannot build it: {type(err).__name__}: {err}"})
            continue
        outputs = []
        for fmt in formats:
            for codec in CODECS:
                path = os.path.join(directory, f"{name}.{codec}.{fmt}")
                write_one(path, fmt, schema, batches, codec, deltas, BATCH_METADATA.get(name))
                # The written data must be what was meant: pyarrow reads it back equal.
                got_schema, got = read_ipc(path, fmt)
                problems = diff_tables(schema, batches, got_schema, got)
                if problems and fmt == "file" and deltas:
                    # A file's dictionaries (deltas included) are all read before its
                    # batches, so every batch sees the final dictionary: compare values.
                    problems = [] if same_values(schema, batches, got_schema, got) else problems
                stats = read_stats(path, fmt)
                if stats.num_dictionary_deltas < min_deltas or stats.num_replaced_dictionaries < min_repl:
                    problems.append(f"pyarrow wrote {stats}, wanted >= {min_deltas} deltas, >= {min_repl} replacements")
                if name in BATCH_METADATA and not any(read_batch_metadata(path, fmt)):
                    problems.append("pyarrow wrote no batch metadata")
                if problems:
                    raise SystemExit(f"types_check.py: pyarrow's own {path} does not read back equal:\n" + "\n".join(problems))
                outputs.append({"path": path, "format": fmt, "codec": codec})
        cases.append(
            {
                "name": name,
                "outputs": outputs,
                "emit_dictionary_deltas": deltas,
                "min_deltas": min_deltas,
                "min_replacements": min_repl,
            }
        )
    manifest = {"pyarrow": pa.__version__, "cases": cases, "skipped": skipped}
    with open(os.path.join(directory, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
    print(f"types_check.py: pyarrow {pa.__version__} wrote {len(cases)} cases, skipped {len(skipped)}")
    return 0


def check_one(item):
    try:
        exp_schema, expected = read_ipc(item["reference"], item["reference_format"])
    except Exception as err:  # noqa: BLE001
        return [f"pyarrow could not read its own {item['reference']}: {type(err).__name__}: {err}"]
    try:
        act_schema, actual = read_ipc(item["path"], item["format"])
    except Exception as err:  # noqa: BLE001
        return [f"pyarrow could not read Quiver's output: {type(err).__name__}: {err}"]
    problems = diff_tables(exp_schema, expected, act_schema, actual)
    expected_md = read_batch_metadata(item["reference"], item["reference_format"])
    actual_md = read_batch_metadata(item["path"], item["format"])
    if expected_md != actual_md:
        problems.append(f"batch custom metadata differs: expected {expected_md}, actual {actual_md}")
    stats = read_stats(item["path"], item["format"])
    if stats.num_dictionary_deltas < item.get("min_deltas", 0):
        problems.append(f"Quiver's output has {stats.num_dictionary_deltas} dictionary deltas, expected >= {item['min_deltas']} ({stats})")
    if stats.num_replaced_dictionaries < item.get("min_replacements", 0):
        problems.append(
            f"Quiver's output has {stats.num_replaced_dictionaries} replaced dictionaries, expected >= {item['min_replacements']} ({stats})"
        )
    return problems


def check(checks_path, results_path, script="types_check.py"):
    """Runs `check_one` on every item of the manifest; also used by dictionaries_check.py."""
    with open(checks_path, encoding="utf-8") as f:
        checks = json.load(f)["checks"]
    results = {}
    for item in checks:
        try:
            results[item["label"]] = check_one(item)
        except Exception:  # noqa: BLE001 - never lose the other checks
            results[item["label"]] = [f"{script} raised:\n" + traceback.format_exc()]
    with open(results_path, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)
    failed = sum(1 for p in results.values() if p)
    print(f"{script}: {len(results)} Quiver outputs checked, {failed} differ")
    return 0


def main(argv):
    if len(argv) == 2 and argv[0] == "write":
        return write(argv[1])
    if len(argv) == 3 and argv[0] == "check":
        return check(argv[1], argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
