"""Held-out scores: precision, recall and F1 per label for spans; accuracy and macro F1 for
labels of whole units (stances, attributes). Rounded to 4 decimals, built in a fixed order."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

DIGITS = 4


def _prf(true_positive: int, predicted: int, gold: int) -> dict[str, Any]:
    """Precision (None without predictions), recall (None without gold), F1 (None without either)."""
    precision = true_positive / predicted if predicted else None
    recall = true_positive / gold if gold else None
    if precision is None and recall is None:
        f1 = None
    else:
        p, r = precision or 0.0, recall or 0.0
        f1 = round(2 * p * r / (p + r), DIGITS) if p + r else 0.0
    return {"precision": None if precision is None else round(precision, DIGITS),
            "recall": None if recall is None else round(recall, DIGITS), "f1": f1, "support": gold}


def span_scores(pairs: Iterable[tuple[set[tuple[int, int, str]], set[tuple[int, int, str]]]],
                labels: Sequence[str]) -> dict[str, Any]:
    """Exact-match scores of ``(gold spans, predicted spans)`` per document: per label and micro."""
    hits, predicted, gold = Counter(), Counter(), Counter()
    for gold_spans, predicted_spans in pairs:
        for span in gold_spans:
            gold[span[2]] += 1
        for span in predicted_spans:
            predicted[span[2]] += 1
        for span in gold_spans & predicted_spans:
            hits[span[2]] += 1
    per_label = {label: _prf(hits[label], predicted[label], gold[label]) for label in labels}
    micro = _prf(sum(hits.values()), sum(predicted[label] for label in labels), sum(gold[label] for label in labels))
    return {"labels": per_label, "micro": micro}


def label_scores(gold: Sequence[str], predicted: Sequence[str | None], values: Sequence[str]) -> dict[str, Any]:
    """Accuracy and macro F1 (over ``values`` that occur in gold or predictions)."""
    if not gold:
        return {"accuracy": None, "macro_f1": None, "support": 0}
    right = sum(1 for g, p in zip(gold, predicted) if g == p)
    seen = [value for value in values if value in gold or value in predicted]
    f1s = []
    for value in seen:
        tp = sum(1 for g, p in zip(gold, predicted) if g == p == value)
        f1s.append(_prf(tp, sum(1 for p in predicted if p == value), sum(1 for g in gold if g == value))["f1"] or 0.0)
    return {"accuracy": round(right / len(gold), DIGITS),
            "macro_f1": round(sum(f1s) / len(f1s), DIGITS) if f1s else None, "support": len(gold)}
