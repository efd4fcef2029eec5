"""Keep the ids that annotate gave ``.txt`` articles before ids followed the source.

Those ids hashed the path and the text. A project or dataset made then names its documents by
them; recording them in the corpus's ``ids.json`` (before any text is corrected) keeps them.
"""

from __future__ import annotations

import json
from pathlib import Path

from annotate.corpus.identity import REGISTRY, corpus_folder
from annotate.corpus.reader import document_id, load_corpus
from annotate.filesystem import write_atomically


def keep_text_ids(path: str | Path) -> tuple[Path, int]:
    """Record in ``ids.json`` the earlier id of every ``.txt`` article it does not list yet;
    (the registry's path, how many ids were added). Entries already there are kept as they are."""
    folder = corpus_folder(path)
    registry = folder / REGISTRY
    recorded: dict[str, str] = json.loads(registry.read_text("utf-8")) if registry.is_file() else {}
    added = 0
    for document in load_corpus(path).documents:
        if document.line is None and document.source not in recorded:
            recorded[document.source] = document_id(document.source, document.text)
            added += 1
    if added:
        write_atomically(registry, json.dumps(dict(sorted(recorded.items())), indent=2, ensure_ascii=False) + "\n")
    return registry, added
