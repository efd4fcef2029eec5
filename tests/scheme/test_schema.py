"""The schema file is the single source of truth: loading, errors, and what is generated from it."""

from __future__ import annotations

import copy
import re
from xml.etree import ElementTree
from pathlib import Path

import pytest
import yaml
from label_studio_sdk.label_interface import LabelInterface

from annotate.cli import main
from annotate.errors import SchemaError
from annotate.scheme.guidelines import guidelines_html, guidelines_markdown, rules
from annotate.scheme.label_config import choice_headings, label_config
from annotate.scheme.schema import (
    CLAIM_STANCE_NAME,
    CLAIMS_KEYS,
    CLAIMS_NAME,
    DOCUMENT_STANCE_NAME,
    ENTITIES_NAME,
    ENTITY_KEYS,
    STANCE_KEYS,
    TOP_KEYS,
    find_schema,
    load_schema,
    parse_schema,
)

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "schemas" / "arms_news.yaml"


@pytest.fixture()
def raw():
    return yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))


def test_project_schema_declares_required_labels_and_stance_values(schema):
    assert {"PERSON", "ORG", "GPE", "NORP", "WEAPON", "DATE", "EVENT"} <= set(schema.entity_labels)
    assert schema.claims.label == "CLAIM"
    assert set(schema.claims.claimant_labels) >= {"PERSON", "ORG"}
    assert schema.stance.values == ("FAVOR", "AGAINST", "NONE")
    assert schema.stance.target
    assert all(entity.definition and entity.examples for entity in schema.entities)


def test_default_schema_is_the_one_file_in_schemas(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert find_schema() == Path("schemas") / "arms_news.yaml"


def test_default_schema_refuses_a_folder_with_two_files(tmp_path):
    (tmp_path / "a.yaml").write_text("x: 1")
    (tmp_path / "b.yaml").write_text("x: 1")
    with pytest.raises(SchemaError, match="exactly one .yaml schema file, found a.yaml, b.yaml"):
        find_schema(tmp_path)


def test_fingerprint_ignores_comments_and_layout_but_not_content(tmp_path, schema):
    text = SCHEMA_FILE.read_text(encoding="utf-8")
    commented = tmp_path / "commented.yaml"
    commented.write_text("# a new comment\n\n" + text, encoding="utf-8")
    assert load_schema(commented).fingerprint == schema.fingerprint
    changed = tmp_path / "changed.yaml"
    changed.write_text(text.replace("label: EVENT", "label: INCIDENT"), encoding="utf-8")
    assert load_schema(changed).fingerprint != schema.fingerprint
    assert len(schema.fingerprint) == 64


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.pop("entities"), "entities: is missing or not a list"),
        (lambda r: r["entities"].append(dict(r["entities"][0])), "entities: label 'PERSON' appears twice"),
        (lambda r: r["entities"][1].update(label="org"), "entities[1].label: 'org' must be UPPER_CASE"),
        (lambda r: r["entities"][2].pop("definition"), "entities[2].definition: is required"),
        (lambda r: r["entities"][4].update(patterns=["S-(300"]), "entities[4].patterns[0]: is not a valid regular expression"),
        (lambda r: r.update(version="1.0"), "version: must be a semantic version"),
        (lambda r: r["claims"].update(label="PERSON"), "claims.label: 'PERSON' is already an entity label"),
        (lambda r: r["claims"]["claimant"].update(labels=["PERSON", "SHIP"]), "claims.claimant.labels: 'SHIP' is not an entity label"),
        (lambda r: r["claims"]["attributes"][0].update(name="stance"), "claims.attributes[0].name: 'stance' must be lower_snake_case and not one of"),
        (lambda r: r["claims"]["attributes"][1].update(required="yes"), "claims.attributes[1].required: must be true or false"),
        (lambda r: r["stance"].update(values=["PRO", "CON", "NONE"]), "stance.values: must be FAVOR, AGAINST, NONE"),
        (lambda r: r["stance"].pop("target"), "stance.target: is required"),
        (lambda r: r.pop("stance"), "stance: is missing; it must be a mapping"),
        (lambda r: r["documents"]["metadata"][2].update(type="datetime"),
         "documents.metadata[2].type: 'datetime' is not one of string, integer, number, boolean, date"),
        (lambda r: r["documents"]["metadata"][0].update(name="title"),
         "documents.metadata[0].name: 'title' must be lower_case letters, digits or _, unique, and not one of"),
        (lambda r: r["documents"]["metadata"][1].pop("description"), "documents.metadata[1].description: is required"),
    ],
)
def test_invalid_schema_names_the_field_and_the_problem(raw, change, message):
    broken = copy.deepcopy(raw)
    change(broken)
    with pytest.raises(SchemaError) as caught:
        parse_schema(broken, origin="schemas/x.yaml")
    assert str(caught.value).startswith("schemas/x.yaml: ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def _renamed(mapping, old, new):
    mapping[new] = mapping.pop(old)


@pytest.mark.parametrize(
    ("change", "where", "close"),
    [
        (lambda r: _renamed(r, "title", "titel"), "titel", "title"),
        (lambda r: _renamed(r["entities"][4], "patterns", "pattern"), "entities[4].pattern", "patterns"),
        (lambda r: r["entities"][0].update(Gazetteer=["Putin"]), "entities[0].Gazetteer", "gazetteer"),
        (lambda r: _renamed(r["claims"], "claimant", "claimants"), "claims.claimants", "claimant"),
        (lambda r: _renamed(r["claims"]["claimant"], "labels", "label"), "claims.claimant.label", "labels"),
        (lambda r: _renamed(r["claims"]["attributes"][1], "choices", "choice"), "claims.attributes[1].choice", "choices"),
        (lambda r: _renamed(r["claims"]["attributes"][0]["choices"][2], "definition", "defintion"),
         "claims.attributes[0].choices[2].defintion", "definition"),
        (lambda r: _renamed(r["stance"], "claim_required", "claim_requried"), "stance.claim_requried", "claim_required"),
        (lambda r: _renamed(r["stance"]["values"][0], "value", "valeu"), "stance.values[0].valeu", "value"),
    ],
)
def test_an_unknown_key_is_refused_with_its_path_and_the_close_match(raw, change, where, close):
    broken = copy.deepcopy(raw)
    change(broken)
    with pytest.raises(SchemaError) as caught:
        parse_schema(broken, origin="schemas/x.yaml")
    assert str(caught.value) == f'schemas/x.yaml: {where}: unknown key; did you mean "{close}"?'


@pytest.mark.parametrize(
    ("change", "where", "allowed"),
    [
        (lambda r: r.update(colour="red"), "colour", TOP_KEYS),
        (lambda r: r.update({True: 1}), "[True]", TOP_KEYS),
        (lambda r: r["entities"][2].update(weight=3), "entities[2].weight", ENTITY_KEYS),
        (lambda r: r["claims"].update({"see also": "x"}), "claims['see also']", CLAIMS_KEYS),
        (lambda r: r["stance"].update(hotkey="s"), "stance.hotkey", STANCE_KEYS),
    ],
)
def test_an_unknown_key_with_no_close_match_lists_the_keys_allowed_there(raw, change, where, allowed):
    broken = copy.deepcopy(raw)
    change(broken)
    with pytest.raises(SchemaError) as caught:
        parse_schema(broken, origin="schemas/x.yaml")
    assert str(caught.value) == f"schemas/x.yaml: {where}: unknown key; remove it or use one of: {', '.join(allowed)}"


def test_every_optional_key_the_schema_reads_is_accepted(raw):
    raw["entities"][0].update(color="#123456", gazetteer=["Putin"])
    raw["claims"].update(color="#654321")
    raw["stance"]["values"] = ["FAVOR", {"value": "AGAINST"}, {"value": "NONE", "definition": "neither"}]
    schema = parse_schema(raw)
    assert schema.entities[0].color == "#123456" and schema.entities[0].gazetteer == ("Putin",)
    assert schema.claims.color == "#654321"
    assert (schema.title, schema.language, schema.license) == (raw["title"], "en", "cc-by-4.0")
    assert schema.claims.claimant_definition and schema.claims.attributes[0].header == "What kind of claim is it?"


def test_project_schema_fingerprint_is_the_one_recorded_in_the_latest_published_export(schema):
    # Earlier versions keep the schema they were made with (v1.0.x: schema 1.0.0, before document metadata).
    manifests = sorted((ROOT / "exports").glob("v*/manifest.json"),
                       key=lambda path: tuple(int(part) for part in path.parent.name[1:].split(".")))
    assert manifests
    latest = manifests[-1]
    assert schema.fingerprint in latest.read_text(encoding="utf-8")
    assert load_schema(latest.parent / "schema.yaml").fingerprint == schema.fingerprint


def test_unparseable_yaml_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nentities: [\n  - label: A\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"bad.yaml: line \d+ is not valid YAML"):
        load_schema(bad)


def test_missing_schema_file_says_what_to_do(tmp_path):
    with pytest.raises(SchemaError, match="schema file not found; pass --schema"):
        load_schema(tmp_path / "nope.yaml")


def test_label_config_is_accepted_by_label_studio_parser(schema):
    interface = LabelInterface(label_config(schema))
    controls = {control.name: control for control in interface.controls}
    assert list(controls[ENTITIES_NAME].labels) == list(schema.entity_labels)
    assert list(controls[CLAIMS_NAME].labels) == [schema.claims.label]
    assert list(controls[CLAIM_STANCE_NAME].labels) == list(schema.stance.values)
    assert list(controls[DOCUMENT_STANCE_NAME].labels) == list(schema.stance.values)
    for attribute in schema.claims.attributes:
        assert list(controls[attribute.name].labels) == list(attribute.values)
    assert all(control.to_name == ["text"] for control in controls.values())


def test_label_config_has_hotkeys_colours_relations_and_per_region_stance(schema):
    config = label_config(schema)
    for entity in schema.entities:
        assert f'value="{entity.label}" background="{entity.color}" hotkey="{entity.hotkey}"' in config
    hotkeys = [e.hotkey for e in schema.entities] + [schema.claims.hotkey]
    assert len(set(hotkeys)) == len(hotkeys) and all(hotkeys)
    assert "<Relations>" in config and '<Relation value="claimant"/>' in config
    assert f'name="{CLAIM_STANCE_NAME}" toName="text" choice="single-radio" showInline="true" perRegion="true"' in config
    assert 'visibleWhen="region-selected" whenTagName="claims"' in config
    assert f'name="{DOCUMENT_STANCE_NAME}"' in config and 'required="true"' in config
    assert schema.stance.target.replace("'", "&apos;") in config or schema.stance.target in config


def test_label_config_requires_what_the_schema_requires_with_the_heading_as_message(raw):
    raw["claims"]["attributes"][1]["required"] = True
    schema = parse_schema(raw)
    controls = {c.get("name"): c for c in ElementTree.fromstring(label_config(schema)).iter("Choices")}
    headings = choice_headings(schema)
    per_claim = [CLAIM_STANCE_NAME, *(a.name for a in schema.claims.attributes)]
    required = {CLAIM_STANCE_NAME, DOCUMENT_STANCE_NAME, *(a.name for a in schema.claims.attributes if a.required)}
    for name, control in controls.items():
        assert (control.get("required") == "true") == (name in required), name
        if name in required:
            assert headings[name] in control.get("requiredMessage") and name not in control.get("requiredMessage")
        if name in per_claim:  # its own condition: Label Studio then asks it of claims only
            assert (control.get("visibleWhen"), control.get("whenTagName")) == ("region-selected", CLAIMS_NAME)
        else:
            assert control.get("visibleWhen") is None
    assert set(controls) == set(per_claim) | {DOCUMENT_STANCE_NAME}


def test_label_config_escapes_markup_in_schema_text(raw):
    raw["stance"]["target"] = 'the "deal" <script>alert(1)</script> & more'
    schema = parse_schema(raw)
    config = label_config(schema)
    assert "<script>" not in config
    LabelInterface(config)


def test_guidelines_cover_every_label_definition_example_and_rule(schema):
    markdown = guidelines_markdown(schema)
    for entity in schema.entities:
        assert f"**{entity.label}**" in markdown and entity.definition in markdown
        assert all(f"`{example}`" in markdown for example in entity.examples)
    assert schema.claims.definition in markdown and schema.stance.target in markdown
    for attribute in schema.claims.attributes:
        assert all(f"**{choice.value}**" in markdown for choice in attribute.choices)
    assert all(rule in markdown for rule in rules(schema))
    assert schema.fingerprint[:12] in markdown


def test_guidelines_html_renders_headings_tables_lists_and_escapes(raw):
    raw["entities"][0]["definition"] = "A person <b>not</b> a title"
    schema = parse_schema(raw)
    page = guidelines_html(schema)
    assert "\n<h1>Annotation guidelines" in page
    assert "<table>" in page and "<th>Label</th>" in page and "<td><b>PERSON</b></td>" in page
    assert "<li><b>FAVOR</b>:" in page
    assert "&lt;b&gt;not&lt;/b&gt;" in page and "|" not in page


def test_rules_follow_required_flags(raw):
    raw["claims"]["claimant"]["required"] = True
    raw["stance"]["claim_required"] = False
    found = rules(parse_schema(raw))
    assert "every claim has a claimant" in found
    assert "every claim has a stance" not in found


@pytest.mark.parametrize(
    ("flag", "expected"),
    [([], "<View>"), (["--config"], '<Labels name="entities"'), (["--guidelines"], "# Annotation guidelines"),
     (["--guidelines-html"], "<h1>"), (["--fingerprint"], "arms-deals-news 1.1.0 sha256:")],
)
def test_schema_command_prints_generated_outputs(capsys, flag, expected):
    assert main(["schema", "--schema", str(SCHEMA_FILE), *flag]) == 0
    assert expected in capsys.readouterr().out


def test_schema_command_refuses_a_misspelt_key_instead_of_ignoring_it(tmp_path, capsys):
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text(SCHEMA_FILE.read_text(encoding="utf-8") + "colour: red\n", encoding="utf-8")
    assert main(["schema", "--schema", str(unknown)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"error: {unknown}: colour: unknown key; remove it or use one of: {', '.join(TOP_KEYS)}"


def test_yaml_merge_keys_are_not_taken_for_a_key_written_twice(tmp_path):
    text = SCHEMA_FILE.read_text(encoding="utf-8")
    merged = tmp_path / "merged.yaml"
    merged.write_text("x-base: &base\n  definition: A named organisation.\n" + text.replace(
        "  - label: ORG\n", "  - <<: *base\n    label: ORG\n", 1), encoding="utf-8")
    with pytest.raises(SchemaError, match=r"x-base: unknown key"):  # the anchor's holder, not the merge
        load_schema(merged)
    assert load_schema(merged, strict=False).entity_labels == load_schema(SCHEMA_FILE).entity_labels


def test_a_published_copy_with_a_key_this_toolkit_refuses_stays_readable_when_not_strict(tmp_path):
    published = tmp_path / "schema.yaml"
    published.write_text(SCHEMA_FILE.read_text(encoding="utf-8") + "notes: reviewed by the team\n", encoding="utf-8")
    with pytest.raises(SchemaError, match='notes: unknown key; remove it or use one of'):  # no far-fetched match
        load_schema(published)
    assert load_schema(published, strict=False).fingerprint != load_schema(SCHEMA_FILE).fingerprint


def test_a_key_written_twice_in_one_block_is_refused_with_its_line(tmp_path):
    text = SCHEMA_FILE.read_text(encoding="utf-8")
    doubled = tmp_path / "doubled.yaml"
    doubled.write_text(text.replace("    patterns:\n", "    patterns: []\n    patterns:\n", 1), encoding="utf-8")
    line = doubled.read_text(encoding="utf-8").splitlines().index("    patterns:") + 1
    with pytest.raises(SchemaError, match=f"line {line}: 'patterns' appears twice in the same block; keep one"):
        load_schema(doubled)


def test_schema_command_reports_invalid_schema_in_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    text = SCHEMA_FILE.read_text(encoding="utf-8")
    bad.write_text(re.sub(r"(?m)^version: .*$", "version: 1", text, count=1), encoding="utf-8")
    assert main(["schema", "--schema", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("error: ") and "version" in err


def test_a_schema_with_several_mistakes_lists_every_one_in_one_run(raw, tmp_path, capsys):
    raw["version"] = "1.0"
    raw["entities"][1]["label"] = "org"
    raw["entities"][4]["patterns"] = ["S-(300"]
    raw["claims"]["claimant"]["labels"] = ["PERSON", "SHIP"]
    raw["claims"]["attributes"][0]["choice"] = raw["claims"]["attributes"][0].pop("choices")
    del raw["stance"]["target"]
    expected = [
        "version: must be a semantic version",
        "entities[1].label: 'org' must be UPPER_CASE",
        "entities[4].patterns[0]: is not a valid regular expression",
        "claims.claimant.labels: 'SHIP' is not an entity label",
        'claims.attributes[0].choice: unknown key; did you mean "choices"?',
        "stance.target: is required",
    ]
    with pytest.raises(SchemaError) as caught:
        parse_schema(raw, origin="x.yaml")
    assert len(caught.value.problems) == len(expected)  # each once, and nothing that follows from another
    for problem, wanted in zip(caught.value.problems, expected):
        assert problem.startswith(f"x.yaml: {wanted}")

    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    assert main(["schema", "--schema", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}: 6 problems in the schema")
    assert all(f"{bad}: {wanted}" in err for wanted in expected)
