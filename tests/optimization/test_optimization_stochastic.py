"""Minibatch SGD and the facts about minibatch gradients, checked by simulation and enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlfund.optimization import (
    SGDResult,
    gradient_descent,
    linear_scaling_learning_rate,
    logistic_loss_gradient,
    logistic_newton_step,
    minibatch_gradient_variance,
    minibatch_indices,
    mse_loss_gradient,
    normal_equations_solution,
    sgd,
)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 200), st.integers(1, 64), st.integers(0, 2**31))
def test_minibatches_partition_the_indices(n, batch_size, seed):
    batches = minibatch_indices(n, batch_size=batch_size, rng=seed)
    assert len(batches) == -(-n // batch_size)
    assert all(len(b) == batch_size for b in batches[:-1])
    assert sorted(np.concatenate(batches).tolist()) == list(range(n))
    again = minibatch_indices(n, batch_size=batch_size, rng=seed)
    assert all(np.array_equal(a, b) for a, b in zip(batches, again, strict=True))


def test_a_generator_is_advanced_not_reset():
    gen = np.random.default_rng(0)
    first = minibatch_indices(20, batch_size=20, rng=gen)[0]
    second = minibatch_indices(20, batch_size=20, rng=gen)[0]
    assert not np.array_equal(first, second)


def _regression(seed, n=60, d=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = X @ rng.normal(size=d) + 0.1 * rng.normal(size=n)
    return X, y


def test_full_batch_sgd_is_gradient_descent():
    X, y = _regression(0)
    fit = sgd(mse_loss_gradient, np.zeros(3), X, y, learning_rate=0.1, batch_size=60,
              n_epochs=7, shuffle=False)
    gd = gradient_descent(lambda w: mse_loss_gradient(w, X, y), np.zeros(3), learning_rate=0.1,
                          n_steps=7)
    assert isinstance(fit, SGDResult) and fit.n_steps == 7
    np.testing.assert_allclose(fit.path, gd.path, rtol=1e-12)


def test_sgd_matches_a_slow_loop_with_the_same_generator():
    X, y = _regression(1)
    fit = sgd(mse_loss_gradient, np.zeros(3), X, y, learning_rate=0.05, batch_size=8,
              n_epochs=3, momentum=0.5, rng=42)
    gen = np.random.default_rng(42)
    w, v = np.zeros(3), np.zeros(3)
    for _ in range(3):
        order = gen.permutation(60)
        for start in range(0, 60, 8):
            b = order[start:start + 8]
            v = 0.5 * v + 2 * X[b].T @ (X[b] @ w - y[b]) / len(b)
            w = w - 0.05 * v
    np.testing.assert_allclose(fit.params, w, rtol=1e-12)
    assert fit.n_steps == 3 * 8


def test_sgd_with_decaying_rate_approaches_the_least_squares_solution():
    X, y = _regression(2, n=400)
    fit = sgd(mse_loss_gradient, np.zeros(3), X, y,
              learning_rate=lambda t: 0.1 / (1 + 0.01 * t), batch_size=10, n_epochs=30, rng=3)
    np.testing.assert_allclose(fit.params, normal_equations_solution(X, y), atol=0.02)


def test_sgd_fits_a_logistic_regression():
    rng = np.random.default_rng(5)
    X = np.column_stack([np.ones(300), rng.normal(size=300)])
    y = (rng.random(300) < 1 / (1 + np.exp(-(X @ [0.5, 1.5])))).astype(int)
    fit = sgd(logistic_loss_gradient, np.zeros(2), X, y, learning_rate=0.5, batch_size=30,
              n_epochs=60, rng=0)
    w = np.zeros(2)
    for _ in range(10):
        w = logistic_newton_step(w, X, y)
    np.testing.assert_allclose(fit.params, w, atol=0.1)


def test_minibatch_variance_with_replacement_by_simulation():
    rng = np.random.default_rng(6)
    per_example = rng.normal(1.0, 2.0, size=500)  # per-example gradients of one coordinate
    sigma2 = per_example.var()
    for b in (1, 4, 16):
        means = rng.choice(per_example, size=(40_000, b)).mean(axis=1)
        assert means.mean() == pytest.approx(per_example.mean(), abs=0.05)  # unbiased
        assert means.var() == pytest.approx(minibatch_gradient_variance(sigma2, batch_size=b),
                                            rel=0.05)


@pytest.mark.parametrize("b", [1, 2, 3, 5, 7])
def test_minibatch_variance_without_replacement_by_enumeration(b):
    g = np.array([0.3, -1.2, 2.5, 0.0, 1.1, -0.7, 4.0])
    means = np.array([g[list(c)].mean() for c in itertools.combinations(range(7), b)])
    expected = minibatch_gradient_variance(g.var(), batch_size=b, population_size=7)
    assert means.var() == pytest.approx(expected, abs=1e-12)
    assert means.mean() == pytest.approx(g.mean())


def test_linear_scaling_rule():
    assert linear_scaling_learning_rate(0.1, base_batch_size=256, batch_size=8192) == \
        pytest.approx(3.2)
    assert linear_scaling_learning_rate(0.1, base_batch_size=256, batch_size=128) == \
        pytest.approx(0.05)


def test_bad_input_is_refused_with_a_clear_message():
    X, y = _regression(0, n=10)
    with pytest.raises(ValueError, match=r"batch_size \(0\) must be >= 1"):
        minibatch_indices(10, batch_size=0)
    with pytest.raises(TypeError, match="rng .* must be None, an int seed or a numpy Generator"):
        minibatch_indices(10, batch_size=2, rng="seed")
    with pytest.raises(ValueError, match="X and y must have the same number of examples"):
        sgd(mse_loss_gradient, np.zeros(3), X, y[:5], learning_rate=0.1, batch_size=2)
    with pytest.raises(ValueError, match="X must contain only finite numbers"):
        sgd(mse_loss_gradient, np.zeros(3), np.full((10, 3), np.nan), y, learning_rate=0.1,
            batch_size=2)
    with pytest.raises(ValueError, match=r"learning_rate \(0\) must be > 0"):
        sgd(mse_loss_gradient, np.zeros(3), X, y, learning_rate=0, batch_size=2)
    with pytest.raises(ValueError, match="momentum .* must be in"):
        sgd(mse_loss_gradient, np.zeros(3), X, y, learning_rate=0.1, batch_size=2, momentum=1)
    with pytest.raises(ValueError, match="SGD diverged"):
        sgd(mse_loss_gradient, np.zeros(3), X * 1e100, y, learning_rate=1e10, batch_size=2,
            n_epochs=50)
    with pytest.raises(ValueError, match=r"variance \(-1\) must be >= 0"):
        minibatch_gradient_variance(-1, batch_size=2)
    with pytest.raises(ValueError, match=r"batch_size \(8\) must be <= population_size \(7\)"):
        minibatch_gradient_variance(1.0, batch_size=8, population_size=7)
    with pytest.raises(ValueError, match="base_learning_rate"):
        linear_scaling_learning_rate(-0.1, base_batch_size=1, batch_size=2)
    with pytest.raises(TypeError, match="batch_size .* must be a whole number"):
        linear_scaling_learning_rate(0.1, base_batch_size=1, batch_size="2")


# --- the gradient noise scale ------------------------------------------------------------------


def test_does_the_noise_scale_estimate_invert_the_expected_squared_norms():
    from mlfund.optimization import estimate_noise_scale

    g2, trace = 0.3, 12.0
    est = estimate_noise_scale(g2 + trace / 16, g2 + trace / 256, small_batch_size=16,
                               large_batch_size=256)
    assert est.gradient_norm_squared == pytest.approx(g2)
    assert est.trace_covariance == pytest.approx(trace)
    assert est.simple_noise_scale == pytest.approx(40.0)


def test_are_inconsistent_norms_refused_with_advice():
    from mlfund.optimization import estimate_noise_scale

    with pytest.raises(ValueError, match="Average more"):
        estimate_noise_scale(0.1, 0.5, small_batch_size=16, large_batch_size=256)
    with pytest.raises(ValueError, match="small_batch_size"):
        estimate_noise_scale(1.0, 0.5, small_batch_size=256, large_batch_size=16)


def test_is_the_noise_scale_step_linear_below_and_flat_above_the_noise_scale():
    from mlfund.optimization import noise_scale_learning_rate

    small = noise_scale_learning_rate(0.1, base_batch_size=1, batch_size=2, noise_scale=1e6)
    large = noise_scale_learning_rate(0.1, base_batch_size=10**6, batch_size=2 * 10**6,
                                      noise_scale=1)
    assert small == pytest.approx(0.2, rel=1e-5)
    assert large == pytest.approx(0.1, rel=1e-5)
    assert noise_scale_learning_rate(0.1, base_batch_size=5, batch_size=50,
                                     noise_scale=0) == pytest.approx(0.1)
