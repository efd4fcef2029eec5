"""Placeholder until the `push` command lands; replaced by its real module."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("push", help="(not built yet)")
    parser.set_defaults(handler=lambda args: 2)
