"""The dataset knows the text version: documents rows record the text's checksum and version, the
changelog lists corrected documents with their version change, validation checks them, and
versions published before the columns existed stay valid."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from datasets import load_dataset
from export_data import Annotator, annotation, filler_document, realistic_export, task, write_export

from annotate.corpus.identity import text_checksum
from annotate.release.export import export
from annotate.validation.validate import validate

ROOT = Path(__file__).resolve().parents[2]
OLD = "Report: Iran sais on Friday that Russia delivered 4 launchers."
NEW = "Update. Report: Iran said on Friday that Russia delivered 4 launchers."


def corrected_task(text: str, version: int | None) -> dict:
    work = (Annotator(text).entity("f1", "Iran", "GPE").entity("f2", "Friday", "DATE")
            .claim("f5", "Russia delivered 4 launchers", stance="FAVOR", claimant="f1").stance("FAVOR"))
    made = task(900, "doc-corrected", "Report", text, [annotation(9001, 1, work)])
    if version is not None:
        made["data"].update(text_version=version, text_sha256=text_checksum(text))
    return made


def rows(version: Path) -> dict[str, dict]:
    return {row["id"]: row for split in load_dataset(str(version), "documents").values() for row in split}


def test_documents_record_the_text_checksum_and_version_and_the_changelog_lists_corrections(tmp_path, schema):
    base = realistic_export(fillers=6)
    first = export(write_export(tmp_path / "v1.json", base + [corrected_task(OLD, None)]), schema=schema,
                   out_root=tmp_path / "exports", version="1.0.0").path
    before = rows(first)["doc-corrected"]
    assert (before["text_version"], before["text_sha256"]) == (1, text_checksum(OLD))

    second = export(write_export(tmp_path / "v2.json", base + [corrected_task(NEW, 2)]), schema=schema,
                    out_root=tmp_path / "exports", bump="auto").path
    assert second.name == "v1.0.1"  # the same documents: a correction is a patch
    after = rows(second)
    assert (after["doc-corrected"]["text"], after["doc-corrected"]["text_version"]) == (NEW, 2)
    assert after["doc-corrected"]["text_sha256"] == text_checksum(NEW)
    assert all(row["text_version"] == 1 for key, row in after.items() if key != "doc-corrected")
    changelog = (second / "CHANGELOG.md").read_text("utf-8")
    assert "- Documents whose text was corrected: 1 (`doc-corrected` text version 1 -> 2)" in changelog
    report = validate(tmp_path / "exports")
    assert report.ok, report.errors


def test_validation_refuses_a_checksum_that_is_not_the_texts(tmp_path, schema):
    version = export(write_export(tmp_path / "raw.json", [filler_document(n, n + 1) for n in range(6)]),
                     schema=schema, out_root=tmp_path / "exports", version="1.0.0").path
    file = next((version / "data" / "documents").glob("*.parquet"))
    table = pq.read_table(file)
    index = table.schema.get_field_index("text_sha256")
    wrong = table.set_column(index, table.schema.field(index), pa.array(["0" * 64] * table.num_rows))
    pq.write_table(wrong.replace_schema_metadata(table.schema.metadata), file)
    report = validate(version)
    assert any(failure.field == "text_sha256" and "is not the SHA-256 of the text" in failure.message
               for failure in report.errors), report.errors


def test_a_version_published_before_documents_recorded_text_versions_stays_valid(tmp_path):
    shutil.copytree(ROOT / "exports" / "v1.0.0", tmp_path / "v1.0.0")
    names = pq.read_schema(next((tmp_path / "v1.0.0" / "data" / "documents").glob("*.parquet"))).names
    assert "text_sha256" not in names
    report = validate(tmp_path / "v1.0.0")
    assert report.ok, report.errors


def test_validation_refuses_a_changed_text_whose_version_did_not_go_up(tmp_path, schema):
    base = realistic_export(fillers=6)
    export(write_export(tmp_path / "v1.json", base + [corrected_task(OLD, None)]), schema=schema,
           out_root=tmp_path / "exports", version="1.0.0")
    export(write_export(tmp_path / "v2.json", base + [corrected_task(NEW, None)]), schema=schema,
           out_root=tmp_path / "exports", bump="auto")  # the text changed outside push --update-texts
    report = validate(tmp_path / "exports")
    assert [failure.field for failure in report.errors] == ["text_version"], report.errors
    assert "doc-corrected's text differs from version 1.0.0's but its text version is 1" in report.errors[0].message
