"""The Label Studio labeling config, generated from the schema.

Layout: the label chips above, then two columns: the text on the left, and on the right a panel
that stays in view while the text scrolls (CSS ``position: sticky``) with the selected claim's
choices and the whole article's stance. A required choice is ``required`` on its ``<Choices>``,
with a ``requiredMessage`` that names the heading the annotator sees; a per-claim choice carries
its own ``visibleWhen="region-selected" whenTagName="claims"``, which is what makes Label Studio
demand it for claim regions only (the same condition on an enclosing ``<View>`` alone would
demand it for every entity too).
"""

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

# The text column and the side panel; the panel sticks to the top of the scrolling page.
ROW_STYLE = "display: flex; align-items: flex-start; gap: 16px"
TEXT_COLUMN_STYLE = "flex: 1 1 auto; min-width: 0"
PANEL_STYLE = ("flex: 0 0 340px; position: sticky; top: 0; max-height: 100vh; overflow-y: auto; "
               "padding: 0 8px; border-left: 1px solid rgba(0, 0, 0, 0.15)")
CLAIM_CONDITION = {"visibleWhen": "region-selected", "whenTagName": CLAIMS_NAME}


def _tag(tag: str, **attributes: str) -> str:
    rendered = " ".join(f"{key}={quoteattr(value)}" for key, value in attributes.items() if value != "")
    return f"<{tag} {rendered}/>"


def _choices(name: str, choices: tuple[Choice, ...], *, heading: str, per_claim: bool, required: bool,
             indent: str) -> list[str]:
    """A ``<Header>`` and its ``<Choices>``; a required one's message names the heading."""
    attributes = {"name": name, "toName": TEXT_NAME, "choice": "single-radio", "showInline": "true"}
    if per_claim:
        attributes.update(perRegion="true", **CLAIM_CONDITION)
    if required:
        attributes.update(required="true", requiredMessage=_required_message(heading, per_claim))
    opening = " ".join(f"{key}={quoteattr(value)}" for key, value in attributes.items())
    lines = [f"{indent}{_tag('Header', value=heading, size='6')}", f"{indent}<Choices {opening}>"]
    lines += [f"{indent}  {_tag('Choice', value=c.value, hint=c.definition)}" for c in choices]
    lines.append(f"{indent}</Choices>")
    return lines


def _required_message(heading: str, per_claim: bool) -> str:
    if per_claim:
        return f'Every claim needs "{heading}": the claim now selected has none; choose one in the panel beside the text.'
    return f'Choose "{heading}" in the panel beside the text before submitting.'


def choice_headings(schema: Schema) -> dict[str, str]:
    """The heading the annotator sees above each group of choices, by control name."""
    target = schema.stance.target
    headings = {CLAIM_STANCE_NAME: f"Selected claim - its stance toward: {target}"}
    headings.update({a.name: f"Selected claim - {a.header}" for a in schema.claims.attributes})
    headings[DOCUMENT_STANCE_NAME] = f"Whole article - its stance toward: {target}"
    return headings


def label_config(schema: Schema) -> str:
    """The XML labeling config: entity and claim labels, claimant relations, claim stance and
    attributes per claim region, and the document stance."""
    claims, headings = schema.claims, choice_headings(schema)
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
        f"  <View style={quoteattr(ROW_STYLE)}>",
        f"    <View style={quoteattr(TEXT_COLUMN_STYLE)}>",
        f"      {_tag('Text', name=TEXT_NAME, value='$' + TEXT_NAME)}",
        "    </View>",
        f"    <View style={quoteattr(PANEL_STYLE)}>",
        f'      <View visibleWhen="region-selected" whenTagName="{CLAIMS_NAME}">',
    ]
    lines += _choices(CLAIM_STANCE_NAME, schema.stance.choices,
                      heading=headings[CLAIM_STANCE_NAME],
                      per_claim=True, required=schema.stance.claim_required, indent="        ")
    for attribute in claims.attributes:
        lines += _choices(attribute.name, attribute.choices, heading=headings[attribute.name],
                          per_claim=True, required=attribute.required, indent="        ")
    lines.append("      </View>")
    lines += _choices(DOCUMENT_STANCE_NAME, schema.stance.choices,
                      heading=headings[DOCUMENT_STANCE_NAME],
                      per_claim=False, required=schema.stance.document_required, indent="      ")
    lines += ["    </View>", "  </View>", "</View>"]
    return "\n".join(lines) + "\n"
