"""Issue 12 on the Python host: every layout and constant comes from the
module's own description (cr_abi_json()), read once per compiled module.

- The host's view (Abi.view(): each fact it took, by path) equals the
  description as read here on its own, with bare wasmtime and no callrisk code.
- The view is data: a description with other offsets, numbers and constants
  gives a host that reads by them.
- No layout is left in the package: no number but 0 and 1 outside the named
  host constants below, no struct format of more than one member, no field or
  column name of the seed's model."""
import ast
import io
import json
import os
import re
import struct
import tokenize

import pytest
import wasmtime

import callrisk
from callrisk import CallriskError, CallriskTypeError, CallriskValueError, MemoryStore, Scorer, train
from callrisk._abi import Abi

PACKAGE = os.path.dirname(os.path.abspath(callrisk.__file__))
SOURCES = sorted(os.path.join(PACKAGE, f) for f in os.listdir(PACKAGE) if f.endswith(".py"))
# The host's own constants, none of them the core's: the only names a number
# other than 0 or 1 may be given to in the package.
HOST_CONSTANTS = {
    "ECHO_MAX",  # characters of a value an error message shows
    "PATH_ECHO_MAX",  # characters of a file name in a message
    "_BIG_INT_BITS",  # ints longer than this are shown by their digit count
    "_STR_INT_BITS",  # Python's own str(int) limit, in bits
    "NS_PER_MS",  # time.time_ns() to ms
    "STRING_CHUNK",  # bytes read at a time looking for a NUL
    "ROWS_PER_CALL",  # training rows per cr_dataset_add_rows()
    "CSV_CHUNK",  # CSV bytes per cr_csv_feed()
    "CHUNK_ROWS",  # rows per cr_score_batch() call (Scorer.score_batch)
    "_RAISED_ECHO_MAX",  # characters of a raised exception's text a message shows
}
SEED_NAMES = {"spam_reports", "has_consent", "call_attempts_24h", "no_consent", "label", "weight", "LOW", "MEDIUM", "HIGH"}
# The roles of training columns: the vocabulary of cr_training_columns_json, not column names.
ROLE_NAMES = {"ROLE_FIELD", "ROLE_LABEL", "ROLE_WEIGHT"}


def independent_description(path):
    """cr_abi_json() of the module at `path`, read without the package."""
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    store.set_wasi(wasmtime.WasiConfig())
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    i32, f64 = wasmtime.ValType.i32(), wasmtime.ValType.f64()
    linker.define_func("host", "count_attempts", wasmtime.FuncType([i32, i32, i32, f64, f64], [f64]), lambda *a: -1.0)
    linker.define_func("host", "save_score", wasmtime.FuncType([i32, i32, i32], [i32]), lambda *a: -1)
    linker.define_func("host", "progress", wasmtime.FuncType([i32, f64, f64], [i32]), lambda *a: 0)
    x = linker.instantiate(store, wasmtime.Module.from_file(engine, path)).exports(store)
    x["_initialize"](store)
    mem = x["memory"]
    out = x["crw_alloc"](store, 8)
    mem.write(store, bytes(8), out)
    assert x["cr_abi_json"](store, 0, 0, out, 0) != 0  # CR_E_BUFFER: the size only
    n = int.from_bytes(mem.read(store, out, out + 8), "little")
    p = x["crw_alloc"](store, n + 1)
    assert x["cr_abi_json"](store, p, n + 1, out, 0) == 0
    return json.loads(bytes(mem.read(store, p, p + n)))


@pytest.fixture(scope="module")
def scorer():
    return Scorer()


@pytest.fixture(scope="module")
def description():
    return independent_description(callrisk.default_wasm_path())


def at(description, path):
    v = description
    for key in path:
        if isinstance(v, list) and path[0] == "statuses":
            v = next(s for s in v if s["code"] == key)  # statuses by their number
        else:
            v = v[key]
    return v


def test_the_hosts_view_is_the_description(scorer, description):
    view = scorer._m.abi.view()
    for path, value in view.items():
        assert at(description, path) == value and type(at(description, path)) is type(value), path
    # What the host reads by: every struct it uses, every member of each, every status.
    for name in ("cr_error", "cr_score_result", "cr_reason", "cr_train_stats", "cr_train_options", "cr_metrics"):
        assert view["structs", name, "size"] == description["structs"][name]["size"]
        for member in description["structs"][name]["members"]:
            assert ("structs", name, "members", member, "offset") in view
    assert {s["code"] for s in description["statuses"]} == {path[1] for path in view if path[0] == "statuses"}
    assert [view["options", i, "name"] for i in range(len(description["options"]))] == [o["name"] for o in description["options"]]


def test_the_description_is_read_once_per_compiled_module(scorer):
    assert Scorer()._m.abi is scorer._m.abi
    assert train([{"spam_reports": 0, "has_consent": True, "call_attempts_24h": 1, "label": 0},
                  {"spam_reports": 5, "has_consent": False, "call_attempts_24h": 9, "label": 1}])._m.abi is scorer._m.abi


def test_every_status_name_the_package_uses_is_in_the_description(description):
    names = {s["name"] for s in description["statuses"]}
    used = set()
    for path in SOURCES:
        with open(path) as f:
            used |= set(re.findall(r'"(CR_[A-Z_]+)"', f.read()))
    assert used and used <= names, used - names


def test_every_error_has_the_http_status_of_its_code(scorer, description):
    http = {s["name"]: s["http"] for s in description["statuses"]}
    number = {s["name"]: s["code"] for s in description["statuses"]}
    cases = [
        (lambda: scorer.score("5", False, 1), CallriskTypeError, "CR_E_TYPE"),  # judged by Python
        (lambda: scorer.score(-1, False, 1), CallriskValueError, "CR_E_RANGE"),  # by the core
        (lambda: scorer.score(float("nan"), False, 1), CallriskValueError, "CR_E_NONFINITE"),
        (lambda: scorer.score(1, False), CallriskTypeError, "CR_E_MISSING"),
        (lambda: scorer.score_json("{"), CallriskError, "CR_E_JSON"),
        (lambda: Scorer(model=b"nope"), CallriskError, "CR_E_MAGIC"),
        (lambda: train([]), CallriskError, "CR_E_DATA"),
        (lambda: train({"csv": "spam_reports,has_consent,call_attempts_24h,label\n1,true,1,\"0"}), CallriskError, "CR_E_CSV"),
        (lambda: train([], penalty="l1"), CallriskTypeError, "CR_E_ARG"),
        (lambda: train([], schema={"fields": [{"name": "x", "type": "count"}] * 2, "features": [{"name": "x", "field": "x"}]}), CallriskError, "CR_E_SCHEMA"),
    ]
    for call, cls, code in cases:
        with pytest.raises(cls) as info:
            call()
        e = info.value
        assert (e.code, e.status, e.http_status) == (code, number[code], http[code]), (code, str(e))


def shifted(text):
    """The description with every layout and constant moved: what a host that
    wrote any of them down would now read wrong."""
    d = json.loads(text)
    res = d["structs"]["cr_score_result"]
    res["size"] += 16
    for m in res["members"].values():
        m["offset"] += 8
    res["members"]["score"]["offset"], res["members"]["risk_level"]["offset"] = 4, 0
    err = d["structs"]["cr_error"]
    err["members"]["field"]["offset"], err["members"]["message"]["offset"] = err["members"]["message"]["offset"], 12
    err["members"]["field"]["offset"] = 12 + 256
    err["size"] = 12 + 256 + 64
    for s in d["statuses"]:
        s["code"] += 100 if s["name"] != "CR_OK" else 0
        s["http"] = 599 if s["name"] == "CR_E_TYPE" else s["http"]
    d["limits"].update(count_max=2 ** 40, time_max_ms=1e12, attempts_field="tries")
    d["host"]["pending"] = -1
    d["risk_levels"] = ["low", "mid", "high"]
    d["field_types"] = {"count": 2, "bool": 0, "real": 1}
    return json.dumps(d)


def test_the_view_is_data(scorer):
    abi = Abi(shifted(json.dumps(scorer._m.abi.description)))
    res = abi.structs["cr_score_result"]
    raw = bytearray(res.size)
    struct.pack_into("<i", raw, 0, 2)  # risk_level now at 0
    struct.pack_into("<i", raw, 4, 77)  # score at 4
    struct.pack_into("<d", raw, 16, 0.75)  # probability moved from 8 to 16
    got = res.unpack(bytes(raw))
    assert (got["score"], got["risk_level"], got["probability"]) == (77, 2, 0.75)
    err = abi.structs["cr_error"]
    raw = bytearray(err.size)
    raw[12:12 + 7] = b"message"
    raw[268:268 + 5] = b"field"
    assert (err.unpack(bytes(raw))["field"], err.unpack(bytes(raw))["message"]) == ("field", "message")
    assert abi.status("CR_E_RANGE")[0] == 103 and abi.status("CR_E_TYPE") == (104, 599)
    assert (abi.count_max, abi.time_max_ms, abi.attempts_field) == (2 ** 40, 1e12, "tries")
    assert abi.failed < 0 and abi.failed != abi.pending == -1
    assert abi.risk_levels == ("low", "mid", "high") and abi.field_types[2] == "count"
    from callrisk._convert import field_value, time_ms
    with pytest.raises(CallriskValueError, match=r"<= 2\*\*40") as info:
        field_value(abi, "n", "count", 2 ** 60 + 1)
    assert info.value.status == 103
    with pytest.raises(CallriskValueError, match=r"0\.\.1e12 ms") as info:
        time_ms(abi, 10 ** 12 + 1)


def code_of(path):
    with open(path) as f:
        return f.read()


def test_no_number_but_0_and_1_outside_the_host_constants():
    for path in SOURCES:
        text = code_of(path)
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type != tokenize.NUMBER or tok.string in ("0", "1", "0.0", "1.0"):
                continue
            assigned = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=", tok.line)
            assert assigned and assigned.group(1) in HOST_CONSTANTS, \
                "%s:%d: the number %s is no host constant: take it from the ABI" % (os.path.basename(path), tok.start[0], tok.string)


def test_no_struct_format_of_more_than_one_member():
    # "<iiddd" is a layout written down; a single code ("<d", "<q") is a C type.
    fmt = re.compile(r"^[<>=!@](\d*[xcbB?hHiIlLqQnNefdspP]){2,}$")
    for path in SOURCES:
        for tok in tokenize.generate_tokens(io.StringIO(code_of(path)).readline):
            if tok.type == tokenize.STRING:
                value = ast.literal_eval(tok.string)
                assert not (isinstance(value, str) and fmt.match(value)), "%s:%d: %s" % (os.path.basename(path), tok.start[0], tok.string)


def test_no_seed_field_or_column_name_in_the_package():
    for path in SOURCES:
        tree = ast.parse(code_of(path))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body
                      and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
        roles = {id(c) for node in ast.walk(tree) if isinstance(node, ast.Assign)
                 and any(isinstance(t, ast.Tuple) and {getattr(e, "id", None) for e in t.elts} == ROLE_NAMES for t in node.targets)
                 for c in ast.walk(node.value)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings | roles:
                assert node.value not in SEED_NAMES, "%s:%d: %r" % (os.path.basename(path), node.lineno, node.value)


def test_every_option_the_core_lists_passes_through_train():
    # Set to its default, each option the description lists trains the same
    # model as none: the host passes options it does not know of.
    rows = [{"spam_reports": 0, "has_consent": True, "call_attempts_24h": 1, "label": 0},
            {"spam_reports": 5, "has_consent": False, "call_attempts_24h": 9, "label": 1}]
    options = callrisk.train_options()
    assert [o["name"] for o in options] == list(Scorer()._m.abi.options)
    assert train(rows, **{o["name"]: o["default"] for o in options}).model_id == train(rows).model_id


def test_training_columns_are_the_cores(monkeypatch):
    """A core whose columns have other names (a later option label_column /
    weight_column) needs no change here: the rows are read by the names
    cr_training_columns_json() gives."""
    from callrisk import _wasm

    original = _wasm.Module.text_out
    renamed = {"label": "is_spam", "weight": "importance"}

    def text_out(self, name, *args, err):
        out = original(self, name, *args, err=err)
        if name != "cr_training_columns_json":
            return out
        columns = json.loads(out)
        for c in columns:
            c["name"] = renamed.get(c["name"], c["name"])
        return json.dumps(columns).encode()

    rows = [{"spam_reports": 0, "has_consent": True, "call_attempts_24h": 1, "label": 0, "weight": 2.0},
            {"spam_reports": 5, "has_consent": False, "call_attempts_24h": 9, "label": 1, "weight": 0.5},
            {"spam_reports": 1, "has_consent": False, "call_attempts_24h": 2, "label": 0, "weight": 1.0}]
    want = train(rows).model_id
    monkeypatch.setattr(_wasm.Module, "text_out", text_out)
    moved = [{renamed.get(k, k): v for k, v in r.items()} for r in rows]
    assert train(moved).model_id == want
    with pytest.raises(CallriskTypeError) as info:
        train(rows)
    assert (info.value.code, info.value.field, info.value.line) == ("CR_E_MISSING", "is_spam", 1)


def test_the_store_failure_answer_is_never_pending(scorer):
    abi = scorer._m.abi

    class Broken(MemoryStore):
        def count_attempts(self, caller_number, since_ms, until_ms):
            raise OSError("down")

    with pytest.raises(CallriskError) as info:
        Scorer(store=Broken()).score_caller("+1555", 1, True, at_ms=0)
    assert info.value.code == "CR_E_STORE" and isinstance(info.value.__cause__, OSError)
    assert abi.failed < 0 and abi.failed != abi.pending
