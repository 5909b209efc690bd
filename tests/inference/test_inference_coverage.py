"""Questions about the coverage of proportion intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from mlfund import inference as inf


def _slow_coverage(p: float, n: int, level: float, method: str) -> float:
    total = 0.0
    for k in range(n + 1):
        ci = inf.proportion_ci(k, n, confidence_level=level, method=method)
        if ci.low <= p <= ci.high:
            total += stats.binom.pmf(k, n, p)
    return total


@pytest.mark.parametrize("method", inf.PROPORTION_CI_METHODS)
def test_does_the_exact_coverage_match_a_loop_over_proportion_ci(method):
    rng = np.random.default_rng(20)
    for _ in range(8):
        n = int(rng.choice([1, 2, 5, 20, 60]))
        p = float(rng.uniform())
        level = float(rng.choice([0.8, 0.95]))
        got = inf.proportion_ci_coverage(p, n, confidence_level=level, method=method)
        assert got == pytest.approx(_slow_coverage(p, n, level, method), abs=1e-12)


@pytest.mark.parametrize("method", inf.PROPORTION_CI_METHODS)
def test_does_the_simulated_coverage_agree_with_the_exact_one(method):
    for seed, (p, n) in enumerate([(0.1, 20), (0.5, 15), (0.03, 100)]):
        exact = inf.proportion_ci_coverage(p, n, method=method)
        sims = 20_000
        simulated = inf.simulate_proportion_ci_coverage(
            p, n, method=method, n_simulations=sims, random_state=seed
        )
        se = math.sqrt(max(exact * (1 - exact), 1e-4) / sims)
        assert abs(simulated - exact) < 5 * se


def test_is_clopper_pearson_conservative_and_wald_not():
    grid = np.linspace(0.001, 0.999, 199)
    cp = inf.proportion_ci_coverage(grid, 30, method="clopper_pearson")
    assert np.all(cp >= 0.95 - 1e-12)
    wald = inf.proportion_ci_coverage(grid, 30, method="wald")
    assert wald.min() < 0.5  # near p = 0 Wald's coverage collapses
    assert inf.proportion_ci_coverage(0.0, 30, method="wald") == pytest.approx(1.0)


def test_does_an_array_of_p_keep_its_shape_and_a_scalar_give_a_float():
    grid = np.array([[0.1, 0.2], [0.3, 0.4]])
    out = inf.proportion_ci_coverage(grid, 10)
    assert out.shape == (2, 2)
    assert out[1, 0] == pytest.approx(inf.proportion_ci_coverage(0.3, 10))
    assert isinstance(inf.proportion_ci_coverage(0.3, 10), float)
    assert isinstance(inf.proportion_ci_coverage(np.float64(0.3), 10), float)
    np.testing.assert_allclose(inf.proportion_ci_coverage([0.1, 0.2], 10), out[0])


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: inf.proportion_ci_coverage(1.5, 10), ValueError, "p"),
        (lambda: inf.proportion_ci_coverage([0.5, -0.1], 10), ValueError, "p must contain"),
        (lambda: inf.proportion_ci_coverage([0.5, np.nan], 10), ValueError, "NaN"),
        (lambda: inf.proportion_ci_coverage(0.5, 0), ValueError, "n"),
        (lambda: inf.proportion_ci_coverage(0.5, 10, method="score"), ValueError, "method"),
        (lambda: inf.proportion_ci_coverage(0.5, 10, confidence_level=2), ValueError,
         "confidence_level"),
        (lambda: inf.simulate_proportion_ci_coverage(0.5, 10, n_simulations=0), ValueError,
         "n_simulations"),
        (lambda: inf.simulate_proportion_ci_coverage(0.5, 10, random_state=1.5), TypeError,
         "random_state"),
    ],
)
def test_is_bad_input_refused_with_a_message_naming_it(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_is_a_large_n_handled_in_chunks():
    grid = np.array([0.001, 0.3, 0.5])
    out = inf.proportion_ci_coverage(grid, 10**6)
    assert np.all(np.abs(out - 0.95) < 0.01)
