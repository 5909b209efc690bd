"""Validation helpers shared by the optimization modules (on top of :mod:`mlfund._validation`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from mlfund._validation import _show, as_binary_labels, as_float_array, check_positive, check_real

__all__ = [
    "as_real_array",
    "as_vector",
    "as_design",
    "as_labels",
    "check_learning_rate",
    "check_beta",
    "check_hessian",
    "scalar_or_array",
    "linear_data",
]


def as_real_array(name: str, value: Any) -> np.ndarray:
    """Any-shaped array of finite real numbers (a scalar becomes a 0-d array)."""
    return as_float_array(name, value, ndim=None)


def as_vector(name: str, value: Any) -> np.ndarray:
    """A non-empty 1-d array of finite reals; a scalar becomes a vector of length 1."""
    arr = as_float_array(name, value, ndim=None)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional; got shape {arr.shape}.")
    return arr


def as_design(name: str, value: Any) -> np.ndarray:
    """A design matrix: 2-d, finite, at least one row and one column."""
    arr = as_float_array(name, value, ndim=2)
    if arr.shape[1] == 0:
        raise ValueError(f"{name} must have at least one column; got shape {arr.shape}.")
    return arr


def as_labels(name: str, value: Any) -> np.ndarray:
    """Labels in {0, 1}; a scalar label becomes a vector of length 1."""
    arr = np.asarray(value)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    return as_binary_labels(name, arr)


def linear_data(w: Any, X: Any, y: Any, *, binary: bool) -> tuple[np.ndarray, ...]:
    """Validate (w, X, y) for a linear model: X is (n, d), w is (d,), y is (n,)."""
    X_arr = as_design("X", X)
    w_arr = as_vector("w", w)
    y_arr = as_labels("y", y) if binary else as_vector("y", y)
    n, d = X_arr.shape
    if w_arr.shape != (d,):
        raise ValueError(
            f"w must have one entry per column of X; w has shape {w_arr.shape}, X has {d} columns."
        )
    if y_arr.shape != (n,):
        raise ValueError(
            f"y must have one entry per row of X; y has shape {y_arr.shape}, X has {n} rows."
        )
    return w_arr, X_arr, y_arr.astype(float)


def check_learning_rate(value: Any, name: str = "learning_rate") -> float:
    """A learning rate: a finite real number > 0."""
    return check_positive(name, value)


def check_beta(name: str, value: Any) -> float:
    """A decay factor such as momentum's beta or Adam's beta1: 0 <= beta < 1."""
    out = check_real(name, value)
    if not 0 <= out < 1:
        raise ValueError(f"{name} ({_show(value)}) must be in [0, 1).")
    return out


def check_hessian(name: str, value: Any, *, require: str = "psd") -> np.ndarray:
    """Eigenvalues (ascending) of a symmetric curvature: a number a > 0 or a square matrix.

    ``require`` is ``"psd"`` (eigenvalues >= 0 and the largest > 0) or ``"pd"`` (all > 0).
    """
    arr = as_float_array(name, value, ndim=None)
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(
            f"{name} must be a number or a square matrix; got shape {arr.shape}."
        )
    scale = max(1.0, float(np.max(np.abs(arr))))
    if not np.allclose(arr, arr.T, rtol=1e-10, atol=1e-12 * scale):
        raise ValueError(f"{name} must be symmetric.")
    eig = np.linalg.eigvalsh((arr + arr.T) / 2)
    tol = 1e-12 * scale * arr.shape[0]
    if require == "pd":
        if eig[0] <= tol:
            raise ValueError(
                f"{name} must be positive definite; its smallest eigenvalue is {eig[0]:.6g}."
            )
    else:
        if eig[0] < -tol or eig[-1] <= tol:
            raise ValueError(
                f"{name} must be positive semi-definite and nonzero; its eigenvalues range "
                f"from {eig[0]:.6g} to {eig[-1]:.6g}."
            )
        eig = np.clip(eig, 0.0, None)
    return eig


def scalar_or_array(arr: np.ndarray) -> float | np.ndarray:
    """One value -> float; more -> the array."""
    if np.ndim(arr) == 0:
        return float(arr)
    return arr
