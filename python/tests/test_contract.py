"""The Python host's side of tests/contract/cases.json: every bad option,
through train() (rows and CSV), and every bad request, through score(**fields),
score(mapping) and score_json(text), reports the code and field the file
names -- the core's, as every host does -- and the HTTP status of the ABI's
table. Where Python judged the value first (a str, None or bool for a count,
a missing field), the error is still the core's code and field."""
import json
import os

import pytest

from callrisk import CallriskError, Scorer, train

HERE = os.path.dirname(os.path.abspath(__file__))
CASES_PATH = os.environ.get("CALLRISK_CONTRACT") or os.path.join(HERE, "..", "..", "tests", "contract", "cases.json")
with open(CASES_PATH) as f:
    CASES = json.load(f)
ROWS = [
    {"spam_reports": 0, "has_consent": True, "call_attempts_24h": 1, "label": 0},
    {"spam_reports": 5, "has_consent": False, "call_attempts_24h": 9, "label": 1},
]
CSV = "spam_reports,has_consent,call_attempts_24h,label\n0,true,1,0\n5,false,9,1\n"


def label(case):
    return json.dumps(case.get("json", case.get("text")))[:60]


@pytest.fixture(scope="module")
def scorer():
    return Scorer()


@pytest.fixture(scope="module")
def http(scorer):
    return {s["name"]: s["http"] for s in scorer._m.abi.description["statuses"]}


def expect(info, case, http):
    e = info.value
    assert (e.code, e.field or "") == (case["code"], case["field"]), str(e)
    assert e.http_status == http[case["code"]]
    assert isinstance(e.status, int) and e.status > 0


def test_the_file_holds_the_cases():
    assert len(CASES["options"]) >= 20 and len(CASES["requests"]) >= 20


@pytest.mark.parametrize("case", CASES["options"], ids=label)
def test_every_bad_option_through_train(case, http):
    with pytest.raises(CallriskError) as info:
        train(ROWS, **case["json"])
    expect(info, case, http)
    with pytest.raises(CallriskError) as info:
        train({"csv": CSV}, **case["json"])
    expect(info, case, http)


@pytest.mark.parametrize("case", [c for c in CASES["requests"] if "json" in c], ids=label)
def test_every_bad_request_through_score(case, scorer, http):
    with pytest.raises(CallriskError) as info:
        scorer.score(**case["json"])
    expect(info, case, http)
    with pytest.raises(CallriskError) as info:
        scorer.score(case["json"])
    expect(info, case, http)
    with pytest.raises(CallriskError) as info:
        scorer.score_json(json.dumps(case["json"]))
    expect(info, case, http)


@pytest.mark.parametrize("case", [c for c in CASES["requests"] if "text" in c], ids=label)
def test_every_bad_request_text_through_score_json(case, scorer, http):
    for text in (case["text"], case["text"].encode()):
        with pytest.raises(CallriskError) as info:
            scorer.score_json(text)
        expect(info, case, http)


def test_the_good_options_and_requests_of_the_same_shapes_pass(scorer):
    # The contract's shapes, valid: what is refused above is refused for its value.
    assert train(ROWS, C=0.5, tol=1e-6, max_iter=50, fit_intercept=False, class_weight=[1, 2],
                 signs={"spam_reports": "nonneg"}, bands={"high": 80, "medium": 30}).bands == {"high": 80, "medium": 30}
    fields = {"spam_reports": 5, "has_consent": False, "call_attempts_24h": 10}
    assert scorer.score(**fields) == scorer.score(fields) == scorer.score_json(json.dumps(fields)) == scorer.score(5, False, 10)
