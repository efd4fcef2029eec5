"""Finding the points in dispute and the proposal: pure functions over converted records."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from annotate.adjudication.disputes import count_by_kind, find_disputes
from annotate.adjudication.page import curation_config, side_html
from annotate.adjudication.proposal import proposal
from annotate.conversion.records import Annotation, Claim, DocumentRecord, Span
from annotate.release.gold_merge import merge
from annotate.scheme.schema import load_schema

SCHEMA = load_schema(Path(__file__).resolve().parents[2] / "schemas" / "arms_news.yaml")
TEXT = ('Vladimir Kozhin told TASS on Thursday that "the contract is being implemented" and that '
        "Russia delivered the first batch of the S-300 system to Iran.")
CONTRACT = "the contract is being implemented"


def ent(region_id: str, words: str, label: str) -> Span:
    start = TEXT.index(words)
    return Span(region_id, start, start + len(words), words, label)


def clm(region_id: str, claimant: str | None, stance: str | None) -> Claim:
    start = TEXT.index(CONTRACT)
    return Claim(region_id, start, start + len(CONTRACT), CONTRACT, claimant, stance,
                 {"claim_type": "FACT", "checkworthy": None})


def work(annotation_id: int, who: str, *, tass: str = "ORG", stance: str = "FAVOR", claimant: str = "kozhin",
         doc_stance: str = "FAVOR", minute: int = 0) -> Annotation:
    entities = (ent("kozhin", "Vladimir Kozhin", "PERSON"), ent("tass", "TASS", tass))
    return Annotation(id=annotation_id, annotator=who, ground_truth=False, cancelled=False,
                      created_at="2024-05-01T09:00:00+00:00", updated_at=f"2024-05-01T10:{minute:02d}:00Z",
                      lead_time=1.0, entities=entities, claims=(clm("c", claimant, stance),),
                      document_stance=doc_stance)


def doc(document_id: str, *annotations: Annotation) -> DocumentRecord:
    return DocumentRecord(id=document_id, task_id=1, title="t", text=TEXT, source="s", annotations=annotations)


def test_agreeing_documents_are_not_in_dispute_and_their_gold_is_unanimous():
    agreeing = doc("doc-a", work(1, "annotator-a"), work(2, "annotator-b", minute=5))
    disputes, compared = find_disputes([agreeing, doc("doc-single", work(3, "annotator-a"))])
    assert (disputes, compared) == ([], 1)
    gold = merge(agreeing, SCHEMA)
    assert gold.policy == "unanimous" and gold.annotators == ("annotator-a", "annotator-b")


def test_label_claim_stance_claimant_and_document_stance_disputes_are_found_most_disputed_first():
    small = doc("doc-small", work(1, "annotator-a"), work(2, "annotator-b", doc_stance="NONE"))
    big = doc("doc-big", work(3, "annotator-a"),
              work(4, "annotator-b", tass="GPE", stance="AGAINST", claimant="tass", doc_stance="AGAINST"),
              work(5, "annotator-c", tass="GPE", stance="AGAINST"))
    disputes, compared = find_disputes([small, big])
    assert compared == 2
    assert [d.record.id for d in disputes] == ["doc-big", "doc-small"]
    kinds = [point.kind for point in disputes[0].points]
    assert kinds == ["entity", "claim_stance", "claimant", "document_stance"]
    label = disputes[0].points[0]
    assert label.versions == (("annotator-a", "ORG"), ("annotator-b", "GPE"), ("annotator-c", "GPE"))
    assert count_by_kind(disputes) == {"entity": 1, "claim": 0, "claim_stance": 1, "claim_attribute": 0,
                                       "claimant": 1, "document_stance": 2}


def test_an_annotators_latest_annotation_is_the_one_that_counts():
    record = doc("doc-1", work(1, "annotator-a", doc_stance="NONE", minute=1), work(2, "annotator-b"),
                 work(3, "annotator-a", minute=9))
    assert find_disputes([record]) == ([], 1)


def test_the_proposal_keeps_what_a_majority_says_and_leaves_a_tie_to_the_curator():
    three = [work(1, "annotator-a"), work(2, "annotator-b", tass="GPE", stance="AGAINST"),
             work(3, "annotator-c", tass="GPE", stance="AGAINST", doc_stance="NONE")]
    result = proposal(TEXT, three, SCHEMA)
    labels = {(r["value"]["text"], r["value"]["labels"][0]) for r in result if r["type"] == "labels"}
    assert labels == {("Vladimir Kozhin", "PERSON"), ("TASS", "GPE"), (CONTRACT, "CLAIM")}
    choices = {r["from_name"]: r["value"]["choices"] for r in result if r["type"] == "choices"}
    assert choices == {"claim_stance": ["AGAINST"], "claim_type": ["FACT"], "doc_stance": ["FAVOR"]}
    relation = next(r for r in result if r["type"] == "relation")
    ids = {r["id"]: r["value"]["text"] for r in result if r["type"] == "labels"}
    assert (ids[relation["from_id"]], ids[relation["to_id"]]) == (CONTRACT, "Vladimir Kozhin")

    tie = proposal(TEXT, three[:2], SCHEMA)
    assert {r["value"]["text"] for r in tie if r["type"] == "labels"} == {"Vladimir Kozhin", CONTRACT}
    assert "claim_stance" not in {r["from_name"] for r in tie if r["type"] == "choices"}


def test_a_curators_decision_is_the_gold_and_the_curator_is_not_an_annotator():
    decision = replace(work(9, "annotator-curator", tass="GPE", doc_stance="AGAINST"), claims=())
    record = replace(doc("doc-1", work(1, "annotator-a"), work(2, "annotator-b", tass="GPE")), curated=(decision,))
    gold = merge(record, SCHEMA)
    assert gold.policy == "adjudicated"
    assert gold.annotators == ("annotator-a", "annotator-b")
    assert gold.stance == "AGAINST" and gold.claims == ()


def test_the_side_column_shows_pseudonyms_and_escapes_the_text():
    record = doc("doc-1", work(1, "annotator-a"), work(2, "annotator-b<x>", tass="GPE"))
    disputes, _ = find_disputes([record])
    page = side_html(disputes[0])
    assert "annotator-b&lt;x&gt;" in page and "<x>" not in page
    assert "1 point(s) in dispute" in page
    config = curation_config(SCHEMA)
    assert '<HyperText name="disputes" value="$disputes"' in config and 'name="doc_stance"' in config
