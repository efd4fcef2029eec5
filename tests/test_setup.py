"""A newcomer's set-up: `make start` is quiet unless it fails, its hints work as printed, and
the package metadata builds without a deprecation warning.

The set-up script runs for real in a scratch folder; the one thing replaced is the virtual
environment's ``python`` (what installs the packages), so that a failing install can be shown
without a network and without minutes of pip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from annotate.cli.server import STOP_COMMAND_VARIABLE, invoked_command, stop_command

ROOT = Path(__file__).resolve().parents[1]

# Stands in for .venv/bin/python: as noisy as pip and setuptools are, exit code from the variable.
NOISY_PYTHON = """#!/bin/sh
i=0
while [ $i -lt 300 ]; do echo "Collecting package-$i"; i=$((i + 1)); done
echo "SetuptoolsDeprecationWarning: project.license as a TOML table is deprecated" >&2
exit ${FAKE_PIP_EXIT:-0}
"""


def scratch_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    shutil.copy2(ROOT / "scripts" / "setup.sh", project / "scripts" / "setup.sh")
    shutil.copy2(ROOT / "pyproject.toml", project / "pyproject.toml")
    fake = project / ".venv" / "bin" / "python"
    fake.parent.mkdir(parents=True)
    fake.write_text(NOISY_PYTHON, encoding="utf-8")
    fake.chmod(0o755)
    return project


def run_setup(project: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": os.environ["PATH"], "PYTHON": sys.executable, **env}
    return subprocess.run(["bash", "scripts/setup.sh"], cwd=project, capture_output=True, text=True,
                          env=environment, timeout=120)


def test_setup_prints_one_line_when_the_install_works(tmp_path):
    project = scratch_project(tmp_path)
    done = run_setup(project)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["setup: installing Python packages into .venv (label-studio takes about a minute)"]
    assert done.stderr == ""
    assert run_setup(project).stdout == ""  # installed: nothing to do, nothing said


def test_setup_shows_the_end_of_the_install_log_and_fails_when_the_install_fails(tmp_path):
    project = scratch_project(tmp_path)
    done = run_setup(project, FAKE_PIP_EXIT="1")
    assert done.returncode == 1
    assert "SetuptoolsDeprecationWarning" in done.stderr and "Collecting package-299" in done.stderr
    assert "Collecting package-0\n" not in done.stderr  # the end of the log, not all of it
    assert done.stderr.rstrip().splitlines()[-1].startswith("error: installing the Python packages failed")
    assert not (project / ".venv" / ".annotate-installed").exists()  # the next run tries again


def make_database(target: str) -> str:
    """What make knows about ``target`` (its variables and recipe), without running anything."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    done = subprocess.run([make, "-pn", "-f", str(ROOT / "Makefile"), target], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_start_says_to_stop_with_make_stop_which_stops_the_server():
    assert f"{STOP_COMMAND_VARIABLE} = make stop" in make_database("start")
    assert "annotate server stop" in make_database("stop")


def test_the_stop_hint_is_the_command_given_by_make_or_a_path_that_works_here(monkeypatch, tmp_path):
    args = type("Args", (), {"data_dir": ".labelstudio"})()
    monkeypatch.setenv(STOP_COMMAND_VARIABLE, "make stop")
    assert stop_command(args) == "make stop"

    monkeypatch.delenv(STOP_COMMAND_VARIABLE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no `annotate` on the PATH
    program = tmp_path / ".venv" / "bin" / "annotate"
    assert invoked_command(str(program)) == ".venv/bin/annotate"
    monkeypatch.setattr(sys, "argv", [str(program)])
    assert stop_command(args) == ".venv/bin/annotate server stop"

    program.parent.mkdir(parents=True)
    program.write_text("#!/bin/sh\n", encoding="utf-8")
    program.chmod(0o755)
    monkeypatch.setenv("PATH", str(program.parent))  # activated: the bare name works
    assert invoked_command(str(program)) == "annotate"


def test_the_package_metadata_builds_without_a_deprecation_warning():
    from setuptools.config.pyprojecttoml import apply_configuration
    from setuptools.dist import Distribution

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        distribution = apply_configuration(Distribution(), ROOT / "pyproject.toml")
    assert distribution.metadata.license_expression == "Apache-2.0"
