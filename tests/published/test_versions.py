"""Semantic versions and the rules for the step from one dataset version to the next."""

from __future__ import annotations

import copy

import pytest

from annotate.errors import ExportError
from annotate.published.versions import FIRST, Changes, Version, changes_between, choose, label_breaks, published, step
from annotate.scheme.features import class_label_names
from annotate.scheme.schema import parse_schema


def _edited(schema, edit):
    raw = copy.deepcopy(schema.source)
    edit(raw)
    return parse_schema(raw)


def test_versions_parse_compare_and_step():
    assert Version.parse("1.10.0") > Version.parse("v1.9.3")
    assert str(Version.parse("2.0.1")) == "2.0.1"
    assert Version(1, 2, 3).folder == "v1.2.3"
    assert [str(Version(1, 2, 3).bumped(b)) for b in ("patch", "minor", "major")] == ["1.2.4", "1.3.0", "2.0.0"]
    assert step(Version(1, 2, 3), Version(1, 2, 9)) == "patch"
    assert step(Version(1, 2, 3), Version(1, 4, 0)) == "minor"
    assert step(Version(1, 2, 3), Version(3, 0, 0)) == "major"
    assert step(Version(1, 2, 3), Version(1, 2, 3)) is None


@pytest.mark.parametrize("text", ["1.0", "1.0.0.0", "01.0.0", "1.0.0-rc1", "latest", ""])
def test_anything_but_major_minor_patch_is_refused(text):
    with pytest.raises(ExportError, match="not a semantic version"):
        Version.parse(text)


def test_version_folders_are_listed_oldest_first_and_work_folders_ignored(tmp_path):
    for name in ("v1.10.0", "v1.2.0", ".export-123-abc", "v2.0", "notes"):
        (tmp_path / name).mkdir()
    assert [str(v) for v, _ in published(tmp_path)] == ["1.2.0", "1.10.0"]
    assert published(tmp_path / "missing") == []


def test_removing_renaming_or_reordering_a_label_breaks_class_ids(schema):
    removed = _edited(schema, lambda raw: raw["entities"].pop(4))  # WEAPON
    renamed = _edited(schema, lambda raw: raw["entities"][3].update(label="GROUP"))  # NORP
    reordered = _edited(schema, lambda raw: raw["entities"].reverse())
    base = class_label_names(schema)
    assert "entity_label WEAPON (gone)" in label_breaks(base, class_label_names(removed))
    assert "ner_tags B-NORP (gone)" in label_breaks(base, class_label_names(renamed))
    assert any("id 0 -> 7" in item for item in label_breaks(base, class_label_names(reordered)))


def test_an_attribute_value_removed_or_an_attribute_dropped_breaks_too(schema):
    fewer_values = _edited(schema, lambda raw: raw["claims"]["attributes"][0]["choices"].pop())
    no_attribute = _edited(schema, lambda raw: raw["claims"]["attributes"].pop())
    base = class_label_names(schema)
    assert label_breaks(base, class_label_names(fewer_values)) == ("claim.claim_type OPINION (gone)",)
    assert label_breaks(base, class_label_names(no_attribute)) == ("claim.checkworthy (gone)",)


def test_a_label_added_at_the_end_needs_a_minor_step_only(schema):
    grown = _edited(schema, lambda raw: raw["entities"].append({"label": "FACILITY", "definition": "A site."}))
    changes = changes_between(class_label_names(schema), class_label_names(grown), schema.fingerprint,
                              grown.fingerprint, {"a"}, {"a"})
    assert changes.required == "minor" and changes.reasons == ["the schema changed"]


@pytest.mark.parametrize("changes, required", [
    (Changes(), "patch"),
    (Changes(documents_added=3), "minor"),
    (Changes(documents_removed=1), "minor"),
    (Changes(schema_changed=True), "minor"),
    (Changes(broken_labels=("entity_label WEAPON (gone)",), documents_added=2), "major"),
])
def test_each_kind_of_change_requires_its_step(changes, required):
    assert changes.required == required


def test_the_first_version_is_1_0_0_when_picked_or_anything_when_given():
    assert choose(None, None, version=None, bump="auto") == FIRST
    assert choose(None, None, version=None, bump="patch") == FIRST
    assert choose(None, None, version=Version(0, 3, 0), bump=None) == Version(0, 3, 0)


def test_bump_auto_takes_the_smallest_allowed_step():
    latest = Version(1, 2, 3)
    assert choose(latest, Changes(), version=None, bump="auto") == Version(1, 2, 4)
    assert choose(latest, Changes(documents_added=1), version=None, bump="auto") == Version(1, 3, 0)
    assert choose(latest, Changes(broken_labels=("x",)), version=None, bump="auto") == Version(2, 0, 0)


def test_a_larger_step_than_required_is_allowed():
    assert choose(Version(1, 0, 0), Changes(), version=None, bump="major") == Version(2, 0, 0)
    assert choose(Version(1, 0, 0), Changes(), version=Version(1, 5, 0), bump=None) == Version(1, 5, 0)


def test_a_step_smaller_than_the_changes_require_is_refused_either_way():
    latest, added = Version(1, 0, 0), Changes(documents_added=2)
    with pytest.raises(ExportError, match=r"1.0.1 is a patch step from 1.0.0, but 2 document\(s\) added: "
                                          r"this needs a minor step \(1.1.0 or higher"):
        choose(latest, added, version=None, bump="patch")
    with pytest.raises(ExportError, match="1.0.1 is a patch step"):
        choose(latest, added, version=Version(1, 0, 1), bump=None)
    with pytest.raises(ExportError, match="needs a major step"):
        choose(latest, Changes(broken_labels=("entity_label WEAPON (gone)",)), version=Version(1, 1, 0), bump=None)


@pytest.mark.parametrize("given", ["1.0.0", "0.9.0"])
def test_a_version_not_above_the_latest_is_refused(given):
    with pytest.raises(ExportError, match=f"version {given} is not above the latest version 1.0.0"):
        choose(Version(1, 0, 0), Changes(), version=Version.parse(given), bump=None)


def test_exactly_one_of_version_and_bump_is_required():
    with pytest.raises(ExportError, match="either a version"):
        choose(None, None, version=None, bump=None)
    with pytest.raises(ExportError, match="either a version"):
        choose(None, None, version=Version(1, 0, 0), bump="minor")
    with pytest.raises(ExportError, match="not one of major, minor, patch, auto"):
        choose(None, None, version=None, bump="huge")
