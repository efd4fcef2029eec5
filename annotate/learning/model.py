"""A trained model folder: read it, check it fits the schema, and propose annotations for a text.

A model folder (written by :func:`annotate.learning.train.train`) holds:

- ``model.json``: its version and id, the schema's name, version and fingerprint, the training
  data's file name, SHA-256, size and document counts, the seed, what was learned and what was
  not (too few examples), the held-out scores and the library versions;
- ``entities.crfsuite`` and ``claims.crfsuite``: the span taggers (absent when not learned);
- ``classifiers.pkl``: the claim stance, claim attribute and document stance classifiers
  (a pickle: load only model folders you made yourself).
"""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotate.errors import ModelError
from annotate.learning.classifier import TextClassifier
from annotate.learning.tagger import Tagger
from annotate.learning.tokens import sentences
from annotate.scheme.schema import Schema

MODEL_FILE = "model.json"
ENTITY_TAGGER = "entities.crfsuite"
CLAIM_TAGGER = "claims.crfsuite"
CLASSIFIERS = "classifiers.pkl"
FORMAT = 1
CLAIM_STANCE = "claim_stance"
DOCUMENT_STANCE = "doc_stance"


@dataclass(frozen=True)
class Proposed:
    """A proposed span with its confidence (0 to 1)."""

    start: int
    end: int
    label: str
    score: float


@dataclass(frozen=True)
class ProposedClaim:
    """A proposed claim span; its stance and attributes, each ``(value, confidence)``."""

    start: int
    end: int
    score: float
    stance: tuple[str, float] | None = None
    attributes: dict[str, tuple[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Proposals:
    """What the model proposes for one text."""

    entities: tuple[Proposed, ...]
    claims: tuple[ProposedClaim, ...]
    stance: tuple[str, float] | None

    @property
    def score(self) -> float | None:
        """The task's confidence: the mean of every confidence (regions, choices); None when empty."""
        found = [p.score for p in self.entities] + [c.score for c in self.claims]
        found += [c.stance[1] for c in self.claims if c.stance] + [v[1] for c in self.claims for v in c.attributes.values()]
        if self.stance:
            found.append(self.stance[1])
        return sum(found) / len(found) if found else None


class Model:
    """A model folder, opened for prediction."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        info_path = self.folder / MODEL_FILE
        if not info_path.is_file():
            raise ModelError(f"{self.folder}: not a model folder (no {MODEL_FILE}); give a folder that annotate train "
                             "wrote, such as models/v1")
        try:
            self.info: dict[str, Any] = json.loads(info_path.read_text(encoding="utf-8"))
            if self.info.get("format") != FORMAT:
                raise ValueError(f"format {self.info.get('format')!r}, expected {FORMAT}")
            self.entity_tagger = Tagger(self.folder / ENTITY_TAGGER) if self.info["learned"]["entities"] else None
            self.claim_tagger = Tagger(self.folder / CLAIM_TAGGER) if self.info["learned"]["claims"] else None
            with (self.folder / CLASSIFIERS).open("rb") as handle:
                self.classifiers: dict[str, TextClassifier] = pickle.load(handle)  # noqa: S301 - our own folder
        except (OSError, ValueError, KeyError, TypeError, pickle.UnpicklingError, EOFError) as error:
            raise ModelError(f"{self.folder}: the model cannot be read ({error}); train it again with "
                             "annotate train") from None

    @property
    def version(self) -> str:
        """The folder's version, such as ``v3``."""
        return str(self.info["version"])

    @property
    def model_version(self) -> str:
        """The name Label Studio records on the predictions: ``model-v3-1a2b3c4d``."""
        return f"model-{self.info['id']}"

    def check_schema(self, schema: Schema) -> None:
        """Refuse a model trained for another schema."""
        trained = self.info.get("schema", {})
        if trained.get("fingerprint") != schema.fingerprint:
            raise ModelError(f"{self.folder}: trained for schema {trained.get('name')} {trained.get('version')} "
                             f"(fingerprint {str(trained.get('fingerprint'))[:12]}), not for {schema.name} "
                             f"{schema.version} ({schema.fingerprint[:12]}); train again with this schema")

    def predict(self, text: str) -> Proposals:
        """The entities, claims (with stance and attributes) and document stance proposed for ``text``."""
        parts = sentences(text)
        entities: list[Proposed] = []
        claims: list[tuple[int, int, float]] = []
        for sentence in parts:
            if self.entity_tagger is not None:
                entities += [Proposed(*span) for span in self.entity_tagger.spans(sentence)]
            if self.claim_tagger is not None:
                claims += [(start, end, score) for start, end, _, score in self.claim_tagger.spans(sentence)]
        claim_texts = [text[start:end] for start, end, _ in claims]
        stances = self._classify(CLAIM_STANCE, claim_texts)
        attributes = {name: self._classify(name, claim_texts) for name in self.info["learned"]["attributes"]}
        proposed = tuple(
            ProposedClaim(start, end, score, stances[index] if stances else None,
                          {name: found[index] for name, found in attributes.items() if found and found[index][0]})
            for index, (start, end, score) in enumerate(claims))
        document = self._classify(DOCUMENT_STANCE, [text])
        return Proposals(tuple(entities), proposed, document[0] if document else None)

    def _classify(self, name: str, texts: list[str]) -> list[tuple[str, float]]:
        classifier = self.classifiers.get(name)
        return classifier.predict(texts) if classifier is not None and texts else []
