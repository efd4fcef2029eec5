"""95% bootstrap confidence intervals for every agreement figure.

The documents compared (those with two or more annotators) are resampled with replacement
:data:`RESAMPLES` times with a fixed seed; every figure is computed again on each resample, and
its interval is the 2.5th and 97.5th percentiles of the values it took (resamples on which it is
undefined are left out). The same documents give the same intervals, so a report stays
reproducible byte for byte. With a few dozen documents the intervals are wide: that is the point.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

RESAMPLES = 1000
SEED = 20_161_001  # any fixed number: the same documents always give the same intervals
LEVEL = 0.95
FIGURE_KEYS = ("f1", "value", "agreement")  # the keys that hold an agreement figure

T = TypeVar("T")


def with_intervals(figures: dict[str, Any], units: Sequence[T], compute: Callable[[list[T]], dict[str, Any]],
                   *, resamples: int = RESAMPLES, seed: int = SEED, digits: int = 6) -> dict[str, Any]:
    """``figures`` (what ``compute(units)`` gave) with ``ci95: [low, high]`` (or None) beside each
    figure, from ``compute`` on ``resamples`` resamples of ``units``."""
    if not units:
        return _attach(figures, {}, "", digits)
    rng = random.Random(seed)
    samples: dict[str, list[float]] = {}
    for _ in range(resamples):
        drawn = [units[rng.randrange(len(units))] for _ in units]
        for path, value in _figures(compute(drawn), "").items():
            samples.setdefault(path, []).append(value)
    return _attach(figures, samples, "", digits)


def interval(values: Sequence[float], level: float = LEVEL) -> tuple[float, float]:
    """The percentile interval (linear interpolation between order statistics)."""
    ordered = sorted(values)
    tail = (1 - level) / 2
    return _percentile(ordered, tail), _percentile(ordered, 1 - tail)


def _percentile(ordered: Sequence[float], share: float) -> float:
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _key(item: Mapping[str, Any], index: int) -> str:
    names = item.get("annotators")
    return "+".join(names) if isinstance(names, list) else str(index)


def _figures(block: Any, path: str) -> dict[str, float]:
    """Every figure in ``block`` by path (list items by their annotators)."""
    found: dict[str, float] = {}
    if isinstance(block, dict):
        for key, value in block.items():
            where = f"{path}/{key}"
            if key in FIGURE_KEYS and isinstance(value, (int, float)) and not isinstance(value, bool):
                found[where] = float(value)
            else:
                found.update(_figures(value, where))
    elif isinstance(block, list):
        for index, item in enumerate(block):
            if isinstance(item, dict):
                found.update(_figures(item, f"{path}[{_key(item, index)}]"))
    return found


def _attach(block: Any, samples: Mapping[str, list[float]], path: str, digits: int) -> Any:
    """A copy of ``block`` with ``ci95`` beside each figure (None when it has no samples)."""
    if isinstance(block, list):
        return [_attach(item, samples, f"{path}[{_key(item, index)}]", digits)
                if isinstance(item, dict) else item for index, item in enumerate(block)]
    if not isinstance(block, dict):
        return block
    copy: dict[str, Any] = {}
    for key, value in block.items():
        where = f"{path}/{key}"
        copy[key] = value if key in FIGURE_KEYS else _attach(value, samples, where, digits)
    if any(key in block for key in FIGURE_KEYS):
        key = next(key for key in FIGURE_KEYS if key in block)
        values = samples.get(f"{path}/{key}", [])
        copy["ci95"] = ([round(bound, digits) for bound in interval(values)]
                        if values and block[key] is not None else None)
    return copy
