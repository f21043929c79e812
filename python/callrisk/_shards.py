"""Training across shards: the core's shard API (include/callrisk.h,
"Training across shards") for a host that holds the rows in parts -- Spark
partitions (callrisk.spark.train), files, processes.

    sh = Shards(schema, C=0.5, holdout={"fraction": 0.2, "method": "hash"})
    parts = [sh.dataset(data) for data in pieces]        # each where its rows are
    fit = sh.fit(sh.merge(sh.census(p) for p in parts))   # bytes, merged in any order
    while not fit.done:
        question = fit.question()                         # bytes, the same for every part
        fit.feed(sh.merge(sh.answer(p, question) for p in parts))
    model = fit.model()                                   # a Scorer

(Shards.train(parts) runs this loop in one process.) Every part answers the
core's passes -- a census, a summary, the loss, gradient and Hessian at each
point the solver asks about, then the evidence's: groups (its rows' weights
by probability and label, fitted and held out), a few cuts (the drift
reference's weighted deciles, narrowed between pivots: typically 2 to 4
passes) and shares (each reference bin's weight) -- with exact sums, counts
and the additive digest of its rows; the answers travel as bytes (the same
on every host), merge in any order, and the fit takes them as train() takes
a whole data set. So the model is train()'s on all the rows, for any parts
and row order: the same bytes and id, its card the same -- coefficients,
baselines, bands, training info (rows, weight_sum, data_sha256), solver
statistics and evidence (the metrics of the fitted and the held-out rows,
the drift reference). A part's answer to the groups pass holds one group per
distinct (probability, label) of its rows, and the merged answer one per
distinct pair of all of them: with real-valued features about one per row
(some 17 bytes each), which the driver holds. The 'order' holdout (the last
rows) has no meaning across parts: census() refuses it (CR_E_ARG, field
holdout); the 'hash' holdout splits every part alike, by each row's content.
Nor does it calibrate yet: Shards() refuses calibration="sigmoid" (CR_E_ARG,
field calibration), as the core's census and fit do.

A part's data is what Shards.dataset() takes: rows (an iterable of
mappings) or {"csv": text}, as train() takes them, or columns -- a mapping
of column name -> column, a pyarrow RecordBatch or Table, a pandas
DataFrame -- read as Scorer.score_batch() reads them, with the label's
column (bools or 0/1 numbers) and, if present, the weight's; the columns'
names are the core's (the options label_column and weight_column). Every
error is the core's CallriskError, with its code and field.

Nothing is left half done: a Fit whose feed() the core failed (CR_E_DATA,
...) refuses to go on (CR_E_STATE: make a new one); feed() takes the answers
to the question asked since the last feed (CR_E_STATE before question(), or
for the same answers twice); a Dataset whose add() failed after some of its
rows went in refuses census() and answer() (CR_E_STATE: make it anew). A
closed Shards, Dataset or Fit is CR_E_STATE too (a CallriskValueError);
closing the Shards leaves its open data sets and fits usable until they are
closed themselves.
"""
import json

from . import Scorer, _load, _new_schema, _parts, _schema_fields, _schema_text
from ._convert import options_json
from ._data import LABELLED_OR_COLUMNS, ROLE_LABEL, ROLE_WEIGHT, add, dataset, labelled_data
from ._errors import CallriskError, CallriskTypeError, CallriskValueError, host_error, type_name
from ._wasm import layout, locked

__all__ = ["Shards", "Dataset", "Fit"]

_NO_ROWS = ("rows", ())  # an empty data set's data
CALIBRATION = "calibration"  # the option the fit across shards does not apply (_no_calibration)


class Shards:
    """The shard API of one callrisk.wasm instance, for one schema and one
    set of training options (by the core's names, as train() takes them;
    the core judges them here). schema: a dict or JSON text; None: the
    seed's. Its data sets, fits and models live in this instance."""

    def __init__(self, schema=None, *, wasm_path=None, **options):
        m = _load(wasm_path)
        self._open(m, _schema_text(m.abi, schema), options_json(m.abi, options).encode())

    @classmethod
    def _on(cls, m, schema_text, options_text):
        """Shards in the module `m` (shared), from the schema's and the options' JSON texts."""
        self = cls.__new__(cls)
        with m.lock:
            self._open(m, schema_text, options_text)
        return self

    def _open(self, m, schema_text, options_text):
        self._m = m
        self.schema_text, self.options_text = schema_text, options_text
        self._schema = self._mem = 0
        self._closed = False
        self._open_parts = 0  # open Datasets and Fits: they use the schema and the scratch memory
        (err, opts, outs), size = layout(_parts(m, "cr_error", "cr_train_options", None))
        self._mem = base = m.malloc(size)  # scratch for every call: freed by close()
        self._err, self._opts, self._outs = base + err, base + opts, base + outs
        try:
            self._schema = _new_schema(m, schema_text, self._err, self._outs)
            m.with_bytes(options_text, lambda p, n: self._check(m.call("cr_train_options_from_json", self._opts, self._schema, p, n, self._err)))
            columns = json.loads(m.text_out("cr_training_columns_json", self._schema, self._opts, err=self._err))
            _no_calibration(m.abi, options_text)
        except BaseException:
            self.close()
            raise
        self.fields = _schema_fields(m, self._schema)
        self.label_column = next(c["name"] for c in columns if c["role"] == ROLE_LABEL)
        self.weight_column = next((c["name"] for c in columns if c["role"] == ROLE_WEIGHT), None)

    @locked
    def close(self):
        """Frees the schema and scratch memory (data sets, fits and models
        made here stay usable until freed themselves: the memory is freed
        when the last of them is closed)."""
        self._closed = True
        if not self._open_parts:
            self._free()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _opened(self):
        self._open_parts += 1

    def _closed_one(self):
        self._open_parts -= 1
        if self._closed and not self._open_parts:
            self._free()

    def _free(self):
        m = self._m
        if self._schema:
            m.call("cr_schema_free", self._schema)
            self._schema = 0
        if self._mem:
            m.free(self._mem)
            self._mem = 0

    def _check(self, status):
        self._m.check(status, self._err)

    def _live(self):
        if self._closed:
            raise _state(self._m.abi, "Shards: closed")

    # ---- a part's rows ----

    @locked
    def dataset(self, data=None):
        """A new data set of the schema in this instance, holding `data` (see
        the module's doc; None: no rows yet): a Dataset, which add() extends
        and close() (or a with block) frees. A bad value is a CallriskError
        naming the field and its row (.line, 1-based), as train()'s."""
        self._live()
        m = self._m
        data = _NO_ROWS if data is None else labelled_data(m.abi, data, LABELLED_OR_COLUMNS, columns=True)
        return Dataset(self, dataset(m, self._schema, self.options_text, data, self._opts, self._err, self._outs))

    def _with_dataset(self, part, fn):
        """fn(data set pointer) for a Dataset of this instance, or for what dataset() takes (freed after)."""
        if isinstance(part, Dataset):
            if part._shards._m is not self._m:
                raise host_error(self._m.abi, CallriskTypeError, "CR_E_ARG", None, "part: a Dataset of another callrisk.wasm instance")
            return fn(part._usable())
        with self.dataset(part) as ds:
            return fn(ds._ds)

    @locked
    def census(self, part):
        """The census of a part (a Dataset, or what dataset() takes) as
        bytes: its rows by label and holdout side, its digest
        (cr_shard_census). The 'order' holdout is refused (CR_E_ARG)."""
        self._live()
        return self._with_dataset(part, lambda ds: self._shard_bytes(
            lambda: self._check(self._m.call("cr_shard_census", ds, self._opts, self._outs, self._err))))

    @locked
    def answer(self, part, question):
        """A part's answer to a fit's question (bytes: Fit.question()), as
        bytes (cr_shard_answer)."""
        self._live()
        m = self._m
        q = _bytes(m.abi, question, "question")
        return self._with_dataset(part, lambda ds: self._shard_bytes(
            lambda: m.with_bytes(q, lambda p, n: self._check(m.call("cr_shard_answer", ds, p, n, self._outs, self._err)))))

    @locked
    def merge(self, shards):
        """The parts' answers to one pass (an iterable of bytes, at least
        one), merged, as bytes: the same in any order and grouping."""
        self._live()
        m = self._m
        into = 0
        try:
            for i, data in enumerate(shards):
                sh = self._load_shard(data, "shards[%d]" % i)
                if not into:
                    into = sh
                    continue
                try:
                    self._check(m.call("cr_shard_merge", into, sh, self._err))
                finally:
                    m.call("cr_shard_free", sh)
            if not into:
                raise host_error(m.abi, CallriskTypeError, "CR_E_ARG", None, "shards: none to merge")
            return m.text_out("cr_shard_save", into, err=self._err)
        finally:
            if into:
                m.call("cr_shard_free", into)

    @locked
    def fit(self, census):
        """A fit from the merged census (bytes): cr_train's data errors (no
        rows, one label, an empty holdout) are raised here."""
        self._live()
        m = self._m
        sh = self._load_shard(census, "census")
        try:
            self._check(m.call("cr_fit_create", self._schema, self._opts, sh, self._outs, self._err))
            return Fit(self, m.read_ptr(self._outs))
        finally:
            m.call("cr_shard_free", sh)

    @locked
    def train(self, parts, store=None):
        """The whole loop in this process over `parts` (each a Dataset or
        what dataset() takes, made into one for the fit and freed after):
        the Scorer of the model (train()'s); store: the Scorer's."""
        self._live()
        made = []
        try:
            datasets = []
            for part in parts:
                if not isinstance(part, Dataset):
                    part = self.dataset(part)
                    made.append(part)
                datasets.append(part)
            if not datasets:  # no parts: no rows, which the fit refuses as train([]) does (CR_E_DATA)
                made.append(self.dataset())
                datasets.append(made[-1])
            with self.fit(self.merge(self.census(p) for p in datasets)) as fit:
                while not fit.done:
                    question = fit.question()
                    fit.feed(self.merge(self.answer(p, question) for p in datasets))
                return fit.model(store)
        finally:
            for ds in made:
                ds.close()

    # ---- shards' bytes ----

    def _shard_bytes(self, make):
        """make() writes a new shard to _outs: its bytes, the shard freed."""
        m = self._m
        make()
        sh = m.read_ptr(self._outs)
        try:
            return m.text_out("cr_shard_save", sh, err=self._err)
        finally:
            m.call("cr_shard_free", sh)

    def _load_shard(self, data, name):
        m = self._m
        data = _bytes(m.abi, data, name)
        m.with_bytes(data, lambda p, n: self._check(m.call("cr_shard_load", p, n, self._outs, self._err)))
        return m.read_ptr(self._outs)


class Dataset:
    """A data set of a Shards' schema inside its instance (cr_dataset):
    add() appends rows, close() frees it (also at the end of a with block)."""

    def __init__(self, shards, ds):
        self._shards, self._ds = shards, ds
        self._m = shards._m  # its instance (@locked takes its lock)
        self._broken = None  # why census() and answer() refuse it: an add() that failed half done
        shards._opened()

    def _live(self):
        if not self._ds:
            raise _state(self._shards._m.abi, "Dataset: closed")
        return self._ds

    def _usable(self):
        ds = self._live()
        if self._broken is not None:
            raise _state(self._shards._m.abi, self._broken)
        return ds

    @property
    @locked
    def rows(self):
        return self._shards._m.call("cr_dataset_rows", self._live())

    @locked
    def add(self, data):
        """Appends `data` (what Shards.dataset() takes); a bad value is a
        CallriskError naming its field and row (1-based, within `data`),
        and the rows of the batches before it stay appended: then the data
        set refuses census(), answer() and add() (CR_E_STATE), as its rows
        are neither those before nor those after; make it anew."""
        sh = self._shards
        m = sh._m
        ds = self._usable()
        before = self.rows
        try:
            add(m, ds, sh._schema, sh._opts, labelled_data(m.abi, data, LABELLED_OR_COLUMNS, columns=True), sh._err, sh._outs)
        except BaseException as e:
            if self.rows != before:
                self._broken = ("Dataset: an add() failed after %d of its rows went in (%s): the data set is neither the rows "
                                "before it nor those after; make it anew" % (self.rows - before, _why(e)))
            raise

    @locked
    def close(self):
        if self._ds:
            self._shards._m.call("cr_dataset_free", self._ds)
            self._ds = 0
            self._shards._closed_one()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Fit:
    """The driver's side of a fit (cr_fit): while not done, question() is
    what every part answers next and feed() takes their merged answers;
    then model(). close() frees it (also at the end of a with block)."""

    def __init__(self, shards, fit):
        self._shards, self._fit = shards, fit
        self._m = shards._m  # its instance (@locked takes its lock)
        self.passes = 0  # answers fed so far (the census not counted)
        self._asked = False  # question() since the last feed()
        shards._opened()

    def _live(self):
        abi = self._shards._m.abi
        if not self._fit:
            raise _state(abi, "Fit: closed")
        return self._fit

    @property
    @locked
    def done(self):
        return bool(self._shards._m.call("cr_fit_done", self._live()))

    @locked
    def question(self):
        """The next question, as bytes (CR_E_STATE once solved)."""
        sh = self._shards
        q = sh._m.text_out("cr_fit_question", self._live(), err=sh._err)
        self._asked = True
        return q

    @locked
    def feed(self, answer):
        """The parts' merged answers (bytes) to the last question: one feed
        per question (CR_E_STATE before question(), or twice for one). All
        or nothing, as cr_fit_feed: a failed feed leaves the fit as it was,
        waiting for answers to the same question (answers from the right
        rows, or the same ones again after CR_E_NOMEM)."""
        sh = self._shards
        m = sh._m
        fit = self._live()
        if not self._asked and not m.call("cr_fit_done", fit):
            raise _state(m.abi, "Fit.feed: no question asked since the last feed (%d fed): feed the parts' answers to "
                                "question() once" % self.passes)
        shard = sh._load_shard(answer, "answer")
        try:
            sh._check(m.call("cr_fit_feed", fit, shard, sh._err))
        finally:
            m.call("cr_shard_free", shard)
        self.passes += 1
        self._asked = False

    @locked
    def model(self, store=None):
        """The solved fit's model, as a Scorer in the same instance (CR_E_STATE before it is solved)."""
        sh = self._shards
        m = sh._m
        sh._check(m.call("cr_fit_model", self._live(), sh._outs, sh._err))
        return Scorer._for(m, m.read_ptr(sh._outs), store)

    @locked
    def close(self):
        if self._fit:
            self._shards._m.call("cr_fit_free", self._fit)
            self._fit = 0
            self._shards._closed_one()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _state(abi, message):
    """What a closed or failed object says when used: CR_E_STATE (a ValueError, as it was)."""
    return host_error(abi, CallriskValueError, "CR_E_STATE", None, message)


def _why(e):
    """An exception in another's message: its code (a CallriskError's) and text."""
    return "%s: %s" % (e.code if isinstance(e, CallriskError) else type(e).__name__, e)


def _no_calibration(abi, options_text):
    """Refuses a calibration other than the default when the Shards are
    made, as the core's census and fit refuse it: Platt scaling is fitted on
    the held-out rows' scores together, which the fit across shards does not
    do yet."""
    option = next((o for o in abi.description["options"] if o["name"] == CALIBRATION), None)
    given = json.loads(options_text).get(CALIBRATION)
    if option is not None and given is not None and given != option["default"]:
        raise host_error(abi, CallriskTypeError, "CR_E_ARG", CALIBRATION,
                         "%s: a model trained across shards has no calibration yet (Platt scaling is fitted on the held-out "
                         "rows' scores together): train without it, or with train() in one process"
                         % CALIBRATION)


def _bytes(abi, data, name):
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise host_error(abi, CallriskTypeError, "CR_E_TYPE", None, "%s: must be bytes, got %s" % (name, type_name(data)))
    return bytes(data)
