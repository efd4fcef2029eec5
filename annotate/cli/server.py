"""``annotate server start | status | stop``: the embedded Label Studio server.

Exit codes: ``start`` and ``stop`` 0 on success; ``status`` 0 when the server is up and answers
its health check, 1 when it is not running or does not answer (a stopped server is not an error:
the exit code is for scripts). The API key is never printed; it stays in the credentials file.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
from pathlib import Path

from annotate.studio.server import (
    DEFAULT_DATA_DIR,
    DEFAULT_HOST,
    DEFAULT_PORT,
    LOG_FILE,
    free_port,
    server_status,
    start_server,
    stop_server,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "server",
        help="start, check or stop the embedded Label Studio server",
        description="Run Label Studio on this machine in the background, with its data in a local "
        "folder. The first start creates an admin account and an API key and keeps them in "
        "<data-dir>/credentials.json, readable only by you; other commands find them there.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    start = actions.add_parser("start", help="start the server (a no-op when it already runs)",
                               description="Start Label Studio in the background and wait until it answers.")
    _common(start)
    start.add_argument("--port", type=int, default=DEFAULT_PORT,
                       help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)")
    start.add_argument("--host", default=DEFAULT_HOST,
                       help=f"address to listen on (default {DEFAULT_HOST}: this machine only)")
    start.add_argument("--timeout", type=float, default=180, metavar="SECONDS",
                       help="how long to wait for the server to answer (default 180)")
    start.add_argument("--database", metavar="URL",
                       help="run on PostgreSQL: postgresql://USER@HOST:PORT/NAME, an empty database or the "
                       "one this data folder started on, the password in PGPASSWORD (kept in the credentials "
                       "file for later starts); default: SQLite in the data folder")
    status = actions.add_parser("status", help="say whether the server is up (exit 0 up, 1 down)",
                                description="Say whether the server runs; exit 0 when it is up, 1 when not.")
    _common(status)
    stop = actions.add_parser("stop", help="stop the server started from the data folder",
                              description="Stop the server this data folder started (and nothing else).")
    _common(stop)
    parser.set_defaults(handler=run)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR, metavar="DIR",
                        help=f"the server's data folder (default {DEFAULT_DATA_DIR})")


def run(args: argparse.Namespace) -> int:
    return {"start": _start, "status": _status, "stop": _stop}[args.action](args)


def _start(args: argparse.Namespace) -> int:
    port = args.port or free_port(args.host)
    password = os.environ.get("PGPASSWORD") if args.database else None
    info = start_server(args.data_dir, port=port, host=args.host, timeout=args.timeout,
                        database=args.database, database_password=password,
                        on_launch=lambda: print(f"starting Label Studio from {args.data_dir} "
                                                f"(the first start takes a minute) ...", file=sys.stderr))
    state = "already running" if info.already_running else "running"
    on = f"PostgreSQL {info.database}" if info.database else f"SQLite in {info.data_dir}"
    print(f"Label Studio is {state} at {info.url} (pid {info.pid}) on {on}")
    print(f"log in as {info.username}; the password and API key are in {info.credentials_path} (readable only by you)")
    print(f"stop it with: {stop_command(args)}")
    return 0


def _status(args: argparse.Namespace) -> int:
    status = server_status(args.data_dir)
    if not status.running:
        print(f"Label Studio is not running from {args.data_dir}")
        return 1
    if not status.healthy:
        print(f"Label Studio (pid {status.pid}) runs but does not answer at {status.url}; "
              f"it may still be starting, or see {args.data_dir}/{LOG_FILE}")
        return 1
    print(f"Label Studio is up at {status.url} (pid {status.pid})")
    return 0


def _stop(args: argparse.Namespace) -> int:
    status = server_status(args.data_dir)
    if stop_server(args.data_dir):
        print(f"stopped Label Studio (pid {status.pid}) at {status.url}")
    else:
        print(f"Label Studio was not running from {args.data_dir}; nothing to stop")
    return 0


# Set by the Makefile to ``make stop``: the stop hint then names the command the user ran from.
STOP_COMMAND_VARIABLE = "ANNOTATE_STOP_COMMAND"


def stop_command(args: argparse.Namespace) -> str:
    """The command that stops this server, as the user can type it where they are."""
    given = os.environ.get(STOP_COMMAND_VARIABLE, "").strip()
    if given:
        return given
    return f"{invoked_command()} server stop" + _data_dir_option(args)


def invoked_command(argv0: str | None = None) -> str:
    """``annotate`` when that name on the PATH is this program, else the path it was run by
    (``.venv/bin/annotate`` when the virtual environment is not activated)."""
    program = Path(argv0 if argv0 is not None else sys.argv[0])
    on_path = shutil.which("annotate")
    if program.name != "annotate" or (on_path and Path(on_path).resolve() == program.resolve()):
        return "annotate"
    try:
        shown = program.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        shown = program.resolve()
    return shlex.quote(str(shown))


def _data_dir_option(args: argparse.Namespace) -> str:
    return "" if args.data_dir == DEFAULT_DATA_DIR else f" --data-dir {args.data_dir}"
