"""The annotator's side, end to end in headless Chromium against the real Label Studio.

Annotators sign up through the organisation's invite link, log in, open the labeling stream of a
project made by ``push`` and work as a person does: hotkey and mouse drag for a span, a click on a
highlighted claim for its stance, "Create Relation" for its claimant, Submit. Then ``annotate pull``
and ``annotate export`` run, and the dataset read back with plain ``datasets.load_dataset`` must
hold exactly what was done in the page.

Needs Debian's chromium at /usr/bin/chromium: skipped without it, except with ``CI=true``, where
the tests fail instead (see ``browser_helpers.require_chromium``). Screenshots are saved under
test-artifacts/browser/.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import browser_helpers
import pytest
from browser_helpers import (
    TEXT_ROOT,
    Account,
    OpenTask,
    choices_group,
    choose,
    close_instructions,
    create_relation,
    delete_region,
    highlighted_regions,
    in_window,
    instructions_text,
    label_words,
    log_in,
    new_context,
    open_instructions,
    open_labeling_stream,
    refused_submit,
    require_chromium,
    screenshot,
    scrolled,
    select_region,
    selected_regions,
    sign_up,
    submit,
    wait_until_selected,
)
from export_data import load_rows

from annotate import cli
from annotate.corpus.reader import Document, load_corpus
from annotate.scheme.guidelines import rules
from annotate.scheme.label_config import choice_headings
from annotate.scheme.schema import CLAIM_STANCE_NAME, DOCUMENT_STANCE_NAME, Schema
from annotate.studio.connection import connect
from annotate.studio.push import PushResult, push

pytestmark = pytest.mark.browser

needs_browser = browser_helpers.needs_browser

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "schemas" / "arms_news.yaml"
SEEDS = ROOT / "seeds"

# The headers the labeling config puts above each group of choices (annotate.scheme.label_config).
CLAIM_STANCE = "Selected claim - its stance"
CLAIM_TYPE = "Selected claim - What kind of claim"
CHECKWORTHY = "Selected claim - Is it worth fact-checking"
DOCUMENT_STANCE = "Whole article - its stance"

# A test article: flag emoji (two code points each), an emoji with a skin-tone modifier, a family
# emoji joined by zero-width joiners, curly and angle quotes, and Windows line ends.
UNICODE_ARTICLE = (
    "Tehran \U0001F1EE\U0001F1F7 and Moscow \U0001F1F7\U0001F1FA: deliveries resume \U0001F680\r\n"
    "\r\n"
    "The Kremlin\u2019s spokesman Dmitry Peskov \U0001F44D\U0001F3FD said on Friday: "
    "\u201cThe first S-300 battalion has reached its destination.\u201d\r\n"
    "Iranian officials \U0001F468\u200D\U0001F469\u200D\U0001F467 led by Ali Akbar Velayati called it "
    "\u00ab\u2018a new chapter\u2019\u00bb.\r\n"
)


@dataclass(frozen=True)
class Project:
    """A project pushed for these tests, with its documents by id."""

    pushed: PushResult
    documents: dict[str, Document]

    @property
    def id(self) -> int:
        return self.pushed.project_id

    @property
    def title(self) -> str:
        return self.pushed.project_title


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def admin(label_studio) -> Any:
    return connect(label_studio.connection)


@pytest.fixture(scope="module")
def annotators(browser, label_studio, admin) -> Iterator[dict[str, Any]]:
    """Two annotator accounts, made through the invite link, each logged in in its own context."""
    invite = admin.organizations.invites.get_invite_link()
    contexts = {}
    run = uuid.uuid4().hex[:6]
    for name in ("ana", "ben"):
        account = Account(f"{name}-{run}@annotators.example", secrets.token_urlsafe(12))
        sign_up(browser, label_studio.url, invite.invite_url, account)
        context = new_context(browser)
        page = context.new_page()
        log_in(page, label_studio.url, account)
        page.close()
        contexts[name] = context
    yield contexts
    for context in contexts.values():
        context.close()


@pytest.fixture(scope="module")
def seed_project(admin, schema, tmp_path_factory) -> Project:
    """The seed articles, pushed with pre-annotations (shared by the guidelines and main tests)."""
    return push_project(admin, schema, load_corpus(SEEDS).documents, "Browser: seed articles",
                        tmp_path_factory.mktemp("push"))


@pytest.fixture
def cli_env(label_studio, monkeypatch) -> None:
    """The `annotate` commands find the session's server through the SDK's variables."""
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.api_key)


def push_project(admin, schema: Schema, documents, name: str, folder: Path) -> Project:
    title = f"{name} {uuid.uuid4().hex[:6]}"
    pushed = push(client=admin, schema=schema, documents=documents, project_title=title, data_dir=folder)
    return Project(pushed, {document.id: document for document in documents})


@pytest.fixture
def page_of(annotators, request) -> Iterator[Any]:
    """``page_of("ana")``: a new tab of that annotator's logged-in browser, closed after the test
    (with a screenshot under test-artifacts/browser/ when the test failed)."""
    pages = []
    failed_before = request.session.testsfailed

    def open_page(name: str) -> Any:
        page = annotators[name].new_page()
        pages.append(page)
        return page

    yield open_page
    for number, page in enumerate(pages, 1):
        if request.session.testsfailed > failed_before:
            screenshot(page, f"failed-{request.node.name}-{number}")
        page.close()


# --- what the tests read back -----------------------------------------------------------------------


def pull_and_export(project: Project, folder: Path) -> tuple[Path, Path]:
    """Run `annotate pull` then `annotate export`; the raw file pulled and the version folder written."""
    raw = folder / "raw.json"
    exports = folder / "exports"
    assert cli.main(["pull", "--project", project.title, "--out", str(raw), "--data-dir", str(folder)]) == 0
    assert cli.main(["export", "--input", str(raw), "--version", "1.0.0", "--out", str(exports),
                     "--schema", str(SCHEMA_FILE)]) == 0
    versions = [path for path in exports.iterdir() if not path.name.startswith(".")]
    assert len(versions) == 1, versions
    return raw, versions[0]


def only(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    found = [row for row in rows if all(row[key] == value for key, value in match.items())]
    assert len(found) == 1, f"expected one row with {match}, found {len(found)}"
    return found[0]


def entity_set(entities: list[dict[str, Any]]) -> set[tuple[int, int, str, str]]:
    return {(e["start"], e["end"], e["text"], e["label"]) for e in entities}


def claimant_of(claim: dict[str, Any], entities: list[dict[str, Any]]) -> tuple[int, int, str, str] | None:
    linked = [e for e in entities if e["id"] == claim["claimant_id"]]
    return (linked[0]["start"], linked[0]["end"], linked[0]["text"], linked[0]["label"]) if linked else None


def predicted_spans(admin, task_id: int) -> dict[str, tuple[int, int, str, str]]:
    """The pre-annotations Label Studio holds for a task: region id -> (start, end, text, label)."""
    spans = {}
    for prediction in admin.predictions.list(task=task_id):
        for result in prediction.result:
            value = result["value"]
            spans[result["id"]] = (value["start"], value["end"], value["text"], value["labels"][0])
    return spans


def span(text: str, phrase: str, occurrence: int = 0) -> tuple[int, int]:
    """Code-point offsets of the n-th occurrence of ``phrase`` in ``text``."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(phrase, start + 1)
    return start, start + len(phrase)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


# --- the tests ----------------------------------------------------------------------------------------


@needs_browser
def test_guidelines_from_the_schema_are_shown_on_the_labeling_page(label_studio, seed_project, schema, page_of):
    page = page_of("ana")
    open_labeling_stream(page, label_studio.url, seed_project.id)

    shown = flat(instructions_text(page))
    screenshot(page, "guidelines")
    expected = [f"Annotation guidelines: {schema.title}", schema.claims.definition,
                schema.claims.claimant_definition, schema.stance.target, *rules(schema)]
    expected += [entity.definition for entity in schema.entities]
    expected += [choice.definition for choice in schema.stance.choices]
    for attribute in schema.claims.attributes:
        expected += [attribute.header, *(choice.definition for choice in attribute.choices)]
    missing = [text for text in expected if flat(text) not in shown]
    assert not missing, f"not on the labeling page: {missing}"

    close_instructions(page)
    assert flat(schema.stance.target) in flat(open_instructions(page))


@needs_browser
def test_annotation_made_in_the_page_is_exported_exactly(label_studio, admin, schema, seed_project, page_of, cli_env,
                                                        tmp_path):
    page = page_of("ana")
    task = open_labeling_stream(page, label_studio.url, seed_project.id)
    close_instructions(page)
    document = seed_project.documents[task.data["document_id"]]
    text = document.text
    assert task.data["text"] == text
    assert "Vladimir Kozhin" in text, "the stream should open the first seed article (tasks in push order)"

    # The pre-annotations are on the page, each over exactly its words.
    predicted = predicted_spans(admin, task.id)
    assert predicted, "push made no pre-annotation for this article"
    shown = highlighted_regions(page)
    assert {rid: flat(words) for rid, words in shown.items()} == {rid: flat(s[2]) for rid, s in predicted.items()}
    screenshot(page, "pre-annotations")

    # Reject one suggestion, label a person, mark a claim with its stance, type and claimant.
    rejected = sorted(predicted, key=lambda rid: predicted[rid][:2])[-1]
    delete_region(page, rejected)
    person_start, person_end = span(text, "Vladimir Kozhin")
    assert (person_start, person_end) not in {s[:2] for s in predicted.values()}, "already pre-annotated"
    person = label_words(page, "PERSON", text, person_start, person_end)
    claim_words = "the contract is being implemented, (deliveries of S-300s) are starting"
    claim_start, claim_end = span(text, claim_words)
    claim = label_words(page, "CLAIM", text, claim_start, claim_end)
    select_region(page, claim)
    choose(page, CLAIM_STANCE, "FAVOR")
    choose(page, CLAIM_TYPE, "FACT")
    choose(page, CHECKWORTHY, "YES")
    create_relation(page, claim, person)
    select_region(page, claim)
    screenshot(page, "claim-with-claimant")
    choose(page, DOCUMENT_STANCE, "AGAINST")
    annotation = submit(page)

    # What the page sent is what was done, in code points.
    regions = {r["id"]: r for r in annotation["result"] if r["type"] == "labels"}
    assert (regions[person]["value"]["start"], regions[person]["value"]["end"]) == (person_start, person_end)
    assert (regions[claim]["value"]["start"], regions[claim]["value"]["end"]) == (claim_start, claim_end)

    _, version = pull_and_export(seed_project, tmp_path)
    cache = tmp_path / "hf-cache"
    row = only(load_rows(version, "documents", cache), id=document.id)
    assert row["text"] == text
    assert row["policy"] == "single"
    assert row["stance"] == "AGAINST"
    kept = {s for rid, s in predicted.items() if rid != rejected}
    kozhin = (person_start, person_end, "Vladimir Kozhin", "PERSON")
    assert entity_set(row["entities"]) == kept | {kozhin}
    assert all(text[e["start"]:e["end"]] == e["text"] for e in row["entities"])
    [exported_claim] = row["claims"]
    assert (exported_claim["start"], exported_claim["end"]) == (claim_start, claim_end)
    assert exported_claim["text"] == claim_words
    assert exported_claim["stance"] == "FAVOR"
    assert (exported_claim["claim_type"], exported_claim["checkworthy"]) == ("FACT", "YES")
    assert claimant_of(exported_claim, row["entities"]) == kozhin
    assert exported_claim["claimant"] == "Vladimir Kozhin"

    claim_row = only(load_rows(version, "claims", cache), document_id=document.id)
    assert (claim_row["claim"], claim_row["claimant"], claim_row["stance"]) == (claim_words, "Vladimir Kozhin", "FAVOR")
    assert claim_row["target"] == schema.stance.target
    [annotation_row] = [r for r in load_rows(version, "annotations", cache) if r["document_id"] == document.id]
    assert annotation_row["id"] == f"{document.id}:{annotation_row['annotator']}"  # no Label Studio ids
    assert entity_set(annotation_row["entities"]) == entity_set(row["entities"])


@needs_browser
def test_emoji_quotes_and_crlf_keep_exact_offsets(label_studio, admin, schema, page_of, cli_env, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "unicode.txt").write_bytes(UNICODE_ARTICLE.encode("utf-8"))
    documents = load_corpus(corpus).documents
    assert documents[0].text == UNICODE_ARTICLE
    project = push_project(admin, schema, documents, "Browser: unicode", tmp_path / "push")

    page = page_of("ana")
    task = open_labeling_stream(page, label_studio.url, project.id)
    close_instructions(page)
    text = UNICODE_ARTICLE
    assert task.data["text"] == text
    assert "\U0001F468\u200D\U0001F469\u200D\U0001F467" in page.locator(TEXT_ROOT).inner_text()
    predicted = predicted_spans(admin, task.id)

    peskov = span(text, "Dmitry Peskov")
    velayati = span(text, "Ali Akbar Velayati")
    claim_words = "The first S-300 battalion has reached its destination."
    claim_at = span(text, claim_words)
    quote_words = "\u2018a new chapter\u2019"
    quote_at = span(text, quote_words)
    # Line ends and emoji come before these words (more of them before the later ones), so offsets
    # counted in UTF-16 units, or a dropped "\r", would move every span.
    assert "\r\n" in text[:peskov[0]]
    assert 0 < utf16_length(text[:claim_at[0]]) - claim_at[0] < utf16_length(text[:velayati[0]]) - velayati[0]

    peskov_id = label_words(page, "PERSON", text, *peskov)
    velayati_id = label_words(page, "PERSON", text, *velayati)
    claim_id = label_words(page, "CLAIM", text, *claim_at)
    quote_id = label_words(page, "CLAIM", text, *quote_at)
    select_region(page, claim_id)
    choose(page, CLAIM_STANCE, "FAVOR")
    choose(page, CLAIM_TYPE, "FACT")
    create_relation(page, claim_id, peskov_id)
    select_region(page, quote_id)
    choose(page, CLAIM_STANCE, "FAVOR")
    choose(page, CLAIM_TYPE, "OPINION")
    create_relation(page, quote_id, velayati_id)
    choose(page, DOCUMENT_STANCE, "FAVOR")
    screenshot(page, "unicode-article")
    annotation = submit(page)

    made = {(r["value"]["start"], r["value"]["end"]) for r in annotation["result"] if r["type"] == "labels"}
    assert {peskov, velayati, claim_at, quote_at} <= made

    raw, version = pull_and_export(project, tmp_path)
    [pulled_task] = json.loads(raw.read_text(encoding="utf-8"))
    assert pulled_task["data"]["text"] == text
    [pulled] = pulled_task["annotations"]
    pulled_spans = {(r["value"]["start"], r["value"]["end"]) for r in pulled["result"] if r["type"] == "labels"}
    assert pulled_spans == made
    row = only(load_rows(version, "documents", tmp_path / "hf-cache"), id=documents[0].id)
    assert row["text"] == text
    assert entity_set(row["entities"]) == set(predicted.values()) | {
        (*peskov, "Dmitry Peskov", "PERSON"), (*velayati, "Ali Akbar Velayati", "PERSON")}
    claims = {(c["start"], c["end"]): c for c in row["claims"]}
    assert set(claims) == {claim_at, quote_at}
    assert claims[claim_at]["text"] == claim_words and claims[quote_at]["text"] == quote_words
    assert claimant_of(claims[claim_at], row["entities"]) == (*peskov, "Dmitry Peskov", "PERSON")
    assert claimant_of(claims[quote_at], row["entities"]) == (*velayati, "Ali Akbar Velayati", "PERSON")
    for item in row["entities"] + row["claims"]:
        assert text[item["start"]:item["end"]] == item["text"]


@needs_browser
def test_two_annotators_disagree_and_gold_follows_the_policy(label_studio, admin, schema, page_of, cli_env, tmp_path):
    document = next(d for d in load_corpus(SEEDS).documents if "Alexander Fomin" in d.text)
    project = push_project(admin, schema, [document], "Browser: two annotators", tmp_path / "push")
    admin.projects.update(id=project.id, maximum_annotations=2)  # Settings > Quality: overlap of 2
    text = document.text
    fomin = span(text, "Alexander Fomin")
    icana = span(text, "ICANA")
    hosseini = span(text, "Baqer Hosseini")
    claim_words = "I would even say that we're well ahead of schedule"
    claim_at = span(text, claim_words)

    def annotate(name: str, *, icana_label: str, label_hosseini: bool, stance: str, claim_type: str,
                 document_stance: str) -> dict[str, Any]:
        page = page_of(name)
        task = open_labeling_stream(page, label_studio.url, project.id)
        close_instructions(page)
        assert task.data["document_id"] == document.id
        person = label_words(page, "PERSON", text, *fomin)
        label_words(page, icana_label, text, *icana)
        if label_hosseini:
            label_words(page, "PERSON", text, *hosseini)
        claim = label_words(page, "CLAIM", text, *claim_at)
        select_region(page, claim)
        choose(page, CLAIM_STANCE, stance)
        choose(page, CLAIM_TYPE, claim_type)
        create_relation(page, claim, person)
        choose(page, DOCUMENT_STANCE, document_stance)
        screenshot(page, f"two-annotators-{name}")
        return submit(page)

    first = annotate("ana", icana_label="ORG", label_hosseini=True, stance="FAVOR", claim_type="OPINION",
                     document_stance="FAVOR")
    second = annotate("ben", icana_label="GPE", label_hosseini=False, stance="AGAINST", claim_type="FACT",
                      document_stance="NONE")
    assert second["task"] == first["task"]  # both annotated the same article
    predicted = set(predicted_spans(admin, first["task"]).values())

    _, version = pull_and_export(project, tmp_path)
    cache = tmp_path / "hf-cache"
    fomin_span = (*fomin, "Alexander Fomin", "PERSON")

    # Both annotations reach the `annotations` config, each as it was made.
    rows = load_rows(version, "annotations", cache)
    assert len(rows) == 2 and rows[0]["annotator"] != rows[1]["annotator"]
    by_stance = {row["stance"]: row for row in rows}  # ana chose FAVOR for the article, ben NONE
    ana, ben = by_stance["FAVOR"], by_stance["NONE"]
    assert entity_set(ana["entities"]) == predicted | {
        fomin_span, (*icana, "ICANA", "ORG"), (*hosseini, "Baqer Hosseini", "PERSON")}
    assert entity_set(ben["entities"]) == predicted | {fomin_span, (*icana, "ICANA", "GPE")}
    assert [(c["stance"], c["claim_type"]) for c in ana["claims"]] == [("FAVOR", "OPINION")]
    assert [(c["stance"], c["claim_type"]) for c in ben["claims"]] == [("AGAINST", "FACT")]

    # Gold (annotate.release.gold_merge.POLICY_TEXT): what both did is kept; each tie goes to the most recently
    # updated annotation, the second one: its ICANA label, no Hosseini, its stances and claim type.
    gold = only(load_rows(version, "documents", cache), id=document.id)
    assert gold["policy"] == "majority"
    assert sorted(gold["annotators"]) == sorted(row["annotator"] for row in rows)
    assert entity_set(gold["entities"]) == predicted | {fomin_span, (*icana, "ICANA", "GPE")}
    [claim] = gold["claims"]
    assert (claim["start"], claim["end"], claim["text"]) == (*claim_at, claim_words)
    assert (claim["stance"], claim["claim_type"]) == ("AGAINST", "FACT")
    assert claimant_of(claim, gold["entities"]) == fomin_span
    assert gold["stance"] == "NONE"


# --- the page's layout and what it refuses ----------------------------------------------------------------

# Words without any pre-annotated entity inside (a click on them selects the claim itself): one
# near the top of the longest seed article, one near its end.
TOP_CLAIM = "could provide an essential boost to the campaign against terrorism"
LATE_CLAIM = "launched production of the next-generation"


def longest_seed() -> Document:
    return max(load_corpus(SEEDS).documents, key=lambda document: len(document.text))


def open_longest_seed(label_studio, admin, schema: Schema, page: Any, name: str, folder: Path) -> tuple[OpenTask, str]:
    """Push the longest seed article into a new project and open it in ``page``: the task, its text."""
    document = longest_seed()
    project = push_project(admin, schema, [document], name, folder)
    task = open_labeling_stream(page, label_studio.url, project.id)
    close_instructions(page)
    return task, document.text


def per_claim_headings(schema: Schema) -> dict[str, str]:
    """Control name -> heading of every per-claim group of choices."""
    return {name: heading for name, heading in choice_headings(schema).items() if name != DOCUMENT_STANCE_NAME}


def required_per_claim(schema: Schema) -> list[str]:
    """The per-claim controls the schema requires, in the page's order."""
    required = [CLAIM_STANCE_NAME] if schema.stance.claim_required else []
    return required + [attribute.name for attribute in schema.claims.attributes if attribute.required]


def first_value(schema: Schema, name: str) -> str:
    if name == CLAIM_STANCE_NAME:
        return schema.stance.values[0]
    return next(attribute.values[0] for attribute in schema.claims.attributes if attribute.name == name)


@needs_browser
def test_a_claim_selected_near_the_top_of_the_longest_article_shows_its_choices_without_scrolling(
        label_studio, admin, schema, page_of, tmp_path):
    page = page_of("ana")
    _, text = open_longest_seed(label_studio, admin, schema, page, "Browser: layout", tmp_path)
    assert page.viewport_size == {"width": 1400, "height": 1000}
    claim = label_words(page, "CLAIM", text, *span(text, TOP_CLAIM))
    select_region(page, claim)
    screenshot(page, "claim-choices-in-view")
    assert scrolled(page) == 0, "selecting a claim near the top should not need any scrolling"
    for heading in choice_headings(schema).values():
        group = choices_group(page, heading)
        assert group.is_visible() and in_window(page, group), f"{heading!r}: its choices are out of the window"

    # The panel stays beside the text while it scrolls: a claim near the end shows its choices too.
    later = label_words(page, "CLAIM", text, *span(text, LATE_CLAIM))
    select_region(page, later)
    assert scrolled(page) > 0
    for heading in per_claim_headings(schema).values():
        assert in_window(page, choices_group(page, heading)), f"{heading!r}: out of the window after scrolling"


@needs_browser
def test_a_claim_without_a_required_choice_is_refused_naming_the_heading_the_annotator_sees(
        label_studio, admin, schema, page_of, tmp_path):
    required = required_per_claim(schema)
    assert required, "the project schema requires per-claim choices"
    headings = choice_headings(schema)
    page = page_of("ana")
    task, text = open_longest_seed(label_studio, admin, schema, page, "Browser: required claim choices", tmp_path)
    claim = label_words(page, "CLAIM", text, *span(text, TOP_CLAIM))
    choose(page, DOCUMENT_STANCE, schema.stance.values[0])

    for name in required:  # refused for each missing choice in turn, until none is missing
        message = refused_submit(page)
        assert headings[name] in message and name not in message.replace(headings[name], ""), message
        wait_until_selected(page, claim)  # the page selects the claim that lacks the choice
        assert selected_regions(page) == [claim]
        screenshot(page, f"refused-without-{name}")
        choose(page, headings[name], first_value(schema, name))
    assert not admin.annotations.list(id=task.id), "a refused submit must save nothing"

    annotation = submit(page)
    chosen = {r["from_name"]: r["value"]["choices"] for r in annotation["result"]
              if r["type"] == "choices" and r["id"] == claim}
    assert chosen == {name: [first_value(schema, name)] for name in required}


@needs_browser
def test_entities_only_with_the_document_stance_are_accepted_and_without_it_refused(
        label_studio, admin, schema, page_of, tmp_path):
    page = page_of("ana")
    _, text = open_longest_seed(label_studio, admin, schema, page, "Browser: entities only", tmp_path)
    person = label_words(page, "PERSON", text, *span(text, "Baqer Hosseini"))

    message = refused_submit(page)
    heading = choice_headings(schema)[DOCUMENT_STANCE_NAME]
    assert heading in message and DOCUMENT_STANCE_NAME not in message, message

    choose(page, DOCUMENT_STANCE, "NONE")
    annotation = submit(page)  # pre-annotated entities and a new one, no claim: nothing per claim is asked
    labels = [r for r in annotation["result"] if r["type"] == "labels"]
    assert person in {r["id"] for r in labels} and all(r["from_name"] == "entities" for r in labels)
    assert [r["value"]["choices"] for r in annotation["result"] if r["from_name"] == DOCUMENT_STANCE_NAME] == [["NONE"]]


@needs_browser
def test_guidelines_headings_are_drawn_with_room_for_every_line(label_studio, admin, schema, page_of, tmp_path):
    project = push_project(admin, schema, [longest_seed()], "Browser: guidelines headings", tmp_path)
    page = page_of("ana")
    open_labeling_stream(page, label_studio.url, project.id)
    instructions_text(page)
    screenshot(page, "guidelines-headings")
    headings = page.evaluate(_JS_HEADING_LINES)
    assert headings and headings[0]["text"].startswith("Annotation guidelines")
    assert headings[0]["lines"] > 1, "the first heading should wrap in the dialog (what this test is about)"
    crowded = [h for h in headings if h["line_height"] < h["font_size"]]
    assert not crowded, f"headings whose lines overlap: {crowded}"


# Every heading in the instructions dialog: its text, font size, line height (px) and line count.
_JS_HEADING_LINES = r"""
() => [...document.querySelectorAll('.lsf-modal-ls__content h1, .lsf-modal-ls__content h2, .lsf-modal-ls__content h3')]
  .map(h => {
    const style = getComputedStyle(h);
    const range = document.createRange();
    range.selectNodeContents(h);
    const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    return {text: h.innerText, font_size: parseFloat(style.fontSize), line_height: parseFloat(style.lineHeight),
            lines: tops.size};
  })
"""


def test_missing_chromium_skips_locally_and_fails_in_ci(monkeypatch):
    monkeypatch.setattr(browser_helpers, "CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium fonts-noto-color-emoji"):
        require_chromium()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="must run"):
        require_chromium()
