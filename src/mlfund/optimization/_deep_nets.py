"""Keeping deep-net training stable: gradient clipping, normalization layers, AdamW."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mlfund._validation import as_float_array, check_positive

from ._checks import as_real_array
from ._optimizers import AdamState, AdamStep, _params_and_gradient, adam_step

__all__ = ["clip_by_norm", "batch_norm", "layer_norm", "adamw_step"]


def clip_by_norm(gradient: ArrayLike, *, max_norm: float) -> np.ndarray:
    """Clip a gradient by its Euclidean norm: g · min(1, c/‖g‖).

    A gradient longer than c is scaled down to length c; a shorter one (and the zero
    vector) is left as it is. The direction is kept, unlike clipping each coordinate to
    [−c, c]. Frameworks clip the norm of all the parameters' gradients taken together
    (PyTorch's ``clip_grad_norm_``): pass them as one flat array.

    Parameters
    ----------
    gradient : array_like
        The gradient g (any shape; its norm is taken over all entries).
    max_norm : float
        The threshold c > 0.

    Returns
    -------
    ndarray
        The clipped gradient, the shape of ``gradient``.

    Examples
    --------
    (3, 4) has norm 5; clipped at 1 it becomes (0.6, 0.8), at 10 it is unchanged:

    >>> from mlfund.optimization import clip_by_norm
    >>> clip_by_norm([3.0, 4.0], max_norm=1.0)
    array([0.6, 0.8])
    >>> clip_by_norm([3.0, 4.0], max_norm=10.0)
    array([3., 4.])
    """
    g = as_real_array("gradient", gradient)
    c = check_positive("max_norm", max_norm)
    norm = float(np.sqrt(np.sum(g**2)))
    if norm <= c:
        return g.copy()
    return g * (c / norm)


def _normalize(x: np.ndarray, axis: int, eps: float) -> np.ndarray:
    mean = x.mean(axis=axis, keepdims=True)
    var = x.var(axis=axis, keepdims=True)          # divisor n, as the layers use
    return (x - mean) / np.sqrt(var + eps)


def batch_norm(X: ArrayLike, *, eps: float = 1e-5) -> np.ndarray:
    """Batch normalization in training mode, before its learned scale and shift.

    Each feature (column) is standardised over the examples of the minibatch (the rows):
    (x − mean over the batch)/√(variance over the batch + ε) (Ioffe & Szegedy, 2015). The
    output of one example depends on the other examples of its batch; at test time the
    layer uses running averages of the batch statistics instead.

    Parameters
    ----------
    X : array_like
        Activations, shape (batch, features).
    eps : float, optional
        ε >= 0 added to the variance (default 1e-5).

    Returns
    -------
    ndarray
        Every column with mean 0 and variance about 1.

    Examples
    --------
    >>> from mlfund.optimization import batch_norm
    >>> batch_norm([[1.0, 10.0], [3.0, 30.0]], eps=0.0)
    array([[-1., -1.],
           [ 1.,  1.]])
    """
    x = as_float_array("X", X, ndim=2)
    return _normalize(x, 0, check_positive("eps", eps, strict=False))


def layer_norm(X: ArrayLike, *, eps: float = 1e-5) -> np.ndarray:
    """Layer normalization, before its learned scale and shift.

    Each example (row) is standardised over its own features: (x − mean over the
    features)/√(variance over the features + ε) (Ba, Kiros & Hinton, 2016). No statistic
    crosses examples, so it behaves the same at any batch size, at training and at test
    time, which is why transformers and RNNs use it.

    Parameters
    ----------
    X : array_like
        Activations, shape (batch, features).
    eps : float, optional
        ε >= 0 added to the variance (default 1e-5).

    Returns
    -------
    ndarray
        Every row with mean 0 and variance about 1.

    Examples
    --------
    >>> from mlfund.optimization import layer_norm
    >>> layer_norm([[1.0, 3.0], [10.0, 30.0]], eps=0.0)
    array([[-1.,  1.],
           [-1.,  1.]])
    """
    x = as_float_array("X", X, ndim=2)
    return _normalize(x, 1, check_positive("eps", eps, strict=False))


def adamw_step(
    params: ArrayLike,
    gradient: ArrayLike,
    state: AdamState | None = None,
    *,
    learning_rate: float = 0.001,
    weight_decay: float = 0.01,
    decoupled: bool = True,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> AdamStep:
    """One Adam step with weight decay λ, decoupled (AdamW) or as an L2 penalty.

    Decoupled (Loshchilov & Hutter, ICLR 2019, as PyTorch's ``AdamW``): the moments see
    the loss's gradient g only, and the weights are shrunk outside the adaptive step,
    w ← (1 − ηλ)w − η m̂/(√v̂ + ε). As an L2 penalty (``decoupled=False``, what
    ``Adam(weight_decay=λ)`` does): g + λw, the gradient of L + (λ/2)‖w‖², is fed to
    Adam, so the decay passes through the moments and is divided by √v̂ like the rest.

    Parameters
    ----------
    params, gradient : array_like
        w and ∇L(w) of the unpenalised loss, the same shape.
    state : AdamState, optional
        The state from the previous step (default: zero moments, t = 0).
    learning_rate : float, optional
        η > 0 (default 0.001).
    weight_decay : float, optional
        λ >= 0 (default 0.01).
    decoupled : bool, optional
        True for AdamW (default), False for Adam on the L2-penalised loss.
    beta1, beta2, eps : float, optional
        As for :func:`adam_step`.

    Returns
    -------
    AdamStep
        ``params``, the new ``state`` and the bias-corrected moments.

    Examples
    --------
    At the first step Adam's update has size η whatever the gradient; AdamW shrinks w by
    ηλ on top, while the L2 penalty only tilts the normalised gradient:

    >>> from mlfund.optimization import adamw_step
    >>> adamw_step([2.0], [0.5], learning_rate=0.1, weight_decay=0.5).params.round(6)
    array([1.8])
    >>> adamw_step([2.0], [0.5], learning_rate=0.1, weight_decay=0.5,
    ...            decoupled=False).params.round(6)
    array([1.9])
    """
    w, g = _params_and_gradient(params, gradient)
    lam = check_positive("weight_decay", weight_decay, strict=False)
    if not isinstance(decoupled, (bool, np.bool_)):
        raise TypeError(f"decoupled ({decoupled!r}) must be True or False.")
    options = {"learning_rate": learning_rate, "beta1": beta1, "beta2": beta2, "eps": eps}
    if not decoupled:
        return adam_step(w, g + lam * w, state, **options)
    step = adam_step(w, g, state, **options)
    eta = float(learning_rate)
    new = step.params - eta * lam * w      # = (1 − ηλ)w − η m̂/(√v̂ + ε)
    return AdamStep(params=new, state=step.state, m_hat=step.m_hat, v_hat=step.v_hat)
