"""The corpus: articles in, exact texts with stable ids out.

Takes a folder or file of ``.txt`` articles and ``.jsonl`` lines; gives a
:class:`~annotate.corpus.reader.Corpus` of :class:`~annotate.corpus.reader.Document` (text never
changed after decoding) and the problems met. Imports no later stage.

Public names: ``reader.load_corpus``, ``reader.Corpus``, ``reader.Document``, ``reader.document_id``;
``identity.source_id`` (a ``.txt`` article's id: its path), ``identity.text_checksum``, the ``ids.json``
registry (``identity.read_registry``) and ``migration.keep_text_ids``.
"""
