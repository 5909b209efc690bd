"""Finite differences: numerical gradients and Hessians, and the gradient check."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mlfund._validation import _show, check_positive

from ._checks import as_real_array

__all__ = ["numerical_gradient", "numerical_hessian", "gradient_check", "GradientCheckResult"]


def _check_callable(name: str, fun: Any) -> None:
    if not callable(fun):
        raise TypeError(f"{name} ({_show(fun)}) must be callable.")


def _scalar_value(fun: Callable[[np.ndarray], Any], x: np.ndarray) -> float:
    value = fun(x.copy())
    if np.ndim(value) != 0 or isinstance(value, (bool, np.bool_)):
        raise ValueError(f"fun must return one real number; got {_show(value)}.")
    value = value.item() if isinstance(value, np.generic | np.ndarray) else value
    if not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"fun must return a finite real number; got {_show(value)} at x.")
    return float(value)


def _steps(x: np.ndarray, step: float) -> np.ndarray:
    # A relative step for large coordinates keeps x + h distinct from x in floating point.
    return step * np.maximum(1.0, np.abs(x))


def numerical_gradient(
    fun: Callable[[np.ndarray], float], x: ArrayLike, *, step: float = 1e-6
) -> np.ndarray:
    """Central-difference gradient: ∂f/∂x_i ≈ (f(x + h e_i) − f(x − h e_i)) / (2h).

    The error is O(h²) from truncation plus O(ε_machine·|f|/h) from rounding. Each
    coordinate uses h = step·max(1, |x_i|).

    Parameters
    ----------
    fun : callable
        f(x) -> float, called with arrays of the shape of ``x``.
    x : array_like
        The point (any shape).
    step : float, optional
        The base step h > 0 (default 1e-6).

    Returns
    -------
    ndarray
        The gradient, shape of ``x``.

    Examples
    --------
    f(x) = x₀² + 3x₀x₁ has gradient (2x₀ + 3x₁, 3x₀), (8, 3) at (1, 2):

    >>> from mlfund.optimization import numerical_gradient
    >>> numerical_gradient(lambda x: x[0] ** 2 + 3 * x[0] * x[1], [1.0, 2.0]).round(6)
    array([8., 3.])
    """
    _check_callable("fun", fun)
    x_arr = as_real_array("x", x)
    step = check_positive("step", step)
    _scalar_value(fun, x_arr)
    flat = x_arr.ravel()
    h = _steps(flat, step)
    grad = np.empty(flat.size)
    for i in range(flat.size):
        up, down = flat.copy(), flat.copy()
        up[i] += h[i]
        down[i] -= h[i]
        f_up = _scalar_value(fun, up.reshape(x_arr.shape))
        f_down = _scalar_value(fun, down.reshape(x_arr.shape))
        grad[i] = (f_up - f_down) / (up[i] - down[i])
    return grad.reshape(x_arr.shape)


def numerical_hessian(
    gradient: Callable[[np.ndarray], ArrayLike], x: ArrayLike, *, step: float = 1e-5
) -> np.ndarray:
    """Hessian by central differences of the gradient, symmetrised: ½(J + Jᵀ).

    Column i is (∇f(x + h e_i) − ∇f(x − h e_i)) / (2h), with h = step·max(1, |x_i|).

    Parameters
    ----------
    gradient : callable
        ∇f(x) -> array of the shape of ``x``.
    x : array_like
        The point (any shape; the Hessian is with respect to ``x.ravel()``).
    step : float, optional
        The base step h > 0 (default 1e-5).

    Returns
    -------
    ndarray
        Shape (d, d) with d = x.size.

    Examples
    --------
    The gradient of f(x) = x₀² + 3x₀x₁ is (2x₀ + 3x₁, 3x₀); its Jacobian is constant:

    >>> from mlfund.optimization import numerical_hessian
    >>> numerical_hessian(lambda x: [2 * x[0] + 3 * x[1], 3 * x[0]], [1.0, 2.0]).round(6)
    array([[2., 3.],
           [3., 0.]])
    """
    _check_callable("gradient", gradient)
    x_arr = as_real_array("x", x)
    step = check_positive("step", step)
    flat = x_arr.ravel()
    d = flat.size

    def grad_at(point: np.ndarray) -> np.ndarray:
        value = np.asarray(gradient(point.reshape(x_arr.shape)), dtype=float)
        if value.size != d:
            raise ValueError(
                f"gradient must return {d} value(s), one per entry of x; got shape {value.shape}."
            )
        if not np.all(np.isfinite(value)):
            raise ValueError("gradient returned a value that is not finite (NaN or inf).")
        return value.ravel()

    h = _steps(flat, step)
    jac = np.empty((d, d))
    for i in range(d):
        up, down = flat.copy(), flat.copy()
        up[i] += h[i]
        down[i] -= h[i]
        jac[:, i] = (grad_at(up) - grad_at(down)) / (up[i] - down[i])
    return (jac + jac.T) / 2


@dataclass(frozen=True, slots=True)
class GradientCheckResult:
    """The outcome of :func:`gradient_check`."""

    analytic_gradient: np.ndarray
    """The gradient under test, shape of x."""
    numeric_gradient: np.ndarray
    """The central-difference gradient, shape of x."""
    max_abs_error: float
    """max_i |analytic_i − numeric_i|."""
    max_rel_error: float
    """max_i |analytic_i − numeric_i| / max(|analytic_i|, |numeric_i|) (0 where both are 0)."""
    passed: bool
    """Every component has |analytic − numeric| <= atol + rtol·|numeric|."""


def gradient_check(
    fun: Callable[[np.ndarray], float],
    gradient: Callable[[np.ndarray], ArrayLike],
    x: ArrayLike,
    *,
    step: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> GradientCheckResult:
    """Compare an analytic gradient with central finite differences of the function.

    Parameters
    ----------
    fun : callable
        f(x) -> float.
    gradient : callable
        The gradient under test, ∇f(x) -> array of the shape of ``x``.
    x : array_like
        The point to check at (any shape).
    step : float, optional
        The base finite-difference step (see :func:`numerical_gradient`).
    rtol, atol : float, optional
        Tolerances of ``passed``, in the sense of :func:`numpy.isclose` (defaults 1e-5 and
        1e-6): typical mistakes — a sign flip, a missing 1/n or transpose — are off by far
        more.

    Returns
    -------
    GradientCheckResult
        Both gradients, the largest absolute and relative errors, and ``passed``.

    Examples
    --------
    The gradient of f(x) = ‖x‖² is 2x; forgetting the 2 fails the check:

    >>> import numpy as np
    >>> from mlfund.optimization import gradient_check
    >>> f = lambda x: float(np.sum(x ** 2))
    >>> gradient_check(f, lambda x: 2 * x, [1.0, -2.0]).passed
    True
    >>> wrong = gradient_check(f, lambda x: x, [1.0, -2.0])
    >>> wrong.passed, round(wrong.max_abs_error, 6), round(wrong.max_rel_error, 6)
    (False, 2.0, 0.5)
    """
    _check_callable("gradient", gradient)
    x_arr = as_real_array("x", x)
    rtol = check_positive("rtol", rtol, strict=False)
    atol = check_positive("atol", atol, strict=False)
    numeric = numerical_gradient(fun, x_arr, step=step)
    analytic = np.asarray(gradient(x_arr.copy()), dtype=float)
    if analytic.size != x_arr.size:
        raise ValueError(
            f"gradient must return one value per entry of x ({x_arr.size}); got shape "
            f"{analytic.shape}."
        )
    analytic = analytic.reshape(x_arr.shape)
    if not np.all(np.isfinite(analytic)):
        raise ValueError("gradient returned a value that is not finite (NaN or inf).")
    diff = np.abs(analytic - numeric)
    scale = np.maximum(np.abs(analytic), np.abs(numeric))
    rel = np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)
    return GradientCheckResult(
        analytic_gradient=analytic,
        numeric_gradient=numeric,
        max_abs_error=float(diff.max(initial=0.0)),
        max_rel_error=float(rel.max(initial=0.0)),
        passed=bool(np.all(diff <= atol + rtol * np.abs(numeric))),
    )
