"""Where the export sends each finished document: tables built and written to Parquet.

:class:`LocalSink` does it all in this process. :class:`ProcessSink` shares it with a second
process (``python -m annotate.release.row_writer_process``, running a :class:`LocalSink`): this process reads and
checks the raw export and builds the ``documents`` and ``annotations`` tables, the worker derives
the ``ner`` and ``claims`` tables from the ``documents`` table (sentences, tokens) and writes every
file, side by side on two cores (this process takes over deriving when the worker falls behind).
Tables are built for ``BATCH`` documents at a time, and the Parquet writer cuts row groups from
contiguous rows whatever the batches, so the files are byte-identical either way.

The protocol on the worker's stdin is a stream of pickles: ``("start", folder, schema, arrow
schemas)``, then ``("tables", [(config, split, table), ...], derive)`` per batch (each table in
Arrow's IPC stream format; with ``derive`` the worker derives ``ner`` and ``claims``, otherwise
they are among the tables), then ``("end",)``. The worker answers on stdout with one pickle,
``("done", files)`` or ``("error", message)``. At the end of its input without ``("end",)`` (the
export was killed) it stops without finishing any file.
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
from typing import BinaryIO, Protocol

import pyarrow as pa

from annotate.conversion.records import DocumentRecord, GoldDocument
from annotate.errors import AnnotateError, ExportError
from annotate.release.parquet import DatasetWriter, WrittenFile
from annotate.release.rows import TableBuilder
from annotate.scheme.schema import Schema

Files = dict[str, dict[str, WrittenFile]]
Tables = list[tuple[str, str, pa.Table]]  # (config, split, table)
BATCH = 100  # documents per batch of tables (and per message to the worker)
QUEUED = 8  # messages waiting for the worker at most (a few MB)
BEHIND = 2  # messages waiting for the worker from which this process derives ner and claims itself
PIPE_BYTES = 1 << 20  # the pipe to the worker holds a few messages (Linux's usual maximum)


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
    """The last documents received, per split, until ``BATCH`` of them make tables."""

    def __init__(self, builder: TableBuilder) -> None:
        self.builder = builder
        self.pairs: dict[str, list[tuple[DocumentRecord, GoldDocument]]] = {}
        self.documents = 0

    def add(self, split: str, record: DocumentRecord, gold: GoldDocument) -> bool:
        """Add one document; True when the batch is full."""
        self.pairs.setdefault(split, []).append((record, gold))
        self.documents += 1
        return self.documents >= BATCH

    def tables(self) -> Tables:
        """The ``documents`` and ``annotations`` tables of the batch, which then starts again."""
        tables: Tables = []
        for split, pairs in self.pairs.items():
            tables.append(("documents", split, self.builder.documents(pairs)))
            tables.append(("annotations", split, self.builder.annotations([record for record, _ in pairs])))
        self.pairs, self.documents = {}, 0
        return tables

    def derived(self, tables: Tables) -> Tables:
        """The ``ner`` and ``claims`` tables derived from the ``documents`` tables in ``tables``."""
        return [(config, split, table) for source, split, documents in tables if source == "documents"
                for config, table in self.builder.derived(documents).items()]


class LocalSink:
    """Builds the tables of each batch of documents and writes them, in this process."""

    def __init__(self, folder: Path, schema: Schema, schemas: dict[str, pa.Schema]) -> None:
        self.writer = DatasetWriter(folder, schemas)
        self.batch = _Batch(TableBuilder(schema, schemas))

    def add(self, split: str, record: DocumentRecord, gold: GoldDocument) -> None:
        if self.batch.add(split, record, gold):
            self.add_tables(self.batch.tables(), derive=True)

    def add_tables(self, tables: Tables, *, derive: bool) -> None:
        """Write ``tables``; with ``derive``, also the ``ner`` and ``claims`` tables derived from
        each ``documents`` table among them."""
        for config, split, table in tables + (self.batch.derived(tables) if derive else []):
            self.writer.add(config, split, table)

    def close(self) -> Files:
        self.add_tables(self.batch.tables(), derive=True)
        self.writer.close()
        return self.writer.files

    def abandon(self) -> None:
        self.writer.abandon()


class ProcessSink:
    """Shares the work with a worker process that runs a :class:`LocalSink`: this process
    builds the ``documents`` and ``annotations`` tables (which travel as plain buffers), the
    worker derives ``ner`` and ``claims`` from them and writes every file. A sender thread
    feeds the worker, so this process goes on reading while the worker starts up or catches up.
    When ``BEHIND`` batches already wait for it, this process derives the next batch's ``ner``
    and ``claims`` itself, and the worker only writes them: both processes stay busy, whichever
    is faster on the machine at the time, and little is left to the worker when the input ends."""

    def __init__(self, folder: Path, schema: Schema, schemas: dict[str, pa.Schema]) -> None:
        self.batch = _Batch(TableBuilder(schema, schemas))
        package_parent = str(Path(__file__).resolve().parents[1])
        environment = dict(os.environ)
        environment["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, environment.get("PYTHONPATH")) if p)
        self.process = subprocess.Popen([sys.executable, "-m", "annotate.release.row_writer_process"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, env=environment)
        _widen(self.process.stdin)
        self.outbox: queue.Queue[bytes | None] = queue.Queue(maxsize=QUEUED)
        self.broken = threading.Event()
        self.sender = threading.Thread(target=self._feed, name="annotate-row-sender", daemon=True)
        self.sender.start()
        self._send(("start", folder, schema, schemas))

    def _feed(self) -> None:
        """The sender thread: write each pickled message to the worker until ``None``; after a
        failed write, only drain the queue (the export notices :attr:`broken`)."""
        while (message := self.outbox.get()) is not None:
            if self.broken.is_set():
                continue
            try:
                self.process.stdin.write(message)
                self.process.stdin.flush()
            except (OSError, ValueError):
                self.broken.set()
        try:
            self.process.stdin.close()
        except OSError:
            pass

    def _send(self, message: tuple) -> None:
        """Queue ``message`` for the sender thread, pickled here: pickling straight into the
        pipe from the sender would take the GIL back from the busy main thread at every 8 KB
        buffer flush, and then each batch takes longer to send than to build."""
        if self.broken.is_set():
            self._fail()
        self.outbox.put(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))

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
        if self.batch.add(split, record, gold):
            self._flush()

    def _flush(self, *, last: bool = False) -> None:
        """Send the batch; derive its ``ner`` and ``claims`` here when the worker is behind, or
        at the end (this process would only wait for the worker otherwise)."""
        tables = self.batch.tables()
        if tables:
            here = last or self.outbox.qsize() >= BEHIND
            if here:
                tables += self.batch.derived(tables)
            self._send(("tables", [(config, split, _to_ipc(table)) for config, split, table in tables], not here))

    def close(self) -> Files:
        self._flush(last=True)
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


def _to_ipc(table: pa.Table) -> bytes:
    """``table`` in Arrow's IPC stream format: several times cheaper to make and read than a
    pickle of the table, and the same table comes back (schema metadata included)."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _from_ipc(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(data).read_all()


def _widen(pipe: BinaryIO) -> None:
    """Make ``pipe`` hold ``PIPE_BYTES``, so that one message usually passes in one write (one
    GIL hand-over for the sender thread); where that is not possible, the default only costs time."""
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):  # not Linux, or a lower system limit
        pass


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
            elif message[0] == "tables":
                sink.add_tables([(config, split, _from_ipc(data)) for config, split, data in message[1]],
                                derive=message[2])
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


class _WithoutPandas:
    """An import hook that refuses pandas. pyarrow imports pandas, when it is installed, on its
    first conversion of Python values, to check whether they are pandas objects: a third of a
    second of the row writer's start-up, in a process that never sees a pandas object. Refused,
    pyarrow skips that check. Installed in the row writer process only."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"the row writer process does not import {name}", name=name)


if __name__ == "__main__":
    sys.meta_path.insert(0, _WithoutPandas())
    try:
        with fewer_collections():
            status = serve(sys.stdin.buffer, sys.stdout.buffer)
    except KeyboardInterrupt:
        status = 130
    # Every file is closed and the answer written: leave without the interpreter's teardown,
    # which frees every object one by one (a fifth of a second that the export waits for).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
