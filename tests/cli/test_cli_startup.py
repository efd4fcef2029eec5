"""The command line starts fast: parsing, ``--help`` and usage errors load no heavy library.

Each case runs in a fresh interpreter (this test process has long imported everything), walks
every command and sub-action of the real parser, and reports which heavy modules got imported.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("label_studio_sdk", "datasets", "pyarrow", "pandas", "numpy", "requests", "httpx")

SCRIPT = """
import argparse, contextlib, io, json, sys
from annotate.cli import build_parser, main

def commands(parser, path=()):
    yield path
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, (*path, name))

extra = sys.argv[1:]
outcomes = []
for path in commands(build_parser()):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([*path, *extra])
        except SystemExit as exit_:
            code = exit_.code
    outcomes.append({"argv": [*path, *extra], "code": code, "out": out.getvalue(), "err": err.getvalue()})
print(json.dumps({"outcomes": outcomes, "modules": sorted(sys.modules)}))
"""


def run_cli_in_fresh_interpreter(*extra: str) -> tuple[list[dict], set[str]]:
    done = subprocess.run([sys.executable, "-c", SCRIPT, *extra], capture_output=True, text=True,
                          check=True, timeout=120)
    report = json.loads(done.stdout)
    return report["outcomes"], set(report["modules"])


def heavy_in(modules: set[str]) -> list[str]:
    return sorted(name for name in modules if name.split(".")[0] in HEAVY)


def test_help_of_every_command_imports_no_heavy_library():
    outcomes, modules = run_cli_in_fresh_interpreter("--help")
    argvs = [outcome["argv"] for outcome in outcomes]
    assert ["server", "start", "--help"] in argvs  # the walk reached the nested actions
    for outcome in outcomes:
        assert outcome["code"] == 0, outcome
        assert outcome["out"].startswith("usage: annotate"), outcome
    assert heavy_in(modules) == []


def test_usage_error_of_every_command_imports_no_heavy_library():
    outcomes, modules = run_cli_in_fresh_interpreter("--no-such-option")
    for outcome in outcomes:
        assert outcome["code"] == 2, outcome
        assert outcome["out"] == "", outcome
        assert outcome["err"].startswith("error: annotate"), outcome
        assert outcome["err"].count("\n") == 1, outcome  # one line, no traceback
    assert heavy_in(modules) == []
