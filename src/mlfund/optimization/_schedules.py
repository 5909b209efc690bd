"""Learning-rate schedules as functions of the step t, vectorised over arrays of t.

Each takes ``t`` (a number or an array of non-negative numbers) and returns η(t): a float
for a number, an array of the shape of ``t`` otherwise. Fix the options with a lambda or
:func:`functools.partial` to get a schedule t -> η for :func:`gradient_descent` or
:func:`sgd`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from mlfund._validation import _show, check_count, check_positive, check_real

from ._checks import as_real_array, check_learning_rate, scalar_or_array

__all__ = [
    "step_decay",
    "exponential_decay",
    "inverse_time_decay",
    "cosine_annealing",
    "linear_warmup",
]


def _times(t: ArrayLike) -> np.ndarray:
    arr = as_real_array("t", t)
    if np.any(arr < 0):
        raise ValueError(f"t must be >= 0; found {float(arr[arr < 0].ravel()[0])!r}.")
    return arr


def step_decay(
    t: ArrayLike, *, initial_learning_rate: float, gamma: float, step_size: int
) -> float | np.ndarray:
    """Step decay: η(t) = η₀ · γ^⌊t/s⌋, multiplying by γ every s steps.

    Parameters
    ----------
    t : array_like
        Steps (or epochs), >= 0.
    initial_learning_rate : float
        η₀ > 0.
    gamma : float
        The factor γ, 0 < γ <= 1.
    step_size : int
        s >= 1 steps between drops.

    Returns
    -------
    float or ndarray
        η(t).

    Examples
    --------
    Halve η₀ = 0.1 every 10 epochs:

    >>> from mlfund.optimization import step_decay
    >>> step_decay([0, 9, 10, 25], initial_learning_rate=0.1, gamma=0.5, step_size=10)
    array([0.1  , 0.1  , 0.05 , 0.025])
    """
    times = _times(t)
    eta0 = check_learning_rate(initial_learning_rate, "initial_learning_rate")
    g = check_real("gamma", gamma)
    if not 0 < g <= 1:
        raise ValueError(f"gamma ({_show(gamma)}) must be in (0, 1].")
    s = check_count("step_size", step_size, minimum=1)
    return scalar_or_array(eta0 * g ** np.floor(times / s))


def exponential_decay(
    t: ArrayLike, *, initial_learning_rate: float, decay_rate: float
) -> float | np.ndarray:
    """Exponential decay: η(t) = η₀ · e^(−k t).

    Parameters
    ----------
    t : array_like
        Steps, >= 0.
    initial_learning_rate : float
        η₀ > 0.
    decay_rate : float
        k >= 0.

    Returns
    -------
    float or ndarray
        η(t).

    Examples
    --------
    With k = ln 2 / 100, η halves every 100 steps:

    >>> import math
    >>> from mlfund.optimization import exponential_decay
    >>> exponential_decay([0, 100, 200], initial_learning_rate=0.1,
    ...                   decay_rate=math.log(2) / 100).round(6)
    array([0.1  , 0.05 , 0.025])
    """
    times = _times(t)
    eta0 = check_learning_rate(initial_learning_rate, "initial_learning_rate")
    k = check_positive("decay_rate", decay_rate, strict=False)
    return scalar_or_array(eta0 * np.exp(-k * times))


def inverse_time_decay(
    t: ArrayLike, *, initial_learning_rate: float, decay_rate: float
) -> float | np.ndarray:
    """Inverse-time decay: η(t) = η₀ / (1 + k t).

    It falls like 1/t, slowly enough that Σ η(t) diverges while Σ η(t)² converges, the
    Robbins–Monro conditions for SGD to converge.

    Parameters
    ----------
    t : array_like
        Steps, >= 0.
    initial_learning_rate : float
        η₀ > 0.
    decay_rate : float
        k >= 0.

    Returns
    -------
    float or ndarray
        η(t).

    Examples
    --------
    >>> from mlfund.optimization import inverse_time_decay
    >>> inverse_time_decay([0, 1, 9], initial_learning_rate=0.1, decay_rate=1.0)
    array([0.1 , 0.05, 0.01])
    """
    times = _times(t)
    eta0 = check_learning_rate(initial_learning_rate, "initial_learning_rate")
    k = check_positive("decay_rate", decay_rate, strict=False)
    return scalar_or_array(eta0 / (1.0 + k * times))


def cosine_annealing(
    t: ArrayLike,
    *,
    initial_learning_rate: float,
    total_steps: int,
    min_learning_rate: float = 0.0,
) -> float | np.ndarray:
    """Cosine annealing: η(t) = η_min + ½(η₀ − η_min)(1 + cos(π t / T)) for 0 <= t <= T.

    It starts at η₀, falls slowly, then fast, then slowly again to η_min at t = T, and stays
    at η_min after T (no restarts).

    Parameters
    ----------
    t : array_like
        Steps, >= 0.
    initial_learning_rate : float
        η₀ > 0.
    total_steps : int
        T >= 1.
    min_learning_rate : float, optional
        η_min with 0 <= η_min <= η₀ (default 0).

    Returns
    -------
    float or ndarray
        η(t).

    Examples
    --------
    Half-way through, η is the mean of η₀ and η_min:

    >>> from mlfund.optimization import cosine_annealing
    >>> cosine_annealing([0, 50, 100, 150], initial_learning_rate=0.1, total_steps=100,
    ...                  min_learning_rate=0.01).round(6)
    array([0.1  , 0.055, 0.01 , 0.01 ])
    """
    times = _times(t)
    eta0 = check_learning_rate(initial_learning_rate, "initial_learning_rate")
    total = check_count("total_steps", total_steps, minimum=1)
    eta_min = check_positive("min_learning_rate", min_learning_rate, strict=False)
    if eta_min > eta0:
        raise ValueError(
            f"min_learning_rate ({_show(min_learning_rate)}) must be <= "
            f"initial_learning_rate ({_show(initial_learning_rate)})."
        )
    progress = np.minimum(times, total) / total
    return scalar_or_array(eta_min + 0.5 * (eta0 - eta_min) * (1.0 + np.cos(np.pi * progress)))


def linear_warmup(
    t: ArrayLike,
    *,
    learning_rate: float,
    warmup_steps: int,
    after: Callable[[np.ndarray], ArrayLike] | None = None,
) -> float | np.ndarray:
    """Linear warm-up from 0 to η over w steps, then constant η or another schedule.

    η(t) = η · t / w for t < w. For t >= w: η if ``after`` is None, otherwise
    ``after(t − w)``, so the next schedule starts its own clock at the end of warm-up
    (give it the same initial rate η for a continuous hand-over).

    Parameters
    ----------
    t : array_like
        Steps, >= 0.
    learning_rate : float
        η > 0, the rate reached at t = w.
    warmup_steps : int
        w >= 1.
    after : callable, optional
        A vectorised schedule s -> η(s) for s = t − w >= 0 (default: constant η).

    Returns
    -------
    float or ndarray
        η(t).

    Examples
    --------
    Warm up over 4 steps, then hand over to a cosine decay over 8 steps:

    >>> from mlfund.optimization import cosine_annealing, linear_warmup
    >>> decay = lambda s: cosine_annealing(s, initial_learning_rate=0.4, total_steps=8)
    >>> linear_warmup([0, 1, 2, 4, 8, 12], learning_rate=0.4, warmup_steps=4,
    ...               after=decay).round(4)
    array([0. , 0.1, 0.2, 0.4, 0.2, 0. ])
    >>> linear_warmup(10, learning_rate=0.4, warmup_steps=4)
    0.4
    """
    times = _times(t)
    eta = check_learning_rate(learning_rate)
    w = check_count("warmup_steps", warmup_steps, minimum=1)
    if after is not None and not callable(after):
        raise TypeError(f"after ({_show(after)}) must be a callable schedule or None.")
    out = eta * np.minimum(times, w) / w
    done = times >= w
    if after is not None and np.any(done):
        later = np.asarray(after(times[done] - w), dtype=float)
        if later.shape != times[done].shape:
            later = np.broadcast_to(later, times[done].shape)
        if not np.all(np.isfinite(later)) or np.any(later < 0):
            raise ValueError("after must return finite learning rates >= 0.")
        out = np.asarray(out, dtype=float)
        out[done] = later
    return scalar_or_array(out)
