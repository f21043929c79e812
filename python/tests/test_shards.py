"""callrisk._shards, the core's shard API in one process (the Spark-free
half of callrisk.spark.train): rows split into 1, 3 and 8 parts -- as
mappings, Arrow tables, pandas DataFrames, NumPy or list columns -- give
train()'s model: the same bytes and id, its card (evidence included) the
same, the coefficients bit for bit; merged answers are the same bytes in
any order and grouping; every refusal is the core's error with its code
and field."""
import json
import math
from decimal import Decimal
import random

import pytest

from callrisk import CallriskError, CallriskTypeError, CallriskValueError, train
from callrisk._shards import Shards
from support import bits

FIVE = {
    "fields": [{"name": "attempts", "type": "count"}, {"name": "verified", "type": "bool"},
               {"name": "consent", "type": "bool"}, {"name": "stir", "type": "real"}, {"name": "tenure", "type": "real"}],
    "features": [{"name": "attempts", "field": "attempts"}, {"name": "verified", "field": "verified"},
                 {"name": "no_consent", "field": "consent", "invert": True}, {"name": "stir", "field": "stir"},
                 {"name": "tenure", "field": "tenure"}],
}


def seed_rows(n, seed, weights=True):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        r = {"spam_reports": rng.randrange(12), "has_consent": rng.random() < 0.5, "call_attempts_24h": rng.randrange(20)}
        r["label"] = int(rng.random() < (r["spam_reports"] + r["call_attempts_24h"] / 2 + 3 * (not r["has_consent"])) / 20)
        if weights:
            r["weight"] = 0.0 if i % 40 == 0 else rng.random() * 2
        rows.append(r)
    return rows


def five_rows(n, seed):
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        r = {"attempts": rng.randrange(30), "verified": rng.random() < 0.3, "consent": rng.random() < 0.6,
             "stir": rng.random(), "tenure": math.log1p(rng.random() * 3650)}
        z = 0.15 * r["attempts"] - 1.2 * r["verified"] + 0.9 * (not r["consent"]) - 1.5 * r["stir"] - 0.2 * r["tenure"]
        r["label"] = int(rng.random() < 1 / (1 + math.exp(-z)))
        r["weight"] = rng.choice([0.5, 1.0, 2.0, 1 / 3])
        rows.append(r)
    return rows


OPTIONS = [
    {},
    {"C": 0.5, "class_weight": "balanced"},
    {"holdout": {"fraction": 0.25, "method": "hash", "seed": 3}, "class_weight": {"0": 1, "1": 3}},
    {"holdout": {"fraction": 0.3, "method": "hash", "seed": 9}, "fit_intercept": False, "bands": {"high": 80}},
]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: json.dumps(o))
@pytest.mark.parametrize("schema", ["seed", "five"])
def test_parts_give_trains_model_bit_for_bit(schema, options):
    rows, s = (seed_rows(3000, 1), None) if schema == "seed" else (five_rows(3000, 2), FIVE)
    want = train(rows, s, **options)
    assert want.card()["evidence"]["train"]["auc"] > 0.5
    sh = Shards(s, **options)
    rng = random.Random(5)
    for k in (1, 3, 8):
        parts = [[] for _ in range(k)]
        for r in rows:
            parts[rng.randrange(k)].append(r)
        got = sh.train(parts)
        assert got.card() == want.card() and bits(got) == bits(want), k
        assert got.stats == want.stats and got.model_id == want.model_id and got.to_bytes() == want.to_bytes(), k


def test_columns_of_every_form_train_alike():
    np = pytest.importorskip("numpy")
    pa = pytest.importorskip("pyarrow")
    pd = pytest.importorskip("pandas")
    rows = seed_rows(2000, 4)
    sh = Shards(class_weight="balanced")
    want = sh.train([rows])
    names = list(rows[0])
    table = pa.Table.from_pylist(rows)
    forms = {
        "arrow": [table.slice(0, 700), table.slice(700)],
        "arrow, labels as bools and a chunked column": [table.set_column(names.index("label"), "label",
                                                                       pa.chunked_array([pa.array([bool(r["label"]) for r in rows])]))],
        "pandas": [pd.DataFrame(rows[:1000]), pd.DataFrame(rows[1000:])],
        "arrow, labels as decimals": [table.set_column(names.index("label"), "label",
                                                       pa.array([Decimal(r["label"]) for r in rows], pa.decimal128(5, 2)))],
        "lists": [{n: [r[n] for r in rows] for n in names}],
        "numpy, labels as floats": [dict({n: np.array([r[n] for r in rows]) for n in names},
                                         label=np.array([float(r["label"]) for r in rows]))],
    }
    for form, parts in forms.items():
        got = sh.train(parts)
        assert got.model_id == want.model_id, form
    # Without the weight column every row weighs 1, as rows without "weight".
    unweighted = [{k: v for k, v in r.items() if k != "weight"} for r in rows]
    assert sh.train([table.drop_columns(["weight"])]).model_id == sh.train([unweighted]).model_id
    # The core's column names: the options label_column and weight_column.
    named = Shards(class_weight="balanced", label_column="is_spam", weight_column="w")
    renamed = table.rename_columns([{"label": "is_spam", "weight": "w"}.get(n, n) for n in names])
    assert named.train([renamed]).model_id == want.model_id


def test_the_driver_loop_by_hand_and_merges_in_any_order():
    rows = five_rows(1500, 7)
    options = {"holdout": {"fraction": 0.2, "method": "hash", "seed": 1}, "C": 2.0}
    sh = Shards(FIVE, **options)
    parts = [sh.dataset(rows[i::3]) for i in range(3)]
    assert [p.rows for p in parts] == [500, 500, 500]
    parts[2].add(five_rows(10, 8))
    censuses = [sh.census(p) for p in parts]
    merged = sh.merge(censuses)
    assert sh.merge(reversed(censuses)) == merged == sh.merge([sh.merge(censuses[1:]), censuses[0]])
    with sh.fit(merged) as fit:
        while not fit.done:
            q = fit.question()
            answers = [sh.answer(p, q) for p in parts]
            assert sh.merge(answers[::-1]) == sh.merge([answers[0], sh.merge(answers[1:])])
            fit.feed(sh.merge(answers))
        model = fit.model()
        with pytest.raises(CallriskError) as e:
            fit.question()
        assert e.value.code == "CR_E_STATE"
    want = train(rows + five_rows(10, 8), FIVE, **options)
    assert model.card() == want.card() and bits(model) == bits(want) and model.model_id == want.model_id
    for p in parts:
        p.close()


def test_refusals():
    rows = seed_rows(200, 3)
    sh = Shards(holdout={"fraction": 0.2, "method": "order"})
    with pytest.raises(CallriskTypeError) as e:
        sh.census(rows)
    assert (e.value.code, e.value.field) == ("CR_E_ARG", "holdout")
    with pytest.raises(CallriskTypeError) as e:
        Shards(holdout={"fraction": 0.2, "method": "hash"}, calibration="sigmoid")
    assert (e.value.code, e.value.field) == ("CR_E_ARG", "calibration")
    with pytest.raises(CallriskError) as e:
        Shards(C=0)
    assert (e.value.code, e.value.field) == ("CR_E_RANGE", "C")
    with pytest.raises(CallriskError) as e:
        Shards(nonsense=1)
    assert (e.value.code, e.value.field) == ("CR_E_ARG", "nonsense")
    sh = Shards()
    census = sh.census(rows)
    with pytest.raises(CallriskTypeError) as e:
        sh.merge([])
    assert e.value.code == "CR_E_ARG"
    with pytest.raises(CallriskError) as e:
        sh.merge([census, b"CRS1 and more"])
    assert e.value.code == "CR_E_MAGIC"
    with pytest.raises(CallriskTypeError) as e:
        sh.merge(["text"])
    assert e.value.code == "CR_E_TYPE"
    with pytest.raises(CallriskError) as e:
        sh.fit(sh.census([]))
    assert e.value.code == "CR_E_DATA" and "no rows" in str(e.value)
    with sh.fit(census) as fit:
        with pytest.raises(CallriskError) as e:
            fit.feed(census)  # a census for the summary
        assert e.value.code == "CR_E_STATE"
        with pytest.raises(CallriskError) as e:
            fit.model()
        assert e.value.code == "CR_E_STATE"
        answer = sh.answer(rows, fit.question())
        with pytest.raises(CallriskError) as e:
            sh.merge([census, answer])
        assert e.value.code == "CR_E_STATE"
        with pytest.raises(CallriskError) as e:
            sh.fit(answer)
        assert e.value.code == "CR_E_STATE"
        with pytest.raises(CallriskError) as e:
            Shards(FIVE).answer(five_rows(5, 1), fit.question())  # another schema's question
        assert e.value.code == "CR_E_MAGIC"
    with pytest.raises(CallriskTypeError) as e:
        sh.census(Shards().dataset(rows))
    assert e.value.code == "CR_E_ARG"


def test_bad_columns_name_the_field_and_row():
    pa = pytest.importorskip("pyarrow")
    sh = Shards()
    base = {"spam_reports": [1, 2, 3], "has_consent": [True, False, True], "call_attempts_24h": [1, 1, 1], "label": [0, 1, 0]}

    def refused(cls, **changed):
        with pytest.raises(cls) as e:
            sh.census(dict(base, **changed))
        return e.value.code, e.value.field, e.value.line

    assert refused(CallriskValueError, spam_reports=[1, -1, 3]) == ("CR_E_RANGE", "spam_reports", 2)
    assert refused(CallriskValueError, label=[0, 1, 2]) == ("CR_E_RANGE", "label", 3)
    assert refused(CallriskTypeError, label=[0, 0.5, 1]) == ("CR_E_TYPE", "label", 2)
    assert refused(CallriskTypeError, label=[0, None, 1]) == ("CR_E_TYPE", "label", 2)
    assert refused(CallriskValueError, label=[0, 256, 1]) == ("CR_E_RANGE", "label", 2)
    assert refused(CallriskValueError, label=pa.array([0, 1, 7])) == ("CR_E_RANGE", "label", 3)
    assert refused(CallriskTypeError, label=pa.array([0, None, 1])) == ("CR_E_TYPE", "label", 2)
    assert refused(CallriskTypeError, label=pa.array([0.0, 1.0, float("nan")])) == ("CR_E_TYPE", "label", 3)
    assert refused(CallriskTypeError, label=pa.array([Decimal("0"), Decimal("1.0"), Decimal("0.5")], pa.decimal128(3, 1))) == ("CR_E_TYPE", "label", 3)
    assert refused(CallriskTypeError, label="010") == ("CR_E_TYPE", "label", None)
    assert refused(CallriskValueError, weight=[1.0, -1.0, 1.0]) == ("CR_E_RANGE", "weight", 2)
    assert refused(CallriskTypeError, weight=[1.0, True, 1.0]) == ("CR_E_TYPE", "weight", 2)
    assert refused(CallriskTypeError, weight=[1.0, 1.0]) == ("CR_E_ARG", "weight", None)
    assert refused(CallriskTypeError, label=[0, 1]) == ("CR_E_ARG", "label", None)
    with pytest.raises(CallriskTypeError) as e:
        sh.census({k: v for k, v in base.items() if k != "label"})
    assert (e.value.code, e.value.field) == ("CR_E_MISSING", "label")
    with pytest.raises(CallriskTypeError) as e:
        sh.census(42)
    assert e.value.code == "CR_E_ARG"


def test_addresses_past_2_gib():
    """wasmtime gives an i32 as a signed int: a block past 2 GiB came back
    negative and was read and written from the end of memory, so a shard's
    answer saved there did not load ('not a shard's statistics'). With the
    instance's first 2.2 GB taken, the parts still train to train()'s model."""
    from callrisk import _load, _schema_text
    from callrisk._convert import options_json

    m = _load(None)
    held = [m.malloc(1_100_000_000) for _ in range(2)]
    p = m.malloc(64)
    assert p >= 2**31, p
    m.write(p, b"hello")
    assert m.read(p, 5) == b"hello"
    rows = [{"spam_reports": i % 7, "has_consent": i % 3 != 0, "call_attempts_24h": i % 11, "label": (i % 7) * (i % 3) > 6} for i in range(300)]
    options = {"holdout": {"fraction": 0.2, "method": "hash"}}
    sh = Shards._on(m, _schema_text(m.abi, None), options_json(m.abi, options).encode())
    try:
        got = sh.train([rows[:100], rows[100:]])
    finally:
        sh.close()
    want = train(rows, **options)
    assert got.model_id == want.model_id
    for q in held + [p]:
        m.free(q)


def test_a_closed_shards_leaves_its_data_sets_and_fits_usable():
    """close() freed the scratch memory its open fits and data sets write
    their errors and outputs to: the next allocation in the instance took
    it, and a fit's question() and feed() wrote into it. Now the memory
    goes with the last of them, and what is closed says CR_E_STATE."""
    rows = seed_rows(600, 11)
    want = train(rows)
    sh = Shards()
    m = sh._m
    kept = sh.dataset(rows[:300])
    fit = sh.fit(sh.census(rows))
    sh.close()
    other = m.malloc(4096)  # another's memory in the same instance
    m.write(other, b"\xaa" * 4096)
    kept.add(rows[300:])  # still usable
    assert kept.rows == 600
    fit.question()
    with pytest.raises(CallriskError) as e:
        fit.feed(b"CRS2 not a shard")  # its error written where the scratch was
    assert e.value.code == "CR_E_MAGIC"
    workers = Shards()  # the answers come as bytes, from elsewhere
    parts = [workers.dataset(rows[:200]), workers.dataset(rows[200:])]
    while not fit.done:
        q = fit.question()
        fit.feed(workers.merge(workers.answer(p, q) for p in parts))
    assert fit.model().model_id == want.model_id
    assert m.read(other, 4096) == b"\xaa" * 4096
    for call in (lambda: sh.dataset(rows), lambda: sh.census(kept), lambda: sh.merge([b""])):
        with pytest.raises(CallriskValueError) as e:
            call()
        assert e.value.code == "CR_E_STATE" and "Shards: closed" in str(e.value)
    assert sh._mem
    fit.close()
    assert sh._mem
    kept.close()
    assert not sh._mem and not sh._schema  # freed with the last
    with pytest.raises(CallriskValueError) as e:
        fit.question()
    assert e.value.code == "CR_E_STATE" and "Fit: closed" in str(e.value)
    with pytest.raises(CallriskValueError) as e:
        kept.rows
    assert e.value.code == "CR_E_STATE" and "Dataset: closed" in str(e.value)
    with Shards() as sh:
        assert sh.train([rows]).model_id == want.model_id
    assert not sh._mem


def test_feed_takes_one_answer_per_question():
    """feed() before question() and the same answers fed twice were taken:
    the fit moved on with the answers to a point it had not asked about,
    and the model was not train()'s. Now both are CR_E_STATE, and the fit
    goes on as if they had not been fed."""
    rows = seed_rows(500, 12)
    want = train(rows)
    sh = Shards()
    parts = [sh.dataset(rows[:250]), sh.dataset(rows[250:])]
    with sh.fit(sh.merge(sh.census(p) for p in parts)) as fit:
        while not fit.done:
            if fit.passes == 0:
                with pytest.raises(CallriskValueError) as e:
                    fit.feed(sh.census(parts[0]))  # before any question
                assert e.value.code == "CR_E_STATE" and "no question asked" in str(e.value)
            q = fit.question()
            answer = sh.merge(sh.answer(p, q) for p in parts)
            fit.feed(answer)
            if fit.passes == 2:
                with pytest.raises(CallriskValueError) as e:
                    fit.feed(answer)  # the first point's answers, again
                assert e.value.code == "CR_E_STATE"
        assert fit.passes >= 6
        model = fit.model()
    assert model.model_id == want.model_id


def test_a_failed_feed_leaves_the_fit_as_it_was():
    """A fit the core failed in feed() once went on with the next answers
    fed; then the host ended it (CR_E_STATE from then on). cr_fit_feed is
    all or nothing, so the fit is as it was: answers of other rows than the
    census's (here: the label-1 rows weighing nothing) are CR_E_DATA, and the
    same question, answered from the right rows, goes on to train()'s model.
    Another pass's answers are refused (CR_E_STATE) the same way."""
    rows = seed_rows(400, 13)
    weightless = [dict(r, weight=0.0 if r["label"] else r["weight"]) for r in rows]
    sh = Shards()
    good, bad = sh.dataset(rows), sh.dataset(weightless)
    with sh.fit(sh.census(good)) as fit:
        while not fit.done:
            q = fit.question()
            if fit.passes in (0, 3):
                with pytest.raises(CallriskError) as e:
                    fit.feed(sh.census(good))  # another pass's answers
                assert e.value.code == "CR_E_STATE"
                with pytest.raises(CallriskError) as e:
                    fit.feed(sh.answer(bad, q))  # the same rows weighed otherwise: not the census's
                assert e.value.code == "CR_E_DATA" and "(other rows)" in str(e.value)
            assert fit.question() == q and not fit.done
            fit.feed(sh.answer(good, q))
        assert fit.model().model_id == train(rows).model_id


def test_a_half_done_add_leaves_no_data_set_to_train_on():
    """Dataset.add() of rows with a bad one past the first batch left the
    rows before it in, and census() took the data set: a model of some of
    the rows, or of some twice once the rows were added again. Now the data
    set refuses census(), answer() and add() (CR_E_STATE); an add() that
    failed before any row went in leaves it usable."""
    rows = seed_rows(3000, 14)
    sh = Shards()
    ds = sh.dataset(rows[:100])
    bad = [dict(r) for r in rows[100:]]
    bad[2500]["spam_reports"] = -1
    with pytest.raises(CallriskValueError) as e:
        ds.add(bad)
    assert (e.value.code, e.value.field, e.value.line) == ("CR_E_RANGE", "spam_reports", 2501)
    assert ds.rows > 100  # the batches before the bad one went in
    for call in (lambda: sh.census(ds), lambda: sh.answer(ds, b"CRQ1"), lambda: ds.add(rows[:1])):
        with pytest.raises(CallriskValueError) as e:
            call()
        assert e.value.code == "CR_E_STATE" and "make it anew" in str(e.value) and "CR_E_RANGE" in str(e.value)
    ds.close()
    with sh.dataset(rows[:100]) as ds:
        with pytest.raises(CallriskValueError):
            ds.add(bad[2500:])  # the first batch: nothing went in
        assert ds.rows == 100
        ds.add(rows[100:])
        assert sh.train([ds]).model_id == train(rows).model_id


def test_no_parts_are_no_rows():
    """Shards.train([]) said CR_E_ARG 'shards: none to merge'; train([]) and
    callrisk.spark.train of no partitions say CR_E_DATA, no rows."""
    with pytest.raises(CallriskError) as e:
        Shards().train([])
    assert e.value.code == "CR_E_DATA" and "no rows" in str(e.value)
