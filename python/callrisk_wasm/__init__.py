"""callrisk for Python: the very callrisk.wasm reactor (wasi preset), run by
the wasmtime engine from PyPI. Same bits as the native library and the npm
package; persistence through a store you provide (the module's "host"
imports, include/callrisk_host.h).

    from callrisk_wasm import Scorer, calculate_score
    scorer = Scorer()                       # the seed's model, trained at start-up
    scorer.score(5, False, 10)              # {'score': 99, 'risk_level': 'HIGH', ...}
    calculate_score(0, True, 1)             # (11, 'LOW'), the seed's function
"""
import math
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


class CallriskError(Exception):
    """A status from the C core; `code` is its name (e.g. "CR_E_STORE")."""

    def __init__(self, message, code, status, field=None, line=None):
        super().__init__(message)
        self.code = code
        self.status = status
        self.field = field
        self.line = line


def default_wasm_path():
    """$CALLRISK_WASM, else the reactor the wasi preset builds in this repository."""
    here = os.path.dirname(os.path.abspath(__file__))
    return os.environ.get("CALLRISK_WASM") or os.path.join(here, "..", "..", "build", "wasi", "callrisk.wasm")


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


class _Module:
    """One instance of callrisk.wasm and the host functions it imports."""

    def __init__(self, path):
        import json

        self._json = json
        engine = wasmtime.Engine()
        self.store = wasmtime.Store(engine)
        self.store.set_wasi(wasmtime.WasiConfig())
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        i32, f64 = wasmtime.ValType.i32(), wasmtime.ValType.f64()
        linker.define_func("host", "count_attempts", wasmtime.FuncType([i32, i32, i32, f64, f64], [f64]), self._count_attempts)
        linker.define_func("host", "save_score", wasmtime.FuncType([i32, i32, i32], [i32]), self._save_score)
        linker.define_func("host", "progress", wasmtime.FuncType([i32, f64, f64], [i32]), lambda it, obj, g: 0)
        instance = linker.instantiate(self.store, wasmtime.Module.from_file(engine, path))
        self.x = instance.exports(self.store)
        self.memory = self.x["memory"]
        self.x["_initialize"](self.store)
        self.current_store = None  # the Python store answering the running scoreCaller
        self.failure = None

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
        line = struct.unpack_from("<i", self.read(err + 4, 4))[0] or None
        e = CallriskError(self.cstring(err + 76), self.cstring(self.call("cr_status_name", status)), status, field, line)
        raise e from cause

    # The host imports. They never raise into the module: a failing store
    # answers "failed" and its exception is kept for the caller.
    def _count_attempts(self, op, caller_ptr, caller_len, since_ms, until_ms):
        try:
            n = self.current_store.count_attempts(self.read(caller_ptr, caller_len).decode(), since_ms, until_ms)
            if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= COUNT_MAX:
                raise TypeError("store.count_attempts must return an int >= 0, got %r" % (n,))
            return float(n)
        except Exception as e:  # noqa: BLE001 - reported to the caller below
            self.failure = e
            return -1.0

    def _save_score(self, op, record_ptr, record_len):
        try:
            self.current_store.save_score(self._json.loads(self.read(record_ptr, record_len)))
            return 0
        except Exception as e:  # noqa: BLE001
            self.failure = e
            return -1


class Scorer:
    """Scores with a model inside callrisk.wasm. With no `model` (bytes of a
    saved model) it trains the seed's default model, as the seed did."""

    def __init__(self, model=None, store=None, wasm_path=None):
        self._m = m = _Module(wasm_path or default_wasm_path())
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
            p = m.malloc(len(data) or 1)
            try:
                m.write(p, data)
                m.check(m.call("cr_model_load", p, len(data), self._outs, self._err), self._err)
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

    def _values(self, values):
        out = []
        for (name, kind), v in zip(self.fields, values):
            if kind == "bool":
                if not isinstance(v, bool):
                    raise TypeError("%s: must be a bool, got %s" % (name, type(v).__name__))
                out.append(1.0 if v else 0.0)
            elif isinstance(v, bool) or not isinstance(v, (int, float)):
                raise TypeError("%s: must be a number, got %s" % (name, type(v).__name__))
            elif kind == "count" and (v != int(v) if math.isfinite(v) else True):
                raise TypeError("%s: must be an integer, got %r" % (name, v))
            elif kind == "count" and not 0 <= v <= COUNT_MAX:
                raise ValueError("%s: must be an integer >= 0, got %r" % (name, v))
            elif not math.isfinite(v):
                raise ValueError("%s: must be a finite number, got %r" % (name, v))
            else:
                out.append(float(v))
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

    def score(self, *values, **named):
        """score(spam_reports, has_consent, call_attempts_24h), positional or by field name."""
        if len(values) > len(self.fields):
            raise TypeError("score takes %d values (%s)" % (len(self.fields), ", ".join(n for n, _ in self.fields)))
        missing = [name for name, _ in self.fields[len(values):] if name not in named]
        if missing:
            raise TypeError("%s: required" % missing[0])
        values = list(values) + [named[name] for name, _ in self.fields[len(values):]]
        m = self._m
        m.write(self._fields, struct.pack("<%dd" % len(self.fields), *self._values(values)))
        m.check(m.call("cr_score", self._model, self._fields, self._result, self._reasons, MAX_FEATURES, self._err), self._err)
        return self._read_result(self._result, self._reasons)

    def score_caller(self, caller_number, spam_reports, has_consent, at_ms=None):
        """The seed's scoreCaller: counts the caller's attempts in the 24 h
        before `at_ms` (default now) through the store, scores, and has the
        store persist the record; raises CallriskError (CR_E_STORE, with the
        store's exception as __cause__) if the store fails."""
        if not isinstance(caller_number, str):
            raise TypeError("caller_number: must be a str")
        at = time.time() * 1000.0 if at_ms is None else at_ms
        if isinstance(at, bool) or not isinstance(at, (int, float)) or not 0 <= at <= 8.64e15:
            raise ValueError("at_ms: must be ms since 1970, got %r" % (at_ms,))
        named = {"spam_reports": spam_reports, "has_consent": has_consent, "call_attempts_24h": 0}
        values = self._values([named.get(name, 0) for name, _ in self.fields])
        m = self._m
        caller = caller_number.encode()
        cp = m.malloc(len(caller) + 1)
        op = 0
        try:
            m.write(cp, caller + b"\0")
            m.write(self._fields, struct.pack("<%dd" % len(values), *values))
            m.write(self._outs, b"\0\0\0\0")
            m.current_store, m.failure = self.store, None
            status = m.call("crw_caller_start", self._model, cp, len(caller), self._fields, float(at), self._outs, self._err)
            op = struct.unpack("<I", m.read(self._outs, 4))[0]
            m.check(status, self._err, m.failure)
            m.check(m.call("cr_caller_op_result", op, self._result, self._reasons, MAX_FEATURES, self._outs, self._err), self._err, m.failure)
            out = self._read_result(self._result, self._reasons)
            out["call_attempts_24h"] = struct.unpack("<q", m.read(self._outs, 8))[0]
            return out
        finally:
            m.current_store = None
            if op:
                m.call("cr_caller_op_free", op)
            m.call("crw_free", cp)


_default = None


def calculate_score(spam_reports, has_consent, call_attempts):
    """The seed's app.scoring.calculate_score: (score, risk_level)."""
    global _default
    if _default is None:
        _default = Scorer()
    r = _default.score(spam_reports, has_consent, call_attempts)
    return r["score"], r["risk_level"]
