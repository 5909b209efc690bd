"""Update rules: against slow reference loops written here, and their textbook facts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlfund.optimization import (
    AdamState,
    AdamStep,
    MomentumStep,
    adam_step,
    gradient_descent,
    gradient_descent_step,
    l2_penalty_gradient,
    momentum_effective_learning_rate,
    momentum_step,
    step_decay,
    weight_decay_step,
)


def slow_adam(grads, lr, b1, b2, eps, w0):
    """Algorithm 1 of Kingma & Ba, one coordinate at a time."""
    w = list(w0)
    m = [0.0] * len(w)
    v = [0.0] * len(w)
    for t, g in enumerate(grads, start=1):
        for i in range(len(w)):
            m[i] = b1 * m[i] + (1 - b1) * g[i]
            v[i] = b2 * v[i] + (1 - b2) * g[i] ** 2
            m_hat = m[i] / (1 - b1**t)
            v_hat = v[i] / (1 - b2**t)
            w[i] -= lr * m_hat / (math.sqrt(v_hat) + eps)
    return w


@pytest.mark.parametrize("seed", range(20))
def test_adam_matches_the_paper_algorithm(seed):
    rng = np.random.default_rng(seed)
    d, steps = int(rng.integers(1, 5)), int(rng.integers(1, 30))
    grads = rng.normal(0, rng.uniform(0.01, 100), size=(steps, d))
    lr, b1, b2 = rng.uniform(1e-4, 0.5), rng.uniform(0, 0.99), rng.uniform(0.5, 0.9999)
    w0 = rng.normal(size=d)
    step, state = None, None
    params = w0
    for g in grads:
        step = adam_step(params, g, state, learning_rate=lr, beta1=b1, beta2=b2, eps=1e-8)
        params, state = step.params, step.state
    np.testing.assert_allclose(params, slow_adam(grads, lr, b1, b2, 1e-8, w0), rtol=1e-10)
    assert state.t == steps
    assert isinstance(step, AdamStep) and isinstance(state, AdamState)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6).filter(lambda g: abs(g) > 1e-3), min_size=1, max_size=5),
       st.floats(0.0, 0.99), st.floats(0.0, 0.999))
def test_adam_first_step_moments_are_unbiased_and_step_is_eta_sign(g, b1, b2):
    g = np.array(g)
    first = adam_step(np.zeros_like(g), g, learning_rate=0.01, beta1=b1, beta2=b2)
    np.testing.assert_allclose(first.m_hat, g, rtol=1e-12)
    np.testing.assert_allclose(first.v_hat, g**2, rtol=1e-12)
    np.testing.assert_allclose(first.params, -0.01 * np.sign(g), rtol=1e-5)


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.99])
def test_momentum_matches_a_loop_and_reaches_the_effective_step(beta):
    eta, g = 0.01, np.array([2.0, -1.0])
    w, v = np.zeros(2), None
    w_loop, v_loop = np.zeros(2), np.zeros(2)
    for _ in range(3000):
        step = momentum_step(w, g, v, learning_rate=eta, beta=beta)
        assert isinstance(step, MomentumStep)
        w_prev, w, v = w, step.params, step.velocity
        v_loop = beta * v_loop + g
        w_loop = w_loop - eta * v_loop
    np.testing.assert_allclose(w, w_loop, rtol=1e-12)
    np.testing.assert_allclose(w_prev - w, momentum_effective_learning_rate(eta, beta=beta) * g,
                               rtol=1e-9)


def test_momentum_with_beta_zero_is_gradient_descent():
    step = momentum_step([1.0, 2.0], [0.5, -0.5], learning_rate=0.1, beta=0.0)
    np.testing.assert_allclose(step.params,
                               gradient_descent_step([1.0, 2.0], [0.5, -0.5], learning_rate=0.1))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-100, 100), min_size=1, max_size=5), st.floats(1e-4, 1.0),
       st.floats(0.0, 5.0), st.integers(0, 1000))
def test_weight_decay_is_an_l2_penalty_of_half_the_strength_under_sgd(w, eta, lam, seed):
    w = np.array(w)
    g = np.random.default_rng(seed).normal(size=w.size)
    decayed = weight_decay_step(w, g, learning_rate=eta, weight_decay=lam)
    penalised = gradient_descent_step(w, g + l2_penalty_gradient(w, lam=lam / 2),
                                      learning_rate=eta)
    np.testing.assert_allclose(decayed, penalised, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(decayed, (1 - eta * lam) * w - eta * g, rtol=1e-12, atol=1e-12)


def test_gradient_descent_records_path_values_and_uses_a_schedule():
    def sched(t):
        return step_decay(t, initial_learning_rate=0.2, gamma=0.5, step_size=2)

    run = gradient_descent(lambda x: 2 * x, [1.0, -1.0], learning_rate=sched, n_steps=5,
                           fun=lambda x: float(x @ x))
    x = np.array([1.0, -1.0])
    expected = [x]
    for t in range(5):
        x = x - sched(t) * 2 * x
        expected.append(x)
    np.testing.assert_allclose(run.path, expected)
    np.testing.assert_allclose(run.values, [p @ p for p in expected])
    np.testing.assert_array_equal(run.x, run.path[-1])
    assert gradient_descent(lambda x: x, [1.0], learning_rate=0.1, n_steps=0).path.shape == (1, 1)
    assert gradient_descent(lambda x: x, [1.0], learning_rate=0.1, n_steps=3).values is None


def test_gradient_descent_reports_divergence():
    with pytest.raises(ValueError, match="diverged at step .*reduce learning_rate"):
        gradient_descent(lambda x: 1e300 * x, [1e10], learning_rate=10.0, n_steps=50)


@pytest.mark.parametrize("beta", [-0.1, 1.0, 1.5, float("nan")])
def test_beta_outside_zero_one_is_refused(beta):
    with pytest.raises(ValueError, match=r"beta .* must be"):
        momentum_step([1.0], [1.0], learning_rate=0.1, beta=beta)
    with pytest.raises(ValueError, match=r"beta1 .* must be"):
        adam_step([1.0], [1.0], beta1=beta)
    with pytest.raises(ValueError, match=r"beta2 .* must be"):
        adam_step([1.0], [1.0], beta2=beta)
    with pytest.raises(ValueError, match=r"beta .* must be"):
        momentum_effective_learning_rate(0.1, beta=beta)


@pytest.mark.parametrize("lr", [0, -0.1, float("inf"), float("nan")])
def test_nonpositive_learning_rate_is_refused(lr):
    for call in (
        lambda: gradient_descent_step([1.0], [1.0], learning_rate=lr),
        lambda: weight_decay_step([1.0], [1.0], learning_rate=lr, weight_decay=0.1),
        lambda: momentum_step([1.0], [1.0], learning_rate=lr),
        lambda: adam_step([1.0], [1.0], learning_rate=lr),
        lambda: gradient_descent(lambda x: x, [1.0], learning_rate=lr, n_steps=2),
    ):
        with pytest.raises(ValueError, match="learning_rate"):
            call()


def test_other_bad_input_is_refused():
    with pytest.raises(ValueError, match="gradient must have the shape of params"):
        gradient_descent_step([1.0, 2.0], [1.0], learning_rate=0.1)
    with pytest.raises(ValueError, match="velocity must have the shape of params"):
        momentum_step([1.0, 2.0], [1.0, 1.0], [0.0], learning_rate=0.1)
    with pytest.raises(TypeError, match="state .* must be an AdamState"):
        adam_step([1.0], [1.0], {"m": 0})
    with pytest.raises(ValueError, match="gradient must contain only finite numbers"):
        adam_step([1.0], [np.nan])
    with pytest.raises(TypeError, match="learning_rate .* must be a real number"):
        gradient_descent_step([1.0], [1.0], learning_rate="0.1")
    with pytest.raises(ValueError, match=r"weight_decay \(-1\) must be >= 0"):
        weight_decay_step([1.0], [1.0], learning_rate=0.1, weight_decay=-1)
    with pytest.raises(ValueError, match=r"learning_rate\(0\) \(-1.0\) must be >= 0"):
        gradient_descent(lambda x: x, [1.0], learning_rate=lambda t: -1.0, n_steps=2)
    with pytest.raises(TypeError, match="gradient .* must be callable"):
        gradient_descent([1.0], [1.0], learning_rate=0.1, n_steps=2)
    with pytest.raises(ValueError, match="n_steps"):
        gradient_descent(lambda x: x, [1.0], learning_rate=0.1, n_steps=-1)
