"""Annotation guidelines generated from the schema: Markdown for people and the dataset card,
HTML for Label Studio's instructions panel."""

from __future__ import annotations

import html

from annotate.scheme.schema import Schema


def guidelines_markdown(schema: Schema) -> str:
    """The guidelines as Markdown."""
    claims, stance = schema.claims, schema.stance
    lines = [
        f"# Annotation guidelines: {schema.title}",
        "",
        f"Schema `{schema.name}` version {schema.version} (fingerprint `{schema.fingerprint[:12]}`).",
        "",
        schema.description,
        "",
        "Work in this order on every article: entities, then claims and their claimants, then the",
        "stance of each claim, then the stance of the whole article. Then submit.",
        "",
        "## 1. Entities",
        "",
        "Press the label's key (or click the label), then select the words. Select whole words, without",
        "surrounding spaces or punctuation. Pre-annotated spans are suggestions: keep them only if they",
        "follow these rules; delete or correct them otherwise.",
        "",
        "| Key | Label | What it covers | Examples |",
        "|---|---|---|---|",
    ]
    for entity in schema.entities:
        examples = ", ".join(f"`{example}`" for example in entity.examples)
        lines.append(f"| {entity.hotkey or '-'} | **{entity.label}** | {_cell(entity.definition)} | {examples} |")
    lines += [
        "",
        f"## 2. Claims (`{claims.label}`, key {claims.hotkey or '-'})",
        "",
        claims.definition,
        "",
        "Examples:",
        "",
        *[f"- \"{example}\"" for example in claims.examples],
        "",
        "### Claimant",
        "",
        claims.claimant_definition or "Link the claim to the entity that makes it.",
        "",
        f"The claimant is an entity labelled {_or(claims.claimant_labels)}. Label it as an entity first,",
        "then select the claim, press **Create Relation** in the region panel and click the claimant.",
        f"A claimant is {'required' if claims.claimant_required else 'optional'} for every claim.",
        "",
    ]
    for attribute in claims.attributes:
        required = "required" if attribute.required else "optional"
        lines += [f"### {attribute.header} (`{attribute.name}`, {required})", "",
                  "Select the claim: these choices show in the panel beside the text.", ""]
        lines += [f"- **{choice.value}**: {choice.definition}" for choice in attribute.choices]
        lines.append("")
    lines += [
        "## 3. Stance",
        "",
        f"Target: **{stance.target}**.",
        "",
        "Give the stance toward this target, following SemEval-2016 Task 6:",
        "",
        *[f"- **{choice.value}**: {choice.definition}" for choice in stance.choices],
        "",
        f"- Each claim: select the claim and choose its stance ({'required' if stance.claim_required else 'optional'}).",
        "  Judge what the claim says about the target, not whether it is true.",
        f"- The whole article: choose its stance in the panel beside the text ({'required' if stance.document_required else 'optional'}).",
        "  Judge the article as a whole, including how it frames the claims it reports.",
        "",
        "## What the export checks",
        "",
        "These rules are checked when the data is exported; an annotation that breaks one is reported,",
        "never silently fixed:",
        "",
        *[f"- {rule}" for rule in rules(schema)],
        "",
    ]
    return "\n".join(lines)


def rules(schema: Schema) -> list[str]:
    """The validation rules in words; the checks themselves live in the export and validation code."""
    claims, stance = schema.claims, schema.stance
    found = [
        "every span lies inside the text and its text equals the text at its offsets",
        f"every entity label is one of {', '.join(schema.entity_labels)}",
        f"claims are labelled {claims.label}",
        f"a claimant is an entity labelled {_or(claims.claimant_labels)} in the same document, and a claim has at most one",
        f"stances are {', '.join(stance.values)}",
    ]
    if claims.claimant_required:
        found.append("every claim has a claimant")
    if stance.claim_required:
        found.append("every claim has a stance")
    if stance.document_required:
        found.append("every annotated article has a document stance")
    for attribute in claims.attributes:
        if attribute.required:
            found.append(f"every claim has a {attribute.name} ({', '.join(attribute.values)})")
    return found


# Label Studio's instructions dialog sets one fixed line height (22.4px) for every element, so a
# heading that wraps is drawn with its lines on top of each other (and lists lose their bullets).
# Its sanitizer keeps <style> elements and class attributes (not style attributes, and a ">" in
# CSS is escaped): the guidelines carry their own style, scoped to their class.
GUIDELINES_CLASS = "annotate-guidelines"
GUIDELINES_STYLE = (
    f"<style>.{GUIDELINES_CLASS} h1, .{GUIDELINES_CLASS} h2, .{GUIDELINES_CLASS} h3 "
    "{ line-height: 1.25; margin: 0.8em 0 0.4em } "
    f".{GUIDELINES_CLASS} h1 {{ font-size: 1.6em; margin-top: 0 }} "
    f".{GUIDELINES_CLASS} p {{ margin: 0 0 0.5em }} "
    f".{GUIDELINES_CLASS} ul {{ list-style: disc; padding-left: 1.5em; margin: 0 0 0.5em }} "
    f".{GUIDELINES_CLASS} th, .{GUIDELINES_CLASS} td {{ text-align: left; padding: 2px 8px }}</style>"
)


def guidelines_html(schema: Schema) -> str:
    """The guidelines as the small HTML Label Studio shows in its instructions panel."""
    out: list[str] = [GUIDELINES_STYLE, f'<div class="{GUIDELINES_CLASS}">']
    in_list = False
    table_rows: list[list[str]] = []
    previous_blank = True
    for line in guidelines_markdown(schema).splitlines() + [""]:
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            if not all(set(cell) <= {"-"} for cell in cells):
                table_rows.append(cells)
            continue
        if table_rows:
            head, *body = table_rows
            out.append("<table><tr>" + "".join(f"<th>{_inline(c)}</th>" for c in head) + "</tr>")
            out += ["<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>" for row in body]
            out.append("</table>")
            table_rows = []
        if line.startswith("- ") or (in_list and line.startswith("  ")):
            if not in_list:
                out.append("<ul>")
                in_list = True
            if line.startswith("- "):
                out.append(f"<li>{_inline(line[2:])}</li>")
            else:
                out[-1] = out[-1][: -len("</li>")] + " " + _inline(line.strip()) + "</li>"
            continue
        if in_list:
            out.append("</ul>")
            in_list = False
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{_inline(line[level:].strip())}</h{level}>")
        elif line and out and out[-1].startswith("<p>") and not previous_blank:
            out[-1] = out[-1][: -len("</p>")] + " " + _inline(line) + "</p>"
        elif line:
            out.append(f"<p>{_inline(line)}</p>")
        previous_blank = not line
    out.append("</div>")
    return "\n".join(out) + "\n"


def _inline(text: str) -> str:
    """Escape, then render **bold** and `code` spans."""
    escaped = html.escape(text, quote=False)
    for marker, tag in (("**", "b"), ("`", "code")):
        parts = escaped.split(marker)
        if len(parts) % 2 == 1:
            escaped = "".join(part if i % 2 == 0 else f"<{tag}>{part}</{tag}>" for i, part in enumerate(parts))
    return escaped


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _or(labels: tuple[str, ...]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]
