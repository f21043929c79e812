"""The hostile-user probe on the Python host: text that is not Unicode, huge
ints echoed in full, and a store raising KeyboardInterrupt (or any
BaseException) that leaked the op in the wasm module."""
import json
import os

import pytest

from callrisk import CallriskError, MemoryStore, Scorer

AT = 1764072000000


@pytest.fixture(scope="module")
def scorer():
    return Scorer()


def test_text_that_is_not_unicode_is_a_value_error_naming_the_argument(scorer):
    # Before: a bare UnicodeEncodeError ('utf-8' codec can't encode character '\ud800').
    with pytest.raises(ValueError, match=r"^caller_number: not valid Unicode text \(surrogates not allowed at index 2\)$") as info:
        scorer.score_caller("+1\ud800", 5, False, at_ms=AT)
    # A ValueError, never the bare UnicodeEncodeError; it carries the core's code and field for the caller.
    assert isinstance(info.value, ValueError) and not isinstance(info.value, UnicodeError)
    assert (info.value.code, info.value.field) == ("CR_E_TYPE", "caller_number")
    with pytest.raises(ValueError, match=r"^model: not valid Unicode text"):
        Scorer(model='{"format": "callrisk-model\udc80"}')
    with pytest.raises(ValueError, match=r"^wasm_path: not a file name this system can encode: \\ud800x$"):
        Scorer(wasm_path="\ud800x")
    with pytest.raises(TypeError, match=r"^wasm_path: must be a path, got int$"):
        Scorer(wasm_path=3)
    # A name that is no field, shown printable and cut short.
    with pytest.raises(TypeError) as info:
        scorer.score(5, False, **{"\ud800" + "x" * 100: 1})
    message = str(info.value)
    message.encode()  # printable: no lone surrogate
    assert message.startswith("\\ud800xxx") and "unknown field" in message and len(message) < 150


def test_a_dict_model_that_is_not_json_names_model_and_the_place():
    seed = json.loads(Scorer().to_json())
    with pytest.raises(ValueError, match=r"^model at intercept: NaN is not JSON$") as info:
        Scorer(model=dict(seed, intercept=float("nan")))
    assert (info.value.code, info.value.field) == ("CR_E_NONFINITE", "intercept")
    with pytest.raises(ValueError, match=r"^model at coef\[1\]: NaN is not JSON$") as info:
        Scorer(model=dict(seed, coef=[0.5, float("nan"), 0.1]))
    assert info.value.field == "coef[1]"
    # An infinity goes to the core as a number past the doubles: its own error.
    with pytest.raises(ValueError) as info:
        Scorer(model=dict(seed, intercept=float("-inf")))
    assert (info.value.code, info.value.field) == ("CR_E_NONFINITE", "intercept")
    with pytest.raises(TypeError, match=r"^model at coef: a set is not JSON$"):
        Scorer(model={"coef": {1, 2}})
    cyclic = {}
    cyclic["self"] = cyclic
    with pytest.raises(TypeError, match=r"^model at self: a value that contains itself is not JSON$"):
        Scorer(model=cyclic)
    # The core reads JSON nested 64 deep; deeper is refused before Python's recursion limit.
    deep = []
    for _ in range(100000):
        deep = [deep]
    with pytest.raises(ValueError, match=r"^model: nested deeper than 64 arrays and objects$") as info:
        Scorer(model={"coef": deep})
    assert info.value.code == "CR_E_JSON"
    deep = []
    for _ in range(61):  # 62 lists in coef in a dict: 64 deep
        deep = [deep]
    with pytest.raises(TypeError) as info:   # 64 deep is read: the core's own error about the model
        Scorer(model=dict(seed, coef=[deep, 0, 0]))
    assert (info.value.code, info.value.field) == ("CR_E_TYPE", "coef") and "nested" not in str(info.value)
    assert Scorer(model=seed).model_id == Scorer().model_id
    # Text JSON cannot carry (a lone surrogate) is refused at its place, in a value or a key.
    fields = [dict(f) for f in seed["fields"]]
    fields[0]["name"] = "a\ud800"
    with pytest.raises(ValueError, match=r"^model at fields\[0\]\.name: not valid Unicode text") as info:
        Scorer(model=dict(seed, fields=fields))
    assert (info.value.code, info.value.field) == ("CR_E_JSON", "fields[0].name")
    with pytest.raises(ValueError, match=r"its key is not valid Unicode text") as info:
        Scorer(model=dict(seed, bands={"high\udc00": 70}))
    assert (info.value.code, info.value.field) == ("CR_E_JSON", "bands.high\\udc00")
    # An int key too long for str() (4300 digits) is the converter's error, not Python's ValueError.
    with pytest.raises(ValueError, match=r"^model: an int key of \d+ bits is not a key the core reads$"):
        Scorer(model={10**5000: 1})


def test_options_not_json_name_the_option_and_the_place():
    from fractions import Fraction
    from callrisk import train
    rows = [{"spam_reports": s, "has_consent": c, "call_attempts_24h": a, "label": y}
            for s, c, a, y in [(0, True, 1, 0), (5, False, 20, 1), (1, True, 2, 0), (4, False, 15, 1), (2, True, 3, 0)]]
    with pytest.raises(ValueError, match=r"^option 'signs' at spam_reports: not valid Unicode text") as info:
        train(rows, signs={"spam_reports": "non\udc00"})
    assert (info.value.code, info.value.field) == ("CR_E_JSON", "signs")
    # A Fraction past the doubles goes to the core as one: its range error, not Python's OverflowError.
    with pytest.raises(CallriskError) as info:
        train(rows, C=Fraction(10**400, 7))
    assert info.value.field == "C"
    # The core reads 64 levels; an option's value sits in the options' object, one of them.
    nested = "nonneg"
    for _ in range(63):
        nested = [nested]
    with pytest.raises(ValueError, match=r"^option 'signs': nested deeper than 64 arrays and objects$") as info:
        train(rows, signs={"spam_reports": nested})
    assert (info.value.code, info.value.field) == ("CR_E_JSON", "signs")


SEED_ROWS = [{"spam_reports": s, "has_consent": c, "call_attempts_24h": a, "label": y}
             for s, c, a, y in [(0, True, 1, 0), (5, False, 20, 1), (1, True, 2, 0), (4, False, 15, 1), (2, True, 3, 0)]]


def test_numpy_scalars_are_the_python_values_they_hold(scorer):
    np = pytest.importorskip("numpy")
    from callrisk import train
    # Before: np.bool_ was "a bool is not JSON" (numpy 2 names its type 'bool'), and
    # "has_consent: must be a bool, got bool"; np.float32 was no number for a field or at_ms.
    want = train(SEED_ROWS, fit_intercept=False, C=0.5, max_iter=50)
    assert train(SEED_ROWS, fit_intercept=np.bool_(False), C=np.float32(0.5), max_iter=np.int64(50)).model_id == want.model_id
    seed = json.loads(scorer.to_json())
    assert Scorer(model=dict(seed, training=dict(seed["training"], note=np.bool_(True)))).model_id == scorer.model_id
    assert scorer.score(np.int64(5), np.bool_(False), np.float32(10)) == scorer.score(5, False, 10.0)
    assert scorer.score_caller("+1", 5, np.bool_(False), at_ms=np.float64(AT))["score"] == scorer.score_caller("+1", 5, False, at_ms=AT)["score"]
    # A numpy float as a float: NaN is no JSON, an infinity the core's range error.
    with pytest.raises(ValueError, match=r"^option 'C': NaN is not JSON$"):
        train(SEED_ROWS, C=np.float32("nan"))
    with pytest.raises(CallriskError, match=r"got inf$"):
        train(SEED_ROWS, C=np.float64("inf"))
    # Refused as a Python bool is, and named by numpy's type.
    with pytest.raises(TypeError, match=r"^spam_reports: must be a number, got numpy\.bool_?$") as info:
        scorer.score(np.bool_(True), False, 1)
    assert (info.value.code, info.value.field) == ("CR_E_TYPE", "spam_reports")
    with pytest.raises(TypeError, match=r"^option 'signs': a numpy\.bool_? key is not JSON$"):
        train(SEED_ROWS, signs={np.bool_(True): "nonneg"})
    with pytest.raises(TypeError, match=r"^option 'C': a numpy\.complex128 is not JSON$"):
        train(SEED_ROWS, C=np.complex128(1))
    with pytest.raises(TypeError, match=r"^option 'class_weight': a numpy\.ndarray is not JSON$"):
        train(SEED_ROWS, class_weight=np.array([1.0, 2.0]))


def test_the_converter_never_imports_numpy(tmp_path):
    import subprocess
    import sys
    code = ("import json, sys, callrisk; s = callrisk.Scorer(); s.score(1, True, 2); "
            "callrisk.Scorer(model=json.loads(s.to_json())); assert 'numpy' not in sys.modules, 'imported numpy'")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_dict_keys_are_str_or_int_once_each_in_json():
    from callrisk import train
    # Before: the core's "JSON: duplicate object key at byte 27", naming no field.
    with pytest.raises(ValueError, match=r"^option 'class_weight' at 0: a key given twice \(0 and '0'\)$") as info:
        train(SEED_ROWS, class_weight={0: 1, "0": 2, 1: 1})
    assert (info.value.code, info.value.field) == ("CR_E_JSON", "class_weight")
    seed = json.loads(Scorer().to_json())
    with pytest.raises(ValueError, match=r"^model at training\.1: a key given twice") as info:
        Scorer(model=dict(seed, training={"1": 0, 1: 0}))
    assert (info.value.code, info.value.field) == ("CR_E_JSON", "training.1")
    assert train(SEED_ROWS, class_weight={0: 1, 1: 2}).model_id == train(SEED_ROWS, class_weight={"0": 1, "1": 2}).model_id
    for key, name in [((1, 2), "a tuple"), (None, "a None"), (True, "a bool"), (1.5, "a float")]:
        with pytest.raises(TypeError, match=r"^option 'class_weight': %s key is not JSON$" % name):
            train(SEED_ROWS, class_weight={key: 1})


def test_values_whose_reading_raises_are_the_converters_error_raised_from_it():
    from collections.abc import Mapping
    from callrisk import train

    class Items(dict):
        def items(self):
            raise RuntimeError("items")

    class Missing(Mapping):
        def __getitem__(self, k):
            raise KeyError(k)

        def __iter__(self):
            return iter(["0"])

        def __len__(self):
            return 1

    class Iter(list):
        def __iter__(self):
            raise RuntimeError("iter")

    # Before: the RuntimeError or KeyError itself, naming nothing.
    for value, raised in [(Items({"0": 1}), "RuntimeError: items"), (Missing(), "KeyError: '0'"), (Iter([1, 2]), "RuntimeError: iter")]:
        with pytest.raises(TypeError, match=r"^option 'class_weight': reading it raised %s$" % raised) as info:
            train(SEED_ROWS, class_weight=value)
        assert (info.value.code, info.value.field) == ("CR_E_TYPE", "class_weight")
        assert type(info.value.__cause__).__name__ == raised.split(":")[0]
    with pytest.raises(TypeError, match=r"^option 'signs' at spam_reports: reading it raised RuntimeError: iter$"):
        train(SEED_ROWS, signs={"spam_reports": Iter([])})
    # Mappings that are not dicts are JSON objects.
    from types import MappingProxyType
    assert train(SEED_ROWS, class_weight=MappingProxyType({"0": 1, "1": 2})).model_id == train(SEED_ROWS, class_weight={"0": 1, "1": 2}).model_id


def test_subclasses_are_their_base_values_and_other_numbers_are_named():
    from decimal import Decimal
    from callrisk import train

    class Hiding(str):
        def encode(self, *args, **kwargs):
            return b"ok"

        def __str__(self):
            return "spam_reports"

    class Shown(float):
        def __repr__(self):
            return "nan"

    # Before: a str subclass's own encode() hid a lone surrogate, which the
    # core reported as "lone high surrogate \u escape at byte 26", no field.
    with pytest.raises(ValueError, match=r"^option 'class_weight': not valid Unicode text") as info:
        train(SEED_ROWS, class_weight=Hiding("bal\ud800"))
    assert (info.value.code, info.value.field) == ("CR_E_JSON", "class_weight")
    with pytest.raises(ValueError, match=r"^option 'signs' at x\\ud800: its key is not valid Unicode text"):
        train(SEED_ROWS, signs={Hiding("x\ud800"): "nonneg"})
    want = train(SEED_ROWS, class_weight="balanced", C=0.5)
    assert train(SEED_ROWS, class_weight=Hiding("balanced"), C=Shown(0.5)).model_id == want.model_id
    # Refused, by the type's full name (before: "a Decimal", "a object").
    with pytest.raises(TypeError, match=r"^option 'C': a decimal\.Decimal is not JSON$"):
        train(SEED_ROWS, C=Decimal("0.5"))
    with pytest.raises(TypeError, match=r"^option 'C': an object is not JSON$"):
        train(SEED_ROWS, C=object())


@pytest.mark.parametrize("call, exc, message", [
    (lambda s: s.score(10**400, False, 1), ValueError, r"^spam_reports: must be an integer <= 2\*\*53, got an int of 401 digits$"),
    # Past 4300 digits str() raises: before, that ValueError was what the caller got.
    (lambda s: s.score(10**5000, False, 1), ValueError, r"^spam_reports: must be an integer <= 2\*\*53, got an int of 5001 digits$"),
    (lambda s: s.score(-10**400, False, 1), ValueError, r"^spam_reports: must be an integer >= 0, got an int of 401 digits$"),
    (lambda s: s.score_caller("+1", 5, False, at_ms=10**400), ValueError, r"^at_ms: must be in 0..8.64e15 ms, got an int of 401 digits$"),
    (lambda s: s.score_caller("+1", 5, False, at_ms=-10**5000), ValueError, r"^at_ms: must be in 0..8.64e15 ms, got an int of 5001 digits$"),
    (lambda s: s.score(2**53 + 1, False, 1), ValueError, r"^spam_reports: must be an integer <= 2\*\*53, got 9007199254740993$"),
])
def test_huge_ints_are_not_echoed_in_full(scorer, call, exc, message):
    with pytest.raises(exc, match=message) as info:
        call(scorer)
    assert len(str(info.value)) < 100


def test_a_huge_real_and_a_store_count_are_shown_short():
    model = json.loads(Scorer().to_json())
    del model["id"]
    model["fields"].append({"name": "attestation", "type": "real"})
    model["features"].append({"name": "attestation", "field": "attestation", "invert": False, "sign": "free"})
    model["coef"].append(0.5)
    model["baseline"].append(0.0)
    s = Scorer(model=model)
    with pytest.raises(ValueError, match=r"^attestation: too large for a double, got an int of 401 digits$"):
        s.score(1, True, 2, 10**400)

    class Huge(MemoryStore):
        def count_attempts(self, caller_number, since_ms, until_ms):
            return 10**5000

    class Hostile:
        def __repr__(self):
            raise RuntimeError("no repr")

    class Odd(MemoryStore):
        def count_attempts(self, caller_number, since_ms, until_ms):
            return Hostile()

    for store, shown in ((Huge(), "an int of 5001 digits"), (Odd(), "a Hostile")):
        with pytest.raises(CallriskError) as info:
            Scorer(store=store).score_caller("+1", 1, True, at_ms=AT)
        assert info.value.code == "CR_E_STORE"
        assert str(info.value.__cause__) == "store.count_attempts must return an int >= 0, got %s" % shown


class Interrupting(MemoryStore):
    def __init__(self, where, exc):
        super().__init__()
        self.where, self.exc = where, exc

    def count_attempts(self, caller_number, since_ms, until_ms):
        if self.where == "count":
            raise self.exc()
        return 3

    def save_score(self, record):
        if self.where == "save":
            raise self.exc()
        super().save_score(record)


@pytest.mark.parametrize("where", ["count", "save"])
@pytest.mark.parametrize("exc", [KeyboardInterrupt, SystemExit, GeneratorExit])
def test_a_base_exception_in_the_store_frees_everything_and_propagates_as_raised(where, exc):
    store = Interrupting(where, exc)
    s = Scorer(store=store)
    m = s._m
    size = m.memory.data_len(m.store)
    # Before: each raise trapped out of the module with the op allocated (and
    # the C stack pointer lowered); after about 4,000 the scorer was out of memory.
    for _ in range(10_000 if exc is KeyboardInterrupt else 1_000):
        with pytest.raises(exc):
            s.score_caller("+15550001", 5, False, at_ms=AT)
    assert m.memory.data_len(m.store) == size
    assert store.records == [] and m.failures == {}
    store.where = None
    r = s.score_caller("+15550001", 5, False, at_ms=AT)
    assert (r["score"], r["call_attempts_24h"]) == (s.score(5, False, 3)["score"], 3)
    assert len(store.records) == 1


def test_a_field_named_self_is_given_by_name():
    model = json.loads(Scorer().to_json())
    del model["id"]
    model["fields"][0]["name"] = "self"
    model["features"][0]["field"] = "self"
    s = Scorer(model=model)
    assert s.score(self=5, has_consent=False, call_attempts_24h=10) == s.score(5, False, 10)
    assert s.score_caller("+1", self=5, has_consent=False, at_ms=AT)["probability"] == s.score(5, False, 0)["probability"]


def test_a_wasm_path_that_is_not_callrisk_wasm_is_a_value_error_naming_it(tmp_path):
    # Before: KeyError 'memory', WasmtimeError, KeyError '_initialize'.
    cases = {
        "empty.wasm": (b"\0asm\1\0\0\0", r"\(no export 'memory'\)$"),
        "text.wasm": (b"hello", r"\(not a wasm module: it starts 68 65 6c 6c\)$"),
        "none.wasm": (b"", r"\(not a wasm module: it starts empty\)$"),
        # (type () -> ()) and an import of "nope"."func": a module for another host.
        "foreign.wasm": (b"\0asm\1\0\0\0\1\4\1\x60\0\0\2\x0d\1\4nope\4func\0\0", r"\(.*nope"),
        "broken.wasm": (b"\0asm\1\0\0\0\1\xff", r"\(.+\)$"),
    }
    for name, (data, why) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(ValueError, match=r"^wasm_path: .*%s is not callrisk.wasm " % name + why):
            Scorer(wasm_path=str(path))
