"""The one error type of the package, by the core's status codes.

Every error about what a caller passed is a CallriskError with the core's
`.code` (its name, e.g. "CR_E_RANGE"), `.status` (its number), `.field`
(None when the core names none), `.line`/`.column` (text and training rows)
and `.http_status`, all from the ABI's status table. The core judges; Python
judges only what cannot reach it (a str or None for a count, a bool for a
count, a missing field, an int no double holds, NaN in an option) and then
reports the code and field the core gives for the same input in JSON.

Wrong types and missing values are also TypeErrors (CallriskTypeError), values
out of range also ValueErrors (CallriskValueError), as Python's own.
"""
import math
import os

ECHO_MAX = 40  # characters of a caller's value an error message shows
PATH_ECHO_MAX = 200  # characters of a file name (its end names the file)


class CallriskError(Exception):
    """A status of the C core: `code` is its name (e.g. "CR_E_STORE"),
    `status` its number, `http_status` what a service answers for it."""

    def __init__(self, message, code, status, field=None, line=None, column=None, http_status=None):
        super().__init__(message)
        self.code = code
        self.status = status
        self.field = field
        self.line = line
        self.column = column
        self.http_status = http_status


class CallriskTypeError(CallriskError, TypeError):
    """A value of the wrong type, a missing one, or an argument that is not
    one (CR_E_TYPE, CR_E_MISSING, CR_E_ARG)."""


class CallriskValueError(CallriskError, ValueError):
    """A value out of its range or not finite, or text that is not Unicode."""


# A core status is also the Python error its name says.
_CLASSES = {
    "CR_E_TYPE": CallriskTypeError,
    "CR_E_MISSING": CallriskTypeError,
    "CR_E_ARG": CallriskTypeError,
    "CR_E_RANGE": CallriskValueError,
    "CR_E_NONFINITE": CallriskValueError,
}


def core_error(abi, e, cause=None):
    """The CallriskError for a cr_error the core filled (a dict of its members).
    A field's message reads "name: reason", as Python's own do."""
    number = e["status"]
    name, http, _ = abi.statuses[number]
    field = e["field"] or None
    message = e["message"]
    prefix = "field '%s': " % field
    if field and message.startswith(prefix):
        message = field + ": " + message[len(prefix):]
    err = _CLASSES.get(name, CallriskError)(message, name, number, field, e["line"] or None, e["column"] or None, http)
    err.__cause__ = cause
    return err


def host_error(abi, cls, code, field, message, line=None):
    """An error Python judged before the core could: `cls` keeps the Python
    API's promise (TypeError or ValueError), code and field are the core's."""
    number, http = abi.status(code)
    return cls(message, code, number, field, line, None, http)


def numbered(e, line, what="row"):
    """`e` about the 1-based `line`th row (or record): its .line, and its message."""
    e.line = line
    e.args = ("%s %d: %s" % (what, line, e.args[0]),)
    return e


def echo(text, limit=ECHO_MAX):
    """`text` as a message may show it: its first `limit` characters, and
    anything but printable ASCII escaped (a lone surrogate cannot be printed)."""
    cut = text[:limit] + ("..." if len(text) > limit else "")
    return cut if cut.isascii() and cut.isprintable() else ascii(cut)[1:-1]


def echo_path(path):
    """A file name in a message: its last PATH_ECHO_MAX characters."""
    text = os.fsdecode(path)
    return echo(text if len(text) <= PATH_ECHO_MAX else "..." + text[-PATH_ECHO_MAX:], PATH_ECHO_MAX + len("..."))


def shown(v):
    """A value in an error message: its repr, cut to ECHO_MAX characters. An
    int is not converted whole (10**400 has 401 digits; past 4300, str()
    raises), nor is a repr that raises trusted."""
    if isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > _BIG_INT_BITS:
        digits = len(str(abs(v))) if v.bit_length() < _STR_INT_BITS else int(math.log10(abs(v))) + 1
        return "an int of %d digits" % digits
    try:
        return echo(repr(v))
    except Exception:  # noqa: BLE001 - a hostile __repr__
        return "a %s" % type_name(v)


_BIG_INT_BITS = 128  # ints longer than this are shown by their digit count
_STR_INT_BITS = 14000  # below this, str() of an int stays under Python's 4300-digit limit


def type_name(v):
    return "None" if v is None else echo(type(v).__name__)
