"""``annotate schema``: print what the schema generates."""

from __future__ import annotations

import argparse

from annotate.cli.options import add_schema


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "schema",
        help="print the Label Studio config or the guidelines generated from the schema",
        description="Check the schema file and print what is generated from it: the Label Studio "
        "labeling config (XML, the default), or the annotation guidelines.",
    )
    add_schema(parser)
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("--config", action="store_const", dest="show", const="config",
                       help="print the labeling config XML (the default)")
    shown.add_argument("--guidelines", action="store_const", dest="show", const="guidelines",
                       help="print the annotation guidelines as Markdown")
    shown.add_argument("--guidelines-html", action="store_const", dest="show", const="html",
                       help="print the guidelines as the HTML Label Studio shows annotators")
    shown.add_argument("--fingerprint", action="store_const", dest="show", const="fingerprint",
                       help="print the schema version and fingerprint")
    parser.set_defaults(handler=run, show="config")


def run(args: argparse.Namespace) -> int:
    from annotate.scheme.guidelines import guidelines_html, guidelines_markdown
    from annotate.scheme.label_config import label_config
    from annotate.scheme.schema import load_schema

    schema = load_schema(args.schema)
    if args.show == "guidelines":
        print(guidelines_markdown(schema), end="")
    elif args.show == "html":
        print(guidelines_html(schema), end="")
    elif args.show == "fingerprint":
        print(f"{schema.name} {schema.version} sha256:{schema.fingerprint}")
    else:
        print(label_config(schema), end="")
    return 0
