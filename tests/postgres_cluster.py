"""A throwaway PostgreSQL server for the tests and the benchmarks: Debian's package, a temporary
folder, 127.0.0.1 and a free port; nothing depends on a database that happens to be running.

``initdb`` and the server refuse to run as root: as root they run as the ``postgres`` user (the
Debian package creates it) through ``runuser``. Passwords go through a 0600 file and the
environment, never a command line.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from annotate.studio.server import free_port

INSTALL_HINT = "install Debian's PostgreSQL: apt-get install postgresql (scripts/setup.sh does it)"
SUPERUSER = "postgres"
# A test server: durability off (the data is thrown away), enough connections for Label Studio's threads.
SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=200")


def postgres_bin() -> Path:
    """The folder of ``initdb`` and ``pg_ctl``: the newest Debian version, else the one on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise RuntimeError(f"PostgreSQL's initdb was not found; {INSTALL_HINT}")


@dataclass
class Cluster:
    """A running PostgreSQL server in ``root`` (stop it with :meth:`stop`)."""

    root: Path
    port: int
    bin: Path
    superuser_password: str = field(repr=False)
    host: str = "127.0.0.1"
    _count: int = 0

    def create_database(self, prefix: str = "ls") -> tuple[str, str]:
        """A new empty database owned by a new user: its URL (no password) and the password."""
        from psycopg import sql

        self._count += 1
        name = f"{prefix}{self._count}"
        password = secrets.token_urlsafe(18)
        with self.connect() as connection:
            connection.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(name), sql.Literal(password)))
            connection.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(name)))
        return f"postgresql://{name}@{self.host}:{self.port}/{name}", password

    def connect(self, dbname: str = "postgres"):
        """A superuser connection (autocommit) to ``dbname``."""
        import psycopg

        return psycopg.connect(host=self.host, port=self.port, dbname=dbname, user=SUPERUSER,
                               password=self.superuser_password, autocommit=True)

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        try:
            _run([str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop"])
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_cluster() -> Cluster:
    """initdb in a new temporary folder, then start the server on 127.0.0.1 and a free port."""
    binaries = postgres_bin()
    root = Path(tempfile.mkdtemp(prefix="annotate-pg-"))
    try:
        data, sockets = root / "data", root / "sock"
        for folder in (data, sockets):
            folder.mkdir(mode=0o700)
        password = secrets.token_urlsafe(18)
        password_file = root / "superuser-password"
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
        if os.geteuid() == 0:
            shutil.chown(root, SUPERUSER, SUPERUSER)
            for path in (data, sockets, password_file):
                shutil.chown(path, SUPERUSER, SUPERUSER)
        _run([str(binaries / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=scram-sha-256",
              f"--pwfile={password_file}", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
        password_file.unlink()
        port = free_port()
        options = " ".join([f"-h 127.0.0.1 -p {port} -k {sockets}", *(f"-c {s}" for s in SETTINGS)])
        _run([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w", "-t", "60",
              "-o", options, "start"])
        return Cluster(root=root, port=port, bin=binaries, superuser_password=password)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise


def _run(command: list[str]) -> None:
    """Run a PostgreSQL program, as the ``postgres`` user when this is root."""
    if os.geteuid() == 0:
        command = ["runuser", "-u", SUPERUSER, "--", *command]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120,
                          stdin=subprocess.DEVNULL, cwd="/")
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:6])} ... failed ({done.returncode}): {done.stderr.strip()[-800:]}")
