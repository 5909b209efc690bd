"""Initialisation variances and the sigmoid-chain bound, checked by simulation."""

from __future__ import annotations

import numpy as np
import pytest

from mlfund.optimization import (
    he_variance,
    relu,
    sigmoid_chain_gradient_bound,
    sigmoid_derivative,
    xavier_variance,
)


def test_values():
    assert xavier_variance(100, 100) == 0.01
    assert he_variance(50) == 0.04
    assert sigmoid_chain_gradient_bound(0) == 1.0
    assert sigmoid_chain_gradient_bound(3) == 1 / 64


def test_he_keeps_the_second_moment_through_relu_layers():
    rng = np.random.default_rng(0)
    n = 400
    h = rng.normal(size=(2000, n))
    start = np.mean(h**2)
    for _ in range(10):
        W = rng.normal(0, np.sqrt(he_variance(n)), size=(n, n))
        h = relu(h @ W)
    assert np.mean(h**2) == pytest.approx(start, rel=0.25)


def test_xavier_keeps_the_variance_of_a_square_linear_layer():
    rng = np.random.default_rng(1)
    n = 300
    x = rng.normal(size=(5000, n))
    W = rng.normal(0, np.sqrt(xavier_variance(n, n)), size=(n, n))
    assert np.var(x @ W) == pytest.approx(1.0, rel=0.05)


def test_the_bound_holds_for_random_chains_and_is_attained_at_zero():
    rng = np.random.default_rng(2)
    for depth in range(1, 12):
        z = rng.normal(0, 2, size=(1000, depth))
        products = np.prod(sigmoid_derivative(z), axis=1)
        assert products.max() <= sigmoid_chain_gradient_bound(depth)
        assert np.prod(sigmoid_derivative(np.zeros(depth))) == pytest.approx(
            sigmoid_chain_gradient_bound(depth))


def test_bad_input_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match=r"n_in \(0\) must be >= 1"):
        he_variance(0)
    with pytest.raises(ValueError, match=r"n_out \(-3\) must be >= 1"):
        xavier_variance(3, -3)
    with pytest.raises(ValueError, match=r"n_layers \(2.5\) must be a whole number"):
        sigmoid_chain_gradient_bound(2.5)
    with pytest.raises(TypeError, match="n_in .* must be a whole number"):
        he_variance("10")
