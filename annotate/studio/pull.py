"""Pull a project's annotations through an export snapshot, to one raw Label Studio JSON file.

Never the one-request export (it builds everything in memory and times out on large projects):
a snapshot is created with explicit options, polled until it is ready, and streamed to a temp
file beside the target, which replaces the target only when the download is complete. The
snapshot holds every task (also those without annotations), every annotation (completed, ground
truth and cancelled ones: the cancelled stay in the raw file, marked ``was_cancelled``, for the
export step to leave out), the full predictions, draft ids only, and ``completed_by`` expanded to
``{id, email, first_name, last_name}`` so that pseudonyms are stable across servers
(:mod:`annotate.conversion.pseudonyms`).

Beside ``<out>`` a sidecar ``<out>.meta.json`` records where the file came from: project id and
title, server URL (never the key), export id, snapshot time, annotate version, the file's
SHA-256 and its counts. An interrupted pull leaves ``<out>`` as it was (or absent).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from label_studio_sdk import LabelStudio

from annotate import __version__
from annotate.conversion.annotator_key import key_path_for, load_key
from annotate.conversion.pseudonyms import identify
from annotate.conversion.task_stream import iter_tasks
from annotate.errors import AnnotationError, ExportError, ProjectError
from annotate.filesystem import remove_leftovers, write_atomically
from annotate.published.manifest import SIDECAR_KEYS
from annotate.studio.api import find_project, get_project, server_url
from annotate.studio.connection import call_with_retries
from annotate.studio.curation import attach, decisions

POLL_INTERVAL = 0.5
PART_SUFFIX = ".part"

# Explicit options: sent as nothing, Label Studio includes everything; sent as a dict, the
# defaults would silently drop ground truth and cancelled annotations.
TASK_FILTER = {"only_with_annotations": False}
ANNOTATION_FILTER = {"usual": True, "ground_truth": True, "skipped": True}
SERIALIZATION = {
    "drafts": {"only_id": True},
    "predictions": {"only_id": False},
    "annotations__completed_by": {"only_id": False},
    "include_annotation_history": False,
}


@dataclass(frozen=True)
class PullResult:
    """What the pulled file holds."""

    path: Path
    meta_path: Path
    project_id: int
    project_title: str
    export_id: int
    tasks: int
    annotations: int  # completed, not cancelled (ground truth included)
    annotators: int  # distinct users with a completed annotation
    cancelled: int
    ground_truth: int
    documents_without_annotation: int  # tasks without any completed annotation
    sha256: str
    annotator_key: Path | None = None  # the key file that records who is who (annotators.json)
    annotator_key_created: bool = False  # a new key: these annotators get new names
    curated: int = 0  # decisions of the curation project (annotate adjudicate) attached to tasks


def default_output(project_title: str) -> Path:
    """``annotations/<project-slug>.json``."""
    slug = "".join(char if char.isalnum() else "-" for char in project_title.lower())
    slug = "-".join(part for part in slug.split("-") if part) or "project"
    return Path("annotations") / f"{slug}.json"


def meta_path_for(out: Path) -> Path:
    return out.with_name(out.name + ".meta.json")


def pull(
    *,
    client: LabelStudio,
    project_title: str | None = None,
    project_id: int | None = None,
    out: Path,
    timeout: float = 600,
    annotator_key: Path | None = None,
) -> PullResult:
    """Export the project through a snapshot and write the raw JSON to ``out`` (atomically).

    The annotator key (``annotator_key``, default ``annotators.json`` beside ``out``; created
    when missing) records which user id of this server is which person, as a keyed hash of
    the e-mail, so that a JSON export from the web page names them the same way.
    """
    out = Path(out)
    project = _project(client, project_title, project_id)
    folder = out.parent if str(out.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExportError(f"cannot create the folder {folder} for {out} ({error.strerror}); "
                          "pass another --out") from None
    if not os.access(folder, os.W_OK):
        raise ExportError(f"the folder {folder} is not writable; pass another --out")
    if out.is_dir():
        raise ExportError(f"{out} is a folder; pass a file name with --out")
    _remove_stale_parts(out)
    key = load_key(annotator_key or key_path_for(out), create=True)

    snapshot = _create_snapshot(client, project, timeout)
    snapshot = _wait(client, project.id, snapshot, timeout)
    part = out.with_name(f".{out.name}.{os.getpid()}{PART_SUFFIX}")
    try:
        digest = _download(client, project.id, snapshot.id, part, timeout)
        decided = decisions(client, project)
        curated = 0
        if decided:  # the curation project's decisions travel in the same file
            digest, curated = _attach_decisions(part, out, decided)
        seen: set[tuple[int, str]] = set()
        counts = count(_stream_tasks(part, out), users=seen)
        key.record(server_url(client), seen)
        key.save()
        meta = {
            "project_id": project.id,
            "project_title": project.title,
            "url": server_url(client),
            "export_id": snapshot.id,
            SIDECAR_KEYS["created_at"]: _iso(snapshot.created_at),
            "pulled_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "annotate_version": __version__,
            "sha256": digest,
            "counts": {**counts, **({"curated": curated} if curated else {})},
        }
        # The sidecar names the file's SHA-256: a crash between the two renames leaves a pair that
        # export recognises as not matching (and refuses), never one it takes for the other.
        os.replace(part, out)
        write_atomically(meta_path_for(out), json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    except OSError as error:
        raise ExportError(f"cannot write {out} ({error.strerror or error}); check the disk and the folder, "
                          "then pull again") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
    return PullResult(path=out, meta_path=meta_path_for(out), project_id=int(project.id),
                      project_title=project.title, export_id=int(snapshot.id), sha256=digest, curated=curated,
                      annotator_key=key.path, annotator_key_created=key.created, **counts)


def count(tasks: Iterable[Any], *, users: set[tuple[int, str]] | None = None) -> dict[str, int]:
    """Counts of a raw export: tasks, annotations, annotators, cancelled, ground truth, unannotated.

    ``tasks`` may be a stream (read once); ``users``, when given, collects the (user id, e-mail)
    of every expanded ``completed_by``."""
    annotations = cancelled = ground_truth = unannotated = total = 0
    annotators: set[str] = set()
    for task in tasks:
        total += 1
        completed = 0
        for annotation in (task.get("annotations") or []) if isinstance(task, dict) else []:
            if not isinstance(annotation, dict):
                continue
            if users is not None:
                user_id, email = identify(annotation.get("completed_by"))
                if user_id is not None and email is not None:
                    users.add((user_id, email))
            if annotation.get("was_cancelled"):
                cancelled += 1
                continue
            completed += 1
            ground_truth += bool(annotation.get("ground_truth"))
            who = annotation.get("completed_by")
            who = who.get("id", who.get("email")) if isinstance(who, dict) else who
            annotators.add(json.dumps(who))
        annotations += completed
        unannotated += completed == 0
    return {"tasks": total, "annotations": annotations, "annotators": len(annotators),
            "cancelled": cancelled, "ground_truth": ground_truth, "documents_without_annotation": unannotated}


def _project(client: LabelStudio, title: str | None, project_id: int | None) -> Any:
    if project_id is not None:
        project = get_project(client, project_id)
        if project is None:
            raise ProjectError(f"no project with id {project_id} on {server_url(client)}; check the id "
                               "or push first")
        return project
    if not title:
        raise ProjectError("no project given; pass --project TITLE")
    project = find_project(client, title)
    if project is None:
        raise ProjectError(f"no project titled {title!r} on {server_url(client)}; check --project "
                           "(titles are case-sensitive) or run annotate push first")
    return project


def _create_snapshot(client: LabelStudio, project: Any, timeout: float) -> Any:
    # Without a task queue the snapshot is built inside this request: give it the whole timeout.
    # Creating twice after a lost answer only leaves an extra snapshot on the server.
    title = f"annotate pull {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S}"
    return call_with_retries(
        client.projects.exports.create, id=project.id, title=title, task_filter_options=TASK_FILTER,
        annotation_filter_options=ANNOTATION_FILTER, serialization_options=SERIALIZATION,
        request_options={"timeout_in_seconds": timeout}, what=f"creating an export snapshot of project {project.id}")


def _wait(client: LabelStudio, project_id: int, snapshot: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while snapshot.status != "completed":
        if snapshot.status == "failed":
            raise ExportError(f"Label Studio failed to build export snapshot {snapshot.id} of project {project_id}; "
                              "read the server's log, then pull again")
        if time.monotonic() > deadline:
            raise ExportError(f"export snapshot {snapshot.id} of project {project_id} was not ready after "
                              f"{timeout:g} s (status {snapshot.status}); pull again with a longer --timeout")
        time.sleep(POLL_INTERVAL)
        snapshot = call_with_retries(client.projects.exports.get, id=project_id, export_pk=snapshot.id,
                                     what=f"checking export snapshot {snapshot.id}")
    return snapshot


def _download(client: LabelStudio, project_id: int, export_id: int, part: Path, timeout: float) -> str:
    """Stream the snapshot into ``part``; a broken stream starts over (the download is idempotent)."""
    what = f"downloading export snapshot {export_id} of project {project_id}"
    return call_with_retries(_stream, client, project_id, export_id, part, timeout, what=what)


def _stream(client: LabelStudio, project_id: int, export_id: int, part: Path, timeout: float) -> str:
    digest = hashlib.sha256()
    with open(part, "wb") as handle:
        for chunk in client.projects.exports.download(
                id=project_id, export_pk=export_id,
                request_options={"timeout_in_seconds": timeout, "chunk_size": 1 << 20}):
            handle.write(chunk)
            digest.update(chunk)
        handle.flush()
        os.fsync(handle.fileno())
    return digest.hexdigest()


def _stream_tasks(part: Path, out: Path) -> Iterator[Any]:
    """The downloaded tasks one by one (the streaming reader: the file is never loaded whole)."""
    try:
        yield from iter_tasks(part)
    except AnnotationError as error:
        raise ExportError(f"the export downloaded for {out} is not a valid list of tasks ({error}); "
                          "pull again") from None


def _attach_decisions(part: Path, out: Path, decided: dict[str, list[dict[str, Any]]]) -> tuple[str, int]:
    """Rewrite ``part`` with each document's curated decisions on its task, streaming one task
    at a time (never the whole export in memory); the new file's SHA-256 and the decisions attached."""
    rewritten = part.with_name(part.name + ".curated")
    digest = hashlib.sha256()
    attached = 0
    try:
        with open(rewritten, "wb") as handle:
            def write(chunk: bytes) -> None:
                handle.write(chunk)
                digest.update(chunk)

            write(b"[")
            for index, task in enumerate(_stream_tasks(part, out)):
                attached += attach([task], decided)
                write((b"," if index else b"") + json.dumps(task, ensure_ascii=False).encode("utf-8"))
            write(b"]")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(rewritten, part)
    finally:
        with contextlib.suppress(FileNotFoundError):
            rewritten.unlink()
    return digest.hexdigest(), attached


def _remove_stale_parts(out: Path) -> None:
    """Remove temp files that killed pulls of ``out`` left behind (their process is gone)."""
    remove_leftovers(out.parent if str(out.parent) else Path("."), f".{out.name}.", separator=".",
                     suffixes=(PART_SUFFIX, PART_SUFFIX + ".meta.json"))


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)

