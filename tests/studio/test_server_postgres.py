"""The embedded server on PostgreSQL: bad databases are refused with one line, the password stays secret.

The refusals run against this session's own PostgreSQL server (the ``postgresql`` fixture) and start
no Label Studio. The secrecy test needs the session's Label Studio on PostgreSQL: it runs in the
``--database postgresql`` run (``.ci/run`` makes both).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from psycopg import sql

from annotate.studio.server import CREDENTIALS_FILE, LOG_FILE, free_port


def annotate_cli(*args: str, password: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PGPASSWORD": password}
    return subprocess.run([sys.executable, "-m", "annotate", *args], capture_output=True, text=True,
                          timeout=300, env=env)


def tables_of(cluster, name: str) -> set[str]:
    with cluster.connect(name) as connection:
        rows = connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return {row[0] for row in rows}


def wrong_password(cluster) -> tuple[str, str, str]:
    url, _ = cluster.create_database()
    return url, "not-the-password", "refused the password"


def unreachable(cluster) -> tuple[str, str, str]:
    return f"postgresql://ls@127.0.0.1:{free_port()}/ls", "whatever", "cannot reach PostgreSQL"


def missing_database(cluster) -> tuple[str, str, str]:
    url, password = cluster.create_database()
    return url.rsplit("/", 1)[0] + "/nosuchdb", password, "does not exist"


def foreign_database(cluster) -> tuple[str, str, str]:
    url, password = cluster.create_database()
    name = url.rsplit("/", 1)[1]
    with cluster.connect(name) as connection:
        connection.execute(sql.SQL("CREATE TABLE invoices (id int)"))
        connection.execute(sql.SQL("ALTER TABLE invoices OWNER TO {}").format(sql.Identifier(name)))
    return url, password, "not empty and not Label Studio's"


def not_owner(cluster) -> tuple[str, str, str]:
    url, password = cluster.create_database()
    name = url.rsplit("/", 1)[1]
    with cluster.connect() as connection:
        connection.execute(sql.SQL("ALTER DATABASE {} OWNER TO postgres").format(sql.Identifier(name)))
    return url, password, "may not create tables"


@pytest.mark.parametrize("case", [wrong_password, unreachable, missing_database, foreign_database, not_owner],
                         ids=lambda case: case.__name__)
def test_a_database_that_cannot_be_used_gets_one_line_and_nothing_is_changed(case, postgresql, tmp_path):
    url, password, expected = case(postgresql)
    name = url.rsplit("/", 1)[1]
    before = tables_of(postgresql, name) if case is not unreachable and case is not missing_database else None
    data_dir = tmp_path / "ls"

    done = annotate_cli("server", "start", "--data-dir", str(data_dir), "--database", url, "--port", "0",
                        password=password)

    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], done.stderr
    assert password not in done.stderr
    assert not data_dir.exists()
    if before is not None:
        assert tables_of(postgresql, name) == before


def test_a_password_in_the_url_is_taken_and_never_repeated(postgresql, tmp_path):
    url, _ = postgresql.create_database()
    secret = "s3cret-in-the-url"
    with_password = url.replace("@", f":{secret}@", 1)

    done = annotate_cli("server", "start", "--data-dir", str(tmp_path / "ls"), "--database", with_password,
                        "--port", "0", password="")

    assert done.returncode == 1 and "refused the password" in done.stderr
    assert secret not in done.stderr + done.stdout


@pytest.mark.server
def test_on_postgresql_the_password_is_only_in_the_credentials_file(request):
    if request.config.getoption("--database") != "postgresql":
        pytest.skip("the session's Label Studio runs on SQLite; run with --database postgresql")
    label_studio = request.getfixturevalue("label_studio")
    request.getfixturevalue("ls_client").projects.list()
    credentials = label_studio.data_dir / CREDENTIALS_FILE
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert label_studio.database_password in credentials.read_text()
    assert label_studio.database_password not in (label_studio.data_dir / LOG_FILE).read_text(errors="replace")
    server_processes = [pid for pid in os.listdir("/proc") if pid.isdigit() and _session(pid) == label_studio.pid]
    assert str(label_studio.pid) in server_processes
    for pid in server_processes:
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        for secret in label_studio.secrets:
            assert secret not in command_line, f"process {pid} has a secret on its command line"


def _session(pid: str) -> int | None:
    try:
        return os.getsid(int(pid))
    except OSError:
        return None
