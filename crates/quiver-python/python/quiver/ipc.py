"""Arrow IPC readers and writers, with pyarrow's names (``pyarrow.ipc``).

Reading::

    with quiver.ipc.open_file(source) as reader:      # the file (random access) format
        reader.schema, reader.num_record_batches
        batch = reader.get_batch(3)
        table = reader.read_all()

    for batch in quiver.ipc.open_stream(source):       # the stream format
        ...

``source`` is a path (``str`` or ``os.PathLike``), any object with the buffer protocol
(``bytes``, ``memoryview``, a numpy array, ``pyarrow.Buffer``, ``quiver.Buffer``: read
zero-copy, the object is kept alive by the columns that point into it), or
``quiver.memory_map(path)`` (zero-copy: the columns point into the map). Everything read
is fully validated; a malformed input raises :class:`quiver.ArrowInvalid`, an
unsupported feature :class:`quiver.ArrowNotImplementedError`, a failed read
:class:`quiver.ArrowIOError` (a missing path: ``FileNotFoundError``). Errors met while a
consumer reads an exported stream reach it through the C stream interface (pyarrow
raises them as ``OSError``). ``value_range_checks=False`` accepts values outside their
type's meaning (decimals with more digits than their precision, date64 values that are
not whole days), which some old producers wrote; memory safety is checked either way.

Readers, batches and tables implement the Arrow PyCapsule interface, so
``pyarrow.table(reader)``, ``pyarrow.record_batch(batch)`` and
``polars.DataFrame(reader)`` take the data without copying it.

Writing::

    sink = quiver.BufferOutputStream()
    with quiver.ipc.new_stream(sink, schema, compression="zstd") as writer:
        writer.write(pyarrow_table_or_batch_or_polars_frame)
    buf = sink.getvalue()

``schema`` is anything with ``__arrow_c_schema__`` (a ``pyarrow.Schema``, a
``quiver.Schema``); ``write`` takes anything with ``__arrow_c_stream__`` or
``__arrow_c_array__``. ``compression`` is ``None``, ``"lz4"`` or ``"zstd"``.
"""

from ._quiver import (
    RecordBatchFileReader,
    RecordBatchStreamReader,
    RecordBatchWriter,
    new_file,
    new_stream,
    open_file,
    open_stream,
)

__all__ = [
    "RecordBatchFileReader",
    "RecordBatchStreamReader",
    "RecordBatchWriter",
    "new_file",
    "new_stream",
    "open_file",
    "open_stream",
]
