"""Corrected articles through a real Label Studio: push refuses them and changes nothing, push
--update-texts carries every annotation, draft and prediction onto the new text, and pull then
export publish the corrected text with its annotations."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from datasets import load_dataset

from annotate.corpus.identity import HISTORY
from annotate.corpus.reader import load_corpus
from annotate.corrections.carry import REVIEW_MARK
from annotate.errors import CorrectionError
from annotate.release.export import export
from annotate.studio.connection import connect
from annotate.studio.pull import pull
from annotate.studio.push import push

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "schemas" / "arms_news.yaml"

# CRLF and emoji before every change, so offsets are code points through the whole way.
V1 = ("Talks in Tehran \U0001F44D\U0001F3FD\r\n\r\n"
      "Putin met Rouhni in Tehran on Monday. "
      "Iranian Ambassador Mehdi Sanai said the deal was signed. "
      "Russia will deliver the S-300 systems soon, Sergei Chemezov said.\r\n")
# A typo fixed inside an entity, a sentence containing an entity (and a claim) deleted, a sentence
# added before the remaining claim.
V2 = ("Talks in Tehran \U0001F44D\U0001F3FD\r\n\r\n"
      "Putin met Rouhani in Tehran on Monday. "
      "Officials gave no date. "
      "Russia will deliver the S-300 systems soon, Sergei Chemezov said.\r\n")
V3 = V2.replace("on Monday", "on Tuesday, 5 May")
OTHER = "Untouched article\nMoscow said nothing new.\n"
CLAIM_ATTRIBUTES = {"claim_stance": "FAVOR", "claim_type": "FACT", "checkworthy": "YES"}


def region(region_id: str, words: str, label: str, *, after: str = "", text: str = V1) -> list[dict[str, Any]]:
    start = text.index(words, text.index(after) + len(after) if after else 0)
    value = {"start": start, "end": start + len(words), "text": words}
    name = "claims" if label == "CLAIM" else "entities"
    items = [{"id": region_id, "from_name": name, "to_name": "text", "type": "labels",
              "value": {**value, "labels": [label]}}]
    if label == "CLAIM":
        items += [{"id": region_id, "from_name": control, "to_name": "text", "type": "choices",
                   "value": {**value, "choices": [choice]}} for control, choice in CLAIM_ATTRIBUTES.items()]
    return items


def relation(claim: str, entity: str) -> dict[str, Any]:
    return {"from_id": claim, "to_id": entity, "type": "relation", "direction": "right", "labels": ["claimant"]}


def stance(value: str) -> dict[str, Any]:
    return {"id": f"stance-{value}", "from_name": "doc_stance", "to_name": "text", "type": "choices",
            "value": {"choices": [value]}}


def annotation(prefix: str, doc_stance: str) -> list[dict[str, Any]]:
    return [*region(f"{prefix}-putin", "Putin", "PERSON"),
            *region(f"{prefix}-rouhani", "Rouhni", "PERSON"),
            *region(f"{prefix}-tehran", "Tehran", "GPE", after="Rouhni"),
            *region(f"{prefix}-sanai", "Mehdi Sanai", "PERSON"),
            *region(f"{prefix}-signed", "the deal was signed", "CLAIM"),
            relation(f"{prefix}-signed", f"{prefix}-sanai"),
            *region(f"{prefix}-russia", "Russia", "GPE", after="signed"),
            *region(f"{prefix}-chemezov", "Sergei Chemezov", "PERSON"),
            *region(f"{prefix}-deliver", "Russia will deliver the S-300 systems soon", "CLAIM"),
            relation(f"{prefix}-deliver", f"{prefix}-chemezov"),
            stance(doc_stance)]


def spans(result: list[dict[str, Any]]) -> dict[str, tuple[int, int, str]]:
    return {item["id"]: (item["value"]["start"], item["value"]["end"], item["value"]["text"])
            for item in result if item.get("type") == "labels"}


def api(client, method: str, path: str, body: Any = None) -> Any:
    response = client._client_wrapper.httpx_client.request(path, method=method, json=body)  # noqa: SLF001
    assert 200 <= response.status_code < 300, response.text
    return response.json() if response.content else None


def server_state(client, task_id: int) -> dict[str, Any]:
    task = api(client, "GET", f"api/tasks/{task_id}")
    drafts = api(client, "GET", f"api/tasks/{task_id}/drafts")
    return {"data": task["data"],
            "annotations": sorted(((a["id"], a["updated_at"], json.dumps(a["result"], sort_keys=True))
                                   for a in task["annotations"]), key=lambda a: a[1]),
            "predictions": [json.dumps(p["result"], sort_keys=True) for p in task["predictions"]],
            "drafts": [json.dumps(d["result"], sort_keys=True) for d in drafts]}


def every_span_slices(text: str, result: list[dict[str, Any]]) -> bool:
    values = [item["value"] for item in result if "start" in item.get("value", {})]
    return bool(values) and all(text[v["start"]:v["end"]] == v["text"] for v in values)


def make_project(client, schema, folder: Path, *, annotators: int = 2, copies: int = 1) -> dict[str, Any]:
    """A corpus of two articles pushed into a new project; on the first: Alice's and Bob's
    annotations (Alice's updated last), Bob's draft and a prediction."""
    corpus = folder / "corpus"
    corpus.mkdir(parents=True)
    (corpus / "a.txt").write_bytes(V1.encode("utf-8"))
    (corpus / "b.txt").write_bytes(OTHER.encode("utf-8"))
    title = f"corrections-{uuid.uuid4().hex[:8]}"
    documents = load_corpus(corpus).documents
    result = push(client=client, schema=schema, documents=documents, project_title=title, preannotate=False,
                  history=corpus / HISTORY, data_dir=folder / "data")
    task_id = next(task.id for task in client.tasks.list(project=result.project_id)
                   if task.data["source"] == "a.txt")
    client.predictions.create(task=task_id, result=annotation("p", "NONE"), model_version="rules-1", score=0.5)
    alice = client.users.whoami().id
    ids = []
    for copy in range(copies):
        first = client.annotations.create(id=task_id, result=annotation(f"a{copy}", "FAVOR"), completed_by=alice)
        ids.append(first.id)
        if annotators > 1:
            bob = client.users.create(username=f"bob-{uuid.uuid4().hex[:6]}", email=f"bob-{uuid.uuid4().hex[:6]}@example.org",
                                      password=uuid.uuid4().hex).id
            ids.append(client.annotations.create(id=task_id, result=annotation(f"b{copy}", "AGAINST"),
                                                 completed_by=bob).id)
        client.annotations.update(id=first.id, lead_time=12.5)  # Alice's is now the most recently updated
    api(client, "POST", f"api/tasks/{task_id}/drafts", {"result": annotation("d", "NONE"), "lead_time": 3})
    return {"corpus": corpus, "title": title, "project_id": result.project_id, "task_id": task_id,
            "annotations": ids, "data_dir": folder / "data"}


def push_again(client, schema, project: dict[str, Any], **options: Any):
    return push(client=client, schema=schema, documents=load_corpus(project["corpus"]).documents,
                project_title=project["title"], preannotate=False, history=project["corpus"] / HISTORY,
                data_dir=project["data_dir"], **options)


def publish(client, schema, project: dict[str, Any], out: Path) -> dict[str, dict[str, Any]]:
    """pull then export into ``out``; the documents rows by source."""
    raw = pull(client=client, project_id=project["project_id"], out=out / "raw.json").path
    version = export(raw, schema=schema, out_root=out / "exports", version="1.0.0").path
    rows = load_dataset(str(version), "documents")
    return {row["source"]: row for split in rows.values() for row in split}


@pytest.fixture(scope="module")
def corrected(label_studio, schema, tmp_path_factory) -> dict[str, Any]:
    """The project before, the refused push, and the push with --update-texts."""
    ls_client = connect(label_studio.connection)
    folder = tmp_path_factory.mktemp("corrected")
    project = make_project(ls_client, schema, folder)
    before_rows = publish(ls_client, schema, project, folder / "before")
    before = server_state(ls_client, project["task_id"])

    (project["corpus"] / "a.txt").write_bytes(V2.encode("utf-8"))
    with pytest.raises(CorrectionError) as refused:
        push_again(ls_client, schema, project)
    after_refusal = server_state(ls_client, project["task_id"])
    history_after_refusal = sorted((project["corpus"] / HISTORY).glob("*"))

    result = push_again(ls_client, schema, project, update_texts=True)
    after = server_state(ls_client, project["task_id"])
    after_rows = publish(ls_client, schema, project, folder / "after")
    return {**project, "before": before, "refused": refused.value, "after_refusal": after_refusal,
            "history_after_refusal": history_after_refusal,
            "result": result, "after": after, "before_rows": before_rows, "after_rows": after_rows}


def test_push_meeting_a_corrected_article_refuses_listing_it_and_changes_nothing(corrected):
    error = corrected["refused"]
    (line,) = error.problems
    assert line.startswith("a.txt: document ") and f"(task {corrected['task_id']})" in line
    assert "character(s) changed" in line and "--update-texts" in str(error)
    assert corrected["after_refusal"] == corrected["before"]
    assert corrected["history_after_refusal"] == []


def test_update_texts_puts_the_new_text_in_with_its_version_and_checksum(corrected):
    data = corrected["after"]["data"]
    assert data["text"] == V2 and data["text_version"] == 2
    assert data["text_sha256"] == __import__("hashlib").sha256(V2.encode()).hexdigest()
    assert data["document_id"] == corrected["before"]["data"]["document_id"]
    (plan,) = corrected["result"].corrected
    assert (plan.old_version, plan.new_version, plan.source) == (1, 2, "a.txt")


def test_every_annotation_draft_and_prediction_lands_on_the_new_words_in_the_right_group(corrected):
    after = corrected["after"]
    results = ([json.loads(a[2]) for a in after["annotations"]] + [json.loads(p) for p in after["predictions"]]
               + [json.loads(d) for d in after["drafts"]])
    assert len(results) == 4
    for result in results:
        assert every_span_slices(V2, result)
        prefix = next(iter(spans(result))).split("-")[0]
        found = spans(result)
        assert set(found) == {f"{prefix}-{name}" for name in ("putin", "rouhani", "tehran", "russia", "chemezov",
                                                                "deliver")}
        assert found[f"{prefix}-rouhani"][2] == "Rouhani"
        assert found[f"{prefix}-deliver"][2] == "Russia will deliver the S-300 systems soon"
        relations = [(item["from_id"], item["to_id"]) for item in result if item.get("type") == "relation"]
        assert relations == [(f"{prefix}-deliver", f"{prefix}-chemezov")]
        marked = [item for item in result if "meta" in item]
        assert [item["id"] for item in marked] == [f"{prefix}-rouhani"]
        assert marked[0]["meta"]["text"].startswith(REVIEW_MARK)
        claim_choices = [item for item in result if item.get("id") == f"{prefix}-deliver"
                         and item["type"] == "choices"]
        assert len(claim_choices) == 3 and every_span_slices(V2, claim_choices)
    (plan,) = corrected["result"].corrected
    assert (plan.count("moved"), plan.count("review"), plan.count("removed"), plan.relations_dropped) == (
        4 * 5, 4, 4 * 2, 4)


def test_carrying_keeps_which_annotation_was_updated_last(corrected):
    order = lambda state: [annotation_id for annotation_id, _, _ in state["annotations"]]  # noqa: E731
    assert order(corrected["after"]) == order(corrected["before"])
    assert order(corrected["before"])[-1] == corrected["annotations"][0]  # Alice's, updated after Bob's
    assert [a[1] for a in corrected["after"]["annotations"]] != [a[1] for a in corrected["before"]["annotations"]]


def test_the_report_beside_the_corpus_is_the_history_of_every_region(corrected):
    (path,) = sorted((corrected["corpus"] / HISTORY).glob("*.json"))
    assert corrected["result"].correction_report == path
    report = json.loads(path.read_text("utf-8"))
    assert report["status"] == "done" and "apply" not in report
    (article,) = report["articles"]
    hashlib = __import__("hashlib")
    assert article["text"]["old_sha256"] == hashlib.sha256(V1.encode()).hexdigest()
    assert article["text"]["new_sha256"] == hashlib.sha256(V2.encode()).hexdigest()
    assert (article["text"]["old_version"], article["text"]["new_version"]) == (1, 2)
    assert article["counts"] == {"moved": 20, "review": 4, "removed": 8, "relations_dropped": 4}
    assert sorted(item["kind"] for item in article["items"]) == ["annotation", "annotation", "draft", "prediction"]
    for item in article["items"]:
        for moved in item["regions"]:
            assert V1[moved["old"]["start"]:moved["old"]["end"]] == moved["old"]["text"]
            if moved["new"] is not None:
                assert V2[moved["new"]["start"]:moved["new"]["end"]] == moved["new"]["text"]
    assert "@" not in path.read_text("utf-8")  # no annotator e-mail in the history


def test_pull_and_export_publish_the_corrected_text_with_its_annotations_and_the_same_gold_choice(corrected):
    before, after = corrected["before_rows"]["a.txt"], corrected["after_rows"]["a.txt"]
    assert (before["text"], after["text"]) == (V1, V2)
    assert after["id"] == before["id"]
    assert (before["text_version"], after["text_version"]) == (1, 2)
    assert after["text_sha256"] == corrected["after"]["data"]["text_sha256"]
    for row in (after,):
        assert all(row["text"][e["start"]:e["end"]] == e["text"] for e in row["entities"] + row["claims"])
    assert {e["text"] for e in after["entities"]} == {"Putin", "Rouhani", "Tehran", "Russia", "Sergei Chemezov"}
    assert [c["text"] for c in after["claims"]] == ["Russia will deliver the S-300 systems soon"]
    assert after["claims"][0]["claimant"] == "Sergei Chemezov"
    assert (before["policy"], after["policy"]) == ("majority", "majority")
    assert after["stance"] == before["stance"]  # the tie went to the same (most recently updated) annotation


def test_two_corrections_in_a_row_give_versions_two_and_three(ls_client, schema, tmp_path):
    project = make_project(ls_client, schema, tmp_path, annotators=1)
    for text in (V2, V3):
        (project["corpus"] / "a.txt").write_bytes(text.encode("utf-8"))
        push_again(ls_client, schema, project, update_texts=True)
    state = server_state(ls_client, project["task_id"])
    assert (state["data"]["text"], state["data"]["text_version"]) == (V3, 3)
    for _, _, result in state["annotations"]:
        found = spans(json.loads(result))
        assert every_span_slices(V3, json.loads(result)) and found["a0-rouhani"][2] == "Rouhani"
    reports = [json.loads(p.read_text("utf-8")) for p in sorted((project["corpus"] / HISTORY).glob("*.json"))]
    assert [(r["articles"][0]["text"]["old_version"], r["articles"][0]["text"]["new_version"]) for r in reports] == [
        (1, 2), (2, 3)]
    assert reports[0]["articles"][0]["text"]["new_sha256"] == reports[1]["articles"][0]["text"]["old_sha256"]
    again = push_again(ls_client, schema, project, update_texts=True)
    assert again.corrected == () and again.correction_report is None


def test_a_correction_that_empties_the_article_changes_nothing(ls_client, schema, tmp_path):
    project = make_project(ls_client, schema, tmp_path, annotators=1)
    before = server_state(ls_client, project["task_id"])
    (project["corpus"] / "a.txt").write_bytes(b" \r\n\r\n")
    corpus = load_corpus(project["corpus"])
    assert any("a.txt" in str(problem) and "only whitespace" in str(problem) for problem in corpus.problems)
    result = push_again(ls_client, schema, project, update_texts=True)
    assert result.corrected == ()
    assert server_state(ls_client, project["task_id"]) == before


def test_a_push_killed_half_way_then_run_again_leaves_every_article_new(label_studio, ls_client, schema, tmp_path):
    project = make_project(ls_client, schema, tmp_path, copies=15)  # 30 annotations: many requests to cut
    (project["corpus"] / "a.txt").write_bytes(V2.encode("utf-8"))
    env = dict(os.environ, LABEL_STUDIO_URL=label_studio.url, LABEL_STUDIO_API_KEY=label_studio.api_key,
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    command = [sys.executable, "-m", "annotate", "push", "--corpus", str(project["corpus"]), "--schema",
               str(SCHEMA_FILE), "--project", project["title"], "--data-dir", str(project["data_dir"]),
               "--no-preannotate", "--update-texts"]
    history = project["corpus"] / HISTORY
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not list(history.glob("*.json")) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.002)
        time.sleep(0.3)  # some of the annotations are sent
        assert process.poll() is None, "the push finished before it could be killed"
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    (pending,) = history.glob("*.json")
    assert json.loads(pending.read_text("utf-8"))["status"] == "pending"
    half = server_state(ls_client, project["task_id"])
    assert half["data"]["text"] == V1  # the text goes in last

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert "finished the correction a stopped push left pending" in rerun.stdout
    state = server_state(ls_client, project["task_id"])
    assert state["data"]["text"] == V2 and state["data"]["text_version"] == 2
    for _, _, result in state["annotations"]:
        assert every_span_slices(V2, json.loads(result))
    assert all(every_span_slices(V2, json.loads(r)) for r in state["predictions"] + state["drafts"])
    assert len(state["annotations"]) == 30
    assert [json.loads(p.read_text("utf-8"))["status"] for p in history.glob("*.json")] == ["done"]


def test_cli_push_prints_each_corrected_article_and_every_region_not_simply_moved(label_studio, ls_client, schema,
                                                                                  tmp_path):
    project = make_project(ls_client, schema, tmp_path, annotators=1)
    (project["corpus"] / "a.txt").write_bytes(V2.encode("utf-8"))
    env = dict(os.environ, LABEL_STUDIO_URL=label_studio.url, LABEL_STUDIO_API_KEY=label_studio.api_key,
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    command = [sys.executable, "-m", "annotate", "push", "--corpus", str(project["corpus"]), "--schema",
               str(SCHEMA_FILE), "--project", project["title"], "--data-dir", str(project["data_dir"]),
               "--no-preannotate"]
    refused = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1
    assert "a.txt: document" in refused.stderr and "--update-texts" in refused.stderr
    done = subprocess.run(command + ["--update-texts"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "corrected: a.txt (document " in out and "text version 1 -> 2" in out
    assert "regions: 15 moved, 3 marked for review, 6 removed; 3 relation(s) removed" in out
    assert "annotation " in out and "\u201cMehdi Sanai\u201d" in out and "removed: its words were deleted" in out
    assert "\u201cRouhni\u201d" in out and "\u201cRouhani\u201d" in out and "marked for review" in out
    assert f"correction report: {project['corpus'] / HISTORY}" in out
    assert label_studio.api_key not in out + done.stderr
