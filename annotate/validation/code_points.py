"""Arrow string arrays as NumPy arrays of code points, to compare slices of many texts at once.

Python indexes a ``str`` by code point, and so do the offsets of every span and token of a
version: UTF-32 gives one number per code point, so ``text[start:end]`` of every span of a batch
is one gather from the texts' code points, and comparing it with the spans' own text is one
NumPy comparison instead of a Python slice per span.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class CodePoints:
    """The values of a string array without nulls, end to end: ``codes[bounds[i]:bounds[i + 1]]``
    are the code points of value ``i``."""

    codes: np.ndarray  # uint32
    bounds: np.ndarray  # int64, one more than there are values

    @classmethod
    def of(cls, strings: pa.Array) -> CodePoints:
        if strings.null_count:
            raise ValueError("code points of a string array with nulls")
        lengths = pc.utf8_length(strings).to_numpy().astype(np.int64)
        bounds = np.zeros(len(lengths) + 1, np.int64)
        np.cumsum(lengths, out=bounds[1:])
        return cls(np.frombuffer(_utf8(strings).encode("utf-32-le"), np.uint32), bounds)

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.bounds)

    def text(self, positions: np.ndarray) -> str:
        """The code points at ``positions`` as one string."""
        return self.codes[positions].tobytes().decode("utf-32-le")


def _utf8(strings: pa.Array) -> str:
    """Every value of ``strings``, end to end, decoded once."""
    wide = pa.types.is_large_string(strings.type)
    if not (wide or pa.types.is_string(strings.type)):
        raise TypeError(f"code points of {strings.type}, not of strings")
    _, offsets, data = strings.buffers()
    if data is None or not len(strings):
        return ""
    width = 8 if wide else 4
    first, last = np.frombuffer(offsets, np.int64 if wide else np.int32, len(strings) + 1,
                                strings.offset * width)[[0, -1]]
    return bytes(memoryview(data)[first:last]).decode("utf-8")


def slices_equal(texts: CodePoints, owners: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                 values: CodePoints) -> bool:
    """Whether ``values[i] == texts[owners[i]][starts[i]:ends[i]]`` for every ``i`` (the offsets
    must lie within their texts)."""
    lengths = ends - starts
    if not np.array_equal(values.lengths, lengths):
        return False
    return bool(np.array_equal(texts.codes[spread(texts.bounds[owners] + starts, lengths)], values.codes))


def spread(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions of the ranges ``[starts[i], starts[i] + lengths[i])``, one after the other."""
    firsts = np.cumsum(lengths) - lengths  # where each range begins in the result
    return np.arange(int(lengths.sum())) + np.repeat(starts - firsts, lengths)
