"""Bad options and files: one clear line on stderr, a non-zero exit, nothing written.

Each case runs ``annotate ...`` in this process from an empty working folder and checks that
the command printed exactly one line, on stderr, starting with ``error:`` (no traceback), that
the line says what is wrong, where, and what to do, and that no file or folder appeared.
Cases that need a server use the session's real Label Studio.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from annotate.cli import main
from annotate.corpus.reader import load_corpus
from annotate.scheme.schema import load_schema
from annotate.studio.connection import connect
from annotate.studio.push import push

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "schemas" / "arms_news.yaml"
SEEDS = ROOT / "seeds"
GOLD = ROOT / "gold" / "seeds.json"
UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens there


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Outcome:
    """``annotate argv``; usage errors (argparse's SystemExit) count like any other exit."""
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    printed = capsys.readouterr()
    return Outcome(code, printed.out, printed.err)


def tree(folder: Path) -> set[str]:
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*")}


def assert_one_error_line(outcome: Outcome, *fragments: str) -> str:
    """The command failed with exactly one ``error:`` line on stderr holding every fragment."""
    assert outcome.code not in (0, None), outcome
    assert "Traceback" not in outcome.err
    assert outcome.out == ""
    lines = outcome.err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {outcome.err!r}"
    line = lines[0]
    assert line.startswith("error: ")
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} not in {line!r}"
    return line


@pytest.fixture
def work(tmp_path, monkeypatch) -> Path:
    """An empty working folder (defaults such as reports/ or annotations/ would land here); the
    environment names no Label Studio unless a test says so."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    return folder


@pytest.fixture(scope="module")
def raw_export(tmp_path_factory) -> Path:
    """A valid pulled file: the gold annotation, each annotation completed by a user."""
    tasks = json.loads(GOLD.read_text(encoding="utf-8"))
    for task in tasks:
        for annotation in task["annotations"]:
            annotation["completed_by"] = {"id": 1, "email": "gold@example.org"}
    path = tmp_path_factory.mktemp("raw") / "pulled.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    return path


@pytest.fixture
def regular_file(tmp_path) -> Path:
    """A regular file, to be given as a folder: writing under it fails, also for root."""
    path = tmp_path / "not-a-folder"
    path.write_text("a file\n", encoding="utf-8")
    return path


def test_export_of_a_missing_input_file_names_it_and_says_what_to_give(work, capsys):
    outcome = run(capsys, "export", "--input", "missing.json", "--version", "1.0.0", "--schema", str(SCHEMA_FILE))
    assert_one_error_line(outcome, "missing.json: no such file", "annotate pull")
    assert tree(work) == set()


def test_export_of_a_folder_as_input_says_it_is_a_folder(work, capsys):
    (work / "corpus").mkdir()
    outcome = run(capsys, "export", "--input", "corpus", "--version", "1.0.0", "--schema", str(SCHEMA_FILE))
    assert_one_error_line(outcome, "corpus: a folder, not a file", "annotate pull")
    assert tree(work) == {"corpus"}


def test_export_of_a_json_min_export_says_to_export_as_json(work, capsys):
    (work / "min.json").write_text('[{"id": 3, "text": "Iran", "label": []}]', encoding="utf-8")
    outcome = run(capsys, "export", "--input", "min.json", "--version", "1.0.0", "--schema", str(SCHEMA_FILE))
    assert_one_error_line(outcome, "min.json: byte 1: task #1 has neither", "export the project as JSON")
    assert tree(work) == {"min.json", "exports"}  # the output root, empty: no version, no work folder


@pytest.mark.parametrize(("option", "ratios"), [("--split-ratios", "-0.1,0.6,0.5"), ("--split-ratios", "0.5,0.5,0.5"),
                                               ("--split-ratio", "-.1,0.6,0.5")])
def test_export_with_bad_split_ratios_says_what_ratios_must_be_even_when_one_is_negative(work, capsys, option,
                                                                                          ratios):
    (work / "raw.json").write_text('[{"data": {"text": "x"}}]', encoding="utf-8")
    outcome = run(capsys, "export", "--input", "raw.json", "--version", "1.0.0", option, ratios,
                  "--schema", str(SCHEMA_FILE))
    assert_one_error_line(outcome, "split ratios must each be between 0 and 1 and add up to 1")
    assert tree(work) == {"raw.json"}


def test_report_of_a_missing_input_file_names_it_and_says_what_to_give(work, capsys):
    outcome = run(capsys, "report", "--input", "missing.json", "--schema", str(SCHEMA_FILE))
    assert_one_error_line(outcome, "missing.json: no such file or folder", "pass a pulled Label Studio JSON file")
    assert tree(work) == set()


@pytest.mark.parametrize("format_", ["text", "json", "github"])
def test_validate_of_a_missing_folder_is_an_error_line_in_every_format(work, capsys, format_):
    outcome = run(capsys, "validate", "exports", "--format", format_)
    assert_one_error_line(outcome, "exports: no such folder", "give a version folder")
    assert tree(work) == set()


def test_validate_of_a_file_says_it_is_not_a_folder(work, capsys, regular_file):
    outcome = run(capsys, "validate", str(regular_file))
    assert_one_error_line(outcome, f"{regular_file}: not a folder", "the exports root")


@pytest.mark.parametrize("under", [False, True], ids=["out-is-a-file", "out-inside-a-file"])
def test_export_to_an_unwritable_folder_names_it_and_asks_for_another_out(work, capsys, raw_export, regular_file,
                                                                         under):
    out = regular_file / "exports" if under else regular_file
    outcome = run(capsys, "export", "--input", str(raw_export), "--version", "1.0.0", "--out", str(out),
                  "--schema", str(SCHEMA_FILE))
    assert_one_error_line(outcome, f"{out}: cannot write the export here", "another --out")
    assert tree(work) == set() and regular_file.read_text(encoding="utf-8") == "a file\n"


def test_report_to_an_unwritable_folder_names_it_and_asks_for_another_out(work, capsys, raw_export, regular_file):
    out = regular_file / "reports"
    outcome = run(capsys, "report", "--input", str(raw_export), "--out", str(out), "--schema", str(SCHEMA_FILE))
    assert_one_error_line(outcome, f"{out}: cannot create the report folder", "--out")
    assert tree(work) == set()


@pytest.mark.parametrize("version", ["1.0", "v1", "1.0.0.0", "latest", "1.-1.0"])
def test_an_invalid_version_string_is_refused_before_anything_is_written(work, capsys, raw_export, version):
    outcome = run(capsys, "export", "--input", str(raw_export), "--version", version, "--out", "exports",
                  "--schema", str(SCHEMA_FILE))
    assert_one_error_line(outcome, f"version {version!r} is not a semantic version", "MAJOR.MINOR.PATCH")
    assert tree(work) == set()


@pytest.mark.parametrize("choice", [["--version", "1.0.0", "--bump", "minor"], []], ids=["both", "neither"])
def test_export_needs_exactly_one_of_version_and_bump(work, capsys, raw_export, choice):
    outcome = run(capsys, "export", "--input", str(raw_export), *choice, "--schema", str(SCHEMA_FILE))
    assert outcome.code == 2
    assert_one_error_line(outcome, "annotate export:", "--version", "--bump", "annotate export --help")
    assert tree(work) == set()


def test_an_unknown_bump_is_a_one_line_usage_error(work, capsys, raw_export):
    outcome = run(capsys, "export", "--input", str(raw_export), "--bump", "huge")
    assert outcome.code == 2
    assert_one_error_line(outcome, "argument --bump", "'huge'", "major")


@pytest.mark.parametrize("command", [
    ["export", "--input", "{raw}", "--version", "1.0.0"],
    ["report", "--input", "{raw}"],
    ["push", "--corpus", str(SEEDS), "--url", UNREACHABLE, "--api-key", "k" * 40],
    ["pull", "--url", UNREACHABLE, "--api-key", "k" * 40],  # no --project: the schema names the project
], ids=["export", "report", "push", "pull"])
def test_a_schema_file_that_does_not_exist_is_named(work, capsys, raw_export, command):
    argv = [part.format(raw=raw_export) for part in command]
    outcome = run(capsys, *argv, "--schema", "no-such-schema.yaml")
    assert_one_error_line(outcome, "no-such-schema.yaml: schema file not found", "--schema")
    assert tree(work) == set()


def test_push_of_an_empty_corpus_folder_says_to_add_articles(work, capsys):
    (work / "empty").mkdir()
    outcome = run(capsys, "push", "--corpus", "empty", "--schema", str(SCHEMA_FILE), "--url", UNREACHABLE,
                  "--api-key", "k" * 40, "--data-dir", "data")
    assert_one_error_line(outcome, "corpus empty", "no documents loaded", "add .txt or .jsonl articles")
    assert tree(work) == {"empty"}


def test_push_of_a_corpus_without_readable_articles_lists_each_problem_above_the_error(work, capsys):
    (work / "articles").mkdir()
    (work / "articles" / "scan.txt").write_bytes(b"\xff\xfe\x00 not text")
    outcome = run(capsys, "push", "--corpus", "articles", "--schema", str(SCHEMA_FILE), "--url", UNREACHABLE,
                  "--api-key", "k" * 40, "--data-dir", "data")
    assert outcome.code == 1 and outcome.out == "" and "Traceback" not in outcome.err
    skipped, error = outcome.err.splitlines()
    assert skipped.startswith("articles/scan.txt: binary file") and "save the article as UTF-8" in skipped
    assert error.startswith("error: cannot load corpus articles") and "no documents loaded" in error
    assert tree(work) == {"articles", "articles/scan.txt"}


def test_push_of_a_missing_corpus_names_it(work, capsys):
    outcome = run(capsys, "push", "--corpus", "articles", "--schema", str(SCHEMA_FILE), "--url", UNREACHABLE,
                  "--api-key", "k" * 40, "--data-dir", "data")
    assert_one_error_line(outcome, "corpus articles not found", "pass a folder of .txt/.jsonl articles")
    assert tree(work) == set()


@pytest.mark.parametrize("command", [
    ["push", "--corpus", str(SEEDS), "--schema", str(SCHEMA_FILE)],
    ["pull", "--project", "anything", "--out", "pulled.json"],
], ids=["push", "pull"])
def test_an_unreachable_server_is_one_line_naming_the_url(work, capsys, command):
    key = secrets.token_hex(20)
    outcome = run(capsys, *command, "--url", UNREACHABLE, "--api-key", key, "--data-dir", "data")
    line = assert_one_error_line(outcome, f"cannot reach Label Studio at {UNREACHABLE}", "connection refused",
                                 "check the URL")
    assert key not in line
    assert tree(work) == set()


# --- against the real server --------------------------------------------------------------------------


@pytest.fixture
def server_env(label_studio, monkeypatch, work) -> Path:
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.api_key)
    return work


@pytest.fixture(scope="module")
def existing_project(label_studio, tmp_path_factory) -> str:
    """The title of a project on the session's server, with one seed article."""
    title = f"cli-errors-{uuid.uuid4().hex[:8]}"
    push(client=connect(label_studio.connection), schema=load_schema(SCHEMA_FILE),
         documents=load_corpus(SEEDS).documents[:1], project_title=title,
         data_dir=tmp_path_factory.mktemp("push"), preannotate=False)
    return title


@pytest.mark.parametrize("command", [
    ["push", "--corpus", str(SEEDS), "--schema", str(SCHEMA_FILE), "--project", "never-made"],
    ["pull", "--project", "never-made", "--out", "pulled.json"],
], ids=["push", "pull"])
def test_a_wrong_key_is_refused_in_one_line_that_does_not_show_it(label_studio, server_env, capsys, command):
    key = secrets.token_hex(20)
    outcome = run(capsys, *command, "--api-key", key, "--data-dir", "data")
    line = assert_one_error_line(outcome, f"Label Studio at {label_studio.url} refused the API key",
                                 "LABEL_STUDIO_API_KEY or --api-key")
    assert key not in line and label_studio.api_key not in line
    assert tree(server_env) == set()


def test_pull_of_an_unknown_project_names_it_and_says_to_check_the_title(server_env, capsys):
    outcome = run(capsys, "pull", "--project", "no such project", "--data-dir", "data")
    assert_one_error_line(outcome, "'no such project'", "--project")
    assert tree(server_env) == set()


def test_pull_to_an_unwritable_folder_names_it_and_asks_for_another_out(server_env, capsys, existing_project,
                                                                       regular_file):
    out = regular_file / "pulled.json"
    outcome = run(capsys, "pull", "--project", existing_project, "--out", str(out), "--data-dir", "data")
    assert_one_error_line(outcome, f"cannot create the folder {regular_file}", "another --out")
    assert tree(server_env) == set() and regular_file.read_text(encoding="utf-8") == "a file\n"
