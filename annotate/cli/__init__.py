"""The ``annotate`` command line: a thin layer over the library.

Each subcommand lives in its own module here and exposes ``register(subparsers)``; the
handler it sets with ``set_defaults(handler=...)`` takes the parsed arguments and returns an
exit code. Only this package prints and picks exit codes; errors from the library arrive as
:class:`annotate.errors.AnnotateError` and become one line on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from annotate import __version__
from annotate.errors import AnnotateError

COMMANDS = ("schema", "corpus", "server", "push", "pull", "export", "validate", "report")


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


# Options whose value may start with "-" (a negative number in a list): argparse would take
# "-0.1,0.6,0.5" for an option and say "expected one argument" instead of what is wrong with it.
_VALUES_MAY_START_WITH_DASH = frozenset({"--split-ratios"})


def _joined_values(argv: Sequence[str]) -> list[str]:
    """``--split-ratios -0.1,...`` as ``--split-ratios=-0.1,...``, so the option's own check explains it."""
    joined: list[str] = []
    arguments = iter(argv)
    for argument in arguments:
        if argument in _VALUES_MAY_START_WITH_DASH:
            value = next(arguments, None)
            if value is not None and value.startswith("-") and value[1:2].isdigit():
                joined.append(f"{argument}={value}")
                continue
            joined.append(argument)
            if value is not None:
                joined.append(value)
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
