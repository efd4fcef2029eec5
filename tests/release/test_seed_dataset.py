"""The first real dataset: exports/ holds the seed articles' gold annotation, pushed into a real
Label Studio, pulled back and exported: v1.0.0, then v1.0.1 (the same annotations; a toolkit that
no longer ends a sentence at "Coop."), then v1.0.2 (the snapshot time recorded, and annotators
named through the seed's committed annotator key, gold/annotators.json), then v1.1.0 (the
schema's document metadata columns url, outlet, published: null for the .txt seeds). Rebuilding
the latest version the same way, after the published versions before it, gives the same data
files byte for byte, and the committed exports pass validation. (Earlier versions stay as
published.)"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from datasets import load_dataset

from annotate.corpus.reader import load_corpus
from annotate.release.export import export
from annotate.scheme.schema import load_schema
from annotate.studio.connection import connect
from annotate.studio.pull import pull
from annotate.studio.push import push
from annotate.validation.validate import validate

ROOT = Path(__file__).resolve().parents[2]
EARLIER = [ROOT / "exports" / "v1.0.0", ROOT / "exports" / "v1.0.1", ROOT / "exports" / "v1.0.2"]
PUBLISHED = ROOT / "exports" / "v1.1.0"
GOLD = ROOT / "gold" / "seeds.json"
SEED_KEY = ROOT / "gold" / "annotators.json"  # the seed's annotator key (its only annotator: the local admin)


def _digests(version: Path) -> dict[str, str]:
    """SHA-256 of every data file, the shipped schema and the changelog (the card and manifest also name the
    Label Studio snapshot they came from, which differs from server to server)."""
    files = sorted([*(version / "data").rglob("*.parquet"), version / "schema.yaml", version / "CHANGELOG.md"])
    return {str(f.relative_to(version)): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


@pytest.fixture(scope="module")
def rebuilt(label_studio, tmp_path_factory) -> Path:
    """v1.1.0 made again from the gold file, through a new project on the real server, into a
    root that holds the published versions before it."""
    work = tmp_path_factory.mktemp("seed-rebuild")
    client = connect(label_studio.connection)
    schema = load_schema(ROOT / "schemas" / "arms_news.yaml")
    documents = load_corpus(ROOT / "seeds").documents
    result = push(client=client, schema=schema, documents=documents, project_title="seed gold rebuild",
                  annotations_path=GOLD, data_dir=label_studio.data_dir)
    raw = work / "seeds.json"
    key = raw.with_name("annotators.json")
    shutil.copyfile(SEED_KEY, key)
    key.chmod(0o600)
    pull(client=client, project_id=result.project_id, out=raw)
    for earlier in EARLIER:
        shutil.copytree(earlier, work / "exports" / earlier.name)
    return export(raw, schema=schema, out_root=work / "exports", bump="auto").path


def test_committed_latest_version_rebuilds_byte_for_byte_from_the_gold_file(rebuilt):
    assert PUBLISHED.is_dir(), "exports/v1.1.0 is missing: build it as README.md 'The first dataset' says"
    assert rebuilt.name == PUBLISHED.name
    committed, made = _digests(PUBLISHED), _digests(rebuilt)
    assert committed
    assert made == committed


def test_a_pulled_label_studio_export_pushes_back_as_annotations_into_a_new_project(label_studio, rebuilt):
    # The raw file annotate pull wrote has Label Studio's real shape (predictions, expanded
    # completed_by, drafts, import ids): push --annotations takes it as it is.
    raw = rebuilt.parent.parent / "seeds.json"
    client = connect(label_studio.connection)
    schema = load_schema(ROOT / "schemas" / "arms_news.yaml")
    documents = load_corpus(ROOT / "seeds").documents
    result = push(client=client, schema=schema, documents=documents, project_title="seed gold pushed back",
                  annotations_path=raw, data_dir=label_studio.data_dir)
    assert (result.annotations_imported, result.annotations_already_present) == (2, 0)


def test_committed_exports_pass_validation():
    report = validate(ROOT / "exports")
    assert report.ok, "\n".join(str(failure) for failure in report.errors)


def test_seed_dataset_holds_the_gold_annotation_exactly():
    schema = load_schema(ROOT / "schemas" / "arms_news.yaml")
    texts = {d.id: d.text for d in load_corpus(ROOT / "seeds").documents}
    documents = load_dataset(str(PUBLISHED), "documents")
    rows = [row for split in documents.values() for row in split]
    assert {row["id"] for row in rows} == set(texts)
    labels = documents[next(iter(documents))].features["entities"].feature["label"].names
    assert labels == list(schema.entity_labels)

    gold = {task["data"]["document_id"]: task["annotations"][0]["result"] for task in json.loads(GOLD.read_text("utf-8"))}
    for row in rows:
        assert row["text"] == texts[row["id"]]
        spans = {(r["value"]["start"], r["value"]["end"], r["value"]["labels"][0])
                 for r in gold[row["id"]] if r.get("from_name") == "entities"}
        assert {(e["start"], e["end"], labels[e["label"]]) for e in row["entities"]} == spans
        assert all(row["text"][e["start"]:e["end"]] == e["text"] for e in row["entities"] + row["claims"])
        claims = {r["id"] for r in gold[row["id"]] if r.get("from_name") == "claims"}
        assert {c["id"] for c in row["claims"]} == claims
        assert row["policy"] == "ground_truth"
        assert (row["url"], row["outlet"], row["published"]) == (None, None, None)  # .txt articles: no metadata
