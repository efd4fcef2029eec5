"""Pseudonyms for annotators, so that e-mail addresses never reach a dataset by default.

A Label Studio export names the annotator of each annotation in ``completed_by``: a user id
(a JSON export downloaded from the web page) or a ``{"id", "email", ...}`` mapping (what
``annotate pull`` downloads). Both are named through the project's annotator key
(:mod:`annotate.conversion.annotator_key`): ``annotator-`` and 8 hex digits of a keyed hash of
the e-mail, found directly or through the user id the key recorded. A user id the key never saw
is named by a keyed hash of the id and listed in :attr:`AnnotatorNames.unrecorded` (its name
differs from the one its e-mail gives: the caller warns).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from annotate.conversion.annotator_key import PREFIX, AnnotatorKey
from annotate.conversion.result_reader import is_int

__all__ = ["PREFIX", "AnnotatorNames"]


class AnnotatorNames:
    """Maps Label Studio users to pseudonyms, or to e-mail addresses when ``include_emails``.

    ``server`` is the URL the export came from (None for a file from the web page: every
    server the key knows is asked). E-mails seen in expanded ``completed_by`` mappings name
    the same user id later in the file. Without ``key`` the names hold for this object only
    (a random key: for checks that never publish a name).
    """

    def __init__(self, key: AnnotatorKey | None = None, *, server: str | None = None,
                 include_emails: bool = False) -> None:
        key = key if key is not None else AnnotatorKey.ephemeral()
        self.key = key
        self.include_emails = include_emails
        self._digests = key.user_digests(server)
        self._emails: dict[int, str] = {}
        self._keyed: dict[tuple[str, Any], str] = {}  # ("email" | "id", value) -> name: one keyed hash each
        self.unrecorded: set[int] = set()

    def name(self, completed_by: Any) -> str:
        """The annotator's name for a ``completed_by`` value (an int or a mapping).

        Raises ``ValueError`` when the value names nobody, or a user id that means different
        people on the servers the key knows (callers turn it into a problem).
        """
        user_id, email = _identify(completed_by)
        if user_id is not None and email is not None:
            self._emails[user_id] = email
        elif user_id is not None:
            email = self._emails.get(user_id)
        if email is not None:
            return email.strip() if self.include_emails else self._keyed_name("email", email)
        assert user_id is not None
        if user_id in self._digests:
            digest = self._digests[user_id]
            if digest is None:
                raise ValueError(f"user {user_id} is a different person on different servers in {self.key.path}; "
                                 "export a file that annotate pull wrote (it names the server)")
            return self.key.name_of_digest(digest)
        self.unrecorded.add(user_id)
        return self._keyed_name("id", user_id)

    def _keyed_name(self, kind: str, value: Any) -> str:
        """The key's name for an e-mail or an unrecorded user id, hashed once per value."""
        name = self._keyed.get((kind, value))
        if name is None:
            name = self.key.name_of_email(value) if kind == "email" else self.key.name_of_user_id(value)
            self._keyed[kind, value] = name
        return name


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


def identify(completed_by: Any) -> tuple[int | None, str | None]:
    """The user id and e-mail in ``completed_by`` (both None when it names nobody)."""
    try:
        return _identify(completed_by)
    except ValueError:
        return None, None


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
