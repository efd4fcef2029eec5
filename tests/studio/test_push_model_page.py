"""In the labeling page (headless Chromium, real Label Studio): the model's proposals are shown, and
an annotator who submits them as they are keeps each region's source in the stored annotation."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from browser_helpers import (
    Account,
    close_instructions,
    highlighted_regions,
    log_in,
    new_context,
    open_labeling_stream,
    submit,
)
from export_data import write_export
from synthetic_news import corpus

from annotate.corpus.reader import Document
from annotate.learning.train import train
from annotate.studio.push import push

pytestmark = pytest.mark.browser

TEXT = "Report 3\nVarkon Telisa, a spokesman for Oslan Group, visited Peru on Friday."


def test_proposals_submitted_as_they_are_keep_their_source(browser, label_studio, ls_client, schema, tmp_path):
    model = train(write_export(tmp_path / "raw.json", corpus(60)), schema, out_root=tmp_path / "models").path
    document = Document(id="page-1", title="Report 3", text=TEXT, source="p.txt",
                        sha256=hashlib.sha256(TEXT.encode()).hexdigest())
    pushed = push(client=ls_client, schema=schema, documents=[document], data_dir=tmp_path, model=model,
                  project_title=f"page-{uuid.uuid4().hex[:8]}")
    context = new_context(browser)
    try:
        page = context.new_page()
        log_in(page, label_studio.url, Account(label_studio.username, label_studio.password))
        open_labeling_stream(page, label_studio.url, pushed.project_id)
        close_instructions(page)  # the guidelines open first
        shown = set(highlighted_regions(page).values())
        assert {"Varkon Telisa", "Oslan Group", "Peru", "Friday"} <= shown  # the model's names are shown
        stored = submit(page)
    finally:
        context.close()
    spans = {item["value"]["text"]: item for item in stored["result"] if item.get("type") == "labels"}
    assert set(spans) >= {"Varkon Telisa", "Oslan Group", "Peru", "Friday"}
    for item in spans.values():
        assert TEXT[item["value"]["start"]:item["value"]["end"]] == item["value"]["text"]
    sources = {text: (item.get("meta") or {}).get("source") for text, item in spans.items()}
    assert sources["Varkon Telisa"] == "model", sources
