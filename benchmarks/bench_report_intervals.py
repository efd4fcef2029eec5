"""What the 95% bootstrap intervals cost ``annotate report``, against the report without them.

    .venv/bin/python benchmarks/bench_report_intervals.py [--documents 200] [--repeat 3]

Writes a Label Studio JSON export of ``--documents`` articles, each completed by two or three
annotators who partly disagree (tests/export_data.py), and times, in this one process,
``build_report`` with its agreement figures computed once (the baseline: intervals switched off)
and ``build_report`` as it runs (1,000 resamples of the documents); prints the medians and their
ratio. The ratio grows with nothing but the number of resamples; absolute times on a shared
machine mean little.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from export_data import israel_document, moscow_document, write_export  # noqa: E402

import annotate.report.figures as figures  # noqa: E402
from annotate.report.build import build_report  # noqa: E402
from annotate.scheme.schema import load_schema  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    schema = load_schema(ROOT / "schemas" / "arms_news.yaml")
    make = (moscow_document, israel_document)
    tasks = [make[n % 2](task_id=n + 1, document_id=f"doc-{n}") for n in range(args.documents)]
    with tempfile.TemporaryDirectory() as folder:
        path = write_export(Path(folder) / "raw.json", tasks)
        with_intervals = figures.with_intervals
        plain, full = [], []
        for round_number in range(1, args.repeat + 1):
            figures.with_intervals = lambda computed, units, compute, **options: computed
            start = time.perf_counter()
            build_report(path, schema)
            plain.append(time.perf_counter() - start)
            figures.with_intervals = with_intervals
            start = time.perf_counter()
            build_report(path, schema)
            full.append(time.perf_counter() - start)
            print(f"round {round_number}: without intervals {plain[-1]:.2f} s, with {full[-1]:.2f} s")
    base, boot = statistics.median(plain), statistics.median(full)
    print(f"{args.documents} documents compared: report without intervals {base:.2f} s, "
          f"with 1,000 resamples {boot:.2f} s: ratio {boot / base:.1f}")


if __name__ == "__main__":
    main()
