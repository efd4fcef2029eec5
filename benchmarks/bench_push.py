"""Push throughput against one raw bulk ``import_tasks`` of the same tasks, same run, same server.

Starts a private Label Studio (temp folder, free 127.0.0.1 port), makes N synthetic articles,
then measures:

- raw:  the tasks push would send (data plus pre-annotations, prepared beforehand, not timed)
        imported into a fresh project with ONE ``projects.import_tasks`` request;
- push: ``annotate.studio.push.push`` of the same documents into another fresh project, end to end
        (project creation, listing, pre-annotation, batched import, duplicate check).

Prints both throughputs and push/raw (target: >= 0.80). With ``--repeat`` the two alternate and
the best of each is kept. Usage: ``python benchmarks/bench_push.py [--documents 2000] [--repeat 1]``.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from annotate.corpus.reader import Document  # noqa: E402
from annotate.preannotation.matchers import PatternPreannotator, prediction  # noqa: E402
from annotate.scheme.label_config import label_config  # noqa: E402
from annotate.scheme.schema import load_schema  # noqa: E402
from annotate.studio.connection import Connection, connect  # noqa: E402
from annotate.studio.push import push, task_data  # noqa: E402
from annotate.studio.server import free_port, read_credentials, start_server, stop_server  # noqa: E402

PEOPLE = ["Vladimir Putin", "Hassan Rouhani", "Sergei Lavrov", "Mehdi Sanai", "Ali Shamkhani", "Anna Petrova"]
PLACES = ["Iran", "Russia", "Tehran", "Moscow", "Bushehr", "Isfahan", "Syria", "Israel"]
ORGS = ["TASS", "IAEA", "Almaz-Antey", "Rostec", "Reuters", "the Kremlin"]
WEAPONS = ["S-300", "S-300PMU-2", "S-400", "Su-35", "MiG-29", "T-90A", "Tor-M1"]
WHEN = ["on Thursday", "in mid November", "late last month", "in April 2016", "in 2007", "on Monday"]


def article(rng: random.Random, number: int) -> str:
    sentences = []
    for _ in range(rng.randint(12, 18)):
        sentences.append(
            f"{rng.choice(PEOPLE)} told {rng.choice(ORGS)} {rng.choice(WHEN)} that {rng.choice(PLACES)} "
            f"would receive {rng.randint(2, 40)} systems of the {rng.choice(WEAPONS)} with a range of "
            f"{rng.randint(50, 400)} km, while officials in {rng.choice(PLACES)} called the deal "
            f"{rng.choice(['essential', 'dangerous', 'a breach', 'well ahead of schedule'])}.")
    paragraphs = [" ".join(sentences[i:i + 4]) for i in range(0, len(sentences), 4)]
    return f"Arms report {number}\r\n\r\n" + "\r\n\r\n".join(paragraphs) + "\r\n"


def documents(count: int) -> list[Document]:
    rng = random.Random(20151122)
    found = []
    for number in range(count):
        text = article(rng, number)
        found.append(Document(id=f"bench-{number:05d}", title=f"Arms report {number}", text=text,
                              source="bench.jsonl", sha256=hashlib.sha256(text.encode()).hexdigest(),
                              line=number + 1))
    return found


def prepared_tasks(schema, corpus: list[Document]) -> list[dict]:
    """The tasks push would send for ``corpus``: data and pattern pre-annotations."""
    preannotator = PatternPreannotator(schema)
    prepared = []
    for document in corpus:
        task = {"data": task_data(document)}
        found = prediction(preannotator, document.text)
        if found:
            task["predictions"] = [found]
        prepared.append(task)
    return prepared


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    schema = load_schema(ROOT / "schemas" / "arms_news.yaml")
    corpus = documents(args.documents)
    prepared = prepared_tasks(schema, corpus)
    spans = sum(len(task.get("predictions", [{}])[0].get("result", [])) for task in prepared)
    chars = sum(len(d.text) for d in corpus)
    print(f"{len(corpus)} articles, {chars / len(corpus):,.0f} characters each on average, "
          f"{spans / len(corpus):.1f} pre-annotated spans each")

    with tempfile.TemporaryDirectory(prefix="bench-push-") as folder:
        data_dir = Path(folder) / "labelstudio"
        print("starting Label Studio ...", flush=True)
        info = start_server(data_dir, port=free_port())
        try:
            credentials = read_credentials(data_dir)
            client = connect(Connection(url=info.url, api_key=credentials.api_key), timeout=600)
            warm = client.projects.create(title="warm-up", label_config=label_config(schema))
            client.projects.import_tasks(id=warm.id, request=prepared[:20])

            raw_best = push_best = float("inf")
            for run in range(args.repeat):
                project = client.projects.create(title=f"raw-{run}", label_config=label_config(schema))
                started = time.perf_counter()
                client.projects.import_tasks(id=project.id, request=prepared,
                                             request_options={"timeout_in_seconds": 600})
                raw_best = min(raw_best, time.perf_counter() - started)

                started = time.perf_counter()
                result = push(client=client, schema=schema, documents=corpus, project_title=f"push-{run}",
                              data_dir=Path(folder) / "push")
                push_best = min(push_best, time.perf_counter() - started)
                assert result.imported == len(corpus) and result.predictions == len(prepared)
        finally:
            stop_server(data_dir)

    raw_rate, push_rate = len(corpus) / raw_best, len(corpus) / push_best
    print(f"raw import_tasks (one request): {raw_rate:8.1f} tasks/s  ({raw_best:.2f} s)")
    print(f"annotate push (end to end):     {push_rate:8.1f} tasks/s  ({push_best:.2f} s)")
    ratio = push_rate / raw_rate
    print(f"push / raw: {ratio:.2f} (target >= 0.80){'' if ratio >= 0.8 else '  BELOW TARGET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
