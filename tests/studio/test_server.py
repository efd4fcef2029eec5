"""The embedded server against real Label Studio processes: start, status, stop, secrets, binding."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from annotate.errors import ServerError
from annotate.studio.connection import Connection, connect
from annotate.studio.server import (
    CREDENTIALS_FILE,
    LOG_FILE,
    PID_FILE,
    find_label_studio,
    free_port,
    server_status,
    start_server,
    stop_server,
)


def annotate_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "annotate", *args], capture_output=True, text=True, timeout=300)


def assert_no_secret(server, *texts: str) -> None:
    for text in texts:
        for secret in server.secrets:
            assert secret not in text


def write_pid_file(data_dir: Path, pid: int, url: str = "http://127.0.0.1:9") -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / PID_FILE).write_text(json.dumps({"pid": pid, "url": url}))


def test_credentials_file_is_readable_by_its_owner_only(label_studio):
    mode = stat.S_IMODE((label_studio.data_dir / CREDENTIALS_FILE).stat().st_mode)
    assert mode == 0o600


def test_server_log_holds_neither_key_nor_password(label_studio, ls_client):
    ls_client.projects.list()
    assert_no_secret(label_studio, (label_studio.data_dir / LOG_FILE).read_text(errors="replace"))


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads the Linux socket table")
def test_server_listens_on_loopback_only(label_studio):
    port = int(label_studio.url.rsplit(":", 1)[1])
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                listening.append(address)
    assert listening == ["0100007F"]  # 127.0.0.1, and no IPv6 or wildcard socket


def test_starting_a_running_server_changes_nothing(label_studio):
    again = start_server(label_studio.data_dir, port=free_port())
    assert again.already_running
    assert (again.pid, again.url) == (label_studio.pid, label_studio.url)


def test_status_reports_the_running_server(label_studio):
    status = server_status(label_studio.data_dir)
    assert status.running and status.healthy
    assert (status.pid, status.url) == (label_studio.pid, label_studio.url)


def test_cli_start_and_status_print_url_and_login_but_no_secret(label_studio):
    started = annotate_cli("server", "start", "--data-dir", str(label_studio.data_dir))
    status = annotate_cli("server", "status", "--data-dir", str(label_studio.data_dir))
    assert started.returncode == 0, started.stderr
    assert "already running" in started.stdout and label_studio.url in started.stdout
    assert label_studio.username in started.stdout
    assert str(label_studio.data_dir / CREDENTIALS_FILE) in started.stdout
    assert status.returncode == 0 and label_studio.url in status.stdout
    assert_no_secret(label_studio, started.stdout, started.stderr, status.stdout, status.stderr)


def test_stop_leaves_alone_a_label_studio_started_from_another_folder(label_studio, tmp_path):
    write_pid_file(tmp_path, label_studio.pid, label_studio.url)
    assert not server_status(tmp_path).running
    assert stop_server(tmp_path) is False
    assert not (tmp_path / PID_FILE).exists()
    assert server_status(label_studio.data_dir).healthy


def test_stop_leaves_alone_another_program_that_reused_the_pid(tmp_path):
    other = subprocess.Popen(["sleep", "60"])
    try:
        write_pid_file(tmp_path, other.pid)
        assert stop_server(tmp_path) is False
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


def test_stale_pid_file_means_not_running_and_is_cleaned_up(tmp_path):
    gone = subprocess.Popen(["true"])
    gone.wait()
    write_pid_file(tmp_path, gone.pid)
    status = annotate_cli("server", "status", "--data-dir", str(tmp_path))
    stopped = annotate_cli("server", "stop", "--data-dir", str(tmp_path))
    assert status.returncode == 1 and "not running" in status.stdout and not status.stderr
    assert stopped.returncode == 0 and "nothing to stop" in stopped.stdout
    assert not (tmp_path / PID_FILE).exists()


def test_port_taken_by_another_program_is_a_clear_error(tmp_path):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        with pytest.raises(ServerError, match="--port") as caught:
            start_server(tmp_path / "ls", port=port)
    assert f"port {port}" in str(caught.value)
    assert not (tmp_path / "ls" / PID_FILE).exists()


def test_missing_label_studio_program_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ServerError, match=r'pip install "annotate\[server\]"'):
        find_label_studio()


def test_start_that_times_out_stops_the_server_and_says_what_to_do(tmp_path):
    data_dir = tmp_path / "ls"
    with pytest.raises(ServerError, match="did not answer") as caught:
        start_server(data_dir, port=free_port(), timeout=0.5)
    assert "--timeout" in str(caught.value) and str(data_dir / LOG_FILE) in str(caught.value)
    assert not server_status(data_dir).running
    assert not (data_dir / PID_FILE).exists()


def test_server_that_crashes_while_starting_is_reported_with_its_log(tmp_path):
    data_dir = tmp_path / "ls"
    data_dir.mkdir()
    (data_dir / "label_studio.sqlite3").write_bytes(b"this is not a database" * 100)
    with pytest.raises(ServerError, match="stopped while starting") as caught:
        start_server(data_dir, port=free_port(), timeout=120)
    assert "DatabaseError" in str(caught.value) or "database" in str(caught.value).lower()
    assert not (data_dir / PID_FILE).exists()


def test_stop_then_start_again_keeps_the_account(second_label_studio):
    server = second_label_studio
    data_dir = str(server.data_dir)
    port = server.url.rsplit(":", 1)[1]

    stopped = annotate_cli("server", "stop", "--data-dir", data_dir)
    assert stopped.returncode == 0 and f"pid {server.pid}" in stopped.stdout
    assert not server_status(data_dir).running
    assert not (server.data_dir / PID_FILE).exists()
    down = annotate_cli("server", "status", "--data-dir", data_dir)
    assert down.returncode == 1 and "not running" in down.stdout

    started = annotate_cli("server", "start", "--data-dir", data_dir, "--port", port)
    assert started.returncode == 0, started.stderr
    assert f"running at {server.url}" in started.stdout and "already" not in started.stdout
    assert f"on PostgreSQL {server.database}" in started.stdout if server.database else "on SQLite" in started.stdout
    assert_no_secret(server, stopped.stdout, stopped.stderr, started.stdout, started.stderr)
    assert connect(Connection(server.url, server.api_key)).users.whoami().email == server.username
    assert stat.S_IMODE(os.stat(server.data_dir / CREDENTIALS_FILE).st_mode) == 0o600
