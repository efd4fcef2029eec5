"""A span tagger: a linear-chain CRF (python-crfsuite) over the tokens of each sentence.

Trained from sentences with BIO tags; proposes spans with a confidence (the lowest marginal
probability of the span's tags). L-BFGS on the same sequences in the same order gives the same
weights, so the same training data gives the same model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pycrfsuite

from annotate.learning.tokens import Sentence, features, spans_from_tags

ITERATIONS = 100

Tick = Callable[[int], None]  # called with 1 after each training iteration


class _Trainer(pycrfsuite.Trainer):
    """A trainer that reports each iteration and prints nothing (``verbose`` makes crfsuite parse
    its log and call these hooks; the defaults would print it)."""

    tick: Tick | None = None

    def on_iteration(self, log: str, info: dict) -> None:
        if self.tick is not None:
            self.tick(1)

    def _quiet(self, *args: object) -> None:
        pass

    on_start = on_featgen_progress = on_featgen_end = on_prepared = on_prepare_error = _quiet
    on_optimization_end = on_end = _quiet


def train_tagger(examples: Sequence[tuple[Sentence, list[str]]], path: Path, *,
                 iterations: int = ITERATIONS, tick: Tick | None = None) -> None:
    """Train on ``(sentence, tags)`` pairs and write the model to ``path``."""
    trainer = _Trainer(verbose=True)
    trainer.tick = tick
    trainer.select("lbfgs")
    trainer.set_params({"c1": 0.05, "c2": 0.01, "max_iterations": iterations,
                        "feature.possible_transitions": True})
    for sentence, tags in examples:
        trainer.append(pycrfsuite.ItemSequence(features(sentence)), tags)
    trainer.train(str(path))


class Tagger:
    """A trained tagger read from its file."""

    def __init__(self, path: Path) -> None:
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(path))

    def spans(self, sentence: Sentence) -> list[tuple[int, int, str, float]]:
        """``(start, end, label, confidence)`` of the spans proposed in ``sentence``."""
        self._tagger.set(pycrfsuite.ItemSequence(features(sentence)))
        tags = self._tagger.tag()
        confidence = [self._tagger.marginal(tag, index) for index, tag in enumerate(tags)]
        return spans_from_tags(sentence, tags, confidence)

    def close(self) -> None:
        self._tagger.close()
