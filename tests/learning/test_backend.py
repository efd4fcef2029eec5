"""The ML backend's protocol over real HTTP: /health, /setup, /predict, /webhook, basic auth, and
retraining after every N submitted annotations (the annotations come from a file here; the
Label Studio side is tested in tests/studio/test_serve.py)."""

from __future__ import annotations

import base64
import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from export_data import write_export
from synthetic_news import corpus

from annotate.learning.backend import Backend, BasicAuth, make_server
from annotate.learning.train import train

AUTH = BasicAuth("labelstudio", "s3cret-for-tests")


@pytest.fixture
def served(tmp_path, schema):
    weak = train(write_export(tmp_path / "small.json", corpus(4, seed=5)), schema, out_root=tmp_path / "models",
                 min_examples=2)
    refreshed = []

    def fetch(path: Path) -> None:
        write_export(path, corpus(60))

    backend = Backend(weak.path, schema, fetch=fetch, refresh=lambda p: refreshed.append(p.model_version) or 7,
                      every=3, out_root=tmp_path / "models")
    server = make_server(backend, "127.0.0.1", 0, AUTH)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield backend, f"http://127.0.0.1:{server.server_address[1]}", refreshed
    finally:
        server.shutdown()
        server.server_close()


def call(url: str, body: dict | None = None, auth: BasicAuth | None = AUTH) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(),
                                     method="GET" if body is None else "POST")
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{auth.user}:{auth.password}".encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {}


def test_health_setup_and_predict_speak_label_studios_protocol(served):
    backend, url, _ = served
    assert call(f"{url}/health") == (200, {"status": "UP", "model_class": "annotate",
                                           "model_version": backend.model_version})
    assert call(f"{url}/setup", {"project": "1.123", "schema": "<View/>"}) == (200, {"model_version":
                                                                                     backend.model_version})
    text = "Report 9\nIran said on Friday that Russia delivered 12 launchers of the S-300."
    status, body = call(f"{url}/predict", {"tasks": [{"id": 5, "data": {"text": text}}, {"id": 6, "data": {}}]})
    assert status == 200 and len(body["results"]) == 2
    first, empty = body["results"]
    assert first["model_version"] == backend.model_version and 0 < first["score"] <= 1
    for item in first["result"]:
        if "start" in item["value"]:
            assert text[item["value"]["start"]:item["value"]["end"]] == item["value"]["text"]
    assert empty["result"] == []


def test_requests_without_the_right_basic_auth_are_refused(served):
    _, url, _ = served
    assert call(f"{url}/health", auth=None)[0] == 401
    assert call(f"{url}/predict", {"tasks": []}, auth=BasicAuth("labelstudio", "wrong"))[0] == 401


def test_every_n_submitted_annotations_train_a_new_version_that_is_served_when_no_worse(served):
    backend, url, refreshed = served
    before = backend.model_version
    submitted = {"action": "ANNOTATION_CREATED", "annotation": {"id": 1, "was_cancelled": False}}
    skipped = {"action": "ANNOTATION_CREATED", "annotation": {"id": 2, "was_cancelled": True}}
    assert call(f"{url}/webhook", submitted)[1]["training_started"] is False
    assert call(f"{url}/webhook", skipped)[1]["training_started"] is False  # a skip is not a submission
    assert call(f"{url}/webhook", {"action": "ANNOTATION_UPDATED", "annotation": {"id": 1}})[1][
        "training_started"] is False
    assert call(f"{url}/webhook", submitted)[1]["training_started"] is False
    assert call(f"{url}/webhook", submitted)[1]["training_started"] is True  # the third submission
    backend.training.join(timeout=300)
    assert backend.history and "serving it" in backend.history[-1], backend.history
    assert backend.model_version != before and backend.model.version == "v2"
    assert refreshed == [backend.model_version]
    assert call(f"{url}/health")[1]["model_version"] == backend.model_version


def test_a_worse_new_version_is_not_served(tmp_path, schema):
    strong = train(write_export(tmp_path / "big.json", corpus(60)), schema, out_root=tmp_path / "models")
    backend = Backend(strong.path, schema, fetch=lambda path: write_export(path, corpus(4, seed=5)),
                      every=1, out_root=tmp_path / "models")
    before = backend.model_version
    line = backend.retrain()
    assert "below the served model's" in line and "kept v1" in line
    assert backend.model_version == before
