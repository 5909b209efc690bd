"""Stochastic gradient descent over minibatches, and the facts about minibatch gradients."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mlfund._validation import _show, as_float_array, check_count, check_positive

from ._checks import as_vector, check_beta, check_learning_rate
from ._optimizers import _learning_rate_at

__all__ = [
    "minibatch_indices",
    "sgd",
    "SGDResult",
    "minibatch_gradient_variance",
    "linear_scaling_learning_rate",
    "NoiseScaleEstimate",
    "estimate_noise_scale",
    "noise_scale_learning_rate",
]


SeedLike = int | np.random.Generator | None
"""What ``rng`` accepts: a seed, a generator (advanced in place) or None (fresh entropy)."""


def _generator(rng: Any) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise TypeError(f"rng ({_show(rng)}) must be None, an int seed or a numpy Generator.")


def _batches(n: int, batch_size: int, shuffle: bool, gen: np.random.Generator) -> list:
    order = gen.permutation(n) if shuffle else np.arange(n)
    return [order[start : start + batch_size] for start in range(0, n, batch_size)]


def minibatch_indices(
    n: int, *, batch_size: int, shuffle: bool = True, rng: SeedLike = None
) -> list[np.ndarray]:
    """Split the row indices 0, ..., n−1 into minibatches for one epoch.

    Parameters
    ----------
    n : int
        The number of examples (>= 1).
    batch_size : int
        The batch size B >= 1; the last batch has the remaining n mod B rows when B does
        not divide n (no example is dropped).
    shuffle : bool, optional
        Shuffle the rows first (default True).
    rng : None, int or numpy.random.Generator, optional
        The random generator, or a seed for :func:`numpy.random.default_rng`.

    Returns
    -------
    list of ndarray
        ⌈n/B⌉ integer arrays that together hold every index once.

    Examples
    --------
    Ten examples in batches of four: two full batches and one of two:

    >>> from mlfund.optimization import minibatch_indices
    >>> [len(b) for b in minibatch_indices(10, batch_size=4, rng=0)]
    [4, 4, 2]
    >>> minibatch_indices(5, batch_size=2, shuffle=False)
    [array([0, 1]), array([2, 3]), array([4])]
    """
    n = check_count("n", n, minimum=1)
    batch_size = check_count("batch_size", batch_size, minimum=1)
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"shuffle ({_show(shuffle)}) must be True or False.")
    return _batches(n, batch_size, bool(shuffle), _generator(rng))


@dataclass(frozen=True, slots=True)
class SGDResult:
    """The outcome of :func:`sgd`."""

    params: np.ndarray
    """The final parameters, shape (d,)."""
    path: np.ndarray
    """The parameters at the start and after every step, shape (n_steps + 1, d)."""
    n_steps: int
    """The number of updates: n_epochs · ⌈n / batch_size⌉."""


def sgd(
    gradient: Callable[[np.ndarray, np.ndarray, np.ndarray], ArrayLike],
    w0: ArrayLike,
    X: ArrayLike,
    y: ArrayLike,
    *,
    learning_rate: float | Callable[[int], float],
    batch_size: int,
    n_epochs: int = 1,
    momentum: float = 0.0,
    shuffle: bool = True,
    rng: SeedLike = None,
) -> SGDResult:
    """Minibatch stochastic gradient descent (optionally with heavy-ball momentum).

    Every epoch shuffles the rows with ``rng`` and walks through them in batches
    (see :func:`minibatch_indices`); each batch gives one update
    v ← βv + ∇L_B(w), w ← w − η_t v, where ∇L_B is the gradient of the mean loss over the
    batch and t = 0, 1, ... counts updates. Same ``rng`` seed, same path.

    Parameters
    ----------
    gradient : callable
        ``gradient(w, X_batch, y_batch)`` -> array of shape (d,), e.g.
        :func:`logistic_loss_gradient`.
    w0 : array_like
        The start, shape (d,).
    X : array_like
        The inputs, one row per example.
    y : array_like
        The targets, one per row of ``X``.
    learning_rate : float or callable
        η > 0, or a schedule t -> η over update steps.
    batch_size : int
        B >= 1 (B = n is full-batch gradient descent).
    n_epochs : int, optional
        Passes over the data (default 1).
    momentum : float, optional
        β in [0, 1) (default 0).
    shuffle : bool, optional
        Reshuffle every epoch (default True).
    rng : None, int or numpy.random.Generator, optional
        The random generator, or a seed for :func:`numpy.random.default_rng`.

    Returns
    -------
    SGDResult
        ``params``, the ``path`` of iterates and ``n_steps``.

    Examples
    --------
    Fit a logistic regression with batches of 16 for 20 epochs; the result is near the
    full-batch optimum found by Newton's method:

    >>> import numpy as np
    >>> from mlfund.optimization import logistic_loss_gradient, logistic_newton_step, sgd
    >>> gen = np.random.default_rng(0)
    >>> X = np.column_stack([np.ones(200), gen.normal(size=200)])
    >>> y = (gen.random(200) < 1 / (1 + np.exp(-(0.5 + 2 * X[:, 1])))).astype(int)
    >>> fit = sgd(logistic_loss_gradient, np.zeros(2), X, y,
    ...           learning_rate=0.5, batch_size=16, n_epochs=20, rng=1)
    >>> fit.n_steps
    260
    >>> w = np.zeros(2)
    >>> for _ in range(8):
    ...     w = logistic_newton_step(w, X, y)
    >>> bool(np.abs(fit.params - w).max() < 0.3)
    True
    """
    if not callable(gradient):
        raise TypeError(f"gradient ({_show(gradient)}) must be callable.")
    w = as_vector("w0", w0)
    X_arr = as_float_array("X", X, ndim=None)
    y_arr = as_float_array("y", y, ndim=None)
    if X_arr.ndim == 0 or y_arr.ndim == 0:
        raise ValueError("X and y must have one entry (row) per example; got a scalar.")
    n = X_arr.shape[0]
    if n == 0:
        raise ValueError("X must have at least one row.")
    if y_arr.shape[0] != n:
        raise ValueError(
            f"X and y must have the same number of examples; X has {n}, y has {y_arr.shape[0]}."
        )
    batch_size = check_count("batch_size", batch_size, minimum=1)
    n_epochs = check_count("n_epochs", n_epochs)
    beta = check_beta("momentum", momentum)
    if not callable(learning_rate):
        learning_rate = check_learning_rate(learning_rate)
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"shuffle ({_show(shuffle)}) must be True or False.")
    gen = _generator(rng)
    path = [w.copy()]
    v = np.zeros_like(w)
    t = 0
    for _ in range(n_epochs):
        for batch in _batches(n, batch_size, bool(shuffle), gen):
            # Overflow is expected when SGD diverges; it is reported below as an error.
            with np.errstate(over="ignore", invalid="ignore"):
                g = np.asarray(gradient(w.copy(), X_arr[batch], y_arr[batch]), dtype=float)
                if g.shape != w.shape:
                    raise ValueError(f"gradient must return shape {w.shape}; got {g.shape}.")
                v = beta * v + g
                w = w - _learning_rate_at(learning_rate, t) * v
            if not np.all(np.isfinite(w)):
                raise ValueError(
                    f"SGD diverged at step {t + 1} (a parameter overflowed); reduce learning_rate."
                )
            path.append(w.copy())
            t += 1
    return SGDResult(params=w, path=np.array(path), n_steps=t)


def minibatch_gradient_variance(
    variance: float, *, batch_size: int, population_size: int | None = None
) -> float:
    """Variance of a minibatch mean gradient (one coordinate): σ²/B.

    The minibatch gradient is the mean of B per-example gradients drawn from the n examples;
    it is unbiased for the full gradient. Drawn independently (with replacement) its variance
    is σ²/B, so its standard deviation falls like 1/√B. Drawn without replacement from
    N = ``population_size`` examples, the finite-population correction applies:
    σ²/B · (N − B)/(N − 1), which is 0 for the full batch B = N.

    Parameters
    ----------
    variance : float
        σ² >= 0, the variance of one example's gradient around the full gradient (over the
        N examples, with divisor N).
    batch_size : int
        B >= 1.
    population_size : int, optional
        N >= B for sampling without replacement (default: with replacement).

    Returns
    -------
    float
        The variance of the minibatch gradient.

    Examples
    --------
    Four times the batch halves the noise (the standard deviation):

    >>> from mlfund.optimization import minibatch_gradient_variance
    >>> minibatch_gradient_variance(4.0, batch_size=16)
    0.25
    >>> minibatch_gradient_variance(4.0, batch_size=64)
    0.0625
    >>> minibatch_gradient_variance(4.0, batch_size=100, population_size=100)
    0.0
    """
    sigma2 = check_positive("variance", variance, strict=False)
    b = check_count("batch_size", batch_size, minimum=1)
    if population_size is None:
        return sigma2 / b
    big_n = check_count("population_size", population_size, minimum=1)
    if b > big_n:
        raise ValueError(f"batch_size ({b}) must be <= population_size ({big_n}).")
    if big_n == 1:
        return 0.0
    return sigma2 / b * (big_n - b) / (big_n - 1)


def linear_scaling_learning_rate(
    base_learning_rate: float, *, base_batch_size: int, batch_size: int
) -> float:
    """The linear scaling rule (Goyal et al., 2017): η = η₀ · B / B₀.

    Multiplying the batch by k divides the gradient noise variance by k; taking k times
    bigger steps keeps the progress per example about the same (usually with a warm-up,
    and it breaks down for very large batches).

    Parameters
    ----------
    base_learning_rate : float
        η₀ > 0, tuned at batch size B₀.
    base_batch_size : int
        B₀ >= 1.
    batch_size : int
        The new batch size B >= 1.

    Returns
    -------
    float
        η₀ · B / B₀.

    Examples
    --------
    η = 0.1 at batch 256 becomes 0.4 at batch 1024:

    >>> from mlfund.optimization import linear_scaling_learning_rate
    >>> linear_scaling_learning_rate(0.1, base_batch_size=256, batch_size=1024)
    0.4
    """
    eta = check_learning_rate(base_learning_rate, "base_learning_rate")
    b0 = check_count("base_batch_size", base_batch_size, minimum=1)
    b = check_count("batch_size", batch_size, minimum=1)
    return eta * b / b0


@dataclass(frozen=True, slots=True)
class NoiseScaleEstimate:
    """The result of :func:`estimate_noise_scale`."""

    gradient_norm_squared: float
    """|G|², the squared norm of the full (expected) gradient."""
    trace_covariance: float
    """tr(Σ), the total variance of one example's gradient (summed over coordinates)."""

    @property
    def simple_noise_scale(self) -> float:
        """B_simple = tr(Σ)/|G|²: the batch at which the minibatch noise tr(Σ)/B equals
        the signal |G|² (McCandlish et al., 2018)."""
        return self.trace_covariance / self.gradient_norm_squared


def estimate_noise_scale(
    small_norm_squared: float,
    large_norm_squared: float,
    *,
    small_batch_size: int,
    large_batch_size: int,
) -> NoiseScaleEstimate:
    """The gradient noise scale from squared gradient norms measured at two batch sizes.

    A minibatch gradient G_B of B examples drawn independently has mean G and covariance
    Σ/B, so E|G_B|² = |G|² + tr(Σ)/B. Two batch sizes give two such equations; solving them
    gives unbiased estimates of |G|² and tr(Σ) (McCandlish et al., 2018, "An Empirical
    Model of Large-Batch Training", appendix A.1), from norms that data-parallel training
    computes anyway (one worker's gradient and the averaged one). Average many
    measurements of each before calling this: one pair is very noisy.

    Parameters
    ----------
    small_norm_squared, large_norm_squared : float
        Mean squared norms |G_B|² >= 0 measured at the small and at the large batch size.
    small_batch_size, large_batch_size : int
        The two batch sizes, small < large.

    Returns
    -------
    NoiseScaleEstimate
        ``gradient_norm_squared``, ``trace_covariance`` and the ``simple_noise_scale``.

    Examples
    --------
    |G|² = 0.5 and tr(Σ) = 40 give 0.5 + 40/64 = 1.125 at batch 64 and 0.5 + 40/512
    = 0.578125 at batch 512; the estimate recovers them, and B_simple = 80:

    >>> from mlfund.optimization import estimate_noise_scale
    >>> est = estimate_noise_scale(1.125, 0.578125, small_batch_size=64, large_batch_size=512)
    >>> est.gradient_norm_squared, est.trace_covariance, est.simple_noise_scale
    (0.5, 40.0, 80.0)
    """
    small = check_positive("small_norm_squared", small_norm_squared, strict=False)
    large = check_positive("large_norm_squared", large_norm_squared, strict=False)
    b_small = check_count("small_batch_size", small_batch_size, minimum=1)
    b_large = check_count("large_batch_size", large_batch_size, minimum=1)
    if b_small >= b_large:
        raise ValueError(f"small_batch_size ({b_small}) must be < large_batch_size ({b_large}).")
    gradient = (b_large * large - b_small * small) / (b_large - b_small)
    trace = (small - large) / (1 / b_small - 1 / b_large)
    if gradient <= 0 or trace < 0:
        raise ValueError(
            f"the norms ({small!r} at batch {b_small}, {large!r} at batch {b_large}) give "
            f"|G|² = {gradient:.4g} and tr(Σ) = {trace:.4g}; |G|² must be > 0 and tr(Σ) >= 0. "
            "Average more measurements of each norm."
        )
    return NoiseScaleEstimate(gradient_norm_squared=gradient, trace_covariance=trace)


def noise_scale_learning_rate(
    base_learning_rate: float, *, base_batch_size: int, batch_size: int, noise_scale: float
) -> float:
    """The optimal SGD step at a new batch size under the noise-scale model.

    McCandlish et al. (2018) show, for a locally quadratic loss, that the best step for a
    batch of B is ε_opt(B) = ε_max/(1 + B_noise/B). Well below B_noise it grows linearly
    with B (the linear scaling rule); well above, it saturates at ε_max. From the step η₀
    tuned at B₀: η(B) = η₀ · (1 + B_noise/B₀)/(1 + B_noise/B).

    Parameters
    ----------
    base_learning_rate : float
        η₀ > 0, optimal at batch size B₀.
    base_batch_size, batch_size : int
        B₀ >= 1 and the new B >= 1.
    noise_scale : float
        B_noise >= 0 (0: no gradient noise, the step does not depend on B).

    Returns
    -------
    float
        The optimal step at ``batch_size``.

    Examples
    --------
    With B_noise = 100, going from batch 10 to 20 nearly doubles the step (noise-dominated);
    from 10 000 to 20 000 it barely changes:

    >>> from mlfund.optimization import noise_scale_learning_rate
    >>> round(noise_scale_learning_rate(0.1, base_batch_size=10, batch_size=20,
    ...                                 noise_scale=100), 4)
    0.1833
    >>> round(noise_scale_learning_rate(0.1, base_batch_size=10_000, batch_size=20_000,
    ...                                 noise_scale=100), 4)
    0.1005
    """
    eta = check_learning_rate(base_learning_rate, "base_learning_rate")
    b0 = check_count("base_batch_size", base_batch_size, minimum=1)
    b = check_count("batch_size", batch_size, minimum=1)
    b_noise = check_positive("noise_scale", noise_scale, strict=False)
    return eta * (1 + b_noise / b0) / (1 + b_noise / b)
