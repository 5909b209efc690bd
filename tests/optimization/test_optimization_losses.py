"""Losses of predictions: cross-checked against scikit-learn, scipy and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sc
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import log_loss

from mlfund.optimization import (
    binary_cross_entropy,
    binary_cross_entropy_gradient,
    binary_cross_entropy_hessian,
    binary_cross_entropy_with_logits,
    binary_cross_entropy_with_logits_gradient,
    binary_cross_entropy_with_logits_hessian,
    gradient_check,
    l1_penalty,
    l1_penalty_subgradient,
    l2_penalty,
    l2_penalty_gradient,
    l2_penalty_hessian,
    numerical_hessian,
    softmax_cross_entropy,
    softmax_cross_entropy_gradient,
    softmax_cross_entropy_hessian,
)

RNG = np.random.default_rng(20240501)
CASES = [(RNG.normal(0, 3, size=n), RNG.integers(0, 2, size=n)) for n in RNG.integers(1, 30, 40)]


def _assert_psd(h):
    assert np.allclose(h, h.T)
    assert np.linalg.eigvalsh(h).min() >= -1e-12


# --- binary cross-entropy --------------------------------------------------------------


@pytest.mark.parametrize("z, y", CASES)
def test_bce_matches_sklearn_log_loss(z, y):
    p = sc.expit(z)
    assert binary_cross_entropy(p, y) == pytest.approx(log_loss(y, p, labels=[0, 1]), rel=1e-10)


@pytest.mark.parametrize("z, y", CASES)
def test_bce_with_logits_equals_bce_of_the_sigmoid(z, y):
    expected = -np.mean(y * sc.log_expit(z) + (1 - y) * sc.log_expit(-z))
    assert binary_cross_entropy_with_logits(z, y) == pytest.approx(expected, rel=1e-12)
    assert binary_cross_entropy_with_logits(z, y) == pytest.approx(
        binary_cross_entropy(sc.expit(z), y), rel=1e-8)


@pytest.mark.parametrize("z, y", CASES)
def test_bce_gradients_and_hessians_match_finite_differences(z, y):
    p = sc.expit(np.clip(z, -4, 4))
    check = gradient_check(lambda q: binary_cross_entropy(q, y),
                           lambda q: binary_cross_entropy_gradient(q, y), p, step=1e-7)
    assert check.passed, check
    hess = binary_cross_entropy_hessian(p, y)
    num = numerical_hessian(lambda q: binary_cross_entropy_gradient(q, y), p, step=1e-7)
    np.testing.assert_allclose(hess, num, rtol=1e-4, atol=1e-6)
    _assert_psd(hess)

    check = gradient_check(lambda v: binary_cross_entropy_with_logits(v, y),
                           lambda v: binary_cross_entropy_with_logits_gradient(v, y), z)
    assert check.passed, check
    hess = binary_cross_entropy_with_logits_hessian(z, y)
    num = numerical_hessian(lambda v: binary_cross_entropy_with_logits_gradient(v, y), z)
    np.testing.assert_allclose(hess, num, rtol=1e-5, atol=1e-8)
    _assert_psd(hess)


def test_bce_logit_gradient_is_prediction_minus_label_over_n():
    z, y = np.array([-2.0, 0.0, 3.0]), np.array([1, 0, 1])
    np.testing.assert_allclose(binary_cross_entropy_with_logits_gradient(z, y),
                               (sc.expit(z) - y) / 3)


def test_bce_edge_cases():
    assert binary_cross_entropy([1.0, 0.0], [1, 0]) == 0.0
    assert binary_cross_entropy([0.0], [1]) == np.inf
    assert binary_cross_entropy_with_logits([1000.0], [1]) == 0.0
    assert binary_cross_entropy_with_logits([-1000.0], [1]) == pytest.approx(1000.0)
    assert binary_cross_entropy(0.25, 1) == pytest.approx(np.log(4))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-30, 30), st.sampled_from([0, 1])), min_size=1,
                max_size=20), st.randoms())
def test_bce_is_invariant_to_the_order_of_examples(pairs, rand):
    z, y = map(np.array, zip(*pairs, strict=True))
    perm = list(range(len(z)))
    rand.shuffle(perm)
    assert binary_cross_entropy_with_logits(z[perm], y[perm]) == pytest.approx(
        binary_cross_entropy_with_logits(z, y), rel=1e-12, abs=1e-15)
    assert binary_cross_entropy_with_logits(list(z), list(y)) == \
        binary_cross_entropy_with_logits(z, y)


@settings(max_examples=60, deadline=None)
@given(st.floats(-30, 30), st.sampled_from([0, 1]))
def test_flipping_label_and_logit_leaves_the_loss_unchanged(z, y):
    assert binary_cross_entropy_with_logits([z], [y]) == pytest.approx(
        binary_cross_entropy_with_logits([-z], [1 - y]), rel=1e-12, abs=1e-300)


# --- softmax cross-entropy -------------------------------------------------------------

SOFT_CASES = []
for _ in range(30):
    n, k = int(RNG.integers(1, 8)), int(RNG.integers(2, 6))
    SOFT_CASES.append((RNG.normal(0, 3, size=(n, k)), RNG.integers(0, k, size=n)))


@pytest.mark.parametrize("logits, labels", SOFT_CASES)
def test_softmax_cross_entropy_matches_sklearn_and_scipy(logits, labels):
    k = logits.shape[1]
    p = sc.softmax(logits, axis=1)
    ours = softmax_cross_entropy(logits, labels)
    assert ours == pytest.approx(log_loss(labels, p, labels=list(range(k))), rel=1e-9)
    manual = -np.mean(sc.log_softmax(logits, axis=1)[np.arange(len(labels)), labels])
    assert ours == pytest.approx(manual, rel=1e-12)
    onehot = np.eye(k)[labels]
    assert softmax_cross_entropy(logits, onehot) == pytest.approx(ours, rel=1e-12)


@pytest.mark.parametrize("logits, labels", SOFT_CASES)
def test_softmax_cross_entropy_derivatives_match_finite_differences(logits, labels):
    check = gradient_check(lambda z: softmax_cross_entropy(z, labels),
                           lambda z: softmax_cross_entropy_gradient(z, labels), logits)
    assert check.passed, check
    grad = softmax_cross_entropy_gradient(logits, labels)
    np.testing.assert_allclose(
        grad, (sc.softmax(logits, axis=1) - np.eye(logits.shape[1])[labels]) / len(labels))
    hess = softmax_cross_entropy_hessian(logits, labels)
    num = numerical_hessian(lambda z: softmax_cross_entropy_gradient(z, labels), logits)
    np.testing.assert_allclose(hess, num, rtol=1e-5, atol=1e-8)
    _assert_psd(hess)
    # singular: shifting one row's logits together changes nothing
    assert np.linalg.eigvalsh(hess).min() == pytest.approx(0.0, abs=1e-12)


def test_softmax_cross_entropy_single_example_and_soft_targets():
    z = np.array([0.5, -1.0, 2.0])
    t = np.array([0.2, 0.3, 0.5])
    assert softmax_cross_entropy(z, t) == pytest.approx(-np.sum(t * sc.log_softmax(z)))
    np.testing.assert_allclose(softmax_cross_entropy_gradient(z, t), sc.softmax(z) - t)
    assert softmax_cross_entropy_hessian(z, 1).shape == (3, 3)
    assert softmax_cross_entropy([1e4, 0.0], 0) == pytest.approx(0.0)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-20, 20), min_size=2, max_size=6), st.floats(-50, 50))
def test_softmax_cross_entropy_ignores_a_common_shift(z, c):
    z = np.array(z)
    assert softmax_cross_entropy(z + c, 0) == pytest.approx(softmax_cross_entropy(z, 0),
                                                            rel=1e-9, abs=1e-9)


# --- penalties -------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(10))
def test_penalties_and_their_derivatives(seed):
    rng = np.random.default_rng(seed)
    w = rng.normal(size=rng.integers(1, 8))
    lam = float(rng.uniform(0, 3))
    assert l2_penalty(w, lam=lam) == pytest.approx(lam * np.linalg.norm(w) ** 2)
    assert l1_penalty(w, lam=lam) == pytest.approx(lam * np.linalg.norm(w, 1))
    check = gradient_check(lambda v: l2_penalty(v, lam=lam),
                           lambda v: l2_penalty_gradient(v, lam=lam), w)
    assert check.passed
    check = gradient_check(lambda v: l1_penalty(v, lam=lam),
                           lambda v: l1_penalty_subgradient(v, lam=lam), w)
    assert check.passed  # no coordinate is exactly 0
    np.testing.assert_allclose(
        l2_penalty_hessian(w, lam=lam),
        numerical_hessian(lambda v: l2_penalty_gradient(v, lam=lam), w), atol=1e-7)


def test_l1_subgradient_at_zero_is_a_valid_subgradient():
    lam = 0.7
    g = l1_penalty_subgradient(0.0, lam=lam)
    assert g == 0.0
    # subgradient inequality: |v| lam >= 0 + g (v - 0) for all v
    v = np.linspace(-3, 3, 61)
    assert np.all(lam * np.abs(v) >= g * v)


# --- bad input -------------------------------------------------------------------------


def test_bad_input_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="p and y must have the same shape"):
        binary_cross_entropy([0.5, 0.5], [1])
    with pytest.raises(ValueError, match="y must contain only the labels 0 and 1"):
        binary_cross_entropy([0.5], [2])
    with pytest.raises(ValueError, match=r"p must contain probabilities in \[0, 1\]"):
        binary_cross_entropy([1.5], [1])
    with pytest.raises(ValueError, match="p must be strictly between 0 and 1"):
        binary_cross_entropy_gradient([0.0], [0])
    with pytest.raises(ValueError, match="p must contain only finite numbers"):
        binary_cross_entropy([np.nan], [1])
    with pytest.raises(ValueError, match="z and y must have the same shape"):
        binary_cross_entropy_with_logits([0.0, 1.0], [1, 0, 1])
    with pytest.raises(ValueError, match="y must hold class labels 0, ..., 2; found 3"):
        softmax_cross_entropy([[0.0, 1.0, 2.0]], [3])
    with pytest.raises(ValueError, match="one-hot or probability rows"):
        softmax_cross_entropy([[0.0, 1.0]], [[0.5, 0.6]])
    with pytest.raises(ValueError, match="y must be class labels of shape"):
        softmax_cross_entropy([[0.0, 1.0]], [0, 1])
    with pytest.raises(ValueError, match="logits must have shape"):
        softmax_cross_entropy([1.0], 0)
    with pytest.raises(ValueError, match=r"lam \(-1\) must be >= 0"):
        l2_penalty([1.0], lam=-1)
    with pytest.raises(TypeError, match="lam"):
        l1_penalty([1.0], lam="big")
