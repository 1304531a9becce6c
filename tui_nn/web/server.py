"""``tui-nn serve``: the workbench in a browser, one workbench per tab, through textual-serve.

textual-serve runs a shell command once per websocket (so once per browser tab) with Textual's
web driver, and relays the app's terminal to xterm.js in the page. What this module adds for a
workbench served from someone's own machine:

- loopback by default, and a page that loads nothing from the internet (our template);
- requests only from the page itself: while bound to loopback the Host must be a loopback name
  (a DNS-rebinding site cannot reach the server), and a websocket's Origin must be the page's
  own (no other site open in the browser can drive a workbench, which can write files);
- one line on stdout once the port is bound, one line on stderr when it cannot be;
- on ctrl+c, SIGTERM or a hang-up, every open workbench is told to quit, and waited for, before
  exit; a workbench whose server was killed outright quits by itself (``tab_driver``).
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import logging
import shlex
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.server import Server

TITLE = "tui-nn"
TEMPLATES = Path(__file__).parent / "templates"
QUIT_TIMEOUT = 10.0
"""Seconds the open workbenches get to quit when the server stops."""
TAB_DRIVER = "tui_nn.web.tab_driver:TabDriver"
"""``TEXTUAL_DRIVER`` for each tab's app: it quits if the server is killed (no orphans)."""
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
CANNOT_START = 1


class ServeError(Exception):
    """The server could not start; the message is one line for the user."""


def app_command() -> str:
    """The shell command run per browser tab: this interpreter, this copy of tui-nn."""
    # exec: the app replaces the shell, so the app is the server's child and a quit reaches it.
    # env sets the driver after textual-serve has set its own.
    return "exec " + shlex.join(
        ["env", f"TEXTUAL_DRIVER={TAB_DRIVER}", sys.executable, "-m", "tui_nn"]
    )


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or address) only listens on this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def page_url(host: str, port: int) -> str:
    """The address to open in a browser."""
    bare = host.strip("[]")
    return f"http://[{bare}]:{port}/" if ":" in bare else f"http://{bare}:{port}/"


def _host_name(authority: str) -> str | None:
    """The host name of ``host[:port]``, lower case; None when it does not parse."""
    try:
        name = urlsplit("//" + authority).hostname
    except ValueError:
        return None
    return name


def _cannot_listen(error: OSError, host: str, port: int) -> str:
    """One line saying why the server cannot listen and what to do."""
    if isinstance(error, socket.gaierror):
        return f"--host {host}: unknown host ({error.strerror})"
    if error.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is in use; choose another with --port"
    if error.errno == errno.EACCES:
        return f"port {port} needs privileges; choose one from 1024 up with --port"
    if error.errno == errno.EADDRNOTAVAIL:
        return f"--host {host}: not an address of this machine"
    return f"cannot listen on {host} port {port}: {error.strerror or error}"


async def _no_content(request: web.Request) -> web.Response:
    return web.Response(status=204)


class WorkbenchServer(Server):
    """textual-serve's server with our page, request checks, start and stop."""

    def __init__(self, host: str, port: int, command: str | None = None) -> None:
        super().__init__(
            command or app_command(),
            host=host,
            port=port,
            title=TITLE,
            templates_path=TEMPLATES,
        )
        self.loopback = is_loopback(host)
        self._sessions: set[asyncio.Task[object]] = set()

    @property
    def url(self) -> str:
        """The page's address."""
        return page_url(self.host, self.port)

    def _check_host(self, request: web.Request) -> None:
        if self.loopback and _host_name(request.host) not in LOOPBACK_NAMES:
            raise web.HTTPForbidden(text="tui-nn serve answers only to localhost\n")

    def _check_origin(self, request: web.Request) -> None:
        origin = request.headers.get("Origin")
        # Browsers always send Origin on a websocket; a page from another site sends its own.
        if origin is not None and urlsplit(origin).netloc.lower() != request.host.lower():
            raise web.HTTPForbidden(text="tui-nn serve: websocket from another site refused\n")

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        """The page, to a loopback name only (while bound to loopback)."""
        self._check_host(request)
        return await super().handle_index(request)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One workbench for one tab, for the page's own origin only."""
        self._check_host(request)
        self._check_origin(request)
        task = asyncio.current_task()
        assert task is not None  # aiohttp runs every handler in a task
        self._sessions.add(task)
        try:
            return await super().handle_websocket(request)
        finally:
            self._sessions.discard(task)

    def make_web_app(self) -> web.Application:
        """The aiohttp application: the page, its websocket, downloads and static files."""
        app = web.Application()
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(TEMPLATES))
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws", self.handle_websocket, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, name="static"),
                # No icon: an empty answer instead of a 404 in the browser's console.
                web.get("/favicon.ico", _no_content),
            ]
        )
        return app

    async def quit_workbenches(self) -> None:
        """Tell every open workbench to quit and wait (bounded) until each has."""
        sessions = set(self._sessions)
        for task in sessions:
            # textual-serve's handler answers a cancel by sending its app "quit" and waiting.
            task.cancel()
        if sessions:
            _done, pending = await asyncio.wait(sessions, timeout=QUIT_TIMEOUT)
            if pending:
                logging.getLogger("tui-nn").warning(
                    "%d workbench(es) did not quit within %.0f s", len(pending), QUIT_TIMEOUT
                )

    async def run(self, ready: Callable[[str], None]) -> None:
        """Listen, call ``ready(url)``, and serve until SIGINT, SIGTERM or SIGHUP.

        Raises:
            ServeError: the address cannot be listened on.
        """
        runner = web.AppRunner(
            self.make_web_app(), handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except OSError as error:
            await runner.cleanup()
            raise ServeError(_cannot_listen(error, self.host, self.port)) from None
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        # SIGHUP too: a teacher's SSH session that drops stops the server like ctrl+c.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(signum, stop.set)
        ready(self.url)
        try:
            await stop.wait()
        finally:
            await self.quit_workbenches()
            await runner.cleanup()


class _OneLineFormatter(logging.Formatter):
    """Log records as one line each: a server error names its cause, without a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"tui-nn serve: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            line += f" ({record.exc_info[1]!r})"
        return line


def _quiet_logging() -> None:
    """Warnings and errors of the server's parts as one line each on stderr; nothing else."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLineFormatter())
    for name in ("tui-nn", "textual-serve", "aiohttp"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(logging.WARNING)
        logger.propagate = False


def serve(host: str, port: int) -> int:
    """Run ``tui-nn serve`` until ctrl+c; the exit status."""
    _quiet_logging()
    server = WorkbenchServer(host, port)

    def ready(url: str) -> None:
        print(f"tui-nn serve: open {url} in a browser (a new workbench per tab); ctrl+c stops")
        if server.loopback:
            bound = f"[{host.strip('[]')}]" if ":" in host else host
            print(
                f"tui-nn serve: from another machine: ssh -L {port}:{bound}:{port} "
                f"{socket.gethostname()}, then open http://localhost:{port}/ there"
            )
        else:
            print(
                f"tui-nn serve: warning: listening on {host}: anyone who can reach it can use "
                "the workbench and write files as you; an SSH tunnel to 127.0.0.1 is safer",
                file=sys.stderr,
            )
        sys.stdout.flush()

    try:
        asyncio.run(server.run(ready))
    except ServeError as error:
        print(f"tui-nn serve: error: {error}", file=sys.stderr)
        return CANNOT_START
    except KeyboardInterrupt:
        return 130
    return 0
