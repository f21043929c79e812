#!/usr/bin/env python3
"""Training time: callrisk.spark.train() on a local Spark (local[2])
against training in process, the native CLI, and Spark MLlib's
LogisticRegression, on the same rows, in one run.

    .cache/venv/bin/python bench/spark_train_bench.py [--rows 1000000] [--partitions 2] [--repeat 3]
        [--schema seed five] [--no-cli] [--no-mllib] [--no-rows] [--rows-limit 10000000]

For each schema (the seed's; tests/contract/five_field.mjs's five fields,
two of them reals) --rows rows are made in Spark from the id alone (counts
as longs, booleans, reals with many digits; the label drawn from a
logistic model with a hash of the id) and written to Parquet in a
temporary directory; every contender reads them from there:

- callrisk.spark.train(df): wall time (median of --repeat) and its passes
  (Spark jobs) by phase -- the census, the summary, the solver's points,
  then the evidence's groups, cuts and shares -- with each phase's time a
  pass (the bench wraps callrisk.spark._pass and reads each question's
  kind from its fifth byte, src/model/shard.h's PASS_*), and the rest: the
  driver's fit between passes, persisting. Its model must be
  callrisk.train()'s below, bit for bit: the same model_id, bytes and card,
  evidence included. "driver wasm" is the peak of the driver's callrisk.wasm
  instance (its linear memory never shrinks), which holds the merged answers.
- In process, each with the evidence, each model checked against
  spark.train's: callrisk._shards.Shards().train() over the Parquet read
  with pyarrow -- spark.train's passes without Spark, every pass answered
  from data sets made once; the package's fastest path for columns
  (train() takes rows or CSV text, not columns) -- once with the table as
  one part, once cut into as many slices as the DataFrame has partitions
  (as Spark's workers hold them, but in one instance). One part of 10M
  distinct five-field rows outgrows wasm32's 4 GB in the groups pass
  (CR_E_NOMEM: its buffer is sized for every group's largest exact sum,
  275 bytes); then
  callrisk.train({"csv": text}) on the table written as CSV by pyarrow, and
  callrisk.train(rows as dicts) up to --rows-limit rows (default 10M;
  --no-rows: never): the dicts (table.to_pylist(), made before the clock
  starts) take some 340 bytes a row -- 3.4 GB for 10M rows of five fields
  -- and 2 s a million to make; beyond the limit the path is skipped and
  the output says so. "wasm" is the peak of each path's callrisk.wasm
  instance. A path that fails (the core's CR_E_NOMEM, say) is shown as
  FAILED with its error, and the run goes on.
- The native CLI (build/native/callrisk train --csv FILE) on that CSV: its
  wall time; its model id must be the same.
- Spark MLlib LogisticRegression on the same DataFrame and features
  (no_consent = 1 - has_consent), with callrisk's objective: sum(loss) +
  |w|^2/(2C) over n unit-weight rows is n times MLlib's mean(loss) +
  regParam/2 |w|^2 with regParam = 1/(C n); standardization off,
  elasticNetParam 0, tol 1e-10, maxIter 100, the intercept unpenalised by
  both. Its fit's wall time, iterations, the largest absolute difference
  of its coefficients and intercept from callrisk's, and n times its last
  objective minus callrisk's (callrisk's Newton solution has the gradient
  norm shown: it is the optimum to about that).

The machines are shared and noisy: rerun before concluding.
"""
import argparse
import contextlib
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.join(ROOT, "python", "tests"))  # the tests' five-field schema
os.environ.setdefault("CALLRISK_WASM", os.path.join(ROOT, "build", "wasi", "callrisk.wasm"))

import callrisk  # noqa: E402
from support import FIVE  # noqa: E402
from callrisk import CallriskError, Scorer, train  # noqa: E402
from callrisk._shards import Shards  # noqa: E402

SCHEMAS = {"seed": None, "five": FIVE}
C = 1.0  # callrisk's default; MLlib's regParam is 1/(C n)


def rows_frame(spark, schema, n, partitions):
    """The schema's rows from the id: the fields and a label drawn from a logistic model."""
    from pyspark.sql import functions as F
    i = F.col("id")
    u = ((i * 2654435761 + 12345) % 1000003) / F.lit(1000003.0)  # a hash of the id in [0, 1)
    if schema == "seed":
        df = spark.range(0, n, 1, partitions).select(
            i, ((i * 7919) % 23).alias("spam_reports"), ((i * 31) % 3 != 0).alias("has_consent"),
            ((i * 104729 + 17) % 41).alias("call_attempts_24h"))
        z = 0.15 * F.col("spam_reports") - 0.9 * F.col("has_consent").cast("int") + 0.05 * F.col("call_attempts_24h") - 1.5
    else:
        df = spark.range(0, n, 1, partitions).select(
            i, ((i * 7) % 30).alias("call_attempts_24h"), ((i * 40503) % 10 < 3).alias("verified_business"),
            ((i * 69069 + 1) % 5 < 3).alias("has_consent"),
            (((i * 1103515245 + 12345) % 999983) / F.lit(999983.0)).alias("stir_attestation"),
            F.log1p(((i * 22695477 + 1) % 365000) / F.lit(100.0)).alias("tenure_log_days"))
        z = (0.15 * F.col("call_attempts_24h") - 1.2 * F.col("verified_business").cast("int") + 0.9 * (1 - F.col("has_consent").cast("int"))
             - 1.5 * F.col("stir_attestation") - 0.2 * F.col("tenure_log_days"))
    return df.withColumn("label", (u < 1 / (1 + F.exp(-z))).cast("int")).drop("id")


PASS_KINDS = {2: "summary", 3: "solver", 4: "groups", 5: "cuts", 6: "shares"}  # a question's byte 4: shard.h's PASS_*
PHASES = ("census", "summary", "solver", "groups", "cuts", "shares")


def kind_of(question):
    return "census" if question is None else PASS_KINDS.get(question[4], "kind %d" % question[4])


@contextlib.contextmanager
def passes_logged(log, owner, name, question_of):
    """owner.name wrapped while in the block: each call (one pass) appended to `log` as (kind, seconds)."""
    orig = getattr(owner, name)

    def wrapped(*args):
        t0 = time.perf_counter()
        out = orig(*args)
        log.append((kind_of(question_of(args)), time.perf_counter() - t0))
        return out

    setattr(owner, name, wrapped)
    try:
        yield
    finally:
        setattr(owner, name, orig)


def by_phase(log, total, rest, parts=1):
    """'13 passes: census 1 x 0.91 s, ...; <rest> 0.40 s' from a run's log (one entry a pass, or a
    part's answer to one: `parts` a pass) and its wall time."""
    out = []
    for phase in PHASES + tuple(sorted({k for k, _ in log} - set(PHASES))):
        ts = [t for k, t in log if k == phase]
        if ts:
            out.append("%s %d x %.2f s" % (phase, len(ts) // parts, sum(ts) / (len(ts) // parts)))
    return "%d passes: %s; %s %.2f s" % (len(log) // parts, ", ".join(out), rest, total - sum(t for _, t in log))


def timed(fn, repeat, log=None):
    """(median, min, max, last) wall time of `repeat` runs, and the last run's result (and its passes in `log`)."""
    times, out = [], None
    for _ in range(repeat):
        if log is not None:
            log.clear()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return (statistics.median(times), min(times), max(times), times[-1]), out


def attempt(what, fn, repeat, log=None):
    """timed(fn, ...), or (None, None) with the failure shown: the core's error (out of its memory), a process's."""
    try:
        return timed(fn, repeat, log)
    except (CallriskError, MemoryError, subprocess.CalledProcessError) as e:
        print("  %-46s FAILED: %s: %s" % (what, type(e).__name__, str(e)[:500]), flush=True)
        del e
        gc.collect()  # the failed instance's memory
        return None, None


def show(what, t, extra=""):
    med, lo, hi = t[:3]
    print("  %-46s %8.2f s  (%.2f-%.2f)%s" % (what, med, lo, hi, extra), flush=True)


def wasm_mb(model):
    """The peak of the model's callrisk.wasm instance: its linear memory, which never shrinks, in MB."""
    return model._m.memory.data_len(model._m.store) / 1e6


def same_model(a, b):
    """The same model: id, bytes and card (JSON, so that NaN equals NaN)."""
    return (a.model_id == b.model_id and a.to_bytes() == b.to_bytes()
            and json.dumps(a.card(), sort_keys=True) == json.dumps(b.card(), sort_keys=True))


def features_of(scorer, schema):
    """[(feature, field, invert)] of the schema."""
    spec = FIVE if schema == "five" else {"features": [{"name": "spam_reports", "field": "spam_reports"},
                                                       {"name": "no_consent", "field": "has_consent", "invert": True},
                                                       {"name": "call_attempts_24h", "field": "call_attempts_24h"}]}
    assert [f["name"] for f in spec["features"]] == scorer.features
    return [(f["name"], f["field"], f.get("invert", False)) for f in spec["features"]]


def run(spark, schema, n, partitions, repeat, tmp, do_cli, do_mllib, rows_limit):
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
    import callrisk.spark

    print("%s schema, %s rows" % (schema, "{:,}".format(n)), flush=True)
    path = os.path.join(tmp, schema + ".parquet")
    rows_frame(spark, schema, n, partitions).write.mode("overwrite").parquet(path)
    df = spark.read.parquet(path)
    if df.rdd.getNumPartitions() != partitions:
        df = df.repartition(partitions)
    print("  (%d partitions; Spark %s; Parquet %.0f MB)" % (df.rdd.getNumPartitions(), spark.version, sum(
        os.path.getsize(os.path.join(path, f)) for f in os.listdir(path)) / 1e6), flush=True)
    s = SCHEMAS[schema]

    log = []
    with passes_logged(log, callrisk.spark, "_pass", lambda a: a[3]):
        t, model = timed(lambda: callrisk.spark.train(df, schema=s), repeat, log)
    st = model.stats
    show("callrisk.spark.train (local[2])", t, "  %d Newton iterations, grad_norm %.2g; driver wasm %.0f MB" % (
        st["iterations"], st["grad_norm"], wasm_mb(model)))
    print("    %s" % by_phase(log, t[3], "the driver's fit and the rest"), flush=True)

    table = pq.read_table(path)
    k = df.rdd.getNumPartitions()
    slices = [table.slice(i * n // k, (i + 1) * n // k - i * n // k) for i in range(k)]
    models = []
    for what, parts in (("Shards().train([Arrow table])", [table]), ("Shards().train(%d slices of it)" % k, slices)):
        log = []
        with passes_logged(log, Shards, "census", lambda a: None), passes_logged(log, Shards, "answer", lambda a: a[2]):
            t, m = attempt("in process, " + what, lambda: Shards(s).train(parts), repeat, log)
        if m is not None:
            show("in process, " + what, t, "  wasm %.0f MB" % wasm_mb(m))
            print("    %s" % by_phase(log, t[3], "the data sets made from the table, the fit", len(parts)), flush=True)
            models.append((what, m))
        if k == 1:
            break
    del slices

    if rows_limit is not None and n <= rows_limit:
        dicts = table.to_pylist()
        t, m = attempt("in process, callrisk.train(rows as dicts)", lambda: train(dicts, s), 1)
        del dicts
        if m is not None:
            show("in process, callrisk.train(rows as dicts)", t, "  (1 run; the dicts made beforehand) wasm %.0f MB" % wasm_mb(m))
            models.append(("train(dicts)", m))
    else:
        print("  in process, callrisk.train(rows as dicts): skipped (%s)" % (
            "--no-rows" if rows_limit is None else "over --rows-limit %s rows" % "{:,}".format(rows_limit)), flush=True)
    csv_table = pa.table({name: (col.cast(pa.int8()) if pa.types.is_boolean(col.type) else col)
                          for name, col in zip(table.column_names, table.columns)})
    csv_path = os.path.join(tmp, schema + ".csv")
    pacsv.write_csv(csv_table, csv_path, pacsv.WriteOptions(quoting_style="none"))
    del csv_table, table
    with open(csv_path, "rb") as f:
        text = f.read()
    t, m = attempt("in process, callrisk.train({'csv': text})", lambda: train({"csv": text}, s), repeat)
    if m is not None:
        show("in process, callrisk.train({'csv': text})", t, "  %.0f MB of CSV; wasm %.0f MB" % (len(text) / 1e6, wasm_mb(m)))
        models.append(("train(csv)", m))
    del text

    if do_cli:
        cli = os.path.join(ROOT, "build", "native", "callrisk")
        out = os.path.join(tmp, schema + ".model")
        cmd = [cli, "train", "--csv", csv_path, "--out", out]
        if s is not None:
            schema_path = os.path.join(tmp, schema + ".schema.json")
            with open(schema_path, "w") as f:
                json.dump(s, f)
            cmd += ["--schema", schema_path]
        t, done = attempt("native CLI: callrisk train --csv", lambda: subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL), repeat)
        if done is not None:
            with open(out, "rb") as f:
                models.append(("native CLI", Scorer(model=f.read())))
            show("native CLI: callrisk train --csv", t)
        print("    $ %s" % " ".join(os.path.relpath(c, ROOT) if c == cli else os.path.basename(c) for c in cmd), flush=True)
    os.remove(csv_path)

    if models:
        ref = dict(models).get("train(csv)", models[-1][1])  # callrisk.train's, or the last that ran
        print("  model_id %s; spark.train's model (id, bytes, card with evidence) the same as: %s" % (
            model.model_id, ", ".join("%s %s" % (name, same_model(model, m)) for name, m in models)), flush=True)
        if not same_model(model, ref):
            print("  !! spark %s\n  !! train %s" % (json.dumps(model.card())[:2000], json.dumps(ref.card())[:2000]), flush=True)

    if do_mllib:
        from pyspark.ml.classification import LogisticRegression
        from pyspark.ml.feature import VectorAssembler
        from pyspark.sql import functions as F
        feats = features_of(model, schema)
        cols = [(1 - F.col(field).cast("double")) if invert else F.col(field).cast("double") for _, field, invert in feats]
        assembled = df.select(*[c.alias(name) for c, (name, _, _) in zip(cols, feats)], F.col("label").cast("double").alias("label"))
        assembled = VectorAssembler(inputCols=[name for name, _, _ in feats], outputCol="features").transform(assembled)
        lr = LogisticRegression(regParam=1.0 / (C * n), elasticNetParam=0.0, standardization=False, tol=1e-10, maxIter=100,
                                fitIntercept=True, featuresCol="features", labelCol="label")
        t, fitted = timed(lambda: lr.fit(assembled), repeat)
        theirs = list(fitted.coefficients.toArray()) + [fitted.intercept]
        ours = model.coefficients + [model.intercept]
        diff = max(abs(a - b) for a, b in zip(theirs, ours))
        gap = fitted.summary.objectiveHistory[-1] * n - st["objective"]
        show("Spark MLlib LogisticRegression (L-BFGS)", t, "  %d iterations; max |coef - callrisk's| = %.3g; objective gap %.3g" % (
            fitted.summary.totalIterations, diff, gap))
        print("    callrisk %s\n    MLlib    %s" % (["%.10f" % v for v in ours], ["%.10f" % v for v in theirs]), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--partitions", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--schema", nargs="*", default=list(SCHEMAS), choices=list(SCHEMAS))
    ap.add_argument("--no-cli", action="store_true")
    ap.add_argument("--no-mllib", action="store_true")
    ap.add_argument("--no-rows", action="store_true", help="skip callrisk.train(rows as dicts) (slow, memory-hungry)")
    ap.add_argument("--rows-limit", type=int, default=10_000_000, help="callrisk.train(rows as dicts) only up to this many rows")
    a = ap.parse_args()
    from pyspark.sql import SparkSession
    os.environ.update(PYSPARK_PYTHON=sys.executable, SPARK_LOCAL_IP="127.0.0.1",
                      PYTHONPATH=os.pathsep.join(p for p in (os.path.join(ROOT, "python"), os.environ.get("PYTHONPATH")) if p))
    tmp = tempfile.mkdtemp(prefix="callrisk-train-bench-")
    spark = (SparkSession.builder.master("local[2]").appName("callrisk-train-bench")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
             .config("spark.driver.memory", "3g").config("spark.local.dir", os.path.join(tmp, "local")).getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    print("callrisk %s (wasm %s), Python %s, %d CPUs" % (Scorer()._m.abi.version, callrisk.default_wasm_path(),
                                                         sys.version.split()[0], os.cpu_count()), flush=True)
    try:
        import callrisk.spark as crspark
        crspark.train(rows_frame(spark, "seed", 10_000, 2))  # the workers started, the module compiled
        for schema in a.schema:
            run(spark, schema, a.rows, a.partitions, a.repeat, tmp, not a.no_cli, not a.no_mllib,
                None if a.no_rows else a.rows_limit)
    finally:
        spark.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
