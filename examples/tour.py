"""The seed page (pyarrow's "Streaming, Serialization, and IPC") in Python, with
``quiver`` in place of ``pa`` wherever quiver has the API.

quiver builds no arrays from Python lists, so the data is made with pyarrow (``pa``)
and crosses into quiver through the Arrow PyCapsule interface, zero-copy. Everything
else (writers, readers, memory maps, memory figures, legacy serialization) is quiver.

    pip install ./crates/quiver-python pyarrow polars
    python examples/tour.py
"""

import os
import shutil
import sys
import tempfile

import numpy as np
import pyarrow as pa

import quiver


class MyData:
    def __init__(self, name, data):
        self.name = name
        self.data = data


def heading(title):
    print("\n== %s ==" % title)


def main():
    orig_working_dir = os.getcwd()
    temp_working_dir = tempfile.mkdtemp(prefix="quiver-")
    os.chdir(temp_working_dir)
    try:
        tour()
    finally:
        os.chdir(orig_working_dir)
        shutil.rmtree(temp_working_dir, ignore_errors=True)


def tour():
    heading("1-2. a record batch (built by pyarrow, read by quiver)")
    data = [
        pa.array([1, 2, 3, 4]),
        pa.array(['foo', 'bar', 'baz', None]),
        pa.array([True, None, False, True]),
    ]
    batch = quiver.record_batch(pa.record_batch(data, names=['f0', 'f1', 'f2']))
    print("num_rows:", batch.num_rows)
    print("num_columns:", batch.num_columns)

    heading("3-4. a stream of 5 batches into a BufferOutputStream")
    sink = quiver.BufferOutputStream()
    with quiver.ipc.new_stream(sink, batch.schema) as writer:
        for i in range(5):
            writer.write_batch(batch)
    buf = sink.getvalue()
    print("buf.size:", buf.size)

    heading("5-6. reading the stream back")
    with quiver.ipc.open_stream(buf) as reader:
        schema = reader.schema
        batches = [b for b in reader]
    print(schema)
    print("len(batches):", len(batches))
    print("batches[0].equals(batch):", batches[0].equals(batch))

    heading("7. zero-copy: the batches point into buf")
    start = buf.address
    column = pa.record_batch(batches[0]).column(0)
    print("inside buf:", start <= column.buffers()[1].address < start + buf.size)

    heading("8. a file of 10 batches")
    sink = quiver.BufferOutputStream()
    with quiver.ipc.new_file(sink, batch.schema) as writer:
        for i in range(10):
            writer.write_batch(batch)
    buf = sink.getvalue()
    print("buf.size:", buf.size)

    heading("9. random access")
    with quiver.ipc.open_file(buf) as reader:
        num_record_batches = reader.num_record_batches
        b = reader.get_batch(3)
    print("num_record_batches:", num_record_batches)
    print("b.equals(batch):", b.equals(batch))

    heading("10. all batches as one table (read_pandas in the seed)")
    with quiver.ipc.open_file(buf) as reader:
        table = reader.read_all()
    try:
        import polars as pl
        print(pl.DataFrame(table)[:5])
    except ImportError:
        print(pa.table(table).slice(0, 5))

    heading("11. 10M int32 in 1000 batches to bigfile.arrow")
    BATCH_SIZE = 10000
    NUM_BATCHES = 1000
    schema = pa.schema([pa.field('nums', pa.int32())])
    with quiver.ipc.new_file('bigfile.arrow', schema) as writer:
        for row in range(NUM_BATCHES):
            batch = pa.record_batch([pa.array(range(BATCH_SIZE), type=pa.int32())], schema)
            writer.write(batch)
    print("bigfile.arrow:", os.path.getsize('bigfile.arrow'), "bytes")

    heading("12. read back from a plain file: quiver allocates the data")
    loaded_array = quiver.ipc.open_file('bigfile.arrow').read_all()
    print("LEN:", len(loaded_array))
    print("RSS: {}MB".format(quiver.total_allocated_bytes() >> 20))

    heading("13. read back through a memory map: nothing allocated")
    with quiver.memory_map('bigfile.arrow') as source:
        loaded_array = quiver.ipc.open_file(source).read_all()
    print("LEN:", len(loaded_array))
    print("RSS: {}MB".format(quiver.total_allocated_bytes() >> 20))
    del loaded_array

    heading("14. legacy serialization of a dict of 100 500x500 arrays")
    data = {
        i: np.random.randn(500, 500)
        for i in range(100)
    }
    buf = quiver.serialize(data).to_buffer()
    print(type(buf), buf.size)
    restored_data = quiver.deserialize(buf)
    print("restored_data[0] equal:", np.array_equal(restored_data[0], data[0]))

    heading("15. unknown types: registered with pickle=True, or refused")
    val = MyData('example', np.arange(3))
    try:
        quiver.serialize(val)
    except quiver.ArrowSerializationError as e:
        print("unregistered:", str(e).splitlines()[0])
    context = quiver.SerializationContext()
    context.register_type(MyData, 'MyData', pickle=True)
    restored_val = context.deserialize(context.serialize(val).to_buffer())
    print("pickled and back:", type(restored_val).__name__, restored_val.name)

    heading("16. a registered custom type")

    def _serialize_MyData(val):
        return {'name': val.name, 'data': val.data}

    def _deserialize_MyData(data):
        return MyData(data['name'], data['data'])

    context = quiver.SerializationContext()
    context.register_type(MyData, 'MyData',
                          custom_serializer=_serialize_MyData,
                          custom_deserializer=_deserialize_MyData)
    buf = context.serialize(val).to_buffer()
    restored_val = context.deserialize(buf)
    print("restored:", type(restored_val).__name__, restored_val.name, restored_val.data)

    heading("17. components, without copying the arrays")
    data = [np.random.randn(10, 10) for i in range(5)]
    serialized = quiver.serialize(data)
    components = serialized.to_components()
    print(memoryview(components['data'][0]))
    mv = memoryview(components['data'][0])
    buf = quiver.py_buffer(mv)
    print(buf)
    restored_data = quiver.deserialize_components(components)
    print("restored_data[0] equal:", np.array_equal(restored_data[0], data[0]))


if __name__ == "__main__":
    sys.exit(main())
