"""Losses of linear models as functions of the weights: logistic regression and least squares.

Each loss is the MEAN over the rows of X plus an optional L2 penalty ``l2·‖w‖²`` (no ½, so
its gradient is ``2·l2·w``). There is no separate intercept: add a column of ones to X.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mlfund._validation import check_positive

from ._activations import _sigmoid
from ._checks import as_design, as_vector, linear_data

__all__ = [
    "logistic_loss",
    "logistic_loss_gradient",
    "logistic_loss_hessian",
    "mse_loss",
    "mse_loss_gradient",
    "mse_loss_hessian",
    "normal_equations_solution",
    "newton_step",
    "logistic_newton_step",
]


def _l2(value: float) -> float:
    return check_positive("l2", value, strict=False)


# --- logistic regression ------------------------------------------------------------------


def logistic_loss(w: ArrayLike, X: ArrayLike, y: ArrayLike, *, l2: float = 0.0) -> float:
    """Mean logistic loss J(w) = (1/n) Σ [log(1 + e^(x_iᵀw)) − y_i x_iᵀw] + l2·‖w‖².

    This is the mean binary cross-entropy of the predictions σ(Xw), computed from the
    logits so that it stays finite for any weights.

    Parameters
    ----------
    w : array_like
        Weights, shape (d,).
    X : array_like
        Design matrix, shape (n, d).
    y : array_like
        Labels in {0, 1}, shape (n,).
    l2 : float, optional
        Strength of an L2 penalty l2·‖w‖² (default 0: none).

    Returns
    -------
    float
        J(w).

    See Also
    --------
    logistic_loss_gradient, logistic_loss_hessian

    Examples
    --------
    At w = 0 every prediction is ½, so the loss is log 2 whatever the data:

    >>> from mlfund.optimization import logistic_loss
    >>> X = [[1.0, 2.0], [1.0, -1.0], [1.0, 0.5]]
    >>> y = [1, 0, 1]
    >>> round(logistic_loss([0.0, 0.0], X, y), 6)
    0.693147
    >>> round(logistic_loss([0.2, 1.0], X, y), 4)
    0.2931
    """
    w_arr, X_arr, y_arr = linear_data(w, X, y, binary=True)
    z = X_arr @ w_arr
    # log(1 + e^z) − yz, written as log(1 + e^(∓z)) to avoid cancellation for y = 1.
    loss = np.mean(np.logaddexp(0.0, (1.0 - 2.0 * y_arr) * z))
    return float(loss + _l2(l2) * np.sum(w_arr**2))


def logistic_loss_gradient(
    w: ArrayLike, X: ArrayLike, y: ArrayLike, *, l2: float = 0.0
) -> np.ndarray:
    """Gradient of the mean logistic loss: ∇J(w) = (1/n) Xᵀ(σ(Xw) − y) + 2·l2·w.

    Parameters
    ----------
    w : array_like
        Weights, shape (d,).
    X : array_like
        Design matrix, shape (n, d).
    y : array_like
        Labels in {0, 1}, shape (n,).
    l2 : float, optional
        Strength of an L2 penalty l2·‖w‖² (default 0: none).

    Returns
    -------
    ndarray
        Shape (d,).

    Examples
    --------
    At w = 0 the residuals σ(0) − y are ±½; the gradient averages them against X. It
    agrees with central finite differences of :func:`logistic_loss`:

    >>> import numpy as np
    >>> from mlfund.optimization import gradient_check, logistic_loss, logistic_loss_gradient
    >>> X = np.array([[1.0, 2.0], [1.0, -1.0], [1.0, 0.5]])
    >>> y = np.array([1, 0, 1])
    >>> logistic_loss_gradient([0.0, 0.0], X, y).round(4)
    array([-0.1667, -0.5833])
    >>> check = gradient_check(lambda w: logistic_loss(w, X, y),
    ...                        lambda w: logistic_loss_gradient(w, X, y), [0.2, 1.0])
    >>> check.passed
    True
    """
    w_arr, X_arr, y_arr = linear_data(w, X, y, binary=True)
    residual = _sigmoid(X_arr @ w_arr) - y_arr
    return X_arr.T @ residual / X_arr.shape[0] + 2.0 * _l2(l2) * w_arr


def logistic_loss_hessian(
    w: ArrayLike, X: ArrayLike, y: ArrayLike, *, l2: float = 0.0
) -> np.ndarray:
    """Hessian of the mean logistic loss: (1/n) Xᵀ diag(σ(1 − σ)) X + 2·l2·I, with σ = σ(Xw).

    It is positive semi-definite for any data (a weighted Gram matrix with positive
    weights), and positive definite when X has full column rank or l2 > 0. It does not
    depend on the labels.

    Parameters
    ----------
    w : array_like
        Weights, shape (d,).
    X : array_like
        Design matrix, shape (n, d).
    y : array_like
        Labels in {0, 1}, shape (n,) (validated only).
    l2 : float, optional
        Strength of an L2 penalty l2·‖w‖² (default 0: none).

    Returns
    -------
    ndarray
        Shape (d, d), symmetric.

    Examples
    --------
    At w = 0 every weight σ(1 − σ) is ¼, so the Hessian is XᵀX / (4n):

    >>> from mlfund.optimization import logistic_loss_hessian
    >>> X = [[1.0, 2.0], [1.0, -1.0], [1.0, 0.5]]
    >>> logistic_loss_hessian([0.0, 0.0], X, [1, 0, 1]).round(4)
    array([[0.25  , 0.125 ],
           [0.125 , 0.4375]])
    """
    w_arr, X_arr, _ = linear_data(w, X, y, binary=True)
    s = _sigmoid(X_arr @ w_arr)
    weights = s * (1.0 - s)
    hess = (X_arr.T * weights) @ X_arr / X_arr.shape[0]
    return hess + 2.0 * _l2(l2) * np.eye(w_arr.size)


# --- least squares ------------------------------------------------------------------------


def mse_loss(w: ArrayLike, X: ArrayLike, y: ArrayLike, *, l2: float = 0.0) -> float:
    """Mean squared error of a linear model: J(w) = (1/n)‖Xw − y‖² + l2·‖w‖².

    Parameters
    ----------
    w : array_like
        Weights, shape (d,).
    X : array_like
        Design matrix, shape (n, d).
    y : array_like
        Targets, shape (n,).
    l2 : float, optional
        Strength of an L2 (ridge) penalty l2·‖w‖² (default 0: none).

    Returns
    -------
    float
        J(w).

    Examples
    --------
    A line through the origin, y ≈ 2x, with weight 1.5: residuals −0.5, −1, −1.5:

    >>> from mlfund.optimization import mse_loss
    >>> round(mse_loss([1.5], [[1.0], [2.0], [3.0]], [2.0, 4.0, 6.0]), 4)
    1.1667
    """
    w_arr, X_arr, y_arr = linear_data(w, X, y, binary=False)
    residual = X_arr @ w_arr - y_arr
    return float(np.mean(residual**2) + _l2(l2) * np.sum(w_arr**2))


def mse_loss_gradient(w: ArrayLike, X: ArrayLike, y: ArrayLike, *, l2: float = 0.0) -> np.ndarray:
    """Gradient of the mean squared error: (2/n) Xᵀ(Xw − y) + 2·l2·w.

    Parameters
    ----------
    w : array_like
        Weights, shape (d,).
    X : array_like
        Design matrix, shape (n, d).
    y : array_like
        Targets, shape (n,).
    l2 : float, optional
        Strength of an L2 (ridge) penalty l2·‖w‖² (default 0: none).

    Returns
    -------
    ndarray
        Shape (d,).

    Examples
    --------
    With weight 1.5 the line is too flat, so the gradient is negative (increase w):

    >>> from mlfund.optimization import mse_loss_gradient
    >>> mse_loss_gradient([1.5], [[1.0], [2.0], [3.0]], [2.0, 4.0, 6.0]).round(4)
    array([-4.6667])
    """
    w_arr, X_arr, y_arr = linear_data(w, X, y, binary=False)
    residual = X_arr @ w_arr - y_arr
    return 2.0 * X_arr.T @ residual / X_arr.shape[0] + 2.0 * _l2(l2) * w_arr


def mse_loss_hessian(w: ArrayLike, X: ArrayLike, y: ArrayLike, *, l2: float = 0.0) -> np.ndarray:
    """Hessian of the mean squared error: (2/n) XᵀX + 2·l2·I, the same at every w.

    Parameters
    ----------
    w : array_like
        Weights, shape (d,) (validated only: the loss is quadratic).
    X : array_like
        Design matrix, shape (n, d).
    y : array_like
        Targets, shape (n,) (validated only).
    l2 : float, optional
        Strength of an L2 (ridge) penalty l2·‖w‖² (default 0: none).

    Returns
    -------
    ndarray
        Shape (d, d), positive semi-definite.

    Examples
    --------
    >>> from mlfund.optimization import mse_loss_hessian
    >>> mse_loss_hessian([0.0], [[1.0], [2.0], [3.0]], [2.0, 4.0, 6.0]).round(4)
    array([[9.3333]])
    """
    w_arr, X_arr, _ = linear_data(w, X, y, binary=False)
    return 2.0 * X_arr.T @ X_arr / X_arr.shape[0] + 2.0 * _l2(l2) * np.eye(w_arr.size)


def normal_equations_solution(X: ArrayLike, y: ArrayLike, *, l2: float = 0.0) -> np.ndarray:
    """The minimiser of :func:`mse_loss`: solve (XᵀX + n·l2·I) w = Xᵀy.

    Setting the gradient (2/n) Xᵀ(Xw − y) + 2·l2·w to zero gives these normal equations;
    with l2 = 0 the solution is w = (XᵀX)⁻¹Xᵀy.

    Parameters
    ----------
    X : array_like
        Design matrix, shape (n, d).
    y : array_like
        Targets, shape (n,).
    l2 : float, optional
        Strength of an L2 (ridge) penalty l2·‖w‖² in the mean loss (default 0).

    Returns
    -------
    ndarray
        Shape (d,).

    Raises
    ------
    ValueError
        If XᵀX + n·l2·I is singular (X without full column rank and l2 = 0).

    Examples
    --------
    Points on the line y = 1 + 2x are fitted exactly (the column of ones is the intercept):

    >>> from mlfund.optimization import normal_equations_solution
    >>> X = [[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]
    >>> normal_equations_solution(X, [1.0, 3.0, 5.0]).round(6)
    array([1., 2.])
    """
    X_arr = as_design("X", X)
    y_arr = as_vector("y", y)
    n, d = X_arr.shape
    if y_arr.shape != (n,):
        raise ValueError(
            f"y must have one entry per row of X; y has shape {y_arr.shape}, X has {n} rows."
        )
    gram = X_arr.T @ X_arr + n * _l2(l2) * np.eye(d)
    return _solve("X^T X + n*l2*I", gram, X_arr.T @ y_arr)


# --- Newton's method ----------------------------------------------------------------------


def _solve(name: str, matrix: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    if np.linalg.cond(matrix) > 1e12:
        raise ValueError(
            f"{name} is singular or nearly so (condition number > 1e12); add an L2 "
            "penalty or remove linearly dependent columns."
        )
    return np.linalg.solve(matrix, rhs)


def newton_step(x: ArrayLike, gradient: ArrayLike, hessian: ArrayLike) -> np.ndarray:
    """One Newton step x − H⁻¹∇f(x), from the gradient and Hessian evaluated at x.

    On a quadratic f(x) = ½xᵀAx − bᵀx (gradient Ax − b, Hessian A positive definite) one
    step lands exactly on the minimiser A⁻¹b, from any starting point.

    Parameters
    ----------
    x : array_like
        The current point, shape (d,).
    gradient : array_like
        ∇f(x), shape (d,).
    hessian : array_like
        ∇²f(x), shape (d, d), invertible.

    Returns
    -------
    ndarray
        The new point, shape (d,).

    Examples
    --------
    f(x) = ½xᵀAx − bᵀx with A = diag(1, 10), b = (1, 1): the minimiser (1, 0.1) in one step:

    >>> import numpy as np
    >>> from mlfund.optimization import newton_step
    >>> A, b, x0 = np.diag([1.0, 10.0]), np.array([1.0, 1.0]), np.array([5.0, -3.0])
    >>> newton_step(x0, A @ x0 - b, A).round(6)
    array([1. , 0.1])
    """
    x_arr = as_vector("x", x)
    g_arr = as_vector("gradient", gradient)
    h_arr = as_design("hessian", hessian)
    d = x_arr.size
    if g_arr.shape != (d,) or h_arr.shape != (d, d):
        raise ValueError(
            f"gradient must have shape ({d},) and hessian ({d}, {d}) to match x; got "
            f"{g_arr.shape} and {h_arr.shape}."
        )
    return x_arr - _solve("hessian", h_arr, g_arr)


def logistic_newton_step(
    w: ArrayLike, X: ArrayLike, y: ArrayLike, *, l2: float = 0.0
) -> np.ndarray:
    """One Newton step for logistic regression: w − H⁻¹∇J(w).

    Uses the gradient (1/n) Xᵀ(σ(Xw) − y) + 2·l2·w and the Hessian
    (1/n) Xᵀ diag(σ(1 − σ)) X + 2·l2·I of the mean logistic loss. Repeating the step is
    iteratively reweighted least squares (IRLS), which converges quadratically near the
    optimum.

    Parameters
    ----------
    w : array_like
        Current weights, shape (d,).
    X : array_like
        Design matrix, shape (n, d).
    y : array_like
        Labels in {0, 1}, shape (n,).
    l2 : float, optional
        Strength of an L2 penalty l2·‖w‖² (default 0). A positive value keeps the
        Hessian invertible, e.g. for separable data.

    Returns
    -------
    ndarray
        The new weights, shape (d,).

    Raises
    ------
    ValueError
        If the Hessian is singular (X without full column rank, or saturated predictions)
        and l2 = 0.

    Examples
    --------
    A few Newton steps from w = 0 drive the gradient to zero:

    >>> import numpy as np
    >>> from mlfund.optimization import logistic_loss_gradient, logistic_newton_step
    >>> X = np.array([[1.0, 2.0], [1.0, -1.0], [1.0, 0.5], [1.0, 0.0]])
    >>> y = np.array([1, 0, 0, 1])
    >>> w = np.zeros(2)
    >>> for _ in range(6):
    ...     w = logistic_newton_step(w, X, y)
    >>> float(np.abs(logistic_loss_gradient(w, X, y)).max()) < 1e-10
    True
    """
    gradient = logistic_loss_gradient(w, X, y, l2=l2)
    hessian = logistic_loss_hessian(w, X, y, l2=l2)
    return as_vector("w", w) - _solve("the Hessian", hessian, gradient)

