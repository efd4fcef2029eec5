"""``push --model`` against a real Label Studio: the model's proposals join the pre-annotations in
the task's one prediction, regions keep their source through Label Studio's round trip, and the
project serves the tasks the model is least sure of first."""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from pathlib import Path

import pytest
from export_data import write_export
from synthetic_news import corpus

from annotate.conversion.convert import AnnotatorNames, convert_task, iter_tasks
from annotate.corpus.reader import Document
from annotate.errors import ModelError, ProjectError
from annotate.learning.train import train
from annotate.studio.api import list_tasks
from annotate.studio.pull import pull
from annotate.studio.push import push

ARTICLES = [
    "Report 1\nIran said on Friday that Russia delivered 12 launchers.",
    "Report 2\nOman said on Monday that Norway delivered 7 launchers. Chile welcomed it.",
    "Market notes\nShares of a fishing company rose while the weather stayed calm all week long.",
    "Report 4\nQatar said on Tuesday that Peru delivered 300 launchers, and Kenya agreed.",
]


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory, schema) -> Path:
    folder = tmp_path_factory.mktemp("model")
    raw = write_export(folder / "raw.json", corpus(60))
    return train(raw, schema, out_root=folder / "models").path


def documents(texts: list[str]) -> list[Document]:
    return [Document(id=f"m-{number}", title=text.split("\n")[0], text=text, source="m.jsonl",
                     sha256=hashlib.sha256(text.encode()).hexdigest(), line=number + 1)
            for number, text in enumerate(texts)]


def next_task(client, project_id: int) -> dict:
    response = client._client_wrapper.httpx_client.request(f"api/projects/{project_id}/next", method="GET")
    assert response.status_code == 200, response.text
    return response.json()


def test_model_proposals_join_the_one_prediction_with_scores_and_sources(ls_client, schema, model_folder, tmp_path):
    result = push(client=ls_client, schema=schema, documents=documents(ARTICLES), data_dir=tmp_path,
                  project_title=f"model-{uuid.uuid4().hex[:8]}", model=model_folder)
    assert result.model_version.startswith("patterns+model-v1-") and result.uncertainty_sampling
    project = ls_client.projects.get(id=result.project_id)
    assert project.sampling == "Uncertainty sampling" and project.model_version == result.model_version
    scores, controls = [], set()
    for task in list_tasks(ls_client, result.project_id):
        (prediction,) = ls_client.predictions.list(task=task.id)
        assert prediction.model_version == result.model_version
        sources = {item["meta"]["source"] for item in prediction.result}
        assert "model" in sources
        model_items = [item for item in prediction.result if item["meta"]["source"] == "model"]
        assert all(0 < item["score"] <= 1 for item in model_items)
        controls |= {item["from_name"] for item in model_items}
        assert 0 < prediction.score <= 1
        scores.append(prediction.score)
    assert controls >= {"entities", "claims", "claim_stance"}  # names no pattern knows; claims, stances
    assert len(set(scores)) == len(scores)  # distinct, so the order below is meaningful

    # The round trip: exported by Label Studio, read by the conversion, each span keeps its source.
    pulled = tmp_path / "pulled.json"
    pull(client=ls_client, project_id=result.project_id, out=pulled)
    names = AnnotatorNames(include_emails=False)
    read = Counter()
    for raw in iter_tasks(pulled):
        record, problems = convert_task(raw, schema, names=names)
        assert problems == []
        (predicted,) = record.predictions
        assert len(predicted.sources) == len(predicted.entities)
        read.update(predicted.sources)
        for span in predicted.entities:
            assert record.text[span.start:span.end] == span.text
    assert set(read) == {"model", "patterns"}


def test_tasks_are_served_least_certain_first(ls_client, schema, model_folder, tmp_path):
    result = push(client=ls_client, schema=schema, documents=documents(ARTICLES), data_dir=tmp_path,
                  project_title=f"order-{uuid.uuid4().hex[:8]}", model=model_folder)
    score_of = {task.id: ls_client.predictions.list(task=task.id)[0].score
                for task in list_tasks(ls_client, result.project_id)}
    served = []
    for _ in score_of:
        task = next_task(ls_client, result.project_id)
        served.append(task["id"])
        ls_client.annotations.create(id=task["id"], result=[], was_cancelled=True)  # skip it, as a person would
    assert served == sorted(score_of, key=score_of.get)


def test_unannotated_tasks_already_there_get_the_model_prediction_once(ls_client, schema, model_folder, tmp_path):
    title = f"later-{uuid.uuid4().hex[:8]}"
    first = push(client=ls_client, schema=schema, documents=documents(ARTICLES), data_dir=tmp_path, project_title=title)
    assert first.model_version.startswith("patterns-")
    again = push(client=ls_client, schema=schema, documents=documents(ARTICLES), data_dir=tmp_path,
                 project_title=title, model=model_folder)
    assert again.imported == 0 and again.model_predictions == len(ARTICLES)
    third = push(client=ls_client, schema=schema, documents=documents(ARTICLES), data_dir=tmp_path,
                 project_title=title, model=model_folder)
    assert third.model_predictions == 0
    for task in list_tasks(ls_client, again.project_id):
        versions = [p.model_version for p in ls_client.predictions.list(task=task.id)]
        assert versions.count(again.model_version) == 1  # the patterns' one too, where they found something
        assert set(versions) <= {first.model_version, again.model_version}


def test_a_folder_that_is_not_a_model_is_refused_before_anything_changes(ls_client, schema, tmp_path):
    title = f"nomodel-{uuid.uuid4().hex[:8]}"
    with pytest.raises(ModelError, match="not a model folder"):
        push(client=ls_client, schema=schema, documents=documents(ARTICLES), data_dir=tmp_path, project_title=title,
             model=tmp_path)
    assert not [p for p in ls_client.projects.list() if p.title == title]


def test_a_model_without_preannotation_is_refused_before_anything_changes(schema, tmp_path):
    with pytest.raises(ProjectError, match="give --model without --no-preannotate"):
        push(client=None, schema=schema, documents=documents(ARTICLES), data_dir=tmp_path, preannotate=False,
             model=tmp_path)
