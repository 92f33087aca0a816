"""Shared fixtures of the quiver pytest suite: where the golden legacy blobs are, and
the serialization context they were written with."""

import fractions
import os
import pathlib
import sys

import pytest

import quiver

REPO_ROOT = pathlib.Path(__file__).resolve().parents[3]


def legacy_testdata():
    """The golden legacy blobs: $QUIVER_LEGACY_TESTDATA, else ../shared/testdata/legacy
    next to the repository. Missing data is an error, never a silent skip."""
    configured = os.environ.get("QUIVER_LEGACY_TESTDATA")
    path = pathlib.Path(configured) if configured else \
        REPO_ROOT.parent / "shared" / "testdata" / "legacy"
    if not (path / "legacy_canon.py").is_file():
        raise RuntimeError(
            "no legacy golden data at %s (legacy_canon.py missing): set "
            "QUIVER_LEGACY_TESTDATA to the folder holding the *.bin vectors" % path)
    return path


LEGACY = legacy_testdata()
sys.path.insert(0, str(LEGACY))
import legacy_canon  # noqa: E402  (needs the path above)


def make_context():
    """The context the golden blobs were written with (legacy_canon.make_context), in
    quiver: the default handlers plus MyData, Fraction (pickle=True), PlainRecord."""
    ctx = quiver.default_serialization_context()
    ctx.register_type(legacy_canon.MyData, "MyData",
                      custom_serializer=legacy_canon._serialize_mydata,
                      custom_deserializer=legacy_canon._deserialize_mydata)
    ctx.register_type(fractions.Fraction, "fractions.Fraction", pickle=True)
    ctx.register_type(legacy_canon.PlainRecord, "PlainRecord")
    return ctx


@pytest.fixture
def context():
    return make_context()
