"""Production scale: push, pull and export on Label Studio with PostgreSQL, each beside its baseline.

    .venv/bin/python benchmarks/bench_scale.py [--tasks 100000] [--small 10000] [--batch 1000]

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

With ``--repeat N`` each timed pair runs N times, in alternating order (baseline first, then
the measured step first), into fresh projects; the best time of each is kept. It can run for
hours at the default sizes; give smaller ones to try it. Figures of one run only compare with each
other: the machine's other work shows in every one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
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
from annotate.studio.pull import ANNOTATION_FILTER, SERIALIZATION, TASK_FILTER  # noqa: E402
from annotate.studio.push import push  # noqa: E402
from annotate.studio.server import free_port, read_credentials, start_server, stop_server  # noqa: E402

SCHEMA = ROOT / "schemas" / "arms_news.yaml"
TIMEOUT = {"timeout_in_seconds": 3600, "max_retries": 0}

_PULL_PROBE = """
import sys, time
from pathlib import Path
from annotate.studio.connection import Connection, connect
from annotate.studio.pull import pull

client = connect(Connection(url=sys.argv[1], api_key=sys.argv[2]), timeout=3600)
started = time.perf_counter()
pull(client=client, project_id=int(sys.argv[3]), out=Path(sys.argv[4]), timeout=3600)
elapsed = time.perf_counter() - started
peak = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
            if line.startswith("VmHWM:"))
print(elapsed, peak)
"""


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


def pull_in_process(url: str, api_key: str, project_id: int, out: Path) -> tuple[float, float]:
    """(seconds, peak MB) of ``annotate pull`` in a fresh process."""
    done = subprocess.run([sys.executable, "-c", _PULL_PROBE, url, api_key, str(project_id), str(out)],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    seconds, peak = done.stdout.split()
    return float(seconds), int(peak) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=100_000, help="articles in the large projects")
    parser.add_argument("--small", type=int, default=10_000, help="tasks of the memory comparison's small project")
    parser.add_argument("--batch", type=int, default=1000, help="tasks per import request, raw and push")
    parser.add_argument("--repeat", type=int, default=1, help="timed rounds, alternating the order (best kept)")
    parser.add_argument("--keep", metavar="DIR", help="keep the pulled files and exports in DIR")
    args = parser.parse_args()
    schema = load_schema(SCHEMA)
    config = label_config(schema)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"load average {os.getloadavg()[0]:.2f} on {len(os.sched_getaffinity(0))} cores", flush=True)

    cluster = start_cluster()
    data_dir = work / "labelstudio"
    try:
        database, password = cluster.create_database()
        print(f"PostgreSQL on 127.0.0.1:{cluster.port}; starting Label Studio on it ...", flush=True)
        info = start_server(data_dir, port=free_port(), timeout=1800, database=database, database_password=password)
        credentials = read_credentials(data_dir)
        assert credentials is not None
        client = connect(Connection(url=info.url, api_key=credentials.api_key), timeout=3600)
        warm = client.projects.create(title="warm-up", label_config=config)
        client.projects.import_tasks(id=warm.id, request=[{"data": {"text": "warm", "document_id": "w"}}])

        # 1. push against the raw bulk import of the same prepared tasks
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
        del bodies, corpus
        raw_rate, push_rate = args.tasks / raw_seconds, args.tasks / push_seconds
        print(f"push of {args.tasks:,} articles with pre-annotations, batches of {args.batch:,} "
              f"(best of {args.repeat}):")
        print(f"  raw bulk import of the prepared tasks: {raw_rate:8.1f} tasks/s ({raw_seconds:.1f} s)")
        print(f"  annotate push, end to end:             {push_rate:8.1f} tasks/s ({push_seconds:.1f} s)")
        print(f"  push / raw: {push_rate / raw_rate:.2f}   (target >= 0.9)", flush=True)

        # 2. pull against Label Studio's own snapshot; memory at two sizes
        projects = {}
        for size in (args.tasks, args.small):
            project = client.projects.create(title=f"annotated-{size}", label_config=config)
            raw_import(client, project.id, encode(annotated_tasks(size), args.batch))
            projects[size] = project.id
        print(f"imported {args.tasks:,} and {args.small:,} tasks, half of them annotated", flush=True)
        pulled = {size: work / f"pulled-{size}.json" for size in projects}
        baseline = pull_seconds = float("inf")
        peaks = {}
        for run in range(args.repeat):
            for step in (("snapshot", "pull") if run % 2 == 0 else ("pull", "snapshot")):
                if step == "snapshot":
                    baseline = min(baseline, snapshot(client, projects[args.tasks], work / "snapshot.json"))
                    continue
                seconds, peaks[args.tasks] = pull_in_process(info.url, credentials.api_key, projects[args.tasks],
                                                             pulled[args.tasks])
                pull_seconds = min(pull_seconds, seconds)
        _, peaks[args.small] = pull_in_process(info.url, credentials.api_key, projects[args.small], pulled[args.small])
        print(f"pull of {args.tasks:,} tasks ({pulled[args.tasks].stat().st_size / 1e6:.0f} MB, "
              f"best of {args.repeat}):")
        print(f"  Label Studio snapshot create + download: {baseline:7.1f} s")
        print(f"  annotate pull:                           {pull_seconds:7.1f} s")
        print(f"  pull / snapshot: {pull_seconds / baseline:.2f}   (target <= 1.1)")
        print(f"  pull peak memory: {peaks[args.small]:.1f} MB at {args.small:,} tasks, {peaks[args.tasks]:.1f} MB at "
              f"{args.tasks:,}; ratio {peaks[args.tasks] / peaks[args.small]:.2f}   (target <= 1.2)", flush=True)
    finally:
        stop_server(data_dir)
        cluster.stop()

    # 3. export memory of the two pulled files
    small = peak_memory_mb(pulled[args.small], work / "export", "one")
    large = peak_memory_mb(pulled[args.tasks], work / "export", "one")
    print(f"export peak memory (one process): {small:.1f} MB at {args.small:,} tasks, {large:.1f} MB at "
          f"{args.tasks:,}; ratio {large / small:.2f}   (target <= 1.5)")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
