"""``push --annotations FILE`` refuses what ``annotate export`` would refuse, before anything changes.

Each annotation of a gold file goes through the export's own checks (``convert_task``); every
problem is listed, naming the task and annotation by their Label Studio ids (by position only when
the file has none). A cancelled annotation need not be complete, as in the export. The refusal
comes before the project is made or touched, through the library and the command line.
"""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from annotate.cli import main
from annotate.conversion.convert import AnnotatorNames, convert_task
from annotate.conversion.problems import FIX
from annotate.corpus.reader import Document, load_corpus
from annotate.errors import AnnotationError
from annotate.scheme.schema import (
    CLAIM_STANCE_NAME,
    CLAIMS_NAME,
    DOCUMENT_STANCE_NAME,
    ENTITIES_NAME,
    TEXT_NAME,
)
from annotate.studio.annotation_file import read_annotations_file
from annotate.studio.api import count_tasks, fetch_tasks, find_project, list_tasks
from annotate.studio.push import push

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "schemas" / "arms_news.yaml"
ARTICLES = {
    "j7": "Moscow said on Thursday that the S-400 batch left for Tehran.",
    "j8": "Official in Iran said the S-300 deliveries will start in March; Moscow confirmed it.",
}


@pytest.fixture
def corpus(tmp_path) -> Path:
    path = tmp_path / "corpus" / "articles.jsonl"
    path.parent.mkdir()
    path.write_text("".join(json.dumps({"id": key, "title": key, "text": text}) + "\n"
                            for key, text in ARTICLES.items()), encoding="utf-8")
    return path.parent


@pytest.fixture
def documents(corpus) -> dict[str, Document]:
    return {document.id: document for document in load_corpus(corpus).documents}


def span(region: str, document: str, string: str, label: str, *, shift: int = 0, name: str = ENTITIES_NAME) -> dict:
    start = ARTICLES[document].index(string) + shift
    return {"id": region, "from_name": name, "to_name": TEXT_NAME, "type": "labels",
            "value": {"start": start, "end": start + len(string), "text": string, "labels": [label]}}


def choice(region: str | None, name: str, value: str) -> dict[str, Any]:
    item = {"from_name": name, "to_name": TEXT_NAME, "type": "choices", "value": {"choices": [value]}}
    return {**item, "id": region} if region else item


def complete_result(document: str) -> list[dict[str, Any]]:
    """An annotation the export accepts: one entity, one claim with its required choices, a stance."""
    claim = "S-300 deliveries will start in March" if document == "j8" else "the S-400 batch left for Tehran"
    return [span("e1", document, "Moscow", "GPE"), span("c1", document, claim, "CLAIM", name=CLAIMS_NAME),
            choice("c1", CLAIM_STANCE_NAME, "FAVOR"), choice("c1", "claim_type", "FACT"),
            {"type": "relation", "from_id": "c1", "to_id": "e1", "direction": "right"},
            choice(None, DOCUMENT_STANCE_NAME, "NONE")]


def broken_result() -> list[dict[str, Any]]:
    """The new-user trial's annotation of j8: an off-by-one span, an unknown label, a relation to
    a missing region and a claim without a stance (four problems for the export)."""
    return [span("r1", "j8", "Iran", "GPE", shift=1), span("t1", "j8", "S-300", "TANK"),
            span("c1", "j8", "S-300 deliveries will start in March", "CLAIM", name=CLAIMS_NAME),
            choice("c1", "claim_type", "PREDICTION"),
            {"type": "relation", "from_id": "c1", "to_id": "zz9", "direction": "right"},
            choice(None, DOCUMENT_STANCE_NAME, "NONE")]


def task(document: str, annotations: list[dict[str, Any]], task_id: int | None) -> dict[str, Any]:
    found = {"data": {"document_id": document, "text": ARTICLES[document]}, "annotations": annotations}
    return {**found, "id": task_id} if task_id is not None else found


def annotation(result: list[dict[str, Any]], annotation_id: int | None, *, cancelled: bool = False) -> dict:
    found = {"completed_by": 3, "result": result, "ground_truth": True, "was_cancelled": cancelled}
    return {**found, "id": annotation_id} if annotation_id is not None else found


def write(path: Path, tasks: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(tasks), encoding="utf-8")
    return path


def bad_file(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """A file whose first task is fine and whose second (Label Studio task 11, annotation 9) is not."""
    broken = task("j8", [annotation(broken_result(), 9)], task_id=11)
    path = write(tmp_path / "bad8.json", [task("j7", [annotation(complete_result("j7"), 4)], task_id=5), broken])
    return path, broken


def refusal(path: Path, documents, schema) -> AnnotationError:
    with pytest.raises(AnnotationError) as caught:
        read_annotations_file(path, documents, schema)
    return caught.value


# --- the checks, on the file alone ----------------------------------------------------------------------------


def test_every_problem_the_export_finds_is_listed_by_task_and_annotation_id(tmp_path, documents, schema):
    path, broken = bad_file(tmp_path)
    _, expected = convert_task(copy.deepcopy(broken), schema, names=AnnotatorNames(), predictions=False)
    assert {problem.region_id for problem in expected} == {"r1", "t1", "zz9", "c1"}  # the four defects

    error = refusal(path, documents, schema)

    assert f"{len(expected)} problems" in str(error) and "nothing was pushed" in str(error)
    assert len(error.problems) == len(expected)
    for line, problem in zip(error.problems, expected, strict=True):
        assert line.startswith(f"{path}: task 11 (document j8) annotation 9 region {problem.region_id}: ")
        assert problem.message.split(FIX)[0] in line


def test_a_file_without_ids_names_the_task_and_annotation_by_position(tmp_path, documents, schema):
    path = write(tmp_path / "no-ids.json", [task("j7", [annotation(complete_result("j7"), None)], task_id=None),
                                            task("j8", [annotation(complete_result("j8"), None),
                                                        annotation(broken_result(), None)], task_id=None)])

    error = refusal(path, documents, schema)

    assert error.problems and all(line.startswith(f"{path}: task #2 in the file (document j8) annotation #2 in the "
                                                  "task region ") for line in error.problems)


def test_a_cancelled_annotation_need_not_be_complete_as_in_the_export(tmp_path, documents, schema):
    unfinished = [span("c1", "j8", "S-300 deliveries will start in March", "CLAIM", name=CLAIMS_NAME)]
    skipped = write(tmp_path / "skipped.json", [task("j8", [annotation(unfinished, 1, cancelled=True)], 3)])
    finished = write(tmp_path / "finished.json", [task("j8", [annotation(unfinished, 1)], 3)])

    gold = read_annotations_file(skipped, documents, schema)

    assert [(a["result"], a["was_cancelled"]) for a in gold["j8"]] == [(unfinished, True)]
    error = refusal(finished, documents, schema)
    assert error.problems and all(" annotation 1 region c1: claim has no" in line or "no document stance" in line
                                  for line in error.problems)


def test_the_seed_gold_file_passes_every_check(schema):
    gold_file = ROOT / "gold" / "seeds.json"
    seeds = {document.id: document for document in load_corpus(ROOT / "seeds").documents}

    gold = read_annotations_file(gold_file, seeds, schema)

    in_file = {t["data"]["document_id"]: len(t["annotations"]) for t in json.loads(gold_file.read_text("utf-8"))}
    assert {document: len(annotations) for document, annotations in gold.items()} == in_file


# --- against the real server --------------------------------------------------------------------------------


def unique_title(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def test_a_refused_file_creates_no_project(ls_client, tmp_path, documents, schema):
    path, _ = bad_file(tmp_path)
    title = unique_title("gold-bad-new")

    with pytest.raises(AnnotationError):
        push(client=ls_client, schema=schema, documents=list(documents.values()), project_title=title,
             annotations_path=path, preannotate=False, data_dir=tmp_path)

    assert find_project(ls_client, title) is None


def test_a_refused_file_leaves_an_existing_project_as_it_was(ls_client, tmp_path, documents, schema):
    path, _ = bad_file(tmp_path)
    title = unique_title("gold-bad-old")
    first = push(client=ls_client, schema=schema, documents=[documents["j7"]], project_title=title,
                 preannotate=False, data_dir=tmp_path)

    with pytest.raises(AnnotationError):
        push(client=ls_client, schema=schema, documents=list(documents.values()), project_title=title,
             annotations_path=path, preannotate=False, data_dir=tmp_path)

    assert count_tasks(ls_client, first.project_id) == 1
    assert [t.annotations for t in list_tasks(ls_client, first.project_id)] == [0]


def test_a_file_the_export_accepts_is_imported_and_pulls_back_without_problems(ls_client, tmp_path, documents,
                                                                               schema):
    path = write(tmp_path / "good.json", [task(key, [annotation(complete_result(key), 1)], n)
                                          for n, key in enumerate(ARTICLES, start=1)])
    title = unique_title("gold-good")

    result = push(client=ls_client, schema=schema, documents=list(documents.values()), project_title=title,
                  annotations_path=path, preannotate=False, data_dir=tmp_path)

    assert result.annotations_imported == len(ARTICLES)
    tasks = fetch_tasks(ls_client, result.project_id, [t.id for t in list_tasks(ls_client, result.project_id)])
    names = AnnotatorNames()
    assert all(convert_task(pulled, schema, names=names, predictions=False)[1] == [] for pulled in tasks)


def test_the_command_lists_every_problem_then_one_error_line_and_creates_nothing(label_studio, ls_client, tmp_path,
                                                                                corpus, capsys):
    path, _ = bad_file(tmp_path)
    title = unique_title("gold-bad-cli")

    code = main(["push", "--corpus", str(corpus), "--schema", str(SCHEMA_FILE), "--project", title,
                 "--annotations", str(path), "--url", label_studio.url, "--api-key", label_studio.api_key,
                 "--data-dir", str(tmp_path / "data")])

    printed = capsys.readouterr()
    *problems, error = printed.err.splitlines()
    assert code != 0 and printed.out == "" and "Traceback" not in printed.err
    assert error.startswith(f"error: {path}: {len(problems)} problems in the annotations; nothing was pushed")
    assert len(problems) > 1 and all(line.startswith(f"{path}: task 11 (document j8) annotation 9 region ")
                                     for line in problems)
    assert find_project(ls_client, title) is None
