"""The project a push works on: its title, finding or creating it once, keeping it in step.

A push finds its project by the id it recorded for this server and title in
``<data dir>/projects.json``, else by its title, else creates it (of two projects created at the
same moment by two pushes, both keep the lowest id). It then brings the labeling config,
guidelines, description and, when asked, the overlap up to date, but refuses a config that would
orphan a label or choice value existing annotations use (Label Studio itself accepts such a config
and leaves the annotations orphaned).
"""

from __future__ import annotations

import contextlib
import json
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from annotate.errors import ConnectionProblem, ProjectError
from annotate.filesystem import write_atomically
from annotate.scheme.guidelines import guidelines_html
from annotate.scheme.label_config import label_config
from annotate.scheme.schema import Schema
from annotate.studio.api import (
    find_project,
    get_project,
    projects_titled,
    refusal,
    send_once,
    server_url,
)
from annotate.studio.connection import call_with_retries

RECORD_FILE = "projects.json"
MAX_TITLE = 50  # Label Studio's limit on project titles


# --- titles and description ----------------------------------------------------------------------


def default_project_title(schema: Schema) -> str:
    """The schema's title; its name when the title is longer than Label Studio allows."""
    for candidate in (schema.title, schema.name):
        if len(candidate) <= MAX_TITLE:
            return candidate
    return schema.title[:MAX_TITLE - 1].rstrip() + "…"


def check_title(title: str) -> str:
    """The title, when Label Studio accepts it; else ProjectError."""
    if not title.strip() or len(title) > MAX_TITLE:
        raise ProjectError(f"project title {title!r} must be 1 to {MAX_TITLE} characters (Label Studio's limit); "
                           "pass a shorter --project")
    return title


def project_description(schema: Schema) -> str:
    """The schema's description, then its name, version and fingerprint."""
    return (f"{schema.description}\n\nSchema {schema.name} {schema.version} "
            f"(sha256:{schema.fingerprint}), pushed by annotate.")


# --- finding or creating -----------------------------------------------------------------------------


def resolve_project(client: LabelStudio, schema: Schema, title: str, *, data_dir: Path) -> tuple[Any, bool]:
    """(project, created): the recorded one, else the one titled ``title``, else a new one."""
    url = server_url(client)
    recorded = recorded_project_id(data_dir, url, title)
    project = get_project(client, recorded) if recorded is not None else None
    created = False
    if project is None:
        project = find_project(client, title)
    if project is None:
        project, created = _create_project(client, schema, title)
    _record_project(data_dir, url, title, int(project.id))
    return project, created


def recorded_project_id(data_dir: Path | str, url: str, title: str) -> int | None:
    """The project id a previous push recorded for this server and title, if any."""
    try:
        record = json.loads((Path(data_dir) / RECORD_FILE).read_text(encoding="utf-8"))
        value = record[url.rstrip("/")][title]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _record_project(data_dir: Path, url: str, title: str, project_id: int) -> None:
    path = data_dir / RECORD_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(record, dict):
            record = {}
    except (OSError, ValueError):
        record = {}
    servers = record.setdefault(url.rstrip("/"), {})
    if not isinstance(servers, dict):
        servers = record[url.rstrip("/")] = {}
    if servers.get(title) == project_id:
        return
    servers[title] = project_id
    with contextlib.suppress(OSError):  # a cache: pushes work without it
        data_dir.mkdir(parents=True, exist_ok=True)
        write_atomically(path, json.dumps(record, indent=2, ensure_ascii=False) + "\n")


def _create_project(client: LabelStudio, schema: Schema, title: str) -> tuple[Any, bool]:
    """(project, created): a failed request is checked (by title) before it is sent again, and of
    two projects created at the same moment by two pushes, both keep the lowest id."""
    def send() -> Any:
        return client.projects.create(
            title=title, description=project_description(schema), label_config=label_config(schema),
            expert_instruction=guidelines_html(schema), show_instruction=True, request_options={"max_retries": 0})

    def look() -> Any:
        found = projects_titled(client, title)
        return found[0] if found else None

    created = send_once(send, look, f"creating project {title!r}",
                        "check that Label Studio is up and run the command again")
    twins = projects_titled(client, title)
    adopted = bool(twins) and twins[0].id != created.id
    if adopted:
        with contextlib.suppress(ConnectionProblem):
            call_with_retries(client.projects.delete, id=created.id, what=f"deleting duplicate project {created.id}",
                              expected_statuses=(404,))
        created = twins[0]
    project = get_project(client, created.id)
    if project is None:
        raise ProjectError(f"project {title!r} (id {created.id}) disappeared while it was being created; "
                           "run the command again")
    return project, not adopted


# --- keeping it in step ------------------------------------------------------------------------------


def update_project(client: LabelStudio, project: Any, schema: Schema, annotated: Sequence[Mapping[str, Any]],
                   *, overlap: int | None = None) -> bool:
    """Bring config, guidelines, description and overlap up to date; True when the config changed.

    ``overlap`` (annotators per task, Label Studio's ``maximum_annotations``) is left as it is
    when None. Refuses (ProjectError) when a label or choice value used by an annotation would
    disappear.
    """
    config = label_config(schema)
    changes: dict[str, Any] = {}
    if (project.label_config or "").strip() != config.strip():
        orphans = orphaned_values(annotated, config_values(config))
        if orphans:
            shown = "; ".join(orphans[:5]) + (f"; and {len(orphans) - 5} more" if len(orphans) > 5 else "")
            raise ProjectError(
                f"project {project.title!r} (id {project.id}): the schema no longer has values that existing "
                f"annotations use ({shown}); they were removed or renamed. Keep them in the schema (or fix "
                "those annotations in Label Studio first), then push again", problems=orphans)
        changes["label_config"] = config
    guidelines = guidelines_html(schema)
    if (project.expert_instruction or "") != guidelines or not project.show_instruction:
        changes.update(expert_instruction=guidelines, show_instruction=True)
    if (project.description or "") != project_description(schema):
        changes["description"] = project_description(schema)
    if overlap is not None and project.maximum_annotations != overlap:
        changes["maximum_annotations"] = overlap
    if changes:
        try:
            call_with_retries(client.projects.update, id=project.id, **changes,
                              what=f"updating project {project.id}", expected_statuses=(400,))
        except ApiError as error:
            what, fix = (("the new labeling config", "fix the schema") if "label_config" in changes
                         else ("the new settings", "check the schema and --overlap"))
            raise ProjectError(f"Label Studio refused {what} for project {project.title!r} "
                               f"(id {project.id}): {refusal(error)}; {fix} and push again") from None
    return "label_config" in changes


def config_values(config: str) -> dict[str, set[str]]:
    """Control name -> the values it offers (``Label``/``Choice``); relations under ``"relations"``."""
    root = ElementTree.fromstring(config)
    values: dict[str, set[str]] = {}
    for element in root.iter():
        if element.tag == "Relations":
            values.setdefault("relations", set()).update(
                child.get("value", "") for child in element if child.get("value"))
        elif element.get("name") and element.get("toName"):
            values.setdefault(element.get("name", ""), set()).update(
                child.get("value", "") for child in element.iter() if child is not element and child.get("value"))
    return values


def orphaned_values(tasks: Iterable[Mapping[str, Any]], allowed: Mapping[str, set[str]]) -> list[str]:
    """Each (control, value) that annotations use but ``allowed`` lacks, with its count and a task."""
    uses: dict[tuple[str, str], list[int]] = defaultdict(list)
    for task in tasks:
        for annotation in task.get("annotations") or ():
            for item in (annotation.get("result") or ()) if isinstance(annotation, Mapping) else ():
                for control, value in _used_values(item):
                    if control not in allowed or value not in allowed[control]:
                        uses[(control, value)].append(task.get("id"))
    return [f"{value!r} of {control!r} in {len(ids)} region(s), e.g. task {ids[0]}"
            for (control, value), ids in sorted(uses.items())]


def _used_values(item: Any) -> Iterator[tuple[str, str]]:
    if not isinstance(item, Mapping):
        return
    if item.get("type") == "relation":
        for label in item.get("labels") or ():
            if isinstance(label, str):
                yield "relations", label
        return
    control, kind, value = item.get("from_name"), item.get("type"), item.get("value")
    if isinstance(control, str) and isinstance(kind, str) and isinstance(value, Mapping):
        chosen = value.get(kind)
        if isinstance(chosen, list):
            for entry in chosen:
                if isinstance(entry, str):
                    yield control, entry
