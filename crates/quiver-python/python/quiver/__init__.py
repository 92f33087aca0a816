"""Quiver for Python: Apache Arrow IPC and pyarrow's legacy serialization, in Rust.

Arrow IPC files and streams: :mod:`quiver.ipc` (``open_file``, ``open_stream``,
``new_file``, ``new_stream``) over paths, buffer-protocol objects, :func:`memory_map`
and :class:`BufferOutputStream`. :class:`Schema`, :class:`RecordBatch`, :class:`Table`,
:class:`Array` and the readers implement the Arrow PyCapsule interface
(``__arrow_c_schema__``, ``__arrow_c_array__``, ``__arrow_c_stream__``), so pyarrow and
polars take their data zero-copy; :func:`schema`, :func:`record_batch`, :func:`table`
and :func:`array` import from any object that exports it.

It also has legacy serialization with pyarrow 10's names (:func:`serialize`,
:func:`deserialize`, :func:`deserialize_components`, :class:`SerializationContext`,
:func:`default_serialization_context`), which opens ``pa.serialize`` blobs on a
current Python without pyarrow 10. Arrow arrays, record batches and tensors in a blob
come back as pyarrow objects when pyarrow is installed, and as :class:`Array`,
:class:`RecordBatch` and :class:`Tensor` (``to_numpy()``, zero-copy) otherwise.

**Pickle is arbitrary code execution.** Pickled payloads in a blob are unpickled only
for types you registered with ``pickle=True``, or with ``allow_pickle=True``; otherwise
they come back as opaque :class:`Pickled` objects. See :mod:`quiver.serialization`.

Errors are :class:`ArrowException` subclasses (:mod:`quiver.exceptions`).
:func:`total_allocated_bytes` reports the memory Quiver's allocator holds.
"""

from ._quiver import (
    Array,
    Buffer,
    BufferOutputStream,
    MemoryMappedFile,
    RecordBatch,
    Schema,
    SerializedObject,
    Table,
    Tensor,
    array,
    memory_map,
    py_buffer,
    record_batch,
    schema,
    table,
    total_allocated_bytes,
)
from . import ipc
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
    "Array",
    "BufferOutputStream",
    "MemoryMappedFile",
    "RecordBatch",
    "Schema",
    "Table",
    "Tensor",
    "array",
    "ipc",
    "memory_map",
    "py_buffer",
    "record_batch",
    "schema",
    "table",
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
