"""A round of adjudication through a real Label Studio and a curator in headless chromium.

Two and three annotators (made through the SDK as different users) disagree on an entity label,
a claim's stance and claimant and the document's stance; a third document they agree on.
``adjudicate`` prepares the two disputed ones; the curator resolves them in the page (hotkeys,
drags, clicks, Submit); pull and export give the curator's gold with its provenance; running
``adjudicate`` again changes nothing, and after a new annotation lists the document again with
the earlier decision as the proposal.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import (
    Account,
    choose,
    create_relation,
    highlighted_regions,
    label_words,
    log_in,
    new_context,
    open_labeling_stream,
    screenshot,
    select_region,
    submit,
)
from export_data import load_rows

from annotate import cli
from annotate.adjudication.adjudicate import adjudicate
from annotate.adjudication.proposal import MODEL_VERSION
from annotate.conversion.annotator_key import load_key
from annotate.conversion.pseudonyms import AnnotatorNames
from annotate.scheme.label_config import label_config
from annotate.studio.connection import connect
from annotate.studio.curation import curation_tasks, find_curation_project

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "schemas" / "arms_news.yaml"
TEXT = "Vladimir Kozhin told TASS on Thursday that the contract is being implemented, and Iran welcomed it."
CLAIM = "the contract is being implemented"
CLAIM_STANCE = "Selected claim - its stance"
DOCUMENT_STANCE = "Whole article - its stance"


def at(words: str) -> tuple[int, int]:
    start = TEXT.index(words)
    return start, start + len(words)


def entity(region: str, words: str, label: str) -> dict[str, Any]:
    start, end = at(words)
    return {"id": region, "from_name": "entities", "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": words, "labels": [label]}}


def claim(region: str, stance: str, claimant: str | None) -> list[dict[str, Any]]:
    start, end = at(CLAIM)
    value = {"start": start, "end": end, "text": CLAIM}
    result = [{"id": region, "from_name": "claims", "to_name": "text", "type": "labels",
               "value": {**value, "labels": ["CLAIM"]}},
              {"id": region, "from_name": "claim_stance", "to_name": "text", "type": "choices",
               "value": {**value, "choices": [stance]}},
              {"id": region, "from_name": "claim_type", "to_name": "text", "type": "choices",
               "value": {**value, "choices": ["FACT"]}}]
    if claimant:
        result.append({"from_id": region, "to_id": claimant, "type": "relation", "direction": "right"})
    return result


def stance(value: str) -> dict[str, Any]:
    return {"id": "doc", "from_name": "doc_stance", "to_name": "text", "type": "choices",
            "value": {"choices": [value]}}


def work(tass: str | None, claim_stance: str, claimant: str | None, doc_stance: str, *,
         kozhin: bool = True) -> list[dict[str, Any]]:
    result = [entity("k", "Vladimir Kozhin", "PERSON")] if kozhin else []
    result += [entity("t", "TASS", tass)] if tass else []
    return result + claim("c", claim_stance, claimant) + [stance(doc_stance)]


def test_annotators_disagree_a_curator_decides_in_the_page_and_the_export_carries_the_decision(
        label_studio, browser, schema, monkeypatch, tmp_path):
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.api_key)
    admin = connect(label_studio.connection)
    tag = uuid.uuid4().hex[:6]
    title = f"Adjudication {tag}"
    key = tmp_path / "annotators.json"  # the project's annotator key: beside the file pull writes below
    project = admin.projects.create(title=title, label_config=label_config(schema))
    admin.projects.import_tasks(id=project.id, request=[
        {"data": {"text": TEXT, "title": f"Article {name}", "document_id": f"doc-{name}-{tag}", "source": name}}
        for name in ("two", "three", "agree")])
    tasks = {task.data["document_id"].split("-")[1]: task.id for task in admin.tasks.list(project=project.id)}
    users = {name: admin.users.create(username=f"{name}-{tag}", email=f"{name}-{tag}@example.org",
                                      password=uuid.uuid4().hex) for name in ("bob", "carol", "dave")}
    made = {
        "two": [("bob", work("ORG", "FAVOR", "k", "FAVOR")), ("carol", work("GPE", "AGAINST", "t", "AGAINST"))],
        "three": [("bob", work("ORG", "FAVOR", "k", "FAVOR")), ("carol", work("GPE", "AGAINST", "t", "AGAINST")),
                  ("dave", work("GPE", "AGAINST", None, "NONE", kozhin=False))],
        "agree": [("bob", work("ORG", "FAVOR", "k", "FAVOR")), ("carol", work("ORG", "FAVOR", "k", "FAVOR"))],
    }
    for name, by_annotator in made.items():
        for who, result in by_annotator:
            admin.annotations.create(id=tasks[name], result=result, completed_by=users[who].id, lead_time=10.0)

    # adjudicate: the two disputed documents, the most disputed first; the agreeing one is not sent.
    first = adjudicate(client=admin, schema=schema, project_title=title, annotator_key=key)
    assert [d.record.id for d in first.disputes] == [f"doc-three-{tag}", f"doc-two-{tag}"]
    assert first.points == {"entity": 3, "claim": 0, "claim_stance": 2, "claim_attribute": 0, "claimant": 2,
                            "document_stance": 2}
    assert (first.added, first.unchanged, first.documents_compared) == (2, 0, 3)
    curation = find_curation_project(admin, admin.projects.get(id=project.id))
    assert curation.title == f"{title} (curation)" and curation.model_version == MODEL_VERSION
    prepared = curation_tasks(admin, curation.id)
    assert sorted(t["data"]["document_id"] for t in prepared) == sorted([f"doc-two-{tag}", f"doc-three-{tag}"])
    assert all(t["data"]["text"] == TEXT and t["data"]["annotation_project"] == project.id for t in prepared)
    assert all(len(admin.predictions.list(task=t["id"])) == 1 for t in prepared)
    names = AnnotatorNames(load_key(key), server=label_studio.url)  # as the export names them
    pseudonym = {who: names.name({"id": user.id, "email": user.email}) for who, user in users.items()}
    side = " ".join(t["data"]["disputes"] for t in prepared)
    assert all(pseudonym[who] in side for who in users)
    assert not any(f"{who}-{tag}" in side for who in users)  # never user names or e-mails

    again = adjudicate(client=admin, schema=schema, project_title=title, annotator_key=key)
    assert (again.added, again.unchanged, again.replaced) == (0, 2, 0)
    assert len(curation_tasks(admin, curation.id)) == 2

    # The curator (the admin) decides both documents in the page.
    context = new_context(browser)
    try:
        page = context.new_page()
        log_in(page, label_studio.url, Account(label_studio.username, label_studio.password))
        decided = {}
        for _ in range(2):
            page.close()
            page = context.new_page()  # a fresh tab: the last one loads the next task by itself
            task = open_labeling_stream(page, label_studio.url, curation.id)
            page.get_by_text("point(s) in dispute").first.wait_for()
            regions = {text: region for region, text in highlighted_regions(page).items()}
            name = task.data["document_id"].split("-")[1]
            if name == "two":  # proposed: Kozhin, the claim (FACT); TASS, stance, claimant and article left open
                assert set(regions) == {"Vladimir Kozhin", CLAIM}
                tass = label_words(page, "ORG", TEXT, *at("TASS"))
                select_region(page, regions[CLAIM])
                choose(page, CLAIM_STANCE, "FAVOR")
                create_relation(page, regions[CLAIM], regions["Vladimir Kozhin"])
                page.get_by_role("button", name="Submit current annotation").click()  # no article stance yet
                # Label Studio's own words, or the config's requiredMessage when it has one
                page.get_by_text(re.compile(r'"doc_stance" is required|Choose "Whole article - its stance')).wait_for(
                    state="visible")
                refusal = page.get_by_role("button", name="OK")
                refusal.wait_for(state="visible")
                screenshot(page, "curation-refused-without-document-stance")
                assert admin.annotations.list(id=task.id) == []  # the page refused: nothing was saved
                refusal.click()
                assert tass in highlighted_regions(page)
            else:  # proposed: Kozhin, TASS as GPE, the claim AGAINST; the claimant and the article left open
                assert set(regions) == {"Vladimir Kozhin", "TASS", CLAIM}
                create_relation(page, regions[CLAIM], regions["TASS"])
            choose(page, DOCUMENT_STANCE, "AGAINST" if name == "three" else "FAVOR")
            if name == "three":
                screenshot(page, "curation-page")  # docs/curation-page.png in the README is a copy
            decided[name] = submit(page)
    finally:
        context.close()
    assert all(not decision["ground_truth"] for decision in decided.values())

    # pull and export: the curator's decision is the gold; annotators' work stays as it was made.
    raw, exports = tmp_path / "raw.json", tmp_path / "exports"
    assert cli.main(["pull", "--project", title, "--out", str(raw), "--data-dir", str(tmp_path)]) == 0
    assert cli.main(["export", "--input", str(raw), "--version", "1.0.0", "--out", str(exports),
                     "--schema", str(SCHEMA_FILE)]) == 0
    version = exports / "v1.0.0"
    cache = tmp_path / "cache"
    documents = {row["id"].split("-")[1]: row for row in load_rows(version, "documents", cache)}
    assert {name: row["policy"] for name, row in documents.items()} == {
        "two": "adjudicated", "three": "adjudicated", "agree": "unanimous"}
    two = documents["two"]
    assert {(e["text"], e["label"]) for e in two["entities"]} == {("Vladimir Kozhin", "PERSON"), ("TASS", "ORG")}
    [gold_claim] = two["claims"]
    assert (gold_claim["stance"], gold_claim["claimant"], two["stance"]) == ("FAVOR", "Vladimir Kozhin", "FAVOR")
    three = documents["three"]
    [gold_claim] = three["claims"]
    assert (gold_claim["stance"], gold_claim["claimant"], three["stance"]) == ("AGAINST", "TASS", "AGAINST")
    assert sorted(three["annotators"]) == sorted(pseudonym.values())
    annotations = load_rows(version, "annotations", cache)
    assert len(annotations) == 7
    assert {row["annotator"] for row in annotations} == set(pseudonym.values())  # no row for the curator

    # Nothing new: nothing changes. A new annotation: the document is listed again with the decision.
    assert adjudicate(client=admin, schema=schema, project_title=title, annotator_key=key).added == 0
    admin.annotations.create(id=tasks["two"], result=work("GPE", "NONE", None, "NONE"),
                             completed_by=users["dave"].id, lead_time=5.0)
    later = adjudicate(client=admin, schema=schema, project_title=title, annotator_key=key)
    assert (later.added, later.listed_again, later.unchanged) == (1, 1, 1)
    newest = max(curation_tasks(admin, curation.id), key=lambda t: t["id"])
    [proposal] = admin.predictions.list(task=newest["id"])
    assert proposal.result == decided["two"]["result"]
    assert "Decided before" in newest["data"]["disputes"]


def test_a_project_nobody_annotated_twice_has_nothing_to_adjudicate_and_an_unknown_one_is_refused(
        label_studio, schema, monkeypatch, capsys):
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.api_key)
    admin = connect(label_studio.connection)
    title = f"Adjudication single {uuid.uuid4().hex[:6]}"
    project = admin.projects.create(title=title, label_config=label_config(schema))
    admin.projects.import_tasks(id=project.id, request=[{"data": {"text": TEXT, "document_id": "doc-1"}}])
    [task] = admin.tasks.list(project=project.id)
    admin.annotations.create(id=task.id, result=work("ORG", "FAVOR", "k", "FAVOR"))
    capsys.readouterr()
    assert cli.main(["adjudicate", "--project", title, "--schema", str(SCHEMA_FILE)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("nothing to adjudicate")
    assert find_curation_project(admin, admin.projects.get(id=project.id)) is None

    assert cli.main(["adjudicate", "--project", f"no such {title}", "--schema", str(SCHEMA_FILE)]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: no project titled")
