"""``annotate train``: a model folder with held-out scores, from the gold of a pulled file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from export_data import Annotator, annotation, realistic_export, task, write_export

from annotate.errors import ModelError
from annotate.learning.model import MODEL_FILE, Model
from annotate.learning.train import train

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    return write_export(tmp_path / "raw.json", realistic_export(40))


def test_same_input_and_seed_give_the_same_scores(raw: Path, schema, tmp_path: Path):
    first = train(raw, schema, out_root=tmp_path / "a", seed=3, min_examples=2)
    second = train(raw, schema, out_root=tmp_path / "b", seed=3, min_examples=2)
    assert first.scores == second.scores
    assert first.model_version == second.model_version
    assert first.scores["entities"]["micro"]["support"] > 0


def test_model_folder_records_schema_data_checksum_size_and_scores_and_is_never_overwritten(raw, schema, tmp_path):
    first = train(raw, schema, out_root=tmp_path / "models", min_examples=2)
    second = train(raw, schema, out_root=tmp_path / "models", min_examples=2)
    assert (first.path.name, second.path.name) == ("v1", "v2")
    info = json.loads((first.path / MODEL_FILE).read_text())
    assert info["schema"]["fingerprint"] == schema.fingerprint
    import hashlib
    assert info["training_data"]["sha256"] == hashlib.sha256(raw.read_bytes()).hexdigest()
    assert info["training_data"]["bytes"] == raw.stat().st_size
    assert info["training_data"]["documents"] == first.documents == first.train_documents + first.held_out_documents
    assert info["scores"] == first.scores
    for label in schema.entity_labels:
        assert set(info["scores"]["entities"]["labels"][label]) == {"precision", "recall", "f1", "support"}
    assert set(info["scores"]["document_stance"]) == {"accuracy", "macro_f1", "support"}
    assert not [p for p in (tmp_path / "models").iterdir() if p.name.startswith(".")]  # no work folder left


def test_label_with_too_few_examples_is_named_and_the_rest_is_trained(raw, schema, tmp_path):
    result = train(raw, schema, out_root=tmp_path, min_examples=5)
    assert any("entity label EVENT (1, at least 5 needed)" in w for w in result.warnings)
    info = json.loads((result.path / MODEL_FILE).read_text())
    assert "EVENT" not in info["learned"]["entities"]
    assert {"GPE", "DATE", "QUANTITY"} <= set(info["learned"]["entities"])
    assert info["not_learned"] == list(result.warnings)


def test_proposals_slice_the_text_and_find_names_from_their_context(raw, schema, tmp_path):
    model = Model(train(raw, schema, out_root=tmp_path, min_examples=2).path)
    text = "Report 77: Oman said on Friday that Norway delivered 77 launchers.\r\nNext line 🛰️ here."
    proposals = model.predict(text)
    found = {(text[p.start:p.end], p.label) for p in proposals.entities}
    assert ("Friday", "DATE") in found
    assert ("Norway", "GPE") in found  # a name no training document has
    for span in [*proposals.entities, *proposals.claims]:
        assert 0 <= span.start < span.end <= len(text) and 0 < span.score <= 1
    assert 0 < proposals.score <= 1


def test_no_completed_annotation_is_one_clear_error(schema, tmp_path):
    empty = write_export(tmp_path / "raw.json", [task(1, "doc-a", "A", "Nothing here.", [])])
    with pytest.raises(ModelError, match=r"raw.json: no document has a completed annotation \(1 task"):
        train(empty, schema, out_root=tmp_path / "models")
    assert not (tmp_path / "models").exists() or not list((tmp_path / "models").iterdir())


def test_annotations_made_with_another_schema_are_refused(schema, tmp_path):
    text = "Iran said on Friday."
    work = Annotator(text).entity("a", "Iran", "COUNTRY").stance("FAVOR")
    tasks = [task(n, f"doc-{n}", "T", text, [annotation(n, 1, work)]) for n in range(1, 4)]
    with pytest.raises(ModelError, match="do not match the schema .*unknown entity label.*--schema"):
        train(write_export(tmp_path / "raw.json", tasks), schema, out_root=tmp_path / "models")


def test_model_of_another_schema_is_refused(raw, schema, tmp_path):
    from annotate.scheme.schema import load_schema
    model = Model(train(raw, schema, out_root=tmp_path, min_examples=2).path)
    changed = tmp_path / "other.yaml"
    changed.write_text(schema.path.read_text().replace(f"version: {schema.version}", "version: 9.9.9", 1))
    other = load_schema(changed)
    with pytest.raises(ModelError, match=f"trained for schema arms-deals-news {schema.version}.*train again"):
        model.check_schema(other)


def test_cli_train_prints_scores_and_bad_input_is_one_line(raw, tmp_path):
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "annotate", "train", *args], capture_output=True, text=True,
                              cwd=ROOT, timeout=300)

    done = run("--input", str(raw), "--out", str(tmp_path / "models"), "--min-examples", "2")
    assert done.returncode == 0, done.stderr
    assert f"wrote {tmp_path / 'models' / 'v1'}" in done.stdout
    assert "  GPE " in done.stdout and "document stance" in done.stdout
    assert "warning: too few examples of entity label EVENT" in done.stderr
    missing = run("--input", str(tmp_path / "none.json"), "--out", str(tmp_path / "models"))
    assert missing.returncode == 1
    assert missing.stderr.strip().count("\n") == 0 and "none.json: no such file" in missing.stderr


def test_annotations_with_a_problem_are_left_out_and_named(schema, tmp_path):
    tasks = realistic_export(40)
    broken = tasks[5]["annotations"][0]["result"]
    broken.append({"id": "bad", "from_name": "entities", "to_name": "text", "type": "labels",
                   "value": {"start": 0, "end": 4, "text": "zzzz", "labels": ["GPE"]}})
    result = train(write_export(tmp_path / "raw.json", tasks), schema, out_root=tmp_path / "models", min_examples=2)
    assert result.warnings[0].startswith("1 problem(s) in the annotations; the annotations concerned were left out")
    assert "region bad" in result.warnings[0]
