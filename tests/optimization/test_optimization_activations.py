"""Activations: cross-checked against scipy.special and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sc
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mlfund.optimization import (
    log_sigmoid,
    log_softmax,
    numerical_gradient,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    softmax,
    tanh_derivative,
)

finite = st.floats(-700, 700, allow_nan=False)
logit_arrays = arrays(np.float64, st.integers(1, 8), elements=st.floats(-50, 50))


def test_sigmoid_matches_scipy_expit_over_a_wide_range():
    z = np.concatenate([np.linspace(-800, 800, 4001), np.random.default_rng(0).normal(0, 20, 500)])
    np.testing.assert_allclose(sigmoid(z), sc.expit(z), rtol=1e-14, atol=1e-300)


def test_sigmoid_does_not_warn_for_huge_logits():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = sigmoid([-1e308, -1000.0, 1000.0, 1e308])
    np.testing.assert_array_equal(out, [0.0, 0.0, 1.0, 1.0])


def test_log_sigmoid_matches_scipy_log_expit():
    z = np.linspace(-900, 900, 3001)
    np.testing.assert_allclose(log_sigmoid(z), sc.log_expit(z), rtol=1e-13, atol=1e-300)


def test_scalar_in_float_out_and_shape_preserved():
    assert isinstance(sigmoid(0.3), float)
    assert isinstance(sigmoid_derivative(0.3), float)
    assert isinstance(relu(-1), float)
    z = np.zeros((2, 3))
    for f in (sigmoid, log_sigmoid, sigmoid_derivative, tanh_derivative, relu, relu_derivative):
        assert f(z).shape == (2, 3)


@pytest.mark.parametrize("z", np.linspace(-8, 8, 17))
def test_sigmoid_derivative_matches_finite_differences(z):
    num = numerical_gradient(lambda v: sigmoid(v[0]), [z])[0]
    assert sigmoid_derivative(z) == pytest.approx(num, abs=1e-9)


def test_sigmoid_derivative_maximum_is_a_quarter_at_zero():
    z = np.linspace(-10, 10, 20001)
    d = sigmoid_derivative(z)
    assert d.max() == pytest.approx(0.25)
    assert z[np.argmax(d)] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("z", np.linspace(-4, 4, 9))
def test_tanh_derivative_matches_finite_differences(z):
    num = numerical_gradient(lambda v: float(np.tanh(v[0])), [z])[0]
    assert tanh_derivative(z) == pytest.approx(num, abs=1e-9)


def test_tanh_derivative_is_one_at_zero():
    assert tanh_derivative(0.0) == 1.0


def test_relu_and_derivative_against_an_obvious_loop():
    z = np.random.default_rng(1).normal(size=200)
    z[:5] = 0.0
    assert np.array_equal(relu(z), [max(0.0, v) for v in z])
    assert np.array_equal(relu_derivative(z), [1.0 if v > 0 else 0.0 for v in z])


def test_softmax_and_log_softmax_match_scipy_on_matrices():
    rng = np.random.default_rng(2)
    for _ in range(50):
        z = rng.normal(0, 30, size=(rng.integers(1, 6), rng.integers(2, 7)))
        for axis in (0, 1, -1):
            np.testing.assert_allclose(softmax(z, axis=axis), sc.softmax(z, axis=axis),
                                       rtol=1e-12, atol=1e-300)
            np.testing.assert_allclose(log_softmax(z, axis=axis), sc.log_softmax(z, axis=axis),
                                       rtol=1e-12, atol=1e-12)


def test_softmax_survives_overflowing_logits():
    np.testing.assert_allclose(softmax([1e4, 1e4 + np.log(3)]), [0.25, 0.75])


@settings(max_examples=80, deadline=None)
@given(finite)
def test_sigmoid_is_antisymmetric_around_a_half(z):
    assert sigmoid(-z) == pytest.approx(1 - sigmoid(z), abs=1e-15)


@settings(max_examples=80, deadline=None)
@given(logit_arrays, st.floats(-100, 100))
def test_softmax_is_invariant_to_shifting_the_logits(z, c):
    np.testing.assert_allclose(softmax(z + c), softmax(z), rtol=1e-9, atol=1e-15)
    assert softmax(z).sum() == pytest.approx(1.0)


@settings(max_examples=50, deadline=None)
@given(logit_arrays)
def test_list_and_array_input_agree(z):
    np.testing.assert_array_equal(sigmoid(list(z)), sigmoid(z))
    np.testing.assert_array_equal(softmax(list(z)), softmax(z))


@pytest.mark.parametrize("f", [sigmoid, log_sigmoid, sigmoid_derivative, tanh_derivative, relu,
                               relu_derivative, softmax, log_softmax])
def test_nan_is_refused(f):
    with pytest.raises(ValueError, match="z must contain only finite numbers"):
        f([0.0, np.nan])


def test_non_numeric_and_bad_axis_are_refused():
    with pytest.raises(TypeError, match="z must be an array of real numbers"):
        sigmoid(["a"])
    with pytest.raises(ValueError, match=r"axis \(2\) must be between"):
        softmax([1.0, 2.0], axis=2)
    with pytest.raises(ValueError, match="z must have at least one dimension"):
        softmax(1.0)
