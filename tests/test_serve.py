"""`tui-nn serve` without a browser: its one-line errors and whom it answers.

The browser itself is in test_browser_workbench.py.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui_nn.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_a_bad_port_is_one_line_naming_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "http"]) == 2
    err = capsys.readouterr().err
    assert err == "tui-nn serve: error: --port: expected 1 to 65535, got 'http'\n"


def test_without_the_serve_extra_it_says_what_to_install(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if textual-serve were not installed: importing it fails.
    monkeypatch.setitem(sys.modules, "textual_serve", None)
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    monkeypatch.delitem(sys.modules, "tui_nn.web.server", raising=False)
    assert main(["serve"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "pip install 'tui-nn[serve]'" in err


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port something else is listening on."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_a_port_in_use_is_one_line_and_status_1(busy_port: int) -> None:
    pytest.importorskip(
        "textual_serve", reason="needs the serve extra: pip install 'tui-nn[serve]'"
    )
    done = subprocess.run(
        [sys.executable, "-m", "tui_nn", "serve", "--port", str(busy_port)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (
        f"tui-nn serve: error: port {busy_port} on 127.0.0.1 is in use; "
        "choose another with --port\n"
    )


async def test_the_page_loads_only_from_itself_and_answers_only_to_localhost() -> None:
    pytest.importorskip(
        "textual_serve", reason="needs the serve extra: pip install 'tui-nn[serve]'"
    )
    from aiohttp.test_utils import TestClient, TestServer

    from tui_nn.web.server import WorkbenchServer

    server = WorkbenchServer("127.0.0.1", 8000)
    async with TestClient(TestServer(server.make_web_app())) as client:
        page = await client.get("/")
        assert page.status == 200
        html = await page.text()
        assert "<title>tui-nn</title>" in html
        links = re.findall(r'(?:src=|href=|url\()"([^"]*)"', html)
        assert len(links) == 4, links  # the stylesheet, the script, the two fonts
        for link in links:
            assert ":" not in link and not link.startswith("/"), "relative to the page"
            assert (await client.get("/" + link)).status == 200, link
        # A site that makes its own name point at 127.0.0.1 (DNS rebinding) gets nothing.
        rebound = await client.get("/", headers={"Host": f"rebind.example:{client.port}"})
        assert rebound.status == 403


async def test_a_websocket_from_another_site_is_refused() -> None:
    pytest.importorskip(
        "textual_serve", reason="needs the serve extra: pip install 'tui-nn[serve]'"
    )
    from aiohttp import WSServerHandshakeError
    from aiohttp.test_utils import TestClient, TestServer

    from tui_nn.web.server import WorkbenchServer

    server = WorkbenchServer("127.0.0.1", 8000, command="exit 1")
    async with TestClient(TestServer(server.make_web_app())) as client:
        with pytest.raises(WSServerHandshakeError) as refused:
            await client.ws_connect("/ws", headers={"Origin": "http://evil.example"})
        assert refused.value.status == 403
