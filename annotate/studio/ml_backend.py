"""``annotate serve`` against a project: the model backend (:mod:`annotate.learning.backend`) with the
parts that talk to Label Studio: fetching the annotations to retrain on (a pull), refreshing the
predictions of tasks nobody has annotated yet, and connecting the backend and its webhook to the
project."""

from __future__ import annotations

import base64
import shutil
import tempfile
from pathlib import Path

from label_studio_sdk import LabelStudio

from annotate.learning.backend import Backend, BasicAuth
from annotate.preannotation.matchers import Preannotator
from annotate.scheme.schema import TEXT_NAME, Schema
from annotate.studio.api import fetch_tasks, list_tasks
from annotate.studio.connection import call_with_retries
from annotate.studio.model_predictions import add_predictions, sample_by_uncertainty
from annotate.studio.pull import pull

WEBHOOK_ACTIONS = ["ANNOTATION_CREATED"]


def project_backend(client: LabelStudio, project_id: int, model_dir: Path | str, schema: Schema, *,
                    every: int = 10, out_root: Path | str = "models", seed: int = 0) -> Backend:
    """A backend serving ``model_dir`` that retrains from project ``project_id``'s annotations.

    Its pulls are kept, while it serves, in a temp folder only this user can read (the raw file
    names annotators by e-mail), so that each retraining fetches only the tasks changed since the
    last one."""
    pulls = tempfile.TemporaryDirectory(prefix="annotate-serve-pulls-")  # removed with the backend

    def fetch(path: Path) -> None:
        kept = Path(pulls.name) / f"project-{project_id}.json"
        pull(client=client, project_id=project_id, out=kept)
        shutil.copyfile(kept, path)

    def refresh(preannotator: Preannotator) -> int:
        unannotated = [task.id for task in list_tasks(client, project_id) if task.annotations == 0]
        texts = {task["id"]: task["data"].get(TEXT_NAME) for task in fetch_tasks(client, project_id, unannotated)}
        added = add_predictions(client, project_id, {k: v for k, v in texts.items() if isinstance(v, str) and v},
                                preannotator)
        sample_by_uncertainty(client, project_id, preannotator.model_version)
        return added

    return Backend(model_dir, schema, fetch=fetch, refresh=refresh, every=every, out_root=out_root, seed=seed)


def connect_backend(client: LabelStudio, project_id: int, url: str, auth: BasicAuth | None,
                    title: str = "annotate serve") -> None:
    """Register the backend at ``url`` with the project, and the webhook of submitted annotations
    (the same credentials, as a basic-auth header that Label Studio stores with the webhook)."""
    base = url.rstrip("/")
    options = {"auth_method": "BASIC_AUTH", "basic_auth_user": auth.user, "basic_auth_pass": auth.password} \
        if auth else {"auth_method": "NONE"}
    call_with_retries(client.ml.create, url=base, project=project_id, title=title, is_interactive=False,
                      what=f"connecting the ML backend {base} to project {project_id}", **options)
    headers = {}
    if auth:
        token = base64.b64encode(f"{auth.user}:{auth.password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    call_with_retries(client.webhooks.create, url=f"{base}/webhook", project=project_id, send_payload=True,
                      send_for_all_actions=False, actions=WEBHOOK_ACTIONS, headers=headers, is_active=True,
                      what=f"adding the webhook {base}/webhook to project {project_id}")
