"""Update rules as pure steps with explicit state: gradient descent, weight decay, momentum, Adam.

A step takes the parameters, the gradient at them and the optimizer's state, and returns the
new parameters with the new state; nothing is mutated. :func:`gradient_descent` runs the
plain or momentum rule for a number of steps and keeps the path, for figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mlfund._validation import _show, check_count, check_positive

from ._checks import as_real_array, as_vector, check_beta, check_learning_rate

__all__ = [
    "gradient_descent_step",
    "weight_decay_step",
    "momentum_step",
    "MomentumStep",
    "adam_step",
    "AdamState",
    "AdamStep",
    "momentum_effective_learning_rate",
    "gradient_descent",
    "Trajectory",
]


def _params_and_gradient(params: ArrayLike, gradient: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    w = as_real_array("params", params)
    g = as_real_array("gradient", gradient)
    if w.shape != g.shape:
        raise ValueError(
            f"gradient must have the shape of params; params has shape {w.shape}, "
            f"gradient has {g.shape}."
        )
    return w, g


def _state_array(name: str, value: Any, shape: tuple[int, ...]) -> np.ndarray:
    if value is None:
        return np.zeros(shape)
    arr = as_real_array(name, value)
    if arr.shape != shape:
        raise ValueError(f"{name} must have the shape of params {shape}; got {arr.shape}.")
    return arr


def gradient_descent_step(
    params: ArrayLike, gradient: ArrayLike, *, learning_rate: float
) -> np.ndarray:
    """One gradient-descent step: w ← w − η ∇L(w).

    Parameters
    ----------
    params : array_like
        Current parameters w (any shape).
    gradient : array_like
        ∇L(w), the shape of ``params``.
    learning_rate : float
        The step size η > 0.

    Returns
    -------
    ndarray
        The new parameters.

    Examples
    --------
    On f(w) = w², whose gradient is 2w, a step of η = 0.25 halves w:

    >>> from mlfund.optimization import gradient_descent_step
    >>> gradient_descent_step([4.0], [8.0], learning_rate=0.25)
    array([2.])
    """
    w, g = _params_and_gradient(params, gradient)
    return w - check_learning_rate(learning_rate) * g


def weight_decay_step(
    params: ArrayLike, gradient: ArrayLike, *, learning_rate: float, weight_decay: float
) -> np.ndarray:
    """SGD with weight decay: w ← (1 − ηλ) w − η ∇L(w).

    This is exactly a plain step on L(w) + (λ/2)‖w‖², whose gradient is ∇L(w) + λw: weight
    decay λ is an L2 penalty of strength λ/2 under SGD. (Under Adam the two differ; that
    is why AdamW decays the weights separately.)

    Parameters
    ----------
    params : array_like
        Current parameters w (any shape).
    gradient : array_like
        ∇L(w) of the unpenalised loss, the shape of ``params``.
    learning_rate : float
        The step size η > 0.
    weight_decay : float
        The decay λ >= 0.

    Returns
    -------
    ndarray
        The new parameters.

    Examples
    --------
    With η = 0.1 and λ = 0.5 every weight shrinks by 5 % before the gradient step:

    >>> from mlfund.optimization import weight_decay_step
    >>> weight_decay_step([2.0, -1.0], [1.0, 0.0], learning_rate=0.1, weight_decay=0.5)
    array([ 1.8 , -0.95])
    """
    w, g = _params_and_gradient(params, gradient)
    eta = check_learning_rate(learning_rate)
    lam = check_positive("weight_decay", weight_decay, strict=False)
    return (1.0 - eta * lam) * w - eta * g


@dataclass(frozen=True, slots=True)
class MomentumStep:
    """The result of :func:`momentum_step`."""

    params: np.ndarray
    """The new parameters."""
    velocity: np.ndarray
    """The new velocity; pass it to the next step."""


def momentum_step(
    params: ArrayLike,
    gradient: ArrayLike,
    velocity: ArrayLike | None = None,
    *,
    learning_rate: float,
    beta: float = 0.9,
) -> MomentumStep:
    """One heavy-ball momentum step: v ← βv + ∇L(w), then w ← w − ηv.

    The velocity is a running sum of past gradients discounted by β (the convention of
    PyTorch's SGD). Under a constant gradient g it tends to g/(1 − β), so the step tends
    to η/(1 − β)·g: see :func:`momentum_effective_learning_rate`.

    Parameters
    ----------
    params : array_like
        Current parameters w (any shape).
    gradient : array_like
        ∇L(w), the shape of ``params``.
    velocity : array_like, optional
        The velocity from the previous step (default: zeros, the first step).
    learning_rate : float
        The step size η > 0.
    beta : float, optional
        The momentum β in [0, 1) (default 0.9); β = 0 is plain gradient descent.

    Returns
    -------
    MomentumStep
        ``params`` and ``velocity`` after the step.

    Examples
    --------
    Under a constant gradient of 1 the velocity builds up 1, 1.9, 2.71, ... → 10:

    >>> from mlfund.optimization import momentum_step
    >>> step = momentum_step([0.0], [1.0], learning_rate=0.1, beta=0.9)
    >>> for _ in range(2):
    ...     step = momentum_step(step.params, [1.0], step.velocity, learning_rate=0.1, beta=0.9)
    >>> step.velocity.round(4), step.params.round(4)
    (array([2.71]), array([-0.561]))
    """
    w, g = _params_and_gradient(params, gradient)
    eta = check_learning_rate(learning_rate)
    b = check_beta("beta", beta)
    v = b * _state_array("velocity", velocity, w.shape) + g
    return MomentumStep(params=w - eta * v, velocity=v)


@dataclass(frozen=True, slots=True)
class AdamState:
    """Adam's running moments after ``t`` steps (t = 0: nothing seen yet)."""

    m: np.ndarray
    """First moment: exponential moving average of the gradients (biased towards 0)."""
    v: np.ndarray
    """Second moment: exponential moving average of the squared gradients."""
    t: int
    """The number of steps taken."""


@dataclass(frozen=True, slots=True)
class AdamStep:
    """The result of :func:`adam_step`."""

    params: np.ndarray
    """The new parameters."""
    state: AdamState
    """The new state; pass it to the next step."""
    m_hat: np.ndarray
    """Bias-corrected first moment m / (1 − β₁ᵗ); at t = 1 it equals the gradient."""
    v_hat: np.ndarray
    """Bias-corrected second moment v / (1 − β₂ᵗ); at t = 1 it equals the squared gradient."""


def adam_step(
    params: ArrayLike,
    gradient: ArrayLike,
    state: AdamState | None = None,
    *,
    learning_rate: float = 0.001,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> AdamStep:
    """One Adam step (Kingma & Ba, 2015), with bias correction.

    With t the new step count: m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g²,
    m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ), and w ← w − η m̂/(√v̂ + ε). At t = 1, m̂ = g and
    v̂ = g², so the first step is η·g/(|g| + ε) ≈ η·sign(g) whatever the gradient's scale.

    Parameters
    ----------
    params : array_like
        Current parameters w (any shape).
    gradient : array_like
        ∇L(w), the shape of ``params``.
    state : AdamState, optional
        The state from the previous step (default: zero moments, t = 0).
    learning_rate : float, optional
        The step size η > 0 (default 0.001).
    beta1, beta2 : float, optional
        Decay rates of the moments, in [0, 1) (defaults 0.9 and 0.999).
    eps : float, optional
        ε > 0 added to √v̂ (default 1e-8).

    Returns
    -------
    AdamStep
        ``params``, the new ``state`` and the bias-corrected moments ``m_hat``, ``v_hat``.

    Examples
    --------
    Gradients of very different sizes give first steps of the same size, η:

    >>> from mlfund.optimization import adam_step
    >>> first = adam_step([0.0, 0.0], [1000.0, -0.001], learning_rate=0.1)
    >>> first.m_hat, first.v_hat.round(8)
    (array([ 1.e+03, -1.e-03]), array([1.e+06, 1.e-06]))
    >>> first.params.round(4)
    array([-0.1,  0.1])
    >>> second = adam_step(first.params, [1000.0, -0.001], first.state, learning_rate=0.1)
    >>> second.state.t
    2
    """
    w, g = _params_and_gradient(params, gradient)
    eta = check_learning_rate(learning_rate)
    b1 = check_beta("beta1", beta1)
    b2 = check_beta("beta2", beta2)
    eps = check_positive("eps", eps)
    if state is None:
        m_prev, v_prev, t_prev = np.zeros(w.shape), np.zeros(w.shape), 0
    elif isinstance(state, AdamState):
        m_prev = _state_array("state.m", state.m, w.shape)
        v_prev = _state_array("state.v", state.v, w.shape)
        t_prev = check_count("state.t", state.t)
    else:
        raise TypeError(f"state ({_show(state)}) must be an AdamState or None.")
    t = t_prev + 1
    m = b1 * m_prev + (1.0 - b1) * g
    v = b2 * v_prev + (1.0 - b2) * g**2
    m_hat = m / (1.0 - b1**t)
    v_hat = v / (1.0 - b2**t)
    new = w - eta * m_hat / (np.sqrt(v_hat) + eps)
    return AdamStep(params=new, state=AdamState(m=m, v=v, t=t), m_hat=m_hat, v_hat=v_hat)


def momentum_effective_learning_rate(learning_rate: float, *, beta: float) -> float:
    """The step size momentum reaches under a constant gradient: η / (1 − β).

    The velocity v_t = Σ_{k<t} βᵏ g tends to g/(1 − β), a geometric series.

    Parameters
    ----------
    learning_rate : float
        The step size η > 0.
    beta : float
        The momentum β in [0, 1).

    Returns
    -------
    float
        η / (1 − β).

    Examples
    --------
    β = 0.9 multiplies the step by ten on a long, straight slope:

    >>> from mlfund.optimization import momentum_effective_learning_rate
    >>> round(momentum_effective_learning_rate(0.01, beta=0.9), 10)
    0.1
    """
    return check_learning_rate(learning_rate) / (1.0 - check_beta("beta", beta))


@dataclass(frozen=True, slots=True)
class Trajectory:
    """The path of an iterative method, for figures."""

    path: np.ndarray
    """The iterates, shape (n_steps + 1, d): the start, then the point after each step."""
    values: np.ndarray | None
    """f at each iterate, shape (n_steps + 1,), or None when no function was given."""

    @property
    def x(self) -> np.ndarray:
        """The last iterate."""
        return self.path[-1]


def _learning_rate_at(learning_rate: Any, t: int) -> float:
    """η for step t: a constant, or a schedule called with t (a schedule may give 0)."""
    if callable(learning_rate):
        value = np.asarray(learning_rate(t))
        if value.size != 1:
            raise ValueError(f"learning_rate({t}) must return one number; got {_show(value)}.")
        return check_positive(f"learning_rate({t})", float(value.ravel()[0]), strict=False)
    return check_learning_rate(learning_rate)


def gradient_descent(
    gradient: Callable[[np.ndarray], ArrayLike],
    x0: ArrayLike,
    *,
    learning_rate: float | Callable[[int], float],
    n_steps: int,
    momentum: float = 0.0,
    fun: Callable[[np.ndarray], float] | None = None,
) -> Trajectory:
    """Run gradient descent (optionally with heavy-ball momentum) and keep the path.

    Step t = 0, 1, ... uses η_t = ``learning_rate`` (or ``learning_rate(t)`` for a
    schedule), v ← βv + ∇f(x), x ← x − η_t v (β = ``momentum``; 0 is plain GD).

    Parameters
    ----------
    gradient : callable
        ∇f(x) -> array of shape (d,).
    x0 : array_like
        The start, shape (d,).
    learning_rate : float or callable
        η > 0, or a schedule t -> η (see e.g. :func:`step_decay`).
    n_steps : int
        The number of steps (>= 0).
    momentum : float, optional
        β in [0, 1) (default 0).
    fun : callable, optional
        f(x) -> float; if given, its values along the path are recorded.

    Returns
    -------
    Trajectory
        ``path`` (n_steps + 1, d), ``values`` and the last iterate ``x``.

    Raises
    ------
    ValueError
        If an iterate overflows (the method diverged): reduce ``learning_rate``.

    Examples
    --------
    f(x) = ½·4x²: the step η = 0.25 = 1/a lands on 0 at once; η = 0.4 overshoots and
    oscillates, shrinking by |1 − ηa| = 0.6 per step:

    >>> from mlfund.optimization import gradient_descent
    >>> gradient_descent(lambda x: 4 * x, [1.0], learning_rate=0.25, n_steps=2).path.ravel()
    array([1., 0., 0.])
    >>> gradient_descent(lambda x: 4 * x, [1.0], learning_rate=0.4, n_steps=3).path.ravel()
    array([ 1.   , -0.6  ,  0.36 , -0.216])
    """
    if not callable(gradient):
        raise TypeError(f"gradient ({_show(gradient)}) must be callable.")
    if fun is not None and not callable(fun):
        raise TypeError(f"fun ({_show(fun)}) must be callable or None.")
    x = as_vector("x0", x0)
    steps = check_count("n_steps", n_steps)
    beta = check_beta("momentum", momentum)
    if not callable(learning_rate):
        learning_rate = check_learning_rate(learning_rate)
    path = np.empty((steps + 1, x.size))
    path[0] = x
    v = np.zeros(x.size)
    for t in range(steps):
        # Overflow is expected when GD diverges; it is reported below, once, as an error.
        with np.errstate(over="ignore", invalid="ignore"):
            g = np.asarray(gradient(x.copy()), dtype=float)
            if g.shape != x.shape:
                raise ValueError(f"gradient must return shape {x.shape}; got {g.shape}.")
            v = beta * v + g
            x = x - _learning_rate_at(learning_rate, t) * v
        if not np.all(np.isfinite(x)):
            raise ValueError(
                f"gradient descent diverged at step {t + 1} (an iterate overflowed); "
                "reduce learning_rate."
            )
        path[t + 1] = x
    values = None
    if fun is not None:
        values = np.array([float(fun(p.copy())) for p in path])
    return Trajectory(path=path, values=values)
