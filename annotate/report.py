"""The agreement and quality report: read the input, compute the figures, write JSON and HTML.

:func:`build_report` reads a pulled Label Studio JSON file or an export version folder and
computes (:mod:`annotate.report_figures`), per label and overall, how well annotators agree
(span F1 exact and overlap; stance kappa and alpha with the number of items behind each), how
useful the pre-annotations were, what was annotated by whom, and how long it took.
:func:`write_report` writes ``report.json`` (sorted keys: the same input gives the same bytes)
and a self-contained ``report.html`` (:mod:`annotate.report_html`). :func:`agreement_summary`
is the small part that goes into a dataset card.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from annotate.convert import AnnotatorNames, convert_task, iter_tasks
from annotate.errors import ReportError
from annotate.files import write_atomically
from annotate.records import DocumentRecord
from annotate.report_figures import compute_figures
from annotate.report_html import render_html
from annotate.schema import Schema

JSON_NAME = "report.json"
HTML_NAME = "report.html"


@dataclass(frozen=True)
class Report:
    """Every figure of the report as JSON-ready data (``figures``), plus the conversion problems."""

    figures: dict[str, Any]
    problems: tuple[str, ...] = field(default=())

    def to_json(self) -> str:
        """The figures as JSON with sorted keys: the same input gives the same text."""
        return json.dumps(self.figures, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


class ReportFiles(NamedTuple):
    json: Path
    html: Path


# ---------------------------------------------------------------------------------------------
# Reading the input


def build_report(path: Path, schema: Schema) -> Report:
    """The report of a pulled Label Studio JSON file, or of an export version folder.

    An export folder is read with its own ``schema.yaml`` when it has one; it holds completed
    annotations only, so cancelled annotations and pre-annotations cannot be reported from it.
    """
    path = Path(path)
    if path.is_dir():
        from annotate.report_export import read_export  # datasets and pyarrow only for an export

        documents, schema = read_export(path, schema)
        return report_from_records(documents, schema, source={"kind": "export", "name": path.name})
    if not path.is_file():
        raise ReportError(f"{path}: no such file or folder; pass a pulled Label Studio JSON file "
                          "or an export version folder (exports/vX.Y.Z)")
    documents, problems = read_label_studio(path, schema)
    return report_from_records(documents, schema, source={"kind": "label-studio-json", "name": path.name},
                               problems=problems)


def read_label_studio(path: Path, schema: Schema) -> tuple[list[DocumentRecord], list[str]]:
    """Convert every task of a Label Studio JSON export; unusable tasks become problems."""
    names = AnnotatorNames(include_emails=False)
    documents: list[DocumentRecord] = []
    problems: list[str] = []
    for task in iter_tasks(path):
        record, found = convert_task(task, schema, names=names)
        problems += [str(problem) for problem in found]
        if record is not None:
            documents.append(record)
    return documents, problems


def report_from_records(documents: Iterable[DocumentRecord], schema: Schema, *,
                        source: Mapping[str, str] | None = None, problems: Sequence[str] = ()) -> Report:
    """The report of document records (what :func:`build_report` does once the input is read)."""
    figures = compute_figures(documents, schema, source=source, problems=problems)
    return Report(figures=figures, problems=tuple(problems))


# ---------------------------------------------------------------------------------------------
# Summary and writing


def agreement_summary(report: Report) -> dict[str, Any]:
    """The headline agreement figures, small enough for a dataset card."""
    figures = report.figures["agreement"]

    def stance(block: dict[str, Any]) -> dict[str, Any]:
        cohen = block["cohen_kappa"]
        return {
            "items": block["items"],
            "annotators": block["annotators"],
            "krippendorff_alpha": block["krippendorff_alpha"]["value"],
            "cohen_kappa": cohen["value"] if cohen else None,
            "fleiss_kappa": block["fleiss_kappa"]["value"],
        }

    def spans(block: dict[str, Any]) -> dict[str, Any]:
        return {"exact_f1": block["overall"]["exact"]["f1"], "overlap_f1": block["overall"]["overlap"]["f1"]}

    summary = {
        "annotators": figures["annotators"],
        "documents_compared": figures["documents"],
        "entities": {**spans(figures["entities"]),
                     "labels": {label: {"exact_f1": block["exact"]["f1"], "overlap_f1": block["overlap"]["f1"]}
                                for label, block in figures["entities"]["labels"].items()
                                if block["exact"]["spans"]}},
        "claims": {**spans(figures["claims"]), "stance_agreement": figures["claims"]["stance_on_matched"]["agreement"]},
        "claim_stance": stance(figures["claim_stance"]),
        "document_stance": stance(figures["document_stance"]),
    }
    return {**summary, "markdown": summary_markdown(summary)}


def summary_markdown(summary: Mapping[str, Any]) -> str:
    """The summary as Markdown tables, for the dataset card (its ``agreement["markdown"]`` hook)."""

    def show(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    entities, claims = summary["entities"], summary["claims"]
    lines = [
        f"Pairwise agreement between {summary['annotators']} annotators on {summary['documents_compared']} "
        "documents that two or more of them completed (F1: exact match / overlap of span and label).",
        "",
        "| spans | F1 exact | F1 overlap |",
        "|---|---:|---:|",
        f"| entities, all labels | {show(entities['exact_f1'])} | {show(entities['overlap_f1'])} |",
        *(f"| {label} | {show(block['exact_f1'])} | {show(block['overlap_f1'])} |"
          for label, block in entities["labels"].items()),
        f"| claims | {show(claims['exact_f1'])} | {show(claims['overlap_f1'])} |",
        "",
        f"Same stance on matched claims: {show(claims['stance_agreement'])}.",
        "",
        "| stance | items | annotators | Cohen's kappa | Fleiss' kappa | Krippendorff's alpha |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key, name in (("claim_stance", "claims"), ("document_stance", "documents")):
        block = summary[key]
        lines.append(f"| {name} | {block['items']} | {block['annotators']} | {show(block['cohen_kappa'])} | "
                     f"{show(block['fleiss_kappa'])} | {show(block['krippendorff_alpha'])} |")
    lines += ["", "The full report (per label, per annotator, pre-annotations, time): `annotate report`."]
    return "\n".join(lines) + "\n"


def write_report(report: Report, out_dir: Path) -> ReportFiles:
    """Write ``report.json`` and ``report.html`` into ``out_dir`` (created if needed), each
    through a temporary file that replaces the old one only when complete."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ReportError(f"{out_dir}: cannot create the report folder ({error.strerror or error}); "
                          "pick another --out") from None
    files = ReportFiles(out_dir / JSON_NAME, out_dir / HTML_NAME)
    _write_atomic(files.json, report.to_json())
    _write_atomic(files.html, render_html(report.figures))
    return files


def _write_atomic(path: Path, text: str) -> None:
    try:
        write_atomically(path, text)
    except OSError as error:
        raise ReportError(f"{path}: cannot write the report ({error.strerror or error}); "
                          "check the folder's permissions and free space") from None
