"""Numbers with their nouns, for every line a person reads (messages, cards, changelogs)."""

from __future__ import annotations


def noun(number: int, singular: str, plural: str | None = None) -> str:
    """The noun in the form that goes with ``number``: ``annotator`` for 1, else ``annotators``."""
    return singular if number == 1 else plural or singular + "s"


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """``1 annotator``, ``2 annotators``: the number and its noun."""
    return f"{number} {noun(number, singular, plural)}"
