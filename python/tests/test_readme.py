"""The package README's Python examples run as written: the checkout's
python/README.md, or (CALLRISK_INSTALLED=1) the README the installed wheel
carries as its description."""
import contextlib
import io
import re

import pytest

from support import readme


BLOCKS = re.findall(r"^```python\n(.*?)^```", readme(), re.S | re.M)


def test_the_readme_has_python_examples():
    assert len(BLOCKS) >= 2 and any(".evaluate(" in b and ".drift(" in b for b in BLOCKS)


@pytest.mark.parametrize("i", range(len(BLOCKS)))
def test_the_readme_example_runs(i):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(BLOCKS[i], "README.md python block %d" % (i + 1), "exec"), {"__name__": "readme"})
