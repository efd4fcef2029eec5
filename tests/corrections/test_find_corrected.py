"""Which tasks hold a corrected article: a known id (a .txt path, a JSONL id) with another text.
A JSONL line without id is known by its text, so its correction is a new document instead."""

from __future__ import annotations

import json

from annotate.corpus.identity import text_checksum
from annotate.corpus.reader import load_corpus
from annotate.studio.api import TaskSummary
from annotate.studio.corrections import find_corrected


def test_a_known_id_with_another_text_is_corrected_and_a_jsonl_line_without_id_is_a_new_document(tmp_path):
    lines = [{"id": "r-1", "text": "Putin met Rouhni."}, {"text": "No id here."}]
    (tmp_path / "news.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    (tmp_path / "a.txt").write_text("Moscow agreed.\n", encoding="utf-8")
    before = load_corpus(tmp_path).documents
    tasks = [TaskSummary(id=number, document_id=doc.id, annotations=1, text_sha256=text_checksum(doc.text))
             for number, doc in enumerate(before, start=1)]
    assert find_corrected(tasks, {doc.id: doc for doc in before}) == []

    lines = [{"id": "r-1", "text": "Putin met Rouhani."}, {"text": "No id here, corrected."}]
    (tmp_path / "news.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    (tmp_path / "a.txt").write_text("Moscow agreed on Monday.\n", encoding="utf-8")
    after = {doc.id: doc for doc in load_corpus(tmp_path).documents}
    found = find_corrected(tasks, after)
    assert sorted((item.task.id, item.document.source) for item in found) == [(1, "a.txt"), (2, "news.jsonl")]
    assert {item.document.id for item in found} == {"r-1", before[0].id}
    assert before[2].id not in after  # the id-less line's correction is another document
