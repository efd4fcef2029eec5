"""Rows of a Parquet file or an Arrow table as Python dicts, exactly as ``to_pylist`` gives
them, made a column at a time: several times faster for list and struct columns, which is most
of what validation's row checks cost."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def rows(path: Path) -> Iterator[tuple[int, dict]]:
    """``(index, row)`` for every row of a Parquet file, a row group at a time."""
    batches = pq.ParquetFile(path).iter_batches(batch_size=1024)
    yield from enumerate(row for batch in batches for row in _batch_rows(batch))


def table_rows(table: pa.Table) -> Iterator[dict]:
    """The rows of an Arrow table."""
    for batch in table.to_batches():
        yield from _batch_rows(batch)


def _batch_rows(batch: pa.RecordBatch) -> Iterator[dict]:
    names = batch.schema.names
    for values in zip(*(_python_values(column) for column in batch.columns)):
        yield dict(zip(names, values))


def _python_values(column: pa.Array) -> list:
    """``column.to_pylist()``, made faster where there are no nulls: integers through NumPy,
    lists and structs from their flat children (pyarrow makes each struct value slowly)."""
    kind = column.type
    if column.null_count:
        return column.to_pylist()
    if pa.types.is_integer(kind):
        return column.to_numpy().tolist()
    if pa.types.is_struct(kind) and kind.num_fields:
        names = [field.name for field in kind]
        return [dict(zip(names, values)) for values in zip(*(_python_values(child) for child in column.flatten()))]
    if pa.types.is_list(kind):
        flat = _python_values(column.flatten())
        offsets = column.offsets.to_numpy()
        bounds = (offsets - offsets[0]).tolist()
        return [flat[start:end] for start, end in zip(bounds, bounds[1:])]
    return column.to_pylist()
