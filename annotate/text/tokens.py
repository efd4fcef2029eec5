"""A deterministic tokenizer with code-point offsets, and IOB2 tags from entity spans.

Tokens (Python ``re`` only; ``\\w`` and the combining marks follow the Unicode database of the
Python that runs it, so one Python version gives one result on any machine):

- a word is a run of letters, digits and ``_``, joined across an inner hyphen or apostrophe
  (``S-300PMU-2``, ``Rouhani's``) and across a ``.`` or ``,`` between two digits (``3.5``, ``1,000``);
- letters each followed by a full stop are one token (``U.S.``, ``e.g.``);
- every other character that is not white space is a token of its own (``"``, ``.``, an emoji);
- a combining mark, a zero-width joiner, the character after a joiner, an emoji skin-tone
  modifier, and letters right after a combining mark stay with the token before them, so no
  accented word (``e`` + U+0301) or emoji sequence is torn apart;
- regional indicators pair up into flags, from the first of a run: ``🇷🇺🇮🇷`` is ``🇷🇺``, ``🇮🇷``;
- white space is never part of a token.

A token is then cut at every entity boundary that falls inside it, so an entity always covers
whole tokens and its tags are exact: "S-300PMU" annotated as ``S-300`` gives the tokens
``S-300`` (``B-WEAPON``) and ``PMU`` (``O``). An entity that covers no token (white space only)
gets no tag.

IOB2 cannot nest: for the ``ner`` config, overlapping entities are reduced by :func:`flat_entities`
(the longest wins, then the earliest start, then the label listed first in the schema); the
``documents`` config keeps them all.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from itertools import accumulate, pairwise

from annotate.conversion.records import Span

# Possessive (``++``, ``*+``): giving characters back can never let a word match differently (what
# follows a run of word characters is a separator or the end), and not keeping the places to go
# back to makes the split a fifth faster.
_WORD = r"\w++(?:(?:[-'\u2019]|(?<=\d)[.,](?=\d))\w++)*+"
# One capture group: re.split then alternates white space and tokens, which gives the offsets
# from string lengths alone.
_TOKEN = re.compile(rf"({_WORD}|\S)")
# From the first full stop of single letters each followed by one (U.S., e.g.): starting at
# the stop makes the search fast; the letter before it is joined in :func:`_join_abbreviations`.
_ABBREVIATION = re.compile(r"\.(?<=\b[^\W\d_]\.)(?:[^\W\d_]\.)+")
_JOINER = "\u200d"
# Every character that may attach: anything but ASCII, Latin letters and general punctuation
# (where no combining mark lives; the joiner U+200D is kept). Checked one by one after that.
_MAYBE_ATTACHING = re.compile("[^\x00-\u02ff\u2000-\u200c\u200e-\u206f]")
_SKIN_TONES = range(0x1F3FB, 0x1F400)
_REGIONAL_INDICATORS = range(0x1F1E6, 0x1F200)


def _attaches(char: str) -> bool:
    """Combining marks, the zero-width joiner and emoji skin-tone modifiers stay with the
    token before them."""
    return char == _JOINER or ord(char) in _SKIN_TONES or unicodedata.category(char)[0] == "M"


def tokenize(text: str, cuts: Iterable[int] = ()) -> tuple[list[str], list[int], list[int]]:
    """Tokens of ``text`` with their start and end offsets (code points), cut at each offset in
    ``cuts`` that falls inside a token."""
    parts = _TOKEN.split(text)
    offsets = list(accumulate(map(len, parts), initial=0))
    tokens, starts, ends = parts[1::2], offsets[1:-1:2], offsets[2:-1:2]
    if not text.isascii():
        _attach(text, tokens, starts, ends)
    _join_abbreviations(text, tokens, starts, ends)
    for cut in sorted(set(cuts), reverse=True):
        index = bisect_right(starts, cut) - 1
        if index >= 0 and starts[index] < cut < ends[index]:
            start, end = starts[index], ends[index]
            tokens[index:index + 1] = [text[start:cut], text[cut:end]]
            starts[index:index + 1] = [start, cut]
            ends[index:index + 1] = [cut, end]
    return tokens, starts, ends


def _join_abbreviations(text: str, tokens: list[str], starts: list[int], ends: list[int]) -> None:
    """Make each abbreviation such as ``U.S.`` one token (in place)."""
    for match in reversed(list(_ABBREVIATION.finditer(text))):
        begin, end = match.start() - 1, match.end()
        first, last = bisect_left(starts, begin), bisect_left(starts, end)
        if first < last and starts[first] == begin and ends[last - 1] == end:
            tokens[first:last] = [text[begin:end]]
            del starts[first + 1:last]
            del ends[first:last - 1]


def _attach(text: str, tokens: list[str], starts: list[int], ends: list[int]) -> None:
    """Join each attaching character (a one-character token) to the token right before it, and
    the token right after a joiner, or a word right after a mark, to it (in place)."""
    joins: set[int] = set()  # token i joins token i - 1
    run_start = -2  # where the run of regional indicators that ends right before a position began
    run_end = -2
    for match in _MAYBE_ATTACHING.finditer(text):
        position = match.start()
        if ord(match.group()) in _REGIONAL_INDICATORS:
            if position != run_end:
                run_start = position  # a new run: flags pair up from its first indicator
            run_end = position + 1
            if (position - run_start) % 2 == 1:  # the second of a pair
                index = bisect_right(starts, position) - 1
                if index > 0 and starts[index] == position and ends[index - 1] == position:
                    joins.add(index)
            continue
        if not _attaches(match.group()):
            continue
        index = bisect_right(starts, position) - 1
        if index < 0 or starts[index] != position:
            continue
        if index > 0 and ends[index - 1] == position:
            joins.add(index)
        after = index + 1
        if after < len(starts) and starts[after] == position + 1:
            following = text[position + 1]
            if text[position] == _JOINER or following.isalnum() or following == "_":
                joins.add(after)
    for index in sorted(joins, reverse=True):
        tokens[index - 1:index + 1] = [tokens[index - 1] + tokens[index]]
        del starts[index]
        del ends[index - 1]


def flat_entities(entities: Iterable[Span], labels: Sequence[str]) -> list[Span]:
    """Entities without overlaps, sorted by start: the longest wins, then the earliest start,
    then the label listed first in ``labels``."""
    spans = list(entities)
    rank = {label: index for index, label in enumerate(labels)}
    # The span's place in ``spans`` stands in for its id: ids may repeat outside a gold record.
    kept = flat_spans([(s.start, s.end, rank.get(s.label, len(rank)), s.id, i) for i, s in enumerate(spans)])
    return [spans[entry[4]] for entry in kept]


def flat_spans(spans: Sequence[tuple]) -> list[tuple]:
    """:func:`flat_entities` for tuples ``(start, end, label rank, ...)`` (the rest breaks
    ties): the ``ner`` config builds them straight from Arrow columns, without a :class:`Span`
    per entity."""
    by_start = sorted(spans)
    if all(a[1] <= b[0] for a, b in pairwise(by_start)):
        return by_start  # no overlap: the common case
    ordered = sorted(by_start, key=lambda s: (s[0] - s[1], s[0], s[2:]))
    kept: list[tuple] = []
    for span in ordered:
        if all(span[1] <= other[0] or other[1] <= span[0] for other in kept):
            kept.append(span)
    return sorted(kept)


def iob2_tags(starts: Sequence[int], ends: Sequence[int], entities: Iterable[Span],
              labels: Sequence[str]) -> list[int]:
    """IOB2 tag ids (indexes into :func:`annotate.scheme.features.ner_tag_names`) for the tokens.

    ``entities`` must not overlap and must start and end on token boundaries (see
    :func:`tokenize` with ``cuts``): each covered token gets ``B-X`` first, then ``I-X``."""
    index = {label: i for i, label in enumerate(labels)}
    return tag_ids(starts, ends, [(span.start, span.end, index[span.label]) for span in entities])


def tag_ids(starts: Sequence[int], ends: Sequence[int], spans: Iterable[tuple]) -> list[int]:
    """:func:`iob2_tags` for tuples ``(start, end, label id, ...)``."""
    tags = [0] * len(starts)
    for start, end, label, *_ in spans:
        first = bisect_left(starts, start)
        last = bisect_right(ends, end)
        begin = 1 + 2 * label
        if last > first:
            tags[first:last] = [begin] + [begin + 1] * (last - first - 1)
    return tags

