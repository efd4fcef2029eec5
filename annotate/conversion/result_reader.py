"""The result list of one annotation (or prediction), read into checked spans, claims and stance.

:class:`ResultReader` keeps only what is valid: spans whose offsets match the text and carry
one known label, per-region choices attached to a claim, claimant relations that link one claim
to one entity of an allowed label, one document stance. Everything else is recorded as a problem
of the task.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from annotate.conversion.problems import (
    FIX,
    NO_VALUE_TEXT,
    WHITESPACE_SPAN,
    TaskProblems,
    difference,
    kind,
    short,
)
from annotate.conversion.records import Claim, Span, claim_order, span_order
from annotate.conversion.rules import Rules
from annotate.scheme.schema import (
    CLAIM_STANCE_NAME,
    CLAIMS_NAME,
    DOCUMENT_STANCE_NAME,
    ENTITIES_NAME,
    RELATION_VALUE,
    TEXT_NAME,
)


class ResultReader:
    """The result list of one annotation: regions, per-region choices, relations, stance."""

    def __init__(self, rules: Rules, text: str, log: TaskProblems, annotation_id: int | None, *,
                 complete: bool, prefix: str = "") -> None:
        self.rules = rules
        self.text = text
        self.log = log
        self.annotation_id = annotation_id
        self.complete = complete  # check required fields (not for skipped annotations)
        self.prefix = prefix
        self.regions: dict[str, Span] = {}  # region id -> entity or claim span (by its label)
        self.bad_regions: set[str] = set()  # region ids whose own result had a problem
        self.choices: dict[tuple[str, str], str] = {}
        self.bad_choices: set[tuple[str, str]] = set()
        self.claimants: dict[str, str] = {}  # claim id -> entity id
        self.unresolved: set[str] = set()  # claims whose claimant link had a problem

    def problem(self, region_id: str | None, message: str) -> None:
        self.log.add(self.annotation_id, region_id, self.prefix + message)

    def read(self, result: list) -> tuple[tuple[Span, ...], tuple[Claim, ...], str | None]:
        relations, region_choices, stances = [], [], []
        for position, item in enumerate(result):
            if not isinstance(item, dict):
                self.problem(None, f"result #{position + 1} is {kind(item)}, not an object; {FIX}")
                continue
            if item.get("type") == "relation":
                relations.append((position, item))
                continue
            name = item.get("from_name")
            if name == ENTITIES_NAME or name == CLAIMS_NAME:
                region = self._plain(item, name) or self.labels(item, position, name)
                if region is not None:
                    self.regions[region.id] = region
            elif type(name) is str and name in self.rules.region_choices:
                region_choices.append((position, item))
            elif name == DOCUMENT_STANCE_NAME:
                stances.append((position, item))
            else:
                known = ", ".join(sorted(self.rules.controls))
                self.problem(_region_id(item), f"result #{position + 1} comes from control {short(name)}, "
                                               f"which the schema does not have ({known}); the project's "
                                               "labeling config does not match the schema: push the "
                                               "schema's config, then fix the annotation")
        for position, item in region_choices:
            self._region_choice(item, position)
        for position, item in relations:
            self._relation(item, position)
        entities, claims = self._build()
        return entities, claims, self._document_stance(stances)

    # -- one span ------------------------------------------------------------------------------

    def labels(self, item: dict, position: int, name: str) -> Span | None:
        """The region of an ``entities`` or ``claims`` result, or None after recording why not.

        White space at a span's edges (a space, a no-break space, a line break) is not part of
        it: "Putin " and "Putin" are one span, so they never split agreement or a majority vote.
        A span of white space alone is left out with a warning. A span of an annotation without
        ``value.text`` is kept with a warning: its offsets could not be cross-checked.
        """
        region = self._well_formed(item, name) or self._checked(item, position, name)
        if region is None:
            return None
        if self.annotation_id is not None and item["value"].get("text") is None:
            self.log.warn(NO_VALUE_TEXT, self.annotation_id, region.id, f"{name} span {region.start}-{region.end} has no "
                                                         "value.text, so its offsets could not be cross-checked "
                                                         "against the text the annotator saw; check it in Label "
                                                         "Studio")
        return self._trimmed(region)

    def _trimmed(self, region: Span) -> Span | None:
        """``region`` without white space at its edges; None (with a warning) when nothing is left."""
        text, start, end = self.text, region.start, region.end
        if not (text[start].isspace() or text[end - 1].isspace()):
            return region
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == end:
            self.bad_regions.add(region.id)
            self.log.warn(WHITESPACE_SPAN, self.annotation_id, region.id, f"{self.prefix}span {region.start}-{region.end} is white "
                                                         "space only; left out (delete it in Label Studio)")
            return None
        return Span(region.id, start, end, text[start:end], region.label)

    def _checked(self, item: dict, position: int, name: str) -> Span | None:
        """The slow path of :meth:`labels`: every check, each failure recorded as a problem."""
        region_id = _region_id(item)
        where = f"result #{position + 1}"
        if region_id is None:
            self.problem(None, f"{where} ({name}) has no region id (got {short(item.get('id'))}); {FIX}")
            return None
        before = len(self.log.problems)
        if region_id in self.regions or region_id in self.bad_regions:
            self.problem(region_id, f"region id appears in two span results ({where} is the second); {FIX}")
            self.bad_regions.add(region_id)
            self.regions.pop(region_id, None)
            return None
        if item.get("type", "labels") != "labels":
            self.problem(region_id, f"{name} result has type {short(item.get('type'))}, expected \"labels\"; {FIX}")
        if item.get("to_name", TEXT_NAME) != TEXT_NAME:
            self.problem(region_id, f"{name} result points to {short(item.get('to_name'))}, not to "
                                    f"\"{TEXT_NAME}\"; {FIX}")
        value = item.get("value")
        if not isinstance(value, dict):
            self.problem(region_id, f"{name} result has value {short(value)}, not an object; {FIX}")
            self.bad_regions.add(region_id)
            return None
        start, end = value.get("start"), value.get("end")
        span_ok = False
        if not is_int(start) or not is_int(end):
            self.problem(region_id, f"span offsets must be integers, got start={short(start)}, "
                                    f"end={short(end)}; {FIX}")
        elif start >= end:
            self.problem(region_id, f"span {start}-{end} is empty or reversed (start must be below end); {FIX}")
        elif start < 0 or end > len(self.text):
            self.problem(region_id, f"span {start}-{end} is outside the text (0-{len(self.text)}); "
                                    "the document text changed after annotation, or the export is "
                                    f"from another project; {FIX}")
        else:
            span_ok = True
        shown = value.get("text")
        if shown is not None and not isinstance(shown, str):
            self.problem(region_id, f"span text is {kind(shown)}, not a string; {FIX}")
        elif span_ok and shown is not None and not _same_but_whitespace(shown, self.text[start:end]):
            shown_part, actual_part = difference(shown, self.text[start:end])
            self.problem(region_id, f"span {start}-{end} {shown_part} does not match the text at "
                                    f"those offsets ({actual_part}); {FIX}")
        label = self._label(value, region_id, name)
        if label is None or not span_ok or len(self.log.problems) > before:
            self.bad_regions.add(region_id)
            return None
        return Span(region_id, start, end, self.text[start:end], label)

    def _plain(self, item: dict, name: str) -> Span | None:
        """The span of :meth:`labels` in the common case, checked fast: every check passes,
        ``value.text`` is the text at the offsets, and no white space is at its edges; else None."""
        try:
            value = item["value"]
            region_id, start, end, labels, shown = item["id"], value["start"], value["end"], value["labels"], value["text"]
        except (KeyError, TypeError):
            return None
        text = self.text
        if (type(value) is not dict or type(region_id) is not str or not region_id or type(start) is not int
                or type(end) is not int or not 0 <= start < end <= len(text) or type(labels) is not list
                or len(labels) != 1 or type(shown) is not str or shown != text[start:end]
                or shown[0].isspace() or shown[-1].isspace()
                or region_id in self.regions or region_id in self.bad_regions
                or item.get("type", "labels") != "labels" or item.get("to_name", TEXT_NAME) != TEXT_NAME):
            return None
        label = labels[0]
        if type(label) is not str or not (label in self.rules.entity_labels if name == ENTITIES_NAME
                                          else label == self.rules.claim_label):
            return None
        return _new_span(Span, (region_id, start, end, shown, label))

    def _well_formed(self, item: dict, name: str) -> Span | None:
        """The span when every check passes, else None (:meth:`_plain` reads the commonest case faster)."""
        try:  # subscripts: cheaper than .get, and a missing key or a value that is no dict fails
            value = item["value"]
            region_id, start, end, labels = item["id"], value["start"], value["end"], value["labels"]
        except (KeyError, TypeError):  # TypeError: a value (or item) that is a list or a string
            return None
        text = self.text
        if (type(value) is not dict or type(region_id) is not str or not region_id
                or type(start) is not int or type(end) is not int or not 0 <= start < end <= len(text) or type(labels) is not list or len(labels) != 1
                or region_id in self.regions or region_id in self.bad_regions
                or item.get("type", "labels") != "labels" or item.get("to_name", TEXT_NAME) != TEXT_NAME):
            return None
        label = labels[0]
        rules = self.rules
        if type(label) is not str or not (label in rules.entity_labels if name == ENTITIES_NAME
                                          else label == rules.claim_label):
            return None
        shown, actual = value.get("text"), text[start:end]
        if shown is not None and (type(shown) is not str or not _same_but_whitespace(shown, actual)):
            return None
        return Span(region_id, start, end, actual, label)

    def _label(self, value: dict, region_id: str, name: str) -> str | None:
        label = self._one_string(value.get("labels"), region_id, f"{name} labels",
                                 lambda count, shown: f"span has {count} labels ({shown}); give it exactly one")
        if label is None:
            return None
        if name == ENTITIES_NAME and label not in self.rules.entity_labels:
            self.problem(region_id, f"unknown entity label {short(label)} (the schema has "
                                    f"{self.rules.entity_text}); {FIX}")
            return None
        if name == CLAIMS_NAME and label != self.rules.claim_label:
            self.problem(region_id, f"unknown claim label {short(label)} (the schema has "
                                    f"{self.rules.claim_label}); {FIX}")
            return None
        return label

    # -- per-region choices, relations, document stance ----------------------------------------

    def _choice(self, item: dict, name: str, region_id: str | None, allowed: frozenset[str]) -> str | None:
        value = item.get("value")
        choices = value.get("choices") if isinstance(value, dict) else None
        if type(choices) is list and len(choices) == 1 and type(choices[0]) is str and choices[0] in allowed:
            return choices[0]  # the common case; allowed values are all strings
        choice = self._one_string(choices, region_id, f"{name} choices",
                                  lambda count, shown: f"{name} has {count} values ({shown}); pick exactly one")
        if choice is None:
            return None
        if choice not in allowed:
            self.problem(region_id, f"unknown {name} value {short(choice)} (the schema has "
                                    f"{self.rules.values_text[name]}); {FIX}")
            return None
        return choice

    def _one_string(self, values: Any, region_id: str | None, what: str,
                    not_one: Callable[[int, str], str]) -> str | None:
        """The single string of a ``labels`` or ``choices`` list, or None after recording why not
        (``not_one(count, values shown)`` words the problem of a list of another length)."""
        if not isinstance(values, list) or not all(isinstance(item, str) for item in values):
            self.problem(region_id, f"{what} must be a list of strings, got {short(values)}; {FIX}")
            return None
        if len(values) != 1:
            self.problem(region_id, f"{not_one(len(values), ', '.join(values) or 'none')}; {FIX}")
            return None
        return values[0]

    def _region_choice(self, item: dict, position: int) -> None:
        name = item["from_name"]
        region_id = _region_id(item)
        if region_id is None:
            self.problem(None, f"result #{position + 1} ({name}) has no region id (got "
                               f"{short(item.get('id'))}); {FIX}")
            return
        key = (region_id, name)
        value = self._choice(item, name, region_id, self.rules.region_choices[name])
        if value is None:
            self.bad_choices.add(key)
            return
        region = self.regions.get(region_id)
        if region is None:
            if region_id not in self.bad_regions:
                self.problem(region_id, f"{name} {value} is attached to a region that does not exist; {FIX}")
            return
        if region.label != self.rules.claim_label:
            self.problem(region_id, f"{name} {value} is attached to a {region.label} entity, not to a "
                                    f"claim; only claims take {name}; {FIX}")
            return
        if key in self.bad_choices:
            return  # this claim's earlier value for the control is already a problem
        earlier = self.choices.get(key)
        if earlier is not None and earlier != value:
            self.problem(region_id, f"claim has two {name} values ({earlier} and {value}); {FIX}")
            self.bad_choices.add(key)
            del self.choices[key]
            return
        self.choices[key] = value

    def _relation(self, item: dict, position: int) -> None:
        ends = item.get("from_id"), item.get("to_id")
        if type(ends[0]) is not str or type(ends[1]) is not str or not ends[0] or not ends[1]:
            self.problem(None, f"{_relation_name(ends)} (result #{position + 1}) must name two region "
                               f"ids; {FIX}")
            return
        regions = (self.regions.get(ends[0]), self.regions.get(ends[1]))
        claim_label = self.rules.claim_label
        claims = [region for region in regions if region is not None and region.label == claim_label]
        problem = self._relation_problem(item, ends, regions, claims)
        if problem is not None:
            region_id, message = problem
            if message:
                self.problem(region_id, message)
            self.unresolved.update(claim.id for claim in claims)
            return
        claim = claims[0]
        entity = regions[1] if regions[0] is claim else regions[0]
        current = self.claimants.get(claim.id)
        if current is not None and current != entity.id:
            self.problem(claim.id, f"claim has two claimants ({current} and {entity.id}); keep one; {FIX}")
            self.unresolved.add(claim.id)
            return
        self.claimants[claim.id] = entity.id

    def _relation_problem(self, item: dict, ends: tuple[str, str], regions: tuple, claims: list,
                          ) -> tuple[str, str] | None:
        """What is wrong with a relation as a claimant link: (region id, message), or None.

        An empty message means the problem is already recorded (a region with its own problem).
        """
        if ends[0] in self.bad_regions or ends[1] in self.bad_regions:
            return ends[0], ""
        for end, region in zip(ends, regions):
            if region is None:
                return end, f"{_relation_name(ends)} points to a region that does not exist; {FIX}"
        labels = item.get("labels")
        if labels is not None and (type(labels) is not list or not all(type(x) is str for x in labels)):
            return ends[0], f"{_relation_name(ends)}: labels must be a list of strings, got {short(labels)}; {FIX}"
        for label in labels or ():
            if label != RELATION_VALUE:
                return ends[0], (f"{_relation_name(ends)} has label {short(label)}; the only relation is "
                                 f"\"{RELATION_VALUE}\"; {FIX}")
        if ends[0] == ends[1] or len(claims) != 1:
            kinds = " and ".join("claim" if r.label == self.rules.claim_label else f"{r.label} entity"
                                 for r in regions)
            return ends[0], (f"{_relation_name(ends)} links a {kinds}; a claimant relation links one claim "
                             f"and one entity; {FIX}")
        claim = claims[0]
        entity = regions[1] if regions[0] is claim else regions[0]
        if entity.label not in self.rules.claimant_labels:
            return claim.id, (f"claimant {entity.id} is a {entity.label}; a claimant must be "
                              f"{self.rules.claimant_text}; {FIX}")
        return None

    def _document_stance(self, stances: list[tuple[int, dict]]) -> str | None:
        values, unreadable = [], False
        for _position, item in stances:
            value = self._choice(item, DOCUMENT_STANCE_NAME, None, self.rules.stance_values)
            if value is None:
                unreadable = True
            else:
                values.append(value)
        if unreadable:
            return None
        if len(set(values)) > 1:
            self.problem(None, f"two document stances ({', '.join(values)}); keep one; {FIX}")
            return None
        if not values and self.complete and self.rules.document_stance_required:
            self.problem(None, f"no document stance; pick {self.rules.values_text[DOCUMENT_STANCE_NAME]} "
                               f"for the whole article; {FIX}")
        return values[0] if values else None

    # -- the records ---------------------------------------------------------------------------

    def _build(self) -> tuple[tuple[Span, ...], tuple[Claim, ...]]:
        claim_label = self.rules.claim_label
        entities, claims = [], []
        for region in self.regions.values():
            if region.label != claim_label:
                entities.append(region)
                continue
            claimant = None if region.id in self.unresolved else self.claimants.get(region.id)
            stance = self.choices.get((region.id, CLAIM_STANCE_NAME))
            attributes = {name: self.choices.get((region.id, name)) for name in self.rules.attributes}
            claims.append(Claim(region.id, region.start, region.end, region.text, claimant, stance, attributes))
            if self.complete:
                self._check_complete(region.id, claimant, stance, attributes)
        entities.sort(key=span_order)
        claims.sort(key=claim_order)
        return tuple(entities), tuple(claims)

    def _check_complete(self, claim_id: str, claimant: str | None, stance: str | None,
                        attributes: dict[str, str | None]) -> None:
        rules = self.rules
        if stance is None and rules.claim_stance_required and (claim_id, CLAIM_STANCE_NAME) not in self.bad_choices:
            self.problem(claim_id, f"claim has no stance; select it and pick "
                                   f"{rules.values_text[CLAIM_STANCE_NAME]}; {FIX}")
        if claimant is None and rules.claimant_required and claim_id not in self.unresolved:
            self.problem(claim_id, f"claim has no claimant; link it to a {rules.claimant_text} entity "
                                   f"with Create Relation; {FIX}")
        for name in rules.required_attributes:
            if attributes[name] is None and (claim_id, name) not in self.bad_choices:
                self.problem(claim_id, f"claim has no {name}; select it and pick one of "
                                       f"{rules.values_text[name]}; {FIX}")


_new_span = tuple.__new__  # a Span without the Python-level __new__ of a named tuple


def is_int(value: Any) -> bool:
    """An int that is not a bool (JSON ``true`` is not a number of anything)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _region_id(item: dict) -> str | None:
    region_id = item.get("id")
    return region_id if isinstance(region_id, str) and region_id else None


def _relation_name(ends: tuple[Any, Any]) -> str:
    return f"relation {short(ends[0])} -> {short(ends[1])}"


def _same_but_whitespace(shown: str, actual: str) -> bool:
    """Label Studio may collapse or rebuild whitespace in ``value.text``: only that is allowed."""
    return shown == actual or "".join(shown.split()) == "".join(actual.split())

