"""Pre-annotators: schema patterns and gazetteers, the annotation memory, and how they combine."""

from __future__ import annotations

import copy
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from annotate.preannotation.matchers import (
    AnnotationMemory,
    PatternPreannotator,
    combine,
    prediction,
    results,
)
from annotate.scheme.schema import ENTITIES_NAME, TEXT_NAME, Schema, parse_schema


def with_entities(schema: Schema, change) -> Schema:
    raw = copy.deepcopy(schema.source)
    change(raw["entities"])
    return parse_schema(raw)


def spans(found: list[dict]) -> list[tuple[str, str]]:
    return [(item["value"]["text"], item["value"]["labels"][0]) for item in found]


def assert_valid_results(text: str, found: list[dict], schema: Schema) -> None:
    ids = [item["id"] for item in found]
    assert len(ids) == len(set(ids))
    previous_end = 0
    for item in found:
        value = item["value"]
        assert item["from_name"] == ENTITIES_NAME and item["to_name"] == TEXT_NAME and item["type"] == "labels"
        assert previous_end <= value["start"] < value["end"] <= len(text)
        assert text[value["start"]:value["end"]] == value["text"]
        assert value["labels"][0] in schema.entity_labels
        previous_end = value["end"]


def test_patterns_and_gazetteer_find_weapons_dates_and_names_with_code_point_offsets(schema):
    text = "Réunion 🇷🇺😀\r\nOn Thursday Vladimir Putin said the S-300PMU-2 and S-400 cover 195 kilometers."
    found = PatternPreannotator(schema).predict(text)
    assert_valid_results(text, found, schema)
    assert ("S-300PMU-2", "WEAPON") in spans(found)
    assert ("S-400", "WEAPON") in spans(found)
    assert ("Thursday", "DATE") in spans(found)
    assert ("Vladimir Putin", "PERSON") in spans(found)
    assert ("195 kilometers", "QUANTITY") in spans(found)
    start = text.index("Vladimir")
    assert any(item["value"]["start"] == start for item in found)


def test_a_space_in_a_pattern_or_a_name_also_matches_a_no_break_space(schema):
    text = "On November\u00a012,\u00a02015 Vladimir\u00a0Putin spoke; Sergei\u202fLavrov agreed."
    found = PatternPreannotator(schema).predict(text)
    assert_valid_results(text, found, schema)  # the span text keeps the no-break spaces
    assert ("November\u00a012,\u00a02015", "DATE") in spans(found)
    assert ("Vladimir\u00a0Putin", "PERSON") in spans(found)
    memory = AnnotationMemory({"Sergei Lavrov": "PERSON"}, schema)
    assert ("Sergei\u202fLavrov", "PERSON") in spans(memory.predict(text))


def test_longest_match_wins_over_a_shorter_overlapping_one(schema):
    # "S-300" is a gazetteer example; the pattern also matches the longer designation.
    found = PatternPreannotator(schema).predict("the S-300PMU-2 was shipped")
    assert spans(found) == [("S-300PMU-2", "WEAPON")]


def test_terms_inside_longer_words_are_not_matched(schema):
    custom = with_entities(schema, lambda entities: entities[2].setdefault("gazetteer", []).append("Ira"))
    found = PatternPreannotator(custom).predict("Iranian officials and XS-3000 parts; Ira said")
    assert ("Iranian", "NORP") in spans(found)
    assert all(text not in ("Iran", "S-300") for text, _ in spans(found))
    assert spans(found).count(("Ira", "GPE")) == 1  # only the standalone word


def test_overlaps_are_resolved_the_same_way_whatever_the_input_order(schema):
    text = "Tehran Moscow accord"
    candidates = [(0, 13, "EVENT", 1), (0, 6, "GPE", 0), (7, 13, "GPE", 0), (7, 20, "ORG", 1),
                  (7, 20, "EVENT", 1), (0, 6, "GPE", 0)]
    expected = results(text, candidates, schema)
    for seed in range(5):
        shuffled = candidates[:]
        random.Random(seed).shuffle(shuffled)
        assert results(text, shuffled, schema) == expected
    # Two spans of 13 characters overlap: the earlier wins; of equal spans the schema's label order wins.
    assert spans(expected) == [("Tehran Moscow", "EVENT")]
    assert spans(results(text, [(7, 20, "EVENT", 1), (7, 20, "ORG", 1)], schema)) == [("Moscow accord", "ORG")]


def test_exact_duplicates_are_proposed_once(schema):
    text = "Iran and Iran"
    found = results(text, [(0, 4, "GPE", 0), (0, 4, "GPE", 1), (9, 13, "GPE", 0)], schema)
    assert spans(found) == [("Iran", "GPE"), ("Iran", "GPE")]
    assert_valid_results(text, found, schema)


def test_memory_proposes_the_majority_label_of_strings_annotators_labelled(schema):
    first = "Zorblax Dynamics built it."
    second = "Zorblax Dynamics said so."

    def entity(text: str, string: str, label: str) -> dict:
        start = text.index(string)
        return {"id": "a", "from_name": ENTITIES_NAME, "to_name": TEXT_NAME, "type": "labels",
                "value": {"start": start, "end": start + len(string), "labels": [label]}}

    memory = AnnotationMemory.from_results([
        (first, [entity(first, "Zorblax Dynamics", "ORG")]),
        (second, [entity(second, "Zorblax Dynamics", "ORG")]),
        (second, [entity(second, "Zorblax Dynamics", "PERSON")]),
    ], schema)
    new = "Yesterday Zorblax Dynamics and Zorblax Dynamicsville met."
    assert spans(memory.predict(new)) == [("Zorblax Dynamics", "ORG")]


def test_memory_ignores_unknown_labels_and_malformed_results(schema):
    text = "Quux Corp and Blorp"
    memory = AnnotationMemory.from_results([
        (text, [
            {"from_name": ENTITIES_NAME, "value": {"start": 14, "end": 19, "labels": ["NOT_A_LABEL"]}},
            {"from_name": ENTITIES_NAME, "value": {"start": 14, "end": 999, "labels": ["ORG"]}},
            {"from_name": ENTITIES_NAME, "value": {"start": "0", "end": 4, "labels": ["ORG"]}},
            {"from_name": ENTITIES_NAME, "value": {"start": 0, "end": 1, "labels": ["ORG"]}},
            "not a result", None, {"value": None},
        ]),
        (text, "not a list"),
    ], schema)
    assert len(memory) == 0
    assert memory.predict("Quux Corp and Blorp again") == []


def test_combined_prediction_names_its_parts_and_the_schema_fingerprint(schema):
    text = "Moscow"
    memory = AnnotationMemory({"Moscow": "ORG"}, schema)
    combined = combine([memory, PatternPreannotator(schema)], schema)
    assert spans(combined.predict(text)) == [("Moscow", "ORG")]  # the memory wins an equal span
    found = prediction(combined, "Moscow and S-400")
    assert found is not None
    assert found["model_version"] == f"memory+patterns-{schema.fingerprint[:12]}"
    assert spans(found["result"]) == [("Moscow", "ORG"), ("S-400", "WEAPON")]
    assert prediction(combined, "nothing to see here") is None


def test_pattern_model_version_changes_with_the_schema(schema):
    custom = with_entities(schema, lambda entities: entities[0]["examples"].append("Jane Roe"))
    assert PatternPreannotator(schema).model_version.startswith("patterns-")
    assert PatternPreannotator(schema).model_version != PatternPreannotator(custom).model_version


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("ab S-3040\r\n😀é.,")), max_size=80),
    terms=st.lists(st.text(alphabet=st.sampled_from(list("ab S-30😀é")), min_size=1, max_size=6), max_size=6),
)
def test_any_text_gets_valid_non_overlapping_spans(schema, text, terms):
    labels = list(schema.entity_labels)
    memory = AnnotationMemory({term: labels[i % len(labels)] for i, term in enumerate(terms)}, schema)
    found = combine([memory, PatternPreannotator(schema)], schema).predict(text)
    assert_valid_results(text, found, schema)
