#!/usr/bin/env python3
"""Deterministic synthetic caller data, bit-identical to tests/support/gen_data.h.

Integer-only hashing of (seed, row, draw) so numpy and C agree exactly; see
gen_data.h for the definition. Vectorised over rows with wrapping uint64 math.

CLI: gen_data.py KIND SEED OFFSET N  -> prints rows in the gen_check.c format;
     gen_data.py --check GEN_CHECK    -> compares them with the C generators'
                                         (ctest gen_data_matches_python).
"""
import sys

import numpy as np

KINDS = ("default", "stir", "real5")
FIELDS = {
    "default": ("spam_reports", "has_consent", "call_attempts_24h"),
    "stir": ("spam_reports", "has_consent", "call_attempts_24h",
             "attestation", "stir_verified"),
    "real5": ("x0", "x1", "x2", "x3", "x4"),
}
_REAL5_SCALE = (3.0, 0.5, 10.0, 1.0, 2.0)
_REAL5_SLOPE = (40.0, -600.0, 2.5, 80.0, -30.0)  # milli per unit

_M_SEED = np.uint64(0xD1B54A32D192ED03)
_M_IDX = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _draw(seed_term, idx16, k):
    """r(seed, i, k) for all rows; idx16 = i*16 precomputed."""
    z = seed_term + (idx16 + np.uint64(k + 1)) * _M_IDX
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def generate(kind, seed, offset, n):
    """Return (fields n×F float64, labels int64, weights float64)."""
    if kind not in KINDS:
        raise ValueError(f"unknown generator {kind!r}")
    with np.errstate(over="ignore"):
        # Python ints are reduced mod 2^64 first so numpy never sees overflow.
        seed_term = np.uint64((int(seed) * 0xD1B54A32D192ED03) % (1 << 64))
        idx16 = np.arange(n, dtype=np.uint64) * np.uint64(16)
        nd = {"default": 8, "stir": 10, "real5": 12}[kind]
        r = [_draw(seed_term, idx16, k) for k in range(nd)]

    if kind == "real5":  # see gen_data.h
        cols = []
        p = np.full(n, 500 + int(offset), dtype=np.int64)
        for j in range(5):
            t = ((r[2 * j] >> np.uint64(11)).astype(np.float64) + (r[2 * j + 1] >> np.uint64(11)).astype(np.float64)) * 2.0 ** -53 - 1.0
            x = t * _REAL5_SCALE[j]
            cols.append(x)
            p = p + (x * _REAL5_SLOPE[j]).astype(np.int64)
        p = np.clip(p, 15, 985)
        labels = ((r[10] % np.uint64(1000)).astype(np.int64) < p).astype(np.int64)
        weights = 0.5 + (r[11] % np.uint64(4)).astype(np.float64) * 0.5
        return np.column_stack(cols), labels, weights

    # All reduced values are small, so int64 arithmetic below is exact.
    spam = np.minimum(r[0] % np.uint64(9), r[1] % np.uint64(9)).astype(np.int64)
    consent = ((r[2] & np.uint64(3)) != 0).astype(np.int64)
    extra = np.where(r[4] % np.uint64(3) == 0, r[5] % np.uint64(20), np.uint64(0))
    attempts = (r[3] % np.uint64(13) + extra).astype(np.int64)

    p = int(offset) + 110 * spam + 150 * (1 - consent) + 45 * attempts
    cols = [spam, consent, attempts]
    if kind == "stir":
        att = (r[8] >> np.uint64(11)).astype(np.float64) * 2.0 ** -53
        verified = (r[9] & np.uint64(1)).astype(np.int64)
        # att >= 0, so truncation == floor, matching the C (int64_t) cast.
        p = p - (att * 300.0).astype(np.int64) - 120 * verified
        cols += [att, verified]
    p = np.clip(p, 15, 985)

    labels = ((r[6] % np.uint64(1000)).astype(np.int64) < p).astype(np.int64)
    weights = 0.5 + (r[7] % np.uint64(4)).astype(np.float64) * 0.5
    fields = np.column_stack([np.asarray(c, dtype=np.float64) for c in cols])
    return fields, labels, weights


def features(kind, fields):
    """Model features: has_consent becomes no_consent = 1 - has_consent (real5: the fields)."""
    X = np.array(fields, dtype=np.float64, copy=True)
    if kind != "real5":
        X[:, 1] = 1.0 - X[:, 1]
    return X


def _lines(kind, seed, offset, n):
    fields, labels, weights = generate(kind, seed, offset, n)
    for i in range(n):
        vals = " ".join("%.17g" % v for v in fields[i])
        yield "%s %d %s %d %.17g" % (kind, i, vals, labels[i], weights[i])


def _check(exe, seed=7, offset=-150, n=5000):
    """tests/support/gen_check (the C generators) against these, every kind, line for line."""
    import subprocess
    got = subprocess.run([exe, str(seed), str(offset), str(n)], check=True, capture_output=True, text=True).stdout.splitlines()
    want = [line for kind in KINDS for line in _lines(kind, seed, offset, n)]
    for a, b in zip(got, want):
        if a != b:
            sys.exit("gen_data: C and Python differ:\n  C:      %s\n  Python: %s" % (a, b))
    if len(got) != len(want):
        sys.exit("gen_data: C gave %d lines, Python %d" % (len(got), len(want)))
    print("gen_data: %d rows of %s identical in C and Python" % (n, ", ".join(KINDS)))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        _check(sys.argv[2])
    elif len(sys.argv) == 5:
        for line in _lines(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])):
            print(line)
    else:
        sys.exit("usage: gen_data.py KIND SEED OFFSET N | gen_data.py --check PATH/TO/gen_check")
