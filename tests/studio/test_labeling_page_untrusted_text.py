"""An article holding HTML and script is shown to the annotator as text, never run, and its
offsets stay exact.

The article is pushed as it is (title line included, which the labeling page shows in a header),
opened in the labeling page in headless Chromium as the admin, then a person's work is done on
it: a hotkey and a mouse drag over words that come after the markup, Submit. The page must not
run any of the markup (no flag set on ``window``, no dialog, no element made from it) and must
show it literally; the pulled annotation's offsets must slice the text exactly.

Needs Debian's chromium (skipped without it, failed with ``CI=true``; see
``browser_helpers.require_chromium``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import browser_helpers
import pytest
from browser_helpers import (
    TEXT_ROOT,
    Account,
    choose,
    close_instructions,
    label_words,
    log_in,
    new_context,
    open_labeling_stream,
    screenshot,
    submit,
)

from annotate.corpus.reader import load_corpus
from annotate.scheme.schema import load_schema
from annotate.studio.connection import connect
from annotate.studio.pull import pull
from annotate.studio.push import push

pytestmark = pytest.mark.browser

needs_browser = browser_helpers.needs_browser

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schemas" / "arms_news.yaml"

# Each payload would set window.__annotate_pwned and open a dialog if the page ran it.
SCRIPT = "<script>window.__annotate_pwned = 1; alert(1)</script>"
IMAGE = '<img src=x onerror="window.__annotate_pwned=2; alert(2)">'
SVG = '<svg onload="window.__annotate_pwned=3; alert(3)"></svg>'
BOLD = "<b>bold</b>"
MARKUP = (SCRIPT, IMAGE, SVG, BOLD)
ARTICLE = (
    f"Forum post {BOLD} quoted {SCRIPT}\n"
    "\n"
    f"A reader pasted {SCRIPT} and {IMAGE} into the comments, then {SVG} and some {BOLD} words.\n"
    "Later, Sergei Chemezov said Rostec would deliver the S-400 systems to Ankara on time.\n"
)
PERSON = "Sergei Chemezov"
DOCUMENT_STANCE = "Whole article - its stance"  # the header above the document-level choices

# Elements that would exist in the text only if the page had parsed the article as HTML.
_JS_PARSED_MARKUP = """
(selector) => [...document.querySelectorAll(
  `${selector} script, ${selector} img, ${selector} svg, ${selector} b, img[src="x"], svg[onload]`)].length
"""


@pytest.fixture
def admin_page(browser, label_studio, request) -> Iterator[tuple[Any, list[str]]]:
    """A tab logged in as the admin, and the messages of every dialog it opened (each dismissed)."""
    context = new_context(browser)
    page = context.new_page()
    dialogs: list[str] = []

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    failed_before = request.session.testsfailed
    log_in(page, label_studio.url, Account(label_studio.username, label_studio.password))
    yield page, dialogs
    if request.session.testsfailed > failed_before:
        screenshot(page, f"failed-{request.node.name}")
    context.close()


def pwned(page: Any) -> Any:
    return page.evaluate("() => window.__annotate_pwned === undefined ? null : window.__annotate_pwned")


@needs_browser
def test_markup_in_an_article_is_shown_as_text_never_run_and_offsets_stay_exact(label_studio, admin_page, tmp_path):
    page, dialogs = admin_page
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "markup.txt").write_bytes(ARTICLE.encode("utf-8"))
    [document] = load_corpus(corpus).documents
    assert document.text == ARTICLE
    client = connect(label_studio.connection)
    title = f"Browser: markup {uuid.uuid4().hex[:6]}"
    pushed = push(client=client, schema=load_schema(SCHEMA_FILE), documents=[document], project_title=title,
                  preannotate=False, data_dir=tmp_path / "data")

    task = open_labeling_stream(page, label_studio.url, pushed.project_id)
    close_instructions(page)
    assert task.data["text"] == ARTICLE

    # Shown literally: the text and the title header hold the markup as characters, no element
    # was made from it, and nothing ran.
    shown = page.locator(TEXT_ROOT).inner_text()
    for markup in MARKUP:
        assert markup in shown
    header = page.get_by_role("heading", name=f"Forum post {BOLD} quoted {SCRIPT}", exact=True)  # the title
    assert header.count() == 1 and header.is_visible()
    assert page.evaluate(_JS_PARSED_MARKUP, TEXT_ROOT) == 0
    assert pwned(page) is None and dialogs == []
    screenshot(page, "untrusted-markup")

    # A span after the markup, made by hotkey and drag, keeps code-point offsets into the text.
    start = ARTICLE.index(PERSON)
    assert all(ARTICLE.index(markup) < start for markup in MARKUP)
    region = label_words(page, "PERSON", ARTICLE, start, start + len(PERSON))
    choose(page, DOCUMENT_STANCE, "NONE")
    annotation = submit(page)
    [made] = [r for r in annotation["result"] if r["id"] == region]
    assert (made["value"]["start"], made["value"]["end"]) == (start, start + len(PERSON))

    out = tmp_path / "pulled.json"
    pull(client=client, project_id=pushed.project_id, out=out)
    [pulled_task] = json.loads(out.read_text(encoding="utf-8"))
    assert pulled_task["data"]["text"] == ARTICLE
    [pulled] = pulled_task["annotations"]
    spans = [r["value"] for r in pulled["result"] if r["type"] == "labels"]
    assert [(ARTICLE[v["start"]:v["end"]], v["labels"]) for v in spans] == [(PERSON, ["PERSON"])]

    # Seconds of page life later (a failed image load fires late), still nothing ran.
    assert pwned(page) is None and dialogs == []
