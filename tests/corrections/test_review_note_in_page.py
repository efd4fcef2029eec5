"""A region whose words a correction changed is marked for review where the annotator sees it:
in headless chromium, selecting the region shows the note in its details panel; a region that
was only moved carries none."""

from __future__ import annotations

import browser_helpers
import pytest
from browser_helpers import (
    TEXT_ROOT,
    Account,
    highlighted_regions,
    log_in,
    new_context,
    screenshot,
    select_region,
)
from test_push_corrections import V2, make_project, push_again

from annotate.corrections.carry import REVIEW_MARK
from annotate.studio.connection import connect

pytestmark = pytest.mark.browser
NOTE = ".lsf-detailed-region__meta-text"


@browser_helpers.needs_browser
def test_a_region_to_review_shows_its_note_in_the_page_and_a_moved_one_does_not(browser, label_studio, schema,
                                                                                   tmp_path):
    client = connect(label_studio.connection)
    project = make_project(client, schema, tmp_path, annotators=1)
    (project["corpus"] / "a.txt").write_bytes(V2.encode("utf-8"))
    push_again(client, schema, project, update_texts=True)

    context = new_context(browser)
    try:
        page = context.new_page()
        log_in(page, label_studio.url, Account(label_studio.username, label_studio.password))
        page.goto(f"{label_studio.url}/projects/{project['project_id']}/data?task={project['task_id']}")
        page.wait_for_selector(TEXT_ROOT)
        page.wait_for_function(f"() => document.querySelectorAll('{browser_helpers.HIGHLIGHT}').length > 0")
        regions = highlighted_regions(page)
        assert regions["a0-rouhani"] == "Rouhani" and "a0-sanai" not in regions

        select_region(page, "a0-rouhani")
        note = page.locator(NOTE)
        note.wait_for(state="visible")
        assert note.inner_text().startswith(f"{REVIEW_MARK} (text version 2): was \u201cRouhni\u201d, now \u201cRouhani\u201d")
        screenshot(page, "correction-review-note")

        select_region(page, "a0-putin")
        page.wait_for_function(f"() => document.querySelectorAll('{NOTE}').length === 0")
    finally:
        context.close()
