"""What one annotator did on one document, read from Label Studio's JSON.

These plain records are the meeting point of the pipeline: :mod:`annotate.conversion.convert` builds
them from raw Label Studio tasks, :mod:`annotate.release.gold_merge` merges several into one, and
:mod:`annotate.release.export` and :mod:`annotate.report.build` read them. Offsets are Unicode code points
into the document text, and ``text[start:end] == span.text`` always holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from operator import attrgetter
from typing import NamedTuple

from annotate.conversion.problems import Problem


class Span(NamedTuple):
    """An entity mention (a named tuple: immutable, and made many times faster than a frozen
    dataclass, which counts when an export reads hundreds of thousands of them)."""

    id: str
    start: int
    end: int
    text: str
    label: str


@dataclass(frozen=True)
class Claim:
    """A claim span with its claimant (an entity region id), stance and schema attributes."""

    id: str
    start: int
    end: int
    text: str
    claimant_id: str | None
    stance: str | None
    attributes: dict[str, str | None] = field(default_factory=dict)


span_order = attrgetter("start", "end", "label", "id")  # the order of entities in every record
claim_order = attrgetter("start", "end", "id")  # the order of claims in every record


@dataclass(frozen=True)
class Annotation:
    """One annotator's work on one document (a Label Studio annotation)."""

    id: int
    annotator: str  # stable pseudonym such as "annotator-3f2a9c1b"; never an e-mail unless opted in
    ground_truth: bool
    cancelled: bool
    created_at: str
    updated_at: str
    lead_time: float | None
    entities: tuple[Span, ...]
    claims: tuple[Claim, ...]
    document_stance: str | None


_EPOCH = datetime.min.replace(tzinfo=timezone.utc)


def recency(annotation: Annotation) -> tuple[datetime, datetime, int]:
    """The one order of "most recent annotation": last updated, then created, then id; times
    parsed (``...00Z`` is earlier than ``...00.5Z``), an unreadable or missing time the earliest,
    a time without zone taken as UTC."""
    return _moment(annotation.updated_at), _moment(annotation.created_at), annotation.id


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return _EPOCH
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Prediction:
    """A pre-annotation that Label Studio showed to annotators."""

    model_version: str
    entities: tuple[Span, ...]
    sources: tuple[str, ...] = ()  # per entity: the pre-annotator that proposed it (region meta.source), or ""


@dataclass(frozen=True)
class DocumentRecord:
    """A document with every annotation made on it."""

    id: str
    task_id: int
    title: str
    text: str
    source: str
    annotations: tuple[Annotation, ...]
    predictions: tuple[Prediction, ...] = ()
    meta: dict[str, str] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()  # kept, but said: see TaskProblems.warnings
    metadata: dict[str, object] = field(default_factory=dict)  # the schema's documents.metadata, typed
    text_version: int = 1  # 1 until the article's text is corrected (data.text_version)
    # A curator's decisions from the curation project (``annotate adjudicate``): never an
    # annotator's work, so kept apart from ``annotations`` (and from agreement figures).
    curated: tuple[Annotation, ...] = ()

    @property
    def usable_annotations(self) -> tuple[Annotation, ...]:
        """Completed annotations: cancelled (skipped) ones are left out."""
        return tuple(a for a in self.annotations if not a.cancelled)


@dataclass(frozen=True)
class GoldDocument:
    """The one merged annotation of a document that the ``documents`` config publishes."""

    id: str
    entities: tuple[Span, ...]
    claims: tuple[Claim, ...]
    stance: str | None
    annotators: tuple[str, ...]
    policy: str  # "adjudicated", "ground_truth", "single", "unanimous" or "majority": the rule that applied
