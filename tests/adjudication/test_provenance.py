"""A curator's decision in a pulled file becomes the gold, with its provenance in the dataset.

The raw files are shaped like what ``annotate pull`` writes: the curation project's decisions on
a document sit under the task's ``curated`` key, each marked ``"curated": true`` and never
ground truth. A plain Label Studio export (no such key) converts as before.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pyarrow.parquet as pq
from export_data import Annotator, annotation, task, write_export

from annotate.release.export import export
from annotate.validation.validate import validate

TEXT = "Vladimir Kozhin told TASS on Thursday that the contract is being implemented, and Iran welcomed it."
CLAIM = "the contract is being implemented"
BOB = {"id": 2, "email": "bob@example.org"}
CAROL = {"id": 3, "email": "carol@example.org"}
CURATOR = {"id": 9, "email": "curator@example.org"}


def work(tass: str, stance: str, claimant: str, doc: str) -> Annotator:
    return (Annotator(TEXT).entity("k", "Vladimir Kozhin", "PERSON").entity("t", "TASS", tass)
            .claim("c", CLAIM, stance=stance, claimant=claimant).stance(doc))


def decision(annotation_id: int, tass: str, doc: str, updated: str = "2025-04-01T10:00:00.000000Z") -> dict:
    made = annotation(annotation_id, CURATOR, work(tass, "FAVOR", "k", doc), updated=updated)
    return {**made, "curated": True, "curation_task": 77}


def tasks(*decisions: dict) -> list[dict]:
    disputed = task(1, "doc-disputed", "Disputed", TEXT, [
        annotation(11, BOB, work("ORG", "FAVOR", "k", "FAVOR")),
        annotation(12, CAROL, work("GPE", "AGAINST", "t", "AGAINST"), updated="2025-03-02T10:00:00.000000Z")])
    if decisions:
        disputed["curated"] = list(decisions)
    agreed = task(2, "doc-agreed", "Agreed", TEXT, [
        annotation(21, BOB, work("ORG", "FAVOR", "k", "FAVOR")), annotation(22, CAROL, work("ORG", "FAVOR", "k", "FAVOR"))])
    single = task(3, "doc-single", "Single", TEXT, [annotation(31, BOB, work("ORG", "FAVOR", "k", "NONE"))])
    return [disputed, agreed, single]


def documents(version: Path) -> dict[str, dict]:
    rows = [row for path in sorted((version / "data" / "documents").glob("*.parquet"))
            for row in pq.read_table(path).to_pylist()]
    return {row["id"]: row for row in rows}


def test_the_curators_decision_is_the_gold_with_its_provenance_and_counts(tmp_path, schema):
    raw = write_export(tmp_path / "raw.json", tasks(decision(90, "ORG", "FAVOR")))
    result = export(raw, schema=schema, out_root=tmp_path / "exports", version="1.0.0")
    rows = documents(result.path)
    assert {key: row["policy"] for key, row in rows.items()} == {
        "doc-disputed": "adjudicated", "doc-agreed": "unanimous", "doc-single": "single"}
    disputed = rows["doc-disputed"]
    labels = schema.entity_labels
    assert [(e["text"], labels[e["label"]]) for e in disputed["entities"]] == [("Vladimir Kozhin", "PERSON"),
                                                                              ("TASS", "ORG")]
    assert disputed["entities_marked_by"] == [2, 1]  # both marked Kozhin as PERSON; only Bob TASS as ORG
    assert disputed["claims_marked_by"] == [2]
    assert schema.stance.values[disputed["stance"]] == "FAVOR"
    assert len(disputed["annotators"]) == 2  # the annotators, not the curator
    assert rows["doc-agreed"]["entities_marked_by"] == [2, 2]

    annotations = [row for path in sorted((result.path / "data" / "annotations").glob("*.parquet"))
                   for row in pq.read_table(path).to_pylist()]
    assert len(annotations) == 5 and len({row["annotator"] for row in annotations}) == 2  # no curator row

    card = (result.path / "README.md").read_text(encoding="utf-8")
    assert "| `adjudicated` | 1 |" in card and "| `unanimous` | 1 |" in card and "| `single` | 1 |" in card
    # Bob and Carol disagreed on TASS's label, the claim's stance and claimant and the article's stance.
    assert "Points in dispute between annotators that a curator resolved: 4." in card
    assert validate(tmp_path / "exports").ok


def test_a_gold_changed_by_adjudication_is_counted_in_the_changelog_and_is_at_least_a_patch(tmp_path, schema):
    root = tmp_path / "exports"
    export(write_export(tmp_path / "before.json", tasks()), schema=schema, out_root=root, version="1.0.0")
    after = write_export(tmp_path / "after.json", tasks(decision(90, "GPE", "AGAINST")))
    result = export(after, schema=schema, out_root=root, bump="auto")
    assert result.version == "1.0.1"
    assert "1 document(s) whose gold changed by adjudication" in result.reasons
    changelog = (result.path / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "- Of them, changed by adjudication (a curator's decision): 1 (`doc-disputed`)" in changelog
    manifest = json.loads((result.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["changes"]["documents_gold_changed_by_adjudication"] == 1
    assert validate(root).ok


def test_the_latest_decision_wins_and_a_plain_export_converts_as_before(tmp_path, schema):
    older, newer = decision(90, "GPE", "AGAINST", "2025-04-01T10:00:00.000000Z"), decision(91, "ORG", "NONE",
                                                                                           "2025-04-02T10:00:00.000000Z")
    result = export(write_export(tmp_path / "raw.json", tasks(newer, older)), schema=schema,
                    out_root=tmp_path / "a", version="1.0.0")
    assert schema.stance.values[documents(result.path)["doc-disputed"]["stance"]] == "NONE"

    plain = copy.deepcopy(tasks())
    result = export(write_export(tmp_path / "plain.json", plain), schema=schema, out_root=tmp_path / "b",
                    version="1.0.0")
    assert documents(result.path)["doc-disputed"]["policy"] == "majority"


def test_the_curator_is_not_an_annotator_in_the_agreement_figures(tmp_path, schema):
    from annotate.report.build import build_report

    raw = write_export(tmp_path / "raw.json", tasks(decision(90, "ORG", "FAVOR")))
    figures = build_report(raw, schema).figures
    assert figures["totals"]["annotators"] == 2 and figures["totals"]["completed"] == 5
    assert figures["agreement"]["annotators"] == 2 and figures["agreement"]["documents"] == 2
