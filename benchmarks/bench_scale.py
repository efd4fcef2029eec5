"""Production scale: push, pull and export on Label Studio with PostgreSQL, each beside its baseline.

    .venv/bin/python benchmarks/bench_scale.py [--tasks 100000] [--small 10000] [--batch 1000]
                                               [--steps push,pull,changes] [--repeat 1] [--keep DIR]

Starts its own PostgreSQL (tests/postgres_cluster.py: Debian's package, a temporary folder,
127.0.0.1) and the embedded Label Studio on it, then measures, in this one run:

1. push: ``annotate.studio.push.push`` of ``--tasks`` synthetic articles shaped like the seeds,
   with pre-annotations, in batches of ``--batch``, against the fastest raw bulk import of the same
   prepared tasks (data and predictions made beforehand, bodies encoded beforehand, POSTed to the
   import endpoint in batches of ``--batch``; not timed: the preparation). Target push/raw >= 0.9.
2. pull: a project of ``--tasks`` tasks, half of them annotated (entities, claims with claimants
   and stances, a second annotator's and a cancelled annotation on some), pulled with
   ``annotate pull`` in a fresh process against Label Studio's own snapshot create + download of
   the same project with the same options. Target pull/snapshot <= 1.1. Then pull's peak memory
   (``VmHWM`` of that process) at ``--tasks`` against a ``--small`` project: target <= 1.2.
3. export: the peak memory of ``annotate export`` of the two pulled files, in fresh processes
   (one process, no row writer): target <= 1.5.
4. changes: a full pull of the ``--tasks`` project, then 1% of its tasks changed through the API
   (a third get an annotation added, a third one updated, a third one deleted), then a second
   ``annotate pull`` of the same file (only what changed) against a full pull of the changed
   project: target second/full <= 0.1, and both files must hold the same tasks. The first pull
   waits until the import is older than pull's overlap (five minutes), as in a project that is
   not brand new; otherwise the second pull would fetch the whole import again.

``--steps`` picks some of push, pull (with 3) and changes.

With ``--repeat N`` each timed pair runs N times, in alternating order (baseline first, then
the measured step first), into fresh projects; the best time of each is kept. It can run for
hours at the default sizes; give smaller ones to try it. Figures of one run only compare with each
other: the machine's other work shows in every one.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from bench_export import peak_memory_mb, synthetic_task  # noqa: E402
from bench_push import documents, prepared_tasks  # noqa: E402
from postgres_cluster import start_cluster  # noqa: E402

from annotate.scheme.label_config import label_config  # noqa: E402
from annotate.scheme.schema import load_schema  # noqa: E402
from annotate.studio.connection import Connection, connect  # noqa: E402
from annotate.studio.incremental_pull import OVERLAP_SECONDS  # noqa: E402
from annotate.studio.snapshot import ANNOTATION_FILTER, SERIALIZATION, TASK_FILTER  # noqa: E402
from annotate.studio.push import push  # noqa: E402
from annotate.studio.server import free_port, read_credentials, start_server, stop_server  # noqa: E402

SCHEMA = ROOT / "schemas" / "arms_news.yaml"
STEPS = ("push", "pull", "changes")
TIMEOUT = {"timeout_in_seconds": 3600, "max_retries": 0}

_PULL_PROBE = """
import sys, time
from pathlib import Path
from annotate.studio.connection import Connection, connect
from annotate.studio.pull import pull

client = connect(Connection(url=sys.argv[1], api_key=sys.argv[2]), timeout=3600)
started = time.perf_counter()
result = pull(client=client, project_id=int(sys.argv[3]), out=Path(sys.argv[4]), timeout=3600,
              full=sys.argv[5] == "full")
elapsed = time.perf_counter() - started
assert (result.incremental is None) == (sys.argv[5] == "full"), result.full_reason
peak = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
            if line.startswith("VmHWM:"))
print(elapsed, peak)
"""


@contextlib.contextmanager
def label_studio_on_postgresql(work: Path) -> Iterator[tuple[str, str, Any]]:
    """(url, API key, client) of the embedded Label Studio on a PostgreSQL of its own; both stopped after."""
    cluster = start_cluster()
    data_dir = work / "labelstudio"
    try:
        database, password = cluster.create_database()
        print(f"PostgreSQL on 127.0.0.1:{cluster.port}; starting Label Studio on it ...", flush=True)
        info = start_server(data_dir, port=free_port(), timeout=1800, database=database, database_password=password)
        credentials = read_credentials(data_dir)
        assert credentials is not None
        yield info.url, credentials.api_key, connect(Connection(url=info.url, api_key=credentials.api_key),
                                                     timeout=3600)
    finally:
        stop_server(data_dir)
        cluster.stop()


def post(client: Any, project_id: int, body: bytes) -> None:
    """One import request with an already encoded body (what ``import_tasks`` sends, minus its encoder)."""
    response = client._client_wrapper.httpx_client.request(  # noqa: SLF001 - the SDK's authenticated client
        f"api/projects/{project_id}/import", method="POST", content=body,
        headers={"Content-Type": "application/json"}, request_options=TIMEOUT)
    if not 200 <= response.status_code < 300:
        raise RuntimeError(f"import into project {project_id} answered {response.status_code}: {response.text[:300]}")


def raw_import(client: Any, project_id: int, bodies: list[bytes]) -> float:
    started = time.perf_counter()
    for body in bodies:
        post(client, project_id, body)
    return time.perf_counter() - started


def encode(tasks: list[dict], batch: int) -> list[bytes]:
    return [json.dumps(tasks[i:i + batch], ensure_ascii=False).encode("utf-8") for i in range(0, len(tasks), batch)]


def annotated_tasks(count: int) -> list[dict]:
    """``count`` tasks to import, every other one with its annotations (completed_by becomes the importer)."""
    rng = random.Random(7)
    tasks = []
    for number in range(1, count + 1):
        task = synthetic_task(number, rng)
        keep = {"data": task["data"], "predictions": [
            {key: p[key] for key in ("model_version", "score", "result")} for p in task["predictions"]]}
        if number % 2:
            keep["annotations"] = [{key: a[key] for key in ("result", "was_cancelled", "ground_truth", "lead_time")}
                                   for a in task["annotations"]]
        tasks.append(keep)
    return tasks


def snapshot(client: Any, project_id: int, out: Path) -> float:
    """Label Studio's own export: create a snapshot with pull's options, wait, stream it to ``out``."""
    started = time.perf_counter()
    made = client.projects.exports.create(
        id=project_id, title="baseline", task_filter_options=TASK_FILTER, annotation_filter_options=ANNOTATION_FILTER,
        serialization_options=SERIALIZATION, request_options=TIMEOUT)
    while made.status != "completed":
        if made.status == "failed":
            raise RuntimeError(f"snapshot {made.id} failed")
        time.sleep(0.5)
        made = client.projects.exports.get(id=project_id, export_pk=made.id)
    with open(out, "wb") as handle:
        for chunk in client.projects.exports.download(id=project_id, export_pk=made.id,
                                                      request_options={**TIMEOUT, "chunk_size": 1 << 20}):
            handle.write(chunk)
    return time.perf_counter() - started


def pull_in_process(url: str, api_key: str, project_id: int, out: Path, kind: str = "full") -> tuple[float, float]:
    """(seconds, peak MB) of ``annotate pull`` in a fresh process (the seconds of the pull call alone);
    ``kind`` "full" fetches everything, "changes" must build on the earlier pull of ``out``."""
    done = subprocess.run([sys.executable, "-c", _PULL_PROBE, url, api_key, str(project_id), str(out), kind],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    seconds, peak = done.stdout.split()
    return float(seconds), int(peak) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=100_000, help="articles in the large projects")
    parser.add_argument("--small", type=int, default=10_000, help="tasks of the memory comparison's small project")
    parser.add_argument("--batch", type=int, default=1000, help="tasks per import request, raw and push")
    parser.add_argument("--repeat", type=int, default=1, help="timed rounds, alternating the order (best kept)")
    parser.add_argument("--steps", default=",".join(STEPS), help=f"which of {', '.join(STEPS)} to run (default all)")
    parser.add_argument("--keep", metavar="DIR", help="keep the pulled files and exports in DIR")
    args = parser.parse_args()
    steps = set(args.steps.split(","))
    if not steps <= set(STEPS):
        parser.error(f"--steps takes some of {', '.join(STEPS)}")
    schema = load_schema(SCHEMA)
    config = label_config(schema)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"load average {os.getloadavg()[0]:.2f} on {len(os.sched_getaffinity(0))} cores", flush=True)

    pulled: dict[int, Path] = {}
    with label_studio_on_postgresql(work) as (url, api_key, client):
        warm = client.projects.create(title="warm-up", label_config=config)
        client.projects.import_tasks(id=warm.id, request=[{"data": {"text": "warm", "document_id": "w"}}])
        if "push" in steps:
            bench_push(client, schema, config, args, work)
        if steps & {"pull", "changes"}:
            sizes = (args.tasks, args.small) if "pull" in steps else (args.tasks,)
            projects = {}
            for size in sizes:
                project = client.projects.create(title=f"annotated-{size}", label_config=config)
                raw_import(client, project.id, encode(annotated_tasks(size), args.batch))
                projects[size] = project.id
            imported = time.monotonic()
            print(f"imported {' and '.join(f'{size:,}' for size in sizes)} tasks, half of them annotated", flush=True)
            if "pull" in steps:
                pulled = bench_pull(client, url, api_key, projects, args, work)
            if "changes" in steps:
                bench_changes(client, url, api_key, projects[args.tasks], imported, args, work)
    if pulled:
        bench_export_memory(pulled, args, work)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def bench_push(client: Any, schema: Any, config: str, args: argparse.Namespace, work: Path) -> None:
    """1. push against the raw bulk import of the same prepared tasks."""
    corpus = documents(args.tasks)
    bodies = encode(prepared_tasks(schema, corpus), args.batch)
    raw_seconds = push_seconds = float("inf")
    for run in range(args.repeat):
        for step in (("raw", "push") if run % 2 == 0 else ("push", "raw")):
            if step == "raw":
                raw_project = client.projects.create(title=f"raw-{run}", label_config=config)
                raw_seconds = min(raw_seconds, raw_import(client, raw_project.id, bodies))
                continue
            started = time.perf_counter()
            pushed = push(client=client, schema=schema, documents=corpus, project_title=f"push-{run}",
                          batch_size=args.batch, data_dir=work / "push")
            push_seconds = min(push_seconds, time.perf_counter() - started)
            assert pushed.imported == len(corpus)
    raw_rate, push_rate = args.tasks / raw_seconds, args.tasks / push_seconds
    print(f"push of {args.tasks:,} articles with pre-annotations, batches of {args.batch:,} (best of {args.repeat}):")
    print(f"  raw bulk import of the prepared tasks: {raw_rate:8.1f} tasks/s ({raw_seconds:.1f} s)")
    print(f"  annotate push, end to end:             {push_rate:8.1f} tasks/s ({push_seconds:.1f} s)")
    print(f"  push / raw: {push_rate / raw_rate:.2f}   (target >= 0.9)", flush=True)


def bench_pull(client: Any, url: str, api_key: str, projects: dict[int, int], args: argparse.Namespace,
               work: Path) -> dict[int, Path]:
    """2. pull against Label Studio's own snapshot; pull's memory at two sizes. The pulled files."""
    pulled = {size: work / f"pulled-{size}.json" for size in projects}
    baseline = pull_seconds = float("inf")
    peaks = {}
    for run in range(args.repeat):
        for step in (("snapshot", "pull") if run % 2 == 0 else ("pull", "snapshot")):
            if step == "snapshot":
                baseline = min(baseline, snapshot(client, projects[args.tasks], work / "snapshot.json"))
                continue
            seconds, peaks[args.tasks] = pull_in_process(url, api_key, projects[args.tasks], pulled[args.tasks])
            pull_seconds = min(pull_seconds, seconds)
    _, peaks[args.small] = pull_in_process(url, api_key, projects[args.small], pulled[args.small])
    print(f"pull of {args.tasks:,} tasks ({pulled[args.tasks].stat().st_size / 1e6:.0f} MB, best of {args.repeat}):")
    print(f"  Label Studio snapshot create + download: {baseline:7.1f} s")
    print(f"  annotate pull:                           {pull_seconds:7.1f} s")
    print(f"  pull / snapshot: {pull_seconds / baseline:.2f}   (target <= 1.1)")
    print(f"  pull peak memory: {peaks[args.small]:.1f} MB at {args.small:,} tasks, {peaks[args.tasks]:.1f} MB at "
          f"{args.tasks:,}; ratio {peaks[args.tasks] / peaks[args.small]:.2f}   (target <= 1.2)", flush=True)
    return pulled


def bench_changes(client: Any, url: str, api_key: str, project_id: int, imported: float, args: argparse.Namespace,
                  work: Path) -> None:
    """4. a second pull after 1% of the tasks changed, against a full pull of the same project."""
    # Nothing imported in the overlap before the first snapshot, as in a project that is not brand new.
    time.sleep(max(0.0, OVERLAP_SECONDS - (time.monotonic() - imported)))
    first = work / "changes" / "pulled.json"
    first_seconds, _ = pull_in_process(url, api_key, project_id, first)
    made = change_tasks(client, project_id, args.tasks // 100)
    second_seconds, second_peak = pull_in_process(url, api_key, project_id, first, kind="changes")
    full = work / "changes" / "full.json"
    full_seconds, _ = pull_in_process(url, api_key, project_id, full)
    recorded = json.loads(first.with_name(first.name + ".meta.json").read_text(encoding="utf-8"))["pull"]
    same = comparable(first) == comparable(full)
    print(f"second pull after {sum(made.values()):,} of {args.tasks:,} tasks changed "
          f"({', '.join(f'{count} {what}' for what, count in made.items())}):")
    print(f"  full pull before the changes:      {first_seconds:7.1f} s")
    print(f"  full pull after the changes:       {full_seconds:7.1f} s")
    print(f"  second pull, only what changed:    {second_seconds:7.1f} s ({recorded['changed']} tasks changed, "
          f"{recorded['new']} new, {recorded['deleted']} deleted; peak memory {second_peak:.0f} MB)")
    print(f"  second / full: {second_seconds / full_seconds:.3f}   (target <= 0.1); "
          f"the same tasks as the full pull: {'yes' if same else 'NO'}", flush=True)


def change_tasks(client: Any, project_id: int, count: int) -> dict[str, int]:
    """Change ``count`` tasks spread over the project: a third get an annotation added, a third one
    updated, a third one deleted (the project's odd tasks are the annotated ones)."""
    ids = sorted(task.id for task in client.tasks.list(project=project_id, fields="task_only", include="id",
                                                       page_size=1000))
    step = max(1, len(ids) // max(1, count))
    chosen = ids[::step][:count]
    made = {"added": 0, "updated": 0, "deleted": 0}
    for index, task_id in enumerate(chosen):
        existing = [a for a in client.annotations.list(id=task_id) if not a.was_cancelled]
        if index % 3 == 0 or not existing:
            client.annotations.create(id=task_id, result=list(existing[0].result) if existing else [],
                                      lead_time=1.0)
            made["added"] += 1
        elif index % 3 == 1:
            client.annotations.update(id=existing[0].id, lead_time=float(index))
            made["updated"] += 1
        else:
            client.annotations.delete(id=existing[0].id)
            made["deleted"] += 1
    return made


def comparable(path: Path) -> dict[int, Any]:
    """A pulled file's tasks by id, without predictions' ``created_ago`` (Label Studio's "how long ago")."""
    tasks = {}
    for task in json.loads(path.read_text(encoding="utf-8")):
        for prediction in task.get("predictions") or ():
            prediction.pop("created_ago", None)
        tasks[task["id"]] = task
    return tasks


def bench_export_memory(pulled: dict[int, Path], args: argparse.Namespace, work: Path) -> None:
    """3. export memory of the two pulled files."""
    small = peak_memory_mb(pulled[args.small], work / "export")
    large = peak_memory_mb(pulled[args.tasks], work / "export")
    print(f"export peak memory (one process): {small:.1f} MB at {args.small:,} tasks, {large:.1f} MB at "
          f"{args.tasks:,}; ratio {large / small:.2f}   (target <= 1.5)")


if __name__ == "__main__":
    sys.exit(main())
