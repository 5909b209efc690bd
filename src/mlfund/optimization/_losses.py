"""Losses of predictions, with gradients and Hessians: binary and softmax cross-entropy, penalties.

Every loss is the MEAN over the examples, and every gradient and Hessian is that of the
returned mean, so each can be checked by finite differences of the loss itself. The
per-example derivative is ``n`` times the returned one.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mlfund._validation import check_positive

from ._activations import _sigmoid, log_softmax
from ._checks import as_labels, as_real_array, as_vector, scalar_or_array

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_gradient",
    "binary_cross_entropy_hessian",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_gradient",
    "binary_cross_entropy_with_logits_hessian",
    "softmax_cross_entropy",
    "softmax_cross_entropy_gradient",
    "softmax_cross_entropy_hessian",
    "l2_penalty",
    "l2_penalty_gradient",
    "l2_penalty_hessian",
    "l1_penalty",
    "l1_penalty_subgradient",
]


# --- binary cross-entropy of probabilities ------------------------------------------------


def _probabilities_and_labels(
    p: ArrayLike, y: ArrayLike, *, open_interval: bool
) -> tuple[np.ndarray, np.ndarray]:
    p_arr = as_vector("p", p)
    y_arr = as_labels("y", y).astype(float)
    if p_arr.shape != y_arr.shape:
        raise ValueError(
            f"p and y must have the same shape; p has shape {p_arr.shape}, y has {y_arr.shape}."
        )
    if open_interval:
        bad = (p_arr <= 0) | (p_arr >= 1)
        if bad.any():
            raise ValueError(
                f"p must be strictly between 0 and 1 (the derivative of log is undefined at "
                f"0); found {float(p_arr[bad][0])!r}. Use the logits form for saturated "
                "predictions."
            )
    else:
        bad = (p_arr < 0) | (p_arr > 1)
        if bad.any():
            raise ValueError(
                f"p must contain probabilities in [0, 1]; found {float(p_arr[bad][0])!r}."
            )
    return p_arr, y_arr


def binary_cross_entropy(p: ArrayLike, y: ArrayLike) -> float:
    """Mean binary cross-entropy −(1/n) Σ [y log p + (1 − y) log(1 − p)].

    Parameters
    ----------
    p : array_like
        Predicted probabilities of class 1, in [0, 1], shape (n,).
    y : array_like
        Labels in {0, 1}, shape (n,).

    Returns
    -------
    float
        The mean loss. It is ``inf`` when a prediction is certain and wrong (p = 0 with
        y = 1, or p = 1 with y = 0); a certain and right prediction costs 0.

    See Also
    --------
    binary_cross_entropy_with_logits : the same loss as a function of the logits.

    Examples
    --------
    Two emails, a spam (y = 1) predicted at 0.9 and a ham (y = 0) predicted at 0.2:

    >>> from mlfund.optimization import binary_cross_entropy
    >>> round(binary_cross_entropy([0.9, 0.2], [1, 0]), 4)
    0.1643
    """
    p_arr, y_arr = _probabilities_and_labels(p, y, open_interval=False)
    # Only the log of the label's own probability enters, so 0·log 0 never appears.
    chosen = np.where(y_arr == 1, p_arr, 1.0 - p_arr)
    with np.errstate(divide="ignore"):
        return float(-np.mean(np.log(chosen)))


def binary_cross_entropy_gradient(p: ArrayLike, y: ArrayLike) -> np.ndarray:
    """Gradient of the mean BCE with respect to the probabilities: (1/n)(−y/p + (1−y)/(1−p)).

    Parameters
    ----------
    p : array_like
        Predicted probabilities, strictly between 0 and 1, shape (n,).
    y : array_like
        Labels in {0, 1}, shape (n,).

    Returns
    -------
    ndarray
        Shape (n,). Equals (1/n)(p − y) / (p(1 − p)).

    Examples
    --------
    One spam predicted at 0.8: the loss −log p falls as p rises, at rate 1/p:

    >>> from mlfund.optimization import binary_cross_entropy_gradient
    >>> binary_cross_entropy_gradient([0.8], [1])
    array([-1.25])
    """
    p_arr, y_arr = _probabilities_and_labels(p, y, open_interval=True)
    return (-y_arr / p_arr + (1.0 - y_arr) / (1.0 - p_arr)) / p_arr.size


def binary_cross_entropy_hessian(p: ArrayLike, y: ArrayLike) -> np.ndarray:
    """Hessian of the mean BCE in p: diagonal, (1/n)(y/p² + (1−y)/(1−p)²).

    Parameters
    ----------
    p : array_like
        Predicted probabilities, strictly between 0 and 1, shape (n,).
    y : array_like
        Labels in {0, 1}, shape (n,).

    Returns
    -------
    ndarray
        Shape (n, n), diagonal and positive definite: the loss is convex in p.

    Examples
    --------
    >>> from mlfund.optimization import binary_cross_entropy_hessian
    >>> binary_cross_entropy_hessian([0.5, 0.5], [1, 0])
    array([[2., 0.],
           [0., 2.]])
    """
    p_arr, y_arr = _probabilities_and_labels(p, y, open_interval=True)
    return np.diag((y_arr / p_arr**2 + (1.0 - y_arr) / (1.0 - p_arr) ** 2) / p_arr.size)


# --- binary cross-entropy of logits -------------------------------------------------------


def _logits_and_labels(z: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    z_arr = as_vector("z", z)
    y_arr = as_labels("y", y).astype(float)
    if z_arr.shape != y_arr.shape:
        raise ValueError(
            f"z and y must have the same shape; z has shape {z_arr.shape}, y has {y_arr.shape}."
        )
    return z_arr, y_arr


def binary_cross_entropy_with_logits(z: ArrayLike, y: ArrayLike) -> float:
    """Mean BCE of σ(z), computed from the logits as (1/n) Σ [log(1 + e^z) − y z].

    Parameters
    ----------
    z : array_like
        Logits, shape (n,).
    y : array_like
        Labels in {0, 1}, shape (n,).

    Returns
    -------
    float
        The mean loss; finite for every finite logit, however large.

    Examples
    --------
    A confident mistake costs about its logit, instead of ``inf`` after rounding σ(z) to 1:

    >>> from mlfund.optimization import binary_cross_entropy_with_logits
    >>> binary_cross_entropy_with_logits([40.0], [0])
    40.0
    >>> round(binary_cross_entropy_with_logits([0.0, 2.0], [1, 1]), 4)
    0.4100
    """
    z_arr, y_arr = _logits_and_labels(z, y)
    # log(1 + e^z) − yz equals log(1 + e^(±z)) with the sign flipped for y = 1; that form
    # avoids cancelling two large numbers when a positive example has a large logit.
    return float(np.mean(np.logaddexp(0.0, (1.0 - 2.0 * y_arr) * z_arr)))


def binary_cross_entropy_with_logits_gradient(z: ArrayLike, y: ArrayLike) -> np.ndarray:
    """Gradient of the mean BCE in the logits: (1/n)(σ(z) − y).

    Parameters
    ----------
    z : array_like
        Logits, shape (n,).
    y : array_like
        Labels in {0, 1}, shape (n,).

    Returns
    -------
    ndarray
        Shape (n,): prediction minus label, over n.

    Examples
    --------
    One example with logit 0 and label 1: dL/dz = σ(0) − 1 = −0.5, pushing z up:

    >>> from mlfund.optimization import binary_cross_entropy_with_logits_gradient
    >>> binary_cross_entropy_with_logits_gradient([0.0], [1])
    array([-0.5])
    """
    z_arr, y_arr = _logits_and_labels(z, y)
    return (_sigmoid(z_arr) - y_arr) / z_arr.size


def binary_cross_entropy_with_logits_hessian(z: ArrayLike, y: ArrayLike) -> np.ndarray:
    """Hessian of the mean BCE in the logits: diag(σ(z)(1 − σ(z))) / n, whatever the labels.

    Parameters
    ----------
    z : array_like
        Logits, shape (n,).
    y : array_like
        Labels in {0, 1}, shape (n,) (validated; the Hessian does not depend on them).

    Returns
    -------
    ndarray
        Shape (n, n), diagonal, positive definite (entries at most 1/(4n)).

    Examples
    --------
    >>> from mlfund.optimization import binary_cross_entropy_with_logits_hessian
    >>> binary_cross_entropy_with_logits_hessian([0.0, 0.0], [0, 1])
    array([[0.125, 0.   ],
           [0.   , 0.125]])
    """
    z_arr, _ = _logits_and_labels(z, y)
    s = _sigmoid(z_arr)
    return np.diag(s * (1.0 - s) / z_arr.size)


# --- softmax cross-entropy ----------------------------------------------------------------


def _logits_and_targets(logits: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Logits as (n, K) and targets as (n, K) rows of probabilities (one-hot for labels)."""
    z = as_real_array("logits", logits)
    if z.ndim not in (1, 2) or z.shape[-1] < 2 or z.size == 0:
        raise ValueError(
            f"logits must have shape (K,) or (n, K) with K >= 2 classes; got shape {z.shape}."
        )
    single = z.ndim == 1
    z2 = z.reshape(1, -1) if single else z
    n, k = z2.shape
    y_raw = np.asarray(y)
    if y_raw.shape == z.shape:
        t = as_real_array("y", y_raw).reshape(n, k)
        if np.any(t < 0) or np.any(t > 1) or not np.allclose(t.sum(axis=1), 1.0, atol=1e-9):
            raise ValueError(
                "y with the shape of logits must hold one-hot or probability rows (entries in "
                "[0, 1] summing to 1 over the classes)."
            )
        return z2, t
    if y_raw.shape == z.shape[:-1]:
        labels = as_real_array("y", y_raw).reshape(n)
        bad = (labels != np.round(labels)) | (labels < 0) | (labels >= k)
        if bad.any():
            raise ValueError(
                f"y must hold class labels 0, ..., {k - 1}; found {float(labels[bad][0])!r}."
            )
        t = np.zeros((n, k))
        t[np.arange(n), labels.astype(int)] = 1.0
        return z2, t
    raise ValueError(
        f"y must be class labels of shape {z.shape[:-1]} or one-hot rows of shape {z.shape}; "
        f"got shape {y_raw.shape}."
    )


def softmax_cross_entropy(logits: ArrayLike, y: ArrayLike) -> float:
    """Mean cross-entropy of softmax(logits) against the targets: −(1/n) Σ_i Σ_k y_ik log p_ik.

    Parameters
    ----------
    logits : array_like
        Shape (K,) for one example or (n, K) for n examples.
    y : array_like
        Either class labels in {0, ..., K−1} (a scalar or shape (n,)), or one-hot /
        probability rows with the shape of ``logits``.

    Returns
    -------
    float
        The mean loss, computed with log-softmax so large logits do not overflow.

    Examples
    --------
    Three classes, the true class is 2; labels and one-hot rows give the same loss:

    >>> from mlfund.optimization import softmax_cross_entropy
    >>> round(softmax_cross_entropy([1.0, 2.0, 3.0], 2), 4)
    0.4076
    >>> round(softmax_cross_entropy([[1.0, 2.0, 3.0]], [[0, 0, 1]]), 4)
    0.4076
    """
    z, t = _logits_and_targets(logits, y)
    return float(-np.sum(t * log_softmax(z, axis=1)) / z.shape[0])


def softmax_cross_entropy_gradient(logits: ArrayLike, y: ArrayLike) -> np.ndarray:
    """Gradient of the mean softmax cross-entropy in the logits: (softmax(logits) − y) / n.

    Parameters
    ----------
    logits : array_like
        Shape (K,) or (n, K).
    y : array_like
        Class labels or one-hot / probability rows (see :func:`softmax_cross_entropy`).

    Returns
    -------
    ndarray
        The shape of ``logits``: predicted probabilities minus targets, over n.

    Examples
    --------
    Uniform logits over three classes, true class 0: p − y = (1/3 − 1, 1/3, 1/3):

    >>> from mlfund.optimization import softmax_cross_entropy_gradient
    >>> softmax_cross_entropy_gradient([0.0, 0.0, 0.0], 0).round(4)
    array([-0.6667,  0.3333,  0.3333])
    """
    z, t = _logits_and_targets(logits, y)
    grad = (np.exp(log_softmax(z, axis=1)) - t) / z.shape[0]
    return grad.reshape(np.shape(logits))


def softmax_cross_entropy_hessian(logits: ArrayLike, y: ArrayLike) -> np.ndarray:
    """Hessian of the mean softmax cross-entropy in the logits: (diag(p) − p pᵀ) / n per row.

    Parameters
    ----------
    logits : array_like
        Shape (K,) or (n, K).
    y : array_like
        Class labels or one-hot / probability rows (validated; the Hessian does not depend
        on them).

    Returns
    -------
    ndarray
        Shape (K, K) for one example; for n examples the (nK, nK) block-diagonal Hessian
        with respect to ``logits.ravel()`` (row-major: example by example). It is positive
        semi-definite and singular: adding a constant to a row's logits changes nothing.

    Examples
    --------
    Two classes at equal logits: the Hessian is [[1/4, −1/4], [−1/4, 1/4]]:

    >>> from mlfund.optimization import softmax_cross_entropy_hessian
    >>> softmax_cross_entropy_hessian([0.0, 0.0], 1)
    array([[ 0.25, -0.25],
           [-0.25,  0.25]])
    """
    z, _ = _logits_and_targets(logits, y)
    n, k = z.shape
    p = np.exp(log_softmax(z, axis=1))
    blocks = (p[:, :, None] * np.eye(k)[None, :, :] - p[:, :, None] * p[:, None, :]) / n
    hess = np.zeros((n * k, n * k))
    for i in range(n):
        hess[i * k : (i + 1) * k, i * k : (i + 1) * k] = blocks[i]
    return hess


# --- penalties ----------------------------------------------------------------------------


def _penalty_args(w: ArrayLike, lam: float) -> tuple[np.ndarray, float]:
    return as_real_array("w", w), check_positive("lam", lam, strict=False)


def l2_penalty(w: ArrayLike, *, lam: float = 1.0) -> float:
    """The L2 (ridge) penalty λ‖w‖² = λ Σ w_j².

    Parameters
    ----------
    w : array_like
        Weights (any shape).
    lam : float, optional
        The strength λ >= 0 (default 1).

    Returns
    -------
    float
        λ‖w‖². Note: no factor ½; its gradient is 2λw.

    Examples
    --------
    >>> from mlfund.optimization import l2_penalty
    >>> l2_penalty([3.0, -4.0], lam=0.1)
    2.5
    """
    arr, lam = _penalty_args(w, lam)
    return float(lam * np.sum(arr**2))


def l2_penalty_gradient(w: ArrayLike, *, lam: float = 1.0) -> float | np.ndarray:
    """Gradient of λ‖w‖²: 2λw.

    Parameters
    ----------
    w : array_like
        Weights (any shape).
    lam : float, optional
        The strength λ >= 0 (default 1).

    Returns
    -------
    float or ndarray
        2λw, the shape of ``w``.

    Examples
    --------
    The penalty pulls every weight towards 0 in proportion to its size:

    >>> from mlfund.optimization import l2_penalty_gradient
    >>> l2_penalty_gradient([3.0, -4.0], lam=0.1).round(6)
    array([ 0.6, -0.8])
    """
    arr, lam = _penalty_args(w, lam)
    return scalar_or_array(2.0 * lam * arr)


def l2_penalty_hessian(w: ArrayLike, *, lam: float = 1.0) -> np.ndarray:
    """Hessian of λ‖w‖²: 2λI, for the d = w.size weights.

    Parameters
    ----------
    w : array_like
        Weights (any shape; the Hessian is with respect to ``w.ravel()``).
    lam : float, optional
        The strength λ >= 0 (default 1).

    Returns
    -------
    ndarray
        Shape (d, d).

    Examples
    --------
    >>> from mlfund.optimization import l2_penalty_hessian
    >>> l2_penalty_hessian([3.0, -4.0], lam=0.5)
    array([[1., 0.],
           [0., 1.]])
    """
    arr, lam = _penalty_args(w, lam)
    return 2.0 * lam * np.eye(arr.size)


def l1_penalty(w: ArrayLike, *, lam: float = 1.0) -> float:
    """The L1 (lasso) penalty λ‖w‖₁ = λ Σ |w_j|.

    Parameters
    ----------
    w : array_like
        Weights (any shape).
    lam : float, optional
        The strength λ >= 0 (default 1).

    Returns
    -------
    float
        λ‖w‖₁. Its Hessian is 0 wherever it exists (no w_j = 0), so none is provided.

    Examples
    --------
    >>> from mlfund.optimization import l1_penalty
    >>> l1_penalty([3.0, -4.0], lam=0.1)
    0.7
    """
    arr, lam = _penalty_args(w, lam)
    return float(lam * np.sum(np.abs(arr)))


def l1_penalty_subgradient(w: ArrayLike, *, lam: float = 1.0) -> float | np.ndarray:
    """A subgradient of λ‖w‖₁: λ·sign(w), taking 0 at w_j = 0.

    At w_j = 0 any value in [−λ, λ] is a subgradient; 0 is the one of least norm (and the
    one ``numpy.sign`` gives). Elsewhere it is the gradient.

    Parameters
    ----------
    w : array_like
        Weights (any shape).
    lam : float, optional
        The strength λ >= 0 (default 1).

    Returns
    -------
    float or ndarray
        λ·sign(w), the shape of ``w``.

    Examples
    --------
    Unlike L2, the pull has the same size λ for every nonzero weight, big or small:

    >>> from mlfund.optimization import l1_penalty_subgradient
    >>> l1_penalty_subgradient([3.0, -0.01, 0.0], lam=0.1)
    array([ 0.1, -0.1,  0. ])
    """
    arr, lam = _penalty_args(w, lam)
    return scalar_or_array(lam * np.sign(arr))
