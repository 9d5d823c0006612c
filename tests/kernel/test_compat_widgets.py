"""ipywidgets end to end at the protocol level, with a test client playing the frontend.

The frontend's part is what JupyterLab's widget manager sends: a ``comm_msg``
with an ``update`` of a widget's state when a person moves a slider. Each step
runs on ipykernel and on ours at once; what the kernels send must be the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.kernel.compat import Normalizer, record, results, texts
from tests.kernel.conftest import iopub_until_idle

if TYPE_CHECKING:
    from tests.kernel.compat import Pair
    from tests.kernel.conftest import RunningKernel

OUTPUT_WIDGET = """
import ipywidgets as widgets
out = widgets.Output()
with out:
    print('inside the widget')
print('in the cell')

@out.capture()
def fails():
    raise ValueError('shown in the widget')

fails()
print('the cell goes on')
"""


def test_the_output_widget_captures_prints_and_errors(pair: Pair) -> None:
    """Between the two ``msg_id`` updates, the frontend puts output into the widget:
    the print and the error go there; the cell itself succeeds."""
    result = pair.same(OUTPUT_WIDGET)
    assert result["status"] == "ok"
    kinds = [next(iter(entry)) for entry in result["outputs"]]
    assert kinds == [
        "comm_open",
        "comm_open",
        "comm_msg",
        "stream",
        "comm_msg",
        "stream",
        "comm_msg",
        "error",
        "comm_msg",
        "stream",
    ]
    routed = [
        e["comm_msg"]["data"]["state"]["msg_id"] for e in result["outputs"] if "comm_msg" in e
    ]
    assert routed == ["REQUEST", "", "REQUEST", ""]
    assert result["outputs"][3] == {"stream": "stdout", "text": "inside the widget\n"}
    assert result["outputs"][7]["error"]["evalue"] == "shown in the widget"


INTERACT = """
from ipywidgets import interact, IntSlider
@interact(x=IntSlider(value=1, min=0, max=10))
def show(x):
    print('x is', x)
"""


def test_interact_reruns_when_the_frontend_moves_the_slider(pair: Pair) -> None:
    """The frontend's update re-runs the function; its output is sent as a child of the
    update, while the Output widget names that update: it lands in the widget."""
    opened = pair.each(lambda kernel: _open_widgets(kernel, INTERACT))
    moved = pair.each(
        lambda kernel: _send_update(kernel, opened[kernel.kind], "IntSliderModel", {"value": 5})
    )
    assert moved["interlace"] == moved["ipykernel"]
    update = moved["interlace"]
    output_widget = "OutputModel"
    routed = [
        (e["comm_msg"]["comm_id"], e["comm_msg"]["data"]["state"].get("msg_id"))
        for e in update["outputs"]
        if "comm_msg" in e and "msg_id" in e["comm_msg"]["data"].get("state", {})
    ]
    assert routed == [(output_widget, "REQUEST"), (output_widget, "")]
    assert texts(update) == "x is 5\n"


ASYNC_WIDGET = """
import asyncio
from ipywidgets import IntSlider
slider = IntSlider()
seen = []

def next_change(widget, name):
    future = asyncio.Future()
    def resolve(change):
        future.set_result(change.new)
        widget.unobserve(resolve, name)
    widget.observe(resolve, name)
    return future

async def follow():
    for _ in range(2):
        seen.append(await next_change(slider, 'value'))

following = asyncio.ensure_future(follow())
"""


def test_a_coroutine_waits_for_the_frontend_to_move_a_widget(pair: Pair) -> None:
    """ipywidgets' documented asynchronous pattern: a task awaits a future that a widget
    callback resolves; the comm messages between cells wake it."""
    opened = pair.each(lambda kernel: _open_widgets(kernel, ASYNC_WIDGET))
    for value in (3, 7):

        def move(kernel: RunningKernel, value: int = value) -> dict[str, Any]:
            return _send_update(kernel, opened[kernel.kind], "IntSliderModel", {"value": value})

        pair.each(move)
    assert results(pair.same("seen, following.done()")) == ["([3, 7], True)"]


def test_matplotlib_widget_and_notebook_backends_open_their_comms(pair: Pair) -> None:
    widget = pair.same("%matplotlib widget\nimport matplotlib.pyplot as plt\nplt.plot([1, 3, 2])")
    models = [
        e["comm_open"]["data"]["state"]["_model_name"]
        for e in widget["outputs"]
        if "comm_open" in e
    ]
    assert "MPLCanvasModel" in models
    notebook = pair.same("%matplotlib notebook\nplt.figure()\nplt.plot([2, 1])")
    targets = [e["comm_open"]["target_name"] for e in notebook["outputs"] if "comm_open" in e]
    assert targets == ["matplotlib"]
    assert pair.same("%matplotlib inline")["status"] == "ok"


def test_tqdm_notebook_opens_its_widgets(pair: Pair) -> None:
    result = pair.same(
        "from tqdm.notebook import tqdm\nfor _ in tqdm(range(3), desc='steps'):\n    pass"
    )
    models = [
        e["comm_open"]["data"]["state"]["_model_name"]
        for e in result["outputs"]
        if "comm_open" in e
    ]
    assert "FloatProgressModel" in models
    shown = [e["display_data"]["data"] for e in result["outputs"] if "display_data" in e]
    assert "application/vnd.jupyter.widget-view+json" in shown[0]


def _open_widgets(kernel: RunningKernel, code: str) -> dict[str, str]:
    """Run ``code``; the model name of each widget it opened, by comm id."""
    msg_id = kernel.client.execute(code)
    reply = kernel.client.get_shell_msg(timeout=60)
    assert reply["content"]["status"] == "ok"
    opened = [m for m in iopub_until_idle(kernel.client, msg_id) if m["msg_type"] == "comm_open"]
    return {m["content"]["comm_id"]: m["content"]["data"]["state"]["_model_name"] for m in opened}


def _send_update(
    kernel: RunningKernel, widgets: dict[str, str], model: str, state: dict[str, Any]
) -> dict[str, Any]:
    """What a frontend sends when a person changes the ``model`` widget; the kernel's
    response to it, normalized (comm ids named by their widget's model)."""
    (comm_id,) = [comm_id for comm_id, name in widgets.items() if name == model]
    content = {"comm_id": comm_id, "data": {"method": "update", "state": state, "buffer_paths": []}}
    message = kernel.client.session.msg("comm_msg", content)
    kernel.client.shell_channel.send(message)
    msg_id = message["header"]["msg_id"]
    messages = iopub_until_idle(kernel.client, msg_id)
    return record(None, messages, Normalizer({msg_id: "REQUEST", **widgets}))
