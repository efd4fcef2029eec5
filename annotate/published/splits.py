"""Train / validation / test assignment: deterministic, and stable from one version to the next.

A document's place is the first 8 bytes of SHA-256 of its id, read as a number in [0, 1) and
compared with the cumulative ratios (train first, then validation, then test). A document that an
earlier version already published keeps the split it had there, even if the ratios change.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping

from annotate.errors import ExportError

SPLITS = ("train", "validation", "test")
DEFAULT_RATIOS: dict[str, float] = {"train": 0.8, "validation": 0.1, "test": 0.1}


def check_ratios(ratios: Mapping[str, float] | None) -> dict[str, float]:
    """The ratios in split order; raises :class:`ExportError` unless they are the three splits,
    each in [0, 1], summing to 1."""
    if ratios is None:
        return dict(DEFAULT_RATIOS)
    if set(ratios) != set(SPLITS):
        raise ExportError(f"split ratios must name exactly {', '.join(SPLITS)}; got {', '.join(sorted(ratios)) or 'none'}")
    checked = {name: float(ratios[name]) for name in SPLITS}
    if any(not 0.0 <= value <= 1.0 for value in checked.values()) or not math.isclose(sum(checked.values()), 1.0):
        shown = ", ".join(f"{name}={value:g}" for name, value in checked.items())
        raise ExportError(f"split ratios must each be between 0 and 1 and add up to 1; got {shown}")
    return checked


def parse_ratios(text: str) -> dict[str, float]:
    """``"0.8,0.1,0.1"`` (train, validation, test) as checked ratios."""
    parts = [part.strip() for part in text.split(",")]
    try:
        values = [float(part) for part in parts]
    except ValueError:
        values = []
    if len(values) != len(SPLITS):
        raise ExportError(f"split ratios {text!r}: give three numbers for train,validation,test, such as 0.8,0.1,0.1")
    return check_ratios(dict(zip(SPLITS, values)))


def hashed_split(document_id: str, ratios: Mapping[str, float]) -> str:
    """The split that the hash of ``document_id`` falls in."""
    digest = hashlib.sha256(document_id.encode("utf-8")).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64
    total = 0.0
    for name in SPLITS:
        total += ratios[name]
        if point < total:
            return name
    return next(name for name in reversed(SPLITS) if ratios[name] > 0)


class SplitAssigner:
    """Assigns splits, keeping the one each document had in earlier versions (``previous``)."""

    def __init__(self, ratios: Mapping[str, float], previous: Mapping[str, str] | None = None) -> None:
        self.ratios = check_ratios(ratios)
        self.previous = dict(previous or {})

    def __call__(self, document_id: str) -> str:
        kept = self.previous.get(document_id)
        return kept if kept is not None else hashed_split(document_id, self.ratios)
