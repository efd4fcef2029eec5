"""``annotate corpus``: the table, the problems, the JSON report and the exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotate.cli import main
from annotate.cli.corpus import _width
from annotate.corpus.reader import load_corpus

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def test_corpus_lists_each_seed_document_with_id_title_length_and_source(capsys):
    assert main(["corpus", "--corpus", str(SEEDS)]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "TITLE", "CHARS", "SOURCE"]
    documents = load_corpus(SEEDS).documents
    for doc, line in zip(documents, lines[1:]):
        assert line.startswith(doc.id) and line.endswith(doc.source)
        assert doc.title in line and f"{len(doc.text):,}" in line
    assert lines[-1] == (f"{len(documents)} documents, "
                         f"{sum(len(doc.text) for doc in documents):,} characters; no problems")
    assert err == ""


def test_corpus_defaults_to_the_seeds_folder(capsys, monkeypatch):
    monkeypatch.chdir(SEEDS.parent)
    assert main(["corpus"]) == 0
    assert "000_807a5a53ea6e07d4.txt" in capsys.readouterr().out


def test_corpus_prints_problems_on_stderr_and_exits_zero_when_they_are_skipped(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("Title\nBody\n", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"")
    assert main(["corpus", "--corpus", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert err == f"{tmp_path.as_posix()}/b.txt: empty file; write the article in it or remove the file\n"
    assert out.splitlines()[-1] == ("1 document, 11 characters; 1 problem reported and skipped "
                                    "(listed on stderr; --strict makes them fatal)")


def test_corpus_summary_tells_warnings_about_kept_documents_from_skipped_problems(tmp_path, capsys):
    (tmp_path / "a.jsonl").write_text('{"text": "Body one", "tags": ["x"]}\n{"text": \n', encoding="utf-8")
    assert main(["corpus", "--corpus", str(tmp_path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "1 document, 8 characters; 1 problem reported and skipped, 1 warning about documents kept "
        "(listed on stderr; --strict makes them fatal)")


def test_corpus_strict_exits_one_with_every_problem_and_an_error_line(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("Title\n", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"\xff\xfe")
    assert main(["corpus", "--corpus", str(tmp_path), "--strict"]) == 1
    out, err = capsys.readouterr()
    problem = f"{tmp_path.as_posix()}/b.txt: not UTF-8 (byte 0xff at byte offset 0); save the file as UTF-8"
    assert out == ""
    assert err.splitlines() == [
        problem,
        f"error: corpus {tmp_path.as_posix()} has 1 problem(s) and strict mode allows none; first: {problem}",
    ]


def test_corpus_exits_one_on_a_missing_folder(tmp_path, capsys):
    assert main(["corpus", "--corpus", str(tmp_path / "nowhere")]) == 1
    assert capsys.readouterr().err.splitlines()[-1].startswith("error: corpus ")


def test_corpus_json_reports_documents_and_problems(tmp_path, capsys):
    (tmp_path / "a.jsonl").write_text('{"id": "n1", "text": "Body", "year": 2015}\n[]\n', encoding="utf-8")
    assert main(["corpus", "--corpus", str(tmp_path), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["ok"] is True and report["error"] is None
    (document,) = report["documents"]
    assert {key: document[key] for key in ("id", "title", "chars", "source", "line", "meta")} == {
        "id": "n1", "title": "Body", "chars": 4, "source": "a.jsonl", "line": 1, "meta": {"year": 2015}}
    assert report["problems"] == [
        f"{tmp_path.as_posix()}/a.jsonl:2: line is not a JSON object (it is an array); fix or remove the line"]
    assert err == ""


def test_corpus_json_reports_a_fatal_problem_and_exits_one(tmp_path, capsys):
    (tmp_path / "a.jsonl").write_text('{"id": 1, "text": "A"}\n{"id": 1, "text": "B"}\n', encoding="utf-8")
    assert main(["corpus", "--corpus", str(tmp_path), "--format", "json"]) == 1
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["ok"] is False and report["documents"] == []
    assert report["error"].startswith(f"cannot load corpus {tmp_path.as_posix()}: 1 fatal problem(s)")
    assert err.startswith("error: cannot load corpus")


def test_corpus_table_never_prints_control_characters_from_a_title(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("Evil \x1b[31mred\x1b[0m title " + "x" * 100 + "\nBody", encoding="utf-8")
    assert main(["corpus", "--corpus", str(tmp_path)]) == 0
    row = capsys.readouterr().out.splitlines()[1]
    assert "\x1b" not in row and "\ufffd[31mred" in row and "…" in row


def test_corpus_table_columns_line_up_with_emoji_accents_and_wide_characters(tmp_path, capsys):
    titles = ["Putin \U0001F44D\U0001F3FD talks", "Gene\u0301ve accord", "\u6771\u4eac talks", "Plain title"]
    for number, title in enumerate(titles):
        (tmp_path / f"{number}.txt").write_text(f"{title}\nbody\n", encoding="utf-8")
    assert main(["corpus", "--corpus", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()[:5]
    # The CHARS column ends at the same terminal column on the header and every row.
    assert len({_width(line.rsplit("  ", 1)[0]) for line in lines}) == 1, lines


def test_corpus_help_names_every_option(capsys):
    with pytest.raises(SystemExit):
        main(["corpus", "--help"])
    help_text = capsys.readouterr().out
    for option in ("--corpus", "--strict", "--format"):
        assert option in help_text
