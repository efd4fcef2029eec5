"""The project's annotator key: the secret behind every pseudonym, kept beside the pulled files.

``annotators.json`` (mode 0600) sits in the folder of the raw export (``annotations/`` by
default) and holds a random key and, per Label Studio server, which user id is which person.
A person is named by a keyed hash (HMAC-SHA-256) of their lower-cased e-mail: nobody without
the key can compute a pseudonym from an e-mail, a user id or any other public fact, and with it
one person keeps one name across pulls, servers and versions. The file holds no e-mail: a user
id maps to the keyed hash of that user's e-mail, so a JSON export downloaded from the web page
(user ids only) names people exactly as a pulled file (e-mails) does.

``annotate pull`` creates the file when it is missing and records the users it saw; export and
report read it. A lost file means new names for everyone: export refuses to switch keys after a
published version unless asked to (``new_key``), and the changelog says so.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotate.errors import AnnotatorKeyError
from annotate.filesystem import write_atomically

FILE_NAME = "annotators.json"
FORMAT = 1
PREFIX = "annotator-"
ABOUT = ("annotate's annotator key: the secret behind every annotator pseudonym. Keep it private (mode 0600), "
         "share it only with the team that exports this project, never publish it. Without it the same people "
         "get new names.")


def key_path_for(raw_export: Path) -> Path:
    """Where the key of the project a raw export belongs to lives: beside it."""
    return Path(raw_export).with_name(FILE_NAME)


def email_digest(key: bytes, email: str) -> str:
    """The keyed hash of an e-mail address (trimmed, lower-cased)."""
    return hmac.new(key, f"email:{email.strip().lower()}".encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass
class AnnotatorKey:
    """The key, and per server URL which user id has which e-mail digest."""

    path: Path | None  # None: a throwaway key, never saved
    key: bytes
    users: dict[str, dict[str, str]] = field(default_factory=dict)
    created: bool = False  # made by this run: every annotator gets a new name

    @classmethod
    def ephemeral(cls) -> AnnotatorKey:
        """A random key that is never saved (names that hold for one run only)."""
        return cls(path=None, key=secrets.token_bytes(32), created=True)

    @property
    def key_id(self) -> str:
        """A public fingerprint of the key (which key named a version's annotators; reveals nobody)."""
        return hmac.new(self.key, b"key-id", hashlib.sha256).hexdigest()[:12]

    def name_of_email(self, email: str) -> str:
        return self.name_of_digest(email_digest(self.key, email))

    def name_of_user_id(self, user_id: int) -> str:
        """The name of a user nobody recorded (no e-mail known): keyed on the id alone."""
        return PREFIX + hmac.new(self.key, f"id:{user_id}".encode(), hashlib.sha256).hexdigest()[:8]

    @staticmethod
    def name_of_digest(digest: str) -> str:
        return PREFIX + digest[:8]

    def user_digests(self, server: str | None) -> dict[int, str | None]:
        """User id -> e-mail digest on ``server``; for None (a file from the web page, server
        unknown) every server's users, with ``None`` for an id that means different people."""
        tables = [self.users.get(server.rstrip("/"), {})] if server else list(self.users.values())
        found: dict[int, str | None] = {}
        for table in tables:
            for user_id, digest in table.items():
                found[int(user_id)] = digest if found.get(int(user_id), digest) == digest else None
        return found

    def record(self, server: str, users: Iterable[tuple[int, str]]) -> int:
        """Remember which user id has which e-mail on ``server``; the number of new entries."""
        table = self.users.setdefault(server.rstrip("/"), {})
        added = 0
        for user_id, email in users:
            digest = email_digest(self.key, email)
            added += table.get(str(user_id)) != digest
            table[str(user_id)] = digest
        return added

    def save(self) -> None:
        if self.path is None:
            raise AnnotatorKeyError("a throwaway annotator key cannot be saved")
        content = {"about": ABOUT, "format": FORMAT, "key": self.key.hex(),
                   "users": {server: dict(sorted(table.items(), key=lambda item: int(item[0])))
                             for server, table in sorted(self.users.items())}}
        try:
            write_atomically(self.path, json.dumps(content, indent=2) + "\n", mode=0o600)
        except OSError as error:
            raise AnnotatorKeyError(f"{self.path}: cannot write the annotator key ({error.strerror or error}); "
                                    "check the folder") from None


def load_key(path: Path, *, create: bool = False) -> AnnotatorKey:
    """The key in ``path``; with ``create``, a new random one when the file does not exist (not
    yet saved: call :meth:`AnnotatorKey.save`). Refuses a file others can read."""
    path = Path(path)
    if not path.exists():
        if not create:
            raise AnnotatorKeyError(f"{path}: no annotator key here; annotate pull creates it beside the pulled "
                                    "file (or put the team's copy there)")
        return AnnotatorKey(path=path, key=secrets.token_bytes(32), created=True)
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise AnnotatorKeyError(f"{path}: cannot read the annotator key ({error}); restore the team's copy") from None
    if mode & 0o077:
        raise AnnotatorKeyError(f"{path}: the annotator key is readable by others (mode {mode:04o}); "
                                f"run chmod 600 {path}")
    return AnnotatorKey(path=path, key=_key(raw, path), users=_users(raw, path))


def _key(raw: Any, path: Path) -> bytes:
    key = raw.get("key") if isinstance(raw, dict) else None
    try:
        value = bytes.fromhex(key) if isinstance(key, str) else b""
    except ValueError:
        value = b""
    if len(value) < 16 or not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise AnnotatorKeyError(f"{path}: not an annotator key file of format {FORMAT} (a hex \"key\" of at "
                                "least 16 bytes); restore the team's copy")
    return value


def _users(raw: Mapping[str, Any], path: Path) -> dict[str, dict[str, str]]:
    users = raw.get("users", {})
    if not isinstance(users, dict) or not all(
            isinstance(table, dict) and all(key.isdigit() and isinstance(value, str) for key, value in table.items())
            for table in users.values()):
        raise AnnotatorKeyError(f"{path}: \"users\" must map server URLs to {{user id: digest}}; restore the "
                                "team's copy")
    return {str(server): dict(table) for server, table in users.items()}
