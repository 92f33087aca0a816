"""Legacy serialization: pyarrow's ``serialize`` / ``deserialize`` (pyarrow <= 10).

The names and semantics follow pyarrow 10, so code written for ``pa.serialize`` reads
the same with ``quiver`` in place of ``pa``, on any current Python:

>>> import quiver
>>> blob = quiver.serialize({"a": [1, 2.5, "x"], "b": (None, b"raw")}).to_buffer()
>>> quiver.deserialize(blob)
{'a': [1, 2.5, 'x'], 'b': (None, b'raw')}

Security: pickle is arbitrary code execution
============================================

A blob can hold pickled objects (types registered with ``pickle=True``, and classes
themselves). Unpickling runs code chosen by whoever wrote the blob, so quiver unpickles
a payload **only** when

* its type id was registered with ``pickle=True`` in the context you pass, or
* you call ``deserialize(..., allow_pickle=True)`` (or ``deserialize_components``),
  which you should do only for blobs you trust completely.

Otherwise a pickled payload comes back as an opaque :class:`Pickled` holding the type
id and the pickle bytes, which serializes back unchanged. This differs from pyarrow,
which unpickled whatever it found; in particular the default context's ``type`` entry
(class objects) serializes classes but does not unpickle them without
``allow_pickle=True``.
"""

import collections
import pickle as _pickle

from . import _quiver
from ._quiver import SerializedObject
from .exceptions import ArrowInvalid, ArrowSerializationError, ArrowTypeError

__all__ = [
    "Pickled",
    "SerializationContext",
    "SerializedObject",
    "default_serialization_context",
    "deserialize",
    "deserialize_components",
    "serialize",
]


class Pickled:
    """A pickled payload that was not unpickled (see the module's security note).

    ``type_id`` is the registered type id the writer used, ``data`` the pickle stream.
    Serializing a ``Pickled`` writes the payload back exactly as it was read.

    >>> p = Pickled("fractions.Fraction", b"...")
    >>> p.type_id, p.data
    ('fractions.Fraction', b'...')
    """

    __slots__ = ("type_id", "data")

    def __init__(self, type_id, data):
        if not isinstance(type_id, str):
            raise ArrowTypeError("Pickled type_id must be a str, got %s" % type(type_id).__name__)
        self.type_id = type_id
        self.data = bytes(data)

    def __eq__(self, other):
        if type(other) is not Pickled:
            return NotImplemented
        return self.type_id == other.type_id and self.data == other.data

    def __hash__(self):
        return hash((self.type_id, self.data))

    def __repr__(self):
        return "quiver.Pickled(type_id=%r, data=<%d bytes>)" % (self.type_id, len(self.data))


class _Registration:
    __slots__ = ("cls", "type_id", "pickle", "trusted", "serializer", "deserializer")

    def __init__(self, cls, type_id, pickle, trusted, serializer, deserializer):
        self.cls = cls
        self.type_id = type_id
        self.pickle = pickle
        self.trusted = trusted
        self.serializer = serializer
        self.deserializer = deserializer


def _qualified_name(cls):
    return "%s.%s" % (cls.__module__, cls.__qualname__)


class SerializationContext:
    """The registry of custom types (pyarrow's ``SerializationContext``).

    A new context is empty. :func:`default_serialization_context` gives one with
    pyarrow's default handlers (``OrderedDict``, ``defaultdict``, ``Counter``,
    ``deque``, classes). Ints beyond int64, bool arrays, pyarrow arrays and record
    batches need no registration in any context.

    >>> class Point:
    ...     def __init__(self, x, y):
    ...         self.x, self.y = x, y
    >>> ctx = SerializationContext()
    >>> ctx.register_type(Point, "Point")
    >>> p = deserialize(serialize(Point(1, 2), ctx).to_buffer(), ctx)
    >>> (type(p).__name__, p.x, p.y)
    ('Point', 1, 2)
    """

    def __init__(self):
        self._by_class = {}
        self._by_id = {}

    def register_type(self, type_, type_id, pickle=False, custom_serializer=None,
                      custom_deserializer=None):
        """Registers the class ``type_`` under ``type_id``.

        * With ``custom_serializer`` and ``custom_deserializer``: the object is written
          as ``custom_serializer(obj)`` and read back as
          ``custom_deserializer(payload)``.
        * With ``pickle=True``: the object is written as ``pickle.dumps(obj)``, and
          payloads of this id are unpickled when read (you trust them by registering).
        * With neither: the object's ``__dict__`` is written, and read back into a new
          instance made with ``type_.__new__`` (``__init__`` is not called).

        A later registration of the same class or id replaces the earlier one.
        """
        if not isinstance(type_, type):
            raise ArrowTypeError("register_type needs a class, got %r" % (type_,))
        if not isinstance(type_id, str):
            raise ArrowTypeError("type_id must be a str, got %s" % type(type_id).__name__)
        if (custom_serializer is None) != (custom_deserializer is None):
            raise ArrowInvalid(
                "register_type(%r): give both custom_serializer and custom_deserializer, "
                "or neither" % type_id)
        if pickle and custom_serializer is not None:
            raise ArrowInvalid(
                "register_type(%r): pickle=True and a custom serializer exclude each other"
                % type_id)
        self._add(_Registration(type_, type_id, bool(pickle), bool(pickle),
                                custom_serializer, custom_deserializer))

    def serialize(self, obj):
        """``obj`` written with this context (``serialize(obj, context=self)``).

        >>> ctx = SerializationContext()
        >>> ctx.deserialize(ctx.serialize({"a": [1, 2.5]}).to_buffer())
        {'a': [1, 2.5]}
        """
        return serialize(obj, context=self)

    def serialize_to(self, value, sink):
        """Writes ``value``'s blob to ``sink``, anything with a ``write`` method
        (a file opened for binary writing, ``io.BytesIO``)."""
        sink.write(self.serialize(value).to_buffer())

    def deserialize(self, what, allow_pickle=False):
        """The value of the blob ``what``, read with this context
        (``deserialize(what, context=self, allow_pickle=...)``; see
        :func:`deserialize` for the pickle rule)."""
        return deserialize(what, context=self, allow_pickle=allow_pickle)

    def clone(self):
        """A new context with the same registrations; registering on either afterwards
        does not change the other."""
        other = SerializationContext()
        other._by_class = dict(self._by_class)
        other._by_id = dict(self._by_id)
        return other

    def _add(self, registration):
        old = self._by_id.get(registration.type_id)
        if old is not None:
            self._by_class.pop(old.cls, None)
        old = self._by_class.get(registration.cls)
        if old is not None:
            self._by_id.pop(old.type_id, None)
        self._by_class[registration.cls] = registration
        self._by_id[registration.type_id] = registration

    # The hooks below are called by quiver._quiver while it converts values.

    def _encode(self, obj):
        """``("custom" | "object" | "pickled", type_id, payload)`` for ``obj``."""
        cls = type(obj)
        if cls is Pickled:
            return ("pickled", obj.type_id, obj.data)
        # As in pyarrow, the nearest registered class in the MRO: a subclass of a
        # registered class is written as that class, a class whose metaclass derives
        # from `type` as a class.
        reg = next((self._by_class[c] for c in cls.__mro__ if c in self._by_class), None)
        if reg is None:
            raise ArrowSerializationError(
                "quiver does not know how to serialize objects of type %s: register the "
                "class with SerializationContext.register_type(cls, type_id, ...) and pass "
                "that context" % _qualified_name(cls))
        if reg.pickle:
            return ("pickled", reg.type_id, _pickle.dumps(obj))
        if reg.serializer is not None:
            return ("custom", reg.type_id, reg.serializer(obj))
        try:
            attributes = dict(vars(obj))
        except TypeError:
            raise ArrowSerializationError(
                "%s is registered as %r without a serializer, so its __dict__ is written, "
                "but it has none (it uses __slots__?): register it with "
                "custom_serializer/custom_deserializer or pickle=True"
                % (_qualified_name(cls), reg.type_id)) from None
        return ("object", reg.type_id, attributes)

    def _registration(self, type_id, what):
        reg = self._by_id.get(type_id)
        if reg is None:
            raise ArrowSerializationError(
                "the blob holds %s of custom type id %r, which is not registered in this "
                "SerializationContext: register the class with "
                "register_type(cls, %r, ...) and pass that context" % (what, type_id, type_id))
        return reg

    def _decode_custom(self, type_id, payload):
        reg = self._registration(type_id, "an object written by a custom serializer")
        if reg.deserializer is None:
            raise ArrowSerializationError(
                "the blob holds an object of custom type id %r written by a custom "
                "serializer, but %s is registered without custom_deserializer"
                % (type_id, _qualified_name(reg.cls)))
        return reg.deserializer(payload)

    def _decode_object(self, type_id, attributes):
        reg = self._registration(type_id, "an object written through its __dict__")
        obj = reg.cls.__new__(reg.cls)
        obj.__dict__.update(attributes)
        return obj

    def _decode_pickled(self, type_id, data, allow_pickle):
        reg = self._by_id.get(type_id)
        if allow_pickle or (reg is not None and reg.trusted):
            return _pickle.loads(data)
        return Pickled(type_id, data)


def _pair_lists(d):
    return list(d.keys()), list(d.values())


def default_serialization_context():
    """A new context with pyarrow 10's default handlers.

    ``collections.OrderedDict``, ``collections.defaultdict``, ``collections.Counter``
    and ``collections.deque`` are registered with serializers, and ``type`` (class
    objects) with pickle, for writing only: reading a class back needs
    ``allow_pickle=True`` (see the module's security note). Each call returns a new
    context, so registering types on it changes no one else's.
    """
    ctx = SerializationContext()
    ctx.register_type(
        collections.OrderedDict, "collections.OrderedDict",
        custom_serializer=_pair_lists,
        custom_deserializer=lambda d: collections.OrderedDict(zip(d[0], d[1])))
    ctx.register_type(
        collections.defaultdict, "collections.defaultdict",
        custom_serializer=lambda d: (list(d.keys()), list(d.values()), d.default_factory),
        custom_deserializer=lambda d: collections.defaultdict(d[2], zip(d[0], d[1])))
    ctx.register_type(
        collections.Counter, "collections.Counter",
        custom_serializer=_pair_lists,
        custom_deserializer=lambda d: collections.Counter(dict(zip(d[0], d[1]))))
    ctx.register_type(
        collections.deque, "collections.deque",
        custom_serializer=list,
        custom_deserializer=collections.deque)
    ctx._add(_Registration(type, "type", True, False, None, None))
    return ctx


_DEFAULT = default_serialization_context()


def serialize(value, context=None):
    """``value`` in pyarrow's legacy format, as a :class:`SerializedObject`.

    Call ``.to_buffer()`` for the blob or ``.to_components()`` for separate buffers.
    ``context`` (default: :func:`default_serialization_context`'s handlers) says how
    to write registered custom types; other unknown types raise
    :class:`~quiver.ArrowSerializationError`. numpy arrays are not copied.
    """
    return _quiver.serialize(value, _DEFAULT if context is None else context)


def deserialize(buf, context=None, allow_pickle=False):
    """The value a legacy blob holds (``pa.deserialize``).

    ``buf`` is anything with the buffer protocol: ``bytes``, ``memoryview``, a numpy
    array, ``pyarrow.Buffer``, :class:`quiver.Buffer`. numpy arrays in the value are
    read-only views of ``buf`` (no copy); buffers come back as :class:`quiver.Buffer`;
    Arrow arrays, record batches and tensors as pyarrow objects when pyarrow is
    installed, else as :class:`quiver.Array`, :class:`quiver.RecordBatch` and
    :class:`quiver.Tensor` (zero-copy too).

    Pickled payloads are unpickled only for type ids registered with ``pickle=True`` in
    ``context``, or everywhere with ``allow_pickle=True``: **unpickling runs code
    from the blob**, so pass it only for blobs you trust. Otherwise they come back as
    :class:`Pickled`.

    Raises :class:`~quiver.ArrowInvalid` for a malformed blob,
    :class:`~quiver.ArrowNotImplementedError` for unsupported features and
    :class:`~quiver.ArrowSerializationError` for unregistered custom type ids.
    """
    return _quiver.deserialize(buf, _DEFAULT if context is None else context,
                               bool(allow_pickle))


def deserialize_components(components, context=None, allow_pickle=False):
    """The value of a blob given as separate buffers (``pa.deserialize_components``).

    ``components`` is the dict ``SerializedObject.to_components()`` returns (pyarrow's
    layout: ``num_tensors``, ``num_sparse_tensors``, ``ndim_csf``, ``num_ndarrays``,
    ``num_buffers``, and ``data``, a list of buffer-protocol objects). ``context`` and
    ``allow_pickle`` (**unpickling runs code from the input**) work as in
    :func:`deserialize`.
    """
    return _quiver.deserialize_components(
        components, _DEFAULT if context is None else context, bool(allow_pickle))
