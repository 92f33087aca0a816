#!/usr/bin/env python3
"""pyarrow side of `crates/quiver/tests/pyarrow_mutation.rs`, part 2: the verdicts.

Quiver read corrupted pyarrow inputs; whatever it accepted it wrote back out, as a
stream and as a file. This script reads every one of those outputs with pyarrow
(`open_stream` / `open_file`, every batch) and runs `validate(full=True)` on each
batch, all in one process.

Usage: mutation_check.py <outputs.json> <results.json>

    outputs.json:  {"outputs": [{"id": "...", "path": "...", "format": "stream" | "file"}]}
    results.json:  {"<id>": null | "<what pyarrow said>"}

null means pyarrow read and fully validated every batch. Exit 0 when the results were
written (whatever they say), 2 on bad usage.
"""

import json
import sys

import pyarrow as pa
import pyarrow.ipc


def verdict(path, fmt):
    """None when pyarrow reads and fully validates every batch, else its error."""
    try:
        source = pa.memory_map(path, "r")
        if fmt == "stream":
            batches = list(pa.ipc.open_stream(source))
        else:
            reader = pa.ipc.open_file(source)
            batches = [reader.get_batch(i) for i in range(reader.num_record_batches)]
        for i, batch in enumerate(batches):
            try:
                batch.validate(full=True)
            except pa.ArrowException as err:
                return f"batch {i}: validate(full=True): {type(err).__name__}: {err}"
        return None
    except Exception as err:  # noqa: BLE001 - any refusal is a verdict
        return f"reading: {type(err).__name__}: {err}"


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as f:
        outputs = json.load(f)["outputs"]
    results = {o["id"]: verdict(o["path"], o["format"]) for o in outputs}
    with open(argv[1], "w", encoding="utf-8") as f:
        json.dump(results, f)
    rejected = sum(1 for v in results.values() if v is not None)
    print(f"mutation_check.py: pyarrow {pa.__version__} checked {len(results)} Quiver outputs, rejected {rejected}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
