"""Semantic versions of the dataset, and the rules that say how big the next step must be.

A version lives in ``ROOT/vX.Y.Z``. The step from the latest version must be at least:

- **major** when a ClassLabel lost a name or a name moved to another integer id (a label removed,
  renamed or reordered in the schema), or a claim attribute was removed: users' code and models
  that read the old ids or columns break;
- **minor** when documents were added or removed, or the schema changed otherwise (a label added
  at the end, a new attribute, a new definition or target);
- **patch** for corrections only: the same documents, annotations fixed.

The rules hold whether the version is given (``--version``) or picked (``--bump``): a given
version that is not above the latest, or that steps less than the changes require, is refused.
The first version is 1.0.0 when picked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Set
from dataclasses import dataclass
from pathlib import Path

from annotate.errors import ExportError

BUMPS = ("patch", "minor", "major")
_SEMVER = re.compile(r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
_FOLDER = re.compile(r"^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> Version:
        """``1.2.3`` (or ``v1.2.3``); raises :class:`ExportError` for anything else."""
        match = _SEMVER.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise ExportError(f"version {text!r} is not a semantic version; give MAJOR.MINOR.PATCH such as 1.0.0")
        return cls(*(int(part) for part in match.groups()))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    @property
    def folder(self) -> str:
        return f"v{self}"

    def bumped(self, bump: str) -> Version:
        if bump == "major":
            return Version(self.major + 1, 0, 0)
        if bump == "minor":
            return Version(self.major, self.minor + 1, 0)
        return Version(self.major, self.minor, self.patch + 1)


FIRST = Version(1, 0, 0)


def published(root: Path) -> list[tuple[Version, Path]]:
    """The version folders under ``root``, oldest first (dot-prefixed work folders are ignored)."""
    if not root.is_dir():
        return []
    found = []
    for child in root.iterdir():
        match = _FOLDER.match(child.name)
        if match and child.is_dir():
            found.append((Version(*(int(part) for part in match.groups())), child))
    return sorted(found)


def step(old: Version, new: Version) -> str | None:
    """Which part ``new`` raises over ``old`` (``None`` when it is not higher)."""
    if new <= old:
        return None
    if new.major != old.major:
        return "major"
    return "minor" if new.minor != old.minor else "patch"


@dataclass(frozen=True)
class Changes:
    """What changed since the previous version, as far as the version number is concerned."""

    broken_labels: tuple[str, ...] = ()  # ClassLabel names removed or moved, attributes removed
    schema_changed: bool = False
    documents_added: int = 0
    documents_removed: int = 0
    gold_adjudicated: int = 0  # documents whose gold a curator's decision changed: at least a patch

    @property
    def required(self) -> str:
        if self.broken_labels:
            return "major"
        if self.schema_changed or self.documents_added or self.documents_removed:
            return "minor"
        return "patch"

    @property
    def reasons(self) -> list[str]:
        reasons = []
        if self.broken_labels:
            reasons.append("the schema removed, renamed or reordered " + ", ".join(self.broken_labels))
        elif self.schema_changed:
            reasons.append("the schema changed")
        if self.documents_added:
            reasons.append(f"{self.documents_added} document(s) added")
        if self.documents_removed:
            reasons.append(f"{self.documents_removed} document(s) removed")
        if self.gold_adjudicated:
            reasons.append(f"{self.gold_adjudicated} document(s) whose gold changed by adjudication")
        return reasons or ["corrections only"]


def label_breaks(old: Mapping[str, tuple[str, ...]], new: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Names of ClassLabels (:func:`annotate.scheme.features.class_label_names`) that lost a name or
    whose names changed position; a ClassLabel that disappeared counts as broken too."""
    broken = []
    for feature, names in sorted(old.items()):
        current = new.get(feature)
        if current is None:
            broken.append(f"{feature} (gone)")
            continue
        lost = [name for name in names if name not in current]
        moved = [name for index, name in enumerate(names) if name in current and current.index(name) != index]
        for name in lost:
            broken.append(f"{feature} {name} (gone)")
        for name in moved:
            broken.append(f"{feature} {name} (id {names.index(name)} -> {current.index(name)})")
    return tuple(broken)


def changes_between(old_labels: Mapping[str, tuple[str, ...]], new_labels: Mapping[str, tuple[str, ...]],
                    old_fingerprint: str, new_fingerprint: str,
                    old_ids: Set[str], new_ids: Set[str]) -> Changes:
    """The :class:`Changes` from one version's schema and document ids to the next one's."""
    return Changes(
        broken_labels=label_breaks(old_labels, new_labels),
        schema_changed=old_fingerprint != new_fingerprint,
        documents_added=len(new_ids - old_ids),
        documents_removed=len(old_ids - new_ids),
    )


def check_given(version: Version, latest: Version | None) -> None:
    """Refuse a given version that is not above the latest one (before any work is done)."""
    if latest is not None and version <= latest:
        raise ExportError(f"version {version} is not above the latest version {latest}; "
                          f"give a higher one such as {latest.bumped('patch')} or use --bump")


def choose(latest: Version | None, changes: Changes | None, *, version: Version | None,
           bump: str | None) -> Version:
    """The version to write: ``version`` if given and allowed, else ``latest`` stepped by ``bump``
    (``auto``: by what ``changes`` require). Raises :class:`ExportError` when the rules forbid it."""
    if (version is None) == (bump is None):
        raise ExportError("give either a version (--version X.Y.Z) or a bump (--bump major|minor|patch|auto)")
    if bump is not None and bump not in (*BUMPS, "auto"):
        raise ExportError(f"bump {bump!r} is not one of major, minor, patch, auto")
    if latest is None or changes is None:
        return version if version is not None else FIRST
    required = changes.required
    if version is None:
        bump = required if bump == "auto" else bump
        version = latest.bumped(bump)
    else:
        check_given(version, latest)
    taken = step(latest, version)
    if BUMPS.index(taken) < BUMPS.index(required):
        raise ExportError(f"version {version} is a {taken} step from {latest}, but {'; '.join(changes.reasons)}: "
                          f"this needs a {required} step ({latest.bumped(required)} or higher, or --bump auto)")
    return version
