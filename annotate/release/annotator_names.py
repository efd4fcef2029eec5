"""Which annotator key names the annotators of a new version, and the record of it in the manifest.

The key lives beside the raw export (:mod:`annotate.conversion.annotator_key`). A version that
follows one whose annotators were named with another key (or with the unkeyed hashes of
versions before keys existed) would rename every annotator: that is refused unless asked for
(``new_key``), and then the manifest records the new key's fingerprint and the changelog says
the names changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from annotate.conversion.annotator_key import key_path_for, load_key
from annotate.conversion.pseudonyms import AnnotatorNames
from annotate.errors import ExportError
from annotate.filesystem import read_json_object
from annotate.published.manifest import SIDECAR_KEYS, SIDECAR_SUFFIX
from annotate.published.reader import PublishedVersion

PSEUDONYMS, EMAILS = "pseudonym", "e-mail"


def names_record(names: AnnotatorNames) -> dict[str, Any]:
    """How a version names its annotators: ``{"names": "pseudonym", "key_id": ...}`` or e-mails."""
    if names.include_emails:
        return {"names": EMAILS}
    return {"names": PSEUDONYMS, "key_id": names.key.key_id}


def previous_key_id(version: PublishedVersion) -> str | None:
    """The key fingerprint that named ``version``'s annotators ("" for unkeyed names; None for e-mails)."""
    source = version.manifest.get("source")
    record = source.get("annotators") if isinstance(source, dict) else None
    if not isinstance(record, dict):
        return ""
    return None if record.get("names") == EMAILS else str(record.get("key_id") or "")


def annotator_names(source_file: Path, *, key_path: Path | None, new_key: bool, include_emails: bool,
                    latest: PublishedVersion | None) -> AnnotatorNames:
    """The names for this export. A new key is made when there is none (``names.key.created``),
    and saved by :func:`keep_new_key` once the work succeeded. Raises :class:`ExportError` when
    the key is not the one that named ``latest`` and ``new_key`` is not set."""
    key = load_key(key_path or key_path_for(source_file), create=True)
    if latest is not None and not include_emails and not new_key:
        before = previous_key_id(latest)
        if before is not None and before != key.key_id:
            what = ("there is no annotator key" if key.created else
                    "this annotator key is not the one")
            raise ExportError(
                f"{key.path}: {what} that named the annotators of {latest.version}, so every annotator would get "
                "a new name; put the team's annotators.json there, or pass --new-annotator-key to rename them "
                "all (the changelog says so)")
    return AnnotatorNames(key, server=_server(source_file), include_emails=include_emails)


def keep_new_key(names: AnnotatorNames) -> None:
    """Save a key this run made (beside the raw export), so that the names it gave hold."""
    if names.key.created and names.key.path is not None and not names.key.path.exists():
        names.key.save()


def _server(source_file: Path) -> str | None:
    """The server a pulled file came from (its sidecar); None for a file from the web page."""
    sidecar = source_file.with_name(source_file.name + SIDECAR_SUFFIX)
    if not sidecar.is_file():
        return None
    url = read_json_object(sidecar, ExportError, "the snapshot record", "pull again or remove the file").get(
        SIDECAR_KEYS["url"])
    return url if isinstance(url, str) else None


def unrecorded_warning(names: AnnotatorNames) -> list[str]:
    """One line about user ids the key never saw (named by id: not the name their e-mail gives)."""
    if not names.unrecorded or names.include_emails:
        return []
    ids = ", ".join(str(user_id) for user_id in sorted(names.unrecorded))
    return [f"warning: user id(s) {ids} are not recorded in {names.key.path}: they are named by their id, not "
            "as a pulled file names them; run annotate pull once for this project so the key records them"]
