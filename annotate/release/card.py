"""The dataset card ``README.md``: Hub YAML metadata, then what a researcher needs to know.

The YAML block declares ``license``, ``language``, ``task_categories``, ``pretty_name``, the
``configs`` (data files per split, ``documents`` the default) and ``dataset_info`` (features
and split sizes, in the format ``datasets`` writes), so that ``load_dataset`` on the folder, or
on a Hub repository holding it, finds every config and restores every ClassLabel. Splits or
configs without rows are left out of the YAML (``datasets`` cannot load an empty split) and
named in the prose.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from annotate.published.splits import SPLITS
from annotate.release.gold_merge import POLICY_TEXT
from annotate.release.parquet import WrittenFile
from annotate.scheme.features import (
    CONFIGS,
    DEFAULT_CONFIG,
    FIELD_DESCRIPTIONS,
    ROW_MEANING,
    ConfigFeatures,
    card_features,
    type_name,
)
from annotate.scheme.schema import Schema

NER_CONVENTIONS = """\
- One row per sentence. Sentences end at line breaks and after `.`, `!`, `?` or `…` followed by
  white space and a word that is not lower case (initials and common abbreviations excepted);
  two sentences are joined when an entity crosses the boundary between them.
- Tokens: runs of letters and digits (joined across an inner hyphen or apostrophe, and across `.`
  or `,` between digits), abbreviations such as `U.S.`, and every other visible character on its
  own. A token is cut where an entity starts or ends inside it, so tags are exact.
- IOB2 cannot nest: where gold entities overlap, the longest is tagged (then the earliest, then
  the label listed first); `documents` keeps them all.
"""


@dataclass(frozen=True)
class CardFacts:
    """Everything the card says, gathered by :func:`annotate.release.export.export`."""

    schema: Schema
    version: str
    features: dict[str, ConfigFeatures]  # config -> columns, in datasets' JSON form
    files: dict[str, dict[str, WrittenFile]]  # config -> split -> file (splits with rows only)
    file_sizes: dict[str, int]  # data file path -> bytes
    counts: dict[str, int]
    label_counts: dict[str, Any]
    ratios: dict[str, float]
    source: dict[str, Any]
    toolkit_version: str
    changes: list[str]  # Markdown lines from annotate.release.changelog.summary_lines
    root_name: str = "exports"
    annotator_emails: bool = False
    guidelines_file: str | None = None
    quarantine_file: str | None = None
    agreement: dict[str, Any] | None = field(default=None)
    decisions: dict[str, int] = field(default_factory=dict)  # documents per gold policy
    points_resolved: int = 0  # points in dispute that a curator resolved


def _size_category(rows: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                        (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M")):
        if rows < limit:
            return name
    return "10M<n<100M"


def hub_metadata(facts: CardFacts) -> dict[str, Any]:
    """The YAML metadata block as a dict."""
    configs, infos = [], []
    for config in CONFIGS:
        splits = facts.files.get(config, {})
        if not splits:
            continue
        entry: dict[str, Any] = {"config_name": config}
        if config == DEFAULT_CONFIG:
            entry["default"] = True
        entry["data_files"] = [{"split": split, "path": splits[split].path} for split in SPLITS if split in splits]
        configs.append(entry)
        infos.append({
            "config_name": config,
            "features": card_features(facts.features[config]),
            "splits": [{"name": split, "num_bytes": splits[split].num_bytes, "num_examples": splits[split].rows}
                       for split in SPLITS if split in splits],
            "download_size": sum(facts.file_sizes[file.path] for file in splits.values()),
            "dataset_size": sum(file.num_bytes for file in splits.values()),
        })
    schema = facts.schema
    return {
        "license": schema.license,
        "language": [schema.language],
        "pretty_name": schema.title,
        "size_categories": [_size_category(facts.counts["documents"])],
        "task_categories": ["token-classification", "text-classification"],
        "task_ids": ["named-entity-recognition", "fact-checking"],
        "tags": ["stance-detection", "claim-detection", "news", "label-studio"],
        "configs": configs,
        "dataset_info": infos,
    }


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _load_section(facts: CardFacts) -> list[str]:
    path = f"{facts.root_name}/v{facts.version}"
    lines = ["## How to load", "", "With plain `datasets` (this toolkit is not needed):", "", "```python",
             "from datasets import load_dataset", ""]
    for config in CONFIGS:
        if facts.files.get(config):
            note = "  # the default config" if config == DEFAULT_CONFIG else ""
            lines.append(f'{config} = load_dataset("{path}", "{config}"){note}')
    lines += ["", 'documents["train"].features["entities"]  # ClassLabels carry the label names',
              "```", "", f"On the Hub, give the repository id instead of `{path}`."]
    return lines


def _configs_section(facts: CardFacts) -> list[str]:
    lines = ["## Configs", "", "| config | a row is | " + " | ".join(SPLITS) + " |",
             "|---|---|" + "---:|" * len(SPLITS)]
    empty = []
    for config in CONFIGS:
        splits = facts.files.get(config, {})
        if not splits:
            empty.append(config)
        rows = " | ".join(str(splits[s].rows) if s in splits else "0" for s in SPLITS)
        lines.append(f"| `{config}` | {ROW_MEANING[config]} | {rows} |")
    lines.append("")
    if empty:
        lines += [f"No rows in this version for: {', '.join(f'`{c}`' for c in empty)} (not declared above).", ""]
    lines.append("Splits with no rows have no file and are not declared in the metadata.")
    for config in CONFIGS:
        lines += ["", f"### `{config}`", "", "| field | type | meaning |", "|---|---|---|"]
        descriptions = FIELD_DESCRIPTIONS[config]
        if config == DEFAULT_CONFIG:  # the schema's document metadata: described there, null when unknown
            descriptions = {**descriptions, **{f.name: f"{f.description} (document metadata; null when the article "
                                                       "has none)" for f in facts.schema.metadata}}
        for name, feature in facts.features[config].items():
            meaning = descriptions.get(name, f"claim attribute `{name}`")
            lines.append(f"| `{name}` | {_cell(type_name(feature))} | {_cell(meaning)} |")
    return lines


def _scheme_section(facts: CardFacts) -> list[str]:
    schema, counts = facts.schema, facts.label_counts
    lines = ["## Annotation scheme", "",
             f"Schema `{schema.name}` version {schema.version} (fingerprint `{schema.fingerprint[:12]}`), "
             "shipped as `schema.yaml`"
             + (f"; the full annotation guidelines are in `{facts.guidelines_file}`." if facts.guidelines_file else "."),
             "", "### Entities", "", "| label | definition | gold spans |", "|---|---|---:|"]
    for entity in schema.entities:
        lines.append(f"| `{entity.label}` | {_cell(entity.definition)} | {counts['entities'].get(entity.label, 0)} |")
    claims = schema.claims
    lines += ["", f"### Claims (`{claims.label}`)", "", _cell(claims.definition), "",
              f"Gold claims: {counts['claims']}, of which {counts['claims_with_claimant']} have a claimant "
              f"(a {', '.join(claims.claimant_labels)} entity; "
              f"{'required' if claims.claimant_required else 'optional'}). {_cell(claims.claimant_definition)}"]
    for attribute in claims.attributes:
        values = counts.get(f"claim_{attribute.name}", {})
        lines += ["", f"Attribute `{attribute.name}` ({_cell(attribute.header)}"
                      f"{', required' if attribute.required else ''}):", ""]
        lines += [f"- `{c.value}` ({values.get(c.value, 0)}): {_cell(c.definition)}" for c in attribute.choices]
    lines += ["", "### Stance", "", f"Target: **{_cell(schema.stance.target)}**", "",
              "| value | definition | claims | documents |", "|---|---|---:|---:|"]
    for choice in schema.stance.choices:
        lines.append(f"| `{choice.value}` | {_cell(choice.definition)} | {counts['claim_stance'].get(choice.value, 0)}"
                     f" | {counts['document_stance'].get(choice.value, 0)} |")
    return lines


def _counts_section(facts: CardFacts) -> list[str]:
    c = facts.counts
    rows = [
        ("tasks in the Label Studio export", c["tasks"]),
        ("documents published (with a gold annotation)", c["documents"]),
        ("documents without any completed annotation (left out)", c["documents_without_annotation"]),
        ("completed annotations published (`annotations`)", c["annotations"]),
        ("cancelled (skipped) annotations (left out)", c["annotations_cancelled"]),
        ("annotators", c["annotators"]),
        ("documents quarantined (left out)", c["documents_quarantined"]),
        ("annotations quarantined (left out)", c["annotations_quarantined"]),
        ("problems found", c["problems"]),
        ("spans without `value.text` (kept; offsets not cross-checked, a warning names each)",
         c.get("regions_without_text", 0)),
        ("spans of white space alone (left out, a warning names each)", c.get("whitespace_spans_left_out", 0)),
        ("tasks whose text could not be checked against what push sent (no checksum, no corpus)",
         c.get("tasks_without_text_checksum", 0)),
    ]
    lines = ["## Counts", "", "| | count |", "|---|---:|"] + [f"| {name} | {value} |" for name, value in rows]
    if facts.quarantine_file:
        lines += ["", f"The export ran with quarantine: every problem is listed in `{facts.quarantine_file}` "
                      "(document, task, annotation, region, message), and the annotations (or whole documents) "
                      "they concern are left out of every config."]
    return lines


POLICIES = ("adjudicated", "ground_truth", "unanimous", "majority", "single")


def _decisions_section(facts: CardFacts) -> list[str]:
    lines = ["### How the gold of this version was decided", "", "| policy | documents |", "|---|---:|"]
    lines += [f"| `{policy}` | {facts.decisions.get(policy, 0)} |" for policy in POLICIES]
    return lines + ["", f"Points in dispute between annotators that a curator resolved: {facts.points_resolved}. "
                        "The agreement below is measured before adjudication: it compares the annotators' "
                        "own annotations, and the curator is not an annotator."]


def agreement_section(agreement: Mapping[str, Any] | None) -> list[str]:
    """The card's agreement summary: a hook for :mod:`annotate.report.build`.

    ``agreement["markdown"]``, when present, is used as it is; otherwise every number in the
    (nested) mapping becomes one table row named by its path.
    """
    lines = ["## Annotator agreement", ""]
    if not agreement:
        return lines + ["No agreement report was attached to this export (see `annotate report`)."]
    if isinstance(agreement.get("markdown"), str):
        return lines + [agreement["markdown"].rstrip("\n")]
    rows: list[tuple[str, Any]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key in sorted(value, key=str):
                walk(f"{prefix}.{key}" if prefix else str(key), value[key])
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            rows.append((prefix, round(value, 4) if isinstance(value, float) else value))

    walk("", agreement)
    return lines + ["| figure | value |", "|---|---:|"] + [f"| {_cell(name)} | {value} |" for name, value in rows]


def _source_section(facts: CardFacts) -> list[str]:
    source = facts.source
    snapshot = source.get("snapshot")
    lines = ["## Source and splits", ""]
    if snapshot:
        lines.append(f"Label Studio project {_cell(str(snapshot.get('project_title')))} "
                     f"(id {snapshot.get('project_id')}), export snapshot {snapshot.get('export_id')} "
                     f"made {snapshot.get('created_at')}.")
    else:
        lines.append("A Label Studio JSON export with no snapshot record (downloaded from the web page).")
    ratios = ", ".join(f"{split} {facts.ratios[split]:g}" for split in SPLITS)
    lines += ["", f"Raw file `{_cell(source['file'])}`, SHA-256 `{source['sha256']}`. "
                  f"Built with annotate {facts.toolkit_version}; `manifest.json` lists every file with its "
                  "SHA-256.", "",
              f"Splits ({ratios}) come from SHA-256 of the document id; a document keeps the split it had "
              "in earlier versions. All configs split by document, so no article is in two splits."]
    return lines


def dataset_card(facts: CardFacts) -> str:
    """The whole ``README.md``."""
    metadata = yaml.safe_dump(hub_metadata(facts), sort_keys=False, allow_unicode=True, width=1000)
    schema = facts.schema
    body = [
        f"# {schema.title}", "",
        f"Version **{facts.version}**. {_cell(schema.description)}", "",
        "News articles annotated in Label Studio with named entities, claims linked to the entity that "
        "makes them (the claimant), each claim's stance and the stance of the whole article toward one "
        "target. Offsets are Unicode code points into `text`, and for every span "
        "`text[start:end] == span text`. "
        + ("Annotators appear by e-mail address (exported with --annotator-emails)."
           if facts.annotator_emails else "Annotators appear as stable pseudonyms, never e-mail addresses: "
           "a keyed hash whose key stays with the annotation project and is not published, so a pseudonym "
           "cannot be computed from an e-mail address or a user id."), "",
        *_configs_section(facts), "",
        *_load_section(facts), "",
        *_scheme_section(facts), "",
        "## Gold annotation", "", POLICY_TEXT.rstrip("\n"), "",
        *_decisions_section(facts), "",
        "### The `ner` config", "", NER_CONVENTIONS.rstrip("\n"), "",
        *_counts_section(facts), "",
        *agreement_section(facts.agreement), "",
        *_source_section(facts), "",
        f"## Version {facts.version}", "", *facts.changes, "",
        "The full history is in `CHANGELOG.md`.",
    ]
    return f"---\n{metadata}---\n\n" + "\n".join(body) + "\n"
