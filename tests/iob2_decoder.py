"""A test-only IOB2 decoder: the spans that tag ids describe, to check the ``ner`` config
against the gold entities it was made from (the toolkit itself only encodes)."""

from __future__ import annotations

from collections.abc import Sequence


def entities_from_tags(starts: Sequence[int], ends: Sequence[int], tags: Sequence[int],
                       labels: Sequence[str]) -> list[tuple[int, int, str]]:
    """The ``(start, end, label)`` spans that IOB2 tag ids describe (the inverse of
    :func:`annotate.text.tokens.iob2_tags`); an ``I-X`` that does not continue an ``X`` starts
    a new span."""
    spans: list[tuple[int, int, str]] = []
    previous = 0
    for start, end, tag in zip(starts, ends, tags):
        label = labels[(tag - 1) // 2] if tag else ""
        if tag and tag % 2 == 0 and previous in (tag - 1, tag):
            spans[-1] = (spans[-1][0], end, label)
        elif tag:
            spans.append((start, end, label))
        previous = tag
    return spans
