"""Seeds for the `flight_data` fuzz target: valid Flight data streams (schema, dictionary
and record batch messages, each a protobuf-encoded FlightData) in the target's input
format: one byte for the message count, two bytes (little-endian) for the length of each
message but the last, then the messages.

Run with pyarrow: python3 seed_flight_data.py corpus/flight_data
"""

import os
import struct
import sys

import pyarrow as pa


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number, payload):
    # Wire type 2 (length-delimited): data_header = 2, data_body = 1000.
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def flight_data(message):
    out = field(2, message.metadata.to_pybytes())
    if message.body is not None and message.body.size:
        out += field(1000, message.body.to_pybytes())
    return out


def streams():
    colours = pa.array(["red", "green", None, "red"]).dictionary_encode()
    yield pa.record_batch(
        [pa.array([1, None, 3, 4], pa.int64()), pa.array(["a", "bb", None, "dddd"]), colours],
        names=["n", "s", "d"],
    )
    yield pa.record_batch([pa.array([True, None, False])], names=["b"])
    yield pa.record_batch(
        [pa.array([[1, 2], None, [3]], pa.list_(pa.int32())), pa.array([1.5, 2.5, None])],
        names=["l", "f"],
    )


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for i, batch in enumerate(streams()):
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, batch.schema) as writer:
            writer.write_batch(batch)
        reader = pa.ipc.MessageReader.open_stream(sink.getvalue())
        messages = [flight_data(m) for m in reader][:4]
        head = bytes([len(messages) - 1])
        for m in messages[:-1]:
            head += struct.pack("<H", len(m))
        with open(os.path.join(out_dir, f"seed-{i}"), "wb") as f:
            f.write(head + b"".join(messages))


if __name__ == "__main__":
    main(sys.argv[1])
