"""Questions about ratio metrics (delta method) and CUPED."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.linear_model import LinearRegression

from mlfund import inference as inf

SETTINGS = settings(max_examples=60, deadline=None)


# --- delta method ------------------------------------------------------------------------


def _gradient_form(x: np.ndarray, y: np.ndarray) -> float:
    """grad g^T Sigma grad g / n with g(a, b) = a / b: the textbook derivation."""
    mx, my = x.mean(), y.mean()
    grad = np.array([1 / my, -mx / my**2])
    return float(grad @ np.cov(np.vstack([x, y])) @ grad / len(x))


def _linearised(x: np.ndarray, y: np.ndarray) -> float:
    """Var of the influence values x_i/m_y - m_x y_i/m_y**2, divided by n."""
    mx, my = x.mean(), y.mean()
    return float(np.var(x / my - mx * y / my**2, ddof=1) / len(x))


def test_does_the_delta_method_match_the_gradient_and_linearised_forms():
    rng = np.random.default_rng(60)
    for _ in range(50):
        n = int(rng.choice([2, 5, 50, 1000]))
        y = rng.poisson(rng.uniform(1, 20), size=n) + 1.0
        x = rng.binomial(y.astype(int), rng.uniform(0.05, 0.9)).astype(float)
        got = inf.delta_method_ratio_variance(x, y)
        assert got == pytest.approx(_gradient_form(x, y), rel=1e-9)
        assert got == pytest.approx(_linearised(x, y), rel=1e-9)


def test_does_the_delta_method_predict_the_spread_of_simulated_ratios():
    rng = np.random.default_rng(61)
    n, reps = 500, 4000
    mean = np.array([2.0, 10.0])
    cov = np.array([[1.0, 1.5], [1.5, 4.0]])
    draws = rng.multivariate_normal(mean, cov, size=(reps, n))
    ratios = draws[..., 0].mean(axis=1) / draws[..., 1].mean(axis=1)
    # true-parameter delta-method variance
    expected = (cov[0, 0] / mean[1] ** 2 - 2 * mean[0] * cov[0, 1] / mean[1] ** 3
                + mean[0] ** 2 * cov[1, 1] / mean[1] ** 4) / n
    assert np.var(ratios) == pytest.approx(expected, rel=0.08)
    one = draws[0]
    assert inf.delta_method_ratio_variance(one[:, 0], one[:, 1]) == pytest.approx(expected,
                                                                                 rel=0.2)


pairs = st.lists(st.tuples(st.integers(0, 50), st.integers(1, 60)), min_size=2, max_size=40)


@SETTINGS
@given(pairs, st.randoms())
def test_is_the_delta_method_invariant_to_reordering_units_and_list_input(units, random):
    x = [float(a) for a, _ in units]
    y = [float(b) for _, b in units]
    got = inf.delta_method_ratio_variance(x, y)
    shuffled = list(units)
    random.shuffle(shuffled)
    again = inf.delta_method_ratio_variance(np.array([a for a, _ in shuffled], float),
                                            np.array([b for _, b in shuffled], float))
    assert got >= -1e-12
    assert again == pytest.approx(got, rel=1e-9, abs=1e-15)


# --- CUPED -------------------------------------------------------------------------------


def test_is_theta_the_ols_slope_and_the_factor_the_variance_ratio():
    rng = np.random.default_rng(62)
    for _ in range(50):
        n = int(rng.choice([3, 10, 200, 5000]))
        x = rng.gamma(2.0, 10.0, size=n)
        y = rng.uniform(0, 2) * x + rng.normal(0, rng.uniform(0.1, 30), size=n)
        res = inf.cuped(y, x)
        slope = LinearRegression().fit(x.reshape(-1, 1), y).coef_[0]
        assert res.theta == pytest.approx(slope, rel=1e-8)
        assert res.correlation == pytest.approx(stats.pearsonr(y, x).statistic, rel=1e-9)
        assert res.variance_factor == pytest.approx(
            np.var(res.adjusted, ddof=1) / np.var(y, ddof=1), rel=1e-8, abs=1e-12
        )
        assert res.adjusted.mean() == pytest.approx(y.mean(), rel=1e-9)
        assert 0.0 <= res.variance_factor <= 1.0


@SETTINGS
@given(st.lists(st.tuples(st.integers(-100, 100), st.integers(-100, 100)), min_size=3,
                max_size=40), st.floats(0.1, 100))
def test_is_the_cuped_factor_invariant_to_rescaling_x(units, scale):
    y = np.array([float(a) for a, _ in units])
    x = np.array([float(b) for _, b in units])
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return
    res, scaled = inf.cuped(y, x), inf.cuped(list(y), list(x * scale))
    assert scaled.variance_factor == pytest.approx(res.variance_factor, abs=1e-9)
    assert scaled.theta * scale == pytest.approx(res.theta, rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(scaled.adjusted, res.adjusted, rtol=1e-9, atol=1e-9)


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: inf.delta_method_ratio_variance([1.0, 2.0], [1.0, 2.0, 3.0]), ValueError,
         "same length"),
        (lambda: inf.delta_method_ratio_variance([1.0, 2.0], [1.0, -1.0]), ValueError,
         "mean 0"),
        (lambda: inf.delta_method_ratio_variance([1.0], [1.0]), ValueError, "at least 2"),
        (lambda: inf.delta_method_ratio_variance([1.0, np.nan], [1.0, 2.0]), ValueError,
         "numerator"),
        (lambda: inf.cuped([1.0, 2.0, 3.0], [1.0, 1.0, 1.0]), ValueError, "x is constant"),
        (lambda: inf.cuped([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]), ValueError, "y is constant"),
        (lambda: inf.cuped([1.0, 2.0], [1.0, 2.0, 3.0]), ValueError, "same length"),
        (lambda: inf.cuped([1.0, np.inf], [1.0, 2.0]), ValueError, "y"),
    ],
)
def test_is_bad_input_refused_with_a_message_naming_it(call, error, match):
    with pytest.raises(error, match=match):
        call()
