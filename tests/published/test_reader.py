"""Reading earlier versions: a Parquet file's own features, read without ``datasets`` when they are
in the form the export writes, and as ``datasets`` reads them otherwise."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest
from datasets import ClassLabel, Features, List, Value

from annotate.published.reader import file_features, named_labels
from annotate.scheme.arrow_schemas import arrow_schema
from annotate.scheme.features import feature_dicts

ENTITY = {"id": Value("string"), "start": Value("int32"), "label": ClassLabel(names=["PERSON", "ORG"])}
FEATURES = Features({"id": Value("string"), "entities": List(ENTITY), "stance": ClassLabel(names=["FAVOR", "NONE"])})
ROW = {"id": "d1", "entities": [{"id": "e1", "start": 0, "label": 1}], "stance": None}


def _with_metadata(schema: pa.Schema, features: dict | None) -> pa.Schema:
    if features is None:
        return schema.remove_metadata()
    return schema.with_metadata({"huggingface": json.dumps({"info": {"features": features}})})


def test_the_features_the_export_writes_are_read_as_datasets_reads_them(schema):
    for columns in feature_dicts(schema).values():
        written = arrow_schema(columns)
        assert file_features(written) == Features.from_arrow_schema(written).to_dict() == columns


@pytest.mark.parametrize("recorded", [
    # datasets before 4.0 wrote lists as Sequence
    {"id": {"dtype": "string", "id": None, "_type": "Value"},
     "entities": [{"id": {"dtype": "string", "id": None, "_type": "Value"},
                   "start": {"dtype": "int32", "id": None, "_type": "Value"},
                   "label": {"names": ["PERSON", "ORG"], "id": None, "_type": "ClassLabel"}}],
     "stance": {"names": ["FAVOR", "NONE"], "id": None, "_type": "ClassLabel"}},
    # a ClassLabel recorded on a column whose Arrow type is not an integer
    {**FEATURES.to_dict(), "id": {"names": ["a"], "_type": "ClassLabel"}},
    None,  # no metadata: the Arrow types alone
], ids=["sequence", "mismatched-type", "no-metadata"])
def test_other_forms_are_read_as_datasets_reads_them(recorded):
    schema = _with_metadata(FEATURES.arrow_schema, recorded)
    expected = Features.from_arrow_schema(schema)
    assert file_features(schema) == expected.to_dict()
    named = {name: named_labels(value, file_features(schema)[name]) for name, value in ROW.items()}
    if isinstance(expected["stance"], ClassLabel):
        assert named == {"id": "d1", "entities": [{"id": "e1", "start": 0, "label": "ORG"}], "stance": None}
    else:
        assert named == {"id": "d1", "entities": [{"id": "e1", "start": 0, "label": 1}], "stance": None}


@pytest.mark.parametrize("recorded", [
    {**FEATURES.to_dict(), "id": {"dtype": "str", "_type": "Value"}},  # not an Arrow type name
    {**FEATURES.to_dict(), "stance": {"names": ["FAVOR", "FAVOR"], "_type": "ClassLabel"}},
], ids=["unknown-dtype", "duplicate-names"])
def test_features_datasets_refuses_are_refused_as_datasets_refuses_them(recorded):
    schema = _with_metadata(FEATURES.arrow_schema, recorded)
    with pytest.raises(ValueError) as by_datasets:
        Features.from_arrow_schema(schema)
    with pytest.raises(ValueError) as read:
        file_features(schema)
    assert str(read.value) == str(by_datasets.value)


def test_a_list_of_fixed_length_is_read_as_datasets_reads_it():
    table = pa.schema([("tags", pa.list_(pa.int64()))])
    recorded = {"tags": {"feature": {"names": ["X", "Y"], "_type": "ClassLabel"}, "length": 2, "_type": "List"}}
    schema = _with_metadata(table, recorded)
    assert file_features(schema) == Features.from_arrow_schema(schema).to_dict()


def test_labels_read_back_as_names_and_null_fields_dropped():
    columns = FEATURES.to_dict()
    row = {"id": "d1", "entities": [{"id": "e1", "start": None, "label": 0}], "stance": 1}
    assert {name: named_labels(value, columns[name]) for name, value in row.items()} == {
        "id": "d1", "entities": [{"id": "e1", "label": "PERSON"}], "stance": "NONE"}
