"""The curator's labeling page: the annotation project's config, with beside the text the
points in dispute and each annotator's version of them (under pseudonyms)."""

from __future__ import annotations

import html
import xml.etree.ElementTree as ElementTree

from annotate.adjudication.disputes import Dispute
from annotate.scheme.label_config import label_config
from annotate.scheme.schema import TEXT_NAME, Schema

SIDE_FIELD = "disputes"  # the task data field holding the side column's HTML


def curation_config(schema: Schema) -> str:
    """The schema's labeling config with the text in a left column and, in a sticky right
    column, the task's ``$disputes`` HTML (shown, never labelled) above the choices."""
    root = ElementTree.fromstring(label_config(schema))
    parent = next(element for element in root.iter() if any(
        child.tag == "Text" and child.get("name") == TEXT_NAME for child in element))
    text = next(child for child in parent if child.tag == "Text" and child.get("name") == TEXT_NAME)
    position = list(parent).index(text)
    parent.remove(text)
    row = ElementTree.Element("View", style="display: flex; align-items: flex-start; gap: 24px")
    left = ElementTree.SubElement(row, "View", style="flex: 1 1 auto; min-width: 0")
    left.append(text)
    right = ElementTree.SubElement(row, "View", style="flex: 0 0 380px; position: sticky; top: 0; "
                                   "max-height: 100vh; overflow-y: auto")
    ElementTree.SubElement(right, "Header", value="Points in dispute: each annotator's version", size="5")
    ElementTree.SubElement(right, "HyperText", name=SIDE_FIELD, value=f"${SIDE_FIELD}", inline="true")
    for control in list(parent)[position:]:  # the claim's and the document's choices, beside the text too
        parent.remove(control)
        right.append(control)
    parent.insert(position, row)
    return ElementTree.tostring(root, encoding="unicode") + "\n"


def side_html(dispute: Dispute, *, earlier_decision: bool = False) -> str:
    """The short list of points in dispute, then each annotator's version of every point."""
    lines = ["<div class=\"annotate-disputes\">"]
    if earlier_decision:
        lines.append("<p><b>Decided before; the annotations changed since.</b> "
                     "The proposal is the earlier decision.</p>")
    lines.append(f"<p><b>{len(dispute.points)} point(s) in dispute</b> between "
                 f"{len(dispute.votes)} annotators:</p><ol>")
    lines += [f"<li>{number}. {html.escape(point.describe())}</li>" for number, point in enumerate(dispute.points, 1)]
    lines.append("</ol>")
    for annotator in dispute.annotators:
        lines.append(f"<p><b>{html.escape(annotator)}</b></p><ul>")
        for number, point in enumerate(dispute.points, 1):
            said = dict(point.versions).get(annotator, "")
            lines.append(f"<li>{number}. {html.escape(said)}</li>")
        lines.append("</ul>")
    lines.append("</div>")
    return "\n".join(lines)
