"""The pulled file read, written and counted one task at a time (no server)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from annotate.errors import ExportError
from annotate.studio.pulled_file import as_json, count, read_tasks, read_tasks_with_text, write_tasks

GOLD = Path(__file__).resolve().parents[2] / "gold" / "seeds.json"


def test_counts_streamed_from_the_file_equal_those_of_the_whole_file_loaded(tmp_path):
    tasks = json.loads(GOLD.read_text(encoding="utf-8"))
    tasks.append({"id": 99, "data": {"text": "x"}, "annotations": [
        {"id": 1, "was_cancelled": True, "completed_by": 7, "result": []},
        {"id": 2, "was_cancelled": False, "ground_truth": False, "completed_by": {"id": 8}, "result": []}]})
    tasks.append({"id": 100, "data": {"text": "y"}, "annotations": []})
    part = tmp_path / "download.part"
    part.write_text(json.dumps(tasks), encoding="utf-8")

    streamed = count(read_tasks(part, tmp_path / "out.json"))

    assert streamed == count(tasks)
    assert streamed["tasks"] == len(tasks) and streamed["cancelled"] == 1
    assert streamed["documents_without_annotation"] == 1


def test_a_download_that_is_not_a_list_of_tasks_is_an_export_error(tmp_path):
    part = tmp_path / "download.part"
    part.write_text('[{"data": {"text": "x"}}, ', encoding="utf-8")
    with pytest.raises(ExportError, match="out.json is not a valid list of tasks"):
        count(read_tasks(part, tmp_path / "out.json"))


def test_tasks_read_with_their_text_are_written_back_byte_for_byte(tmp_path):
    tasks = [{"id": 1, "data": {"text": "Iran 😀 \r\n café"}, "annotations": [], "lead_time": 0.1 + 0.2},
             {"id": 2, "data": {"text": "x"}, "annotations": [{"id": 5, "result": []}], "drafts": []}]
    original = tmp_path / "snapshot.json"
    # Label Studio's encoder: ", " between tasks, ": " after keys, no ASCII escapes
    original.write_bytes(json.dumps(tasks, ensure_ascii=False).encode("utf-8"))

    texts = [(task["id"], text) for task, text in read_tasks_with_text(original, tmp_path / "out.json")]
    digest = write_tasks(tmp_path / "again.json", texts)

    assert (tmp_path / "again.json").read_bytes() == original.read_bytes()
    assert digest == hashlib.sha256(original.read_bytes()).hexdigest()
    assert write_tasks(tmp_path / "encoded.json", [(task["id"], as_json(task)) for task in tasks]) == digest


def test_tasks_are_written_in_the_order_of_their_ids_whatever_the_order_they_come_in(tmp_path):
    tasks = [{"id": number, "data": {"text": f"article {number} ✓"}} for number in (5, 2, 9, 1)]
    shuffled, ordered = tmp_path / "shuffled.json", tmp_path / "ordered.json"

    digest = write_tasks(shuffled, [(task["id"], as_json(task)) for task in tasks])
    write_tasks(ordered, [(task["id"], as_json(task)) for task in sorted(tasks, key=lambda task: task["id"])])

    assert shuffled.read_bytes() == ordered.read_bytes()
    assert digest == hashlib.sha256(ordered.read_bytes()).hexdigest()
    assert [task["id"] for task in json.loads(shuffled.read_text(encoding="utf-8"))] == [1, 2, 5, 9]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ordered.json", "shuffled.json"]
