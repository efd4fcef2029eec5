"""Label Studio JSON becomes checked records: every problem named, nothing dropped or fixed silently."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
import yaml

from annotate.conversion import task_stream as taskstream
from annotate.conversion.annotator_key import AnnotatorKey, load_key
from annotate.conversion.convert import Problem, convert_task, iter_tasks
from annotate.conversion.pseudonyms import AnnotatorNames
from annotate.conversion.text_check import NO_TEXT_CHECKSUM, text_checksum
from annotate.errors import AnnotationError
from annotate.scheme.schema import load_schema, parse_schema
from annotate.studio.api import server_url

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "schemas" / "arms_news.yaml"
SCHEMA = load_schema(SCHEMA_FILE)

# The text of the real annotation in LABEL_STUDIO.md: the entity at 566-581, the claim at 604-658.
_LEAD = "Russia began delivering the S-300 air-defence system to Iran, officials said on Thursday. "
CLAIM_TEXT = "Moscow had delivered every component ahead of schedule"
REAL_TEXT = (_LEAD * 7)[:566] + "Sergei Chemezov" + ", head of Rostec, said " + CLAIM_TEXT + ".\r\nNo more."
REAL_RESULT = json.loads("""[
 {"value": {"start": 566, "end": 581, "text": "Sergei Chemezov", "labels": ["PERSON"]}, "id": "7QkOGnDgBL", "from_name": "entities", "to_name": "text", "type": "labels", "origin": "manual"},
 {"value": {"start": 604, "end": 658, "text": "Moscow had delivered every component ahead of schedule", "labels": ["CLAIM"]}, "id": "yM1AjZS9eX", "from_name": "claims", "to_name": "text", "type": "labels", "origin": "manual"},
 {"value": {"start": 604, "end": 658, "text": "Moscow had delivered every component ahead of schedule", "choices": ["FAVOR"]}, "id": "yM1AjZS9eX", "from_name": "claim_stance", "to_name": "text", "type": "choices", "origin": "manual"},
 {"value": {"choices": ["AGAINST"]}, "id": "nW6T5ZUfKk", "from_name": "doc_stance", "to_name": "text", "type": "choices", "origin": "manual"},
 {"from_id": "yM1AjZS9eX", "to_id": "7QkOGnDgBL", "type": "relation", "direction": "right"}
]""")


def schema_with(**changes: object):
    """The project schema with some fields changed, e.g. ``claimant_required=True``."""
    raw = yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))
    if "claimant_required" in changes:
        raw["claims"]["claimant"]["required"] = changes["claimant_required"]
    if "claim_type_required" in changes:
        raw["claims"]["attributes"][0]["required"] = changes["claim_type_required"]
    if "claim_stance_required" in changes:
        raw["stance"]["claim_required"] = changes["claim_stance_required"]
    return parse_schema(raw)


LENIENT = schema_with(claim_type_required=False)


# -- building Label Studio results ------------------------------------------------------------

def span(region_id: str, name: str, start: int, end: int, label: str, text: str | None) -> dict:
    value = {"start": start, "end": end, "labels": [label]}
    if text is not None:
        value["text"] = text
    return {"value": value, "id": region_id, "from_name": name, "to_name": "text", "type": "labels",
            "origin": "manual"}


def entity(doc: str, region_id: str, words: str, label: str, occurrence: int = 0) -> dict:
    start = _find(doc, words, occurrence)
    return span(region_id, "entities", start, start + len(words), label, words)


def claim(doc: str, region_id: str, words: str, stance: str | None = "FAVOR",
          claim_type: str | None = "FACT") -> list[dict]:
    start = _find(doc, words)
    results = [span(region_id, "claims", start, start + len(words), "CLAIM", words)]
    if stance is not None:
        results.append(choice(region_id, "claim_stance", stance, start, start + len(words), words))
    if claim_type is not None:
        results.append(choice(region_id, "claim_type", claim_type, start, start + len(words), words))
    return results


def choice(region_id: str, name: str, value: str, start: int = 0, end: int = 1, text: str = "") -> dict:
    return {"value": {"start": start, "end": end, "text": text, "choices": [value]}, "id": region_id,
            "from_name": name, "to_name": "text", "type": "choices", "origin": "manual"}


def relation(from_id: str, to_id: str, direction: str = "right", **extra: object) -> dict:
    return {"from_id": from_id, "to_id": to_id, "type": "relation", "direction": direction, **extra}


def doc_stance(value: str = "AGAINST") -> dict:
    return {"value": {"choices": [value]}, "id": "nW6T5ZUfKk", "from_name": "doc_stance",
            "to_name": "text", "type": "choices", "origin": "manual"}


def annotation(annotation_id: int, result: list, /, *, user: object = 1, **fields: object) -> dict:
    return {"id": annotation_id, "completed_by": user, "result": result, "was_cancelled": False,
            "ground_truth": False, "created_at": "2024-05-01T10:00:00.000000Z",
            "updated_at": "2024-05-01T10:05:00.000000Z", "lead_time": 12.5, **fields}


def task(text: str, annotations: list, /, **data: object) -> dict:
    return {"id": 12, "data": {"text": text, "title": "A title", "document_id": "doc-1a2b",
                               "source": "seeds/a.txt", **data},
            "annotations": annotations, "predictions": [], "drafts": []}


def run(task_: dict, schema=LENIENT, names: AnnotatorNames | None = None):
    return convert_task(task_, schema, names=names or AnnotatorNames())


def messages(problems: list[Problem]) -> list[str]:
    return [str(problem) for problem in problems]


def _find(doc: str, words: str, occurrence: int = 0) -> int:
    start = -1
    for _ in range(occurrence + 1):
        start = doc.index(words, start + 1)
    return start


def real_task(result: list | None = None) -> dict:
    return task(REAL_TEXT, [annotation(7, copy.deepcopy(REAL_RESULT if result is None else result))])


TEXT = ('Vladimir Kozhin told TASS on Thursday that "the contract is being implemented" and that '
        "Russia delivered the first batch of the S-300 system to Iran.")


# -- the real annotation ----------------------------------------------------------------------

def test_real_annotation_becomes_a_record_with_entity_claim_claimant_and_stances():
    record, problems = run(real_task())
    assert problems == []
    assert record.id == "doc-1a2b" and record.task_id == 12 and record.text == REAL_TEXT
    (annotation_,) = record.annotations
    assert annotation_.id == 7 and not annotation_.cancelled and annotation_.lead_time == 12.5
    (person,) = annotation_.entities
    assert (person.id, person.start, person.end, person.text, person.label) == (
        "7QkOGnDgBL", 566, 581, "Sergei Chemezov", "PERSON")
    (claim_,) = annotation_.claims
    assert (claim_.id, claim_.start, claim_.end, claim_.text) == ("yM1AjZS9eX", 604, 658, CLAIM_TEXT)
    assert claim_.claimant_id == "7QkOGnDgBL" and claim_.stance == "FAVOR"
    assert claim_.attributes == {"claim_type": None, "checkworthy": None}
    assert annotation_.document_stance == "AGAINST"


def test_real_annotation_under_the_project_schema_lacks_the_required_claim_type():
    record, problems = run(real_task(), schema=SCHEMA)
    assert messages(problems) == [
        "document doc-1a2b (task 12), annotation 7, region yM1AjZS9eX: claim has no claim_type; select "
        "it and pick one of FACT, QUANTITY, PREDICTION, OPINION; fix it in Label Studio and pull again"]
    assert record.annotations[0].claims[0].attributes["claim_type"] is None


def test_problem_reads_as_one_line_naming_document_task_annotation_and_region():
    problem = Problem("doc-1a2b", 12, 7, "yM1AjZS9eX", "span 604-658 does not match\nthe text")
    assert str(problem) == ("document doc-1a2b (task 12), annotation 7, region yM1AjZS9eX: "
                            "span 604-658 does not match the text")
    assert str(Problem(None, 3, None, None, "no text")) == "task 3: no text"
    assert str(Problem("doc 1", None, None, "a\nb", "x")) == 'document "doc 1", region "a\\nb": x'


def test_task_data_fields_become_title_source_and_meta():
    record, _ = run(task(TEXT, [], year=2015, outlet="TASS", tags=["a"]))
    assert record.title == "A title" and record.source == "seeds/a.txt"
    assert record.meta == {"year": "2015", "outlet": "TASS", "tags": '["a"]'}


# -- relations, whitespace, offsets -----------------------------------------------------------

@pytest.mark.parametrize("direction", ["claim_to_entity", "entity_to_claim"])
def test_claimant_relation_is_read_in_either_direction(direction):
    ends = ("yM1AjZS9eX", "7QkOGnDgBL") if direction == "claim_to_entity" else ("7QkOGnDgBL", "yM1AjZS9eX")
    result = REAL_RESULT[:4] + [relation(*ends, direction="left" if direction == "entity_to_claim" else "right")]
    record, problems = run(real_task(result))
    assert problems == []
    assert record.annotations[0].claims[0].claimant_id == "7QkOGnDgBL"


def test_relation_labelled_claimant_and_a_repeated_link_are_accepted():
    result = REAL_RESULT[:4] + [relation("yM1AjZS9eX", "7QkOGnDgBL", labels=["claimant"]),
                                relation("7QkOGnDgBL", "yM1AjZS9eX", direction="bi")]
    record, problems = run(real_task(result))
    assert problems == []
    assert record.annotations[0].claims[0].claimant_id == "7QkOGnDgBL"


def test_value_text_differing_only_in_whitespace_is_accepted_and_the_document_text_is_kept():
    doc = "Iran\u00a0and  Russia signed\r\nthe deal on Thursday."
    start, end = 0, doc.index(" signed")
    result = [span("r1", "entities", start, end, "GPE", "Iran and Russia"), doc_stance()]
    record, problems = run(task(doc, [annotation(1, result)]))
    assert problems == []
    assert record.annotations[0].entities[0].text == "Iran\u00a0and  Russia"


def test_emoji_and_crlf_before_a_span_count_as_code_points():
    doc = "\U0001f680 Launch \U0001f1ee\U0001f1f7\r\nVladimir Kozhin said \"deliveries are starting\".\r\n"
    start = doc.index("Vladimir")
    good = span("r1", "entities", start, start + 15, "PERSON", "Vladimir Kozhin")
    record, problems = run(task(doc, [annotation(1, [good, doc_stance()])]))
    assert problems == []
    assert record.annotations[0].entities[0].text == "Vladimir Kozhin"

    utf16 = len(doc[:start].encode("utf-16-le")) // 2  # what an old Label Studio would have sent
    shifted = span("r1", "entities", utf16, utf16 + 15, "PERSON", "Vladimir Kozhin")
    record, problems = run(task(doc, [annotation(1, [shifted, doc_stance()])]))
    assert record.annotations[0].entities == ()
    assert "does not match the text at those offsets" in messages(problems)[0]
    assert "region r1" in messages(problems)[0]


def test_spans_and_claims_are_sorted_by_offset():
    result = [entity(TEXT, "b", "TASS", "ORG"), entity(TEXT, "a", "Vladimir Kozhin", "PERSON"),
              *claim(TEXT, "c2", "Russia delivered the first batch"),
              *claim(TEXT, "c1", "the contract is being implemented"), doc_stance()]
    record, problems = run(task(TEXT, [annotation(1, result)]))
    assert problems == []
    assert [s.id for s in record.annotations[0].entities] == ["a", "b"]
    assert [c.id for c in record.annotations[0].claims] == ["c1", "c2"]


# -- every kind of problem --------------------------------------------------------------------

def one_problem(result: list, schema=LENIENT) -> str:
    record, problems = run(task(TEXT, [annotation(7, result)]), schema=schema)
    assert record is not None
    assert len(problems) == 1, messages(problems)
    return str(problems[0])


@pytest.mark.parametrize(("start", "end", "expected"), [
    (-1, 5, f"span -1-5 is outside the text (0-{len(TEXT)})"),
    (140, 999, f"span 140-999 is outside the text (0-{len(TEXT)})"),
    (5, 5, "span 5-5 is empty or reversed"),
    (9, 3, "span 9-3 is empty or reversed"),
    ("0", 5, 'span offsets must be integers, got start="0", end=5'),
    (0, 5.0, "span offsets must be integers, got start=0, end=5.0"),
    (True, 5, "span offsets must be integers, got start=true, end=5"),
])
def test_bad_offsets_are_named_with_the_region(start, end, expected):
    message = one_problem([span("r1", "entities", start, end, "PERSON", None), doc_stance()])
    assert message.startswith("document doc-1a2b (task 12), annotation 7, region r1: " + expected)
    assert message.endswith("fix it in Label Studio and pull again")


def test_value_text_that_differs_from_the_document_is_a_problem_quoting_both():
    message = one_problem([span("r1", "entities", 0, 15, "PERSON", "Vladimir Putin"), doc_stance()])
    assert 'span 0-15 "Vladimir Putin" does not match the text at those offsets ("Vladimir Kozhin")' in message


def test_unknown_control_label_and_choice_values_are_problems():
    assert "comes from control \"sentiment\", which the schema does not have" in one_problem(
        [{**doc_stance(), "from_name": "sentiment", "id": "s1"}, doc_stance()])
    assert "unknown entity label \"PERSONA\" (the schema has PERSON, ORG" in one_problem(
        [entity(TEXT, "r1", "TASS", "PERSONA"), doc_stance()])
    assert "unknown claim label \"PERSON\"" in one_problem(
        [span("c1", "claims", 0, 15, "PERSON", None), doc_stance()])
    stance = claim(TEXT, "c1", "the contract is being implemented", stance="MAYBE")
    assert 'unknown claim_stance value "MAYBE" (the schema has FAVOR, AGAINST, NONE)' in one_problem(
        stance + [doc_stance()])
    assert 'unknown doc_stance value "PRO"' in one_problem([doc_stance("PRO")])
    assert "span has 2 labels (PERSON, ORG)" in one_problem(
        [{**entity(TEXT, "r1", "TASS", "ORG"), "value": {"start": 29, "end": 33, "labels": ["PERSON", "ORG"]}},
         doc_stance()])


def test_relation_to_a_missing_region_is_a_problem_naming_it():
    result = claim(TEXT, "c1", "the contract is being implemented") + [relation("c1", "ghost"), doc_stance()]
    message = one_problem(result)
    assert message.startswith("document doc-1a2b (task 12), annotation 7, region ghost: ")
    assert 'relation "c1" -> "ghost" points to a region that does not exist' in message


def test_claimant_must_have_a_claimant_label():
    result = [entity(TEXT, "w", "S-300", "WEAPON"), *claim(TEXT, "c1", "the contract is being implemented"),
              relation("c1", "w"), doc_stance()]
    message = one_problem(result)
    assert "region c1: claimant w is a WEAPON; a claimant must be PERSON, ORG, GPE" in message


def test_two_different_claimants_are_a_problem_and_neither_is_kept():
    result = [entity(TEXT, "p", "Vladimir Kozhin", "PERSON"), entity(TEXT, "o", "TASS", "ORG"),
              *claim(TEXT, "c1", "the contract is being implemented"),
              relation("c1", "p"), relation("o", "c1"), doc_stance()]
    record, problems = run(task(TEXT, [annotation(7, result)]))
    assert messages(problems) == ["document doc-1a2b (task 12), annotation 7, region c1: claim has two "
                                  "claimants (p and o); keep one; fix it in Label Studio and pull again"]
    assert record.annotations[0].claims[0].claimant_id is None


def test_relation_between_two_entities_is_a_problem():
    result = [entity(TEXT, "p", "Vladimir Kozhin", "PERSON"), entity(TEXT, "o", "TASS", "ORG"),
              relation("p", "o"), doc_stance()]
    assert "links a PERSON entity and ORG entity; a claimant relation links one claim and one entity" in (
        one_problem(result))


def test_missing_required_stance_claimant_and_attribute_are_problems():
    result = claim(TEXT, "c1", "the contract is being implemented", stance=None, claim_type=None)
    record, problems = run(task(TEXT, [annotation(7, result)]),
                           schema=schema_with(claimant_required=True))
    assert messages(problems) == [
        "document doc-1a2b (task 12), annotation 7, region c1: claim has no stance; select it and pick "
        "FAVOR, AGAINST, NONE; fix it in Label Studio and pull again",
        "document doc-1a2b (task 12), annotation 7, region c1: claim has no claimant; link it to a PERSON, "
        "ORG, GPE entity with Create Relation; fix it in Label Studio and pull again",
        "document doc-1a2b (task 12), annotation 7, region c1: claim has no claim_type; select it and pick "
        "one of FACT, QUANTITY, PREDICTION, OPINION; fix it in Label Studio and pull again",
        "document doc-1a2b (task 12), annotation 7: no document stance; pick FAVOR, AGAINST, NONE for the "
        "whole article; fix it in Label Studio and pull again",
    ]
    assert record.annotations[0].claims[0].stance is None


def test_optional_stance_and_claimant_are_not_problems():
    result = claim(TEXT, "c1", "the contract is being implemented", stance=None) + [doc_stance()]
    record, problems = run(task(TEXT, [annotation(7, result)]), schema=schema_with(claim_stance_required=False))
    assert problems == [] and record.annotations[0].claims[0].stance is None


def test_per_region_choice_on_a_missing_region_or_an_entity_is_a_problem():
    assert "region ghost: claim_stance FAVOR is attached to a region that does not exist" in one_problem(
        [choice("ghost", "claim_stance", "FAVOR"), doc_stance()])
    assert "region p: claim_type FACT is attached to a PERSON entity, not to a claim" in one_problem(
        [entity(TEXT, "p", "Vladimir Kozhin", "PERSON"), choice("p", "claim_type", "FACT"), doc_stance()])


def test_two_different_values_of_one_per_claim_choice_are_a_problem():
    result = claim(TEXT, "c1", "the contract is being implemented") + [
        choice("c1", "claim_stance", "AGAINST"), doc_stance()]
    record, problems = run(task(TEXT, [annotation(7, result)]))
    assert messages(problems) == ["document doc-1a2b (task 12), annotation 7, region c1: claim has two "
                                  "claim_stance values (FAVOR and AGAINST); fix it in Label Studio and pull again"]
    assert record.annotations[0].claims[0].stance is None


def test_duplicate_region_ids_are_a_problem():
    result = [entity(TEXT, "r1", "TASS", "ORG"), entity(TEXT, "r1", "Iran", "GPE"), doc_stance()]
    record, problems = run(task(TEXT, [annotation(7, result)]))
    assert "region r1: region id appears in two span results" in messages(problems)[0]
    assert record.annotations[0].entities == ()


@pytest.mark.parametrize(("change", "expected"), [
    ({"completed_by": "alice"}, 'completed_by must be a user id or a mapping with id/email, got \'alice\''),
    ({"completed_by": {"first_name": "A"}}, "completed_by has neither an integer id nor an e-mail"),
    ({"result": {"a": 1}}, "result is an object, not a list"),
    ({"was_cancelled": "no"}, 'was_cancelled is "no", not true or false'),
    ({"updated_at": "yesterday"}, 'updated_at is "yesterday", not an ISO 8601 time'),
    ({"lead_time": "12"}, "lead_time is a string, not a number of seconds"),
])
def test_wrong_types_in_an_annotation_are_named_and_the_annotation_left_out(change, expected):
    record, problems = run(task(TEXT, [annotation(7, [doc_stance()], **change), annotation(8, [doc_stance()])]))
    assert [a.id for a in record.annotations] == [8]
    assert messages(problems) == [f"document doc-1a2b (task 12), annotation 7: {expected}"
                                  + messages(problems)[0].split(expected, 1)[1]]


def test_wrong_types_in_results_are_named():
    result = ["oops", {"type": "labels", "from_name": "entities", "id": "r1", "value": [1]},
              {**entity(TEXT, "r2", "TASS", "ORG"), "value": {"start": 29, "end": 33, "labels": "ORG"}},
              {**entity(TEXT, "r3", "TASS", "ORG"), "value": {"start": 29, "end": 33, "labels": ["ORG"], "text": 5}},
              relation(None, "r2"), doc_stance()]
    _, problems = run(task(TEXT, [annotation(7, result)]))
    assert messages(problems) == [
        "document doc-1a2b (task 12), annotation 7: result #1 is a string, not an object; fix it in "
        "Label Studio and pull again",
        "document doc-1a2b (task 12), annotation 7, region r1: entities result has value [1], not an "
        "object; fix it in Label Studio and pull again",
        'document doc-1a2b (task 12), annotation 7, region r2: entities labels must be a list of strings, '
        'got "ORG"; fix it in Label Studio and pull again',
        "document doc-1a2b (task 12), annotation 7, region r3: span text is a number, not a string; fix "
        "it in Label Studio and pull again",
        'document doc-1a2b (task 12), annotation 7: relation null -> "r2" (result #5) must name two region '
        "ids; fix it in Label Studio and pull again",
    ]


@pytest.mark.parametrize(("data", "expected"), [
    ({"text": ""}, 'document doc-1a2b (task 12): data.text is "", not a non-empty string'),
    ({"text": None}, "document doc-1a2b (task 12): data.text is null"),
    ({"document_id": None}, "task 12: data.document_id is null, not a non-empty string"),
    ({"document_id": 17}, "task 12: data.document_id is 17, not a non-empty string"),
])
def test_task_without_text_or_document_id_is_unusable(data, expected):
    record, problems = run(task(TEXT, [annotation(7, [doc_stance()])], **data))
    assert record is None
    assert messages(problems)[0].startswith(expected)


def test_task_that_is_not_an_object_or_lacks_an_id_is_unusable():
    assert run([1, 2])[0] is None
    assert "a task must be a JSON object, got a list" in messages(run([1, 2])[1])[0]
    record, problems = run({**task(TEXT, []), "id": "12"})
    assert record is None and 'a task has no integer id (got "12")' in messages(problems)[0]


def test_problems_in_one_annotation_do_not_hide_problems_in_another():
    first = [entity(TEXT, "r1", "TASS", "PERSONA"), doc_stance()]
    second = [span("r9", "entities", 0, 999, "PERSON", None)]
    record, problems = run(task(TEXT, [annotation(7, first), annotation(8, second)]))
    assert [(p.annotation_id, p.region_id) for p in problems] == [(7, "r1"), (8, "r9"), (8, None)]
    assert [a.id for a in record.annotations] == [7, 8]


def test_relation_to_a_region_with_its_own_problem_is_not_reported_twice():
    result = [span("p", "entities", 0, 999, "PERSON", None),
              *claim(TEXT, "c1", "the contract is being implemented"), relation("c1", "p"), doc_stance()]
    record, problems = run(task(TEXT, [annotation(7, result)]), schema=schema_with(claimant_required=True))
    assert [p.region_id for p in problems] == ["p"]
    assert record.annotations[0].claims[0].claimant_id is None


# -- cancelled annotations, predictions, annotators -------------------------------------------

def test_cancelled_annotation_is_kept_as_cancelled_without_completeness_checks():
    result = claim(TEXT, "c1", "the contract is being implemented", stance=None, claim_type=None)
    record, problems = run(task(TEXT, [annotation(7, result, was_cancelled=True)]), schema=SCHEMA)
    assert problems == []
    assert record.annotations[0].cancelled and record.usable_annotations == ()


def test_cancelled_annotation_with_bad_offsets_is_still_a_problem():
    result = [span("r1", "entities", 0, 999, "PERSON", None)]
    _, problems = run(task(TEXT, [annotation(7, result, was_cancelled=True)]))
    assert [p.region_id for p in problems] == ["r1"]


def test_predictions_keep_their_entities_and_bare_prediction_ids_are_skipped():
    predicted = [entity(TEXT, "p1", "TASS", "ORG"), entity(TEXT, "p0", "Vladimir Kozhin", "PERSON")]
    del predicted[0]["id"]
    raw = task(TEXT, [])
    raw["predictions"] = [{"id": 3, "model_version": "preannotate-1.0", "result": predicted}, 41]
    record, problems = run(raw)
    assert problems == []
    (prediction,) = record.predictions
    assert prediction.model_version == "preannotate-1.0"
    assert [(s.id, s.text, s.label) for s in prediction.entities] == [
        ("p0", "Vladimir Kozhin", "PERSON"), ("prediction-3-1", "TASS", "ORG")]


def test_bad_prediction_span_is_a_problem_naming_the_prediction():
    raw = task(TEXT, [])
    raw["predictions"] = [{"id": 3, "model_version": "m", "result": [span("p1", "entities", 0, 999, "ORG", None)]}]
    _, problems = run(raw)
    assert messages(problems)[0].startswith(
        "document doc-1a2b (task 12), region p1: prediction 3: span 0-999 is outside the text")


def test_predictions_are_not_read_at_all_when_not_wanted():
    raw = task(TEXT, [annotation(7, [doc_stance()])])
    raw["predictions"] = [{"id": 3, "model_version": "m", "result": [span("p1", "entities", 0, 999, "ORG", None)]},
                          "not a prediction"]
    record, problems = convert_task(raw, LENIENT, names=AnnotatorNames(), predictions=False)
    assert problems == [] and record.predictions == () and len(record.annotations) == 1
    raw["predictions"] = {"not": "a list"}
    assert convert_task(raw, LENIENT, names=AnnotatorNames(), predictions=False)[1] == []


def test_annotator_is_a_pseudonym_never_the_email_unless_asked():
    raw = task(TEXT, [annotation(7, [doc_stance()], user={"id": 4, "email": "Ann@Example.org"})])
    record, _ = run(raw)
    name = record.annotations[0].annotator
    assert name.startswith("annotator-") and len(name) == len("annotator-") + 8
    assert "example" not in name.lower()
    record, _ = run(raw, names=AnnotatorNames(include_emails=True))
    assert record.annotations[0].annotator == "Ann@Example.org"


WHITE = "Putin\u00a0met Rouhani in Tehran.\r\n"


def span_warnings(record) -> list:
    return [warning for warning in record.warnings if warning.kind != NO_TEXT_CHECKSUM]


def test_a_task_whose_text_is_not_the_one_push_sent_is_a_problem_naming_document_and_task():
    raw = task(WHITE, [annotation(7, [doc_stance()])], text_sha256=text_checksum(WHITE))
    record, problems = run(raw)
    assert problems == [] and record.warnings == () and "text_sha256" not in record.meta
    raw["data"]["text"] = WHITE.replace("Tehran", "Teheran")
    _, problems = run(raw)
    assert messages(problems) == [f"document doc-1a2b (task 12): data.text is not the text annotate push sent (its "
                                  f"text_sha256 {text_checksum(WHITE)[:12]}... does not match): it was edited in Label "
                                  "Studio, so the offsets no longer point where the annotators put them; restore the "
                                  "pushed text in Label Studio, or correct the article in the corpus and run annotate "
                                  "push --update-texts"]
    del raw["data"]["text_sha256"]
    record, problems = run(raw)
    assert problems == [] and [w.kind for w in record.warnings] == [NO_TEXT_CHECKSUM]


@pytest.mark.parametrize(("start", "end"), [(0, 6), (0, 5)], ids=["no-break-space-at-the-end", "exact"])
def test_white_space_at_a_span_edge_is_not_part_of_the_span(start, end):
    raw = task(WHITE, [annotation(7, [span("p", "entities", start, end, "PERSON", WHITE[start:end]),
                                      span("t", "entities", 20, 27, "GPE", " Tehran"),
                                      doc_stance()])])
    record, problems = run(raw)
    assert problems == [] and span_warnings(record) == []
    entities = {s.id: s for s in record.annotations[0].entities}
    assert (entities["p"].start, entities["p"].end, entities["p"].text) == (0, 5, "Putin")
    assert (entities["t"].start, entities["t"].end, entities["t"].text) == (21, 27, "Tehran")
    assert all(s.text == s.text.strip() and WHITE[s.start:s.end] == s.text for s in entities.values())


def test_a_span_of_white_space_alone_is_left_out_with_a_warning_naming_it():
    raw = task(WHITE, [annotation(7, [span("p", "entities", 0, 5, "PERSON", "Putin"),
                                      span("w", "entities", 5, 6, "PERSON", "\u00a0"),
                                      span("n", "entities", 28, 30, "GPE", "\r\n"), doc_stance()])])
    record, problems = run(raw)
    assert problems == []
    assert [s.id for s in record.annotations[0].entities] == ["p"]
    shown = [str(warning) for warning in span_warnings(record)]
    assert shown == ["document doc-1a2b (task 12), annotation 7, region w: span 5-6 is white space only; left out "
                     "(delete it in Label Studio)",
                     "document doc-1a2b (task 12), annotation 7, region n: span 28-30 is white space only; left out "
                     "(delete it in Label Studio)"]


def test_a_region_without_value_text_is_kept_with_a_warning_naming_it():
    raw = task(WHITE, [annotation(7, [span("p", "entities", 0, 5, "PERSON", None), doc_stance()])])
    record, problems = run(raw)
    assert problems == [] and [s.text for s in record.annotations[0].entities] == ["Putin"]
    (warning,) = span_warnings(record)
    assert str(warning).startswith("document doc-1a2b (task 12), annotation 7, region p: entities span 0-5 has no "
                                   "value.text, so its offsets could not be cross-checked")


def test_pseudonym_is_the_same_for_id_and_expanded_user_and_for_email_case(tmp_path):
    key = load_key(tmp_path / "annotators.json", create=True)
    key.record("http://ls.example", [(4, "ann@example.org")])
    names = AnnotatorNames(key, server="http://ls.example/")
    assert names.name(4) == names.name({"id": 4, "email": "ANN@example.org"}) == AnnotatorNames(key).name(
        {"email": "ann@example.org"})
    learning = AnnotatorNames(key)
    expanded = learning.name({"id": 5, "email": "bob@example.org"})
    assert learning.name(5) == expanded  # an id seen with its e-mail is named like the e-mail
    assert AnnotatorNames(key).name(5) != expanded
    assert AnnotatorNames(key).name(5) != AnnotatorNames(key).name(6)


def test_pseudonyms_cannot_be_computed_without_the_key(tmp_path):
    first, second = load_key(tmp_path / "a.json", create=True), load_key(tmp_path / "b.json", create=True)
    email = "ann@example.org"
    name = AnnotatorNames(first).name({"email": email})
    assert name != AnnotatorNames(second).name({"email": email})
    public = {hashlib.sha256(text.encode()).hexdigest()[:8] for text in (email, f"email:{email}", "id:4", "4")}
    assert name.removeprefix("annotator-") not in public


def test_pseudonym_is_the_same_in_another_process_with_another_hash_seed(tmp_path):
    key = load_key(tmp_path / "annotators.json", create=True)
    key.save()
    code = ("import sys; from pathlib import Path; from annotate.conversion.pseudonyms import AnnotatorNames as N;"
            "from annotate.conversion.annotator_key import load_key;"
            "k = load_key(Path(sys.argv[1])); print(N(k).name({'email': 'ann@example.org'}), N(k).name(42))")
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        outputs.add(subprocess.run([sys.executable, "-c", code, str(key.path)], env=env, capture_output=True,
                                   text=True, check=True).stdout)
    here = f"{AnnotatorNames(key).name({'email': 'ann@example.org'})} {AnnotatorNames(key).name(42)}\n"
    assert outputs == {here}


# -- streaming the export file ----------------------------------------------------------------

def write(tmp_path: Path, content: str | bytes, name: str = "export.json") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def sample_tasks(count: int) -> list[dict]:
    return [{**task(f"Document {i}: caf\u00e9 \U0001f680 Tehran", []), "id": i} for i in range(count)]


def test_iter_tasks_reads_a_json_array_and_json_lines_alike(tmp_path):
    tasks = sample_tasks(5)
    array = write(tmp_path, json.dumps(tasks, indent=2, ensure_ascii=False))
    lines = write(tmp_path, "\n".join(json.dumps(t) for t in tasks) + "\n\n", "export.jsonl")
    assert list(iter_tasks(array)) == tasks
    assert list(iter_tasks(lines)) == tasks
    assert list(iter_tasks(write(tmp_path, "\ufeff [ ]\n", "empty.json"))) == []


def test_iter_tasks_reads_tasks_larger_than_its_read_size(tmp_path, monkeypatch):
    monkeypatch.setattr(taskstream, "_CHUNK", 64)
    tasks = [{**task("x" * 5000 + "\u00e9" * 300, []), "id": i} for i in range(3)]
    path = write(tmp_path, json.dumps(tasks, ensure_ascii=False))
    assert list(iter_tasks(path)) == tasks


def test_truncated_export_names_the_byte_offset_and_the_task(tmp_path):
    content = json.dumps(sample_tasks(3), ensure_ascii=False).encode("utf-8")
    path = write(tmp_path, content[:-40])
    with pytest.raises(AnnotationError, match=r"byte \d+: the file ends in the middle of task #3"):
        list(iter_tasks(path))
    with pytest.raises(AnnotationError, match="without closing the array"):
        list(iter_tasks(write(tmp_path, content[:-1])))


def test_invalid_json_is_reported_at_its_exact_byte_offset(tmp_path):
    content = json.dumps(sample_tasks(2), ensure_ascii=False).encode("utf-8")
    broken = content.replace(b'"id": 1', b'"id": 1 1', 1)
    with pytest.raises(AnnotationError) as caught:
        list(iter_tasks(write(tmp_path, broken)))
    offset = broken.index(b'"id": 1 1') + len(b'"id": 1 ')
    assert f"byte {offset}: not valid JSON in task #2" in str(caught.value)


@pytest.mark.parametrize(("content", "expected"), [
    ("", "byte 0: the export is empty"),
    ("[1]", "byte 1: task #1 is a number, not a task object"),
    ('[{"data": 1}] x', "byte 14: more data after the closing ']'"),
    ('[{"data": 1},]', "byte 13: a trailing comma after task #1"),
    ('[{"data": 1} {"data": 2}]', "byte 13: expected ',' or ']' after task #1, found '{'"),
    ('{"a": 1}', "byte 0: task #1 has neither \"data\" nor \"annotations\": this is not Label Studio's JSON export"),
    ('[{"data": {}}, {"id": 7, "text": "x", "label": "ORG"}]',
     "byte 15: task #2 has neither \"data\" nor \"annotations\""),
    (b'[{"id": "\xc3', "byte 9: the file ends in the middle of a character"),
    (b'[{"id": 1, "a": "\xff"}]', "byte 17 is not UTF-8"),
])
def test_malformed_exports_are_one_clear_error(tmp_path, content, expected):
    with pytest.raises(AnnotationError, match=expected.replace("[", r"\[").replace("]", r"\]")):
        list(iter_tasks(write(tmp_path, content)))


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 1 << 20])
def test_a_byte_that_is_not_utf8_is_named_whatever_the_read_size(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(taskstream, "_CHUNK", chunk)
    content = '[{"id": 1, "text": "caf\u00e9 \U0001f680'.encode("utf-8")
    path = write(tmp_path, content + b'\xe9t"}]')
    with pytest.raises(AnnotationError, match=f"byte {len(content)} is not UTF-8"):
        list(iter_tasks(path))


def test_missing_export_file_is_a_clear_error(tmp_path):
    with pytest.raises(AnnotationError, match="cannot open the export"):
        list(iter_tasks(tmp_path / "nope.json"))


@pytest.mark.parametrize("layout", ["array", "lines"])
def test_iter_tasks_memory_does_not_grow_with_the_number_of_tasks(tmp_path, monkeypatch, layout):
    monkeypatch.setattr(taskstream, "_CHUNK", 16 * 1024)  # both files are many reads long

    def peak(count: int) -> int:
        tasks = sample_tasks(count)
        content = (json.dumps(tasks, ensure_ascii=False) if layout == "array"
                   else "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in tasks))
        path = write(tmp_path, content, f"{count}.json")
        del tasks, content
        tracemalloc.start()
        try:
            for _ in iter_tasks(path):
                pass
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(2_000), peak(20_000)
    assert large < 2 * small


# -- a real Label Studio export ---------------------------------------------------------------

def test_a_real_label_studio_export_converts_by_either_export_path(ls_client, tmp_path):
    """The page's JSON download (users as ids) and a snapshot (users expanded) read the same."""
    from annotate.scheme.label_config import label_config

    result = copy.deepcopy(REAL_RESULT[:4]) + [relation("7QkOGnDgBL", "yM1AjZS9eX", direction="left"),
                                               choice("yM1AjZS9eX", "claim_type", "FACT", 604, 658, CLAIM_TEXT)]
    predicted = span("p1", "entities", 566, 581, "PERSON", "Sergei Chemezov")
    project = ls_client.projects.create(title="convert: real export", label_config=label_config(SCHEMA))
    try:
        ls_client.projects.import_tasks(id=project.id, request=[{
            "data": {"text": REAL_TEXT, "title": "S-300", "document_id": "doc-real", "source": "a.txt"},
            "annotations": [{"result": result}, {"result": [], "was_cancelled": True}],
            "predictions": [{"model_version": "preannotate-1", "score": 0.5, "result": [predicted]}],
        }])
        page = tmp_path / "page.json"
        page.write_bytes(b"".join(ls_client.projects.exports.download_sync(
            id=project.id, export_type="JSON", download_all_tasks=True)))
        export = ls_client.projects.exports.create(
            id=project.id, title="convert test",
            serialization_options={"annotations__completed_by": {"only_id": False},
                                   "predictions": {"only_id": False}})
        snapshot = tmp_path / "snapshot.json"
        snapshot.write_bytes(b"".join(ls_client.projects.exports.download(
            id=project.id, export_pk=export.id, export_type="JSON")))
    finally:
        ls_client.projects.delete(id=project.id)

    user = ls_client.users.whoami()
    raws, records = [], []
    key = AnnotatorKey.ephemeral()
    key.record(server_url(ls_client), [(user.id, user.email)])
    for path in (page, snapshot):
        (raw,) = list(iter_tasks(path))
        record, problems = convert_task(raw, SCHEMA, names=AnnotatorNames(key))
        assert problems == []
        raws.append(raw)
        records.append(record)
    assert {type(a["completed_by"]) for a in raws[0]["annotations"]} == {int}
    assert {type(a["completed_by"]) for a in raws[1]["annotations"]} == {dict}
    assert records[0].annotations == records[1].annotations
    record = records[1]
    assert record.id == "doc-real" and record.text == REAL_TEXT
    done, skipped = sorted(record.annotations, key=lambda a: a.cancelled)
    assert skipped.cancelled and not done.cancelled
    assert done.annotator == AnnotatorNames(key).name({"email": user.email})
    assert [(s.id, s.text) for s in done.entities] == [("7QkOGnDgBL", "Sergei Chemezov")]
    (claim_,) = done.claims
    assert (claim_.text, claim_.claimant_id, claim_.stance) == (CLAIM_TEXT, "7QkOGnDgBL", "FAVOR")
    assert claim_.attributes["claim_type"] == "FACT" and done.document_stance == "AGAINST"
    assert [(s.text, s.label) for s in record.predictions[0].entities] == [("Sergei Chemezov", "PERSON")]
