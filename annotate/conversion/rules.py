"""What a schema allows, in the shape the converter looks things up (built once per schema)."""

from __future__ import annotations

from dataclasses import dataclass

from annotate.scheme.schema import CLAIM_STANCE_NAME, CLAIMS_NAME, DOCUMENT_STANCE_NAME, ENTITIES_NAME, Schema


@dataclass(frozen=True)
class Rules:
    """What the schema allows, as sets and texts the converter looks up per result."""

    entity_labels: frozenset[str]
    claim_label: str
    claimant_labels: frozenset[str]
    claimant_required: bool
    stance_values: frozenset[str]
    claim_stance_required: bool
    document_stance_required: bool
    attributes: dict[str, frozenset[str]]
    required_attributes: tuple[str, ...]
    region_choices: dict[str, frozenset[str]]  # per-region choice control -> its values
    controls: frozenset[str]  # every control name a result may come from
    entity_text: str
    values_text: dict[str, str]  # control name -> its values in schema order, for messages
    claimant_text: str


_CACHE: dict[int, tuple[Schema, Rules]] = {}


def schema_rules(schema: Schema) -> Rules:
    """The rules of ``schema``, built once per schema object."""
    cached = _CACHE.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    claims = schema.claims
    region_choices = {CLAIM_STANCE_NAME: frozenset(schema.stance.values),
                      **{a.name: frozenset(a.values) for a in claims.attributes}}
    rules = Rules(
        entity_labels=frozenset(schema.entity_labels),
        claim_label=claims.label,
        claimant_labels=frozenset(claims.claimant_labels),
        claimant_required=claims.claimant_required,
        stance_values=frozenset(schema.stance.values),
        claim_stance_required=schema.stance.claim_required,
        document_stance_required=schema.stance.document_required,
        attributes={a.name: frozenset(a.values) for a in claims.attributes},
        required_attributes=tuple(a.name for a in claims.attributes if a.required),
        region_choices=region_choices,
        controls=frozenset({ENTITIES_NAME, CLAIMS_NAME, DOCUMENT_STANCE_NAME, *region_choices}),
        entity_text=", ".join(schema.entity_labels),
        values_text={CLAIM_STANCE_NAME: ", ".join(schema.stance.values),
                     DOCUMENT_STANCE_NAME: ", ".join(schema.stance.values),
                     **{a.name: ", ".join(a.values) for a in claims.attributes}},
        claimant_text=", ".join(claims.claimant_labels),
    )
    if len(_CACHE) > 16:
        _CACHE.clear()
    _CACHE[id(schema)] = (schema, rules)
    return rules
