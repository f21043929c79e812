#!/usr/bin/env python3
"""Issue 13, must-shows 1 and 4: the core's model-quality numbers against
scikit-learn and against independent numpy references, on data sets this
script generates (deterministically, numpy's RandomState streams).

    /usr/bin/python3 tests/quality/reference.py [--cli build/native/callrisk]
        [--schema FILE] [--seed S] [--keep DIR] [--quick]

Data sets, each in the seed's schema (spam_reports count, has_consent bool,
call_attempts_24h count; label, weight) and, by default, again in a schema
with a real-valued field (tests/cli/data/stir_schema.json) -- or only in the
schema given with --schema (any fields: count, bool, real; inverted bools);
--seed S draws other data sets (data this script's author has not seen):

  weights     non-integer sample weights (uniform 0.05..5)
  ties        heavy ties: few integer values per field (a few dozen distinct rows)
  ties_w      the same ties with non-integer weights (ties in the probability,
              each weighed)
  imbalance   1% positives
  separation  labels a linear function of the features separates perfectly
              (also trained with C = 1e4: probabilities within 1e-15 of 0 and 1)

Each is trained with the native CLI without holdout, with an order holdout,
with a hash holdout and Platt scaling, and with class_weight balanced and a
hash holdout, with and without Platt scaling. For every model:

  * `callrisk eval` on all rows, the card's train metrics (the fitted rows)
    and holdout metrics (the held-out rows: the split reproduced here, see
    holdout_mask) against scikit-learn 1.2's roc_auc_score, log_loss,
    brier_score_loss (sample_weight), gini = 2 auc - 1; ks against
    ks_reference(); the calibration table against calibration_curve
    (strategy='uniform', n_bins=10) on unweighted rows, against a weighted
    numpy reference on weighted rows; the band table against a numpy
    reference; eval's ROC grid (TPR at FPR = k/20) against roc_reference(),
    from roc_curve(drop_intermediate=False); the card's metrics carry no
    grid. The probabilities are the model's, per row, from `callrisk score`
    (17 significant digits: the double exactly).
  * `callrisk eval --holdout` (the training's --holdout) against the card's
    holdout metrics: the same JSON bit for bit but for eval's ROC grid,
    which is checked against roc_reference() on the held-out rows.
  * ROC grids of tiny data sets (roc_cases()): ties, integer and real
    weights, 20 or 40 negatives (every vertex on a grid point, so vertical
    segments land exactly on them), a weight-0 row, one class (all null).
  * Platt's a, b (the card's evidence.calibration) against platt_reference():
    Newton's method in np.longdouble on Platt's objective.
  * `callrisk drift` on the rows and on moved rows against psi_reference();
    the card's reference bins against reference_bins() on the fitted rows.

Tolerances: 1e-12 relative (REL) for every metric and PSI; 1e-9 for Platt's
a, b (PLATT); ROC (absolute, TPR in [0, 1]) for the ROC grid. Exit 0 when all hold, 1 otherwise, 77 (ctest: skipped) without
numpy/scikit-learn. The closing lines print the Brier score and the expected
calibration error of the balanced-class-weight models' holdout, before and
after Platt scaling.
"""
import argparse
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

try:
    import numpy as np
    import sklearn
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score, roc_curve
except ImportError as missing:  # ctest reads 77 as "skipped"
    print("skipped: %s (Debian: apt-get install python3-sklearn)" % missing)
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

REL = 1e-12     # metrics, calibration table, ks, PSI
PLATT = 1e-9    # Platt's a, b against the reference optimum
ROC = 1e-14     # the ROC grid's TPR, absolute
ROC_GRID = 21   # CR_ROC_GRID: FPR = k/20
EPSILON = 1e-4  # CR_PSI_EPSILON
PSI_WATCH, PSI_ALERT = 0.10, 0.25
DRIFT_BINS = 10

SEED_SCHEMA = {
    "fields": [{"name": "spam_reports", "type": "count"}, {"name": "has_consent", "type": "bool"},
               {"name": "call_attempts_24h", "type": "count"}],
    "features": [{"name": "spam_reports", "field": "spam_reports"},
                 {"name": "no_consent", "field": "has_consent", "invert": True},
                 {"name": "call_attempts_24h", "field": "call_attempts_24h"}],
}

# ---------------------------------------------------------------- data sets


def feature_matrix(schema, cols):
    """Features from field columns, as cr_schema_features: an inverted bool is 1 - v."""
    out = []
    for f in schema["features"]:
        v = cols[f["field"]].astype(np.float64)
        out.append(1.0 - v if f.get("invert") else v)
    return np.stack(out, axis=1)


def generate(schema, kind, seed, n, moved=False):
    """Columns (field -> array), labels, weights (None: the CSV has no weight column)."""
    rng = np.random.RandomState(seed)
    small = kind in ("ties", "ties_w")
    cols = {}
    for f in schema["fields"]:
        t = f["type"]
        if t == "bool":
            cols[f["name"]] = (rng.rand(n) < (0.35 if moved else 0.6)).astype(np.int64)
        elif t == "count":
            hi = 3 if small else (10 if kind == "separation" else 40)
            v = rng.randint(0, hi + 1, size=n)
            cols[f["name"]] = v + (2 if moved else 0)
        else:  # real: few values when ties are wanted
            if small:
                cols[f["name"]] = rng.randint(0, 4, size=n).astype(np.float64) + (1.0 if moved else 0.0)
            else:
                cols[f["name"]] = rng.rand(n) * 3.0 + (0.5 if moved else 0.0)
    x = feature_matrix(schema, cols)
    # The generating model's coefficients: one scale per field type.
    beta = []
    for f in schema["features"]:
        t = next(g["type"] for g in schema["fields"] if g["name"] == f["field"])
        beta.append({"bool": 1.2, "count": 0.8 if small else 0.09, "real": 0.9}[t])
    s = x @ np.array(beta)
    if kind == "separation":
        t = float(np.median(s))
        y = (s > t).astype(np.int64)
    else:
        target = 0.01 if kind == "imbalance" else 0.35
        lo, hi = -60.0, 60.0
        for _ in range(200):  # the intercept that gives the target base rate
            mid = (lo + hi) / 2
            if np.mean(1 / (1 + np.exp(-(s + mid)))) < target:
                lo = mid
            else:
                hi = mid
        y = (rng.rand(n) < 1 / (1 + np.exp(-(s + lo)))).astype(np.int64)
    w = rng.uniform(0.05, 5.0, size=n) if kind in ("weights", "ties_w") else None
    return cols, y, w


def fmt_value(t, v):
    if t == "bool":
        return "true" if v else "false"
    if t == "count":
        return str(int(v))
    return repr(float(v))


def write_csv(path, schema, cols, y, w):
    names = [f["name"] for f in schema["fields"]]
    types = [f["type"] for f in schema["fields"]]
    n = len(y)
    with open(path, "w") as fh:
        fh.write(",".join(names + ["label"] + (["weight"] if w is not None else [])) + "\n")
        for i in range(n):
            cells = [fmt_value(t, cols[name][i]) for name, t in zip(names, types)] + [str(int(y[i]))]
            if w is not None:
                cells.append(repr(float(w[i])))
            fh.write(",".join(cells) + "\n")


def requests_text(schema, cols, n):
    lines = []
    for i in range(n):
        obj = {}
        for f in schema["fields"]:
            v = cols[f["name"]][i]
            obj[f["name"]] = bool(v) if f["type"] == "bool" else int(v) if f["type"] == "count" else float(v)
        lines.append(json.dumps(obj))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the CLI


class Cli:
    def __init__(self, exe, work):
        self.exe, self.work = exe, work

    def run(self, *args, stdin=None):
        r = subprocess.run([self.exe, *args], cwd=self.work, input=stdin, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("callrisk %s: exit %d: %s" % (" ".join(args), r.returncode, r.stderr.strip()))
        return r.stdout

    def probabilities(self, model, requests):
        out = self.run("score", "--model", model, stdin=requests)
        return np.array([json.loads(line)["probability"] for line in out.splitlines()], dtype=np.float64)


# ---------------------------------------------------------------- references


def mix(z):
    """splitmix64's finaliser on uint64 arrays (src/model/evidence.c: mix)."""
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def row_hashes(schema, cols, y, w):
    """Each row's hash: the first 8 bytes (little-endian) of the SHA-256 of
    its field values, label and weight as little-endian doubles."""
    names = [f["name"] for f in schema["fields"]]
    table = np.column_stack([np.asarray(cols[k], dtype=np.float64) for k in names]
                            + [np.asarray(y, dtype=np.float64), np.asarray(w, dtype=np.float64)])
    raw = table.astype("<f8").tobytes()
    width = 8 * table.shape[1]
    return np.array([int.from_bytes(hashlib.sha256(raw[i * width:(i + 1) * width]).digest()[:8], "little")
                     for i in range(table.shape[0])], dtype=np.uint64)


def rows_digest(schema, cols, y, w):
    """The data set's digest (cr_dataset_digest): the SHA-256 of "callrisk
    rows v1", the row count and the sum mod 2^256 of the rows' SHA-256s (as
    little-endian numbers); every row its field values, label and weight as
    little-endian doubles."""
    names = [f["name"] for f in schema["fields"]]
    table = np.column_stack([np.asarray(cols[k], dtype=np.float64) for k in names]
                            + [np.asarray(y, dtype=np.float64), np.asarray(w, dtype=np.float64)])
    raw = table.astype("<f8").tobytes()
    width = 8 * table.shape[1]
    total = sum(int.from_bytes(hashlib.sha256(raw[i * width:(i + 1) * width]).digest(), "little")
                for i in range(table.shape[0])) % (1 << 256)
    return hashlib.sha256(b"callrisk rows v1" + table.shape[0].to_bytes(8, "little")
                          + total.to_bytes(32, "little")).hexdigest()


def holdout_mask(n, fraction, method, seed, hashes):
    """True for the held-out rows. order: the last ceil(f n) rows (f n in
    double); hash: a row is held out when the top 53 bits of
    mix(mix(seed) ^ its hash), as a fraction of 2^53, are below f."""
    if method == "order":
        h = int(fraction * n)
        if h < fraction * n:
            h += 1
        return np.arange(n) >= n - h
    with np.errstate(over="ignore"):
        s = mix(np.array([seed], dtype=np.uint64))[0]
        u = mix(np.uint64(s) ^ hashes) >> np.uint64(11)
    return u.astype(np.float64) * 2.0 ** -53 < fraction


def logits_of(card, x):
    """intercept + sum_j coef_j x_j, in cr_logit's order (the same doubles)."""
    z = np.full(x.shape[0], card["intercept"], dtype=np.float64)
    for j, f in enumerate(card["features"]):
        z = z + f["coef"] * x[:, j]
    return z


def platt_reference(f, y, w):
    """(a, b, gradient): the argmin over (a, b) of sum_i w_i [t_i log(1 + e^-z_i) + (1 - t_i) log(1 + e^z_i)],
    z = a f + b, t = (N+ + 1)/(N+ + 2) for label 1 and 1/(N- + 2) for 0 (N:
    rows), by Newton's method with backtracking in np.longdouble from Platt's
    own start (a = 0, b = log((N- + 1)/(N+ + 1)) in his sign convention)."""
    L = np.longdouble
    f, w = f.astype(L), w.astype(L)
    pos = int(y.sum())
    neg = len(y) - pos
    t = np.where(y == 1, L(pos + 1) / L(pos + 2), L(1) / L(neg + 2))

    def softplus(z):
        return np.maximum(z, L(0)) + np.log1p(np.exp(-np.abs(z)))

    def loss(a, b):
        z = a * f + b
        return np.sum(w * (t * softplus(-z) + (1 - t) * softplus(z)))

    def gradient(a, b):
        """|d/da| + |d/db| of the objective at (a, b), in long double."""
        p = 1 / (1 + np.exp(-(L(a) * f + L(b))))
        return float(abs(np.sum(w * (p - t) * f)) + abs(np.sum(w * (p - t))))

    # Newton steps, halved while they neither lower the objective nor the
    # gradient (near the optimum the objective is flat to rounding, the
    # gradient is not); the point kept is the one with the smallest gradient,
    # after three steps that found none smaller.
    a, b = L(0), L(math.log((pos + 1) / (neg + 1)))
    cur, gn = loss(a, b), gradient(a, b)
    best, stall = (gn, a, b), 0
    for _ in range(500):
        z = a * f + b
        p = 1 / (1 + np.exp(-z))
        r, h = w * (p - t), w * p * (1 - p)
        ga, gb = np.sum(r * f), np.sum(r)
        haa, hab, hbb = np.sum(h * f * f), np.sum(h * f), np.sum(h)
        det = haa * hbb - hab * hab
        da, db = -(hbb * ga - hab * gb) / det, -(haa * gb - hab * ga) / det
        step = L(1)
        while True:
            na, nb = a + step * da, b + step * db
            nxt, ng = loss(na, nb), gradient(na, nb)
            if nxt < cur or ng < gn or step < L(2) ** -40:
                break
            step /= 2
        a, b, cur, gn = na, nb, nxt, ng
        if gn < best[0]:
            best, stall = (gn, a, b), 0
        else:
            stall += 1
            if stall == 3:
                break
    _, a, b = best
    return float(a), float(b), gradient


def ks_reference(p, y, w):
    """max(TPR - FPR) over the distinct thresholds (ROC from the top), weighted;
    cumulative sums in np.longdouble."""
    L = np.longdouble
    order = np.argsort(-p, kind="stable")
    ps, ys, ws = p[order], y[order], w[order].astype(L)
    tp = np.cumsum(np.where(ys == 1, ws, L(0)))
    fp = np.cumsum(np.where(ys == 0, ws, L(0)))
    last = np.r_[ps[1:] != ps[:-1], True]  # the last row of each distinct probability
    tpr, fpr = tp[last] / tp[-1], fp[last] / fp[-1]
    return float(max(L(0), np.max(tpr - fpr)))


def roc_reference(p, y, w, weighted):
    """The ROC grid from scikit-learn's roc_curve(y, p, sample_weight=w,
    drop_intermediate=False): at each x = k/20 the largest TPR over the
    curve's segments that contain x, linear between the vertices (a vertical
    segment at x gives its top). None throughout with one class."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # UndefinedMetricWarning with one class
        fpr, tpr, _ = roc_curve(y, p, sample_weight=w if weighted else None, drop_intermediate=False)
    if np.isnan(fpr).any() or np.isnan(tpr).any():
        return [None] * ROC_GRID
    x0, x1, y0, y1 = fpr[:-1], fpr[1:], tpr[:-1], tpr[1:]
    out = []
    for k in range(ROC_GRID):
        x = k / 20
        on = (x0 <= x) & (x <= x1)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = np.where(x1 == x0, np.maximum(y0, y1), y0 + (y1 - y0) * (x - x0) / (x1 - x0))
        out.append(float(at[on].max()))
    return out


def check_roc(rep, where, mt, p, y, w, weighted):
    """eval's "roc" against roc_reference(): 21 points, fpr exactly k/20."""
    roc = mt.get("roc")
    rep.equal("roc points", where, None if roc is None else len(roc), ROC_GRID)
    if roc is None or len(roc) != ROC_GRID:
        return
    rep.equal("roc fpr", where, [pt["fpr"] for pt in roc], [k / 20 for k in range(ROC_GRID)])
    for pt, ref in zip(roc, roc_reference(p, y, w, weighted)):
        rep.rel("roc tpr (absolute)", where, pt["tpr"], ref, tol=ROC, floor=1.0)


def calibration_reference(p, y, w):
    """10 uniform bins as calibration_curve (bin = inner edges below p, searchsorted
    'left'), weighted, sums exactly rounded (math.fsum): [(weight, mean_predicted,
    observed_rate)] per bin, None when empty."""
    edges = np.linspace(0.0, 1.0, 11)
    b = np.searchsorted(edges[1:-1], p)
    out = []
    for k in range(10):
        m = b == k
        bw = math.fsum(w[m])
        out.append(None if bw == 0 else (bw, math.fsum(w[m] * p[m]) / bw, math.fsum(w[m & (y == 1)]) / bw))
    return out, edges


def bands_reference(p, y, w, high, medium):
    score = np.floor(p * 100.0).astype(np.int64)   # (int)(p * 100): p * 100 >= 0
    level = (score >= medium).astype(int) + (score >= high).astype(int)
    W = math.fsum(w)
    out = []
    for lvl in range(3):
        m = level == lvl
        bw = math.fsum(w[m])
        out.append((bw, bw / W, None if bw == 0 else math.fsum(w[m & (y == 1)]) / bw,
                    None if bw == 0 else math.fsum(w[m] * p[m]) / bw))
    return out


def reference_bins(v, w, boolean):
    """The documented drift reference of one feature over the fitted rows:
    booleans 2 bins (cut 0); else cut k (k = 1..9) is the least value whose
    cumulative weight reaches k/10 of the total, equal cuts merged, a cut at
    the largest value dropped. Shares: each bin's weight / the total."""
    total = math.fsum(w)
    if boolean:
        cuts = [0.0]
    else:
        vals = np.unique(v)
        cum = np.array([math.fsum(w[v <= x]) for x in vals]) if len(vals) < 2000 else None
        if cum is None:  # many values: exactly rounded prefix sums via sorted order
            order = np.argsort(v, kind="stable")
            vs, ws = v[order], w[order]
            ends = np.r_[np.nonzero(vs[1:] != vs[:-1])[0], len(vs) - 1]
            # fsum of each prefix is quadratic; longdouble cumsum rounded to double is enough here
            cum = np.cumsum(ws.astype(np.longdouble))[ends].astype(np.float64)
        cuts = []
        k = 1
        for x, c in zip(vals, cum):
            if k >= DRIFT_BINS:
                break
            reached = False
            while k < DRIFT_BINS and c >= total * k / DRIFT_BINS:
                k += 1
                reached = True
            if reached and x < vals[-1] and (not cuts or cuts[-1] < x):
                cuts.append(float(x))
    b = np.searchsorted(np.array(cuts), v, side="left")
    shares = [math.fsum(w[b == k]) / total for k in range(len(cuts) + 1)]
    return cuts, shares


def psi_reference(cuts, ref_shares, v, w):
    """Actual shares per reference bin ((cut_{k-1}, cut_k]), both smoothed as
    (s + eps)/(1 + B eps), PSI = sum (a - e) ln(a / e); the status."""
    B = len(ref_shares)
    b = np.searchsorted(np.array(cuts, dtype=np.float64), v, side="left")
    total = math.fsum(w)
    actual = [math.fsum(w[b == k]) / total for k in range(B)]
    norm = 1 + B * EPSILON
    terms = []
    for s, e in zip(actual, ref_shares):
        a_, e_ = (s + EPSILON) / norm, (e + EPSILON) / norm
        terms.append((a_ - e_) * math.log(a_ / e_))
    psi = math.fsum(terms)
    status = "stable" if psi < PSI_WATCH else "watch" if psi < PSI_ALERT else "alert"
    return psi, status, actual


# ---------------------------------------------------------------- comparing


class Report:
    def __init__(self):
        self.failures = []
        self.worst = {}     # measure -> (difference, where)
        self.checks = 0

    def rel(self, measure, where, ours, ref, tol=REL, floor=0.0):
        """Relative difference |ours - ref| / max(|ref|, floor) (absolute when that is 0)."""
        self.checks += 1
        ours, ref = none_if_nan(ours), none_if_nan(ref)
        if ours is None or ref is None:
            ok = ours is None and ref is None
            d = 0.0 if ok else math.inf
        else:
            scale = max(abs(ref), floor)
            d = 0.0 if ours == ref else abs(ours - ref) / (scale if scale != 0 else 1.0)
            ok = d <= tol
        if d >= self.worst.get(measure, (-1.0, ""))[0]:
            self.worst[measure] = (d, where)
        if not ok:
            self.failures.append("%s %s: ours %r, reference %r (relative %.3g > %g)" % (where, measure, ours, ref, d, tol))

    def equal(self, measure, where, ours, ref):
        self.checks += 1
        if ours != ref:
            self.failures.append("%s %s: ours %r, reference %r" % (where, measure, ours, ref))


def none_if_nan(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def check_metrics(rep, where, mt, p, y, w, weighted, high, medium, stored=False):
    """One metrics object (eval's, or the card's when stored) against the
    references on its rows. A model stores no ROC grid: eval writes one."""
    rep.equal("n", where, mt["n"], len(y))
    if stored:
        rep.equal("roc absent from a model's metrics", where, "roc" in mt, False)
    else:
        check_roc(rep, where, mt, p, y, w, weighted)
    rep.rel("weight_sum", where, mt["weight_sum"], math.fsum(w))
    rep.rel("base_rate", where, mt["base_rate"], math.fsum(w[y == 1]) / math.fsum(w))
    sw = w if weighted else None
    before = len(rep.failures)
    rep.rel("log_loss", where, mt["log_loss"], float(log_loss(y, p, sample_weight=sw)))
    if len(rep.failures) > before:
        # scikit-learn <= 1.1 clipped the probabilities to [1e-15, 1 - 1e-15];
        # 1.2 clips to [eps, 1 - eps] of their dtype (2.2e-16 for float64).
        old = float(log_loss(y, p, eps=1e-15, sample_weight=sw))
        rep.failures[-1] += "; with log_loss(eps=1e-15), as scikit-learn <= 1.1 clipped: %r (relative %.3g)%s" % (
            old, abs(mt["log_loss"] - old) / old,
            ": the core clips at 1e-15, not at float64's eps" if abs(mt["log_loss"] - old) <= REL * old else "")
    rep.rel("brier", where, mt["brier"], float(brier_score_loss(y, p, sample_weight=sw)))
    auc = float(roc_auc_score(y, p, sample_weight=sw))
    rep.rel("auc", where, mt["auc"], auc)
    rep.rel("gini", where, mt["gini"], 2 * auc - 1)
    rep.rel("ks", where, mt["ks"], ks_reference(p, y, w))
    cal, edges = calibration_reference(p, y, w)
    for k, c in enumerate(mt["calibration"]):
        rep.equal("calibration edges", where, (c["lo"], c["hi"]), (float(edges[k]), float(edges[k + 1])))
        ref = cal[k]
        if ref is None:
            rep.equal("calibration empty bin", where, (c["weight"], c["mean_predicted"], c["observed_rate"]), (0, None, None))
            continue
        rep.rel("calibration weight", where, c["weight"], ref[0])
        rep.rel("calibration mean_predicted (numpy)", where, c["mean_predicted"], ref[1])
        rep.rel("calibration observed_rate (numpy)", where, c["observed_rate"], ref[2])
    if not weighted:
        # scikit-learn's calibration_curve has no sample weights: unweighted rows only.
        # It sums each bin with np.bincount, left to right in the rows' order,
        # where the core sums exactly rounded (compensated, in a fixed order): the
        # two can differ by the rounding of a long sequential sum, a few ulp
        # here, far inside REL (the numpy reference above sums exactly).
        prob_true, prob_pred = calibration_curve(y, p, n_bins=10, strategy="uniform")
        full = [c for c in mt["calibration"] if c["weight"] > 0]
        rep.equal("calibration_curve bins", where, len(full), len(prob_true))
        for c, pt, pp in zip(full, prob_true, prob_pred):
            rep.rel("calibration observed_rate (sklearn)", where, c["observed_rate"], float(pt))
            rep.rel("calibration mean_predicted (sklearn)", where, c["mean_predicted"], float(pp))
    for b, ref in zip(mt["bands"], bands_reference(p, y, w, high, medium)):
        rep.rel("band weight", where, b["weight"], ref[0])
        rep.rel("band share", where, b["share"], ref[1])
        rep.rel("band observed_rate", where, none_if_nan(b["observed_rate"]), ref[2])
        rep.rel("band mean_predicted", where, none_if_nan(b["mean_predicted"]), ref[3])


def ece(mt):
    """Expected calibration error: sum_b w_b |observed_b - mean_predicted_b| / W."""
    bins = [c for c in mt["calibration"] if c["weight"] > 0]
    return math.fsum(c["weight"] * abs(c["observed_rate"] - c["mean_predicted"]) for c in bins) / mt["weight_sum"]


def check_drift(rep, where, cli, model, card, schema, csv, cols, w, p):
    got = json.loads(cli.run("drift", "--model", model, "--csv", csv))
    x = feature_matrix(schema, cols)
    rep.equal("drift n", where, got["n"], len(p))
    rep.rel("drift weight_sum", where, got["weight_sum"], math.fsum(w))
    rep.equal("drift epsilon", where, got["epsilon"], EPSILON)
    refs = card["evidence"]["reference"]
    psis = []
    for j, (fj, rj) in enumerate(zip(got["features"], refs["features"])):
        psi, status, actual = psi_reference(rj["cuts"], rj["shares"], x[:, j], w)
        check_psi(rep, "%s %s" % (where, fj["feature"]), fj, rj, psi, status, actual)
        psis.append(fj["psi"])
    score = np.floor(p * 100.0)
    psi, status, actual = psi_reference(refs["score"]["cuts"], refs["score"]["shares"], score, w)
    check_psi(rep, "%s score" % where, got["score"], refs["score"], psi, status, actual)
    return psis + [got["score"]["psi"]]


def check_psi(rep, where, got, ref, psi, status, actual):
    rep.equal("psi bins (hi, reference)", where, [(b["hi"], b["reference"]) for b in got["bins"]],
              [(c, s) for c, s in zip(ref["cuts"] + [None], ref["shares"])])
    for b, a in zip(got["bins"], actual):
        rep.rel("psi actual share", where, b["actual"], a)
    # PSI near 0 (rows against their own reference): a relative difference is
    # measured against a sum of terms that cancel to ~1e-17; the tolerance is
    # REL of the largest of |PSI| and 1e-6 there.
    rep.rel("psi", where, got["psi"], psi, tol=REL * max(1.0, 1e-6 / abs(psi)) if psi else REL)
    rep.equal("psi status", where, got["status"], status)


# ---------------------------------------------------------------- the run


VARIANTS = [
    ("plain", []),
    ("order", ["--holdout", "0.2"]),
    ("hash_sigmoid", ["--holdout", "0.25,hash,7", "--calibration", "sigmoid"]),
    ("balanced", ["--holdout", "0.3,hash,11", "--class-weight", "balanced"]),
    ("balanced_sigmoid", ["--holdout", "0.3,hash,11", "--class-weight", "balanced", "--calibration", "sigmoid"]),
]
SIZES = {"weights": 20000, "ties": 20000, "ties_w": 20000, "imbalance": 50000, "separation": 5000}


def run_schema(rep, cli, work, tag, schema, schema_file, quick, seed, summary, quality):
    for si, (kind, n) in enumerate(SIZES.items()):
        if quick:
            n = min(n, 4000) if kind != "imbalance" else 20000
        cols, y, w_opt = generate(schema, kind, seed * 10000 + 1000 + si, n)
        weighted = w_opt is not None
        w = w_opt if weighted else np.ones(n)
        csv = "%s_%s.csv" % (tag, kind)
        write_csv(os.path.join(work, csv), schema, cols, y, w_opt)
        mcols, my, mw_opt = generate(schema, kind, seed * 10000 + 2000 + si, max(n // 2, 1000), moved=True)
        moved = "%s_%s_moved.csv" % (tag, kind)
        write_csv(os.path.join(work, moved), schema, mcols, my, mw_opt)
        mw = mw_opt if mw_opt is not None else np.ones(len(my))
        x = feature_matrix(schema, cols)
        requests = requests_text(schema, cols, n)
        moved_requests = requests_text(schema, mcols, len(my))
        variants = list(VARIANTS) + ([("C1e4", ["--C", "1e4"])] if kind == "separation" else [])
        for name, args in variants:
            where = "%s/%s/%s" % (tag, kind, name)
            model = "%s_%s_%s.json" % (tag, kind, name)
            sargs = ["--schema", schema_file] if schema_file else []
            card = json.loads(cli.run("train", "--csv", csv, "--out", model, *sargs, *args))
            ev = card["evidence"]
            rep.equal("data_sha256 = the multiset digest (hashlib)", where, card["training"]["data_sha256"],
                      rows_digest(schema, cols, y, w))
            high, medium = card["bands"]["high"], card["bands"]["medium"]
            p = cli.probabilities(model, requests)
            # 1. eval on every row
            check_metrics(rep, where + " eval", json.loads(cli.run("eval", "--csv", csv, "--model", model)),
                          p, y, w, weighted, high, medium)
            # the card: train metrics on the fitted rows, holdout metrics on the held-out rows
            hold = ev["holdout"]
            mask = (holdout_mask(n, hold["fraction"], hold["method"], hold["seed"], row_hashes(schema, cols, y, w)) if hold
                    else np.zeros(n, dtype=bool))
            fit = ~mask
            check_metrics(rep, where + " card.train", ev["train"], p[fit], y[fit], w[fit], weighted, high, medium,
                          stored=True)
            if hold:
                check_metrics(rep, where + " card.holdout", hold["metrics"], p[mask], y[mask], w[mask], weighted,
                              high, medium, stored=True)
                # eval on the holdout train used: the card's metrics, and a grid
                held = json.loads(cli.run("eval", "--csv", csv, "--model", model,
                                          "--holdout", args[args.index("--holdout") + 1]))
                check_roc(rep, where + " eval --holdout", held, p[mask], y[mask], w[mask], weighted)
                held.pop("roc", None)
                rep.equal("eval --holdout = card holdout (JSON)", where, json.dumps(held), json.dumps(hold["metrics"]))
            # the drift reference: from the fitted rows
            for j, (f, r) in enumerate(zip(schema["features"], ev["reference"]["features"])):
                ftype = next(g["type"] for g in schema["fields"] if g["name"] == f["field"])
                cuts, shares = reference_bins(x[fit, j], w[fit], ftype == "bool")
                rep.equal("reference cuts", "%s %s" % (where, f["name"]), r["cuts"], cuts)
                for s, rs in zip(r["shares"], shares):
                    rep.rel("reference share", "%s %s" % (where, f["name"]), s, rs)
            score_cuts, score_shares = [9.0 + 10 * k for k in range(9)], None
            rep.equal("score reference cuts", where, ev["reference"]["score"]["cuts"], score_cuts)
            sc = np.floor(p[fit] * 100.0)
            b = np.searchsorted(np.array(score_cuts), sc, side="left")
            score_shares = [math.fsum(w[fit][b == k]) / math.fsum(w[fit]) for k in range(10)]
            for s, rs in zip(ev["reference"]["score"]["shares"], score_shares):
                rep.rel("reference share", where + " score", s, rs)
            # 4. Platt's optimum
            cal = ev["calibration"]
            if cal:
                f = logits_of(card, x[mask])
                a, bb, gradient = platt_reference(f, y[mask], w[mask])
                da, db = abs(cal["a"] - a), abs(cal["b"] - bb)
                # within PLATT of the optimum: relative to max(1, |a|), max(1, |b|)
                rep.rel("platt a", where, cal["a"], a, tol=PLATT, floor=1.0)
                rep.rel("platt b", where, cal["b"], bb, tol=PLATT, floor=1.0)
                # |gradient| at both points, in long double: how far each is from the optimum
                summary.append("%-34s platt  a %.17g (ref %.17g, |d| %.2e)  b %.17g (ref %.17g, |d| %.2e)  "
                               "|grad| ours %.1e ref %.1e" % (where, cal["a"], a, da, cal["b"], bb, db,
                                                              gradient(cal["a"], cal["b"]), gradient(a, bb)))
            # drift: the rows themselves (tiny PSI) and moved rows
            check_drift(rep, where + " drift(rows)", cli, model, card, schema, csv, cols, w, p)
            mp = cli.probabilities(model, moved_requests)
            psis = check_drift(rep, where + " drift(moved)", cli, model, card, schema, moved, mcols, mw, mp)
            if name == "plain":
                summary.append("%-34s moved rows: PSI %s" % (where, " ".join("%.4f" % v for v in psis)))
            if name.startswith("balanced") and hold:
                quality[(tag, kind, name)] = (hold["metrics"]["brier"], ece(hold["metrics"]), hold["metrics"]["n"])


def roc_cases(rep, cli, work, seed):
    """Tiny data sets whose ROC grids are checked (roc_reference()): rows of
    the ties data set (few distinct probabilities) under a model trained on
    them; 20 or 40 negatives of unit weight put every vertex on a grid point."""
    schema = SEED_SCHEMA
    cols, y, _ = generate(schema, "ties", seed * 10000 + 7, 4000)
    write_csv(os.path.join(work, "roc_train.csv"), schema, cols, y, None)
    cli.run("train", "--csv", "roc_train.csv", "--out", "roc_model.json")
    neg, pos = np.nonzero(y == 0)[0], np.nonzero(y == 1)[0]
    rng = np.random.RandomState(seed + 99)
    cases = [
        ("20neg", neg[:20], pos[:8], None),
        ("40neg", neg[:40], pos[:15], None),
        ("7neg", neg[:7], pos[:5], None),
        ("20neg_int_weights", neg[:20], pos[:9], lambda n: rng.randint(1, 4, size=n).astype(np.float64)),
        ("10neg_weight2", neg[:10], pos[:6], lambda n: np.full(n, 2.0)),
        ("20neg_real_weights", neg[:20], pos[:10], lambda n: rng.uniform(0.05, 5.0, size=n)),
        ("weight0_row", neg[:20], pos[:6], lambda n: np.r_[np.zeros(1), np.ones(n - 1)]),
        ("one_class_negative", neg[:15], pos[:0], None),
        ("one_class_positive", neg[:0], pos[:12], None),
    ]
    for name, ni, pi, weights in cases:
        idx = np.r_[ni, pi]
        rng.shuffle(idx)
        sub = {k: v[idx] for k, v in cols.items()}
        yy = y[idx]
        w_opt = weights(len(idx)) if weights else None
        csv = "roc_%s.csv" % name
        write_csv(os.path.join(work, csv), schema, sub, yy, w_opt)
        mt = json.loads(cli.run("eval", "--csv", csv, "--model", "roc_model.json"))
        p = cli.probabilities("roc_model.json", requests_text(schema, sub, len(idx)))
        w = w_opt if w_opt is not None else np.ones(len(idx))
        where = "roc/%s" % name
        check_roc(rep, where, mt, p, yy, w, w_opt is not None)
        if len(ni) and len(pi):
            rep.rel("auc", where, mt["auc"], float(roc_auc_score(yy, p, sample_weight=w_opt)))
        else:
            rep.equal("one class: roc all null", where, [pt["tpr"] for pt in mt["roc"]], [None] * ROC_GRID)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "native", "callrisk"))
    ap.add_argument("--schema", help="a schema JSON file: only this schema (default: the seed's and stir_schema.json)")
    ap.add_argument("--seed", type=int, default=0, help="draws other data sets (default 0)")
    ap.add_argument("--keep", help="write the data sets and models here (kept)")
    ap.add_argument("--quick", action="store_true", help="smaller data sets")
    args = ap.parse_args()
    if not os.path.exists(args.cli):
        print("reference.py: no CLI at %s (build the native preset)" % args.cli)
        return 1
    work = args.keep or tempfile.mkdtemp(prefix="callrisk-quality-")
    os.makedirs(work, exist_ok=True)
    cli = Cli(os.path.abspath(args.cli), work)
    rep, summary, quality = Report(), [], {}
    try:
        if args.schema:
            with open(args.schema) as fh:
                schemas = [("custom", json.load(fh), os.path.abspath(args.schema))]
        else:
            stir = os.path.join(ROOT, "tests", "cli", "data", "stir_schema.json")
            with open(stir) as fh:
                schemas = [("seed", SEED_SCHEMA, None), ("stir", json.load(fh), stir)]
        for tag, schema, schema_file in schemas:
            run_schema(rep, cli, work, tag, schema, schema_file, args.quick, args.seed, summary, quality)
        roc_cases(rep, cli, work, args.seed)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    print("scikit-learn %s, numpy %s; %d checks" % (sklearn.__version__, np.__version__, rep.checks))
    print("largest difference per measure (relative; Platt: relative to max(1, |a|), max(1, |b|)):")
    for measure in sorted(rep.worst):
        d, where = rep.worst[measure]
        print("  %-40s %.3e  (%s)" % (measure, d, where))
    for line in summary:
        print(line)
    print("holdout of the balanced-class-weight models: Brier and ECE (10 uniform bins, by weight),")
    print("before (no calibration) -> after (Platt scaling on the same holdout):")
    for (tag, kind, name), (brier, e, n) in sorted(quality.items()):
        if name != "balanced":
            continue
        b2, e2, _ = quality[(tag, kind, "balanced_sigmoid")]
        print("  %-5s %-10s n=%-6d Brier %.6f -> %.6f   ECE %.6f -> %.6f" % (tag, kind, n, brier, b2, e, e2))
    if rep.failures:
        print("%d FAILED:" % len(rep.failures))
        for f in rep.failures[:200]:
            print("  " + f)
        return 1
    print("all within tolerance (metrics, calibration, ks, PSI: %g relative; Platt a, b: %g; ROC grid: %g absolute)"
          % (REL, PLATT, ROC))
    return 0


if __name__ == "__main__":
    sys.exit(main())
