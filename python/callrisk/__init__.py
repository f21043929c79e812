"""callrisk for Python: the very callrisk.wasm reactor (wasi preset), shipped
in this package and run by the wasmtime engine from PyPI. Same bits as the
native library and the npm package; persistence through a store you provide
(the module's "host" imports, include/callrisk_host.h).

    from callrisk import Scorer, calculate_score, train
    scorer = Scorer()                       # the seed's model, trained at start-up
    scorer.score(5, False, 10)              # {'score': 99, 'risk_level': 'HIGH', ...}
    scorer.score_json('{"spam_reports": 5, "has_consent": false, "call_attempts_24h": 10}')
    calculate_score(0, True, 1)             # (11, 'LOW'), the seed's function
    model = train(rows, C=0.5, bands={"high": 80})   # or train({"csv": text}, schema, ...)
    model = train(rows, holdout={"fraction": 0.2}, calibration="sigmoid")
    model.card()["evidence"]                # train and holdout metrics, calibration, drift reference
    model.evaluate(rows)                    # {'n': ..., 'log_loss': ..., 'auc': ..., 'roc': [...], 'calibration': [...], ...}
    champion.evaluate(rows, holdout={"fraction": 0.2})  # on the rows train(rows, holdout=...) holds out
    model.drift(requests)                   # PSI per feature and for the score; or {"csv": text}, {"records": [text, ...]}

The package is a thin converter over the core: every layout and constant is
read from the module's own description (cr_abi_json()), every value the core
can see is judged by the core, and every error is a CallriskError with the
core's .code, .field and .http_status (see _errors.py). Python judges only
what cannot reach the core -- a str or None for a number, a bool for a count,
a missing field, an int no double holds -- and reports it with the code and
field the core gives the same input in JSON; such errors are also TypeErrors
or ValueErrors. A store that raises KeyboardInterrupt or SystemExit has it
raised as it was by score_caller, after the core has freed the call's memory.
"""
import copy
import json
import os
import struct
from collections.abc import Mapping

from ._convert import field_value, json_text, options_json, reading_raised, time_ms, utf8
from ._data import LABELLED_OR_COLUMNS, Requests, dataset, labelled_data, text_bytes
from ._errors import CallriskError, CallriskTypeError, CallriskValueError, core_error, echo, echo_path, host_error, numbered, type_name
from ._wasm import DOUBLE, INT, INT64, Module, layout, locked, takes_text
from . import _batch  # Scorer.score_batch
from ._batch import BatchResult  # noqa: F401 - what Scorer.score_batch returns

__all__ = ["Scorer", "MemoryStore", "CallriskError", "CallriskTypeError", "CallriskValueError", "calculate_score",
           "default_wasm_path", "train", "train_options"]

REQUESTS = "requests (an iterable of mappings), {'csv': text} or {'records': [text, ...]}"


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


def _load(wasm_path):
    """A new instance of the module at wasm_path (default: default_wasm_path())."""
    if wasm_path is not None and not isinstance(wasm_path, (str, bytes, os.PathLike)):
        raise TypeError("wasm_path: must be a path, got %s" % type_name(wasm_path))
    try:
        return Module(wasm_path or default_wasm_path())
    except UnicodeError:
        raise ValueError("wasm_path: not a file name this system can encode: %s" % echo_path(wasm_path)) from None


class MemoryStore:
    """The default store: call attempts, and score records with the text the
    core wrote for each (`texts[i]` is `records[i]` as stored, byte for byte;
    None when a subclass's save_score passed the record only)."""

    def __init__(self):
        self.attempts = {}
        self.records = []
        self.texts = []

    def record_attempt(self, caller_number, at_ms):
        self.attempts.setdefault(caller_number, []).append(at_ms)

    def count_attempts(self, caller_number, since_ms, until_ms):
        return sum(1 for t in self.attempts.get(caller_number, ()) if since_ms <= t <= until_ms)

    def save_score(self, record, text=None):
        self.records.append(record)
        self.texts.append(text)


def _check_store(abi, store):
    if not (callable(getattr(store, "count_attempts", None)) and callable(getattr(store, "save_score", None))):
        raise host_error(abi, CallriskTypeError, "CR_E_ARG", None,
                         "store: must have count_attempts(caller_number, since_ms, until_ms) and save_score(record[, text])")


def _json_text(abi, value, name):
    """A model or schema given as text, bytes or a dict: its JSON text as UTF-8."""
    if isinstance(value, Mapping):
        value = json_text(abi, value, name)
    if isinstance(value, str):
        return utf8(abi, value, name, "CR_E_JSON")
    return bytes(value)


class Scorer:
    """Scores with a model inside callrisk.wasm. With no `model` it trains
    the seed's default model, as the seed did. `model`: the bytes of a
    saved model, its canonical JSON text, or that JSON as a dict. train()
    returns one for the model it trained."""

    def __init__(self, model=None, store=None, wasm_path=None):
        m = _load(wasm_path)
        abi = m.abi
        if store is not None:
            _check_store(abi, store)
        if model is not None and not isinstance(model, (bytes, bytearray, memoryview, str, Mapping)):
            raise host_error(abi, CallriskTypeError, "CR_E_TYPE", None,
                             "model: must be model bytes, its JSON text or a dict, got %s" % type_name(model))
        error = abi.structs["cr_error"]
        (err, out), size = layout([(error.size, error.align), (m.ptr.size, m.ptr.size)])
        mem = m.malloc(size)
        err, out = mem + err, mem + out
        try:
            if model is None:
                m.check(m.call("cr_model_create_default", out, err), err)
            else:
                load = "cr_model_load" if isinstance(model, (bytes, bytearray, memoryview)) else "cr_model_from_json"
                m.with_bytes(_json_text(abi, model, "model"), lambda p, n: m.check(m.call(load, p, n, out, err), err))
            self._adopt(m, m.read_ptr(out), store)
        finally:
            m.free(mem)

    @classmethod
    def _for(cls, m, model, store):
        self = cls.__new__(cls)
        self._adopt(m, model, store)
        return self

    def _adopt(self, m, model, store):
        """Scores with `model` (a pointer into `m`, now owned by this scorer)."""
        abi = m.abi
        self._m = m
        self._model = model
        self.store = store if store is not None else MemoryStore()
        self.model_id = m.cstring(m.call("cr_model_id", model))
        self._schema = schema = m.call("cr_model_schema", model)
        self.fields = _schema_fields(m, schema)
        self.features = [m.cstring(m.call("cr_schema_feature_name", schema, j)) for j in range(m.call("cr_schema_feature_count", schema))]
        self._row_format = struct.Struct("<%dd" % len(self.fields))
        self._result = abi.structs["cr_score_result"]
        self._reason = abi.structs["cr_reason"]
        self._error = abi.structs["cr_error"]
        # One block for a scoreCaller's memory (a store may call this scorer
        # again from inside its answer: each call has its own), and one for score().
        self._call_layout = layout([
            (self._error.size, self._error.align), (self._result.size, self._result.align),
            (self._reason.size * len(self.features), self._reason.align), (self._row_format.size, DOUBLE.size),
            (max(INT64.size, m.ptr.size), INT64.size),  # the op, then the attempts
        ])
        offsets, size = self._call_layout
        base = m.malloc(size)
        self._err, self._res, self._reasons, self._fields, _ = (base + o for o in offsets)

    @property
    def store(self):
        return self._store

    @store.setter
    @locked  # never while another thread's score_caller uses the store (and whether it takes the text)
    def store(self, store):
        _check_store(self._m.abi, store)
        self._store = store
        self._store_takes_text = takes_text(store.save_score)

    @property
    @locked
    def coefficients(self):
        return [self._m.call("cr_model_coef", self._model, j) for j in range(len(self.features))]

    @property
    @locked
    def intercept(self):
        return self._m.call("cr_model_intercept", self._model)

    @property
    @locked
    def bands(self):
        """{"high": h, "medium": m}: score >= h is HIGH, >= m MEDIUM."""
        m = self._m
        (high, medium), size = layout([(INT.size, INT.size), (INT.size, INT.size)])
        p = m.malloc(size)
        try:
            m.call("cr_model_bands", self._model, p + high, p + medium)
            return {"high": INT.unpack(m.read(p + high, INT.size))[0], "medium": INT.unpack(m.read(p + medium, INT.size))[0]}
        finally:
            m.free(p)

    @property
    @locked
    def stats(self):
        """The fit's statistics (cr_train_stats: iterations, objective, grad_norm, converged)."""
        m, st = self._m, self._m.abi.structs["cr_train_stats"]
        p = m.malloc(st.size)
        try:
            m.call("cr_model_stats", self._model, p)
            return st.unpack(m.read(p, st.size))
        finally:
            m.free(p)

    @locked
    def to_json(self):
        """The model's canonical JSON text (loadable with Scorer(model=...))."""
        return self._m.text_out("cr_model_to_json", self._model, err=self._err).decode()

    @locked
    def to_bytes(self):
        """The model's canonical bytes (model_id is their SHA-256; loadable with Scorer(model=...))."""
        return self._m.text_out("cr_model_save", self._model, err=self._err)

    @locked
    def verify_record(self, text):
        """Replays a stored score record (the text save_score got) against this
        model (cr_verify_record): None when it gives the same score, band and
        bits; else CallriskError CR_E_MISMATCH naming the part that differs."""
        m = self._m
        if isinstance(text, str):
            data = utf8(m.abi, text, "text", "CR_E_JSON")
        elif isinstance(text, (bytes, bytearray, memoryview)):
            data = bytes(text)
        else:
            raise host_error(m.abi, CallriskTypeError, "CR_E_TYPE", None, "text: must be the record's text (str or bytes), got %s" % type_name(text))
        m.with_bytes(data, lambda p, n: m.check(m.call("cr_verify_record", self._model, p, n, self._err), self._err))

    @locked
    def card(self):
        """The model card (cr_model_card_json) as a dict: features with
        coefficients and baselines, bands, training and solver statistics,
        and for a trained model its "evidence": the metrics of the fitted
        rows ("train") and of the holdout, the calibration and the drift
        reference (None for what the model was trained without)."""
        return json.loads(self._m.text_out("cr_model_card_json", self._model, err=self._err))

    @locked
    def evaluate(self, data, label_column=None, weight_column=None, **options):
        """The model's quality on labelled data, as the core computes it
        (cr_evaluate_with: scikit-learn's definitions, the same bits on every
        host): a dict of n, weight_sum, base_rate, log_loss, brier, auc, gini,
        ks, roc (21 points {fpr, tpr}: the ROC curve's TPR at FPR = k/20),
        calibration (10 equal-width bins: lo, hi, weight, mean_predicted,
        observed_rate) and bands (band, weight, share, observed_rate,
        mean_predicted); what the core writes as null (auc and roc's tpr with
        one class, an empty bin's rates) is None.

        data: rows, an iterable of mappings (the model's fields, the label,
        optionally a weight), columns, or {"csv": text}, exactly as train()
        takes them. label_column, weight_column: the columns' names, when not the
        core's defaults (None: the default). Other options go to the core by
        its names, which judges them as train() does (an unknown name is
        CR_E_ARG). holdout: only the rows train() with these options holds
        out are measured, so evaluate(data, holdout=h) of any model is on the
        rows a candidate train(data, holdout=h, ...) was measured on, and of
        that candidate equals its card's holdout metrics bit for bit (but for
        roc: a model stores none). The other options do not bear on
        evaluation."""
        m = self._m
        abi = m.abi
        data = labelled_data(abi, data, LABELLED_OR_COLUMNS, columns=True)
        columns = {"label_column": label_column, "weight_column": weight_column}
        options_text = options_json(abi, dict({k: v for k, v in columns.items() if v is not None}, **options)).encode()
        with m.scratch(_parts(m, "cr_error", "cr_train_options", "cr_metrics", None)) as (err, opts, metrics, outs):
            ds = dataset(m, self._schema, options_text, data, opts, err, outs)
            try:
                m.check(m.call("cr_evaluate_with", self._model, ds, opts, metrics, err), err)
            finally:
                m.call("cr_dataset_free", ds)
            return json.loads(m.text_out("cr_metrics_json", metrics, err=err))

    @locked
    def drift(self, data):
        """Drift against the reference a trained model carries (the default
        model and format 1 files have none: CallriskError CR_E_MISSING): a
        dict of n, weight_sum, epsilon, features (per feature: feature, psi,
        status, bins of hi, reference and actual share) and score (psi,
        status, bins); status is stable < 0.10 <= watch < 0.25 <= alert.

        data: requests, an iterable of mappings of the model's fields (other
        keys are ignored; weight 1 each); {"csv": text}, labelled rows with
        the default column names, by their weights (as evaluate() reads
        CSV); or {"records": [text, ...]}, stored score records, each the
        text save_score() got (weight 1 each). An error names the row or
        record (.line, 1-based)."""
        m = self._m
        abi = m.abi
        if isinstance(data, Mapping) and set(data) == {"records"}:
            records = data["records"]
            try:
                if isinstance(records, (str, bytes, bytearray, memoryview, Mapping)):
                    raise TypeError
                kind, value = "records", iter(records)
            except TypeError:
                raise host_error(abi, CallriskTypeError, "CR_E_ARG", None,
                                 "records: must be an iterable of record texts, got %s" % type_name(records)) from None
        else:
            kind, value = labelled_data(abi, data, REQUESTS)
        with m.scratch(_parts(m, "cr_error", "cr_train_options", None)) as (err, opts, outs):
            m.check(m.call("cr_drift_create", self._model, outs, err), err)
            drift = m.read_ptr(outs)
            try:
                if kind == "rows":
                    Requests(m, drift, self.fields, err).add(value)
                elif kind == "records":
                    _add_records(m, drift, value, err)
                else:
                    ds = dataset(m, self._schema, options_json(abi, {}).encode(), (kind, value), opts, err, outs)
                    try:
                        m.check(m.call("cr_drift_add_dataset", drift, ds, err), err)
                    finally:
                        m.call("cr_dataset_free", ds)
                return json.loads(m.text_out("cr_drift_json", drift, err=err))
            finally:
                m.call("cr_drift_free", drift)

    # ---- rows: Python values to the doubles the core judges ----

    def _first_bad(self, done, e):
        """The error to raise for a value Python refused (`e`) after the
        values in `done` (name -> double) were converted: the core's, if it
        refuses one of those (it reports the first bad field in schema
        order), else `e`. The fields not converted yet are probed as 0, which
        every field type holds."""
        m = self._m
        m.write(self._fields, self._row_format.pack(*(done.get(name, 0.0) for name, _ in self.fields)))
        status = m.call("cr_score", self._model, self._fields, self._res, self._reasons, len(self.features), self._err)
        if status != m.abi.ok:
            return core_error(m.abi, self._error.unpack(m.read(self._err, self._error.size)))
        return e

    def _convert(self, fields, get):
        """The doubles of `fields` (name, kind), each value from get(name)
        (KeyError: missing; what else it raises, a mapping's __getitem__'s,
        is the field's reading_raised()), in order; the first bad one raises."""
        abi = self._m.abi
        done = {}
        for name, kind in fields:
            try:
                try:
                    v = get(name)
                except KeyError:
                    raise host_error(abi, CallriskTypeError, "CR_E_MISSING", name, "%s: required" % name) from None
                except Exception as e:  # not KeyboardInterrupt, SystemExit: they pass as they are
                    raise reading_raised(abi, name, e) from e
                done[name] = field_value(abi, name, kind, v)
            except CallriskError as e:
                first = self._first_bad(done, e)
                raise first from first.__cause__  # a value whose reading raised: what it raised
        return done

    def _named_values(self, fields, values, named, what):
        """Positional then named values for `fields`, each given once; an
        unknown name is a TypeError (a typo must not be ignored)."""
        abi = self._m.abi
        names = [name for name, _ in fields]
        if len(values) > len(fields):
            raise host_error(abi, CallriskTypeError, "CR_E_ARG", None,
                             "%s takes %d values (%s), got %d" % (what, len(fields), ", ".join(names), len(values)))
        for name in named:
            if name not in names:
                raise host_error(abi, CallriskTypeError, "CR_E_ARG", echo(name),
                                 "%s: unknown field (fields: %s)" % (echo(name), ", ".join(names)))
            if names.index(name) < len(values):
                raise host_error(abi, CallriskTypeError, "CR_E_ARG", name, "%s: given twice, by position and by name" % name)
        given = dict(zip(names, values))
        given.update(named)
        return self._convert(fields, given.__getitem__)

    def _row(self, values, named, what):
        if len(values) == 1 and not named and isinstance(values[0], Mapping):
            return self._convert(self.fields, values[0].__getitem__)  # a request: other keys are ignored, as by the core
        return self._named_values(self.fields, values, named, what)

    def _read_result(self, result, reasons):
        m = self._m
        out = self._result.unpack(m.read(result, self._result.size))
        out["risk_level"] = m.abi.risk_levels[out["risk_level"]]
        feature, contribution = self._reason.index["feature"], self._reason.index["contribution"]
        out["reasons"] = [
            {"feature": self.features[r[feature]], "contribution": r[contribution]}
            for r in self._reason.struct.iter_unpack(m.read(reasons, self._reason.size * len(self.features)))
        ]
        out["model_id"] = self.model_id
        return out

    def _score_fields(self):
        m = self._m
        m.check(m.call("cr_score", self._model, self._fields, self._res, self._reasons, len(self.features), self._err), self._err)
        return self._read_result(self._res, self._reasons)

    # ---- scoring ----

    def score(self, /, *values, **named):
        """score(spam_reports, has_consent, call_attempts_24h): the model's
        fields, positional or by name, or one mapping of them (a request:
        keys that are no field are ignored)."""
        with self._m.lock:  # taken here, not by @locked: score() is the call made most often
            row = self._row(values, named, "score")
            self._m.write(self._fields, self._row_format.pack(*(row[name] for name, _ in self.fields)))
            return self._score_fields()

    # ---- many rows at once (_batch.py) ----

    def score_batch(self, data, *, reasons=False):
        """Scores many rows in one call of the core (cr_score_batch), bit for
        bit as score() scores each; returns a BatchResult (scores, risk_levels
        and level_codes, probabilities: arrays in row order).

        data: columns -- a mapping of field name -> column (other keys are
        ignored), a pyarrow RecordBatch or Table, or a pandas DataFrame; a
        column is a sequence of numbers (not a set: it has no order), an
        array('d') or another buffer, a NumPy array or an Arrow array; a
        bool field takes bools or 0/1 --
        or rows: an iterable of mappings (as score() takes one), or a
        float64 buffer of n rows of the fields in order (array('d'), a NumPy
        array of shape (n, fields)). Columns of floats are copied into the
        module without a Python loop; NumPy and Arrow columns through their
        buffers. A bad value is a CallriskError naming the field and its row
        (.line, 1-based). reasons=True also keeps each row's reasons (one
        cr_score() call per row: slower)."""
        return _batch.score_batch(self, data, reasons)

    @locked
    def score_json(self, text):
        """Scores a request as JSON text (str or UTF-8 bytes): an object of the
        model's fields, parsed and judged by the core (cr_request_parse)."""
        m = self._m
        abi = m.abi
        if isinstance(text, str):
            data = utf8(abi, text, "text", "CR_E_JSON")
        elif isinstance(text, (bytes, bytearray, memoryview)):
            data = bytes(text)
        else:
            raise host_error(abi, CallriskTypeError, "CR_E_TYPE", None, "text: must be JSON text (str or bytes), got %s" % type_name(text))
        m.with_bytes(data, lambda p, n: m.check(m.call("cr_request_parse", self._schema, p, n, self._fields, self._err), self._err))
        return self._score_fields()

    @locked
    def score_caller(self, /, caller_number, *values, at_ms=None, **named):
        """The seed's scoreCaller: counts the caller's attempts in the 24 h
        before `at_ms` (whole ms; default now) through the store, scores with
        that count in the model's attempts field (call_attempts_24h, the
        ABI's), and has the store persist the record; raises CallriskError
        (CR_E_STORE, with the store's exception as __cause__) if the store
        fails. The values are the model's other fields, by position or by
        name: (caller, spam_reports, has_consent) for the seed's model.

        The store's save_score(record, text) gets the record as a dict and
        the canonical text the core wrote for it; a save_score that takes one
        argument gets the record only."""
        m = self._m
        abi = m.abi
        if not isinstance(caller_number, str):
            raise host_error(abi, CallriskTypeError, "CR_E_TYPE", "caller_number", "caller_number: must be a str, got %s" % type_name(caller_number))
        caller = utf8(abi, caller_number, "caller_number", "CR_E_TYPE", "caller_number")  # its rules (length, printable ASCII) are the core's
        at = time_ms(abi, at_ms)
        attempts = abi.attempts_field
        done = self._named_values([f for f in self.fields if f[0] != attempts], values, named, "score_caller")
        # The attempts field's value is the store's count; the core ignores what is given for it.
        row = self._row_format.pack(*(done.get(name, 0.0) for name, _ in self.fields))
        (err, result, reasons, fields, outs), size = self._call_layout
        mem = m.malloc(size + len(caller) + 1)
        err, result, reasons, fields, outs = (mem + o for o in (err, result, reasons, fields, outs))
        cp = mem + size
        op = 0
        started = False
        saved = m.current_store
        try:
            m.write(outs, bytes(INT64.size))
            m.write(cp, caller + b"\0")
            m.write(fields, row)
            m.current_store = (self._store, self._store_takes_text)
            started = True
            status = m.call("crw_caller_start", self._model, cp, len(caller), fields, float(at), outs, err)
            op = m.read_ptr(outs)
            failure = m.failures.get(op)
            if failure is not None and not isinstance(failure, Exception):
                raise failure  # KeyboardInterrupt, SystemExit: as the store raised it, not a store failure
            m.check(status, err, failure)
            m.check(m.call("cr_caller_op_result", op, result, reasons, len(self.features), outs, err), err, m.failures.get(op))
            out = self._read_result(result, reasons)
            out[attempts] = INT64.unpack(m.read(outs, INT64.size))[0]
            return out
        finally:
            m.current_store = saved
            if started and not op:
                # The call raised (a trap): the core wrote the op, if it made one, before asking the store.
                op = m.read_ptr(outs)
            if op:
                m.call("cr_caller_op_free", op)
                m.failures.pop(op, None)
            m.free(mem)


def _add_records(m, drift, records, err):
    """Stored score records' texts into a drift, each named by its 1-based place."""
    abi = m.abi
    for line, text in enumerate(records, 1):
        try:
            data = text_bytes(abi, text, "text", "CR_E_JSON")
        except CallriskError as e:
            raise numbered(e, line, "record") from None
        status = m.with_bytes(data, lambda p, n: m.call("cr_drift_add_record", drift, p, n, err))
        if status != abi.ok:
            raise numbered(core_error(abi, m.error.unpack(m.read(err, m.error.size))), line, "record")


# ---- training ----


def train_options(wasm_path=None):
    """The training options the core knows: [{"name", "kind", "default", "doc"}, ...]
    from its description; train() passes any of them, by these names."""
    return copy.deepcopy(_load(wasm_path).abi.description["options"])


def train(data, schema=None, *, store=None, wasm_path=None, progress=None, **options):
    """Trains a model in callrisk.wasm and returns a Scorer for it.

    data: training rows, an iterable of mappings with the columns the core
    asks for (cr_training_columns_json: every schema field, the label 0/1,
    optionally a weight; other keys are ignored; the first row decides
    whether rows carry a weight); the same columns as columns (a mapping of
    column name -> column: lists, array('d'), NumPy arrays; a pyarrow
    RecordBatch or Table; a pandas DataFrame), read through their buffers
    as score_batch reads them, the fastest way in; or {"csv": text} (str or
    UTF-8 bytes, with a header naming the same columns).
    schema: the fields and features, as a dict or JSON text
    ({"fields": [...], "features": [...]}); None: the seed's.
    options: by the core's names (train_options()): C, fit_intercept,
    class_weight, max_iter, tol, signs, bands, label_column, weight_column,
    holdout ({"fraction": f, "method": "order" | "hash", "seed": n}: rows
    kept out of the fit; their metrics go into the model, card()["evidence"]),
    calibration ("none" | "sigmoid": Platt scaling fitted on the holdout),
    ... They go to the core as
    one JSON object (cr_train_options_from_json), which judges each one:
    an unknown name, a wrong type or a value out of range is a
    CallriskError naming the option.
    store, wasm_path: the Scorer's. progress: called as progress(iteration,
    objective, grad_norm) after each Newton iteration; a true answer stops
    the training (CR_E_CANCELLED)."""
    m = _load(wasm_path)  # this training's own instance: no other thread has it (no lock needed) until it returns
    abi = m.abi
    if progress is not None and not callable(progress):
        raise host_error(abi, CallriskTypeError, "CR_E_ARG", None, "progress: must be callable, got %s" % type_name(progress))
    if store is not None:
        _check_store(abi, store)
    data = labelled_data(abi, data, LABELLED_OR_COLUMNS, columns=True)
    options_text = options_json(abi, options).encode()
    schema_text = _schema_text(abi, schema)

    with m.scratch(_parts(m, "cr_error", "cr_train_options", None)) as (err, opts, outs):
        s = ds = 0
        try:
            s = _new_schema(m, schema_text, err, outs)
            ds = dataset(m, s, options_text, data, opts, err, outs)
            m.current_progress, saved = progress, m.current_progress
            try:
                status = m.call("crw_train_with", ds, opts, 1 if progress is not None else 0, outs, err)
            finally:
                m.current_progress = saved
                failure = m.failures.pop("progress", None)
            if failure is not None and not isinstance(failure, Exception):
                raise failure  # KeyboardInterrupt, SystemExit: as the callback raised it
            m.check(status, err, failure)
            return Scorer._for(m, m.read_ptr(outs), store)
        finally:
            if ds:
                m.call("cr_dataset_free", ds)
            if s:
                m.call("cr_schema_free", s)


def _schema_text(abi, schema):
    """A schema argument as its JSON text (UTF-8): a dict or JSON text; None for the seed's."""
    if schema is not None and not isinstance(schema, (str, bytes, bytearray, memoryview, Mapping)):
        raise host_error(abi, CallriskTypeError, "CR_E_TYPE", None, "schema: must be a dict or JSON text, got %s" % type_name(schema))
    return None if schema is None else _json_text(abi, schema, "schema")


def _new_schema(m, schema_text, err, outs):
    """A new schema in `m` (the caller frees it): the seed's for None, else
    from its JSON text (_schema_text()), as the core judges it."""
    if schema_text is None:
        m.check(m.call("cr_schema_create_default", outs, err), err)
    else:
        m.with_bytes(schema_text, lambda p, n: m.check(m.call("cr_schema_from_json", p, n, outs, err), err))
    return m.read_ptr(outs)


def _schema_fields(m, schema):
    """[(name, type)] of a schema's fields, in order (type: "count", "bool", "real")."""
    return [(m.cstring(m.call("cr_schema_field_name", schema, i)), m.abi.field_types[m.call("cr_schema_field_type", schema, i)])
            for i in range(m.call("cr_schema_field_count", schema))]


def _parts(m, *structs):
    """(size, align) of each struct the ABI names, None for a pointer: a scratch block's parts."""
    return [(m.ptr.size, m.ptr.size) if name is None else (m.abi.structs[name].size, m.abi.structs[name].align) for name in structs]


_default = None


def calculate_score(spam_reports, has_consent, call_attempts):
    """The seed's app.scoring.calculate_score: (score, risk_level)."""
    global _default
    if _default is None:
        _default = Scorer()
    r = _default.score(spam_reports, has_consent, call_attempts)
    return r["score"], r["risk_level"]
