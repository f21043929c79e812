#!/usr/bin/env python3
"""Evaluation of 1M rows: callrisk's cr_evaluate against scikit-learn's three
metric calls, on the same rows, in one run.

    python3 bench/evaluate_bench.py [--rows 1000000] [--repeat 5] [--build build/native]

bench_native (native preset) generates the rows, trains the model on them and
times cr_evaluate() on them: the probabilities from the rows' fields, the
sort, log loss, Brier score, ROC AUC, Gini, KS, the calibration table and the
band table -- unweighted, and with the generator's weights (0.5..2). It dumps
the probabilities it measured (cr_score_batch's: the same bits), the labels
and the weights; scikit-learn then times roc_auc_score + log_loss +
brier_score_loss on them (given the probabilities: no scoring, no
calibration or band table), without and with sample_weight. Its values must
equal cr_evaluate's within 1e-12 (the same rows). Medians of --repeat runs;
the machines are shared and noisy: rerun before concluding.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import sklearn
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))


def sklearn_three(p, y, w, repeat):
    times, values = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        values = {"auc": roc_auc_score(y, p, sample_weight=w), "log_loss": log_loss(y, p, sample_weight=w),
                  "brier": brier_score_loss(y, p, sample_weight=w)}
        times.append((time.perf_counter() - t0) * 1e3)
    return times, values


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1000000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build", "native"))
    ap.add_argument("--json", action="store_true", help="print the raw results too")
    args = ap.parse_args()
    exe = os.path.join(args.build, "bench", "bench_native")
    print("%-8s %-10s %14s %14s %8s %12s" % ("data", "weights", "callrisk ms", "sklearn ms", "ratio", "max rel diff"))
    raw = []
    ok = True
    for generator in ("default", "stir"):
        with tempfile.TemporaryDirectory() as tmp:
            dump = os.path.join(tmp, "eval.bin")
            c = json.loads(subprocess.run([exe, "--rows", str(args.rows), "--repeat", str(args.repeat), "--generator",
                                           generator, "--dump-eval", dump], check=True, capture_output=True,
                                          text=True).stdout)
            n = args.rows
            buf = open(dump, "rb").read()
            p = np.frombuffer(buf, dtype="<f8", count=n)
            y = np.frombuffer(buf, dtype=np.uint8, count=n, offset=8 * n).astype(np.int64)
            w = np.frombuffer(buf, dtype="<f8", count=n, offset=9 * n)
        for label, sw, key in (("none", None, "evaluate"), ("0.5..2", w, "evaluate_weighted")):
            times, values = sklearn_three(p, y, sw, args.repeat)
            ours = c[key + "_metrics"]
            diff = max(abs(ours[k] - values[k]) / abs(values[k]) for k in values)
            ok &= diff <= 1e-12
            med_c, med_s = c[key + "_median_ms"], statistics.median(times)
            print("%-8s %-10s %14.1f %14.1f %7.1fx %12.1e" % (generator, label, med_c, med_s, med_s / med_c, diff))
            raw.append({"generator": generator, "weights": label, "callrisk_ms": c[key + "_ms"],
                        "sklearn_ms": [round(t, 3) for t in times], "callrisk_median_ms": med_c,
                        "sklearn_median_ms": round(med_s, 3), "max_rel_diff": diff})
    print("rows %d, %d repeats, medians; scikit-learn %s, numpy %s; callrisk: cr_evaluate (scores the rows, "
          "all metrics and tables); scikit-learn: roc_auc_score + log_loss + brier_score_loss on the probabilities"
          % (args.rows, args.repeat, sklearn.__version__, np.__version__))
    if args.json:
        print(json.dumps(raw))
    if not ok:
        print("evaluate_bench: scikit-learn's values differ from cr_evaluate's by more than 1e-12 (not the same rows?)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
