"""A second pull against a real Label Studio fetches only what changed and writes what a full pull writes."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from annotate.cli import main
from annotate.release.export import export
from annotate.scheme.schema import DOCUMENT_STANCE_NAME, TEXT_NAME
from annotate.studio.api import list_tasks
from annotate.studio.changes import Tallies
from annotate.studio.incremental_pull import FullPullNeeded, MergeStats, _check, _write, merged_tasks
from annotate.studio.pulled_file import TaskStore
from annotate.studio.pull import meta_path_for, pull
from annotate.studio.push import push
from tests.studio.test_pull import document, span, unique_title

TEXTS = {f"d{number}": f"Moscow and Tehran met in round {number}. Iran waited for the S-300." for number in range(8)}


def without_created_ago(path: Path) -> str:
    """The file's text without the one field Label Studio computes at each snapshot."""
    return re.sub(r'"created_ago": "[^"]*", ', "", path.read_text(encoding="utf-8"))


def as_pulled(path: Path) -> dict[int, dict[str, Any]]:
    """The file's tasks by id, without the one field Label Studio computes at each snapshot
    (a prediction's ``created_ago``, "how long ago" in words)."""
    tasks = json.loads(path.read_text(encoding="utf-8"))
    for task in tasks:
        for prediction in task.get("predictions") or ():
            prediction.pop("created_ago", None)
    return {task["id"]: task for task in tasks}


def marked(doc_id: str, string: str, region: str) -> list[dict[str, Any]]:
    """An annotation's result: one place, and the article's stance."""
    stance = {"id": f"s{region}", "from_name": DOCUMENT_STANCE_NAME, "to_name": TEXT_NAME, "type": "choices",
              "value": {"choices": ["NONE"]}}
    return [span(TEXTS[doc_id], string, "GPE", region), stance]


def data_files(root: Path) -> dict[str, str]:
    return {str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*.parquet"))}


@pytest.fixture
def annotated(ls_client, schema, tmp_path) -> tuple[int, dict[str, int]]:
    """A project of eight documents: three annotated, one skipped; its id and task ids by document."""
    documents = [document(doc_id, text) for doc_id, text in TEXTS.items()]
    result = push(client=ls_client, schema=schema, documents=documents, project_title=unique_title("again"),
                  data_dir=tmp_path / "data")
    tasks = {task.document_id: task.id for task in list_tasks(ls_client, result.project_id)}
    for doc_id in ("d0", "d1", "d2"):
        ls_client.annotations.create(id=tasks[doc_id], result=marked(doc_id, "Moscow", f"m{doc_id}"))
    ls_client.annotations.create(id=tasks["d3"], result=[], was_cancelled=True)
    return result.project_id, tasks


def change_one_of_each_kind(client: Any, schema: Any, project_id: int, tasks: dict[str, int], tmp_path: Path) -> None:
    """Added, updated and deleted annotations, a skip, a draft, a deleted task and a new one."""
    client.annotations.create(id=tasks["d4"], result=marked("d4", "Tehran", "t4"))
    (first,) = client.annotations.list(id=tasks["d1"])
    client.annotations.update(id=first.id, result=marked("d1", "Iran", "i1"))
    (second,) = client.annotations.list(id=tasks["d2"])
    client.annotations.delete(id=second.id)
    client.annotations.create(id=tasks["d5"], result=[], was_cancelled=True)
    response = client._client_wrapper.httpx_client.request(  # noqa: SLF001 - what the labeling page posts
        f"api/tasks/{tasks['d6']}/drafts", method="POST",
        json={"result": marked("d6", "Tehran", "t6"), "lead_time": 2.0})
    assert response.status_code == 201
    title = client.projects.get(id=project_id).title
    push(client=client, schema=schema, documents=[document("d8", "Israel objected on Monday.")],
         project_title=title, data_dir=tmp_path / "data")
    client.tasks.delete(id=tasks["d7"])  # after the import: SQLite gives the highest id again once deleted


def test_a_second_pull_fetches_only_the_changed_tasks_and_writes_what_a_full_pull_writes(
        ls_client, schema, annotated, tmp_path):
    project_id, tasks = annotated
    out = tmp_path / "pulled" / "annotations.json"
    first = pull(client=ls_client, project_id=project_id, out=out)
    assert first.incremental is None and first.full_reason is None
    change_one_of_each_kind(ls_client, schema, project_id, tasks, tmp_path)

    # overlap=0: only what changed after the first snapshot (by default, the five minutes before it too)
    second = pull(client=ls_client, project_id=project_id, out=out, overlap=0)
    full = pull(client=ls_client, project_id=project_id, out=out.with_name("full.json"), full=True)  # same key

    assert second.incremental is not None and second.full_reason is None
    assert (second.incremental.changed, second.incremental.new, second.incremental.deleted) == (5, 1, 1)
    assert second.incremental.checked
    snapshot = ls_client.projects.exports.get(id=project_id, export_pk=second.export_id)
    assert snapshot.counters["task_number"] == 6  # d1, d2, d4, d5, d6 and the new d8: nothing else was read
    assert without_created_ago(out) == without_created_ago(full.path)  # byte for byte
    assert list(as_pulled(out)) == sorted(as_pulled(out))  # in id order, whatever the database's order
    assert (second.tasks, second.annotations, second.cancelled) == (full.tasks, full.annotations, full.cancelled)
    recorded = json.loads(meta_path_for(out).read_text(encoding="utf-8"))
    assert recorded["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest() == second.sha256
    assert recorded["pull"]["kind"] == "only what changed" and recorded["export_id"] == second.export_id

    export(out, schema=schema, out_root=tmp_path / "merged", version="1.0.0")
    export(full.path, schema=schema, out_root=tmp_path / "fetched", version="1.0.0")
    assert data_files(tmp_path / "merged") == data_files(tmp_path / "fetched")


def test_tasks_changed_in_the_minutes_before_the_first_snapshot_are_fetched_again(ls_client, annotated, tmp_path):
    project_id, _ = annotated
    out = tmp_path / "annotations.json"
    pull(client=ls_client, project_id=project_id, out=out)
    second = pull(client=ls_client, project_id=project_id, out=out)  # everything was made a moment ago
    assert second.incremental is not None and second.incremental.changed == 8
    assert as_pulled(out) == as_pulled(pull(client=ls_client, project_id=project_id, out=tmp_path / "full.json",
                                            full=True).path)


def test_predictions_deleted_without_a_date_are_caught_by_the_counts_and_everything_is_fetched(
        ls_client, annotated, tmp_path):
    project_id, tasks = annotated
    out = tmp_path / "annotations.json"
    pull(client=ls_client, project_id=project_id, out=out)
    # The Data Manager's "delete predictions" leaves the tasks' updated_at as it was.
    ls_client.actions.create(id="delete_tasks_predictions", project=project_id,
                             selected_items={"all": False, "included": [tasks["d0"]]})

    second = pull(client=ls_client, project_id=project_id, out=out, overlap=0)

    assert second.incremental is None
    assert second.full_reason.startswith("7 predictions in the project, 8 in the merged file: ")
    assert as_pulled(out)[tasks["d0"]]["predictions"] == []


def test_a_pulled_file_changed_by_hand_is_fetched_whole_and_the_reason_said(ls_client, annotated, tmp_path):
    project_id, _ = annotated
    out = tmp_path / "annotations.json"
    pull(client=ls_client, project_id=project_id, out=out)
    out.write_text(out.read_text(encoding="utf-8").replace("Moscow", "Mosc0w"), encoding="utf-8")

    second = pull(client=ls_client, project_id=project_id, out=out)

    assert second.incremental is None
    assert second.full_reason == f"{out} is not what the last pull wrote (its SHA-256 differs)"
    assert "Mosc0w" not in out.read_text(encoding="utf-8")


def test_cli_pull_says_what_it_fetched_and_full_fetches_everything(
        label_studio, ls_client, annotated, tmp_path, monkeypatch, capsys):
    project_id, _ = annotated
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.api_key)
    pulling = ["pull", "--project", ls_client.projects.get(id=project_id).title, "--out", str(tmp_path / "a.json"),
               "--data-dir", str(tmp_path / "data")]
    assert main(pulling) == 0
    capsys.readouterr()
    assert main(pulling) == 0
    assert "only what changed since " in capsys.readouterr().out
    assert main([*pulling, "--full"]) == 0
    printed = capsys.readouterr().out
    assert "only what changed" not in printed and "fetched every task" not in printed


def store(tmp_path: Path, tasks: list[dict[str, Any]]) -> TaskStore:
    download = tmp_path / "changes.json"
    download.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return TaskStore.of(download, tmp_path / "kept", tmp_path / "out.json")


def test_the_merge_replaces_changed_tasks_leaves_out_deleted_ones_adds_new_ones_and_keeps_the_rest_verbatim(
        tmp_path):
    earlier = tmp_path / "earlier.json"
    earlier.write_text(json.dumps([
        {"id": 3, "data": {"text": "a"}, "annotations": [], "drafts": []},
        {"id": 1, "data": {"text": "b"}, "annotations": [{"id": 1}], "drafts": [7]},
        {"id": 2, "data": {"text": "c"}, "annotations": [], "drafts": []},
        {"id": 4, "data": {"text": "d"}, "annotations": [], "drafts": []}], ensure_ascii=False), encoding="utf-8")
    changed = store(tmp_path, [{"id": 2, "data": {"text": "c"}, "annotations": [{"id": 9}], "drafts": []},
                               {"id": 6, "data": {"text": "f ✓"}, "annotations": [], "drafts": []},
                               {"id": 5, "data": {"text": "e"}, "annotations": [], "drafts": []}])
    stats = MergeStats()

    merged = list(merged_tasks(earlier, changed, {1, 2, 3, 5, 6}, stats))

    assert [task["id"] for task, _ in merged] == [3, 1, 2, 5, 6]  # the earlier order, then the new by id
    assert merged[0][1] == json.dumps({"id": 3, "data": {"text": "a"}, "annotations": [], "drafts": []})
    assert merged[1] == ({"id": 1, "data": {"text": "b"}, "annotations": [{"id": 1}], "drafts": []}, None)
    assert merged[2][0] == {"id": 2, "data": {"text": "c"}, "annotations": [{"id": 9}], "drafts": []}
    assert merged[4][1] == json.dumps(merged[4][0], ensure_ascii=False)  # as the snapshot wrote it
    assert (stats.changed, stats.new, stats.deleted) == (1, 2, 1)


def test_the_curators_decisions_are_attached_afresh_to_every_task_of_a_second_pull(tmp_path):
    earlier = tmp_path / "earlier.json"
    old = {"id": 9, "ground_truth": False, "curated": True, "result": []}
    earlier.write_text(json.dumps([
        {"id": 1, "data": {"document_id": "a"}, "annotations": [], "curated": [old]},
        {"id": 2, "data": {"document_id": "b"}, "annotations": []},
        {"id": 3, "data": {"document_id": "c"}, "annotations": []}]), encoding="utf-8")
    new = {"id": 10, "ground_truth": False, "curated": True, "result": []}

    counts, stats, _ = _write(earlier, store(tmp_path, []), None, {"b": [new]}, tmp_path / "part")

    written = {task["data"]["document_id"]: task for task in json.loads((tmp_path / "part").read_text())}
    assert "curated" not in written["a"] and written["b"]["curated"] == [new] and "curated" not in written["c"]
    assert stats.curated == 1 and counts.tasks == 3


def test_a_counter_that_did_not_move_while_pulling_must_match_the_merged_file():
    project = Tallies(tasks=10, annotations=5, cancelled=1, ground_truth=0, predictions=10)
    merged = Tallies(tasks=10, annotations=5, cancelled=1, ground_truth=0, predictions=9)

    with pytest.raises(FullPullNeeded, match="10 predictions in the project, 9 in the merged file"):
        _check(project, project, merged)
    busy = Tallies(tasks=10, annotations=6, cancelled=1, ground_truth=0, predictions=10)
    _check(project, busy, Tallies(tasks=10, annotations=5, cancelled=1, ground_truth=0, predictions=10))
    with pytest.raises(FullPullNeeded, match="predictions"):  # annotations moved, predictions did not
        _check(project, busy, merged)


def test_a_second_pull_leaves_no_view_and_removes_one_a_killed_pull_left_a_day_ago(ls_client, annotated, tmp_path):
    project_id, _ = annotated
    out = tmp_path / "annotations.json"
    pull(client=ls_client, project_id=project_id, out=out)
    left = ls_client.views.create(project=project_id, data={
        "title": "annotate pull: changed tasks (pid 99, 2020-01-01 00:00:00 UTC)", "filters": {
            "conjunction": "and", "items": []}})
    mine = ls_client.views.create(project=project_id, data={"title": "my tab", "filters": {
        "conjunction": "and", "items": []}})

    assert pull(client=ls_client, project_id=project_id, out=out).incremental is not None

    assert {view.id for view in ls_client.views.list(project=project_id)} == {mine.id}
    assert left.id != mine.id
