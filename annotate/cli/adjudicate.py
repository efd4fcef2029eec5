"""``annotate adjudicate``: the documents whose annotators disagree, prepared for a curator."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from annotate.cli.options import add_connection, add_schema

if TYPE_CHECKING:
    from annotate.adjudication.adjudicate import AdjudicationResult


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "adjudicate",
        help="send the documents whose annotators disagree to a curation project in Label Studio",
        description="Pull the annotation project, find the documents whose annotators' latest completed "
        "annotations disagree (entity spans or labels, claims, a claim's stance, attributes or claimant, the "
        "document's stance), and add one task per such document, most disputed first, to the curation "
        "project '<title> (curation)', with a proposal (what the annotators agree on, the majority or "
        "nothing on each disputed point) and each annotator's version beside the text. Run again, it adds "
        "only what is new.",
    )
    parser.add_argument("--project", metavar="TITLE",
                        help="the annotation project's title (default: the project push made for the schema)")
    add_schema(parser, ", for the default project and the labeling config")
    parser.add_argument("--timeout", type=float, default=600, metavar="SECONDS",
                        help="how long to wait for the annotation project's export snapshot (default 600)")
    parser.add_argument("--annotators", metavar="FILE", type=Path,
                        help="the project's annotator key, so that the curator sees the pseudonyms the export "
                        "gives (default: annotators.json beside the file annotate pull writes for the project)")
    add_connection(parser, "the embedded server and the recorded project ids")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from annotate.adjudication.adjudicate import adjudicate
    from annotate.cli.project import annotation_project
    from annotate.conversion.annotator_key import key_path_for
    from annotate.scheme.schema import load_schema
    from annotate.studio.pull import default_output

    schema = load_schema(args.schema)
    client, title, project = annotation_project(args, args.schema)
    key = args.annotators or key_path_for(default_output(title))
    print(summary(adjudicate(client=client, schema=schema, timeout=args.timeout, annotator_key=key, **project)))
    return 0


def summary(result: AdjudicationResult) -> str:
    from annotate.wording import counted

    if result.nothing_to_adjudicate:
        return (f"nothing to adjudicate: no document of project {result.project_title!r} was completed by "
                "two or more annotators")
    disputed = len(result.disputes)
    lines = [f"documents in dispute: {disputed} of {result.documents_compared} completed by two or more annotators"]
    if not disputed:
        return lines[0] + "; the annotators agree on every one, nothing to adjudicate"
    kinds = ", ".join(f"{kind.replace('_', ' ')} {count}" for kind, count in result.points.items() if count)
    lines.append(f"points in dispute: {sum(result.points.values())} ({kinds})")
    lines.append(f"curation project {result.curation_title!r} (id {result.curation_project_id}): "
                 f"{counted(result.added, 'task')} added ({result.listed_again} decided before and listed again), "
                 f"{result.unchanged} already there and unchanged, {result.replaced} outdated replaced")
    lines.append(f"curate at {result.url}")
    return "\n".join(lines)
