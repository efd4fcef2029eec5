"""Carrying regions onto a corrected text (no server): the diff, the three groups, relations,
per-region choices, review notes, and the order that keeps the gold merge's winner."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotate.corrections.carry import REVIEW_MARK, carry_result
from annotate.corrections.diff import TextChange
from annotate.corrections.plan import plan_article, text_checksum
from annotate.errors import CorrectionError

OLD = "Putin met Rouhni in Tehran. Mehdi Sanai said so. Moscow agreed."
NEW = "Talks began. Putin met Rouhani in Tehran. Moscow agreed."


def span(region_id: str, text: str, word: str, label: str = "PERSON", name: str = "entities") -> dict:
    start = text.index(word)
    return {"id": region_id, "from_name": name, "to_name": "text", "type": "labels",
            "value": {"start": start, "end": start + len(word), "text": word, "labels": [label]}}


def result_on(text: str) -> list[dict]:
    claim = span("c1", text, "Mehdi Sanai said so", "CLAIM", "claims")
    stance = {**claim, "from_name": "claim_stance", "type": "choices",
              "value": {**claim["value"], "choices": ["FAVOR"]}}
    stance["value"].pop("labels")
    return [span("e1", text, "Putin"), span("e2", text, "Rouhni"), span("e3", text, "Mehdi Sanai"),
            span("e4", text, "Moscow", "GPE"), claim, stance,
            {"type": "relation", "from_id": "c1", "to_id": "e3", "direction": "right"},
            {"type": "relation", "from_id": "e1", "to_id": "e2", "direction": "right"},
            {"id": "d", "from_name": "doc_stance", "to_name": "text", "type": "choices",
             "value": {"choices": ["NONE"]}}]


def test_each_region_lands_in_its_group_with_exact_offsets():
    carried = carry_result(result_on(OLD), TextChange(OLD, NEW), new_version=2)
    outcome = {region.region_id: region.outcome for region in carried.regions}
    assert outcome == {"e1": "moved", "e2": "review", "e3": "removed", "e4": "moved", "c1": "removed"}
    for item in carried.result:
        value = item.get("value", {})
        if "start" in value:
            assert NEW[value["start"]:value["end"]] == value["text"]
    texts = {item["id"]: item["value"]["text"] for item in carried.result if "start" in item.get("value", {})}
    assert texts == {"e1": "Putin", "e2": "Rouhani", "e4": "Moscow"}
    assert [(r.from_id, r.to_id) for r in carried.relations_dropped] == [("c1", "e3")]
    assert {"type": "relation", "from_id": "e1", "to_id": "e2", "direction": "right"} in carried.result
    assert any(item.get("from_name") == "doc_stance" for item in carried.result)
    assert not any(item.get("id") == "c1" for item in carried.result)  # the claim's stance goes with it


def test_a_region_to_review_carries_a_note_the_page_shows_and_keeps_the_annotators_own_note():
    result = result_on(OLD)
    result[1]["meta"] = {"text": ["check spelling"]}
    carried = carry_result(result, TextChange(OLD, NEW), new_version=3)
    (marked,) = [item for item in carried.result if "meta" in item]
    assert marked["id"] == "e2"
    assert marked["meta"]["text"].startswith(f"{REVIEW_MARK} (text version 3): was \u201cRouhni\u201d, now \u201cRouhani\u201d")
    assert marked["meta"]["text"].endswith("\ncheck spelling")

    again = carry_result(carried.result, TextChange(NEW, NEW.replace("Rouhani", "Rohani")), new_version=4)
    (note,) = [item["meta"]["text"] for item in again.result if "meta" in item]
    assert note.startswith(f"{REVIEW_MARK} (text version 4)") and note.count(REVIEW_MARK) == 1
    assert note.endswith("\ncheck spelling")


def test_per_region_choices_move_with_their_span():
    old, new = "A. Mehdi Sanai said so.", "A. B. Mehdi Sanai said so."
    result = result_on(old + " Putin met Rouhni in Tehran. Moscow")
    carried = carry_result(result, TextChange(old + " Putin met Rouhni in Tehran. Moscow",
                                              new + " Putin met Rouhni in Tehran. Moscow"), new_version=2)
    claim = [item for item in carried.result if item.get("id") == "c1"]
    assert len(claim) == 2 and {item["type"] for item in claim} == {"labels", "choices"}
    assert len({(item["value"]["start"], item["value"]["end"]) for item in claim}) == 1


@pytest.mark.parametrize("old, new, word, expected", [
    ("x \U0001F44D\U0001F3FD\r\nPutin y", "x \U0001F44D\r\nPutin y", "Putin", "Putin"),  # emoji and CRLF before
    ("Putin met", "Putin, Rouhani met", "Putin", "Putin"),  # text added right after a span stays outside
    ("x Putin y", "x Vladimir Putin y", "Putin", "Putin"),  # ...and right before it
    ("Xouhani met", "Rouhani met", "Xouhani", "Rouhani"),  # first letter replaced: still the region's
    ("a Rouhni b", "a Rouhani b", "Rouhni", "Rouhani"),
])
def test_span_ends_follow_the_words(old, new, word, expected):
    start = old.index(word)
    new_start, new_end = TextChange(old, new).map_span(start, start + len(word))
    assert new[new_start:new_end] == expected


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab \r\n\U0001F44D", max_size=40), st.text(alphabet="ab \r\n\U0001F44D", max_size=40),
       st.integers(0, 40), st.integers(0, 40))
def test_every_carried_span_slices_the_new_text_and_an_unchanged_one_keeps_its_words(old, new, i, j):
    start, end = sorted((min(i, len(old)), min(j, len(old))))
    if not old[start:end].strip():
        return
    item = {"id": "r", "from_name": "entities", "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": old[start:end], "labels": ["ORG"]}}
    carried = carry_result([item], TextChange(old, new), new_version=2)
    (region,) = carried.regions
    if region.outcome == "removed":
        assert carried.result == []
    else:
        (moved,) = carried.result
        value = moved["value"]
        assert 0 <= value["start"] < value["end"] <= len(new) and new[value["start"]:value["end"]] == value["text"]
        assert (region.outcome == "moved") == (value["text"] == old[start:end])
    if old == new:
        assert region.outcome == "moved" and region.new_start == start


def test_the_plan_lists_annotations_oldest_first_so_the_latest_stays_latest():
    annotations = [{"id": 9, "updated_at": "2026-01-02T00:00:00.000001Z", "result": result_on(OLD)},
                   {"id": 4, "updated_at": "2026-01-03T00:00:00Z", "result": []},
                   {"id": 7, "updated_at": "2026-01-01T00:00:00Z", "result": []}]
    task = {"id": 1, "data": {"text": OLD}, "annotations": annotations,
            "predictions": [{"id": 3, "result": result_on(OLD)}]}
    plan = plan_article(task, [{"id": 5, "result": []}], {"text": NEW}, document_id="doc-a", source="a.txt")
    assert [(item.kind, item.id) for item in plan.items] == [
        ("annotation", 7), ("annotation", 9), ("annotation", 4), ("draft", 5), ("prediction", 3)]
    assert (plan.old_version, plan.new_version) == (1, 2)
    assert plan.new_data["text_sha256"] == text_checksum(NEW)
    history = plan.history()
    assert history["text"]["old_sha256"] == text_checksum(OLD) and history["counts"]["removed"] == 4
    assert "result" not in str(history)


def test_an_emptied_text_is_refused():
    task = {"id": 1, "data": {"text": OLD}, "annotations": [], "predictions": []}
    with pytest.raises(CorrectionError, match="doc-a.*a.txt.*task 1.*empty"):
        plan_article(task, [], {"text": " \r\n"}, document_id="doc-a", source="a.txt")
