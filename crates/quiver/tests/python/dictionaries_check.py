#!/usr/bin/env python3
"""pyarrow side of `crates/quiver/tests/pyarrow_dictionaries.rs`.

For every value type of `types_check.TYPES` (every type pyarrow writes: primitives,
decimals, temporal types, booleans, nulls, every binary and string layout including
views, every list layout including list views, fixed-size lists, structs, maps, sparse
and dense unions, run-end encoded, dictionaries, extension types) and for dictionaries
nested in lists, structs and maps, pyarrow writes a dictionary-encoded column whose
dictionary changes between batches:

- `delta.stream`: the dictionary grows by appending (written with
  `emit_dictionary_deltas=True`, so as delta dictionary batches);
- `replace.stream`: the dictionary is replaced by different values;
- `delta.file`: the growing dictionary in the file format (deltas in a file);
- `unified.file`: replaced dictionaries (of the column's non-null values) written
  with `write_table` and `unify_dictionaries=True`, where pyarrow can unify that
  value type.

The dictionary values are slices of one 24-row column with nulls, so pyarrow writes
sliced arrays (views with their data buffers, list views, unions, run-end encoded).
Quiver reads each output and re-writes it; this script then reads Quiver's output and
checks it equals pyarrow's read of the original, passes `validate(full=True)`, and
(streams) carries at least as many delta and replaced dictionaries as pyarrow wrote.

Usage:
    dictionaries_check.py write <dir>      writes the outputs and <dir>/manifest.json
    dictionaries_check.py check <checks.json> <results.json>

`write`'s manifest: {"pyarrow": "<version>", "cases": [{"name", "path", "format",
"mode", "deltas", "replacements"}], "skipped": [{"name", "reason"}]}, where `deltas` and
`replacements` are pyarrow's read statistics of its own output. `check`'s input:
{"checks": [{"label", "path", "format", "reference", "reference_format", "min_deltas",
"min_replacements"}]}; results: {"<label>": ["problem", ...]} (empty when equal).
Exit 0 when the manifest or results were written, 2 on bad usage.
"""

import json
import os
import sys

import pyarrow as pa
import pyarrow.ipc

from golden_check import diff_tables, read_ipc
import types_check
from types_check import STRS, TYPES, read_stats

N = 24  # rows of the column the dictionaries are sliced from
INDEX_TYPES = [pa.int32, pa.int8, pa.int16, pa.int64, pa.uint8, pa.uint16, pa.uint32, pa.uint64]
# Dictionary lengths per batch: growing by appending (deltas; the third batch repeats
# the second dictionary) and replaced (different slices of the column).
GROWING = [(0, 6), (0, 11), (0, 11), (0, 24)]
REPLACED = [(0, 8), (8, 8), (16, 8)]


def indices(size, batch, index_type):
    """Indices reaching the first, last and middle values, with a null."""
    picks = [size - 1, 0, None, size // 2, (batch * 5) % size, size - 1]
    return pa.array(picks, type=index_type())


def batches_for(schema, values, steps, index_type, wrap, final=False):
    """One batch per step; with `final`, every batch has the last step's dictionary
    (as a reader of a file with deltas sees it) and the same indices."""
    out = []
    last = steps[-1]
    for k, (start, length) in enumerate(steps):
        dictionary = values.slice(*last) if final else values.slice(start, length)
        d = pa.DictionaryArray.from_arrays(indices(length, k, index_type), dictionary)
        out.append(pa.record_batch([wrap(d)], schema=schema))
    return out


def no_wrap(d):
    return d


def in_list(d):
    # Rows: [d0, d1], null, [d2, d3, d4, d5]
    return pa.ListArray.from_arrays(pa.array([0, 2, 2, 6], pa.int32()), d, mask=pa.array([False, True, False]))


def in_struct(d):
    x = pa.array(range(len(d)), pa.int16())
    return pa.StructArray.from_arrays([d, x], names=["label", "x"], mask=pa.array([i == 2 for i in range(len(d))]))


def in_map(d):
    keys = pa.array([f"k{i}" for i in range(len(d))])
    return pa.MapArray.from_arrays(pa.array([0, 3, 3, 6], pa.int32()), keys, d)


def wrapped_type(wrap, dict_type):
    if wrap is in_list:
        return pa.list_(dict_type)
    if wrap is in_struct:
        return pa.struct([("label", dict_type), ("x", pa.int16())])
    if wrap is in_map:
        return pa.map_(pa.string(), dict_type)
    return dict_type


def value_columns():
    """(name, values, index type, wrap) for every dictionary case."""
    out, skipped = [], []
    for k, (name, make) in enumerate(TYPES):
        try:
            values = make(N)
            if isinstance(values.type, pa.BaseExtensionType):
                # IPC keeps extension metadata on the field, so a dictionary of extension
                # values reads back as an extension over a dictionary (their storage
                # types have cases of their own).
                skipped.append({"name": name, "reason": "a dictionary of extension values reads back as an extension of a dictionary in IPC"})
                continue
            if pa.types.is_dictionary(values.type):
                # pyarrow writes a dictionary whose values are dictionary-encoded with
                # the inner indices as the values (it reads back as another type).
                skipped.append({"name": name, "reason": f"pyarrow {pa.__version__} writes dictionary-encoded dictionary values wrongly"})
                continue
            out.append((name, values, INDEX_TYPES[k % len(INDEX_TYPES)], no_wrap))
        except (AttributeError, NotImplementedError, pa.ArrowNotImplementedError, TypeError) as err:
            skipped.append({"name": name, "reason": f"pyarrow {pa.__version__} cannot build it: {type(err).__name__}: {err}"})
    views = dict(TYPES)
    for inner in ("string_view", "binary_view", "list_view", "dense_union", "run_end_encoded_int16_string"):
        for wrap in (in_list, in_struct, in_map):
            out.append((f"{inner}_{wrap.__name__}", views[inner](N), pa.int16, wrap))
    out.append(("string_view_many_buffers", many_buffer_views(), pa.int32, no_wrap))
    return out, skipped


def many_buffer_views():
    """A string_view column over several data buffers (concatenated chunks)."""
    chunks = [pa.array([f"chunk {c} value {i} {STRS[i % len(STRS)]} padding" for i in range(8)], pa.string_view()) for c in range(3)]
    return pa.concat_arrays(chunks)


def write_stream(path, schema, batches, deltas):
    options = pa.ipc.IpcWriteOptions(emit_dictionary_deltas=deltas)
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_stream(sink, schema, options=options) as w:
        for b in batches:
            w.write_batch(b)


def write_file(path, schema, batches, deltas, unify=False):
    options = pa.ipc.IpcWriteOptions(emit_dictionary_deltas=deltas, unify_dictionaries=unify)
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, schema, options=options) as w:
        if unify:
            w.write_table(pa.Table.from_batches(batches, schema=schema))
        else:
            for b in batches:
                w.write_batch(b)


def write(directory):
    os.makedirs(directory, exist_ok=True)
    columns, skipped = value_columns()
    cases = []
    for name, values, index_type, wrap in columns:
        dict_type = pa.dictionary(index_type(), values.type)
        schema = pa.schema([pa.field("d", wrapped_type(wrap, dict_type))], metadata={"case": name})
        plans = [
            ("delta", "stream", GROWING, True, False),
            ("replace", "stream", REPLACED, False, False),
            ("delta", "file", GROWING, True, False),
            ("unified", "file", REPLACED, False, True),
        ]
        for mode, fmt, steps, deltas, unify in plans:
            label = f"{name}.{mode}.{fmt}"
            path = os.path.join(directory, label)
            source = values
            if unify:
                # pyarrow unifies only dictionaries without nulls.
                valid = [values.slice(i, 1) for i in range(len(values)) if values[i].is_valid]
                source = pa.concat_arrays(valid) if valid else values.slice(0, 0)
                third = len(source) // 3
                if third == 0:
                    skipped.append({"name": label, "reason": "no non-null values to unify"})
                    continue
                steps = [(0, third), (third, third), (2 * third, third)]
            try:
                batches = batches_for(schema, source, steps, index_type, wrap)
                if fmt == "stream":
                    write_stream(path, schema, batches, deltas)
                else:
                    write_file(path, schema, batches, deltas, unify)
            except (pa.ArrowNotImplementedError, pa.ArrowInvalid, NotImplementedError, TypeError) as err:
                if os.path.exists(path):
                    os.remove(path)  # what pyarrow wrote before it gave up
                skipped.append({"name": label, "reason": f"pyarrow {pa.__version__} cannot write it: {type(err).__name__}: {err}"})
                continue
            # pyarrow must read its own output back as meant (what it cannot read at
            # all is skipped, with its error).
            try:
                got_schema, got = read_ipc(path, fmt)
            except (pa.ArrowException, OSError) as err:
                skipped.append({"name": label, "reason": f"pyarrow {pa.__version__} cannot read its own output: {type(err).__name__}: {err}"})
                continue
            if unify:
                # Unification re-numbers the indices: check only that it is valid.
                problems = diff_tables(schema, got, got_schema, got)
            elif fmt == "file":
                final = batches_for(schema, source, steps, index_type, wrap, final=True)
                problems = diff_tables(schema, final, got_schema, got)
            else:
                problems = diff_tables(schema, batches, got_schema, got)
            # What pyarrow wrote (deltas, replacements) is recorded; the Rust side
            # requires most cases to carry them (a null dictionary never changes).
            stats = read_stats(path, fmt)
            if problems:
                raise SystemExit(f"dictionaries_check.py: pyarrow's own {path} does not read back as written:\n" + "\n".join(problems))
            cases.append(
                {
                    "name": label,
                    "path": path,
                    "format": fmt,
                    "mode": mode,
                    "deltas": stats.num_dictionary_deltas,
                    "replacements": stats.num_replaced_dictionaries,
                }
            )
    manifest = {"pyarrow": pa.__version__, "cases": cases, "skipped": skipped}
    with open(os.path.join(directory, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
    print(f"dictionaries_check.py: pyarrow {pa.__version__} wrote {len(cases)} outputs, skipped {len(skipped)}")
    return 0


def check(checks_path, results_path):
    # The same comparison as types_check.py: values, validity, batch metadata, and at
    # least as many deltas and replacements as pyarrow's own file.
    return types_check.check(checks_path, results_path, "dictionaries_check.py")


def main(argv):
    if len(argv) == 3 and argv[1] == "write":
        return write(argv[2])
    if len(argv) == 4 and argv[1] == "check":
        return check(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
