"""The agreement and quality report: read the input, compute the figures, write JSON and HTML.

:func:`build_report` reads a pulled Label Studio JSON file or an export version folder and
computes (:mod:`annotate.report.figures`), per label and overall, how well annotators agree
(span F1 exact and overlap; stance kappa and alpha with the number of items behind each), how
useful the pre-annotations were, what was annotated by whom, and how long it took.
:func:`write_report` writes ``report.json`` (sorted keys: the same input gives the same bytes)
and a self-contained ``report.html`` (:mod:`annotate.report.html`). :func:`agreement_summary`
is the small part that goes into a dataset card; :func:`agreement_for_export` gives it only
for a report made from the raw export being published (checked by SHA-256).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from annotate.conversion.convert import convert_task, iter_tasks
from annotate.conversion.records import DocumentRecord
from annotate.errors import ReportError
from annotate.filesystem import write_atomically
from annotate.published.manifest import sha256_file
from annotate.release.annotator_names import annotator_names, keep_new_key
from annotate.report.figures import compute_figures
from annotate.report.html import render_html, source_text
from annotate.scheme.schema import Schema
from annotate.wording import counted

JSON_NAME = "report.json"
HTML_NAME = "report.html"
RAW_KIND = "label-studio-json"


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
        # pyarrow is imported only for an export folder
        from annotate.report.export_source import export_source, read_export

        documents, schema = read_export(path, schema)
        return report_from_records(documents, schema, source=export_source(path))
    if not path.is_file():
        raise ReportError(f"{path}: no such file or folder; pass a pulled Label Studio JSON file "
                          "or an export version folder (exports/vX.Y.Z)")
    documents, problems = read_label_studio(path, schema)
    source = {"kind": RAW_KIND, "name": path.name, "sha256": file_sha256(path), "size": path.stat().st_size}
    return report_from_records(documents, schema, source=source, problems=problems)


def read_label_studio(path: Path, schema: Schema) -> tuple[list[DocumentRecord], list[str]]:
    """Convert every task of a Label Studio JSON export; unusable tasks become problems.

    Raises :class:`ReportError` when the file holds no task or not one task could be read
    (:func:`~annotate.conversion.task_stream.iter_tasks` refuses objects that are not tasks, such as the
    rows of a JSON_MIN export).
    """
    names = annotator_names(path, key_path=None, new_key=False, include_emails=False, latest=None)
    documents: list[DocumentRecord] = []
    problems: list[str] = []
    tasks = 0
    for task in iter_tasks(path):
        tasks += 1
        record, found = convert_task(task, schema, names=names)
        problems += [str(problem) for problem in found]
        if record is not None:
            documents.append(record)
    if not tasks:
        raise ReportError(f"{path}: no tasks in this file (an empty list); export a project that has tasks "
                          "(annotate push, then annotate pull)")
    if not documents:
        first = problems[0] if problems else "no usable task"
        raise ReportError(f"{path}: no task could be read ({counted(tasks, 'task')} in the file); the first "
                          f"problem: {first}; annotate export --input {path} --bump auto lists every problem")
    keep_new_key(names)  # the names in the report hold for the next report and the export
    return documents, problems


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, as hex; :class:`ReportError` when it cannot be read."""
    try:
        return sha256_file(Path(path))
    except OSError as error:
        raise ReportError(f"{path}: cannot read the file ({error.strerror or error}); check the path") from None


def report_from_records(documents: Iterable[DocumentRecord], schema: Schema, *,
                        source: Mapping[str, Any] | None = None, problems: Sequence[str] = ()) -> Report:
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
            "krippendorff_alpha_ci95": block["krippendorff_alpha"].get("ci95"),
            "cohen_kappa": cohen["value"] if cohen else None,
            "cohen_kappa_ci95": cohen.get("ci95") if cohen else None,
            "fleiss_kappa": block["fleiss_kappa"]["value"],
            "fleiss_kappa_ci95": block["fleiss_kappa"].get("ci95"),
        }

    def f1s(block: dict[str, Any]) -> dict[str, Any]:
        return {"exact_f1": block["exact"]["f1"], "exact_f1_ci95": block["exact"].get("ci95"),
                "overlap_f1": block["overlap"]["f1"], "overlap_f1_ci95": block["overlap"].get("ci95")}

    def spans(block: dict[str, Any]) -> dict[str, Any]:
        return f1s(block["overall"])

    source = report.figures.get("source") or {}
    summary = {
        "made_from": source_text(source) if source.get("kind") in (RAW_KIND, "export") else None,
        "annotators": figures["annotators"],
        "documents_compared": figures["documents"],
        "entities": {**spans(figures["entities"]),
                     "labels": {label: f1s(block) for label, block in figures["entities"]["labels"].items()
                                if block["exact"]["spans"]}},
        "claims": {**spans(figures["claims"]), "stance_agreement": figures["claims"]["stance_on_matched"]["agreement"],
                   "stance_agreement_ci95": figures["claims"]["stance_on_matched"].get("ci95")},
        "claim_stance": stance(figures["claim_stance"]),
        "document_stance": stance(figures["document_stance"]),
    }
    return {**summary, "markdown": summary_markdown(summary)}


def summary_markdown(summary: Mapping[str, Any]) -> str:
    """The summary as Markdown, for the dataset card (its ``agreement["markdown"]`` hook).

    Only figures over at least one item are shown: with no document completed by two or more
    annotators the text says that agreement was not measured, and has no table.
    """

    def show(value: float | None, bounds: Sequence[float] | None = None) -> str:
        if value is None:
            return "n/a"
        return f"{value:.3f}" + (f" [{bounds[0]:.3f}, {bounds[1]:.3f}]" if bounds else "")

    made_from = summary.get("made_from")
    closing = ("Computed by `annotate report`" + (f" from {made_from}" if made_from else "")
               + "; its full report has figures per label and per annotator, pre-annotations and time.")
    compared = summary["documents_compared"]
    if not compared:
        return ("Not measured: no document was completed by two or more annotators, so there is no "
                f"agreement between annotators to report.\n\n{closing}\n")
    entities, claims = summary["entities"], summary["claims"]
    span_rows = [("entities, all labels", entities), *entities["labels"].items(), ("claims", claims)]
    span_rows = [(name, block) for name, block in span_rows if block["exact_f1"] is not None]
    lines = [(f"Pairwise agreement between {counted(summary['annotators'], 'annotator')} on "
              f"{counted(compared, 'document')} that two or more of them completed "
              "(F1: exact match / overlap of span and label). In brackets: the 95% bootstrap confidence "
              "interval (1,000 resamples of the documents, fixed seed). Measured before adjudication: the "
              "annotators' own annotations, never a curator's."), ""]
    if span_rows:
        lines += ["| spans | F1 exact | F1 overlap |", "|---|---:|---:|",
                  *(f"| {name} | {show(block['exact_f1'], block.get('exact_f1_ci95'))} | "
                    f"{show(block['overlap_f1'], block.get('overlap_f1_ci95'))} |"
                    for name, block in span_rows), ""]
    else:
        lines += ["No entity or claim was marked in the documents compared.", ""]
    if claims["stance_agreement"] is not None:
        lines += [f"Same stance on matched claims: "
                  f"{show(claims['stance_agreement'], claims.get('stance_agreement_ci95'))}.", ""]
    stance_rows = [(name, summary[key]) for key, name in (("claim_stance", "claims"), ("document_stance", "documents"))
                   if summary[key]["items"]]
    if stance_rows:
        lines += ["| stance | items | annotators | Cohen's kappa | Fleiss' kappa | Krippendorff's alpha |",
                  "|---|---:|---:|---:|---:|---:|"]
        lines += [f"| {name} | {block['items']} | {block['annotators']} | "
                  f"{show(block['cohen_kappa'], block.get('cohen_kappa_ci95'))} | "
                  f"{show(block['fleiss_kappa'], block.get('fleiss_kappa_ci95'))} | "
                  f"{show(block['krippendorff_alpha'], block.get('krippendorff_alpha_ci95'))} |"
                  for name, block in stance_rows]
    else:
        lines.append("No claim or document got a stance from two or more annotators.")
    return "\n".join([*lines, "", closing]) + "\n"


def agreement_for_export(report_file: Path, raw_file: Path, *, schema: Schema | None = None) -> dict[str, Any]:
    """The :func:`agreement_summary` of ``report_file`` (a ``report.json``), for the card of an
    export of ``raw_file``.

    The report must have been made from ``raw_file`` itself, or from an export version built
    from it: the SHA-256 it recorded must be ``raw_file``'s; and, when ``schema`` is given, with
    that schema. Otherwise, and for a report that recorded no checksum (made before annotate
    recorded one), raises :class:`ReportError`.
    """
    report_file, raw_file = Path(report_file), Path(raw_file)
    if raw_file.is_dir():
        raise ReportError(f"{raw_file}: a folder, not a file; give the raw export that annotate pull wrote "
                          "(a .json file)")
    if not raw_file.is_file():
        raise ReportError(f"{raw_file}: no such file; give the raw export that annotate pull wrote (a .json file)")
    # Where to write the report again: beside the one given, if that folder exists.
    folder = report_file.parent if report_file.parent.is_dir() and report_file.parent != Path("/") else Path("reports")
    again = (f"run annotate report --input {raw_file} --out {folder} again, then export with "
             f"--agreement {folder / JSON_NAME}")
    try:
        figures = json.loads(report_file.read_text(encoding="utf-8"))
    except OSError as error:
        raise ReportError(f"{report_file}: cannot read the report ({error.strerror or error}); "
                          f"check the --agreement path, or {again}") from None
    except ValueError as error:
        raise ReportError(f"{report_file}: not valid JSON ({error}); {again}") from None
    if not isinstance(figures, dict) or not isinstance(figures.get("agreement"), dict):
        raise ReportError(f"{report_file}: not a report.json written by annotate report (no agreement "
                          f"figures); {again}")
    made_from, recorded = _recorded_input(figures.get("source"))
    if recorded is None:
        raise ReportError(f"{report_file}: the report does not record the SHA-256 of the file it was made "
                          f"from (it is older than that check, or was made from records), so it cannot be "
                          f"matched to {raw_file}; {again}")
    digest = file_sha256(raw_file)
    if digest != recorded:
        raise ReportError(f"{report_file}: this report was made from {made_from} (SHA-256 {recorded[:12]}…), "
                          f"but this export reads {raw_file} (SHA-256 {digest[:12]}…); {again}")
    used = figures.get("schema") if isinstance(figures.get("schema"), dict) else {}
    if schema is not None and used.get("fingerprint") != schema.fingerprint:
        raise ReportError(f"{report_file}: this report read the annotations with schema {used.get('name')} "
                          f"{used.get('version')} (fingerprint {str(used.get('fingerprint'))[:12]}…), but this "
                          f"export uses {schema.name} {schema.version} ({schema.fingerprint[:12]}…); run annotate "
                          f"report --input {raw_file} --schema {schema.path or 'SCHEMA'} --out {folder} again, then "
                          f"export with --agreement {folder / JSON_NAME}")
    try:
        return agreement_summary(Report(figures=figures))
    except (KeyError, TypeError, AttributeError):
        raise ReportError(f"{report_file}: the agreement figures are incomplete; {again}") from None


def _recorded_input(source: Any) -> tuple[str, str | None]:
    """What a report says it was made from, and the SHA-256 of that raw export (``None`` if unknown)."""
    if not isinstance(source, dict):
        return "an unknown input", None
    if source.get("kind") == RAW_KIND and isinstance(source.get("sha256"), str):
        return str(source.get("name")), source["sha256"]
    raw = source.get("raw")
    if source.get("kind") == "export" and isinstance(raw, dict) and isinstance(raw.get("sha256"), str):
        return f"export {source.get('name')} (built from {raw.get('file')})", raw["sha256"]
    return str(source.get("name") or "an unknown input"), None


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
