"""``annotate train``: learn pre-annotators from the completed annotations of a pulled file."""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import Any

from annotate.cli.options import add_schema


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train an entity, claim and stance model from the annotations of a pulled file",
        description="Learn from the gold of every completed document of a raw Label Studio export (what "
        "`annotate pull` writes; the gold as `annotate export` merges it): an entity tagger for the schema's "
        "entity labels, a claim finder, and classifiers for a claim's stance and attributes and for the "
        "document's stance. Writes OUT/vN (never overwritten) with the model, the schema fingerprint, the "
        "training data's checksum and size, and scores on a held-out part of the documents, also printed.",
    )
    parser.add_argument("--input", required=True, metavar="FILE", help="raw Label Studio JSON export")
    parser.add_argument("--out", default="models", metavar="DIR", help="models root (default: models/)")
    add_schema(parser)
    parser.add_argument("--seed", type=int, default=0, metavar="N",
                        help="seed of the held-out choice and of the learners (default 0): the same input and seed "
                        "give the same scores")
    parser.add_argument("--min-examples", type=int, default=5, metavar="N",
                        help="a label (or stance, attribute value) with fewer training examples is not learned "
                        "(default 5)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from annotate.learning.train import train
    from annotate.scheme.schema import load_schema

    schema = load_schema(args.schema)
    with contextlib.closing(_ProgressBar()) as bar:
        result = train(args.input, schema, out_root=args.out, seed=args.seed, min_examples=args.min_examples,
                       progress=bar)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"wrote {result.path} (model version {result.model_version})")
    print(f"documents: {result.documents} ({result.train_documents} to learn from, {result.held_out_documents} "
          "held out for the scores below)")
    print("\n".join(score_lines(result.scores)))
    return 0


def score_lines(scores: dict[str, Any]) -> list[str]:
    """The held-out scores as aligned lines."""
    def number(value: float | None) -> str:
        return "   -  " if value is None else f"{value:6.3f}"

    lines = [f"{'entities':<28}{'P':>7}{'R':>7}{'F1':>7}{'gold':>6}"]
    for label, block in [*scores["entities"]["labels"].items(), ("(all)", scores["entities"]["micro"]),
                         ("CLAIM spans", scores["claims"])]:
        lines.append(f"  {label:<26}{number(block['precision'])} {number(block['recall'])} {number(block['f1'])}"
                     f"{block['support']:>6}")
    lines.append(f"{'stances and attributes':<28}{'acc':>7}{'macF1':>7}{'':>7}{'gold':>6}")
    units = [("claim stance", scores["claim_stance"]), ("document stance", scores["document_stance"])]
    units += [(f"claim {name}", block) for name, block in scores["claim_attributes"].items()]
    for name, block in units:
        lines.append(f"  {name:<26}{number(block['accuracy'])} {number(block['macro_f1'])}{'':>8}"
                     f"{block['support']:>6}")
    return lines


class _ProgressBar:
    """A tqdm bar on stderr: training steps (iterations of the taggers, then each classifier)."""

    def __init__(self) -> None:
        self._bar: Any = None

    def __call__(self, what: str, done: int, total: int) -> None:
        if total == 0:
            return
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="step", desc="training", file=sys.stderr, leave=False)
        self._bar.set_description(f"training {what}", refresh=False)
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
