"""Validation: the rules a published version keeps, checked without this toolkit's writer.

Takes an ``exports/`` folder or one version folder; gives a
:class:`~annotate.validation.findings.ValidationReport` of every broken rule: manifest and files
(``manifest_checks``), card (``card_checks``), loading with plain ``datasets`` (``loading``),
rows and cross-config rules (``row_checks``; before publishing, the export screens each batch
of rows on whole columns first: ``batch_screen``), and the rules between versions.

Public names: ``validate.validate``, ``findings.ValidationReport``, ``findings.Failure``.
"""
