"""The gold merge follows the policy the dataset card states: ground truth, single, majority."""

from __future__ import annotations

from pathlib import Path

from annotate.conversion.records import Annotation, Claim, DocumentRecord, Span
from annotate.release.gold_merge import POLICY_TEXT, merge
from annotate.scheme.schema import load_schema

SCHEMA = load_schema(Path(__file__).resolve().parents[2] / "schemas" / "arms_news.yaml")
TEXT = ('Vladimir Kozhin told TASS on Thursday that "the contract is being implemented" and that '
        "Russia delivered the first batch of the S-300 system to Iran.")


def ent(region_id: str, words: str, label: str) -> Span:
    start = TEXT.index(words)
    return Span(region_id, start, start + len(words), words, label)


def clm(region_id: str, words: str, claimant: str | None = None, stance: str | None = "FAVOR",
        claim_type: str | None = "FACT") -> Claim:
    start = TEXT.index(words)
    return Claim(region_id, start, start + len(words), words, claimant, stance,
                 {"claim_type": claim_type, "checkworthy": None})


def ann(annotation_id: int, annotator: str, minute: int, entities=(), claims=(), stance="AGAINST", *,
        ground_truth: bool = False, cancelled: bool = False) -> Annotation:
    return Annotation(id=annotation_id, annotator=annotator, ground_truth=ground_truth, cancelled=cancelled,
                      created_at="2024-05-01T09:00:00+00:00", updated_at=f"2024-05-01T10:{minute:02d}:00Z",
                      lead_time=10.0, entities=tuple(entities), claims=tuple(claims), document_stance=stance)


def doc(*annotations: Annotation) -> DocumentRecord:
    return DocumentRecord(id="doc-1", task_id=1, title="t", text=TEXT, source="s", annotations=annotations)


KOZHIN, TASS, IRAN = ("Vladimir Kozhin", "PERSON"), ("TASS", "ORG"), ("Iran", "GPE")
CONTRACT, BATCH = "the contract is being implemented", "Russia delivered the first batch"


def keys(spans) -> list[tuple[str, str]]:
    return [(span.text, span.label) for span in spans]


def test_no_usable_annotation_gives_none():
    assert merge(doc(), SCHEMA) is None
    assert merge(doc(ann(1, "a", 1, [ent("x", *TASS)], cancelled=True)), SCHEMA) is None


def test_ground_truth_wins_over_a_majority_and_the_latest_ground_truth_is_taken():
    majority = [ann(i, f"n{i}", i, [ent("x", *TASS)]) for i in range(1, 4)]
    old_truth = ann(10, "g1", 5, [ent("k", *KOZHIN)], ground_truth=True)
    new_truth = ann(11, "g2", 30, [ent("i", *IRAN)], stance="NONE", ground_truth=True)
    gold = merge(doc(*majority, new_truth, old_truth), SCHEMA)
    assert gold.policy == "ground_truth" and gold.annotators == ("g2",)
    assert keys(gold.entities) == [IRAN] and gold.stance == "NONE"


def test_cancelled_ground_truth_does_not_count():
    gold = merge(doc(ann(1, "a", 1, [ent("x", *TASS)]),
                     ann(2, "g", 9, [ent("i", *IRAN)], ground_truth=True, cancelled=True)), SCHEMA)
    assert gold.policy == "single" and keys(gold.entities) == [TASS]


def test_a_single_completed_annotation_is_taken_as_it_is():
    only = ann(1, "a", 1, [ent("t", *TASS), ent("k", *KOZHIN)], [clm("c", CONTRACT, "k")], "FAVOR")
    gold = merge(doc(only, ann(2, "b", 9, [ent("i", *IRAN)], cancelled=True)), SCHEMA)
    assert gold.policy == "single" and gold.annotators == ("a",)
    assert gold.entities == (only.entities[1], only.entities[0])  # sorted by offset
    assert gold.claims == only.claims and gold.stance == "FAVOR"


def test_one_annotator_with_two_annotations_votes_once_with_the_latest():
    gold = merge(doc(ann(1, "a", 1, [ent("t", *TASS)]), ann(2, "a", 7, [ent("i", *IRAN)])), SCHEMA)
    assert gold.policy == "single" and keys(gold.entities) == [IRAN]


def test_majority_keeps_what_more_than_half_have():
    gold = merge(doc(ann(1, "a", 1, [ent("t", *TASS), ent("k", *KOZHIN)]),
                     ann(2, "b", 2, [ent("t2", *TASS), ent("i", *IRAN)]),
                     ann(3, "c", 3, [ent("t3", "TASS", "GPE"), ent("k3", *KOZHIN)])), SCHEMA)
    assert gold.policy == "majority" and gold.annotators == ("a", "b", "c")
    assert keys(gold.entities) == [KOZHIN, TASS]


def test_on_an_exact_tie_the_latest_updated_annotation_decides():
    older = ann(1, "a", 1, [ent("t", *TASS)], stance="FAVOR")
    newer = ann(2, "b", 2, [ent("i", *IRAN)], stance="NONE")
    gold = merge(doc(newer, older), SCHEMA)
    assert keys(gold.entities) == [IRAN] and gold.stance == "NONE"
    newer_again = ann(1, "a", 5, [ent("t", *TASS)], stance="FAVOR")
    gold = merge(doc(newer_again, newer), SCHEMA)
    assert keys(gold.entities) == [TASS] and gold.stance == "FAVOR"


def test_claim_stance_and_attributes_by_majority_among_those_who_have_the_claim():
    gold = merge(doc(ann(1, "a", 1, claims=[clm("c1", CONTRACT, stance="AGAINST", claim_type="OPINION")]),
                     ann(2, "b", 2, claims=[clm("c2", CONTRACT, stance="FAVOR", claim_type="OPINION")]),
                     ann(3, "c", 3, claims=[clm("c3", CONTRACT, stance="FAVOR", claim_type="FACT"),
                                           clm("b3", BATCH)]),
                     ann(4, "d", 4, claims=[clm("c4", CONTRACT, stance="AGAINST", claim_type="FACT")])),
                 SCHEMA)
    (claim,) = gold.claims  # BATCH: one of four
    assert claim.id == "c4"  # the region id of the latest annotation that has the claim
    # 2-2 ties on stance and type: the latest annotation with the claim (d) decides both
    assert claim.stance == "AGAINST" and claim.attributes == {"claim_type": "FACT", "checkworthy": None}


def test_claimant_resolves_to_the_merged_entity_by_span_and_label():
    gold = merge(doc(ann(1, "a", 1, [ent("k1", *KOZHIN)], [clm("c1", CONTRACT, "k1")]),
                     ann(2, "b", 2, [ent("k2", *KOZHIN)], [clm("c2", CONTRACT, "k2")]),
                     ann(3, "c", 3, [ent("k3", *KOZHIN), ent("t3", *TASS)], [clm("c3", CONTRACT, "t3")])),
                 SCHEMA)
    (person,) = gold.entities
    assert person.id == "k3" and gold.claims[0].claimant_id == "k3"


def test_claimant_whose_entity_is_not_kept_is_dropped_to_none():
    gold = merge(doc(ann(1, "a", 1, [ent("t1", *TASS)], [clm("c1", CONTRACT, "t1")]),
                     ann(2, "b", 2, [ent("t2", *TASS)], [clm("c2", CONTRACT, "t2")]),
                     ann(3, "c", 3, [ent("k3", *KOZHIN)], [clm("c3", CONTRACT, "k3")]),
                     ann(4, "d", 4, [ent("k4", *KOZHIN), ent("i4", *IRAN)], [clm("c4", CONTRACT, "k4")]),
                     ann(5, "e", 5, [ent("i5", *IRAN)], [clm("c5", CONTRACT, "k5")])),
                 SCHEMA)
    # Claimant votes: TASS 2, KOZHIN 2, none 1 -> tie to the latest of the tied (d: KOZHIN),
    # but KOZHIN is in only 2 of 5 annotations, so it is not kept and the claim has no claimant.
    assert keys(gold.entities) == []
    assert gold.claims[0].claimant_id is None


def test_merged_ids_stay_unique_when_two_kept_items_share_a_region_id():
    # Regions copied from one pre-annotation share ids across annotations: p1 is KOZHIN for a
    # and TASS for b; each is the latest holder of its span, so the second falls back to c's id.
    gold = merge(doc(ann(1, "a", 3, [ent("p1", *KOZHIN)]),
                     ann(2, "b", 2, [ent("p1", *TASS)]),
                     ann(3, "c", 1, [ent("q", *KOZHIN), ent("r", *TASS)])), SCHEMA)
    assert keys(gold.entities) == [KOZHIN, TASS]
    assert [span.id for span in gold.entities] == ["p1", "r"]


def test_merge_is_deterministic_whatever_the_order_of_annotations():
    annotations = [ann(i, f"n{i}", i % 3, [ent(f"t{i}", *TASS)] if i % 2 else [ent(f"k{i}", *KOZHIN)],
                       [clm(f"c{i}", CONTRACT, stance=("FAVOR", "AGAINST", "NONE")[i % 3])]) for i in range(1, 7)]
    first = merge(doc(*annotations), SCHEMA)
    assert all(merge(doc(*order), SCHEMA) == first for order in (annotations[::-1], annotations[2:] + annotations[:2]))


def test_policy_text_names_every_rule_the_merge_applies():
    for policy in ("ground_truth", "single", "majority"):
        assert f"`{policy}`" in POLICY_TEXT
    for phrase in ("more than half", "exact tie", "most recently updated", "claimant", "document stance",
                   "Cancelled"):
        assert phrase in POLICY_TEXT
