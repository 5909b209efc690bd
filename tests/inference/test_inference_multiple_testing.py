"""Questions about Bonferroni and Benjamini–Hochberg."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests

from mlfund import inference as inf

SETTINGS = settings(max_examples=80, deadline=None)


def _pvalue_sets():
    rng = np.random.default_rng(50)
    sets = []
    for _ in range(200):
        m = int(rng.choice([1, 2, 5, 20, 200]))
        signal = rng.uniform(size=m) < rng.uniform()
        p = np.where(signal, rng.uniform(0, 0.01, size=m), rng.uniform(size=m))
        sets.append((p, float(rng.choice([0.01, 0.05, 0.1, 0.2]))))
    sets.append((np.array([0.0, 1.0, 0.5, 0.5]), 0.05))  # ties and edges
    return sets


@pytest.mark.parametrize(("ours", "theirs"), [(inf.bonferroni, "bonferroni"),
                                               (inf.benjamini_hochberg, "fdr_bh")])
def test_does_it_match_statsmodels_multipletests(ours, theirs):
    for p, alpha in _pvalue_sets():
        res = ours(p, alpha=alpha)
        reject, adjusted, *_ = multipletests(p, alpha=alpha, method=theirs)
        np.testing.assert_array_equal(res.reject, reject)
        np.testing.assert_allclose(res.pvalues_adjusted, adjusted, rtol=1e-12, atol=1e-15)


def test_does_bh_match_scipy_false_discovery_control():
    for p, _ in _pvalue_sets():
        np.testing.assert_allclose(inf.benjamini_hochberg(p).pvalues_adjusted,
                                   stats.false_discovery_control(p, method="bh"), rtol=1e-12)


def _slow_bh_reject(p: np.ndarray, alpha: float) -> np.ndarray:
    m = len(p)
    ranked = sorted(range(m), key=lambda i: p[i])
    largest = 0
    for rank, i in enumerate(ranked, start=1):
        if p[i] <= rank * alpha / m:
            largest = rank
    reject = np.zeros(m, dtype=bool)
    for i in ranked[:largest]:
        reject[i] = True
    return reject


pvalue_lists = st.lists(st.floats(0, 1), min_size=1, max_size=50)


@SETTINGS
@given(pvalue_lists, st.floats(0.001, 0.5), st.randoms())
def test_are_decisions_permutation_equivariant_and_bh_rejects_at_least_bonferroni(p, alpha,
                                                                                   random):
    arr = np.array(p)
    bh, bonf = inf.benjamini_hochberg(p, alpha=alpha), inf.bonferroni(arr, alpha=alpha)
    np.testing.assert_array_equal(bh.reject, _slow_bh_reject(arr, alpha))
    assert np.all(bh.reject[bonf.reject])
    assert np.all(bh.pvalues_adjusted >= arr) and np.all(bonf.pvalues_adjusted >= arr)
    assert np.all(bh.pvalues_adjusted <= bonf.pvalues_adjusted + 1e-15)
    perm = list(range(len(p)))
    random.shuffle(perm)
    shuffled = inf.benjamini_hochberg(arr[perm], alpha=alpha)
    np.testing.assert_array_equal(shuffled.reject, bh.reject[perm])
    np.testing.assert_allclose(shuffled.pvalues_adjusted, bh.pvalues_adjusted[perm])


def test_does_bh_control_the_fdr_in_simulation():
    rng = np.random.default_rng(51)
    fdp = []
    for _ in range(2000):
        null = rng.uniform(size=80)
        alt = stats.norm.sf(rng.normal(3, 1, size=20))
        res = inf.benjamini_hochberg(np.concatenate([null, alt]), alpha=0.1)
        fdp.append(res.reject[:80].sum() / max(res.reject.sum(), 1))
    assert np.mean(fdp) <= 0.1 * 0.8 + 0.01  # FDR <= alpha * m0 / m


@pytest.mark.parametrize("procedure", [inf.bonferroni, inf.benjamini_hochberg])
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"pvalues": [0.1, 1.2]}, ValueError, "between 0 and 1; found 1.2"),
        ({"pvalues": [-0.1]}, ValueError, "pvalues"),
        ({"pvalues": [0.1, np.nan]}, ValueError, "NaN"),
        ({"pvalues": []}, ValueError, "pvalues"),
        ({"pvalues": [[0.1, 0.2]]}, ValueError, "1-dimensional"),
        ({"pvalues": [0.1], "alpha": 0.0}, ValueError, "alpha"),
        ({"pvalues": ["x"]}, TypeError, "pvalues"),
    ],
)
def test_is_bad_input_refused_with_a_message_naming_it(procedure, kwargs, error, match):
    options = dict(kwargs)
    p = options.pop("pvalues")
    with pytest.raises(error, match=match):
        procedure(p, **options)
