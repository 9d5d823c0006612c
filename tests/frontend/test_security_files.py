"""A file of the root opened in the browser cannot act as the server's own page.

The attack: ``/files/`` served ``.html`` and ``.svg`` from the root inline, on
the server's origin, with no Content-Security-Policy, and the file browser
links every file that is not a notebook there; a script in such a file read
the ``_xsrf`` cookie and ran Python through ``/api/rpc`` with the user's login
cookie. Now files are served with jupyter_server's policy for them
(``sandbox allow-scripts``): the script runs in an opaque origin, with no
cookies to read and no credentials to send, and its call is refused.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.server.conftest import TOKEN, RunningServer

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Browser

PAGE = """<!doctype html><meta charset="utf-8"><title>report</title>
<pre id="seen">running</pre>
<script>
(async () => {
  const seen = {};
  let cookies = "";
  try { cookies = document.cookie; seen.cookie = cookies; }
  catch (error) { seen.cookie = "refused: " + error.name; }
  const xsrf = (cookies.match(/_xsrf=([^;]+)/) || ["", ""])[1];
  seen.origin = String(self.origin);
  const call = JSON.stringify({jsonrpc: "2.0", id: 1, method: "eval_cell", params: {code: CODE}});
  const tries = {
    json: {"Content-Type": "application/json", "X-XSRFToken": xsrf},
    simple: {"Content-Type": "text/plain"},
  };
  for (const [name, headers] of Object.entries(tries)) {
    try {
      const response = await fetch("/api/rpc", {method: "POST", credentials: "include",
                                                headers, body: call});
      seen[name] = response.status;
    } catch (error) { seen[name] = "refused: " + error.name; }
  }
  document.getElementById("seen").textContent = JSON.stringify(seen);
})();
</script>
"""


def test_a_script_in_an_html_file_reaches_neither_cookies_nor_the_api(
    browser: Browser, tmp_path: Path
) -> None:
    marker = tmp_path / "marker"
    root = tmp_path / "root"
    root.mkdir()
    code = f"open({str(marker)!r}, 'w').write('ran')"
    (root / "report.html").write_text(PAGE.replace("CODE", json.dumps(code)))
    with RunningServer(root, "--token", TOKEN) as server, browser.new_context() as context:
        page = context.new_page()
        page.goto(f"{server.url}/tree/?token={TOKEN}")
        assert any(c["name"] == "_xsrf" for c in context.cookies())
        page.locator('[data-testid=file-row][data-path="report.html"] a.file-name').click()
        page.wait_for_url("**/files/report.html")
        expect(page.locator("#seen")).not_to_have_text("running")
        seen = json.loads(page.locator("#seen").text_content() or "{}")
    err = server.logged
    assert seen["cookie"].startswith("refused"), seen
    assert seen["origin"] == "null", seen
    assert seen["json"] != 200, seen
    assert seen["simple"] != 200, seen
    assert not marker.exists()
    assert "refused POST /api/rpc" in err
