"""quiver without pyarrow: in a subprocess whose pyarrow cannot be imported
(no_pyarrow_worker.py), the golden legacy blobs holding Arrow arrays, record batches
and tensors decode to quiver.Array / quiver.RecordBatch / quiver.Tensor, tensors are
zero-copy views of the input, everything re-serializes to the bytes quiver writes with
pyarrow, and the IPC readers and writers work on bytes. This process, which has
pyarrow, checks the worker's report against the golden expected values."""

import collections
import json
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest

import quiver
from conftest import LEGACY, legacy_canon

RAN = collections.Counter()
WORKER = __file__.replace("test_without_pyarrow.py", "no_pyarrow_worker.py")


def expected(name):
    return json.loads((LEGACY / (name + ".expected.json")).read_text())["value"]


def arrow_nodes(node):
    """The canonical nodes of a value that decode to quiver objects without pyarrow
    (Arrow arrays, batches, tensors and buffers), in order."""
    kinds = {"arrow_array": "Array", "arrow_record_batch": "RecordBatch",
             "arrow_tensor": "Tensor", "buffer": "Buffer"}
    if isinstance(node, dict):
        if node.get("type") in kinds:
            return [node]
        return [n for v in node.values() for n in arrow_nodes(v)]
    if isinstance(node, list):
        return [n for v in node for n in arrow_nodes(v)]
    return []


def kind(node):
    return {"arrow_array": "Array", "arrow_record_batch": "RecordBatch",
            "arrow_tensor": "Tensor", "buffer": "Buffer"}[node["type"]]


# The golden cases that hold Arrow arrays, record batches or tensors: the README lists
# four (arrow_arrays, arrow_record_batch, arrow_tensor, mixed_everything).
CASES = sorted(p.name[:-len(".expected.json")] for p in LEGACY.glob("*.expected.json")
               if any(kind(n) != "Buffer" for n in arrow_nodes(expected(
                   p.name[:-len(".expected.json")]))))
assert CASES == ["arrow_arrays", "arrow_record_batch", "arrow_tensor", "mixed_everything"], \
    CASES
TENSOR_CASES = [n for n in CASES if any(kind(x) == "Tensor" for x in arrow_nodes(expected(n)))]
assert TENSOR_CASES == ["arrow_tensor", "mixed_everything"], TENSOR_CASES


# Tensors of other dtypes and layouts (C order, Fortran order, 0-d), written here from
# pyarrow tensors and decoded by the worker.
EXTRA = {
    "float16": np.array([0.5, -2.0], dtype=np.float16),
    "int8": np.array([[-1, 2], [3, -4]], dtype=np.int8),
    "uint64": np.array([2**64 - 1], dtype=np.uint64),
    "fortran": np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3)),
    "zero_d": np.array(7, dtype=np.int16),
}
EQUALITY = {"c": np.arange(6, dtype=np.int32).reshape(2, 3),
            "f": np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3)),
            "other": np.arange(6, dtype=np.int32).reshape(3, 2)}


def pa_blob(array):
    """The legacy blob quiver writes for a pyarrow tensor of `array`, as hex."""
    return quiver.serialize(pa.Tensor.from_numpy(array)).to_buffer().to_pybytes().hex()


@pytest.fixture(scope="module")
def report():
    blobs = {label: pa_blob(a) for label, a in {**EXTRA, **EQUALITY}.items()}
    done = subprocess.run([sys.executable, WORKER, str(LEGACY), *CASES],
                          input=json.dumps(blobs), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module", autouse=True)
def every_case_ran(request):
    yield
    if request.config.getoption("keyword") or request.config.getoption("markexpr"):
        return  # a chosen subset (-k/-m) runs fewer cases on purpose
    want = {"kinds": 2 * len(CASES), "reserialized": len(CASES),
            "tensor": len(TENSOR_CASES)}
    assert {k: RAN[k] for k in want} == want


def test_the_worker_cannot_import_pyarrow(report):
    assert report["pyarrow_blocked"] is True
    assert report["pyarrow_loaded"] is False


@pytest.mark.parametrize("source", ["blob", "components"])
@pytest.mark.parametrize("name", CASES)
def test_arrow_values_come_back_as_quiver_objects(report, name, source):
    kinds = [kind(n) for n in arrow_nodes(expected(name))]
    leaves = report["cases"][name][source]
    got = [leaf["kind"] for leaf in leaves] if source == "blob" else leaves
    assert got == kinds
    RAN["kinds"] += 1


@pytest.mark.parametrize("name", CASES)
def test_arrays_and_batches_export_the_pycapsule_interface(report, name):
    nodes = arrow_nodes(expected(name))
    for node, leaf in zip(nodes, report["cases"][name]["blob"]):
        if node["type"] == "arrow_array":
            assert leaf == {"kind": "Array", "type": node["arrow_type"],
                            "length": len(node["values"]),
                            "null_count": node["values"].count(None),
                            "capsule_round_trip": True}
        elif node["type"] == "arrow_record_batch":
            assert leaf == {"kind": "RecordBatch",
                            "names": [c["name"] for c in node["columns"]],
                            "num_rows": len(node["columns"][0]["values"]),
                            "capsule_round_trip": True}


@pytest.mark.parametrize("name", CASES)
def test_reserialized_without_pyarrow_is_what_quiver_writes_with_pyarrow(report, name):
    case = report["cases"][name]
    blob = (LEGACY / (name + ".bin")).read_bytes()
    # With pyarrow, the same blob decodes to pyarrow objects; quiver writes them back.
    with_pyarrow = quiver.serialize(quiver.deserialize(blob)).to_buffer().to_pybytes()
    assert case["reserialized"] == with_pyarrow.hex()
    assert case["components_reserialized"] == with_pyarrow.hex()
    again = quiver.deserialize(bytes.fromhex(case["reserialized"]))
    assert legacy_canon.match(expected(name), again) == []
    RAN["reserialized"] += 1


@pytest.mark.parametrize("name", TENSOR_CASES)
def test_tensors_are_read_only_zero_copy_views_with_pyarrows_attributes(report, name):
    blob = (LEGACY / (name + ".bin")).read_bytes()
    nodes = [n for n in arrow_nodes(expected(name)) if n["type"] == "arrow_tensor"]
    leaves = [leaf["tensor"] for leaf in report["cases"][name]["blob"]
              if leaf["kind"] == "Tensor"]
    assert len(leaves) == len(nodes) == 1
    node, got = nodes[0], leaves[0]
    body = bytes.fromhex(node["data_hex"])
    values = np.ndarray(node["shape"], node["dtype"], body, strides=node["strides"])
    reference = pa.Tensor.from_numpy(values)
    assert got == {
        "type": str(reference.type), "shape": node["shape"], "strides": node["strides"],
        "dim_names": [], "size": reference.size, "ndim": reference.ndim,
        "is_contiguous": True, "is_mutable": False,
        "repr": "<quiver.Tensor>\ntype: %s\nshape: %s\nstrides: %s"
                % (reference.type, tuple(node["shape"]), tuple(node["strides"])),
        "dtype": node["dtype"], "values": values.tolist(),
        "numpy_strides": node["strides"], "writeable": False,
        # The view starts where the tensor body lies in the blob (it occurs once).
        "offset": blob.index(body), "nbytes": len(body),
        "base": "Buffer", "base_is_input_view": blob.index(body),
        "equals_itself": True, "equals_copy": True,
    }
    assert blob.count(body) == 1
    RAN["tensor"] += 1


def test_ipc_readers_and_writers_work_on_bytes_without_pyarrow(report):
    ipc = report["ipc"]
    stream = (LEGACY / "arrow_record_batch.components.1.bin").read_bytes()
    original = pa.ipc.open_stream(stream).read_all()
    assert original.num_rows == 3
    assert (ipc["batches"], ipc["rows"], ipc["file_batches"], ipc["file_equal"]) == \
        (1, [3], 1, True)
    assert pa.ipc.open_stream(bytes.fromhex(ipc["stream"])).read_all().equals(original)
    assert pa.ipc.open_file(bytes.fromhex(ipc["file"])).read_all().equals(original)


def test_other_dtypes_and_layouts_decode_to_quiver_tensors(report):
    got = report["tensors"]
    assert sorted(got) == sorted({**EXTRA, **EQUALITY})
    for label, array in {**EXTRA, **EQUALITY}.items():
        tensor = pa.Tensor.from_numpy(array)
        written = pa_blob(array)
        assert got[label] == {
            "class": "Tensor", "type": str(tensor.type), "shape": list(array.shape),
            "strides": list(array.strides), "is_contiguous": True,
            "values": array.tolist(), "reserialized": written,
        }, label


def test_tensor_equality_and_its_error(report):
    assert report["equality"] == {
        "c_equals_f": True, "c_equals_other": False, "c_eq_other": False,
        "eq_int": False,
        "error": "quiver.Tensor.equals compares with another quiver.Tensor, got a int"}


def test_the_tensor_class_is_exported():
    assert quiver.Tensor.__module__ == "quiver"
    assert "Tensor" in quiver.__all__
    with pytest.raises(TypeError):
        quiver.Tensor()
