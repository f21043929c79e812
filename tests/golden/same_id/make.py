"""Writes the rows behind ids.json: seed.csv (the seed's schema) and five.csv
(five fields, two of them real-valued), with fractional sample weights and
rows that weigh 0. Every host trains them with ids.json's options and must
print ids.json's model id (tests/python, tests/node, tests/browser, the CLI
in tests/cli and callrisk.spark on 1, 3 and 8 partitions). Run once; the CSVs
are committed, so a change here shows as a change to them."""
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


def weight(r):
    return 0 if r.random() < 0.05 else round(r.uniform(0.1, 3), 3)


def seed_rows(r, n):
    yield "spam_reports,has_consent,call_attempts_24h,label,weight"
    for _ in range(n):
        reports, consent, attempts = min(r.randrange(9), r.randrange(9)), int(r.random() < 0.7), r.randrange(25)
        p = 1 / (1 + math.exp(-(-2.5 + 0.35 * reports + 1.2 * (1 - consent) + 0.06 * attempts)))
        yield "%d,%d,%d,%d,%s" % (reports, consent, attempts, int(r.random() < p), weight(r))


def five_rows(r, n):
    yield "call_attempts_24h,verified_business,has_consent,stir_attestation,tenure_log_days,label,weight"
    for _ in range(n):
        attempts, verified, consent = r.randrange(30), int(r.random() < 0.3), int(r.random() < 0.6)
        att, tenure = r.random(), r.uniform(-2, 9)
        z = -1.0 + 0.08 * attempts - 0.9 * verified + 1.1 * (1 - consent) - 1.5 * att - 0.2 * tenure
        yield "%d,%d,%d,%r,%r,%d,%s" % (attempts, verified, consent, att, tenure, int(r.random() < 1 / (1 + math.exp(-z))), weight(r))


if __name__ == "__main__":
    r = random.Random(20261126)
    for name, rows in (("seed.csv", seed_rows(r, 4000)), ("five.csv", five_rows(r, 3000))):
        with open(os.path.join(HERE, name), "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(rows) + "\n")
