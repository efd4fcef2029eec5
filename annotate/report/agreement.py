"""Agreement measures between annotators, as pure functions on plain values.

Spans are ``(start, end)`` pairs of code-point offsets; two spans overlap when they share at least
one character. Categorical measures take the values each annotator gave to each item, with
``None`` never among them (leave an annotator out of an item instead: that is missing data).

- :func:`span_agreement`: pairwise F1 between two annotators' spans, exact match or overlap,
  over a one-to-one matching (:func:`match_spans`). F1 is symmetric, so it needs no reference.
- :func:`cohen_kappa`: two annotators who rated the same items (Cohen 1960).
- :func:`fleiss_kappa`: any number of annotators, the same number of ratings per item (Fleiss 1971).
- :func:`krippendorff_alpha_nominal`: any number of annotators, missing ratings allowed
  (Krippendorff 2011, "Computing Krippendorff's alpha-reliability").
- :func:`pairwise_agreement`: the share of agreeing pairs of ratings, not chance-corrected.

A measure that is undefined on its data (no items, or only one value ever used, so that the
agreement expected by chance is already perfect) is ``None``, never NaN.
"""

from __future__ import annotations

import bisect
from collections import Counter, deque
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from itertools import accumulate, combinations

Offsets = tuple[int, int]


@dataclass(frozen=True)
class SpanCounts:
    """Matched spans and the spans on both sides; they add up over documents and pairs."""

    matched: int = 0
    spans: int = 0  # spans of both annotators together

    @property
    def f1(self) -> float | None:
        """``2 * matched / spans``; ``None`` when neither side has a span."""
        return 2 * self.matched / self.spans if self.spans else None

    def __add__(self, other: SpanCounts) -> SpanCounts:
        return SpanCounts(self.matched + other.matched, self.spans + other.spans)


def overlaps(first: Offsets, second: Offsets) -> bool:
    """True when the two spans share at least one character."""
    return first[0] < second[1] and second[0] < first[1]


def overlaps_any(spans: Sequence[Offsets], others: Sequence[Offsets]) -> list[bool]:
    """For each span, whether it overlaps at least one of ``others`` (a sorted sweep, not n x m)."""
    ordered = sorted(others)
    starts = [start for start, _ in ordered]
    reach = list(accumulate((end for _, end in ordered), max))  # the largest end among the first k
    found = []
    for start, end in spans:
        before = bisect.bisect_left(starts, end)  # others that start before this span ends
        found.append(before > 0 and reach[before - 1] > start)
    return found


def match_spans(left: Sequence[Offsets], right: Sequence[Offsets], *, overlap: bool) -> list[tuple[int, int]]:
    """A largest one-to-one matching between two lists of spans, as sorted index pairs.

    With ``overlap=False`` only identical offsets match. With ``overlap=True`` overlapping spans
    match; among equally large matchings, identical and then more-overlapping partners are tried
    first, so a span with an exact twin is paired with it.
    """
    if not overlap:
        waiting: dict[Offsets, deque[int]] = {}
        for index, span in enumerate(right):
            waiting.setdefault(tuple(span), deque()).append(index)
        pairs = []
        for index, span in enumerate(left):
            queue = waiting.get(tuple(span))
            if queue:
                pairs.append((index, queue.popleft()))
        return pairs
    return _maximum_matching(_overlap_candidates(left, right), len(right))


def _overlap_candidates(left: Sequence[Offsets], right: Sequence[Offsets]) -> list[list[int]]:
    """For each left span, the right spans it overlaps, best partner first."""
    if len(left) * len(right) <= 256:  # small lists: a plain scan is cheaper than sorting
        window = range(len(right))
        windows = [window] * len(left)
    else:
        order = sorted(range(len(right)), key=lambda i: right[i])
        starts = [right[i][0] for i in order]
        longest = max(end - start for start, end in right)
        windows = [order[bisect.bisect_right(starts, start - longest):bisect.bisect_left(starts, end)]
                   for start, end in left]
    candidates = []
    for (start, end), window in zip(left, windows):
        found = [i for i in window if start < right[i][1] and right[i][0] < end]
        if len(found) > 1:
            found.sort(key=lambda i: (
                (right[i][0], right[i][1]) != (start, end),
                -(min(end, right[i][1]) - max(start, right[i][0])),
                i,
            ))
        candidates.append(found)
    return candidates


def _maximum_matching(candidates: list[list[int]], right_size: int) -> list[tuple[int, int]]:
    """Maximum bipartite matching by breadth-first augmenting paths (no recursion)."""
    left_match = [-1] * len(candidates)
    right_match = [-1] * right_size
    for root in range(len(candidates)):
        reached_from: dict[int, int] = {}
        queue = deque([root])
        free = -1
        while queue and free < 0:
            node = queue.popleft()
            for partner in candidates[node]:
                if partner in reached_from:
                    continue
                reached_from[partner] = node
                if right_match[partner] < 0:
                    free = partner
                    break
                queue.append(right_match[partner])
        partner = free
        while partner >= 0:
            node = reached_from[partner]
            previous = left_match[node]
            left_match[node], right_match[partner] = partner, node
            partner = previous if node != root else -1
    return [(node, partner) for node, partner in enumerate(left_match) if partner >= 0]


def span_agreement(left: Sequence[Offsets], right: Sequence[Offsets], *, overlap: bool) -> SpanCounts:
    """Pairwise agreement of two annotators on one document (and one label): matched and total spans."""
    if not left or not right:
        return SpanCounts(0, len(left) + len(right))
    if not overlap:
        common = Counter(map(tuple, left)) & Counter(map(tuple, right))
        return SpanCounts(sum(common.values()), len(left) + len(right))
    return SpanCounts(len(match_spans(left, right, overlap=True)), len(left) + len(right))


def cohen_kappa(first: Sequence[Hashable], second: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two annotators; ``first[i]`` and ``second[i]`` rate the same item."""
    if len(first) != len(second):
        raise ValueError(f"cohen_kappa: {len(first)} ratings against {len(second)}; rate the same items")
    total = len(first)
    if total == 0:
        return None
    observed = sum(a == b for a, b in zip(first, second)) / total
    first_counts, second_counts = Counter(first), Counter(second)
    expected = sum(first_counts[value] * second_counts[value] for value in first_counts) / total**2
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


def fleiss_kappa(items: Sequence[Sequence[Hashable]]) -> float | None:
    """Fleiss' kappa; every item carries the same number (two or more) of ratings."""
    if not items:
        return None
    raters = len(items[0])
    if raters < 2 or any(len(item) != raters for item in items):
        sizes = sorted({len(item) for item in items})
        raise ValueError(f"fleiss_kappa: every item needs the same number (>= 2) of ratings, got {sizes}")
    totals: Counter[Hashable] = Counter()
    observed = 0.0
    for item in items:
        counts = Counter(item)
        totals.update(counts)
        observed += (sum(n * n for n in counts.values()) - raters) / (raters * (raters - 1))
    observed /= len(items)
    ratings = len(items) * raters
    expected = sum((n / ratings) ** 2 for n in totals.values())
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


def krippendorff_alpha_nominal(units: Sequence[Sequence[Hashable]]) -> float | None:
    """Krippendorff's alpha for nominal values; a unit lists the ratings it received (any number).

    Units with fewer than two ratings cannot be paired and do not count.
    """
    coincidences: Counter[tuple[Hashable, Hashable]] = Counter()
    for unit in units:
        if len(unit) < 2:
            continue
        weight = 1.0 / (len(unit) - 1)
        for a, b in combinations(unit, 2):
            coincidences[(a, b)] += weight
            coincidences[(b, a)] += weight
    marginals: Counter[Hashable] = Counter()
    for (value, _), weight in coincidences.items():
        marginals[value] += weight
    total = sum(marginals.values())
    if total <= 1:
        return None
    disagreeing = sum(weight for (a, b), weight in coincidences.items() if a != b)
    expected = total * total - sum(n * n for n in marginals.values())
    if expected <= 1e-12:
        return None
    return 1.0 - (total - 1.0) * disagreeing / expected


def pairwise_agreement(units: Sequence[Sequence[Hashable]]) -> float | None:
    """The share of agreeing pairs among all pairs of ratings within units (not chance-corrected)."""
    agreeing = pairs = 0
    for unit in units:
        for a, b in combinations(unit, 2):
            pairs += 1
            agreeing += a == b
    return agreeing / pairs if pairs else None
