"""The agreement a report.json gives a dataset card: only from the raw export being published
(checked by SHA-256), and no table when there was nothing to compare."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from export_data import realistic_export, tehran_document, write_export

from annotate.cli import main
from annotate.conversion.records import Annotation, DocumentRecord, Span
from annotate.errors import ReportError
from annotate.report.build import agreement_for_export, agreement_summary, report_from_records
from annotate.scheme.schema import load_schema

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = str(ROOT / "schemas" / "arms_news.yaml")


@pytest.fixture
def one_annotator(tmp_path: Path) -> Path:
    """One document, annotated by one annotator: nothing to compare."""
    return write_export(tmp_path / "a.json", [tehran_document()])


@pytest.fixture
def two_annotators(tmp_path: Path) -> Path:
    """Documents that two annotators completed."""
    return write_export(tmp_path / "b.json", realistic_export(fillers=2))


def report(raw: Path | str, out: Path) -> Path:
    assert main(["report", "--input", str(raw), "--schema", SCHEMA_FILE, "--out", str(out)]) == 0
    return out / "report.json"


def export(raw: Path, out: Path, version: str, agreement: Path) -> int:
    return main(["export", "--input", str(raw), "--schema", SCHEMA_FILE, "--version", version,
                 "--out", str(out), "--agreement", str(agreement)])


def agreement_section(version_folder: Path) -> str:
    card = (version_folder / "README.md").read_text(encoding="utf-8")
    return card.split("## Annotator agreement", 1)[1].split("\n## ", 1)[0]


def error_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().err.strip().splitlines()


# -- which report belongs to which export -----------------------------------------------------------


def test_export_refuses_a_report_made_from_another_raw_export(tmp_path, capsys, one_annotator, two_annotators):
    report_json = report(one_annotator, tmp_path / "reports")
    capsys.readouterr()

    assert export(two_annotators, tmp_path / "exports", "1.0.0", report_json) == 1

    [line] = error_lines(capsys)
    assert line.startswith(f"error: {report_json}: this report was made from a.json (SHA-256 ")
    assert f"but this export reads {two_annotators} (SHA-256 " in line
    assert f"run annotate report --input {two_annotators} --out {report_json.parent} again" in line
    assert not (tmp_path / "exports").exists()


def test_export_refuses_a_report_made_with_another_schema(tmp_path, capsys, two_annotators):
    report_json = report(two_annotators, tmp_path / "reports")
    capsys.readouterr()
    other = tmp_path / "other.yaml"  # the same labels, another claim definition: another fingerprint
    other.write_text(Path(SCHEMA_FILE).read_text(encoding="utf-8").replace("definition:", "definition: Also", 1),
                     encoding="utf-8")

    code = main(["export", "--input", str(two_annotators), "--schema", str(other), "--version", "1.0.0",
                 "--out", str(tmp_path / "exports"), "--agreement", str(report_json)])

    [line] = error_lines(capsys)
    assert code == 1 and "this report read the annotations with schema arms-deals-news 1.1.0" in line
    assert f"run annotate report --input {two_annotators} --schema {other} --out {report_json.parent} again" in line
    assert not (tmp_path / "exports").exists()


def test_export_accepts_a_report_of_the_same_bytes_under_another_name(tmp_path, two_annotators):
    copy = shutil.copyfile(two_annotators, tmp_path / "pulled-again.json")
    report_json = report(copy, tmp_path / "reports")

    assert export(two_annotators, tmp_path / "exports", "1.0.0", report_json) == 0
    assert "| entities, all labels |" in agreement_section(tmp_path / "exports" / "v1.0.0")


def test_a_report_of_an_export_version_fits_exports_of_the_raw_export_it_was_built_from(
        tmp_path, capsys, one_annotator, two_annotators):
    assert main(["export", "--input", str(two_annotators), "--schema", SCHEMA_FILE, "--version", "1.0.0",
                 "--out", str(tmp_path / "exports")]) == 0
    report_json = report(tmp_path / "exports" / "v1.0.0", tmp_path / "reports")
    source = json.loads(report_json.read_text(encoding="utf-8"))["source"]
    assert source == {"kind": "export", "name": "v1.0.0", "dataset": "arms-deals-news", "version": "1.0.0",
                      "raw": {"file": "b.json", "sha256": hashlib.sha256(two_annotators.read_bytes()).hexdigest()}}

    assert export(two_annotators, tmp_path / "exports", "1.1.0", report_json) == 0
    section = agreement_section(tmp_path / "exports" / "v1.1.0")
    assert "from export folder v1.0.0, built from b.json (SHA-256 " in section
    capsys.readouterr()

    assert export(one_annotator, tmp_path / "other", "1.0.0", report_json) == 1
    [line] = error_lines(capsys)
    assert "this report was made from export v1.0.0 (built from b.json)" in line
    assert not (tmp_path / "other").exists()


def test_export_refuses_a_report_that_does_not_record_its_input(tmp_path, capsys, two_annotators):
    report_json = report(two_annotators, tmp_path / "reports")
    older = json.loads(report_json.read_text(encoding="utf-8"))
    older["source"] = {"kind": "label-studio-json", "name": "b.json"}  # what reports held before the check
    report_json.write_text(json.dumps(older), encoding="utf-8")
    capsys.readouterr()

    assert export(two_annotators, tmp_path / "exports", "1.0.0", report_json) == 1

    [line] = error_lines(capsys)
    assert "the report does not record the SHA-256 of the file it was made from" in line
    assert f"run annotate report --input {two_annotators} --out {report_json.parent} again" in line
    assert not (tmp_path / "exports").exists()


@pytest.mark.parametrize("content", ['{"entities": {"exact_f1": 0.8}}', "[1, 2]", "not json"])
def test_export_refuses_an_agreement_file_that_is_not_a_report(tmp_path, capsys, two_annotators, content):
    fake = tmp_path / "report.json"
    fake.write_text(content, encoding="utf-8")

    assert export(two_annotators, tmp_path / "exports", "1.0.0", fake) == 1

    [line] = error_lines(capsys)
    assert line.startswith(f"error: {fake}: ") and "run annotate report --input" in line
    assert not (tmp_path / "exports").exists()


def test_agreement_for_export_names_a_missing_raw_export(tmp_path, two_annotators):
    report_json = report(two_annotators, tmp_path / "reports")
    with pytest.raises(ReportError, match="missing.json: no such file"):
        agreement_for_export(report_json, tmp_path / "missing.json")


# -- nothing to measure ------------------------------------------------------------------------------


def test_card_says_agreement_is_not_measured_when_no_document_has_two_annotators(tmp_path, one_annotator):
    report_json = report(one_annotator, tmp_path / "reports")

    assert export(one_annotator, tmp_path / "exports", "1.0.0", report_json) == 0

    section = agreement_section(tmp_path / "exports" / "v1.0.0")
    assert "Not measured: no document was completed by two or more annotators" in section
    assert not [line for line in section.splitlines() if line.startswith("|")]
    assert "Pairwise agreement" not in section


TEXT = "TASS said Russia will deliver the S-300 to Iran."


def _annotation(number: int, annotator: str, *labels: tuple[str, str]) -> Annotation:
    spans = tuple(Span(f"r{number}-{i}", TEXT.index(word), TEXT.index(word) + len(word), word, label)
                  for i, (word, label) in enumerate(labels))
    return Annotation(id=number, annotator=annotator, ground_truth=False, cancelled=False,
                      created_at="2024-05-01T09:00:00Z", updated_at="2024-05-01T09:00:00Z", lead_time=None,
                      entities=spans, claims=(), document_stance=None)


def test_summary_shows_only_figures_over_at_least_one_item():
    document = DocumentRecord(id="doc-1", task_id=1, title="", text=TEXT, source="",
                              annotations=(_annotation(1, "alice", ("TASS", "ORG"), ("Iran", "GPE")),
                                           _annotation(2, "bob", ("TASS", "ORG"))))
    markdown = agreement_summary(report_from_records([document], load_schema(SCHEMA_FILE)))["markdown"]

    assert "Pairwise agreement between 2 annotators on 1 document that two or more of them completed" in markdown
    # One document compared: every resample is that document, so each interval is the figure itself.
    assert "| entities, all labels | 0.667 [0.667, 0.667] | 0.667 [0.667, 0.667] |" in markdown
    assert "| ORG | 1.000 [1.000, 1.000] | 1.000 [1.000, 1.000] |" in markdown
    assert "| claims |" not in markdown  # nobody marked a claim
    assert "Same stance on matched claims" not in markdown
    assert "Krippendorff" not in markdown  # no stance given: no stance table
    assert "No claim or document got a stance from two or more annotators." in markdown
