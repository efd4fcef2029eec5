"""annotate: news articles to a versioned Hugging Face dataset of entities, claims and stance.

The library API, one function per step of the pipeline (the ``annotate`` command is a thin layer
over these)::

    load_schema(path)                             schemas/*.yaml -> Schema        (annotate.scheme)
    load_corpus(path)                             seeds/ -> Corpus of Documents   (annotate.corpus)
    push(client=..., schema=..., documents=...)   -> PushResult                  (annotate.studio)
    pull(client=..., out=...)                     -> PullResult                  (annotate.studio)
    export(raw_json, schema=..., version=...)     -> ExportResult                (annotate.release)
    validate(exports_dir)                         -> ValidationReport            (annotate.validation)
    build_report(raw_json_or_version, schema)     -> Report                      (annotate.report)
    train(raw_json, schema, out_root="models")    -> TrainResult (models/vN)     (annotate.learning)
    adjudicate(client=..., schema=...)            -> AdjudicationResult          (annotate.adjudication)

``from annotate import export`` works; each name is imported on first use (PEP 562), so
``import annotate`` and ``annotate --help`` stay cheap. Every error raised on purpose is an
:class:`annotate.errors.AnnotateError`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.3.0"

_API = {
    "load_schema": "annotate.scheme.schema",
    "load_corpus": "annotate.corpus.reader",
    "push": "annotate.studio.push",
    "pull": "annotate.studio.pull",
    "export": "annotate.release.export",
    "validate": "annotate.validation.validate",
    "build_report": "annotate.report.build",
    "train": "annotate.learning.train",
    "adjudicate": "annotate.adjudication.adjudicate",
}
__all__ = ["__version__", *_API]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and editors only
    from annotate.adjudication.adjudicate import adjudicate
    from annotate.corpus.reader import load_corpus
    from annotate.learning.train import train
    from annotate.release.export import export
    from annotate.report.build import build_report
    from annotate.scheme.schema import load_schema
    from annotate.studio.pull import pull
    from annotate.studio.push import push
    from annotate.validation.validate import validate


def __getattr__(name: str) -> Any:
    """Import an API function from its stage the first time it is asked for."""
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'annotate' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
