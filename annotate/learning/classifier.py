"""A text classifier (scikit-learn): TF-IDF of words and word pairs, then logistic regression.

Used for a claim's stance and attributes and for the document's stance. The solver is
deterministic (lbfgs), so the same texts and labels give the same model.
"""

from __future__ import annotations

from collections.abc import Sequence

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline


class TextClassifier:
    """Labels for texts, each with its probability."""

    def __init__(self, texts: Sequence[str], labels: Sequence[str], *, seed: int) -> None:
        self.pipeline = Pipeline([
            ("tfidf", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True)),
            ("model", LogisticRegression(max_iter=2000, C=4.0, random_state=seed)),
        ])
        self.pipeline.fit(list(texts), list(labels))

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(str(label) for label in self.pipeline.classes_)

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """``(label, probability)`` of the most probable label of each text."""
        if not texts:
            return []
        found = []
        classes = self.pipeline.classes_
        for row in self.pipeline.predict_proba(list(texts)):
            best = int(row.argmax())
            found.append((str(classes[best]), float(row[best])))
        return found
