"""Which document a file is: identity by source, with a committed registry for ids already given.

A ``.txt`` article is identified by its path inside the corpus folder, never by its text, so a
corrected article keeps its id. Ids given before that rule (they hashed the source and the text)
stay valid through ``ids.json`` beside the articles: an object mapping a source path to its id,
committed with the corpus. A JSONL line is identified by its ``id``; a line without one keeps the
id derived from its file and its text (nothing else identifies it when lines move).
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REGISTRY = "ids.json"  # source path -> id, in the corpus folder
HISTORY = "corrections"  # the folder of correction reports, in the corpus folder (annotate.corrections)
RESERVED = (REGISTRY, HISTORY)  # names at the top of a corpus folder that are not articles


def source_id(source: str) -> str:
    """The id of a ``.txt`` article: ``doc-`` + 16 hex digits of SHA-256 over its path in the corpus."""
    name = unicodedata.normalize("NFC", source).encode("utf-8", "surrogatepass")
    return "doc-" + hashlib.sha256(b"source\0" + name).hexdigest()[:16]


def text_checksum(text: str) -> str:
    """SHA-256 of a text's UTF-8 bytes: which version of an article a task or a dataset row holds."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def corpus_folder(path: str | Path) -> Path:
    """The folder that holds the registry and the correction history of a corpus path."""
    root = Path(path)
    return root if root.is_dir() else root.parent


@dataclass(frozen=True)
class Registry:
    """The ids recorded in ``ids.json`` (empty when there is none)."""

    path: Path
    ids: Mapping[str, str]

    def id_for(self, source: str) -> str:
        """The recorded id of a source, else the id of its path."""
        return self.ids.get(unicodedata.normalize("NFC", source)) or source_id(source)


def read_registry(folder: Path) -> tuple[Registry, str | None]:
    """(registry, problem): the registry of a corpus folder; a broken file gives an empty one and the
    reason, for the loader to report as fatal (ids would silently change otherwise)."""
    path = folder / REGISTRY
    if not path.is_file():
        return Registry(path, {}), None
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return Registry(path, {}), f"cannot read the id registry ({error}); fix the file or restore it from git"
    if not isinstance(value, dict):
        return Registry(path, {}), 'the id registry must be one JSON object {"path/in/corpus.txt": "doc-..."}'
    bad = [key for key, item in value.items() if not isinstance(item, str) or not item.strip()]
    if bad:
        return Registry(path, {}), f"the id registry gives {json.dumps(bad[0])} no id (a non-empty string); fix it"
    return Registry(path, {unicodedata.normalize("NFC", key): item for key, item in value.items()}), None
