"""matplotlib figures show inline, as image/png display_data after the cell."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.kernel.conftest import RunningKernel


def test_a_plot_is_sent_as_png(kernel: RunningKernel) -> None:
    code = "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.title('inline')"
    reply, messages = kernel.execute(code, timeout=120)
    assert reply["content"]["status"] == "ok"
    images = [m for m in messages if m["msg_type"] == "display_data"]
    assert len(images) == 1
    data = images[0]["content"]["data"]
    assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG\r\n")
    assert "Figure" in data["text/plain"]
    reply, messages = kernel.execute("1")
    assert not [m for m in messages if m["msg_type"] == "display_data"]
