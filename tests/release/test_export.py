"""``annotate export``: a raw Label Studio export becomes a versioned folder that plain ``datasets`` loads.

The raw exports are hand-made Label Studio tasks (tests/export_data.py): several annotators, a
ground truth, cancelled annotations, a document nobody annotated, emoji and ``\\r\\n`` before spans.
Every config is loaded back with ``datasets.load_dataset(folder, config)``.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from datasets import load_dataset
from export_data import (
    NEWS,
    Annotator,
    annotation,
    filler_document,
    israel_document,
    moscow_document,
    realistic_export,
    task,
    tehran_document,
    write_export,
)
from huggingface_hub import DatasetCard
from iob2_decoder import entities_from_tags

import annotate.release.export as dataset_module
import annotate.release.parquet as parquet_module
import annotate.release.row_writer as row_writer_module
from annotate.cli import main
from annotate.conversion.annotator_key import load_key
from annotate.conversion.pseudonyms import AnnotatorNames
from annotate.conversion.records import Span
from annotate.conversion.text_check import text_checksum
from annotate.errors import AnnotateError, AnnotationError, ExportError, ValidationFailed
from annotate.report.build import build_report
from annotate.scheme.features import CONFIGS, config_features, ner_tag_names
from annotate.scheme.schema import parse_schema
from annotate.text.tokens import flat_entities
from annotate.validation.validate import validate

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "schemas" / "arms_news.yaml"


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hf-cache")


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    return write_export(tmp_path_factory.mktemp("raw") / "project.json", realistic_export())


@pytest.fixture(scope="module")
def version(tmp_path_factory, raw, schema) -> Path:
    """v1.0.0 of the realistic export, shared by the tests that only read it."""
    root = tmp_path_factory.mktemp("base") / "exports"
    result = dataset_module.export(raw, schema=schema, out_root=root, version="1.0.0")
    return result.path


def _load(path: Path, config: str, cache: Path):
    return load_dataset(str(path), config, cache_dir=str(cache))


def _rows(path: Path, config: str, cache: Path) -> list[dict]:
    loaded = _load(path, config, cache)
    return [row for split in loaded for row in loaded[split]]


def _digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def _tasks_with(*extra: dict) -> list[dict]:
    return realistic_export() + list(extra)


# -- what a researcher loads -------------------------------------------------------------------------


def test_every_config_loads_with_plain_datasets_and_keeps_its_class_labels(version, schema, cache):
    expected = config_features(schema)
    manifest = _manifest(version)
    for config in CONFIGS:
        loaded = _load(version, config, cache)
        assert set(loaded) == set(manifest["configs"][config])
        for split, data in loaded.items():
            assert data.features == expected[config]
            assert data.num_rows == manifest["configs"][config][split]["rows"]
    default = load_dataset(str(version), cache_dir=str(cache))
    assert default["train"].features["entities"].feature["label"].names == list(schema.entity_labels)


def test_every_span_in_every_config_slices_its_document_text(version, cache):
    documents = {row["id"]: row for row in _rows(version, "documents", cache)}
    for row in documents.values():
        for span in row["entities"] + row["claims"]:
            assert row["text"][span["start"]:span["end"]] == span["text"]
    for row in _rows(version, "annotations", cache):
        text = documents[row["document_id"]]["text"]
        for span in row["entities"] + row["claims"]:
            assert text[span["start"]:span["end"]] == span["text"]
    for row in _rows(version, "ner", cache):
        text = documents[row["document_id"]]["text"]
        assert [text[s:e] for s, e in zip(row["token_starts"], row["token_ends"])] == row["tokens"]
    moscow = documents["doc-moscow"]
    assert "\r\n" in moscow["text"] and "\U0001F44D" in moscow["text"]
    assert any(span["text"] == "Vladimir Putin" for span in moscow["entities"])


def test_ner_tags_give_back_the_gold_entities_of_each_document(version, schema, cache):
    labels = schema.entity_labels
    documents = {row["id"]: row for row in _rows(version, "documents", cache)}
    found: dict[str, list] = {}
    for row in _rows(version, "ner", cache):
        found.setdefault(row["document_id"], []).extend(
            entities_from_tags(row["token_starts"], row["token_ends"], row["ner_tags"], labels))
    for document_id, row in documents.items():
        gold = [Span(e["id"], e["start"], e["end"], e["text"], labels[e["label"]]) for e in row["entities"]]
        assert sorted(found.get(document_id, [])) == sorted((e.start, e.end, e.label) for e in flat_entities(gold, labels))
    tehran = [row for row in _rows(version, "ner", cache) if row["document_id"] == "doc-tehran"]
    names = ner_tag_names(schema)
    tagged = [(token, names[tag]) for row in tehran for token, tag in zip(row["tokens"], row["ner_tags"])]
    assert ("The", "B-ORG") in tagged and ("Majlis", "I-ORG") in tagged  # the longer of two nested ORGs
    assert ("Re\u0301sume\u0301", "B-EVENT") in tagged


def test_claims_config_has_the_semeval_shape_with_context_and_claimant(version, schema, cache):
    rows = {row["id"]: row for row in _rows(version, "claims", cache)}
    putin = rows["doc-moscow:c1"]
    assert putin["claimant"] == "Vladimir Putin"
    assert putin["target"] == schema.stance.target
    assert putin["claim"] in putin["context"] and putin["context"].startswith("An aide to Russian President")
    assert putin["stance"] == schema.stance.values.index("FAVOR")
    assert rows["doc-moscow:c2"]["claimant"] == "Vladimir Kozhin"  # linked right to left
    assert rows["doc-israel:k1"]["claimant"] is None
    assert rows["doc-israel:k1"]["claim_type"] == schema.attribute("claim_type").values.index("OPINION")


def test_gold_follows_the_policy_and_cancelled_or_empty_documents_are_counted_not_published(version, schema, cache):
    documents = {row["id"]: row for row in _rows(version, "documents", cache)}
    assert {"doc-skipped", "doc-untouched"}.isdisjoint(documents)
    israel = documents["doc-israel"]
    assert israel["policy"] == "ground_truth" and len(israel["entities"]) == 8
    assert israel["stance"] == schema.stance.values.index("AGAINST")
    moscow = documents["doc-moscow"]
    assert moscow["policy"] == "majority" and len(moscow["annotators"]) == 2
    assert "195 kilometers" not in {e["text"] for e in moscow["entities"]}  # a tie the latest annotator lacks
    assert documents["doc-tehran"]["policy"] == "single"
    counts = _manifest(version)["counts"]
    assert counts["documents_without_annotation"] == 2
    assert counts["annotations_cancelled"] == 2
    card = (version / "README.md").read_text(encoding="utf-8")
    assert "| documents without any completed annotation (left out) | 2 |" in card


def test_annotations_config_has_every_completed_annotation_unmerged_under_pseudonyms(version, cache):
    rows = _rows(version, "annotations", cache)
    by_document: dict[str, int] = {}
    for row in rows:
        assert row["id"] == f"{row['document_id']}:{row['annotator']}"  # no Label Studio ids or times
        by_document[row["document_id"]] = by_document.get(row["document_id"], 0) + 1
    assert {key: by_document[key] for key in ("doc-moscow", "doc-israel", "doc-tehran")} == {
        "doc-moscow": 2, "doc-israel": 2, "doc-tehran": 1}  # cancelled ones (Carol on moscow) left out
    assert not {"created_at", "updated_at"} & set(rows[0])
    israel = [row for row in rows if row["document_id"] == "doc-israel"]
    carol = next(row for row in israel if not row["ground_truth"])
    assert [e["text"] for e in carol["entities"]] == ["Benjamin Netanyahu"]
    assert all(row["annotator"].startswith("annotator-") for row in rows)
    for path in version.rglob("*"):
        if path.is_file():
            assert b"bob@example.org" not in path.read_bytes()


def test_annotator_emails_appear_only_when_asked_for(tmp_path, raw, schema, cache):
    result = dataset_module.export(raw, schema=schema, out_root=tmp_path / "exports", version="1.0.0",
                                   include_emails=True)
    annotators = {row["annotator"] for row in _rows(result.path, "annotations", cache)}
    assert "bob@example.org" in annotators


# -- card, manifest, schema ---------------------------------------------------------------------------


def test_card_is_hub_metadata_whose_configs_and_sizes_match_the_files(version, schema):
    card = DatasetCard.load(version / "README.md")
    data = card.data.to_dict()
    assert data["license"] == schema.license and data["language"] == [schema.language]
    assert "token-classification" in data["task_categories"] and data["pretty_name"] == schema.title
    configs = {entry["config_name"]: entry for entry in data["configs"]}
    assert list(configs) == list(CONFIGS) and configs["documents"]["default"] is True
    manifest = _manifest(version)
    for info in data["dataset_info"]:
        files = configs[info["config_name"]]["data_files"]
        assert all((version / item["path"]).is_file() for item in files)
        recorded = manifest["configs"][info["config_name"]]
        assert {s["name"]: s["num_examples"] for s in info["splits"]} == {k: v["rows"] for k, v in recorded.items()}
    text = card.text
    for config in CONFIGS:
        assert f'load_dataset("exports/v1.0.0", "{config}")' in text
    assert "Ground truth wins" in text and "| `WEAPON` |" in text and "## Annotator agreement" in text


def test_manifest_lists_every_file_with_its_checksum_and_the_sources(version, raw, schema):
    manifest = _manifest(version)
    listed = manifest["files"]
    on_disk = _digests(version)
    on_disk.pop("manifest.json")
    assert {name: entry["sha256"] for name, entry in listed.items()} == on_disk
    assert all(entry["size"] == (version / name).stat().st_size for name, entry in listed.items())
    assert manifest["schema"] == {"name": schema.name, "version": schema.version,
                                  "fingerprint": schema.fingerprint, "file": "schema.yaml"}
    assert manifest["source"]["sha256"] == hashlib.sha256(raw.read_bytes()).hexdigest()
    assert manifest["source"]["snapshot"] is None
    assert manifest["toolkit"]["name"] == "annotate"
    assert manifest["splits"]["ratios"] == {"train": 0.8, "validation": 0.1, "test": 0.1}
    text = (version / "manifest.json").read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert parse_schema(yaml.safe_load((version / "schema.yaml").read_text(encoding="utf-8"))).fingerprint == schema.fingerprint


def test_snapshot_record_of_the_pull_is_kept_without_credentials(tmp_path, schema):
    raw = write_export(tmp_path / "pulled.json", realistic_export(fillers=2))
    (tmp_path / "pulled.json.meta.json").write_text(json.dumps({
        "project_id": 7, "project_title": "Arms news", "url": "http://user:secret@127.0.0.1:8080/",
        "export_id": 42, "snapshot_created_at": "2025-03-02T11:00:00Z", "api_key": "never-copied"}), encoding="utf-8")
    result = dataset_module.export(raw, schema=schema, out_root=tmp_path / "exports", version="1.0.0")
    snapshot = _manifest(result.path)["source"]["snapshot"]
    assert snapshot == {"project_id": 7, "project_title": "Arms news", "url": "http://127.0.0.1:8080/",
                        "export_id": 42, "created_at": "2025-03-02T11:00:00Z"}
    for path in result.path.rglob("*"):
        if path.is_file():
            assert b"secret" not in path.read_bytes() and b"never-copied" not in path.read_bytes()
    assert "export snapshot 42" in (result.path / "README.md").read_text(encoding="utf-8")


def test_agreement_figures_are_summarised_in_the_card(tmp_path, schema):
    raw = write_export(tmp_path / "raw.json", realistic_export(fillers=2))
    result = dataset_module.export(raw, schema=schema, out_root=tmp_path / "exports", version="1.0.0",
                                   agreement={"entities": {"exact_f1": 0.81234, "pairs": 3}})
    card = (result.path / "README.md").read_text(encoding="utf-8")
    assert "| entities.exact_f1 | 0.8123 |" in card and "| entities.pairs | 3 |" in card


# -- determinism and atomicity ---------------------------------------------------------------------------


def test_the_same_input_and_version_rebuild_byte_identical_files(tmp_path, raw, schema, version):
    rebuilt = dataset_module.export(raw, schema=schema, out_root=tmp_path / "exports", version="1.0.0")
    assert _digests(rebuilt.path) == _digests(version)


def test_batches_of_any_size_write_the_same_bytes(tmp_path, raw, schema, version, monkeypatch):
    monkeypatch.setattr(row_writer_module, "BATCH", 7)  # several batches, cut anywhere
    rebuilt = dataset_module.export(raw, schema=schema, out_root=tmp_path / "exports", version="1.0.0")
    assert _digests(rebuilt.path) == _digests(version)


def test_a_crash_while_writing_leaves_no_version_folder_and_no_work_folder(tmp_path, raw, schema, monkeypatch):
    written = []

    def failing_write(self, count):
        if written:
            raise OSError(28, "No space left on device")
        written.append(self.path)
        original(self, count)

    original = parquet_module._SplitFile._write
    monkeypatch.setattr(parquet_module, "ROW_GROUP_ROWS", 5)
    monkeypatch.setattr(parquet_module._SplitFile, "_write", failing_write)
    root = tmp_path / "exports"
    with pytest.raises(OSError, match="No space left"):
        dataset_module.export(raw, schema=schema, out_root=root, version="1.0.0")
    assert written  # the crash came after a file was begun
    assert list(root.iterdir()) == []


def test_a_killed_export_leaves_nothing_and_the_next_run_succeeds(tmp_path, schema):
    raw = write_export(tmp_path / "big.json", [filler_document(n, n + 1) for n in range(3000)])
    root = tmp_path / "exports"
    command = [sys.executable, "-m", "annotate", "export", "--input", str(raw), "--version", "1.0.0",
               "--out", str(root), "--schema", str(SCHEMA_FILE)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not any(root.glob(".export-*/data/*/*.parquet")) and process.poll() is None:
        assert time.monotonic() < deadline, "the export never started writing"
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not (root / "v1.0.0").exists()
    assert main(["export", "--input", str(raw), "--version", "1.0.0", "--out", str(root),
                 "--schema", str(SCHEMA_FILE)]) == 0
    assert [p.name for p in root.iterdir()] == ["v1.0.0"]


# -- versions ------------------------------------------------------------------------------------------------


def test_an_existing_version_is_never_overwritten(version, raw, schema):
    before = _digests(version)
    with pytest.raises(ExportError, match="v1.0.0 exists already and a published version never changes"):
        dataset_module.export(raw, schema=schema, out_root=version.parent, version="1.0.0")
    with pytest.raises(ExportError, match="version 0.9.0 is not above the latest version 1.0.0"):
        dataset_module.export(raw, schema=schema, out_root=version.parent, version="0.9.0")
    assert _digests(version) == before
    assert [p.name for p in version.parent.iterdir()] == ["v1.0.0"]


def test_added_documents_need_a_minor_step_whichever_way_the_version_is_given(tmp_path, schema):
    root = tmp_path / "exports"
    dataset_module.export(write_export(tmp_path / "v1.json", realistic_export(fillers=5)), schema=schema,
                          out_root=root, bump="auto")
    grown = write_export(tmp_path / "v2.json", realistic_export(fillers=8))
    with pytest.raises(ExportError, match=r"patch step from 1.0.0, but 3 document\(s\) added"):
        dataset_module.export(grown, schema=schema, out_root=root, bump="patch")
    with pytest.raises(ExportError, match="needs a minor step"):
        dataset_module.export(grown, schema=schema, out_root=root, version="1.0.1")
    result = dataset_module.export(grown, schema=schema, out_root=root, bump="auto")
    assert result.version == "1.1.0" and result.reasons == ["3 document(s) added"]


_WITHOUT_DATASETS = """
import sys
from annotate.cli import main
codes = [main(["export", "--input", path, "--schema", sys.argv[1], "--out", sys.argv[2], "--bump", "auto"])
         for path in sys.argv[3:]]
print(codes, sorted(name for name in sys.modules if name.split(".")[0] == "datasets"))
"""


def test_exports_with_and_without_an_earlier_version_never_import_datasets(tmp_path):
    """datasets takes a second to import: the export writes its features, card and checks
    without it, also when it compares rows with an earlier version."""
    first = realistic_export(fillers=3)
    corrected = copy.deepcopy(first)
    corrected[0]["annotations"][0]["result"] = corrected[0]["annotations"][0]["result"][1:]
    raws = [write_export(tmp_path / "v1.json", first), write_export(tmp_path / "v2.json", corrected)]
    completed = subprocess.run([sys.executable, "-c", _WITHOUT_DATASETS, str(SCHEMA_FILE), str(tmp_path / "exports"),
                                *map(str, raws)], capture_output=True, text=True, check=True, cwd=ROOT,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert completed.stdout.splitlines()[-1] == "[0, 0] []"
    assert sorted(p.name for p in (tmp_path / "exports").iterdir()) == ["v1.0.0", "v1.0.1"]
    assert "changed" in (tmp_path / "exports" / "v1.0.1" / "CHANGELOG.md").read_text(encoding="utf-8")
    assert validate(tmp_path / "exports").ok


def test_corrections_only_are_a_patch_and_the_changelog_says_what_moved(tmp_path, schema):
    root = tmp_path / "exports"
    first = realistic_export(fillers=3)
    dataset_module.export(write_export(tmp_path / "v1.json", first), schema=schema, out_root=root, version="1.0.0")
    corrected = copy.deepcopy(first)
    tehran = next(t for t in corrected if t["data"]["document_id"] == "doc-tehran")
    tehran["annotations"][0]["result"] = [r for r in tehran["annotations"][0]["result"]
                                          if r.get("id") != "t4"]  # the DATE 2016 was wrong
    result = dataset_module.export(write_export(tmp_path / "v2.json", corrected), schema=schema, out_root=root,
                                   bump="auto")
    assert result.version == "1.0.1"
    changelog = (result.path / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.startswith("# Changelog\n\n## 1.0.1\n")
    assert "Documents whose gold annotation changed: 1 (`doc-tehran`)" in changelog
    assert "Annotations added / removed / changed: 0 / 0 / 1" in changelog
    assert "| entities.DATE | " in changelog
    assert "## 1.0.0\n\nFirst version" in changelog
    assert "Documents whose gold annotation changed: 1" in (result.path / "README.md").read_text(encoding="utf-8")


def test_a_new_toolkit_that_derives_rows_differently_is_a_patch_whose_changelog_names_the_rows(
        tmp_path, schema, monkeypatch):
    root = tmp_path / "exports"
    raw = write_export(tmp_path / "raw.json", realistic_export(fillers=3))
    first = dataset_module.export(raw, schema=schema, out_root=root, version="1.0.0")
    # A later toolkit that keeps each document whole as one sentence: same annotations, other ner rows.
    monkeypatch.setattr("annotate.release.rows.sentence_spans", lambda text: [(0, len(text))])
    monkeypatch.setattr(dataset_module, "__version__", "9.9.9")
    result = dataset_module.export(raw, schema=schema, out_root=root, bump="auto")
    assert result.version == "1.0.1" and result.reasons == ["corrections only"]
    documents = first.rows["documents"]
    changelog = (result.path / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "Annotations added / removed / changed: 0 / 0 / 0" in changelog
    assert "- Label counts: unchanged" in changelog
    ner = _manifest(result.path)["changes"]["derived_rows"]["ner"]
    # One row per document now: rows 1, 2, ... of each document are gone, and row 0 changed
    # wherever a document had more than one sentence.
    assert ner["added"] == 0 and ner["removed"] == sum(first.rows["ner"].values()) - sum(documents.values())
    assert 0 < ner["changed"] <= sum(documents.values())
    assert f"ner 0 / {ner['removed']} / {ner['changed']}" in changelog
    assert "Built with annotate 9.9.9 (1.0.0 was built with annotate " in changelog


def test_a_version_that_records_the_snapshot_time_its_predecessor_lacked_says_so_in_the_changelog(tmp_path, schema):
    root = tmp_path / "exports"
    raw = write_export(tmp_path / "raw.json", realistic_export(fillers=3))
    dataset_module.export(raw, schema=schema, out_root=root, version="1.0.0")  # no sidecar: no snapshot time
    (tmp_path / "raw.json.meta.json").write_text(json.dumps({
        "project_id": 7, "project_title": "Arms news", "url": "http://127.0.0.1:8080",
        "export_id": 42, "snapshot_created_at": "2025-03-02T11:00:00Z"}), encoding="utf-8")
    result = dataset_module.export(raw, schema=schema, out_root=root, bump="auto")
    changelog = (result.path / "CHANGELOG.md").read_text(encoding="utf-8")
    assert result.version == "1.0.1"
    assert "- Provenance: the manifest records when the Label Studio export snapshot was made (1.0.0 recorded " \
           "no time)" in changelog
    again = dataset_module.export(raw, schema=schema, out_root=root, bump="auto")
    assert "Provenance" not in (again.path / "CHANGELOG.md").read_text(encoding="utf-8").split("## 1.0.1")[0]


def test_the_annotator_key_is_private_holds_no_email_and_stays_out_of_the_version(tmp_path, schema):
    raw = write_export(tmp_path / "raw.json", realistic_export(fillers=2))
    result = dataset_module.export(raw, schema=schema, out_root=tmp_path / "exports", version="1.0.0")
    key_file = tmp_path / "annotators.json"
    assert result.annotator_key == key_file and result.annotator_key_created
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert b"@" not in key_file.read_bytes()
    secret = json.loads(key_file.read_text(encoding="utf-8"))["key"]
    for path in result.path.rglob("*"):
        assert path.name != "annotators.json"
        if path.is_file():
            assert secret.encode() not in path.read_bytes() and b"bob@example.org" not in path.read_bytes()
    assert _manifest(result.path)["source"]["annotators"] == {"names": "pseudonym",
                                                              "key_id": load_key(key_file).key_id}
    again = dataset_module.export(raw, schema=schema, out_root=tmp_path / "exports", bump="patch")
    assert not again.annotator_key_created


def test_a_lost_annotator_key_is_refused_after_a_published_version_unless_new_names_are_asked_for(
        tmp_path, schema, cache):
    root = tmp_path / "exports"
    raw = write_export(tmp_path / "raw.json", realistic_export(fillers=2))
    first = dataset_module.export(raw, schema=schema, out_root=root, version="1.0.0")
    names = {row["annotator"] for row in _rows(first.path, "annotations", cache)}
    (tmp_path / "annotators.json").unlink()
    with pytest.raises(ExportError, match=r"annotators.json: there is no annotator key that named the annotators "
                                          r"of 1.0.0.*--new-annotator-key"):
        dataset_module.export(raw, schema=schema, out_root=root, bump="auto")
    assert [p.name for p in root.iterdir()] == ["v1.0.0"]
    renamed = dataset_module.export(raw, schema=schema, out_root=root, bump="auto", new_annotator_key=True)
    assert renamed.annotator_key_created
    assert not names & {row["annotator"] for row in _rows(renamed.path, "annotations", cache)}
    assert "- Annotators: new pseudonyms (another annotator key than 1.0.0's)" in (
        renamed.path / "CHANGELOG.md").read_text(encoding="utf-8")


def test_a_user_id_the_key_never_recorded_is_named_with_a_warning(tmp_path, schema):
    raw = write_export(tmp_path / "raw.json", realistic_export(fillers=2))  # users 1 and 3 appear as ids only
    result = dataset_module.export(raw, schema=schema, out_root=tmp_path / "exports", version="1.0.0")
    (warning,) = [w for w in result.warnings if "user id" in w]
    assert warning.startswith("warning: user id(s) 1, 3 are not recorded in ")
    assert "run annotate pull once" in warning


def test_an_annotator_key_readable_by_others_is_refused(tmp_path, schema):
    raw = write_export(tmp_path / "raw.json", realistic_export(fillers=2))
    dataset_module.export(raw, schema=schema, out_root=tmp_path / "exports", version="1.0.0")
    (tmp_path / "annotators.json").chmod(0o644)
    with pytest.raises(AnnotateError, match=r"annotators.json: the annotator key is readable by others \(mode "
                                            r"0644\); run chmod 600"):
        dataset_module.export(raw, schema=schema, out_root=tmp_path / "exports", bump="patch")


def test_white_space_at_span_edges_splits_neither_the_majority_nor_agreement_and_is_never_published(
        tmp_path, schema, cache):
    text = "Moscow: Putin\u00a0met Rouhani.\r\n"
    votes = {"nbsp-after": (8, 14), "exact": (8, 13), "space-before": (7, 13)}  # "Putin\u00a0", "Putin", " Putin"

    def work(start: int, end: int, blank: bool = False) -> Annotator:
        annotator = Annotator(text)
        annotator.result.append({"id": "p", "from_name": "entities", "to_name": "text", "type": "labels",
                                 "value": {"start": start, "end": end, "text": text[start:end], "labels": ["PERSON"]}})
        if blank:  # a span of white space alone (the no-break space): left out with a warning
            annotator.result.append({"id": "w", "from_name": "entities", "to_name": "text", "type": "labels",
                                     "value": {"start": 13, "end": 14, "text": "\u00a0", "labels": ["GPE"]}})
        return annotator.stance("NONE")

    tasks = [task(1, "doc-putin", "Putin", text, [
        annotation(10 + number, {"id": number, "email": f"{name}@example.org"}, work(*offsets, blank=number == 0))
        for number, (name, offsets) in enumerate(votes.items())])]
    raw = write_export(tmp_path / "raw.json", tasks)
    result = dataset_module.export(raw, schema=schema, out_root=tmp_path / "exports", version="1.0.0")
    (document,) = _rows(result.path, "documents", cache)
    assert document["policy"] == "unanimous"  # trimmed, the three annotators agree
    assert [(e["start"], e["end"], e["text"]) for e in document["entities"]] == [(8, 13, "Putin")]
    spans = [e for row in _rows(result.path, "annotations", cache) for e in row["entities"]]
    assert len(spans) == 3 and {(e["start"], e["end"], e["text"]) for e in spans} == {(8, 13, "Putin")}
    assert result.counts["whitespace_spans_left_out"] == 1
    assert result.warnings[0].startswith("warning: document doc-putin (task 1), annotation 10, region w: span 13-14 "
                                         "is white space only; left out")
    assert "| spans of white space alone (left out, a warning names each) | 1 |" in (
        result.path / "README.md").read_text(encoding="utf-8")
    report = build_report(raw, schema)
    assert report.figures["agreement"]["entities"]["labels"]["PERSON"]["exact"]["f1"] == 1.0


def test_spans_without_value_text_are_counted_in_the_card_and_named_in_a_warning(tmp_path, schema):
    tasks = realistic_export(fillers=2)
    for item in tasks[0]["annotations"][0]["result"]:
        if item.get("id") == "e1" and item.get("from_name") == "entities":
            del item["value"]["text"]
    raw = write_export(tmp_path / "raw.json", tasks)
    result = dataset_module.export(raw, schema=schema, out_root=tmp_path / "exports", version="1.0.0")
    assert result.counts["regions_without_text"] == 1
    (warning,) = [w for w in result.warnings if "value.text" in w]
    assert warning.startswith("warning: document doc-moscow (task 1), annotation 101, region e1: entities span ")
    assert "| spans without `value.text` (kept; offsets not cross-checked, a warning names each) | 1 |" in (
        result.path / "README.md").read_text(encoding="utf-8")


def _with_checksums(tasks: list[dict]) -> list[dict]:
    for item in tasks:
        item["data"]["text_sha256"] = text_checksum(item["data"]["text"])
    return tasks


def test_a_text_edited_in_label_studio_after_push_is_never_published_under_its_id(tmp_path, schema):
    tasks = _with_checksums(realistic_export(fillers=2))
    tasks[1]["data"]["text"] = tasks[1]["data"]["text"].replace("Tel Aviv", "Tel-Aviv")  # edited in the page
    raw = write_export(tmp_path / "raw.json", tasks)
    with pytest.raises(AnnotationError) as refused:
        dataset_module.export(raw, schema=schema, out_root=tmp_path / "exports", version="1.0.0")
    (problem,) = [p for p in refused.value.problems if "text_sha256" in p]
    assert problem.startswith("document doc-israel (task 2): data.text is not the text annotate push sent")
    assert problem.endswith("correct the article in the corpus and run annotate push --update-texts")
    kept = dataset_module.export(raw, schema=schema, out_root=tmp_path / "exports", version="1.0.0", quarantine=True)
    documents = {row["id"] for row in _rows(kept.path, "documents", tmp_path / "cache")}
    assert "doc-israel" not in documents and "doc-moscow" in documents
    assert not [w for w in kept.warnings if "text_sha256" in w]


def test_tasks_pushed_before_the_checksum_are_checked_against_the_corpus_or_get_a_warning(tmp_path, schema):
    tasks = realistic_export(fillers=2)  # no text_sha256: pushed by an older annotate
    raw = write_export(tmp_path / "raw.json", tasks)
    corpus = {item["data"]["document_id"]: item["data"]["text"] for item in tasks}
    unchecked = dataset_module.export(raw, schema=schema, out_root=tmp_path / "a", version="1.0.0")
    (warning,) = [w for w in unchecked.warnings if "text_sha256" in w]
    assert warning.startswith(f"warning: {len(tasks)} task(s) carry no text_sha256") and "--corpus" in warning
    assert "doc-moscow (task 1)" in warning
    assert unchecked.counts["tasks_without_text_checksum"] == len(tasks)
    assert f"| tasks whose text could not be checked against what push sent (no checksum, no corpus) | {len(tasks)} |" \
        in (unchecked.path / "README.md").read_text(encoding="utf-8")
    checked = dataset_module.export(raw, schema=schema, out_root=tmp_path / "b", version="1.0.0", corpus=corpus)
    assert checked.counts["tasks_without_text_checksum"] == 0 and not [w for w in checked.warnings if "text_sha256" in w]
    corpus["doc-tehran"] += " (corrected)"
    with pytest.raises(AnnotationError) as refused:
        dataset_module.export(raw, schema=schema, out_root=tmp_path / "c", version="1.0.0", corpus=corpus)
    assert refused.value.problems == ["document doc-tehran (task 3): data.text differs from the corpus document of the "
                                      "same id (the task was pushed before annotate recorded text checksums, and its "
                                      "text was changed since); restore the text in Label Studio, or run annotate "
                                      "push --update-texts to carry the annotations onto the corpus text"]


def test_the_schemas_document_metadata_become_typed_nullable_documents_columns_described_in_the_card(
        tmp_path, schema, cache):
    assert [(f.name, f.type) for f in schema.metadata] == [("url", "string"), ("outlet", "string"),
                                                           ("published", "date")]
    tasks = realistic_export(fillers=2)
    tasks[0]["data"]["meta"] = {"url": "https://tass.example/1", "outlet": "TASS", "published": "2015-04-13",
                                "year": 2015}  # what push stores: the corpus JSONL fields
    raw = write_export(tmp_path / "raw.json", tasks)
    result = dataset_module.export(raw, schema=schema, out_root=tmp_path / "exports", version="1.0.0")
    documents = load_dataset(str(result.path), "documents", cache_dir=str(cache))
    split = next(iter(documents))
    assert {name: documents[split].features[name].dtype for name in ("url", "outlet", "published")} == {
        "url": "string", "outlet": "string", "published": "date32"}
    rows = {row["id"]: row for name in documents for row in documents[name]}
    assert (rows["doc-moscow"]["url"], rows["doc-moscow"]["outlet"]) == ("https://tass.example/1", "TASS")
    assert rows["doc-moscow"]["published"] == datetime.date(2015, 4, 13)
    assert (rows["doc-tehran"]["url"], rows["doc-tehran"]["published"]) == (None, None)  # no metadata: nulls
    assert "year" not in rows["doc-moscow"]
    card = (result.path / "README.md").read_text(encoding="utf-8")
    assert "| `published` | date32 | The day the article was published (YYYY-MM-DD). (document metadata; null when " \
           "the article has none) |" in card
    tasks[0]["data"]["meta"]["published"] = "13 April 2015"
    with pytest.raises(AnnotationError) as refused:
        dataset_module.export(write_export(tmp_path / "bad.json", tasks), schema=schema, out_root=tmp_path / "bad",
                              version="1.0.0")
    assert refused.value.problems == ['document doc-moscow (task 1): data.meta.published is "13 April 2015", not a '
                                      "date as the schema's documents.metadata says; fix it in the corpus and in the "
                                      "task's data in Label Studio"]


def test_exporting_input_that_changed_nothing_writes_no_version(tmp_path, schema, capsys):
    root = tmp_path / "exports"
    raw = write_export(tmp_path / "raw.json", realistic_export(fillers=3))
    first = dataset_module.export(raw, schema=schema, out_root=root, version="1.0.0")
    before = _digests(root)
    again = dataset_module.export(raw, schema=schema, out_root=root, bump="auto")
    assert again.unchanged and again.version == "1.0.0" and again.path == first.path
    assert main(["export", "--input", str(raw), "--bump", "patch", "--out", str(root),
                 "--schema", str(SCHEMA_FILE)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"nothing new since version 1.0.0 ({first.path}): the data files, the schema and the card's "
                   "facts would be the same; no version written"]
    assert sorted(p.name for p in root.iterdir()) == ["v1.0.0"] and _digests(root) == before


def test_the_same_data_with_other_card_facts_is_a_new_version(tmp_path, schema):
    root = tmp_path / "exports"
    raw = write_export(tmp_path / "raw.json", realistic_export(fillers=3))
    dataset_module.export(raw, schema=schema, out_root=root, version="1.0.0")
    figures = {"markdown": "| measure | value |\n|---|---|\n| Cohen's kappa | 0.71 |\n"}
    result = dataset_module.export(raw, schema=schema, out_root=root, bump="auto", agreement=figures)
    assert not result.unchanged and result.version == "1.0.1"
    assert "Cohen's kappa | 0.71" in (result.path / "README.md").read_text(encoding="utf-8")


def test_a_published_schema_with_a_key_this_toolkit_refuses_does_not_block_the_next_version(tmp_path, schema):
    # An earlier toolkit ignored unknown schema keys and published them; that version never changes.
    root = tmp_path / "exports"
    raw = write_export(tmp_path / "raw.json", realistic_export(fillers=3))
    first = dataset_module.export(raw, schema=schema, out_root=root, version="1.0.0")
    shipped = first.path / "schema.yaml"
    shipped.write_text(shipped.read_text(encoding="utf-8") + "notes: reviewed by the team\n", encoding="utf-8")
    more = write_export(tmp_path / "more.json", realistic_export(fillers=4))
    assert dataset_module.export(more, schema=schema, out_root=root, bump="auto").version == "1.1.0"


def test_a_removed_label_needs_a_major_step(tmp_path, schema):
    raw_schema = copy.deepcopy(schema.source)
    raw_schema["entities"].append({"label": "FACILITY", "definition": "A named site.", "examples": ["Parchin"]})
    wider = parse_schema(raw_schema)
    root = tmp_path / "exports"
    raw = write_export(tmp_path / "raw.json", realistic_export(fillers=3))
    dataset_module.export(raw, schema=wider, out_root=root, version="1.0.0")
    with pytest.raises(ExportError, match="entity_label FACILITY \\(gone\\).*needs a major step"):
        dataset_module.export(raw, schema=schema, out_root=root, version="1.1.0")
    assert not (root / "v1.1.0").exists()
    assert dataset_module.export(raw, schema=schema, out_root=root, bump="auto").version == "2.0.0"


def test_documents_keep_their_split_in_later_versions(tmp_path, schema, cache):
    root = tmp_path / "exports"
    first = dataset_module.export(write_export(tmp_path / "v1.json", realistic_export(fillers=20)), schema=schema,
                                  out_root=root, version="1.0.0")
    second = dataset_module.export(write_export(tmp_path / "v2.json", realistic_export(fillers=40)), schema=schema,
                                   out_root=root, bump="minor", split_ratios={"train": 0, "validation": 0, "test": 1})

    def splits(path: Path) -> dict[str, str]:
        loaded = _load(path, "documents", cache)
        return {row["id"]: split for split in loaded for row in loaded[split]}

    before, after = splits(first.path), splits(second.path)
    assert {doc: after[doc] for doc in before} == before
    assert {after[doc] for doc in set(after) - set(before)} == {"test"}


def test_splits_without_documents_are_left_out_and_the_rest_loads(tmp_path, schema, cache):
    raw = write_export(tmp_path / "raw.json", [moscow_document(), israel_document()])
    result = dataset_module.export(raw, schema=schema, out_root=tmp_path / "exports", version="1.0.0")
    present = set(result.rows["documents"])
    assert present < {"train", "validation", "test"}
    assert set(_load(result.path, "documents", cache)) == present
    card = DatasetCard.load(result.path / "README.md").data.to_dict()
    documents = next(c for c in card["configs"] if c["config_name"] == "documents")
    assert {item["split"] for item in documents["data_files"]} == present


# -- bad annotations -----------------------------------------------------------------------------------------


def _broken_tasks() -> list[dict]:
    """Two documents with broken annotations among good ones."""
    title, text = NEWS[2]
    bad = Annotator(text).entity("b1", "Tehran", "GPE").stance("NONE")
    bad.result[0]["value"]["end"] = len(text) + 5  # offsets outside the text
    bad.result.append({"id": "b2", "from_name": "entities", "to_name": "text", "type": "labels",
                       "value": {"start": 0, "end": 6, "text": "Tehran", "labels": ["ROCKET"]}})
    good = Annotator(text).entity("g1", "Tehran", "GPE").stance("NONE")
    stanceless = Annotator(NEWS[1][1]).claim("s1", "Russia should halt the deliveries", stance=None).stance("AGAINST")
    return [
        tehran_document(),
        task(50, "doc-broken", title, text, [annotation(501, 1, bad), annotation(502, 3, good)]),
        task(51, "doc-stanceless", NEWS[1][0], NEWS[1][1], [annotation(511, 1, stanceless)]),
        *[filler_document(n, 200 + n) for n in range(3)],
    ]


def test_bad_annotations_stop_the_export_listing_every_problem(tmp_path, schema):
    root = tmp_path / "exports"
    raw = write_export(tmp_path / "raw.json", _broken_tasks())
    with pytest.raises(AnnotationError, match="problem\\(s\\) in the annotations; nothing was written") as caught:
        dataset_module.export(raw, schema=schema, out_root=root, version="1.0.0")
    problems = caught.value.problems
    assert any("document doc-broken (task 50), annotation 501, region b1" in p and "outside the text" in p
               for p in problems)
    assert any("annotation 501, region b2" in p and "ROCKET" in p for p in problems)
    assert any("document doc-stanceless (task 51), annotation 511, region s1" in p and "no stance" in p
               for p in problems)
    assert list(root.iterdir()) == []


def test_quarantine_leaves_the_bad_annotations_out_and_reports_them(tmp_path, schema, cache):
    raw = write_export(tmp_path / "raw.json", _broken_tasks())
    result = dataset_module.export(raw, schema=schema, out_root=tmp_path / "exports", version="1.0.0",
                                   quarantine=True)
    lines = [json.loads(line) for line in (result.path / "quarantine.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {(item["document_id"], item["annotation_id"]) for item in lines} == {("doc-broken", 501),
                                                                                ("doc-stanceless", 511)}
    annotations = _rows(result.path, "annotations", cache)
    broken = [row["annotator"] for row in annotations if row["document_id"] == "doc-broken"]
    assert broken == [AnnotatorNames(load_key(result.annotator_key)).name(3)]  # 502 kept, 501 (user 1) left out
    assert not [row for row in annotations if row["document_id"] == "doc-stanceless"]
    documents = {row["id"] for row in _rows(result.path, "documents", cache)}
    assert "doc-broken" in documents and "doc-stanceless" not in documents
    counts = _manifest(result.path)["counts"]
    assert counts["annotations_quarantined"] == 2 and counts["documents_quarantined"] == 1
    assert counts["problems"] == len(lines)
    card = (result.path / "README.md").read_text(encoding="utf-8")
    assert "| annotations quarantined (left out) | 2 |" in card and "quarantine.jsonl" in card


def test_predictions_are_not_published_so_a_bad_one_neither_stops_nor_shrinks_the_export(tmp_path, schema,
                                                                                           version, raw):
    tasks = realistic_export()
    tasks[0]["predictions"] = [{"id": 9, "model_version": "m", "result": [
        {"id": "p1", "from_name": "entities", "to_name": "text", "type": "labels",
         "value": {"start": 0, "end": 99999, "text": "x", "labels": ["ROCKET"]}}]}, "not a prediction"]
    predicted = write_export(tmp_path / "raw.json", tasks)
    for quarantine in (False, True):
        result = dataset_module.export(predicted, schema=schema, out_root=tmp_path / f"exports-{quarantine}",
                                       version="1.0.0", quarantine=quarantine,
                                       annotator_key=raw.with_name("annotators.json"))  # the names of `version`
        assert result.quarantined == [] and result.counts["documents_quarantined"] == 0
        data = {name: digest for name, digest in _digests(result.path).items() if name.startswith("data/")}
        assert data == {name: digest for name, digest in _digests(version).items() if name.startswith("data/")}


def test_a_document_in_two_tasks_is_a_problem(tmp_path, schema):
    raw = write_export(tmp_path / "raw.json", _tasks_with(tehran_document(task_id=99)))
    with pytest.raises(AnnotationError) as caught:
        dataset_module.export(raw, schema=schema, out_root=tmp_path / "exports", version="1.0.0")
    assert caught.value.problems == ["document doc-tehran (task 99): the same document is also task 3; "
                                     "delete the duplicate task in Label Studio and pull again"]


# -- nothing published that validation would refuse ----------------------------------------------


def _claimant_lost_tasks() -> list[dict]:
    """Three annotators link one claim to three different entities that each of them alone has:
    the latest claimant wins the tie, but its entity is in one of three annotations, not kept."""
    title, text = NEWS[0]
    claim = "the contract is being implemented"
    linked = [("k", "Vladimir Kozhin", "PERSON"), ("t", "TASS", "ORG"), ("i", "Iran", "GPE")]
    annotations = [annotation(700 + n, n + 1, Annotator(text).entity(f"{r}{n}", needle, label)
                              .claim(f"c{n}", claim, stance="FAVOR", claimant=f"{r}{n}").stance("FAVOR"),
                              updated=f"2025-03-0{n + 1}T10:00:00.000000Z")
                   for n, (r, needle, label) in enumerate(linked)]
    return [task(70, "doc-claimant-lost", title, text, annotations), *[filler_document(n, 200 + n) for n in range(4)]]


def _claimant_required(schema):
    source = copy.deepcopy(schema.source)
    source["claims"]["claimant"]["required"] = True
    return parse_schema(source)


def test_a_gold_claim_that_lost_its_required_claimant_stops_the_export_with_validations_line(tmp_path, schema):
    raw = write_export(tmp_path / "raw.json", _claimant_lost_tasks())
    root = tmp_path / "exports"
    with pytest.raises(ValidationFailed, match="would not pass annotate validate.*nothing was written") as caught:
        dataset_module.export(raw, schema=_claimant_required(schema), out_root=root, version="1.0.0")
    assert any(line.startswith("data/documents/") and "document doc-claimant-lost: claim c2 has no claimant, but "
               "the schema requires one" in line for line in caught.value.problems)
    assert list(root.iterdir()) == []


def test_quarantine_leaves_out_the_document_whose_gold_claim_lost_its_claimant(tmp_path, schema):
    raw = write_export(tmp_path / "raw.json", _claimant_lost_tasks())
    result = dataset_module.export(raw, schema=_claimant_required(schema), out_root=tmp_path / "exports",
                                   version="1.0.0", quarantine=True)
    lines = [json.loads(line) for line in (result.path / "quarantine.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(item["document_id"], item["task_id"]) for item in lines] == [("doc-claimant-lost", 70)]
    assert "would not pass validation" in lines[0]["message"] and "no claimant" in lines[0]["message"]
    assert result.counts["documents"] == 4 and result.counts["documents_quarantined"] == 1
    assert validate(result.path).ok


@pytest.mark.parametrize("batch", [100, 2], ids=["one-batch", "batches-apart"])
def test_the_same_task_twice_in_a_raw_file_never_publishes_a_duplicate_document(tmp_path, schema, cache, batch,
                                                                                monkeypatch):
    # Two exports concatenated: the second holds a task of the first again, same task id.
    monkeypatch.setattr(row_writer_module, "BATCH", batch)  # the copies checked in one batch, or in two
    raw = write_export(tmp_path / "raw.json", realistic_export(fillers=3) + [tehran_document()])
    root = tmp_path / "exports"
    with pytest.raises(ValidationFailed) as caught:
        dataset_module.export(raw, schema=schema, out_root=root, version="1.0.0")
    assert any("config documents" in line and 'id "doc-tehran" appears twice' in line
               for line in caught.value.problems)
    assert list(root.iterdir()) == []
    result = dataset_module.export(raw, schema=schema, out_root=root, version="1.0.0", quarantine=True)
    documents = [row["id"] for row in _rows(result.path, "documents", cache)]
    assert "doc-tehran" not in documents and len(documents) == len(set(documents)) == 5
    assert [problem.document_id for problem in result.quarantined] == ["doc-tehran"]
    assert validate(result.path).ok


def test_an_export_without_any_completed_annotation_publishes_nothing(tmp_path, schema):
    raw = write_export(tmp_path / "raw.json", [task(1, "doc-a", "A", "Nothing here.", [])])
    with pytest.raises(ExportError, match="no document has a completed annotation"):
        dataset_module.export(raw, schema=schema, out_root=tmp_path / "exports", version="1.0.0")
    assert list((tmp_path / "exports").iterdir()) == []


# -- the command line --------------------------------------------------------------------------------------


def test_cli_prints_the_folder_and_row_counts(tmp_path, capsys):
    raw = write_export(tmp_path / "raw.json", realistic_export(fillers=2))
    root = tmp_path / "exports"
    assert main(["export", "--input", str(raw), "--bump", "auto", "--out", str(root), "--schema", str(SCHEMA_FILE)]) == 0
    out = capsys.readouterr().out
    assert f"wrote {root / 'v1.0.0'} (version 1.0.0)" in out
    assert "  documents: train " in out and "  ner: " in out and "  claims: " in out and "  annotations: " in out


def test_cli_prints_every_problem_on_its_own_line_then_the_summary(tmp_path, capsys):
    raw = write_export(tmp_path / "raw.json", _broken_tasks())
    assert main(["export", "--input", str(raw), "--version", "1.0.0", "--out", str(tmp_path / "exports"),
                 "--schema", str(SCHEMA_FILE)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1].startswith("error: ") and "nothing was written" in err[-1]
    assert sum(line.startswith("document doc-") for line in err[:-1]) == len(err) - 1 >= 3


def test_cli_needs_exactly_one_of_version_and_bump(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["export", "--input", "x.json", "--version", "1.0.0", "--bump", "auto"])
    with pytest.raises(SystemExit):
        main(["export", "--input", "x.json"])
    assert main(["export", "--input", str(tmp_path / "missing.json"), "--bump", "auto",
                 "--schema", str(SCHEMA_FILE)]) == 1
    assert "missing.json: no such file" in capsys.readouterr().err
