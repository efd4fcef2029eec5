"""Identity by source: an article keeps its id when its text is corrected, and ids already
published (kept in the corpus's ids.json) never change."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from annotate.corpus.identity import source_id
from annotate.corpus.reader import document_id, load_corpus
from annotate.errors import CorpusError

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"


def _published_ids(version: Path) -> dict[str, str]:
    """source -> id of every document row of a published version."""
    rows = [row for file in sorted((version / "data" / "documents").glob("*.parquet"))
            for row in pq.read_table(file, columns=["id", "source"]).to_pylist()]
    return {row["source"]: row["id"] for row in rows}


@pytest.mark.parametrize("version", sorted(path.name for path in (ROOT / "exports").glob("v*")))
def test_the_seed_articles_keep_the_ids_every_published_version_gave_them(version):
    published = _published_ids(ROOT / "exports" / version)
    assert published, f"exports/{version} has no documents"
    loaded = {doc.source: doc.id for doc in load_corpus(SEEDS).documents}
    assert {source: loaded.get(source) for source in published} == published


def test_a_corrected_article_keeps_its_id(tmp_path):
    (tmp_path / "a.txt").write_text("Putin met Rouhni.\n", encoding="utf-8")
    (before,) = load_corpus(tmp_path).documents
    (tmp_path / "a.txt").write_text("Putin met Rouhani in Tehran.\n", encoding="utf-8")
    (after,) = load_corpus(tmp_path).documents
    assert before.id == after.id == source_id("a.txt")
    assert before.text != after.text


def test_a_new_article_is_identified_by_its_path_in_the_corpus(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("Body\n", encoding="utf-8")
    (doc,) = load_corpus(tmp_path).documents
    assert doc.id == source_id("sub/b.txt") != source_id("b.txt")
    assert source_id("caf\u00e9.txt") == source_id("cafe\u0301.txt")
    assert source_id("a.txt") == "doc-82167beb034cb2dd"  # pinned: changing it orphans every annotation


def test_the_registry_keeps_a_recorded_id_and_a_renamed_file_is_a_new_document_until_its_entry_moves(tmp_path):
    (tmp_path / "old.txt").write_text("Text\n", encoding="utf-8")
    legacy = document_id("old.txt", "Text\n")
    (tmp_path / "ids.json").write_text(json.dumps({"old.txt": legacy}), encoding="utf-8")
    (doc,) = load_corpus(tmp_path).documents
    assert doc.id == legacy

    (tmp_path / "old.txt").rename(tmp_path / "new.txt")
    renamed = load_corpus(tmp_path)
    assert [d.id for d in renamed.documents] == [source_id("new.txt")]
    (warning,) = renamed.problems
    assert warning.kept and "'old.txt'" in str(warning) and "write its new path there" in str(warning)

    (tmp_path / "ids.json").write_text(json.dumps({"new.txt": legacy}), encoding="utf-8")
    moved = load_corpus(tmp_path)
    assert [d.id for d in moved.documents] == [legacy] and moved.problems == ()


def test_the_registry_and_the_correction_history_are_not_read_as_articles(tmp_path):
    (tmp_path / "a.txt").write_text("Text\n", encoding="utf-8")
    (tmp_path / "ids.json").write_text("{}", encoding="utf-8")
    (tmp_path / "corrections").mkdir()
    (tmp_path / "corrections" / "doc-x.v2.json").write_text("{}", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert [d.source for d in corpus.documents] == ["a.txt"] and corpus.problems == ()


@pytest.mark.parametrize("content, words", [
    ("{not json", "cannot read the id registry"),
    ('["a.txt"]', "must be one JSON object"),
    ('{"a.txt": 3}', 'gives "a.txt" no id'),
])
def test_a_broken_registry_stops_the_run_naming_the_file(tmp_path, content, words):
    (tmp_path / "a.txt").write_text("Text\n", encoding="utf-8")
    (tmp_path / "ids.json").write_text(content, encoding="utf-8")
    with pytest.raises(CorpusError) as raised:
        load_corpus(tmp_path)
    assert any("ids.json" in line and words in line for line in raised.value.problems)


def test_jsonl_ids_are_unchanged_and_a_line_without_id_is_identified_by_its_text(tmp_path):
    (tmp_path / "n.jsonl").write_text('{"id": "r-1", "text": "A"}\n{"text": "B"}\n', encoding="utf-8")
    first, second = load_corpus(tmp_path).documents
    assert (first.id, second.id) == ("r-1", document_id("n.jsonl", "B"))


def test_keep_text_ids_records_the_earlier_ids_once_and_keeps_recorded_ones(tmp_path):
    from annotate.corpus.migration import keep_text_ids

    (tmp_path / "a.txt").write_text("Alpha\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Beta\n", encoding="utf-8")
    (tmp_path / "n.jsonl").write_text('{"text": "Gamma"}\n', encoding="utf-8")
    (tmp_path / "ids.json").write_text(json.dumps({"b.txt": "doc-kept"}), encoding="utf-8")
    registry, added = keep_text_ids(tmp_path)
    assert (registry, added) == (tmp_path / "ids.json", 1)
    assert json.loads(registry.read_text("utf-8")) == {"a.txt": document_id("a.txt", "Alpha\n"), "b.txt": "doc-kept"}
    (tmp_path / "a.txt").write_text("Alpha, corrected\n", encoding="utf-8")
    assert keep_text_ids(tmp_path)[1] == 0
    ids = {doc.source: doc.id for doc in load_corpus(tmp_path).documents}
    assert ids["a.txt"] == document_id("a.txt", "Alpha\n") and ids["b.txt"] == "doc-kept"
