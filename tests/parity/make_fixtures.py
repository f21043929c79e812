#!/usr/bin/env python3
"""Fit scikit-learn LogisticRegression on the deterministic data sets and write
parity fixtures to tests/parity/fixtures/<name>.txt.

The reference fit is LogisticRegression(tol=1e-12, max_iter=10000) with
sklearn's exact Newton solver `newton-cholesky`; its gradient of
    sum_i s_i * logloss_i + ||w||^2 / (2C)      (intercept unpenalised)
is checked here independently, and polished with exact Newton steps should it
ever be above TARGET_REL (a `solver` line says which). The default lbfgs fit
with the same tol is recorded too (lbfgs_* lines): it stops on scipy's
relative-decrease test, ~1e-7 of the weight sum from the optimum, and its
coefficients sit up to ~2e-5 away. Scores come from sklearn's predict_proba.
"""
import argparse
import hashlib
import os
import sys
import tempfile

try:
    import numpy as np
    from scipy.special import expit
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.utils.class_weight import compute_class_weight
except ImportError as missing:  # ctest reads 77 as "skipped"
    print("skipped: %s (Debian: apt-get install python3-sklearn)" % missing)
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_data  # noqa: E402

FIXTURE_DIR = os.path.join(HERE, "fixtures")

# Thresholds on max|grad| / sum(s).
TARGET_REL = 1e-10  # a refit/polish must reach this

DATASETS = [
    dict(name="default_c1", generator="default", seed=1, offset=-150,
         rows=100000, C=1.0, fit_intercept=True, sample_weight=False,
         class_weight=None),
    dict(name="default_c01_weights", generator="default", seed=2, offset=-150,
         rows=120000, C=0.1, fit_intercept=True, sample_weight=True,
         class_weight=None),
    dict(name="default_c10_balanced", generator="default", seed=3, offset=-420,
         rows=150000, C=10.0, fit_intercept=True, sample_weight=False,
         class_weight="balanced"),
    dict(name="stir_explicit_weights", generator="stir", seed=4, offset=-100,
         rows=100000, C=0.5, fit_intercept=True, sample_weight=True,
         class_weight={0: 1.0, 1: 3.0}),
    dict(name="default_nointercept", generator="default", seed=5, offset=-150,
         rows=100000, C=1.0, fit_intercept=False, sample_weight=False,
         class_weight=None),
]


def effective_weights(y, sw, class_weight):
    """Per-row s_i = sample_weight_i * class_weight[y_i], as sklearn applies it."""
    s = np.ones(len(y)) if sw is None else np.asarray(sw, dtype=np.float64).copy()
    if class_weight is not None:
        classes = np.array([0, 1])
        cw = compute_class_weight(class_weight, classes=classes, y=y)
        s *= cw[y]
    return s


def _design(X, fit_intercept):
    return np.hstack([X, np.ones((X.shape[0], 1))]) if fit_intercept else X


def gradient(theta, X1, y, s, C, fit_intercept):
    """Gradient of the penalised objective; theta = [coef..., intercept?]."""
    p = expit(X1 @ theta)
    g = X1.T @ (s * (p - y))
    nc = X1.shape[1] - (1 if fit_intercept else 0)
    g[:nc] += theta[:nc] / C
    return g


def hessian(theta, X1, s, C, fit_intercept):
    p = expit(X1 @ theta)
    H = (X1 * (s * p * (1.0 - p))[:, None]).T @ X1
    nc = X1.shape[1] - (1 if fit_intercept else 0)
    H[np.arange(nc), np.arange(nc)] += 1.0 / C
    return H


def rel_grad(theta, X1, y, s, C, fit_intercept):
    g = gradient(theta, X1, y, s, C, fit_intercept)
    return float(np.max(np.abs(g)) / s.sum())


def newton_polish(theta, X1, y, s, C, fit_intercept, max_steps=20):
    """Pure Newton from a nearby start; keep the best iterate by gradient,
    since rounding eventually stops further progress."""
    best = theta.copy()
    best_rel = rel_grad(best, X1, y, s, C, fit_intercept)
    cur = best.copy()
    for _ in range(max_steps):
        g = gradient(cur, X1, y, s, C, fit_intercept)
        H = hessian(cur, X1, s, C, fit_intercept)
        cur = cur - np.linalg.solve(H, g)
        r = rel_grad(cur, X1, y, s, C, fit_intercept)
        if r < best_rel:
            best, best_rel = cur.copy(), r
        elif best_rel <= TARGET_REL:
            break
    return best, best_rel


def make_model(ds, solver="lbfgs"):
    return LogisticRegression(C=ds["C"], fit_intercept=ds["fit_intercept"],
                              class_weight=ds["class_weight"], tol=1e-12,
                              max_iter=10000, solver=solver)


def theta_of(model, fit_intercept):
    t = model.coef_.ravel().astype(np.float64)
    return np.append(t, model.intercept_[0]) if fit_intercept else t


def fit_dataset(ds):
    fields, y, w = gen_data.generate(ds["generator"], ds["seed"], ds["offset"],
                                     ds["rows"])
    X = gen_data.features(ds["generator"], fields)
    sw = w if ds["sample_weight"] else None
    fi = ds["fit_intercept"]
    X1 = _design(X, fi)
    s = effective_weights(y, sw, ds["class_weight"])

    # Reference: sklearn's exact Newton solver (new in 1.2), which reaches the
    # optimum to rounding. The default lbfgs stops on scipy's relative-decrease
    # test long before tol=1e-12 (gradient ~1e-7 of the weight sum), so its
    # coefficients are kept only for the record.
    model = make_model(ds, solver="newton-cholesky").fit(X, y, sample_weight=sw)
    n_iter = int(model.n_iter_[0])
    theta = theta_of(model, fi)
    rel = rel_grad(theta, X1, y, s, ds["C"], fi)
    solver = "newton-cholesky"
    if rel > TARGET_REL:
        theta, rel = newton_polish(theta, X1, y, s, ds["C"], fi)
        solver = "newton-cholesky+newton-polish"
        if rel > TARGET_REL:
            raise RuntimeError(f"{ds['name']}: could not reach optimum ({rel:.3g})")
        nc = X.shape[1]
        model.coef_ = theta[:nc].reshape(1, -1).copy()
        model.intercept_ = np.array([theta[nc] if fi else 0.0])
    lbfgs = make_model(ds).fit(X, y, sample_weight=sw)
    theta0 = theta_of(lbfgs, fi)
    rel0 = rel_grad(theta0, X1, y, s, ds["C"], fi)

    p = model.predict_proba(X)[:, 1]
    scores = (p * 100).astype(np.int64)  # int() truncation, p in [0,1]
    counts = np.bincount(scores, minlength=101)
    assert len(counts) == 101
    digest = hashlib.sha256(scores.astype(np.uint8).tobytes()).hexdigest()

    return dict(coef=model.coef_.ravel().tolist(),
                intercept=float(model.intercept_[0]), n_iter=n_iter,
                lbfgs_coef=lbfgs.coef_.ravel().tolist(),
                lbfgs_intercept=float(lbfgs.intercept_[0]),
                solver=solver, rel_sklearn=rel0, rel_final=rel,
                max_dcoef=float(np.max(np.abs(theta - theta0))),
                counts=counts.tolist(), digest=digest,
                pos_rate=float(y.mean()))


def format_class_weight(cw):
    if cw is None:
        return "none"
    if cw == "balanced":
        return "balanced"
    return "explicit %r %r" % (float(cw[0]), float(cw[1]))


def write_fixture(ds, res, out_dir=FIXTURE_DIR):
    lines = [
        "name %s" % ds["name"],
        "generator %s" % ds["generator"],
        "seed %d" % ds["seed"],
        "offset %d" % ds["offset"],
        "rows %d" % ds["rows"],
        "C %r" % float(ds["C"]),
        "fit_intercept %d" % int(ds["fit_intercept"]),
        "sample_weight %d" % int(ds["sample_weight"]),
        "class_weight %s" % format_class_weight(ds["class_weight"]),
        "coef %s" % " ".join(repr(float(v)) for v in res["coef"]),
        "intercept %r" % res["intercept"],
        "n_iter %d" % res["n_iter"],
        "solver %s" % res["solver"],
        "lbfgs_coef %s" % " ".join(repr(float(v)) for v in res["lbfgs_coef"]),
        "lbfgs_intercept %r" % res["lbfgs_intercept"],
        "lbfgs_rel_grad %r" % res["rel_sklearn"],
        "score_counts %s" % " ".join(str(c) for c in res["counts"]),
        "scores_sha256 %s" % res["digest"],
        "sklearn %s" % sklearn.__version__,
    ]
    path = os.path.join(out_dir, ds["name"] + ".txt")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def parse_fixture(path):
    with open(path) as f:
        return dict(line.rstrip("\n").split(" ", 1) for line in f if " " in line)


def check(rows):
    """Refit and compare with the committed fixtures: the C tests read those,
    so they must be what sklearn gives here. Coefficients may move in the
    last bits with another BLAS; everything else must match exactly."""
    bad = 0
    for ds, res in rows:
        path = os.path.join(FIXTURE_DIR, ds["name"] + ".txt")
        if not os.path.exists(path):
            print("missing fixture %s" % path)
            bad += 1
            continue
        old = parse_fixture(path)
        with tempfile.TemporaryDirectory() as tmp:
            new = parse_fixture(write_fixture(ds, res, tmp))
        for key in sorted(set(old) | set(new)):
            a, b = old.get(key), new.get(key)
            if key in ("coef", "intercept", "lbfgs_coef", "lbfgs_intercept", "lbfgs_rel_grad") and a and b:
                x, y = np.array(a.split(), dtype=float), np.array(b.split(), dtype=float)
                tol = 1e-12 if not key.startswith("lbfgs") else 1e-6
                if x.shape != y.shape or np.max(np.abs(x - y)) > tol * max(1.0, np.max(np.abs(x))):
                    print("%s: %s differs: %s vs %s" % (ds["name"], key, a, b))
                    bad += 1
            elif a != b:
                print("%s: %s differs: %s vs %s" % (ds["name"], key, (a or "")[:60], (b or "")[:60]))
                bad += 1
    print("fixtures %s" % ("reproduced" if not bad else "DIFFER (%d)" % bad))
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true",
                    help="refit and compare with the committed fixtures instead of writing them")
    args = ap.parse_args()
    rows = [(ds, fit_dataset(ds)) for ds in DATASETS]
    if args.check:
        return check(rows)
    os.makedirs(FIXTURE_DIR, exist_ok=True)
    for ds, res in rows:
        write_fixture(ds, res)

    print("sklearn %s, numpy %s" % (sklearn.__version__, np.__version__))
    hdr = "%-22s %5s %6s %10s %10s %10s  %-20s" % (
        "name", "pos%", "n_iter", "rel_grad0", "rel_final", "max|dθ|", "solver")
    print(hdr)
    print("-" * len(hdr))
    for ds, res in rows:
        print("%-22s %5.1f %6d %10.2e %10.2e %10.2e  %-20s" % (
            ds["name"], 100 * res["pos_rate"], res["n_iter"], res["rel_sklearn"],
            res["rel_final"], res["max_dcoef"], res["solver"]))
    print()
    for ds, res in rows:
        print("%-22s coef=[%s] intercept=%r" % (
            ds["name"], ", ".join(repr(v) for v in res["coef"]), res["intercept"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
