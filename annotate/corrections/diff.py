"""Where each character of the old text went: a character-level diff by ``diff-match-patch``.

The diff is cut into *blocks*: each replaces ``old[a:b]`` by ``new[c:d]`` (a pure insertion has
``a == b``, a pure deletion ``c == d``); the text between blocks is unchanged. A span is carried
by mapping its two ends:

- text unchanged around an end: the end moves with it;
- a block that starts at the span's start (or ends at its end) and deletes something there is a
  replacement of the span's own first (or last) characters: it stays inside the span;
- a pure insertion at an end is outside the span (text added next to it, not in it);
- an end inside a deleted stretch goes to the edge of that block's new text that keeps the span
  smallest, so a span whose characters were all deleted ends up empty.

The diff is exact and deterministic (no time limit; a line-level pass first on long texts), then
cleaned up semantically, so a rewritten sentence is one block rather than letters matched by chance.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property

from diff_match_patch import diff_match_patch


@dataclass(frozen=True)
class Block:
    """``old[a:b]`` became ``new[c:d]``."""

    a: int
    b: int
    c: int
    d: int


class TextChange:
    """The diff from ``old`` to ``new`` and the mapping of spans it gives."""

    def __init__(self, old: str, new: str) -> None:
        self.old = old
        self.new = new
        self.blocks = _blocks(old, new)
        self._starts = [block.a for block in self.blocks]

    @cached_property
    def characters_changed(self) -> int:
        """Characters deleted plus characters inserted."""
        return sum((block.b - block.a) + (block.d - block.c) for block in self.blocks)

    def map_span(self, start: int, end: int) -> tuple[int, int]:
        """The new ``(start, end)`` of ``old[start:end]``; ``end <= start`` when its words are gone."""
        return self._map(start, is_start=True), self._map(end, is_start=False)

    def _map(self, position: int, *, is_start: bool) -> int:
        index = bisect_right(self._starts, position) - 1  # the last block starting at or before it
        if index < 0:
            return position
        block = self.blocks[index]
        if position > block.b:  # in unchanged text after the block
            return position + block.d - block.b
        if block.a == block.b:  # a pure insertion right at the position: outside the span
            return block.d if is_start else block.c
        if position == block.a:  # the block replaces the span's first characters, or follows its end
            return block.c
        if position == block.b:  # the block precedes the span, or replaces its last characters
            return block.d
        return block.d if is_start else block.c  # inside a deleted stretch: keep the span smallest


def _blocks(old: str, new: str) -> list[Block]:
    engine = diff_match_patch()
    engine.Diff_Timeout = 0  # exact and the same on every machine
    diffs = engine.diff_main(old, new, True)
    engine.diff_cleanupSemantic(diffs)  # no coincidental one-letter matches inside a rewritten sentence
    blocks: list[Block] = []
    a = c = 0
    open_block: list[int] | None = None
    for operation, text in diffs:
        if operation == 0:
            if open_block is not None:
                blocks.append(Block(open_block[0], a, open_block[1], c))
                open_block = None
            a += len(text)
            c += len(text)
            continue
        if open_block is None:
            open_block = [a, c]
        if operation < 0:
            a += len(text)
        else:
            c += len(text)
    if open_block is not None:
        blocks.append(Block(open_block[0], a, open_block[1], c))
    return blocks
