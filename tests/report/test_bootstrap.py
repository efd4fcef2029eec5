"""Every agreement figure of the report has a 95% bootstrap confidence interval over documents."""

from __future__ import annotations

from pathlib import Path

import numpy
from export_data import realistic_export, write_export

from annotate.report.bootstrap import RESAMPLES, interval, with_intervals
from annotate.report.build import agreement_summary, build_report
from annotate.report.html import render_html

FIGURE_KEYS = ("f1", "value", "agreement")


def figure_blocks(block, path=""):
    """Every mapping holding an agreement figure, with its path."""
    if isinstance(block, dict):
        if any(key in block for key in FIGURE_KEYS):
            yield path, block
        for key, value in block.items():
            yield from figure_blocks(value, f"{path}/{key}")
    elif isinstance(block, list):
        for index, item in enumerate(block):
            yield from figure_blocks(item, f"{path}[{index}]")


def test_the_interval_is_the_percentile_interval_numpy_computes():
    values = [0.1, 0.9, 0.35, 0.5, 0.72, 0.64, 0.2, 0.8, 0.45, 0.33, 0.61]
    low, high = interval(values)
    assert numpy.allclose((low, high), numpy.percentile(values, [2.5, 97.5]), rtol=0, atol=1e-12)


def test_resampling_is_seeded_over_units_and_every_figure_gets_an_interval():
    units = [1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0]

    def mean(drawn):
        return {"share": {"value": sum(drawn) / len(drawn)}, "pairs": [{"annotators": ["a", "b"], "value": 1.0}]}

    first = with_intervals(mean(units), units, mean)
    assert first == with_intervals(mean(units), units, mean)  # a fixed seed: the same report every time
    low, high = first["share"]["ci95"]
    assert 0.0 <= low < 0.75 < high <= 1.0
    assert first["pairs"][0]["ci95"] == [1.0, 1.0]
    assert with_intervals(mean(units), [], mean)["share"]["ci95"] is None  # nothing to resample


def test_the_report_json_html_and_card_summary_carry_the_intervals(tmp_path, schema):
    report = build_report(write_export(Path(tmp_path) / "raw.json", realistic_export(fillers=2)), schema)
    blocks = list(figure_blocks(report.figures["agreement"]))
    assert len(blocks) > 10
    for path, block in blocks:
        key = next(key for key in FIGURE_KEYS if key in block)
        assert "ci95" in block, path
        if block[key] is None:
            assert block["ci95"] is None, path
        elif block["ci95"] is not None:
            low, high = block["ci95"]
            assert -1.0 <= low <= high <= 1.0, path
    overall = report.figures["agreement"]["entities"]["overall"]["exact"]
    page = render_html(report.figures)
    assert f"{overall['f1']:.3f} [{overall['ci95'][0]:.3f}, {overall['ci95'][1]:.3f}]" in page
    assert f"bootstrap confidence interval ({RESAMPLES:,} resamples" in page
    markdown = agreement_summary(report)["markdown"]
    assert f"{overall['f1']:.3f} [{overall['ci95'][0]:.3f}, {overall['ci95'][1]:.3f}]" in markdown
