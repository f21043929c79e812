"""callrisk.spark: scoring and training on Apache Spark DataFrames with the callrisk core.

    from callrisk import Scorer, train
    import callrisk.spark
    scored = callrisk.spark.score(df, Scorer())        # the seed's model; or train(...), model bytes, JSON
    scored = callrisk.spark.score(df, model, columns={"spam_reports": "spam"}, reasons=True)
    model = callrisk.spark.train(df, C=0.5, holdout={"fraction": 0.2, "method": "hash"})   # a Scorer

score() adds `score` (int), `risk_level` (string) and `probability`
(double) -- and with reasons=True `reasons`, an array of structs (feature,
contribution) -- to every row, computed by DataFrame.mapInArrow (PySpark >=
3.3) in the executors' Python workers: each worker process instantiates
callrisk.wasm once per model (a module-level cache keyed by the model's id)
and scores each Arrow batch with one cr_score_batch() call, so the results
are the bits Scorer.score() and the npm package's scoreBatch() give.

The model travels to the executors as its canonical bytes, inside the
function Spark ships (a few KB); the executors need callrisk itself (with
its callrisk.wasm) and wasmtime: `pip install callrisk` on every node, or a
packed environment (spark.archives) -- see python/README.md, "Spark".
Setting CALLRISK_WASM on the executors (spark.executorEnv.CALLRISK_WASM)
points them at another callrisk.wasm.

A value the core refuses fails the job with the core's error: Spark raises
it on the driver as a PythonException whose message holds the worker's
"CallriskValueError: CR_E_RANGE: row 17 of partition 3: spam_reports (column
'spam'): must be an integer >= 0, got -1 ...". A column of a type no field
takes (a string column, a boolean column for a count) is refused by score()
itself, before any job runs.

train() drives the core's shard API (_shards.py) over the DataFrame's
partitions: every partition answers each pass of the fit with exact sums
(bytes), the driver merges them and its fit takes them, so the model is
train()'s on the same rows, bit for bit: the same bytes and id, evidence
included. A bad value is raised on the driver as the core's CallriskError
itself (its code, field, and the row within its partition).
"""
try:
    import pyspark
    from pyspark.sql import DataFrame
    from pyspark.sql import types as T
except ImportError as e:  # pragma: no cover - the message is the point
    raise ImportError("callrisk.spark needs PySpark >= 3.3 and pyarrow, which callrisk does not install: "
                      "pip install 'pyspark[sql]>=3.3' (PySpark 4 needs Java 17 or later)") from e

import functools
import json
from collections.abc import Mapping

from . import CallriskError, CallriskTypeError, CallriskValueError, Scorer, _load
from ._data import ROLE_LABEL, ROLE_WEIGHT
from ._errors import echo, host_error, type_name
from ._shards import Shards

__all__ = ["score", "train", "OUTPUT_COLUMNS"]

OUTPUT_COLUMNS = ("score", "risk_level", "probability")  # and "reasons" with reasons=True

# Spark column types by what each field type takes: numbers for counts and
# reals (a count must hold whole values >= 0: the core judges each one);
# booleans or 0/1 numbers for booleans.
_NUMERIC = (T.ByteType, T.ShortType, T.IntegerType, T.LongType, T.FloatType, T.DoubleType, T.DecimalType)
_TAKES = {"count": _NUMERIC, "real": _NUMERIC, "bool": _NUMERIC + (T.BooleanType,)}
# The training columns besides the fields (by their roles): the label as a bool field, the weight as a real.
_TAKES.update({ROLE_LABEL: _TAKES["bool"], ROLE_WEIGHT: _NUMERIC})

_REASON = T.StructType([T.StructField("feature", T.StringType(), False), T.StructField("contribution", T.DoubleType(), False)])


def score(df, model, *, reasons=False, columns=None):
    """`df` with the model's score of each row: columns score (int),
    risk_level (string: LOW, MEDIUM, HIGH), probability (double), and with
    reasons=True reasons (array<struct<feature: string, contribution:
    double>>, ordered as Scorer.score() orders them). Columns of these names
    in `df` are replaced, as withColumn() would; the others are kept, in
    order (two of one name too: a join's), and the rows keep their order
    and partitioning; a field's column may not be one of two of its name
    (CR_E_ARG). Lazy, as any
    transformation: the scoring runs with the job that reads the result.

    model: a Scorer (Scorer() for the seed's model, train(...)'s result),
    or what Scorer(model=...) takes: a model's bytes, its JSON text or dict;
    None: the seed's model.
    columns: {field: column} for the model's fields whose column in `df` has
    another name (the others are read from the column of the field's name).
    A count takes a column of integers or whole doubles (or decimals), a
    real any numbers, a boolean booleans or 0/1 numbers; nulls, NaN and
    values out of range fail the job with the core's error (its code, the
    field, the column and the row within its partition).
    reasons=True calls the core once per row for them: several times slower."""
    _needs_arrow()
    scorer = model if isinstance(model, Scorer) else Scorer(model=model)
    abi = scorer._m.abi
    if not hasattr(df, "mapInArrow") or not hasattr(df, "schema"):
        raise host_error(abi, CallriskTypeError, "CR_E_ARG", None, "df: must be a Spark DataFrame, got %s" % type_name(df))
    if not isinstance(reasons, bool):
        raise host_error(abi, CallriskTypeError, "CR_E_ARG", None, "reasons: must be True or False, got %s" % type_name(reasons))
    plan = _plan(abi, scorer.fields, df.schema, {} if columns is None else columns)
    out_names = OUTPUT_COLUMNS + (("reasons",) if reasons else ())
    kept = [(_key(i), f) for i, f in enumerate(df.schema.fields) if f.name not in out_names]
    schema = T.StructType([T.StructField(key, f.dataType, f.nullable, f.metadata) for key, f in kept] + [
        T.StructField("score", T.IntegerType(), False),
        T.StructField("risk_level", T.StringType(), False),
        T.StructField("probability", T.DoubleType(), False),
    ] + ([T.StructField("reasons", T.ArrayType(_REASON, False), False)] if reasons else []))
    job = _Job(bytes(scorer.to_bytes()), scorer.model_id, plan, [key for key, _ in kept], reasons)
    # The columns by position (df may have two of a name, which mapInArrow cannot take), then their names again.
    return _by_position(df).mapInArrow(functools.partial(_score_batches, job), schema).toDF(*[f.name for _, f in kept] + list(out_names))


def train(df, *, label=None, weight=None, schema=None, columns=None, progress=None, **options):
    """Trains a model on the rows of a Spark DataFrame and returns its
    Scorer: the model train() gives for the same rows (collected, in any
    order and partitioning) and options, bit for bit -- the same bytes and
    id: coefficients, baselines, bands, training info (rows, weight_sum,
    data_sha256), solver statistics and evidence (the metrics of the fitted
    and the held-out rows, the drift reference).

    schema: the fields and features, as a dict or JSON text; None: the
    seed's. options: by the core's names, as train() takes them (C,
    class_weight, holdout, signs, bands, ...); the core judges them before
    any job. The 'order' holdout (the last rows) has no meaning across
    partitions: CallriskError CR_E_ARG naming holdout; the 'hash' holdout
    splits the rows by their content, as train() does.
    columns: {field: column} for fields whose column has another name, as
    score() takes it; the columns are read as score() reads them (a count
    from integers or whole doubles, a boolean from booleans or 0/1 numbers).
    label: the label's column (booleans or 0/1 numbers; default: the
    core's label column, the option label_column, "label"). weight: the
    sample weight's column (numbers >= 0); default: the core's weight
    column (weight_column, "weight") if the DataFrame has one -- as a CSV
    header or train()'s first row decides -- else every row weighs 1.
    progress: called as progress(passes) after each pass over the data
    (the census is the first); a true answer stops the training
    (CallriskError CR_E_CANCELLED), as does an exception it raises (then
    the error's cause), as train()'s progress.

    It runs as passes (jobs) of mapInArrow over the DataFrame's columns that
    it reads, persisted for the training and unpersisted after: the census,
    the summary, one per point the solver asks about (train()'s Newton
    iterations plus one, or more where it backtracks), then the evidence's:
    groups, a few cuts (typically 2 to 4) and shares. In every pass each
    partition's rows go into a data set of the core in the executor's Python
    worker (one wasm instance per worker), which answers the core's question
    (shipped inside the function: about a hundred bytes; the cuts' pivots,
    up to 32768 in all, a few hundred KB) with exact sums: one row of bytes
    per partition, collected and merged on the driver (callrisk._shards).
    For five features the answers are about 1.5 KB, the cuts' up to a few
    hundred KB; the groups' hold one group
    per distinct (probability, label) of the partition's rows, about one per
    row with real-valued features (some 17 bytes each), and the driver holds
    them all, merged: about 17 MB for a million such rows. A value the core
    refuses is raised here as the core's CallriskError, with its code and
    field and, in the message and .line, its row within its partition; the
    job itself does not fail (Spark does not retry it). Every pass checks
    that it read the rows the census counted (their census, the same
    bytes): a DataFrame that gives other rows when read again -- rand() or
    a nondeterministic UDF, where Spark recomputes a partition its cache
    lost -- is CallriskError CR_E_DATA, not a model of mixed rows. A column
    the DataFrame has twice (a join's) is CR_E_ARG naming the field, if
    training reads it; other columns may share a name."""
    _needs_arrow()
    sh = Shards(schema, **options)  # on the driver: the core judges the schema and the options
    with sh:  # its memory freed once the fit is (the model has its own)
        return _train(sh, df, label, weight, columns, progress)


def _train(sh, df, label, weight, columns, progress):
    """train() with the driver's Shards `sh`."""
    abi = sh._m.abi
    if not hasattr(df, "mapInArrow") or not hasattr(df, "schema"):
        raise host_error(abi, CallriskTypeError, "CR_E_ARG", None, "df: must be a Spark DataFrame, got %s" % type_name(df))
    for name, v in (("label=", label), ("weight=", weight)):
        if v is not None and not isinstance(v, str):
            raise host_error(abi, CallriskTypeError, "CR_E_ARG", None, "%s must be a column name, got %s" % (name, type_name(v)))
    if progress is not None and not callable(progress):
        raise host_error(abi, CallriskTypeError, "CR_E_ARG", None, "progress: must be callable, got %s" % type_name(progress))
    types = _columns(df.schema)
    plan = _plan(abi, sh.fields, df.schema, {} if columns is None else columns)
    plan.append(_checked(abi, sh.label_column, ROLE_LABEL, sh.label_column if label is None else label, types, "label="))
    if weight is not None and sh.weight_column is None:
        raise host_error(abi, CallriskTypeError, "CR_E_ARG", None, "weight=: callrisk.wasm %s takes no sample weights" % abi.version)
    if weight is not None or sh.weight_column in types:
        plan.append(_checked(abi, sh.weight_column, ROLE_WEIGHT, sh.weight_column if weight is None else weight, types, "weight="))
    with sh.dataset() as none:
        sh.census(none)  # what the census refuses (the 'order' holdout), before any job
    job = _TrainJob(sh.schema_text, sh.options_text, plan)
    rows = _by_position(df).select(*dict.fromkeys(key for _, _, _, key in plan)).persist()
    try:
        passes = 0
        census = _pass(sh, rows, job, None)
        with sh.fit(census) as fit:
            while True:
                passes += 1
                if progress is not None:
                    try:
                        stop = progress(passes)
                    except Exception as e:  # as train() takes a progress that raises: cancelled, the cause kept
                        raise host_error(abi, CallriskError, "CR_E_CANCELLED", None, "callrisk.spark.train: progress raised %s "
                                         "after %d passes: %s" % (type_name(e), passes, echo(str(e)))) from e
                    if stop:
                        raise host_error(abi, CallriskError, "CR_E_CANCELLED", None,
                                         "callrisk.spark.train: stopped by progress after %d passes" % passes)
                if fit.done:
                    return fit.model()
                fit.feed(_pass(sh, rows, job, fit.question(), census, passes + 1))
    finally:
        rows.unpersist()


# A pass's result per partition: its shard's bytes, or the core's error (JSON), and the partition;
# in a pass but the census, the census of the rows it read.
_PASS = T.StructType([T.StructField("shard", T.BinaryType()), T.StructField("error", T.StringType()),
                      T.StructField("partition", T.IntegerType()), T.StructField("census", T.BinaryType())])
_ERRORS = {cls.__name__: cls for cls in (CallriskError, CallriskTypeError, CallriskValueError)}


def _pass(sh, rows, job, question, census=None, number=1):
    """One pass over the partitions: the census (question None) or the
    answers to `question` (bytes, shipped inside the function: about a
    hundred bytes, a few hundred KB for the cuts), one row per partition, collected
    and merged on the driver (bytes); the first failed partition's error
    raised here. A pass but the census also checks that it read the rows
    the `census` counted (their census the same bytes): a DataFrame that
    gives other rows when read again (rand(), a nondeterministic UDF, a
    source that changed, once Spark recomputes a partition its cache lost)
    would have its passes' answers come from other rows than the fit's."""
    answers = rows.mapInArrow(functools.partial(_answer_batches, job, question), _PASS).collect()
    if not answers:  # a DataFrame of no partitions: the census of no rows (which the fit refuses)
        with sh.dataset() as none:
            return sh.census(none)
    failed = [a for a in answers if a.error is not None]
    if failed:
        e = json.loads(min(failed, key=lambda a: a.partition).error)
        raise host_error(sh._m.abi, _ERRORS.get(e["class"], CallriskError), e["code"], e["field"], e["message"], e["line"])
    if question is not None and sh.merge(a.census for a in answers) != census:
        raise host_error(sh._m.abi, CallriskError, "CR_E_DATA", None,
                         "callrisk.spark.train: pass %d read other rows than the census counted: the DataFrame gives other "
                         "rows each time it is read (rand(), a nondeterministic UDF, a source that changed, read again where "
                         "Spark's cache lost a partition); write it out, or checkpoint() it, and train on that" % number)
    return sh.merge(a.shard for a in answers)


def _needs_arrow():
    if not hasattr(DataFrame, "mapInArrow"):
        raise ImportError("callrisk.spark needs PySpark >= 3.3 (DataFrame.mapInArrow), got %s" % pyspark.__version__)
    try:
        import pyarrow  # noqa: F401 - mapInArrow's batches, here and on the executors
    except ImportError as e:
        raise ImportError("callrisk.spark needs pyarrow (mapInArrow): pip install 'pyspark[sql]'") from e


def _plan(abi, fields, schema, columns):
    """[(field, kind, column)] for the model's fields, each column checked
    against the DataFrame's schema."""
    if not isinstance(columns, Mapping):
        raise host_error(abi, CallriskTypeError, "CR_E_ARG", None, "columns: must be a dict of field -> column, got %s" % type_name(columns))
    names = [name for name, _ in fields]
    for field, column in columns.items():
        if field not in names:
            raise host_error(abi, CallriskTypeError, "CR_E_ARG", echo(str(field)),
                             "columns: %s: no field of the model (fields: %s)" % (echo(str(field)), ", ".join(names)))
        if not isinstance(column, str):
            raise host_error(abi, CallriskTypeError, "CR_E_ARG", field, "columns: %s: must be a column name, got %s" % (field, type_name(column)))
    types = _columns(schema)
    return [_checked(abi, name, kind, columns.get(name, name), types, "columns=: {field: column}") for name, kind in fields]


def _columns(schema):
    """{name: [(position, type), ...]} of a DataFrame's columns (a name may have several: a join's)."""
    types = {}
    for i, f in enumerate(schema.fields):
        types.setdefault(f.name, []).append((i, f.dataType))
    return types


def _key(position):
    """The name of the DataFrame's column at `position` in _by_position()'s frame."""
    return "c%d" % position


def _by_position(df):
    """df with its columns named by position (_key()): each one named once."""
    return df.toDF(*[_key(i) for i in range(len(df.schema.fields))])


def _checked(abi, name, kind, column, types, hint):
    """(name, kind, column, key) once the DataFrame's one `column` (in
    `types`, of _columns()) takes what `kind` holds; key is its name in
    _by_position()'s frame; `hint` says how another column is named."""
    if column not in types:
        raise host_error(abi, CallriskTypeError, "CR_E_MISSING", name,
                         "%s: required: the DataFrame has no column %s (%s names another)" % (name, echo(repr(column)), hint))
    if len(types[column]) > 1:
        raise host_error(abi, CallriskTypeError, "CR_E_ARG", name,
                         "%s: the DataFrame has %d columns named %s (a join's?): rename them (toDF(), withColumnRenamed()) "
                         "or drop one" % (name, len(types[column]), echo(repr(column))))
    (position, t), = types[column]
    if not isinstance(t, _TAKES[kind]):
        want = "booleans or numbers (0/1)" if kind in ("bool", ROLE_LABEL) else "numbers"
        cast = " (cast it, or read the CSV with inferSchema or a schema)" if isinstance(t, T.StringType) else ""
        raise host_error(abi, CallriskTypeError, "CR_E_TYPE", name,
                         "%s%s: must be a column of %s, got %s%s" % (name, _where(name, column), want, t.simpleString(), cast))
    return name, kind, column, _key(position)


def _where(field, column):
    return "" if column == field else " (column %s)" % echo(repr(column))


class _TrainJob:
    """What each Python worker needs for a training's passes, pickled into the functions Spark ships."""

    def __init__(self, schema_text, options_text, plan):
        self.schema_text, self.options_text, self.plan = schema_text, options_text, plan


class _Job:
    """What each Python worker needs, pickled into the function Spark ships."""

    def __init__(self, model_bytes, model_id, plan, kept, reasons):
        self.model_bytes, self.model_id, self.plan, self.kept, self.reasons = model_bytes, model_id, plan, kept, reasons


# ---- in the executors' Python workers ----

_scorers = {}  # model id -> Scorer: one wasm instance per model per worker process


def _scorer(job):
    s = _scorers.get(job.model_id)
    if s is None:
        s = Scorer(model=job.model_bytes)
        if s.model_id != job.model_id:  # the bytes' SHA-256 is the id: a damaged closure or another core
            raise ValueError("callrisk.spark: the model loaded on this executor has id %s, not %s" % (s.model_id, job.model_id))
        _scorers[job.model_id] = s
    return s


def _score_batches(job, batches):
    """mapInArrow's function: Arrow record batches in, the same with the scores out."""
    import pyarrow as pa
    import pyarrow.compute as pc

    scorer = _scorer(job)
    levels = pa.array(scorer._m.abi.risk_levels, pa.string())
    features = pa.array(scorer.features, pa.string())
    d = len(scorer.features)
    row = 0
    for batch in batches:
        n = batch.num_rows
        try:
            r = scorer.score_batch({name: batch.column(key) for name, _, _, key in job.plan}, reasons=job.reasons)
        except CallriskError as e:
            raise _located(e, job, batch, row) from None
        arrays = [batch.column(name) for name in job.kept]
        arrays += [
            pa.Array.from_buffers(pa.int32(), n, [None, pa.py_buffer(r.scores)]),
            pc.take(levels, pa.Array.from_buffers(pa.uint8(), n, [None, pa.py_buffer(r.level_codes)])),
            pa.Array.from_buffers(pa.float64(), n, [None, pa.py_buffer(r.probabilities)]),
        ]
        names = job.kept + list(OUTPUT_COLUMNS)
        if job.reasons:
            from array import array
            offsets = pa.Array.from_buffers(pa.int32(), n + 1, [None, pa.py_buffer(array("i", range(0, (n + 1) * d, d)))])
            values = pa.StructArray.from_arrays(
                [pc.take(features, pa.Array.from_buffers(pa.uint32(), n * d, [None, pa.py_buffer(r.reason_features)])),
                 pa.Array.from_buffers(pa.float64(), n * d, [None, pa.py_buffer(r.reason_contributions)])],
                names=["feature", "contribution"])
            arrays.append(pa.ListArray.from_arrays(offsets, values))
            names.append("reasons")
        row += n
        yield pa.RecordBatch.from_arrays(arrays, names=names)


def _located(e, job, batch, row, code=True):
    """The core's error `e` about row e.line of a batch, told as Spark shows a
    worker's exception: the code first (unless not `code`), the row within
    its partition, the column, and the row's values -- the same class, code
    and field."""
    try:
        from pyspark import TaskContext
        ctx = TaskContext.get()
        partition = " of partition %d" % ctx.partitionId() if ctx is not None else ""
    except Exception:  # noqa: BLE001 - only a message's detail
        partition = ""
    message = e.args[0]
    values = ""
    if e.line is not None:
        at = row + e.line
        prefix = "row %d: " % e.line
        if message.startswith(prefix):
            message = message[len(prefix):]
        message = "row %d%s: %s" % (at, partition, message)
        try:
            values = " (the row's values: %s)" % ", ".join(
                "%s=%s" % (column, echo(repr(batch.column(key)[e.line - 1].as_py()))) for _, _, column, key in job.plan)
        except Exception:  # noqa: BLE001
            values = ""
        e.line = at
    for name, _, column, _ in job.plan:
        if name == e.field and column != name:
            message = message.replace("%s: " % name, "%s%s: " % (name, _where(name, column)), 1)
    e.args = ("%s%s%s" % (e.code + ": " if code else "", message, values),)
    return e


_module = None  # the worker's callrisk.wasm instance for training, shared by its Shards
_trainers = {}  # (schema, options) -> Shards in _module


def _trainer(job):
    global _module
    key = (job.schema_text, job.options_text)
    sh = _trainers.get(key)
    if sh is None:
        if _module is None:
            _module = _load(None)
        sh = _trainers[key] = Shards._on(_module, job.schema_text, job.options_text)
    return sh


def _answer_batches(job, question, batches):
    """mapInArrow's function for a pass: the partition's rows into a data set,
    then its census (question None) or its answer to the question, as one
    row (shard, error, partition); the core's error as JSON."""
    import pyarrow as pa
    from pyspark import TaskContext

    ctx = TaskContext.get()
    partition = ctx.partitionId() if ctx is not None else 0
    sh = _trainer(job)
    shard = error = census = None
    try:
        with sh.dataset() as ds:
            for batch in batches:
                row = ds.rows
                try:
                    ds.add({name: batch.column(key) for name, _, _, key in job.plan})
                except CallriskError as e:
                    raise _located(e, job, batch, row, code=False) from None
            census = sh.census(ds)
            shard = census if question is None else sh.answer(ds, question)
    except CallriskError as e:
        error = json.dumps({"class": type(e).__name__, "code": e.code, "field": e.field, "line": e.line, "message": e.args[0]})
        for _ in batches:  # the partition's other batches, unread
            pass
    if question is None:
        census = None  # the shard itself
    types = (pa.binary(), pa.string(), pa.int32(), pa.binary())
    yield pa.RecordBatch.from_arrays([pa.array([v], t) for v, t in zip((shard, error, partition, census), types)],
                                     schema=pa.schema([(f.name, t) for f, t in zip(_PASS.fields, types)]))

