"""Run by test_without_pyarrow.py in a subprocess whose pyarrow cannot be imported:
decodes the golden legacy blobs that hold Arrow values, uses quiver's IPC readers and
writers on bytes, and prints what it saw as JSON for the parent test to check (the
parent has pyarrow and the canonical model; this process has neither).

Usage: python no_pyarrow_worker.py LEGACY_DIR CASE...
"""

import sys

sys.modules["pyarrow"] = None  # `import pyarrow` now raises ImportError

import json  # noqa: E402
import pathlib  # noqa: E402

import numpy as np  # noqa: E402

import quiver  # noqa: E402

QUIVER_TYPES = (quiver.Array, quiver.RecordBatch, quiver.Tensor, quiver.Buffer)


def address(obj):
    return np.frombuffer(obj, dtype=np.uint8).__array_interface__["data"][0]


def leaves(value):
    """The quiver objects in a decoded value, in order."""
    if isinstance(value, QUIVER_TYPES):
        return [value]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in leaves(v)]
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in leaves(v)]
    return []


def tensor_report(t, data):
    a = t.to_numpy()
    start = address(data)
    return {
        "type": t.type, "shape": list(t.shape), "strides": list(t.strides),
        "dim_names": t.dim_names, "size": t.size, "ndim": t.ndim,
        "is_contiguous": t.is_contiguous, "is_mutable": t.is_mutable,
        "repr": repr(t), "dtype": a.dtype.str, "values": a.tolist(),
        "numpy_strides": list(a.strides), "writeable": bool(a.flags.writeable),
        "offset": a.__array_interface__["data"][0] - start, "nbytes": a.nbytes,
        "base": type(a.base).__name__, "base_is_input_view": getattr(a.base, "address", start - 1) - start,
        "equals_itself": t.equals(t) and t == t, "equals_copy": t == quiver.deserialize(
            quiver.serialize(t).to_buffer()),
    }


def leaf_report(leaf, data):
    kind = type(leaf).__name__
    out = {"kind": kind}
    if kind == "Tensor":
        out["tensor"] = tensor_report(leaf, data)
    elif kind == "Array":
        back = quiver.array(leaf)  # through its own __arrow_c_array__ capsules
        out.update(type=leaf.type, length=len(leaf), null_count=leaf.null_count,
                   capsule_round_trip=back.equals(leaf) and back == leaf)
    elif kind == "RecordBatch":
        back = quiver.record_batch(leaf)
        out.update(names=leaf.column_names, num_rows=leaf.num_rows,
                   capsule_round_trip=back.equals(leaf) and back == leaf)
    return out


def case_report(legacy, name):
    blob = (legacy / (name + ".bin")).read_bytes()
    meta = json.loads((legacy / (name + ".components.json")).read_text())
    meta["data"] = [(legacy / f).read_bytes() for f in meta["data"]]
    value = quiver.deserialize(blob)
    parts = quiver.deserialize_components(meta)
    serialized = quiver.serialize(value)
    return {
        "blob": [leaf_report(leaf, blob) for leaf in leaves(value)],
        "components": [type(leaf).__name__ for leaf in leaves(parts)],
        "reserialized": serialized.to_buffer().to_pybytes().hex(),
        "components_reserialized": quiver.serialize(parts).to_buffer().to_pybytes().hex(),
    }


def ipc_report(legacy):
    """quiver.ipc on bytes: the IPC stream inside the record batch blob in, a stream and
    a file out."""
    stream = (legacy / "arrow_record_batch.components.1.bin").read_bytes()
    reader = quiver.ipc.open_stream(stream)
    batches = list(reader)
    out = {"batches": len(batches), "rows": [b.num_rows for b in batches]}
    for kind, new in (("stream", quiver.ipc.new_stream), ("file", quiver.ipc.new_file)):
        sink = quiver.BufferOutputStream()
        with new(sink, batches[0].schema) as writer:
            for b in batches:
                writer.write(b)
        out[kind] = bytes(sink.getvalue()).hex()
    written = bytes.fromhex(out["file"])
    file_reader = quiver.ipc.open_file(written)
    out["file_batches"] = file_reader.num_record_batches
    out["file_equal"] = file_reader.read_all().equals(quiver.ipc.open_stream(stream).read_all())
    return out


def extra_tensors(blobs):
    """Tensors the parent wrote with pyarrow (other dtypes and layouts), decoded here."""
    out = {}
    for label, hex_blob in blobs.items():
        data = bytes.fromhex(hex_blob)
        t = quiver.deserialize(data)
        out[label] = {
            "class": type(t).__name__, "type": t.type, "shape": list(t.shape),
            "strides": list(t.strides), "is_contiguous": t.is_contiguous,
            "values": t.to_numpy().tolist(),
            "reserialized": quiver.serialize(t).to_buffer().to_pybytes().hex(),
        }
    return out


def equality_report(blobs):
    a, b, c = (quiver.deserialize(bytes.fromhex(blobs[k])) for k in ("c", "f", "other"))
    try:
        a.equals(1)
        error = None
    except quiver.ArrowTypeError as e:
        error = str(e)
    return {"c_equals_f": a.equals(b) and a == b, "c_equals_other": a.equals(c),
            "c_eq_other": a == c, "eq_int": a == 1, "error": error}


def main():
    legacy = pathlib.Path(sys.argv[1])
    blobs = json.load(sys.stdin)
    try:
        import pyarrow  # noqa: F401
        blocked = False
    except ImportError:
        blocked = True
    report = {
        "pyarrow_blocked": blocked,
        "cases": {name: case_report(legacy, name) for name in sys.argv[2:]},
        "ipc": ipc_report(legacy),
        "tensors": extra_tensors(blobs),
        "equality": equality_report(blobs),
        "pyarrow_loaded": sys.modules.get("pyarrow") is not None,
    }
    json.dump(report, sys.stdout)


main()
