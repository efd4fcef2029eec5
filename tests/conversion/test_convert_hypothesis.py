"""Random Label Studio results and export files: never a crash, always a valid record or a named problem."""

from __future__ import annotations

import json
import re
from pathlib import Path
from tempfile import TemporaryDirectory
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotate.conversion import task_stream as taskstream
from annotate.conversion.convert import convert_task, iter_tasks
from annotate.conversion.pseudonyms import AnnotatorNames
from annotate.errors import AnnotationError
from annotate.release.gold_merge import merge
from annotate.scheme.schema import load_schema

SCHEMA = load_schema(Path(__file__).resolve().parents[2] / "schemas" / "arms_news.yaml")
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- strategies -------------------------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers(-5, 10**6) | st.floats(allow_nan=False) | st.text(max_size=5)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=4), inner, max_size=3), max_leaves=6)
texts = st.text(alphabet=st.sampled_from(list("ab c\u00a0\r\n\t.") + ["\U0001f680", "\u00e9", "\U0001f1ee"]),
                min_size=1, max_size=40)
labels = st.sampled_from([*SCHEMA.entity_labels, "PERSON", "ORG", SCHEMA.claims.label, "BOGUS"])
choices = st.sampled_from(["FAVOR", "AGAINST", "NONE", "FACT", "OPINION", "YES", "NO", "MAYBE"])


def maybe_broken(value: st.SearchStrategy, odds: int = 12) -> st.SearchStrategy:
    """Mostly the value, one time in ``odds`` anything JSON can hold."""
    return st.integers(1, odds).flatmap(lambda roll: json_values if roll == 1 else value)


region_ids = maybe_broken(st.sampled_from(["e0", "e1", "r2", "c0", "c1"]), odds=10)


def drop_keys(draw, mapping: dict) -> dict:
    """The mapping with some keys randomly left out."""
    kept = draw(st.lists(st.sampled_from(sorted(mapping)), unique=True)) if mapping else []
    return mapping if draw(st.booleans()) else {key: mapping[key] for key in kept}


@st.composite
def span_results(draw, text: str) -> dict:
    if draw(st.integers(0, 4)):  # mostly offsets inside the text
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
    else:
        start = draw(st.integers(-2, len(text) + 2))
        end = draw(st.integers(start - 1, len(text) + 3))
    name = draw(st.sampled_from(["entities", "claims"]))
    shown = text[max(start, 0):max(end, 0)]
    shown = draw(st.sampled_from([shown, shown, " ".join(shown.split()), shown + "x", None]))
    label = st.lists(labels, min_size=1, max_size=1 if draw(st.integers(0, 5)) else 2)
    value = {"start": draw(maybe_broken(st.just(start))), "end": draw(maybe_broken(st.just(end))),
             "labels": draw(maybe_broken(label if name == "entities" else st.just(["CLAIM"])))}
    if shown is not None:
        value["text"] = draw(maybe_broken(st.just(shown)))
    result = {"id": draw(region_ids), "from_name": name, "to_name": "text", "type": "labels",
              "value": drop_keys(draw, value) if draw(st.integers(0, 19)) == 0 else value}
    return drop_keys(draw, result) if draw(st.integers(0, 19)) == 0 else result


@st.composite
def choice_results(draw) -> dict:
    name = draw(st.sampled_from(["claim_stance", "claim_type", "checkworthy", "doc_stance", "mood"]))
    value = {"choices": draw(maybe_broken(st.lists(choices, min_size=1, max_size=2)))}
    return {"id": draw(region_ids), "from_name": name, "to_name": "text", "type": "choices",
            "value": draw(maybe_broken(st.just(value)))}


@st.composite
def relation_results(draw) -> dict:
    relation = {"from_id": draw(region_ids), "to_id": draw(region_ids), "type": "relation",
                "direction": draw(st.sampled_from(["right", "left", "bi"]))}
    if draw(st.booleans()):
        relation["labels"] = draw(maybe_broken(st.sampled_from([[], ["claimant"], ["friend"]])))
    return relation


@st.composite
def coherent_results(draw, text: str) -> list:
    """A complete, valid annotation: entities, claims with stance and type, claimants, stance."""
    def region(region_id: str, name: str, label: str) -> tuple[dict, dict]:
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        value = {"start": start, "end": end, "text": text[start:end]}
        return value, {"id": region_id, "from_name": name, "to_name": "text", "type": "labels",
                       "value": {**value, "labels": [label]}}

    results, entity_ids = [], []
    for index in range(draw(st.integers(0, 3))):
        _, result = region(f"e{index}", "entities", draw(st.sampled_from(SCHEMA.claims.claimant_labels)))
        results.append(result)
        entity_ids.append(f"e{index}")
    for index in range(draw(st.integers(0, 3))):
        value, result = region(f"c{index}", "claims", "CLAIM")
        results.append(result)
        for name, values in [("claim_stance", SCHEMA.stance.values)] + [
                (a.name, a.values) for a in SCHEMA.claims.attributes]:
            results.append({"id": f"c{index}", "from_name": name, "to_name": "text", "type": "choices",
                            "value": {**value, "choices": [draw(st.sampled_from(values))]}})
        if entity_ids and draw(st.booleans()):
            ends = [f"c{index}", draw(st.sampled_from(entity_ids))]
            results.append({"from_id": ends[0], "to_id": ends[1], "type": "relation", "direction": "right"}
                           if draw(st.booleans()) else
                           {"from_id": ends[1], "to_id": ends[0], "type": "relation", "direction": "left"})
    results.append({"id": "d", "from_name": "doc_stance", "to_name": "text", "type": "choices",
                    "value": {"choices": [draw(st.sampled_from(SCHEMA.stance.values))]}})
    return draw(st.permutations(results))


@st.composite
def mutated(draw, results: list) -> list:
    """``results`` with a few random changes: a field replaced, removed or an id swapped."""
    results = json.loads(json.dumps(results))
    for _ in range(draw(st.integers(0, 3))):
        if not results:
            break
        index = draw(st.integers(0, len(results) - 1))
        target = results[index]
        if isinstance(target.get("value"), dict) and draw(st.booleans()):
            target = target["value"]
        if not target:
            continue
        key = draw(st.sampled_from(sorted(target)))
        action = draw(st.sampled_from(["replace", "remove", "swap id", "drop result"]))
        if action == "replace":
            target[key] = draw(json_values)
        elif action == "remove":
            del target[key]
        elif action == "swap id":
            results[index][draw(st.sampled_from(["id", "from_id", "to_id"]))] = draw(region_ids)
        else:
            del results[index]
    return results


@st.composite
def annotations(draw, text: str) -> dict:
    soup = st.lists(st.one_of(span_results(text), span_results(text), choice_results(),
                              relation_results(), json_values), max_size=8)
    result = draw(st.one_of(soup, coherent_results(text).flatmap(mutated)))
    annotation = {
        "id": draw(maybe_broken(st.integers(1, 5))),
        "completed_by": draw(maybe_broken(st.integers(1, 3) | st.fixed_dictionaries(
            {"id": st.integers(1, 3), "email": st.sampled_from(["a@x.org", "b@x.org"])}))),
        "result": draw(maybe_broken(st.just(result))),
        "was_cancelled": draw(maybe_broken(st.booleans())),
        "ground_truth": draw(maybe_broken(st.booleans())),
        "created_at": "2024-05-01T10:00:00Z",
        "updated_at": draw(maybe_broken(st.sampled_from(["2024-05-01T10:00:00Z", "2024-05-02T10:00:00+02:00"]))),
        "lead_time": draw(maybe_broken(st.floats(0, 100))),
    }
    return drop_keys(draw, annotation) if draw(st.integers(0, 9)) == 0 else annotation


@st.composite
def tasks(draw) -> tuple[dict, str]:
    text = draw(texts)
    data = {"text": draw(maybe_broken(st.just(text))), "document_id": draw(maybe_broken(st.just("doc-7"))),
            "title": draw(maybe_broken(st.just("T"))), "source": "s.txt"}
    task = {"id": draw(maybe_broken(st.just(3))), "data": draw(maybe_broken(st.just(data))),
            "annotations": draw(maybe_broken(st.lists(annotations(text), max_size=3))),
            "predictions": draw(st.lists(st.integers(1, 9) | st.fixed_dictionaries(
                {"model_version": st.just("m"), "result": st.lists(span_results(text), max_size=3)}), max_size=2))}
    return task, text


# -- properties -------------------------------------------------------------------------------

def check_spans(text: str, entities, claims) -> None:
    ids = [span.id for span in entities] + [claim.id for claim in claims]
    assert len(ids) == len(set(ids))
    for item in (*entities, *claims):
        assert 0 <= item.start < item.end <= len(text)
        assert text[item.start:item.end] == item.text
        assert item.text == item.text.strip()  # never white space at an edge
    by_id = {span.id: span for span in entities}
    for claim in claims:
        if claim.claimant_id is not None:
            assert by_id[claim.claimant_id].label in SCHEMA.claims.claimant_labels
        assert claim.stance in (None, *SCHEMA.stance.values)
        for attribute in SCHEMA.claims.attributes:
            assert claim.attributes[attribute.name] in (None, *attribute.values)


@SETTINGS
@given(tasks())
def test_random_results_give_a_valid_record_or_problems_naming_the_item(generated):
    task, _ = generated
    record, problems = convert_task(task, SCHEMA, names=AnnotatorNames())
    for problem in problems:
        line = str(problem)
        assert "\n" not in line and "\r" not in line and line
    if record is None:
        assert problems, "an unusable task must say why"
        return
    assert all(problem.document_id == record.id and problem.task_id == record.task_id for problem in problems)
    for annotation in record.annotations:
        check_spans(record.text, annotation.entities, annotation.claims)
        assert annotation.document_stance in (None, *SCHEMA.stance.values)
    for prediction in record.predictions:
        check_spans(record.text, prediction.entities, ())

    # Nothing silently dropped: an annotation left out, or a span result not in the record,
    # comes with a problem naming its annotation (or a warning naming the region: white space alone).
    named = {problem.annotation_id for problem in problems}
    warned = {(warning.annotation_id, warning.region_id) for warning in record.warnings}
    kept = {annotation.id: annotation for annotation in record.annotations}
    raw_annotations = task["annotations"]
    if not isinstance(raw_annotations, list):
        assert raw_annotations is None or any(p.message.startswith("annotations is") for p in problems)
        raw_annotations = []
    seen = set()
    for index, raw in enumerate(raw_annotations):
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        if type(raw_id) is not int or raw_id in seen:
            assert any(f"annotation #{index + 1}" in problem.message for problem in problems)
            continue
        seen.add(raw_id)
        if raw_id not in kept:
            assert raw_id in named
            continue
        if raw_id in named:
            continue
        regions = {span.id for span in kept[raw_id].entities} | {claim.id for claim in kept[raw_id].claims}
        for item in raw.get("result") or []:
            if isinstance(item, dict) and item.get("from_name") in ("entities", "claims"):
                assert item.get("id") in regions or (raw_id, item.get("id")) in warned

    gold = merge(record, SCHEMA)
    if gold is not None:
        check_spans(record.text, gold.entities, gold.claims)


@st.composite
def export_files(draw) -> tuple[list[dict], bytes, bool]:
    items = draw(st.lists(st.dictionaries(st.sampled_from(["id", "data", "annotations", "x\u00e9"]),
                                          json_values, max_size=4), max_size=6))
    # A task object has data or annotations (iter_tasks refuses other objects as not an export).
    items = [item if "data" in item or "annotations" in item else {"data": None, **item} for item in items]
    space = st.text(alphabet=" \t\r\n", max_size=3)
    lines = draw(st.booleans())
    encoded = [json.dumps(item, ensure_ascii=draw(st.booleans()), indent=draw(st.sampled_from([None, 1])))
               for item in items]
    if lines:
        encoded = [" ".join(text.split("\n")) for text in encoded]
        body = "".join(text + draw(space) + "\n" for text in encoded)
    else:
        body = draw(space) + "[" + draw(space) + "".join(
            (draw(space) + "," + draw(space) if index else "") + text for index, text in enumerate(encoded)
        ) + draw(space) + "]" + draw(space)
    prefix = "\ufeff" if draw(st.integers(0, 5)) == 0 else ""
    return items, (prefix + body).encode("utf-8"), lines


@SETTINGS
@given(export_files(), st.integers(1, 40), st.data())
def test_iter_tasks_reads_any_split_and_whitespace_and_names_the_byte_of_a_truncation(file, chunk, data):
    items, content, lines = file
    with TemporaryDirectory() as folder, mock.patch.object(taskstream, "_CHUNK", chunk):
        path = Path(folder) / "export.json"
        path.write_bytes(content)
        if not items and lines:
            try:
                assert list(iter_tasks(path)) == []
            except AnnotationError as error:
                assert "is empty" in str(error)
        else:
            assert list(iter_tasks(path)) == items

        cut = data.draw(st.integers(0, max(len(content) - 1, 0)))
        path.write_bytes(content[:cut])
        read: list = []
        try:
            for task in iter_tasks(path):
                read.append(task)
        except AnnotationError as error:
            message = str(error)
            assert "\n" not in message
            offset = re.match(rf"{re.escape(str(path))}: byte (\d+)", message)
            assert offset is not None, message
            assert int(offset.group(1)) <= cut
        else:
            # Only whitespace was cut, or (JSON Lines) whole lines: what was read is a prefix.
            assert read == items[: len(read)]
            if not lines:
                assert read == items
