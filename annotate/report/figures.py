"""The figures of the agreement and quality report, computed from document records.

Rules the figures follow:
- Agreement compares annotators, never annotations: an annotator with several completed
  annotations of one document counts with the most recently updated one.
- Cancelled (skipped) annotations are counted, never compared. Label counts come from
  completed annotations; annotation time counts every annotation that has a ``lead_time``.
- Span F1 is pairwise: every pair of annotators on every document they both completed, spans
  matched one-to-one within a label (:mod:`annotate.report.agreement`), summed over pairs and
  documents (a micro average).
- Claims are units of stance when they match across annotators (overlap, one-to-one per pair);
  a chain of matches holding two claims of one annotator is ambiguous and left out (counted).
- Pre-annotations: each predicted entity span against each completed annotation of its
  document is kept (same offsets and label), changed (an overlapping span with other
  boundaries or label) or deleted; annotated spans overlapping no prediction are added.
  By source (the pre-annotator named in a region's ``meta.source``: model, patterns, memory;
  else the one the prediction's model version names): the same outcomes for its spans, and
  missed, the annotated spans that no span of that source overlaps.
- Every agreement figure has a 95% bootstrap confidence interval (``ci95``) from 1,000
  resamples of the documents compared, with a fixed seed (:mod:`annotate.report.bootstrap`).
- Numbers are rounded to 6 decimals and every mapping is built in a fixed order, so the same
  records give the same figures.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations
from typing import Any

from annotate.conversion.records import Annotation, DocumentRecord, Prediction, Span, recency
from annotate.report import agreement
from annotate.report.bootstrap import with_intervals
from annotate.scheme.schema import Schema

FORMAT = 2  # 2: ``source`` records the input's SHA-256 (a raw file) or its manifest's (an export)
DIGITS = 6


def compute_figures(documents: Iterable[DocumentRecord], schema: Schema, *,
                    source: Mapping[str, Any] | None = None, problems: Sequence[str] = ()) -> dict[str, Any]:
    """Every figure of the report, as JSON-ready data; ``source`` says what it was made from."""
    documents = sorted(documents, key=lambda d: (d.id, d.task_id))
    kind = (source or {}).get("kind", "records")
    return {
        "format": FORMAT,
        "source": dict(source or {"kind": kind}),
        "schema": {"name": schema.name, "version": schema.version, "fingerprint": schema.fingerprint},
        "totals": _totals(documents, problems),
        "labels": _label_counts(documents, schema),
        "annotators": _annotator_counts(documents, schema),
        "documents": [_document_counts(d) for d in documents],
        "time": _time([a for d in documents for a in d.annotations]),
        "agreement": _agreement(documents, schema),
        "preannotation": None if kind == "export" else _preannotation(documents, schema),
        "problems": {"count": len(problems), "first": list(problems[:50]), "all": list(problems)},
    }


def _num(value: float | None, digits: int = DIGITS) -> float | None:
    return None if value is None else round(float(value), digits)


def _latest(document: DocumentRecord) -> dict[str, Annotation]:
    """Each annotator's most recently updated completed annotation of the document."""
    latest: dict[str, Annotation] = {}
    for annotation in sorted(document.usable_annotations, key=recency):
        latest[annotation.annotator] = annotation
    return dict(sorted(latest.items()))


def _ordered(known: Sequence[str], seen: Iterable[str]) -> list[str]:
    """Schema labels in schema order, then anything else seen, sorted."""
    seen = set(seen)
    return [label for label in known] + sorted(seen - set(known))


def _totals(documents: list[DocumentRecord], problems: Sequence[str]) -> dict[str, int]:
    annotations = [a for d in documents for a in d.annotations]
    completed = [a for a in annotations if not a.cancelled]
    return {
        "documents": len(documents),
        "documents_annotated": sum(1 for d in documents if d.usable_annotations),
        "documents_compared": sum(1 for d in documents if len(_latest(d)) >= 2),
        "annotations": len(annotations),
        "completed": len(completed),
        "cancelled": len(annotations) - len(completed),
        "ground_truth": sum(1 for a in annotations if a.ground_truth),
        "annotators": len({a.annotator for a in annotations}),
        "entities": sum(len(a.entities) for a in completed),
        "claims": sum(len(a.claims) for a in completed),
        "problems": len(problems),
    }


def _label_counts(documents: list[DocumentRecord], schema: Schema) -> dict[str, Any]:
    completed = [a for d in documents for a in d.usable_annotations]
    entities = Counter(span.label for a in completed for span in a.entities)
    claim_stances = Counter(claim.stance or "(none)" for a in completed for claim in a.claims)
    document_stances = Counter(a.document_stance or "(none)" for a in completed)
    stance_order = list(schema.stance.values) + ["(none)"]
    return {
        "entities": {label: entities[label] for label in _ordered(schema.entity_labels, entities)},
        "claims": {schema.claims.label: sum(len(a.claims) for a in completed)},
        "claim_stance": {value: claim_stances[value] for value in _ordered(stance_order, claim_stances)},
        "document_stance": {value: document_stances[value]
                            for value in _ordered(stance_order, document_stances)},
    }


def _annotator_counts(documents: list[DocumentRecord], schema: Schema) -> dict[str, Any]:
    by_annotator: dict[str, list[tuple[str, Annotation]]] = defaultdict(list)
    for document in documents:
        for annotation in document.annotations:
            by_annotator[annotation.annotator].append((document.id, annotation))
    counts = {}
    for name, items in sorted(by_annotator.items()):
        completed = [a for _, a in items if not a.cancelled]
        labels = Counter(span.label for a in completed for span in a.entities)
        counts[name] = {
            "annotations": len(items),
            "completed": len(completed),
            "cancelled": len(items) - len(completed),
            "ground_truth": sum(1 for _, a in items if a.ground_truth),
            "documents": len({document_id for document_id, _ in items}),
            "entities": sum(labels.values()),
            "entity_labels": {label: labels[label] for label in _ordered(schema.entity_labels, labels)},
            "claims": sum(len(a.claims) for a in completed),
            "time": _time([a for _, a in items]),
        }
    return counts


def _document_counts(document: DocumentRecord) -> dict[str, Any]:
    completed = document.usable_annotations
    return {
        "id": document.id,
        "title": document.title,
        "annotations": len(document.annotations),
        "completed": len(completed),
        "cancelled": len(document.annotations) - len(completed),
        "annotators": len({a.annotator for a in completed}),
        "entities": sum(len(a.entities) for a in completed),
        "claims": sum(len(a.claims) for a in completed),
        "predicted_entities": sum(len(p.entities) for p in document.predictions),
    }


def _time(annotations: Sequence[Annotation]) -> dict[str, Any]:
    seconds = [a.lead_time for a in annotations if a.lead_time is not None]
    return {
        "annotations_timed": len(seconds),
        "total_seconds": _num(sum(seconds), 3),
        "median_seconds": _num(statistics.median(seconds), 3) if seconds else None,
    }


# -- agreement --------------------------------------------------------------------------------


def _agreement(documents: list[DocumentRecord], schema: Schema) -> dict[str, Any]:
    """Every agreement figure, each with its 95% bootstrap interval over documents (``ci95``).

    What each document contributes (span matches, stance pairs, stance items) is found once; a
    resample only adds up the contributions of the documents it drew."""
    claim_label = schema.claims.label
    parts = []
    for latest in map(_latest, documents):
        if len(latest) < 2:
            continue
        units, ambiguous = _claim_units([latest])
        parts.append({
            "annotators": tuple(latest),
            "entities": _span_part({name: [(s.start, s.end, s.label) for s in a.entities] for name, a in latest.items()}),
            "claims": _span_part({name: [(c.start, c.end, claim_label) for c in a.claims] for name, a in latest.items()}),
            "stance_on_matched": _stance_on_matched([latest]),
            "claim_units": units, "ambiguous": ambiguous,
            "document_unit": {name: a.document_stance for name, a in latest.items() if a.document_stance is not None},
        })
    return with_intervals(_agreement_of(parts, schema), parts, lambda drawn: _agreement_of(drawn, schema))


def _agreement_of(parts: list[dict[str, Any]], schema: Schema) -> dict[str, Any]:
    claims = _span_figures([part["claims"] for part in parts], [schema.claims.label])
    pairs = sum(part["stance_on_matched"]["pairs"] for part in parts)
    agreeing = sum(part["stance_on_matched"]["agreeing"] for part in parts)
    claims["stance_on_matched"] = {"pairs": pairs, "agreeing": agreeing,
                                   "agreement": _num(agreeing / pairs) if pairs else None}
    claim_stance = _categorical([unit for part in parts for unit in part["claim_units"]], schema.stance.values)
    claim_stance["units_ambiguous"] = sum(part["ambiguous"] for part in parts)
    return {
        "annotators": len({name for part in parts for name in part["annotators"]}),
        "documents": len(parts),
        "entities": _span_figures([part["entities"] for part in parts], schema.entity_labels),
        "claims": claims,
        "claim_stance": claim_stance,
        "document_stance": _categorical([part["document_unit"] for part in parts], schema.stance.values),
    }


# One document's span matches: pair -> {(label, mode): (matched, spans)} (plain integers, so a
# bootstrap resample adds them up fast).
SpanPart = dict[tuple[str, str], dict[tuple[str, str], tuple[int, int]]]


def _span_part(spans: dict[str, list[tuple[int, int, str]]]) -> SpanPart:
    """One document's span matches: per annotator pair, label and mode (exact, overlap)."""
    grouped = {name: _by_label(spans[name]) for name in sorted(spans)}
    found: SpanPart = {}
    for (first, left), (second, right) in combinations(grouped.items(), 2):
        counts = found[(first, second)] = {}
        for label in sorted(left.keys() | right.keys()):
            for mode in ("exact", "overlap"):
                matched = agreement.span_agreement(left.get(label, []), right.get(label, []),
                                                   overlap=mode == "overlap")
                counts[(label, mode)] = (matched.matched, matched.spans)
    return found


def _span_figures(documents: list[SpanPart], labels: Sequence[str]) -> dict[str, Any]:
    """Pairwise span F1 per label, overall and per annotator pair, exact match and overlap."""
    by_label: dict[tuple[str, str], list[int]] = {}
    by_pair: dict[tuple[str, str], list[int]] = {}  # pair -> [documents, exact m, s, overlap m, s]
    comparisons = 0
    for part in documents:
        for names, counts in part.items():
            comparisons += 1
            pair = by_pair.setdefault(names, [0, 0, 0, 0, 0])
            pair[0] += 1
            for (label, mode), (matched, total) in counts.items():
                sums = by_label.setdefault((label, mode), [0, 0])
                sums[0] += matched
                sums[1] += total
                offset = 1 if mode == "exact" else 3
                pair[offset] += matched
                pair[offset + 1] += total
    zero = agreement.SpanCounts()

    def block(label: str) -> dict[str, agreement.SpanCounts]:
        return {mode: agreement.SpanCounts(*by_label.get((label, mode), (0, 0))) for mode in ("exact", "overlap")}

    used = {label for label, _ in by_label}
    overall = {mode: agreement.SpanCounts(sum(by_label[(label, m)][0] for label, m in by_label if m == mode),
                                          sum(by_label[(label, m)][1] for label, m in by_label if m == mode))
               for mode in ("exact", "overlap")}
    return {
        "documents": len(documents),
        "comparisons": comparisons,
        "overall": _span_block(overall),
        "labels": {label: _span_block(block(label) if label in used else {"exact": zero, "overlap": zero})
                   for label in _ordered(labels, used)},
        "pairs": [{"annotators": list(names), "documents": pair[0],
                   **_span_block({"exact": agreement.SpanCounts(pair[1], pair[2]),
                                  "overlap": agreement.SpanCounts(pair[3], pair[4])})}
                  for names, pair in sorted(by_pair.items())],
    }


def _by_label(spans: list[tuple[int, int, str]]) -> dict[str, list[tuple[int, int]]]:
    grouped: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for start, end, label in spans:
        grouped[label].append((start, end))
    return grouped


def _span_block(counts: Mapping[str, agreement.SpanCounts]) -> dict[str, Any]:
    return {mode: {"f1": _num(counts[mode].f1), "matched": counts[mode].matched, "spans": counts[mode].spans}
            for mode in ("exact", "overlap")}


def _claim_pairs(first: Annotation, second: Annotation) -> list[tuple[int, int]]:
    return agreement.match_spans([(c.start, c.end) for c in first.claims],
                                 [(c.start, c.end) for c in second.claims], overlap=True)


def _stance_on_matched(compared: list[dict[str, Annotation]]) -> dict[str, Any]:
    """How often two annotators gave the same stance to claims they both marked (overlap match)."""
    agreeing = pairs = 0
    for latest in compared:
        for first, second in combinations(latest.values(), 2):
            for i, j in _claim_pairs(first, second):
                a, b = first.claims[i].stance, second.claims[j].stance
                if a is not None and b is not None:
                    pairs += 1
                    agreeing += a == b
    return {"pairs": pairs, "agreeing": agreeing, "agreement": _num(agreeing / pairs) if pairs else None}


def _root(parent: dict[tuple[str, int], tuple[str, int]], node: tuple[str, int]) -> tuple[str, int]:
    """The representative of ``node``'s group (union-find, halving the path on the way)."""
    while parent[node] != node:
        parent[node] = parent[parent[node]]
        node = parent[node]
    return node


def _claim_units(compared: list[dict[str, Annotation]]) -> tuple[list[dict[str, str]], int]:
    """Claims grouped across annotators by pairwise overlap matches: ``{annotator: stance}`` per unit."""
    units: list[dict[str, str]] = []
    ambiguous = 0
    for latest in compared:
        parent: dict[tuple[str, int], tuple[str, int]] = {
            (name, i): (name, i) for name, a in latest.items() for i in range(len(a.claims))}
        for (name_a, first), (name_b, second) in combinations(latest.items(), 2):
            for i, j in _claim_pairs(first, second):
                parent[_root(parent, (name_a, i))] = _root(parent, (name_b, j))
        groups: dict[tuple[str, int], list[tuple[str, int]]] = defaultdict(list)
        for node in sorted(parent):
            groups[_root(parent, node)].append(node)
        for members in sorted(groups.values()):
            names = [name for name, _ in members]
            if len(members) < 2:
                continue
            if len(set(names)) < len(names):
                ambiguous += 1
                continue
            unit = {name: latest[name].claims[i].stance for name, i in members}
            units.append({name: stance for name, stance in unit.items() if stance is not None})
    return units, ambiguous


def _categorical(units: list[dict[str, str]], values: Sequence[str]) -> dict[str, Any]:
    """Chance-corrected agreement on items rated by annotators (``{annotator: value}`` per item)."""
    rated = [dict(sorted(unit.items())) for unit in units if len(unit) >= 2]
    annotators = sorted({name for unit in rated for name in unit})
    ratings = Counter(value for unit in rated for value in unit.values())
    pairwise = []
    for first, second in combinations(annotators, 2):
        both = [(unit[first], unit[second]) for unit in rated if first in unit and second in unit]
        if both:
            kappa = agreement.cohen_kappa([a for a, _ in both], [b for _, b in both])
            pairwise.append({"annotators": [first, second], "items": len(both), "value": _num(kappa)})
    sizes = Counter(len(unit) for unit in rated)
    raters = max(sizes, key=lambda size: (sizes[size], size)) if sizes else 0
    fleiss_items = [list(unit.values()) for unit in rated if len(unit) == raters]
    items = [list(unit.values()) for unit in rated]
    return {
        "annotators": len(annotators),
        "items": len(rated),
        "values": {value: ratings[value] for value in _ordered(values, ratings)},
        "percent_agreement": {"value": _num(agreement.pairwise_agreement(items)), "items": len(rated)},
        "cohen_kappa": pairwise[0] if len(annotators) == 2 else None,
        "pairwise_cohen_kappa": pairwise,
        "fleiss_kappa": {"value": _num(agreement.fleiss_kappa(fleiss_items)) if fleiss_items else None,
                         "items": len(fleiss_items), "raters_per_item": raters},
        "krippendorff_alpha": {"value": _num(agreement.krippendorff_alpha_nominal(items)), "items": len(rated)},
    }


# -- pre-annotations --------------------------------------------------------------------------


def _preannotation(documents: list[DocumentRecord], schema: Schema) -> dict[str, Any]:
    """What annotators did with each predicted entity span: kept it exactly, changed it
    (an overlapping span with other boundaries or label), or deleted it; and spans they added."""
    empty = {"kept": 0, "changed": 0, "deleted": 0, "added": 0}
    overall, by_label, by_model = Counter(empty), defaultdict(Counter), defaultdict(Counter)
    by_source: dict[str, Counter[str]] = defaultdict(Counter)
    compared = 0
    for document in documents:
        for prediction in document.predictions:
            sources = _sources(prediction)
            for annotation in document.usable_annotations:
                compared += 1
                for outcome, label in _outcomes(prediction.entities, annotation.entities):
                    overall[outcome] += 1
                    by_label[label][outcome] += 1
                    by_model[prediction.model_version][outcome] += 1
                _count_by_source(prediction, sources, annotation, by_source)
    return {
        "annotations_compared": compared,
        "overall": _outcome_block(overall),
        "labels": {label: _outcome_block(by_label[label]) for label in _ordered(schema.entity_labels, by_label)},
        "model_versions": {version: _outcome_block(by_model[version]) for version in sorted(by_model)},
        "sources": {source: _source_block(by_source[source]) for source in sorted(by_source)},
    }


def _sources(prediction: Prediction) -> list[str]:
    """Each span's source: its region's ``meta.source``, else the prediction's one named source
    (``patterns-<fingerprint>`` -> ``patterns``), else ``unmarked``."""
    named = _named_sources(prediction.model_version)
    fallback = named[0] if len(named) == 1 else "unmarked"
    marked = prediction.sources or ("",) * len(prediction.entities)
    return [source or fallback for source in marked]


def _named_sources(model_version: str) -> list[str]:
    """The sources a model version such as ``memory+patterns+model-v2-1a2b3c4d-ff55e8ad8586`` names."""
    return [part.split("-", 1)[0] for part in model_version.split("+") if part]


def _count_by_source(prediction: Prediction, sources: list[str], annotation: Annotation,
                     counts: dict[str, Counter[str]]) -> None:
    """Outcomes per source of the prediction's spans, and each source's missed annotated spans."""
    annotated_offsets = [(s.start, s.end) for s in annotation.entities]
    for source in sorted(set(sources) | set(_named_sources(prediction.model_version)) - {""}):
        own = [span for span, of in zip(prediction.entities, sources) if of == source]
        for outcome, _ in _outcomes(own, annotation.entities):
            counts[source]["missed" if outcome == "added" else outcome] += 1
        if not own:
            counts[source]["missed"] += len(annotated_offsets)


def _source_block(counts: Mapping[str, int]) -> dict[str, Any]:
    block = {key: value for key, value in _outcome_block(Counter(counts)).items() if key != "added"}
    block["missed"] = counts["missed"]
    return block


def _outcomes(predicted: Sequence[Span], annotated: Sequence[Span]) -> Iterable[tuple[str, str]]:
    exact = {(s.start, s.end, s.label) for s in annotated}
    predicted_offsets = [(s.start, s.end) for s in predicted]
    annotated_offsets = [(s.start, s.end) for s in annotated]
    touched = agreement.overlaps_any(predicted_offsets, annotated_offsets)
    for span, overlapped in zip(predicted, touched):
        if (span.start, span.end, span.label) in exact:
            yield "kept", span.label
        else:
            yield ("changed" if overlapped else "deleted"), span.label
    for span, overlapped in zip(annotated, agreement.overlaps_any(annotated_offsets, predicted_offsets)):
        if not overlapped:
            yield "added", span.label


def _outcome_block(counts: Mapping[str, int]) -> dict[str, Any]:
    predicted = counts["kept"] + counts["changed"] + counts["deleted"]
    return {
        "predicted": predicted,
        "kept": counts["kept"],
        "changed": counts["changed"],
        "deleted": counts["deleted"],
        "added": counts["added"],
        "kept_share": _num(counts["kept"] / predicted) if predicted else None,
    }
