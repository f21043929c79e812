"""Issue 10 on the Python host: hostile callers and broken models give a
TypeError/ValueError naming the field or a CallriskError from the core, and
any result is finite and in range; never a crash, a hole or a wrong answer."""
import json
import math
import os
import random

import pytest

from callrisk import CallriskError, MemoryStore, Scorer, calculate_score, train

AT = 1764072000000


@pytest.fixture(scope="module")
def scorer():
    return Scorer()


def check_result(r, where):
    assert isinstance(r["score"], int) and 0 <= r["score"] <= 100, where
    assert math.isfinite(r["probability"]) and 0 <= r["probability"] <= 1, where
    assert r["score"] == math.trunc(r["probability"] * 100), where
    assert math.isfinite(r["logit"]) and math.isfinite(r["base_logit"]), where
    assert r["risk_level"] in ("LOW", "MEDIUM", "HIGH"), where
    assert all(math.isfinite(x["contribution"]) for x in r["reasons"]), where


@pytest.mark.parametrize("args, kwargs, exc, message", [
    ((True, False, 10), {}, TypeError, r"^spam_reports: must be a number, got bool"),
    ((5, False, True), {}, TypeError, r"^call_attempts_24h: must be a number, got bool"),
    (("5", False, 10), {}, TypeError, r"^spam_reports: must be a number, got str"),
    ((None, False, 10), {}, TypeError, r"^spam_reports: must be a number, got None"),
    ((float("nan"), False, 10), {}, ValueError, r"^spam_reports: must be a finite number"),
    ((5, False, float("inf")), {}, ValueError, r"^call_attempts_24h: must be a finite number"),
    ((1.5, False, 10), {}, TypeError, r"^spam_reports: must be an integer, got 1.5"),
    ((2**53 + 1, False, 10), {}, ValueError, r"^spam_reports: must be an integer <= 2\*\*53"),
    ((10**400, False, 10), {}, ValueError, r"^spam_reports: must be an integer <= 2\*\*53"),
    ((-1, False, 10), {}, ValueError, r"^spam_reports: must be an integer >= 0"),
    ((5, None, 10), {}, TypeError, r"^has_consent: must be a bool, got None"),
    ((5, 0, 10), {}, TypeError, r"^has_consent: must be a bool, got int"),
    ((5, "false", 10), {}, TypeError, r"^has_consent: must be a bool, got str"),
    ((5, False, 10, 11), {}, TypeError, r"^score takes 3 values"),
    ((5, False, 10), {"spam_reports": 1}, TypeError, r"^spam_reports: given twice"),
    ((5, False), {"call_attempts": 10}, TypeError, r"^call_attempts: unknown field"),
    ((5, False), {}, TypeError, r"^call_attempts_24h: required"),
])
def test_score_rejects_wrong_values_by_name(scorer, args, kwargs, exc, message):
    with pytest.raises(exc, match=message):
        scorer.score(*args, **kwargs)


def test_integral_floats_and_the_seed_contract(scorer):
    assert scorer.score(5.0, False, 10.0)["score"] == 99
    assert scorer.score(2**53, False, 2**53)["score"] == 100
    assert calculate_score(5, False, 10) == (99, "HIGH")
    with pytest.raises(TypeError, match="^spam_reports"):
        calculate_score(True, False, 10)


class CountingStore(MemoryStore):
    def __init__(self):
        super().__init__()
        self.asked = 0

    def count_attempts(self, caller_number, since_ms, until_ms):
        self.asked += 1
        return super().count_attempts(caller_number, since_ms, until_ms)


@pytest.mark.parametrize("call, exc, message", [
    (lambda s: s.score_caller("+1555", 5, False, at_ms=1.5), ValueError, r"^at_ms: must be a whole number"),
    (lambda s: s.score_caller("+1555", 5, False, at_ms=AT + 0.5), ValueError, r"^at_ms: must be a whole number"),
    (lambda s: s.score_caller("+1555", 5, False, at_ms=float("nan")), ValueError, r"^at_ms:"),
    (lambda s: s.score_caller("+1555", 5, False, at_ms=float("inf")), ValueError, r"^at_ms:"),
    (lambda s: s.score_caller("+1555", 5, False, at_ms=-1), ValueError, r"^at_ms: must be in 0..8.64e15"),
    (lambda s: s.score_caller("+1555", 5, False, at_ms=8_640_000_000_000_001), ValueError, r"^at_ms: must be in"),
    (lambda s: s.score_caller("+1555", 5, False, at_ms=10**30), ValueError, r"^at_ms: must be in"),
    (lambda s: s.score_caller("+1555", 5, False, at_ms="2026-11-25"), TypeError, r"^at_ms: must be an int"),
    (lambda s: s.score_caller("+1555", 5, False, at_ms=True), TypeError, r"^at_ms: must be an int"),
    (lambda s: s.score_caller("+1555", 5, False, AT), TypeError, r"^score_caller takes 2 values"),
    (lambda s: s.score_caller(15550001, 5, False, at_ms=AT), TypeError, r"^caller_number: must be a str"),
    (lambda s: s.score_caller("+1555", True, False, at_ms=AT), TypeError, r"^spam_reports: must be a number, got bool"),
    (lambda s: s.score_caller("+1555", 5, None, at_ms=AT), TypeError, r"^has_consent: must be a bool"),
    (lambda s: s.score_caller("+1555", 5, False, call_attempts_24h=3, at_ms=AT), TypeError, r"^call_attempts_24h: unknown field"),
])
def test_score_caller_rejects_before_the_store_is_asked(call, exc, message):
    store = CountingStore()
    s = Scorer(store=store)
    with pytest.raises(exc, match=message):
        call(s)
    assert store.asked == 0 and store.records == []


def test_score_caller_caller_and_time_rules_from_c():
    store = CountingStore()
    s = Scorer(store=store)
    for caller in ("", "+1\u00e9", "x" * 65):
        with pytest.raises(CallriskError) as info:
            s.score_caller(caller, 5, False, at_ms=AT)
        assert info.value.field == "caller_number" and info.value.code in ("CR_E_RANGE", "CR_E_TYPE")
    assert store.asked == 0 and store.records == []
    r = s.score_caller("+1555", 5, False, at_ms=float(AT))
    want = s.score(5, False, 0)["probability"]
    assert store.records[-1]["at"] == AT and r["probability"] == want
    assert s.score_caller(caller_number="+1555", spam_reports=5, has_consent=False, at_ms=AT)["probability"] == want


@pytest.mark.parametrize("answer", [True, 1.5, -1, "3", None, 2**53 + 1, float("nan")])
def test_a_store_count_that_is_not_a_count_is_a_store_failure(answer):
    class Bad(MemoryStore):
        def count_attempts(self, caller_number, since_ms, until_ms):
            return answer

    store = Bad()
    with pytest.raises(CallriskError) as info:
        Scorer(store=store).score_caller("+1555", 1, True, at_ms=AT)
    assert info.value.code == "CR_E_STORE"
    assert isinstance(info.value.__cause__, TypeError)
    assert store.records == []


def test_a_store_that_calls_back_into_the_scorer():
    """A store may score (or score a caller) from inside its answer: each
    operation keeps its own memory, store and failures."""
    outer_store = MemoryStore()
    s = Scorer(store=outer_store)
    inner = {}

    class Reentrant(MemoryStore):
        def count_attempts(self, caller_number, since_ms, until_ms):
            if caller_number == "+1000":
                inner["score"] = s.score(0, True, 1)
                inner["caller"] = s.score_caller("+2000", 0, True, at_ms=AT)
                return 10
            return 1

    s.store = Reentrant()
    r = s.score_caller("+1000", 5, False, at_ms=AT)
    assert (r["score"], r["risk_level"], r["call_attempts_24h"]) == (99, "HIGH", 10)
    assert (inner["caller"]["score"], inner["caller"]["call_attempts_24h"]) == (11, 1)
    assert inner["score"]["score"] == 11
    assert [rec["caller_number"] for rec in s.store.records] == ["+2000", "+1000"]
    assert outer_store.records == []


def test_constructor_arguments():
    for model in (5, [1, 2], object()):
        with pytest.raises(TypeError, match="^model: must be"):
            Scorer(model=model)
    with pytest.raises(TypeError, match="^store: must have"):
        Scorer(store=object())
    with pytest.raises(ValueError):
        Scorer(model={"coef": [float("nan")]})
    with pytest.raises(CallriskError) as info:
        Scorer(model="{\"format\":")
    assert info.value.code == "CR_E_JSON"


def test_model_json_round_trips(scorer):
    text = scorer.to_json()
    assert Scorer(model=text).model_id == scorer.model_id
    assert Scorer(model=json.loads(text)).model_id == scorer.model_id


def hostile_models(base):
    """Mutants of the default model's JSON, and a real-valued schema, with
    numbers scaled up to 1e308: each loads or is refused by the core."""
    rng = random.Random(20261125)
    scales = [-1, 10, 1e10, 1e100, 1e149, 1e150, 1e151, 1e300, 1e308]
    out = []
    for _ in range(24):
        j = json.loads(base)
        del j["id"]
        p = rng.choice([0.1, 0.4, 0.8])
        j["coef"] = [c * rng.choice(scales) if rng.random() < p else c for c in j["coef"]]
        if rng.random() < 0.3:
            j["intercept"] = rng.choice([-1, 1]) * rng.choice(scales[1:])
        if rng.random() < 0.2:
            j["baseline"] = [b * rng.choice(scales) for b in j["baseline"]]
        out.append(j)
    for a, b in ((1.0, -1.0), (1e150, -1e150), (1e308, -1e308), (1e-300, 1e149)):
        j = json.loads(base)
        del j["id"]
        j["fields"] = [{"name": "x", "type": "real"}, {"name": "y", "type": "real"}]
        j["features"] = [{"name": "x", "field": "x", "invert": False, "sign": "free"},
                         {"name": "y", "field": "y", "invert": False, "sign": "free"}]
        j["coef"], j["baseline"] = [a, b], [0.0, 0.0]
        out.append(j)
    return out


def test_hostile_models_refuse_or_score_finitely(scorer):
    rng = random.Random(7)
    loaded = refused = results = errors = 0
    for j in hostile_models(scorer.to_json()):
        try:
            s = Scorer(model=j)
        except CallriskError as e:
            assert e.code in ("CR_E_RANGE", "CR_E_NONFINITE"), e
            refused += 1
            continue
        loaded += 1
        for k in range(25):
            values = []
            for name, kind in s.fields:
                if kind == "bool":
                    values.append(rng.random() < 0.5)
                elif kind == "count":
                    values.append(rng.choice([0, 1, 7, 2**53, rng.randrange(2**53)]))
                else:
                    values.append(rng.choice([1, -1]) * rng.choice([0.0, 1e-300, 1.0, 1e100, 1e150, 1e151, 1e308, 10**400]))
            where = "%s %r" % (s.model_id[:8], values)
            try:
                r = s.score(*values)
            except (ValueError, CallriskError) as e:
                assert isinstance(e, ValueError) or e.code in ("CR_E_RANGE", "CR_E_NONFINITE"), where
                errors += 1
                continue
            check_result(r, where)
            results += 1
            if ("call_attempts_24h", "count") in s.fields and k < 3:
                rc = s.score_caller("+1555", *values[:2], at_ms=AT)
                check_result(rc, where)
                rec = s.store.records[-1]
                assert json.loads(json.dumps(rec, allow_nan=False)) == rec
    print("hostile models:", loaded, "loaded,", refused, "refused;", results, "results,", errors, "errors")
    assert loaded > 5 and refused > 5 and results > 100 and errors > 10, (loaded, refused, results, errors)


def test_no_minus_zero_reaches_the_store(scorer):
    # coefficient < 0 and the request at the baseline: w * (x - baseline) is
    # -0 in IEEE arithmetic; the core gives 0, which json.dumps and
    # JSON.stringify write back as they read it, so a stored record replays.
    j = json.loads(scorer.to_json())
    del j["id"]
    j["coef"][0], j["baseline"][0] = -1.0, 1.0
    store = MemoryStore()
    s = Scorer(model=j, store=store)
    r = s.score_caller("+1555", 1, True, at_ms=AT)
    c = {x["feature"]: x["contribution"] for x in store.records[0]["reasons"]}["spam_reports"]
    assert c == 0 and math.copysign(1.0, c) == 1.0
    assert math.copysign(1.0, {x["feature"]: x["contribution"] for x in r["reasons"]}["spam_reports"]) == 1.0
    assert "-0" not in json.dumps(store.records[0])


def test_a_size_past_size_t_is_refused_not_wrapped():
    """crw_alloc takes an i32: 2**32 + 16 bytes would be asked as 16."""
    m = Scorer()._m
    for n in (m.abi.size_max + 1, 2 ** 32 + 16, 2 ** 64):
        with pytest.raises(MemoryError, match="more than wasm memory holds"):
            m.malloc(n)
    m.free(m.malloc(16))


class RaisingFloat(float):
    def __new__(cls, x, exc=RuntimeError):
        self = super().__new__(cls, x)
        self.exc = exc
        return self

    def __float__(self):
        raise self.exc("float boom")


class RaisingInt(int):
    def __new__(cls, x, exc=RuntimeError):
        self = super().__new__(cls, x)
        self.exc = exc
        return self

    def __int__(self):
        raise self.exc("int boom")

    __float__ = __index__ = __int__


class RaisingRow(dict):
    """A row whose reading of `field` raises (its __getitem__), or with
    contains=True its __contains__ (as a Mapping's own, which reads the item)."""

    def __init__(self, values, field, exc=RuntimeError, contains=False):
        super().__init__(values)
        self.field, self.exc, self.contains = field, exc, contains

    def __getitem__(self, name):
        if name == self.field:
            raise self.exc("getitem boom")
        return super().__getitem__(name)

    def __contains__(self, name):
        if self.contains and name == self.field:
            raise self.exc("contains boom")
        return super().__contains__(name)


def check_reading_raised(info, field, line, raised):
    """A value whose reading raised: CR_E_TYPE naming the field (and row), what it raised as __cause__."""
    e = info.value
    where = "" if line is None else "row %d: " % line
    assert str(e) == "%s%s: reading it raised %s" % (where, field, raised)
    assert (type(e).__name__, e.code, e.field, e.line) == ("CallriskTypeError", "CR_E_TYPE", field, line)
    assert isinstance(e, TypeError) and type(e.__cause__) is RuntimeError and str(e.__cause__) in raised


def test_a_value_whose_reading_raises_is_a_type_error_naming_the_field(scorer):
    """score(): a float or int subclass whose conversion raises, a mapping
    whose __getitem__ raises: CR_E_TYPE naming the field, "reading it raised
    ...", as an option's (test_probe) -- not the bare exception."""
    with pytest.raises(CallriskError) as info:
        scorer.score(RaisingFloat(3), False, 1)
    check_reading_raised(info, "spam_reports", None, "RuntimeError: float boom")
    with pytest.raises(CallriskError) as info:
        scorer.score(spam_reports=3, has_consent=False, call_attempts_24h=RaisingInt(1))
    check_reading_raised(info, "call_attempts_24h", None, "RuntimeError: int boom")
    row = {"spam_reports": 1, "has_consent": True, "call_attempts_24h": 1}
    for field in row:
        with pytest.raises(CallriskError) as info:
            scorer.score(RaisingRow(row, field))
        check_reading_raised(info, field, None, "RuntimeError: getitem boom")
    # The first bad field in schema order, as the core reports: a bad value before the raising one is named.
    with pytest.raises(CallriskError) as info:
        scorer.score(RaisingRow(dict(row, spam_reports=-1), "call_attempts_24h"))
    assert (info.value.code, info.value.field) == ("CR_E_RANGE", "spam_reports")
    # score_caller's values too; and score_batch's rows and columns, with the row.
    with pytest.raises(CallriskError) as info:
        scorer.score_caller("+1555", RaisingFloat(2), True, at_ms=AT)
    check_reading_raised(info, "spam_reports", None, "RuntimeError: float boom")
    with pytest.raises(CallriskError, match=r"^at_ms: reading it raised RuntimeError: int boom$") as info:
        scorer.score_caller("+1555", 2, True, at_ms=RaisingInt(AT))
    assert (info.value.code, info.value.field, type(info.value.__cause__)) == ("CR_E_TYPE", "at", RuntimeError)
    for contains in (False, True):
        with pytest.raises(CallriskError) as info:
            scorer.score_batch([row, RaisingRow(row, "has_consent", contains=contains)])
        check_reading_raised(info, "has_consent", 2, "RuntimeError: %s boom" % ("contains" if contains else "getitem"))
    with pytest.raises(CallriskError) as info:
        scorer.score_batch({"spam_reports": [1, 2, RaisingInt(3)], "has_consent": [True] * 3, "call_attempts_24h": [1] * 3})
    check_reading_raised(info, "spam_reports", 3, "RuntimeError: int boom")
    assert scorer.score(**row) == scorer.score(1, True, 1)  # the scorer is as it was


def test_a_training_row_whose_reading_raises_is_a_type_error_naming_field_and_row():
    rows = [{"spam_reports": 0, "has_consent": True, "call_attempts_24h": 1, "label": 0},
            {"spam_reports": 5, "has_consent": False, "call_attempts_24h": 9, "label": 1}] * 3
    for field in ("spam_reports", "has_consent", "label", "weight"):
        for contains in (False, True):
            bad = [dict(r, weight=1.0) for r in rows]
            bad[3] = RaisingRow(bad[3], field, contains=contains)
            with pytest.raises(CallriskError) as info:
                train(bad)
            check_reading_raised(info, field, 4, "RuntimeError: %s boom" % ("contains" if contains else "getitem"))
    for field, value in (("call_attempts_24h", RaisingFloat(2)), ("label", RaisingInt(1)), ("weight", RaisingFloat(1))):
        bad = [dict(r, weight=1.0) for r in rows]
        bad[4] = dict(bad[4], **{field: value})
        with pytest.raises(CallriskError) as info:
            train(bad)
        check_reading_raised(info, field, 5, "RuntimeError: %s boom" % ("int" if isinstance(value, int) else "float"))
    assert train(rows).model_id == train([dict(r) for r in rows]).model_id


@pytest.mark.parametrize("exc", [KeyboardInterrupt, SystemExit, GeneratorExit])
def test_a_base_exception_reading_a_value_propagates_as_raised(scorer, exc):
    """KeyboardInterrupt, SystemExit, GeneratorExit raised reading a value are
    no value's error: they pass as raised, and the scorer stays usable."""
    row = {"spam_reports": 1, "has_consent": True, "call_attempts_24h": 1}
    rows = [dict(row, label=0), dict(row, spam_reports=5, label=1)]
    calls = [
        lambda: scorer.score(RaisingFloat(3, exc), False, 1),
        lambda: scorer.score(1, True, RaisingInt(1, exc)),
        lambda: scorer.score(RaisingRow(row, "has_consent", exc)),
        lambda: scorer.score_caller("+1555", 1, True, at_ms=RaisingInt(AT, exc)),
        lambda: scorer.score_batch([row, RaisingRow(row, "spam_reports", exc, contains=True)]),
        lambda: scorer.score_batch({"spam_reports": [1, RaisingInt(2, exc)], "has_consent": [True] * 2, "call_attempts_24h": [1] * 2}),
        lambda: train([rows[0], RaisingRow(rows[1], "spam_reports", exc)]),
        lambda: train([rows[0], RaisingRow(rows[1], "label", exc, contains=True)]),
        lambda: train([rows[0], dict(rows[1], label=RaisingInt(1, exc))]),
    ]
    for call in calls:
        with pytest.raises(exc) as info:
            call()
        assert type(info.value) is exc
    assert scorer.score(**row) == scorer.score(1, True, 1)
