"""Threads sharing one Scorer: each call gets its own answer, bit for bit
the single-threaded one, and nothing crashes. The objects on one wasm
instance share its scratch memory and wasmtime store, and a call into wasm
releases the GIL, so the instance's lock (Module.lock) serialises them; it is
re-entrant, so a store the core calls back may score on the same thread.

Each case runs in a child process: without the lock, score_caller from two
threads aborts the interpreter (a wasmtime panic), which would take pytest
with it."""
import json
import os
import subprocess
import sys

import pytest

import callrisk

THREADS = 4
CALLS = 600  # per thread (a multiple of 3: "mixed" makes a third of them score_caller)
ROWS = 40  # the worker's rows: range(ROWS)

WORKER = r'''
import json, struct, sys, threading
from callrisk import MemoryStore, Scorer

op, threads, calls = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sys.setswitchinterval(1e-5)  # switch threads often: more interleavings
AT = 1764072000000
CALLERS = ["+1555000%d" % c for c in range(8)]
store = MemoryStore()
for c, caller in enumerate(CALLERS):  # caller c has c attempts in the last 24 h: each answer differs
    for k in range(c):
        store.record_attempt(caller, AT - 60000 * (k + 1))
s = Scorer(store=store)
ROWS = [(i % 7, i % 3 == 0, (i * 5) % 11) for i in range(int(sys.argv[4]))]


def bits(x):
    return struct.pack("<d", x).hex()


def said(r):
    """All a result says, probabilities and contributions as their bits."""
    return [r["score"], r["risk_level"], bits(r["probability"]), r["model_id"],
            [(x["feature"], bits(x["contribution"])) for x in r["reasons"]], r.get("call_attempts_24h")]


def score(i):
    return said(s.score(*ROWS[i]))


def score_batch(i):
    """The rows from i on, 25 times (long calls of the core: threads overlap in it); every fourth with reasons, once."""
    reasons = i % 4 == 0
    rows = (ROWS[i:] + ROWS[:i]) * (1 if reasons else 25)
    r = s.score_batch({"spam_reports": [x[0] for x in rows], "has_consent": [x[1] for x in rows],
                       "call_attempts_24h": [x[2] for x in rows]}, reasons=reasons)
    out = [bytes(r.probabilities).hex(), bytes(r.scores).hex(), bytes(r.level_codes).hex()]
    if reasons:
        out += [bytes(r.reason_features).hex(), bytes(r.reason_contributions).hex()]
    return out


def score_caller(i):
    return said(s.score_caller(CALLERS[i % len(CALLERS)], ROWS[i][0], ROWS[i][1], at_ms=AT))


OPS = {"score": [score], "score_batch": [score_batch], "score_caller": [score_caller],
       "mixed": [score, score_batch, score_caller]}[op]
expected = {(f.__name__, i): f(i) for f in OPS for i in range(len(ROWS))}  # one thread
wrong, errors = [], []


def work(t):
    for k in range(calls):
        f, i = OPS[(k + t) % len(OPS)], (k * 7 + t * 13) % len(ROWS)
        try:
            got = f(i)
        except BaseException as e:
            errors.append("%s(%d): %r" % (f.__name__, i, e))
            continue
        if got != expected[(f.__name__, i)]:
            wrong.append("%s(%d) in thread %d" % (f.__name__, i, t))


ts = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
records = len(s.store.records)
print(json.dumps({"wrong": len(wrong), "errors": len(errors), "examples": (wrong + errors)[:5], "records": records}))
'''

# A store whose count_attempts scores with the same scorer (and scores another
# caller) on the thread the core called it on, while other threads score too.
REENTRANT = r'''
import json, sys, threading
from callrisk import MemoryStore, Scorer

threads, calls = int(sys.argv[2]), int(sys.argv[3])
sys.setswitchinterval(1e-5)
AT = 1764072000000
s = None


class Reentrant(MemoryStore):
    def count_attempts(self, caller_number, since_ms, until_ms):
        if caller_number == "+1000":
            inner = s.score(0, True, 1)["probability"]
            if inner != want_inner or s.score_caller("+2000", 0, True, at_ms=AT)["call_attempts_24h"] != 1:
                raise AssertionError("the inner calls' answers")
            return 10
        return 1


s = Scorer(store=Reentrant())
want_inner = s.score(0, True, 1)["probability"]
want_outer = s.score(5, False, 10)["probability"]
bad = []


def work(t):
    for k in range(calls):
        try:
            if t == 0:
                ok = s.score_caller("+1000", 5, False, at_ms=AT)["probability"] == want_outer
            else:
                ok = s.score(0, True, 1)["probability"] == want_inner
        except BaseException as e:
            ok = repr(e)
        if ok is not True:
            bad.append(ok)


ts = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(json.dumps({"wrong": len(bad), "errors": 0, "examples": [str(b) for b in bad[:5]], "records": len(s.store.records)}))
'''


def run(code, op, calls=CALLS):
    package = os.path.dirname(os.path.dirname(os.path.abspath(callrisk.__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (package, os.environ.get("PYTHONPATH")) if p))
    out = subprocess.run([sys.executable, "-c", code, op, str(THREADS), str(calls), str(ROWS)], capture_output=True, text=True,
                         env=env, timeout=300)
    assert out.returncode == 0, "exit %d: %s" % (out.returncode, out.stderr[-2000:])
    return json.loads(out.stdout)


@pytest.mark.parametrize("op", ["score", "score_batch", "score_caller", "mixed"])
def test_threads_sharing_a_scorer_get_the_single_threaded_answers(op):
    got = run(WORKER, op)
    assert (got["wrong"], got["errors"]) == (0, 0), got["examples"]
    # Every score_caller saved its record, once: the single-threaded ones (one per row) and the threads'.
    callers = {"score_caller": THREADS * CALLS, "mixed": THREADS * CALLS // 3}.get(op, 0)
    assert got["records"] == (ROWS + callers if callers else 0)


def test_a_store_calling_back_on_its_thread_while_others_score():
    """The lock is re-entrant: a store scoring with the same scorer inside its
    answer (as test_hostile's) does not wait for itself, and the other
    threads' calls wait for the whole score_caller, inner calls included."""
    got = run(REENTRANT, "reentrant", calls=200)
    assert (got["wrong"], got["errors"]) == (0, 0), got["examples"]
    assert got["records"] == 2 * 200  # each score_caller saved its record and its inner call's
