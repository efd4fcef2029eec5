"""A second pull that fetches only what changed, and writes the same complete file a full pull would.

The earlier pull of the same file is the base: its sidecar names the project, the server and the
snapshot's time, and its SHA-256 proves the file is what that pull wrote. Label Studio is asked for
a snapshot of the tasks changed since then (:mod:`annotate.studio.changes`), and the earlier file is
streamed into the new one with each changed task replaced (kept on disk meanwhile, never all in
memory), deleted tasks left out and new tasks added. Tasks outside the view hold no draft now, so
their draft ids are emptied.

What cannot be shown to be right falls back to a full pull, with the reason: no usable earlier
pull, more changed tasks than a merge is worth, tasks added or deleted while pulling, or a counter
of the project that did not move while pulling and disagrees with the merged file (a change Label
Studio did not date). Two things
of a full pull it does not redo: a prediction's ``created_ago`` (Label Studio's "how long ago",
stale in any file once written) and a user's name or e-mail changed since, which reach the
file with the next full pull (``annotate pull --full``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from label_studio_sdk import LabelStudio

from annotate.published.manifest import SIDECAR_KEYS, sha256_file
from annotate.studio.changes import (
    Tallies,
    count_tasks_up_to,
    create_changed_view,
    project_tallies,
    remove_view,
    task_ids,
)
from annotate.studio.connection import RequestRefused
from annotate.studio.curation import CURATED_KEY, attach
from annotate.studio.pulled_file import FileCounts, TaskStore, as_json, read_tasks_with_text, write_tasks
from annotate.studio.snapshot import download, snapshot_tasks, take_snapshot

OVERLAP_SECONDS = 300.0  # looked at again before the last snapshot: writes still in flight when it was taken
MERGE_LIMIT = 0.2  # more than this share of the tasks changed: a full pull costs about the same


@dataclass(frozen=True)
class EarlierPull:
    """The earlier pull of the same file that a second pull builds on."""

    path: Path
    snapshot_created_at: datetime
    tasks: int


@dataclass
class MergeStats:
    """What the merge did to the earlier file."""

    changed: int = 0  # tasks of the earlier file replaced by their new version
    new: int = 0
    deleted: int = 0
    curated: int = 0  # decisions of the curation project attached
    last_id: int = 0  # the highest task id written
    missing: set[int] = field(default_factory=set)  # changed tasks not (yet) in the earlier file


@dataclass(frozen=True)
class Merged:
    """A second pull's file, written to the temp file ``part``."""

    snapshot: Any  # the snapshot of the changed tasks
    since: datetime
    sha256: str
    counts: FileCounts
    stats: MergeStats
    checked: bool  # the project's counters matched the file (nothing changed while pulling)


class FullPullNeeded(Exception):  # noqa: N818 - a decision, not a failure
    """Only a full pull can give the right file; ``str()`` says why."""


def earlier_pull(out: Path, meta: Path, project_id: int, url: str) -> EarlierPull | None:
    """The earlier pull of ``out`` that a second pull of this project on this server can build on;
    None when there is none, FullPullNeeded when there is one that cannot be built on."""
    if not out.is_file() and not meta.is_file():
        return None
    if not out.is_file() or not meta.is_file():
        raise FullPullNeeded(f"{out if not out.is_file() else meta} is missing")
    try:
        recorded = json.loads(meta.read_text(encoding="utf-8"))
        created = datetime.fromisoformat(str(recorded[SIDECAR_KEYS["created_at"]]))
        tasks = int(recorded["counts"]["tasks"])
        same = int(recorded[SIDECAR_KEYS["project_id"]]) == project_id and recorded[SIDECAR_KEYS["url"]] == url
        sha256 = str(recorded["sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        raise FullPullNeeded(f"{meta} does not say when {out} was pulled") from None
    if created.tzinfo is None:
        raise FullPullNeeded(f"{meta} gives the snapshot's time without its time zone")
    if not same:
        raise FullPullNeeded(f"{out} was pulled from another project or server")
    try:
        unchanged = sha256_file(out) == sha256
    except OSError as error:
        raise FullPullNeeded(f"cannot read {out} ({error.strerror or error})") from None
    if not unchanged:
        raise FullPullNeeded(f"{out} is not what the last pull wrote (its SHA-256 differs)")
    return EarlierPull(path=out, snapshot_created_at=created, tasks=tasks)


def pull_changes(client: LabelStudio, project_id: int, earlier: EarlierPull, part: Path,
                 decided: Mapping[str, list[dict[str, Any]]], *, timeout: float,
                 overlap: float = OVERLAP_SECONDS) -> Merged:
    """Write to ``part`` the file a full pull would write now, fetching only the tasks changed since
    ``earlier``'s snapshot (less ``overlap`` seconds). Raises FullPullNeeded when it cannot."""
    before = project_tallies(client, project_id)
    since = earlier.snapshot_created_at - timedelta(seconds=overlap)
    try:
        view = create_changed_view(client, project_id, since)
        try:
            snapshot = take_snapshot(client, project_id, timeout, view=view)
        finally:
            remove_view(client, view)
    except RequestRefused as refused:
        raise FullPullNeeded(f"Label Studio refused a snapshot of the changed tasks ({refused})") from None
    fetched = snapshot_tasks(snapshot)
    if fetched is not None and fetched > max(100, MERGE_LIMIT * earlier.tasks):
        raise FullPullNeeded(f"{fetched} of about {earlier.tasks} tasks changed since {earlier.path} was "
                             "pulled: a full pull costs about the same")
    download_path, kept = part.with_name(part.name + ".changes"), part.with_name(part.name + ".kept")
    try:
        download(client, project_id, int(snapshot.id), download_path, timeout)
        changed = TaskStore.of(download_path, kept, earlier.path)
        download_path.unlink()
        after = project_tallies(client, project_id)
        counts, stats, sha256 = _write(earlier.path, changed, None, decided, part)
        if count_tasks_up_to(client, project_id, stats.last_id) < counts.tasks:  # some were deleted
            counts, stats, sha256 = _write(earlier.path, changed, task_ids(client, project_id), decided, part)
        if count_tasks_up_to(client, project_id, stats.last_id) != counts.tasks:
            raise FullPullNeeded("tasks were added or deleted while pulling")
    finally:
        download_path.unlink(missing_ok=True)
        kept.unlink(missing_ok=True)
    _check(before, after, counts.tallies())
    return Merged(snapshot=snapshot, since=since, sha256=sha256, counts=counts, stats=stats, checked=before == after)


def merged_tasks(earlier: Path, changed: TaskStore, alive: set[int] | None,
                 stats: MergeStats) -> Iterator[tuple[dict[str, Any], str | None]]:
    """The earlier file's tasks in their order, each changed one replaced and the deleted left out,
    then the new tasks; each with its JSON text when it is as a snapshot wrote it (the file is
    written in id order: :func:`annotate.studio.pulled_file.write_tasks`)."""
    stats.missing = changed.ids()
    for task, text in read_tasks_with_text(earlier, earlier, earlier=True):
        task_id = int(task["id"])
        if task_id in changed:
            stats.changed += 1
            stats.missing.discard(task_id)
            yield changed.get(task_id)
        elif alive is not None and task_id not in alive:
            stats.deleted += 1
        elif task.get("drafts"):
            task["drafts"] = []  # the view holds every task with a draft
            yield task, None
        else:
            yield task, text
    for task_id in sorted(stats.missing):
        stats.new += 1
        yield changed.get(task_id)


def _write(earlier: Path, changed: TaskStore, alive: set[int] | None,
           decided: Mapping[str, list[dict[str, Any]]], part: Path) -> tuple[FileCounts, MergeStats, str]:
    counts, stats = FileCounts(), MergeStats()

    def tasks() -> Iterator[tuple[int, str]]:
        for task, text in merged_tasks(earlier, changed, alive, stats):
            counts.add(task)
            stats.last_id = max(stats.last_id, int(task["id"]))
            document_id = (task.get("data") or {}).get("document_id") if isinstance(task.get("data"), dict) else None
            if CURATED_KEY in task or (isinstance(document_id, str) and document_id in decided):
                # the curation project's decisions are attached afresh
                task.pop(CURATED_KEY, None)
                stats.curated += attach([task], decided)
                text = None
            yield int(task["id"]), text if text is not None else as_json(task)

    return counts, stats, write_tasks(part, tasks())


def _check(before: Tallies, after: Tallies, merged: Tallies) -> None:
    """Every counter of the project that did not move while pulling must match the merged file's."""
    wrong = [name for name in vars(after)
             if getattr(before, name) == getattr(after, name) != getattr(merged, name)]
    if wrong:
        shown = "; ".join(f"{getattr(after, name)} {name.replace('_', ' ')} in the project, "
                          f"{getattr(merged, name)} in the merged file" for name in wrong)
        raise FullPullNeeded(f"{shown}: Label Studio changed something it did not date")
