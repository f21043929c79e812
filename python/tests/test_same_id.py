"""tests/golden/same_id: the rows of ids.json's cases, trained with their
options, give ids.json's model id on every host -- the id is a function of
the multiset of rows and the options. Here: train() on the CSV text;
Shards on the rows shuffled into 1, 3 and 8 parts; callrisk.spark.train on
the CSV as Spark reads it (header, inferSchema: booleans as 0/1 integers,
weights as doubles), shuffled into 1, 3 and 8 partitions, and (the
five-field case) read back from Parquet; the native CLI's card (skipped
where it is not built).

CALLRISK_SAME_ID names the fixtures' directory (default: the checkout's
tests/golden/same_id); CALLRISK_CLI the native CLI (default:
build/native/callrisk)."""
import json
import os
import random
import subprocess

import pytest

from callrisk import train
from callrisk._shards import Shards

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DIR = os.environ.get("CALLRISK_SAME_ID") or os.path.join(ROOT, "tests", "golden", "same_id")
CLI = os.environ.get("CALLRISK_CLI") or os.path.join(ROOT, "build", "native", "callrisk")
with open(os.path.join(DIR, "ids.json"), encoding="utf-8") as f:
    CASES = {c["name"]: c for c in json.load(f)["cases"]}
PARQUET = "five"  # the case Spark also trains from Parquet (its real-valued fields as doubles)


def path(name):
    return os.path.join(DIR, name)


def schema_of(case):
    if case["schema"] is None:
        return None
    with open(path(case["schema"]), encoding="utf-8") as f:
        return f.read()


def csv_of(case):
    with open(path(case["csv"]), encoding="utf-8") as f:
        return f.read()


@pytest.mark.parametrize("name", list(CASES))
def test_train_gives_the_id(name):
    c = CASES[name]
    model = train({"csv": csv_of(c)}, schema_of(c), **c["options"])
    assert model.model_id == c["model_id"]
    assert model.card()["evidence"]["holdout"] is not None


@pytest.mark.parametrize("name", list(CASES))
def test_shards_give_the_id_in_any_parts(name):
    c = CASES[name]
    head, *lines = csv_of(c).splitlines()
    random.Random(17).shuffle(lines)
    sh = Shards(schema_of(c), **c["options"])
    for k in (1, 3, 8):
        parts = [{"csv": "\n".join([head] + lines[i::k]) + "\n"} for i in range(k)]
        assert sh.train(parts).model_id == c["model_id"], "%d parts" % k


@pytest.fixture(scope="module")
def spark_csv(request):
    """conftest.py's Spark, and each case's CSV as it reads it (header, inferSchema), read once."""
    pytest.importorskip("pyspark", reason="PySpark is not installed (scripts/setup.sh --tests installs it into .cache/venv)")
    pytest.importorskip("pyarrow", reason="pyarrow is not installed (PySpark's mapInArrow needs it)")
    spark = request.getfixturevalue("spark")
    read = {}

    def frame(name):
        if name not in read:
            read[name] = spark.read.csv(path(CASES[name]["csv"]), header=True, inferSchema=True)
        return read[name]

    return spark, frame


@pytest.mark.parametrize("name", list(CASES))
def test_spark_gives_the_id_in_any_partitioning_and_order(spark_csv, name, tmp_path):
    import callrisk.spark
    from pyspark.sql import functions as F

    spark, frame = spark_csv
    c = CASES[name]
    df = frame(name)
    types = dict(df.dtypes)
    assert types["has_consent"] == "int" and types["label"] == "int" and types["weight"] == "double", types
    shuffled = df.orderBy(F.rand(23))
    for k in (1, 3, 8):
        part = shuffled.repartition(k)
        assert part.rdd.getNumPartitions() == k
        got = callrisk.spark.train(part, schema=schema_of(c), **c["options"])
        assert got.model_id == c["model_id"], "%d partitions" % k
    if name == PARQUET:  # once: Spark's time adds up
        df.write.parquet(str(tmp_path / "rows.parquet"))
        got = callrisk.spark.train(spark.read.parquet(str(tmp_path / "rows.parquet")), schema=schema_of(c), **c["options"])
        assert got.model_id == c["model_id"], "from Parquet"


@pytest.mark.parametrize("name", list(CASES))
def test_the_native_cli_gives_the_id(name, tmp_path):
    if not os.path.exists(CLI):
        pytest.skip("native CLI not built (build/native/callrisk, or $CALLRISK_CLI)")
    c = CASES[name]
    args = [CLI, "train", "--csv", path(c["csv"]), "--out", str(tmp_path / "m.crm"), "--options", json.dumps(c["options"])]
    if c["schema"] is not None:
        args += ["--schema", path(c["schema"])]
    r = subprocess.run(args, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["model_id"] == c["model_id"]
