"""The agreement measures, checked against scikit-learn, the ``krippendorff`` package, a published
worked example (Fleiss 1971 as tabulated on Wikipedia) and hand-made span cases."""

from __future__ import annotations

import math
import warnings
from itertools import permutations

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from annotate.report.agreement import (
    SpanCounts,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha_nominal,
    match_spans,
    overlaps,
    pairwise_agreement,
    span_agreement,
)

VALUES = ("FAVOR", "AGAINST", "NONE")

# Fleiss (1971) as tabulated in Wikipedia's "Fleiss' kappa" article: 10 subjects, 14 raters,
# 5 categories; rows are the number of raters who put the subject in each category.
FLEISS_TABLE = [
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
]
FLEISS_PUBLISHED_KAPPA = 0.210


def _matches_reference(mine: float | None, reference: float) -> bool:
    if mine is None:
        return math.isnan(reference)
    return mine == pytest.approx(reference, abs=1e-9)


# -- Cohen's kappa ------------------------------------------------------------------------------

pairs_of_ratings = st.lists(st.tuples(st.sampled_from(VALUES), st.sampled_from(VALUES)), min_size=1, max_size=60)


@settings(max_examples=300, deadline=None)
@given(pairs_of_ratings)
def test_cohen_kappa_equals_scikit_learn(pairs):
    first, second = [a for a, _ in pairs], [b for _, b in pairs]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = cohen_kappa_score(first, second)
    assert _matches_reference(cohen_kappa(first, second), reference)


def test_cohen_kappa_is_one_for_identical_varied_ratings_and_undefined_for_one_value():
    assert cohen_kappa(["FAVOR", "NONE", "AGAINST"], ["FAVOR", "NONE", "AGAINST"]) == pytest.approx(1.0)
    assert cohen_kappa(["NONE", "NONE"], ["NONE", "NONE"]) is None
    assert cohen_kappa([], []) is None


def test_cohen_kappa_refuses_ratings_of_different_items():
    with pytest.raises(ValueError, match="rate the same items"):
        cohen_kappa(["FAVOR"], ["FAVOR", "NONE"])


# -- Fleiss' kappa ------------------------------------------------------------------------------


def test_fleiss_kappa_reproduces_the_published_worked_example():
    items = [[category for category, count in enumerate(row) for _ in range(count)] for row in FLEISS_TABLE]
    assert round(fleiss_kappa(items), 3) == FLEISS_PUBLISHED_KAPPA


def test_fleiss_kappa_does_not_depend_on_which_rater_gave_which_rating():
    items = [[category for category, count in enumerate(row) for _ in range(count)] for row in FLEISS_TABLE]
    shuffled = [list(reversed(item)) for item in reversed(items)]
    assert fleiss_kappa(shuffled) == pytest.approx(fleiss_kappa(items))


def test_fleiss_kappa_is_one_for_full_agreement_and_undefined_for_one_value():
    assert fleiss_kappa([["FAVOR"] * 3, ["NONE"] * 3, ["AGAINST"] * 3]) == pytest.approx(1.0)
    assert fleiss_kappa([["NONE"] * 3, ["NONE"] * 3]) is None
    assert fleiss_kappa([]) is None


def test_fleiss_kappa_refuses_items_with_different_numbers_of_ratings():
    with pytest.raises(ValueError, match="same number"):
        fleiss_kappa([["FAVOR", "NONE"], ["FAVOR", "NONE", "NONE"]])


# -- Krippendorff's alpha -----------------------------------------------------------------------

reliability_data = st.integers(min_value=2, max_value=5).flatmap(
    lambda raters: st.lists(
        st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=2)), min_size=raters, max_size=raters),
        min_size=1, max_size=25,
    )
)


@settings(max_examples=300, deadline=None)
@given(reliability_data)
def test_krippendorff_alpha_equals_the_krippendorff_package(units):
    mine = krippendorff_alpha_nominal([[value for value in unit if value is not None] for unit in units])
    matrix = np.array([[np.nan if value is None else value for value in unit] for unit in units], dtype=float).T
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reference = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal",
                                           value_domain=[0, 1, 2])
        except ValueError:  # no unit rated twice: the package refuses, we answer None
            reference = math.nan
    assert _matches_reference(mine, reference)


def test_krippendorff_alpha_ignores_units_rated_once():
    units = [["FAVOR", "FAVOR"], ["NONE", "AGAINST"], ["AGAINST", "AGAINST", "NONE"]]
    assert krippendorff_alpha_nominal(units + [["FAVOR"], []]) == pytest.approx(krippendorff_alpha_nominal(units))
    assert krippendorff_alpha_nominal([["FAVOR"], ["NONE"]]) is None


def test_pairwise_agreement_counts_agreeing_pairs_of_ratings():
    # unit 1: one pair, agreeing; unit 2: three pairs, one agreeing.
    assert pairwise_agreement([["FAVOR", "FAVOR"], ["NONE", "NONE", "AGAINST"]]) == pytest.approx(2 / 4)
    assert pairwise_agreement([["FAVOR"]]) is None


# -- spans --------------------------------------------------------------------------------------


def test_identical_spans_agree_fully_in_both_modes():
    spans = [(0, 5), (10, 20)]
    for overlap in (False, True):
        counts = span_agreement(spans, list(reversed(spans)), overlap=overlap)
        assert (counts.matched, counts.spans, counts.f1) == (2, 4, 1.0)


def test_shifted_boundaries_match_only_when_overlap_counts():
    left, right = [(0, 14)], [(9, 14)]  # "Vladimir Putin" against "Putin"
    assert span_agreement(left, right, overlap=False).f1 == 0.0
    assert span_agreement(left, right, overlap=True).f1 == 1.0


def test_touching_spans_do_not_overlap():
    assert not overlaps((0, 5), (5, 9))
    assert span_agreement([(0, 5)], [(5, 9)], overlap=True).matched == 0


def test_one_long_span_matches_only_one_of_two_short_spans():
    counts = span_agreement([(0, 20)], [(0, 5), (10, 20)], overlap=True)
    assert counts.matched == 1
    assert counts.f1 == pytest.approx(2 / 3)


def test_duplicate_spans_are_matched_one_to_one():
    assert span_agreement([(0, 5), (0, 5)], [(0, 5)], overlap=False).matched == 1


def test_overlap_matching_is_maximal_where_a_greedy_choice_is_not():
    # (0, 10) overlaps (2, 8) most, but (1, 3) has no other partner: the best matching pairs
    # (0, 10) with (8, 12) and (1, 3) with (2, 8).
    pairs = match_spans([(0, 10), (1, 3)], [(2, 8), (8, 12)], overlap=True)
    assert sorted(pairs) == [(0, 1), (1, 0)]


def test_overlap_matching_prefers_the_exact_twin():
    assert match_spans([(0, 10)], [(0, 8), (0, 10)], overlap=True) == [(0, 1)]


def test_no_spans_on_either_side_has_no_f1():
    assert span_agreement([], [], overlap=True).f1 is None
    assert (SpanCounts(1, 2) + SpanCounts(0, 2)).f1 == pytest.approx(0.5)


small_spans = st.lists(
    st.tuples(st.integers(0, 30), st.integers(1, 8)).map(lambda p: (p[0], p[0] + p[1])), max_size=5)


def _brute_force_matching_size(left, right, overlap):
    if len(left) > len(right):
        left, right = right, left
    fits = (lambda a, b: overlaps(a, b)) if overlap else (lambda a, b: a == b)
    best = 0
    for chosen in permutations(range(len(right)), len(left)):
        best = max(best, sum(fits(a, right[j]) for a, j in zip(left, chosen)))
    return best


@settings(max_examples=300, deadline=None)
@given(small_spans, small_spans)
def test_span_matching_is_a_largest_one_to_one_matching(left, right):
    for overlap in (False, True):
        pairs = match_spans(left, right, overlap=overlap)
        assert len({i for i, _ in pairs}) == len({j for _, j in pairs}) == len(pairs)
        for i, j in pairs:
            assert overlaps(left[i], right[j]) if overlap else left[i] == right[j]
        assert len(pairs) == _brute_force_matching_size(left, right, overlap)
    assert len(match_spans(left, right, overlap=True)) >= len(match_spans(left, right, overlap=False))
