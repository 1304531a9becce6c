"""`tui-nn serve` without a browser: its one-line errors, whom it answers, no orphans.

The browser itself is in test_browser_workbench.py.
"""

from __future__ import annotations

import asyncio
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tui_nn.cli import main

from .processes import (
    REPO,
    free_port,
    kill_session,
    processes_in_session,
    start_server,
    wait_until_gone,
)


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


async def test_a_workbench_quits_when_its_server_is_killed() -> None:
    # A server killed outright (kill -9, out of memory) cannot tell its apps to quit; each app
    # must notice its input ended rather than run on for no one.
    pytest.importorskip(
        "textual_serve", reason="needs the serve extra: pip install 'tui-nn[serve]'"
    )
    from aiohttp import ClientSession, WSMsgType

    until = time.monotonic() + 60
    port = free_port()
    server = start_server(port)
    try:
        assert server.stdout is not None
        ready = await asyncio.wait_for(asyncio.to_thread(server.stdout.readline), 30)
        assert f"http://127.0.0.1:{port}/" in ready
        async with (
            ClientSession() as http,
            http.ws_connect(f"http://127.0.0.1:{port}/ws?width=80&height=24") as tab,
        ):
            first = await asyncio.wait_for(tab.receive(), until - time.monotonic())
            assert first.type == WSMsgType.BINARY, "the app draws: it runs"
            workbenches = set(processes_in_session(server.pid)) - {server.pid}
            assert len(workbenches) == 1, processes_in_session(server.pid)
            server.kill()
            server.wait()
        left = wait_until_gone(server.pid, until)
        assert not left, f"the workbench outlived its killed server: {left}"
    finally:
        kill_session(server.pid)
        server.wait()
