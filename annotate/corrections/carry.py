"""Carry one result list (an annotation's, a draft's or a prediction's) onto a corrected text.

Every region (all results sharing an ``id`` and holding ``value.start``/``value.end``: the span
and its per-region choices or text areas) falls in one group:

- ``moved``: its words are unchanged, at new offsets;
- ``review``: its own words changed; it is re-anchored to the new words and marked for review
  with a note in the region's ``meta.text``, which the labeling page shows under the selected
  region (Label Studio's open-source edition has no "reopen" state);
- ``removed``: all its words were deleted; it is left out, and every relation to it too.

Results that are not regions (the document stance) are kept as they are.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from annotate.corrections.diff import TextChange

REVIEW_MARK = "Text corrected"  # the start of the note on a region to review; annotators may delete it


@dataclass(frozen=True)
class RegionMove:
    """Where one region went: ``outcome`` is ``moved``, ``review`` or ``removed``."""

    region_id: str
    label: str
    outcome: str
    old_start: int
    old_end: int
    old_text: str
    new_start: int | None = None
    new_end: int | None = None
    new_text: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"region": self.region_id, "label": self.label, "outcome": self.outcome,
                "old": {"start": self.old_start, "end": self.old_end, "text": self.old_text},
                "new": None if self.new_start is None else
                {"start": self.new_start, "end": self.new_end, "text": self.new_text}}


@dataclass(frozen=True)
class RelationDropped:
    """A relation left out because one of its ends was removed."""

    from_id: str
    to_id: str
    removed_end: str

    def as_dict(self) -> dict[str, Any]:
        return {"from": self.from_id, "to": self.to_id, "removed_end": self.removed_end}


@dataclass(frozen=True)
class Carried:
    """A result list carried onto the new text, and what happened to each region."""

    result: list[dict[str, Any]]
    regions: tuple[RegionMove, ...]
    relations_dropped: tuple[RelationDropped, ...]

    def count(self, outcome: str) -> int:
        return sum(1 for region in self.regions if region.outcome == outcome)


def carry_result(result: Sequence[Any], change: TextChange, *, new_version: int) -> Carried:
    """``result`` (a Label Studio result list on ``change.old``) carried onto ``change.new``."""
    moves: dict[str, RegionMove] = {}
    for item in result:
        region_id, span = _region(item)
        if region_id is None or region_id in moves or span is None:
            continue
        moves[region_id] = _move(region_id, item, span, change)
    carried: list[dict[str, Any]] = []
    dropped: list[RelationDropped] = []
    marked: set[str] = set()
    for item in result:
        if not isinstance(item, Mapping):
            carried.append(item)
            continue
        if item.get("type") == "relation":
            gone = [end for end in (item.get("from_id"), item.get("to_id"))
                    if end in moves and moves[end].outcome == "removed"]
            if gone:
                dropped.append(RelationDropped(str(item.get("from_id")), str(item.get("to_id")), str(gone[0])))
            else:
                carried.append(copy.deepcopy(dict(item)))
            continue
        region_id, span = _region(item)
        move = moves.get(region_id) if region_id is not None and span is not None else None
        if move is None:
            carried.append(copy.deepcopy(dict(item)))
            continue
        if move.outcome == "removed":
            continue
        new_item = copy.deepcopy(dict(item))
        value = dict(new_item["value"])
        value["start"], value["end"] = move.new_start, move.new_end
        if "text" in value:
            value["text"] = move.new_text
        new_item["value"] = value
        if move.outcome == "review" and region_id not in marked and item.get("type") == "labels":
            new_item["meta"] = _review_meta(new_item.get("meta"), move, new_version)
            marked.add(region_id)
        carried.append(new_item)
    return Carried(carried, tuple(moves.values()), tuple(dropped))


def _region(item: Any) -> tuple[str | None, tuple[int, int] | None]:
    """(region id, old span) of a result that belongs to a text region, else (None, None)."""
    if not isinstance(item, Mapping) or item.get("type") == "relation":
        return None, None
    value = item.get("value")
    region_id = item.get("id")
    if not isinstance(value, Mapping) or not isinstance(region_id, str):
        return None, None
    start, end = value.get("start"), value.get("end")
    if isinstance(start, bool) or isinstance(end, bool) or not isinstance(start, int) or not isinstance(end, int):
        return None, None
    return region_id, (start, end)


def _move(region_id: str, item: Mapping[str, Any], span: tuple[int, int], change: TextChange) -> RegionMove:
    start, end = span
    value = item["value"]
    labels = value.get("labels")
    label = str(labels[0]) if isinstance(labels, list) and labels else str(item.get("from_name", ""))
    old_text = change.old[start:end]
    new_start, new_end = change.map_span(start, end)
    if new_end <= new_start or not change.new[new_start:new_end].strip():
        return RegionMove(region_id, label, "removed", start, end, old_text)
    new_text = change.new[new_start:new_end]
    outcome = "moved" if new_text == old_text else "review"
    return RegionMove(region_id, label, outcome, start, end, old_text, new_start, new_end, new_text)


def _review_meta(meta: Any, move: RegionMove, new_version: int) -> dict[str, Any]:
    """The region's meta with a note saying what changed; an annotator's own note is kept after it
    (an earlier correction's note is replaced)."""
    note = (f"{REVIEW_MARK} (text version {new_version}): was \u201c{move.old_text}\u201d, now "
            f"\u201c{move.new_text}\u201d. Check this region, then delete this note.")
    meta = dict(meta) if isinstance(meta, Mapping) else {}
    own = meta.get("text")
    own_text = " ".join(own) if isinstance(own, list) else own if isinstance(own, str) else ""
    own_lines = [line for line in own_text.split("\n") if line and not line.startswith(REVIEW_MARK)]
    meta["text"] = "\n".join([note, *own_lines])
    return meta
