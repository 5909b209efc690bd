"""Log loss, Brier score, reliability curve, ECE and Platt scaling, cross-checked."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.calibration import _sigmoid_calibration, calibration_curve

from mlfund.evaluation import (
    PlattScaling,
    ReliabilityCurve,
    brier_score_loss,
    expected_calibration_error,
    log_loss,
    platt_scaling,
    reliability_curve,
)

RNG = np.random.default_rng(99)


def _random_case(rng) -> tuple[np.ndarray, np.ndarray]:
    n = int(rng.integers(2, 80))
    p = rng.random(n)
    if rng.random() < 0.3:  # many repeated values, exactly on bin edges
        p = rng.choice([0.0, 0.1, 0.2, 0.5, 0.8, 1.0], size=n)
    y = (rng.random(n) < p).astype(int)
    y[:2] = [0, 1]
    return y, p


CASES = [_random_case(RNG) for _ in range(200)]


def slow_ece(y, p, edges) -> float:
    """Loop over bins (lo, hi] (the first also holds lo), as calibration_curve bins."""
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    total = 0.0
    for b in range(len(edges) - 1):
        lo, hi = edges[b], edges[b + 1]
        last = b == len(edges) - 2
        inside = ((p > lo) | ((b == 0) & (p >= lo))) & ((p <= hi) | last)
        if inside.any():
            total += inside.sum() / p.size * abs(y[inside].mean() - p[inside].mean())
    return total


def test_log_loss_and_brier_match_sklearn():
    """Do log loss and Brier agree with sklearn on random cases?"""
    for y, p in CASES:
        assert log_loss(y, p) == pytest.approx(skm.log_loss(y, p), rel=1e-12)
        assert brier_score_loss(y, p) == pytest.approx(skm.brier_score_loss(y, p), rel=1e-12)


def test_log_loss_clipping_is_documented_value():
    """Does a confident miss cost -log(eps), with eps the documented machine epsilon?"""
    eps = np.finfo(float).eps
    assert log_loss([1], [0.0]) == pytest.approx(-np.log(eps))
    assert log_loss([0, 1], [1.0, 0.0]) == pytest.approx(skm.log_loss([0, 1], [1.0, 0.0]))
    assert log_loss([1], [0.0], eps=1e-3) == pytest.approx(-np.log(1e-3))
    assert log_loss([1, 0], [1.0, 0.0]) == pytest.approx(-np.log1p(-eps))
    assert log_loss([1, 0], [0.5, 0.5]) == pytest.approx(np.log(2))


def test_one_class_probabilistic_losses_are_defined():
    """Are log loss and Brier (unlike AUC) defined when y_true has one class?"""
    assert log_loss([1, 1], [0.5, 0.25]) == pytest.approx((np.log(2) + np.log(4)) / 2)
    assert brier_score_loss([0, 0], [0.5, 0.25]) == pytest.approx((0.25 + 0.0625) / 2)


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@pytest.mark.parametrize("n_bins", [1, 3, 5, 10])
def test_reliability_curve_matches_sklearn_calibration_curve(strategy, n_bins):
    """Are the points sklearn's calibration_curve, and the ECE the slow bin loop?"""
    for y, p in CASES:
        curve = reliability_curve(y, p, n_bins=n_bins, strategy=strategy)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prob_true, prob_pred = calibration_curve(y, p, n_bins=n_bins, strategy=strategy)
        np.testing.assert_allclose(curve.fraction_positive, prob_true, atol=1e-12)
        np.testing.assert_allclose(curve.mean_predicted, prob_pred, atol=1e-12)
        assert curve.counts.sum() == len(y)
        assert np.all(curve.bin_low <= curve.mean_predicted + 1e-12)
        assert np.all(curve.mean_predicted <= curve.bin_high + 1e-12)
        edges = (np.linspace(0, 1, n_bins + 1) if strategy == "uniform"
                 else np.percentile(p, np.linspace(0, 1, n_bins + 1) * 100))
        ece = expected_calibration_error(y, p, n_bins=n_bins, strategy=strategy)
        assert ece == pytest.approx(slow_ece(y, p, edges), abs=1e-12)


def test_ece_of_perfectly_calibrated_bins_is_zero():
    """Is ECE 0 when each bin's frequency equals its prediction, and results frozen?"""
    y = [1, 0, 0, 0, 0, 1, 1, 1, 1, 0]
    p = [0.2] * 5 + [0.8] * 5
    assert expected_calibration_error(y, p, n_bins=5) == pytest.approx(0.0)
    curve = reliability_curve(y, p, n_bins=5)
    assert isinstance(curve, ReliabilityCurve)
    with pytest.raises(ValueError, match="read-only"):
        curve.counts[0] = 3


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.floats(0, 1)), min_size=1, max_size=50),
       st.integers(1, 12), st.sampled_from(["uniform", "quantile"]))
def test_ece_bounds(pairs, n_bins, strategy):
    """Is ECE in [0, 1] and never more than the mean absolute error |y - p|?"""
    y = [a for a, _ in pairs]
    p = [b for _, b in pairs]
    ece = expected_calibration_error(y, p, n_bins=n_bins, strategy=strategy)
    assert 0.0 <= ece <= 1.0
    assert ece <= np.mean(np.abs(np.asarray(y) - np.asarray(p))) + 1e-12


def _platt_data(rng, n, slope, intercept):
    s = rng.normal(0, 2, size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(slope * s + intercept)))).astype(int)
    return y, s


@pytest.mark.parametrize("seed", range(8))
def test_platt_scaling_matches_statsmodels_logit(seed):
    """Is the plain fit statsmodels' maximum-likelihood logistic regression?"""
    import statsmodels.api as sm

    rng = np.random.default_rng(seed)
    y, s = _platt_data(rng, int(rng.integers(20, 400)), rng.uniform(-2, 2), rng.normal())
    s = s * 10 ** rng.uniform(-2, 3) + rng.normal(0, 100)  # any scale and location
    pos, neg = s[y == 1], s[y == 0]
    if pos.size == 0 or neg.size == 0 or neg.max() <= pos.min() or pos.max() <= neg.min():
        pytest.skip("one class or separable scores drawn: the MLE does not exist")
    fit = platt_scaling(y, s)
    ref = sm.Logit(y, sm.add_constant(s)).fit(disp=0, method="newton", tol=1e-10, maxiter=200)
    assert ref.mle_retvals["converged"]
    intercept, slope = ref.params
    assert fit.slope == pytest.approx(slope, rel=1e-6)
    assert fit.intercept == pytest.approx(intercept, rel=1e-6, abs=1e-8)
    np.testing.assert_allclose(fit.predict_proba(s), ref.predict(sm.add_constant(s)),
                               rtol=1e-6)


@pytest.mark.parametrize("seed", range(8))
def test_platt_scaling_with_prior_correction_matches_sklearn(seed):
    """With Platt's smoothed targets, is the fit sklearn's sigmoid calibration?"""
    rng = np.random.default_rng(100 + seed)
    y, s = _platt_data(rng, int(rng.integers(10, 300)), rng.uniform(0.5, 3), rng.normal())
    y[:2] = [0, 1]
    fit = platt_scaling(y, s, prior_correction=True)
    a, b = _sigmoid_calibration(s, y)  # sklearn: P = 1 / (1 + exp(a s + b))
    assert fit.slope == pytest.approx(-a, rel=1e-4, abs=1e-5)
    assert fit.intercept == pytest.approx(-b, rel=1e-4, abs=1e-5)
    assert fit.prior_correction is True


def test_platt_scaling_prior_correction_handles_separable_scores():
    """Does prior correction fit separable scores that the plain MLE refuses?"""
    y, s = [0, 0, 0, 1, 1, 1], [-3.0, -2.0, -1.0, 1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match="separates the classes.*prior_correction=True"):
        platt_scaling(y, s)
    with pytest.raises(ValueError, match="separates the classes"):
        platt_scaling([0, 0, 1, 1], [1.0, 2.0, 2.0, 3.0])  # quasi-separation at a tie
    fit = platt_scaling(y, s, prior_correction=True)
    assert isinstance(fit, PlattScaling) and fit.slope > 0
    proba = fit.predict_proba(s)
    assert np.all((proba > 0) & (proba < 1))


def test_platt_scaling_recovers_the_generating_model():
    """On many examples, does the fit recover the slope and intercept that made them?"""
    rng = np.random.default_rng(5)
    y, s = _platt_data(rng, 50_000, 0.7, -0.4)
    fit = platt_scaling(y, s)
    assert fit.slope == pytest.approx(0.7, abs=0.03)
    assert fit.intercept == pytest.approx(-0.4, abs=0.03)


def test_platt_scaling_bad_input():
    """Are one class, constant scores and bad options refused by name?"""
    with pytest.raises(ValueError, match="y_true must contain both classes"):
        platt_scaling([1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="y_score must contain at least two distinct"):
        platt_scaling([0, 1, 0], [0.5, 0.5, 0.5])
    with pytest.raises(TypeError, match="prior_correction"):
        platt_scaling([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.05], prior_correction="yes")
    with pytest.raises(ValueError, match=r"max_iter \(0\) must be >= 1"):
        platt_scaling([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.05], max_iter=0)
    with pytest.raises(ValueError, match=r"tol \(-1.0\) must be > 0"):
        platt_scaling([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.05], tol=-1.0)
    with pytest.raises(RuntimeError, match="did not converge in max_iter"):
        platt_scaling([0, 1, 0, 1, 1], [0.1, 0.2, 0.3, 0.05, 0.4], max_iter=1, tol=1e-300)
    fit = platt_scaling([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.05])
    with pytest.raises(ValueError, match="y_score must contain only finite"):
        fit.predict_proba([np.nan])


@pytest.mark.parametrize("fn", [log_loss, brier_score_loss, expected_calibration_error,
                                reliability_curve])
def test_probability_input_is_validated(fn):
    """Are probabilities outside [0, 1], NaN and mismatched lengths refused by name?"""
    with pytest.raises(ValueError, match=r"y_prob must contain probabilities between 0 and 1"):
        fn([0, 1], [0.5, 1.5])
    with pytest.raises(ValueError, match="y_prob must contain probabilities.*-0.1"):
        fn([0, 1], [-0.1, 0.5])
    with pytest.raises(ValueError, match="y_prob must contain only finite"):
        fn([0, 1], [np.nan, 0.5])
    with pytest.raises(ValueError, match="y_true has 2, y_prob has 1"):
        fn([0, 1], [0.5])
    with pytest.raises(ValueError, match="y_true must contain only the labels"):
        fn([0, 3], [0.5, 0.5])


def test_binning_options_are_validated():
    """Are a bad n_bins, strategy and eps refused, listing what is allowed?"""
    with pytest.raises(ValueError, match=r"n_bins \(0\) must be >= 1"):
        reliability_curve([0, 1], [0.2, 0.8], n_bins=0)
    with pytest.raises(ValueError, match=r"strategy \('equal'\) must be one of 'uniform' or "
                                         r"'quantile'"):
        expected_calibration_error([0, 1], [0.2, 0.8], strategy="equal")
    with pytest.raises(ValueError, match=r"eps \(0.0\) must be strictly between 0 and 0.5"):
        log_loss([0, 1], [0.2, 0.8], eps=0.0)
    with pytest.raises(TypeError, match="eps .* must be a real number"):
        log_loss([0, 1], [0.2, 0.8], eps=None)
