"""Where the export sends each finished document: rows built and written to Parquet.

:class:`LocalSink` does it all in this process. :class:`ProcessSink` shares it with a second
process (``python -m annotate.rowsink``, running a :class:`LocalSink`): this process reads and
checks the raw export and builds the ``documents``, ``claims`` and ``annotations`` tables, the
worker tokenizes for ``ner`` and writes every file, side by side on two cores. Both cut the rows
into Arrow tables at the same documents (every ``BATCH``) and write row groups as contiguous
tables, so the files are byte-identical either way.

The protocol on the worker's stdin is a stream of pickles: ``("start", folder, schema, arrow
schemas)``, then ``("rows", tables, ner inputs)`` per batch, then ``("end",)``. The worker
answers on stdout with one pickle, ``("done", files)`` or ``("error", message)``. At the end of
its input without ``("end",)`` (the export was killed) it stops without finishing any file.
"""

from __future__ import annotations

import gc
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import pyarrow as pa

from annotate.errors import AnnotateError, ExportError
from annotate.parquet import DatasetWriter, WrittenFile
from annotate.records import DocumentRecord, GoldDocument
from annotate.rows import NerColumns, RowBuilder
from annotate.schema import Schema
from annotate.sentences import sentence_spans

Files = dict[str, dict[str, WrittenFile]]
BATCH = 100  # documents per message to the worker
QUEUED = 8  # messages waiting for the worker at most (a few MB)


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


class RowSink(Protocol):
    """Receives documents in order; :meth:`close` finishes the files, :meth:`abandon` drops them."""

    def add(self, split: str, record: DocumentRecord, gold: GoldDocument) -> None: ...

    def close(self) -> Files: ...

    def abandon(self) -> None: ...


class _Batch:
    """Rows of the last ``BATCH`` documents, per config and split, turned into Arrow tables
    together. Both sinks cut batches at the same documents, so they write the same bytes."""

    def __init__(self, builder: RowBuilder) -> None:
        self.builder = builder
        self.rows: dict[tuple[str, str], list[dict]] = {}
        self.ner: dict[str, NerColumns] = {}
        self.documents = 0

    def add(self, split: str, rows: dict[str, list[dict]]) -> bool:
        """Add one document's ``documents``, ``claims`` and ``annotations`` rows; True when the
        batch is full."""
        for config, config_rows in rows.items():
            self.rows.setdefault((config, split), []).extend(config_rows)
        self.documents += 1
        return self.documents >= BATCH

    def add_ner(self, split: str, *ner_input: Any) -> None:
        """Add one document's ``ner`` rows, from ``(document id, text, gold entities, sentences)``."""
        self.builder.add_ner(self.ner.setdefault(split, NerColumns()), *ner_input)

    def tables(self, writer: DatasetWriter) -> list[tuple[str, str, pa.Table]]:
        tables = [(config, split, writer.table(config, rows)) for (config, split), rows in self.rows.items() if rows]
        tables += [("ner", split, columns.table(writer.schema("ner"))) for split, columns in self.ner.items()
                   if len(columns)]
        self.rows, self.ner, self.documents = {}, {}, 0
        return tables


class LocalSink:
    """Builds the rows of each document and writes them, in this process."""

    def __init__(self, folder: Path, schema: Schema, schemas: dict[str, pa.Schema]) -> None:
        self.writer = DatasetWriter(folder, schemas)
        self.batch = _Batch(RowBuilder(schema))

    def add(self, split: str, record: DocumentRecord, gold: GoldDocument) -> None:
        sentences = sentence_spans(record.text)
        self.batch.add_ner(split, record.id, record.text, gold.entities, sentences)
        if self.batch.add(split, self.batch.builder.rows(record, gold, sentences).by_config()):
            self._write()

    def _write(self) -> None:
        for config, split, table in self.batch.tables(self.writer):
            self.writer.add(config, split, table)

    def add_prepared(self, tables: list[tuple[str, str, pa.Table]], ner_inputs: list[tuple]) -> None:
        """One batch from a :class:`ProcessSink`: tables already made, and the ``ner`` rows to
        build from ``(split, document id, text, gold entities, sentences)``."""
        for split, *ner_input in ner_inputs:
            self.batch.add_ner(split, *ner_input)
        for config, split, table in [*tables, *self.batch.tables(self.writer)]:
            self.writer.add(config, split, table)

    def close(self) -> Files:
        self._write()
        self.writer.close()
        return self.writer.files

    def abandon(self) -> None:
        self.writer.abandon()


class ProcessSink:
    """Shares the work with a worker process that runs a :class:`LocalSink`: this process
    builds the ``documents``, ``claims`` and ``annotations`` rows as Arrow tables (which travel
    as plain buffers), the worker tokenizes for the ``ner`` rows and writes every file. That
    split keeps both processes about equally busy. A sender thread feeds the worker, so this
    process goes on reading while the worker starts up or catches up (``QUEUED`` batches at most)."""

    def __init__(self, folder: Path, schema: Schema, schemas: dict[str, pa.Schema]) -> None:
        self.tables = DatasetWriter(folder, schemas)  # only for making tables; writes nothing
        self.batch = _Batch(RowBuilder(schema))
        self.ner_inputs: list[tuple] = []
        package_parent = str(Path(__file__).resolve().parents[1])
        environment = dict(os.environ)
        environment["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, environment.get("PYTHONPATH")) if p)
        self.process = subprocess.Popen([sys.executable, "-m", "annotate.rowsink"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, env=environment)
        self.outbox: queue.Queue[tuple | None] = queue.Queue(maxsize=QUEUED)
        self.broken = threading.Event()
        self.sender = threading.Thread(target=self._feed, name="annotate-row-sender", daemon=True)
        self.sender.start()
        self._send(("start", folder, schema, schemas))

    def _feed(self) -> None:
        """The sender thread: pickle each message to the worker until ``None``; after a failed
        write, only drain the queue (the export notices :attr:`broken`)."""
        while (message := self.outbox.get()) is not None:
            if self.broken.is_set():
                continue
            try:
                pickle.dump(message, self.process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            except (OSError, ValueError):
                self.broken.set()
        try:
            self.process.stdin.close()
        except OSError:
            pass

    def _send(self, message: tuple) -> None:
        if self.broken.is_set():
            self._fail()
        self.outbox.put(message)

    def _answer(self) -> tuple | None:
        """Stop the sender, then read the worker's one answer (None if it died without one)."""
        self.outbox.put(None)
        self.sender.join()
        try:
            answer = pickle.load(self.process.stdout)
        except (EOFError, pickle.UnpicklingError, OSError):
            answer = None
        self.process.wait()
        return answer

    def _fail(self, answer: tuple | None = None) -> None:
        answer = answer or self._answer()
        if answer and answer[0] == "error":
            raise ExportError(answer[1])
        raise ExportError(f"the row writer process stopped unexpectedly (exit code {self.process.poll()}); "
                          "nothing was published; run the export again")

    def add(self, split: str, record: DocumentRecord, gold: GoldDocument) -> None:
        sentences = sentence_spans(record.text)
        self.ner_inputs.append((split, record.id, record.text, gold.entities, sentences))
        if self.batch.add(split, self.batch.builder.rows(record, gold, sentences).by_config()):
            self._flush()

    def _flush(self) -> None:
        if self.batch.documents:
            self._send(("rows", self.batch.tables(self.tables), self.ner_inputs))
            self.ner_inputs = []

    def close(self) -> Files:
        self._flush()
        self._send(("end",))
        answer = self._answer()
        if self.broken.is_set() or answer is None or answer[0] != "done" or self.process.returncode != 0:
            self._fail(answer)
        return answer[1]

    def abandon(self) -> None:
        if self.process.poll() is None:
            self.process.kill()  # a blocked write in the sender fails now, and it drains
        self.outbox.put(None)
        self.sender.join()
        self.process.wait()
        self.process.stdout.close()


def serve(source: BinaryIO, answer: BinaryIO) -> int:
    """The worker's loop: messages from ``source``, one answer pickled to ``answer``."""
    sink: LocalSink | None = None
    try:
        while True:
            try:
                message = pickle.load(source)
            except EOFError:
                if sink is not None:
                    sink.abandon()
                return 1  # the export went away: finish nothing
            if message[0] == "start":
                sink = LocalSink(*message[1:])
            elif message[0] == "rows":
                sink.add_prepared(*message[1:])
            else:
                files = sink.close()
                pickle.dump(("done", files), answer)
                answer.flush()
                return 0
    except AnnotateError as error:
        message = str(error)
    except Exception as error:  # reported to the export, which raises it as one line
        message = f"the row writer failed: {type(error).__name__}: {error}"
    if sink is not None:
        sink.abandon()
    pickle.dump(("error", message), answer)
    answer.flush()
    return 1


if __name__ == "__main__":
    try:
        with fewer_collections():
            status = serve(sys.stdin.buffer, sys.stdout.buffer)
        sys.exit(status)
    except KeyboardInterrupt:
        sys.exit(130)
