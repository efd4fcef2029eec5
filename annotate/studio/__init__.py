"""Label Studio: the embedded server, the connection, projects, push and pull.

Takes a schema, documents and pre-annotations; gives a configured project with its tasks
(``push``), and the project's raw JSON export on disk with a sidecar record (``pull``; a second
pull of the same file fetches only what changed, ``incremental_pull``). The only stage that talks
to Label Studio; later stages work offline from the pulled file.

Public names: ``push.push``, ``pull.pull``, ``server.start_server``/``stop_server``,
``connection.resolve_connection``/``connect``, ``annotation_file.read_annotations_file``.
"""
