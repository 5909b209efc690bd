"""Gradient descent on quadratics: the formulas against simulated trajectories and brute force."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.optimize as so
from hypothesis import given, settings
from hypothesis import strategies as st

from mlfund.optimization import (
    condition_number,
    contraction_factor,
    convergence_rate,
    iterations_to_tolerance,
    max_stable_learning_rate,
    momentum_step,
    optimal_learning_rate,
    quadratic_gd_trajectory,
)


def _spd(seed, d=None):
    rng = np.random.default_rng(seed)
    d = int(rng.integers(1, 6)) if d is None else d
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    eig = rng.uniform(0.1, 20, size=d)
    return (q * eig) @ q.T, np.sort(eig)


@pytest.mark.parametrize("seed", range(25))
def test_facts_from_the_eigenvalues(seed):
    A, eig = _spd(seed)
    assert max_stable_learning_rate(A) == pytest.approx(2 / eig[-1])
    assert optimal_learning_rate(A) == pytest.approx(2 / (eig[0] + eig[-1]))
    assert condition_number(A) == pytest.approx(np.linalg.cond(A))
    kappa = condition_number(A)
    eta = optimal_learning_rate(A)
    assert contraction_factor(A, learning_rate=eta) == pytest.approx(convergence_rate(kappa))
    assert convergence_rate(kappa) == pytest.approx(np.max(np.abs(np.linalg.eigvals(
        np.eye(len(A)) - eta * A))))


@pytest.mark.parametrize("seed", range(6))
def test_optimal_step_minimises_the_contraction_over_a_grid(seed):
    A, _ = _spd(seed, d=3)
    grid = np.linspace(1e-4, max_stable_learning_rate(A), 2_001)
    rates = [contraction_factor(A, learning_rate=e) for e in grid]
    spacing = grid[1] - grid[0]
    assert grid[int(np.argmin(rates))] == pytest.approx(optimal_learning_rate(A), abs=spacing)
    res = so.minimize_scalar(lambda e: contraction_factor(A, learning_rate=e),
                             bounds=(1e-6, max_stable_learning_rate(A)), method="bounded",
                             options={"xatol": 1e-12})
    assert res.fun == pytest.approx(convergence_rate(condition_number(A)), abs=1e-6)


@pytest.mark.parametrize("seed", range(10))
def test_gd_converges_below_the_bound_and_diverges_above(seed):
    A, _ = _spd(seed, d=3)
    x0 = np.ones(3)
    bound = max_stable_learning_rate(A)
    below = quadratic_gd_trajectory(A, x0, learning_rate=0.98 * bound, n_steps=3000)
    above = quadratic_gd_trajectory(A, x0, learning_rate=1.02 * bound, n_steps=300)
    assert np.linalg.norm(below.x) < 1e-3
    assert np.linalg.norm(above.x) > 1e2


def test_one_dimension_bound_is_two_over_a_and_best_step_is_one_over_a():
    a = 4.0
    assert max_stable_learning_rate(a) == 0.5
    assert optimal_learning_rate(a) == 0.25
    run = quadratic_gd_trajectory(a, [3.0], learning_rate=0.25, n_steps=1)
    assert run.x[0] == 0.0
    osc = quadratic_gd_trajectory(a, [1.0], learning_rate=0.5, n_steps=4)
    np.testing.assert_allclose(osc.path.ravel(), [1, -1, 1, -1, 1])  # at the bound: no decay


@pytest.mark.parametrize("seed", range(10))
def test_trajectory_matches_the_closed_form(seed):
    A, _ = _spd(seed, d=2)
    rng = np.random.default_rng(seed)
    b, x0 = rng.normal(size=2), rng.normal(size=2)
    eta = 0.9 * optimal_learning_rate(A)
    run = quadratic_gd_trajectory(A, x0, learning_rate=eta, n_steps=15, b=b)
    x_star = np.linalg.solve(A, b)
    M = np.eye(2) - eta * A
    for k in range(16):
        np.testing.assert_allclose(run.path[k], x_star + np.linalg.matrix_power(M, k)
                                   @ (x0 - x_star), rtol=1e-10, atol=1e-12)
        assert run.values[k] == pytest.approx(0.5 * run.path[k] @ A @ run.path[k]
                                              - b @ run.path[k])


@pytest.mark.parametrize("seed", range(10))
def test_error_bound_rate_to_the_k(seed):
    A, _ = _spd(seed, d=4)
    x0 = np.random.default_rng(seed).normal(size=4)
    rho = convergence_rate(condition_number(A))
    run = quadratic_gd_trajectory(A, x0, learning_rate=optimal_learning_rate(A), n_steps=40)
    errors = np.linalg.norm(run.path, axis=1)
    assert np.all(errors <= rho ** np.arange(41) * errors[0] * (1 + 1e-9) + 1e-14)


def test_momentum_trajectory_matches_momentum_steps():
    A = np.diag([1.0, 10.0])
    run = quadratic_gd_trajectory(A, [1.0, 1.0], learning_rate=0.05, n_steps=20, momentum=0.8)
    x, v = np.array([1.0, 1.0]), None
    for _ in range(20):
        step = momentum_step(x, A @ x, v, learning_rate=0.05, beta=0.8)
        x, v = step.params, step.velocity
    np.testing.assert_allclose(run.x, x, rtol=1e-12)


def brute_iterations(rate, eps, e0):
    k, err = 0, e0
    while err > eps:
        err *= rate
        k += 1
    return k


@settings(max_examples=100, deadline=None)
@given(st.floats(0.0, 0.999), st.floats(1e-12, 10.0), st.floats(1e-6, 100.0))
def test_iterations_to_tolerance_matches_a_brute_loop(rate, eps, e0):
    expected = brute_iterations(rate, eps, e0)
    got = iterations_to_tolerance(rate, tolerance=eps, initial_error=e0)
    # the brute loop multiplies repeatedly; allow its rounding at exact boundaries
    assert abs(got - expected) <= 1
    assert rate**got * e0 <= eps * (1 + 1e-9)
    assert got == 0 or rate ** (got - 1) * e0 > eps * (1 - 1e-9)


def test_iterations_exact_powers_and_formula():
    assert iterations_to_tolerance(0.5, tolerance=0.25) == 2
    assert iterations_to_tolerance(0.1, tolerance=1e-3) == 3
    assert iterations_to_tolerance(0.9, tolerance=1e-6) == math.ceil(math.log(1e-6)
                                                                      / math.log(0.9))
    assert iterations_to_tolerance(0.0, tolerance=1e-6) == 1
    assert iterations_to_tolerance(0.5, tolerance=2.0) == 0


def test_bad_input_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="hessian must be positive definite"):
        optimal_learning_rate([[1.0, 0.0], [0.0, 0.0]])
    assert max_stable_learning_rate([[1.0, 0.0], [0.0, 0.0]]) == 2.0  # PSD is fine here
    with pytest.raises(ValueError, match="hessian must be positive semi-definite"):
        max_stable_learning_rate([[1.0, 0.0], [0.0, -1.0]])
    with pytest.raises(ValueError, match="hessian must be positive semi-definite"):
        max_stable_learning_rate(-2.0)
    with pytest.raises(ValueError, match="hessian must be symmetric"):
        condition_number([[1.0, 2.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="hessian must be a number or a square matrix"):
        condition_number([[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="hessian must contain only finite numbers"):
        condition_number([[np.nan]])
    with pytest.raises(ValueError, match=r"condition_number \(0.5\) must be >= 1"):
        convergence_rate(0.5)
    with pytest.raises(ValueError, match=r"rate \(1.0\) must be in \[0, 1\)"):
        iterations_to_tolerance(1.0, tolerance=0.1)
    with pytest.raises(ValueError, match=r"tolerance \(0\) must be > 0"):
        iterations_to_tolerance(0.5, tolerance=0)
    with pytest.raises(ValueError, match=r"learning_rate \(-1\) must be > 0"):
        contraction_factor(2.0, learning_rate=-1)
    with pytest.raises(ValueError, match="x0 must have shape"):
        quadratic_gd_trajectory(np.eye(2), [1.0], learning_rate=0.1, n_steps=2)
    with pytest.raises(ValueError, match="diverged"):
        quadratic_gd_trajectory(10.0, [1.0], learning_rate=100.0, n_steps=1000)
