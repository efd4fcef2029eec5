"""Push against a real Label Studio: idempotent imports, predictions, safe config updates, gold files,
and pushes that are killed, lose an answer, or run at the same time."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from label_studio_sdk import LabelStudio

from annotate.cli import main
from annotate.corpus.reader import Document, load_corpus
from annotate.errors import AnnotationError, ConnectionProblem, ProjectError
from annotate.scheme.label_config import label_config
from annotate.scheme.schema import ENTITIES_NAME, TEXT_NAME, Schema, parse_schema
from annotate.studio.api import fetch_tasks, find_project, list_tasks
from annotate.studio.push import push
from annotate.studio.task_import import remove_duplicates, task_data
from tests.processes import interruptible

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "schemas" / "arms_news.yaml"


def unique_title(name: str) -> str:
    return f"{name[:30]}-{uuid.uuid4().hex[:8]}"


def article(number: int, extra: str = "") -> str:
    return (f"Report {number}\r\nOn Thursday Moscow said the S-400 batch {number} left for Tehran. {extra}"
            f"Officials expect {number + 2} systems by March 2026.\n")


def make_documents(count: int, prefix: str = "doc") -> list[Document]:
    documents = []
    for number in range(count):
        text = article(number)
        documents.append(Document(id=f"{prefix}-{number:04d}", title=f"Report {number}", text=text,
                                  source=f"{prefix}.jsonl", sha256=hashlib.sha256(text.encode()).hexdigest(),
                                  line=number + 1, meta={"outlet": "wire"}))
    return documents


def write_corpus(folder: Path, count: int, prefix: str = "doc") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "articles.jsonl"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        for number in range(count):
            handle.write(json.dumps({"id": f"{prefix}-{number:04d}", "title": f"Report {number}",
                                     "text": article(number)}) + "\n")
    return path


def document_counts(client, project_id: int) -> Counter:
    return Counter(task.document_id for task in list_tasks(client, project_id))


def all_tasks(client, project_id: int) -> list[dict[str, Any]]:
    return fetch_tasks(client, project_id, [task.id for task in list_tasks(client, project_id)])


def predictions_per_task(client, project_id: int) -> list[int]:
    pager = client.tasks.list(project=project_id, fields="all", include="id,predictions", page_size=1000)
    return [len(task.predictions or []) for task in pager.items]


def entity(text: str, string: str, label: str, region: str = "r1") -> dict[str, Any]:
    start = text.index(string)
    return {"id": region, "from_name": ENTITIES_NAME, "to_name": TEXT_NAME, "type": "labels",
            "value": {"start": start, "end": start + len(string), "text": string, "labels": [label]}}


def cli_env(label_studio) -> dict[str, str]:
    env = dict(os.environ)
    env.update(LABEL_STUDIO_URL=label_studio.url, LABEL_STUDIO_API_KEY=label_studio.api_key,
               PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""))
    return env


def cli_push(corpus: Path, title: str, data_dir: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "annotate", "push", "--corpus", str(corpus), "--schema", str(SCHEMA_FILE),
            "--project", title, "--data-dir", str(data_dir), *extra]


# --- idempotency and predictions ------------------------------------------------------------------


def test_pushing_twice_gives_one_task_per_document_with_one_prediction_each(ls_client, schema, tmp_path):
    documents = make_documents(7)
    title = unique_title("twice")
    reports = []
    first = push(client=ls_client, schema=schema, documents=documents, project_title=title, batch_size=3,
                 data_dir=tmp_path, progress=lambda done, total: reports.append((done, total)))
    second = push(client=ls_client, schema=schema, documents=documents, project_title=title, data_dir=tmp_path)

    assert (first.created, first.imported, first.already_present, first.predictions) == (True, 7, 0, 7)
    assert (second.created, second.imported, second.already_present, second.predictions) == (False, 0, 7, 0)
    assert second.project_id == first.project_id
    assert reports[0] == (0, 7) and reports[-1] == (7, 7)
    assert document_counts(ls_client, first.project_id) == Counter(d.id for d in documents)
    assert predictions_per_task(ls_client, first.project_id) == [1] * 7
    assert first.project_url.endswith(f"/projects/{first.project_id}/data?labeling=1")


def test_tasks_carry_the_exact_text_and_document_fields(ls_client, schema, tmp_path):
    text = "Ünïcode 😀👍🏽\r\nMoscow\r\n\r\nsaid the S-300 <script>alert(1)</script> arrived.  "
    document = Document(id="exact-1", title="Exact", text=text, source="x.txt",
                        sha256=hashlib.sha256(text.encode()).hexdigest(), meta={"outlet": "wire", "year": 2015})
    result = push(client=ls_client, schema=schema, documents=[document], project_title=unique_title("exact"),
                  data_dir=tmp_path)
    (task,) = all_tasks(ls_client, result.project_id)
    assert task["data"] == task_data(document)
    prediction = ls_client.predictions.list(task=task["id"])[0]
    assert prediction.model_version == f"patterns-{schema.fingerprint[:12]}"
    for item in prediction.result:
        value = item["value"]
        assert text[value["start"]:value["end"]] == value["text"]


def test_no_preannotate_imports_without_predictions(ls_client, schema, tmp_path):
    result = push(client=ls_client, schema=schema, documents=make_documents(3), project_title=unique_title("nopre"),
                  preannotate=False, data_dir=tmp_path)
    assert result.predictions == 0 and result.model_version is None
    assert predictions_per_task(ls_client, result.project_id) == [0, 0, 0]


def test_new_project_gets_config_guidelines_and_schema_fingerprint(ls_client, schema, tmp_path):
    result = push(client=ls_client, schema=schema, documents=make_documents(1), project_title=unique_title("new"),
                  data_dir=tmp_path)
    project = ls_client.projects.get(id=result.project_id)
    assert project.label_config.strip() == label_config(schema).strip()
    assert project.show_instruction and schema.entities[0].definition.split()[0] in project.expert_instruction
    assert schema.fingerprint in project.description and schema.version in project.description
    assert project.maximum_annotations == 1 and result.overlap == 1


def test_project_is_found_by_its_recorded_id_after_a_rename(ls_client, schema, tmp_path):
    title = unique_title("renamed")
    first = push(client=ls_client, schema=schema, documents=make_documents(2), project_title=title, data_dir=tmp_path)
    ls_client.projects.update(id=first.project_id, title=unique_title("renamed-in-ui"))
    second = push(client=ls_client, schema=schema, documents=make_documents(3), project_title=title, data_dir=tmp_path)
    assert (second.project_id, second.created, second.imported) == (first.project_id, False, 1)


def test_two_projects_with_the_same_title_are_refused(ls_client, schema, tmp_path):
    title = unique_title("twins")
    for _ in range(2):
        ls_client.projects.create(title=title, label_config=label_config(schema))
    with pytest.raises(ProjectError, match="2 projects .* are titled"):
        push(client=ls_client, schema=schema, documents=make_documents(1), project_title=title, data_dir=tmp_path)


def test_annotation_memory_proposes_strings_annotators_labelled_in_new_documents(ls_client, schema, tmp_path):
    title = unique_title("memory")
    first_text = "Zorblax Dynamics will deliver the radars."
    first = Document(id="m-1", title="m1", text=first_text, source="m.jsonl", sha256="0")
    result = push(client=ls_client, schema=schema, documents=[first], project_title=title, data_dir=tmp_path)
    (task,) = list_tasks(ls_client, result.project_id)
    ls_client.annotations.create(id=task.id, result=[entity(first_text, "Zorblax Dynamics", "ORG")])

    second_text = "Officials at Zorblax Dynamics in Moscow denied it."
    second = Document(id="m-2", title="m2", text=second_text, source="m.jsonl", sha256="1")
    again = push(client=ls_client, schema=schema, documents=[first, second], project_title=title, data_dir=tmp_path)
    assert again.memory_strings == 1 and again.model_version.startswith("memory+patterns-")
    new_task = next(t for t in list_tasks(ls_client, result.project_id) if t.document_id == "m-2")
    (prediction,) = ls_client.predictions.list(task=new_task.id)
    found = {(r["value"]["text"], r["value"]["labels"][0]) for r in prediction.result}
    assert ("Zorblax Dynamics", "ORG") in found and ("Moscow", "GPE") in found


# --- overlap --------------------------------------------------------------------------------------


def task_overlaps(client, project_id: int) -> list[int]:
    return [client.tasks.get(id=task.id).overlap for task in list_tasks(client, project_id)]


def test_overlap_sets_how_many_annotators_see_each_document_and_is_kept_when_not_given(ls_client, schema,
                                                                                       tmp_path):
    title = unique_title("overlap")
    first = push(client=ls_client, schema=schema, documents=make_documents(2), project_title=title, overlap=3,
                 data_dir=tmp_path)
    assert ls_client.projects.get(id=first.project_id).maximum_annotations == 3 and first.overlap == 3
    assert task_overlaps(ls_client, first.project_id) == [3, 3]

    kept = push(client=ls_client, schema=schema, documents=make_documents(3), project_title=title, data_dir=tmp_path)
    assert ls_client.projects.get(id=first.project_id).maximum_annotations == 3 and kept.overlap == 3
    assert task_overlaps(ls_client, first.project_id) == [3, 3, 3]

    lowered = push(client=ls_client, schema=schema, documents=make_documents(3), project_title=title, overlap=2,
                   data_dir=tmp_path)
    assert ls_client.projects.get(id=first.project_id).maximum_annotations == 2 and lowered.overlap == 2
    assert task_overlaps(ls_client, first.project_id) == [2, 2, 2]


def test_overlap_below_one_is_refused_before_anything_changes(ls_client, schema, tmp_path):
    title = unique_title("overlap-zero")
    with pytest.raises(ProjectError, match="overlap must be at least 1 annotator per document, got 0"):
        push(client=ls_client, schema=schema, documents=make_documents(1), project_title=title, overlap=0,
             data_dir=tmp_path)
    assert find_project(ls_client, title) is None


@pytest.mark.parametrize("value", ["0", "-2", "two"])
def test_cli_overlap_that_is_not_a_positive_whole_number_is_a_usage_error(value, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["push", "--overlap", value])
    assert caught.value.code == 2
    assert "argument --overlap:" in capsys.readouterr().err


# --- config updates ---------------------------------------------------------------------------------


def renamed_label(schema: Schema, old: str, new: str) -> Schema:
    raw = copy.deepcopy(schema.source)
    for item in raw["entities"]:
        if item["label"] == old:
            item["label"] = new
    return parse_schema(raw)


def test_config_change_that_drops_a_used_label_is_refused(ls_client, schema, tmp_path):
    title = unique_title("orphan")
    documents = make_documents(2)
    result = push(client=ls_client, schema=schema, documents=documents, project_title=title, data_dir=tmp_path)
    task = list_tasks(ls_client, result.project_id)[0]
    text = next(d.text for d in documents if d.id == task.document_id)
    ls_client.annotations.create(id=task.id, result=[entity(text, "S-400", "WEAPON")])

    with pytest.raises(ProjectError, match=r"'WEAPON' of 'entities' in 1 region\(s\), e\.g\. task") as caught:
        push(client=ls_client, schema=renamed_label(schema, "WEAPON", "ARMS"), documents=make_documents(3),
             project_title=title, data_dir=tmp_path)
    assert "removed or renamed" in str(caught.value)
    assert ls_client.projects.get(id=result.project_id).label_config.strip() == label_config(schema).strip()
    assert len(list_tasks(ls_client, result.project_id)) == 2  # nothing imported either


def test_config_change_that_orphans_nothing_is_applied(ls_client, schema, tmp_path):
    title = unique_title("safe-config")
    push(client=ls_client, schema=schema, documents=make_documents(1), project_title=title, data_dir=tmp_path)
    changed = renamed_label(schema, "EVENT", "HAPPENING")  # no annotation uses EVENT
    result = push(client=ls_client, schema=changed, documents=make_documents(1), project_title=title,
                  data_dir=tmp_path)
    assert result.config_updated
    project = ls_client.projects.get(id=result.project_id)
    assert 'value="HAPPENING"' in project.label_config and changed.fingerprint in project.description


# --- gold annotations ---------------------------------------------------------------------------------


DOCUMENT_STANCE = {"from_name": "doc_stance", "to_name": TEXT_NAME, "type": "choices", "value": {"choices": ["NONE"]}}


def gold_file(path: Path, entries: list[tuple[Document, list[dict], bool]]) -> Path:
    """A gold file of complete annotations (the schema requires a document stance)."""
    tasks = [{"id": 900 + n, "data": {**task_data(document), "text": document.text},
              "annotations": [{"id": 77, "completed_by": 12345, "result": [*result, DOCUMENT_STANCE],
                               "ground_truth": ground_truth,
                               "was_cancelled": False, "lead_time": 4.5}]}
             for n, (document, result, ground_truth) in enumerate(entries)]
    path.write_text(json.dumps(tasks), encoding="utf-8")
    return path


def test_gold_file_is_imported_as_annotations_once_with_ground_truth_kept(ls_client, schema, tmp_path):
    title = unique_title("gold")
    documents = make_documents(3)
    push(client=ls_client, schema=schema, documents=documents[:2], project_title=title, data_dir=tmp_path)
    existing, new = documents[0], documents[2]
    gold = gold_file(tmp_path / "gold.json", [
        (existing, [entity(existing.text, "Moscow", "GPE")], True),
        (new, [entity(new.text, "Tehran", "GPE")], False),
    ])
    first = push(client=ls_client, schema=schema, documents=documents, project_title=title, annotations_path=gold,
                 data_dir=tmp_path)
    second = push(client=ls_client, schema=schema, documents=documents, project_title=title, annotations_path=gold,
                  data_dir=tmp_path)

    assert (first.annotations_imported, first.annotations_already_present) == (2, 0)
    assert (second.annotations_imported, second.annotations_already_present) == (0, 2)
    by_document = {t["data"]["document_id"]: t for t in all_tasks(ls_client, first.project_id)}
    (on_existing,) = by_document[existing.id]["annotations"]
    (on_new,) = by_document[new.id]["annotations"]
    assert on_existing["ground_truth"] is True and on_new["ground_truth"] is False
    assert on_existing["result"][0]["value"]["labels"] == ["GPE"]
    assert [len(t["annotations"]) for t in by_document.values()].count(0) == 1
    assert ls_client.predictions.list(task=by_document[new.id]["id"])  # a gold document is pre-annotated too


def test_gold_file_whose_text_differs_from_the_corpus_is_refused_before_anything_changes(ls_client, schema, tmp_path):
    documents = make_documents(2)
    changed = Document(id=documents[0].id, title="x", text=documents[0].text.replace("\r\n", "\n"),
                       source="x", sha256="x")
    gold = gold_file(tmp_path / "gold.json", [(changed, [entity(changed.text, "Moscow", "GPE")], True)])
    title = unique_title("gold-refused")
    with pytest.raises(AnnotationError, match=r"task 900 \(document doc-0000\): data.text differs .* character 8"):
        push(client=ls_client, schema=schema, documents=documents, project_title=title, annotations_path=gold,
             data_dir=tmp_path)
    assert find_project(ls_client, title) is None


def test_gold_file_naming_an_unknown_document_is_refused(ls_client, schema, tmp_path):
    stranger = make_documents(1, prefix="stranger")[0]
    gold = gold_file(tmp_path / "gold.json", [(stranger, [], True)])
    with pytest.raises(AnnotationError, match="document stranger-0000.*not in the corpus") as caught:
        push(client=ls_client, schema=schema, documents=make_documents(2), project_title=unique_title("gold-unknown"),
             annotations_path=gold, data_dir=tmp_path)
    assert len(caught.value.problems) == 1


# --- faults -------------------------------------------------------------------------------------------


class FaultyImports(httpx.BaseTransport):
    """The real network, except that import requests fail as ``fault(number, forward)`` decides."""

    def __init__(self, fault) -> None:
        self._network = httpx.HTTPTransport()
        self._fault = fault
        self.imports: list[int] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/import"):
            request.read()
            self.imports.append(len(json.loads(request.content)))
            return self._fault(len(self.imports), lambda: self._network.handle_request(request))
        return self._network.handle_request(request)


def client_through(label_studio, transport: httpx.BaseTransport) -> LabelStudio:
    return LabelStudio(base_url=label_studio.url, api_key=label_studio.api_key,
                       httpx_client=httpx.Client(transport=transport, timeout=60))


def test_import_whose_answer_is_lost_is_not_sent_twice(label_studio, ls_client, schema, tmp_path):
    """The server imports the batch but the answer is lost (a 503 from a proxy): only what is missing is re-sent."""
    def lose_first_answer(number, forward):
        answer = forward()
        if number == 1:
            answer.read()
            return httpx.Response(503, json={"detail": "proxy lost the answer"})
        return answer

    transport = FaultyImports(lose_first_answer)
    documents = make_documents(6)
    result = push(client=client_through(label_studio, transport), schema=schema, documents=documents,
                  project_title=unique_title("lost"), batch_size=4, data_dir=tmp_path)
    assert transport.imports == [4, 2]  # the lost batch was not sent again, nor retried by the SDK
    assert result.imported == 6
    assert document_counts(ls_client, result.project_id) == Counter(d.id for d in documents)
    assert predictions_per_task(ls_client, result.project_id) == [1] * 6


def test_import_that_keeps_failing_stops_with_one_clear_line_and_a_rerun_completes(label_studio, ls_client, schema,
                                                                                   tmp_path):
    def refuse(number, forward):
        raise httpx.ConnectError("connection refused")

    documents = make_documents(3)
    title = unique_title("down")
    transport = FaultyImports(refuse)
    with pytest.raises(ConnectionProblem, match="failed after 4 attempts.*run the same push again") as caught:
        push(client=client_through(label_studio, transport), schema=schema, documents=documents,
             project_title=title, data_dir=tmp_path)
    assert "\n" not in str(caught.value) and len(transport.imports) == 4
    result = push(client=ls_client, schema=schema, documents=documents, project_title=title, data_dir=tmp_path)
    assert (result.created, result.imported) == (False, 3)


def test_duplicates_keep_the_annotated_copy_and_drop_unannotated_ones(ls_client, schema, tmp_path):
    documents = make_documents(3)
    result = push(client=ls_client, schema=schema, documents=documents, project_title=unique_title("dupes"),
                  data_dir=tmp_path)
    copies = [{"data": task_data(document)} for document in documents[:2] for _ in range(2)]
    ls_client.projects.import_tasks(id=result.project_id, request=copies)
    annotated_copy = max(t.id for t in list_tasks(ls_client, result.project_id) if t.document_id == documents[0].id)
    ls_client.annotations.create(id=annotated_copy, result=[entity(documents[0].text, "Moscow", "GPE")])

    removed, left = remove_duplicates(ls_client, result.project_id)
    assert (removed, left) == (4, ())
    tasks = list_tasks(ls_client, result.project_id)
    assert Counter(t.document_id for t in tasks) == Counter(d.id for d in documents)
    assert annotated_copy in {t.id for t in tasks}


def test_removing_duplicates_never_deletes_a_copy_that_holds_a_draft(ls_client, schema, tmp_path):
    documents = make_documents(2)
    result = push(client=ls_client, schema=schema, documents=documents, project_title=unique_title("drafts"),
                  data_dir=tmp_path)
    ls_client.projects.import_tasks(id=result.project_id, request=[{"data": task_data(documents[0])}])
    drafted = max(t.id for t in list_tasks(ls_client, result.project_id) if t.document_id == documents[0].id)
    # An annotator started on the copy a concurrent push made, and has not submitted yet (the SDK has
    # no drafts call: post what the labeling page posts).
    response = ls_client._client_wrapper.httpx_client.request(  # noqa: SLF001
        f"api/tasks/{drafted}/drafts", method="POST",
        json={"result": [entity(documents[0].text, "Moscow", "GPE")], "lead_time": 3.5})
    assert response.status_code == 201

    removed, left = remove_duplicates(ls_client, result.project_id)
    assert (removed, left) == (0, (documents[0].id,))
    assert drafted in {t.id for t in list_tasks(ls_client, result.project_id)}


def wait_for_tasks(client, title: str, at_least: int, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        project = find_project(client, title)
        if project is not None:
            count = len(list_tasks(client, project.id))
            if count >= at_least:
                return count
        time.sleep(0.05)
    raise AssertionError(f"no {at_least} tasks in {title!r} after {timeout} s")


def test_killed_push_run_again_ends_with_every_document_once(label_studio, ls_client, tmp_path):
    count = 150
    corpus = write_corpus(tmp_path / "corpus", count)
    title = unique_title("killed")
    process = subprocess.Popen(cli_push(corpus, title, tmp_path / "data", "--batch-size", "2"),
                               env=cli_env(label_studio), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_tasks(ls_client, title, at_least=4)
        assert process.poll() is None, "the push finished before it could be killed"
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    project = find_project(ls_client, title)
    assert 0 < len(list_tasks(ls_client, project.id)) < count

    rerun = subprocess.run(cli_push(corpus, title, tmp_path / "data"), env=cli_env(label_studio),
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    expected = Counter(d.id for d in load_corpus(corpus).documents)
    assert document_counts(ls_client, project.id) == expected
    assert predictions_per_task(ls_client, project.id) == [1] * count


def test_ctrl_c_during_a_push_says_how_many_documents_were_imported_and_running_again_finishes(
        label_studio, ls_client, tmp_path):
    count = 150
    corpus = write_corpus(tmp_path / "corpus", count)
    title = unique_title("ctrl-c")
    process = subprocess.Popen(cli_push(corpus, title, tmp_path / "data", "--batch-size", "2"),
                               env=cli_env(label_studio), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=interruptible)
    try:
        wait_for_tasks(ls_client, title, at_least=4)
        assert process.poll() is None, "the push finished before it could be interrupted"
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    project = find_project(ls_client, title)
    there = len(list_tasks(ls_client, project.id))
    assert process.returncode == 130
    last = err.strip().splitlines()[-1]
    assert last == (f"error: interrupted after {there} of {count} documents were imported; run the same command "
                    "again to finish (documents already there are not imported twice)"), err
    assert 0 < there < count

    rerun = subprocess.run(cli_push(corpus, title, tmp_path / "data"), env=cli_env(label_studio),
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"documents: {count - there} imported, {there} already there" in rerun.stdout
    assert document_counts(ls_client, project.id) == Counter(d.id for d in load_corpus(corpus).documents)


@pytest.mark.parametrize("shared_data_dir", [True, False], ids=["same-folder", "different-folders"])
def test_two_pushes_at_the_same_time_do_not_duplicate(label_studio, ls_client, tmp_path, shared_data_dir):
    count = 40
    corpus = write_corpus(tmp_path / "corpus", count)
    title = unique_title("concurrent")
    folders = [tmp_path / "data", tmp_path / "data"] if shared_data_dir else [tmp_path / "a", tmp_path / "b"]
    processes = [subprocess.Popen(cli_push(corpus, title, folder, "--batch-size", "5"), env=cli_env(label_studio),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for folder in folders]
    outputs = [process.communicate(timeout=300) for process in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    project = find_project(ls_client, title)  # also proves there is exactly one such project
    assert document_counts(ls_client, project.id) == Counter(d.id for d in load_corpus(corpus).documents)
    assert predictions_per_task(ls_client, project.id) == [1] * count


def test_cli_push_prints_a_summary_with_the_overlap_and_where_to_annotate(label_studio, tmp_path):
    corpus = write_corpus(tmp_path / "corpus", 3)
    title = unique_title("cli")
    done = subprocess.run(cli_push(corpus, title, tmp_path / "data", "--overlap", "2"), env=cli_env(label_studio),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"project '{title}'" in done.stdout and "3 imported, 0 already there" in done.stdout
    assert "2 annotators per document" in done.stdout
    assert f"annotate at {label_studio.url}/projects/" in done.stdout
    assert label_studio.api_key not in done.stdout + done.stderr
