"""Which annotation project a command means, and the client that reaches it (run time only)."""

from __future__ import annotations

import argparse
from typing import Any


def annotation_project(args: argparse.Namespace, schema_file: str | None) -> tuple[Any, str, dict[str, Any]]:
    """(client, title, ``project_id=`` or ``project_title=``) for ``--project`` (or the schema's
    default project, by the id push recorded for this server when there is one)."""
    from annotate.scheme.schema import load_schema
    from annotate.studio.connection import connect, resolve_connection
    from annotate.studio.push import check_title, default_project_title, recorded_project_id, server_url

    title = check_title(args.project) if args.project else default_project_title(load_schema(schema_file))
    client = connect(resolve_connection(args.url, args.api_key, data_dir=args.data_dir))
    recorded = None if args.project else recorded_project_id(args.data_dir, server_url(client), title)
    return client, title, {"project_id": recorded} if recorded is not None else {"project_title": title}
