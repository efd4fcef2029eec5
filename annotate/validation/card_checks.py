"""Checks of the dataset card's YAML: valid Hub metadata that points at the version's files.

The front matter is read as the Hub and ``datasets`` read it (``huggingface_hub.DatasetCardData``,
then ``datasets``' own readers of ``configs`` and ``dataset_info``), and on top of that:
``license``, ``language`` (known ISO 639 codes), ``task_categories`` and ``size_categories`` are
present and well formed; every config is one the export writes, ``documents`` is the default,
each ``data_files`` entry names a split and existing files; ``dataset_info`` has the features
the recorded schema generates and the split sizes the files hold.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import datasets
import yaml
from datasets.info import DatasetInfosDict
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCardData

from annotate.published.layout import CARD as README
from annotate.published.splits import SPLITS
from annotate.scheme.features import CONFIGS, DEFAULT_CONFIG
from annotate.validation.findings import Findings
from annotate.validation.loading import feature_differences
from annotate.validation.manifest_checks import line_of, parquet_rows

REQUIRED = ("license", "language", "task_categories", "configs", "dataset_info")
try:  # the task ids datasets knows (kept there for older tools; the Hub's list lives in huggingface.js)
    from datasets.utils.metadata import known_task_ids as KNOWN_TASKS
except ImportError:  # pragma: no cover - a datasets without the list: task categories are not checked
    KNOWN_TASKS = None
_RESOURCES = Path(datasets.__file__).parent / "utils" / "resources"


@dataclass
class DeclaredConfigs:
    """What the card declares: config -> split -> relative data file paths."""

    configs: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    readable: bool = False


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe YAML loader that refuses a key given twice in one mapping (the Hub refuses it)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"key {key!r} appears twice",
                                                        key_node.start_mark)
            if isinstance(key, Hashable):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def front_matter(text: str) -> str | None:
    """The YAML between the leading ``---`` lines (it starts on line 2), or None."""
    lines = text.splitlines()
    if not lines or lines[0] != "---" or "---" not in lines[1:]:
        return None
    return "\n".join(lines[1:lines.index("---", 1)])


def _resource(name: str) -> set[str] | None:
    try:
        return set(json.loads((_RESOURCES / name).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def _strings(value: Any) -> list[str] | None:
    """A string or a non-empty list of strings as a list; None otherwise."""
    if isinstance(value, str) and value.strip():
        return [value]
    if isinstance(value, list) and value and all(isinstance(item, str) and item.strip() for item in value):
        return value
    return None


def _known_license(name: str) -> bool:
    if name in {"other", "unknown"}:
        return True
    try:
        from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression
    except ImportError:  # packaging < 24.2: no SPDX list to check against
        return True
    try:
        canonicalize_license_expression(name)
    except InvalidLicenseExpression:
        return False
    return True


def check_card(folder: Path, expected_features: dict[str, datasets.Features] | None,
               findings: Findings) -> DeclaredConfigs:
    """Check ``folder/README.md``; return the data files its ``configs`` declare."""
    file = folder / README
    declared = DeclaredConfigs()
    if not file.is_file():
        findings.error(file, "missing: the dataset card declares the configs that load_dataset reads")
        return declared
    text = file.read_text(encoding="utf-8", errors="replace")
    yaml_text = front_matter(text)
    if yaml_text is None:
        findings.error(file, "has no YAML front matter (a block between two '---' lines at the top)", line=1)
        return declared
    first_line = 2
    try:
        metadata = yaml.load(yaml_text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        findings.error(file, f"the YAML front matter is not valid YAML: {problem}",
                       line=first_line + mark.line if mark is not None else first_line)
        return declared
    if not isinstance(metadata, dict):
        findings.error(file, "the YAML front matter must be a mapping of metadata fields", line=first_line)
        return declared
    try:
        card_data = DatasetCardData(**metadata)
    except (ValueError, TypeError) as error:
        findings.error(file, f"huggingface_hub cannot read the card's metadata: {error}", line=first_line)
        return declared
    _check_hub_fields(file, text, metadata, findings)
    configs = _check_configs(folder, file, text, card_data, findings)
    if configs is None:
        return declared
    declared.configs, declared.readable = configs, True
    _check_infos(folder, file, text, card_data, configs, expected_features, findings)
    return declared


def _check_hub_fields(file: Path, text: str, metadata: dict, findings: Findings) -> None:
    for key in REQUIRED:
        if key not in metadata:
            findings.error(file, f"the Hub metadata has no {key}; the card must declare it", field=key)
    licenses = _strings(metadata.get("license")) if "license" in metadata else []
    if licenses is None:
        findings.error(file, "license must be a licence id such as cc-by-4.0", field="license",
                       line=line_of(text, "license:"))
    for name in licenses or []:
        if not _known_license(name):
            findings.warning(file, f"license {name!r} is neither an SPDX id nor 'other'; the Hub may not "
                                   "recognise it", field="license", line=line_of(text, "license:"))
    languages = _strings(metadata.get("language")) if "language" in metadata else []
    known = _resource("languages.json")
    if languages is None:
        findings.error(file, "language must be a list of ISO 639 codes such as [en]", field="language",
                       line=line_of(text, "language:"))
    for code in languages or []:
        if known is not None and code.split("-")[0] not in known:
            findings.error(file, f"language {code!r} is not an ISO 639-1, 639-2 or 639-3 code", field="language",
                           line=line_of(text, "language:"))
    categories = _strings(metadata.get("task_categories")) if "task_categories" in metadata else []
    if categories is None:
        findings.error(file, "task_categories must be a list such as [token-classification]",
                       field="task_categories", line=line_of(text, "task_categories:"))
    for category in categories or []:
        if KNOWN_TASKS is not None and category not in KNOWN_TASKS:
            findings.warning(file, f"task category {category!r} is not one datasets knows; check it against "
                                   "the Hub's list", field="task_categories", line=line_of(text, "task_categories:"))
    sizes = _resource("size_categories.json")
    if "size_categories" in metadata:
        values = _strings(metadata["size_categories"])
        if values is None or (sizes is not None and not set(values) <= sizes):
            findings.error(file, f"size_categories must be among {', '.join(sorted(sizes or []))}",
                           field="size_categories", line=line_of(text, "size_categories:"))


def _check_configs(folder: Path, file: Path, text: str, card_data: Any,
                   findings: Findings) -> dict[str, dict[str, list[str]]] | None:
    """Config -> split -> data files, as ``datasets`` reads ``configs``; None when it cannot."""
    try:
        metadata_configs = MetadataConfigs.from_dataset_card_data(card_data)
        default = metadata_configs.get_default_config_name()
    except (ValueError, TypeError, AttributeError) as error:
        findings.error(file, f"configs cannot be read by datasets: {' '.join(str(error).split())[:300]}",
                       field="configs", line=line_of(text, "configs:"))
        return None
    if metadata_configs and default != DEFAULT_CONFIG:
        findings.error(file, f"the default config is {default!r}; it must be {DEFAULT_CONFIG!r} (default: true)",
                       field="configs", line=line_of(text, "configs:"))
    declared: dict[str, dict[str, list[str]]] = {}
    for config, params in metadata_configs.items():
        line = line_of(text, f"config_name: {config}")
        if config not in CONFIGS:
            findings.error(file, f"unknown config {config!r}; the export writes {', '.join(CONFIGS)}",
                           field=f"configs.{config}", line=line)
            continue
        entries = params.get("data_files")
        if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
            findings.error(file, "data_files must list each split as {split, path}", config=config,
                           field=f"configs.{config}.data_files", line=line)
            continue
        splits: dict[str, list[str]] = {}
        for entry in entries:
            split, paths = entry["split"], entry["path"]
            where = f"configs.{config}.data_files.{split}"
            if split not in SPLITS or split in splits:
                findings.error(file, f"split {split!r} must be one of {', '.join(SPLITS)}, once", config=config,
                               field=where, line=line)
                continue
            splits[split] = []
            for path in [paths] if isinstance(paths, str) else paths:
                matches = _matches(folder, path)
                if not matches:
                    findings.error(file, f"data file {path!r} does not exist in the version folder", config=config,
                                   field=where, line=line_of(text, f"path: {path}") or line)
                splits[split] += matches
        declared[config] = splits
    return declared


def _matches(folder: Path, pattern: Any) -> list[str]:
    if not isinstance(pattern, str):
        return []
    pure = PurePosixPath(pattern)
    if pure.is_absolute() or ".." in pure.parts or "://" in pattern:
        return []
    if any(char in pattern for char in "*?["):
        return sorted(p.relative_to(folder).as_posix() for p in folder.glob(pattern) if p.is_file())
    return [pattern] if (folder / pattern).is_file() else []


def _check_infos(folder: Path, file: Path, text: str, card_data: Any, declared: dict[str, dict[str, list[str]]],
                 expected: dict[str, datasets.Features] | None, findings: Findings) -> None:
    try:
        infos = DatasetInfosDict.from_dataset_card_data(card_data)
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        findings.error(file, f"dataset_info cannot be read by datasets: {' '.join(str(error).split())[:300]}",
                       field="dataset_info", line=line_of(text, "dataset_info:"))
        return
    for config in declared:
        if config not in infos:
            findings.error(file, "has no dataset_info entry (features and split sizes)", config=config,
                           field="dataset_info", line=line_of(text, "dataset_info:"))
    for config, info in infos.items():
        where = f"dataset_info.{config}"
        if config not in declared:
            findings.error(file, "dataset_info describes a config that configs does not declare", config=config,
                           field=where, line=line_of(text, "dataset_info:"))
            continue
        if expected is not None and config in expected:
            if info.features is None:
                findings.error(file, "dataset_info has no features", config=config, field=f"{where}.features")
            else:
                for name, difference in feature_differences(expected[config], info.features):
                    findings.error(file, f"dataset_info features differ from the schema's at {name}: {difference}",
                                   config=config, field=f"{where}.features.{name}")
        splits = dict(info.splits or {})
        if set(splits) != set(declared[config]):
            findings.error(file, f"dataset_info lists splits {', '.join(sorted(splits)) or 'none'} but data_files "
                                 f"declares {', '.join(sorted(declared[config])) or 'none'}", config=config,
                           field=f"{where}.splits")
        for split, split_info in splits.items():
            counted = [parquet_rows(folder / path) for path in declared.get(config, {}).get(split, [])]
            if counted and None not in counted and sum(counted) != split_info.num_examples:
                findings.error(file, f"dataset_info says split {split} has {split_info.num_examples} examples; "
                                     f"its files hold {sum(counted)}", config=config,
                               field=f"{where}.splits.{split}.num_examples")
