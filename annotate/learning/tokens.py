"""Sentences of tokens with exact offsets, their CRF features, and BIO tags to and from spans.

Tokens come from :func:`annotate.text.tokens.tokenize` (cut at the given span boundaries, so a
gold span always covers whole tokens) and are grouped by :func:`annotate.text.sentences.sentence_spans`.
The features describe a word by its shape and its neighbours, not only by its spelling, so that
a name never seen in training is still recognised from its form and context.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from annotate.text.sentences import sentence_spans
from annotate.text.tokens import tokenize

OUTSIDE = "O"


@dataclass(frozen=True)
class Sentence:
    """The tokens of one sentence with their code-point offsets into the document text."""

    tokens: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]


def sentences(text: str, cuts: Iterable[int] = ()) -> list[Sentence]:
    """The sentences of ``text`` as tokens, cut at ``cuts`` (span boundaries)."""
    tokens, starts, ends = tokenize(text, cuts)
    found = []
    for begin, end in sentence_spans(text):
        first, last = bisect_left(starts, begin), bisect_right(ends, end)
        if last > first:
            found.append(Sentence(tuple(tokens[first:last]), tuple(starts[first:last]), tuple(ends[first:last])))
    return found


def bio_tags(sentence: Sentence, spans: Iterable[tuple[int, int, str]]) -> list[str]:
    """``B-X``/``I-X``/``O`` per token for non-overlapping ``(start, end, label)`` spans."""
    tags = [OUTSIDE] * len(sentence.tokens)
    for start, end, label in spans:
        first = bisect_left(sentence.starts, start)
        last = bisect_right(sentence.ends, end)
        for index in range(first, last):
            tags[index] = ("B-" if index == first else "I-") + label
    return tags


def spans_from_tags(sentence: Sentence, tags: Sequence[str],
                    confidence: Sequence[float]) -> list[tuple[int, int, str, float]]:
    """``(start, end, label, score)`` per run of tags; the score is the lowest token confidence."""
    found: list[tuple[int, int, str, float]] = []
    current: str | None = None
    for index, tag in enumerate(tags):
        if tag == OUTSIDE:
            current = None
            continue
        prefix, label = tag.split("-", 1)
        if prefix == "I" and current == label:
            start, _, _, score = found[-1]
            found[-1] = (start, sentence.ends[index], label, min(score, confidence[index]))
        else:
            found.append((sentence.starts[index], sentence.ends[index], label, confidence[index]))
        current = label
    return found


def _shape(token: str) -> str:
    shape = re.sub(r"[A-Z]", "X", token)
    shape = re.sub(r"[a-z]", "x", shape)
    shape = re.sub(r"\d", "d", shape)
    return re.sub(r"(.)\1+", r"\1\1", shape)  # runs shortened: "Xxxxxx" -> "Xxx"


def _word(token: str) -> list[str]:
    return [f"l={token.lower()}", f"s={_shape(token)}", f"p3={token[:3].lower()}", f"x3={token[-3:].lower()}",
            f"t={token.istitle()}", f"u={token.isupper()}", f"d={any(c.isdigit() for c in token)}"]


def features(sentence: Sentence) -> list[list[str]]:
    """The CRF features of each token: itself, and the words and shapes around it."""
    tokens = sentence.tokens
    size = len(tokens)
    own = [_word(token) for token in tokens]
    rows = []
    for index, token in enumerate(tokens):
        row = list(own[index])
        row.append(f"x2={token[-2:].lower()}")
        row.append(f"len={min(len(token), 8)}")
        if index == 0:
            row.append("BOS")
        if index == size - 1:
            row.append("EOS")
        for offset in (-2, -1, 1, 2):
            at = index + offset
            if 0 <= at < size:
                row.extend(f"{offset}{feature}" for feature in own[at][:3])
        if index > 0:
            row.append(f"bi-={tokens[index - 1].lower()}|{token.lower()}")
        if index + 1 < size:
            row.append(f"bi+={token.lower()}|{tokens[index + 1].lower()}")
        rows.append(row)
    return rows
