"""A served lab seen from a real browser: the system's Chromium driven by Playwright, for
`tui-lab bench --serve` and the browser tests (tests/serve/).

The page draws the terminal on canvases, so its text is not in the DOM. SCREEN_JS (run in
the page before textual.js) keeps textual.js's xterm Terminal as it is made and reads the
screen from its buffer (`__lab.screen()`); it also notes when a key went down and when the
screen first held a wanted text after it (`__lab.want`): when xterm had parsed the lab's bytes
(parsedAt) and when it drew them (shownAt).
The lab processes are found as the server's children in /proc (Linux).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

SCREEN_JS = r"""
window.__lab = {terms: [], want: null, keyAt: null, shownAt: null, parsedAt: null,
  screen() {
    const term = this.terms[0];
    if (!term) return "";
    const buffer = term.buffer.active, rows = [];
    for (let y = 0; y < term.rows; y++) {
      const line = buffer.getLine(buffer.viewportY + y);
      rows.push(line ? line.translateToString(true) : "");
    }
    return rows.join("\n");
  }};
// textual.js sets `this.terminal = new Terminal(...)` once: catch the object on its way in.
Object.defineProperty(Object.prototype, "terminal", {configurable: true, set(term) {
  Object.defineProperty(this, "terminal", {value: term, writable: true, enumerable: true,
                                           configurable: true});
  window.__lab.terms.push(term);
  term.onWriteParsed(() => {  // the lab's bytes are in, not drawn yet
    const lab = window.__lab;
    if (lab.want !== null && lab.parsedAt === null && lab.screen().includes(lab.want))
      lab.parsedAt = performance.now();
  });
  term.onRender(() => {  // ... and drawn
    const lab = window.__lab;
    if (lab.want !== null && lab.shownAt === null && lab.screen().includes(lab.want))
      lab.shownAt = performance.now();
  });
}});
window.addEventListener("keydown", () => { window.__lab.keyAt = performance.now(); }, true);
"""


def chromium() -> str | None:
    """The system's Chromium (Debian: apt-get install chromium), or None."""
    for name in ("chromium", "chromium-browser"):
        if found := shutil.which(name):
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def launch_options() -> dict:
    """chromium.launch's options (Playwright gives it a fresh profile folder of its own)."""
    return {"executable_path": chromium(), "headless": True, "args": ARGS}


# A student's tab: each in a context of its own, as in a window of its own (Chromium slows
# the timers of a tab behind another in one window to about one a second: its key's repaint
# then waits up to a second).
CONTEXT = {"accept_downloads": True, "viewport": {"width": 1280, "height": 720}}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(*options: str, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    """`tui-lab serve` with options on a free port, in this Python: (process, its URL)."""
    from tui_lab.cli.serve import python_path

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "tui_lab", "serve", "--port", str(port),
                               *options], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True,
                              env={**os.environ, **(env or {}), "PYTHONPATH": python_path()})
    line = server.stdout.readline()  # it prints the URL once it listens
    if f":{port}" not in line:
        server.kill()
        raise RuntimeError(f"tui-lab serve did not start: {line.strip() or 'no output'}")
    return server, f"http://127.0.0.1:{port}/"


def children(pid: int) -> list[int]:
    """The processes whose parent is pid (the labs of a server)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            # After the command's name in parentheses: state, then the parent's pid.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return sorted(found)


def alive(pid: int) -> bool:
    """pid runs (a zombie, ended but not yet reaped, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wait_until(condition, timeout: float, step: float = 0.1) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())
