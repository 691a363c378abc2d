"""The server of `tui-lab serve` (cli/serve.py checks its command line): textual-serve's
Server, with what a class needs.

- At most max_sessions labs run at once: a tab beyond them gets a page saying the class is
  full (at its first request, or sent there when its websocket connects).
- Each lab ends within seconds of its tab closing: asked to quit, then terminated, then
  killed (LabService.stop). ctrl+c (or SIGTERM) stops the server and every lab it started.
- The page is the lab's own (page/app_index.html): it focuses the terminal as the lab's
  first bytes arrive, so keys work without a click, uses the font shipped with
  textual-serve rather than one from the internet, and downloads through a hidden frame.
- Its URLs come from the request's own Host: with --host 0.0.0.0 a student's browser
  connects back to the address it used, not to 0.0.0.0.
Every lab gets TMPDIR in the server's scratch folder, removed when the server ends.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import signal
import socket
import tempfile
from pathlib import Path

import aiohttp_jinja2
from aiohttp import web
from aiohttp.web_runner import GracefulExit
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from tui_lab.errors import LabError

PAGES = Path(__file__).with_name("page")
QUIT_S = 3.0  # a lab asked to quit has this long before it is terminated
END_S = 2.0  # then this long before it is killed
log = logging.getLogger("tui-lab serve")


class LabService(AppService):
    """One tab's lab process."""

    def __init__(self, *args, scratch: Path, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.scratch = scratch

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width, height)
        # The lab sets its own frame rate (tui/app.py): a key's repaint waits for a frame.
        environment.pop("TEXTUAL_FPS", None)
        environment["TMPDIR"] = str(self.scratch)
        return environment

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def run(self) -> None:
        await super().run()
        # The lab has ended (q, or it could not start): its page says so and offers another.
        await self.remote_close()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.returncode is None

    async def stop(self) -> None:
        """End the lab: quit, else SIGTERM, else SIGKILL; wait for it (any number of calls)."""
        process, task = self._process, self._task
        if process is None:
            return
        if process.returncode is None:
            await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
            await self.send_meta({"type": "quit"})
        for end, wait in ((None, QUIT_S), (process.terminate, END_S), (process.kill, None)):
            if process.returncode is not None:
                break
            if end is not None:
                try:
                    end()
                except ProcessLookupError:
                    pass
            try:
                await asyncio.wait_for(process.wait(), wait)
            except asyncio.TimeoutError:
                continue
        if task is not None:  # its output ends with the process
            self._task = None
            try:
                await asyncio.wait_for(task, END_S)
            except asyncio.TimeoutError:
                pass  # (wait_for has cancelled it)


class Classroom(Server):
    def __init__(self, command: str, host: str, port: int, max_sessions: int,
                 root: Path | None, scratch: Path) -> None:
        super().__init__(command, host=host, port=port, title="tui-lab", templates_path=PAGES)
        self.max_sessions, self.root, self.scratch = max_sessions, root, scratch
        self.services: set[LabService] = set()
        self.stopping = False

    @property
    def full(self) -> bool:
        return len(self.services) >= self.max_sessions

    def initialize_logging(self) -> None:
        # textual-serve logs every request; a teacher needs the URL and the labs' count.
        logging.basicConfig(level=logging.WARNING, format="tui-lab serve: %(message)s")

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.router.add_get("/full", self.handle_full)
        return app

    async def on_startup(self, app: web.Application) -> None:
        pass  # (textual-serve prints its logo here, before the port is even bound)

    def announce(self, *_) -> None:
        """Once the server listens (aiohttp calls it then): where to point the browsers."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        where = f"http://{host}:{self.port}"
        if self.host in ("0.0.0.0", "::"):
            where = f"http://{socket.gethostname()}:{self.port} (this machine: " \
                    f"http://127.0.0.1:{self.port})"
        folder = f"the class folder {self.root}" if self.root else "no class folder"
        print(f"tui-lab serve: the lab is at {where}, for {self.max_sessions} tabs at once, "
              f"{folder}; ctrl+c stops it", flush=True)

    def _count(self, what: str) -> None:
        print(f"tui-lab serve: {what}: {len(self.services)} of {self.max_sessions} labs "
              f"running", flush=True)

    def request_exit(self) -> None:
        if not self.stopping:  # a second ctrl+c while the labs end changes nothing
            self.stopping = True
            raise GracefulExit()

    async def on_shutdown(self, app: web.Application) -> None:
        async def end(service: LabService) -> None:
            await service.stop()
            await service.remote_close()  # its tab's websocket: its handler ends now

        await asyncio.gather(*(end(service) for service in list(self.services)),
                             return_exceptions=True)

    async def handle_full(self, request: web.Request) -> web.Response:
        page = (PAGES / "full.html").read_text(encoding="utf-8")
        return web.Response(text=page.replace("{{ labs }}", str(self.max_sessions)),
                            content_type="text/html", status=503,
                            headers={"Retry-After": "60"})

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if self.full:
            return await self.handle_full(request)
        scheme = "wss" if request.secure else "ws"
        context = {"font_size": to_int(request.query.get("fontsize", "16"), 16),
                   "app_websocket_url": f"{scheme}://{request.host}/ws",
                   "config": {"static": {"url": "/static/"}},
                   "application": {"name": self.title}}
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        if self.full or self.stopping:  # its page was served while a place was free
            await websocket.send_str(json.dumps(["open_url", {"url": "/full",
                                                              "new_tab": False}]))
            await websocket.close()
            return websocket
        service = LabService(self.command, write_bytes=websocket.send_bytes,
                             write_str=websocket.send_str, close=websocket.close,
                             download_manager=self.download_manager, scratch=self.scratch)
        self.services.add(service)  # before any await: the next tab counts this one
        self._count("a tab opened")
        try:
            await service.start(to_int(request.query.get("width", "80"), 80),
                                to_int(request.query.get("height", "24"), 24))
            await self._process_messages(websocket, service)
        except Exception as error:  # a broken message from a browser: that tab only
            log.warning(f"a tab's connection failed: {type(error).__name__}: {error}")
        finally:
            try:
                await service.stop()
            finally:
                self.services.discard(service)
                self._count("a tab closed")
        return websocket

    def serve(self, debug: bool = False) -> None:
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signal_number, self.request_exit)
        try:
            web.run_app(self._make_app(), host=self.host, port=self.port, loop=loop,
                        handle_signals=False, print=self.announce, access_log=None,
                        shutdown_timeout=QUIT_S + 2 * END_S)
        except OSError as error:  # a port in use, an address not of this machine
            # (asyncio's own text repeats the address; a host name's error has no errno > 0)
            why = os.strerror(error.errno) if (error.errno or 0) > 0 else \
                error.strerror or str(error)
            raise LabError(f"cannot listen on {self.host}:{self.port}: {why}") from None
        finally:
            self._kill_left()

    def _kill_left(self) -> None:
        """Whatever shutdown could not end (it was cut short): killed, never orphaned."""
        for service in self.services:
            if service.running:
                try:
                    os.kill(service.pid, signal.SIGKILL)
                    os.waitpid(service.pid, 0)
                except (ProcessLookupError, ChildProcessError):
                    pass


def serve(command: str, host: str, port: int, max_sessions: int, root: Path | None) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="tui-lab-serve-"))
    try:
        Classroom(command, host, port, max_sessions, root, scratch).serve()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
