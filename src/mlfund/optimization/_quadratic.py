"""Gradient descent on a quadratic f(x) = ½ xᵀAx − bᵀx: step sizes, rates and trajectories.

Along each eigenvector of A (eigenvalue λ) a step with learning rate η multiplies the error
x − x* by 1 − ηλ. Everything here follows from that: GD converges iff |1 − ηλ| < 1 for
every λ, i.e. 0 < η < 2/λ_max; the step 2/(λ_min + λ_max) balances the slowest and the
fastest direction, giving the rate (κ − 1)/(κ + 1) with κ = λ_max/λ_min.

A curvature is given either as a number a > 0 (f(x) = ½ a x², one dimension) or as the
symmetric matrix A.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from mlfund._validation import _show, check_positive, check_real

from ._checks import as_real_array, as_vector, check_hessian, check_learning_rate
from ._optimizers import Trajectory, gradient_descent

__all__ = [
    "condition_number",
    "max_stable_learning_rate",
    "optimal_learning_rate",
    "convergence_rate",
    "contraction_factor",
    "iterations_to_tolerance",
    "quadratic_gd_trajectory",
]


def condition_number(hessian: ArrayLike) -> float:
    """κ = λ_max / λ_min of a positive definite curvature.

    Parameters
    ----------
    hessian : array_like
        A number a > 0, or a symmetric positive definite matrix A.

    Returns
    -------
    float
        κ >= 1 (1 for a number or a multiple of the identity).

    Examples
    --------
    >>> from mlfund.optimization import condition_number
    >>> condition_number([[1.0, 0.0], [0.0, 10.0]])
    10.0
    """
    eig = check_hessian("hessian", hessian, require="pd")
    return float(eig[-1] / eig[0])


def max_stable_learning_rate(hessian: ArrayLike) -> float:
    """The bound on the step size for GD on a quadratic: converges iff 0 < η < 2/λ_max.

    In one dimension, f(x) = ½ a x², the bound is 2/a: each step multiplies x by 1 − ηa.

    Parameters
    ----------
    hessian : array_like
        A number a > 0, or a symmetric positive semi-definite matrix A with λ_max > 0.

    Returns
    -------
    float
        2 / λ_max (GD diverges for η > 2/λ_max, and oscillates without decay at equality).

    Examples
    --------
    >>> from mlfund.optimization import max_stable_learning_rate
    >>> max_stable_learning_rate(4.0)
    0.5
    >>> max_stable_learning_rate([[1.0, 0.0], [0.0, 10.0]])
    0.2
    """
    eig = check_hessian("hessian", hessian, require="psd")
    return float(2.0 / eig[-1])


def optimal_learning_rate(hessian: ArrayLike) -> float:
    """The best fixed step for GD on a quadratic: η* = 2 / (λ_min + λ_max).

    It minimises the worst contraction max_λ |1 − ηλ|, making the slowest and fastest
    directions contract equally, by (κ − 1)/(κ + 1). In one dimension it is 1/a, which
    reaches the minimum in one step.

    Parameters
    ----------
    hessian : array_like
        A number a > 0, or a symmetric positive definite matrix A.

    Returns
    -------
    float
        2 / (λ_min + λ_max).

    Examples
    --------
    >>> from mlfund.optimization import optimal_learning_rate
    >>> optimal_learning_rate(4.0)
    0.25
    >>> round(optimal_learning_rate([[1.0, 0.0], [0.0, 10.0]]), 6)
    0.181818
    """
    eig = check_hessian("hessian", hessian, require="pd")
    return float(2.0 / (eig[0] + eig[-1]))


def convergence_rate(condition_number: float) -> float:
    """The rate of GD with the optimal fixed step on a quadratic: ρ = (κ − 1)/(κ + 1).

    The distance to the minimiser then satisfies ‖x_k − x*‖ <= ρᵏ ‖x_0 − x*‖ (and the
    function gap shrinks by ρ² per step).

    Parameters
    ----------
    condition_number : float
        κ = λ_max / λ_min >= 1.

    Returns
    -------
    float
        ρ in [0, 1): 0 for a perfectly conditioned problem, close to 1 when κ is large.

    Examples
    --------
    κ = 10 loses only 18 % of the error per step; κ = 1 converges at once:

    >>> from mlfund.optimization import convergence_rate
    >>> round(convergence_rate(10.0), 6)
    0.818182
    >>> convergence_rate(1.0)
    0.0
    """
    kappa = check_real("condition_number", condition_number)
    if kappa < 1:
        raise ValueError(f"condition_number ({_show(condition_number)}) must be >= 1.")
    return (kappa - 1.0) / (kappa + 1.0)


def contraction_factor(hessian: ArrayLike, *, learning_rate: float) -> float:
    """The factor by which one GD step multiplies the error in the worst direction.

    ρ(η) = max_i |1 − η λ_i| (the spectral radius of I − ηA). GD converges iff ρ(η) < 1;
    at η = :func:`optimal_learning_rate` it equals :func:`convergence_rate` of κ.

    Parameters
    ----------
    hessian : array_like
        A number a > 0, or a symmetric positive semi-definite matrix A.
    learning_rate : float
        η > 0.

    Returns
    -------
    float
        ρ(η) >= 0.

    Examples
    --------
    For A = diag(1, 10): η = 0.1 is limited by the flat direction (0.9); η = 0.25 by the
    steep one, which now diverges (|1 − 2.5| = 1.5):

    >>> from mlfund.optimization import contraction_factor
    >>> A = [[1.0, 0.0], [0.0, 10.0]]
    >>> round(contraction_factor(A, learning_rate=0.1), 6)
    0.9
    >>> round(contraction_factor(A, learning_rate=0.25), 6)
    1.5
    """
    eig = check_hessian("hessian", hessian, require="psd")
    eta = check_learning_rate(learning_rate)
    return float(np.max(np.abs(1.0 - eta * eig)))


def iterations_to_tolerance(
    rate: float, *, tolerance: float, initial_error: float = 1.0
) -> int:
    """Iterations until ρᵏ · e₀ <= ε: k = ⌈log(ε/e₀) / log ρ⌉ (0 if e₀ <= ε already).

    The convention: the error after k steps is ``rate**k * initial_error`` (a linear, or
    geometric, rate), and we return the smallest whole k that brings it down to
    ``tolerance``. With e₀ = 1 this is ⌈log ε / log ρ⌉.

    Parameters
    ----------
    rate : float
        ρ with 0 <= ρ < 1.
    tolerance : float
        ε > 0.
    initial_error : float, optional
        e₀ > 0 (default 1).

    Returns
    -------
    int
        The number of iterations k >= 0.

    Examples
    --------
    At rate 0.5, ten halvings take 1 below 10⁻³ (2⁻¹⁰ ≈ 0.00098):

    >>> from mlfund.optimization import convergence_rate, iterations_to_tolerance
    >>> iterations_to_tolerance(0.5, tolerance=1e-3)
    10

    An ill-conditioned problem (κ = 100) needs many more:

    >>> iterations_to_tolerance(convergence_rate(100.0), tolerance=1e-3)
    346
    """
    rho = check_real("rate", rate)
    if not 0 <= rho < 1:
        raise ValueError(f"rate ({_show(rate)}) must be in [0, 1).")
    eps = check_positive("tolerance", tolerance)
    e0 = check_positive("initial_error", initial_error)
    if e0 <= eps:
        return 0
    if rho == 0:
        return 1
    k = max(1, math.ceil(math.log(eps / e0) / math.log(rho)))
    # Exact hits (0.1**3 vs 1e-3) must count as reached although floating point may land
    # on either side: compare with a relative slack of 1e-12.
    target = eps * (1.0 + 1e-12)
    while k > 1 and rho ** (k - 1) * e0 <= target:
        k -= 1
    while rho**k * e0 > target:
        k += 1
    return k


def quadratic_gd_trajectory(
    hessian: ArrayLike,
    x0: ArrayLike,
    *,
    learning_rate: float,
    n_steps: int,
    b: ArrayLike | None = None,
    momentum: float = 0.0,
) -> Trajectory:
    """The path of gradient descent on f(x) = ½ xᵀAx − bᵀx, for figures.

    The gradient is Ax − b; with A positive definite the minimiser is x* = A⁻¹b.

    Parameters
    ----------
    hessian : array_like
        A number a (one dimension) or a symmetric matrix A, shape (d, d).
    x0 : array_like
        The start, shape (d,).
    learning_rate : float
        η > 0 (try values on both sides of :func:`max_stable_learning_rate`).
    n_steps : int
        The number of steps.
    b : array_like, optional
        The linear term, shape (d,) (default 0, so x* = 0).
    momentum : float, optional
        Heavy-ball β in [0, 1) (default 0).

    Returns
    -------
    Trajectory
        ``path`` (n_steps + 1, d) and ``values`` f along it.

    Raises
    ------
    ValueError
        If the iterates overflow (far beyond the stability bound).

    Examples
    --------
    A = diag(1, 10), η = 0.19 just under 2/10: the steep coordinate flips sign every step
    while the flat one creeps in:

    >>> from mlfund.optimization import quadratic_gd_trajectory
    >>> run = quadratic_gd_trajectory([[1.0, 0.0], [0.0, 10.0]], [1.0, 1.0],
    ...                               learning_rate=0.19, n_steps=2)
    >>> run.path.round(4)
    array([[ 1.    ,  1.    ],
           [ 0.81  , -0.9   ],
           [ 0.6561,  0.81  ]])
    >>> run.values.round(3)
    array([5.5  , 4.378, 3.496])
    """
    a = as_real_array("hessian", hessian)
    if a.ndim == 0:
        a = a.reshape(1, 1)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"hessian must be a number or a square matrix; got shape {a.shape}.")
    if not np.allclose(a, a.T):
        raise ValueError("hessian must be symmetric.")
    x = as_vector("x0", x0)
    d = a.shape[0]
    if x.shape != (d,):
        raise ValueError(f"x0 must have shape ({d},) to match hessian; got {x.shape}.")
    b_arr = np.zeros(d) if b is None else as_vector("b", b)
    if b_arr.shape != (d,):
        raise ValueError(f"b must have shape ({d},) to match hessian; got {b_arr.shape}.")
    return gradient_descent(
        lambda p: a @ p - b_arr,
        x,
        learning_rate=learning_rate,
        n_steps=n_steps,
        momentum=momentum,
        fun=lambda p: float(0.5 * p @ a @ p - b_arr @ p),
    )
