"""annotate: news articles to a versioned Hugging Face dataset of entities, claims and stance."""

__version__ = "0.1.0"
