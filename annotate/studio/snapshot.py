"""Label Studio's export snapshots: create one with explicit options, wait for it, stream it to a file.

Never the one-request export (it builds everything in memory and times out on large projects).
The options are explicit: sent as nothing, Label Studio includes everything; sent as a dict, its
defaults would silently drop ground truth and cancelled annotations.
"""

from __future__ import annotations

import hashlib
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from label_studio_sdk import LabelStudio

from annotate.errors import ExportError
from annotate.studio.connection import call_with_retries

POLL_INTERVAL = 0.5

TASK_FILTER = {"only_with_annotations": False}
ANNOTATION_FILTER = {"usual": True, "ground_truth": True, "skipped": True}
SERIALIZATION = {
    "drafts": {"only_id": True},
    "predictions": {"only_id": False},
    "annotations__completed_by": {"only_id": False},
    "include_annotation_history": False,
}


def take_snapshot(client: LabelStudio, project_id: int, timeout: float, *, view: int | None = None) -> Any:
    """A completed snapshot of every task of the project (or of the Data Manager ``view``'s tasks)."""
    # Without a task queue the snapshot is built inside this request: give it the whole timeout.
    # Creating twice after a lost answer only leaves an extra snapshot on the server.
    title = f"annotate pull {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S}"
    task_filter = {**TASK_FILTER, **({"view": view} if view is not None else {})}
    snapshot = call_with_retries(
        client.projects.exports.create, id=project_id, title=title, task_filter_options=task_filter,
        annotation_filter_options=ANNOTATION_FILTER, serialization_options=SERIALIZATION,
        request_options={"timeout_in_seconds": timeout}, what=f"creating an export snapshot of project {project_id}")
    return _wait(client, project_id, snapshot, timeout)


def snapshot_tasks(snapshot: Any) -> int | None:
    """How many tasks the snapshot holds, when Label Studio says."""
    counters = getattr(snapshot, "counters", None)
    number = counters.get("task_number") if isinstance(counters, dict) else None
    return int(number) if isinstance(number, int) else None


def download(client: LabelStudio, project_id: int, export_id: int, part: Path, timeout: float) -> str:
    """Stream the snapshot into ``part``; its SHA-256. A broken stream starts over (the download is idempotent)."""
    what = f"downloading export snapshot {export_id} of project {project_id}"
    return call_with_retries(_stream, client, project_id, export_id, part, timeout, what=what)


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
