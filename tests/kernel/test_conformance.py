"""The Jupyter kernel conformance suite (jupyter_kernel_test) against our kernelspec.

Every sample the suite supports is filled in, so no test is skipped for lack of one.
"""

from __future__ import annotations

import jupyter_kernel_test as jkt


class InterlaceKernelTests(jkt.KernelTests):  # type: ignore[misc]
    kernel_name = "interlace"
    language_name = "python"
    file_extension = ".py"

    code_hello_world = "print('hello, world')"
    code_stderr = "import sys; print('to stderr', file=sys.stderr)"
    completion_samples = [  # noqa: RUF012 - the suite reads class attributes
        {"text": "zi", "matches": ["zip"]},
        {"text": "import collections; collections.Ord", "matches": ["OrderedDict"]},
    ]
    complete_code_samples = ["1", "print('hello, world')", "def f(x):\n    return x * 2\n\n\n"]  # noqa: RUF012
    incomplete_code_samples = ["print('''hello", "def f(x):\n    x * 2"]  # noqa: RUF012
    invalid_code_samples = ["import = 7q", "x = )", "1 = 2"]  # noqa: RUF012
    code_page_something = "len?"
    code_generate_error = "raise ValueError('boom')"
    code_execute_result = [  # noqa: RUF012
        {"code": "1+2+3", "result": "6"},
        {"code": "[n * n for n in range(1, 4)]", "result": "[1, 4, 9]"},
        {"code": "from IPython.display import HTML; HTML('<b>x</b>')", "mime": "text/html"},
    ]
    code_display_data = [  # noqa: RUF012
        {
            "code": "from IPython.display import HTML, display; display(HTML('<b>t</b>'))",
            "mime": "text/html",
        },
        {
            "code": "from IPython.display import Math, display; display(Math(r'\\frac{1}{2}'))",
            "mime": "text/latex",
        },
    ]
    code_history_pattern = "1?2*"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "zip"
    code_clear_output = "from IPython.display import clear_output; clear_output()"


class InterlaceIopubWelcomeTests(jkt.IopubWelcomeTests):  # type: ignore[misc]
    kernel_name = "interlace"
    support_iopub_welcome = True
