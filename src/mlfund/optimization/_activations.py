"""Activations and their derivatives: sigmoid, tanh, ReLU, softmax."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._checks import as_real_array, scalar_or_array

__all__ = [
    "sigmoid",
    "log_sigmoid",
    "sigmoid_derivative",
    "tanh_derivative",
    "relu",
    "relu_derivative",
    "softmax",
    "log_softmax",
]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # exp of a non-positive number never overflows: use e^z/(1+e^z) for z < 0.
    out = np.empty_like(z, dtype=float)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def sigmoid(z: ArrayLike) -> float | np.ndarray:
    """The logistic function σ(z) = 1 / (1 + e^(−z)), computed without overflow.

    Parameters
    ----------
    z : array_like
        Logits (any shape).

    Returns
    -------
    float or ndarray
        σ(z), elementwise; a float for a scalar input.

    Examples
    --------
    A logit of 0 is a coin flip, and a huge negative logit is a tiny probability, not a
    warning about ``exp`` overflowing:

    >>> from mlfund.optimization import sigmoid
    >>> sigmoid(0.0)
    0.5
    >>> sigmoid([-1000.0, 0.0, 2.0]).round(4)
    array([0.    , 0.5   , 0.8808])
    """
    arr = as_real_array("z", z)
    return scalar_or_array(_sigmoid(np.atleast_1d(arr)).reshape(arr.shape))


def log_sigmoid(z: ArrayLike) -> float | np.ndarray:
    """log σ(z) = −log(1 + e^(−z)), stable for large |z|.

    Parameters
    ----------
    z : array_like
        Logits (any shape).

    Returns
    -------
    float or ndarray
        log σ(z), elementwise.

    Examples
    --------
    For a very negative logit, log σ(z) ≈ z, where ``log(sigmoid(z))`` would give −inf:

    >>> from mlfund.optimization import log_sigmoid
    >>> log_sigmoid(-800.0)
    -800.0
    >>> round(log_sigmoid(0.0), 6)
    -0.693147
    """
    arr = as_real_array("z", z)
    return scalar_or_array(-np.logaddexp(0.0, -arr))


def sigmoid_derivative(z: ArrayLike) -> float | np.ndarray:
    """σ'(z) = σ(z)(1 − σ(z)); its maximum is 1/4, at z = 0.

    Parameters
    ----------
    z : array_like
        Logits (any shape).

    Returns
    -------
    float or ndarray
        σ'(z), elementwise.

    Examples
    --------
    The slope is largest at the decision boundary and vanishes in the tails:

    >>> from mlfund.optimization import sigmoid_derivative
    >>> sigmoid_derivative(0.0)
    0.25
    >>> sigmoid_derivative([-10.0, 10.0]).round(6)
    array([4.5e-05, 4.5e-05])
    """
    arr = as_real_array("z", z)
    s = _sigmoid(np.atleast_1d(arr)).reshape(arr.shape)
    return scalar_or_array(s * (1.0 - s))


def tanh_derivative(z: ArrayLike) -> float | np.ndarray:
    """tanh'(z) = 1 − tanh²(z); it equals 1 at z = 0.

    Parameters
    ----------
    z : array_like
        Pre-activations (any shape).

    Returns
    -------
    float or ndarray
        1 − tanh(z)², elementwise.

    Examples
    --------
    tanh passes gradients through unchanged at 0, four times more than the sigmoid:

    >>> from mlfund.optimization import tanh_derivative
    >>> tanh_derivative(0.0)
    1.0
    >>> round(tanh_derivative(1.0), 4)
    0.42
    """
    arr = as_real_array("z", z)
    return scalar_or_array(1.0 - np.tanh(arr) ** 2)


def relu(z: ArrayLike) -> float | np.ndarray:
    """ReLU(z) = max(0, z).

    Parameters
    ----------
    z : array_like
        Pre-activations (any shape).

    Returns
    -------
    float or ndarray
        max(0, z), elementwise.

    Examples
    --------
    >>> from mlfund.optimization import relu
    >>> relu([-2.0, 0.0, 3.0])
    array([0., 0., 3.])
    """
    arr = as_real_array("z", z)
    return scalar_or_array(np.maximum(arr, 0.0))


def relu_derivative(z: ArrayLike) -> float | np.ndarray:
    """ReLU'(z) = 1 for z > 0 and 0 for z < 0; at z = 0 we use 0 (a valid subgradient).

    Parameters
    ----------
    z : array_like
        Pre-activations (any shape).

    Returns
    -------
    float or ndarray
        The derivative, elementwise (0.0 or 1.0).

    Examples
    --------
    Active units pass the gradient on unchanged, so a chain of them does not shrink it:

    >>> from mlfund.optimization import relu_derivative
    >>> relu_derivative([-2.0, 0.0, 3.0])
    array([0., 0., 1.])
    """
    arr = as_real_array("z", z)
    return scalar_or_array((arr > 0).astype(float))


def _as_logits(z: ArrayLike, axis: int) -> tuple[np.ndarray, int]:
    arr = as_real_array("z", z)
    if arr.ndim == 0:
        raise ValueError("z must have at least one dimension (the classes); got a scalar.")
    if not -arr.ndim <= axis < arr.ndim:
        raise ValueError(f"axis ({axis!r}) must be between {-arr.ndim} and {arr.ndim - 1}.")
    return arr, axis


def log_softmax(z: ArrayLike, *, axis: int = -1) -> np.ndarray:
    """log softmax(z) = z − logsumexp(z), along ``axis``, stable for large logits.

    Parameters
    ----------
    z : array_like
        Logits, at least 1-d.
    axis : int, optional
        The axis of the classes (default: the last).

    Returns
    -------
    ndarray
        Log-probabilities, same shape as ``z``.

    Examples
    --------
    Adding a constant to every logit changes nothing, even a constant that would overflow
    ``exp``:

    >>> from mlfund.optimization import log_softmax
    >>> log_softmax([1000.0, 1000.0]).round(4)
    array([-0.6931, -0.6931])
    """
    arr, axis = _as_logits(z, axis)
    shifted = arr - np.max(arr, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax(z: ArrayLike, *, axis: int = -1) -> np.ndarray:
    """softmax(z)_k = e^(z_k) / Σ_j e^(z_j), along ``axis``.

    Parameters
    ----------
    z : array_like
        Logits, at least 1-d.
    axis : int, optional
        The axis of the classes (default: the last).

    Returns
    -------
    ndarray
        Probabilities summing to 1 along ``axis``.

    Examples
    --------
    Three classes whose logits differ by 1 in turn:

    >>> from mlfund.optimization import softmax
    >>> softmax([1.0, 2.0, 3.0]).round(4)
    array([0.09  , 0.2447, 0.6652])
    """
    return np.exp(log_softmax(z, axis=axis))
