"""Where the export sends each finished document: tables built a batch at a time, written to Parquet.

Tables are built for ``BATCH`` documents at a time (``documents`` and ``annotations`` from the
records, ``ner`` and ``claims`` derived from the ``documents`` table), and the Parquet writer cuts
row groups from contiguous rows whatever the batches, so the files are the same byte for byte
whatever ``BATCH`` is. Given a :class:`~annotate.validation.row_checks.RowChecker`, each batch's
rows pass validation's row and cross-config checks before they are written.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa

from annotate.conversion.records import DocumentRecord, GoldDocument
from annotate.release.parquet import DatasetWriter, WrittenFile, data_path
from annotate.release.rows import TableBuilder
from annotate.scheme.schema import Schema
from annotate.validation.row_checks import RowChecker

Files = dict[str, dict[str, WrittenFile]]
BATCH = 500  # documents per batch of tables


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Streaming makes millions of short-lived, acyclic objects; collecting cycles less often
    saves about a fifth of the time and no memory. The threshold is restored after."""
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], 50_000), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


class RowWriter:
    """Receives documents in order; :meth:`close` finishes the files, :meth:`abandon` drops them."""

    def __init__(self, folder: Path, schema: Schema, schemas: dict[str, pa.Schema],
                 checker: RowChecker | None = None) -> None:
        self.folder = folder
        self.writer = DatasetWriter(folder, schemas)
        self.builder = TableBuilder(schema, schemas)
        self.checker = checker
        self.pairs: dict[str, list[tuple[DocumentRecord, GoldDocument]]] = {}  # split -> this batch
        self.documents = 0
        self.rows: dict[tuple[str, str], int] = {}  # (config, split) -> rows so far

    def add(self, split: str, record: DocumentRecord, gold: GoldDocument) -> None:
        self.pairs.setdefault(split, []).append((record, gold))
        self.documents += 1
        if self.documents >= BATCH:
            self._write_batch()

    def _write_batch(self) -> None:
        """Build the four tables of the batch per split, check and write them; the batch starts again."""
        tables: dict[str, dict[str, pa.Table]] = {}
        for split, pairs in self.pairs.items():
            documents = self.builder.documents(pairs)
            tables.setdefault("documents", {})[split] = documents
            tables.setdefault("annotations", {})[split] = self.builder.annotations([record for record, _ in pairs])
            for config, table in self.builder.derived(documents).items():
                tables.setdefault(config, {})[split] = table
        if self.checker is not None:
            self.checker.check_batch({config: {split: (self.folder / data_path(config, split),
                                                        self.rows.get((config, split), 0), table)
                                               for split, table in splits.items()}
                                      for config, splits in tables.items()})
        for config, splits in tables.items():
            for split, table in splits.items():
                self.writer.add(config, split, table)
                self.rows[config, split] = self.rows.get((config, split), 0) + table.num_rows
        self.pairs, self.documents = {}, 0

    def close(self) -> Files:
        self._write_batch()
        self.writer.close()
        files = self.writer.files
        if self.checker is not None:
            for config, splits in files.items():
                for written in splits.values():
                    self.checker.check_features(config, self.folder / written.path)
        return files

    def abandon(self) -> None:
        self.writer.abandon()
