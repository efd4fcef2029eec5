"""The declarative annotation scheme: loading, checking, fingerprinting.

One YAML file in ``schemas/`` describes entities, claims (with claimant and attributes) and
stance. Everything else is generated from the :class:`Schema` object this module returns:
the Label Studio config (:mod:`annotate.scheme.label_config`), the guidelines
(:mod:`annotate.scheme.guidelines`), the dataset features (:mod:`annotate.scheme.features`) and the rules
that export and validation check.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from annotate.errors import SchemaError

# Names of the Label Studio controls; fixed so that exports from any schema read the same way.
TEXT_NAME = "text"
ENTITIES_NAME = "entities"
CLAIMS_NAME = "claims"
CLAIM_STANCE_NAME = "claim_stance"
DOCUMENT_STANCE_NAME = "doc_stance"
RELATION_VALUE = "claimant"
STANCE_VALUES = ("FAVOR", "AGAINST", "NONE")

PALETTE = (
    "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4",
    "#f032e6", "#9a6324", "#469990", "#800000", "#808000", "#000075",
)
_LABEL = re.compile(r"^[A-Z][A-Z0-9_]*$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
_RESERVED = {TEXT_NAME, ENTITIES_NAME, CLAIMS_NAME, CLAIM_STANCE_NAME, DOCUMENT_STANCE_NAME,
             "id", "start", "end", "label", "claimant", "claimant_id", "stance", "context"}
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")

# The keys each level of the schema file may hold, in the order the README and the project schema use.
# Anything else is refused: a misspelt key would otherwise be silently ignored.
TOP_KEYS = ("name", "version", "title", "description", "language", "license", "entities", "claims", "stance",
            "documents")
DOCUMENTS_KEYS = ("metadata",)
METADATA_KEYS = ("name", "type", "description")
METADATA_TYPES = ("string", "integer", "number", "boolean", "date")  # date: YYYY-MM-DD
# Columns the documents config has already: metadata cannot take their names.
DOCUMENT_COLUMNS = ("id", "title", "text", "source", "text_sha256", "text_version", "entities", "claims", "stance",
                    "annotators", "policy", "entities_marked_by", "claims_marked_by")
ENTITY_KEYS = ("label", "definition", "examples", "color", "patterns", "gazetteer")
CLAIMS_KEYS = ("label", "definition", "examples", "color", "claimant", "attributes")
CLAIMANT_KEYS = ("labels", "required", "definition")
ATTRIBUTE_KEYS = ("name", "header", "required", "choices")
CHOICE_KEYS = ("value", "definition")
STANCE_KEYS = ("target", "values", "claim_required", "document_required")


@dataclass(frozen=True)
class Choice:
    value: str
    definition: str = ""


@dataclass(frozen=True)
class EntityLabel:
    label: str
    definition: str
    examples: tuple[str, ...] = ()
    color: str = ""
    hotkey: str = ""
    patterns: tuple[str, ...] = ()  # regular expressions for the pre-annotator
    gazetteer: tuple[str, ...] = ()  # exact strings for the pre-annotator (besides the examples)


@dataclass(frozen=True)
class ClaimAttribute:
    """A per-claim choice, such as the claim type or check-worthiness."""

    name: str
    header: str
    choices: tuple[Choice, ...]
    required: bool = False

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(choice.value for choice in self.choices)


@dataclass(frozen=True)
class ClaimSpec:
    label: str
    definition: str
    examples: tuple[str, ...]
    claimant_labels: tuple[str, ...]
    claimant_required: bool
    claimant_definition: str
    attributes: tuple[ClaimAttribute, ...]
    color: str = ""
    hotkey: str = ""


@dataclass(frozen=True)
class StanceSpec:
    target: str
    choices: tuple[Choice, ...]
    claim_required: bool
    document_required: bool

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(choice.value for choice in self.choices)


@dataclass(frozen=True)
class MetadataField:
    """A document metadata field the dataset carries: a nullable column of ``documents``."""

    name: str
    type: str  # one of METADATA_TYPES
    description: str


@dataclass(frozen=True)
class Schema:
    """A parsed, checked annotation scheme."""

    name: str
    version: str
    title: str
    description: str
    language: str
    license: str
    entities: tuple[EntityLabel, ...]
    claims: ClaimSpec
    stance: StanceSpec
    source: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)
    path: Path | None = field(default=None, compare=False)
    metadata: tuple[MetadataField, ...] = ()

    @property
    def entity_labels(self) -> tuple[str, ...]:
        return tuple(entity.label for entity in self.entities)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON of the parsed schema: comments and layout do not count."""
        canonical = json.dumps(self.source, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def attribute(self, name: str) -> ClaimAttribute:
        for attribute in self.claims.attributes:
            if attribute.name == name:
                return attribute
        raise KeyError(name)

    def to_yaml(self) -> str:
        """The schema as YAML, for shipping it beside an export."""
        return yaml.safe_dump(self.source, sort_keys=False, allow_unicode=True)


def find_schema(directory: Path | str = "schemas") -> Path:
    """The one schema file in ``directory`` (the default when ``--schema`` is not given)."""
    folder = Path(directory)
    if not folder.is_dir():
        raise SchemaError(f"{folder}: no schema folder here; pass --schema FILE or run from the project folder")
    files = sorted(p for p in folder.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file())
    if len(files) != 1:
        found = ", ".join(p.name for p in files) or "none"
        raise SchemaError(f"{folder}: expected exactly one .yaml schema file, found {found}; pass --schema FILE")
    return files[0]


def load_schema(path: Path | str | None = None, *, strict: bool = True) -> Schema:
    """Read and check a schema file; ``None`` means the one file in ``schemas/``. ``strict``
    (see :func:`parse_schema`) also refuses a key written twice in one block."""
    file = Path(path) if path is not None else find_schema()
    loader = _UniqueKeyLoader if strict else yaml.SafeLoader
    try:
        raw = yaml.load(file.read_text(encoding="utf-8"), Loader=loader)  # both are safe loaders
    except FileNotFoundError:
        raise SchemaError(f"{file}: schema file not found; pass --schema with an existing file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SchemaError(f"{file}: cannot read the schema file ({error})") from None
    except _DuplicateKey as error:
        raise SchemaError(f"{file}: line {error.line}: {error.key!r} appears twice in the same block; keep one "
                          "(YAML would silently keep the last)") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise SchemaError(f"{file}:{where} is not valid YAML ({getattr(error, 'problem', error)})") from None
    return parse_schema(raw, origin=str(file), path=file, strict=strict)


class _DuplicateKey(Exception):
    def __init__(self, key: Any, line: int) -> None:
        super().__init__(key, line)
        self.key, self.line = key, line


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key written twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # "<<: *base": merged keys may be overridden by explicit ones
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, (str, int, float, bool)) or key is None:
                if (type(key), key) in seen:  # the type too: 1 and true are different keys
                    raise _DuplicateKey(key, key_node.start_mark.line + 1)
                seen.add((type(key), key))
        return super().construct_mapping(node, deep=deep)


def parse_schema(raw: Any, *, origin: str = "<schema>", path: Path | None = None, strict: bool = True) -> Schema:
    """Build a :class:`Schema` from the parsed YAML; every problem found names its field, and all
    of them are raised together (one :class:`SchemaError` whose ``problems`` lists them).

    ``strict`` refuses keys the schema format does not have. Give ``strict=False`` for the copy
    of a schema inside a published version: a version written by an earlier toolkit that
    ignored such keys must stay readable, since it can never be changed."""
    reader = _Reader(origin, strict=strict)
    top = reader.mapping(raw, "", TOP_KEYS)
    version = reader.string(top, "version")
    if version and not _SEMVER.match(version):
        reader.fail("version", f"must be a semantic version like 1.0.0, got {version!r}")

    before_entities = len(reader.problems)
    entity_items = reader.list(top, "entities")
    if not entity_items and isinstance(top.get("entities"), list):
        reader.fail("entities", "needs at least one entity label")
    entities = []
    for index, item in enumerate(entity_items):
        where = f"entities[{index}]"
        entry = reader.mapping(item, where, ENTITY_KEYS)
        label = reader.label(entry, "label", where)
        entities.append(EntityLabel(
            label=label,
            definition=reader.string(entry, "definition", where),
            examples=reader.strings(entry, "examples", where),
            color=reader.optional_string(entry, "color", where) or PALETTE[index % len(PALETTE)],
            hotkey=str(index + 1) if index < 9 else "",
            patterns=reader.patterns(entry, where),
            gazetteer=reader.strings(entry, "gazetteer", where),
        ))
    entity_labels = [e.label for e in entities]
    reader.unique(entity_labels, "entities", "label")

    claims_raw = reader.mapping(top.get("claims"), "claims", CLAIMS_KEYS)
    claim_label = reader.label(claims_raw, "label", "claims")
    if claim_label and claim_label in entity_labels:
        reader.fail("claims.label", f"{claim_label!r} is already an entity label; pick another name")
    claimant = reader.mapping(claims_raw.get("claimant", {}), "claims.claimant", CLAIMANT_KEYS)
    claimant_labels = reader.strings(claimant, "labels", "claims.claimant") or tuple(entity_labels)
    for label in claimant_labels:
        if entity_labels and label not in entity_labels and (reader.clean_since(before_entities)  # else only a real stranger
                                           or label.lower() not in {known.lower() for known in entity_labels}):
            reader.fail("claims.claimant.labels", f"{label!r} is not an entity label ({', '.join(entity_labels)})")
    attributes = []
    for index, item in enumerate(claims_raw.get("attributes") or []):
        where = f"claims.attributes[{index}]"
        entry = reader.mapping(item, where, ATTRIBUTE_KEYS)
        name = reader.string(entry, "name", where)
        if not _NAME.match(name) or name in _RESERVED:
            reader.fail(f"{where}.name", f"{name!r} must be lower_snake_case and not one of {sorted(_RESERVED)}")
        attributes.append(ClaimAttribute(
            name=name,
            header=reader.optional_string(entry, "header", where) or name.replace("_", " ").capitalize(),
            choices=reader.choices(entry, where),
            required=reader.boolean(entry, "required", where, default=False),
        ))
    reader.unique([a.name for a in attributes], "claims.attributes", "name")
    claims = ClaimSpec(
        label=claim_label,
        definition=reader.string(claims_raw, "definition", "claims"),
        examples=reader.strings(claims_raw, "examples", "claims"),
        claimant_labels=tuple(claimant_labels),
        claimant_required=reader.boolean(claimant, "required", "claims.claimant", default=False),
        claimant_definition=reader.optional_string(claimant, "definition", "claims.claimant") or "",
        attributes=tuple(attributes),
        color=reader.optional_string(claims_raw, "color", "claims") or "#ffd700",
        hotkey=str(len(entities) + 1) if len(entities) < 9 else "",
    )

    stance_raw = reader.mapping(top.get("stance"), "stance", STANCE_KEYS)
    before_values = len(reader.problems)
    stance_choices = reader.choices(stance_raw, "stance", key="values")
    values = tuple(c.value for c in stance_choices)
    if values and reader.clean_since(before_values) and values != STANCE_VALUES:
        reader.fail("stance.values", f"must be {', '.join(STANCE_VALUES)} in this order (SemEval-2016 Task 6), got {', '.join(values)}")
    stance = StanceSpec(
        target=reader.string(stance_raw, "target", "stance"),
        choices=stance_choices,
        claim_required=reader.boolean(stance_raw, "claim_required", "stance", default=True),
        document_required=reader.boolean(stance_raw, "document_required", "stance", default=True),
    )
    name = reader.string(top, "name")
    metadata = _metadata(reader, top.get("documents"))
    reader.raise_problems()
    return Schema(
        metadata=metadata,
        name=name,
        version=version,
        title=reader.optional_string(top, "title", "") or name,
        description=reader.string(top, "description"),
        language=reader.optional_string(top, "language", "") or "en",
        license=reader.optional_string(top, "license", "") or "other",
        entities=tuple(entities),
        claims=claims,
        stance=stance,
        source=top,
        path=path,
    )


def _metadata(reader: _Reader, raw: Any) -> tuple[MetadataField, ...]:
    """``documents.metadata``: the document metadata fields a dataset carries (may be absent)."""
    if raw is None:
        return ()
    documents = reader.mapping(raw, "documents", DOCUMENTS_KEYS)
    items = documents.get("metadata") or []
    if not isinstance(items, list):
        reader.fail("documents.metadata", "must be a list of {name, type, description}")
        items = []
    fields: list[MetadataField] = []
    for index, item in enumerate(items):
        where = f"documents.metadata[{index}]"
        entry = reader.mapping(item, where, METADATA_KEYS)
        name = reader.string(entry, "name", where)
        if name and (not _NAME.match(name) or name in DOCUMENT_COLUMNS or name in {f.name for f in fields}):
            reader.fail(f"{where}.name", f"{name!r} must be lower_case letters, digits or _, unique, and not one of "
                                         f"the documents columns ({', '.join(DOCUMENT_COLUMNS)})")
        kind = reader.string(entry, "type", where)
        if kind and kind not in METADATA_TYPES:
            reader.fail(f"{where}.type", f"{kind!r} is not one of {', '.join(METADATA_TYPES)}")
        fields.append(MetadataField(name, kind, reader.string(entry, "description", where)))
    return tuple(fields)


class _Absent(dict):
    """The empty mapping read in place of a missing or malformed one: its fields are not
    reported missing again."""


class _Reader:
    """Small typed accessors that record a problem naming the field and carry on with a neutral
    value (empty mapping, list or string), so that one run finds every problem;
    :meth:`raise_problems` raises them all at the end."""

    def __init__(self, origin: str, *, strict: bool = True) -> None:
        self.origin = origin
        self.strict = strict
        self.problems: list[str] = []
        self._misspelt: set[str] = set()  # keys reported as misspelt: their absence is no news

    def fail(self, field_path: str, problem: str) -> None:
        found = f"{self.origin}: {field_path or 'top level'}: {problem}"
        if found not in self.problems and field_path not in self._misspelt:
            self.problems.append(found)

    def clean_since(self, count: int) -> bool:
        """Whether no problem was found since there were ``count``: a check across fields is
        made only on fields that were read without one (else it would repeat it)."""
        return len(self.problems) == count

    def raise_problems(self) -> None:
        """Raise one :class:`SchemaError` listing every problem recorded, if any."""
        if len(self.problems) == 1:
            raise SchemaError(self.problems[0], problems=self.problems)
        if self.problems:
            listed = "".join(f"\n  {problem}" for problem in self.problems)
            raise SchemaError(f"{self.origin}: {len(self.problems)} problems in the schema; fix each of them:{listed}",
                              problems=self.problems)

    @staticmethod
    def _join(where: str, key: str) -> str:
        return f"{where}.{key}" if where else key

    def mapping(self, value: Any, where: str, allowed: tuple[str, ...]) -> dict[str, Any]:
        """``value`` as a mapping whose keys are all among ``allowed``."""
        if value is None:
            self.fail(where, "is missing; it must be a mapping")
            return _Absent()
        if not isinstance(value, dict):
            self.fail(where, f"must be a mapping, got {type(value).__name__}")
            return _Absent()
        for key in value:
            if key not in allowed and self.strict:
                self.unknown_key(key, where, allowed)
        return value

    def unknown_key(self, key: Any, where: str, allowed: tuple[str, ...]) -> None:
        """Refuse ``key``, suggesting the allowed key it is closest to, or listing them all."""
        plain = isinstance(key, str) and _IDENTIFIER.match(key)
        at = self._join(where, key) if plain else f"{where}[{key!r}]"
        close = difflib.get_close_matches(str(key).lower(), allowed, n=1, cutoff=0.75)
        if close:
            self._misspelt.add(self._join(where, close[0]))
            return self.fail(at, f'unknown key; did you mean "{close[0]}"?')
        self.fail(at, f"unknown key; remove it or use one of: {', '.join(allowed)}")

    def list(self, mapping: dict[str, Any], key: str, where: str = "") -> list[Any]:
        value = mapping.get(key)
        if isinstance(mapping, _Absent):
            return []
        if not isinstance(value, list):
            self.fail(self._join(where, key), "is missing or not a list")
            return []
        return value

    def string(self, mapping: dict[str, Any], key: str, where: str = "") -> str:
        value = mapping.get(key)
        if isinstance(mapping, _Absent):
            return ""
        if value is None:
            self.fail(self._join(where, key), "is required")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.fail(self._join(where, key), f"must be a non-empty string, got {value!r}")
            return ""
        return value.strip()

    def optional_string(self, mapping: dict[str, Any], key: str, where: str) -> str | None:
        return self.string(mapping, key, where) if mapping.get(key) is not None else None

    def strings(self, mapping: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = mapping.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.fail(self._join(where, key), "must be a list of non-empty strings")
            return ()
        return tuple(value)

    def patterns(self, mapping: dict[str, Any], where: str) -> tuple[str, ...]:
        patterns = self.strings(mapping, "patterns", where)
        for index, pattern in enumerate(patterns):
            try:
                re.compile(pattern)
            except re.error as error:
                self.fail(f"{where}.patterns[{index}]", f"is not a valid regular expression ({error})")
        return patterns

    def boolean(self, mapping: dict[str, Any], key: str, where: str, *, default: bool) -> bool:
        value = mapping.get(key, default)
        if not isinstance(value, bool):
            self.fail(self._join(where, key), f"must be true or false, got {value!r}")
            return default
        return value

    def label(self, mapping: dict[str, Any], key: str, where: str) -> str:
        value = self.string(mapping, key, where)
        if value and not _LABEL.match(value):
            self.fail(self._join(where, key), f"{value!r} must be UPPER_CASE letters, digits or _")
        return value

    def choices(self, mapping: dict[str, Any], where: str, key: str = "choices") -> tuple[Choice, ...]:
        items = self.list(mapping, key, where)
        if not items and isinstance(mapping.get(key), list):
            self.fail(self._join(where, key), "needs at least one value")
        choices = []
        for index, item in enumerate(items):
            at = f"{self._join(where, key)}[{index}]"
            if isinstance(item, str):
                item = {"value": item}
            entry = self.mapping(item, at, CHOICE_KEYS)
            value = self.label(entry, "value", at)
            choices.append(Choice(value, self.optional_string(entry, "definition", at) or ""))
        self.unique([c.value for c in choices], self._join(where, key), "value")
        return tuple(choices)

    def unique(self, values: list[str], where: str, what: str) -> None:
        seen: set[str] = set()
        for value in values:
            if value in seen:
                self.fail(where, f"{what} {value!r} appears twice")
            seen.add(value)
