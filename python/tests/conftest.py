"""Which callrisk the tests run: the source tree's package with the wasi
preset's freshly built reactor, or (CALLRISK_INSTALLED=1, as
tests/python_package/test_wheel.sh runs them) the installed wheel as is.
Also the local Spark the Spark tests share (test_spark.py, test_spark_train.py)."""
import os
import sys

import pytest

if not os.environ.get("CALLRISK_INSTALLED"):
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(here, ".."))
    os.environ.setdefault("CALLRISK_WASM", os.path.join(here, "..", "..", "build", "wasi", "callrisk.wasm"))


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    """One local Spark (local[2], loopback only, no UI) for the session's Spark tests."""
    from pyspark.sql import SparkSession

    import callrisk

    # The workers are this Python (the venv's wasmtime and pyarrow), with
    # this callrisk: the source tree's (put first on sys.path above, with the
    # freshly built callrisk.wasm named in CALLRISK_WASM, which the JVM and
    # its Python workers inherit) or the installed one.
    # SPARK_LOCAL_IP: nothing binds or advertises another interface.
    package_dir = os.path.dirname(os.path.dirname(os.path.abspath(callrisk.__file__)))
    env = {"PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1",
           "PYTHONPATH": os.pathsep.join(p for p in (package_dir, os.environ.get("PYTHONPATH")) if p)}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    tmp = tmp_path_factory.mktemp("spark")
    session = (SparkSession.builder.master("local[2]").appName("callrisk-test")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.driver.host", "127.0.0.1")
               .config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.driver.memory", "1g")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.local.dir", str(tmp / "local"))
               .config("spark.sql.warehouse.dir", str(tmp / "warehouse"))
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
