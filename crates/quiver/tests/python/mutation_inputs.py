#!/usr/bin/env python3
"""pyarrow side of `crates/quiver/tests/pyarrow_mutation.rs`, part 1: the inputs.

Writes small pyarrow IPC streams and files of every type into a directory, for the
Rust test to corrupt. Each case is one nullable column (or a few) with two batches (10
rows with nulls, and an offset slice of them): every primitive, decimal and temporal
type, every binary and string layout including views over several data buffers, every
list layout including list views, structs, maps, unions, run-end encoded arrays,
nested combinations of them, canonical extension types (arrow.uuid, arrow.json,
arrow.bool8, arrow.fixed_shape_tensor, arrow.variable_shape_tensor, arrow.opaque) and
unknown ones, dictionaries (with deltas in streams and files, and replacement in
streams) over many value types.
Every case is written as a stream and as a file; a selection also LZ4- and
ZSTD-compressed.

For each output the manifest gives the role of every body buffer, in the order the IPC
format lays them out, so the test can aim at the bytes full validation must check:

    {"pyarrow": "<version>",
     "inputs": [{"name", "path", "format": "stream" | "file", "codec",
                 "replacement": bool (dictionaries are replaced: no file can hold it),
                 "batch": [[role, label, node], ...],
                 "dicts": {"<id>": [[role, label, node], ...]}}],
     "skipped": [{"name", "reason"}]}

`node` is the index of the buffer's field node in the message. Roles: `validity`,
`bits`, `values:<kind>` (kind: int8 .. uint64, float, decimal32 .. decimal256, fixed
for other fixed-width values), `offsets32`/`offsets64` (with `data:utf8` or
`data:binary` after them for strings and binaries), `views:utf8`/`views:binary`
(followed by the message's variadic data buffers, which the test adds itself),
`lvoffsets32`/`lvsizes32` (and 64), `type_ids`, `union_offsets`, `run_ends:<int>`,
`indices:<int>`.

Usage: mutation_inputs.py <dir>     (writes <dir>/manifest.json; exit 2 on bad usage)
"""

import decimal
import json
import os
import sys
import uuid

import pyarrow as pa
import pyarrow.ipc
import pyarrow.types as pt

N = 10
SLICE = (2, 6)
WORDS = ["", "a", "héllo", "日本語", "emoji 🦀", "twelve bytes", "a value longer than twelve bytes", "x" * 13]


def nullable(n, f, every=4):
    return [None if i % every == 3 else f(i) for i in range(n)]


# ---------------------------------------------------------------------------------
# Columns
# ---------------------------------------------------------------------------------


def prim(typ, f):
    return lambda n: pa.array(nullable(n, f), type=typ)


def dec(typ, precision, scale):
    top = 10**precision - 1
    vals = lambda i: decimal.Decimal([top, -top, 0, 12345 % top, -1][i % 5]).scaleb(-scale, decimal.Context(prec=100))
    return prim(typ(precision, scale), vals)


def temporal(typ, storage, f):
    return lambda n: pa.array(nullable(n, f), type=storage).cast(typ)


def strs(typ):
    return prim(typ, lambda i: WORDS[i % len(WORDS)])


def bins(typ):
    return prim(typ, lambda i: bytes((i * 37 + j) % 256 for j in range(i * 3 % 17)))


def many_view_buffers(typ):
    def make(n):
        parts = [pa.array(nullable(n, lambda i: f"part {k} value number {i} " * (1 + i % 2)), typ) for k in range(3)]
        return pa.concat_arrays(parts)[:n]

    return make


def list_view(large, values):
    def make(n):
        child = values(16)
        offsets = [(i * 5) % 12 for i in range(n)]
        sizes = [i % 4 for i in range(n)]
        it = pa.int64() if large else pa.int32()
        cls = pa.LargeListViewArray if large else pa.ListViewArray
        return cls.from_arrays(pa.array(offsets, it), pa.array(sizes, it), child, mask=pa.array([i % 4 == 3 for i in range(n)]))

    return make


def lists(typ, f):
    return lambda n: pa.array(nullable(n, f), type=typ)


def struct_of(**children):
    def make(n):
        arrays = [make_child(n) for make_child in children.values()]
        return pa.StructArray.from_arrays(arrays, names=list(children), mask=pa.array([i % 5 == 1 for i in range(n)]))

    return make


CODES = [3, 0, 7]


def union(dense, kids=None):
    def make(n):
        children = [c(n) for c in (kids or [strs(pa.string()), prim(pa.int32(), lambda i: i - 4), strs(pa.string_view())])]
        kinds = [(i * 2) % 3 for i in range(n)]
        types = pa.array([CODES[k] for k in kinds], pa.int8())
        if not dense:
            return pa.UnionArray.from_sparse(types, children, ["a", "b", "c"], CODES)
        counts, offsets = [0, 0, 0], []
        for k in kinds:
            offsets.append(counts[k])
            counts[k] += 1
        children = [c.slice(0, counts[k]) for k, c in enumerate(children)]
        return pa.UnionArray.from_dense(types, pa.array(offsets, pa.int32()), children, ["a", "b", "c"], CODES)

    return make


def ree(run_type, values):
    def make(n):
        ends, end = [], 0
        while end < n:
            end = min(n, end + 1 + len(ends) % 3)
            ends.append(end)
        return pa.RunEndEncodedArray.from_arrays(pa.array(ends, run_type), values(len(ends)))

    return make


def dictionary(index, values):
    def make(n):
        vals = values(6)
        return pa.DictionaryArray.from_arrays(pa.array(nullable(n, lambda i: (i * 5) % 6), index), vals)

    return make


class UnknownPoint(pa.ExtensionType):
    """An extension type the readers do not know: struct storage, JSON metadata."""

    def __init__(self):
        super().__init__(pa.struct([("x", pa.float64()), ("y", pa.float64())]), "quiver.mutation.point")

    def __arrow_ext_serialize__(self):
        return b'{"crs":"none"}'

    @classmethod
    def __arrow_ext_deserialize__(cls, storage_type, serialized):
        return cls()


class UnknownLabel(pa.ExtensionType):
    """An unknown extension type over strings, with binary metadata."""

    def __init__(self):
        super().__init__(pa.string(), "quiver.mutation.label")

    def __arrow_ext_serialize__(self):
        return b"\x00\x01meta"

    @classmethod
    def __arrow_ext_deserialize__(cls, storage_type, serialized):
        return cls()


class VariableShapeTensor(pa.ExtensionType):
    """arrow.variable_shape_tensor, which pyarrow reads but has no constructor for."""

    def __init__(self):
        storage = pa.struct([("data", pa.list_(pa.float32())), ("shape", pa.list_(pa.int32(), 2))])
        super().__init__(storage, "arrow.variable_shape_tensor")

    def __arrow_ext_serialize__(self):
        return b'{"dim_names":["h","w"]}'

    @classmethod
    def __arrow_ext_deserialize__(cls, storage_type, serialized):
        return cls()


def variable_tensors(n):
    shapes = [[i % 3, 2] for i in range(n)]
    data = [[float(i + k) for k in range(r * c)] for i, (r, c) in enumerate(shapes)]
    return pa.StructArray.from_arrays(
        [pa.array(data, pa.list_(pa.float32())), pa.array(shapes, pa.list_(pa.int32(), 2))],
        names=["data", "shape"],
        mask=pa.array([i % 4 == 3 for i in range(n)]),
    )


def ext(typ, storage):
    return lambda n: pa.ExtensionArray.from_storage(typ(), storage(n))


def uuids(n):
    return pa.array(nullable(n, lambda i: uuid.UUID(int=(i * 0x9E3779B97F4A7C15F39CC0605CEDC835) % 2**128).bytes), pa.binary(16))


JSON_DOCS = ['{"a":1}', "[1,2,3]", '"s"', "null", "3.5", '{"nested":{"k":[true,false]}}']

TYPES = [
    ("null", lambda n: pa.nulls(n)),
    ("bool", prim(pa.bool_(), lambda i: i % 3 == 0)),
    ("int8", prim(pa.int8(), lambda i: i * 25 - 120)),
    ("int16", prim(pa.int16(), lambda i: i * 3000 - 15000)),
    ("int32", prim(pa.int32(), lambda i: i * 7 - 30)),
    ("int64", prim(pa.int64(), lambda i: (i - 5) * 10**17)),
    ("uint8", prim(pa.uint8(), lambda i: i * 25)),
    ("uint16", prim(pa.uint16(), lambda i: i * 6000)),
    ("uint32", prim(pa.uint32(), lambda i: i * 400_000_000)),
    ("uint64", prim(pa.uint64(), lambda i: i * 2**60)),
    ("float16", lambda n: pa.array(nullable(n, lambda i: i * 0.5), pa.float32()).cast(pa.float16())),
    ("float32", prim(pa.float32(), lambda i: i / 3)),
    ("float64", prim(pa.float64(), lambda i: -i / 7)),
    ("decimal32", dec(pa.decimal32, 7, 2)),
    ("decimal64", dec(pa.decimal64, 16, 4)),
    ("decimal128", dec(pa.decimal128, 38, 9)),
    ("decimal128_p5", dec(pa.decimal128, 5, 1)),
    ("decimal256", dec(pa.decimal256, 76, 30)),
    ("date32", temporal(pa.date32(), pa.int32(), lambda i: i * 1000 - 4000)),
    ("date64", temporal(pa.date64(), pa.int64(), lambda i: (i * 40 - 100) * 86_400_000)),
    ("time32_s", temporal(pa.time32("s"), pa.int32(), lambda i: i * 8000)),
    ("time32_ms", temporal(pa.time32("ms"), pa.int32(), lambda i: i * 8_000_000)),
    ("time64_us", temporal(pa.time64("us"), pa.int64(), lambda i: i * 8_000_000_000)),
    ("time64_ns", temporal(pa.time64("ns"), pa.int64(), lambda i: i * 8_000_000_000_000)),
    ("timestamp_s", temporal(pa.timestamp("s"), pa.int64(), lambda i: 1_700_000_000 + i * 99_999)),
    ("timestamp_ms_tz", temporal(pa.timestamp("ms", "Europe/Paris"), pa.int64(), lambda i: i * 10**11)),
    ("timestamp_us_offset", temporal(pa.timestamp("us", "+05:30"), pa.int64(), lambda i: -(i * 10**14))),
    ("timestamp_ns_utc", temporal(pa.timestamp("ns", "UTC"), pa.int64(), lambda i: i * 10**17)),
    ("duration_s", temporal(pa.duration("s"), pa.int64(), lambda i: i - 5)),
    ("duration_ns", temporal(pa.duration("ns"), pa.int64(), lambda i: i * 10**15)),
    ("interval_mdn", prim(pa.month_day_nano_interval(), lambda i: pa.MonthDayNano([i - 3, i * 9 - 40, i * 10**12]))),
    ("binary", bins(pa.binary())),
    ("large_binary", bins(pa.large_binary())),
    ("fixed_size_binary", prim(pa.binary(3), lambda i: bytes([i, 255 - i, 7]))),
    ("string", strs(pa.string())),
    ("large_string", strs(pa.large_string())),
    ("string_view", strs(pa.string_view())),
    ("binary_view", bins(pa.binary_view())),
    ("string_view_buffers", many_view_buffers(pa.string_view())),
    ("binary_view_buffers", many_view_buffers(pa.binary_view())),
    ("list", lists(pa.list_(pa.int32()), lambda i: [i * j if j != 1 else None for j in range(i % 4)])),
    ("large_list", lists(pa.large_list(pa.string()), lambda i: [WORDS[(i + j) % 8] for j in range(i % 3)])),
    ("fixed_size_list", lists(pa.list_(pa.int16(), 2), lambda i: [i, None if i % 2 else -i])),
    ("list_view", list_view(False, prim(pa.int32(), lambda i: i * 11))),
    ("large_list_view", list_view(True, strs(pa.string()))),
    ("list_view_of_string_view", list_view(False, strs(pa.string_view()))),
    ("struct", struct_of(a=prim(pa.int32(), lambda i: i), s=strs(pa.string()), v=strs(pa.string_view()))),
    ("map", lists(pa.map_(pa.string(), pa.int32()), lambda i: [(f"k{j}", i * j) for j in range(i % 3)])),
    ("map_of_list_view", lambda n: pa.MapArray.from_arrays(
        pa.array([min(2 * i, 12) for i in range(n + 1)], pa.int32()), pa.array([f"k{j}" for j in range(12)]), list_view(False, prim(pa.int8(), lambda i: i))(12))),
    ("sparse_union", union(False)),
    ("dense_union", union(True)),
    ("dense_union_of_lists", union(True, [lists(pa.list_(pa.int8()), lambda i: [i] * (i % 3)), list_view(False, prim(pa.int64(), lambda i: i)),
                                           bins(pa.binary_view())])),
    ("ree_int16_string", ree(pa.int16(), strs(pa.string()))),
    ("ree_int32_string_view", ree(pa.int32(), strs(pa.string_view()))),
    ("ree_int64_decimal", ree(pa.int64(), dec(pa.decimal128, 10, 2))),
    ("list_of_struct", lambda n: pa.ListArray.from_arrays(pa.array([min(i * 2, 14) for i in range(n + 1)], pa.int32()),
                                                           struct_of(a=prim(pa.int8(), lambda i: i), v=strs(pa.string_view()))(14))),
    ("struct_of_list_view", struct_of(lv=list_view(False, strs(pa.string())), m=lists(pa.map_(pa.int8(), pa.string()), lambda i: [(i, "v")]))),
    ("fixed_size_list_of_string_view", lambda n: pa.FixedSizeListArray.from_arrays(strs(pa.string_view())(2 * n), 2)),
    ("large_list_view_of_string_view", list_view(True, strs(pa.string_view()))),
    ("list_of_ree", lambda n: pa.ListArray.from_arrays(pa.array([min(i, 8) for i in range(n + 1)], pa.int32()), ree(pa.int32(), strs(pa.string()))(8))),
    ("list_of_dense_union", lambda n: pa.ListArray.from_arrays(pa.array([min(i, 9) for i in range(n + 1)], pa.int32()), union(True)(9))),
    ("dictionary_int8_string", dictionary(pa.int8(), strs(pa.string()))),
    ("dictionary_uint16_string_view", dictionary(pa.uint16(), strs(pa.string_view()))),
    ("dictionary_int32_binary_view", dictionary(pa.int32(), bins(pa.binary_view()))),
    ("dictionary_int64_decimal", dictionary(pa.int64(), dec(pa.decimal128, 12, 3))),
    ("dictionary_int32_list_view", dictionary(pa.int32(), list_view(False, prim(pa.int16(), lambda i: i)))),
    ("dictionary_int16_struct", dictionary(pa.int16(), struct_of(s=strs(pa.string()), b=prim(pa.bool_(), lambda i: i % 2 == 0)))),
    ("list_of_dictionary", lambda n: pa.ListArray.from_arrays(pa.array([min(i, 8) for i in range(n + 1)], pa.int32()),
                                                               dictionary(pa.int32(), strs(pa.string()))(8))),
    ("ext_uuid", ext(pa.uuid, uuids)),
    ("ext_json", ext(pa.json_, prim(pa.string(), lambda i: JSON_DOCS[i % len(JSON_DOCS)]))),
    ("ext_json_string_view", ext(lambda: pa.json_(pa.string_view()), prim(pa.string_view(), lambda i: JSON_DOCS[i % len(JSON_DOCS)]))),
    ("ext_bool8", ext(pa.bool8, prim(pa.int8(), lambda i: i % 3 - 1))),
    ("ext_fixed_shape_tensor", ext(lambda: pa.fixed_shape_tensor(pa.int32(), [2, 2], dim_names=["r", "c"], permutation=[1, 0]),
                                   lists(pa.list_(pa.int32(), 4), lambda i: [i, -i, 2 * i, 7]))),
    ("ext_variable_shape_tensor", ext(VariableShapeTensor, variable_tensors)),
    ("ext_opaque", ext(lambda: pa.opaque(pa.binary(), "geometry", "quiver.vendor"), bins(pa.binary()))),
    ("ext_unknown_point", ext(UnknownPoint, struct_of(x=prim(pa.float64(), lambda i: i), y=prim(pa.float64(), lambda i: -i)))),
    ("ext_unknown_label", ext(UnknownLabel, strs(pa.string()))),
    ("list_of_ext_uuid", lambda n: pa.ListArray.from_arrays(pa.array([min(i, 8) for i in range(n + 1)], pa.int32()), ext(pa.uuid, uuids)(8))),
]

# Cases also written LZ4- and ZSTD-compressed.
COMPRESSED = {"int32", "decimal128", "string", "string_view_buffers", "list_view", "large_list_view", "dense_union",
              "ree_int32_string_view", "dictionary_int8_string", "struct_of_list_view", "ext_fixed_shape_tensor"}


def column_case(name, make):
    column = make(N)
    schema = pa.schema([pa.field("c", column.type)], metadata={"case": name})
    batch = pa.record_batch([column], schema=schema)
    return schema, [batch, batch.slice(*SLICE)]


# Dictionary deltas and replacement: (value type, value factory) -> batches whose
# dictionaries grow (deltas) or change (replacement).
DICT_VALUES = [
    ("string", strs(pa.string())),
    ("string_view", strs(pa.string_view())),
    ("binary_view", bins(pa.binary_view())),
    ("int64", prim(pa.int64(), lambda i: i * 10**12)),
    ("list_int32", lists(pa.list_(pa.int32()), lambda i: [i] * (i % 3))),
    ("list_view_int16", list_view(False, prim(pa.int16(), lambda i: i))),
    ("struct", struct_of(s=strs(pa.string_view()), n=prim(pa.int32(), lambda i: i))),
    ("dense_union", union(True)),
    ("ree", ree(pa.int32(), strs(pa.string()))),
]


def dict_case(name, values, replace):
    full = values(9)
    typ = pa.dictionary(pa.int32(), full.type)
    schema = pa.schema([pa.field("d", typ)], metadata={"case": name})
    batches = []
    for step, (start, stop) in enumerate([(0, 3), (0, 6), (0, 9)] if not replace else [(0, 3), (3, 7), (5, 9)]):
        dvals = full.slice(start, stop - start)
        idx = pa.array([None if k == 2 else (k * 2 + step) % (stop - start) for k in range(5)], pa.int32())
        batches.append(pa.record_batch([pa.DictionaryArray.from_arrays(idx, dvals)], schema=schema))
    return schema, batches


def write_one(path, fmt, schema, batches, codec, deltas):
    options = pa.ipc.IpcWriteOptions(compression=None if codec == "none" else codec, emit_dictionary_deltas=deltas)
    with pa.OSFile(path, "wb") as sink:
        with (pa.ipc.new_stream if fmt == "stream" else pa.ipc.new_file)(sink, schema, options=options) as writer:
            for b in batches:
                writer.write_batch(b)


# ---------------------------------------------------------------------------------
# Buffer roles
# ---------------------------------------------------------------------------------


def int_kind(t):
    return str(t)  # int8 .. uint64


def roles(typ, label, out, nodes, dicts, pending):
    """Appends (role, label, node) for `typ`'s buffers in IPC order; dictionary value
    types are queued in `pending` (ids are handed out depth-first, in field order)."""
    if isinstance(typ, pa.BaseExtensionType):
        label = f"{label}<{typ.extension_name}>"
        typ = typ.storage_type
    node = nodes[0]
    nodes[0] += 1

    def add(*rs):
        out.extend([r, label, node] for r in rs)

    if pt.is_dictionary(typ):
        add("validity", "indices:" + int_kind(typ.index_type))
        pending.append((typ.value_type, label + ".dictionary"))
    elif pt.is_null(typ):
        pass
    elif pt.is_boolean(typ):
        add("validity", "bits")
    elif pt.is_integer(typ):
        add("validity", "values:" + int_kind(typ))
    elif pt.is_floating(typ):
        add("validity", "values:float")
    elif pt.is_decimal(typ):
        add("validity", f"values:decimal{typ.bit_width}")
    elif pt.is_string(typ) or pt.is_binary(typ):
        add("validity", "offsets32", "data:utf8" if pt.is_string(typ) else "data:binary")
    elif pt.is_large_string(typ) or pt.is_large_binary(typ):
        add("validity", "offsets64", "data:utf8" if pt.is_large_string(typ) else "data:binary")
    elif pt.is_string_view(typ) or pt.is_binary_view(typ):
        add("validity", "views:utf8" if pt.is_string_view(typ) else "views:binary")
    elif pt.is_list(typ) or pt.is_map(typ):
        add("validity", "offsets32")
        roles(typ.value_type if pt.is_list(typ) else pa.struct([typ.key_field, typ.item_field]), label + "[]", out, nodes, dicts, pending)
    elif pt.is_large_list(typ):
        add("validity", "offsets64")
        roles(typ.value_type, label + "[]", out, nodes, dicts, pending)
    elif pt.is_list_view(typ) or pt.is_large_list_view(typ):
        w = "32" if pt.is_list_view(typ) else "64"
        add("validity", "lvoffsets" + w, "lvsizes" + w)
        roles(typ.value_type, label + "[]", out, nodes, dicts, pending)
    elif pt.is_fixed_size_list(typ):
        add("validity")
        roles(typ.value_type, label + "[]", out, nodes, dicts, pending)
    elif pt.is_struct(typ):
        add("validity")
        for f in typ:
            roles(f.type, f"{label}.{f.name}", out, nodes, dicts, pending)
    elif pt.is_union(typ):
        add("type_ids", *(["union_offsets"] if typ.mode == "dense" else []))
        for f in typ:
            roles(f.type, f"{label}.{f.name}", out, nodes, dicts, pending)
    elif pt.is_run_end_encoded(typ):
        runs = []
        roles(typ.run_end_type, label + ".run_ends", runs, nodes, dicts, pending)
        out.extend([r.replace("values:", "run_ends:"), lab, nd] for r, lab, nd in runs)
        roles(typ.value_type, label + ".values", out, nodes, dicts, pending)
    elif pa.types.is_fixed_size_binary(typ) or pt.is_temporal(typ) or pt.is_interval(typ):
        add("validity", "values:fixed")
    else:
        raise NotImplementedError(f"no buffer roles for {typ}")


def layouts(schema):
    batch, pending = [], []
    dicts = {}
    nodes = [0]
    for f in schema:
        roles(f.type, f.name, batch, nodes, dicts, pending)
    next_id = 0
    while pending:
        # Depth-first: a dictionary's own nested dictionaries come right after it.
        value_type, label = pending.pop(0)
        inner, nested = [], []
        roles(value_type, label, inner, [0], dicts, nested)
        dicts[str(next_id)] = inner
        next_id += 1
        pending[:0] = nested
    return batch, dicts


def main(argv):
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    directory = argv[0]
    os.makedirs(directory, exist_ok=True)
    plan = [(name, lambda make=make, name=name: column_case(name, make), False, ("stream", "file")) for name, make in TYPES]
    for vname, values in DICT_VALUES:
        plan.append((f"dict_deltas_{vname}", lambda v=values, n=vname: dict_case(f"dict_deltas_{n}", v, False), True, ("stream", "file")))
        plan.append((f"dict_replacement_{vname}", lambda v=values, n=vname: dict_case(f"dict_replacement_{n}", v, True), False, ("stream",)))
    inputs, skipped = [], []
    for name, build, deltas, formats in plan:
        try:
            schema, batches = build()
            batch_roles, dict_roles = layouts(schema)
        except (AttributeError, NotImplementedError, TypeError, pa.ArrowException) as err:
            skipped.append({"name": name, "reason": f"{type(err).__name__}: {err}"})
            continue
        codecs = ("none", "lz4", "zstd") if name in COMPRESSED else ("none",)
        for fmt in formats:
            for codec in codecs:
                path = os.path.join(directory, f"{name}.{codec}.{fmt}")
                try:
                    write_one(path, fmt, schema, batches, codec, deltas)
                except pa.ArrowException as err:
                    skipped.append({"name": f"{name}.{codec}.{fmt}", "reason": f"{type(err).__name__}: {err}"})
                    continue
                inputs.append({"name": f"{name}.{codec}.{fmt}", "path": path, "format": fmt, "codec": codec,
                               "replacement": formats == ("stream",), "batch": batch_roles, "dicts": dict_roles})
    manifest = {"pyarrow": pa.__version__, "inputs": inputs, "skipped": skipped}
    with open(os.path.join(directory, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f)
    print(f"mutation_inputs.py: pyarrow {pa.__version__} wrote {len(inputs)} inputs, skipped {len(skipped)}")
    for s in skipped:
        print(f"  skipped {s['name']}: {s['reason']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
