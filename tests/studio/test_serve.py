"""``annotate serve`` with a real Label Studio: Label Studio reaches the backend on 127.0.0.1 with
basic auth, stores its predictions, and its webhook makes the backend retrain, serve the new
version and refresh the predictions of the tasks nobody has annotated yet."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from export_data import write_export
from synthetic_news import corpus

from annotate.corpus.reader import Document
from annotate.learning.backend import BasicAuth, make_server
from annotate.learning.train import train
from annotate.studio.api import list_tasks
from annotate.studio.ml_backend import connect_backend, project_backend
from annotate.studio.push import push
from tests.processes import interruptible

AUTH = BasicAuth("labelstudio", "s3cret-for-tests")


def test_label_studio_gets_predictions_and_its_webhook_makes_a_new_version(ls_client, schema, tmp_path):
    # A model that learnt nothing (every label below --min-examples): any retrained one is no worse.
    blank = train(write_export(tmp_path / "small.json", corpus(4, seed=5)), schema, out_root=tmp_path / "models",
                  min_examples=1000)
    articles = corpus(9, seed=9, first_number=500)
    documents = [Document(id=t["data"]["document_id"], title=t["data"]["title"], text=t["data"]["text"],
                          source="s.jsonl", sha256=hashlib.sha256(t["data"]["text"].encode()).hexdigest())
                 for t in articles]
    pushed = push(client=ls_client, schema=schema, documents=documents, preannotate=False, data_dir=tmp_path,
                  project_title=f"serve-{uuid.uuid4().hex[:8]}")
    project_id = pushed.project_id
    backend = project_backend(ls_client, project_id, blank.path, schema, every=6, out_root=tmp_path / "models")
    server = make_server(backend, "127.0.0.1", 0, AUTH)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        connect_backend(ls_client, project_id, f"http://127.0.0.1:{server.server_address[1]}", AUTH)
        first_version = backend.model_version
        ls_client.actions.create(id="retrieve_tasks_predictions", project=project_id,
                                 selected_items={"all": True, "excluded": []})
        tasks = list_tasks(ls_client, project_id)
        for task in tasks:
            versions = [p.model_version for p in ls_client.predictions.list(task=task.id)]
            assert versions == [first_version]

        gold = {t["data"]["document_id"]: t["annotations"][0]["result"] for t in articles}
        for task in tasks[:6]:  # six annotators submit
            ls_client.annotations.create(id=task.id, result=gold[task.document_id])
        deadline = time.monotonic() + 600
        while backend.training is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert backend.training is not None, "the webhook never reached the backend"
        backend.training.join(timeout=max(1.0, deadline - time.monotonic()))
        assert backend.history and "serving it" in backend.history[-1], backend.history
        assert "3 task(s) refreshed" in backend.history[-1]
        new_version = backend.model_version
        assert new_version != first_version and "model-v2-" in new_version
        for task in tasks[6:]:
            versions = [p.model_version for p in ls_client.predictions.list(task=task.id)]
            assert new_version in versions
        project = ls_client.projects.get(id=project_id)
        assert project.model_version == new_version and project.sampling == "Uncertainty sampling"
    finally:
        server.shutdown()
        server.server_close()


def test_cli_serve_listens_on_this_machine_with_basic_auth_and_prints_no_secret(label_studio, ls_client, schema,
                                                                               tmp_path):
    root = Path(__file__).resolve().parents[2]
    blank = train(write_export(tmp_path / "small.json", corpus(4, seed=5)), schema, out_root=tmp_path / "models",
                  min_examples=1000)
    title = f"cli-serve-{uuid.uuid4().hex[:8]}"
    articles = corpus(2, seed=3, first_number=700)
    push(client=ls_client, schema=schema, preannotate=False, data_dir=tmp_path, project_title=title,
         documents=[Document(id=t["data"]["document_id"], title="T", text=t["data"]["text"], source="s.jsonl",
                             sha256=hashlib.sha256(t["data"]["text"].encode()).hexdigest()) for t in articles])
    env = {**os.environ, "LABEL_STUDIO_URL": label_studio.url, "LABEL_STUDIO_API_KEY": label_studio.api_key,
           "ANNOTATE_SERVE_USER": AUTH.user, "ANNOTATE_SERVE_PASSWORD": AUTH.password}
    process = subprocess.Popen([sys.executable, "-m", "annotate", "serve", "--model", str(blank.path), "--project",
                                title, "--port", "0", "--data-dir", str(tmp_path), "--out", str(tmp_path / "models")],
                               cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=interruptible)
    try:
        line = process.stdout.readline()
        match = re.search(r"at (http://127\.0\.0\.1:\d+) for project", line)
        assert match and "basic auth on" in line, line
        url = match.group(1)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{url}/health", timeout=30)
        assert refused.value.code == 401
        request = urllib.request.Request(f"{url}/health")
        request.add_header("Authorization",
                           "Basic " + base64.b64encode(f"{AUTH.user}:{AUTH.password}".encode()).decode())
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.loads(response.read())["status"] == "UP"
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert AUTH.password not in line + out + err and label_studio.api_key not in line + out + err
