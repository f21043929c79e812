#!/usr/bin/env python3
"""Training end to end, from rows in memory, beside scikit-learn's fit, in one run.

    python3 bench/train_bench.py [--rows 1000000] [--repeat 5] [--build build/native]
                                 [--wasm js/dist/callrisk.wasm] [--objects]

For the seed's schema (1M x 3 counts and a flag; rows repeat), five fields
with a real-valued one ("stir": no two rows alike) and five real-valued
fields ("real5": nothing repeats, no flag to group by), on the same
generated rows (tests/support/gen_data.h, tests/parity/gen_data.py: ctest
gen_data_matches_python holds them equal):

- native: bench/train_native (cr_dataset_add_rows: validation, the rows'
  SHA-256 digest, packing; then cr_train: the fit and its evidence), with
  the kernels the CPU can run (AVX2 / AVX-512 where it has them);
- native, portable: bench/train_native_portable (if built: cmake --build
  --preset native --target train_native_portable), the same core built with
  CR_PORTABLE_SIMD (SSE2 only: the kernels the wasm build runs);
- wasm: bench/train_bench.mjs, the npm package's module (js/node.js) in
  Node from a Float64Array (copied into wasm memory, timed), the same C
  calls; with --objects also its public trainModel() on row objects;
- scikit-learn: bench/sklearn_baseline.py --fit-only, LogisticRegression().fit
  (its own validation included).

Each in its own process, medians of --repeat runs (the native and wasm
timings after one untimed run, whose memory the later ones reuse). Every
callrisk path must train the same model id; scikit-learn's coefficients are
checked against callrisk's (the same rows, the same optimum to ~1e-6).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")


def run_json(cmd):
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def native(exe, rows, repeat, generator, dump=None):
    # One untimed run first: the timed ones reuse its memory, as a server's would.
    cmd = [exe, "--rows", str(rows), "--repeat", str(repeat + 1), "--generator", generator]
    out = run_json(cmd + (["--dump", dump] if dump else []))
    for part in ("total", "dataset", "train"):
        series = out[part + "_ms"][1:]
        out[part + "_ms"] = series
        out[part + "_median_ms"] = sorted(series)[len(series) // 2] if len(series) % 2 else \
            (sorted(series)[len(series) // 2 - 1] + sorted(series)[len(series) // 2]) / 2
    return out


def wasm(node, rows_file, generator, repeat, wasm_path, objects):
    cmd = [node, os.path.join(HERE, "train_bench.mjs"), "--rows-file", rows_file, "--generator", generator,
           "--repeat", str(repeat), "--wasm", wasm_path, "--objects", "yes" if objects else "no"]
    return run_json(cmd)


def sklearn(rows, repeat, generator):
    # A process of its own, as bench/run.py runs it.
    return run_json([sys.executable, os.path.join(HERE, "sklearn_baseline.py"), "--rows", str(rows),
                     "--repeat", str(repeat), "--generator", generator, "--fit-only"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1000000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "native"))
    ap.add_argument("--wasm", default=os.path.join(ROOT, "js", "dist", "callrisk.wasm"))
    ap.add_argument("--node", default="node")
    ap.add_argument("--generators", default="default,stir,real5",
                    help="data sets: default (the seed's 3 fields), stir (2 counts, 2 bools, 1 real), real5 (5 reals)")
    ap.add_argument("--objects", action="store_true", help="also time the package's trainModel() on row objects")
    ap.add_argument("--json", action="store_true", help="print the raw results too")
    args = ap.parse_args()
    if args.repeat < 5:
        print("note: --repeat below 5", file=sys.stderr)

    exe = os.path.join(args.build, "bench", "train_native")
    portable = os.path.join(args.build, "bench", "train_native_portable")
    results = []
    with tempfile.TemporaryDirectory(prefix="callrisk-train-") as tmp:
        for generator in args.generators.split(","):
            rows_file = os.path.join(tmp, generator + ".bin")
            r = {"generator": generator}
            r["native"] = native(exe, args.rows, args.repeat, generator, rows_file)
            if os.path.exists(portable):
                r["portable"] = native(portable, args.rows, args.repeat, generator)
            r["wasm"] = wasm(args.node, rows_file, generator, args.repeat, args.wasm, args.objects)
            r["sklearn"] = sklearn(args.rows, args.repeat, generator)
            results.append(r)

    ids = set()
    print("%-8s %-46s %10s %8s" % ("data", "training end to end, %d rows (medians)" % args.rows, "ms", "ratio"))
    for r in results:
        g, n, s, w = r["generator"], r["native"], r["sklearn"], r["wasm"]
        sk = s["fit_median_ms"]
        nat = n["total_median_ms"]
        lines = [("scikit-learn LogisticRegression().fit", sk, None),
                 ("callrisk native (validation+digest+fit)", nat, "%.1fx sklearn" % (sk / nat)),
                 ("  of which data set (validation+digest)", n["dataset_median_ms"], None),
                 ("  of which cr_train (fit + evidence)", n["train_median_ms"], None)]
        if "portable" in r:
            p = r["portable"]["total_median_ms"]
            lines.append(("callrisk native, SSE2 only (portable)", p, "%.1fx sklearn" % (sk / p)))
        lines.append(("callrisk wasm (Node, from a Float64Array)", w["core_median_ms"],
                      "%.2fx native" % (w["core_median_ms"] / nat)))
        lines.append(("  of which copying the rows into wasm memory", w["copy_median_ms"], None))
        lines.append(("  rows already in wasm memory (no copy)", w["in_memory_median_ms"],
                      "%.2fx native" % (w["in_memory_median_ms"] / nat)))
        if "portable" in r:
            lines.append(("  wasm / native portable", None, "%.2fx" % (w["core_median_ms"] / r["portable"]["total_median_ms"])))
        lines.append(("callrisk wasm trainModel({ rows, labels })", w["arrays_median_ms"],
                      "%.2fx native" % (w["arrays_median_ms"] / nat)))
        if "objects_median_ms" in w:
            lines.append(("callrisk wasm trainModel(row objects)", w["objects_median_ms"],
                          "%.2fx native" % (w["objects_median_ms"] / nat)))
        for name, ms, ratio in lines:
            print("%-8s %-46s %10s %8s" % (g, name, "%.1f" % ms if ms is not None else "", ratio or ""))
        got = {n["model_id"], w["model_id"]}
        if "portable" in r:
            got.add(r["portable"]["model_id"])
        got.add(w["arrays_model_id"])
        if "objects_model_id" in w:
            got.add(w["objects_model_id"])
        ids |= got
        coef = n["coef"] + [n["intercept"]]
        skc = s["coef"] + [s["intercept"]]
        diff = max(abs(a - b) for a, b in zip(coef, skc))
        print("%-8s model id %s (%s); max |coef - sklearn's| %.1e" % (
            g, n["model_id"][:16], "the same on every path" if len(got) == 1 else "PATHS DIFFER: " + ", ".join(sorted(got)),
            diff))
        if len(got) != 1:
            sys.exit("train_bench: the paths trained different models")
    print("rows %d, %d timed runs each, medians; scikit-learn %s, Node %s" % (
        args.rows, args.repeat, results[0]["sklearn"]["sklearn"], results[0]["wasm"]["node"]))
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
