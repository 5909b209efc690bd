"""Finite differences: against scipy.optimize and known derivatives; the check catches the
catalogued mistakes of the logistic-loss gradient."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize as so
import scipy.special as sc
from hypothesis import given, settings
from hypothesis import strategies as st

from mlfund.optimization import (
    GradientCheckResult,
    gradient_check,
    logistic_loss,
    logistic_loss_gradient,
    numerical_gradient,
    numerical_hessian,
)


def rosen_value(x):
    return float(so.rosen(x))


@pytest.mark.parametrize("seed", range(20))
def test_numerical_gradient_matches_scipy_rosen_der_and_approx_fprime(seed):
    x = np.random.default_rng(seed).uniform(-1.5, 1.5, size=4)
    num = numerical_gradient(rosen_value, x)
    np.testing.assert_allclose(num, so.rosen_der(x), rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(num, so.approx_fprime(x, rosen_value, 1e-7), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("seed", range(20))
def test_numerical_hessian_matches_scipy_rosen_hess(seed):
    x = np.random.default_rng(seed).uniform(-1.5, 1.5, size=4)
    np.testing.assert_allclose(numerical_hessian(so.rosen_der, x), so.rosen_hess(x),
                               rtol=1e-6, atol=1e-4)


def test_gradient_keeps_the_shape_of_a_matrix_argument():
    A = np.arange(6.0).reshape(2, 3)
    g = numerical_gradient(lambda M: float(np.sum(M**2)), A)
    assert g.shape == (2, 3)
    np.testing.assert_allclose(g, 2 * A, atol=1e-6)


def test_result_fields():
    res = gradient_check(lambda x: float(x @ x), lambda x: 2 * x, np.array([1.0, -2.0, 3.0]))
    assert isinstance(res, GradientCheckResult)
    assert res.passed and res.max_abs_error < 1e-7 and res.max_rel_error < 1e-8
    np.testing.assert_allclose(res.numeric_gradient, [2.0, -4.0, 6.0], rtol=1e-8)
    np.testing.assert_array_equal(res.analytic_gradient, [2.0, -4.0, 6.0])
    with pytest.raises(AttributeError):
        res.passed = False


RNG = np.random.default_rng(0)
X = RNG.normal(size=(30, 3))
Y = RNG.integers(0, 2, size=30)
W = RNG.normal(size=3)
MISTAKES = {
    "sign flip (log-likelihood gradient)": lambda w: -X.T @ (sc.expit(X @ w) - Y) / 30,
    "missing 1/n": lambda w: X.T @ (sc.expit(X @ w) - Y),
    "y - p instead of p - y": lambda w: X.T @ (Y - sc.expit(X @ w)) / 30,
    "missing transpose (X @ ... on square-ish data)": lambda w: (
        X[:3, :3] @ (sc.expit(X @ w) - Y)[:3] / 30),
}


@pytest.mark.parametrize("name", list(MISTAKES))
def test_gradient_check_catches_the_catalogued_mistakes(name):
    res = gradient_check(lambda w: logistic_loss(w, X, Y), MISTAKES[name], W)
    assert not res.passed
    assert res.max_rel_error > 0.1


def test_gradient_check_passes_the_reference():
    assert gradient_check(lambda w: logistic_loss(w, X, Y),
                          lambda w: logistic_loss_gradient(w, X, Y), W).passed


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-10, 10), min_size=1, max_size=6),
       st.floats(0.1, 3), st.floats(-2, 2))
def test_check_always_passes_a_correct_gradient(x, a, b):
    def f(v):
        return float(a * np.sum(v**2) + b * np.sum(np.sin(v)))

    def g(v):
        return 2 * a * v + b * np.cos(v)

    assert gradient_check(f, g, x).passed


def test_bad_input_is_refused_with_a_clear_message():
    with pytest.raises(TypeError, match="fun .* must be callable"):
        numerical_gradient(3.0, [1.0])
    with pytest.raises(TypeError, match="gradient .* must be callable"):
        gradient_check(lambda x: 0.0, None, [1.0])
    with pytest.raises(ValueError, match="fun must return one real number"):
        numerical_gradient(lambda x: x, [1.0, 2.0])
    with pytest.raises(ValueError, match="fun must return a finite real number"):
        numerical_gradient(lambda x: float("nan"), [1.0])
    with pytest.raises(ValueError, match=r"step \(0\) must be > 0"):
        numerical_gradient(lambda x: 0.0, [1.0], step=0)
    with pytest.raises(ValueError, match="x must contain only finite numbers"):
        numerical_gradient(lambda x: 0.0, [np.nan])
    with pytest.raises(ValueError, match="gradient must return one value per entry of x"):
        gradient_check(lambda x: float(x @ x), lambda x: [1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="gradient must return 2 value"):
        numerical_hessian(lambda x: [1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"rtol \(-1\) must be >= 0"):
        gradient_check(lambda x: 0.0, lambda x: x, [1.0], rtol=-1)
