"""What libraries find when they ask whether they run in a Jupyter kernel: ipykernel's answers.

Each cell runs on ipykernel and on ours at once; the outputs must be the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.kernel.compat import texts

if TYPE_CHECKING:
    from tests.kernel.compat import Pair

DETECTIONS = """
import sys
from pandas.io.formats.console import in_ipython_frontend
import plotly.io as pio
import rich
from tqdm.auto import tqdm
from tqdm.notebook import tqdm_notebook
shell = get_ipython()
print(type(shell).__name__, type(shell).__module__)
print('IPKernelApp' in shell.config, 'ipykernel.zmqshell' in sys.modules)
print(in_ipython_frontend(), pio.renderers.default, rich.get_console().is_jupyter)
print(issubclass(tqdm, tqdm_notebook))
from ipykernel.zmqshell import ZMQInteractiveShell
print(isinstance(shell, ZMQInteractiveShell))
"""


def test_libraries_detect_a_jupyter_kernel(pair: Pair) -> None:
    result = pair.same(DETECTIONS)
    assert texts(result) == (
        "ZMQInteractiveShell ipykernel.zmqshell\nTrue True\nTrue plotly_mimetype True\nTrue\nTrue\n"
    )


KERNEL_OBJECT = """
k = get_ipython().kernel
names = ['comm_manager', 'get_parent', 'set_parent', 'iopub_socket', 'send_response',
         'session', 'shell', 'ident', 'int_id', 'raw_input', 'getpass', 'language_info',
         'implementation_version', 'banner', 'help_links']
print('missing:', [name for name in names if not hasattr(k, name)])
parent = k.get_parent()
print(parent['header']['msg_type'], parent['header']['msg_id'], sorted(parent))
print(get_ipython().get_parent()['header']['msg_id'] == parent['header']['msg_id'])
print(k.shell is get_ipython(), type(k.comm_manager).__name__, k.language_info['name'])
import comm
print(k.comm_manager is comm.get_comm_manager())
"""


def test_the_kernel_object_offers_what_libraries_reach_for(pair: Pair) -> None:
    result = pair.same(KERNEL_OBJECT)
    lines = texts(result).splitlines()
    assert lines[0] == "missing: []"
    assert lines[1].startswith("execute_request REQUEST ['buffers', 'content', 'header'")
    assert lines[2:] == ["True", "True CommManager python", "True"]


SESSION = """
k = get_ipython().kernel
k.session.send(k.iopub_socket, 'display_data',
               {'data': {'text/plain': 'sent by hand'}, 'metadata': {}},
               parent=k.get_parent(), ident=b'display_data')
k.send_response(k.iopub_socket, 'stream', {'name': 'stdout', 'text': 'via send_response\\n'})
print('after')
"""


def test_libraries_publish_through_the_kernels_session(pair: Pair) -> None:
    result = pair.same(SESSION)
    assert result["outputs"] == [
        {
            "display_data": {"data": {"text/plain": "sent by hand"}, "metadata": {}},
            "buffers": 0,
        },
        {"stream": "stdout", "text": "via send_response\nafter\n"},
    ]


STREAMS = """
import faulthandler, os, sys
print(sys.stdout.isatty(), sys.stderr.isatty(), sys.stdout.encoding.lower())
print(isinstance(sys.stdout.fileno(), int), sys.stdout.fileno() not in (1, 2))
faulthandler.enable()
print(faulthandler.is_enabled())
faulthandler.disable()
names = ('TERM', 'CLICOLOR', 'CLICOLOR_FORCE', 'FORCE_COLOR', 'PAGER', 'GIT_PAGER', 'MPLBACKEND')
print({name: os.environ.get(name) for name in names})
print(os.path.exists(get_ipython().config['IPKernelApp']['connection_file']))
"""


def test_standard_streams_and_environment_are_ipykernels(pair: Pair) -> None:
    result = pair.same(STREAMS)
    lines = texts(result).splitlines()
    assert lines[:3] == ["False False utf-8", "True True", "True"]
    assert "'FORCE_COLOR': '1'" in lines[3]
    assert lines[4] == "True"


def test_exit_ends_the_kernel_as_on_ipykernel(fresh_pair: Pair) -> None:
    """``exit(keep_kernel=True)`` answers and the kernel stays; ``exit()`` ends it after
    answering (a frontend then restarts it)."""
    kept = fresh_pair.same("exit(keep_kernel=True)")
    assert kept["status"] == "ok"
    assert texts(fresh_pair.same("print('still here')")) == "still here\n"
    assert fresh_pair.same("exit()")["status"] == "ok"
    ended = fresh_pair.each(lambda kernel: kernel.process.wait(timeout=20))
    assert ended == {"interlace": 0, "ipykernel": 0}
