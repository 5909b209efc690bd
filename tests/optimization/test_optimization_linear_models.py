"""Losses of linear models: logistic regression and least squares, and Newton's step.

Cross-checked against scikit-learn (log_loss, LogisticRegression, LinearRegression, Ridge),
numpy's lstsq, scipy.optimize.minimize and finite differences.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize as so
import scipy.special as sc
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import log_loss

from mlfund.optimization import (
    gradient_check,
    logistic_loss,
    logistic_loss_gradient,
    logistic_loss_hessian,
    logistic_newton_step,
    mse_loss,
    mse_loss_gradient,
    mse_loss_hessian,
    newton_step,
    normal_equations_solution,
    numerical_hessian,
)


def _data(seed, n=None, d=None):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 40)) if n is None else n
    d = int(rng.integers(1, 6)) if d is None else d
    X = rng.normal(size=(n, d))
    w = rng.normal(0, 2, size=d)
    y = rng.integers(0, 2, size=n)
    return w, X, y


def _slow_logistic_loss(w, X, y):
    total = 0.0
    for xi, yi in zip(X, y, strict=True):
        p = 1 / (1 + np.exp(-(xi @ w)))
        total += -(yi * np.log(p) + (1 - yi) * np.log(1 - p))
    return total / len(y)


@pytest.mark.parametrize("seed", range(40))
def test_logistic_loss_matches_sklearn_log_loss_and_a_slow_loop(seed):
    w, X, y = _data(seed)
    ours = logistic_loss(w, X, y)
    assert ours == pytest.approx(log_loss(y, sc.expit(X @ w), labels=[0, 1]), rel=1e-9)
    assert ours == pytest.approx(_slow_logistic_loss(w, X, y), rel=1e-9)


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_logistic_gradient_and_hessian_match_finite_differences(seed, l2):
    w, X, y = _data(seed)
    check = gradient_check(lambda v: logistic_loss(v, X, y, l2=l2),
                           lambda v: logistic_loss_gradient(v, X, y, l2=l2), w)
    assert check.passed, check
    hess = logistic_loss_hessian(w, X, y, l2=l2)
    num = numerical_hessian(lambda v: logistic_loss_gradient(v, X, y, l2=l2), w)
    np.testing.assert_allclose(hess, num, rtol=1e-5, atol=1e-8)
    assert np.allclose(hess, hess.T)
    assert np.linalg.eigvalsh(hess).min() >= -1e-12


def test_logistic_gradient_is_the_contract_formula():
    w, X, y = _data(3, n=25, d=4)
    expected = X.T @ (sc.expit(X @ w) - y) / 25
    np.testing.assert_allclose(logistic_loss_gradient(w, X, y), expected, rtol=1e-13)
    S = np.diag(sc.expit(X @ w) * (1 - sc.expit(X @ w)))
    np.testing.assert_allclose(logistic_loss_hessian(w, X, y), X.T @ S @ X / 25, rtol=1e-12)


def test_logistic_hessian_is_psd_but_singular_with_duplicate_columns():
    w, X, y = _data(5, n=20, d=2)
    X = np.column_stack([X, X[:, 0]])
    w = np.append(w, 0.0)
    eig = np.linalg.eigvalsh(logistic_loss_hessian(w, X, y))
    assert eig.min() == pytest.approx(0.0, abs=1e-12)
    assert np.linalg.eigvalsh(logistic_loss_hessian(w, X, y, l2=0.1)).min() > 0.19


@pytest.mark.parametrize("seed", range(8))
def test_sklearn_logistic_regression_optimum_has_zero_gradient(seed):
    """sklearn minimises C·Σ loss_i + ½‖w‖², i.e. our mean loss with l2 = 1 / (2Cn)."""
    rng = np.random.default_rng(100 + seed)
    n, d, C = 200, 3, 0.5
    X = rng.normal(size=(n, d))
    y = (rng.random(n) < sc.expit(X @ np.array([1.0, -2.0, 0.5]))).astype(int)
    model = LogisticRegression(C=C, fit_intercept=False, tol=1e-12, max_iter=10_000)
    coef = model.fit(X, y).coef_.ravel()
    l2 = 1 / (2 * C * n)
    assert np.abs(logistic_loss_gradient(coef, X, y, l2=l2)).max() < 1e-7
    w = np.zeros(d)
    for _ in range(25):
        w = logistic_newton_step(w, X, y, l2=l2)
    np.testing.assert_allclose(w, coef, atol=1e-6)


def test_newton_converges_quadratically():
    rng = np.random.default_rng(7)
    X = np.column_stack([np.ones(300), rng.normal(size=(300, 2))])
    y = (rng.random(300) < sc.expit(X @ np.array([0.3, 1.0, -1.0]))).astype(int)
    w = np.zeros(3)
    norms = []
    for _ in range(6):
        w = logistic_newton_step(w, X, y)
        norms.append(np.linalg.norm(logistic_loss_gradient(w, X, y)))
    assert norms[-1] < 1e-12
    # quadratic convergence: the error roughly squares once close
    assert norms[3] < 10 * norms[2] ** 2 + 1e-15


def test_newton_step_solves_a_quadratic_in_one_step_like_scipy_minimize():
    rng = np.random.default_rng(8)
    for _ in range(20):
        d = int(rng.integers(1, 6))
        M = rng.normal(size=(d, d))
        A = M @ M.T + d * np.eye(d)
        b = rng.normal(size=d)
        x0 = rng.normal(0, 5, size=d)
        ours = newton_step(x0, A @ x0 - b, A)
        res = so.minimize(lambda x, A=A, b=b: 0.5 * x @ A @ x - b @ x, x0,
                          jac=lambda x, A=A, b=b: A @ x - b, method="BFGS",
                          options={"gtol": 1e-12})
        np.testing.assert_allclose(ours, res.x, atol=1e-6)
        np.testing.assert_allclose(ours, np.linalg.solve(A, b), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("l2", [0.0, 0.5])
def test_mse_loss_gradient_hessian(seed, l2):
    rng = np.random.default_rng(seed)
    w, X, _ = _data(seed)
    y = rng.normal(size=X.shape[0])
    assert mse_loss(w, X, y, l2=l2) == pytest.approx(
        np.mean((X @ w - y) ** 2) + l2 * w @ w, rel=1e-12)
    check = gradient_check(lambda v: mse_loss(v, X, y, l2=l2),
                           lambda v: mse_loss_gradient(v, X, y, l2=l2), w)
    assert check.passed, check
    np.testing.assert_allclose(mse_loss_gradient(w, X, y),
                               2 / len(y) * X.T @ (X @ w - y), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(mse_loss_hessian(w, X, y, l2=l2),
                               numerical_hessian(lambda v: mse_loss_gradient(v, X, y, l2=l2), w),
                               rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("seed", range(20))
def test_normal_equations_match_lstsq_sklearn_and_ridge(seed):
    rng = np.random.default_rng(seed)
    n, d = int(rng.integers(6, 50)), int(rng.integers(1, 5))
    X, y = rng.normal(size=(n, d)), rng.normal(size=n)
    w = normal_equations_solution(X, y)
    np.testing.assert_allclose(w, np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(w, LinearRegression(fit_intercept=False).fit(X, y).coef_,
                               rtol=1e-8, atol=1e-10)
    assert np.abs(mse_loss_gradient(w, X, y)).max() < 1e-10
    # mean loss + l2‖w‖²  <=>  sklearn Ridge's ‖Xw − y‖² + alpha‖w‖² with alpha = n·l2
    l2 = 0.3
    ridge = Ridge(alpha=n * l2, fit_intercept=False, solver="cholesky").fit(X, y).coef_
    np.testing.assert_allclose(normal_equations_solution(X, y, l2=l2), ridge, rtol=1e-8)


def test_newton_on_least_squares_is_the_normal_equations():
    w, X, _ = _data(11, n=30, d=3)
    y = np.random.default_rng(0).normal(size=30)
    one = newton_step(w, mse_loss_gradient(w, X, y), mse_loss_hessian(w, X, y))
    np.testing.assert_allclose(one, normal_equations_solution(X, y), rtol=1e-9)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 10_000), st.randoms())
def test_losses_are_invariant_to_row_order_and_list_input(seed, rand):
    w, X, y = _data(seed)
    perm = list(range(len(y)))
    rand.shuffle(perm)
    assert logistic_loss(w, X[perm], y[perm]) == pytest.approx(logistic_loss(w, X, y), rel=1e-12)
    np.testing.assert_allclose(logistic_loss_gradient(w, X[perm], y[perm]),
                               logistic_loss_gradient(w, X, y), rtol=1e-10, atol=1e-14)
    assert logistic_loss(list(w), X.tolist(), list(y)) == logistic_loss(w, X, y)


def test_bad_input_is_refused_with_a_clear_message():
    w, X, y = _data(1, n=5, d=2)
    with pytest.raises(ValueError, match="w must have one entry per column of X"):
        logistic_loss_gradient(np.zeros(3), X, y)
    with pytest.raises(ValueError, match="y must have one entry per row of X"):
        logistic_loss_gradient(w, X, y[:4])
    with pytest.raises(ValueError, match="y must contain only the labels 0 and 1"):
        logistic_loss(w, X, np.array([0, 1, 2, 0, 1]))
    with pytest.raises(ValueError, match="y must contain only the labels 0 and 1"):
        logistic_loss(w, X, np.array([0, 1, -1, 0, 1]))
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="X must contain only finite numbers"):
        logistic_loss_hessian(w, X_nan, y)
    with pytest.raises(ValueError, match="w must contain only finite numbers"):
        mse_loss([np.nan, 1.0], X, y)
    with pytest.raises(ValueError, match="X must be 2-dimensional"):
        mse_loss(w, X[0], y)
    with pytest.raises(ValueError, match=r"l2 \(-0.1\) must be >= 0"):
        logistic_loss(w, X, y, l2=-0.1)
    with pytest.raises(ValueError, match="singular"):
        normal_equations_solution(np.column_stack([X[:, 0], X[:, 0]]), y)
    with pytest.raises(ValueError, match="the Hessian is singular"):
        logistic_newton_step(np.zeros(2), np.column_stack([X[:, 0], X[:, 0]]), y)
    with pytest.raises(ValueError, match="gradient must have shape"):
        newton_step([0.0, 0.0], [1.0], np.eye(2))
