"""A trained model as a pre-annotator: Label Studio results with scores and their source."""

from __future__ import annotations

import pytest
from export_data import write_export
from synthetic_news import corpus

from annotate.conversion.convert import AnnotatorNames, convert_task
from annotate.learning.preannotator import ModelPreannotator
from annotate.learning.train import train
from annotate.preannotation.matchers import AnnotationMemory, PatternPreannotator, combine, prediction

TEXT = "Report 5\nVarkon Telisa, a spokesman for Oslan Group, said on Friday that Iran had received 12 launchers " \
       "of the S-300. Officials in Peru warned that the S-400 deal threatens the whole region, Mira Dost told reporters."


@pytest.fixture(scope="module")
def model_part(tmp_path_factory, schema) -> ModelPreannotator:
    folder = tmp_path_factory.mktemp("model")
    raw = write_export(folder / "raw.json", corpus(60))
    return ModelPreannotator.from_folder(train(raw, schema, out_root=folder / "models").path, schema)


def test_combined_prediction_names_each_region_source_and_scores_the_task(model_part, schema):
    memory = AnnotationMemory({"Iran": "GPE"}, schema)
    combined = combine([memory, PatternPreannotator(schema), model_part], schema)
    assert combined.model_version == f"memory+patterns+{model_part.model_version}-{schema.fingerprint[:12]}"
    made = prediction(combined, TEXT)
    by_source: dict[str, list] = {}
    for item in made["result"]:
        by_source.setdefault(item["meta"]["source"], []).append(item)
        if "start" in item["value"]:
            assert TEXT[item["value"]["start"]:item["value"]["end"]] == item["value"]["text"]
    assert {i["value"]["text"] for i in by_source["memory"]} == {"Iran"}  # memory wins over the model's same span
    model_texts = {i["value"]["text"] for i in by_source["model"] if i["from_name"] == "entities"}
    assert {"Varkon Telisa", "Oslan Group", "Peru"} <= model_texts
    assert all(0 < i["score"] <= 1 for i in by_source["model"])
    claims = {i["id"] for i in by_source["model"] if i["from_name"] == "claims"}
    stances = {i["id"] for i in by_source["model"] if i["from_name"] == "claim_stance"}
    assert claims and stances == claims  # a claim's stance is a per-region choice of the same region
    assert any(i["from_name"] == "doc_stance" for i in by_source["model"])
    scores = [i["score"] for i in made["result"] if "score" in i]
    assert made["score"] == round(sum(scores) / len(scores), 4)


def test_the_conversion_reads_each_predicted_span_source(model_part, schema):
    combined = combine([PatternPreannotator(schema), model_part], schema)
    task = {"id": 1, "data": {"text": TEXT, "document_id": "d1"}, "annotations": [],
            "predictions": [prediction(combined, TEXT)]}
    record, problems = convert_task(task, schema, names=AnnotatorNames(include_emails=False))
    assert problems == []
    (predicted,) = record.predictions
    sources = dict(zip((s.text for s in predicted.entities), predicted.sources))
    assert sources["S-300"] == "patterns" and sources["Varkon Telisa"] == "model"
