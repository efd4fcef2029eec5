"""``annotate validate``: a real export passes; each way of breaking one is caught with a useful message.

The exports are made by ``annotate.release.export.export`` from hand-made Label Studio JSON
(``export_data``). Corruptions are made the way they happen: a byte changed, a file added or
removed, a Parquet row edited with pyarrow, a card or schema edited by hand. Where a check
other than the checksums is under test, the manifest is re-signed first (as a careless tool
would), to prove that the check catches the problem on its own.
"""

from __future__ import annotations

import copy
import json
import re
import shlex
import shutil
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from datasets import ClassLabel, Features
from export_data import filler_document, realistic_export, write_export

from annotate.cli import build_parser, main
from annotate.published.manifest import MANIFEST, dumps, file_entries
from annotate.release.export import export
from annotate.scheme.schema import load_schema, parse_schema
from annotate.validation.row_reading import rows
from annotate.validation.validate import validate

PROJECT = Path(__file__).resolve().parents[2]
SCHEMA = load_schema(PROJECT / "schemas" / "arms_news.yaml")
HALVES = {"train": 0.5, "validation": 0.0, "test": 0.5}
ALL_TRAIN = {"train": 1.0, "validation": 0.0, "test": 0.0}
ALL_TEST = {"train": 0.0, "validation": 0.0, "test": 1.0}


# -- building exports --------------------------------------------------------------------------------


def make_version(root: Path, tasks: list[dict], version: str, *, schema=SCHEMA, ratios=HALVES) -> Path:
    root.parent.mkdir(parents=True, exist_ok=True)
    raw = write_export(root.parent / f"raw-{version}.json", tasks)
    return export(raw, schema=schema, out_root=root, version=version, split_ratios=ratios).path


def base_tasks() -> list[dict]:
    return realistic_export(fillers=6)


def more_tasks() -> list[dict]:
    """The base tasks and one more document."""
    return base_tasks() + [filler_document(50, 150)]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Exports roots made once per module; tests work on copies."""
    base = tmp_path_factory.mktemp("built")
    one = base / "one" / "exports"
    make_version(one, base_tasks(), "1.0.0")
    two = base / "two" / "exports"
    make_version(two, base_tasks(), "1.0.0")
    make_version(two, more_tasks(), "1.1.0")
    return {"one": one, "two": two}


@pytest.fixture
def exports(built: dict[str, Path], tmp_path: Path) -> Path:
    """A copy of an exports root holding a valid v1.0.0."""
    return Path(shutil.copytree(built["one"], tmp_path / "exports"))


@pytest.fixture
def version(exports: Path) -> Path:
    return exports / "v1.0.0"


@pytest.fixture
def two_versions(built: dict[str, Path], tmp_path: Path) -> Path:
    """A copy of an exports root holding valid v1.0.0 and v1.1.0 (one document added)."""
    return Path(shutil.copytree(built["two"], tmp_path / "exports"))


# -- corrupting them ---------------------------------------------------------------------------------


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


def data_file(folder: Path, config: str, split: str | None = None) -> Path:
    splits = manifest_of(folder)["configs"][config]
    return folder / splits[split or sorted(splits)[0]]["path"]


def split_files(folder: Path, config: str) -> dict[str, Path]:
    return {split: folder / entry["path"] for split, entry in manifest_of(folder)["configs"][config].items()}


def read_rows(path: Path) -> list[dict]:
    return pq.read_table(path).to_pylist()


def edit_rows(path: Path, change: Callable[[list[dict]], None]) -> None:
    """Rewrite a Parquet file with ``change`` applied to its rows; schema and features kept."""
    table = pq.read_table(path)
    rows = table.to_pylist()
    change(rows)
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), path)


def resign(folder: Path) -> None:
    """Make the manifest vouch for the files as they are now (checksums, sizes, row counts)."""
    manifest = manifest_of(folder)
    manifest["files"] = file_entries(folder)
    for splits in manifest["configs"].values():
        for entry in splits.values():
            try:
                entry["rows"] = pq.ParquetFile(folder / entry["path"]).metadata.num_rows
            except pa.ArrowInvalid:
                pass  # not Parquet any more: the count stays as it was
    (folder / MANIFEST).write_text(dumps(manifest), encoding="utf-8")


def edit_text(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def errors(path: Path) -> list[str]:
    return [str(failure) for failure in validate(path).errors]


def assert_caught(path: Path, *needles: str) -> list[str]:
    """Validation fails, and for each needle some error line contains it."""
    found = errors(path)
    assert found, "validation passed"
    for needle in needles:
        assert any(needle in line for line in found), f"{needle!r} not in:\n" + "\n".join(found)
    return found


def first_row(path: Path, predicate: Callable[[dict], bool]) -> int:
    return next(index for index, row in enumerate(read_rows(path)) if predicate(row))


# -- a valid export ----------------------------------------------------------------------------------


def test_a_fresh_export_passes_and_the_command_exits_0(exports: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(exports)]) == 0
    assert main(["validate", str(exports / "v1.0.0")]) == 0
    out = capsys.readouterr().out
    assert "every check passed for version(s) 1.0.0" in out
    assert "error" not in out


def test_consecutive_versions_that_follow_the_rules_pass(two_versions: Path) -> None:
    report = validate(two_versions)
    assert [str(failure) for failure in report.failures] == []
    assert report.versions == ["1.0.0", "1.1.0"]


def test_an_export_with_quarantined_annotations_passes(tmp_path: Path) -> None:
    broken = filler_document(60, 160)
    broken["annotations"][0]["result"][0]["value"]["text"] = "Irak"  # not the text at its offsets
    raw = write_export(tmp_path / "raw.json", base_tasks() + [broken])
    result = export(raw, schema=SCHEMA, out_root=tmp_path / "exports", version="1.0.0", quarantine=True)
    assert result.quarantined and (result.path / "quarantine.jsonl").is_file()
    assert [str(failure) for failure in validate(tmp_path / "exports").failures] == []


def test_a_missing_path_fails_with_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nowhere")]) == 1
    assert "no such folder" in capsys.readouterr().err


def test_an_empty_exports_root_fails(tmp_path: Path) -> None:
    assert_caught(tmp_path, "holds no version folder")


# -- output formats ----------------------------------------------------------------------------------


def break_first_entity_text(version: Path) -> tuple[Path, int]:
    documents = data_file(version, "documents")
    row = first_row(documents, lambda r: r["entities"])
    edit_rows(documents, lambda rows: rows[row]["entities"][0].update(text="Atlantis"))
    resign(version)
    return documents, row


def test_each_failure_is_one_line_naming_file_config_row_and_field(version: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    documents, row = break_first_entity_text(version)
    assert main(["validate", str(version)]) == 1
    lines = capsys.readouterr().out.splitlines()
    expected = f"error: {documents}: config documents, row {row}, field entities[0].text: document "
    hit = [line for line in lines if line.startswith(expected)]
    assert len(hit) == 1, lines
    assert '"Atlantis" is not text[' in hit[0]


def test_json_format_lists_each_failure_with_its_parts(version: Path, capsys: pytest.CaptureFixture[str]) -> None:
    documents, row = break_first_entity_text(version)
    assert main(["validate", str(version), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["versions"] == ["1.0.0"]
    failure = next(f for f in report["failures"] if f["field"] == "entities[0].text")
    assert failure["file"] == str(documents)
    assert (failure["config"], failure["row"], failure["severity"]) == ("documents", row, "error")
    assert '"Atlantis" is not text[' in failure["message"]
    assert report["errors"] == sum(1 for f in report["failures"] if f["severity"] == "error")


def test_json_format_of_a_valid_export_says_ok(version: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(version), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["failures"] == [] and report["errors"] == 0


def test_github_format_prints_workflow_error_annotations(version: Path, capsys: pytest.CaptureFixture[str]) -> None:
    documents, row = break_first_entity_text(version)
    assert main(["validate", str(version), "--format", "github"]) == 1
    lines = capsys.readouterr().out.splitlines()
    annotations = [line for line in lines if line.startswith("::")]
    assert annotations and all(re.match(r"^::(error|warning) file=[^,:]+(,line=\d+)?,title=[^:]+::.+", line)
                               for line in annotations), annotations
    file = str(documents).replace(":", "%3A").replace(",", "%2C")
    expected = (f"::error file={file},title=annotate validate (config documents%2C row {row}%2C "
                "field entities[0].text)::document ")
    assert any(line.startswith(expected) and "Atlantis" in line for line in annotations), annotations
    assert "error(s)" in lines[-1]


def test_github_format_gives_the_line_of_a_card_yaml_error(version: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit_text(version / "README.md", "task_categories:\n", "task_categories: [unclosed\n")
    resign(version)
    main(["validate", str(version), "--format", "github"])
    card = str(version / "README.md").replace(":", "%3A").replace(",", "%2C")
    assert any(re.match(rf"^::error file={re.escape(card)},line=\d+,title=annotate validate::"
                        r"the YAML front matter is not valid YAML", line)
               for line in capsys.readouterr().out.splitlines())


# -- files and manifest ------------------------------------------------------------------------------


def test_a_changed_byte_in_a_data_file_fails_its_checksum(version: Path) -> None:
    documents = data_file(version, "documents")
    data = bytearray(documents.read_bytes())
    data[len(data) // 2] ^= 0xFF
    documents.write_bytes(bytes(data))
    assert_caught(version, f"{documents}: SHA-256 differs from manifest.json")


def test_a_file_of_another_size_is_named_with_both_sizes(version: Path) -> None:
    card = version / "README.md"
    size = card.stat().st_size
    card.write_text(card.read_text(encoding="utf-8") + "One more line.\n", encoding="utf-8")
    assert_caught(version, f"{card}: is {size + 15} bytes but manifest.json says {size}")


def test_an_unlisted_file_fails(version: Path) -> None:
    extra = version / "data" / "documents" / "extra.parquet"
    shutil.copy(data_file(version, "documents"), extra)
    assert_caught(version, f"{extra}: not listed in manifest.json")


def test_a_removed_file_fails(version: Path) -> None:
    (version / "GUIDELINES.md").unlink()
    assert_caught(version, f"{version / 'GUIDELINES.md'}: listed in manifest.json but missing")


def test_hidden_temporary_entries_are_warnings_that_do_not_fail(exports: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    (exports / ".export-4242-abc").mkdir()
    (exports / ".export-4242-abc" / "half.parquet").write_bytes(b"PAR1")
    (exports / "v1.0.0" / ".DS_Store").write_bytes(b"\0")
    report = validate(exports)
    assert report.ok
    assert {Path(w.file).name for w in report.warnings} == {".export-4242-abc", ".DS_Store"}
    assert main(["validate", str(exports)]) == 0
    out = capsys.readouterr().out
    assert "warning: " in out and "(2 warning(s))" in out


def test_a_manifest_that_is_not_json_names_its_line(version: Path) -> None:
    edit_text(version / MANIFEST, '"format": 1,', '"format": 1')
    failure = next(f for f in validate(version).errors if f.file.endswith(MANIFEST))
    assert "not valid JSON" in failure.message and failure.line is not None and failure.line > 1


def test_row_counts_in_the_manifest_must_match_the_files(version: Path) -> None:
    manifest = manifest_of(version)
    entry = next(iter(manifest["configs"]["ner"].values()))
    entry["rows"] += 1
    (version / MANIFEST).write_text(dumps(manifest), encoding="utf-8")
    assert_caught(version, f"holds {entry['rows'] - 1} rows but manifest.json says {entry['rows']}")


def test_label_counts_in_the_manifest_must_match_the_rows(version: Path) -> None:
    manifest = manifest_of(version)
    manifest["label_counts"]["entities"]["PERSON"] += 2
    (version / MANIFEST).write_text(dumps(manifest), encoding="utf-8")
    actual = manifest["label_counts"]["entities"]["PERSON"] - 2
    assert_caught(version, f"field label_counts.entities.PERSON: says {actual + 2} but the documents config "
                           f"has {actual}")


def test_a_renamed_version_folder_fails(exports: Path) -> None:
    renamed = (exports / "v1.0.0").rename(exports / "v1.0.1")
    found = assert_caught(exports, "field version: says version '1.0.0' but the folder is v1.0.1")
    assert any(line.startswith(f"{renamed / MANIFEST}:") and "folder is v1.0.1" in line for line in found)


def test_a_root_folder_named_like_a_version_but_not_semver_fails(exports: Path) -> None:
    (exports / "v1.1").mkdir()
    assert_caught(exports, f"{exports / 'v1.1'}: looks like a version folder but is not named vMAJOR.MINOR.PATCH")


# -- the card ----------------------------------------------------------------------------------------


def test_broken_card_yaml_is_reported_with_its_line(version: Path) -> None:
    edit_text(version / "README.md", "task_categories:\n", "task_categories: [unclosed\n")
    resign(version)
    failure = next(f for f in validate(version).errors if "not valid YAML" in f.message)
    lines = (version / "README.md").read_text(encoding="utf-8").splitlines()
    assert failure.file == str(version / "README.md")
    # YAML notices an unclosed list where it next fails to parse: at or after the broken line, within the block
    assert lines.index("task_categories: [unclosed") + 1 <= failure.line < lines.index("---", 1) + 1


def test_a_key_given_twice_in_the_card_yaml_fails(version: Path) -> None:
    edit_text(version / "README.md", "license: cc-by-4.0\n", "license: cc-by-4.0\nlicense: mit\n")
    resign(version)
    assert_caught(version, "not valid YAML: key 'license' appears twice")


def test_card_without_license_or_with_an_unknown_language_fails(version: Path) -> None:
    edit_text(version / "README.md", "license: cc-by-4.0\n", "")
    edit_text(version / "README.md", "language:\n- en\n", "language:\n- english\n")
    resign(version)
    assert_caught(version, "field license: the Hub metadata has no license",
                  "field language: language 'english' is not an ISO 639-1, 639-2 or 639-3 code")


def test_card_configs_must_point_at_files_that_exist(version: Path) -> None:
    path = manifest_of(version)["configs"]["claims"]
    split, entry = next(iter(path.items()))
    edit_text(version / "README.md", f"path: {entry['path']}", "path: data/claims/missing.parquet")
    resign(version)
    assert_caught(version, "data file 'data/claims/missing.parquet' does not exist in the version folder",
                  "the card's data files for this config differ from the manifest's",
                  'load_dataset(')


def test_card_default_config_must_be_documents(version: Path) -> None:
    edit_text(version / "README.md", "- config_name: documents\n  default: true\n", "- config_name: documents\n")
    edit_text(version / "README.md", "- config_name: ner\n", "- config_name: ner\n  default: true\n")
    resign(version)
    assert_caught(version, "the default config is 'ner'; it must be 'documents'")


def test_card_dataset_info_must_have_the_schema_features_and_split_sizes(version: Path) -> None:
    card = version / "README.md"
    edit_text(card, "'0': PERSON", "'0': PEOPLE")
    rows = next(iter(manifest_of(version)["configs"]["documents"].values()))["rows"]
    edit_text(card, f"num_examples: {rows}\n", f"num_examples: {rows + 7}\n")
    resign(version)
    assert_caught(version, "dataset_info features differ from the schema's at entities[].label: ClassLabel names "
                           "are PEOPLE, ORG",
                  f"has {rows + 7} examples; its files hold {rows}")


# -- features and loading ----------------------------------------------------------------------------


def test_a_data_file_with_other_features_fails_and_is_named(version: Path) -> None:
    documents = data_file(version, "documents")
    table = pq.read_table(documents)
    features = Features.from_arrow_schema(table.schema)
    features["stance"] = ClassLabel(names=["PRO", "CONTRA", "NEUTRAL"])
    pq.write_table(table.replace_schema_metadata(features.arrow_schema.metadata), documents)
    resign(version)
    assert_caught(version, f"{documents}: config documents, field stance: the file's features differ from the "
                           "schema's at stance: ClassLabel names are PRO, CONTRA, NEUTRAL; the schema gives FAVOR, "
                           "AGAINST, NONE; rows not checked")


def test_a_schema_edited_after_the_export_fails_fingerprint_and_features(version: Path) -> None:
    edit_text(version / "schema.yaml", "label: QUANTITY", "label: AMOUNT")
    resign(version)
    assert_caught(version, "schema fingerprint", "the schema changed after the export",
                  "loads with other features than the schema generates, at entities[].label: ClassLabel names are "
                  "PERSON, ORG, GPE, NORP, WEAPON, DATE, EVENT, QUANTITY; the schema gives PERSON, ORG, GPE, NORP, "
                  "WEAPON, DATE, EVENT, AMOUNT")


def test_a_config_that_does_not_load_is_reported(version: Path) -> None:
    ner = data_file(version, "ner")
    ner.write_bytes(b"this is not parquet")
    resign(version)
    assert_caught(version, f'load_dataset("{version}", "ner") fails', f"{ner}: config ner: cannot be read as Parquet")


# -- rows: spans, labels, claimants, stances ---------------------------------------------------------


def test_span_text_that_is_not_the_text_at_its_offsets_fails(version: Path) -> None:
    documents, row = break_first_entity_text(version)
    assert_caught(version, f"{documents}: config documents, row {row}, field entities[0].text:",
                  '"Atlantis" is not text[')


def test_span_outside_the_text_fails(version: Path) -> None:
    documents = data_file(version, "documents")
    row = first_row(documents, lambda r: r["claims"])

    def change(rows: list[dict]) -> None:
        rows[row]["claims"][0]["end"] = len(rows[row]["text"]) + 5
    edit_rows(documents, change)
    resign(version)
    assert_caught(version, f"row {row}, field claims[0].start:", "is not within the text (0 <= start < end <= ")


def test_entity_label_outside_the_schema_fails(version: Path) -> None:
    documents = data_file(version, "documents")
    row = first_row(documents, lambda r: r["entities"])
    edit_rows(documents, lambda rows: rows[row]["entities"][-1].update(label=42))
    resign(version)
    assert_caught(version, f"row {row}, field entities[{len(read_rows(documents)[row]['entities']) - 1}].label:",
                  "entity label id 42 is not a schema value (0-7: PERSON, ORG")


def test_claimant_that_is_no_entity_of_the_document_fails(version: Path) -> None:
    documents = data_file(version, "documents")
    row = first_row(documents, lambda r: any(c["claimant_id"] for c in r["claims"]))
    index = next(i for i, c in enumerate(read_rows(documents)[row]["claims"]) if c["claimant_id"])
    edit_rows(documents, lambda rows: rows[row]["claims"][index].update(claimant_id="ghost"))
    resign(version)
    assert_caught(version, f"row {row}, field claims[{index}].claimant_id:",
                  "claimant_id ghost is not an entity of this document")


def test_claim_without_the_stance_the_schema_requires_fails(version: Path) -> None:
    documents = data_file(version, "documents")
    row = first_row(documents, lambda r: r["claims"])
    edit_rows(documents, lambda rows: rows[row]["claims"][0].update(stance=None))
    resign(version)
    assert SCHEMA.stance.claim_required
    assert_caught(version, f"row {row}, field claims[0].stance:", "no claim stance, but the schema requires one")


def test_duplicate_document_id_fails(version: Path) -> None:
    documents = data_file(version, "documents")
    edit_rows(documents, lambda rows: rows.append(copy.deepcopy(rows[0])))
    resign(version)
    duplicate = read_rows(documents)[0]["id"]
    assert_caught(version, f"field id: id \"{duplicate}\" appears twice (also {documents.name} row 0)")


def test_duplicate_region_id_in_a_document_fails(version: Path) -> None:
    documents = data_file(version, "documents")
    row = first_row(documents, lambda r: len(r["entities"]) >= 2)
    first = read_rows(documents)[row]["entities"][0]["id"]
    edit_rows(documents, lambda rows: rows[row]["entities"][1].update(id=first))
    resign(version)
    assert_caught(version, f"row {row}, field entities[1].id:", f"region id {first} appears twice")


# -- rows: ner ---------------------------------------------------------------------------------------


def test_ner_tag_that_disagrees_with_the_entities_fails(version: Path) -> None:
    ner = data_file(version, "ner")
    names = SCHEMA.entity_labels
    row = first_row(ner, lambda r: any(tag for tag in r["ner_tags"]))
    index = next(i for i, tag in enumerate(read_rows(ner)[row]["ner_tags"]) if tag % 2 == 1)
    tag = read_rows(ner)[row]["ner_tags"][index]
    edit_rows(ner, lambda rows: rows[row]["ner_tags"].__setitem__(index, 0))
    resign(version)
    assert_caught(version, f"{ner}: config ner, row {row}, field ner_tags[{index}]:",
                  f"is tagged O but the documents entities give B-{names[(tag - 1) // 2]}")


def test_ner_token_that_is_not_the_text_at_its_offsets_fails(version: Path) -> None:
    ner = data_file(version, "ner")
    edit_rows(ner, lambda rows: rows[0]["tokens"].__setitem__(0, "Xyzzy"))
    resign(version)
    assert_caught(version, f"{ner}: config ner, row 0, field tokens[0]:", '"Xyzzy" is not text[')


def test_rows_are_read_exactly_as_pyarrow_gives_them(version: Path) -> None:
    # The checks read columns flat (faster); a row must still be to_pylist's row, nulls included.
    for path in sorted((version / "data").rglob("*.parquet")):
        expected = pq.read_table(path).to_pylist()
        assert [row for _, row in rows(path)] == expected


def test_ner_text_left_out_of_every_token_fails(version: Path) -> None:
    ner = data_file(version, "ner")
    row = first_row(ner, lambda r: len(r["tokens"]) >= 3)
    dropped = read_rows(ner)[row]["tokens"][1]

    def drop_second_token(rows):
        for column in ("tokens", "ner_tags", "token_starts", "token_ends"):
            del rows[row][column][1]

    edit_rows(ner, drop_second_token)
    resign(version)
    assert_caught(version, f"{ner}: config ner, row {row}, field tokens[1]:", f"{dropped}", "is in no token")


def test_ner_tag_id_outside_the_schema_fails(version: Path) -> None:
    ner = data_file(version, "ner")
    edit_rows(ner, lambda rows: rows[0]["ner_tags"].__setitem__(0, 999))
    resign(version)
    assert_caught(version, f"{ner}: config ner, row 0, field ner_tags[0]:", "tag id 999 is not a tag of the schema")


def test_ner_rows_in_another_split_than_their_document_fail(version: Path) -> None:
    files = split_files(version, "ner")
    assert set(files) == {"train", "test"}, "the fixture needs documents in two splits"
    moved = read_rows(files["test"])[0]
    edit_rows(files["test"], lambda rows: rows.pop(0))
    edit_rows(files["train"], lambda rows: rows.append(moved))
    resign(version)
    assert_caught(version, f"document {moved['document_id']} is in split test in the documents config but this "
                           "row is in train")


# -- rows: agreement between configs -----------------------------------------------------------------


def test_claims_row_of_an_unknown_document_fails(version: Path) -> None:
    claims = data_file(version, "claims")
    edit_rows(claims, lambda rows: rows[0].update(document_id="doc-ghost"))
    resign(version)
    assert_caught(version, f"{claims}: config claims, row 0, field document_id: document_id \"doc-ghost\" is not a "
                           "document of the documents config")


def test_claims_row_that_disagrees_with_the_documents_claim_fails(version: Path) -> None:
    claims = data_file(version, "claims")
    row = first_row(claims, lambda r: r["claimant"])
    edit_rows(claims, lambda rows: rows[row].update(claimant="Somebody Else"))
    resign(version)
    assert_caught(version, f"row {row}, field claimant:", 'claimant "Somebody Else" is not the documents config\'s')


def test_claim_missing_from_the_claims_config_fails(version: Path) -> None:
    claims = data_file(version, "claims")
    lost = read_rows(claims)[0]
    edit_rows(claims, lambda rows: rows.pop(0))
    resign(version)
    assert_caught(version, f"document {lost['document_id']}: claim {lost['claim_id']} has no row in the claims config")


def test_document_without_annotation_rows_fails(version: Path) -> None:
    annotations = data_file(version, "annotations")
    lost = read_rows(annotations)[0]["document_id"]
    edit_rows(annotations, lambda rows: rows.__setitem__(slice(None), [r for r in rows if r["document_id"] != lost]))
    resign(version)
    row = first_row(data_file(version, "documents"), lambda r: r["id"] == lost)
    assert_caught(version, f"config documents, row {row}, field id: document {lost}: has no rows in the annotations "
                           "config")


# -- between versions --------------------------------------------------------------------------------


def copy_in(version_folder: Path, root: Path) -> Path:
    return Path(shutil.copytree(version_folder, root / version_folder.name))


def test_an_earlier_version_changed_after_a_later_one_fails(two_versions: Path) -> None:
    (two_versions / "v1.0.0" / "CHANGELOG.md").write_text("# Changelog\n\nrewritten\n", encoding="utf-8")
    assert_caught(two_versions, f"{two_versions / 'v1.0.0' / 'CHANGELOG.md'}: is ")


def test_documents_added_in_a_patch_version_fail(exports: Path, tmp_path: Path) -> None:
    patch = make_version(tmp_path / "elsewhere", more_tasks(), "1.0.1")
    copy_in(patch, exports)
    assert_caught(exports, "version 1.0.1 is a patch step from 1.0.0, but 1 document(s) added: this needs a minor "
                           "step (1.1.0 or higher)")


def test_a_label_removed_without_a_major_step_fails(tmp_path: Path) -> None:
    source = copy.deepcopy(SCHEMA.source)
    source["entities"].append({"label": "FACILITY", "definition": "A named building or site."})
    wider = parse_schema(source)
    root = tmp_path / "exports"
    make_version(root, base_tasks(), "1.0.0", schema=wider)
    copy_in(make_version(tmp_path / "elsewhere", more_tasks(), "1.1.0"), root)
    assert_caught(root, "version 1.1.0 is a minor step from 1.0.0, but the schema removed, renamed or reordered "
                        "entity_label FACILITY (gone)", "this needs a major step (2.0.0 or higher)")


def test_a_document_moved_to_another_split_fails(tmp_path: Path) -> None:
    root = tmp_path / "exports"
    make_version(root, base_tasks(), "1.0.0", ratios=ALL_TRAIN)
    later = copy_in(make_version(tmp_path / "elsewhere", more_tasks(), "1.1.0", ratios=ALL_TEST), root)
    moved = read_rows(data_file(root / "v1.0.0", "documents"))[0]["id"]
    assert_caught(root, f"document {moved} is in split test but was in train in version 1.0.0: a document never "
                        "changes split", f"{data_file(later, 'documents')}: config documents, row ")


def test_a_version_that_does_not_follow_the_one_before_it_fails(two_versions: Path) -> None:
    edit_text(two_versions / "v1.1.0" / MANIFEST, '"previous_version": "1.0.0"', '"previous_version": "0.9.0"')
    assert_caught(two_versions, "field previous_version: says it follows version 0.9.0, but the version before it "
                                "is 1.0.0")


def test_a_removed_earlier_version_fails(two_versions: Path) -> None:
    shutil.rmtree(two_versions / "v1.0.0")
    assert_caught(two_versions, "says it follows version 1.0.0, which is not in")


def test_versions_out_of_order_fail(two_versions: Path) -> None:
    (two_versions / "v1.0.0").rename(two_versions / "v1.2.0")
    assert_caught(two_versions, "says version '1.0.0' but the folder is v1.2.0",
                  "says it follows version 1.0.0, which is not in")


def test_a_rewritten_history_in_the_changelog_fails(two_versions: Path) -> None:
    later = two_versions / "v1.1.0"
    edit_text(later / "CHANGELOG.md", "## 1.0.0", "## 1.0.0\n\nAn older section, rewritten.")
    resign(later)
    assert_caught(two_versions, f"{later / 'CHANGELOG.md'}: does not continue the history in version 1.0.0's "
                                "CHANGELOG.md")


# -- the sample workflow -----------------------------------------------------------------------------


def test_the_sample_workflow_installs_annotate_and_validates_with_github_annotations() -> None:
    workflow = yaml.safe_load((PROJECT / "examples" / "github-workflow.yml").read_text(encoding="utf-8"))
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    runs = [step.get("run", "") for step in steps]
    installs = [index for index, run in enumerate(runs) if "pip install" in run and "annotate" in run]
    validates = [index for index, run in enumerate(runs) if run.strip().startswith("annotate validate ")]
    assert installs and validates and installs[0] < validates[0]
    args = build_parser().parse_args(shlex.split(runs[validates[0]])[1:])
    assert (args.command, args.path, args.format) == ("validate", "exports/", "github")
