#!/usr/bin/env python3
"""Scoring throughput of the Python package: Scorer.score_batch() in
process, and callrisk.spark.score() on a local Spark (local[2]).

    .cache/venv/bin/python bench/spark_bench.py [--rows 1000000 10000000] [--batch-rows 1000000] [--repeat 3]
        [--arrow-batch 10000] [--no-spark]

In process: score_batch() of 1M rows of the seed's schema (the default
model) and of a five-field schema (tests/contract/five_field.mjs's; a model
trained here), the columns given as array('d') (bulk copies), as NumPy
arrays and as an Arrow record batch; and score() row by row on 20k rows,
for scale. Rows/s = rows / median wall time of --repeat runs.

Spark: spark.range(rows) in 2 partitions, the seed schema's columns made
from the id (longs, a boolean), scored by callrisk.spark.score(), and
written to Spark's "noop" sink (every row is scored and every column
materialized; nothing is stored or collected). Each run is a new query (a
DataFrame's shuffle output would be reused by a second action). Against
it, the same job with mapInArrow passing the batches through with constant
outputs (Spark's Arrow exchange with the Python workers alone) and without
Python at all. Rows/s = rows / median wall time of the job; a first small
job starts the Python workers beforehand (they are reused, with their
instance of the module). The machines are shared and noisy: rerun before
concluding.
"""
import argparse
import os
import statistics
import sys
import time
from array import array

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.join(ROOT, "python", "tests"))  # the tests' schema and card helpers
os.environ.setdefault("CALLRISK_WASM", os.path.join(ROOT, "build", "wasi", "callrisk.wasm"))

import callrisk  # noqa: E402
from support import FIVE  # noqa: E402
from callrisk import Scorer, train  # noqa: E402



def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), max(times)


def show(what, n, t):
    med, lo, hi = t
    print("  %-58s %12s rows/s  (median %.3f s, %.3f-%.3f)" % (what, "{:,.0f}".format(n / med), med, lo, hi), flush=True)


def seed_columns(n):
    return {"spam_reports": array("d", ((i * 7919) % 23 for i in range(n))),
            "has_consent": array("d", (float((i * 31) % 3 != 0) for i in range(n))),
            "call_attempts_24h": array("d", ((i * 104729 + 17) % 41 for i in range(n)))}


def five_columns(n):
    import math
    return {"call_attempts_24h": array("d", ((i * 2654435761) % 30 for i in range(n))),
            "verified_business": array("d", (float((i * 40503) % 10 < 3) for i in range(n))),
            "has_consent": array("d", (float((i * 69069 + 1) % 5 < 3) for i in range(n))),
            "stir_attestation": array("d", (((i * 1103515245 + 12345) % 1000003) / 1000003.0 for i in range(n))),
            "tenure_log_days": array("d", (math.log1p(((i * 22695477 + 1) % 365000) / 100.0) for i in range(n)))}


def five_model():
    rows = [{"call_attempts_24h": (i * 7) % 30, "verified_business": i % 10 < 3, "has_consent": (i * 3) % 5 < 3,
             "stir_attestation": ((i * 7919) % 1000) / 1000.0, "tenure_log_days": ((i * 31) % 80) / 10.0,
             "label": int((i * 13) % 7 < 3)} for i in range(2000)]
    return train(rows, FIVE, C=0.7, class_weight="balanced", bands={"high": 60, "medium": 30})


def in_process(n, repeat):
    print("in process: Scorer.score_batch(), %s rows" % "{:,}".format(n))
    for name, scorer, cols in (("seed schema", Scorer(), seed_columns(n)), ("five-field schema", five_model(), five_columns(n))):
        show("%s, columns of array('d')" % name, n, timed(lambda: scorer.score_batch(cols), repeat))
        try:
            import numpy as np
            import pyarrow as pa
        except ImportError:
            continue
        npcols = {k: np.frombuffer(v) for k, v in cols.items()}
        show("%s, NumPy float64 columns" % name, n, timed(lambda: scorer.score_batch(npcols), repeat))
        batch = pa.record_batch({k: pa.array(v) for k, v in npcols.items()})
        show("%s, an Arrow record batch" % name, n, timed(lambda: scorer.score_batch(batch), repeat))
        small = 100_000
        head = {k: v[:small] for k, v in cols.items()}
        show("%s, reasons=True (%s rows)" % (name, "{:,}".format(small)), small, timed(lambda: scorer.score_batch(head, reasons=True), 1))
    s = Scorer()
    rows = 20_000
    c = seed_columns(rows)
    values = list(zip(map(int, c["spam_reports"]), map(bool, c["has_consent"]), map(int, c["call_attempts_24h"])))
    show("seed schema, score() row by row (%s rows)" % "{:,}".format(rows), rows, timed(lambda: [s.score(*v) for v in values], 1))


def spark_runs(sizes, repeat, arrow_batch):
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    import callrisk.spark

    os.environ.update(PYSPARK_PYTHON=sys.executable, SPARK_LOCAL_IP="127.0.0.1",
                      PYTHONPATH=os.pathsep.join(p for p in (os.path.join(ROOT, "python"), os.environ.get("PYTHONPATH")) if p))
    spark = (SparkSession.builder.master("local[2]").appName("callrisk-bench")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .config("spark.driver.host", "127.0.0.1")
             .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.memory", "2g")
             .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(arrow_batch)).getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    import pyspark
    print("Spark %s, local[2], spark.sql.execution.arrow.maxRecordsPerBatch=%s" % (
        pyspark.__version__, spark.conf.get("spark.sql.execution.arrow.maxRecordsPerBatch")))
    model = Scorer()

    def passthrough(batches):
        import pyarrow as pa
        const = {}  # constant outputs by batch size, made once
        for b in batches:
            n = b.num_rows
            if n not in const:
                const[n] = [pa.array([0] * n, pa.int32()), pa.array(["LOW"] * n), pa.array([0.0] * n)]
            yield pa.RecordBatch.from_arrays(b.columns + const[n], names=b.schema.names + ["score", "risk_level", "probability"])

    def rows(n):
        i = F.col("id")
        return spark.range(0, n, 1, 2).select(
            ((i * 7919) % 23).alias("spam_reports"), ((i * 31) % 3 != 0).alias("has_consent"),
            ((i * 104729 + 17) % 41).alias("call_attempts_24h"))

    jobs = (("callrisk.spark.score(df, Scorer())", lambda df: callrisk.spark.score(df, model)),
            ("mapInArrow passing batches through (no scoring)",
             lambda df: df.mapInArrow(passthrough, callrisk.spark.score(df, model).schema)),
            ("no Python (the same columns)", lambda df: df.withColumn("score", F.col("spam_reports").cast("int"))
             .withColumn("risk_level", F.lit("LOW")).withColumn("probability", F.col("call_attempts_24h").cast("double"))))
    for _, job in jobs:  # the workers started, the module compiled and instantiated
        job(rows(100_000)).write.format("noop").mode("overwrite").save()
    for n in sizes:
        print("callrisk.spark.score, %s rows" % "{:,}".format(n))
        for what, job in jobs:
            show(what, n, timed(lambda: job(rows(n)).write.format("noop").mode("overwrite").save(), repeat))
    spark.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, nargs="*", default=[1_000_000, 10_000_000], help="Spark job sizes")
    ap.add_argument("--batch-rows", type=int, default=1_000_000, help="in-process score_batch rows")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--arrow-batch", type=int, default=10_000, help="spark.sql.execution.arrow.maxRecordsPerBatch (Spark's default: 10000)")
    ap.add_argument("--no-spark", action="store_true")
    a = ap.parse_args()
    print("callrisk %s (wasm %s), Python %s" % (Scorer()._m.abi.version, callrisk.default_wasm_path(), sys.version.split()[0]))
    in_process(a.batch_rows, a.repeat)
    if not a.no_spark:
        spark_runs(a.rows, a.repeat, a.arrow_batch)


if __name__ == "__main__":
    main()
