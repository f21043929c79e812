#!/usr/bin/env python3
"""callrisk vs scikit-learn on the same generated rows, in one run.

    python3 bench/run.py [--rows 1000000] [--repeat 5] [--build build/native]

Runs bench_native (the C library, native preset) and sklearn_baseline.py on
the "default" data set (1M x 3: the seed's features) and on "stir" (1M x 5
with a real-valued attestation score, where no two rows coincide, so
training takes the direct path), then prints medians and ratios. The
machines are shared and noisy: compare medians, rerun before concluding.
Its "train" is cr_train() alone; training end to end from rows in memory
(validation + digest + fit), natively and in wasm, beside scikit-learn's
fit: bench/train_bench.py.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run_json(cmd):
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def native(build, rows, repeat, generator):
    exe = os.path.join(build, "bench", "bench_native")
    return run_json([exe, "--rows", str(rows), "--repeat", str(repeat), "--generator", generator])


def sklearn(rows, repeat, generator):
    # A process of its own, so that its peak memory is its own.
    return run_json([sys.executable, os.path.join(HERE, "sklearn_baseline.py"), "--rows", str(rows),
                     "--repeat", str(repeat), "--generator", generator])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1000000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--build", default=os.path.join(HERE, "..", "build", "native"))
    ap.add_argument("--json", action="store_true", help="print the raw results too")
    args = ap.parse_args()

    print("%-8s %-34s %12s %12s %8s" % ("data", "measure", "callrisk ms", "sklearn ms", "ratio"))
    results = []
    for generator in ("default", "stir"):
        c = native(args.build, args.rows, args.repeat, generator)
        s = sklearn(args.rows, args.repeat, generator)
        results.append({"callrisk": c, "sklearn": s})
        rows = [
            ("train (sklearn: LogisticRegression().fit)", c["train_median_ms"], s["fit_median_ms"]),
            ("batch score (sklearn: predict_proba)", c["score_batch_median_ms"], s["predict_proba_median_ms"]),
        ]
        for name, ours, theirs in rows:
            print("%-8s %-34s %12.2f %12.2f %7.1fx" % (generator, name[:34], ours, theirs, theirs / ours))
        print("%-8s %-34s %12.2f %12s" % (generator, "build data set (validate+digest)",
                                           c["dataset_build_median_ms"], "-"))
        print("%-8s %-34s %12.1f %12.1f" % (generator, "peak RSS MiB (own process)",
                                           c["peak_rss_bytes"] / 2**20, s["peak_rss_bytes"] / 2**20))
    print("rows %d, %d repeats, medians; sklearn %s" % (args.rows, args.repeat, results[0]["sklearn"]["sklearn"]))
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
