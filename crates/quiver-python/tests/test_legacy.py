"""Legacy serialization from Python: the golden blobs of pyarrow 10, round trips,
custom types, the pickle rule, zero-copy arrays and errors."""

import collections
import fractions
import io
import json
import pickle

import numpy as np
import pyarrow
import pytest

import quiver
from conftest import LEGACY, legacy_canon, make_context

# The golden vectors' README lists 34 cases; finding fewer means the data moved.
CASES = sorted(p.name[:-len(".expected.json")] for p in LEGACY.glob("*.expected.json"))
assert len(CASES) == 34, "expected the 34 golden cases in %s, found %d" % (LEGACY, len(CASES))

RAN = collections.Counter()


class _PyarrowWithQuiverBuffers:
    """pyarrow as legacy_canon sees it, except that a quiver.Buffer counts as a buffer
    (quiver returns its own buffer object where pyarrow returned pyarrow.Buffer; it has
    the same to_pybytes())."""

    Buffer = (pyarrow.Buffer, quiver.Buffer)

    def __getattr__(self, name):
        return getattr(pyarrow, name)


legacy_canon.pa = _PyarrowWithQuiverBuffers()


@pytest.fixture(scope="module", autouse=True)
def every_case_ran(request):
    yield
    if request.config.getoption("keyword") or request.config.getoption("markexpr"):
        return  # a chosen subset (-k/-m) runs fewer cases on purpose
    for kind in ("blob", "components", "reserialized"):
        assert RAN[kind] == len(CASES), "%s: %d of %d cases ran" % (kind, RAN[kind], len(CASES))


def expected(name):
    return json.loads((LEGACY / (name + ".expected.json")).read_text())["value"]


def blob(name):
    return (LEGACY / (name + ".bin")).read_bytes()


def components(name):
    meta = json.loads((LEGACY / (name + ".components.json")).read_text())
    meta["data"] = [(LEGACY / f).read_bytes() for f in meta["data"]]
    return meta


def pickled_ids(node):
    """The type ids of the pickled payloads in a canonical value."""
    if isinstance(node, dict):
        found = {node["type_id"]} if node.get("type") == "custom_pickle" else set()
        for v in node.values():
            found |= pickled_ids(v)
        return found
    if isinstance(node, list):
        return set().union(*map(pickled_ids, node)) if node else set()
    return set()


def read_options(name):
    # Classes (type id "type") are pickled; they are unpickled only when allowed.
    return {"context": make_context(), "allow_pickle": "type" in pickled_ids(expected(name))}


@pytest.mark.parametrize("name", CASES)
def test_blob_decodes_to_its_expected_value(name):
    value = quiver.deserialize(blob(name), **read_options(name))
    assert legacy_canon.match(expected(name), value) == []
    RAN["blob"] += 1


@pytest.mark.parametrize("name", CASES)
def test_components_decode_to_the_expected_value(name):
    value = quiver.deserialize_components(components(name), **read_options(name))
    assert legacy_canon.match(expected(name), value) == []
    RAN["components"] += 1


@pytest.mark.parametrize("name", CASES)
def test_reserialized_value_reads_back_equal(name):
    options = read_options(name)
    value = quiver.deserialize(blob(name), **options)
    serialized = quiver.serialize(value, options["context"])
    again = quiver.deserialize(serialized.to_buffer(), **read_options(name))
    assert legacy_canon.match(expected(name), again) == []
    parts = quiver.deserialize_components(serialized.to_components(), **read_options(name))
    assert legacy_canon.match(expected(name), parts) == []
    assert serialized.total_bytes == len(serialized.to_buffer())
    RAN["reserialized"] += 1


def test_types_come_back_as_pyarrow_10_returns_them():
    value = [np.float32(1.5), np.float16(0.5), 2**70, {1, 2}, (1, b"x"),
             collections.OrderedDict([("b", 1), ("a", 2)]), collections.deque([1, 2]),
             collections.Counter("aab"), collections.defaultdict(list, {"k": [1]})]
    back = quiver.deserialize(quiver.serialize(value).to_buffer(), allow_pickle=True)
    assert [type(v) for v in back] == [
        float, np.float16, int, set, tuple, collections.OrderedDict, collections.deque,
        collections.Counter, collections.defaultdict]
    assert back[:8] == [1.5, np.float16(0.5), 2**70, {1, 2}, (1, b"x"),
                        collections.OrderedDict([("b", 1), ("a", 2)]),
                        collections.deque([1, 2]), collections.Counter("aab")]
    assert list(back[5].items()) == [("b", 1), ("a", 2)]
    assert back[8].default_factory is list and dict(back[8]) == {"k": [1]}


def test_ndarrays_are_read_only_views_of_the_input():
    data = blob("ndarray_floats")
    start = np.frombuffer(data, dtype=np.uint8).__array_interface__["data"][0]
    value = quiver.deserialize(data)
    arrays = [v for v in (value if isinstance(value, list) else [value])
              if isinstance(v, np.ndarray)]
    assert len(arrays) >= 1
    for a in arrays:
        assert not a.flags.writeable
        address = a.__array_interface__["data"][0]
        assert start <= address and address + a.nbytes <= start + len(data)
        with pytest.raises(ValueError, match="read-only"):
            a[...] = 0


def test_a_large_ndarray_is_not_copied_on_either_side():
    array = np.arange(1 << 20, dtype=np.float64)
    blob_ = quiver.serialize(array).to_components()
    before = quiver.total_allocated_bytes()
    back = quiver.deserialize_components(blob_)
    assert quiver.total_allocated_bytes() - before < 64 * 1024
    assert np.array_equal(back, array)
    body = blob_["data"][2]
    assert back.__array_interface__["data"][0] == body.address
    # the serialized body is the caller's array itself
    assert body.address == array.__array_interface__["data"][0]


def test_total_allocated_bytes_follows_quiver_allocations():
    before = quiver.total_allocated_bytes()
    assert isinstance(before, int) and before >= 0
    serialized = quiver.serialize(np.zeros(1 << 20))
    whole = serialized.to_buffer()
    assert quiver.total_allocated_bytes() - before >= 8 << 20
    del whole, serialized
    assert quiver.total_allocated_bytes() - before < 8 << 20


def test_buffers_come_back_as_quiver_buffers_with_the_buffer_protocol():
    value = quiver.deserialize(quiver.serialize(pyarrow.py_buffer(b"abc")).to_buffer())
    assert type(value) is quiver.Buffer
    assert (bytes(value), len(value), value.size, value.to_pybytes()) == (b"abc", 3, 3, b"abc")
    view = memoryview(value)
    assert view.readonly and view.tobytes() == b"abc"
    assert value == b"abc" and value.equals(pyarrow.py_buffer(b"abc"))
    assert pyarrow.py_buffer(value).to_pybytes() == b"abc"
    assert quiver.deserialize(quiver.serialize(value).to_buffer()) == b"abc"


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y


def test_a_type_registered_without_serializer_goes_through_its_dict():
    ctx = quiver.SerializationContext()
    ctx.register_type(Point, "Point")
    back = quiver.deserialize(quiver.serialize([Point(1, "a")], ctx).to_buffer(), ctx)
    assert type(back[0]) is Point and vars(back[0]) == {"x": 1, "y": "a"}


def test_a_type_registered_with_a_serializer_uses_it():
    ctx = quiver.SerializationContext()
    ctx.register_type(Point, "P", custom_serializer=lambda p: [p.x, p.y],
                      custom_deserializer=lambda d: Point(*d))
    back = quiver.deserialize(quiver.serialize(Point(3, 4), ctx).to_buffer(), ctx)
    assert type(back) is Point and (back.x, back.y) == (3, 4)
    # without the registration the id is reported, with what to do
    with pytest.raises(quiver.ArrowSerializationError) as e:
        quiver.deserialize(quiver.serialize(Point(3, 4), ctx).to_buffer())
    assert str(e.value) == (
        "the blob holds an object written by a custom serializer of custom type id 'P', "
        "which is not registered in this SerializationContext: register the class with "
        "register_type(cls, 'P', ...) and pass that context")


def test_context_methods_serialize_and_deserialize_with_the_context():
    ctx = quiver.SerializationContext()
    ctx.register_type(Point, "P", custom_serializer=lambda p: [p.x, p.y],
                      custom_deserializer=lambda d: Point(*d))
    blob = ctx.serialize(Point(5, 6)).to_buffer()
    assert blob.to_pybytes() == quiver.serialize(Point(5, 6), ctx).to_buffer().to_pybytes()
    back = ctx.deserialize(blob)
    assert type(back) is Point and (back.x, back.y) == (5, 6)
    sink = io.BytesIO()
    ctx.serialize_to(Point(5, 6), sink)
    assert sink.getvalue() == blob.to_pybytes()
    # a clone keeps the registrations, and later ones stay apart
    other = ctx.clone()
    other.register_type(Point, "Q")
    assert type(ctx.deserialize(blob)) is Point
    with pytest.raises(quiver.ArrowSerializationError):
        other.deserialize(blob)
    # allow_pickle is passed through
    pickled = quiver.Pickled("T", pickle.dumps(Point(7, 8)))
    assert ctx.deserialize(ctx.serialize(pickled).to_buffer()) == pickled
    opened = ctx.deserialize(ctx.serialize(pickled).to_buffer(), allow_pickle=True)
    assert type(opened) is Point and (opened.x, opened.y) == (7, 8)


def test_unregistered_types_are_refused_with_what_to_do():
    with pytest.raises(quiver.ArrowSerializationError) as e:
        quiver.serialize({"p": Point(1, 2)})
    assert str(e.value) == (
        "quiver does not know how to serialize objects of type test_legacy.Point: register "
        "the class with SerializationContext.register_type(cls, type_id, ...) and pass that "
        "context")


def test_pickle_payloads_stay_opaque_unless_registered_or_allowed():
    data = blob("custom_pickle_fraction")
    want = expected("custom_pickle_fraction")
    # registered with pickle=True: trusted
    trusted = quiver.deserialize(data, make_context())
    assert legacy_canon.match(want, trusted) == []
    # not registered: opaque, and written back unchanged
    opaque = quiver.deserialize(data)
    assert legacy_canon.match(want, opaque) != []
    pickled = [v for v in (opaque if isinstance(opaque, list) else [opaque])
               if isinstance(v, quiver.Pickled)]
    assert pickled and all(p.type_id == "fractions.Fraction" for p in pickled)
    again = quiver.serialize(opaque).to_buffer()
    assert quiver.deserialize(again) == opaque
    assert legacy_canon.match(want, quiver.deserialize(again, make_context())) == []
    # allowed explicitly
    allowed = quiver.deserialize(data, allow_pickle=True)
    assert legacy_canon.match(want, allowed) == []


def test_classes_are_pickled_but_read_back_only_with_allow_pickle():
    serialized = quiver.serialize([fractions.Fraction]).to_buffer()
    opaque = quiver.deserialize(serialized)
    assert type(opaque[0]) is quiver.Pickled and opaque[0].type_id == "type"
    assert quiver.deserialize(serialized, allow_pickle=True) == [fractions.Fraction]


def test_pickled_is_a_plain_value():
    p = quiver.Pickled("t", b"\x80\x04N.")
    assert (p.type_id, p.data, p == quiver.Pickled("t", b"\x80\x04N.")) == ("t", b"\x80\x04N.", True)
    assert repr(p) == "quiver.Pickled(type_id='t', data=<4 bytes>)"
    assert quiver.deserialize(quiver.serialize(p).to_buffer()) == p


def test_truncated_blob_is_arrow_invalid():
    data = blob("nested")
    with pytest.raises(quiver.ArrowInvalid) as e:
        quiver.deserialize(data[:8])
    assert isinstance(e.value, ValueError)
    assert str(e.value) == (
        "legacy blob is truncated: the count header at byte 8 needs 4 bytes, but only 0 "
        "remain (the blob was cut off, or is not a pyarrow.serialize blob)")
    with pytest.raises(quiver.ArrowInvalid) as e:
        quiver.deserialize(data[:40])
    assert str(e.value) == (
        "legacy blob: the record batch stream at byte 16: unexpected end of input at "
        "message 0, byte 24: the stream ends inside 2776 bytes of message metadata")


def test_garbage_is_arrow_invalid():
    with pytest.raises(quiver.ArrowInvalid):
        quiver.deserialize(b"\xff" * 64)
    with pytest.raises(quiver.ArrowInvalid):
        quiver.deserialize(b"")


def test_every_truncation_of_a_blob_raises_an_arrow_exception():
    data = blob("mixed_everything")
    for n in range(0, len(data), 7):
        with pytest.raises(quiver.ArrowException):
            quiver.deserialize(data[:n], make_context())


def test_input_without_the_buffer_protocol_is_arrow_type_error():
    with pytest.raises(quiver.ArrowTypeError) as e:
        quiver.deserialize(12)
    assert isinstance(e.value, TypeError)
    assert str(e.value).startswith(
        "expected contiguous memory with the buffer protocol (bytes, bytearray, memoryview, "
        "a numpy array, pyarrow.Buffer, quiver.Buffer), got a int: ")


def test_a_components_dict_missing_a_key_is_arrow_invalid():
    parts = components("nested")
    del parts["num_ndarrays"]
    with pytest.raises(quiver.ArrowInvalid) as e:
        quiver.deserialize_components(parts)
    assert str(e.value) == (
        "components[\"num_ndarrays\"] is missing: expected the dict that to_components() "
        "returns (num_tensors, num_sparse_tensors, num_ndarrays, num_buffers: counts; data: "
        "a list of buffers)")


def test_unsupported_dtypes_are_serialization_errors():
    with pytest.raises(quiver.ArrowSerializationError) as e:
        quiver.serialize(np.array(["a"]))
    assert str(e.value).startswith('cannot serialize a numpy array of dtype "<U1": ')


def test_self_containing_values_are_refused():
    loop = []
    loop.append(loop)
    with pytest.raises(quiver.ArrowSerializationError) as e:
        quiver.serialize(loop)
    assert str(e.value) == (
        "the object nests deeper than 100 levels (or contains itself): the legacy format "
        "cannot hold it")


def test_exception_classes_follow_pyarrow():
    assert issubclass(quiver.ArrowInvalid, (ValueError, quiver.ArrowException))
    assert issubclass(quiver.ArrowTypeError, TypeError)
    assert issubclass(quiver.ArrowIOError, OSError)
    assert issubclass(quiver.ArrowNotImplementedError, NotImplementedError)
    assert issubclass(quiver.ArrowSerializationError, quiver.ArrowException)


def test_the_docstring_examples_run():
    import doctest

    import quiver.serialization

    result = doctest.testmod(quiver.serialization)
    assert (result.failed, result.attempted) == (0, 12)


def test_sparse_tensors_are_not_implemented_and_bad_parts_are_invalid():
    parts = quiver.serialize([1]).to_components()
    parts["num_sparse_tensors"]["coo"] = 1
    with pytest.raises(quiver.ArrowNotImplementedError) as e:
        quiver.deserialize_components(parts)
    assert isinstance(e.value, NotImplementedError)
    assert str(e.value) == "legacy blob at components uses 1 sparse tensors, which is not supported"
    parts = quiver.serialize([1]).to_components()
    parts["data"][0] = b"x"
    with pytest.raises(quiver.ArrowInvalid) as e:
        quiver.deserialize_components(parts)
    assert str(e.value) == (
        "legacy blob: the record batch stream at byte 0: unexpected end of input at message "
        "0, byte 1: the stream ends inside a message length prefix")
