"""What a correction did, one line per article and one per region not simply moved."""

from __future__ import annotations

from annotate.corrections.plan import ArticlePlan


def article_lines(plan: ArticlePlan) -> list[str]:
    """The article's line, then one line for each region marked for review or removed and each
    relation removed: nothing is dropped without a line saying so."""
    lines = [f"corrected: {plan.source} (document {plan.document_id}, task {plan.task_id}): text version "
             f"{plan.old_version} -> {plan.new_version}, {plan.characters_changed} character(s) changed; regions: "
             f"{plan.count('moved')} moved, {plan.count('review')} marked for review, {plan.count('removed')} "
             f"removed" + (f"; {plan.relations_dropped} relation(s) removed" if plan.relations_dropped else "")]
    for item in plan.items:
        for region in item.carried.regions:
            where = (f"  {item.kind} {item.id}, region {region.region_id}: {region.label} \u201c{_short(region.old_text)}\u201d "
                     f"({region.old_start}-{region.old_end})")
            if region.outcome == "removed":
                lines.append(f"{where} removed: its words were deleted")
            elif region.outcome == "review":
                lines.append(f"{where} -> \u201c{_short(region.new_text or '')}\u201d ({region.new_start}-{region.new_end}): "
                             "marked for review")
        for relation in item.carried.relations_dropped:
            lines.append(f"  {item.kind} {item.id}, relation {relation.from_id} -> {relation.to_id} removed: its end "
                         f"{relation.removed_end} was removed")
    return lines


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."
