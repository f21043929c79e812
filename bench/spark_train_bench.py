#!/usr/bin/env python3
"""Training time: callrisk.spark.train() on a local Spark (local[2])
against callrisk.train() in process, the native CLI, and Spark MLlib's
LogisticRegression, on the same rows, in one run.

    .cache/venv/bin/python bench/spark_train_bench.py [--rows 1000000] [--partitions 2] [--repeat 3]
        [--schema seed five] [--no-cli] [--no-mllib] [--no-rows]

For each schema (the seed's; tests/contract/five_field.mjs's five fields,
two of them reals) --rows rows are made in Spark from the id alone (counts
as longs, booleans, reals with many digits; the label drawn from a
logistic model with a hash of the id) and written to Parquet in a
temporary directory; every contender reads them from there:

- callrisk.spark.train(df): wall time (median of --repeat), the passes
  (jobs) it makes and the time per pass; the model's card (but for its id
  and evidence) must equal train()'s below, and its coefficients the CLI's,
  bit for bit.
- In process (the rows read with pyarrow): callrisk.train(rows) from
  dicts and from {"csv": text} -- both also measure their model for its
  evidence -- and callrisk._shards.Shards().train([table]), the passes of
  spark.train without Spark and without evidence.
- The native CLI (build/native/callrisk train --csv FILE): its wall time,
  evidence included.
- Spark MLlib LogisticRegression on the same DataFrame and features
  (no_consent = 1 - has_consent), with callrisk's objective: sum(loss) +
  |w|^2/(2C) over n unit-weight rows is n times MLlib's mean(loss) +
  regParam/2 |w|^2 with regParam = 1/(C n); standardization off,
  elasticNetParam 0, tol 1e-10, maxIter 100, the intercept unpenalised by
  both. Its fit's wall time, iterations, and the largest absolute
  difference of its coefficients and intercept from callrisk's.

The machines are shared and noisy: rerun before concluding.
"""
import argparse
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
sys.path.insert(0, os.path.join(ROOT, "python", "tests"))  # the tests' schema and card helpers
os.environ.setdefault("CALLRISK_WASM", os.path.join(ROOT, "build", "wasi", "callrisk.wasm"))

import callrisk  # noqa: E402
from support import FIVE, bits, core_card  # noqa: E402
from callrisk import Scorer, train  # noqa: E402
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


def timed(fn, repeat):
    """(median, min, max) wall time of `repeat` runs, and the last run's result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return (statistics.median(times), min(times), max(times)), out


def show(what, t, extra=""):
    med, lo, hi = t
    print("  %-52s %8.2f s  (%.2f-%.2f)%s" % (what, med, lo, hi, extra), flush=True)


def features_of(scorer, schema):
    """[(feature, field, invert)] of the schema."""
    spec = FIVE if schema == "five" else {"features": [{"name": "spam_reports", "field": "spam_reports"},
                                                       {"name": "no_consent", "field": "has_consent", "invert": True},
                                                       {"name": "call_attempts_24h", "field": "call_attempts_24h"}]}
    assert [f["name"] for f in spec["features"]] == scorer.features
    return [(f["name"], f["field"], f.get("invert", False)) for f in spec["features"]]


def run(spark, schema, n, partitions, repeat, tmp, do_cli, do_mllib, do_rows):
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
    print("  (%d partitions; Spark %s)" % (df.rdd.getNumPartitions(), spark.version), flush=True)
    s = SCHEMAS[schema]

    passes = []
    t, model = timed(lambda: passes.clear() or callrisk.spark.train(df, schema=s, progress=passes.append), repeat)
    show("callrisk.spark.train (local[2])", t, "  %d passes, %.2f s a pass, %d Newton iterations" % (
        len(passes), t[0] / len(passes), model.stats["iterations"]))

    table = pq.read_table(path)
    t, shard_model = timed(lambda: Shards(s).train([table]), repeat)
    show("in process, Shards().train([Arrow table])", t, "  (no Spark, no evidence)")
    assert bits(shard_model) == bits(model)
    if do_rows:
        dicts = table.to_pylist()
        t, inproc = timed(lambda: train(dicts, s), 1)
        show("in process, callrisk.train(rows as dicts)", t, "  (with evidence)")
        del dicts
    csv_table = table.select([c for c in table.column_names])
    csv_table = pa.table({name: (col.cast(pa.int8()) if pa.types.is_boolean(col.type) else col)
                          for name, col in zip(csv_table.column_names, csv_table.columns)})
    csv_path = os.path.join(tmp, schema + ".csv")
    pacsv.write_csv(csv_table, csv_path, pacsv.WriteOptions(quoting_style="none"))
    with open(csv_path, "rb") as f:
        text = f.read()
    t, csv_model = timed(lambda: train({"csv": text}, s), repeat)
    show("in process, callrisk.train({'csv': text})", t, "  (with evidence; %.0f MB of CSV)" % (len(text) / 1e6))
    if not do_rows:
        inproc = csv_model
    same = core_card(model) == core_card(inproc) and bits(model) == bits(inproc)
    print("  spark.train's card (but id and evidence) and coefficient bits == callrisk.train's: %s" % same, flush=True)
    if not same:
        print("  !! spark %s\n  !! train %s" % (json.dumps(core_card(model)), json.dumps(core_card(inproc))))

    if do_cli:
        cli = os.path.join(ROOT, "build", "native", "callrisk")
        out = os.path.join(tmp, schema + ".model")
        cmd = [cli, "train", "--csv", csv_path, "--out", out]
        if s is not None:
            schema_path = os.path.join(tmp, schema + ".schema.json")
            with open(schema_path, "w") as f:
                json.dump(s, f)
            cmd += ["--schema", schema_path]
        t, _ = timed(lambda: subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL), repeat)
        with open(out, "rb") as f:
            cli_model = Scorer(model=f.read())
        show("native CLI: callrisk train --csv", t, "  (with evidence; coefficients == spark.train's bit for bit: %s)"
             % (bits(cli_model) == bits(model)))
        print("    $ %s" % " ".join(os.path.relpath(c, ROOT) if c == cli else os.path.basename(c) for c in cmd), flush=True)

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
        show("Spark MLlib LogisticRegression (L-BFGS)", t, "  %d iterations; max |coef - callrisk's| = %.3g" % (
            fitted.summary.totalIterations, diff))
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
            run(spark, schema, a.rows, a.partitions, a.repeat, tmp, not a.no_cli, not a.no_mllib, not a.no_rows)
    finally:
        spark.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
