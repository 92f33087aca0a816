"""pyarrow.flight on either side of Quiver's Flight code (run by tests/cli_flight_pyarrow.rs).

Two modes:

``client URL MANIFEST OUT_JSON [--token TOKEN] [--put-dir DIR]``
    pyarrow.flight as the client of ``quiver flight serve``. MANIFEST is a JSON list of
    ``{"name": served file name, "path": the file on disk}``. For every entry:
    ``get_flight_info`` and ``get_schema`` must give the file's schema and row count, and
    ``do_get`` must give a table equal to pyarrow's own reading of the file (schema and
    field metadata included). ``list_flights`` must list exactly the served names. Then
    a pyarrow table of many types is uploaded with ``do_put`` as ``from_pyarrow.arrow``
    and, with ``--put-dir``, read back from that directory by pyarrow and compared. With
    ``--token``, calls carry ``authorization: Bearer TOKEN``, and a call without it and
    one with a wrong token must both fail as unauthenticated. Writes a JSON summary.

``serve DIR``
    A pyarrow.flight server for Quiver's client: lists the Arrow IPC files in DIR, serves
    them by name through ``do_get``, writes ``do_put`` uploads into DIR as IPC files.
    Prints ``listening on grpc://127.0.0.1:PORT`` first, then serves until stdin closes.
"""

import decimal
import json
import os
import sys
import threading

import pyarrow as pa
import pyarrow.flight as flight
import pyarrow.ipc as ipc


def read_file(path):
    with open(path, "rb") as f:
        head = f.read(6)
    if head == b"ARROW1":
        return ipc.open_file(path).read_all()
    return ipc.open_stream(path).read_all()


def same(expected, got, what):
    if not expected.schema.equals(got.schema, check_metadata=True):
        raise AssertionError(f"{what}: schema differs:\n{expected.schema}\n---\n{got.schema}")
    if not expected.equals(got):
        raise AssertionError(f"{what}: data differs")


def sample_table():
    n = 1000
    return pa.table(
        {
            "i64": pa.array([i if i % 7 else None for i in range(n)], pa.int64()),
            "f64": pa.array([i / 3 for i in range(n)], pa.float64()),
            "s": pa.array([f"row {i}" if i % 5 else None for i in range(n)]),
            "b": pa.array([i % 3 == 0 for i in range(n)]),
            "d": pa.array([["red", "green", "blue"][i % 3] for i in range(n)]).dictionary_encode(),
            "l": pa.array([[i, i + 1] if i % 4 else [] for i in range(n)], pa.list_(pa.int32())),
            "st": pa.array([{"x": i, "y": str(i)} for i in range(n)]),
            "ts": pa.array(range(n), pa.timestamp("us", tz="UTC")),
            "dec": pa.array([decimal.Decimal(i).scaleb(-2) for i in range(n)], pa.decimal128(12, 2)),
        },
        metadata={"origin": "pyarrow"},
    )


def client(url, manifest_path, out_path, token=None, put_dir=None):
    with open(manifest_path) as f:
        manifest = json.load(f)
    options = flight.FlightCallOptions()
    if token is not None:
        options = flight.FlightCallOptions(headers=[(b"authorization", b"Bearer " + token.encode())])
    conn = flight.connect(url)
    summary = {"checked": 0, "skipped": [], "unauthenticated": 0, "put": False}

    listed = sorted(
        "/".join(info.descriptor.path[i].decode() for i in range(len(info.descriptor.path)))
        for info in conn.list_flights(options=options)
    )
    expected_names = sorted(e["name"] for e in manifest)
    if listed != expected_names:
        raise AssertionError(f"list_flights: {listed} != {expected_names}")

    for entry in manifest:
        name, path = entry["name"], entry["path"]
        try:
            expected = read_file(path)
        except Exception as e:  # pyarrow itself cannot read this golden file
            summary["skipped"].append(f"{name}: {e}")
            continue
        descriptor = flight.FlightDescriptor.for_path(name)
        info = conn.get_flight_info(descriptor, options=options)
        if info.total_records != expected.num_rows:
            raise AssertionError(f"{name}: total_records {info.total_records} != {expected.num_rows}")
        if not info.schema.equals(expected.schema, check_metadata=True):
            raise AssertionError(f"{name}: get_flight_info schema differs")
        if len(info.endpoints) != 1 or info.endpoints[0].ticket.ticket != name.encode():
            raise AssertionError(f"{name}: endpoints {info.endpoints}")
        schema = conn.get_schema(descriptor, options=options).schema
        if not schema.equals(expected.schema, check_metadata=True):
            raise AssertionError(f"{name}: get_schema differs")
        got = conn.do_get(info.endpoints[0].ticket, options=options).read_all()
        same(expected, got, name)
        summary["checked"] += 1

    table = sample_table()
    descriptor = flight.FlightDescriptor.for_path("from_pyarrow.arrow")
    writer, reader = conn.do_put(descriptor, table.schema, options=options)
    writer.write_table(table, max_chunksize=300)
    writer.done_writing()
    answer = reader.read()
    writer.close()
    if answer is None or b"from_pyarrow.arrow" not in answer.to_pybytes():
        raise AssertionError(f"do_put answered {answer!r}")
    if put_dir is not None:
        back = read_file(os.path.join(put_dir, "from_pyarrow.arrow"))
        same(table, back, "do_put")
        summary["put"] = True

    if token is not None:
        wrong = flight.FlightCallOptions(headers=[(b"authorization", b"Bearer wrong-" + token.encode())])
        for opts in (flight.FlightCallOptions(), wrong):
            try:
                list(conn.list_flights(options=opts))
            except flight.FlightUnauthenticatedError:
                summary["unauthenticated"] += 1
            else:
                raise AssertionError("a call without the right token was served")
            try:
                conn.do_get(flight.Ticket(expected_names[0].encode()), options=opts).read_all()
            except flight.FlightUnauthenticatedError:
                summary["unauthenticated"] += 1
            else:
                raise AssertionError("do_get without the right token was served")

    with open(out_path, "w") as f:
        json.dump(summary, f)


class DirServer(flight.FlightServerBase):
    def __init__(self, root):
        super().__init__("grpc://127.0.0.1:0")
        self.root = root

    def _files(self):
        out = []
        for name in sorted(os.listdir(self.root)):
            path = os.path.join(self.root, name)
            if os.path.isfile(path) and not name.startswith("."):
                out.append((name, path))
        return out

    def _info(self, name, path):
        table = read_file(path)
        descriptor = flight.FlightDescriptor.for_path(name)
        endpoint = flight.FlightEndpoint(name.encode(), [])
        return flight.FlightInfo(table.schema, descriptor, [endpoint], table.num_rows, os.path.getsize(path))

    def list_flights(self, context, criteria):
        for name, path in self._files():
            yield self._info(name, path)

    def get_flight_info(self, context, descriptor):
        name = descriptor.path[0].decode()
        return self._info(name, os.path.join(self.root, name))

    def get_schema(self, context, descriptor):
        name = descriptor.path[0].decode()
        return flight.SchemaResult(read_file(os.path.join(self.root, name)).schema)

    def do_get(self, context, ticket):
        name = ticket.ticket.decode()
        table = read_file(os.path.join(self.root, name))
        return flight.RecordBatchStream(table)

    def do_put(self, context, descriptor, reader, writer):
        name = descriptor.path[0].decode()
        table = reader.read_all()
        with ipc.new_file(os.path.join(self.root, name), table.schema) as w:
            w.write_table(table)
        writer.write(pa.py_buffer(f"pyarrow stored {table.num_rows} rows in {name}".encode()))


def serve(root):
    server = DirServer(root)
    print(f"listening on grpc://127.0.0.1:{server.port}", flush=True)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    sys.stdin.read()  # until the test closes our stdin (or dies)
    server.shutdown()


def main(argv):
    if argv[:1] == ["serve"] and len(argv) == 2:
        serve(argv[1])
        return
    if argv[:1] == ["client"] and len(argv) >= 4:
        url, manifest, out = argv[1:4]
        rest = argv[4:]
        token = put_dir = None
        while rest:
            flag, value, rest = rest[0], rest[1], rest[2:]
            if flag == "--token":
                token = value
            elif flag == "--put-dir":
                put_dir = value
            else:
                raise SystemExit(f"unknown flag {flag}")
        client(url, manifest, out, token=token, put_dir=put_dir)
        return
    raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
