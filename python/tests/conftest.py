"""Which callrisk the tests run: the source tree's package with the wasi
preset's freshly built reactor, or (CALLRISK_INSTALLED=1, as
tests/python_package/test_wheel.sh runs them) the installed wheel as is."""
import os
import sys

if not os.environ.get("CALLRISK_INSTALLED"):
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(here, ".."))
    os.environ.setdefault("CALLRISK_WASM", os.path.join(here, "..", "..", "build", "wasi", "callrisk.wasm"))
