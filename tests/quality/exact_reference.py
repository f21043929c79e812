#!/usr/bin/env python3
"""cr_exact (src/base/exact.h) against Python's arbitrary-precision integers.

Runs `test_exact --dump`, which prints generated cases and cr_exact's
results:
    S n / n lines of a double's bits (hex) / "= bits"   a sum
    P n / n lines "x y" (hex bits) / "= bits"          a sum of products
and recomputes each: every double is an integer number of 2^-1074 units
(float.as_integer_ratio), so the exact sum is a Python int; a product is
rounded to that grid (ties to even) first and counts as an infinity when
it reaches 2^1024, as cr_exact_add_product documents. The exact total is
rounded with int / int true division, correctly rounded in CPython; the
sums are cross-checked with math.fsum (Shewchuk's exact summation).

    exact_reference.py path/to/test_exact [runner...]
Exit 0 when every case agrees, 1 otherwise.
"""
import math
import struct
import subprocess
import sys

UNIT = 1 << 1074
INF_UNITS = 1 << 2098  # 2^1024
CANONICAL_NAN = 0x7FF8000000000000


def to_float(b):
    return struct.unpack("<d", struct.pack("<Q", b))[0]


def to_bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def units(x):
    """A finite double as an integer number of 2^-1074."""
    n, d = x.as_integer_ratio()
    return n * (UNIT // d)


def round_units(total):
    """The double nearest total * 2^-1074 (ties to even); +0.0 for 0."""
    if total == 0:
        return 0.0
    try:
        return total / UNIT
    except OverflowError:
        return math.inf if total > 0 else -math.inf


def expected(kind, terms):
    nan = pinf = ninf = False
    total = 0
    for t in terms:
        if kind == "S":
            (x,) = t
            if math.isnan(x):
                nan = True
            elif math.isinf(x):
                pinf, ninf = pinf or x > 0, ninf or x < 0
            else:
                total += units(x)
            continue
        x, y = t
        if math.isnan(x) or math.isnan(y) or (math.isinf(x) and y == 0) or (math.isinf(y) and x == 0):
            nan = True
            continue
        negative = (math.copysign(1, x) < 0) != (math.copysign(1, y) < 0)
        if math.isinf(x) or math.isinf(y):
            pinf, ninf = pinf or not negative, ninf or negative
            continue
        nx, dx = x.as_integer_ratio()
        ny, dy = y.as_integer_ratio()
        q, r = divmod(abs(nx * ny) * UNIT, dx * dy)  # units, rounded half to even
        if 2 * r > dx * dy or (2 * r == dx * dy and q % 2 == 1):
            q += 1
        if q >= INF_UNITS:
            pinf, ninf = pinf or not negative, ninf or negative
            continue
        total += -q if negative else q
    if nan or (pinf and ninf):
        return CANONICAL_NAN
    if pinf:
        return to_bits(math.inf)
    if ninf:
        return to_bits(-math.inf)
    return to_bits(round_units(total))


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    out = subprocess.run(sys.argv[2:] + [sys.argv[1], "--dump"], check=True, capture_output=True, text=True).stdout
    lines = out.splitlines()
    i = 0
    cases = bad = fsum_checked = 0
    while i < len(lines):
        kind, n = lines[i].split()
        n = int(n)
        terms = [tuple(to_float(int(h, 16)) for h in line.split()) for line in lines[i + 1 : i + 1 + n]]
        got = int(lines[i + 1 + n].split()[1], 16)
        i += n + 2
        want = expected(kind, terms)
        if kind == "S":
            try:
                f = math.fsum(t[0] for t in terms)
                if to_bits(f) != want and not (f == 0 and want == 0):
                    print(f"case {cases}: fsum {f!r} disagrees with the integer sum {to_float(want)!r}")
                    bad += 1
                fsum_checked += 1
            except OverflowError:
                pass
        if got != want:
            print(f"case {cases} ({kind}, {n} terms): cr_exact {got:016x} ({to_float(got)!r}), "
                  f"exact {want:016x} ({to_float(want)!r})")
            bad += 1
        cases += 1
    print(f"{cases} cases ({fsum_checked} sums also checked with math.fsum), {bad} disagreements")
    return 1 if bad or cases == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
