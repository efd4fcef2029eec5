"""The agreement and quality report: figures from records, the JSON and HTML files, the command,
and the whole path from a real Label Studio server with three annotators to the report."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from annotate.cli import main
from annotate.conversion.records import Annotation, Claim, DocumentRecord, Prediction, Span, recency
from annotate.release.gold_merge import merge
from annotate.report.agreement import cohen_kappa, fleiss_kappa, krippendorff_alpha_nominal
from annotate.report.build import (
    HTML_NAME,
    JSON_NAME,
    agreement_summary,
    build_report,
    report_from_records,
    write_report,
)
from annotate.scheme.schema import load_schema

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = load_schema(ROOT / "schemas" / "arms_news.yaml")
TEXT = ("Vladimir Putin said on Thursday that Russia will deliver the S-300 to Iran. "
        "TASS reported that 15 squadrons would follow, and the IAEA was told in November.")


def plain(block: dict) -> dict:
    """A figure's block without its bootstrap interval (tested in test_bootstrap.py)."""
    return {key: value for key, value in block.items() if key != "ci95"}


def at(fragment: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(fragment, start + 1)
    return start, start + len(fragment)


def span(fragment: str, label: str, region: str = "") -> Span:
    start, end = at(fragment)
    return Span(region or f"{label}-{start}", start, end, TEXT[start:end], label)


def claim(fragment: str, stance: str | None, region: str = "") -> Claim:
    start, end = at(fragment)
    return Claim(region or f"claim-{start}", start, end, TEXT[start:end], None, stance, {"claim_type": "FACT"})


_ids = iter(range(1, 10_000))


def annotation(annotator: str, *, entities=(), claims=(), stance=None, cancelled=False, lead_time=None,
               updated_at="2024-05-01T10:00:00Z", ground_truth=False) -> Annotation:
    return Annotation(id=next(_ids), annotator=annotator, ground_truth=ground_truth, cancelled=cancelled,
                      created_at="2024-05-01T09:00:00Z", updated_at=updated_at, lead_time=lead_time,
                      entities=tuple(entities), claims=tuple(claims), document_stance=stance)


def document(doc_id: str, *annotations: Annotation, predictions=(), title: str = "") -> DocumentRecord:
    return DocumentRecord(id=doc_id, task_id=int(re.sub(r"\D", "", doc_id) or 0), title=title or doc_id,
                          text=TEXT, source="test", annotations=tuple(annotations), predictions=tuple(predictions))


# -- figures from records -----------------------------------------------------------------------


def test_span_f1_is_summed_over_labels_pairs_and_documents():
    alice = annotation("alice", entities=[span("Vladimir Putin", "PERSON"), span("Russia", "GPE"),
                                          span("S-300", "WEAPON")])
    bob = annotation("bob", entities=[span("Vladimir Putin", "PERSON"), span("Russ", "GPE"), span("TASS", "ORG")])
    figures = report_from_records([document("doc-1", alice, bob)], SCHEMA).figures["agreement"]["entities"]

    # PERSON identical; GPE overlaps only; WEAPON and ORG on one side only: 6 spans in all.
    assert plain(figures["labels"]["PERSON"]["exact"]) == {"f1": 1.0, "matched": 1, "spans": 2}
    assert figures["labels"]["GPE"]["exact"]["f1"] == 0.0
    assert figures["labels"]["GPE"]["overlap"]["f1"] == 1.0
    assert plain(figures["labels"]["WEAPON"]["overlap"]) == {"f1": 0.0, "matched": 0, "spans": 1}
    assert plain(figures["overall"]["exact"]) == {"f1": round(2 * 1 / 6, 6), "matched": 1, "spans": 6}
    assert plain(figures["overall"]["overlap"]) == {"f1": round(2 * 2 / 6, 6), "matched": 2, "spans": 6}
    assert figures["labels"]["DATE"]["exact"]["f1"] is None  # nobody marked a date
    assert figures["pairs"] == [{"annotators": ["alice", "bob"], "documents": 1,
                                 "exact": figures["overall"]["exact"], "overlap": figures["overall"]["overlap"]}]


def test_same_span_with_another_label_does_not_match():
    alice = annotation("alice", entities=[span("TASS", "ORG")])
    bob = annotation("bob", entities=[span("TASS", "PERSON")])
    figures = report_from_records([document("doc-1", alice, bob)], SCHEMA).figures["agreement"]["entities"]
    assert figures["overall"]["overlap"]["matched"] == 0


def test_cancelled_annotations_are_counted_but_never_compared():
    alice = annotation("alice", entities=[span("Russia", "GPE")], stance="FAVOR", lead_time=40.0)
    bob = annotation("bob", entities=[span("Russia", "GPE")], stance="FAVOR", lead_time=20.0)
    carol = annotation("carol", entities=[span("Iran", "GPE")], stance="AGAINST", cancelled=True, lead_time=5.0)
    figures = report_from_records([document("doc-1", alice, bob, carol)], SCHEMA).figures

    assert figures["totals"]["annotations"] == 3
    assert figures["totals"]["cancelled"] == 1
    assert figures["annotators"]["carol"]["cancelled"] == 1
    assert figures["documents"][0]["cancelled"] == 1
    assert figures["agreement"]["entities"]["comparisons"] == 1
    assert figures["agreement"]["entities"]["overall"]["exact"]["f1"] == 1.0
    assert figures["agreement"]["document_stance"]["annotators"] == 2
    assert figures["labels"]["entities"]["GPE"] == 2  # carol's span is not counted
    assert figures["time"]["total_seconds"] == 65.0  # time spent on a skipped task still counts


def test_an_annotator_is_compared_with_their_latest_annotation():
    old = annotation("alice", entities=[span("TASS", "ORG")], updated_at="2024-05-01T10:00:00Z")
    new = annotation("alice", entities=[span("IAEA", "ORG")], updated_at="2024-05-02T10:00:00Z")
    bob = annotation("bob", entities=[span("IAEA", "ORG")])
    figures = report_from_records([document("doc-1", new, old, bob)], SCHEMA).figures

    assert figures["agreement"]["entities"]["overall"]["exact"]["f1"] == 1.0
    assert figures["annotators"]["alice"]["completed"] == 2


def test_the_latest_annotation_is_decided_by_time_not_by_the_spelling_of_the_time():
    # "...10:00:00.5Z" is half a second after "...10:00:00Z", though it sorts before it as a string.
    earlier = annotation("alice", entities=[span("TASS", "ORG")], updated_at="2024-05-01T10:00:00Z")
    later = annotation("alice", entities=[span("IAEA", "ORG")], updated_at="2024-05-01T10:00:00.5Z")
    bob = annotation("bob", entities=[span("IAEA", "ORG")])
    figures = report_from_records([document("doc-1", later, earlier, bob)], SCHEMA).figures
    assert figures["agreement"]["entities"]["overall"]["exact"]["f1"] == 1.0
    record = document("doc-1", later, earlier)
    assert max(record.annotations, key=recency) is later
    assert merge(record, SCHEMA).entities[0].text == "IAEA"  # the gold merge agrees: one definition


def test_document_with_one_annotator_is_counted_but_not_compared():
    alone = document("doc-1", annotation("alice", entities=[span("TASS", "ORG")], stance="NONE"))
    figures = report_from_records([alone], SCHEMA).figures
    assert figures["totals"]["documents_compared"] == 0
    assert figures["agreement"]["entities"]["overall"]["exact"]["f1"] is None
    assert plain(figures["agreement"]["document_stance"]["krippendorff_alpha"]) == {"value": None, "items": 0}
    assert figures["labels"]["entities"]["ORG"] == 1


def test_two_annotators_get_cohen_kappa_on_document_stance():
    stances = [("FAVOR", "FAVOR"), ("AGAINST", "AGAINST"), ("NONE", "FAVOR"), ("FAVOR", "FAVOR"), ("AGAINST", "NONE")]
    documents = [document(f"doc-{i}", annotation("alice", stance=a), annotation("bob", stance=b))
                 for i, (a, b) in enumerate(stances)]
    block = report_from_records(documents, SCHEMA).figures["agreement"]["document_stance"]

    expected = cohen_kappa([a for a, _ in stances], [b for _, b in stances])
    assert plain(block["cohen_kappa"]) == {"annotators": ["alice", "bob"], "items": 5, "value": round(expected, 6)}
    assert block["fleiss_kappa"]["items"] == 5
    assert block["krippendorff_alpha"]["value"] == round(
        krippendorff_alpha_nominal([list(pair) for pair in stances]), 6)


def test_three_annotators_get_fleiss_kappa_and_alpha_but_no_single_cohen_kappa():
    rows = [("FAVOR", "FAVOR", "FAVOR"), ("AGAINST", "AGAINST", "NONE"), ("NONE", "NONE", "NONE"),
            ("FAVOR", "AGAINST", None)]
    documents = [document(f"doc-{i}", *(annotation(name, stance=value) for name, value in
                                        zip(("alice", "bob", "carol"), row)))
                 for i, row in enumerate(rows)]
    block = report_from_records(documents, SCHEMA).figures["agreement"]["document_stance"]

    complete = [list(row) for row in rows if None not in row]
    assert block["cohen_kappa"] is None
    assert len(block["pairwise_cohen_kappa"]) == 3
    assert plain(block["fleiss_kappa"]) == {"value": round(fleiss_kappa(complete), 6), "items": 3, "raters_per_item": 3}
    everything = [[value for value in row if value is not None] for row in rows]
    assert plain(block["krippendorff_alpha"]) == {"value": round(krippendorff_alpha_nominal(everything), 6), "items": 4}


def test_claim_stance_is_compared_on_claims_matched_across_annotators():
    first = "Russia will deliver the S-300 to Iran"
    second = "15 squadrons would follow"
    alice = annotation("alice", claims=[claim(first, "FAVOR"), claim(second, "NONE")])
    bob = annotation("bob", claims=[claim("Russia will deliver the S-300", "FAVOR"), claim(second, "AGAINST")])
    carol = annotation("carol", claims=[claim(first, "FAVOR")])
    figures = report_from_records([document("doc-1", alice, bob, carol)], SCHEMA).figures["agreement"]

    # Claim units: the first claim by all three; the second by alice and bob.
    assert figures["claims"]["overall"]["exact"]["matched"] == 2  # alice-bob second, alice-carol first
    assert figures["claims"]["overall"]["overlap"]["matched"] == 4
    assert plain(figures["claims"]["stance_on_matched"]) == {"pairs": 4, "agreeing": 3, "agreement": 0.75}
    block = figures["claim_stance"]
    assert block["items"] == 2
    assert block["krippendorff_alpha"]["value"] == round(
        krippendorff_alpha_nominal([["FAVOR"] * 3, ["NONE", "AGAINST"]]), 6)
    assert block["fleiss_kappa"]["raters_per_item"] in (2, 3)
    assert block["units_ambiguous"] == 0


def test_claims_chained_to_two_claims_of_one_annotator_are_left_out_as_ambiguous():
    alice = annotation("alice", claims=[claim("Russia will deliver the S-300", "FAVOR")])
    bob = annotation("bob", claims=[claim("Russia will", "FAVOR"), claim("the S-300 to Iran", "NONE")])
    carol = annotation("carol", claims=[claim("deliver the S-300 to Iran", "FAVOR")])
    block = report_from_records([document("doc-1", alice, bob, carol)], SCHEMA).figures["agreement"]["claim_stance"]
    # alice matches bob's first claim (the larger overlap), carol matches bob's second (the only
    # one she overlaps), and alice and carol match: one chain holding two of bob's claims.
    assert block["units_ambiguous"] == 1
    assert block["items"] == 0


def test_preannotations_are_kept_changed_or_deleted():
    predicted = Prediction("rules-1", (span("Vladimir Putin", "PERSON"), span("Russia", "GPE"),
                                       span("S-300", "WEAPON"), span("Thursday", "DATE")))
    alice = annotation("alice", entities=[span("Vladimir Putin", "PERSON"), span("Russia", "ORG"),
                                          span("Thursday", "DATE"), span("TASS", "ORG")])
    bob = annotation("bob", entities=[span("Putin", "PERSON"), span("S-300", "WEAPON")])
    skipped = annotation("carol", cancelled=True)
    figures = report_from_records([document("doc-1", alice, bob, skipped, predictions=[predicted])],
                                  SCHEMA).figures["preannotation"]

    # alice: kept PERSON and DATE, changed GPE (now ORG), deleted WEAPON, added TASS.
    # bob: changed PERSON (boundaries), kept WEAPON, deleted GPE and DATE.
    assert figures["annotations_compared"] == 2
    assert figures["overall"] == {"predicted": 8, "kept": 3, "changed": 2, "deleted": 3, "added": 1,
                                  "kept_share": 0.375}
    assert figures["labels"]["PERSON"] == {"predicted": 2, "kept": 1, "changed": 1, "deleted": 0, "added": 0,
                                           "kept_share": 0.5}
    assert figures["labels"]["ORG"]["added"] == 1
    assert figures["model_versions"] == {"rules-1": figures["overall"]}


def test_annotation_time_has_median_and_total_per_annotator():
    documents = [document(f"doc-{i}", annotation("alice", lead_time=seconds)) for i, seconds in
                 enumerate([30.0, 90.0, 60.0, None])]
    figures = report_from_records(documents, SCHEMA).figures
    assert figures["annotators"]["alice"]["time"] == {"annotations_timed": 3, "total_seconds": 180.0,
                                                       "median_seconds": 60.0}
    assert figures["time"] == figures["annotators"]["alice"]["time"]


def _corpus() -> list[DocumentRecord]:
    prediction = Prediction("rules-1", (span("S-300", "WEAPON"), span("Thursday", "DATE")))
    return [
        document("doc-1",
                 annotation("alice", entities=[span("S-300", "WEAPON"), span("Russia", "GPE")],
                            claims=[claim("Russia will deliver the S-300 to Iran", "FAVOR")], stance="FAVOR",
                            lead_time=50.0),
                 annotation("bob", entities=[span("S-300", "WEAPON")],
                            claims=[claim("Russia will deliver the S-300", "NONE")], stance="NONE", lead_time=70.0),
                 predictions=[prediction], title="<script>alert('x')</script> & friends"),
        document("doc-2", annotation("alice", entities=[span("TASS", "ORG")], stance="AGAINST", lead_time=10.0),
                 annotation("carol", cancelled=True)),
    ]


def test_report_json_is_the_same_for_the_same_records_in_any_order():
    records = _corpus()
    first = report_from_records(records, SCHEMA).to_json()
    second = report_from_records(list(reversed(records)), SCHEMA).to_json()
    assert first == second
    assert json.loads(first)["totals"]["documents"] == 2


def test_write_report_writes_json_and_a_self_contained_html_page(tmp_path):
    report = report_from_records(_corpus(), SCHEMA)
    files = write_report(report, tmp_path / "out")

    assert files.json == tmp_path / "out" / JSON_NAME and files.html == tmp_path / "out" / HTML_NAME
    assert json.loads(files.json.read_text(encoding="utf-8")) == json.loads(report.to_json())
    page = files.html.read_text(encoding="utf-8")
    assert page.count("<svg") >= 3  # label distribution, agreement per label, annotators (and more)
    assert not re.search(r"<(script|link|img|iframe)\b", page, re.IGNORECASE)
    assert not re.search(r"""(src|href)\s*=|url\(|@import""", page, re.IGNORECASE)
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    assert sorted(p.name for p in files.json.parent.iterdir()) == [HTML_NAME, JSON_NAME]


def test_agreement_summary_is_small_and_repeats_the_report_figures():
    report = report_from_records(_corpus(), SCHEMA)
    summary = agreement_summary(report)
    figures = report.figures["agreement"]

    assert len(json.dumps(summary)) < 4000
    low, high = summary["entities"]["exact_f1_ci95"]
    assert (f"| entities, all labels | {summary['entities']['exact_f1']:.3f} [{low:.3f}, {high:.3f}] |"
            in summary["markdown"])
    assert summary["entities"]["exact_f1"] == figures["entities"]["overall"]["exact"]["f1"]
    assert summary["claims"]["overlap_f1"] == figures["claims"]["overall"]["overlap"]["f1"]
    assert summary["document_stance"]["cohen_kappa"] == figures["document_stance"]["cohen_kappa"]["value"]
    assert summary["documents_compared"] == 1
    assert set(summary["entities"]["labels"]) == {"WEAPON", "GPE"}  # only labels somebody used


# -- the command --------------------------------------------------------------------------------


def _label_studio_task(task_id: int, annotations: list[dict]) -> dict:
    return {"id": task_id, "data": {"text": TEXT, "document_id": f"doc-{task_id}", "title": f"Article {task_id}"},
            "annotations": annotations, "predictions": []}


def _raw_annotation(annotation_id: int, user: int, entities: list[tuple[str, str]], stance: str) -> dict:
    result = []
    for number, (fragment, label) in enumerate(entities):
        start, end = at(fragment)
        result.append({"id": f"r{annotation_id}-{number}", "from_name": "entities", "to_name": "text",
                       "type": "labels", "value": {"start": start, "end": end, "text": fragment, "labels": [label]}})
    result.append({"id": f"d{annotation_id}", "from_name": "doc_stance", "to_name": "text", "type": "choices",
                   "value": {"choices": [stance]}})
    return {"id": annotation_id, "completed_by": user, "result": result, "was_cancelled": False,
            "ground_truth": False, "lead_time": 12.5, "created_at": "2024-05-01T09:00:00Z",
            "updated_at": "2024-05-01T09:00:00Z"}


def test_report_command_writes_both_files_and_prints_a_summary(tmp_path, capsys):
    raw = [_label_studio_task(1, [_raw_annotation(1, 1, [("TASS", "ORG"), ("Iran", "GPE")], "NONE"),
                                  _raw_annotation(2, 2, [("TASS", "ORG")], "NONE")])]
    source = tmp_path / "pulled.json"
    source.write_text(json.dumps(raw), encoding="utf-8")

    code = main(["report", "--input", str(source), "--out", str(tmp_path / "report"),
                 "--schema", str(ROOT / "schemas" / "arms_news.yaml")])

    out = capsys.readouterr().out
    assert code == 0
    assert "Entities pairwise F1: exact 0.667, overlap 0.667" in out
    assert str(tmp_path / "report" / JSON_NAME) in out and str(tmp_path / "report" / HTML_NAME) in out
    figures = json.loads((tmp_path / "report" / JSON_NAME).read_text(encoding="utf-8"))
    assert figures["source"] == {"kind": "label-studio-json", "name": "pulled.json",
                                 "sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
                                 "size": source.stat().st_size}
    assert figures["totals"]["annotators"] == 2


def test_report_command_names_a_missing_input(tmp_path, capsys):
    code = main(["report", "--input", str(tmp_path / "nothing.json"), "--out", str(tmp_path / "r"),
                 "--schema", str(ROOT / "schemas" / "arms_news.yaml")])
    assert code == 1
    assert "nothing.json: no such file or folder" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


JSON_MIN_ROW = {"id": 1, "text": TEXT, "document_id": "doc-1", "title": "Article 1",
                "entities": [{"start": 0, "end": 14, "text": "Vladimir Putin", "labels": ["PERSON"]}],
                "doc_stance": "NONE", "annotator": 1, "annotation_id": 1, "created_at": "2024-05-01T09:00:00Z",
                "updated_at": "2024-05-01T09:00:00Z", "lead_time": 12.5}


@pytest.mark.parametrize(("content", "expected"), [
    ('{"a": 1}', '"data" nor "annotations"'),
    ("[]", "no tasks in this file (an empty list)"),
    (json.dumps([JSON_MIN_ROW]), "JSON_MIN"),
    (json.dumps([{"id": 1, "data": {"text": TEXT}, "annotations": []}]), "no task could be read (1 task in the file)"),
], ids=["object", "empty-list", "json-min", "no-readable-task"])
def test_report_refuses_input_it_cannot_read_in_one_line_and_writes_nothing(tmp_path, capsys, content, expected):
    source = tmp_path / "pulled.json"
    source.write_text(content, encoding="utf-8")

    code = main(["report", "--input", str(source), "--out", str(tmp_path / "r"),
                 "--schema", str(ROOT / "schemas" / "arms_news.yaml")])

    captured = capsys.readouterr()
    [line] = captured.err.strip().splitlines()
    assert code == 1 and captured.out == ""
    assert line.startswith(f"error: {source}: ") and expected in line
    assert "export the project as JSON" in line or "annotate export --input" in line or "annotate pull" in line
    assert not (tmp_path / "r").exists()


def test_report_speaks_of_one_document_annotator_and_problem_in_the_singular(tmp_path, capsys):
    broken = _raw_annotation(1, 1, [("TASS", "ORG"), ("Iran", "GPE")], "NONE")
    broken["result"][1]["value"]["labels"] = ["SHIP"]
    source = tmp_path / "pulled.json"
    source.write_text(json.dumps([_label_studio_task(1, [broken])]), encoding="utf-8")

    assert main(["report", "--input", str(source), "--out", str(tmp_path / "r"),
                 "--schema", str(ROOT / "schemas" / "arms_news.yaml")]) == 0

    out = capsys.readouterr().out
    assert ("1 document; 1 completed annotation and 0 cancelled, by 1 annotator; no document has two or "
            "more annotators, so agreement is not measured.") in out
    assert f"1 problem while reading, listed in {tmp_path / 'r' / HTML_NAME} and {tmp_path / 'r' / JSON_NAME}." in out
    html = (tmp_path / "r" / HTML_NAME).read_text(encoding="utf-8")
    page = re.sub(r"<[^>]+>", "|", html.replace("</b>", " "))  # a card's number, then its noun; cells apart
    plural_after_one = re.compile(r"\b1\s+(?:[a-z-]+\s+)?(?:documents|annotators|annotations|problems|tasks|"
                                  r"items|comparisons|pairs|entities|claims)\b")
    assert not plural_after_one.search(out) and not plural_after_one.search(page)
    assert re.search(r"\b1\s+document\b", page) and re.search(r"\b1\s+annotator\b", page)
    assert "Nothing to compare: no document was completed by two or more annotators." in page


def test_problems_beyond_the_page_are_all_in_report_json_and_no_command_is_suggested(tmp_path, capsys):
    tasks = []
    for number in range(1, 61):
        broken = _raw_annotation(number, 1, [("TASS", "ORG")], "NONE")
        broken["result"][0]["value"]["labels"] = ["SHIP"]
        tasks.append(_label_studio_task(number, [broken]))
    source = tmp_path / "pulled.json"
    source.write_text(json.dumps(tasks), encoding="utf-8")
    schema = str(ROOT / "schemas" / "arms_news.yaml")

    assert main(["report", "--input", str(source), "--out", str(tmp_path / "r"), "--schema", schema]) == 0

    out = capsys.readouterr().out
    figures = json.loads((tmp_path / "r" / JSON_NAME).read_text(encoding="utf-8"))["problems"]
    assert figures["count"] == 60 == len(figures["all"]) > len(figures["first"])
    assert all("SHIP" in problem for problem in figures["all"])
    assert (f"60 problems while reading; the first {len(figures['first'])} are listed in "
            f"{tmp_path / 'r' / HTML_NAME}, every one in {tmp_path / 'r' / JSON_NAME} (problems.all)") in out
    page = (tmp_path / "r" / HTML_NAME).read_text(encoding="utf-8")
    assert "problems.all" in page
    # A diagnostic never names a command that would publish a version.
    assert "annotate export" not in out + page and "annotate validate" not in out + page
    assert not (tmp_path / "exports").exists()


def test_build_report_turns_conversion_problems_into_figures(tmp_path):
    broken = _raw_annotation(1, 1, [("TASS", "ORG")], "NONE")
    broken["result"][0]["value"]["labels"] = ["SHIP"]
    source = tmp_path / "pulled.json"
    source.write_text(json.dumps([_label_studio_task(1, [broken])]), encoding="utf-8")
    report = build_report(source, SCHEMA)
    assert report.figures["problems"]["count"] == len(report.problems) >= 1
    assert "SHIP" in report.figures["problems"]["first"][0]
    assert report.figures["totals"]["entities"] == 0


def test_export_folder_gives_the_same_agreement_as_the_file_it_was_exported_from(tmp_path):
    from annotate.release.export import export

    raw = [
        _label_studio_task(1, [_raw_annotation(1, 1, [("TASS", "ORG"), ("Iran", "GPE")], "NONE"),
                               _raw_annotation(2, 2, [("TASS", "ORG"), ("Ira", "GPE")], "AGAINST")]),
        _label_studio_task(2, [_raw_annotation(3, 1, [("Vladimir Putin", "PERSON")], "FAVOR"),
                               _raw_annotation(4, 2, [("Putin", "PERSON")], "FAVOR"),
                               _raw_annotation(5, 3, [("Vladimir Putin", "PERSON")], "FAVOR")]),
    ]
    source = tmp_path / "pulled.json"
    source.write_text(json.dumps(raw), encoding="utf-8")
    exported = export(source, schema=SCHEMA, out_root=tmp_path / "exports", version="1.0.0")

    from_file = build_report(source, SCHEMA).figures
    from_export = build_report(exported.path, SCHEMA).figures

    assert from_export["source"] == {"kind": "export", "name": "v1.0.0", "dataset": SCHEMA.name, "version": "1.0.0",
                                     "raw": {"file": "pulled.json",
                                             "sha256": hashlib.sha256(source.read_bytes()).hexdigest()}}
    assert from_export["agreement"] == from_file["agreement"]
    assert from_export["labels"] == from_file["labels"]
    assert from_export["annotators"] == from_file["annotators"]
    assert from_export["preannotation"] is None
    assert [d["title"] for d in from_export["documents"]] == ["Article 1", "Article 2"]


def test_the_report_heading_names_the_dataset_and_its_version_or_the_input_file(tmp_path):
    published = ROOT / "exports" / "v1.0.1"
    manifest = json.loads((published / "manifest.json").read_text(encoding="utf-8"))
    schema_version = manifest["schema"]["version"]
    assert schema_version != manifest["version"]  # else this test could not tell them apart
    write_report(build_report(published, SCHEMA), tmp_path / "export")
    page = (tmp_path / "export" / HTML_NAME).read_text(encoding="utf-8")
    heading = f"Annotation report: {manifest['dataset']} v{manifest['version']}"
    assert f"<h1>{heading}</h1>" in page and f"<title>{heading}</title>" in page

    raw = [_label_studio_task(1, [_raw_annotation(1, 1, [("TASS", "ORG")], "NONE")])]
    source = tmp_path / "arms-deals-news.json"
    source.write_text(json.dumps(raw), encoding="utf-8")
    write_report(build_report(source, SCHEMA), tmp_path / "raw")
    page = (tmp_path / "raw" / HTML_NAME).read_text(encoding="utf-8")
    assert "<h1>Annotation report: arms-deals-news.json</h1>" in page
    assert f"schema {SCHEMA.name} {SCHEMA.version}, fingerprint" in page  # the schema's version, said as such


# -- through a real Label Studio server ---------------------------------------------------------

ARTIFACTS = ROOT / "test-artifacts"


def _region(region_id: str, name: str, fragment: str, label: str) -> dict:
    start, end = at(fragment)
    return {"id": region_id, "from_name": name, "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": fragment, "labels": [label]}}


def _entity(region_id: str, fragment: str, label: str) -> dict:
    return _region(region_id, "entities", fragment, label)


def _claim(region_id: str, fragment: str, stance: str) -> list[dict]:
    start, end = at(fragment)
    per_region = {"start": start, "end": end, "text": fragment}
    return [_region(region_id, "claims", fragment, "CLAIM"),
            {"id": region_id, "from_name": "claim_stance", "to_name": "text", "type": "choices",
             "value": {**per_region, "choices": [stance]}},
            {"id": region_id, "from_name": "claim_type", "to_name": "text", "type": "choices",
             "value": {**per_region, "choices": ["PREDICTION"]}}]


def _stance(value: str) -> dict:
    return {"id": f"doc-{value}", "from_name": "doc_stance", "to_name": "text", "type": "choices",
            "value": {"choices": [value]}}


def test_report_on_three_annotators_made_through_the_real_server(ls_client, tmp_path):
    import uuid

    from annotate.release.export import export
    from annotate.scheme.label_config import label_config
    from annotate.studio.pull import pull

    tag = uuid.uuid4().hex[:8]
    project = ls_client.projects.create(title=f"report test {tag}", label_config=label_config(SCHEMA))
    predictions = {
        "doc-1": [_entity("p1", "Vladimir Putin", "PERSON"), _entity("p2", "Russia", "GPE"),
                  _entity("p3", "Thursday", "DATE")],
        "doc-2": [_entity("p4", "TASS", "ORG")],
        "doc-3": [],
    }
    ls_client.projects.import_tasks(id=project.id, request=[
        {"data": {"text": TEXT, "document_id": doc_id, "title": f"Article {doc_id}"},
         "predictions": [{"model_version": "rules-1", "result": result}] if result else []}
        for doc_id, result in predictions.items()])
    tasks = {task.data["document_id"]: task.id for task in ls_client.tasks.list(project=project.id)}
    alice = ls_client.users.whoami().id
    bob, carol = (ls_client.users.create(username=f"{name}-{tag}", email=f"{name}-{tag}@example.org",
                                         password=uuid.uuid4().hex).id for name in ("bob", "carol"))

    work = {  # document -> [(user, lead_time, cancelled, result)]
        "doc-1": [
            (alice, 60.0, False, [_entity("a1", "Vladimir Putin", "PERSON"), _entity("a2", "Russia", "GPE"),
                                  *_claim("a3", "Russia will deliver the S-300 to Iran", "FAVOR"), _stance("FAVOR")]),
            (bob, 90.0, False, [_entity("b1", "Vladimir Putin", "PERSON"), _entity("b2", "Russia", "GPE"),
                                _entity("b3", "S-300", "WEAPON"),
                                *_claim("b4", "Russia will deliver the S-300 to Iran", "FAVOR"), _stance("FAVOR")]),
            (carol, 45.0, False, [_entity("c1", "Putin", "PERSON"),
                                  *_claim("c2", "Russia will deliver the S-300", "NONE"), _stance("NONE")]),
        ],
        "doc-2": [
            (alice, 30.0, False, [_entity("a4", "TASS", "ORG"), _entity("a5", "15 squadrons", "QUANTITY"),
                                  _stance("AGAINST")]),
            (bob, 40.0, False, [_entity("b5", "TASS", "ORG"), _stance("AGAINST")]),
            (carol, 5.0, True, []),
        ],
        "doc-3": [(alice, 20.0, False, [_entity("a6", "IAEA", "ORG"), _entity("a7", "November", "DATE"),
                                        _stance("NONE")])],
    }
    for doc_id, made in work.items():
        for user, seconds, cancelled, result in made:
            ls_client.annotations.create(id=tasks[doc_id], result=result, completed_by=user, lead_time=seconds,
                                         was_cancelled=cancelled)

    pulled = pull(client=ls_client, project_id=project.id, out=tmp_path / "pulled.json").path
    report = build_report(pulled, SCHEMA)
    figures = report.figures

    assert report.problems == ()
    assert figures["totals"] == {
        "documents": 3, "documents_annotated": 3, "documents_compared": 2, "annotations": 7, "completed": 6,
        "cancelled": 1, "ground_truth": 0, "annotators": 3, "entities": 11, "claims": 3, "problems": 0}
    by_completed = sorted(figures["annotators"].values(), key=lambda a: a["completed"])
    assert [(a["completed"], a["cancelled"]) for a in by_completed] == [(1, 1), (2, 0), (3, 0)]
    assert by_completed[2]["time"] == {"annotations_timed": 3, "total_seconds": 110.0, "median_seconds": 30.0}

    # Entities, pair by pair (spans of both sides; exact and overlap matches):
    # doc-1 alice-bob 5 spans, 2 exact; alice-carol 3, 0 exact, 1 overlap ("Putin"); bob-carol 4, 0, 1;
    # doc-2 alice-bob 3 spans, 1 exact (carol skipped).
    entities = figures["agreement"]["entities"]
    assert entities["comparisons"] == 4
    assert plain(entities["overall"]["exact"]) == {"f1": round(2 * 3 / 15, 6), "matched": 3, "spans": 15}
    assert plain(entities["overall"]["overlap"]) == {"f1": round(2 * 5 / 15, 6), "matched": 5, "spans": 15}
    assert entities["labels"]["PERSON"]["overlap"]["f1"] == 1.0
    assert entities["labels"]["WEAPON"]["exact"]["f1"] == 0.0

    claims = figures["agreement"]["claims"]
    assert claims["overall"]["exact"]["matched"] == 1 and claims["overall"]["overlap"]["matched"] == 3
    assert plain(claims["stance_on_matched"]) == {"pairs": 3, "agreeing": 1, "agreement": round(1 / 3, 6)}
    claim_stance = figures["agreement"]["claim_stance"]
    assert claim_stance["items"] == 1
    assert claim_stance["fleiss_kappa"]["value"] == round(fleiss_kappa([["FAVOR", "FAVOR", "NONE"]]), 6)

    document_stance = figures["agreement"]["document_stance"]
    assert document_stance["items"] == 2 and document_stance["annotators"] == 3
    assert document_stance["cohen_kappa"] is None
    assert plain(document_stance["krippendorff_alpha"]) == {
        "value": round(krippendorff_alpha_nominal([["FAVOR", "FAVOR", "NONE"], ["AGAINST", "AGAINST"]]), 6),
        "items": 2}

    # Pre-annotations: doc-1 alice and bob keep PERSON and GPE and drop DATE; carol changes PERSON
    # and drops GPE and DATE; doc-2 alice and bob keep ORG (the skipped annotation does not count).
    # Added: bob's WEAPON and alice's QUANTITY.
    assert figures["preannotation"]["overall"] == {
        "predicted": 11, "kept": 6, "changed": 1, "deleted": 4, "added": 2, "kept_share": round(6 / 11, 6)}

    files = write_report(report, tmp_path / "report")
    exported = export(pulled, schema=SCHEMA, out_root=tmp_path / "exports", version="1.0.0",
                      agreement=agreement_summary(report))
    assert build_report(exported.path, SCHEMA).figures["agreement"] == figures["agreement"]
    card = (exported.path / "README.md").read_text(encoding="utf-8")
    alpha = document_stance["krippendorff_alpha"]["value"]
    fleiss = document_stance["fleiss_kappa"]["value"]
    interval = r"(?: \[[^]|]*\])?"  # the 95% bootstrap interval, when the report has one
    assert re.search(rf"\| documents \| 2 \| 3 \| n/a \| {fleiss:.3f}{interval} \| {alpha:.3f}{interval} \|", card), card
    _render(files.html, ARTIFACTS / "report.png")


def _render(page: Path, screenshot: Path) -> None:
    """Open the page in headless Chromium: it shows its charts and asks for nothing from outside."""
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("no /usr/bin/chromium to render the report in")
    from playwright.sync_api import sync_playwright

    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
        try:
            tab = browser.new_page(viewport={"width": 1200, "height": 900})
            tab.on("request", lambda request: requested.append(request.url))
            tab.goto(page.as_uri())
            assert tab.locator("h1").inner_text().startswith("Annotation report")
            assert tab.locator("svg").count() >= 4
            assert tab.locator("svg rect").first.bounding_box()["width"] > 0
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    assert requested == [page.as_uri()]


def test_export_card_carries_the_agreement_summary_of_a_report_json(tmp_path, capsys):
    from export_data import realistic_export, write_export

    raw = write_export(tmp_path / "raw.json", realistic_export(fillers=2))
    schema_file = str(Path(__file__).resolve().parents[2] / "schemas" / "arms_news.yaml")
    assert main(["report", "--input", str(raw), "--schema", schema_file, "--out", str(tmp_path / "rep")]) == 0
    figures = json.loads((tmp_path / "rep" / "report.json").read_text(encoding="utf-8"))
    assert main(["export", "--input", str(raw), "--schema", schema_file, "--version", "1.0.0",
                 "--out", str(tmp_path / "exports"), "--agreement", str(tmp_path / "rep" / "report.json")]) == 0
    card = (tmp_path / "exports" / "v1.0.0" / "README.md").read_text(encoding="utf-8")
    section = card.split("## Annotator agreement", 1)[1].split("\n## ", 1)[0]
    assert "| entities, all labels |" in section and "Krippendorff's alpha" in section
    agreement = figures["agreement"]
    assert agreement["annotators"] >= 2
    assert f"Pairwise agreement between {agreement['annotators']} annotators on {agreement['documents']} " in section
    assert f"from Label Studio export raw.json (SHA-256 {figures['source']['sha256'][:16]}" in section


def test_preannotation_usefulness_is_split_by_source():
    predicted = Prediction("memory+patterns+model-v1-1a2b3c4d-ff55e8ad8586",
                           (span("Vladimir Putin", "PERSON"), span("Russia", "GPE"), span("S-300", "WEAPON"),
                            span("Thursday", "DATE")),
                           sources=("model", "memory", "patterns", "model"))
    alice = annotation("alice", entities=[span("Vladimir Putin", "PERSON"), span("Russia", "ORG"),
                                          span("TASS", "ORG")])
    figures = report_from_records([document("doc-1", alice, predictions=[predicted])], SCHEMA).figures
    sources = figures["preannotation"]["sources"]
    # model: kept PERSON, deleted DATE; missed Russia and TASS (no model span overlaps them).
    assert sources["model"] == {"predicted": 2, "kept": 1, "changed": 0, "deleted": 1, "kept_share": 0.5,
                                "missed": 2}
    # memory: changed Russia (GPE -> ORG); missed Vladimir Putin and TASS.
    assert sources["memory"] == {"predicted": 1, "kept": 0, "changed": 1, "deleted": 0, "kept_share": 0.0,
                                 "missed": 2}
    # patterns: deleted S-300; missed all three annotated spans.
    assert sources["patterns"]["deleted"] == 1 and sources["patterns"]["missed"] == 3


def test_unmarked_prediction_counts_for_the_source_its_model_version_names():
    predicted = Prediction("patterns-ff55e8ad8586", (span("Russia", "GPE"),))
    alice = annotation("alice", entities=[span("Russia", "GPE")])
    figures = report_from_records([document("doc-1", alice, predictions=[predicted])], SCHEMA).figures
    assert figures["preannotation"]["sources"] == {
        "patterns": {"predicted": 1, "kept": 1, "changed": 0, "deleted": 0, "kept_share": 1.0, "missed": 0}}
