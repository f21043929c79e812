"""The former name of the `callrisk` package; import `callrisk` instead."""
import warnings

from callrisk import *  # noqa: F401,F403
from callrisk import __all__  # noqa: F401

warnings.warn("callrisk_wasm is now callrisk: import callrisk", DeprecationWarning, stacklevel=2)
