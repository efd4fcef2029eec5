"""The embedded Label Studio server: start it in the background, check it, stop it.

Everything lives in one data folder (default ``.labelstudio/``):

    credentials.json   admin e-mail, password, API key and URL (mode 0600, owner only)
    server.json        the pid file: pid, port, host and URL of the running server
    server.log         everything the server prints
    label_studio.sqlite3, media/, export/ ...   Label Studio's own data

By default Label Studio keeps its data in SQLite in that folder; ``database=`` runs it on a
PostgreSQL database instead (annotate.studio.database), which the credentials file then records
with its password, so that a later start finds it.

The first start creates an admin account with a random password and a random legacy API token.
The secrets reach Label Studio through its environment, never its command line (which any local
user can read), and are never printed or logged by this module.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from annotate.errors import ServerError
from annotate.filesystem import process_alive, write_atomically
from annotate.studio.database import Database, check_database, parse_database_url

DEFAULT_DATA_DIR = ".labelstudio"
DEFAULT_PORT = 8080
DEFAULT_HOST = "127.0.0.1"
DEFAULT_USERNAME = "admin@localhost"
CREDENTIALS_FILE = "credentials.json"
PID_FILE = "server.json"
LOG_FILE = "server.log"
LOCK_FILE = ".server.lock"
INSTALL_HINT = 'install it with: pip install "annotate[server]" (or pip install label-studio==1.23.2)'

# Quiet and offline-safe: no analytics, no error reporting, no question to the package index.
QUIET_ENV = {
    "COLLECT_ANALYTICS": "false",
    "LATEST_VERSION_CHECK": "false",
    "SENTRY_DSN": "",
    "FRONTEND_SENTRY_DSN": "",
    "DISABLE_SIGNUP_WITHOUT_LINK": "true",
}
# `annotate serve` (an ML backend, and the webhook it listens to) runs on 127.0.0.1, which Label
# Studio refuses by default. The embedded server allows this machine and bans the private ranges
# again; a variable already set in the environment wins.
LOCAL_BACKEND_ENV = {
    "ML_BLOCK_LOCAL_IP": "false",
    "USE_DEFAULT_BANNED_SUBNETS": "false",
    "USER_ADDITIONAL_BANNED_SUBNETS": "0.0.0.0/8,10.0.0.0/8,100.64.0.0/10,169.254.0.0/16,172.16.0.0/12,"
                                      "192.168.0.0/16,fc00::/7,fe80::/10",
}


@dataclass(frozen=True)
class Credentials:
    """How to reach and log in to the embedded server. ``repr`` hides the secrets.

    ``database`` is the PostgreSQL database (``postgresql://USER@HOST:PORT/NAME``, no password) and
    ``database_password`` its password; both None for SQLite.
    """

    url: str
    username: str
    password: str
    api_key: str
    database: str | None = None
    database_password: str | None = None

    def __repr__(self) -> str:
        return (f"Credentials(url={self.url!r}, username={self.username!r}, password=***, api_key=***, "
                f"database={self.database!r}, database_password=***)")

    def postgres(self) -> Database | None:
        """The PostgreSQL database with its password, or None for SQLite."""
        if self.database is None:
            return None
        return parse_database_url(self.database, self.database_password or "")


@dataclass(frozen=True)
class ServerInfo:
    """A server that answers its health check."""

    url: str
    pid: int
    data_dir: Path
    credentials_path: Path
    username: str
    already_running: bool
    database: str | None = None  # postgresql://USER@HOST:PORT/NAME (no password); None for SQLite


@dataclass(frozen=True)
class ServerStatus:
    """What the pid file of a data folder says, checked against the process table and the server."""

    running: bool
    url: str | None
    pid: int | None
    healthy: bool


def start_server(
    data_dir: Path | str = DEFAULT_DATA_DIR,
    *,
    port: int = DEFAULT_PORT,
    host: str = DEFAULT_HOST,
    timeout: float = 180,
    database: str | None = None,
    database_password: str | None = None,
    on_launch: Callable[[], None] | None = None,
) -> ServerInfo:
    """Start Label Studio in the background and return once ``/health`` answers UP.

    Starting a server that already runs from ``data_dir`` changes nothing (``already_running``).
    ``database`` (``postgresql://USER[:PASSWORD]@HOST:PORT/NAME``) runs it on PostgreSQL instead of
    SQLite; the password comes from the URL, else ``database_password``, else what an earlier start
    of this data folder recorded. A database that cannot be used is refused before anything is
    written or started. ``on_launch`` is called when a new server process is about to be launched.
    """
    known = read_credentials(data_dir)
    postgres = _database_for(_folder(data_dir), known, database, database_password)
    if postgres is not None:
        check_database(postgres, ours=known is not None and known.database == postgres.url)
    folder = _prepare_folder(data_dir)
    with _locked(folder):
        record = _read_pid_file(folder)
        if record is not None and _is_our_server(record["pid"], folder):
            _wait_until_healthy(record["url"], record["pid"], folder, timeout, ours=False)
            credentials = read_credentials(folder)
            return ServerInfo(
                url=record["url"], pid=record["pid"], data_dir=folder,
                credentials_path=folder / CREDENTIALS_FILE,
                username=credentials.username if credentials else DEFAULT_USERNAME,
                already_running=True, database=credentials.database if credentials else None,
            )
        _remove(folder / PID_FILE)
        if on_launch is not None:
            on_launch()
        return _start_new(folder, host, port, timeout, postgres)


def _database_for(
    folder: Path, known: Credentials | None, database: str | None, password: str | None
) -> Database | None:
    """The PostgreSQL database to run on (None for SQLite); a data folder keeps the database it started on."""
    recorded = known.postgres() if known else None
    if database is None:
        return recorded
    wanted = parse_database_url(database, password)
    if known is not None and recorded is None:
        raise ServerError(
            f"the data folder {folder} already holds a Label Studio on SQLite; start without --database, "
            f"or give another --data-dir for PostgreSQL"
        )
    if recorded is not None and recorded.url != wanted.url:
        raise ServerError(
            f"the data folder {folder} runs on {recorded.url}, not {wanted.url}; start without --database, "
            f"or give another --data-dir"
        )
    if recorded is not None and not wanted.password:
        return recorded
    return wanted


def _start_new(folder: Path, host: str, port: int, timeout: float, postgres: Database | None) -> ServerInfo:
    executable = find_label_studio()
    _check_port_free(host, port)
    url = _url_for(host, port)
    known = read_credentials(folder)
    credentials = Credentials(
        url=url,
        username=known.username if known else DEFAULT_USERNAME,
        password=known.password if known else secrets.token_urlsafe(18),
        api_key=known.api_key if known else secrets.token_hex(20),
        database=postgres.url if postgres else None,
        database_password=postgres.password if postgres else None,
    )
    _write_private_json(folder / CREDENTIALS_FILE, dataclasses.asdict(credentials))
    pid = _launch(executable, folder, host, port, credentials, postgres)
    _write_private_json(folder / PID_FILE, {"pid": pid, "url": url, "host": host, "port": port})
    try:
        _wait_until_healthy(url, pid, folder, timeout, ours=True)
    except ServerError:
        _terminate(pid)
        _remove(folder / PID_FILE)
        raise
    return ServerInfo(
        url=url, pid=pid, data_dir=folder, credentials_path=folder / CREDENTIALS_FILE,
        username=credentials.username, already_running=False, database=credentials.database,
    )


def server_status(data_dir: Path | str = DEFAULT_DATA_DIR) -> ServerStatus:
    """Whether the server started from ``data_dir`` runs, and whether it answers its health check."""
    folder = _folder(data_dir)
    record = _read_pid_file(folder)
    if record is None or not _is_our_server(record["pid"], folder):
        return ServerStatus(running=False, url=None, pid=None, healthy=False)
    return ServerStatus(running=True, url=record["url"], pid=record["pid"], healthy=_healthy(record["url"]))


def stop_server(data_dir: Path | str = DEFAULT_DATA_DIR) -> bool:
    """Stop the server started from ``data_dir``; True if one was stopped.

    Only a process whose command line is Label Studio with this data folder is stopped; a stale
    pid file (process gone, or the pid reused by another program) is removed and nothing is killed.
    """
    folder = _folder(data_dir)
    if not folder.is_dir():
        return False
    with _locked(folder):
        record = _read_pid_file(folder)
        if record is None:
            return False
        stopped = False
        if _is_our_server(record["pid"], folder):
            _terminate(record["pid"])
            stopped = True
        _remove(folder / PID_FILE)
        return stopped


def read_credentials(data_dir: Path | str = DEFAULT_DATA_DIR) -> Credentials | None:
    """The embedded server's credentials, or None when it was never started from ``data_dir``."""
    path = _folder(data_dir) / CREDENTIALS_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        database, database_password = raw.get("database"), raw.get("database_password")
        return Credentials(
            url=str(raw["url"]), username=str(raw["username"]),
            password=str(raw["password"]), api_key=str(raw["api_key"]),
            database=None if database is None else str(database),
            database_password=None if database_password is None else str(database_password),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ServerError(
            f"cannot read the credentials file {path} ({type(error).__name__}); "
            f"delete the folder {path.parent} to start afresh, or restore the file"
        ) from None


def find_label_studio() -> Path:
    """The ``label-studio`` executable: next to this Python first, then on PATH."""
    beside = Path(sys.executable).parent / "label-studio"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("label-studio")
    if found:
        return Path(found)
    raise ServerError(f"the label-studio program was not found next to {sys.executable} or on PATH; {INSTALL_HINT}")


def log_tail(data_dir: Path | str) -> str:
    """The last 15 lines of the server log (empty when there is none)."""
    try:
        with open(_folder(data_dir) / LOG_FILE, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 16_384))
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-15:])


# --- the process -------------------------------------------------------------------------------


def _launch(
    executable: Path, folder: Path, host: str, port: int, credentials: Credentials, postgres: Database | None
) -> int:
    """Start ``label-studio start`` detached (own session), logging to server.log.

    On first start Label Studio migrates the database and creates the admin account from the
    LABEL_STUDIO_USERNAME/PASSWORD/USER_TOKEN variables and an organization with legacy tokens
    enabled; later starts find them and change nothing. (``--init`` is not used: without a project
    name it creates a project titled ".".) The database, SQLite in the folder or ``postgres``, is
    chosen here alone: database variables inherited from the caller's environment are dropped.
    """
    env = {k: v for k, v in os.environ.items()
           if not _is_label_studio_user_variable(k) and not _is_database_variable(k)}
    env.update(QUIET_ENV)
    for name, value in LOCAL_BACKEND_ENV.items():
        env.setdefault(name, value)
    if postgres is not None:
        env.update(postgres.environment())
    env.update({
        "LABEL_STUDIO_BASE_DATA_DIR": str(folder),
        "LABEL_STUDIO_HOST": "",
        # Read by `label-studio start` to create the admin on first start (a no-op later).
        "LABEL_STUDIO_USERNAME": credentials.username,
        "LABEL_STUDIO_PASSWORD": credentials.password,
        "LABEL_STUDIO_USER_TOKEN": credentials.api_key,
    })
    command = [
        str(executable), "start", "--no-browser", "--enable-legacy-api-token",
        "--data-dir", str(folder), "--internal-host", host, "--port", str(port),
        # --debug only stops Label Studio from silently moving to the next free port
        # (label_studio/server.py, _get_free_port); a taken port must be an error instead.
        "--debug",
    ]
    log_fd = os.open(folder / LOG_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        process = subprocess.Popen(
            command, cwd=folder, env=env, stdin=subprocess.DEVNULL, stdout=log_fd,
            stderr=subprocess.STDOUT, start_new_session=True, close_fds=True,
        )
    except OSError as error:
        raise ServerError(f"cannot run {executable} ({error.strerror or error}); {INSTALL_HINT}") from None
    finally:
        os.close(log_fd)
    # Forget the Popen object without a ResourceWarning: the server outlives this process.
    process.returncode = 0
    return process.pid


def _is_label_studio_user_variable(name: str) -> bool:
    """Variables Label Studio would read as the admin account (USERNAME, HEARTEX_PASSWORD, ...)."""
    for prefix in ("LABEL_STUDIO_", "HEARTEX_", ""):
        if name in {prefix + "USERNAME", prefix + "PASSWORD", prefix + "USER_TOKEN", prefix + "HOST"}:
            return True
    return False


def _is_database_variable(name: str) -> bool:
    """Variables that would point Label Studio at another database (DJANGO_DB, POSTGRE_HOST, ...)."""
    for prefix in ("LABEL_STUDIO_", "HEARTEX_", ""):
        if name.startswith(prefix) and (
            name[len(prefix):] in {"DJANGO_DB", "DATABASE_NAME"} or name[len(prefix):].startswith("POSTGRE_")
        ):
            return True
    return False


def _wait_until_healthy(url: str, pid: int, folder: Path, timeout: float, *, ours: bool) -> None:
    """Wait for ``/health``; ``ours`` says whether this call started the process (and stops it on failure)."""
    deadline = time.monotonic() + timeout
    while True:
        if _healthy(url):
            return
        if not process_alive(pid):
            raise ServerError(
                f"Label Studio stopped while starting (data folder {folder}); last lines of "
                f"{folder / LOG_FILE}:\n{log_tail(folder)}"
            )
        if time.monotonic() > deadline:
            advice = ("it was stopped; try again with a longer --timeout" if ours
                      else f"it may still be starting; if it hangs, run `annotate server stop --data-dir {folder}`")
            raise ServerError(
                f"Label Studio did not answer {url}/health within {timeout:.0f} s (data folder {folder}); "
                f"{advice}, or read {folder / LOG_FILE}. Last lines:\n{log_tail(folder)}"
            )
        time.sleep(0.5)


def _healthy(url: str) -> bool:
    """True when ``GET <url>/health`` answers ``{"status": "UP"}``."""
    import urllib.request  # here: it costs the command line's start-up a third of its time

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{url}/health", timeout=2.0) as response:
            return json.loads(response.read(4096) or b"{}").get("status") == "UP"
    except (OSError, ValueError, AttributeError):
        return False


def _terminate(pid: int) -> None:
    """SIGTERM the server's process group (it leads its own session), then SIGKILL after 20 s."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if os.getpgid(pid) == pid:
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not process_alive(pid):
                return
            time.sleep(0.1)
    if process_alive(pid):
        raise ServerError(f"Label Studio (pid {pid}) did not stop; stop it by hand with: kill -9 {pid}")


def _is_our_server(pid: int, folder: Path) -> bool:
    """True when ``pid`` runs Label Studio with ``--data-dir folder`` (guards against reused pids)."""
    if not process_alive(pid):
        return False
    argv = _command_line(pid)
    if not argv:
        return False
    runs_label_studio = any("label-studio" in part or "label_studio" in part for part in argv[:3])
    return runs_label_studio and any(
        flag == "--data-dir" and value == str(folder) for flag, value in zip(argv, argv[1:])
    )


def _command_line(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        return [part.decode(errors="replace") for part in raw.split(b"\0") if part]
    except OSError:
        pass
    try:  # no /proc (macOS): ask ps; split on spaces, good enough for our own paths
        out = subprocess.run(["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True, check=False)
        return out.stdout.split()
    except OSError:
        return []


# --- the folder and its files --------------------------------------------------------------------


def _folder(data_dir: Path | str) -> Path:
    return Path(data_dir).expanduser().resolve()


def _prepare_folder(data_dir: Path | str) -> Path:
    folder = _folder(data_dir)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise ServerError(f"cannot create the data folder {folder} ({error.strerror}); pick another with --data-dir") from None
    if not os.access(folder, os.W_OK):
        raise ServerError(f"the data folder {folder} is not writable; pick another with --data-dir")
    return folder


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Serialise start and stop on one data folder (two `start` at once make one server)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _read_pid_file(folder: Path) -> dict | None:
    try:
        raw = json.loads((folder / PID_FILE).read_text(encoding="utf-8"))
        return {"pid": int(raw["pid"]), "url": str(raw["url"])}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_private_json(path: Path, content: dict) -> None:
    """Write JSON readable by the owner only (0600 from the moment the file exists)."""
    write_atomically(path, json.dumps(content, indent=2) + "\n", mode=0o600)


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does: TIME_WAIT is free
        try:
            probe.bind((host, port))
        except OSError as error:
            raise ServerError(
                f"port {port} on {host} is already in use by another program ({error.strerror}); "
                f"start on another port with --port"
            ) from None


def _url_for(host: str, port: int) -> str:
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def free_port(host: str = DEFAULT_HOST) -> int:
    """A port that is free on ``host`` right now (for tests and `--port 0`)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]
