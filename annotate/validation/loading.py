"""Does each config load with plain ``datasets``, with the features its recorded schema generates?

``load_dataset(str(version_folder), config)`` is exactly what a researcher runs; it reads the
card's ``configs``. The cache goes to a temporary folder that is removed afterwards, so a stale
cache can never hide a changed file. Feature differences are named field by field, down to the
ClassLabel names.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import datasets
from datasets import ClassLabel, Features, LargeList, List

from annotate.published.layout import CARD as README
from annotate.validation.findings import Findings


def describe(feature: Any) -> str:
    """A short text for a feature: ``ClassLabel(PERSON, ORG)``, ``int32``, ``list of string``."""
    if isinstance(feature, ClassLabel):
        return "ClassLabel(" + ", ".join(feature.names) + ")"
    if isinstance(feature, datasets.Value):
        return feature.dtype
    if isinstance(feature, (List, LargeList)):
        return f"list of {describe(feature.feature)}"
    if isinstance(feature, dict):
        return "{" + ", ".join(feature) + "}"
    return repr(feature)


def feature_differences(expected: Any, found: Any, path: str = "") -> list[tuple[str, str]]:
    """``(field, what differs)`` for each place where ``found`` is not ``expected``."""
    if isinstance(expected, dict) and isinstance(found, dict):
        differences = []
        for name in expected:
            where = f"{path}.{name}" if path else name
            if name not in found:
                differences.append((where, f"missing; the schema gives {describe(expected[name])}"))
            else:
                differences += feature_differences(expected[name], found[name], where)
        for name in found:
            if name not in expected:
                where = f"{path}.{name}" if path else name
                differences.append((where, f"extra field ({describe(found[name])}) that the schema does not generate"))
        return differences
    list_types = (List, LargeList)
    if isinstance(expected, list_types) and isinstance(found, list_types) and type(expected) is type(found):
        return feature_differences(expected.feature, found.feature, f"{path}[]")
    if isinstance(expected, ClassLabel) and isinstance(found, ClassLabel):
        if list(expected.names) == list(found.names):
            return []
        return [(path, f"ClassLabel names are {', '.join(found.names)}; the schema gives "
                       f"{', '.join(expected.names)}")]
    if expected == found:
        return []
    return [(path, f"{describe(found)}; the schema gives {describe(expected)}")]


@contextmanager
def _quiet_datasets() -> Iterator[None]:
    """No progress bars or info logging from ``datasets`` while loading (restored afterwards)."""
    bars = datasets.is_progress_bar_enabled()
    verbosity = datasets.logging.get_verbosity()
    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
    try:
        yield
    finally:
        datasets.logging.set_verbosity(verbosity)
        if bars:
            datasets.enable_progress_bars()


def check_loading(folder: Path, configs: list[str], expected: dict[str, Features] | None,
                  findings: Findings) -> None:
    """Load each of ``configs`` with ``datasets.load_dataset`` and compare every split's features
    with ``expected`` (skipped when the schema could not be read)."""
    card = folder / README
    with _quiet_datasets(), tempfile.TemporaryDirectory(prefix="annotate-validate-") as cache:
        for config in configs:
            try:
                loaded = datasets.load_dataset(str(folder), config, cache_dir=cache)
            except Exception as error:  # noqa: BLE001 - datasets raises many types; each is a failure here
                message = " ".join(str(error).split())[:400]
                findings.error(card, f'load_dataset("{folder}", "{config}") fails: {type(error).__name__}: {message}',
                               config=config)
                continue
            if expected is None or config not in expected:
                continue
            for split, dataset in loaded.items():
                for where, difference in feature_differences(expected[config], dataset.features):
                    findings.error(card, f"split {split} loads with other features than the schema generates, "
                                         f"at {where}: {difference}", config=config, field=where)
