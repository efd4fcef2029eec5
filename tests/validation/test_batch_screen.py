"""The export's batch screen (``annotate.validation.batch_screen``): a batch it passes is one the
row checks pass, and each way of breaking a batch sends it to the row checks, which then report
exactly what they report without the screen.

The batch is the one the export of a realistic raw file checks (every document in one batch);
each corruption edits its rows the way a bug in the export would.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from export_data import realistic_export, write_export

import annotate.release.export as export_module
import annotate.release.row_writer as row_writer_module
from annotate.release.export import export
from annotate.scheme.schema import load_schema
from annotate.validation.batch_screen import BatchScreen
from annotate.validation.findings import Findings
from annotate.validation.row_checks import RowChecker

PROJECT = Path(__file__).resolve().parents[2]
SCHEMA = load_schema(PROJECT / "schemas" / "arms_news.yaml")
LABELS = SCHEMA.entity_labels

Batch = dict[str, dict[str, tuple[Path, int, pa.Table]]]
Rows = dict[str, dict[str, list[dict]]]  # config -> split -> rows


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """The tables of a realistic export, as the export hands them to the row checks."""
    folder = tmp_path_factory.mktemp("screen")
    captured: list[Batch] = []

    class Capturing(RowChecker):
        def check_batch(self, tables: Batch) -> None:
            if tables:
                captured.append(tables)
            super().check_batch(tables)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(export_module, "RowChecker", Capturing)
        patch.setattr(row_writer_module, "BATCH", 1000)
        export(write_export(folder / "raw.json", realistic_export(fillers=30)), schema=SCHEMA,
               out_root=folder / "exports", version="1.0.0")
    assert len(captured) == 1 and len(captured[0]["documents"]) == 3  # every split
    return captured[0]


def findings(batch: Batch, *, screened: bool, before: Batch | None = None) -> list[str]:
    """What ``check_batch`` reports for ``batch`` (after ``before``), with the screen or
    with the rows read whatever it says."""
    checker = RowChecker(SCHEMA, Findings())
    if not screened:
        checker.screen.passes = lambda *_: False  # type: ignore[method-assign]
    for tables in ([before] if before else []) + [batch]:
        checker.check_batch(tables)
    return [str(failure) for failure in checker.findings.failures]


def screen_passes(batch: Batch) -> bool:
    return BatchScreen(SCHEMA).passes({config: {split: table for split, (_, _, table) in splits.items()}
                                       for config, splits in batch.items()}, set())


def edited(batch: Batch, change: Callable[[Rows], None]) -> Batch:
    """A copy of ``batch`` whose rows ``change`` edited in place (as Python values)."""
    rows = {config: {split: table.to_pylist() for split, (_, _, table) in splits.items()}
            for config, splits in batch.items()}
    change(rows)
    return {config: {split: (path, first, pa.Table.from_pylist(rows[config][split], schema=table.schema))
                     for split, (path, first, table) in splits.items()} for config, splits in batch.items()}


def text_of(rows: Rows, document_id: str) -> str:
    return next(row["text"] for splits in rows["documents"].values() for row in splits if row["id"] == document_id)


def moscow(rows: Rows) -> tuple[str, dict]:
    """The split and the documents row of the document with most entities."""
    return next((split, row) for split, splits in rows["documents"].items() for row in splits
                if row["id"] == "doc-moscow")


def ner_rows(rows: Rows, document_id: str) -> list[dict]:
    return [row for splits in rows["ner"].values() for row in splits if row["document_id"] == document_id]


# -- corruptions, each named after what the row checks say ----------------------------------------


def duplicate_document_id(rows: Rows) -> None:
    train = rows["documents"]["train"]
    train[1]["id"] = train[0]["id"]


def missing_text(rows: Rows) -> None:
    moscow(rows)[1]["text"] = ""


def text_checksum_of_another_text(rows: Rows) -> None:
    moscow(rows)[1]["text_sha256"] = "0" * 64


def text_version_zero(rows: Rows) -> None:
    moscow(rows)[1]["text_version"] = 0


def entity_text_not_at_its_offsets(rows: Rows) -> None:
    moscow(rows)[1]["entities"][2]["text"] = "Vladimir Putin!"


def entity_outside_the_text(rows: Rows) -> None:
    row = moscow(rows)[1]
    row["entities"][-1]["end"] = len(row["text"]) + 1


def entity_ending_where_it_starts(rows: Rows) -> None:
    entity = moscow(rows)[1]["entities"][0]
    entity["end"] = entity["start"]


def entity_label_outside_the_schema(rows: Rows) -> None:
    moscow(rows)[1]["entities"][0]["label"] = len(LABELS)


def entity_without_region_id(rows: Rows) -> None:
    moscow(rows)[1]["entities"][0]["id"] = ""


def region_id_of_an_entity_and_a_claim(rows: Rows) -> None:
    row = moscow(rows)[1]
    row["claims"][0]["id"] = row["entities"][0]["id"]


def claimant_that_is_no_entity(rows: Rows) -> None:
    moscow(rows)[1]["claims"][0]["claimant_id"] = "e-nobody"


def claimant_text_that_is_not_its_entity(rows: Rows) -> None:
    moscow(rows)[1]["claims"][0]["claimant"] = "Sergei Lavrov"


def claimant_of_a_label_the_schema_does_not_allow(rows: Rows) -> None:
    row = moscow(rows)[1]
    date = next(entity for entity in row["entities"] if LABELS[entity["label"]] == "DATE")
    row["claims"][0].update(claimant_id=date["id"], claimant=date["text"])


def claimant_named_without_an_id(rows: Rows) -> None:
    moscow(rows)[1]["claims"][0]["claimant_id"] = None


def claim_without_the_required_stance(rows: Rows) -> None:
    moscow(rows)[1]["claims"][0]["stance"] = None


def claim_attribute_outside_the_schema(rows: Rows) -> None:
    moscow(rows)[1]["claims"][0]["checkworthy"] = 7


def claim_without_a_required_attribute(rows: Rows) -> None:
    moscow(rows)[1]["claims"][0]["claim_type"] = None


def document_without_the_required_stance(rows: Rows) -> None:
    moscow(rows)[1]["stance"] = None


def annotator_counts_of_another_length(rows: Rows) -> None:
    moscow(rows)[1]["entities_marked_by"].append(1)


def negative_annotator_count(rows: Rows) -> None:
    moscow(rows)[1]["claims_marked_by"][0] = -1


def document_without_annotators(rows: Rows) -> None:
    moscow(rows)[1]["annotators"] = []


def ner_token_not_at_its_offsets(rows: Rows) -> None:
    row = ner_rows(rows, "doc-moscow")[0]
    row["tokens"][0] = row["tokens"][0] + "x"


def ner_tag_that_disagrees_with_the_entities(rows: Rows) -> None:
    for row in ner_rows(rows, "doc-moscow"):
        if 0 in row["ner_tags"]:
            row["ner_tags"][row["ner_tags"].index(0)] = 1
            return


def ner_tag_outside_the_schema(rows: Rows) -> None:
    ner_rows(rows, "doc-moscow")[0]["ner_tags"][0] = 99


def ner_text_left_out_of_every_token(rows: Rows) -> None:
    row = ner_rows(rows, "doc-moscow")[1]
    for column in ("tokens", "ner_tags", "token_starts", "token_ends"):
        del row[column][1]


def ner_token_across_an_entity_boundary(rows: Rows) -> None:
    text = text_of(rows, "doc-moscow")
    for row in ner_rows(rows, "doc-moscow"):
        tags = row["ner_tags"]
        for index in range(len(tags) - 1):
            if tags[index] == 0 and tags[index + 1] % 2 == 1:  # O, then the first token of an entity
                start, end = row["token_starts"][index], row["token_ends"][index + 1]
                row["tokens"][index:index + 2] = [text[start:end]]
                row["token_ends"][index:index + 2] = [end]
                del row["token_starts"][index + 1]
                del row["ner_tags"][index + 1]
                return


def ner_lists_of_other_lengths(rows: Rows) -> None:
    ner_rows(rows, "doc-moscow")[0]["ner_tags"].pop()


def ner_rows_out_of_text_order(rows: Rows) -> None:
    split = moscow(rows)[0]
    table = rows["ner"][split]
    first = next(index for index, row in enumerate(table) if row["document_id"] == "doc-moscow")
    table[first], table[first + 1] = table[first + 1], table[first]


def ner_rows_of_documents_interleaved(rows: Rows) -> None:
    table = rows["ner"]["train"]
    last = max(index for index, row in enumerate(table) if row["document_id"] == table[0]["document_id"])
    table.insert(last + 2, table.pop(last))


def document_without_ner_rows(rows: Rows) -> None:
    split = moscow(rows)[0]
    rows["ner"][split] = [row for row in rows["ner"][split] if row["document_id"] != "doc-moscow"]


def ner_row_in_another_split_than_its_document(rows: Rows) -> None:
    split = moscow(rows)[0]
    other = next(name for name in rows["ner"] if name != split)
    moved = [row for row in rows["ner"][split] if row["document_id"] == "doc-moscow"]
    rows["ner"][split] = [row for row in rows["ner"][split] if row["document_id"] != "doc-moscow"]
    rows["ner"][other] += moved


def ner_row_id_twice(rows: Rows) -> None:
    table = rows["ner"]["train"]
    table[1]["id"] = table[0]["id"]


def ner_row_of_an_unknown_document(rows: Rows) -> None:
    rows["ner"]["train"][0]["document_id"] = "doc-nowhere"


def claims_row_that_disagrees_with_the_documents_claim(rows: Rows) -> None:
    next(row for row in rows["claims"][moscow(rows)[0]] if row["document_id"] == "doc-moscow")["claimant"] = "TASS"


def claims_row_with_another_stance(rows: Rows) -> None:
    next(row for row in rows["claims"][moscow(rows)[0]] if row["document_id"] == "doc-moscow")["stance"] = 2


def claims_row_with_another_target(rows: Rows) -> None:
    rows["claims"]["train"][0]["target"] = "something else"


def claims_context_that_does_not_hold_the_claim(rows: Rows) -> None:
    rows["claims"]["train"][0]["context"] = "Nothing of the sort."


def claim_missing_from_the_claims_config(rows: Rows) -> None:
    del rows["claims"]["train"][0]


def claims_row_twice(rows: Rows) -> None:
    rows["claims"]["train"].append(dict(rows["claims"]["train"][0], id="again"))


def claims_row_of_an_unknown_claim(rows: Rows) -> None:
    rows["claims"]["train"][0]["claim_id"] = "c-nowhere"


def document_without_annotation_rows(rows: Rows) -> None:
    split = moscow(rows)[0]
    rows["annotations"][split] = [row for row in rows["annotations"][split] if row["document_id"] != "doc-moscow"]


def annotation_of_an_unknown_document(rows: Rows) -> None:
    rows["annotations"]["train"][0]["document_id"] = "doc-nowhere"


def annotation_without_annotator(rows: Rows) -> None:
    rows["annotations"]["train"][0]["annotator"] = None


def documents_annotator_without_an_annotation_row(rows: Rows) -> None:
    row = rows["annotations"]["train"][0]
    row["annotator"] = row["annotator"] + "-renamed"


def annotation_without_ground_truth(rows: Rows) -> None:
    rows["annotations"]["train"][0]["ground_truth"] = None


def annotation_entity_text_not_at_its_offsets(rows: Rows) -> None:
    row = next(row for splits in rows["annotations"].values() for row in splits if row["entities"])
    row["entities"][0]["text"] = "elsewhere"


def annotation_claimant_that_is_no_entity(rows: Rows) -> None:
    row = next(row for splits in rows["annotations"].values() for row in splits if row["claims"])
    row["claims"][0]["claimant_id"] = "e-nobody"


def annotation_id_twice(rows: Rows) -> None:
    table = rows["annotations"]["train"]
    table[1]["id"] = table[0]["id"]


CORRUPTIONS = [
    duplicate_document_id, missing_text, text_checksum_of_another_text, text_version_zero,
    entity_text_not_at_its_offsets, entity_outside_the_text, entity_ending_where_it_starts,
    entity_label_outside_the_schema, entity_without_region_id, region_id_of_an_entity_and_a_claim,
    claimant_that_is_no_entity, claimant_text_that_is_not_its_entity, claimant_of_a_label_the_schema_does_not_allow,
    claimant_named_without_an_id, claim_without_the_required_stance, claim_attribute_outside_the_schema,
    claim_without_a_required_attribute, document_without_the_required_stance, annotator_counts_of_another_length,
    negative_annotator_count, document_without_annotators,
    ner_token_not_at_its_offsets, ner_tag_that_disagrees_with_the_entities, ner_tag_outside_the_schema,
    ner_text_left_out_of_every_token, ner_token_across_an_entity_boundary, ner_lists_of_other_lengths,
    ner_rows_out_of_text_order, ner_rows_of_documents_interleaved, document_without_ner_rows,
    ner_row_in_another_split_than_its_document, ner_row_id_twice, ner_row_of_an_unknown_document,
    claims_row_that_disagrees_with_the_documents_claim, claims_row_with_another_stance,
    claims_row_with_another_target, claims_context_that_does_not_hold_the_claim,
    claim_missing_from_the_claims_config, claims_row_twice, claims_row_of_an_unknown_claim,
    document_without_annotation_rows, annotation_of_an_unknown_document, annotation_without_annotator,
    documents_annotator_without_an_annotation_row, annotation_without_ground_truth,
    annotation_entity_text_not_at_its_offsets, annotation_claimant_that_is_no_entity, annotation_id_twice,
]


def test_a_clean_batch_passes_the_screen_and_the_row_checks(batch: Batch) -> None:
    assert screen_passes(batch)
    assert findings(batch, screened=False) == []


@pytest.mark.parametrize("corruption", CORRUPTIONS, ids=lambda corruption: corruption.__name__)
def test_each_broken_batch_is_read_row_by_row_and_reported_as_without_the_screen(
        batch: Batch, corruption: Callable[[Rows], None]) -> None:
    broken = edited(batch, corruption)
    assert not screen_passes(broken)
    found = findings(broken, screened=True)
    assert found, "the corruption breaks no row check"
    assert found == findings(broken, screened=False)


def test_a_document_id_of_an_earlier_batch_is_read_row_by_row(batch: Batch) -> None:
    found = findings(batch, screened=True, before=batch)
    assert any("appears twice" in line for line in found)
    assert found == findings(batch, screened=False, before=batch)


def test_nested_entities_are_tagged_as_the_longest_and_the_other_way_is_caught(batch: Batch) -> None:
    """The Tehran document nests "Majlis" in "The Majlis": the ner config tags the longest (as
    the screen reduces them too, so the clean batch passes); tags of the shorter one are caught."""
    def shorter_wins(rows: Rows) -> None:
        document = next(row for splits in rows["documents"].values() for row in splits if row["id"] == "doc-tehran")
        longest = max(document["entities"], key=lambda entity: entity["end"] - entity["start"])
        for row in ner_rows(rows, "doc-tehran"):
            if longest["start"] in row["token_starts"]:
                first = row["token_starts"].index(longest["start"])
                tags = row["ner_tags"]
                assert tags[first] % 2 == 1 and tags[first + 1] == tags[first] + 1  # B-ORG I-ORG
                tags[first:first + 2] = [0, tags[first]]  # O B-ORG
                return
        raise AssertionError("no token starts the longest entity")

    assert screen_passes(batch)
    broken = edited(batch, shorter_wins)
    assert not screen_passes(broken)
    found = findings(broken, screened=True)
    assert any("tagged" in line for line in found)
    assert found == findings(broken, screened=False)


def test_random_one_value_changes_are_reported_as_without_the_screen(batch: Batch) -> None:
    """Beyond the named corruptions: 150 seeded random edits (a value changed or emptied, a list
    item dropped, two rows swapped) give the same findings with the screen as without it."""
    rng = random.Random(16)

    def leaves(value: Any) -> list[tuple[Any, Any]]:
        """(container, key) of every value inside ``value``."""
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        found = []
        for key, inner in items:
            found += [(value, key), *leaves(inner)]
        return found

    def changed(value: Any) -> Any:
        if isinstance(value, bool):
            return not value
        if isinstance(value, int):
            return rng.choice([value + 1, value - 1, 0, -1, None])
        if isinstance(value, str):
            return rng.choice([value + "x", "", value[:-1], " " + value, None])
        return None

    def change(rows: Rows) -> None:
        table = rng.choice([table for splits in rows.values() for table in splits.values() if table])
        row = rng.choice(table)
        draw = rng.random()
        if draw < 0.1:
            table.append(table.pop(rng.randrange(len(table))))
            return
        if draw < 0.2 and (lists := [(c, k) for c, k in leaves(row) if isinstance(c[k], list) and c[k]]):
            container, key = rng.choice(lists)
            del container[key][rng.randrange(len(container[key]))]
            return
        container, key = rng.choice([(c, k) for c, k in leaves(row) if not isinstance(c[k], (dict, list))])
        container[key] = changed(container[key])

    compared = 0
    for _ in range(150):
        try:
            broken = edited(batch, change)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
            continue  # not a value of the column's type: no writer could make it
        assert findings(broken, screened=True) == findings(broken, screened=False)
        compared += 1
    assert compared > 100
