"""Output as ipykernel gives it: from the descriptors, from logging, warnings and errors.

Each cell runs on ipykernel and on ours at once; the outputs must be the same.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from tests.kernel.compat import results, texts
from tests.kernel.conftest import RunningKernel, execute

if TYPE_CHECKING:
    from tests.kernel.compat import Pair

DESCRIPTORS = """
import os, subprocess, sys, ctypes
libc = ctypes.CDLL(None)
print('python 1')
os.system('echo system')
print('python 2')
subprocess.run(['echo', 'subprocess'])
print('python 3')
libc.printf(b'from C\\n')
libc.fflush(None)
display('shown after C')
print('python 4')
os.system('echo to-stderr >&2')
sys.stderr.write('python stderr\\n')
"""


def test_output_written_to_the_descriptors_reaches_the_cell_in_order(pair: Pair) -> None:
    """Both kernels bring it into the cell; ours keeps it in program order, where
    ipykernel's reader thread puts it wherever it happens to run (it varies)."""
    ours, theirs = pair.run(DESCRIPTORS).values()
    assert ours["outputs"][:3] == [
        {"stream": "stdout", "text": "python 1\nsystem\npython 2\nsubprocess\npython 3\nfrom C\n"},
        {
            "display_data": {
                "data": {"text/plain": "'shown after C'"},
                "metadata": {},
                "transient": {},
            },
            "buffers": 0,
        },
        {"stream": "stdout", "text": "python 4\n"},
    ]
    assert sorted(texts(theirs).splitlines()) == sorted(texts(ours).splitlines())
    assert texts(ours, "stderr") == "to-stderr\npython stderr\n"  # ours: in program order
    assert sorted(texts(theirs, "stderr").splitlines()) == ["python stderr", "to-stderr"]
    assert results(ours) == results(theirs) == ["14"]


CHILDREN = """
import multiprocessing
from joblib import Parallel, delayed
from joblib.externals.loky import get_reusable_executor

def shout(word):
    print('child says', word, flush=True)
    return word

child = multiprocessing.get_context('fork').Process(target=shout, args=('fork',))
child.start()
child.join()
said = Parallel(n_jobs=2)(delayed(shout)(w) for w in ['joblib'])
# The workers stay for the next call otherwise (and ipykernel then hangs on shutdown).
get_reusable_executor().shutdown(wait=True)
said
"""


def test_child_processes_print_into_the_cell(pair: Pair) -> None:
    """A forked child's and a joblib worker's prints land in the cell. Ours collects the
    descriptors before it answers, so none comes late; ipykernel sometimes sends the
    worker's line after the cell has finished, where a notebook no longer takes it."""
    ours, theirs = pair.run(CHILDREN).values()
    assert texts(ours) == "child says fork\nchild says joblib\n"
    assert set(texts(theirs).splitlines()) <= set(texts(ours).splitlines())
    assert "child says fork" in texts(theirs)
    assert results(ours) == results(theirs) == ["['joblib']"]


def test_fileno_goes_to_the_kernels_own_descriptor_as_on_ipykernel(pair: Pair) -> None:
    """``sys.stdout.fileno()`` is the kernel's descriptor before capture: what is written
    there (a child given ``stdout=sys.stdout``) is the kernel's log, not the cell's."""
    code = "import subprocess, sys\nsubprocess.run(['echo', 'aside'], stdout=sys.stdout).returncode"
    result = pair.same(code)
    assert texts(result) == ""
    assert results(result) == ["0"]


LOGGING = """
import logging
logging.getLogger('quiet').info('not shown: the root logger is at WARNING')
logging.warning('a warning from the root logger')
logging.getLogger('library').error('an error from a library')
"""

BASIC_CONFIG = """
import logging
logging.basicConfig(level=logging.INFO, format='%(levelname)s|%(name)s|%(message)s', force=True)
logging.getLogger('notebook').info('configured by the notebook')
"""


def test_user_logging_reaches_the_cell_and_basic_config_takes_effect(pair: Pair) -> None:
    first = pair.same(LOGGING)
    assert texts(first, "stderr") == (
        "WARNING:root:a warning from the root logger\nERROR:library:an error from a library\n"
    )
    second = pair.same(BASIC_CONFIG)
    assert texts(second, "stderr") == "INFO|notebook|configured by the notebook\n"


def test_a_fresh_basic_config_takes_effect(fresh_pair: Pair) -> None:
    """Without ``force``: the kernel configured no handler of its own on the root logger."""
    code = BASIC_CONFIG.replace(", force=True", "")
    assert texts(fresh_pair.same(code), "stderr") == "INFO|notebook|configured by the notebook\n"


def test_warnings_and_syntax_errors_name_the_cell_as_ipykernel(pair: Pair) -> None:
    warned = pair.same("import warnings\nwarnings.warn('careful')")
    assert texts(warned, "stderr").startswith("/tmp/ipykernel_PID/")
    assert ": UserWarning: careful\n" in texts(warned, "stderr")
    broken = pair.same("x = )")
    assert broken["status"] == "error"
    assert broken["error"][0] == "SyntaxError"
    assert broken["error"][1].endswith(".py, line 1)")
    failing = pair.same("def f():\n    return 1 / 0\n\nf()")
    assert failing["error"] == ["ZeroDivisionError", "division by zero"]


def test_empty_and_comment_cells_count_as_on_ipykernel(pair: Pair) -> None:
    """An empty cell announces the next count and answers with the last one, on both."""
    seen = [pair.each(functools.partial(_counts, code=code)) for code in CELLS]
    ours = [counts["interlace"] for counts in seen]
    assert ours == [counts["ipykernel"] for counts in seen]
    first = ours[0][0]
    assert ours == [
        (first, first),
        (first + 1, first),
        (first + 1, first + 1),
        (first + 2, first + 1),
        (first + 2, first + 2),
    ]


CELLS = ("1", "", "# only a comment", "   ", "2")


def _counts(kernel: RunningKernel, code: str) -> tuple[int, int]:
    """The count ``execute_input`` announced and the one the reply gave."""
    reply, messages = execute(kernel.client, code)
    (announced,) = [m for m in messages if m["msg_type"] == "execute_input"]
    return announced["content"]["execution_count"], reply["content"]["execution_count"]


def test_an_error_while_displaying_the_value_fails_the_cell(pair: Pair) -> None:
    """The error output and the failed status are the same; the reply's ename is not
    stored in a notebook, and ipykernel's there says NoneType where ours names the error."""
    code = "class Bad:\n    def _repr_html_(self):\n        raise ValueError('no html')\nBad()"
    ours, theirs = pair.run(code).values()
    assert ours["status"] == theirs["status"] == "error"
    assert ours["outputs"] == theirs["outputs"]
    assert [e["error"]["ename"] for e in ours["outputs"] if "error" in e] == ["ValueError"]
    assert ours["error"] == ["ValueError", "no html"]
