"""The first real dataset: exports/v1.0.0 is the seed articles' gold annotation, pushed into a real
Label Studio, pulled back and exported. Rebuilding it the same way gives the same data files, byte
for byte, and the committed exports pass validation."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from datasets import load_dataset

from annotate.connection import connect
from annotate.corpus import load_corpus
from annotate.dataset import export
from annotate.pull import pull
from annotate.push import push
from annotate.schema import load_schema
from annotate.validate import validate

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = ROOT / "exports" / "v1.0.0"
GOLD = ROOT / "gold" / "seeds.json"


def _digests(version: Path) -> dict[str, str]:
    """SHA-256 of every data file and of the shipped schema (the card and manifest also name the
    Label Studio snapshot they came from, which differs from server to server)."""
    files = sorted([*(version / "data").rglob("*.parquet"), version / "schema.yaml"])
    return {str(f.relative_to(version)): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


@pytest.fixture(scope="module")
def rebuilt(label_studio, tmp_path_factory) -> Path:
    """v1.0.0 made again from the gold file, through a new project on the real server."""
    work = tmp_path_factory.mktemp("seed-rebuild")
    client = connect(label_studio.connection)
    schema = load_schema(ROOT / "schemas" / "arms_news.yaml")
    documents = load_corpus(ROOT / "seeds").documents
    result = push(client=client, schema=schema, documents=documents, project_title="seed gold rebuild",
                  annotations_path=GOLD, data_dir=label_studio.data_dir)
    raw = work / "seeds.json"
    pull(client=client, project_id=result.project_id, out=raw)
    return export(raw, schema=schema, out_root=work / "exports", version="1.0.0").path


def test_committed_v1_0_0_rebuilds_byte_for_byte_from_the_gold_file(rebuilt):
    assert PUBLISHED.is_dir(), "exports/v1.0.0 is missing: build it as README.md 'The first dataset' says"
    committed = _digests(PUBLISHED)
    assert committed and _digests(rebuilt) == committed


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
