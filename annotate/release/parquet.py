"""Deterministic, streaming Parquet files: one per config and split.

Rows arrive as Arrow tables of any size and are written in that order, in row groups of a fixed
number of rows, each made one contiguous table, with the ``datasets`` features in the Arrow
schema metadata under ``huggingface`` (as ``datasets`` itself writes them), so ``load_dataset``
restores every ClassLabel. No time, host or path goes into a file: the same rows give the same
bytes with the same pyarrow version. A split that receives no
row gets no file (``datasets`` cannot load an empty split), see :attr:`DatasetWriter.files`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from annotate.published.splits import SPLITS

ROW_GROUP_ROWS = 1000
COMPRESSION = "zstd"


def data_path(config: str, split: str) -> str:
    """Where a config's split lives inside a version folder (a POSIX path)."""
    return f"data/{config}/{split}-00000-of-00001.parquet"


@dataclass(frozen=True)
class WrittenFile:
    """A finished Parquet file: its path relative to the version folder, rows and Arrow bytes."""

    path: str
    rows: int
    num_bytes: int


class _SplitFile:
    """One Parquet file: Arrow tables come in, row groups of ``ROW_GROUP_ROWS`` rows go out."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path = path
        self.schema = schema
        self.pieces: list[pa.Table] = []
        self.pending = 0
        self.rows = 0
        self.num_bytes = 0
        self.writer: pq.ParquetWriter | None = None

    def add(self, table: pa.Table) -> None:
        self.pieces.append(table)
        self.pending += table.num_rows
        while self.pending >= ROW_GROUP_ROWS:
            self._write(ROW_GROUP_ROWS)

    def _write(self, count: int) -> None:
        # One contiguous table per row group: the bytes then depend on the rows alone, not on
        # how they arrived.
        table = pa.concat_tables(self.pieces)
        group = table.slice(0, count).combine_chunks()
        rest = table.slice(count)
        self.pieces = [rest] if rest.num_rows else []
        self.pending -= count
        if self.writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.writer = pq.ParquetWriter(self.path, self.schema, compression=COMPRESSION)
        self.writer.write_table(group, row_group_size=ROW_GROUP_ROWS)
        self.rows += count
        self.num_bytes += group.nbytes

    def close(self) -> None:
        if self.pending:
            self._write(self.pending)
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def abandon(self) -> None:
        self.pieces, self.pending = [], 0
        self.close()


class DatasetWriter:
    """Writes the Parquet files of every config under ``folder`` as rows arrive.

    ``schemas`` maps each config to its Arrow schema with the ``huggingface`` metadata
    (:func:`annotate.scheme.arrow_schemas.config_arrow_schemas`).
    """

    def __init__(self, folder: Path, schemas: dict[str, pa.Schema]) -> None:
        self.folder = folder
        self._files = {
            (config, split): _SplitFile(folder / data_path(config, split), schema)
            for config, schema in schemas.items()
            for split in SPLITS
        }

    def add(self, config: str, split: str, table: pa.Table) -> None:
        """Append rows (in order) to the file of ``config`` and ``split``."""
        if table.num_rows:
            self._files[config, split].add(table)

    def close(self) -> None:
        """Flush and close every file (also after an error, so no handle stays open)."""
        for file in self._files.values():
            file.close()

    def abandon(self) -> None:
        """Close the files without writing what is still pending (the export failed)."""
        for file in self._files.values():
            file.abandon()

    @property
    def files(self) -> dict[str, dict[str, WrittenFile]]:
        """Config -> split -> file, for the splits that received rows (after :meth:`close`)."""
        written: dict[str, dict[str, WrittenFile]] = {}
        for (config, split), file in self._files.items():
            written.setdefault(config, {})
            if file.rows:
                written[config][split] = WrittenFile(data_path(config, split), file.rows, file.num_bytes)
        return written
