"""Clipping, normalization layers and AdamW against direct computations and scikit-learn."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlfund.optimization import adam_step, adamw_step, batch_norm, clip_by_norm, layer_norm


def test_is_a_long_gradient_rescaled_to_length_c_in_the_same_direction():
    g = np.array([[3.0, 0.0], [0.0, -4.0]])          # any shape: the norm is over all entries
    out = clip_by_norm(g, max_norm=2.5)
    assert np.linalg.norm(out) == pytest.approx(2.5)
    np.testing.assert_allclose(out, g / 2)


@pytest.mark.parametrize("g", [[0.0, 0.0], [0.1, -0.2], [3.0, 4.0]])
def test_is_a_short_or_zero_gradient_left_alone(g):
    np.testing.assert_array_equal(clip_by_norm(g, max_norm=5.0), g)


@pytest.mark.parametrize("bad", [0.0, -1.0, math.nan])
def test_is_a_nonpositive_threshold_refused_with_its_value(bad):
    with pytest.raises(ValueError, match="max_norm"):
        clip_by_norm([1.0], max_norm=bad)


def test_are_the_normalisations_standard_scaling_along_each_axis():
    from sklearn.preprocessing import StandardScaler

    X = np.random.default_rng(0).normal(loc=4.0, scale=[1.0, 10.0, 0.1], size=(20, 3))
    np.testing.assert_allclose(batch_norm(X, eps=0.0), StandardScaler().fit_transform(X))
    np.testing.assert_allclose(layer_norm(X, eps=0.0), StandardScaler().fit_transform(X.T).T)


def test_does_layer_norm_of_one_example_not_depend_on_the_others():
    X = np.random.default_rng(1).normal(size=(5, 4))
    np.testing.assert_allclose(layer_norm(X)[:1], layer_norm(X[:1]))
    assert not np.allclose(batch_norm(X)[:2], batch_norm(X[:2]))


def test_is_adamw_without_decay_plain_adam():
    a = adamw_step([1.0, -2.0], [0.3, 0.1], weight_decay=0.0)
    b = adam_step([1.0, -2.0], [0.3, 0.1])
    np.testing.assert_allclose(a.params, b.params)


def test_is_the_l2_variant_adam_on_the_penalised_gradient():
    w, g, lam = np.array([1.0, -2.0]), np.array([0.3, 0.1]), 0.2
    a = adamw_step(w, g, weight_decay=lam, decoupled=False, learning_rate=0.01)
    b = adam_step(w, g + lam * w, learning_rate=0.01)
    np.testing.assert_allclose(a.params, b.params)


def test_does_adamw_shrink_by_one_minus_eta_lambda_before_the_adam_step():
    w, g = np.array([1.0, -2.0]), np.array([0.3, 0.1])
    a = adamw_step(w, g, weight_decay=0.5, learning_rate=0.01)
    b = adam_step(w, g, learning_rate=0.01)
    np.testing.assert_allclose(a.params, b.params - 0.01 * 0.5 * w)


def test_is_decoupled_checked():
    with pytest.raises(TypeError, match="decoupled"):
        adamw_step([1.0], [1.0], decoupled="yes")
