"""A Label Studio ML backend for a trained model: ``/health``, ``/setup``, ``/predict``, ``/webhook``.

The protocol (what Label Studio 1.23 sends, ``ml/api_connector.py`` and ``ml/models.py``):

- ``GET /health`` -> ``{"status": "UP", "model_version": ...}``;
- ``POST /setup`` -> ``{"model_version": ...}``: the version Label Studio records on predictions;
- ``POST /predict`` with ``{"tasks": [{"id", "data": {"text"}}, ...]}`` -> ``{"results": [one
  prediction per task: {"result", "score", "model_version"}]}``;
- ``POST /webhook`` with Label Studio's webhook body (``{"action": "ANNOTATION_CREATED", ...}``):
  after every ``every`` newly submitted (not skipped) annotations, a new model is trained in the
  background from the project's annotations; it is served once its held-out scores are no worse
  than the current model's, and the predictions of tasks nobody has annotated yet are refreshed.

Fetching the annotations and refreshing predictions talk to Label Studio, so they are given as
callables (:mod:`annotate.studio.ml_backend` makes them); nothing here imports Label Studio code.
Requests need HTTP basic auth when credentials are given. Listens on 127.0.0.1 by default.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from annotate.errors import AnnotateError
from annotate.learning.model import Model
from annotate.learning.preannotator import ModelPreannotator
from annotate.learning.train import train
from annotate.preannotation.matchers import PatternPreannotator, Preannotator, combine, prediction
from annotate.scheme.schema import TEXT_NAME, Schema

log = logging.getLogger("annotate.serve")
MAX_BODY = 250 * 2**20
SUBMITTED = ("ANNOTATION_CREATED", "ANNOTATIONS_CREATED")

Fetch = Callable[[Path], None]  # write the project's raw export (what annotate pull writes) to the path
Refresh = Callable[[Preannotator], int]  # new predictions for unannotated tasks; how many


@dataclass(frozen=True)
class BasicAuth:
    """The user name and password Label Studio sends (``basic_auth_user``/``basic_auth_pass``)."""

    user: str
    password: str

    def __repr__(self) -> str:
        return f"BasicAuth(user={self.user!r}, password=***)"

    def accepts(self, header: str | None) -> bool:
        expected = "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        return header is not None and hmac.compare_digest(header.encode(), expected.encode())


def headline(scores: dict[str, Any]) -> tuple[float, float]:
    """What "no worse" compares: entity micro F1, then document stance accuracy (None counts as 0)."""
    return (scores["entities"]["micro"]["f1"] or 0.0, scores["document_stance"]["accuracy"] or 0.0)


class Backend:
    """The model being served, and the retraining after every ``every`` submitted annotations."""

    def __init__(self, model_dir: Path | str, schema: Schema, *, fetch: Fetch | None = None,
                 refresh: Refresh | None = None, every: int = 10, out_root: Path | str = "models",
                 seed: int = 0) -> None:
        if every < 1:
            raise AnnotateError(f"--every must be at least 1 annotation, got {every}")
        self.schema = schema
        self.fetch, self.refresh = fetch, refresh
        self.every, self.out_root, self.seed = every, Path(out_root), seed
        self._lock = threading.Lock()
        self.model = Model(model_dir)
        self.preannotator = self._preannotator(self.model)
        self.submitted = 0  # since the last retraining started
        self.training: threading.Thread | None = None
        self.history: list[str] = []  # what each retraining did, one line each

    def _preannotator(self, model: Model) -> Preannotator:
        return combine([PatternPreannotator(self.schema), ModelPreannotator(model, self.schema)], self.schema)

    @property
    def model_version(self) -> str:
        return self.preannotator.model_version

    def predict(self, tasks: list[Any]) -> list[dict[str, Any]]:
        """One prediction per task (an empty result when the task has no text)."""
        preannotator = self.preannotator
        found = []
        for task in tasks:
            data = task.get("data") if isinstance(task, dict) else None
            text = data.get(TEXT_NAME) if isinstance(data, dict) else None
            made = prediction(preannotator, text) if isinstance(text, str) and text else None
            found.append(made or {"model_version": preannotator.model_version, "result": [], "score": 0.0})
        return found

    def webhook(self, body: dict[str, Any]) -> bool:
        """Count a submitted annotation; True when it started a retraining."""
        if body.get("action") not in SUBMITTED:
            return False
        items = body.get("annotations") if isinstance(body.get("annotations"), list) else [body.get("annotation")]
        submitted = sum(1 for item in items if isinstance(item, dict) and not item.get("was_cancelled"))
        if not submitted:
            return False
        with self._lock:
            self.submitted += submitted
            if self.submitted < self.every:
                return False
        return self.start_training()

    def start_training(self) -> bool:
        """Retrain in the background unless a retraining runs already; True when one started."""
        with self._lock:
            if self.fetch is None or (self.training is not None and self.training.is_alive()):
                return False
            self.submitted = 0
            self.training = threading.Thread(target=self.retrain, name="annotate-retrain", daemon=True)
            self.training.start()
            return True

    def retrain(self) -> str:
        """Train on the project's annotations now; serve the new model when it is no worse."""
        assert self.fetch is not None
        try:
            with tempfile.TemporaryDirectory(prefix="annotate-serve-") as folder:
                raw = Path(folder) / "annotations.json"
                self.fetch(raw)
                result = train(raw, self.schema, out_root=self.out_root, seed=self.seed)
            new, old = headline(result.scores), headline(self.model.info["scores"])
            if new < old:
                line = f"{result.version}: held-out scores {new} below the served model's {old}; kept {self.model.version}"
            else:
                model = Model(result.path)
                preannotator = self._preannotator(model)
                with self._lock:
                    self.model, self.preannotator = model, preannotator
                refreshed = self.refresh(preannotator) if self.refresh is not None else 0
                line = f"{result.version}: serving it (held-out scores {new}, were {old}); {refreshed} task(s) refreshed"
        except AnnotateError as error:
            line = f"retraining failed: {error}"
        except Exception as error:  # noqa: BLE001 - a background thread: say it, keep serving the current model
            line = f"retraining failed ({type(error).__name__}: {error}); still serving {self.model.version}"
        log.info(line)
        self.history.append(line)
        return line


def make_server(backend: Backend, host: str = "127.0.0.1", port: int = 9090,
                auth: BasicAuth | None = None) -> ThreadingHTTPServer:
    """The HTTP server of ``backend`` (call ``serve_forever()``; ``server_address`` has the port)."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "annotate-serve"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            log.debug("%s " + format, self.address_string(), *args)

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _allowed(self) -> bool:
            if auth is None or auth.accepts(self.headers.get("Authorization")):
                return True
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="annotate serve"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return False

        def _body(self) -> dict[str, Any] | None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._send(413, {"error": f"request body over {MAX_BODY} bytes"})
                return None
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                self._send(400, {"error": "the request body is not JSON"})
                return None
            if not isinstance(body, dict):
                self._send(400, {"error": "the request body must be a JSON object"})
                return None
            return body

        def do_GET(self) -> None:  # noqa: N802 - the http.server name
            if not self._allowed():
                return
            if self.path.rstrip("/") in ("/health", ""):
                self._send(200, {"status": "UP", "model_class": "annotate", "model_version": backend.model_version})
            else:
                self._send(404, {"error": f"no such endpoint: GET {self.path}"})

        def do_POST(self) -> None:  # noqa: N802
            if not self._allowed():
                return
            body = self._body()
            if body is None:
                return
            path = self.path.rstrip("/")
            if path == "/setup":
                self._send(200, {"model_version": backend.model_version})
            elif path == "/predict":
                tasks = body.get("tasks")
                if not isinstance(tasks, list):
                    self._send(400, {"error": "predict needs a list of tasks"})
                    return
                self._send(200, {"results": backend.predict(tasks), "model_version": backend.model_version})
            elif path == "/webhook":
                started = backend.webhook(body)
                self._send(200, {"status": "ok", "training_started": started})
            elif path == "/train":  # Label Studio's "Start training" button
                started = backend.start_training()
                self._send(200, {"status": "ok", "training_started": started})
            else:
                self._send(404, {"error": f"no such endpoint: POST {self.path}"})

    return ThreadingHTTPServer((host, port), Handler)
