#!/usr/bin/env python3
"""scikit-learn baseline timings for the callrisk benchmark.

Generates the "default" data set (offset -150, unweighted) with the same
deterministic generator the C code uses, then times sklearn's default
LogisticRegression().fit and predict_proba over all rows. Prints one JSON
object on stdout; sklearn warnings (if any) go to stderr.

    python3 bench/sklearn_baseline.py --rows 1000000 --repeat 5 --seed 1
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "parity"))
import gen_data  # noqa: E402

import sklearn  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

OFFSET = -150


def _ms(samples):
    return [round(s * 1000.0, 3) for s in samples]


def run(rows, repeat, seed, generator="default", fit_only=False):
    """Return the benchmark result dict (times in milliseconds).

    The rows are in memory before any timing (as bench/train_native.c holds
    them); each timed fit() is scikit-learn's whole training call, its own
    input validation included. fit_only: no predict_proba timings."""
    fields, y, _ = gen_data.generate(generator, seed, OFFSET, rows)
    X = gen_data.features(generator, fields)

    fit_s, model = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        model = LogisticRegression().fit(X, y)
        fit_s.append(time.perf_counter() - t0)

    pred_s = []
    for _ in range(0 if fit_only else repeat):
        t0 = time.perf_counter()
        model.predict_proba(X)
        pred_s.append(time.perf_counter() - t0)

    # ru_maxrss is KiB on Linux (bytes on macOS).
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_bytes = maxrss if sys.platform == "darwin" else maxrss * 1024

    return {
        "generator": generator,
        "rows": rows,
        "repeat": repeat,
        "seed": seed,
        "fit_ms": _ms(fit_s),
        "fit_median_ms": round(statistics.median(fit_s) * 1000.0, 3),
        "predict_proba_ms": _ms(pred_s),
        "predict_proba_median_ms": round(statistics.median(pred_s) * 1000.0, 3) if pred_s else None,
        "n_iter": int(model.n_iter_[0]),
        "coef": [float(c) for c in model.coef_[0]],
        "intercept": float(model.intercept_[0]),
        "peak_rss_bytes": peak_bytes,
        "sklearn": sklearn.__version__,
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1000000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--generator", choices=list(gen_data.KINDS), default="default")
    ap.add_argument("--fit-only", action="store_true", help="time fit() alone (bench/train_bench.py)")
    args = ap.parse_args(argv)
    if args.rows < 1 or args.repeat < 1:
        ap.error("--rows and --repeat must be positive")
    print(json.dumps(run(args.rows, args.repeat, args.seed, args.generator, args.fit_only)))


if __name__ == "__main__":
    main()
