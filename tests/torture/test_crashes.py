"""The crash torture's short mode: SIGKILLs during typing, cell moves, saves and log
compaction lose nothing (the long mode, beside jupyter-collaboration, is
``benchmarks/crashes.py``)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from tests.torture.harness import InterlaceTarget, Torture

if TYPE_CHECKING:
    from pathlib import Path


def test_sigkills_while_ten_clients_edit_lose_nothing(tmp_path: Path) -> None:
    target = InterlaceTarget(tmp_path)
    torture = Torture(target, clients=10, seed=23)
    outcome = asyncio.run(
        torture.run(
            rounds=8,
            freeze_mid_save=lambda number: number % 2 == 1,
            compactions=lambda: target.compactions("shared.ipynb"),
        )
    )
    assert outcome.clean(), outcome
    assert outcome.rounds == 8
    assert outcome.edits_delivered > 1000, outcome
    assert outcome.cells_delivered > 0, outcome
    assert outcome.kills_mid_save >= 2, outcome  # frozen while the file was being written
    assert target.compactions("shared.ipynb") >= 1  # and the log compacted between kills
