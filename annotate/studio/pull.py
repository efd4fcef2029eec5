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

A second pull of the same file fetches only the tasks changed since the first
(:mod:`annotate.studio.incremental_pull`) and writes the same complete file; ``full=True`` (or an
earlier file it cannot build on, with the reason in :attr:`PullResult.full_reason`) fetches everything.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from label_studio_sdk import LabelStudio

from annotate import __version__
from annotate.conversion.annotator_key import key_path_for, load_key
from annotate.errors import ExportError, ProjectError
from annotate.filesystem import remove_leftovers, write_atomically
from annotate.published.manifest import SIDECAR_KEYS
from annotate.studio.api import find_project, get_project, server_url
from annotate.studio.curation import attach, decisions
from annotate.studio.incremental_pull import OVERLAP_SECONDS, FullPullNeeded, Merged, earlier_pull, pull_changes
from annotate.studio.pulled_file import FileCounts, as_json, count, read_tasks, read_tasks_with_text, write_tasks
from annotate.studio.snapshot import download, take_snapshot

PART_SUFFIX = ".part"

__all__ = ["PullResult", "count", "default_output", "meta_path_for", "pull"]


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
    incremental: Changes | None = None  # a second pull that fetched only what changed
    full_reason: str | None = None  # why an earlier pull of the file was not built on


@dataclass(frozen=True)
class Changes:
    """What a second pull fetched: the tasks changed since ``since``."""

    since: str  # ISO time: the earlier snapshot's, less the overlap
    changed: int  # tasks of the earlier file replaced
    new: int
    deleted: int
    checked: bool  # the project's counters matched the file


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
    full: bool = False,
    overlap: float = OVERLAP_SECONDS,
) -> PullResult:
    """Export the project through a snapshot and write the raw JSON to ``out`` (atomically).

    When ``out`` holds an earlier pull of the same project (its sidecar says so and its SHA-256
    matches), only the tasks changed since that snapshot, less ``overlap`` seconds, are fetched
    and merged into it; ``full`` fetches everything. The annotator key (``annotator_key``, default
    ``annotators.json`` beside ``out``; created when missing) records which user id of this server
    is which person, as a keyed hash of the e-mail, so that a JSON export from the web page names
    them the same way.
    """
    out = Path(out)
    project = _project(client, project_title, project_id)
    _check_folder(out)
    _remove_stale_parts(out)
    key = load_key(annotator_key or key_path_for(out), create=True)
    url = server_url(client)

    part = out.with_name(f".{out.name}.{os.getpid()}{PART_SUFFIX}")
    try:
        decided = decisions(client, project)
        merged, full_reason = None, None
        if not full:
            try:
                earlier = earlier_pull(out, meta_path_for(out), int(project.id), url)
                if earlier is not None:
                    merged = pull_changes(client, int(project.id), earlier, part, decided, timeout=timeout,
                                          overlap=overlap)
            except FullPullNeeded as reason:
                full_reason = str(reason)
        if merged is None:
            snapshot, digest, counts, curated = _pull_everything(client, int(project.id), out, part, decided, timeout)
            changes = None
        else:
            snapshot, digest, counts, curated = merged.snapshot, merged.sha256, merged.counts, merged.stats.curated
            changes = _changes(merged)
        key.record(url, counts.users)
        key.save()
        meta = {
            "project_id": project.id,
            "project_title": project.title,
            "url": url,
            "export_id": snapshot.id,
            SIDECAR_KEYS["created_at"]: _iso(snapshot.created_at),
            "pulled_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "annotate_version": __version__,
            "sha256": digest,
            "counts": {**counts.as_dict(), **({"curated": curated} if curated else {})},
            "pull": {"kind": "full"} if changes is None else {"kind": "only what changed", **vars(changes)},
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
                      annotator_key=key.path, annotator_key_created=key.created, incremental=changes,
                      full_reason=full_reason, **counts.as_dict())


def _pull_everything(client: LabelStudio, project_id: int, out: Path, part: Path,
                     decided: dict[str, list[dict[str, Any]]], timeout: float) -> tuple[Any, str, FileCounts, int]:
    """A snapshot of every task, written to ``part`` in id order with the curation decisions
    attached: the snapshot, the file's SHA-256, its counts and the decisions attached."""
    snapshot = take_snapshot(client, project_id, timeout)
    downloaded = part.with_name(part.name + ".download")
    try:
        digest = download(client, project_id, int(snapshot.id), downloaded, timeout)
        if not decided:  # the download itself, when Label Studio gave the tasks in id order
            counts, last, in_order = FileCounts(), 0, True
            for task in counts.counted(read_tasks(downloaded, out)):
                in_order, last = in_order and int(task["id"]) > last, int(task["id"])
            if in_order:
                os.replace(downloaded, part)
                return snapshot, digest, counts, 0
        counts, curated = FileCounts(), 0

        def tasks() -> Iterator[tuple[int, str]]:
            nonlocal curated
            for task, text in read_tasks_with_text(downloaded, out):
                counts.add(task)
                attached = attach([task], decided)  # the curation project's decisions travel in the file
                curated += attached
                yield int(task["id"]), as_json(task) if attached else text
        return snapshot, write_tasks(part, tasks()), counts, curated
    finally:
        downloaded.unlink(missing_ok=True)


def _changes(merged: Merged) -> Changes:
    return Changes(since=merged.since.isoformat(), changed=merged.stats.changed, new=merged.stats.new,
                   deleted=merged.stats.deleted, checked=merged.checked)


def _check_folder(out: Path) -> None:
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


def _remove_stale_parts(out: Path) -> None:
    """Remove temp files that killed pulls of ``out`` left behind (their process is gone)."""
    remove_leftovers(out.parent if str(out.parent) else Path("."), f".{out.name}.", separator=".",
                     suffixes=tuple(PART_SUFFIX + tail for tail in ("", ".download", ".changes", ".kept", ".ordered")))


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)

