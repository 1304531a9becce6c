"""The workbench in a real browser: `tui-nn serve`, headless Chromium, F5, the tutorial's numbers.

The test starts the server on a free loopback port in a session of its own, opens the page in
Debian's Chromium through Playwright, presses F5 (Train; a browser keeps ctrl+t for a new tab)
without clicking, and waits until the page shows the tutorial's predictions. Then it stops the
server as a user does (ctrl+c, SIGINT), sees the page say the workbench ended, and checks that
every process the server started is gone. Every wait is for something on the page or a process,
all within one 60-second deadline.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from .processes import free_port, kill_session, start_server, wait_until_gone

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="needs Playwright for Python: pip install -e '.[test]'"
)
pytest.importorskip("textual_serve", reason="needs the serve extra: pip install 'tui-nn[serve]'")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEADLINE_SECONDS = 60.0

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform != "linux", reason="reads processes from Linux's /proc"),
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="needs Debian's chromium (apt-get install chromium); .ci/run installs it",
    ),
]

# textual.js keeps its xterm.js terminal in a closure and draws it on a canvas, so neither the
# DOM nor window holds the screen's text. Before the page's scripts run, this catches the one
# object that sets `unicode11Addon` (textual.js's terminal wrapper) as it is built; the test
# then reads the screen through xterm.js's public buffer API, as the terminal itself shows it.
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "unicode11Addon", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "unicode11Addon", {
      value, writable: true, configurable: true, enumerable: true,
    });
    window.__tuiNnTerminal = this.terminal;
  },
});
"""
SCREEN_TEXT = """() => {
  const terminal = window.__tuiNnTerminal;
  if (!terminal) return "";
  const buffer = terminal.buffer.active;
  const rows = [];
  for (let y = 0; y < terminal.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
}"""


class Deadline:
    """One time budget shared by every wait in the test."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def seconds(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            pytest.fail(f"the browser test ran over its {DEADLINE_SECONDS:.0f} s deadline")
        return left

    def ms(self) -> float:
        return self.seconds() * 1000


class ServerOutput:
    """Drains one of the server's pipes on a thread; an event fires on the first line."""

    def __init__(self, pipe: IO[str]) -> None:
        self.lines: list[str] = []
        self.first_line = threading.Event()
        self._thread = threading.Thread(target=self._drain, args=(pipe,), daemon=True)
        self._thread.start()

    def _drain(self, pipe: IO[str]) -> None:
        for line in pipe:
            self.lines.append(line.rstrip("\n"))
            self.first_line.set()
        self.first_line.set()  # end of output: wake a waiter to see the server died

    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def server() -> Iterator[tuple[subprocess.Popen[str], str, ServerOutput, ServerOutput]]:
    """`tui-nn serve` on a free loopback port, in a session of its own; killed if left running."""
    port = free_port()
    process = start_server(port)
    out, err = ServerOutput(process.stdout), ServerOutput(process.stderr)  # type: ignore[arg-type]
    try:
        yield process, f"http://127.0.0.1:{port}/", out, err
    finally:
        kill_session(process.pid)
        process.wait(timeout=10)


def test_train_in_the_browser_shows_the_tutorials_predictions_and_stops_cleanly(
    server: tuple[subprocess.Popen[str], str, ServerOutput, ServerOutput],
) -> None:
    process, url, out, err = server
    deadline = Deadline(DEADLINE_SECONDS)
    started = time.monotonic()
    assert out.first_line.wait(deadline.seconds()), "the server printed nothing"
    assert out.lines, f"the server exited before it was ready: {err.text()}"
    assert url in out.lines[0], out.text()
    ready = time.monotonic()

    requests: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1024, "height": 640})
            page.on("request", lambda request: requests.append(request.url))
            page.add_init_script(CATCH_TERMINAL)
            loading = time.monotonic()
            page.goto(url, timeout=deadline.ms())
            try:
                page.wait_for_function("() => window.__tuiNnTerminal", timeout=deadline.ms())
            except sync_api.TimeoutError:
                pytest.fail("textual.js no longer builds its terminal as CATCH_TERMINAL expects")
            screen = wait_for_text(page, ["Train", "1,0,0"], deadline)
            first_frame = time.monotonic()
            assert "0.0189" not in screen and "0.9898" not in screen, screen

            page.keyboard.press("F5")
            training = time.monotonic()
            wait_for_text(page, ["0.0189", "0.9898"], deadline)
            trained = time.monotonic()

            process.send_signal(signal.SIGINT)
            page.wait_for_selector("body.-closed", timeout=deadline.ms())
        finally:
            browser.close()

    assert process.wait(timeout=deadline.seconds()) == 0, err.text()
    leftovers = wait_until_gone(process.pid, deadline.end)
    assert not leftovers, f"processes the server started outlived it: {leftovers}"
    assert all(request.startswith(url) for request in requests), (
        f"the page fetched from elsewhere: {requests}"
    )
    assert "Traceback" not in out.text() + err.text(), out.text() + err.text()
    print(
        f"\nserver ready {ready - started:.2f} s; page load to first frame "
        f"{first_frame - loading:.2f} s; F5 to final numbers {trained - training:.2f} s"
    )


def wait_for_text(page: Any, texts: list[str], deadline: Deadline) -> str:
    """Wait until the terminal on the page shows every one of ``texts``; the screen's text."""
    condition = (
        f"(texts) => {{ const screen = ({SCREEN_TEXT})(); "
        "return texts.every(text => screen.includes(text)); }"
    )
    try:
        page.wait_for_function(condition, arg=texts, polling=100, timeout=deadline.ms())
    except sync_api.TimeoutError:
        pytest.fail(f"the page never showed {texts}; it shows:\n{page.evaluate(SCREEN_TEXT)}")
    screen: str = page.evaluate(SCREEN_TEXT)
    return screen
