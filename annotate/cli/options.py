"""Options that several commands share, declared once (parse-time only: no heavy imports)."""

from __future__ import annotations

import argparse

from annotate.studio.server import DEFAULT_DATA_DIR

SCHEMA_DEFAULT = "the one file in schemas/"


def add_corpus(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", metavar="DIR", default="seeds",
                        help="folder of .txt/.jsonl articles, or one such file (default: seeds)")


def add_schema(parser: argparse.ArgumentParser, purpose: str = "", default: str = SCHEMA_DEFAULT) -> None:
    """``--schema FILE``; ``purpose`` says what the command reads it for, ``default`` what it falls back to."""
    parser.add_argument("--schema", metavar="FILE", help=f"schema file{purpose} (default: {default})")


def add_connection(parser: argparse.ArgumentParser, data_dir_holds: str) -> None:
    """``--url``, ``--api-key`` and ``--data-dir`` (``data_dir_holds``: what the folder holds)."""
    parser.add_argument("--url", help="Label Studio URL (default: LABEL_STUDIO_URL, else the embedded server)")
    parser.add_argument("--api-key", help="API key (default: LABEL_STUDIO_API_KEY, else the embedded server's); "
                        "prefer the environment variable: options are visible to other local users")
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR, metavar="DIR",
                        help=f"folder of {data_dir_holds} (default: {DEFAULT_DATA_DIR})")
