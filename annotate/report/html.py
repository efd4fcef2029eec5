"""The report as one self-contained HTML page: tables, and bar charts drawn as inline SVG.

Nothing is fetched when the page opens (no script, font, stylesheet or image from elsewhere),
so it can be mailed, archived or opened offline. Every text from the data is escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from typing import Any

from annotate.wording import counted, noun

EXACT, OVERLAP = "#4363d8", "#42d4f4"
KEPT, CHANGED, DELETED, ADDED = "#3cb44b", "#f58231", "#e6194b", "#a9a9a9"
COMPLETED, CANCELLED = "#4363d8", "#bbbbbb"
BAR = "#469990"

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;
padding:1.5rem;color:#222}
h1{font-size:1.5rem;margin:.2rem 0}h2{margin-top:2.2rem;border-bottom:2px solid #ddd;padding-bottom:.2rem}
h3{margin-bottom:.4rem}.muted{color:#666}.cards{display:flex;flex-wrap:wrap;gap:.6rem;margin:1rem 0}
.card{border:1px solid #ddd;border-radius:6px;padding:.5rem .9rem;min-width:7.5rem}
.card b{display:block;font-size:1.35rem}table{border-collapse:collapse;margin:.5rem 0 1rem}
th,td{border-bottom:1px solid #e5e5e5;padding:.25rem .6rem;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}thead th{background:#f5f5f5}
.num{font-variant-numeric:tabular-nums}svg{display:block;margin:.5rem 0;max-width:100%;height:auto}
details{margin:.6rem 0}summary{cursor:pointer;font-weight:600}code{background:#f3f3f3;padding:0 .2rem}
"""


def render_html(figures: dict[str, Any]) -> str:
    """The whole page for the figures of :func:`annotate.report.build.report_from_records`."""
    schema, source, totals = figures["schema"], figures["source"], figures["totals"]
    title = f"Annotation report: {report_subject(source)}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        (f'<p class="muted">From {escape(source_text(source))}; schema {escape(schema["name"])} '
         f'{escape(schema["version"])}, fingerprint <code>{escape(schema["fingerprint"][:16])}</code>.</p>'),
        _summary(totals, figures["time"]),
        _labels(figures["labels"]),
        _agreement(figures["agreement"]),
        _preannotation(figures["preannotation"]),
        _annotators(figures["annotators"]),
        _documents(figures["documents"]),
        _problems(figures["problems"]),
        _notes(),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def report_subject(source: dict[str, Any]) -> str:
    """What the report is about, for its heading: the dataset's name and version for an export
    folder, the file's name for a raw Label Studio export."""
    name = str(source.get("name") or "")
    if source.get("kind") == "export":
        dataset, version = source.get("dataset"), source.get("version")
        if dataset and version:
            return f"{dataset} v{version}"
        return f"export {name}" + (f" (version {version})" if version and f"v{version}" != name else "")
    return name or "annotations"


def source_text(source: dict[str, Any]) -> str:
    """What the report was made from, in words: the file or folder, and its checksum."""
    name, kind = source.get("name", ""), source.get("kind", "")
    if kind == "label-studio-json":
        digest = source.get("sha256")
        return f"Label Studio export {name}" + (f" (SHA-256 {digest[:16]}…)" if digest else "")
    if kind == "export":
        raw = source.get("raw")
        built = f", built from {raw.get('file')} (SHA-256 {str(raw.get('sha256'))[:16]}…)" if raw else ""
        return f"export folder {name}{built}"
    return f"{kind} {name}".strip()


# ---------------------------------------------------------------------------------------------
# Sections


def _summary(totals: dict[str, int], time: dict[str, Any]) -> str:
    def card(key: str, singular: str, plural: str | None = None) -> tuple[str, int]:
        return noun(totals[key], singular, plural), totals[key]

    cards = [
        card("documents", "document"),
        ("compared (2+ annotators)", totals["documents_compared"]),
        card("annotators", "annotator"),
        card("completed", "completed annotation"),
        ("cancelled", totals["cancelled"]),
        card("entities", "entity", "entities"),
        card("claims", "claim"),
        ("total time", _duration(time["total_seconds"]) if time["annotations_timed"] else "n/a"),
        ("median per annotation", _duration(time["median_seconds"])),
        card("problems", "problem"),
    ]
    inner = "".join(f'<div class="card"><b class="num">{escape(str(value))}</b>{escape(name)}</div>'
                    for name, value in cards)
    return f'<div class="cards">{inner}</div>'


def _labels(labels: dict[str, Any]) -> str:
    spans = {**labels["entities"], **labels["claims"]}
    chart = _bars([(label, [count]) for label, count in spans.items()], [("spans", BAR)],
                  maximum=max(spans.values(), default=0), fmt=str, title="Spans per label")
    stances = _table(
        ["stance", "claims", "documents"],
        [[value, labels["claim_stance"].get(value, 0), labels["document_stance"].get(value, 0)]
         for value in dict.fromkeys([*labels["claim_stance"], *labels["document_stance"]])],
    )
    return ("<h2>Label distribution</h2><p class=\"muted\">Spans in completed annotations (every "
            f"annotator counted).</p>{chart}<h3>Stance values</h3>{stances}")


def _agreement(figures: dict[str, Any]) -> str:
    if not figures["documents"]:
        return ("<h2>Agreement between annotators</h2><p>Nothing to compare: no document was completed "
                "by two or more annotators.</p>")
    entities, claims = figures["entities"], figures["claims"]
    rows = [(label, [block["exact"]["f1"], block["overlap"]["f1"]]) for label, block in entities["labels"].items()]
    rows.append(("all entities", [entities["overall"]["exact"]["f1"], entities["overall"]["overlap"]["f1"]]))
    rows += [(label, [block["exact"]["f1"], block["overlap"]["f1"]]) for label, block in claims["labels"].items()]
    rows = [(label, values) for label, values in rows if any(value is not None for value in values)]
    chart = _bars(rows, [("exact match", EXACT), ("overlap", OVERLAP)], maximum=1.0, fmt=_ratio,
                  title="Pairwise span F1 per label (labels somebody used)")
    span_rows = []
    for label, block in [*entities["labels"].items(), ("all entities", entities["overall"]),
                         *claims["labels"].items()]:
        span_rows.append([label, _fig(block["exact"], "f1"), _fig(block["overlap"], "f1"),
                          block["exact"]["matched"], block["overlap"]["matched"], block["exact"]["spans"]])
    table = _table(["label", "F1 exact", "F1 overlap", "matched exact", "matched overlap", "spans"], span_rows)
    pairs = _table(
        ["annotator pair", "documents", "entities F1 exact", "entities F1 overlap"],
        [[" / ".join(p["annotators"]), p["documents"], _fig(p["exact"], "f1"), _fig(p["overlap"], "f1")]
         for p in entities["pairs"]])
    matched = claims["stance_on_matched"]
    stance_rows = [_stance_row("claims", figures["claim_stance"]),
                   _stance_row("documents", figures["document_stance"])]
    stance = _table(["stance of", "annotators", "items", "% agreement", "Cohen's κ (items)",
                     "Fleiss' κ (items × raters)", "Krippendorff's α (items)"], stance_rows)
    pairwise = _table(
        ["stance of", "annotator pair", "items", "Cohen's κ"],
        [[level, " / ".join(p["annotators"]), p["items"], _fig(p, "value")]
         for level, key in (("claims", "claim_stance"), ("documents", "document_stance"))
         for p in figures[key]["pairwise_cohen_kappa"]])
    return (
        "<h2>Agreement between annotators</h2>"
        f"<p class=\"muted\">{counted(figures['documents'], 'document')} with two or more annotators "
        f"({counted(figures['annotators'], 'annotator')} in all), "
        f"{counted(entities['comparisons'], 'annotator-pair comparison')}. Cancelled annotations are left out. "
        "In brackets: the 95% bootstrap confidence interval (1,000 resamples of the documents, fixed seed).</p>"
        f"{chart}{table}<details><summary>Per annotator pair</summary>{pairs}</details>"
        "<h3>Stance</h3>"
        f"<p>Stance agreement on matched claims: <b>{_fig(matched, 'agreement')}</b> "
        f"({matched['agreeing']} of {counted(matched['pairs'], 'matched claim pair')} "
        "gave the same stance). "
        f"Claims grouped across annotators but ambiguous (one annotator twice in a group): "
        f"{figures['claim_stance']['units_ambiguous']}.</p>"
        f"{stance}<details><summary>Cohen's κ per annotator pair</summary>{pairwise}</details>"
    )


def _stance_row(level: str, block: dict[str, Any]) -> list[Any]:
    cohen = block["cohen_kappa"]
    fleiss, alpha = block["fleiss_kappa"], block["krippendorff_alpha"]
    return [
        level, block["annotators"], block["items"], _fig(block["percent_agreement"], "value"),
        f"{_fig(cohen, 'value')} ({cohen['items']})" if cohen else "n/a (not two annotators)",
        f"{_fig(fleiss, 'value')} ({fleiss['items']} × {fleiss['raters_per_item']})",
        f"{_fig(alpha, 'value')} ({alpha['items']})",
    ]


def _preannotation(figures: dict[str, Any] | None) -> str:
    if figures is None:
        return ("<h2>Pre-annotations</h2><p class=\"muted\">Not available: an export holds no "
                "pre-annotations. Report on the pulled Label Studio file instead.</p>")
    blocks = [*figures["labels"].items(), ("all", figures["overall"])]
    rows = [(label, [b["kept"], b["changed"], b["deleted"]]) for label, b in blocks if b["predicted"]]
    chart = _bars(rows, [("kept", KEPT), ("changed", CHANGED), ("deleted", DELETED)], stacked=True,
                  maximum=max((sum(values) for _, values in rows), default=0), fmt=str,
                  title="What annotators did with predicted spans")
    table = _table(["label", "predicted", "kept", "changed", "deleted", "kept share", "added by annotators"],
                   [[label, b["predicted"], b["kept"], b["changed"], b["deleted"], _ratio(b["kept_share"]), b["added"]]
                    for label, b in blocks])
    models = _table(["model version", "predicted", "kept", "changed", "deleted", "kept share"],
                    [[version or "(none)", b["predicted"], b["kept"], b["changed"], b["deleted"], _ratio(b["kept_share"])]
                     for version, b in figures["model_versions"].items()])
    sources = _table(["source", "predicted", "kept", "changed", "deleted", "kept share", "missed"],
                     [[source, b["predicted"], b["kept"], b["changed"], b["deleted"], _ratio(b["kept_share"]),
                       b["missed"]] for source, b in figures.get("sources", {}).items()])
    return ("<h2>Pre-annotations</h2>"
            f"<p class=\"muted\">Each predicted entity span against each completed annotation of its "
            f"document ({counted(figures['annotations_compared'], 'comparison')}): kept exactly, changed (an "
            "overlapping span with other boundaries or label) or deleted.</p>"
            f"{chart if rows else ''}{table}<h3>By model version</h3>{models}"
            "<h3>By source</h3><p class=\"muted\">Which pre-annotator proposed the span (model, patterns, "
            "memory); missed: annotated spans that no span of that source overlaps.</p>"
            f"{sources}")


def _annotators(annotators: dict[str, Any]) -> str:
    rows = [(name, [a["completed"], a["cancelled"]]) for name, a in annotators.items()]
    chart = _bars(rows, [("completed", COMPLETED), ("cancelled", CANCELLED)], stacked=True,
                  maximum=max((sum(v) for _, v in rows), default=0), fmt=str, title="Annotations per annotator")
    table = _table(
        ["annotator", "documents", "completed", "cancelled", "ground truth", "entities", "claims",
         "total time", "median time"],
        [[name, a["documents"], a["completed"], a["cancelled"], a["ground_truth"], a["entities"], a["claims"],
          _duration(a["time"]["total_seconds"]) if a["time"]["annotations_timed"] else "n/a",
          _duration(a["time"]["median_seconds"])] for name, a in annotators.items()])
    return f"<h2>Annotators</h2>{chart}{table}"


def _documents(documents: list[dict[str, Any]]) -> str:
    table = _table(
        ["document", "title", "annotations", "completed", "cancelled", "annotators", "entities", "claims",
         "predicted"],
        [[d["id"], d["title"], d["annotations"], d["completed"], d["cancelled"], d["annotators"],
          d["entities"], d["claims"], d["predicted_entities"]] for d in documents])
    return f"<h2>Documents</h2><details><summary>{counted(len(documents), 'document')}</summary>{table}</details>"


def _problems(problems: dict[str, Any]) -> str:
    if not problems["count"]:
        return "<h2>Problems</h2><p>None: every annotation was read as it is.</p>"
    items = "".join(f"<li>{escape(problem)}</li>" for problem in problems["first"])
    more = problems["count"] - len(problems["first"])
    extra = (f"<p class=\"muted\">and {more} more: <code>report.json</code> beside this page lists every "
             "one (<code>problems.all</code>).</p>" if more > 0 else "")
    return (f"<h2>Problems</h2><p>{counted(problems['count'], 'problem')} while reading the annotations; the "
            f"figures leave out what could not be read.</p><details><summary>Show</summary><ul>{items}</ul>"
            f"{extra}</details>")


def _notes() -> str:
    return (
        "<h2>How the figures are made</h2><ul class=\"muted\">"
        "<li>Span F1 is pairwise: each pair of annotators on each document both completed, spans "
        "matched one-to-one within a label, summed over all pairs (2 × matched / spans of both). "
        "Exact: same start and end. Overlap: at least one shared character.</li>"
        "<li>An annotator with several completed annotations of a document counts with the latest.</li>"
        "<li>Claim stance items are claims matched across annotators by overlap; document stance "
        "items are documents. Cohen's κ needs exactly two annotators; Fleiss' κ uses the items with "
        "the most common number of ratings; Krippendorff's α (nominal) uses every item rated at "
        "least twice. κ and α are n/a when undefined (for example only one value was ever used).</li>"
        "</ul>"
    )


# ---------------------------------------------------------------------------------------------
# Building blocks


def _fig(block: dict[str, Any], key: str) -> str:
    """A figure with its 95% confidence interval in brackets, when it has one."""
    bounds = block.get("ci95")
    return _ratio(block[key]) + (f" [{bounds[0]:.3f}, {bounds[1]:.3f}]" if bounds else "")


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    if not rows:
        return '<p class="muted">Nothing to show.</p>'
    head = "".join(f"<th>{escape(str(cell))}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f'<td class="num">{escape(str(cell))}</td>' for cell in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _bars(rows: Sequence[tuple[str, Sequence[float | None]]], series: Sequence[tuple[str, str]], *,
          maximum: float, fmt: Callable[[Any], str], title: str, stacked: bool = False) -> str:
    """Horizontal bars, one group per row: side by side per series, or ``stacked`` in one bar."""
    if not rows:
        return ""
    label_width, plot_width, value_width, bar, gap = 170, 480, 60, 16, 10
    per_row = bar if stacked else bar * len(series)
    top = 28
    height = top + len(rows) * (per_row + gap) + 4
    width = label_width + plot_width + value_width
    scale = plot_width / maximum if maximum else 0.0
    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" font-size="12" font-family="sans-serif">'),
           f"<title>{escape(title)}</title>"]
    x = label_width
    for name, color in series:
        out.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{color}"/>'
                   f'<text x="{x + 16}" y="16">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    for index, (label, values) in enumerate(rows):
        y = top + index * (per_row + gap)
        shown = label if len(label) <= 24 else label[:23] + "…"
        out.append(f'<text x="{label_width - 6}" y="{y + per_row / 2 + 4:.1f}" text-anchor="end">'
                   f"<title>{escape(label)}</title>{escape(shown)}</text>")
        offset = 0.0
        for position, ((name, color), value) in enumerate(zip(series, values)):
            length = (value or 0) * scale
            bar_x = label_width + (offset if stacked else 0)
            bar_y = y if stacked else y + position * bar
            out.append(f'<rect x="{bar_x:.1f}" y="{bar_y}" width="{length:.1f}" height="{bar - 2}" '
                       f'fill="{color}"><title>{escape(f"{label}, {name}: {fmt(value)}")}</title></rect>')
            if not stacked:
                out.append(f'<text x="{bar_x + length + 4:.1f}" y="{bar_y + bar - 5}">{escape(fmt(value))}</text>')
            offset += length
        if stacked:
            total = sum(v or 0 for v in values)
            out.append(f'<text x="{label_width + offset + 4:.1f}" y="{y + bar - 5}">{escape(fmt(total))}</text>')
    out.append("</svg>")
    return "".join(out)
