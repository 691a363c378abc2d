"""`tui-lab serve`: the lab in a browser, for a class. Each tab gets a lab process of its own
(textual-serve, the optional extra `tui-lab[serve]`), started with the lab options given
here, its files kept in --root (cli/launch.py served_lab, core/confine.py).

This module checks the command line (a mistake is one line on stderr, before any port is
opened); cli/classroom.py is the server.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from tui_lab.cli.options import PROG, USAGE_ERROR, Parser, int_in

LAB_RSS_MIB = 700  # one lab after 50 steps: 686 MiB measured by `tui-lab bench --serve`
FREE_MIB = 2048  # left to the machine whatever the class
MAX_DEFAULT_SESSIONS = 64
INSTALL = f'{PROG} serve: error: textual-serve is not installed: pip install "tui-lab[serve]"\n'


def build_parser() -> Parser:
    parser = Parser(prog=f"{PROG} serve",
                    usage="%(prog)s [--host H] [--port P] [--max-sessions N] [--root DIR] "
                          "[lab options]",
                    description="Serve the lab to browsers: one lab process per tab, started "
                                "with the lab options given here (see tui-lab --help).",
                    epilog="A browser user opens files only in --root (none without it: the "
                           "lyrics, the shipped models and typed sentences); exports are "
                           "downloads; no session is saved.")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only; "
                             "0.0.0.0 for a class)")
    parser.add_argument("--port", type=int_in(1, 65535), default=8000,
                        help="port (default 8000)")
    parser.add_argument("--max-sessions", type=int_in(1, 1024), metavar="N",
                        help=f"labs at once (default: what the memory available holds at "
                             f"{LAB_RSS_MIB} MiB a lab, {FREE_MIB // 1024} GiB left free, at "
                             f"most {MAX_DEFAULT_SESSIONS}); a tab beyond them is told the "
                             f"class is full")
    parser.add_argument("--root", metavar="DIR",
                        help="the class folder: the only files a browser user can open")
    return parser


def default_sessions(available_mib: float | None = None) -> int:
    """How many labs the memory available now holds, leaving FREE_MIB."""
    if available_mib is None:
        available_mib = _available_mib()
    return max(1, min(MAX_DEFAULT_SESSIONS, int((available_mib - FREE_MIB) // LAB_RSS_MIB)))


def _available_mib() -> float:
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**20


def python_path() -> str:
    """PYTHONPATH for a child of this Python that must import this tui_lab: a checkout's
    folder first (an installed one is in this Python's site-packages already)."""
    import site

    package_home = str(Path(__file__).resolve().parents[2])
    installed = [*site.getsitepackages(), site.getusersitepackages()]
    return os.pathsep.join(p for p in (None if package_home in installed else package_home,
                                       os.environ.get("PYTHONPATH")) if p)


def lab_command(root: Path | None, lab_argv: list[str]) -> str:
    """The shell command each tab's lab runs: this Python and this tui_lab, exec'd so that
    the server's child is the lab itself."""
    served = ["--served", *(["--served-root", str(root)] if root else [])]
    return (f"PYTHONPATH={shlex.quote(python_path())} exec " +
            shlex.join([sys.executable, "-m", "tui_lab", *served, *lab_argv]))


def check_lab_options(root: Path | None, lab_argv: list[str]) -> None:
    """The lab options as a tab's lab will read them, so a mistake is said here, once:
    argparse's one line, or a LabError (a file outside --root, a bad setting)."""
    from tui_lab.cli import launch
    from tui_lab.cli.options import make_lab
    from tui_lab.core.confine import Confinement
    from tui_lab.core.text import assets_dir
    from tui_lab.errors import LabError

    parser = launch.build_parser()
    parser.prog = f"{PROG} serve"
    args = parser.parse_args(lab_argv)  # (--model has made a shipped model's name its path)
    if args.served or args.served_root:
        raise LabError("--served and --served-root are for the labs tui-lab serve starts")
    confinement = Confinement(root, Path(os.devnull), assets_dir())
    for name in launch.FILE_OPTIONS:
        if getattr(args, name):
            setattr(args, name, str(confinement.resolve(getattr(args, name))))
    launch.model_request(args)  # --model and its options, as far as they can be checked now
    make_lab(args)


def run(argv: list[str]) -> int:
    from tui_lab.errors import LabError

    args, lab_argv = build_parser().parse_known_args(argv)
    root = None
    if args.root is not None:
        root = Path(args.root).expanduser().resolve()
        if not root.is_dir():
            raise LabError(f"--root {args.root}: no such folder")
    check_lab_options(root, lab_argv)
    try:
        from tui_lab.cli import classroom
    except ImportError:
        sys.stderr.write(INSTALL)
        return USAGE_ERROR
    sessions = args.max_sessions or default_sessions()
    classroom.serve(lab_command(root, lab_argv), args.host, args.port, sessions, root)
    return 0
