"""A small, deterministic sentence splitter for news text (code-point offsets).

A sentence ends:

- at a line break (``\\n``, ``\\r\\n`` or ``\\r``): news paragraphs, headlines and datelines stand alone;
- after ``.``, ``!``, ``?`` or ``…`` (and any closing quotes or brackets right after it) that is
  followed by white space and then not by a lower-case letter, unless the word before the full stop
  is a single letter (an initial, ``J. Smith``) or a common abbreviation (``Mr.``, ``Gen.``, ``Jan.``,
  ``No.``, ...).

Sentences never include the white space around them. The ``claims`` config takes a claim's
context from here, and the ``ner`` config makes one row per sentence.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

ABBREVIATIONS = frozenset("""
    mr mrs ms dr prof gen col lt sgt capt maj adm cmdr gov sen rep st jr sr rev hon pres
    no nos vol fig art para inc corp co ltd plc dept univ est approx vs etc
    coop govt intl natl assn bros
    jan feb mar apr jun jul aug sep sept oct nov dec
""".split())



def _not_after_abbreviation() -> str:
    """Look-behinds, placed after a full stop, that fail when the stop ends an initial or a
    listed abbreviation (any case)."""
    by_length: dict[int, list[str]] = {}
    for word in sorted(ABBREVIATIONS):
        by_length.setdefault(len(word), []).append(word)
    checks = [r"(?<!\b[^\W\d_]\.)"]
    checks += [rf"(?<!\b(?i:{'|'.join(words)})\.)" for _, words in sorted(by_length.items())]
    return "".join(checks)


# A sentence end: a full stop that does not follow an abbreviation, or !, ? or …, with any more
# stops and closing quotes or brackets, then white space and a visible character (``next``);
# or a line break (``next`` unset). The pattern starts with the set of characters that may end
# a sentence, so the engine skips quickly from one candidate to the next; the look-behinds then
# tell which character it was.
_CANDIDATE = re.compile(
    rf"[.!?\u2026\r\n](?:(?<=\r)\n?|(?<=\n)|(?:(?<=\.){_not_after_abbreviation()}|(?<=[!?\u2026]))"
    r"[.!?\u2026]*[\"'\u201d\u2019\u00bb)\]]*(?=\s+(?P<next>\S)))")
_VISIBLE = re.compile(r"\S(?:[\s\S]*\S)?")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence in ``text``, in order, without surrounding white space."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for match in _CANDIDATE.finditer(text):
        following = match.group("next")
        if following is None:  # a line break
            bounds.append((start, match.start()))
            start = match.end()
        elif not following.islower():
            bounds.append((start, match.end()))
            start = match.start("next")  # past the white space: most sentences need no trimming
    bounds.append((start, len(text)))
    spans = []
    for begin, end in bounds:
        if begin < end and not text[begin].isspace() and not text[end - 1].isspace():
            spans.append((begin, end))  # the common case: nothing to trim
            continue
        visible = _VISIBLE.search(text, begin, end)
        if visible is not None:
            spans.append(visible.span())
    return spans


def _reach(spans: list[tuple[int, int]], starts: list[int], start: int, end: int) -> tuple[int, int]:
    """Indexes of the first and last sentence that ``[start, end)`` touches."""
    first = max(0, bisect_right(starts, start) - 1)
    if spans[first][1] <= start and first + 1 < len(spans):
        first += 1  # ``start`` is in the white space after a sentence
    last = max(first, bisect_left(starts, end) - 1)
    return first, last


def merge_across(spans: list[tuple[int, int]], ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join consecutive sentences so that no ``(start, end)`` range in ``ranges`` crosses a boundary."""
    if not spans:
        return spans
    starts = [start for start, _ in spans]
    ends = [end for _, end in spans]
    joined: set[int] = set()  # i in joined: sentence i continues into sentence i + 1
    for start, end in ranges:
        # The first sentence that ends after ``start`` and the last that begins before ``end``
        # (the same as :func:`_reach` whenever they differ; inlined: it runs once per entity).
        first, last = bisect_right(ends, start), bisect_left(starts, end) - 1
        if last > first:
            joined.update(range(first, last))
    if not joined:
        return spans
    merged: list[tuple[int, int]] = []
    for index, span in enumerate(spans):
        if index - 1 in joined:
            merged[-1] = (merged[-1][0], span[1])
        else:
            merged.append(span)
    return merged


def covering(spans: list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    """From the start of the sentence holding ``start`` to the end of the one holding ``end``:
    a claim's context (the claim itself when the text has no sentence)."""
    if not spans:
        return start, end
    first, last = _reach(spans, [s for s, _ in spans], start, end)
    return min(spans[first][0], start), max(spans[last][1], end)
