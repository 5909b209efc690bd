"""Questions about the bias-variance decomposition, ridge and k-NN variance."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.linear_model import Ridge
from sklearn.neighbors import KNeighborsRegressor

from mlfund import inference as inf

SETTINGS = settings(max_examples=50, deadline=None)


# --- decomposition -----------------------------------------------------------------------


def test_do_bias_and_variance_add_up_to_the_mean_squared_deviation_exactly():
    rng = np.random.default_rng(70)
    for _ in range(30):
        preds = rng.normal(size=(int(rng.integers(1, 50)), int(rng.integers(1, 20))))
        truth = rng.normal(size=preds.shape[1])
        res = inf.bias_variance_decomposition(preds, truth, noise_variance=0.3)
        assert res.bias_squared + res.variance == pytest.approx(np.mean((preds - truth) ** 2))
        # a slow loop, point by point
        bias2 = np.mean([(preds[:, j].mean() - truth[j]) ** 2 for j in range(len(truth))])
        var = np.mean([np.mean((preds[:, j] - preds[:, j].mean()) ** 2)
                       for j in range(len(truth))])
        assert (res.bias_squared, res.variance, res.noise) == pytest.approx((bias2, var, 0.3))
        assert res.expected_error == pytest.approx(bias2 + var + 0.3)


def test_does_the_decomposition_predict_the_test_error_of_a_polynomial_fit():
    rng = np.random.default_rng(71)
    sigma, degree = 0.5, 1

    def f(x):
        return np.sin(2 * x)

    x_train, x_test = np.linspace(-1.5, 1.5, 15), np.linspace(-1.2, 1.2, 7)
    preds, errors = [], []
    for _ in range(4000):
        y = f(x_train) + rng.normal(0, sigma, size=x_train.size)
        fitted = np.polyval(np.polyfit(x_train, y, degree), x_test)
        preds.append(fitted)
        y_new = f(x_test) + rng.normal(0, sigma, size=x_test.size)
        errors.append(np.mean((y_new - fitted) ** 2))
    res = inf.bias_variance_decomposition(np.array(preds), f(x_test), noise_variance=sigma**2)
    assert res.expected_error == pytest.approx(np.mean(errors), rel=0.03)
    assert res.bias_squared > res.variance  # a straight line through a sine: high bias


def test_is_a_one_dimensional_input_one_test_point():
    res = inf.bias_variance_decomposition([1.0, 2.0, 3.0], 1.0)
    assert (res.bias_squared, res.variance) == pytest.approx((1.0, 2 / 3))


# --- ridge -------------------------------------------------------------------------------


def test_does_ridge_match_sklearn_without_intercept():
    rng = np.random.default_rng(72)
    for _ in range(40):
        n, p = int(rng.integers(2, 60)), int(rng.integers(1, 12))
        X, y = rng.normal(size=(n, p)), rng.normal(size=n)
        lam = float(rng.choice([1e-3, 0.1, 1.0, 10.0, 1e3]))
        ref = Ridge(alpha=lam, fit_intercept=False, solver="svd").fit(X, y).coef_
        np.testing.assert_allclose(inf.ridge_estimator(X, y, penalty=lam), ref, rtol=1e-7,
                                   atol=1e-10)


def test_is_ridge_with_no_penalty_least_squares():
    rng = np.random.default_rng(73)
    X, y = rng.normal(size=(30, 4)), rng.normal(size=30)
    np.testing.assert_allclose(inf.ridge_estimator(X, y, penalty=0.0),
                               np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-10)


def test_is_the_ridge_fit_least_squares_shrunk_along_each_principal_direction():
    rng = np.random.default_rng(74)
    for n, p in [(20, 3), (5, 8), (10, 10)]:
        X, y = rng.normal(size=(n, p)), rng.normal(size=n)
        lam = 0.7
        factors = inf.ridge_shrinkage_factors(X, penalty=lam)
        u, d, _ = np.linalg.svd(X, full_matrices=False)
        assert factors.shape == (min(n, p),)
        fit = u @ (factors * (u.T @ y))
        np.testing.assert_allclose(X @ inf.ridge_estimator(X, y, penalty=lam), fit, rtol=1e-9,
                                   atol=1e-12)
        hat = X @ np.linalg.solve(X.T @ X + lam * np.eye(p), X.T)
        assert factors.sum() == pytest.approx(np.trace(hat))  # effective degrees of freedom


@SETTINGS
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 8), st.integers(1, 5)),
                  elements=st.floats(-10, 10)), st.floats(0.01, 100))
def test_are_shrinkage_factors_in_the_unit_interval_and_non_increasing(X, lam):
    factors = inf.ridge_shrinkage_factors(X, penalty=lam)
    assert np.all((factors >= 0) & (factors <= 1))
    assert np.all(np.diff(factors) <= 1e-12)
    assert np.all(inf.ridge_shrinkage_factors(X.tolist(), penalty=lam * 2) <= factors + 1e-12)


# --- k-NN ---------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 3, 10])
def test_is_knn_prediction_variance_sigma2_over_k_in_simulation(k):
    rng = np.random.default_rng(75 + k)
    sigma = 2.0
    X = np.linspace(0, 1, 40).reshape(-1, 1)
    x0 = np.array([[0.503]])
    # 3000 noisy label vectors as the columns of one multi-output fit (constant truth).
    Y = 1.0 + rng.normal(0, sigma, size=(40, 3000))
    preds = KNeighborsRegressor(n_neighbors=k).fit(X, Y).predict(x0)[0]
    assert np.var(preds) == pytest.approx(inf.knn_variance(sigma**2, k), rel=0.08)


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: inf.bias_variance_decomposition([[1.0, 2.0]], [1.0]), ValueError,
         "one value per test point"),
        (lambda: inf.bias_variance_decomposition(np.ones((2, 2, 2)), [1.0, 1.0]), ValueError,
         "2-dimensional"),
        (lambda: inf.bias_variance_decomposition([[1.0]], [1.0], noise_variance=-1),
         ValueError, "noise_variance"),
        (lambda: inf.bias_variance_decomposition([[np.nan]], [1.0]), ValueError, "predictions"),
        (lambda: inf.ridge_estimator([[1.0, 2.0]], [1.0, 2.0], penalty=1.0), ValueError,
         "same number of samples"),
        (lambda: inf.ridge_estimator([[1.0, 2.0], [2.0, 4.0]], [1.0, 2.0], penalty=0.0),
         ValueError, "singular"),
        (lambda: inf.ridge_estimator([[1.0]], [1.0], penalty=-0.1), ValueError, "penalty"),
        (lambda: inf.ridge_estimator([1.0], [1.0], penalty=1.0), ValueError, "X must be 2"),
        (lambda: inf.ridge_shrinkage_factors([[0.0, 0.0]], penalty=0.0), ValueError, "0 / 0"),
        (lambda: inf.knn_variance(1.0, 0), ValueError, "k"),
        (lambda: inf.knn_variance(-1.0, 3), ValueError, "noise_variance"),
    ],
)
def test_is_bad_input_refused_with_a_message_naming_it(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_is_penalty_keyword_only():
    with pytest.raises(TypeError):
        inf.ridge_estimator([[1.0]], [1.0], 1.0)  # type: ignore[misc]
