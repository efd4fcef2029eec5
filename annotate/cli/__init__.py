"""The ``annotate`` command line: a thin layer over the library.

Each subcommand lives in its own module here and exposes ``register(subparsers)``; the
handler it sets with ``set_defaults(handler=...)`` takes the parsed arguments and returns an
exit code. Only this package prints and picks exit codes; errors from the library arrive as
:class:`annotate.errors.AnnotateError` and become one line on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

from annotate import __version__
from annotate.errors import AnnotateError

COMMANDS = ("schema", "corpus", "server", "push", "pull", "export", "validate", "report", "adjudicate", "train",
            "serve")


class _Parser(argparse.ArgumentParser):
    """A parser whose usage errors are one line on stderr, ``error: <command>: <what>; see ...``
    (exit 2), like every other error; subcommand parsers are made of the same class."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {self.prog}: {message}; see {self.prog} --help\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="annotate",
        description="Turn news articles into a versioned, validated Hugging Face dataset "
        "of entities, claims and stance, annotated in Label Studio.",
    )
    parser.add_argument("--version", action="version", version=f"annotate {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"annotate.cli.{name}").register(subparsers)
    return parser


# A value that starts like a negative number ("-0.1,0.6,0.5", "-.5"): argparse takes it for an
# option and says "expected one argument" instead of what is wrong with the value.
_NEGATIVE = re.compile(r"-\.?\d")


def _joined_values(argv: Sequence[str]) -> list[str]:
    """``--option -0.1,...`` as ``--option=-0.1,...``, so the option's own check explains the
    value (up to a ``--``, after which nothing is an option)."""
    joined: list[str] = []
    for index, argument in enumerate(argv):
        if argument == "--":
            return joined + list(argv[index:])
        if joined and joined[-1].startswith("--") and "=" not in joined[-1] and _NEGATIVE.match(argument):
            joined[-1] = f"{joined[-1]}={argument}"
            continue
        joined.append(argument)
    return joined


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(_joined_values(sys.argv[1:] if argv is None else argv))
    try:
        return int(args.handler(args) or 0)
    except AnnotateError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("error: interrupted; nothing was left half-written", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
