"""The stages keep their layers: import-linter's contracts in pyproject.toml hold, and break loudly.

The contracts (``[tool.importlinter]``): the command line on top; the scheme and the corpus import
no later stage; release, validation and the report never import Label Studio code; the library
never imports the command line.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=project, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(project)}, timeout=300)


def test_the_package_keeps_every_layer_contract():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def scratch_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    shutil.copytree(ROOT / "annotate", copy / "annotate", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


def add_import(module: Path, line: str) -> None:
    text = module.read_text(encoding="utf-8")
    head, _, rest = text.partition("from __future__ import annotations\n")
    module.write_text(f"{head}from __future__ import annotations\n{line}\n{rest}", encoding="utf-8")


def test_the_release_importing_label_studio_fails_and_names_the_import(tmp_path):
    copy = scratch_copy(tmp_path)
    add_import(copy / "annotate" / "release" / "rows.py", "import annotate.studio.push  # noqa: F401")
    done = lint_imports(copy)
    assert done.returncode != 0
    assert "annotate.release.rows -> annotate.studio.push" in done.stdout
    assert "BROKEN" in done.stdout


def test_the_scheme_importing_a_later_stage_fails_and_names_the_import(tmp_path):
    copy = scratch_copy(tmp_path)
    add_import(copy / "annotate" / "scheme" / "features.py", "import annotate.release.rows  # noqa: F401")
    done = lint_imports(copy)
    assert done.returncode != 0
    assert "annotate.scheme.features -> annotate.release.rows" in done.stdout


def test_the_library_importing_the_command_line_fails(tmp_path):
    copy = scratch_copy(tmp_path)
    add_import(copy / "annotate" / "validation" / "findings.py", "import annotate.cli.options  # noqa: F401")
    done = lint_imports(copy)
    assert done.returncode != 0
    assert "annotate.validation.findings -> annotate.cli.options" in done.stdout
