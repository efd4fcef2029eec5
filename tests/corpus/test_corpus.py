"""The corpus loader: exact texts, stable ids, and one clear line for every bad input."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from annotate.corpus.reader import Corpus, CorpusProblem, Document, document_id, load_corpus
from annotate.errors import CorpusError

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
GOOD = "Moscow said on Monday that deliveries of the S-400 system had begun.\n"


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def jsonl(*records: object) -> str:
    return "".join(json.dumps(record) + "\n" for record in records)


def problem_lines(corpus: Corpus) -> list[str]:
    return [str(problem) for problem in corpus.problems]


def load_with_good_file(folder: Path) -> Corpus:
    """Load a folder that also holds one good article, which must survive any bad neighbour."""
    write(folder, "good.txt", GOOD)
    corpus = load_corpus(folder)
    assert "good.txt" in [doc.source for doc in corpus.documents]
    return corpus


# --- the seed articles -------------------------------------------------------------------


def test_seed_articles_load_with_text_equal_to_the_file_bytes_decoded():
    corpus = load_corpus(SEEDS)
    files = sorted(SEEDS.glob("*.txt"))
    assert [doc.source for doc in corpus.documents] == [file.name for file in files]
    assert corpus.problems == ()
    for doc, file in zip(corpus.documents, files):
        data = file.read_bytes()
        assert doc.text == data.decode("utf-8")
        assert doc.sha256 == hashlib.sha256(data).hexdigest()
        assert doc.line is None and doc.meta == {}


def test_seed_titles_are_the_first_non_blank_line():
    for doc in load_corpus(SEEDS).documents:
        lines = (SEEDS / doc.source).read_text(encoding="utf-8").splitlines()
        assert doc.title == next(line.strip() for line in lines if line.strip())


def test_ids_depend_only_on_the_source_path_so_a_copy_elsewhere_gets_the_same_ids(tmp_path):
    copy = tmp_path / "elsewhere" / "seeds"
    shutil.copytree(SEEDS, copy)
    original, copied = load_corpus(SEEDS), load_corpus(copy)
    assert [doc.id for doc in copied.documents] == [doc.id for doc in original.documents]


def test_document_id_is_pinned_so_existing_annotations_keep_their_documents():
    # A change of this value orphans every annotation made so far: change it only on purpose.
    assert document_id("a.txt", "Hello") == "doc-" + hashlib.sha256(b"a.txt\0Hello").hexdigest()[:16]
    assert document_id("a.txt", "Hello") == "doc-c228363633dcc81d"


def test_document_id_changes_with_the_text_and_with_the_source_name():
    ids = {document_id("a.txt", "Hello"), document_id("a.txt", "Hello "),
           document_id("b.txt", "Hello"), document_id("a.txtH", "ello")}
    assert len(ids) == 4


def test_document_id_treats_composed_and_decomposed_file_names_alike():
    assert document_id("caf\u00e9.txt", "x") == document_id("cafe\u0301.txt", "x")


# --- text kept exactly ------------------------------------------------------------------


def test_crlf_quotes_emoji_and_html_are_kept_verbatim(tmp_path):
    raw = ("Deal “signed” 🚀\r\n\r\nOfficials said: ‘soon’ 👍🏽.\r\n"
           "<script>alert('x')</script><b>bold</b> &amp; done\r\n").encode("utf-8")
    write(tmp_path, "a.txt", raw)
    (doc,) = load_corpus(tmp_path).documents
    assert doc.text == raw.decode("utf-8")
    assert doc.title == "Deal “signed” 🚀"
    start = doc.text.index("<script>")
    assert doc.text[start:start + 8] == "<script>"
    assert doc.text.count("\r\n") == 4


def test_a_title_only_article_keeps_its_whole_text(tmp_path):
    write(tmp_path, "a.txt", "Only a title")
    (doc,) = load_corpus(tmp_path).documents
    assert (doc.title, doc.text) == ("Only a title", "Only a title")


def test_a_utf8_byte_order_mark_is_dropped_but_the_file_hash_covers_it(tmp_path):
    raw = b"\xef\xbb\xbfTitle\nBody\n"
    write(tmp_path, "a.txt", raw)
    (doc,) = load_corpus(tmp_path).documents
    assert doc.text == "Title\nBody\n"
    assert doc.sha256 == hashlib.sha256(raw).hexdigest()


def test_a_folder_is_read_recursively_in_sorted_order_skipping_hidden_entries(tmp_path):
    for name in ["b.txt", "a/z.txt", "a/b/c.txt", "A.txt", ".hidden.txt", ".git/x.txt"]:
        write(tmp_path, name, f"Article {name}\n")
    corpus = load_corpus(tmp_path)
    assert [doc.source for doc in corpus.documents] == ["A.txt", "a/b/c.txt", "a/z.txt", "b.txt"]
    assert corpus.problems == ()


def test_a_single_file_can_be_the_corpus(tmp_path):
    path = write(tmp_path, "one.jsonl", jsonl({"text": "First"}, {"text": "Second"}))
    corpus = load_corpus(path)
    assert [(doc.source, doc.line) for doc in corpus.documents] == [("one.jsonl", 1), ("one.jsonl", 2)]


# --- JSONL ------------------------------------------------------------------------------


def test_jsonl_fields_become_id_title_text_and_scalar_meta(tmp_path):
    path = write(tmp_path, "news.jsonl", jsonl(
        {"id": "reuters-1", "title": "  Deal  ", "text": "Body one", "url": "https://x", "year": 2015,
         "paywall": False, "author": None},
        {"id": 42, "text": "\n\nFirst line\r\nsecond"},
    ))
    first, second = load_corpus(tmp_path).documents
    assert (first.id, first.title, first.text, first.line) == ("reuters-1", "Deal", "Body one", 1)
    assert first.meta == {"url": "https://x", "year": 2015, "paywall": False, "author": None}
    assert (second.id, second.title, second.text) == ("42", "First line", "\n\nFirst line\r\nsecond")
    assert first.sha256 == second.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_jsonl_id_left_out_is_derived_from_file_and_text_and_survives_moving_lines(tmp_path):
    write(tmp_path, "news.jsonl", jsonl({"text": "Alpha"}, {"text": "Beta"}))
    before = {doc.text: doc.id for doc in load_corpus(tmp_path).documents}
    write(tmp_path, "news.jsonl", "\n" + jsonl({"text": "Gamma"}, {"text": "Beta"}, {"text": "Alpha"}))
    after = load_corpus(tmp_path).documents
    assert {doc.text: doc.id for doc in after if doc.text in before} == before
    assert before["Alpha"] == document_id("news.jsonl", "Alpha")
    assert [doc.line for doc in after] == [2, 3, 4]


def test_jsonl_blank_lines_crlf_line_ends_and_a_bom_are_accepted(tmp_path):
    write(tmp_path, "a.jsonl", b'\xef\xbb\xbf{"text": "One"}\r\n\r\n   \r\n{"text": "Two\\r\\n"}\r\n')
    corpus = load_corpus(tmp_path)
    assert [(doc.line, doc.text) for doc in corpus.documents] == [(1, "One"), (4, "Two\r\n")]
    assert corpus.problems == ()


def test_nested_jsonl_metadata_is_left_out_with_a_problem_and_the_document_kept(tmp_path):
    write(tmp_path, "a.jsonl", jsonl({"text": "Body", "tags": ["a"], "source": {"n": 1}, "lang": "en"}))
    corpus = load_corpus(tmp_path)
    (doc,) = corpus.documents
    assert doc.meta == {"lang": "en"}
    assert problem_lines(corpus) == [
        f'{tmp_path.as_posix()}/a.jsonl:1: field(s) "tags", "source" are not JSON scalars and were '
        "left out of meta (the document is kept); flatten them to strings or numbers"]
    assert [problem.kept for problem in corpus.problems] == [True]


# --- bad input: reported and skipped ----------------------------------------------------


@pytest.mark.parametrize(("name", "content", "line", "message"), [
    ("empty.txt", b"", None, "empty file; write the article in it or remove the file"),
    ("bom.txt", b"\xef\xbb\xbf", None, "empty file; write the article in it or remove the file"),
    ("blank.txt", b" \r\n\t\n", None, "only whitespace; write the article in it or remove the file"),
    ("blank.jsonl", b" \r\n\t\n", None,
     "only whitespace; write one JSON object per line or remove the file"),
    ("nbsp.txt", "\u00a0\u2003\n".encode(), None,
     "only whitespace; write the article in it or remove the file"),
    ("latin1.txt", "Caf\u00e9 news".encode("latin-1"), None,
     "not UTF-8 (byte 0xe9 at byte offset 3); save the file as UTF-8"),
    ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None,
     "binary file (NUL byte at byte offset 8); save the article as UTF-8 text"),
    ("utf16.txt", "Title".encode("utf-16"), None,
     "binary file (NUL byte at byte offset 3); save the article as UTF-8 text"),
    ("empty.jsonl", b"", None, "empty file; write the article in it or remove the file"),
    ("nbsp.jsonl", "\n\u00a0\n".encode(), 2,
     "not valid JSON at column 1 (Expecting value); fix or remove the line"),
    ("a.jsonl", b'{"text": "ok"}\n{"text": \n', 2,
     "not valid JSON at column 10 (Expecting value); fix or remove the line"),
    ("a.jsonl", b'{"text": "ok"}\n["text"]\n', 2,
     "line is not a JSON object (it is an array); fix or remove the line"),
    ("a.jsonl", b'"just text"\n', 1,
     "line is not a JSON object (it is a string); fix or remove the line"),
    ("a.jsonl", b'{"title": "No body"}\n', 1, 'no "text" field; fix or remove the line'),
    ("a.jsonl", b'{"text": null}\n', 1, '"text" is null, not a string; fix or remove the line'),
    ("a.jsonl", b'{"text": ["a"]}\n', 1, '"text" is an array, not a string; fix or remove the line'),
    ("a.jsonl", b'{"text": " \\n "}\n', 1,
     '"text" is empty or only whitespace; fix or remove the line'),
    ("a.jsonl", b'{"text": "a", "text": "b"}\n', 1,
     'not valid JSON (key "text" appears twice); fix or remove the line'),
    ("a.jsonl", b'{"text": "a", "score": NaN}\n', 1,
     "not valid JSON (NaN is not a JSON number); fix or remove the line"),
    ("a.jsonl", b"[" * 100_000 + b"\n", 1, "not valid JSON (nested too deeply); fix or remove the line"),
    ("a.jsonl", b'{"text": "x"}\n{"text": "caf\xe9"}\n', 2,
     "not UTF-8 (byte 0xe9 at byte offset 27); save the file as UTF-8"),
    ("a.jsonl", b'{"text": "bad \\ud83d pair"}\n', 1,
     '"text" contains a lone surrogate (\\ud83d) at position 4; fix or remove the line'),
    ("a.jsonl", b'{"text": "a\\u0000b"}\n', 1,
     '"text" contains a NUL character (\\u0000) at position 1; fix or remove the line'),
    ("a.jsonl", b'{"text": "a", "note": "x\\u0000"}\n', 1,
     '"note" contains a NUL character (\\u0000) at position 1; fix or remove the line'),
    ("a.jsonl", b'{"text": "a", "n\\ud800\\n": 1}\n', 1,
     'field name "n\\ud800\\n" contains a lone surrogate (\\ud800) at position 1; fix or remove the line'),
    ("a.jsonl", b'{"text": "a", "title": 3}\n', 1,
     '"title" is a number, not a string; fix or remove the line'),
    ("a.jsonl", b'{"text": "a", "id": true}\n', 1,
     '"id" is true/false; use a string or an integer; fix or remove the line'),
    ("a.jsonl", b'{"text": "a", "id": " x\\n"}\n', 1,
     "\"id\" ' x\\n' must be non-empty, on one line, without surrounding spaces; fix or remove the line"),
    ("a.jsonl", b"\x00\x01\x02", None,
     "binary file (NUL byte at byte offset 0); save the article as UTF-8 text"),
    ("notes.md", b"# notes", None, "ignored: not a .txt or .jsonl file"),
    ("data.json", b'{"text": "x"}', None, "ignored: not a .txt or .jsonl file"),
])
def test_each_bad_input_is_one_line_naming_file_and_line_and_the_rest_still_loads(
        tmp_path, name, content, line, message):
    write(tmp_path, name, content)
    corpus = load_with_good_file(tmp_path)
    where = f"{tmp_path.as_posix()}/{name}" + ("" if line is None else f":{line}")
    assert problem_lines(corpus) == [f"{where}: {message}"]
    assert [(p.line, p.fatal) for p in corpus.problems] == [(line, False)]


def test_an_unreadable_file_is_reported_and_skipped(tmp_path):
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing-target.txt")
    corpus = load_with_good_file(tmp_path)
    assert problem_lines(corpus) == [
        f"{tmp_path.as_posix()}/gone.txt: cannot read the file (No such file or directory); check "
        "that it exists and is readable"]


def test_a_link_to_a_folder_is_reported_and_not_followed(tmp_path):
    write(tmp_path, "outside/a.txt", "Elsewhere")
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "loop").symlink_to(tmp_path / "corpus")
    (tmp_path / "corpus" / "more.txt").symlink_to(tmp_path / "outside")
    corpus = load_with_good_file(tmp_path / "corpus")
    root = (tmp_path / "corpus").as_posix()
    assert problem_lines(corpus) == [
        f"{root}/{name}: ignored: links to folders are not followed; copy the articles into the corpus"
        for name in ("loop", "more.txt")]


def test_good_jsonl_lines_around_a_bad_one_all_load(tmp_path):
    write(tmp_path, "a.jsonl", jsonl({"text": "One"}) + "not json\n" + jsonl({"text": "Three"}))
    corpus = load_corpus(tmp_path)
    assert [doc.line for doc in corpus.documents] == [1, 3]
    assert [problem.line for problem in corpus.problems] == [2]


def test_duplicate_content_keeps_the_first_and_names_it(tmp_path):
    write(tmp_path, "a.txt", GOOD)
    write(tmp_path, "b.jsonl", jsonl({"id": "x1", "text": "Other"}, {"id": "x2", "text": GOOD}))
    write(tmp_path, "c/copy.txt", GOOD)
    corpus = load_corpus(tmp_path)
    first = corpus.documents[0]
    assert [doc.id for doc in corpus.documents] == [first.id, "x1"]
    root = tmp_path.as_posix()
    assert problem_lines(corpus) == [
        f"{root}/b.jsonl:2: same text as {first.id} ({root}/a.txt); remove one of the copies",
        f"{root}/c/copy.txt: same text as {first.id} ({root}/a.txt); remove one of the copies",
    ]


def test_duplicate_id_with_the_same_text_is_a_skipped_duplicate(tmp_path):
    write(tmp_path, "a.jsonl", jsonl({"id": 7, "text": "Same"}, {"id": "7", "text": "Same"}))
    corpus = load_corpus(tmp_path)
    assert [doc.id for doc in corpus.documents] == ["7"]
    assert not corpus.problems[0].fatal


# --- fatal problems and strict mode -------------------------------------------------------


def test_the_same_id_for_two_different_texts_stops_the_run_listing_every_problem(tmp_path):
    write(tmp_path, "a.jsonl", jsonl({"id": 7, "text": "One"}, {"id": "7", "text": "Two"}))
    write(tmp_path, "b.txt", b"")
    with pytest.raises(CorpusError) as caught:
        load_corpus(tmp_path)
    root = tmp_path.as_posix()
    fatal = (f"{root}/a.jsonl:2: id '7' is also the id of {root}/a.jsonl:1, whose text differs; "
             "give each document its own id")
    assert caught.value.problems == [
        fatal, f"{root}/b.txt: empty file; write the article in it or remove the file"]
    assert str(caught.value) == f"cannot load corpus {root}: 1 fatal problem(s) of 2; first: {fatal}"


def test_a_missing_corpus_stops_the_run(tmp_path):
    with pytest.raises(CorpusError, match=r"corpus .*nowhere not found; pass a folder"):
        load_corpus(tmp_path / "nowhere")


def test_a_corpus_file_of_another_type_stops_the_run(tmp_path):
    with pytest.raises(CorpusError, match=r"is not a \.txt or \.jsonl file"):
        load_corpus(write(tmp_path, "articles.csv", "id,text\n"))


def test_a_corpus_without_any_document_stops_the_run(tmp_path):
    write(tmp_path, "empty.txt", b"")
    with pytest.raises(CorpusError) as caught:
        load_corpus(tmp_path)
    root = tmp_path.as_posix()
    assert caught.value.problems == [
        f"{root}/empty.txt: empty file; write the article in it or remove the file",
        f"{root}: no documents loaded; add .txt or .jsonl articles or fix the problems above"]


def test_an_empty_folder_stops_the_run(tmp_path):
    with pytest.raises(CorpusError, match="no documents loaded"):
        load_corpus(tmp_path)


def test_strict_mode_makes_every_problem_fatal(tmp_path):
    write(tmp_path, "good.txt", GOOD)
    write(tmp_path, "notes.md", "x")
    assert len(load_corpus(tmp_path).problems) == 1
    with pytest.raises(CorpusError) as caught:
        load_corpus(tmp_path, strict=True)
    line = f"{tmp_path.as_posix()}/notes.md: ignored: not a .txt or .jsonl file"
    assert caught.value.problems == [line]
    assert str(caught.value) == (f"corpus {tmp_path.as_posix()} has 1 problem(s) and strict mode "
                                 f"allows none; first: {line}")


def test_strict_mode_accepts_a_clean_corpus():
    assert len(load_corpus(SEEDS, strict=True).documents) == 2


def test_problem_lines_escape_control_characters_in_file_names(tmp_path):
    write(tmp_path, "bad\nname.md", "x")
    corpus = load_with_good_file(tmp_path)
    assert problem_lines(corpus) == [f"{tmp_path.as_posix()}/bad\\nname.md: ignored: not a .txt or .jsonl file"]


def test_corpus_problem_reads_as_one_line():
    assert str(CorpusProblem("seeds/x.jsonl", 4, "line is not a JSON object", False)) == \
        "seeds/x.jsonl:4: line is not a JSON object"
    assert str(CorpusProblem("seeds/x.txt", None, "empty file", False)) == "seeds/x.txt: empty file"


# --- scale ---------------------------------------------------------------------------------


def test_a_ten_thousand_document_folder_loads_every_document_in_order(tmp_path):
    for batch in range(10):
        (tmp_path / f"batch{batch:02d}").mkdir()
    for number in range(10_000):  # plain os calls: the test is about loading, not writing
        fd = os.open(tmp_path / f"batch{number // 1000:02d}/{number:05d}.txt", os.O_WRONLY | os.O_CREAT, 0o644)
        os.write(fd, f"Article {number}\r\nBody {number} ✓\n".encode())
        os.close(fd)
    corpus = load_corpus(tmp_path, strict=True)
    assert len(corpus.documents) == len({doc.id for doc in corpus.documents}) == 10_000
    assert corpus.documents[1234].source == "batch01/01234.txt"
    assert corpus.documents[1234].text == "Article 1234\r\nBody 1234 ✓\n"


def test_a_ten_thousand_line_jsonl_file_loads(tmp_path):
    write(tmp_path, "big.jsonl", jsonl(*({"id": n, "text": f"Text {n}"} for n in range(10_000))))
    corpus = load_corpus(tmp_path, strict=True)
    assert [doc.line for doc in corpus.documents[-2:]] == [9_999, 10_000]


def test_a_five_megabyte_article_is_kept_whole(tmp_path):
    paragraph = "Officials said “the S-300 deal” 🚀 was <b>near</b>.\r\n"
    raw = ("Huge article\r\n" + paragraph * (5_000_000 // len(paragraph.encode()) + 1)).encode()
    assert len(raw) > 5_000_000
    write(tmp_path, "huge.txt", raw)
    (doc,) = load_corpus(tmp_path).documents
    assert doc.text == raw.decode("utf-8")
    assert doc.title == "Huge article"


def test_a_five_megabyte_blank_first_line_does_not_slow_the_title_down(tmp_path):
    write(tmp_path, "a.txt", " " * 5_000_000 + "\nTitle\n")
    (doc,) = load_corpus(tmp_path).documents
    assert doc.title == "Title"


def test_documents_are_frozen():
    doc = Document("id", "t", "text", "a.txt", "0" * 64)
    with pytest.raises(AttributeError):
        doc.text = "changed"  # type: ignore[misc]
