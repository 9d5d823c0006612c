"""The compatibility corpus: notebooks that do what tutorials do, on ipykernel and on ours.

Each notebook in ``corpus/`` is executed with nbclient on both kernels at once and
what each stored is compared output by output (see ``notebooks``). The run
prints how many notebooks matched exactly (``conftest.pytest_terminal_summary``);
all must.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.kernel.notebooks import CORPUS, MATCHED, run_both

if TYPE_CHECKING:
    from pathlib import Path

NOTEBOOKS = sorted(CORPUS.glob("*.ipynb"))


def test_the_corpus_has_twenty_notebooks_at_least() -> None:
    assert len(NOTEBOOKS) >= 20


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_the_notebook_stores_what_ipykernel_stores(path: Path, tmp_path: Path) -> None:
    stored = run_both(path, tmp_path)
    MATCHED[path.stem] = stored["interlace"] == stored["ipykernel"]
    assert stored["interlace"] == stored["ipykernel"]
