"""callrisk for Python: the very callrisk.wasm reactor (wasi preset), shipped
in this package and run by the wasmtime engine from PyPI. Same bits as the
native library and the npm package; persistence through a store you provide
(the module's "host" imports, include/callrisk_host.h).

    from callrisk import Scorer, calculate_score
    scorer = Scorer()                       # the seed's model, trained at start-up
    scorer.score(5, False, 10)              # {'score': 99, 'risk_level': 'HIGH', ...}
    calculate_score(0, True, 1)             # (11, 'LOW'), the seed's function

Arguments are checked before the module is entered: a wrong type is a
TypeError, a value out of its range (or text that is not Unicode) a
ValueError, each naming the field and showing at most 40 characters of the
value; statuses of the C core are CallriskError (.code, .status, .field). A
store that raises KeyboardInterrupt or SystemExit has it raised as it was by
score_caller, after the core has freed the call's memory.
"""
import json
import math
import numbers
import os
import struct
import time

import wasmtime

__all__ = ["Scorer", "MemoryStore", "CallriskError", "calculate_score", "default_wasm_path"]

RISK_LEVELS = ("LOW", "MEDIUM", "HIGH")
HOST_PENDING = -2
MAX_FEATURES = 64
ERR_SIZE = 332  # cr_error: status@0 line@4 column@8 field@12 message@76
RESULT_SIZE = 32  # cr_score_result: score@0 level@4 probability@8 logit@16 base_logit@24
REASON_SIZE = 16  # cr_reason: feature@0 contribution@8
COUNT_MAX = 2**53
TIME_MAX = 8_640_000_000_000_000  # ms: the range of a JS Date
ATTEMPTS_FIELD = "call_attempts_24h"  # the store counts it (CR_ATTEMPTS_FIELD)


class CallriskError(Exception):
    """A status from the C core; `code` is its name (e.g. "CR_E_STORE")."""

    def __init__(self, message, code, status, field=None, line=None, column=None):
        super().__init__(message)
        self.code = code
        self.status = status
        self.field = field
        self.line = line
        self.column = column


def default_wasm_path():
    """$CALLRISK_WASM, else the callrisk.wasm installed with this package, else
    (a source checkout without a built package) the wasi preset's build."""
    if os.environ.get("CALLRISK_WASM"):
        return os.environ["CALLRISK_WASM"]
    here = os.path.dirname(os.path.abspath(__file__))
    packaged = os.path.join(here, "callrisk.wasm")
    if os.path.exists(packaged):
        return packaged
    return os.path.join(here, "..", "..", "build", "wasi", "callrisk.wasm")


class MemoryStore:
    """The default store: call attempts and score records in memory."""

    def __init__(self):
        self.attempts = {}
        self.records = []

    def record_attempt(self, caller_number, at_ms):
        self.attempts.setdefault(caller_number, []).append(at_ms)

    def count_attempts(self, caller_number, since_ms, until_ms):
        return sum(1 for t in self.attempts.get(caller_number, ()) if since_ms <= t <= until_ms)

    def save_score(self, record):
        self.records.append(record)


_compiled = {}  # file -> (engine, module): compiled once, instantiated per Scorer
# What this host calls: a module without one of these is not callrisk.wasm.
EXPORTS = ("_initialize", "crw_alloc", "crw_free", "crw_caller_start", "cr_caller_op_free", "cr_caller_op_result", "cr_model_coef",
           "cr_model_create_default", "cr_model_free", "cr_model_from_json", "cr_model_id", "cr_model_intercept", "cr_model_load",
           "cr_model_schema", "cr_model_to_json", "cr_schema_feature_count", "cr_schema_feature_name", "cr_schema_field_count",
           "cr_schema_field_name", "cr_schema_field_type", "cr_score", "cr_status_name")


class _Module:
    """One instance of callrisk.wasm and the host functions it imports."""

    def __init__(self, path):
        st = os.stat(path)
        key = (os.path.abspath(path), st.st_mtime_ns, st.st_size)  # a rebuilt file is compiled anew
        def not_ours(why):
            return ValueError("wasm_path: %s is not callrisk.wasm (%s)" % (_echo_path(path), why))

        if key not in _compiled:
            with open(path, "rb") as f:
                head = f.read(4)
            if head != b"\0asm":
                raise not_ours("not a wasm module: it starts %s" % (head.hex(" ") or "empty"))
            engine = wasmtime.Engine()
            try:
                _compiled[key] = (engine, wasmtime.Module.from_file(engine, path))
            except wasmtime.WasmtimeError as e:
                raise not_ours(_echo(str(e).strip().split("\n")[0])) from e
        engine, module = _compiled[key]
        self.store = wasmtime.Store(engine)
        self.store.set_wasi(wasmtime.WasiConfig())
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        i32, f64 = wasmtime.ValType.i32(), wasmtime.ValType.f64()
        linker.define_func("host", "count_attempts", wasmtime.FuncType([i32, i32, i32, f64, f64], [f64]), self._count_attempts)
        linker.define_func("host", "save_score", wasmtime.FuncType([i32, i32, i32], [i32]), self._save_score)
        linker.define_func("host", "progress", wasmtime.FuncType([i32, f64, f64], [i32]), lambda it, obj, g: 0)
        try:
            instance = linker.instantiate(self.store, module)
        except wasmtime.WasmtimeError as e:  # it imports what this host does not define
            raise not_ours(_echo(str(e).strip().split("\n")[0])) from e
        self.x = instance.exports(self.store)
        for name in ("memory",) + EXPORTS:
            try:
                self.x[name]
            except KeyError:
                raise not_ours("no export '%s'" % name) from None
        self.memory = self.x["memory"]
        self.x["_initialize"](self.store)
        self.current_store = None  # the Python store answering the running scoreCaller
        self.failures = {}  # op -> the store's exception

    def call(self, name, *args):
        return self.x[name](self.store, *args)

    def malloc(self, n):
        p = self.call("crw_alloc", n)
        if not p:
            raise MemoryError("callrisk: out of wasm memory")
        return p

    def read(self, ptr, n):
        return bytes(self.memory.read(self.store, ptr, ptr + n))

    def write(self, ptr, data):
        self.memory.write(self.store, data, ptr)

    def cstring(self, ptr):
        out = bytearray()
        while True:
            chunk = self.read(ptr + len(out), 64)
            end = chunk.find(b"\0")
            if end >= 0:
                out += chunk[:end]
                return out.decode()
            out += chunk

    def check(self, status, err, cause=None):
        if status == 0:
            return
        field = self.cstring(err + 12) or None
        line, column = struct.unpack("<ii", self.read(err + 4, 8))
        e = CallriskError(self.cstring(err + 76), self.cstring(self.call("cr_status_name", status)), status, field,
                          line or None, column or None)
        raise e from cause

    # The host imports. They never raise into the module: a failing store
    # answers "failed" and its exception is kept, by op, for the caller.
    # BaseException too (KeyboardInterrupt, SystemExit): raised through wasm,
    # it would trap mid-call, leaving the op allocated and the C stack pointer
    # lowered for good; answered as a failure, the core frees what it holds,
    # and score_caller raises it as it was.
    def _count_attempts(self, op, caller_ptr, caller_len, since_ms, until_ms):
        try:
            n = self.current_store.count_attempts(self.read(caller_ptr, caller_len).decode(), since_ms, until_ms)
            if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= COUNT_MAX:
                raise TypeError("store.count_attempts must return an int >= 0, got %s" % _shown(n))
            return float(n)
        except BaseException as e:  # noqa: BLE001 - reported to the caller below
            self.failures[op] = e
            return -1.0

    def _save_score(self, op, record_ptr, record_len):
        try:
            self.current_store.save_score(json.loads(self.read(record_ptr, record_len)))
            return 0
        except BaseException as e:  # noqa: BLE001
            self.failures[op] = e
            return -1


ECHO_MAX = 40  # characters of a caller's value an error message shows


def _echo(text, limit=ECHO_MAX):
    """`text` as a message may show it: its first `limit` characters, and
    anything but printable ASCII escaped (a lone surrogate cannot be printed)."""
    cut = text[:limit] + ("..." if len(text) > limit else "")
    return cut if cut.isascii() and cut.isprintable() else ascii(cut)[1:-1]


def _echo_path(path):
    """A file name in a message: its last 200 characters (the end names the file)."""
    text = os.fsdecode(path)
    return _echo(text if len(text) <= 200 else "..." + text[-200:], 210)


def _shown(v):
    """A value in an error message: its repr, cut to ECHO_MAX characters. An
    int is not converted whole (10**400 has 401 digits; past 4300, str()
    raises), nor is a repr that raises trusted."""
    if isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > 128:
        digits = len(str(abs(v))) if v.bit_length() < 14000 else int(math.log10(abs(v))) + 1
        return "an int of %d digits" % digits
    try:
        return _echo(repr(v))
    except Exception:  # noqa: BLE001 - a hostile __repr__
        return "a %s" % _type_name(v)


def _type_name(v):
    return "None" if v is None else _echo(type(v).__name__)


def _field_value(name, kind, v):
    """One field value as the C core takes it (a float), checked here: the
    wrong type is a TypeError, a value out of range a ValueError, both
    naming the field. bool is an int in Python, but never a count or real."""
    if kind == "bool":
        if not isinstance(v, bool):
            raise TypeError("%s: must be a bool, got %s" % (name, _type_name(v)))
        return 1.0 if v else 0.0
    if isinstance(v, bool) or not isinstance(v, (numbers.Integral, float)):
        raise TypeError("%s: must be a number, got %s" % (name, _type_name(v)))
    if isinstance(v, float) and not math.isfinite(v):
        raise ValueError("%s: must be a finite number, got %s" % (name, _shown(v)))
    if kind == "count":
        if isinstance(v, float) and not v.is_integer():
            raise TypeError("%s: must be an integer, got %s" % (name, _shown(v)))
        if v < 0:
            raise ValueError("%s: must be an integer >= 0, got %s" % (name, _shown(v)))
        if v > COUNT_MAX:
            raise ValueError("%s: must be an integer <= 2**53, got %s" % (name, _shown(v)))
        return float(v)
    try:
        return float(v)  # an int beyond the doubles (> ~1.8e308) does not fit
    except OverflowError:
        raise ValueError("%s: too large for a double, got %s" % (name, _shown(v))) from None


def _utf8(text, name):
    """`text` as UTF-8; a lone surrogate ('\\ud800') has none: a ValueError naming `name`."""
    try:
        return text.encode()
    except UnicodeEncodeError as e:
        raise ValueError("%s: not valid Unicode text (%s at index %d)" % (name, _echo(e.reason), e.start)) from None


def _time_ms(at_ms):
    """scoreCaller's time: whole ms since 1970 in 0..8.64e15 (as a JS Date)."""
    if at_ms is None:
        return time.time_ns() // 1_000_000
    if isinstance(at_ms, bool) or not isinstance(at_ms, (numbers.Integral, float)):
        raise TypeError("at_ms: must be an int of ms since 1970, got %s" % _type_name(at_ms))
    if isinstance(at_ms, float) and not (math.isfinite(at_ms) and at_ms.is_integer()):
        raise ValueError("at_ms: must be a whole number of ms, got %s" % _shown(at_ms))
    if not 0 <= at_ms <= TIME_MAX:
        raise ValueError("at_ms: must be in 0..8.64e15 ms, got %s" % _shown(at_ms))
    return int(at_ms)


class Scorer:
    """Scores with a model inside callrisk.wasm. With no `model` it trains
    the seed's default model, as the seed did. `model`: the bytes of a
    saved model, its canonical JSON text, or that JSON as a dict."""

    def __init__(self, model=None, store=None, wasm_path=None):
        if store is not None and not (callable(getattr(store, "count_attempts", None)) and callable(getattr(store, "save_score", None))):
            raise TypeError("store: must have count_attempts(caller_number, since_ms, until_ms) and save_score(record)")
        if isinstance(model, dict):
            try:
                model = json.dumps(model, allow_nan=False)
            except (TypeError, ValueError, RecursionError) as e:  # NaN/Infinity, a set, a cycle: not JSON
                raise (TypeError if isinstance(e, TypeError) else ValueError)("model: not JSON: %s" % _echo(str(e))) from None
        if model is not None and not isinstance(model, (bytes, bytearray, memoryview, str)):
            raise TypeError("model: must be model bytes, its JSON text or a dict, got %s" % _type_name(model))
        if isinstance(model, str):
            model = _utf8(model, "model")
            json_text = True
        else:
            json_text = False
        if wasm_path is not None and not isinstance(wasm_path, (str, bytes, os.PathLike)):
            raise TypeError("wasm_path: must be a path, got %s" % _type_name(wasm_path))
        try:
            self._m = m = _Module(wasm_path or default_wasm_path())
        except UnicodeError:
            raise ValueError("wasm_path: not a file name this system can encode: %s" % _echo_path(wasm_path)) from None
        self.store = store if store is not None else MemoryStore()
        self._err = m.malloc(ERR_SIZE)
        self._fields = m.malloc(8 * MAX_FEATURES)
        self._result = m.malloc(RESULT_SIZE)
        self._reasons = m.malloc(REASON_SIZE * MAX_FEATURES)
        self._outs = m.malloc(16)
        if model is None:
            m.check(m.call("cr_model_create_default", self._outs, self._err), self._err)
        else:
            data = bytes(model)
            load = "cr_model_from_json" if json_text else "cr_model_load"
            p = m.malloc(len(data) or 1)
            try:
                m.write(p, data)
                m.check(m.call(load, p, len(data), self._outs, self._err), self._err)
            finally:
                m.call("crw_free", p)
        self._model = struct.unpack("<I", m.read(self._outs, 4))[0]
        self.model_id = m.cstring(m.call("cr_model_id", self._model))
        schema = m.call("cr_model_schema", self._model)
        self.fields = [
            (m.cstring(m.call("cr_schema_field_name", schema, i)), ("count", "bool", "real")[m.call("cr_schema_field_type", schema, i)])
            for i in range(m.call("cr_schema_field_count", schema))
        ]
        self.features = [m.cstring(m.call("cr_schema_feature_name", schema, j)) for j in range(m.call("cr_schema_feature_count", schema))]

    @property
    def coefficients(self):
        return [self._m.call("cr_model_coef", self._model, j) for j in range(len(self.features))]

    @property
    def intercept(self):
        return self._m.call("cr_model_intercept", self._model)

    def to_json(self):
        """The model's canonical JSON text (loadable with Scorer(model=...))."""
        m = self._m
        m.call("cr_model_to_json", self._model, 0, 0, self._outs, 0)
        size = struct.unpack("<I", m.read(self._outs, 4))[0]
        p = m.malloc(size + 1)
        try:
            m.check(m.call("cr_model_to_json", self._model, p, size + 1, self._outs, self._err), self._err)
            return m.read(p, size).decode()
        finally:
            m.call("crw_free", p)

    def _named_values(self, fields, values, named, what):
        """Positional then named values for `fields`, each given once; an
        unknown name is a TypeError (a typo must not be ignored)."""
        names = [name for name, _ in fields]
        if len(values) > len(fields):
            raise TypeError("%s takes %d values (%s), got %d" % (what, len(fields), ", ".join(names), len(values)))
        for name in named:
            if name not in names:
                raise TypeError("%s: unknown field (fields: %s)" % (_echo(name), ", ".join(names)))
            if names.index(name) < len(values):
                raise TypeError("%s: given twice, by position and by name" % name)
        out = []
        for i, (name, kind) in enumerate(fields):
            if i < len(values):
                v = values[i]
            elif name in named:
                v = named[name]
            else:
                raise TypeError("%s: required" % name)
            out.append(_field_value(name, kind, v))
        return out

    def _read_result(self, result, reasons):
        m = self._m
        score, level, p, logit, base = struct.unpack("<iiddd", m.read(result, RESULT_SIZE))
        raw = m.read(reasons, REASON_SIZE * len(self.features))
        return {
            "score": score,
            "risk_level": RISK_LEVELS[level],
            "probability": p,
            "logit": logit,
            "base_logit": base,
            "reasons": [
                {"feature": self.features[struct.unpack_from("<I", raw, 16 * j)[0]], "contribution": struct.unpack_from("<d", raw, 16 * j + 8)[0]}
                for j in range(len(self.features))
            ],
            "model_id": self.model_id,
        }

    def score(self, /, *values, **named):
        """score(spam_reports, has_consent, call_attempts_24h), positional or by field name."""
        row = self._named_values(self.fields, values, named, "score")
        m = self._m
        m.write(self._fields, struct.pack("<%dd" % len(row), *row))
        m.check(m.call("cr_score", self._model, self._fields, self._result, self._reasons, MAX_FEATURES, self._err), self._err)
        return self._read_result(self._result, self._reasons)

    def score_caller(self, /, caller_number, *values, at_ms=None, **named):
        """The seed's scoreCaller: counts the caller's attempts in the 24 h
        before `at_ms` (whole ms; default now) through the store, scores, and
        has the store persist the record; raises CallriskError (CR_E_STORE,
        with the store's exception as __cause__) if the store fails. The
        values are the model's fields but call_attempts_24h (the store's
        count), by position or by name: (caller, spam_reports, has_consent)."""
        if not isinstance(caller_number, str):
            raise TypeError("caller_number: must be a str, got %s" % _type_name(caller_number))
        caller = _utf8(caller_number, "caller_number")  # its rules (1 to 64 printable ASCII bytes) are the core's
        at = _time_ms(at_ms)
        given = [(name, kind) for name, kind in self.fields if name != ATTEMPTS_FIELD]
        row = iter(self._named_values(given, values, named, "score_caller"))
        row = [0.0 if name == ATTEMPTS_FIELD else next(row) for name, _ in self.fields]
        m = self._m
        # Per-call memory, and the running store saved and restored: a store
        # may call this scorer again from inside its answer.
        n = len(row)
        mem = m.malloc(ERR_SIZE + 4 + RESULT_SIZE + REASON_SIZE * MAX_FEATURES + 8 * n + 16 + len(caller) + 1)
        err = mem
        result = mem + ERR_SIZE + 4  # 8-aligned
        reasons = result + RESULT_SIZE
        fields = reasons + REASON_SIZE * MAX_FEATURES
        outs = fields + 8 * n
        cp = outs + 16
        op = 0
        started = False
        saved = m.current_store
        try:
            m.write(outs, b"\0" * 8)
            m.write(cp, caller + b"\0")
            m.write(fields, struct.pack("<%dd" % n, *row))
            m.current_store = self.store
            started = True
            status = m.call("crw_caller_start", self._model, cp, len(caller), fields, float(at), outs, err)
            op = struct.unpack("<I", m.read(outs, 4))[0]
            failure = m.failures.get(op)
            if failure is not None and not isinstance(failure, Exception):
                raise failure  # KeyboardInterrupt, SystemExit: as the store raised it, not a store failure
            m.check(status, err, failure)
            m.check(m.call("cr_caller_op_result", op, result, reasons, MAX_FEATURES, outs, err), err, m.failures.get(op))
            out = self._read_result(result, reasons)
            out["call_attempts_24h"] = struct.unpack("<q", m.read(outs, 8))[0]
            return out
        finally:
            m.current_store = saved
            if started and not op:
                # The call raised (a trap): the core wrote the op, if it made one, before asking the store.
                op = struct.unpack("<I", m.read(outs, 4))[0]
            if op:
                m.call("cr_caller_op_free", op)
                m.failures.pop(op, None)
            m.call("crw_free", mem)


_default = None


def calculate_score(spam_reports, has_consent, call_attempts):
    """The seed's app.scoring.calculate_score: (score, risk_level)."""
    global _default
    if _default is None:
        _default = Scorer()
    r = _default.score(spam_reports, has_consent, call_attempts)
    return r["score"], r["risk_level"]
