"""Finite differences, to tell a learner how far a gradient is from the loss it claims."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def finite_difference_gap(loss: Callable[..., float], args: tuple[Any, ...],
                          gradient: np.ndarray, *, step: float = 1e-6) -> float | None:
    """Largest gap between ``gradient`` and central differences of ``loss`` in its first argument.

    Returns None when the loss cannot be evaluated there (the comparison is then left out).
    """
    try:
        w = np.array(args[0], dtype=float)
        rest = args[1:]
        numeric = np.zeros_like(w)
        for index in np.ndindex(w.shape):
            plus, minus = w.copy(), w.copy()
            plus[index] += step
            minus[index] -= step
            numeric[index] = (loss(plus, *rest) - loss(minus, *rest)) / (2 * step)
        if numeric.shape != np.shape(gradient):
            return None
        return float(np.max(np.abs(numeric - gradient)))
    except (ValueError, TypeError, FloatingPointError):
        return None
