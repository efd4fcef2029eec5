"""``annotate export``: write a versioned Hugging Face dataset folder from a raw export."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from annotate.cli.options import add_schema
from annotate.cli.pull import new_key_notice
from annotate.errors import AnnotateError
from annotate.published.versions import BUMPS
from annotate.wording import counted


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write a versioned Hugging Face dataset (Parquet, card, manifest) from a pulled export",
        description="Turn a raw Label Studio JSON export (what `annotate pull` writes, or a JSON export "
        "downloaded from the web page) into OUT/vX.Y.Z: four configs (documents, ner, claims, "
        "annotations) that plain `datasets.load_dataset` reads, a dataset card, the schema, a "
        "manifest with checksums and a changelog. A written version never changes.",
    )
    parser.add_argument("--input", required=True, metavar="FILE", help="raw Label Studio JSON export")
    chosen = parser.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--version", metavar="X.Y.Z", help="the version to write")
    chosen.add_argument("--bump", choices=(*BUMPS, "auto"),
                        help="step from the latest version (auto: the smallest step the changes allow)")
    parser.add_argument("--out", default="exports", metavar="DIR", help="exports root (default: exports/)")
    add_schema(parser)
    parser.add_argument("--quarantine", action="store_true",
                        help="leave annotations with problems out and list them in quarantine.jsonl "
                        "instead of stopping")
    parser.add_argument("--annotator-emails", action="store_true",
                        help="name annotators by e-mail address instead of a pseudonym")
    parser.add_argument("--annotators", metavar="FILE",
                        help="the project's annotator key behind the pseudonyms (default: annotators.json "
                        "beside --input, which annotate pull creates)")
    parser.add_argument("--new-annotator-key", action="store_true",
                        help="accept a key other than the one that named the latest version's annotators: "
                        "every annotator gets a new name, and the changelog says so")
    parser.add_argument("--corpus", metavar="DIR",
                        help="the corpus that was pushed: tasks pushed before annotate recorded a text "
                        "checksum are checked against it (without it they get a warning)")
    parser.add_argument("--split-ratios", metavar="T,V,T", default=None,
                        help="train,validation,test ratios for new documents (default: 0.8,0.1,0.1)")
    parser.add_argument("--agreement", metavar="FILE",
                        help="report.json written by annotate report from the same --input (or from a "
                        "version exported from it): its headline agreement figures go into the card")
    parser.set_defaults(handler=run)


def _agreement(report_file: str | None, raw_file: str, schema: Any) -> dict | None:
    """The headline figures of ``--agreement`` for the card, checked to come from ``--input``
    read with the same schema."""
    if report_file is None:
        return None
    from annotate.report.build import agreement_for_export

    return agreement_for_export(Path(report_file), Path(raw_file), schema=schema)


def _corpus_texts(folder: str | None) -> dict[str, str] | None:
    """Document id -> text of ``--corpus``, to check tasks that carry no text checksum."""
    if folder is None:
        return None
    from annotate.corpus.reader import load_corpus

    return {document.id: document.text for document in load_corpus(folder).documents}


def run(args: argparse.Namespace) -> int:
    from annotate.published.splits import parse_ratios
    from annotate.release.export import export
    from annotate.scheme.schema import load_schema

    schema = load_schema(args.schema)
    agreement = _agreement(args.agreement, args.input, schema)
    try:
        result = export(
            args.input, schema=schema, out_root=args.out, version=args.version, bump=args.bump,
            quarantine=args.quarantine, include_emails=args.annotator_emails,
            split_ratios=parse_ratios(args.split_ratios) if args.split_ratios else None,
            agreement=agreement, annotator_key=args.annotators, new_annotator_key=args.new_annotator_key,
            corpus=_corpus_texts(args.corpus),
        )
    except AnnotateError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        raise
    if result.unchanged:
        print(f"nothing new since version {result.version} ({result.path}): the data files, the schema and the "
              "card's facts would be the same; no version written")
        return 0
    print(f"wrote {result.path} (version {result.version}"
          + (f", after {result.previous}: {'; '.join(result.reasons)}" if result.previous else "") + ")")
    for config, splits in result.rows.items():
        shown = ", ".join(f"{split} {rows}" for split, rows in splits.items()) or "no rows"
        print(f"  {config}: {shown}")
    counts = result.counts
    print(f"  {counted(counts['documents'], 'document')}, {counted(counts['annotations'], 'annotation')} by "
          f"{counted(counts['annotators'], 'annotator')}; "
          f"{counted(counts['documents_without_annotation'], 'document')} without a completed annotation, "
          f"{counted(counts['annotations_cancelled'], 'cancelled annotation')}")
    if result.annotator_key_created:
        print(new_key_notice(result.annotator_key))
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    if args.quarantine:
        print(f"  quarantined: {counts['annotations_quarantined']} annotations, "
              f"{counts['documents_quarantined']} documents ({counts['problems']} problems, "
              f"listed in {result.path / 'quarantine.jsonl'})")
    return 0
