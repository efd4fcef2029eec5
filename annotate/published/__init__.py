"""A published dataset version on disk: its layout, manifest, version number and reader.

The format that the release writes, validation checks and the report reads: file names
(``layout``), ``manifest.json`` (``manifest``), semantic versions and their rules (``versions``),
the split of each document (``splits``), the counts kept while exporting (``counts``), and
:class:`~annotate.published.reader.PublishedVersion`, which reads an earlier version.

Public names: ``reader.PublishedVersion``, ``versions.Version``, ``manifest.dumps``,
``splits.SplitAssigner``, ``counts.ExportCounts``.
"""
