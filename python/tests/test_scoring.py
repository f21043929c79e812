"""The Python host: the seed's tests through callrisk.wasm under wasmtime,
and the golden bits that the native library and the npm package also hold."""
import hashlib
import os
import struct

import pytest

from callrisk import CallriskError, MemoryStore, Scorer, calculate_score

GOLDEN = os.environ.get("CALLRISK_GOLDEN") or os.path.join(os.path.dirname(__file__), "..", "..", "tests", "golden", "default_model.txt")
# The grid of tests/c/test_golden.c and tests/js/suite.js.
SPAM = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20, 50, 100, 1000]
ATTEMPTS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20, 30, 40, 100, 1000, 100000]


def golden(key):
    with open(GOLDEN) as f:
        for line in f:
            if line.startswith(key + " "):
                return line[len(key) + 1:].strip()
    raise KeyError(key)


def bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


@pytest.fixture(scope="module")
def scorer():
    return Scorer()


# The seed's ai-service/tests/test_scoring.py, unchanged in spirit.
def test_high_risk():
    score, risk = calculate_score(5, False, 10)
    assert risk == "HIGH"
    assert score == 99


def test_low_risk():
    score, risk = calculate_score(0, True, 1)
    assert risk == "LOW"
    assert score == 11


def test_golden_bits(scorer):
    assert scorer.model_id == golden("model_id")
    coef = " ".join("0x%016x" % bits(v) for v in scorer.coefficients + [scorer.intercept])
    assert coef == golden("coef_intercept_bits")
    hi = scorer.score(5, False, 10)
    assert "%d %s 0x%016x" % (hi["score"], hi["risk_level"], bits(hi["probability"])) == golden("case_5_false_10")
    h = hashlib.sha256()
    for spam in SPAM:
        for consent in (False, True):
            for attempts in ATTEMPTS:
                r = scorer.score(spam, consent, attempts)
                vals = [r["score"], bits(r["probability"]), bits(r["logit"])]
                for reason in r["reasons"]:
                    vals += [scorer.features.index(reason["feature"]), bits(reason["contribution"])]
                h.update(struct.pack("<%dQ" % len(vals), *vals))
    assert h.hexdigest() == golden("grid_sha256")


def test_reasons_and_named_fields(scorer):
    r = scorer.score(spam_reports=5, has_consent=False, call_attempts_24h=10)
    assert [x["feature"] for x in r["reasons"]] == ["call_attempts_24h", "spam_reports", "no_consent"]
    assert abs(r["base_logit"] + sum(x["contribution"] for x in r["reasons"]) - r["logit"]) < 1e-12


def test_bad_input_names_the_field(scorer):
    with pytest.raises(ValueError, match="^spam_reports: must be an integer >= 0"):
        scorer.score(-1, True, 1)
    with pytest.raises(TypeError, match="^has_consent: must be a bool"):
        scorer.score(1, 1, 1)
    with pytest.raises(TypeError, match="^call_attempts_24h: must be an integer"):
        scorer.score(1, True, 1.5)
    with pytest.raises(TypeError, match="^call_attempts_24h: required"):
        scorer.score(1, True)


def test_score_caller_counts_and_persists():
    store = MemoryStore()
    s = Scorer(store=store)
    at = 1764072000000
    for hours in (1, 2, 3, 25):
        store.record_attempt("+15550001", at - hours * 3600e3)
    r = s.score_caller("+15550001", 5, False, at_ms=at)
    assert r["call_attempts_24h"] == 3
    assert len(store.records) == 1
    rec = store.records[0]
    assert rec["caller_number"] == "+15550001" and rec["at"] == at
    assert rec["inputs"] == {"spam_reports": 5, "has_consent": False, "call_attempts_24h": 3}
    assert rec["model_id"] == s.model_id and rec["probability"] == r["probability"]


def test_failing_store_is_reported():
    class Broken(MemoryStore):
        def save_score(self, record):
            raise IOError("disk full")

    s = Scorer(store=Broken())
    with pytest.raises(CallriskError) as info:
        s.score_caller("+1555", 1, True, at_ms=1764072000000)
    assert info.value.code == "CR_E_STORE"
    assert isinstance(info.value.__cause__, IOError)
    with pytest.raises(CallriskError) as info:
        Scorer(model=b"not a model")
    assert info.value.code == "CR_E_MAGIC"


def test_saved_model_round_trips(scorer, tmp_path):
    import subprocess
    root = os.path.join(os.path.dirname(__file__), "..", "..")
    cli = os.path.join(root, "build", "native", "callrisk")
    if not os.path.exists(cli):
        pytest.skip("native CLI not built")
    out = tmp_path / "m.crm"
    subprocess.run([cli, "train", "--csv", os.path.join(root, "tests", "cli", "data", "train.csv"), "--out", str(out)],
                   check=True, capture_output=True)
    s = Scorer(model=out.read_bytes())
    assert s.model_id == hashlib.sha256(out.read_bytes()).hexdigest()


@pytest.mark.skipif(not os.environ.get("CALLRISK_INSTALLED"), reason="only for the installed wheel")
def test_installed_package_is_self_contained():
    import callrisk

    assert "site-packages" in callrisk.__file__
    assert callrisk.default_wasm_path() == os.path.join(os.path.dirname(callrisk.__file__), "callrisk.wasm")
