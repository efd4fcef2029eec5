"""The correction reports kept beside the corpus: the history of every text version, and the
journal that makes a correction all or nothing.

One push that corrects articles writes one file, ``<corpus folder>/corrections/<time>-project-<id>.json``,
*before* it changes anything on the server, with ``status: "pending"`` and everything it will send
(``apply``). When all is sent, the file is rewritten with ``status: "done"`` and without ``apply``.
A push killed in between leaves a pending file; the next push to that project sends all of it
again (every request sets a final value, so sending twice is harmless) before anything else, so
every article ends up old or new, never half-moved. Label Studio's open-source edition keeps no
annotation history: these files are it (old and new text checksum and version, every region's
old and new offsets). They name no annotator.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from annotate.corrections.plan import ArticlePlan
from annotate.errors import CorrectionError
from annotate.filesystem import read_json_object, write_atomically

FORMAT = 1
PENDING, DONE = "pending", "done"


@dataclass(frozen=True)
class Report:
    """One correction report: where it is and what it holds."""

    path: Path
    content: dict[str, Any]

    @property
    def pending(self) -> bool:
        return self.content.get("status") == PENDING

    @property
    def articles(self) -> list[dict[str, Any]]:
        return list(self.content.get("articles") or ())

    @property
    def to_apply(self) -> list[dict[str, Any]]:
        return list(self.content.get("apply") or ())


def start_report(folder: Path, *, server: str, project_id: int, plans: Sequence[ArticlePlan]) -> Report:
    """Write the pending report of a correction (before anything is sent)."""
    now = datetime.now(timezone.utc)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{now.strftime('%Y-%m-%dT%H-%M-%S-%fZ')}-project-{project_id}"
    content = {"format": FORMAT, "status": PENDING, "server": server, "project_id": project_id,
               "started": now.isoformat(timespec="seconds"),
               "articles": [plan.history() for plan in plans],
               "apply": [plan.to_apply() for plan in plans]}
    report = Report(folder / f"{stem}.json", content)
    _write(report)
    return report


def finish_report(report: Report) -> Report:
    """Mark a report done: everything was sent."""
    content = {key: value for key, value in report.content.items() if key != "apply"}
    content["status"] = DONE
    content["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    done = Report(report.path, content)
    _write(done)
    return done


def pending_reports(folder: Path, *, server: str, project_id: int) -> list[Report]:
    """The unfinished corrections of this project on this server, oldest first."""
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.json")):
        content = read_json_object(path, CorrectionError, "a correction report",
                                   "restore it from git, or remove it if that correction was never started")
        report = Report(path, content)
        if report.pending and content.get("server") == server and content.get("project_id") == project_id:
            found.append(report)
    return found


def _write(report: Report) -> None:
    write_atomically(report.path, json.dumps(report.content, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
