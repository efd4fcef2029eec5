"""The library API of ``annotate/__init__.py``: lazy, complete, and the README's example runs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import annotate

ROOT = Path(__file__).resolve().parents[1]
API = ("push", "pull", "export", "validate", "build_report", "load_schema", "load_corpus", "adjudicate", "train")


def test_import_annotate_loads_no_stage_until_a_name_is_used():
    code = ("import json, sys, annotate; before = sorted(m for m in sys.modules if m.startswith('annotate.'));"
            "annotate.load_schema; after = sorted(m for m in sys.modules if m.startswith('annotate.'));"
            "print(json.dumps([before, after]))")
    before, after = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                              check=True, cwd=ROOT).stdout)
    assert before == []
    assert "annotate.scheme.schema" in after and "annotate.studio.push" not in after


@pytest.mark.parametrize("name", API)
def test_every_api_name_is_a_function_of_its_stage(name):
    value = getattr(annotate, name)
    assert callable(value) and value.__name__ == name
    assert name in dir(annotate)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'no_such_step'"):
        annotate.no_such_step  # noqa: B018


def test_the_readme_library_example_runs(monkeypatch, capsys):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = re.search(r"The library API, without the command line:\n\n```python\n(.*?)```", readme, re.S)
    assert example, "the README's library API example is missing"
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(example.group(1), "README.md", "exec"), namespace)  # noqa: S102 - the README's own example
    assert namespace["checked"].ok
    assert namespace["report"].figures
    assert capsys.readouterr().out.startswith("2 articles\n")
