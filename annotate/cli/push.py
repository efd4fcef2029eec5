"""``annotate push``: send the corpus (with pre-annotations) to a Label Studio project."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from annotate.cli.options import add_connection, add_corpus, add_schema
from annotate.errors import AnnotateError
from annotate.wording import counted

if TYPE_CHECKING:
    from annotate.studio.push import PushResult


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "push",
        help="create or update the Label Studio project and import the documents it lacks",
        description="Create the Label Studio project from the schema (or find it by title, or by the id "
        "recorded in the data folder), update its labeling config when no annotation would be orphaned, "
        "and import every corpus document it does not have yet, with pre-annotations as predictions. "
        "Running it again imports only new documents; a push that was interrupted can simply be run again.",
    )
    add_corpus(parser)
    add_schema(parser)
    parser.add_argument("--project", metavar="TITLE",
                        help="project title, at most 50 characters (default: the schema's title, or its name when "
                        "the title is longer)")
    parser.add_argument("--annotations", metavar="FILE", type=Path,
                        help="a Label Studio JSON export (for example a gold file) to import as annotations, "
                        "matched by data.document_id; its texts must equal the corpus texts")
    parser.add_argument("--no-preannotate", dest="preannotate", action="store_false",
                        help="import without pre-annotations (patterns, gazetteers, annotation memory)")
    parser.add_argument("--model", metavar="DIR", type=Path,
                        help="a model folder that annotate train wrote (models/vN): its proposals join the "
                        "pre-annotations, unannotated tasks already there get them too, and the project serves the "
                        "tasks the model is least sure of first (uncertainty sampling)")
    parser.add_argument("--batch-size", type=int, default=500, metavar="N",
                        help="documents per import request (default 500)")
    parser.add_argument("--overlap", type=_at_least_one, metavar="N",
                        help="annotators who see each document (Label Studio's maximum_annotations); "
                        "default: leave the project's setting as it is (1 for a new project)")
    parser.add_argument("--update-texts", action="store_true",
                        help="put corrected article texts into their tasks and carry every annotation, draft and "
                        "prediction onto them (without it, a corrected article stops the push, changing nothing)")
    add_connection(parser, "the embedded server, the push lock and the recorded project ids")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from annotate.corpus.identity import HISTORY, corpus_folder
    from annotate.corpus.reader import load_corpus
    from annotate.scheme.schema import load_schema
    from annotate.studio.connection import connect, resolve_connection
    from annotate.studio.push import push

    schema = load_schema(args.schema)
    with _problems_listed():
        corpus = load_corpus(args.corpus)
    for problem in corpus.problems:
        print(f"{'warning' if problem.kept else 'skipped'}: {problem}", file=sys.stderr)
    client = connect(resolve_connection(args.url, args.api_key, data_dir=args.data_dir))
    with _problems_listed(), contextlib.closing(_ProgressBar()) as bar:
        try:
            result = push(client=client, schema=schema, documents=corpus.documents, project_title=args.project,
                          annotations_path=args.annotations, preannotate=args.preannotate,
                          batch_size=args.batch_size, overlap=args.overlap, progress=bar, data_dir=args.data_dir,
                          notice=lambda message: print(message, file=sys.stderr), update_texts=args.update_texts,
                          history=corpus_folder(args.corpus) / HISTORY,
                          model=args.model)
        except KeyboardInterrupt:
            bar.close()
            print(f"error: {interrupted(bar.done, bar.total)}", file=sys.stderr)
            return 130
    print(summary(result))
    return 0


def interrupted(done: int, total: int | None) -> str:
    """What an interrupted push did, and that running it again finishes the work."""
    again = "run the same command again to finish (documents already there are not imported twice)"
    if total is None:
        return f"interrupted before any document was imported; {again}"
    return f"interrupted after {done} of {counted(total, 'document')} were imported; {again}"


@contextlib.contextmanager
def _problems_listed() -> Iterator[None]:
    """As ``annotate corpus`` and ``annotate export`` do: the problems behind an error (of the
    corpus or the ``--annotations`` file) one per line, then the error line itself, which says
    it all when there is only one."""
    try:
        yield
    except AnnotateError as error:
        if len(error.problems) > 1:
            for problem in error.problems:
                if problem not in str(error):
                    print(problem, file=sys.stderr)
        raise


def summary(result: PushResult) -> str:
    from annotate.corrections.summary import article_lines

    state = "created" if result.created else "found"
    lines = [f"project {result.project_title!r} (id {result.project_id}) {state}"
             + ("; labeling config updated" if result.config_updated else "")
             + (f"; {result.overlap} annotators per document" if result.overlap > 1 else "")]
    for path in result.corrections_finished:
        lines.append(f"finished the correction a stopped push left pending: {path}")
    for plan in result.corrected:
        lines += article_lines(plan)
    if result.correction_report is not None:
        lines.append(f"correction report: {result.correction_report}")
    lines.append(f"documents: {result.imported} imported, {result.already_present} already there"
                 + (f", {result.other_tasks} other task(s) in the project" if result.other_tasks else ""))
    if result.model_version and result.imported:
        memory = f", annotation memory of {result.memory_strings} string(s)" if result.memory_strings else ""
        lines.append(f"pre-annotations: {result.predictions} prediction(s), model version "
                     f"{result.model_version}{memory}")
    if result.model_predictions:
        lines.append(f"pre-annotations: {result.model_predictions} prediction(s) added to unannotated tasks already "
                     f"there, model version {result.model_version}")
    if result.uncertainty_sampling:
        lines.append(f"tasks are served by uncertainty sampling (lowest score first) for {result.model_version}")
    if result.annotations_imported or result.annotations_already_present:
        lines.append(f"annotations: {result.annotations_imported} imported, "
                     f"{result.annotations_already_present} already there")
    if result.duplicates_removed:
        lines.append(f"removed {result.duplicates_removed} duplicate task(s) made by a concurrent push")
    if result.duplicates_left:
        lines.append(f"warning: {len(result.duplicates_left)} document(s) have two annotated copies, left as they "
                     f"are (first: {result.duplicates_left[0]}); merge them in Label Studio")
    lines.append(f"annotate at {result.project_url}")
    return "\n".join(lines)


def _at_least_one(text: str) -> int:
    """``--overlap``: a whole number of annotators, 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of annotators, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (annotators per document), got {value}")
    return value


class _ProgressBar:
    """A tqdm bar on stderr, made on the first report (nothing is drawn when nothing is imported)."""

    def __init__(self) -> None:
        self._bar = None
        self.done, self.total = 0, None  # the last report: documents imported, of how many

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        if total == 0:
            return
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="doc", desc="importing", file=sys.stderr, leave=False)
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
