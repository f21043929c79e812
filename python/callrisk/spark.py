"""callrisk.spark: scoring Apache Spark DataFrames with the callrisk core.

    from callrisk import Scorer, train
    import callrisk.spark
    scored = callrisk.spark.score(df, Scorer())        # the seed's model; or train(...), model bytes, JSON
    scored = callrisk.spark.score(df, model, columns={"spam_reports": "spam"}, reasons=True)

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
"""
try:
    import pyspark
    from pyspark.sql import DataFrame
    from pyspark.sql import types as T
except ImportError as e:  # pragma: no cover - the message is the point
    raise ImportError("callrisk.spark needs PySpark >= 3.3 and pyarrow, which callrisk does not install: "
                      "pip install 'pyspark[sql]>=3.3' (PySpark 4 needs Java 17 or later)") from e

import functools
from collections.abc import Mapping

from . import CallriskError, CallriskTypeError, Scorer
from ._errors import echo, host_error, type_name

__all__ = ["score", "OUTPUT_COLUMNS"]

OUTPUT_COLUMNS = ("score", "risk_level", "probability")  # and "reasons" with reasons=True

# Spark column types by what each field type takes: numbers for counts and
# reals (a count must hold whole values >= 0: the core judges each one);
# booleans or 0/1 numbers for booleans.
_NUMERIC = (T.ByteType, T.ShortType, T.IntegerType, T.LongType, T.FloatType, T.DoubleType, T.DecimalType)
_TAKES = {"count": _NUMERIC, "real": _NUMERIC, "bool": _NUMERIC + (T.BooleanType,)}

_REASON = T.StructType([T.StructField("feature", T.StringType(), False), T.StructField("contribution", T.DoubleType(), False)])


def score(df, model, *, reasons=False, columns=None):
    """`df` with the model's score of each row: columns score (int),
    risk_level (string: LOW, MEDIUM, HIGH), probability (double), and with
    reasons=True reasons (array<struct<feature: string, contribution:
    double>>, ordered as Scorer.score() orders them). Columns of these names
    in `df` are replaced, as withColumn() would; the others are kept, in
    order, and the rows keep their order and partitioning. Lazy, as any
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
    if not hasattr(DataFrame, "mapInArrow"):
        raise ImportError("callrisk.spark needs PySpark >= 3.3 (DataFrame.mapInArrow), got %s" % pyspark.__version__)
    try:
        import pyarrow  # noqa: F401 - mapInArrow's batches, here and on the executors
    except ImportError as e:
        raise ImportError("callrisk.spark needs pyarrow (mapInArrow): pip install 'pyspark[sql]'") from e
    scorer = model if isinstance(model, Scorer) else Scorer(model=model)
    abi = scorer._m.abi
    if not hasattr(df, "mapInArrow") or not hasattr(df, "schema"):
        raise host_error(abi, CallriskTypeError, "CR_E_ARG", None, "df: must be a Spark DataFrame, got %s" % type_name(df))
    if not isinstance(reasons, bool):
        raise host_error(abi, CallriskTypeError, "CR_E_ARG", None, "reasons: must be True or False, got %s" % type_name(reasons))
    plan = _plan(abi, scorer.fields, df.schema, {} if columns is None else columns)
    out_names = OUTPUT_COLUMNS + (("reasons",) if reasons else ())
    kept = [f for f in df.schema.fields if f.name not in out_names]
    schema = T.StructType(kept + [
        T.StructField("score", T.IntegerType(), False),
        T.StructField("risk_level", T.StringType(), False),
        T.StructField("probability", T.DoubleType(), False),
    ] + ([T.StructField("reasons", T.ArrayType(_REASON, False), False)] if reasons else []))
    job = _Job(bytes(scorer.to_bytes()), scorer.model_id, plan, [f.name for f in kept], reasons)
    return df.mapInArrow(functools.partial(_score_batches, job), schema)


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
    types = {f.name: f.dataType for f in schema.fields}
    plan = []
    for name, kind in fields:
        column = columns.get(name, name)
        if column not in types:
            raise host_error(abi, CallriskTypeError, "CR_E_MISSING", name,
                             "%s: required: the DataFrame has no column %s (columns=: {field: column} names another)"
                             % (name, echo(repr(column))))
        t = types[column]
        if not isinstance(t, _TAKES[kind]):
            want = "booleans or numbers (0/1)" if kind == "bool" else "numbers"
            hint = " (cast it, or read the CSV with inferSchema or a schema)" if isinstance(t, T.StringType) else ""
            raise host_error(abi, CallriskTypeError, "CR_E_TYPE", name,
                             "%s%s: must be a column of %s, got %s%s" % (name, _where(name, column), want, t.simpleString(), hint))
        plan.append((name, kind, column))
    return plan


def _where(field, column):
    return "" if column == field else " (column %s)" % echo(repr(column))


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
            r = scorer.score_batch({name: batch.column(column) for name, _, column in job.plan}, reasons=job.reasons)
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


def _located(e, job, batch, row):
    """The core's error `e` about row e.line of a batch, told as Spark shows a
    worker's exception: the code first, the row within its partition, the
    column, and the row's values -- the same class, code and field."""
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
                "%s=%s" % (column, echo(repr(batch.column(column)[e.line - 1].as_py()))) for _, _, column in job.plan)
        except Exception:  # noqa: BLE001
            values = ""
        e.line = at
    for name, _, column in job.plan:
        if name == e.field and column != name:
            message = message.replace("%s: " % name, "%s%s: " % (name, _where(name, column)), 1)
    e.args = ("%s: %s%s" % (e.code, message, values),)
    return e
