"""Speed and memory of ``annotate export``, against the SDK's own converter on the same file.

    .venv/bin/python benchmarks/bench_export.py [--tasks 5000] [--large 50000] [--repeat 3] [--keep DIR]

1. Writes a synthetic Label Studio JSON export of ``--tasks`` annotated tasks (about 35 MB at
   5,000): articles made of news-like sentences, entities, claims with claimants, stances and
   attributes, a second annotator on every fifth task, a cancelled annotation on every tenth,
   pre-annotations on every other task, emoji and ``\\r\\n`` in the text.
2. Times, as whole processes pinned to one core (``taskset -c 0``, start-up and imports
   included), ``label_studio_sdk.converter.Converter`` JSON_MIN on that file (the baseline) and
   ``annotate.release.export.export`` of all four configs, validation's checks before publishing
   included, ``--repeat`` rounds; prints each round and the medians of the times and of the
   ratios export / baseline (target: at most 1.0), of wall time and of CPU time (user + system,
   less disturbed by other load), and the part of the export spent in the checks. annotate's
   bytecode is compiled first, as ``pip install`` does: the SDK runs from compiled site-packages.
3. Times validation's row checks on the written version config by config (documents alone, then
   with each other config; the differences are what each config's checks cost).
4. Measures the peak memory of the export (``VmHWM``; Linux) in a fresh process at ``--tasks``
   and at ``--large`` tasks and prints the ratio (target: at most 2).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PEOPLE = ["Vladimir Putin", "Hassan Rouhani", "Mehdi Sanai", "Sergei Lavrov", "Mikhail Bogdanov", "Ali Larijani"]
ORGS = ["TASS", "Rostec", "Almaz-Antey", "the IAEA", "Reuters", "the Kremlin"]
PLACES = ["Russia", "Iran", "Moscow", "Tehran", "Israel", "Syria"]
WEAPONS = ["S-300", "S-400", "S-300PMU-2", "Su-35", "T-90A"]
DATES = ["Thursday", "mid November", "2015", "late last month", "Monday"]
FILLER = ["Officials declined to comment further on the matter.",
          "The talks are expected to continue next week, according to diplomats 👍🏽.",
          "Analysts said the move could shift the balance of power in the region.",
          "The ministry did not give details about the schedule.\r\n",
          "Earlier reports had suggested that the contract, signed years ago, was frozen.",
          "Neither side disclosed the value of the deal or the number of units involved."]


def _article(rng: random.Random) -> tuple[str, list[tuple[int, int, str]], list[tuple[int, int, int]]]:
    """Text, entity spans (start, end, label) and claims (start, end, index of the claimant entity)."""
    parts: list[str] = []
    entities: list[tuple[int, int, str]] = []
    claims: list[tuple[int, int, int]] = []
    length = 0

    def add(text: str, label: str | None = None) -> tuple[int, int]:
        nonlocal length
        start = length
        parts.append(text)
        length += len(text)
        if label:
            entities.append((start, length, label))
        return start, length

    add("Moscow 🛰️ (Reuters)\r\n")
    for _ in range(3):
        speaker = rng.choice(PEOPLE)
        add(speaker, "PERSON")
        add(" told ")
        add(rng.choice(ORGS), "ORG")
        add(" on ")
        add(rng.choice(DATES), "DATE")
        add(" that ")
        claim_start = length
        add("the ")
        add(rng.choice(WEAPONS), "WEAPON")
        add(" deliveries to ")
        add(rng.choice(PLACES), "GPE")
        claim_end = add(" are on schedule")[1]
        add(". ")
        if rng.random() < 0.5:
            claims.append((claim_start, claim_end, len(entities) - 5))
        add(" ".join(rng.sample(FILLER, 3)) + " ")
    return "".join(parts), entities, claims


def synthetic_task(number: int, rng: random.Random) -> dict:
    text, entities, claims = _article(rng)
    stances = ["FAVOR", "AGAINST", "NONE"]

    def result(drop: int | None) -> list[dict]:
        items = []
        for index, (start, end, label) in enumerate(entities):
            if index == drop:
                continue
            items.append({"id": f"e{number}-{index}", "from_name": "entities", "to_name": "text", "type": "labels",
                          "origin": "manual", "value": {"start": start, "end": end, "text": text[start:end],
                                                        "labels": [label]}})
        for index, (start, end, claimant) in enumerate(claims):
            region = f"c{number}-{index}"
            value = {"start": start, "end": end, "text": text[start:end]}
            items.append({"id": region, "from_name": "claims", "to_name": "text", "type": "labels",
                          "origin": "manual", "value": {**value, "labels": ["CLAIM"]}})
            for name, choice in (("claim_stance", rng.choice(stances)), ("claim_type", "FACT")):
                items.append({"id": region, "from_name": name, "to_name": "text", "type": "choices",
                              "origin": "manual", "value": {**value, "choices": [choice]}})
            if claimant != drop:
                items.append({"from_id": region, "to_id": f"e{number}-{claimant}", "type": "relation",
                              "direction": "right"})
        items.append({"id": f"d{number}", "from_name": "doc_stance", "to_name": "text", "type": "choices",
                      "origin": "manual", "value": {"choices": [rng.choice(stances)]}})
        return items

    def annotation(annotation_id: int, user: int, items: list[dict], cancelled: bool = False) -> dict:
        return {"id": annotation_id, "completed_by": user, "result": items, "was_cancelled": cancelled,
                "ground_truth": False, "created_at": "2025-02-01T09:00:00.000000Z",
                "updated_at": f"2025-03-01T10:{number % 60:02d}:00.000000Z", "lead_time": 35.5 + number % 7,
                "task": number, "prediction": {}, "parent_prediction": None, "parent_annotation": None}

    annotations = [annotation(number * 10 + 1, 1 + number % 3, result(None))]
    if number % 5 == 0:
        annotations.append(annotation(number * 10 + 2, 4, result(rng.randrange(len(entities)))))
    if number % 10 == 0:
        annotations.append(annotation(number * 10 + 3, 5, [], cancelled=True))
    predictions = [{"id": number, "model_version": "patterns-1", "score": None, "task": number,
                  "result": [{"id": f"p{number}-{i}", "from_name": "entities", "to_name": "text", "type": "labels",
                              "value": {"start": s, "end": e, "text": text[s:e], "labels": [label]}}
                             for i, (s, e, label) in enumerate(entities) if label in ("WEAPON", "DATE")]}
                   ][: number % 2]  # pre-annotations on every other task
    return {"id": number, "data": {"text": text, "title": f"Article {number}", "document_id": f"doc-{number:06d}",
                                   "source": f"synthetic/{number}.txt"},
            "annotations": annotations, "predictions": predictions, "drafts": [], "meta": {},
            "created_at": "2025-01-01T00:00:00.000000Z", "updated_at": "2025-03-01T10:00:00.000000Z",
            "inner_id": number, "total_annotations": len(annotations), "cancelled_annotations": 0,
            "total_predictions": len(predictions), "project": 1, "updated_by": None}


def write_synthetic(path: Path, tasks: int, seed: int = 7) -> Path:
    """Write the export one task at a time (memory stays flat however many tasks)."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as file:
        file.write("[")
        for number in range(1, tasks + 1):
            file.write((",\n" if number > 1 else "\n") + json.dumps(synthetic_task(number, rng), ensure_ascii=False))
        file.write("\n]\n")
    return path


_CONVERTER = """
import sys
from label_studio_sdk.converter import Converter
from annotate.scheme.label_config import label_config
from annotate.scheme.schema import load_schema

converter = Converter(config=label_config(load_schema(sys.argv[3])), project_dir=None, download_resources=False)
converter.convert_to_json_min(sys.argv[1], sys.argv[2], is_dir=False)
"""

_EXPORT = """
import sys, time
import annotate.release.export as export_module
from annotate.scheme.schema import load_schema

from annotate.validation.row_checks import RowChecker

checking = [0.0]

def timed(method):  # only measured: the export runs as it always does
    def run(*args, **kwargs):
        started = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            checking[0] += time.perf_counter() - started
    return run

RowChecker.check_batch = timed(RowChecker.check_batch)
RowChecker.check_features = timed(RowChecker.check_features)
export_module.export(sys.argv[1], schema=load_schema(sys.argv[3]), out_root=sys.argv[2], version="1.0.0")
print(checking[0])
"""


@dataclass(frozen=True)
class Timing:
    """One timed process: wall seconds, and CPU seconds (user + system), which another
    process's load on a noisy machine disturbs less than the wall time."""

    wall: float
    cpu: float


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _pinned(script: str, *args: str) -> tuple[Timing, str]:
    """The time of ``python -c script args`` pinned to one core, and what it printed."""
    cpu, started = _children_cpu(), time.perf_counter()
    completed = subprocess.run(["taskset", "-c", "0", sys.executable, "-c", script, *args], capture_output=True,
                               text=True, check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return Timing(time.perf_counter() - started, _children_cpu() - cpu), completed.stdout


def compile_toolkit() -> None:
    """Compile annotate's bytecode (``__pycache__``, as ``pip install`` does), so that the export
    process, like the SDK's from site-packages, does not compile its sources each time
    (``PYTHONDONTWRITEBYTECODE`` would otherwise make every run compile them again)."""
    compileall.compile_dir(ROOT / "annotate", quiet=1)


def time_baseline(raw: Path, work: Path) -> Timing:
    return _pinned(_CONVERTER, str(raw), str(work / "json_min"), str(ROOT / "schemas" / "arms_news.yaml"))[0]


def time_export(raw: Path, out: Path) -> tuple[Timing, float]:
    """(the time of the whole export process, wall seconds of it spent in validation's checks)."""
    shutil.rmtree(out, ignore_errors=True)
    timing, printed = _pinned(_EXPORT, str(raw), str(out), str(ROOT / "schemas" / "arms_news.yaml"))
    return timing, float(printed.split()[-1])


def time_checks(version: Path) -> dict[str, float]:
    """Seconds of validation's row checks on ``version``: documents alone, then each other
    config with them (minus documents alone)."""
    from annotate.published.reader import PublishedVersion
    from annotate.published.versions import Version
    from annotate.scheme.schema import load_schema
    from annotate.validation.findings import Findings
    from annotate.validation.row_checks import RowChecker

    schema = load_schema(ROOT / "schemas" / "arms_news.yaml")
    published = PublishedVersion(Version.parse(version.name), version)
    files = {config: published.data_files(config) for config in ("documents", "ner", "claims", "annotations")}

    def seconds(configs: tuple[str, ...]) -> float:
        started = time.perf_counter()
        RowChecker(schema, Findings()).check({config: files[config] for config in configs})
        return time.perf_counter() - started

    alone = seconds(("documents",))
    return {"documents": alone, **{config: seconds(("documents", config)) - alone
                                   for config in ("ner", "claims", "annotations")}}


_MEMORY_PROBE = """
import sys
from pathlib import Path
import annotate.release.export
from annotate.scheme.schema import load_schema

annotate.release.export.export(sys.argv[1], schema=load_schema(sys.argv[3]), out_root=sys.argv[2], version="1.0.0")
for line in Path("/proc/self/status").read_text().splitlines():
    if line.startswith("VmHWM:"):
        print(int(line.split()[1]))
"""


def peak_memory_mb(raw: Path, out: Path) -> float:
    """Peak resident memory (MB) of one export run in a fresh process: its high-water mark
    (``VmHWM``, which unlike ``ru_maxrss`` does not inherit the parent's size at fork)."""
    shutil.rmtree(out, ignore_errors=True)
    completed = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, str(raw), str(out),
                                str(ROOT / "schemas" / "arms_news.yaml")],
                               capture_output=True, text=True, check=True, cwd=ROOT,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    return int(completed.stdout.strip().splitlines()[-1]) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=5000)
    parser.add_argument("--large", type=int, default=50000, help="task count of the memory comparison (0: skip)")
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds; the medians are the result (0: none)")
    parser.add_argument("--keep", metavar="DIR", help="keep the generated files in DIR")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-export-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        raw = work / f"raw-{args.tasks}.json"
        started = time.perf_counter()
        write_synthetic(raw, args.tasks)
        print(f"synthetic export: {args.tasks} tasks, {raw.stat().st_size / 1e6:.1f} MB "
              f"(written in {time.perf_counter() - started:.1f} s)")

        print(f"load average {os.getloadavg()[0]:.2f}; every timed process is pinned to core 0 (taskset -c 0); "
              "annotate's bytecode compiled first, as pip install does")
        compile_toolkit()
        if args.repeat:  # 0: memory only
            rounds = []
            for number in range(1, args.repeat + 1):
                if number % 2:  # each goes first in every other round: neither gains from the order
                    baseline = time_baseline(raw, work)
                    export, checks = time_export(raw, work / "exports")
                else:
                    export, checks = time_export(raw, work / "exports")
                    baseline = time_baseline(raw, work)
                rounds.append((baseline, export, checks))
                print(f"round {number}: SDK Converter JSON_MIN {baseline.wall:5.2f} s (CPU {baseline.cpu:5.2f} s); "
                      f"annotate export {export.wall:5.2f} s (CPU {export.cpu:5.2f} s; validation's checks "
                      f"{checks:4.2f} s); ratio {export.wall / baseline.wall:.2f}, of CPU "
                      f"{export.cpu / baseline.cpu:.2f}   (load average {os.getloadavg()[0]:.2f})")
            median = statistics.median
            ratio = median(e.wall / b.wall for b, e, _ in rounds)
            cpu_ratio = median(e.cpu / b.cpu for b, e, _ in rounds)
            ratio_unchecked = median((e.wall - c) / b.wall for b, e, c in rounds)
            print(f"median of {len(rounds)} rounds, one core:")
            print(f"  SDK Converter JSON_MIN:                  {median(b.wall for b, _, _ in rounds):6.2f} s "
                  f"(CPU {median(b.cpu for b, _, _ in rounds):.2f} s)")
            print(f"  annotate export, checks included:        {median(e.wall for _, e, _ in rounds):6.2f} s "
                  f"(CPU {median(e.cpu for _, e, _ in rounds):.2f} s)")
            print(f"  of which validation's checks:            {median(c for _, _, c in rounds):6.2f} s")
            print(f"  ratio export / converter:                {ratio:6.2f}   (target <= 1.0); "
                  f"without the checks {ratio_unchecked:.2f}; of CPU time {cpu_ratio:.2f}")
            costs = time_checks(work / "exports" / "v1.0.0")
            print("validation's row checks by config (in this process): "
                  + ", ".join(f"{config} {seconds:.2f} s" for config, seconds in costs.items()))

        if args.large:
            large_raw = write_synthetic(work / f"raw-{args.large}.json", args.large)
            print(f"synthetic export: {args.large} tasks, {large_raw.stat().st_size / 1e6:.1f} MB")
            small = peak_memory_mb(raw, work / "memory")
            large = peak_memory_mb(large_raw, work / "memory")
            print(f"peak memory: {small:6.1f} MB at {args.tasks} tasks, {large:6.1f} MB at {args.large}; "
                  f"ratio {large / small:.2f}   (target <= 2)")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
