"""Drive Label Studio's labeling page in headless Chromium, the way an annotator does.

Every action goes through the page as a person's would: typing in the log-in form, pressing a
label's hotkey, dragging the mouse across the words (their screen boxes come from a DOM Range
over the rendered text), clicking a highlighted region, pressing the "Create Relation" button,
clicking a choice, pressing Submit. Nothing is posted to the API behind the page's back; the
API is only read, to know what the page should show.

Waits are for selectors, responses or DOM states, never fixed sleeps.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
)
INSTALL_HINT = ("install Debian's chromium with `apt-get install chromium fonts-noto-color-emoji` "
                "(or run `scripts/setup.sh --browser`)")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "browser"
VIEWPORT = {"width": 1400, "height": 1000}
TIMEOUT_MS = 60_000  # generous for a loaded 2-core CI machine; waits end as soon as the page is ready

TEXT_ROOT = ".lsf-htx-richtext"
HIGHLIGHT = ".htx-highlight"
RELATION_ARROW = ".relations-overlay g[class*=relationItem]"
SUBMIT_BUTTON = "Submit current annotation"


def missing_browser() -> str | None:
    """Why the browser tests cannot run here (with how to fix it), or None when they can."""
    problems = []
    if not CHROMIUM.is_file():
        problems.append(f"{CHROMIUM} not found; {INSTALL_HINT}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append('Python playwright is missing; pip install -e ".[test]"')
    return "browser tests need a browser: " + "; ".join(problems) if problems else None


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def require_chromium() -> Path:
    """Debian's chromium, or a skip saying how to install it.

    With ``CI=true`` a missing browser fails the test instead: in CI these tests must run.
    """
    problem = missing_browser()
    if problem is not None:
        if in_ci():
            pytest.fail(problem + " (CI=true: the browser tests must run, not skip)", pytrace=False)
        pytest.skip(problem)
    return CHROMIUM


def launch(playwright: Any) -> Any:
    """Headless Debian chromium (Playwright never downloads a browser here)."""
    return playwright.chromium.launch(executable_path=str(require_chromium()), headless=True,
                                      args=list(CHROMIUM_ARGS))


@dataclass(frozen=True)
class Account:
    """A Label Studio user who annotates."""

    email: str
    password: str

    def __repr__(self) -> str:
        return f"Account(email={self.email!r}, password=***)"


@dataclass(frozen=True)
class OpenTask:
    """The task the labeling stream opened: its id and data, as the page received them."""

    id: int
    data: dict[str, Any]


# --- accounts ---------------------------------------------------------------------------------------


def new_context(browser: Any) -> Any:
    """A fresh browser profile (cookies, cache) with the viewport and time limits used here."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def sign_up(browser: Any, base_url: str, invite_url: str, account: Account) -> None:
    """Create ``account`` through the organisation's invite link, as an invited annotator does."""
    context = new_context(browser)
    try:
        page = context.new_page()
        page.goto(_absolute(base_url, invite_url))
        page.fill("input[name=email]", account.email)
        page.fill("input[name=password]", account.password)
        with page.expect_navigation():
            page.get_by_role("button", name="Create Account").click()
        if "/user/signup" in page.url:
            errors = page.locator(".field_errors, .error, .lsf-error").all_inner_texts()
            raise AssertionError(f"sign-up of {account.email} was refused: {' '.join(errors) or page.url}")
    finally:
        context.close()


def log_in(page: Any, base_url: str, account: Account) -> None:
    """Log in through the log-in form (fields ``email`` and ``password``)."""
    page.goto(f"{base_url}/user/login/")
    page.fill("input[name=email]", account.email)
    page.fill("input[name=password]", account.password)
    with page.expect_navigation():
        page.get_by_role("button", name="Log In").click()
    if "/user/login" in page.url:
        raise AssertionError(f"log-in of {account.email} was refused")


# --- the labeling stream ----------------------------------------------------------------------------


def open_labeling_stream(page: Any, base_url: str, project_id: int) -> OpenTask:
    """Open ``/projects/<id>/data?labeling=1`` and return the task it serves, once its text shows."""
    with page.expect_response(lambda r: "/api/dm/actions" in r.url and "next_task" in r.url,
                              timeout=TIMEOUT_MS) as answer:
        page.goto(f"{base_url}/projects/{project_id}/data?labeling=1")
    response = answer.value
    if not response.ok:
        raise AssertionError(f"the labeling stream of project {project_id} answered HTTP {response.status}")
    task = response.json()
    if not task.get("id"):
        raise AssertionError(f"the labeling stream of project {project_id} served no task: {task}")
    page.wait_for_selector(TEXT_ROOT, timeout=TIMEOUT_MS)
    return OpenTask(id=int(task["id"]), data=dict(task.get("data") or {}))


def instructions_text(page: Any) -> str:
    """The visible text of the instructions dialog (waits for it to open)."""
    dialog = _instructions_dialog(page)
    dialog.wait_for(state="visible", timeout=TIMEOUT_MS)
    return dialog.inner_text()


def close_instructions(page: Any) -> None:
    """Wait for the instructions dialog (projects made by push open with it), close it, wait until
    it is gone."""
    dialog = _instructions_dialog(page)
    dialog.wait_for(state="visible", timeout=TIMEOUT_MS)
    dialog.get_by_role("button", name="Close modal").click()
    dialog.wait_for(state="hidden", timeout=TIMEOUT_MS)


def open_instructions(page: Any) -> str:
    """Press the "Instructions" button at the top of the page; the dialog's text."""
    page.get_by_role("button", name="Instructions", exact=True).click()
    return instructions_text(page)


def _instructions_dialog(page: Any) -> Any:
    # Titled "Labeling Instructions" when the stream opens, "Instructions" from the button.
    title = page.locator(".lsf-modal-ls__title", has_text="Instructions")
    return page.locator(".lsf-modal-ls__content").filter(has=title)


# --- regions ------------------------------------------------------------------------------------------


def highlighted_regions(page: Any) -> dict[str, str]:
    """Every highlighted region in the text: region id -> the text it covers in the page."""
    return page.evaluate(_JS_REGIONS, HIGHLIGHT)


def label_words(page: Any, label: str, text: str, start: int, end: int) -> str:
    """Press ``label``'s hotkey, then drag the mouse over ``text[start:end]``; the new region's id.

    ``text`` is the document text and ``start``/``end`` code-point offsets into it: the words are
    found in the page as the same occurrence of the same characters.
    """
    phrase = text[start:end]
    if not phrase.strip() or "\n" in phrase or "\r" in phrase:
        raise ValueError(f"pick words within one line, got {phrase!r}")
    deselect(page)
    chip = page.locator(".lsf-label").filter(has=page.locator(".lsf-label__text", has_text=re.compile(
        rf"^{re.escape(label)}$")))
    hotkey = chip.locator(".lsf-label__hotkey").inner_text().strip()
    page.keyboard.press(hotkey)
    page.wait_for_function("el => el.classList.contains('lsf-label_selected')", arg=chip.element_handle(),
                           timeout=TIMEOUT_MS)
    before = set(highlighted_regions(page))
    box = page.evaluate(_JS_PHRASE_BOX, [TEXT_ROOT, phrase, _occurrence(text, start, phrase)])
    if box is None:
        raise AssertionError(f"{phrase!r} is not in the page's text")
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move((box["x1"] + box["x2"]) / 2, (box["y1"] + box["y2"]) / 2, steps=4)
    page.mouse.move(box["x2"], box["y2"], steps=4)
    page.mouse.up()
    page.wait_for_function(
        f"([selector, before]) => Object.keys(({_JS_REGIONS})(selector)).some(id => !before.includes(id))",
        arg=[HIGHLIGHT, sorted(before)], timeout=TIMEOUT_MS)
    created = set(highlighted_regions(page)) - before
    if len(created) != 1:
        raise AssertionError(f"dragging over {phrase!r} made {len(created)} regions, expected one")
    return created.pop()


def select_region(page: Any, region_id: str) -> None:
    """Click the region's highlighted text; wait until the page draws it as selected."""
    if selected_regions(page) == [region_id]:
        return  # a second click would deselect it
    _click_region(page, region_id)
    wait_until_selected(page, region_id)


def wait_until_selected(page: Any, region_id: str) -> None:
    """Wait until the page draws the region as selected (by a click, or by the page itself)."""
    page.wait_for_function(f"id => ({_JS_SELECTED})().includes(id)", arg=region_id, timeout=TIMEOUT_MS)


def selected_regions(page: Any) -> list[str]:
    """Ids of the selected regions (their highlights carry Label Studio's ``__active`` class)."""
    return page.evaluate(_JS_SELECTED)


def deselect(page: Any) -> None:
    """Leave no region selected (Escape), so that a hotkey picks a label instead of relabelling."""
    if selected_regions(page):
        page.keyboard.press("Escape")
        page.wait_for_function(f"() => ({_JS_SELECTED})().length === 0", timeout=TIMEOUT_MS)


def delete_region(page: Any, region_id: str) -> None:
    """Select the region and press Backspace, as an annotator rejects a suggestion."""
    select_region(page, region_id)
    page.keyboard.press("Backspace")
    page.wait_for_function(f"([selector, id]) => !(id in ({_JS_REGIONS})(selector))",
                           arg=[HIGHLIGHT, region_id], timeout=TIMEOUT_MS)


def create_relation(page: Any, from_id: str, to_id: str) -> None:
    """Select ``from_id``, press "Create Relation", click ``to_id``; wait for the arrow."""
    arrows = page.locator(RELATION_ARROW).count()
    select_region(page, from_id)
    page.get_by_role("button", name="Create Relation").click()
    _click_region(page, to_id)
    page.wait_for_function("([selector, n]) => document.querySelectorAll(selector).length > n",
                           arg=[RELATION_ARROW, arrows], timeout=TIMEOUT_MS)


def choose(page: Any, header: str, value: str) -> None:
    """Click ``value`` in the choices under the header containing ``header``; wait until checked.

    Per-region choices show only while their region is selected: select it first.
    """
    group = choices_group(page, header)
    group.wait_for(state="visible", timeout=TIMEOUT_MS)
    radio = f"input[name={_css_string(value)}]"
    group.locator(f"label:has({radio})").click()
    page.wait_for_function("el => el.checked", arg=group.locator(radio).element_handle(), timeout=TIMEOUT_MS)


def choices_group(page: Any, header: str) -> Any:
    """The choices under the header containing ``header`` (a locator; per-region ones show only
    while their region is selected)."""
    heading = "self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6"
    return page.locator(f"xpath=//*[{heading}][contains(., {_xpath_literal(header)})]"
                        "/following-sibling::div[contains(@class, 'lsf-choices')][1]")


def in_window(page: Any, locator: Any) -> bool:
    """Whether the element is shown whole inside the browser window, as it is now scrolled."""
    box = locator.bounding_box()
    size = page.viewport_size
    return (box is not None and box["x"] >= 0 and box["y"] >= 0
            and box["x"] + box["width"] <= size["width"] and box["y"] + box["height"] <= size["height"])


def scrolled(page: Any) -> int:
    """How far (pixels) the window and every element around the text are scrolled down."""
    return page.evaluate(_JS_SCROLLED, TEXT_ROOT)


def _wait_closed(warning: Any, ok: Any, tries: int = 3) -> None:
    """Wait until the warning is gone; a person presses OK again when a busy page missed the press."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(tries):
        try:
            warning.wait_for(state="hidden", timeout=TIMEOUT_MS // tries)
            return
        except PlaywrightTimeout:
            if ok.is_visible():
                ok.click()
    raise AssertionError("the page's warning did not close after pressing OK")


def refused_submit(page: Any) -> str:
    """Press Submit expecting the page to refuse it: the warning's message (then press its OK).

    Fails if the page sent an annotation instead.
    """
    deselect(page)
    posted: list[str] = []

    def record(request: Any) -> None:
        if request.method == "POST" and re.search(r"/api/tasks/\d+/annotations", request.url):
            posted.append(request.url)

    page.on("request", record)
    try:
        page.get_by_role("button", name=SUBMIT_BUTTON).click()
        warning = page.locator(".ant-modal-confirm-warning")
        warning.wait_for(state="visible", timeout=TIMEOUT_MS)
        message = warning.locator(".ant-modal-confirm-content").inner_text()
        ok = warning.get_by_role("button", name="OK")
        ok.click()
        _wait_closed(warning, ok)
    finally:
        page.remove_listener("request", record)
    if posted:
        raise AssertionError(f"the page submitted the annotation instead of refusing it: {posted}")
    return message


def submit(page: Any) -> dict[str, Any]:
    """Press Submit; the annotation Label Studio stored (the answer to the page's POST)."""
    deselect(page)
    with page.expect_response(lambda r: re.search(r"/api/tasks/\d+/annotations", r.url) is not None
                              and r.request.method == "POST", timeout=TIMEOUT_MS) as answer:
        page.get_by_role("button", name=SUBMIT_BUTTON).click()
    response = answer.value
    if response.status != 201:
        raise AssertionError(f"submitting answered HTTP {response.status}: {response.text()[:300]}")
    return response.json()


def screenshot(page: Any, name: str) -> Path:
    """Save a screenshot of the page under test-artifacts/browser/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


# --- inside the page ----------------------------------------------------------------------------------


def _click_region(page: Any, region_id: str) -> None:
    point = page.evaluate(_JS_REGION_POINT, region_id)
    if point is None:
        raise AssertionError(f"region {region_id} is not highlighted in the page")
    page.mouse.click(point["x"], point["y"])


def _occurrence(text: str, start: int, phrase: str) -> int:
    """How many times ``phrase`` occurs in ``text`` before ``start`` (overlaps counted), reading
    non-breaking spaces as spaces, as the page's text is searched."""
    text, phrase = text.replace("\u00a0", " "), phrase.replace("\u00a0", " ")
    count, at = 0, text.find(phrase)
    while 0 <= at < start:
        count += 1
        at = text.find(phrase, at + 1)
    if at != start:
        raise ValueError(f"{phrase!r} does not start at {start}")
    return count


def _absolute(base_url: str, url: str) -> str:
    return url if url.startswith(("http://", "https://")) else base_url.rstrip("/") + "/" + url.lstrip("/")


def _xpath_literal(value: str) -> str:
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    return "concat(" + ", \"'\", ".join(f"'{part}'" for part in value.split("'")) + ")"


def _css_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# The rendered text as one string: text nodes in order, a newline for each <br>; non-breaking
# spaces read as spaces (the page shows some spaces as &nbsp;). Finds the n-th occurrence of the
# phrase and returns points inside its first and last characters, scrolled into view.
_JS_PHRASE_BOX = r"""
([rootSelector, phrase, occurrence]) => {
  const root = document.querySelector(rootSelector);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
  const pieces = [];
  let text = '';
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (node.nodeType === Node.TEXT_NODE) { pieces.push([node, text.length]); text += node.data; }
    else if (node.tagName === 'BR') { text += '\n'; }
  }
  const flat = text.replace(/\u00a0/g, ' ');
  const wanted = phrase.replace(/\u00a0/g, ' ');
  let at = -1;
  for (let k = 0; k <= occurrence; k++) {
    at = flat.indexOf(wanted, at + 1);
    if (at < 0) return null;
  }
  const locate = (position) => {
    for (const [node, base] of pieces) {
      if (position >= base && position < base + node.data.length) return [node, position - base];
    }
    return null;
  };
  const [firstNode, firstOffset] = locate(at);
  const [lastNode, lastOffset] = locate(at + wanted.length - 1);
  firstNode.parentElement.scrollIntoView({block: 'center'});
  const box = (node, offset) => {
    const range = document.createRange();
    const unit = node.data.charCodeAt(offset);
    if (unit >= 0xdc00 && unit <= 0xdfff && offset > 0) offset -= 1;  // the second half of an emoji
    const step = node.data.codePointAt(offset) > 0xffff ? 2 : 1;
    range.setStart(node, offset);
    range.setEnd(node, Math.min(node.data.length, offset + step));
    return range.getBoundingClientRect();
  };
  const first = box(firstNode, firstOffset);
  const last = box(lastNode, lastOffset);
  return {x1: first.left + 1, y1: first.top + first.height / 2, x2: last.right - 1, y2: last.top + last.height / 2};
}
"""

# Region ids from the highlight classes (htx-highlight-<region id>-<n>) and the text they cover.
_JS_REGIONS = r"""
(selector) => {
  const found = {};
  for (const el of document.querySelectorAll(selector)) {
    for (const name of el.classList) {
      const match = /^htx-highlight-(.+)-\d+$/.exec(name);
      if (match) found[match[1]] = (found[match[1]] || '') + el.textContent;
    }
  }
  return found;
}
"""

# A point on the region's own text (not on a region nested inside it), scrolled into view.
_JS_REGION_POINT = r"""
(id) => {
  const prefix = 'htx-highlight-' + id + '-';
  const spans = [...document.querySelectorAll('.htx-highlight')].filter(
    el => [...el.classList].some(c => c.startsWith(prefix) && /^\d+$/.test(c.slice(prefix.length))));
  for (const span of spans) {
    for (const child of span.childNodes) {
      if (child.nodeType !== Node.TEXT_NODE || !child.data.trim()) continue;
      span.scrollIntoView({block: 'center'});
      const offset = child.data.search(/\S/);
      const range = document.createRange();
      range.setStart(child, offset);
      range.setEnd(child, offset + (child.data.codePointAt(offset) > 0xffff ? 2 : 1));
      const box = range.getBoundingClientRect();
      return {x: box.left + box.width / 2, y: box.top + box.height / 2};
    }
  }
  if (!spans.length) return null;
  spans[0].scrollIntoView({block: 'center'});
  const box = spans[0].getBoundingClientRect();
  return {x: box.left + 2, y: box.top + box.height / 2};
}
"""

# The window's scroll offset plus that of every scrolled element holding the text.
_JS_SCROLLED = r"""
(selector) => {
  let total = window.scrollY;
  for (let el = document.querySelector(selector); el; el = el.parentElement) total += el.scrollTop;
  return total;
}
"""

# Ids of the regions whose highlight is drawn as selected.
_JS_SELECTED = r"""
() => [...new Set([...document.querySelectorAll('.htx-highlight.__active')].flatMap(
  el => [...el.classList].map(c => /^htx-highlight-(.+)-\d+$/.exec(c)).filter(Boolean).map(m => m[1])))]
"""


# Skipped before the server starts when there is no browser; in CI the `browser` fixture fails instead.
needs_browser = pytest.mark.skipif(missing_browser() is not None and not in_ci(), reason=missing_browser() or "")
