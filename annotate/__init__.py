"""annotate: news articles to a versioned Hugging Face dataset of entities, claims and stance.

The library API, one function per step (the ``annotate`` command is a thin layer over these)::

    load_schema(path)                 schemas/*.yaml -> Schema            (annotate.schema)
    load_corpus(path)                 seeds/ -> Corpus of Documents       (annotate.corpus)
    start_server(data_dir)            the embedded Label Studio           (annotate.server)
    connect(resolve_connection())     an SDK client, checked              (annotate.connection)
    push(client=..., schema=..., documents=...)   -> PushResult          (annotate.push)
    pull(client=..., out=...)                     -> PullResult          (annotate.pull)
    export(raw_json, schema=..., version=...)     -> ExportResult        (annotate.dataset)
    validate(exports_dir)                         -> ValidationReport    (annotate.validate)
    build_report(raw_json_or_version, schema)     -> Report              (annotate.report)

Every error raised on purpose is an :class:`annotate.errors.AnnotateError`. Import each function
from its module (``from annotate.push import push``); ``import annotate`` itself stays cheap.
"""

__version__ = "0.2.0"
