"""The files every published version folder holds, by name (one definition for the export that
writes them, validation that checks them and the report that reads them)."""

MANIFEST = "manifest.json"
CARD = "README.md"
SCHEMA_FILE = "schema.yaml"
CHANGELOG = "CHANGELOG.md"
CHANGELOG_HEADER = "# Changelog\n"
"""The first line of ``CHANGELOG.md``; each version's section follows it, newest first."""
