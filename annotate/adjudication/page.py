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
    """The schema's labeling config with the task's ``$disputes`` HTML (shown, never labelled)
    on top of the panel beside the text, above the choices; the labeling page already keeps that
    panel in view while the text scrolls."""
    root = ElementTree.fromstring(label_config(schema))
    column = next(element for element in root.iter() if any(
        child.tag == "Text" and child.get("name") == TEXT_NAME for child in element))
    row = next(element for element in root.iter() if column in list(element))
    panel = list(row)[list(row).index(column) + 1]
    panel.insert(0, ElementTree.Element("HyperText", name=SIDE_FIELD, value=f"${SIDE_FIELD}", inline="true"))
    panel.insert(0, ElementTree.Element("Header", value="Points in dispute: each annotator's version", size="5"))
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
