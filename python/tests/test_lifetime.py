"""An instance of callrisk.wasm lives as long as what uses it: a Scorer, a
trained model, Shards. wasmtime keeps each host import's callable in a
global table until the store that instantiated it is deleted; callables
bound to the instance kept it, its store and its linear memory alive for
good, so every Scorer() and every train() -- one that failed too -- leaked
an instance (2000 trainings: 44 -> 658 MB). Now a dropped object's instance
goes at once, without the cycle collector."""
import gc
import weakref

import pytest
import wasmtime

from callrisk import CallriskError, MemoryStore, Scorer, train
from callrisk._shards import Shards
from callrisk._wasm import Module

COLUMNS = {"spam_reports": [0, 5, 1, 4, 0, 6], "has_consent": [True, False, True, False, True, False],
           "call_attempts_24h": [1, 9, 2, 8, 0, 7], "label": [0, 1, 0, 1, 0, 1]}
BAD = dict(COLUMNS, label=[0, 1, 0, 1, 2, 1])  # the core refuses the label 2
ROUNDS = 300


def live():
    """The Modules and wasmtime Stores alive after a full collection."""
    gc.collect()
    objects = gc.get_objects()
    return sum(isinstance(o, Module) for o in objects), sum(isinstance(o, wasmtime.Store) for o in objects)


def failed_training():
    with pytest.raises(CallriskError) as info:
        train(BAD)
    assert info.value.code == "CR_E_RANGE"


@pytest.mark.parametrize("make", [
    Scorer,
    lambda: Scorer(model=Scorer().to_bytes(), store=MemoryStore()),
    lambda: train(COLUMNS),
    lambda: train(COLUMNS, progress=lambda *a: False),
    lambda: Shards(),
    lambda: Shards().train([COLUMNS]),
], ids=["Scorer", "Scorer(model)", "train", "train(progress)", "Shards", "Shards.train"])
def test_a_dropped_object_takes_its_instance_at_once(make):
    obj = make()
    ref = weakref.ref(obj._m)
    del obj
    assert ref() is None  # freed by its reference count: no collection needed


def test_many_scorers_and_trainings_leave_no_instance_behind():
    before = live()
    for _ in range(ROUNDS):
        Scorer()
        train(COLUMNS)
        failed_training()
    assert live() == before


def test_models_outlive_each_other_and_the_host_imports_still_work():
    """A model's instance is its own: dropping others (and their instances)
    leaves it working, host imports (the store, progress) included."""
    iterations = []
    kept = train(COLUMNS, progress=lambda i, *_: iterations.append(i))
    assert iterations
    scorer = Scorer()
    for _ in range(20):
        Scorer().score(1, True, 1)
        train(COLUMNS)
        failed_training()
    gc.collect()
    out = kept.score_caller("+15550001", 5, False, at_ms=1764072000000)
    assert kept.store.records[-1]["score"] == out["score"]
    assert scorer.score_caller("+15550001", 5, False, at_ms=1764072000000)["score"] == Scorer().score(5, False, 0)["score"]
