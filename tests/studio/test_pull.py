"""Pull against a real Label Studio: snapshot export, exact offsets, every kind of annotation, and
downloads that break half-way."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pyarrow.parquet as pq
import pytest
from label_studio_sdk import LabelStudio

from annotate.cli import main
from annotate.corpus.reader import Document
from annotate.errors import AnnotationError, ConnectionProblem, ExportError, ProjectError
from annotate.release.export import export
from annotate.scheme.schema import DOCUMENT_STANCE_NAME, ENTITIES_NAME, TEXT_NAME
from annotate.studio.api import list_tasks
from annotate.studio.pull import default_output, meta_path_for, pull
from annotate.studio.push import push

# Two emoji (one with a skin-tone modifier: two code points), an accent, and \r\n before the span.
TRICKY_TEXT = "Breaking 🇷🇺 news 😀👍🏽 from Tehran — café\r\n\r\nThe S-300 battery reached Bushehr on Monday.\r\n"


def unique_title(name: str) -> str:
    return f"{name[:30]}-{uuid.uuid4().hex[:8]}"


def document(doc_id: str, text: str) -> Document:
    return Document(id=doc_id, title=doc_id, text=text, source=f"{doc_id}.txt",
                    sha256=hashlib.sha256(text.encode()).hexdigest())


def span(text: str, string: str, label: str, region: str) -> dict[str, Any]:
    start = text.index(string)
    return {"id": region, "from_name": ENTITIES_NAME, "to_name": TEXT_NAME, "type": "labels",
            "value": {"start": start, "end": start + len(string), "text": string, "labels": [label]}}


@pytest.fixture
def project(ls_client, schema, tmp_path):
    """A project with three documents: one annotated (ground truth), one skipped, one untouched."""
    documents = [document("tricky", TRICKY_TEXT), document("skipped", "Moscow said nothing."),
                 document("untouched", "Iran waited.")]
    result = push(client=ls_client, schema=schema, documents=documents, project_title=unique_title("pull"),
                  data_dir=tmp_path / "data")
    tasks = {task.document_id: task.id for task in list_tasks(ls_client, result.project_id)}
    ls_client.annotations.create(id=tasks["tricky"], result=[span(TRICKY_TEXT, "Bushehr", "GPE", "g1")],
                                 ground_truth=True)
    ls_client.annotations.create(id=tasks["tricky"], result=[span(TRICKY_TEXT, "S-300", "WEAPON", "w1")])
    ls_client.annotations.create(id=tasks["skipped"], result=[], was_cancelled=True)
    return result


def raw_tasks(path: Path) -> dict[str, dict[str, Any]]:
    return {task["data"]["document_id"]: task for task in json.loads(path.read_text(encoding="utf-8"))}


def test_pulled_offsets_slice_the_document_text_exactly(ls_client, project, tmp_path):
    out = tmp_path / "pulled" / "annotations.json"
    pull(client=ls_client, project_title=project.project_title, out=out)
    task = raw_tasks(out)["tricky"]
    assert task["data"]["text"] == TRICKY_TEXT
    spans = {item["value"]["text"]: item["value"] for a in task["annotations"] for item in a["result"]}
    for string in ("Bushehr", "S-300"):
        value = spans[string]
        assert TRICKY_TEXT[value["start"]:value["end"]] == string
    assert spans["Bushehr"]["start"] == TRICKY_TEXT.index("Bushehr")


def test_pull_keeps_ground_truth_and_cancelled_annotations_and_counts_them(ls_client, project, tmp_path):
    out = tmp_path / "annotations.json"
    result = pull(client=ls_client, project_id=project.project_id, out=out)
    assert (result.tasks, result.annotations, result.ground_truth, result.cancelled, result.annotators,
            result.documents_without_annotation) == (3, 2, 1, 1, 1, 2)
    tasks = raw_tasks(out)
    assert [a["was_cancelled"] for a in tasks["skipped"]["annotations"]] == [True]
    assert sorted(a["ground_truth"] for a in tasks["tricky"]["annotations"]) == [False, True]
    assert tasks["tricky"]["predictions"][0]["result"]  # predictions come in full
    assert tasks["untouched"]["annotations"] == []


def test_sidecar_records_where_the_file_came_from_without_the_key(label_studio, ls_client, project, tmp_path):
    out = tmp_path / "annotations.json"
    result = pull(client=ls_client, project_id=project.project_id, out=out)
    meta = json.loads(meta_path_for(out).read_text(encoding="utf-8"))
    assert meta["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest() == result.sha256
    assert (meta["project_id"], meta["project_title"], meta["url"]) == (
        project.project_id, project.project_title, label_studio.url)
    assert meta["export_id"] == result.export_id and meta["snapshot_created_at"]
    for path in (out, meta_path_for(out)):
        assert label_studio.api_key not in path.read_text(encoding="utf-8")


def annotated_project(ls_client, schema, tmp_path, name: str) -> tuple[Any, int]:
    """A pushed project of one document with one complete annotation (an entity, the article's
    stance): (push result, task id)."""
    result = push(client=ls_client, schema=schema, documents=[document("tricky", TRICKY_TEXT)],
                  project_title=unique_title(name), data_dir=tmp_path / "data")
    task_id = next(iter(list_tasks(ls_client, result.project_id))).id
    stance = {"id": "d1", "from_name": DOCUMENT_STANCE_NAME, "to_name": TEXT_NAME, "type": "choices",
              "value": {"choices": ["NONE"]}}
    ls_client.annotations.create(id=task_id, result=[span(TRICKY_TEXT, "Bushehr", "GPE", "g1"), stance])
    return result, task_id


def test_the_snapshot_time_of_a_real_pull_reaches_the_manifest_and_the_card(ls_client, schema, tmp_path):
    result, task_id = annotated_project(ls_client, schema, tmp_path, "provenance")
    out = tmp_path / "annotations.json"
    pull(client=ls_client, project_id=result.project_id, out=out)
    made = json.loads(meta_path_for(out).read_text(encoding="utf-8"))["snapshot_created_at"]
    assert made
    version = export(out, schema=schema, out_root=tmp_path / "exports", version="1.0.0").path
    snapshot = json.loads((version / "manifest.json").read_text(encoding="utf-8"))["source"]["snapshot"]
    assert snapshot["created_at"] == made
    card = (version / "README.md").read_text(encoding="utf-8")
    assert f"made {made}." in card and "made None" not in card


def test_a_pulled_file_and_the_web_page_export_of_one_project_give_byte_identical_data(ls_client, schema, tmp_path):
    result, task_id = annotated_project(ls_client, schema, tmp_path, "pseudonyms")
    folder = tmp_path / "annotations"
    pulled = pull(client=ls_client, project_id=result.project_id, out=folder / "pulled.json")
    assert pulled.annotator_key == folder / "annotators.json" and pulled.annotator_key_created
    page = folder / "project-page-export.json"  # what the web page's Export > JSON downloads
    page.write_bytes(b"".join(ls_client.projects.exports.download_sync(
        id=result.project_id, export_type="JSON", download_all_tasks=True)))
    (task,) = json.loads(page.read_text(encoding="utf-8"))
    assert [type(a["completed_by"]) for a in task["annotations"]] == [int]  # Label Studio 1.23: user ids only

    versions = [export(raw, schema=schema, out_root=tmp_path / name, version="1.0.0")
                for raw, name in ((folder / "pulled.json", "from-pull"), (page, "from-page"))]
    assert all(v.warnings == [] and not v.annotator_key_created for v in versions)
    digests = [{p.relative_to(v.path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in (v.path / "data").rglob("*.parquet")} for v in versions]
    assert digests[0] and digests[0] == digests[1]
    email = ls_client.users.whoami().email
    key_text = (folder / "annotators.json").read_text(encoding="utf-8")
    assert email not in key_text and email.split("@")[0] not in key_text
    annotators = pq.read_table(next((versions[0].path / "data" / "annotations").glob("*.parquet")))
    (name,) = set(annotators.column("annotator").to_pylist())
    unkeyed = {hashlib.sha256(f"{prefix}{value}".encode()).hexdigest()[:8]
               for prefix in ("", "email:", "id:") for value in (email, email.lower(), task["annotations"][0]["completed_by"])}
    assert name.startswith("annotator-") and name.removeprefix("annotator-") not in unkeyed


def test_a_text_edited_in_label_studio_after_push_is_refused_by_export_naming_document_and_task(
        ls_client, schema, tmp_path):
    result, task_id = annotated_project(ls_client, schema, tmp_path, "edited")
    data = ls_client.tasks.get(id=task_id).data
    ls_client.tasks.update(id=task_id, data={**data, "text": data["text"].replace("Monday", "Sunday")})
    out = tmp_path / "annotations.json"
    pull(client=ls_client, project_id=result.project_id, out=out)
    with pytest.raises(AnnotationError) as refused:
        export(out, schema=schema, out_root=tmp_path / "exports", version="1.0.0")
    (problem,) = refused.value.problems
    assert problem.startswith(f"document tricky (task {task_id}): data.text is not the text annotate push sent")
    assert not (tmp_path / "exports" / "v1.0.0").exists()


def test_pull_counts_the_download_with_the_streaming_reader_never_loading_it_whole(
        ls_client, project, tmp_path, monkeypatch):
    def whole_file(*args, **kwargs):
        raise AssertionError("the pulled export was loaded whole")

    monkeypatch.setattr(json, "load", whole_file)  # reads a whole file; the SDK's answers use json.loads
    result = pull(client=ls_client, project_id=project.project_id, out=tmp_path / "annotations.json")
    assert (result.tasks, result.annotations, result.cancelled) == (3, 2, 1)


def test_a_crash_between_the_pulled_file_and_its_sidecar_is_refused_by_export(
        ls_client, project, schema, tmp_path, monkeypatch):
    out = tmp_path / "annotations.json"
    pull(client=ls_client, project_id=project.project_id, out=out)
    old_sidecar = meta_path_for(out).read_bytes()
    tasks = {task.document_id: task.id for task in list_tasks(ls_client, project.project_id)}
    ls_client.annotations.create(id=tasks["untouched"], result=[span("Iran waited.", "Iran", "GPE", "i1")])

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("annotate.studio.pull.write_atomically", disk_full)  # dies after the file, before the sidecar
    with pytest.raises(ExportError, match="check the disk"):
        pull(client=ls_client, project_id=project.project_id, out=out)
    assert meta_path_for(out).read_bytes() == old_sidecar
    with pytest.raises(ExportError, match=r"annotations.json.meta.json does not describe annotations.json .*pull again"):
        export(out, schema=schema, out_root=tmp_path / "exports", version="1.0.0", quarantine=True)
    assert not (tmp_path / "exports" / "v1.0.0").exists()
    monkeypatch.undo()
    pull(client=ls_client, project_id=project.project_id, out=out)
    assert json.loads(meta_path_for(out).read_text(encoding="utf-8"))["sha256"] == hashlib.sha256(
        out.read_bytes()).hexdigest()


class BreakingStream(httpx.SyncByteStream):
    """A response body that stops half-way through its first chunk with ``error``."""

    def __init__(self, inner: httpx.SyncByteStream, error: BaseException) -> None:
        self._inner = inner
        self._error = error

    def __iter__(self):
        for chunk in self._inner:
            yield chunk[: len(chunk) // 2]
            raise self._error

    def close(self) -> None:
        self._inner.close()


class BreakingDownloads(httpx.BaseTransport):
    """The real network, except that the first ``times`` snapshot downloads break half-way."""

    def __init__(self, error: BaseException, times: int) -> None:
        self._network = httpx.HTTPTransport()
        self._error = error
        self._times = times
        self.downloads = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._network.handle_request(request)
        if request.method == "GET" and request.url.path.endswith("/download"):
            self.downloads += 1
            if self.downloads <= self._times:
                return httpx.Response(response.status_code, headers=response.headers, request=request,
                                      stream=BreakingStream(response.stream, self._error))
        return response


def client_through(label_studio, transport: httpx.BaseTransport) -> LabelStudio:
    return LabelStudio(base_url=label_studio.url, api_key=label_studio.api_key,
                       httpx_client=httpx.Client(transport=transport, timeout=60))


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_interrupted_pull_leaves_the_previous_file_and_no_partial_one(label_studio, ls_client, project, tmp_path):
    out = tmp_path / "annotations.json"
    out.write_text("previous pull\n", encoding="utf-8")
    interrupted = client_through(label_studio, BreakingDownloads(KeyboardInterrupt(), times=1))
    with pytest.raises(KeyboardInterrupt):
        pull(client=interrupted, project_id=project.project_id, out=out)
    assert out.read_text(encoding="utf-8") == "previous pull\n"
    assert leftovers(tmp_path) == ["annotations.json", "data"]

    fresh = tmp_path / "fresh.json"
    interrupted = client_through(label_studio, BreakingDownloads(KeyboardInterrupt(), times=1))
    with pytest.raises(KeyboardInterrupt):
        pull(client=interrupted, project_id=project.project_id, out=fresh)
    assert not fresh.exists() and not meta_path_for(fresh).exists()

    pull(client=ls_client, project_id=project.project_id, out=fresh)  # the next run succeeds
    assert len(raw_tasks(fresh)) == 3


def test_broken_download_is_retried_from_the_start(label_studio, project, tmp_path):
    out = tmp_path / "annotations.json"
    transport = BreakingDownloads(httpx.ReadError("connection reset by peer"), times=1)
    result = pull(client=client_through(label_studio, transport), project_id=project.project_id, out=out)
    assert transport.downloads == 2
    assert result.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    assert len(raw_tasks(out)) == 3


def test_download_that_keeps_breaking_stops_with_one_clear_error(label_studio, project, tmp_path):
    out = tmp_path / "annotations.json"
    transport = BreakingDownloads(httpx.ReadError("connection reset by peer"), times=99)
    with pytest.raises(ConnectionProblem, match="downloading export snapshot .* failed after 4 attempts"):
        pull(client=client_through(label_studio, transport), project_id=project.project_id, out=out)
    assert transport.downloads == 4
    assert leftovers(tmp_path) == ["data"]


def test_pull_of_an_unknown_project_is_one_clear_error(ls_client, tmp_path):
    with pytest.raises(ProjectError, match="no project titled 'no-such-project' .* check --project"):
        pull(client=ls_client, project_title="no-such-project", out=tmp_path / "x.json")
    assert leftovers(tmp_path) == []


def test_cli_pull_prints_the_counts(label_studio, project, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.api_key)
    monkeypatch.chdir(tmp_path)
    assert main(["pull", "--project", project.project_title, "--data-dir", str(tmp_path / "data")]) == 0
    printed = capsys.readouterr()
    assert "tasks: 3, documents without a completed annotation: 2" in printed.out
    assert "annotations: 2 (ground truth 1) by 1 annotator(s); cancelled (kept, marked): 1" in printed.out
    assert (tmp_path / default_output(project.project_title)).is_file()
    assert label_studio.api_key not in printed.out + printed.err
