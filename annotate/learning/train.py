"""``train()``: a pulled file in, a new model folder (``models/vN``) out, with held-out scores.

Steps: read the gold of every completed document (:mod:`annotate.learning.training_data`); put a
seeded share of the documents aside; learn, from the rest, the entity tagger, the claim tagger
and the classifiers of a claim's stance, of each claim attribute and of the document's stance;
score them on the documents put aside; write everything into a work folder that is renamed to
the next free ``vN`` only when complete (a model folder is never overwritten).

A label (or a stance or attribute value) with fewer than ``min_examples`` examples in the
training part is not learned: it is named in :attr:`TrainResult.warnings`, and the rest is
trained. The same file, schema and seed give the same model and the same scores.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import random
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sklearn

from annotate import __version__
from annotate.errors import ModelError
from annotate.learning.classifier import TextClassifier
from annotate.learning.model import (
    CLAIM_STANCE,
    CLAIM_TAGGER,
    CLASSIFIERS,
    DOCUMENT_STANCE,
    ENTITY_TAGGER,
    FORMAT,
    MODEL_FILE,
    Model,
)
from annotate.learning.scores import label_scores, span_scores
from annotate.learning.tagger import ITERATIONS, train_tagger
from annotate.learning.tokens import Sentence, bio_tags, sentences
from annotate.learning.training_data import Example, TrainingData, read_training_data
from annotate.scheme.schema import Schema
from annotate.text.tokens import flat_entities

MIN_EXAMPLES = 5
HELD_OUT = 0.2
NO_VALUE = ""  # an optional attribute left empty is a class of its own
CLAIM = "CLAIM"
WORK_PREFIX = ".train-"
_VERSION = re.compile(r"^v(\d+)$")

Progress = Callable[[str, int, int], None]  # (what is being trained, steps done, steps in all)


@dataclass(frozen=True)
class TrainResult:
    """What :func:`train` wrote and measured."""

    path: Path
    version: str
    model_version: str
    documents: int
    train_documents: int
    held_out_documents: int
    scores: dict[str, Any]
    warnings: tuple[str, ...]


def train(input_path: Path | str, schema: Schema, *, out_root: Path | str = "models", seed: int = 0,
          min_examples: int = MIN_EXAMPLES, held_out: float = HELD_OUT, iterations: int = ITERATIONS,
          progress: Progress | None = None) -> TrainResult:
    """Train on the pulled file at ``input_path`` and write ``out_root/vN``."""
    if not 0 < held_out < 1:
        raise ModelError(f"the held-out share must be between 0 and 1, got {held_out}")
    data = read_training_data(input_path, schema)
    return train_on(data, schema, out_root=out_root, seed=seed, min_examples=min_examples, held_out=held_out,
                    iterations=iterations, progress=progress)


def train_on(data: TrainingData, schema: Schema, *, out_root: Path | str = "models", seed: int = 0,
             min_examples: int = MIN_EXAMPLES, held_out: float = HELD_OUT, iterations: int = ITERATIONS,
             progress: Progress | None = None) -> TrainResult:
    """:func:`train` on examples already read."""
    examples = list(data.examples)
    if len(examples) < 2:
        raise ModelError(f"{data.path}: only {len(examples)} document(s) with a completed annotation; at least 2 are "
                         "needed (one to learn from, one to score on); annotate more and pull again")
    random.Random(seed).shuffle(examples)
    aside = min(len(examples) - 1, max(1, round(len(examples) * held_out)))
    test, learn = examples[:aside], examples[aside:]
    root = Path(out_root)
    work = _work_folder(root)
    try:
        plan = _Plan(schema, learn, min_examples, iterations, progress)
        if data.left_out:
            plan.warnings.insert(0, f"{len(data.left_out)} problem(s) in the annotations; the annotations concerned "
                                    f"were left out (first: {data.left_out[0]}); annotate export lists them all")
        learned = plan.fit(work, seed)
        scores = _evaluate(work, schema, learned, test, plan)
        info = _info(schema, data, seed, learned, plan.warnings, scores, len(learn), len(test))
        return _publish(root, work, info, data, plan.warnings)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


class _Plan:
    """What can be learned from the training part, and the learning itself."""

    def __init__(self, schema: Schema, learn: Sequence[Example], min_examples: int, iterations: int,
                 progress: Progress | None) -> None:
        self.schema = schema
        self.learn = learn
        self.iterations = iterations
        self.progress = progress
        self.warnings: list[str] = []
        counts = Counter(span.label for example in learn for span in example.gold.entities)
        self.entity_labels = [label for label in schema.entity_labels if counts[label] >= min_examples]
        for label in schema.entity_labels:
            if counts[label] < min_examples:
                self._few(f"entity label {label}", counts[label], min_examples)
        claims = sum(len(example.gold.claims) for example in learn)
        self.claims = claims >= min_examples
        if not self.claims:
            self._few("claims", claims, min_examples)
        claim_list = [(example.text, claim) for example in learn for claim in example.gold.claims]
        self.tasks: dict[str, tuple[list[str], list[str]]] = {}
        stance_pairs = [(text[c.start:c.end], c.stance) for text, c in claim_list if c.stance is not None]
        self._classifier(CLAIM_STANCE, "claim stance", stance_pairs, min_examples)
        for attribute in schema.claims.attributes:
            pairs = [(text[c.start:c.end], c.attributes.get(attribute.name) or NO_VALUE) for text, c in claim_list]
            self._classifier(attribute.name, f"claim attribute {attribute.name}", pairs, min_examples)
        document_pairs = [(example.text, example.gold.stance) for example in learn if example.gold.stance is not None]
        self._classifier(DOCUMENT_STANCE, "document stance", document_pairs, min_examples)
        self.done = 0
        self.total = (iterations if self.entity_labels else 0) + (iterations if self.claims else 0) + len(self.tasks)

    def _few(self, what: str, count: int, needed: int) -> None:
        self.warnings.append(f"too few examples of {what} ({count}, at least {needed} needed): not learned")

    def _classifier(self, name: str, what: str, pairs: list[tuple[str, str]], min_examples: int) -> None:
        counts = Counter(label for _, label in pairs)
        kept = {label for label, count in counts.items() if count >= min_examples}
        for label in sorted(set(counts) - kept):
            self._few(f"{what} {label or '(no value)'}", counts[label], min_examples)
        if len(kept) < 2:
            if counts:
                self.warnings.append(f"{what}: fewer than 2 values with enough examples: not learned")
            else:
                self._few(what, 0, min_examples)
            return
        chosen = [(text, label) for text, label in pairs if label in kept]
        self.tasks[name] = ([text for text, _ in chosen], [label for _, label in chosen])

    def _tick(self, what: str) -> Callable[[int], None]:
        def tick(steps: int) -> None:
            self.done = min(self.total, self.done + steps)
            if self.progress:
                self.progress(what, self.done, self.total)
        return tick

    def _stage(self, run: Callable[[Callable[[int], None]], None], what: str, steps: int) -> None:
        """Run one training stage; the bar reaches its end even when the learner converged early."""
        end = self.done + steps
        run(self._tick(what))
        self._tick(what)(end - self.done)

    def fit(self, work: Path, seed: int) -> dict[str, Any]:
        labels = set(self.entity_labels)
        if self.entity_labels:
            pairs = []
            for example in self.learn:
                kept = [s for s in flat_entities(example.gold.entities, self.schema.entity_labels) if s.label in labels]
                pairs += _tagged(example.text, [(s.start, s.end, s.label) for s in kept])
            self._stage(lambda tick: train_tagger(pairs, work / ENTITY_TAGGER, iterations=self.iterations, tick=tick),
                        "entities", self.iterations)
        if self.claims:
            pairs = []
            for example in self.learn:
                spans = _flat([(c.start, c.end, CLAIM) for c in example.gold.claims])
                pairs += _tagged(example.text, spans)
            self._stage(lambda tick: train_tagger(pairs, work / CLAIM_TAGGER, iterations=self.iterations, tick=tick),
                        "claims", self.iterations)
        classifiers = {}
        for name, (texts, values) in self.tasks.items():
            classifiers[name] = TextClassifier(texts, values, seed=seed)
            self._tick(name)(1)
        with (work / CLASSIFIERS).open("wb") as handle:
            pickle.dump(classifiers, handle, protocol=5)
        attributes = [a.name for a in self.schema.claims.attributes if a.name in classifiers]
        return {"entities": list(self.entity_labels), "claims": self.claims,
                "claim_stance": CLAIM_STANCE in classifiers, "attributes": attributes,
                "document_stance": DOCUMENT_STANCE in classifiers}


def _tagged(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[Sentence, list[str]]]:
    cuts = [offset for start, end, _ in spans for offset in (start, end)]
    return [(sentence, bio_tags(sentence, spans)) for sentence in sentences(text, cuts)]


def _flat(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Spans without overlaps: the longest first, then the earliest."""
    kept: list[tuple[int, int, str]] = []
    for span in sorted(spans, key=lambda s: (s[0] - s[1], s[0])):
        if all(span[1] <= other[0] or other[1] <= span[0] for other in kept):
            kept.append(span)
    return sorted(kept)


def _evaluate(work: Path, schema: Schema, learned: dict[str, Any], test: Sequence[Example],
              plan: _Plan) -> dict[str, Any]:
    """Scores on the held-out documents (what was not learned scores as never proposed)."""
    info = {"format": FORMAT, "version": "work", "id": "work", "learned": learned}
    (work / MODEL_FILE).write_text(json.dumps(info), encoding="utf-8")
    model = Model(work)
    entity_pairs, claim_pairs = [], []
    stance_gold, stance_found, document_gold, document_found = [], [], [], []
    attribute_gold: dict[str, list[str]] = {a.name: [] for a in schema.claims.attributes}
    attribute_found: dict[str, list[str | None]] = {a.name: [] for a in schema.claims.attributes}
    for example in test:
        proposals = model.predict(example.text)
        entity_pairs.append(({(s.start, s.end, s.label) for s in example.gold.entities},
                             {(p.start, p.end, p.label) for p in proposals.entities}))
        claim_pairs.append(({(c.start, c.end, CLAIM) for c in example.gold.claims},
                            {(c.start, c.end, CLAIM) for c in proposals.claims}))
        claims = list(example.gold.claims)
        texts = [example.text[c.start:c.end] for c in claims]
        stances = model._classify(CLAIM_STANCE, texts)  # noqa: SLF001 - the gold spans, not proposed ones
        for index, claim in enumerate(claims):
            if claim.stance is not None:
                stance_gold.append(claim.stance)
                stance_found.append(stances[index][0] if stances else None)
        for name in attribute_gold:
            found = model._classify(name, texts)  # noqa: SLF001
            for index, claim in enumerate(claims):
                attribute_gold[name].append(claim.attributes.get(name) or NO_VALUE)
                attribute_found[name].append(found[index][0] if found else None)
        if example.gold.stance is not None:
            document_gold.append(example.gold.stance)
            document_found.append(proposals.stance[0] if proposals.stance else None)
    if plan.progress:
        plan.progress("scoring", plan.total, plan.total)
    stance_values = schema.stance.values

    def scored(name: str, gold: list[str], found: list[str | None], values: Sequence[str]) -> dict[str, Any]:
        if name not in model.classifiers:  # not learned: no score, rather than a score of 0
            return {"accuracy": None, "macro_f1": None, "support": len(gold)}
        return label_scores(gold, found, values)

    return {
        "documents": len(test),
        "entities": span_scores(entity_pairs, schema.entity_labels),
        "claims": span_scores(claim_pairs, [CLAIM])["micro"],
        "claim_stance": scored(CLAIM_STANCE, stance_gold, stance_found, stance_values),
        "claim_attributes": {a.name: scored(a.name, attribute_gold[a.name], attribute_found[a.name],
                                            (*a.values, NO_VALUE))
                             for a in schema.claims.attributes},
        "document_stance": scored(DOCUMENT_STANCE, document_gold, document_found, stance_values),
    }


def _info(schema: Schema, data: TrainingData, seed: int, learned: dict[str, Any], warnings: list[str],
          scores: dict[str, Any], train_documents: int, held_out: int) -> dict[str, Any]:
    import pycrfsuite  # noqa: PLC0415 - only for its version

    return {
        "format": FORMAT,
        "version": None,  # set when the folder gets its name
        "id": None,
        "annotate_version": __version__,
        "schema": {"name": schema.name, "version": schema.version, "fingerprint": schema.fingerprint},
        "training_data": {"file": data.path.name, "sha256": data.sha256, "bytes": data.size, "tasks": data.tasks,
                          "documents": len(data.examples), "train_documents": train_documents,
                          "held_out_documents": held_out, "left_out_problems": len(data.left_out)},
        "seed": seed,
        "learned": learned,
        "not_learned": list(warnings),
        "scores": scores,
        "libraries": {"scikit-learn": sklearn.__version__,
                      "python-crfsuite": getattr(pycrfsuite, "__version__", "unknown")},
    }


def _work_folder(root: Path) -> Path:
    try:
        root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f"{WORK_PREFIX}{os.getpid()}-", dir=root))
    except OSError as error:
        raise ModelError(f"{root}: cannot write a model here ({error.strerror or error}); check the folder and its "
                         "permissions, or give another --out") from None


def _publish(root: Path, work: Path, info: dict[str, Any], data: TrainingData, warnings: list[str]) -> TrainResult:
    """Rename the work folder to the next free ``vN``; never over an existing one."""
    while True:
        taken = [int(m.group(1)) for p in root.iterdir() if (m := _VERSION.match(p.name))]
        version = f"v{max(taken, default=0) + 1}"
        digest = hashlib.sha256(f"{data.sha256}:{info['seed']}:{info['schema']['fingerprint']}".encode()).hexdigest()
        info = {**info, "version": version, "id": f"{version}-{digest[:8]}"}
        (work / MODEL_FILE).write_text(json.dumps(info, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
        final = root / version
        try:
            os.mkdir(final)  # claims the name: a concurrent run takes the next one
        except FileExistsError:
            continue
        os.rename(work, final)  # onto the empty folder just made
        model = Model(final)
        return TrainResult(final, version, model.model_version, info["training_data"]["documents"],
                           info["training_data"]["train_documents"], info["training_data"]["held_out_documents"],
                           info["scores"], tuple(warnings))
