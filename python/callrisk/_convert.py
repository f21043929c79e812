"""Python values as the core takes them: field values as doubles, text as
UTF-8, training options as one JSON text. The core judges every value it
can see; these functions refuse only what cannot reach it (a Python type no
double or JSON holds, an int no double holds exactly, NaN), with the code and
field the core gives for the same input in JSON."""
import json
import math
import numbers
import sys
import time
from collections.abc import Mapping

from ._errors import CallriskError, CallriskTypeError, CallriskValueError, echo, host_error, shown, type_name

NS_PER_MS = 1_000_000


def limit_text(n):
    """A limit as a message shows it: 2**53 for a power of two, 8.64e15 for a float."""
    if isinstance(n, int) and n > 0 and n & (n - 1) == 0:
        return "2**%d" % (n.bit_length() - 1)
    return ("%g" % n).replace("e+", "e")


def _numpy():
    """numpy if the caller has imported it, else None: never imported here (a
    numpy value cannot exist before numpy is)."""
    return sys.modules.get("numpy")


# What an error says of numpy.ma.masked: a masked array's element that is
# missing (what indexing one gives), refused as an Arrow null is.
MASKED = "numpy.ma.masked (a missing value)"


def is_masked(v):
    """Whether `v` is numpy.ma.masked (numpy.ma is never imported here: it
    exists once the caller's has been)."""
    ma = sys.modules.get("numpy.ma")
    return ma is not None and v is ma.masked


def masked_index(a):
    """The C-order index of the first masked element of a NumPy masked
    array (for rows of the fields, divmod by their number gives its row
    and field); None for a masked array with none masked or anything else."""
    ma = sys.modules.get("numpy.ma")
    if ma is None or not isinstance(a, ma.MaskedArray):
        return None
    mask = ma.getmaskarray(a).reshape(-1)
    return int(mask.argmax()) if mask.any() else None


def unmasked(a):
    """A NumPy masked array with nothing masked (masked_index() is None) as
    its data, a plain ndarray; anything else as it is."""
    ma = sys.modules.get("numpy.ma")
    return ma.getdata(a) if ma is not None and isinstance(a, ma.MaskedArray) else a


def reading_raised(abi, name, e):
    """The error for the value of `name` whose reading (its __float__, a
    row's __getitem__ or __contains__) raised `e`: CR_E_TYPE naming the
    field, as json_text() reports such a value in an option or a model.
    Raise it from e."""
    return host_error(abi, CallriskTypeError, "CR_E_TYPE", name, "%s: reading it raised %s" % (name, _raised(e)))


MISSING = object()  # item()'s answer for a name the row has not


def item(abi, row, name):
    """row[name] (a mapping's), or MISSING when `name` is not in it; what
    reading it raises (an Exception: not KeyboardInterrupt) is
    reading_raised()."""
    try:
        return row[name] if name in row else MISSING
    except Exception as e:
        raise reading_raised(abi, name, e) from e


def _is_bool(v):
    """A bool: Python's or numpy's (np.bool_, no int and no numbers.Integral)."""
    np = _numpy()
    return isinstance(v, bool) or np is not None and isinstance(v, np.bool_)


def _is_float(v):
    """A float: Python's or numpy's (np.float32 is no float subclass)."""
    np = _numpy()
    return isinstance(v, float) or np is not None and isinstance(v, np.floating)


def _type_name(v):
    """type_name(v), with its module outside the builtins: numpy 2's bool is
    'numpy.bool', not 'bool'; a Decimal 'decimal.Decimal'."""
    t = type(v)
    return type_name(v) if t.__module__ == "builtins" else echo("%s.%s" % (t.__module__, t.__name__))


def _a(word):
    """'a set', 'an object', 'a numpy.bool'."""
    return ("an " if word[:1] in "aeiouAEIO" else "a ") + word


def field_value(abi, name, kind, v):
    """One field value as the double the core judges (range, fraction,
    finiteness). Refused here: a bool field's value that is not a bool (True
    and 1 are one double), a number field's bool, str, None or other type,
    and an int no double holds (a count must be exact, a real may round).
    numpy's bool, integer and floating scalars are bools, ints and floats;
    numpy.ma.masked (a masked array's missing element) is refused as None
    is. A value whose reading raises (a float subclass's __float__, an
    int's __int__) is reading_raised()."""
    try:
        if kind == "bool":
            if not _is_bool(v):
                raise host_error(abi, CallriskTypeError, "CR_E_TYPE", name, "%s: must be a bool, got %s" % (name, wrong_type(v)))
            return float(bool(v))
        if _is_bool(v) or not (isinstance(v, numbers.Integral) or _is_float(v)):
            raise host_error(abi, CallriskTypeError, "CR_E_TYPE", name, "%s: must be a number, got %s" % (name, wrong_type(v)))
        if _is_float(v):
            return float(v)
        v = int(v)
        try:
            f = float(v)
        except OverflowError:
            f = None
        if kind == "count" and f != v:  # beyond 2**53: no double is this count
            if v < 0:
                raise host_error(abi, CallriskValueError, "CR_E_RANGE", name, "%s: must be an integer >= 0, got %s" % (name, shown(v)))
            raise host_error(abi, CallriskValueError, "CR_E_RANGE", name,
                             "%s: must be an integer <= %s, got %s" % (name, limit_text(abi.count_max), shown(v)))
        if f is None:
            raise host_error(abi, CallriskValueError, "CR_E_RANGE", name, "%s: too large for a double, got %s" % (name, shown(v)))
        return f
    except CallriskError:
        raise
    except Exception as e:  # the value's own code raised (not KeyboardInterrupt, SystemExit: they pass as they are)
        raise reading_raised(abi, name, e) from e


def wrong_type(v):
    """A value of the wrong type, as an error names it: its type, or MASKED."""
    return MASKED if is_masked(v) else _type_name(v)


def _not_unicode(e):
    """Why text has no UTF-8 (its UnicodeEncodeError): a lone surrogate, and where."""
    return "not valid Unicode text (%s at index %d)" % (e.reason, e.start)


def utf8(abi, text, name, code, field=None):
    """`text` as UTF-8; a lone surrogate ('\\ud800') has none: a ValueError
    naming `name`, with the code the core gives text it cannot read."""
    try:
        return text.encode()
    except UnicodeEncodeError as e:
        raise host_error(abi, CallriskValueError, code, field, "%s: %s" % (name, _not_unicode(e))) from None


def time_ms(abi, at_ms):
    """scoreCaller's time: whole ms since 1970 in 0..time_max_ms (the ABI's
    limit, a JS Date's), the core's field `at`; None is now. Judged here, by
    the core's rule, because the argument's name is Python's."""
    if at_ms is None:
        return time.time_ns() // NS_PER_MS
    if _is_bool(at_ms) or not (isinstance(at_ms, numbers.Integral) or _is_float(at_ms)):
        raise host_error(abi, CallriskTypeError, "CR_E_TYPE", "at", "at_ms: must be an int of ms since 1970, got %s" % _type_name(at_ms))
    try:
        at_ms = float(at_ms) if _is_float(at_ms) else int(at_ms)
    except Exception as e:  # its own __float__ or __int__ raised (not KeyboardInterrupt, SystemExit)
        raise host_error(abi, CallriskTypeError, "CR_E_TYPE", "at", "at_ms: reading it raised %s" % _raised(e)) from e
    if isinstance(at_ms, float) and not math.isfinite(at_ms):
        raise host_error(abi, CallriskValueError, "CR_E_NONFINITE", "at", "at_ms: must be a whole number of ms, got %s" % shown(at_ms))
    if isinstance(at_ms, float) and not at_ms.is_integer():
        raise host_error(abi, CallriskValueError, "CR_E_TYPE", "at", "at_ms: must be a whole number of ms, got %s" % shown(at_ms))
    if not 0 <= at_ms <= abi.time_max_ms:
        raise host_error(abi, CallriskValueError, "CR_E_RANGE", "at",
                         "at_ms: must be in 0..%s ms, got %s" % (limit_text(abi.time_max_ms), shown(at_ms)))
    return int(at_ms)


# JSON for a number past the doubles (an int that long, an infinity): the
# core reads it as infinity and judges the option as for any such number.
_PAST_DOUBLES = "1e%d" % (sys.float_info.max_10_exp + 1)


def options_json(abi, options):
    """Training options as one JSON object for cr_train_options_from_json():
    every name and value passes to the core, which judges them (unknown
    names, types, ranges). Refused here: what JSON cannot carry (NaN, a set,
    bytes, an object, a cycle), as the option's error."""
    members = []
    for name, v in options.items():
        utf8(abi, name, "option '%s'" % echo(name), "CR_E_JSON")
        # Depth 1: the value sits in the options' object.
        members.append("%s:%s" % (json.dumps(name), json_text(abi, v, "option '%s'" % echo(name), name, 1)))
    return "{%s}" % ",".join(members)


def json_text(abi, value, what, field=None, depth=0):
    """A host value (dicts and other mappings, lists, tuples, str, numbers,
    bool, None; numpy's scalars as Python's) as JSON text for the core, which
    judges what it means. Refused here, as what's error naming the place
    ("model at coef[1]") and the type: what JSON cannot carry (NaN, a lone
    surrogate, a set, bytes, a Decimal, an object, a cycle, a key that is
    not a str or int, two keys one in JSON: 0 and "0") and nesting the core
    does not read (past abi.json_depth_max). A value whose reading raises
    (a mapping's items(), an __iter__, a __float__) is CR_E_TYPE at its
    place, raised from what it raised. An infinity or a number past the
    doubles is written as a number past them, which the core refuses as out
    of range. field is the error's field: given, or else the place; depth:
    the containers the value sits in."""
    open_ids = set()

    def fail(cls, code, path, reason):
        at = " at %s" % echo(path) if path else ""
        # The place as the field: whole, printable (a lone surrogate in a key escaped).
        place = echo(path, len(path)) if path else None
        return host_error(abi, cls, code, field if field is not None else place, "%s%s: %s" % (what, at, reason))

    def read(path, f, *args):
        """f(*args), which runs the caller's code (items(), __iter__, __int__):
        what it raises is the value's error at its place, and its cause."""
        try:
            return f(*args)
        except Exception as e:
            raise fail(CallriskTypeError, "CR_E_TYPE", path, "reading it raised %s" % _raised(e)) from e

    def string(v, path, whose=""):
        v = str.__str__(v)   # a subclass's own encode() or __str__ is not what json.dumps writes
        try:
            v.encode()
        except UnicodeEncodeError as e:
            raise fail(CallriskValueError, "CR_E_JSON", path, whose + _not_unicode(e)) from None
        return v

    def past_doubles(negative):
        return ("-" if negative else "") + _PAST_DOUBLES

    def text(v, path, depth):
        if v is None:
            return "null"
        if _is_bool(v):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(string(v, path))
        if isinstance(v, numbers.Integral):
            v = read(path, int, v)
            return str(v) if v.bit_length() <= sys.float_info.max_exp else past_doubles(v < 0)
        if isinstance(v, numbers.Real):
            try:
                x = read(path, float, v)
            except CallriskTypeError as e:
                if not isinstance(e.__cause__, OverflowError):
                    raise
                return past_doubles(read(path, lambda: v < 0))   # a Fraction or Decimal-like past the doubles
            if math.isnan(x):
                raise fail(CallriskValueError, "CR_E_NONFINITE", path, "NaN is not JSON")
            return repr(x) if math.isfinite(x) else past_doubles(x < 0)
        if isinstance(v, (list, tuple, Mapping)):
            if id(v) in open_ids:
                raise fail(CallriskTypeError, "CR_E_TYPE", path, "a value that contains itself is not JSON")
            if depth == abi.json_depth_max:   # the core reads no deeper
                raise host_error(abi, CallriskValueError, "CR_E_JSON", field,
                                 "%s: nested deeper than %d arrays and objects" % (what, abi.json_depth_max))
            open_ids.add(id(v))
            try:
                # Read whole first: the members' conversion cannot change what is read.
                if isinstance(v, Mapping):
                    items, seen = [], {}
                    for k, x in read(path, lambda: list(v.items())):
                        key = _key(k, path, fail)
                        at = "%s.%s" % (path, key) if path else key
                        if key in seen:   # 0 and "0": the core's duplicate key, with no field
                            raise fail(CallriskValueError, "CR_E_JSON", at, "a key given twice (%s and %s)" % (shown(seen[key]), shown(k)))
                        seen[key] = k
                        items.append("%s:%s" % (json.dumps(string(key, at, "its key is ")), text(x, at, depth + 1)))
                    return "{%s}" % ",".join(items)
                return "[%s]" % ",".join(text(x, "%s[%d]" % (path, i), depth + 1) for i, x in enumerate(read(path, list, v)))
            finally:
                open_ids.discard(id(v))
        raise fail(CallriskTypeError, "CR_E_TYPE", path, "%s is not JSON" % _a(_type_name(v)))

    return text(value, "", depth)


_RAISED_ECHO_MAX = 100  # characters of a raised exception's text a message shows


def _raised(e):
    """What an exception says, as a message shows it ('KeyError: 0'); never raises itself."""
    try:
        return echo("%s: %s" % (type(e).__name__, e) if str(e) else type(e).__name__, _RAISED_ECHO_MAX)
    except Exception:  # noqa: BLE001 - a hostile __str__
        return type(e).__name__


def _key(k, path, fail):
    """A dict key in JSON: a str, or an int written as JSON's own dumps does ({0: w0} is {"0": w0})."""
    if isinstance(k, str):
        return str.__str__(k)
    if isinstance(k, numbers.Integral) and not _is_bool(k):
        try:
            k = int(k)
        except Exception as e:
            raise fail(CallriskTypeError, "CR_E_TYPE", path, "a %s key raised %s" % (_type_name(k), _raised(e))) from e
        if k.bit_length() <= sys.float_info.max_exp:   # str() of an int past 4300 digits raises
            return str(k)
        raise fail(CallriskValueError, "CR_E_JSON", path, "an int key of %d bits is not a key the core reads" % k.bit_length())
    raise fail(CallriskTypeError, "CR_E_TYPE", path, "%s key is not JSON" % _a(_type_name(k)))
