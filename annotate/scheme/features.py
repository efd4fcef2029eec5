"""The features of every exported config, generated from the schema.

Four configs, one Parquet file per config and split:

- ``documents`` (the default): one row per article with its gold entities, claims and stance.
- ``ner``: one row per sentence, ``tokens`` and IOB2 ``ner_tags`` (as in conll2003), with
  ``token_starts``/``token_ends``, code-point offsets into the ``documents`` text.
- ``claims``: one row per gold claim in the SemEval-2016 stance shape (claim, context,
  claimant, target, stance) plus the schema's claim attributes.
- ``annotations``: one row per completed annotation (one annotator on one document), unmerged;
  no Label Studio ids or times, so the same annotations give the same rows on any server.

Every label is a ``ClassLabel`` whose names come from the schema, in schema order, so adding a
label at the end keeps the integer ids of the others. Offsets are ``int32`` code points;
Label Studio annotation ids are ``int64``. A missing stance or attribute is null.

The features are written here in the JSON form that ``datasets`` itself writes and reads
(``Features.to_dict()``, kept in every Parquet file's metadata): plain dicts, so that the export
never imports ``datasets`` (a second of start-up). :func:`config_features` gives the
``datasets.Features`` objects, for validation; :func:`card_features` the form of the card's
YAML; :mod:`annotate.scheme.arrow_schemas` the Arrow schemas of the Parquet files. Tests
prove each equal to what ``datasets`` makes of the same features.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from annotate.scheme.schema import Schema

if TYPE_CHECKING:
    from datasets import Features

Feature = dict[str, Any]  # one feature in datasets' JSON form: {"dtype": "string", "_type": "Value"}, ...
ConfigFeatures = dict[str, Feature]  # column name -> feature, in column order

CONFIGS = ("documents", "ner", "claims", "annotations")
DEFAULT_CONFIG = "documents"
OUTSIDE_TAG = "O"


def ner_tag_names(schema: Schema) -> tuple[str, ...]:
    """IOB2 tag names: ``O``, then ``B-X``, ``I-X`` for each entity label in schema order."""
    names = [OUTSIDE_TAG]
    for label in schema.entity_labels:
        names += [f"B-{label}", f"I-{label}"]
    return tuple(names)


def class_label_names(schema: Schema) -> dict[str, tuple[str, ...]]:
    """Every ClassLabel of the export by name; :mod:`annotate.published.versions` compares these between
    versions (a removed or moved name breaks users' integer ids)."""
    names = {
        "entity_label": schema.entity_labels,
        "ner_tags": ner_tag_names(schema),
        "stance": schema.stance.values,
    }
    for attribute in schema.claims.attributes:
        names[f"claim.{attribute.name}"] = attribute.values
    return names


def value(dtype: str) -> Feature:
    """A ``datasets.Value`` of the Arrow type ``dtype``."""
    return {"dtype": dtype, "_type": "Value"}


def class_label(names: tuple[str, ...] | list[str]) -> Feature:
    """A ``datasets.ClassLabel``: integer ids for ``names``, in that order."""
    return {"names": list(names), "_type": "ClassLabel"}


def list_of(feature: Feature) -> Feature:
    """A ``datasets.List`` of ``feature`` (a struct when ``feature`` is a dict of columns)."""
    return {"feature": feature, "_type": "List"}


STRING = value("string")
INT32 = value("int32")


def _span(schema: Schema) -> Feature:
    return {"id": STRING, "start": INT32, "end": INT32, "text": STRING,
            "label": class_label(schema.entity_labels)}


def _attributes(schema: Schema) -> Feature:
    return {a.name: class_label(a.values) for a in schema.claims.attributes}


def _claim(schema: Schema) -> Feature:
    return {"id": STRING, "start": INT32, "end": INT32, "text": STRING, "claimant_id": STRING,
            "claimant": STRING, "stance": class_label(schema.stance.values), **_attributes(schema)}


TEXT_VERSION_COLUMNS = ("text_sha256", "text_version")  # in documents; earlier published versions lack them
# Columns of ``documents`` that versions built before adjudication do not have (they stay valid).
PROVENANCE_COLUMNS = ("entities_marked_by", "claims_marked_by")


def feature_dicts(schema: Schema, *, text_versions: bool = True, provenance: bool = True) -> dict[str, ConfigFeatures]:
    """The features of the four configs in ``datasets``' JSON form, keyed by config name
    (``documents`` first); each config's columns in order.

    Versions published before documents recorded their text's checksum and version
    (``text_versions=False``) or how many annotators marked each entity and claim
    (``provenance=False``) stay valid as published: these give their features."""
    stance = class_label(schema.stance.values)
    documents = {
        "id": STRING,
        "title": STRING,
        "text": STRING,
        "source": STRING,
        **({"text_sha256": STRING, "text_version": INT32} if text_versions else {}),
        "entities": list_of(_span(schema)),
        "claims": list_of(_claim(schema)),
        "stance": stance,
        "annotators": list_of(STRING),
        "policy": STRING,
        **({"entities_marked_by": list_of(INT32), "claims_marked_by": list_of(INT32)} if provenance else {}),
        **{field.name: value(METADATA_VALUE_TYPES[field.type]) for field in schema.metadata},
    }
    ner = {
        "id": STRING,
        "document_id": STRING,
        "tokens": list_of(STRING),
        "ner_tags": list_of(class_label(ner_tag_names(schema))),
        "token_starts": list_of(INT32),
        "token_ends": list_of(INT32),
    }
    claims = {
        "id": STRING,
        "document_id": STRING,
        "claim_id": STRING,
        "claim": STRING,
        "context": STRING,
        "claimant": STRING,
        "target": STRING,
        "stance": stance,
        **_attributes(schema),
    }
    annotations = {
        "id": STRING,
        "document_id": STRING,
        "annotator": STRING,
        "ground_truth": value("bool"),
        "lead_time": value("float64"),
        "entities": list_of(_span(schema)),
        "claims": list_of(_claim(schema)),
        "stance": stance,
    }
    return {"documents": documents, "ner": ner, "claims": claims, "annotations": annotations}


def config_features(schema: Schema, *, text_versions: bool = True, provenance: bool = True) -> dict[str, Features]:
    """:func:`feature_dicts` as ``datasets.Features`` (which this imports)."""
    from datasets import Features  # noqa: PLC0415 - a second to import: only validation needs the objects

    return {config: Features.from_dict(columns)
            for config, columns in feature_dicts(schema, text_versions=text_versions, provenance=provenance).items()}


def card_features(columns: ConfigFeatures) -> list[dict[str, Any]]:
    """The ``dataset_info.features`` list of a dataset card: what ``Features._to_yaml_list()``
    writes (value types by name, lists by their item, class label names keyed by id)."""
    return [{"name": name, **_card_feature(feature)} for name, feature in columns.items()]


def _card_feature(feature: Feature) -> dict[str, Any]:
    kind = feature.get("_type")
    if kind == "Value":
        return {"dtype": feature["dtype"]}
    if kind == "ClassLabel":
        return {"dtype": {"class_label": {"names": {str(i): name for i, name in enumerate(feature["names"])}}}}
    if kind == "List":
        item = _card_feature(feature["feature"])
        only = next(iter(item)) if len(item) == 1 else None
        return {"list": item[only] if only in ("dtype", "struct") else item}
    if kind is None:
        return {"struct": card_features(feature)}
    raise ValueError(f"no card form for a feature of type {kind!r}")


def type_name(feature: Feature) -> str:
    """A feature's type for people: ``string``, ``ClassLabel(A, B)``, ``list of {id, start}``."""
    kind = feature.get("_type")
    if kind == "ClassLabel":
        return "ClassLabel(" + ", ".join(feature["names"]) + ")"
    if kind == "Value":
        return feature["dtype"]
    if kind == "List":
        item = feature["feature"]
        return "list of {" + ", ".join(item) + "}" if "_type" not in item else f"list of {type_name(item)}"
    if kind is None:
        return "{" + ", ".join(feature) + "}"
    raise ValueError(f"no type name for a feature of type {kind!r}")


# The Arrow type of each documents.metadata type of the schema (every such column is nullable).
METADATA_VALUE_TYPES = {"string": "string", "integer": "int64", "number": "float64", "boolean": "bool",
                        "date": "date32"}
# Every Value type the export writes.
WRITTEN_VALUE_TYPES = frozenset({"int32", *METADATA_VALUE_TYPES.values()})


ROW_MEANING = {
    "documents": "one article with its gold entities, claims and stance",
    "ner": "one sentence: tokens and IOB2 tags (conll2003 shape)",
    "claims": "one gold claim with its context, claimant and stance (SemEval-2016 shape)",
    "annotations": "one annotator's own annotation of one article, unmerged",
}

FIELD_DESCRIPTIONS = {
    "documents": {
        "id": "stable document id (the same in every config and version)",
        "title": "article title",
        "text": "article text exactly as annotators saw it; every offset indexes it (code points)",
        "source": "source file or URL of the article",
        "text_sha256": "SHA-256 of the text's UTF-8 bytes: which version of the article this is",
        "text_version": "1 for the text as first annotated, one more for each correction (push --update-texts)",
        "entities": "gold entity spans: region id, start, end, text (== text[start:end]), label",
        "claims": "gold claims: span, claimant_id (an entity id of this row), claimant text, stance, attributes",
        "stance": "stance of the whole article toward the target",
        "annotators": "pseudonyms of the annotators behind the gold record",
        "policy": "how the gold was decided: adjudicated, ground_truth, single, unanimous or majority",
        "entities_marked_by": "for each gold entity, in order: how many of the document's annotators marked it",
        "claims_marked_by": "for each gold claim, in order: how many of the document's annotators marked it",
    },
    "ner": {
        "id": "document id, colon, sentence number (`doc-1:0`)",
        "document_id": "the row of `documents` the sentence comes from",
        "tokens": "tokens of the sentence",
        "ner_tags": "IOB2 tag of each token",
        "token_starts": "start offset of each token in the document text",
        "token_ends": "end offset of each token in the document text",
    },
    "claims": {
        "id": "document id, colon, claim id (`doc-1:c1`): unique in the dataset",
        "document_id": "the row of `documents` the claim comes from",
        "claim_id": "the claim's region id in `documents.claims`",
        "claim": "the claim text",
        "context": "the sentence (or sentences) holding the claim",
        "claimant": "text of the entity that makes the claim (null: the article itself)",
        "target": "the stance target",
        "stance": "the claim's stance toward the target",
    },
    "annotations": {
        "id": "<document id>:<annotator> (a later annotation by the same annotator gets -2, -3, ...)",
        "document_id": "the article annotated",
        "annotator": "stable pseudonym of the annotator",
        "ground_truth": "marked as ground truth in Label Studio",
        "lead_time": "seconds spent, as Label Studio recorded",
        "entities": "this annotator's entity spans",
        "claims": "this annotator's claims",
        "stance": "this annotator's stance of the whole article",
    },
}
