"""What killed runs leave behind is removed, and nothing else."""

from __future__ import annotations

import os
import subprocess
import sys

from annotate.filesystem import remove_leftovers


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_leftovers_of_dead_processes_go_and_everything_else_stays(tmp_path):
    dead, alive = _dead_pid(), os.getpid()
    (tmp_path / f".export-{dead}-abc").mkdir()
    (tmp_path / f".export-{dead}-abc" / "data.parquet").write_text("x")
    (tmp_path / f".export-{alive}-def").mkdir()
    (tmp_path / ".export-notapid-ghi").mkdir()
    (tmp_path / f".raw.json.{dead}.part").write_text("x")
    (tmp_path / f".raw.json.{dead}.part.meta.json").write_text("x")
    (tmp_path / f".raw.json.{dead}.other").write_text("x")
    (tmp_path / "v1.0.0").mkdir()

    remove_leftovers(tmp_path, ".export-", separator="-")
    remove_leftovers(tmp_path, ".raw.json.", separator=".", suffixes=(".part", ".part.meta.json"))

    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f".export-{alive}-def", ".export-notapid-ghi", f".raw.json.{dead}.other", "v1.0.0"])
