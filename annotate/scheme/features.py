"""The ``datasets.Features`` of every exported config, generated from the schema.

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
"""

from __future__ import annotations

from datasets import ClassLabel, Features, List, Value

from annotate.scheme.schema import Schema

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


def _span(schema: Schema) -> dict:
    return {
        "id": Value("string"),
        "start": Value("int32"),
        "end": Value("int32"),
        "text": Value("string"),
        "label": ClassLabel(names=list(schema.entity_labels)),
    }


def _attributes(schema: Schema) -> dict:
    return {a.name: ClassLabel(names=list(a.values)) for a in schema.claims.attributes}


def _claim(schema: Schema) -> dict:
    return {
        "id": Value("string"),
        "start": Value("int32"),
        "end": Value("int32"),
        "text": Value("string"),
        "claimant_id": Value("string"),
        "claimant": Value("string"),
        "stance": ClassLabel(names=list(schema.stance.values)),
        **_attributes(schema),
    }


TEXT_VERSION_COLUMNS = ("text_sha256", "text_version")  # in documents; earlier published versions lack them
# Columns of ``documents`` that versions built before adjudication do not have (they stay valid).
PROVENANCE_COLUMNS = ("entities_marked_by", "claims_marked_by")


def config_features(schema: Schema, *, text_versions: bool = True, provenance: bool = True) -> dict[str, Features]:
    """The features of the four configs, keyed by config name (``documents`` first).

    Versions published before documents recorded their text's checksum and version
    (``text_versions=False``) or how many annotators marked each entity and claim
    (``provenance=False``) stay valid as published: these give their features."""
    stance = ClassLabel(names=list(schema.stance.values))
    documents = Features({
        "id": Value("string"),
        "title": Value("string"),
        "text": Value("string"),
        "source": Value("string"),
        **({"text_sha256": Value("string"), "text_version": Value("int32")} if text_versions else {}),
        "entities": List(_span(schema)),
        "claims": List(_claim(schema)),
        "stance": stance,
        "annotators": List(Value("string")),
        "policy": Value("string"),
        "entities_marked_by": List(Value("int32")),
        "claims_marked_by": List(Value("int32")),
        **{field.name: Value(METADATA_VALUE_TYPES[field.type]) for field in schema.metadata},
    })
    if not provenance:
        documents = Features({name: feature for name, feature in documents.items() if name not in PROVENANCE_COLUMNS})
    ner = Features({
        "id": Value("string"),
        "document_id": Value("string"),
        "tokens": List(Value("string")),
        "ner_tags": List(ClassLabel(names=list(ner_tag_names(schema)))),
        "token_starts": List(Value("int32")),
        "token_ends": List(Value("int32")),
    })
    claims = Features({
        "id": Value("string"),
        "document_id": Value("string"),
        "claim_id": Value("string"),
        "claim": Value("string"),
        "context": Value("string"),
        "claimant": Value("string"),
        "target": Value("string"),
        "stance": stance,
        **_attributes(schema),
    })
    annotations = Features({
        "id": Value("string"),
        "document_id": Value("string"),
        "annotator": Value("string"),
        "ground_truth": Value("bool"),
        "lead_time": Value("float64"),
        "entities": List(_span(schema)),
        "claims": List(_claim(schema)),
        "stance": stance,
    })
    return {"documents": documents, "ner": ner, "claims": claims, "annotations": annotations}


# The Arrow type of each documents.metadata type of the schema (every such column is nullable).
METADATA_VALUE_TYPES = {"string": "string", "integer": "int64", "number": "float64", "boolean": "bool",
                        "date": "date32"}


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
