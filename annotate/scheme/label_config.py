"""The Label Studio labeling config, generated from the schema."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from annotate.scheme.schema import (
    CLAIM_STANCE_NAME,
    CLAIMS_NAME,
    DOCUMENT_STANCE_NAME,
    ENTITIES_NAME,
    RELATION_VALUE,
    TEXT_NAME,
    Choice,
    Schema,
)


def _tag(tag: str, **attributes: str) -> str:
    rendered = " ".join(f"{key}={quoteattr(value)}" for key, value in attributes.items() if value != "")
    return f"<{tag} {rendered}/>"


def _choices(name: str, choices: tuple[Choice, ...], *, per_region: bool, required: bool, indent: str) -> list[str]:
    attributes = {"name": name, "toName": TEXT_NAME, "choice": "single-radio", "showInline": "true"}
    if per_region:
        attributes["perRegion"] = "true"
    if required and not per_region:
        attributes["required"] = "true"
    opening = " ".join(f"{key}={quoteattr(value)}" for key, value in attributes.items())
    lines = [f"{indent}<Choices {opening}>"]
    lines += [f"{indent}  {_tag('Choice', value=c.value, hint=c.definition)}" for c in choices]
    lines.append(f"{indent}</Choices>")
    return lines


def label_config(schema: Schema) -> str:
    """The XML labeling config: entity and claim labels, claimant relations, claim stance and
    attributes per claim region, and the document stance."""
    claims = schema.claims
    first, last = schema.entities[0].hotkey, schema.entities[-1].hotkey
    keys = f" (keys {first}-{last})" if first and last else ""
    lines = [
        "<View>",
        f"  {_tag('Header', value='$title')}",
        f"  {_tag('Header', value=f'Entities{keys}: press a key, then select the words', size='6')}",
        f'  <Labels name="{ENTITIES_NAME}" toName="{TEXT_NAME}" showInline="true">',
    ]
    for entity in schema.entities:
        lines.append("    " + _tag("Label", value=entity.label, background=entity.color,
                                      hotkey=entity.hotkey, hint=entity.definition))
    claim_key = f" (key {claims.hotkey})" if claims.hotkey else ""
    lines += [
        "  </Labels>",
        f"  {_tag('Header', value=f'Claims{claim_key}: select the claim, then link it to its claimant with Create Relation', size='6')}",
        f'  <Labels name="{CLAIMS_NAME}" toName="{TEXT_NAME}" showInline="true">',
        "    " + _tag("Label", value=claims.label, background=claims.color, hotkey=claims.hotkey,
                      hint=claims.definition),
        "  </Labels>",
        "  <Relations>",
        f"    {_tag('Relation', value=RELATION_VALUE)}",
        "  </Relations>",
        f"  {_tag('Text', name=TEXT_NAME, value='$' + TEXT_NAME)}",
        f'  <View visibleWhen="region-selected" whenTagName="{CLAIMS_NAME}">',
        f"    {_tag('Header', value=f'Selected claim - its stance toward: {schema.stance.target}', size='5')}",
    ]
    lines += _choices(CLAIM_STANCE_NAME, schema.stance.choices, per_region=True,
                      required=schema.stance.claim_required, indent="    ")
    for attribute in claims.attributes:
        lines.append(f"    {_tag('Header', value=f'Selected claim - {attribute.header}', size='6')}")
        lines += _choices(attribute.name, attribute.choices, per_region=True,
                          required=attribute.required, indent="    ")
    lines += [
        "  </View>",
        f"  {_tag('Header', value=f'Whole article - its stance toward: {schema.stance.target}', size='5')}",
    ]
    lines += _choices(DOCUMENT_STANCE_NAME, schema.stance.choices, per_region=False,
                      required=schema.stance.document_required, indent="  ")
    lines.append("</View>")
    return "\n".join(lines) + "\n"
