"""The names a cell reads and assigns, from its source alone."""

from __future__ import annotations

import pytest

from interlace.protocol import names_of_source

CASES = [
    ("a = 1", [], ["a"]),
    ("b = a + 1", ["a"], ["b"]),
    ("print(b)", ["b"], []),  # builtins are never dependencies
    ("x = x + 1", ["x"], ["x"]),
    ("x += 1", ["x"], ["x"]),
    ("x = 1\nprint(x)", [], ["x"]),  # its own name, assigned first
    ("for i in range(3):\n    total = total + i", ["total"], ["i", "total"]),
    ("def f(y):\n    return y + k", ["k"], ["f"]),  # globals a function reads
    ("def g():\n    global n\n    n = 1", [], ["g", "n"]),
    ("lambda q: q + w", ["w"], []),
    ("squares = [v * v for v in values if v > limit]", ["limit", "values"], ["squares"]),
    ("import numpy as np, os.path\nfrom math import pi as PI", [], ["PI", "np", "os"]),
    ("x[0] = 1", ["x"], ["x"]),  # a store into an object assigns its name
    ("df.loc[0, 'a'] = 2", ["df"], ["df"]),
    ("del y", [], ["y"]),
    ("with open(p) as fh:\n    data = fh.read()", ["p"], ["data", "fh"]),
    ("try:\n    pass\nexcept E as e:\n    print(e)", ["E"], ["e"]),
    ("class A(Base):\n    size = 1", ["Base"], ["A"]),
    ("match point:\n    case (px, *rest):\n        pass", ["point"], ["px", "rest"]),
    ("%matplotlib inline\nplt.plot(xs)", ["plt", "xs"], []),
    ("!ls\nfiles = 1", [], ["files"]),
    ("%%time\nx = 1", [], []),
    ("def broken(:", [], []),
]


@pytest.mark.parametrize(("source", "reads", "writes"), CASES)
def test_names_of_a_cell(source: str, reads: list[str], writes: list[str]) -> None:
    assert names_of_source(source) == {"reads": reads, "writes": writes}
