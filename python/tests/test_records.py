"""The record is the core's bytes: save_score(record, text) gets the text the
core wrote, which replays (verify_record); a store whose save_score takes one
argument gets the record only. Any schema: score, score_json and score_caller
read the model's own fields, the store's count goes into the ABI's attempts
field, and a model without one is the core's CR_E_SCHEMA."""
import json

import pytest

from callrisk import CallriskError, CallriskTypeError, CallriskValueError, MemoryStore, Scorer, train

AT = 1764072000000


def test_the_store_gets_the_cores_text_byte_for_byte():
    store = MemoryStore()
    s = Scorer(store=store)
    store.record_attempt("+15550001", AT - 1000)
    r = s.score_caller("+15550001", 5, False, at_ms=AT)
    text = store.texts[0]
    assert isinstance(text, str) and json.loads(text) == store.records[0]
    # Canonical: no spaces, the core's key order, the shortest digits that
    # read back (Python's repr has the same digits; p is in [1e-4, 1)).
    assert text.startswith('{"caller_number":"+15550001","at":1764072000000,"inputs":{"spam_reports":5,')
    assert " " not in text and '"probability":%r,' % r["probability"] in text
    assert s.verify_record(text) is None and s.verify_record(text.encode()) is None
    tampered = text.replace('"score":%d' % r["score"], '"score":%d' % (r["score"] - 1))
    with pytest.raises(CallriskError) as info:
        s.verify_record(tampered)
    assert (info.value.code, info.value.field, info.value.http_status) == ("CR_E_MISMATCH", "score", 409)
    with pytest.raises(CallriskError) as info:
        Scorer(model=train([{"spam_reports": 0, "has_consent": True, "call_attempts_24h": 1, "label": 0},
                            {"spam_reports": 5, "has_consent": False, "call_attempts_24h": 9, "label": 1}]).to_bytes()).verify_record(text)
    assert (info.value.code, info.value.field) == ("CR_E_MISMATCH", "model_id")


def test_a_store_is_called_by_the_arguments_it_takes():
    calls = []

    class RecordOnly:
        def count_attempts(self, caller_number, since_ms, until_ms):
            return 1

        def save_score(self, record):
            calls.append(("one", record))

    class WithText(RecordOnly):
        def save_score(self, record, text):
            calls.append(("two", record, text))

    class Variadic(RecordOnly):
        def save_score(self, *args):
            calls.append(("var",) + args)

    class KeywordText(RecordOnly):
        def save_score(self, record, *, text=None):
            calls.append(("kw", record, text))

    for store in (RecordOnly(), WithText(), Variadic(), KeywordText()):
        Scorer(store=store).score_caller("+1", 1, True, at_ms=AT)
    kinds = [c[0] for c in calls]
    assert kinds == ["one", "two", "var", "kw"]
    assert calls[1][2] == calls[2][2] and json.loads(calls[1][2]) == calls[1][1] == calls[0][1]
    assert calls[3][2] is None  # text is passed by position only


def test_a_memory_store_subclass_that_passes_the_record_only():
    class Old(MemoryStore):
        def save_score(self, record):
            super().save_score(record)

    store = Old()
    Scorer(store=store).score_caller("+1", 1, True, at_ms=AT)
    assert len(store.records) == 1 and store.texts == [None]


SCHEMA = {
    "fields": [{"name": "ratio", "type": "real"}, {"name": "call_attempts_24h", "type": "count"},
               {"name": "verified", "type": "bool"}],
    "features": [{"name": "ratio", "field": "ratio"}, {"name": "call_attempts_24h", "field": "call_attempts_24h"},
                 {"name": "unverified", "field": "verified", "invert": True}],
}
ROWS = [{"ratio": r / 4 - 1, "call_attempts_24h": r, "verified": r % 3 == 0, "label": int(r > 4)} for r in range(10)]


def test_score_caller_counts_into_the_models_attempts_field():
    store = MemoryStore()
    s = train(ROWS, SCHEMA, store=store)
    for hours in (1, 2, 30):
        store.record_attempt("+1", AT - hours * 3600e3)
    r = s.score_caller("+1", 0.5, True, at_ms=AT)
    assert r["call_attempts_24h"] == 2
    assert r["probability"] == s.score(ratio=0.5, call_attempts_24h=2, verified=True)["probability"]
    assert s.score_caller("+1", ratio=0.5, verified=True, at_ms=AT)["probability"] == r["probability"]
    assert store.records[0]["inputs"] == {"ratio": 0.5, "call_attempts_24h": 2, "verified": True}
    with pytest.raises(CallriskTypeError, match="^score_caller takes 2 values"):
        s.score_caller("+1", 0.5, 2, True, at_ms=AT)


def test_a_model_without_the_attempts_field_is_the_cores_schema_error():
    schema = {"fields": [{"name": "x", "type": "real"}], "features": [{"name": "x", "field": "x"}]}
    s = train([{"x": -1.0, "label": 0}, {"x": 1.0, "label": 1}], schema)
    assert s.score(0.25)["score"] == s.score({"x": 0.25})["score"] == s.score_json('{"x": 0.25}')["score"]
    with pytest.raises(CallriskError) as info:
        s.score_caller("+1", 0.25, at_ms=AT)
    assert (info.value.code, info.value.field) == ("CR_E_SCHEMA", "call_attempts_24h")
    assert s.store.records == []


def test_score_forms_and_the_first_bad_field():
    s = Scorer()
    # One mapping is a request: keys that are no field are ignored, as by the core.
    assert s.score({"spam_reports": 5, "has_consent": False, "call_attempts_24h": 10, "note": "x"})["score"] == 99
    with pytest.raises(CallriskTypeError, match="^note: unknown field"):
        s.score(spam_reports=5, has_consent=False, call_attempts_24h=10, note="x")
    # The core judges in schema order: a value it refuses before one Python refuses.
    with pytest.raises(CallriskValueError) as info:
        s.score(-1, "x", 1)
    assert (info.value.code, info.value.field) == ("CR_E_RANGE", "spam_reports")
    with pytest.raises(CallriskTypeError) as info:
        s.score(1.5, False)
    assert (info.value.code, info.value.field) == ("CR_E_TYPE", "spam_reports")
    with pytest.raises(CallriskTypeError) as info:
        s.score({"spam_reports": 1, "has_consent": None})
    assert (info.value.code, info.value.field) == ("CR_E_TYPE", "has_consent")
    with pytest.raises(CallriskTypeError) as info:
        s.score_json(5)
    assert info.value.code == "CR_E_TYPE"
    with pytest.raises(CallriskValueError) as info:
        s.score_json('{"spam_reports": "\ud800"}')
    assert info.value.code == "CR_E_JSON"
