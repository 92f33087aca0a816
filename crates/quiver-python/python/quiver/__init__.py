"""Quiver for Python: Apache Arrow IPC and pyarrow's legacy serialization, in Rust.

This release has legacy serialization with pyarrow 10's names (:func:`serialize`,
:func:`deserialize`, :func:`deserialize_components`, :class:`SerializationContext`,
:func:`default_serialization_context`), which opens ``pa.serialize`` blobs on a
current Python without pyarrow 10.

**Pickle is arbitrary code execution.** Pickled payloads in a blob are unpickled only
for types you registered with ``pickle=True``, or with ``allow_pickle=True``; otherwise
they come back as opaque :class:`Pickled` objects. See :mod:`quiver.serialization`.

Errors are :class:`ArrowException` subclasses (:mod:`quiver.exceptions`).
:func:`total_allocated_bytes` reports the memory Quiver's allocator holds.
"""

from ._quiver import Buffer, SerializedObject, total_allocated_bytes
from .exceptions import (
    ArrowException,
    ArrowInvalid,
    ArrowIOError,
    ArrowNotImplementedError,
    ArrowSerializationError,
    ArrowTypeError,
)
from .serialization import (
    Pickled,
    SerializationContext,
    default_serialization_context,
    deserialize,
    deserialize_components,
    serialize,
)

__all__ = [
    "ArrowException",
    "ArrowIOError",
    "ArrowInvalid",
    "ArrowNotImplementedError",
    "ArrowSerializationError",
    "ArrowTypeError",
    "Buffer",
    "Pickled",
    "SerializationContext",
    "SerializedObject",
    "default_serialization_context",
    "deserialize",
    "deserialize_components",
    "serialize",
    "total_allocated_bytes",
]
