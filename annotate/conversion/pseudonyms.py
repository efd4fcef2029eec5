"""Stable pseudonyms for annotators, so that e-mail addresses never reach a dataset by default.

A Label Studio export names the annotator of each annotation in ``completed_by``: a user id
(the default) or a ``{"id", "email", ...}`` mapping (when the export expands it). The pseudonym
is ``annotator-`` and the first 8 hex digits of SHA-256 of the lower-cased e-mail when it is
known, else of the user id: the same user gets the same name on any machine and in any run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from annotate.conversion.result_reader import is_int

PREFIX = "annotator-"


class AnnotatorNames:
    """Maps Label Studio users to pseudonyms, or to e-mail addresses when ``include_emails``.

    ``emails`` (user id -> e-mail), when given, lets a plain user id be named like its e-mail;
    e-mails seen in expanded ``completed_by`` mappings are remembered the same way.
    ``salt`` is mixed into the hash, for a project that wants pseudonyms nobody can recompute
    from a guessed e-mail address (the same salt gives the same names everywhere).
    """

    def __init__(self, *, include_emails: bool = False, emails: Mapping[int, str] | None = None,
                 salt: str = "") -> None:
        self.include_emails = include_emails
        self.salt = salt
        self._emails: dict[int, str] = {}
        for user_id, email in (emails or {}).items():
            self._remember(user_id, email)

    def name(self, completed_by: Any) -> str:
        """The annotator's name for a ``completed_by`` value (an int or a mapping).

        Raises ``ValueError`` when the value names nobody (callers turn it into a problem).
        """
        user_id, email = _identify(completed_by)
        if user_id is not None and email is not None:
            self._remember(user_id, email)
        elif user_id is not None:
            email = self._emails.get(user_id)
        if email is not None:
            return email.strip() if self.include_emails else self._hash(f"email:{email.strip().lower()}")
        return self._hash(f"id:{user_id}")

    def _hash(self, key: str) -> str:
        digest = hashlib.sha256(f"{self.salt}\x00{key}".encode("utf-8") if self.salt else key.encode("utf-8"))
        return PREFIX + digest.hexdigest()[:8]

    def _remember(self, user_id: int, email: str) -> None:
        if is_int(user_id) and isinstance(email, str) and email.strip():
            self._emails[user_id] = email


def _identify(completed_by: Any) -> tuple[int | None, str | None]:
    """The user id and e-mail in ``completed_by``; ValueError when neither is there."""
    if is_int(completed_by):
        return completed_by, None
    if isinstance(completed_by, Mapping):
        user_id = completed_by.get("id")
        email = completed_by.get("email")
        user_id = user_id if is_int(user_id) else None
        email = email if isinstance(email, str) and email.strip() else None
        if user_id is not None or email is not None:
            return user_id, email
        raise ValueError("completed_by has neither an integer id nor an e-mail")
    raise ValueError(f"completed_by must be a user id or a mapping with id/email, got {_describe(completed_by)}")


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
