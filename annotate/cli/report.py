"""``annotate report``: agreement and quality figures as JSON and a self-contained HTML page."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from annotate.cli.options import add_schema

DEFAULT_OUT = "reports"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="agreement between annotators, pre-annotation use, counts and time, as HTML and JSON",
        description="Compute inter-annotator agreement (span F1 exact and overlap per label; stance "
        "Cohen's kappa, Fleiss' kappa and Krippendorff's alpha), pre-annotation usefulness, counts per "
        "label, annotator and document, and annotation time; write report.json and report.html.",
    )
    parser.add_argument("--input", metavar="FILE", required=True, type=Path,
                        help="a pulled Label Studio JSON file, or an export version folder (exports/vX.Y.Z)")
    parser.add_argument("--out", metavar="DIR", type=Path, default=Path(DEFAULT_OUT),
                        help=f"folder for report.json and report.html (default: {DEFAULT_OUT}/)")
    add_schema(parser, default="the one file in schemas/; an export folder uses its own")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from annotate.report.build import build_report, write_report
    from annotate.wording import counted

    schema = _schema(args)
    report = build_report(args.input, schema)
    files = write_report(report, args.out)
    figures = report.figures
    totals, agreement = figures["totals"], figures["agreement"]
    compared = totals["documents_compared"]
    print(f"{counted(totals['documents'], 'document')}; {counted(totals['completed'], 'completed annotation')} "
          f"and {totals['cancelled']} cancelled, by {counted(totals['annotators'], 'annotator')}; "
          + (f"{counted(compared, 'document')} {'has' if compared == 1 else 'have'} two or more annotators."
             if compared else "no document has two or more annotators, so agreement is not measured."))
    for name in ("entities", "claims"):
        overall = agreement[name]["overall"]
        print(f"{name.capitalize()} pairwise F1: exact {_show(overall['exact']['f1'])}, "
              f"overlap {_show(overall['overlap']['f1'])}")
    for name, title in (("claim_stance", "Claim stance"), ("document_stance", "Document stance")):
        block = agreement[name]
        alpha = block["krippendorff_alpha"]
        cohen = block["cohen_kappa"]
        kappa = (f"Cohen's kappa {_show(cohen['value'])} ({counted(cohen['items'], 'item')}), "
                 if cohen else "")
        print(f"{title}: {kappa}Krippendorff's alpha {_show(alpha['value'])} ({counted(alpha['items'], 'item')})")
    problems = figures["problems"]
    if problems["count"]:
        print(_problems_line(problems["count"], len(problems["first"]), files.json, files.html))
    print(f"Wrote {files.json}")
    print(f"Wrote {files.html}")
    return 0


def _problems_line(count: int, listed: int, data: Path, page: Path) -> str:
    """Where the reading problems are listed: every one in ``report.json``, the first in the page."""
    from annotate.wording import counted

    if listed >= count:
        return f"{counted(count, 'problem')} while reading, listed in {page} and {data}."
    return (f"{count} problems while reading; the first {listed} are listed in {page}, every one in "
            f"{data} (problems.all).")


def _schema(args: argparse.Namespace) -> Any:
    from annotate.scheme.schema import load_schema

    if args.schema is None and Path(args.input).is_dir() and (Path(args.input) / "schema.yaml").is_file():
        return load_schema(Path(args.input) / "schema.yaml", strict=False)  # a published copy
    return load_schema(args.schema)


def _show(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
