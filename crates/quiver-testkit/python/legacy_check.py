"""Checks legacy-serialization blobs with real pyarrow 10 against their expected values.

Usage (run it with the pyarrow 10 interpreter, QUIVER_PYARROW10_PYTHON):

    legacy_check.py [--testdata DIR] BLOB_DIR
    legacy_check.py [--testdata DIR] --components COMPONENTS_DIR

BLOB_DIR holds NAME.bin files (for example written by Quiver). Each is decoded with
pyarrow.deserialize under legacy_canon.make_context() and compared with the `value` of
NAME.expected.json in the testdata folder, using legacy_canon.match (floats by bits,
sets without regard to order).

With --components, COMPONENTS_DIR holds NAME.components.json files laid out as in the
testdata folder (the JSON names the NAME.components.K.bin files beside it); each is
rebuilt with pyarrow.deserialize_components and compared the same way.

The testdata folder is --testdata, else $QUIVER_LEGACY_TESTDATA, else
shared/testdata/legacy beside the workspace. Its legacy_canon.py is imported from
there, in place.

Prints one line per case ("ok NAME" or "FAIL NAME: ...") and a last line
"checked N blobs, M failed". Exit status: 0 when every case matched, 1 when a case
failed or no case was found, 2 on a usage or setup error.
"""
import argparse
import json
import os
import sys

COMPONENTS_SUFFIX = ".components.json"
MAX_PROBLEMS_SHOWN = 3


def default_testdata():
    env = os.environ.get("QUIVER_LEGACY_TESTDATA")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    # crates/quiver-testkit/python -> workspace root -> its sibling shared/
    return os.path.normpath(
        os.path.join(here, "..", "..", "..", "..", "shared", "testdata", "legacy"))


def setup_error(message):
    print("legacy_check: " + message, file=sys.stderr)
    sys.exit(2)


def import_canon(testdata):
    """legacy_canon from the testdata folder, and pyarrow (which must be 10.x)."""
    if not os.path.isfile(os.path.join(testdata, "legacy_canon.py")):
        setup_error("no legacy_canon.py in the testdata folder %s (pass --testdata DIR "
                    "or set QUIVER_LEGACY_TESTDATA)" % testdata)
    sys.path.insert(0, os.path.abspath(testdata))
    try:
        import legacy_canon
        import pyarrow
    except ImportError as e:
        setup_error("cannot import legacy_canon with %s: %s (run this script with the "
                    "pyarrow 10 venv's python, QUIVER_PYARROW10_PYTHON)" % (sys.executable, e))
    if not hasattr(pyarrow, "deserialize"):
        setup_error("pyarrow %s at %s has no deserialize: this check needs pyarrow 10 "
                    "(run it with QUIVER_PYARROW10_PYTHON)" % (pyarrow.__version__,
                                                              sys.executable))
    return legacy_canon, pyarrow


def case_names(folder, components):
    """The case names in folder: NAME.bin, or NAME.components.json with --components."""
    try:
        entries = sorted(os.listdir(folder))
    except OSError as e:
        setup_error("cannot list %s: %s" % (folder, e))
    names = []
    for entry in entries:
        if components:
            if entry.endswith(COMPONENTS_SUFFIX):
                names.append(entry[:-len(COMPONENTS_SUFFIX)])
        elif entry.endswith(".bin") and ".components." not in entry:
            names.append(entry[:-len(".bin")])
    return names


def expected_value(testdata, name):
    with open(os.path.join(testdata, name + ".expected.json"), encoding="utf-8") as f:
        return json.load(f)["value"]


def check_case(canon, pa, testdata, folder, name, components):
    """The problems of one case: an empty list when it matched."""
    try:
        expected = expected_value(testdata, name)
    except (OSError, ValueError, KeyError) as e:
        return ["no expected value: %s" % e]
    try:
        if components:
            value = pa.deserialize_components(canon.load_components(folder, name),
                                              context=canon.make_context())
        else:
            with open(os.path.join(folder, name + ".bin"), "rb") as f:
                blob = f.read()
            value = pa.deserialize(blob, context=canon.make_context())
    except Exception as e:  # any refusal by pyarrow is this case's failure
        call = "deserialize_components" if components else "deserialize"
        return ["pyarrow.%s raised %s: %s" % (call, type(e).__name__, e)]
    try:
        return canon.match(expected, value)
    except Exception as e:
        return ["comparison raised %s: %s" % (type(e).__name__, e)]


def main(argv):
    parser = argparse.ArgumentParser(
        description="Check legacy-serialization blobs with pyarrow 10.")
    parser.add_argument("--testdata", default=None,
                        help="the golden legacy folder (expected values, legacy_canon.py)")
    parser.add_argument("--components", action="store_true",
                        help="the folder holds NAME.components.json cases, not NAME.bin")
    parser.add_argument("folder", help="the folder holding the cases to check")
    args = parser.parse_args(argv)
    testdata = args.testdata or default_testdata()
    canon, pa = import_canon(testdata)
    if not os.path.isdir(args.folder):
        setup_error("%s is not a directory" % args.folder)

    names = case_names(args.folder, args.components)
    failed = 0
    for name in names:
        problems = check_case(canon, pa, testdata, args.folder, name, args.components)
        if problems:
            failed += 1
            shown = "; ".join(problems[:MAX_PROBLEMS_SHOWN])
            more = len(problems) - MAX_PROBLEMS_SHOWN
            if more > 0:
                shown += " (and %d more)" % more
            print("FAIL %s: %s" % (name, shown))
        else:
            print("ok %s" % name)
    kind = "component sets" if args.components else "blobs"
    print("checked %d %s, %d failed" % (len(names), kind, failed))
    if not names:
        what = "NAME.components.json" if args.components else "NAME.bin"
        print("legacy_check: no %s file in %s: nothing was checked" % (what, args.folder),
              file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
