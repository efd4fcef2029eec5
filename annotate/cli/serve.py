"""``annotate serve``: a Label Studio ML backend for a trained model, retraining as annotations arrive."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from annotate.cli.options import add_connection, add_schema

USER_VARIABLE = "ANNOTATE_SERVE_USER"
PASSWORD_VARIABLE = "ANNOTATE_SERVE_PASSWORD"  # noqa: S105 - the variable's name, not a secret


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve a trained model as a Label Studio ML backend (/health, /setup, /predict, /webhook)",
        description="Serve the model in DIR to Label Studio as an ML backend: it proposes annotations for tasks "
        "without a prediction of the current model version, and after every N submitted annotations (the "
        "project's webhook) trains a new model version in the background from the project's annotations, "
        "serves it once its held-out scores are no worse, and refreshes the predictions of the tasks nobody "
        f"has annotated yet. Basic auth: set {USER_VARIABLE} and {PASSWORD_VARIABLE} (never on the command "
        "line). Runs until interrupted (Ctrl-C).",
    )
    parser.add_argument("--model", required=True, metavar="DIR", help="a model folder that annotate train wrote")
    parser.add_argument("--project", metavar="TITLE", help="project title (default: the project push made for the "
                        "schema)")
    add_schema(parser, ", for the default project and for training")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine)")
    parser.add_argument("--port", type=int, default=9090, help="port (default 9090; 0 picks a free one)")
    parser.add_argument("--every", type=int, default=10, metavar="N",
                        help="retrain after every N submitted annotations (default 10)")
    parser.add_argument("--out", default="models", metavar="DIR", help="where new model versions go (default models/)")
    parser.add_argument("--connect", action="store_true",
                        help="register this backend and its webhook with the project (once per project)")
    add_connection(parser, "the embedded server and the recorded project ids")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from annotate.errors import ProjectError
    from annotate.learning.backend import BasicAuth, make_server
    from annotate.scheme.schema import load_schema
    from annotate.studio.api import find_project
    from annotate.studio.connection import connect, resolve_connection
    from annotate.studio.ml_backend import connect_backend, project_backend
    from annotate.studio.push import check_title, default_project_title, recorded_project_id, server_url

    schema = load_schema(args.schema)
    user, password = os.environ.get(USER_VARIABLE), os.environ.get(PASSWORD_VARIABLE)
    if bool(user) != bool(password):
        raise ProjectError(f"set both {USER_VARIABLE} and {PASSWORD_VARIABLE} for basic auth, or neither")
    auth = BasicAuth(user, password) if user and password else None
    title = check_title(args.project) if args.project else default_project_title(schema)
    client = connect(resolve_connection(args.url, args.api_key, data_dir=args.data_dir))
    project_id = None if args.project else recorded_project_id(args.data_dir, server_url(client), title)
    if project_id is None:
        project = find_project(client, title)
        if project is None:
            raise ProjectError(f"no project titled {title!r} on {server_url(client)}; push first, or give --project")
        project_id = int(project.id)
    backend = project_backend(client, project_id, args.model, schema, every=args.every, out_root=args.out)
    server = make_server(backend, args.host, args.port, auth)
    host, port = server.server_address[:2]
    url = f"http://{host}:{port}"
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    if args.connect:
        connect_backend(client, project_id, url, auth)
    print(f"serving {backend.model_version} at {url} for project {title!r} (id {project_id}); "
          f"retraining after every {args.every} submitted annotation(s)" + ("; basic auth on" if auth else ""),
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
