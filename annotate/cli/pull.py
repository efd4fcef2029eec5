"""``annotate pull``: fetch a project's annotations as raw Label Studio JSON, through a snapshot."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from annotate.cli.options import add_connection, add_schema

if TYPE_CHECKING:
    from annotate.studio.pull import PullResult


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "pull",
        help="download every annotation of the project (raw Label Studio JSON) through an export snapshot",
        description="Create an export snapshot of the project in Label Studio, wait for it and stream it to "
        "a file: every task, every annotator's completed annotations, ground truth, and cancelled (skipped) "
        "annotations marked was_cancelled. A sidecar FILE.meta.json records the project, server, snapshot "
        "and the file's SHA-256. The file is replaced only when the download is complete. When FILE holds "
        "an earlier pull of the project, only the tasks changed since then are fetched and merged into it.",
    )
    parser.add_argument("--project", metavar="TITLE",
                        help="project title (default: the project push made for the schema)")
    add_schema(parser, ", for the default project")
    parser.add_argument("--out", metavar="FILE", type=Path,
                        help="where to write the JSON (default: annotations/<project-title-slug>.json)")
    parser.add_argument("--timeout", type=float, default=600, metavar="SECONDS",
                        help="how long to wait for the snapshot and the download (default 600)")
    parser.add_argument("--full", action="store_true",
                        help="fetch every task again; by default a second pull of the same file fetches only "
                        "the tasks changed since the first and writes the same complete file")
    parser.add_argument("--annotators", metavar="FILE", type=Path,
                        help="the project's annotator key (default: annotators.json beside --out; "
                        "created when missing)")
    add_connection(parser, "the embedded server and the recorded project ids")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from annotate.cli.project import annotation_project
    from annotate.studio.pull import default_output, pull

    client, title, project = annotation_project(args, args.schema)
    result = pull(client=client, out=args.out or default_output(title), timeout=args.timeout,
                  annotator_key=args.annotators, full=args.full, **project)
    print(summary(result))
    return 0


def summary(result: PullResult) -> str:
    return "\n".join([
        f"pulled project {result.project_title!r} (id {result.project_id}), export snapshot {result.export_id}",
        *how_pulled(result),
        f"tasks: {result.tasks}, documents without a completed annotation: {result.documents_without_annotation}",
        (f"annotations: {result.annotations} (ground truth {result.ground_truth}) by {result.annotators} "
         f"annotator(s); cancelled (kept, marked): {result.cancelled}"),
        *([f"curated decisions (from the curation project): {result.curated}"] if result.curated else []),
        f"wrote {result.path} and {result.meta_path}",
        *([new_key_notice(result.annotator_key)] if result.annotator_key_created else []),
    ])


def how_pulled(result: PullResult) -> list[str]:
    """What a second pull fetched, or why it fetched everything."""
    changes = result.incremental
    if changes is not None:
        return [f"only what changed since {changes.since}: {changes.changed} task(s) fetched again, "
                f"{changes.new} new, {changes.deleted} deleted; the other tasks were kept from the earlier pull"]
    if result.full_reason:
        return [f"fetched every task: {result.full_reason}"]
    return []


def new_key_notice(path: Path | None) -> str:
    """Said out loud whenever a new annotator key is made: it means new pseudonyms."""
    return (f"new annotator key: {path} (mode 0600). It names every annotator; keep it with the project and "
            "share it only with the team that exports it. If this project had a key elsewhere, restore that "
            "file instead: with this one, everybody gets a new name.")
