"""Times pyarrow 10's legacy serialization calls on the seed's dict of 100 500x500
float64 arrays (200 MB), the same five calls as benches/benches/legacy.rs, plus one
memcpy of the data as the yardstick. Prints a table of medians.

Needs pyarrow 10.0.1 and numpy < 2 (Python 3.11 at the latest):

    python3.11 -m venv /tmp/pa10
    /tmp/pa10/bin/pip install "pyarrow==10.0.1" "numpy<2"
    /tmp/pa10/bin/python benches/python/legacy_pyarrow10.py [--repeat N]
"""

import argparse
import statistics
import sys
import timeit
import warnings

import numpy as np
import pyarrow as pa

warnings.simplefilter("ignore", FutureWarning)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="timed runs per call")
    args = parser.parse_args()

    rng = np.random.default_rng(14)
    data = {i: rng.standard_normal((500, 500)) for i in range(100)}
    nbytes = sum(a.nbytes for a in data.values())

    serialized = pa.serialize(data)
    buf = serialized.to_buffer()
    components = serialized.to_components()
    flat = np.concatenate([a.ravel() for a in data.values()])
    assert pa.deserialize(buf)[7].tobytes() == data[7].tobytes()
    assert pa.deserialize_components(components)[7].tobytes() == data[7].tobytes()

    calls = [
        ("serialize", lambda: pa.serialize(data)),
        ("to_buffer", lambda: serialized.to_buffer()),
        ("deserialize", lambda: pa.deserialize(buf)),
        ("to_components", lambda: serialized.to_components()),
        ("deserialize_components", lambda: pa.deserialize_components(components)),
        ("memcpy_200mb", lambda: flat.copy()),
    ]
    print(f"pyarrow {pa.__version__}, numpy {np.__version__}, Python {sys.version.split()[0]}")
    print(f"data: 100 x 500x500 float64 = {nbytes} bytes; blob: {buf.size} bytes")
    print(f"median of {args.repeat} runs (each run is one call)")
    print()
    print(f"| {'call':<24} | {'median':>12} |")
    print(f"|{'-' * 26}|{'-' * 13}:|")
    for name, fn in calls:
        fn()  # warm-up
        times = timeit.repeat(fn, number=1, repeat=args.repeat)
        print(f"| {name:<24} | {format_time(statistics.median(times)):>12} |")


def format_time(seconds):
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


if __name__ == "__main__":
    main()
