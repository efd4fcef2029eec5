"""What :func:`annotate.validation.validate.validate` found: one :class:`Failure` per broken rule.

A failure names the file, and where it applies the config, the row (0-based, as in
``load_dataset(...)[split][row]``) and the field (``entities[2].text``), then says what is wrong.
Errors fail validation; warnings (temporary or hidden entries that are not part of a version,
an unknown licence id) are shown but do not.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from annotate.errors import ValidationFailed

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Failure:
    """One broken rule, at one place."""

    file: str
    config: str | None
    row: int | None
    field: str | None
    message: str
    severity: str = ERROR
    line: int | None = None  # a line in a text file (the card's YAML, the manifest's JSON)

    @property
    def where(self) -> str:
        """``config documents, row 3, field entities[1].text`` (only the parts that apply)."""
        parts = []
        if self.config is not None:
            parts.append(f"config {self.config}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field is not None:
            parts.append(f"field {self.field}")
        return ", ".join(parts)

    def __str__(self) -> str:
        file = f"{self.file}:{self.line}" if self.line is not None else self.file
        where = self.where
        return f"{file}: {where}: {self.message}" if where else f"{file}: {self.message}"


class Findings:
    """Collects failures while the checks run."""

    def __init__(self) -> None:
        self.failures: list[Failure] = []

    def error(self, file: Path | str, message: str, *, config: str | None = None, row: int | None = None,
              field: str | None = None, line: int | None = None) -> None:
        self.failures.append(Failure(str(file), config, row, field, message, ERROR, line))

    def warning(self, file: Path | str, message: str, *, config: str | None = None, row: int | None = None,
                field: str | None = None, line: int | None = None) -> None:
        self.failures.append(Failure(str(file), config, row, field, message, WARNING, line))

    def count(self) -> int:
        """How many errors so far (to tell whether a step added any)."""
        return sum(1 for failure in self.failures if failure.severity == ERROR)


@dataclass
class ValidationReport:
    """Everything found under ``path``: the versions checked and every failure."""

    path: Path
    versions: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    @property
    def errors(self) -> list[Failure]:
        return [failure for failure in self.failures if failure.severity == ERROR]

    @property
    def warnings(self) -> list[Failure]:
        return [failure for failure in self.failures if failure.severity == WARNING]

    @property
    def ok(self) -> bool:
        """True when no rule is broken (warnings allowed)."""
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "ok": self.ok,
            "versions": list(self.versions),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "failures": [asdict(failure) for failure in self.failures],
        }

    def raise_for_errors(self) -> None:
        """Raise :class:`ValidationFailed` listing every error, if there is any."""
        if self.errors:
            raise ValidationFailed(f"{self.path}: {len(self.errors)} validation error(s); "
                                   "run annotate validate on it to see them",
                                   problems=[str(failure) for failure in self.errors])
