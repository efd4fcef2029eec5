"""Features, tokens, IOB2 tags, sentences and splits: the pieces every exported row is made of."""

from __future__ import annotations

import copy

import pytest
import yaml
from datasets import Features
from hypothesis import given, settings
from hypothesis import strategies as st
from iob2_decoder import entities_from_tags

from annotate.conversion.records import Annotation, Claim, DocumentRecord, GoldDocument, Span
from annotate.errors import ExportError
from annotate.published.splits import (
    SPLITS,
    SplitAssigner,
    check_ratios,
    hashed_split,
    parse_ratios,
)
from annotate.release.rows import TableBuilder
from annotate.scheme.arrow_schemas import config_arrow_schemas
from annotate.scheme.features import (
    CONFIGS,
    METADATA_VALUE_TYPES,
    WRITTEN_VALUE_TYPES,
    card_features,
    class_label_names,
    config_features,
    feature_dicts,
    ner_tag_names,
    type_name,
)
from annotate.scheme.schema import parse_schema
from annotate.text.sentences import covering, merge_across, sentence_spans
from annotate.text.tokens import flat_entities, iob2_tags, tokenize

# -- features ----------------------------------------------------------------------------------


def test_every_label_is_a_class_label_named_from_the_schema_in_schema_order(schema):
    features = config_features(schema)
    assert list(features) == list(CONFIGS)
    documents = features["documents"]
    assert documents["entities"].feature["label"].names == list(schema.entity_labels)
    assert documents["stance"].names == ["FAVOR", "AGAINST", "NONE"]
    claim = documents["claims"].feature
    for attribute in schema.claims.attributes:
        assert claim[attribute.name].names == list(attribute.values)
        assert features["claims"][attribute.name].names == list(attribute.values)
    assert features["ner"]["ner_tags"].feature.names == list(ner_tag_names(schema))
    assert features["claims"]["stance"].names == list(schema.stance.values)


def test_ner_tags_are_o_then_begin_inside_per_label(schema):
    tags = ner_tag_names(schema)
    assert tags[0] == "O"
    assert tags[1:] == tuple(f"{prefix}-{label}" for label in schema.entity_labels for prefix in ("B", "I"))


def test_adding_an_entity_label_at_the_end_keeps_every_existing_class_id(schema):
    raw = copy.deepcopy(schema.source)
    raw["entities"].append({"label": "FACILITY", "definition": "A named site.", "examples": ["Parchin"]})
    grown = class_label_names(parse_schema(raw))
    for feature, names in class_label_names(schema).items():
        assert grown[feature][: len(names)] == names


def test_offsets_are_32_bit_and_annotation_ids_are_server_independent_strings(schema):
    features = config_features(schema)
    assert features["documents"]["entities"].feature["start"].dtype == "int32"
    assert features["ner"]["token_starts"].feature.dtype == "int32"
    assert features["annotations"]["id"].dtype == "string"
    assert not {"created_at", "updated_at"} & set(features["annotations"])


def _every_kind_of_column(schema):
    """The schema with a document metadata field of every type and a claim attribute more."""
    raw = copy.deepcopy(schema.source)
    raw["documents"]["metadata"] = [{"name": f"m_{kind}", "type": kind, "description": f"A {kind}."}
                                    for kind in METADATA_VALUE_TYPES]
    attribute = copy.deepcopy(raw["claims"]["attributes"][0])
    attribute["name"] = "source_kind"
    raw["claims"]["attributes"].append(attribute)
    return parse_schema(raw)


@pytest.mark.parametrize("versions", [{}, {"text_versions": False}, {"provenance": False}])
def test_plain_features_are_what_datasets_makes_of_them_byte_for_byte(schema, versions):
    """The export writes features without importing datasets: its Arrow schemas (metadata
    included), card YAML and type names must be the ones datasets gives for the same features."""
    for variant in (schema, _every_kind_of_column(schema)):
        plain = feature_dicts(variant, **versions)
        arrow = config_arrow_schemas(variant, **versions)
        for config, features in config_features(variant, **versions).items():
            assert features.to_dict() == plain[config]
            assert arrow[config].equals(features.arrow_schema, check_metadata=True)
            assert arrow[config].metadata == features.arrow_schema.metadata  # the same JSON bytes
            assert card_features(plain[config]) == features._to_yaml_list()
    assert type_name(plain["documents"]["entities"]) == "list of {id, start, end, text, label}"
    assert type_name(plain["ner"]["ner_tags"]) == "list of ClassLabel(" + ", ".join(ner_tag_names(schema)) + ")"
    assert type_name(plain["documents"]["m_date"]) == "date32"
    assert _value_types(plain) <= WRITTEN_VALUE_TYPES  # what reading an earlier version takes as written


def _value_types(feature) -> set[str]:
    if isinstance(feature, dict) and feature.get("_type") == "Value":
        return {feature["dtype"]}
    if isinstance(feature, dict):
        return set().union(*(_value_types(sub) for sub in feature.values()))
    return set()


def test_features_survive_the_card_yaml_and_the_parquet_metadata(schema):
    for features in config_features(schema).values():
        card_yaml = yaml.safe_load(yaml.safe_dump(features._to_yaml_list()))
        assert Features._from_yaml_list(card_yaml) == features
        assert Features.from_arrow_schema(features.arrow_schema) == features


def _record(text: str, entities: tuple[Span, ...], claims: tuple[Claim, ...]) -> tuple[DocumentRecord, GoldDocument]:
    annotation = Annotation(7, "annotator-1", False, False, "2025-01-01T00:00:00", "2025-01-01T00:00:00", 3.0,
                            entities, claims, "AGAINST")
    record = DocumentRecord("d1", 1, "Title", text, "src.txt", (annotation,))
    return record, GoldDocument("d1", entities, claims, "AGAINST", ("annotator-1",), "single")


def _builder(schema) -> TableBuilder:
    return TableBuilder(schema, {config: f.arrow_schema for config, f in config_features(schema).items()})


def test_tables_follow_the_arrow_schema_field_by_field(schema):
    text = "Sergei Chemezov said Moscow delivered it."
    person = Span("p", 0, 15, "Sergei Chemezov", "PERSON")
    place = Span("g", 21, 27, "Moscow", "GPE")
    claim = Claim("c", 21, 40, "Moscow delivered it", "p", "FAVOR", {"claim_type": "FACT", "checkworthy": None})
    record, gold = _record(text, (person, place), (claim,))
    builder = _builder(schema)
    features = config_features(schema)
    documents_table = builder.documents([(record, gold)])
    assert documents_table.schema == features["documents"].arrow_schema
    documents = documents_table.to_pylist()
    assert documents[0]["entities"][0] == {"id": "p", "start": 0, "end": 15, "text": "Sergei Chemezov",
                                           "label": schema.entity_labels.index("PERSON")}
    assert documents[0]["claims"][0] == {"id": "c", "start": 21, "end": 40, "text": "Moscow delivered it",
                                         "claimant_id": "p", "claimant": "Sergei Chemezov", "stance": 0,
                                         "claim_type": 0, "checkworthy": None}
    derived = builder.derived(documents_table)
    assert derived["claims"].schema == features["claims"].arrow_schema
    assert derived["claims"].to_pylist() == [
        {"id": "d1:c", "document_id": "d1", "claim_id": "c", "claim": "Moscow delivered it", "context": text,
         "claimant": "Sergei Chemezov", "target": schema.stance.target, "stance": 0, "claim_type": 0,
         "checkworthy": None}]
    assert derived["ner"].schema == features["ner"].arrow_schema
    (sentence,) = derived["ner"].to_pylist()
    assert sentence["id"] == "d1:0" and sentence["tokens"] == text.replace(".", " .").split()
    annotations = builder.annotations([record])
    assert annotations.schema == features["annotations"].arrow_schema
    assert annotations.to_pylist()[0]["claims"] == documents[0]["claims"]


def test_a_claimant_that_is_not_an_entity_of_the_document_is_refused(schema):
    claim = Claim("c", 0, 4, "Text", "missing", "FAVOR", {})
    record, gold = _record("Text here.", (), (claim,))
    with pytest.raises(ExportError, match="claim c: claimant missing is not one of its entities"):
        _builder(schema).documents([(record, gold)])


# -- tokens and IOB2 -----------------------------------------------------------------------------


def _tokens(text: str, cuts=()) -> list[str]:
    return tokenize(text, cuts)[0]


def test_tokens_keep_designations_numbers_abbreviations_and_possessives_whole():
    assert _tokens("The U.S. said Rouhani's S-300PMU-2 costs $1,000.5 (now).") == [
        "The", "U.S.", "said", "Rouhani's", "S-300PMU-2", "costs", "$", "1,000.5", "(", "now", ")", "."]


def test_tokens_never_tear_accents_or_emoji_sequences_apart():
    text = "Re\u0301sume\u0301 \U0001F44D\U0001F3FD \U0001F468\u200d\U0001F469\u200d\U0001F467 \U0001F6F0\ufe0f \u0939\u093f\u0928\u094d\u0926\u0940"
    assert _tokens(text) == text.split(" ")


def test_regional_indicators_pair_into_flags_from_the_first_of_a_run():
    russia, iran = "\U0001F1F7\U0001F1FA", "\U0001F1EE\U0001F1F7"
    assert _tokens(f"Moscow{russia}{iran} talks") == ["Moscow", russia, iran, "talks"]
    assert _tokens(f"{russia}{iran}\U0001F1FA") == [russia, iran, "\U0001F1FA"]  # a lone one stays alone


def test_tokens_are_cut_where_an_entity_starts_or_ends_inside_them():
    text = "the S-300PMU-2 system"
    assert _tokens(text, [4, 9]) == ["the", "S-300", "PMU-2", "system"]
    assert _tokens(text, [3, 4]) == ["the", "S-300PMU-2", "system"]  # on a boundary: no cut


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab1 -.'\r\n\u0301\u200d\U0001F3FD\U0001F44D,\u00e9")), max_size=40),
       st.lists(st.integers(min_value=0, max_value=40), max_size=4))
def test_tokens_slice_the_text_and_cover_every_visible_character(text, cuts):
    tokens, starts, ends = tokenize(text, cuts)
    assert [text[s:e] for s, e in zip(starts, ends)] == tokens
    assert all(a < b for a, b in zip(starts, ends))
    assert all(b <= c for b, c in zip(ends, starts[1:]))
    assert "".join(tokens) == "".join(text.split())
    for cut in cuts:
        assert not any(s < cut < e for s, e in zip(starts, ends))


def test_iob2_tags_mark_the_first_token_begin_and_the_rest_inside(schema):
    labels = schema.entity_labels
    text = "President Vladimir Putin met the S-300 crew"
    entities = [Span("a", 10, 24, "Vladimir Putin", "PERSON"), Span("b", 33, 38, "S-300", "WEAPON")]
    tokens, starts, ends = tokenize(text, [o for e in entities for o in (e.start, e.end)])
    names = ner_tag_names(schema)
    tags = [names[t] for t in iob2_tags(starts, ends, entities, labels)]
    assert list(zip(tokens, tags)) == [("President", "O"), ("Vladimir", "B-PERSON"), ("Putin", "I-PERSON"),
                                       ("met", "O"), ("the", "O"), ("S-300", "B-WEAPON"), ("crew", "O")]


def test_adjacent_entities_of_one_label_stay_two_entities(schema):
    text = "Iran Russia"
    entities = [Span("a", 0, 4, "Iran", "GPE"), Span("b", 5, 11, "Russia", "GPE")]
    tokens, starts, ends = tokenize(text)
    tags = iob2_tags(starts, ends, entities, schema.entity_labels)
    assert entities_from_tags(starts, ends, tags, schema.entity_labels) == [(0, 4, "GPE"), (5, 11, "GPE")]


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_tags_give_back_exactly_the_entities_they_were_made_from(schema, data):
    words = data.draw(st.lists(st.sampled_from(["Iran", "S-300PMU", "1,000", "\U0001F44D", "said", "\u00e9t\u00e9",
                                                "e\u0301", ".", "U.S."]), min_size=1, max_size=12))
    separators = data.draw(st.lists(st.sampled_from([" ", "\r\n", "  "]), min_size=len(words), max_size=len(words)))
    text = "".join(w + s for w, s in zip(words, separators))
    visible = [i for i, char in enumerate(text) if not char.isspace()]
    points = sorted(set(data.draw(st.lists(st.sampled_from(visible), max_size=6))))
    entities = []
    for index, (start, last) in enumerate(zip(points[::2], points[1::2])):
        span_text = text[start:last + 1]
        if span_text.strip() == span_text:
            label = data.draw(st.sampled_from(schema.entity_labels))
            entities.append(Span(f"e{index}", start, last + 1, span_text, label))
    _, starts, ends = tokenize(text, [o for e in entities for o in (e.start, e.end)])
    tags = iob2_tags(starts, ends, entities, schema.entity_labels)
    assert entities_from_tags(starts, ends, tags, schema.entity_labels) == [(e.start, e.end, e.label) for e in entities]


def test_overlapping_entities_keep_the_longest_then_the_earliest_then_the_first_label(schema):
    outer = Span("o", 0, 10, "The Majlis", "ORG")
    inner = Span("i", 4, 10, "Majlis", "ORG")
    same_span = Span("s", 0, 10, "The Majlis", "EVENT")
    later = Span("l", 12, 16, "said", "DATE")
    assert flat_entities([inner, later, same_span, outer], schema.entity_labels) == [outer, later]


# -- sentences -------------------------------------------------------------------------------------


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def test_sentences_end_at_stops_and_line_breaks_but_not_after_initials_or_abbreviations():
    text = 'Gen. J. Smith said: "It works." The U.S. agreed on Jan. 5! Why? e.g. this. Done.\r\n\r\nNew para\u2026 Last'
    assert _sentences(text) == ['Gen. J. Smith said: "It works."', "The U.S. agreed on Jan. 5!", "Why? e.g. this.",
                                "Done.", "New para\u2026", "Last"]


def test_headline_abbreviations_do_not_end_a_sentence():
    assert _sentences("Tehran-Moscow Coop. Vital to Fight Terrorism") == ["Tehran-Moscow Coop. Vital to Fight Terrorism"]
    assert _sentences("Govt. Denies Report. Intl. Talks Resume") == ["Govt. Denies Report.", "Intl. Talks Resume"]


def test_sentences_never_hold_surrounding_white_space():
    assert sentence_spans("  \r\n ") == []
    assert _sentences("  One.  Two \n") == ["One.", "Two"]


def test_sentences_joined_where_an_entity_crosses_their_boundary():
    text = "Talks ended. Mr. X left. Iran agreed."
    spans = sentence_spans(text)
    assert len(spans) == 3
    crossing = (text.index("ended"), text.index("left") + 4)
    assert [text[a:b] for a, b in merge_across(spans, [crossing])] == ["Talks ended. Mr. X left.", "Iran agreed."]


def test_a_claim_context_is_its_sentence_or_every_sentence_it_touches():
    text = "First one. Moscow said the deal holds. Last one."
    spans = sentence_spans(text)
    start = text.index("the deal")
    assert text[slice(*covering(spans, start, start + 8))] == "Moscow said the deal holds."
    assert text[slice(*covering(spans, text.index("one."), text.index("Moscow") + 6))] == "First one. Moscow said the deal holds."


# -- splits ----------------------------------------------------------------------------------------


def test_split_depends_only_on_the_document_id():
    ratios = check_ratios(None)
    ids = [f"doc-{n}" for n in range(2000)]
    first = [hashed_split(i, ratios) for i in ids]
    assert first == [hashed_split(i, dict(ratios)) for i in ids]
    shares = {split: first.count(split) / len(ids) for split in SPLITS}
    assert abs(shares["train"] - 0.8) < 0.05 and abs(shares["test"] - 0.1) < 0.03


def test_a_document_keeps_its_earlier_split_even_when_ratios_change():
    assign = SplitAssigner({"train": 0.0, "validation": 0.0, "test": 1.0}, previous={"old": "train"})
    assert assign("old") == "train"
    assert assign("new") == "test"


@pytest.mark.parametrize("ratios, message", [
    ({"train": 0.9, "validation": 0.2, "test": 0.1}, "add up to 1"),
    ({"train": 1.0}, "must name exactly train, validation, test"),
    ({"train": 1.2, "validation": -0.1, "test": -0.1}, "between 0 and 1"),
])
def test_bad_split_ratios_are_refused(ratios, message):
    with pytest.raises(ExportError, match=message):
        check_ratios(ratios)


def test_split_ratios_parse_from_the_command_line_form():
    assert parse_ratios("0.7, 0.2,0.1") == {"train": 0.7, "validation": 0.2, "test": 0.1}
    with pytest.raises(ExportError, match="give three numbers"):
        parse_ratios("0.8,0.2")
