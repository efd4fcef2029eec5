"""The Arrow schemas of the exported Parquet files, made from :func:`annotate.scheme.features.feature_dicts`.

Each is what ``datasets.Features.arrow_schema`` gives for the same features: the Arrow types
(a ClassLabel is ``int64``, a list ``list<item: ...>``), and the features themselves in the schema
metadata under ``huggingface``, so that ``load_dataset`` restores every ClassLabel.
"""

from __future__ import annotations

import json

import pyarrow as pa

from annotate.scheme.features import ConfigFeatures, Feature, feature_dicts
from annotate.scheme.schema import Schema

METADATA_KEY = "huggingface"


def arrow_schema(columns: ConfigFeatures) -> pa.Schema:
    """The Arrow schema of one config, with its features in the metadata."""
    metadata = json.dumps({"info": {"features": columns}})
    return pa.schema([pa.field(name, arrow_type(feature)) for name, feature in columns.items()],
                     metadata={METADATA_KEY: metadata})


def config_arrow_schemas(schema: Schema, *, text_versions: bool = True, provenance: bool = True) -> dict[str, pa.Schema]:
    """The Arrow schema of every config, keyed by config name."""
    return {config: arrow_schema(columns)
            for config, columns in feature_dicts(schema, text_versions=text_versions, provenance=provenance).items()}


def arrow_type(feature: Feature) -> pa.DataType:
    """The Arrow type ``datasets`` stores a feature as."""
    kind = feature.get("_type")
    if kind == "Value":
        return pa.type_for_alias(feature["dtype"])
    if kind == "ClassLabel":
        return pa.int64()
    if kind == "List":
        return pa.list_(arrow_type(feature["feature"]))
    if kind is None:
        return pa.struct([pa.field(name, arrow_type(sub)) for name, sub in feature.items()])
    raise ValueError(f"no Arrow type for a feature of type {kind!r}")
