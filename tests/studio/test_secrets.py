"""Secrets and personal data, end to end through the command line against the real server.

``annotate push`` (with the gold file), ``pull``, ``export``, ``validate`` and ``report`` run on
the session's Label Studio, the key given the ways users give it (``LABEL_STUDIO_API_KEY``, and
``--api-key`` for the pull).
Then every byte they produced is searched for the API key and the admin password: what they
printed, every file they wrote (Parquet files read back as well, since their pages may be
compressed) and the server's log. Annotators' e-mail addresses, which the pulled file holds in
``completed_by``, reach an export only with ``--annotator-emails``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from annotate.cli import main
from annotate.corpus.reader import load_corpus
from annotate.scheme.schema import load_schema
from annotate.studio.connection import connect
from annotate.studio.pull import meta_path_for, pull
from annotate.studio.push import push
from annotate.studio.server import LOG_FILE

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "schemas" / "arms_news.yaml"
SEEDS = ROOT / "seeds"
GOLD = ROOT / "gold" / "seeds.json"


def unique_title(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def readable_forms(path: Path) -> Iterator[bytes]:
    """The file's bytes, and for a Parquet file also its rows and metadata as decoded text."""
    data = path.read_bytes()
    yield data
    if path.suffix == ".parquet":
        parquet = pq.ParquetFile(path)
        yield json.dumps(parquet.read().to_pylist(), ensure_ascii=False, default=str).encode("utf-8")
        yield repr(parquet.schema_arrow.metadata).encode("utf-8")


def files_under(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def places_holding(needle: str, outputs: dict[str, str], files: list[Path]) -> list[str]:
    """Where ``needle`` occurs: names of the outputs and paths of the files."""
    found = [name for name, text in outputs.items() if needle in text]
    wanted = needle.encode("utf-8")
    found += [str(path) for path in files if any(wanted in form for form in readable_forms(path))]
    return found


@pytest.fixture
def cli_env(label_studio, monkeypatch, tmp_path) -> Path:
    """The session's server through the SDK's variables; the working folder is ``tmp_path``."""
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.api_key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_no_command_prints_or_writes_the_api_key_or_the_password(label_studio, cli_env, capfd):
    work = cli_env
    title = unique_title("secrets")
    pulled = work / "pulled" / "annotations.json"
    version = work / "exports" / "v1.0.0"
    commands = {
        "push": ["push", "--corpus", str(SEEDS), "--schema", str(SCHEMA_FILE), "--project", title,
                 "--annotations", str(GOLD), "--data-dir", str(work / "data")],
        # The key as an option too (it wins over the variable): options must not be echoed either.
        "pull": ["pull", "--project", title, "--out", str(pulled), "--data-dir", str(work / "data"),
                 "--api-key", label_studio.api_key],
        "export": ["export", "--input", str(pulled), "--version", "1.0.0", "--out", str(work / "exports"),
                   "--schema", str(SCHEMA_FILE)],
        "validate": ["validate", str(work / "exports")],
        "report": ["report", "--input", str(pulled), "--out", str(work / "reports"), "--schema", str(SCHEMA_FILE)],
    }
    outputs = {}
    for name, argv in commands.items():
        code = main(argv)
        printed = capfd.readouterr()
        outputs[f"{name} stdout"], outputs[f"{name} stderr"] = printed.out, printed.err
        assert code == 0, f"annotate {name} failed: {printed.err}"

    files = files_under(work)
    written = {path.relative_to(work).as_posix() for path in files}
    # Everything the commands should have written is here, so the search below covers it.
    assert {"pulled/annotations.json", "pulled/annotations.json.meta.json", "reports/report.json",
            "reports/report.html"} <= written
    assert {path.relative_to(version).as_posix() for path in files_under(version)} >= {
        "README.md", "schema.yaml", "manifest.json", "CHANGELOG.md", "GUIDELINES.md"}
    assert any(path.suffix == ".parquet" for path in files_under(version))
    assert meta_path_for(pulled).is_file() and "every check passed" in outputs["validate stdout"]
    server_log = label_studio.data_dir / LOG_FILE
    assert server_log.stat().st_size > 0

    for secret in label_studio.secrets:
        assert places_holding(secret, outputs, files + [server_log]) == []


@pytest.fixture(scope="module")
def pulled_gold(label_studio, tmp_path_factory) -> Path:
    """The seed articles with the gold annotation, pushed and pulled (completed_by holds e-mails)."""
    client = connect(label_studio.connection)
    folder = tmp_path_factory.mktemp("emails")
    title = unique_title("emails")
    push(client=client, schema=load_schema(SCHEMA_FILE), documents=load_corpus(SEEDS).documents,
         project_title=title, annotations_path=GOLD, data_dir=folder / "data")
    out = folder / "pulled.json"
    pull(client=client, project_title=title, out=out)
    return out


def annotator_emails(pulled: Path) -> set[str]:
    tasks = json.loads(pulled.read_text(encoding="utf-8"))
    return {annotation["completed_by"]["email"] for task in tasks for annotation in task["annotations"]}


def export_with(pulled: Path, root: Path, *options: str) -> Path:
    assert main(["export", "--input", str(pulled), "--version", "1.0.0", "--out", str(root),
                 "--schema", str(SCHEMA_FILE), *options]) == 0
    return root / "v1.0.0"


def test_annotator_emails_stay_out_of_the_export_by_default(label_studio, pulled_gold, tmp_path, capsys):
    emails = annotator_emails(pulled_gold)
    assert label_studio.username in emails  # the gold file was imported by the admin
    version = export_with(pulled_gold, tmp_path / "exports")
    printed = capsys.readouterr()
    files = files_under(version)
    named = {row["annotator"] for path in files_under(version / "data" / "annotations")
             for row in pq.read_table(path).to_pylist()}
    assert named and not named & emails
    for email in emails:
        assert places_holding(email, {"stdout": printed.out, "stderr": printed.err}, files) == []


def test_annotator_emails_reach_the_export_with_annotator_emails(pulled_gold, tmp_path):
    emails = annotator_emails(pulled_gold)
    version = export_with(pulled_gold, tmp_path / "exports", "--annotator-emails")
    named = set()
    for path in files_under(version / "data" / "annotations"):
        named |= {row["annotator"] for row in pq.read_table(path).to_pylist()}
    assert named == emails
    for email in emails:  # the search that finds none by default finds them here
        assert places_holding(email, {}, files_under(version))
