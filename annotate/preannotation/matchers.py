"""Pre-annotations: entity spans proposed to annotators as Label Studio predictions.

A pre-annotator turns a document's text into Label Studio ``labels`` results for the
``entities`` control. Two are driven by data, not code:

- :class:`PatternPreannotator`: the schema's regular expressions and gazetteers (each entity's
  ``examples`` plus its ``gazetteer`` list), matched on word boundaries;
- :class:`AnnotationMemory`: strings annotators already labelled in the project, proposed with
  the label most annotators gave them wherever they occur in new documents.

:func:`combine` merges several into one prediction (a trained model, :mod:`annotate.learning`, is
one more part). Overlaps are resolved the same way everywhere: the longest span wins, then the
earlier one, then the earlier pre-annotator, then the schema's label order. Every region of a
combined prediction names the pre-annotator it came from in ``meta.source`` (``memory``,
``patterns``, ``model``), which Label Studio keeps as it is. Offsets are code points and
``text[start:end] == value["text"]``.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from annotate.scheme.schema import ENTITIES_NAME, TEXT_NAME, Schema

MIN_MEMORY_LENGTH = 2  # shorter strings (a letter, a digit) would be proposed everywhere


class Preannotator(Protocol):
    """Anything that proposes entity spans for a text."""

    name: str
    model_version: str

    def predict(self, document_text: str) -> list[dict[str, Any]]:
        """Label Studio ``labels`` results, sorted by offset, without overlaps."""
        ...


def results(text: str, candidates: Iterable[tuple[int, int, str, int]], schema: Schema) -> list[dict[str, Any]]:
    """Resolve ``(start, end, label, priority)`` candidates into Label Studio results.

    Longest first, then the earlier start, the lower priority, the schema's label order; a
    candidate that overlaps one already chosen is dropped.
    """
    order = {label: index for index, label in enumerate(schema.entity_labels)}
    size, missing = len(text), len(order)
    ranked = sorted(
        (start - end, start, priority, order.get(label, missing), end, label)
        for start, end, label, priority in candidates
        if 0 <= start < end <= size and label in order
    )
    starts: list[int] = []
    chosen: list[tuple[int, int, str]] = []
    for _, start, _, _, end, label in ranked:
        at = bisect_left(starts, start)
        if at > 0 and chosen[at - 1][1] > start:
            continue
        if at < len(starts) and starts[at] < end:
            continue
        starts.insert(at, start)
        chosen.insert(at, (start, end, label))
    return [_result(text, start, end, label) for start, end, label in chosen]


def _result(text: str, start: int, end: int, label: str) -> dict[str, Any]:
    region = hashlib.sha1(f"{start}:{end}:{label}".encode()).hexdigest()[:10]
    return {
        "id": region,
        "from_name": ENTITIES_NAME,
        "to_name": TEXT_NAME,
        "type": "labels",
        "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]},
    }


def prediction(preannotator: Preannotator, document_text: str) -> dict[str, Any] | None:
    """One Label Studio prediction for a text, or None when nothing was found."""
    found = preannotator.predict(document_text)
    if not found:
        return None
    made: dict[str, Any] = {"model_version": preannotator.model_version, "result": found}
    scores = [item["score"] for item in found if isinstance(item.get("score"), (int, float))]
    if scores:  # the task's score, which Label Studio's uncertainty sampling orders by (lowest first)
        made["score"] = round(sum(scores) / len(scores), 4)
    return made


class PatternPreannotator:
    """The schema's patterns and gazetteers (examples plus gazetteer lists)."""

    name = "patterns"

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.model_version = f"{self.name}-{schema.fingerprint[:12]}"
        terms: dict[str, str] = {}
        for entity in schema.entities:
            for term in (*entity.examples, *entity.gazetteer):
                terms.setdefault(term.strip(), entity.label)  # the first label in schema order wins
        terms.pop("", None)
        self._gazetteer = TermMatcher(terms)
        self._patterns = [(re.compile(pattern), entity.label)
                          for entity in schema.entities for pattern in entity.patterns]

    def candidates(self, text: str) -> list[tuple[int, int, str, int]]:
        found = [(start, end, label, 0) for start, end, label in self._gazetteer.find(text)]
        plain = plain_spaces(text)  # a space in a pattern also matches a no-break space
        for pattern, label in self._patterns:
            for match in pattern.finditer(plain):
                span = _trim(text, match.start(), match.end())
                if span is not None and _on_word_boundaries(text, *span):
                    found.append((span[0], span[1], label, 1))
        return found

    def predict(self, document_text: str) -> list[dict[str, Any]]:
        return results(document_text, self.candidates(document_text), self.schema)


class AnnotationMemory:
    """Strings annotators labelled, each with its majority label, proposed in new documents."""

    name = "memory"

    def __init__(self, labels: Mapping[str, str], schema: Schema) -> None:
        self.schema = schema
        self.model_version = f"{self.name}-{schema.fingerprint[:12]}"
        known = set(schema.entity_labels)
        self.labels = {text: label for text, label in labels.items()
                       if label in known and _memorable(text)}
        self._matcher = TermMatcher(self.labels)

    @classmethod
    def from_results(cls, annotations: Iterable[tuple[str, Iterable[Any]]], schema: Schema) -> AnnotationMemory:
        """Learn from ``(document text, one annotation's result list)`` pairs.

        Each annotation votes once per string and label; ties go to the schema's label order.
        Malformed results are skipped: the memory only ever proposes, it never fails a push.
        """
        votes: dict[str, Counter[str]] = defaultdict(Counter)
        for text, result in annotations:
            seen: set[tuple[str, str]] = set()
            for item in result if isinstance(result, list) else ():
                span = _entity_span(text, item)
                if span is not None and span not in seen:
                    seen.add(span)
                    votes[span[0]][span[1]] += 1
        order = {label: index for index, label in enumerate(schema.entity_labels)}
        labels = {
            string: min(counter.items(), key=lambda item: (-item[1], order.get(item[0], len(order))))[0]
            for string, counter in votes.items()
        }
        return cls(labels, schema)

    def __len__(self) -> int:
        return len(self.labels)

    def candidates(self, text: str) -> list[tuple[int, int, str, int]]:
        return [(start, end, label, 0) for start, end, label in self._matcher.find(text)]

    def predict(self, document_text: str) -> list[dict[str, Any]]:
        return results(document_text, self.candidates(document_text), self.schema)


class CombinedPreannotator:
    """Several pre-annotators as one prediction; earlier ones win ties between equal spans.

    Entity spans of all parts are resolved together; other results (a model's claims, their
    choices, the document stance) are kept as they are. Each result names its part in
    ``meta.source``, and keeps the part's ``score`` when it has one. ``model_version`` names every
    part (a part's ``version_name``, such as a trained model's version, else its name)."""

    def __init__(self, parts: Sequence[Preannotator], schema: Schema) -> None:
        self.parts = tuple(parts)
        self.schema = schema
        self.name = "+".join(part.name for part in self.parts)
        named = "+".join(getattr(part, "version_name", part.name) for part in self.parts)
        self.model_version = f"{named}-{schema.fingerprint[:12]}"

    def predict(self, document_text: str) -> list[dict[str, Any]]:
        candidates = []
        origin: dict[tuple[int, int, str], tuple[str, Any]] = {}
        others: list[dict[str, Any]] = []
        for priority, part in enumerate(self.parts):
            for item in part.predict(document_text):
                if item.get("from_name") != ENTITIES_NAME:
                    others.append(_marked(item, part.name, item.get("score")))
                    continue
                value = item["value"]
                key = (value["start"], value["end"], value["labels"][0])
                candidates.append((*key, priority))
                origin.setdefault(key, (part.name, item.get("score")))  # the earlier part wins a tie
        chosen = [_marked(item, *origin[(item["value"]["start"], item["value"]["end"], item["value"]["labels"][0])])
                  for item in results(document_text, candidates, self.schema)]
        return chosen + others


def _marked(item: dict[str, Any], source: str, score: Any) -> dict[str, Any]:
    marked = {**item, "meta": {**(item.get("meta") or {}), "source": source}}
    if score is not None:
        marked["score"] = score
    return marked


def combine(parts: Sequence[Preannotator], schema: Schema) -> Preannotator:
    """One pre-annotator from one or several, whose regions name their source."""
    return CombinedPreannotator(parts, schema)


_SPACES = str.maketrans({"\u00a0": " ", "\u2007": " ", "\u202f": " "})


def plain_spaces(text: str) -> str:
    """``text`` with no-break spaces (U+00A0, U+2007, U+202F) as plain spaces: the same length,
    so offsets found in it hold in ``text``. News text often has them between names and dates."""
    return text.translate(_SPACES)


class TermMatcher:
    """Finds exact strings on word boundaries, the longest at each position (one regex trie); a
    space in a string also matches a no-break space in the text."""

    def __init__(self, labels: Mapping[str, str]) -> None:
        self.labels: dict[str, str] = {}
        for term, label in labels.items():
            self.labels.setdefault(plain_spaces(term), label)
        trie = _trie(self.labels)
        self._regex = re.compile(rf"(?<!\w)(?=({trie})(?!\w))") if self.labels else None

    def find(self, text: str) -> list[tuple[int, int, str]]:
        if self._regex is None:
            return []
        found = []
        for match in self._regex.finditer(plain_spaces(text)):
            term = match.group(1)
            found.append((match.start(1), match.end(1), self.labels[term]))
        return found


def _trie(terms: Iterable[str]) -> str:
    """A regex matching any of ``terms``, sharing prefixes; longer continuations are tried first."""
    root: dict[str, Any] = {}
    for term in terms:
        node = root
        for char in term:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + render(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            return f"(?:{body})?"
        return body

    return _render_iteratively(root) if _depth(root) > 400 else render(root)


def _render_iteratively(root: dict[str, Any]) -> str:
    """Plain alternation, longest first: for terms too long for the recursive trie."""
    terms = []
    stack: list[tuple[dict[str, Any], str]] = [(root, "")]
    while stack:
        node, prefix = stack.pop()
        for char, child in node.items():
            if char == "":
                terms.append(prefix)
            else:
                stack.append((child, prefix + char))
    return "|".join(re.escape(term) for term in sorted(terms, key=lambda t: (-len(t), t)))


def _depth(root: dict[str, Any]) -> int:
    deepest, stack = 0, [(root, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for char, child in node.items() if char)
    return deepest


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _on_word_boundaries(text: str, start: int, end: int) -> bool:
    """False when the span starts or ends in the middle of a word."""
    if start > 0 and _word(text[start - 1]) and _word(text[start]):
        return False
    if end < len(text) and _word(text[end - 1]) and _word(text[end]):
        return False
    return True


def _word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _memorable(string: str) -> bool:
    return len(string) >= MIN_MEMORY_LENGTH and any(char.isalnum() for char in string)


def _entity_span(text: str, item: Any) -> tuple[str, str] | None:
    """(string, label) of an entity result, read from the document text; None when malformed."""
    if not isinstance(item, Mapping) or item.get("from_name") != ENTITIES_NAME:
        return None
    value = item.get("value")
    if not isinstance(value, Mapping):
        return None
    start, end, labels = value.get("start"), value.get("end"), value.get("labels")
    if not (isinstance(start, int) and isinstance(end, int) and not isinstance(start, bool)
            and not isinstance(end, bool) and 0 <= start < end <= len(text)):
        return None
    if not isinstance(labels, list) or len(labels) != 1 or not isinstance(labels[0], str):
        return None
    span = _trim(text, start, end)
    if span is None:
        return None
    return text[span[0]:span[1]], labels[0]
