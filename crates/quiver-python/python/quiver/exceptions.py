"""The exceptions quiver raises.

Every error quiver reports is an :class:`ArrowException`. Each subclass also derives
from the matching built-in exception, as in pyarrow, so ``except ValueError`` still
catches an :class:`ArrowInvalid`:

==============================  =====================  ==========================================
class                           also a                 raised when
==============================  =====================  ==========================================
:class:`ArrowInvalid`           ``ValueError``         input is malformed: a truncated or corrupt
                                                       blob, a bad components dict, a datetime
                                                       out of range
:class:`ArrowTypeError`         ``TypeError``          an argument has the wrong type (e.g. no
                                                       buffer protocol)
:class:`ArrowIOError`           ``OSError``            reading or writing failed
:class:`ArrowNotImplementedError` ``NotImplementedError`` valid input uses a feature quiver does not
                                                       support (sparse tensors, ...), or needs
                                                       pyarrow which is not installed
:class:`ArrowSerializationError`  --                   a value cannot be serialized (unregistered
                                                       type, unsupported dtype), or a custom type
                                                       id is not registered when deserializing
==============================  =====================  ==========================================

A bare :class:`ArrowException` means an internal error (a bug in quiver: please report
it). Exceptions raised by your own ``custom_serializer`` / ``custom_deserializer``
propagate unchanged.
"""

__all__ = [
    "ArrowException",
    "ArrowInvalid",
    "ArrowTypeError",
    "ArrowIOError",
    "ArrowNotImplementedError",
    "ArrowSerializationError",
]


class ArrowException(Exception):
    """Base class of every quiver error; alone, an internal error."""


class ArrowInvalid(ValueError, ArrowException):
    """Malformed input (a truncated or corrupt blob, a bad argument value)."""


class ArrowTypeError(TypeError, ArrowException):
    """An argument of the wrong type."""


class ArrowIOError(IOError, ArrowException):
    """Reading or writing failed."""


class ArrowNotImplementedError(NotImplementedError, ArrowException):
    """Valid input that uses a feature quiver does not support."""


class ArrowSerializationError(ArrowException):
    """A value the legacy format cannot carry, or an unregistered custom type."""
