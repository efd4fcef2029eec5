"""``annotate validate PATH``: check a version folder or an exports root, as a dataset's CI does."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from annotate.errors import AnnotateError

if TYPE_CHECKING:
    from annotate.validation.validate import Failure, ValidationReport

FORMATS = ("text", "json", "github")
ADVICE = ("A published version never changes: restore changed files from version control, or fix the "
          "annotations in Label Studio and export a new version.")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check an exported dataset: files, card, features, spans, versions (exit 1 on any error)",
        description="Check a version folder (exports/v1.0.0) or an exports root (exports/, then every "
        "version and the rules between consecutive versions): the manifest's checksums, the card's Hub "
        "metadata, that every config loads with datasets with the schema's features, every span, "
        "claimant, stance and ner tag, and the semantic-version and split rules. Prints one line per "
        "problem naming file, config, row and field; exits 0 only when everything holds.",
    )
    parser.add_argument("path", metavar="PATH", help="a version folder or the exports root")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="text (default), json, or github (workflow annotations for GitHub Actions)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from annotate.validation.validate import validate

    path = Path(args.path)
    if not path.is_dir():  # a wrong argument, not a broken export: one error line, no report
        problem = "not a folder" if path.exists() else "no such folder"
        raise AnnotateError(f"{path}: {problem}; give a version folder (exports/v1.0.0) or the exports root (exports)")
    report = validate(path)
    if args.format == "json":
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    elif args.format == "github":
        for failure in report.failures:
            print(github_annotation(failure))
        print(summary(report))
    else:
        for failure in report.failures:
            print(f"{failure.severity}: {failure}")
        print(summary(report))
    return 0 if report.ok else 1


def summary(report: ValidationReport) -> str:
    versions = ", ".join(report.versions) or "none"
    if report.ok:
        warned = f" ({len(report.warnings)} warning(s))" if report.warnings else ""
        return f"{report.path}: every check passed for version(s) {versions}{warned}"
    advice = f" {ADVICE}" if report.versions else ""
    return (f"{report.path}: {len(report.errors)} error(s), {len(report.warnings)} warning(s) in version(s) "
            f"{versions}.{advice}")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(failure: Failure) -> str:
    """A GitHub Actions workflow command: ``::error file=...,title=...::message``."""
    properties = [f"file={_escape_property(failure.file)}"]
    if failure.line is not None:
        properties.append(f"line={failure.line}")
    title = "annotate validate" + (f" ({failure.where})" if failure.where else "")
    properties.append(f"title={_escape_property(title)}")
    return f"::{failure.severity} {','.join(properties)}::{_escape_data(failure.message)}"
