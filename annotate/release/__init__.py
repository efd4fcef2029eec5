"""The dataset release: a pulled file in, an immutable versioned dataset folder out.

Takes a raw Label Studio JSON export and the schema; merges each document's annotations into
its gold (``gold_merge``), builds the rows of the four configs (``rows``), writes Parquet
(``parquet``), the card, the changelog and the manifest, and publishes the version atomically,
only when validation's row checks pass and the version would hold something new.
Never imports Label Studio code: an export works offline from a file.

Public names: ``export.export``, ``export.ExportResult``, ``gold_merge.merge``.
"""
