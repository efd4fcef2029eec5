"""The one exception tree of annotate.

    AnnotateError                 base: every error the library raises on purpose
    ├── CorpusError               a corpus file or folder that cannot be loaded
    ├── SchemaError               an invalid schema file
    ├── ConnectionProblem         Label Studio unreachable, wrong key, tokens disabled
    │   └── RequestRefused        (annotate.studio.connection) a 4xx answer, with its status and detail
    ├── ServerError               the embedded server cannot be started or stopped
    ├── ProjectError              a project that is missing, ambiguous or cannot be updated safely
    ├── CorrectionError           corrected article texts that push will not carry over (lists each)
    ├── AnnotationError           annotations that cannot be converted (lists every problem)
    ├── ExportError               a version folder that cannot be written
    ├── ReportError               a report whose input cannot be read or output written
    ├── AnnotatorKeyError         the annotator key file (pseudonyms) missing, unreadable or too open
    ├── ModelError                training data or a model folder that cannot be used
    └── ValidationFailed          an export that breaks its rules (lists every problem)

Library code raises; only the command line prints and picks exit codes. Every message says
what is wrong, where (file, document id, region id) and what to do.
"""

from __future__ import annotations


class AnnotateError(Exception):
    """Base class of every error annotate raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems: list[str] = list(problems or [])

    def __str__(self) -> str:
        return self.message


class CorpusError(AnnotateError):
    """A corpus file or folder that cannot be loaded."""


class SchemaError(AnnotateError):
    """An invalid schema file."""


class ConnectionProblem(AnnotateError):
    """Label Studio could not be reached or refused the key."""


class ServerError(AnnotateError):
    """The embedded Label Studio server cannot be started, checked or stopped."""


class ProjectError(AnnotateError):
    """A project that is missing, ambiguous, or cannot be changed safely."""


class CorrectionError(AnnotateError):
    """Corrected article texts that cannot (or may not yet) replace the old ones; ``problems`` lists each."""


class AnnotationError(AnnotateError):
    """Annotations that break the schema; ``problems`` lists each one."""


class ExportError(AnnotateError):
    """A dataset version that cannot be written."""


class ReportError(AnnotateError):
    """A report whose input cannot be read or whose files cannot be written."""


class AnnotatorKeyError(AnnotateError):
    """The annotator key file behind the pseudonyms is missing, unreadable, or readable by others."""
class ModelError(AnnotateError):
    """Training data a model cannot learn from, or a model folder that cannot be read or written."""


class ValidationFailed(AnnotateError):
    """An export that breaks its rules; ``problems`` lists each one."""
