"""Validation at the public edge: one message form for every bad argument.

Every message names the argument, repeats the value and says what is allowed, in the
manner of scipy.stats: ``method ('x') must be one of 'exact', 'wilson' or 'wilsoncc'.``
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = [
    "check_choice",
    "check_count",
    "check_counts",
    "check_level",
    "check_probability",
    "check_real",
    "check_positive",
    "as_float_array",
    "as_binary_labels",
    "check_same_length",
    "format_choices",
]


def _show(value: Any) -> str:
    if isinstance(value, np.generic):
        value = value.item()  # 2.0, not np.float64(2.0)
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def format_choices(choices: Iterable[Any]) -> str:
    """``'a', 'b' or 'c'``: the allowed values as a message lists them."""
    items = [repr(c) for c in choices]
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " or " + items[-1]


def check_choice(name: str, value: Any, choices: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``choices``; otherwise raise ValueError."""
    choices = tuple(choices)
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} ({_show(value)}) must be one of {format_choices(choices)}.")
    return value


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def check_real(name: str, value: Any, *, allow_inf: bool = False) -> float:
    """A finite real number (not a bool, not NaN) as a float."""
    if _is_bool(value) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} ({_show(value)}) must be a real number.")
    out = float(value)
    if math.isnan(out) or (math.isinf(out) and not allow_inf):
        raise ValueError(f"{name} ({_show(value)}) must be a finite real number.")
    return out


def check_positive(name: str, value: Any, *, strict: bool = True) -> float:
    """A real number > 0 (or >= 0 with ``strict=False``)."""
    out = check_real(name, value)
    if out < 0 or (strict and out == 0):
        bound = "> 0" if strict else ">= 0"
        raise ValueError(f"{name} ({_show(value)}) must be {bound}.")
    return out


def check_level(name: str, value: Any) -> float:
    """A level such as ``confidence_level`` or ``alpha``: strictly between 0 and 1."""
    out = check_real(name, value)
    if not 0 < out < 1:
        raise ValueError(f"{name} ({_show(value)}) must be strictly between 0 and 1.")
    return out


def check_probability(name: str, value: Any, *, open_interval: bool = False) -> float:
    """A probability in [0, 1] (or (0, 1) with ``open_interval=True``)."""
    out = check_real(name, value)
    ok = 0 < out < 1 if open_interval else 0 <= out <= 1
    if not ok:
        where = "strictly between 0 and 1" if open_interval else "between 0 and 1"
        raise ValueError(f"{name} ({_show(value)}) must be {where}.")
    return out


def check_count(name: str, value: Any, *, minimum: int = 0) -> int:
    """A whole number >= ``minimum``; integral floats such as 10.0 are accepted."""
    if _is_bool(value) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} ({_show(value)}) must be a whole number.")
    if isinstance(value, numbers.Integral):
        out = int(value)
    else:
        as_float = float(value)
        if not math.isfinite(as_float) or as_float != int(as_float):
            raise ValueError(f"{name} ({_show(value)}) must be a whole number.")
        out = int(as_float)
    if out < minimum:
        raise ValueError(f"{name} ({_show(value)}) must be >= {minimum}.")
    return out


def check_counts(successes_name: str, successes: Any, n_name: str, n: Any) -> tuple[int, int]:
    """``successes`` and ``n`` as counts with 0 <= successes <= n and n >= 1."""
    k = check_count(successes_name, successes)
    total = check_count(n_name, n, minimum=1)
    if k > total:
        raise ValueError(
            f"{successes_name} ({k}) must be <= {n_name} ({total})."
        )
    return k, total


def as_float_array(name: str, value: Any, *, ndim: int | None = 1, min_size: int = 1,
                   allow_nan: bool = False) -> np.ndarray:
    """Convert array-like input to a float array; reject NaN, wrong rank and empty input."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of real numbers; got {_show(value)}.") from exc
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional; got shape {arr.shape}.")
    if arr.size < min_size:
        raise ValueError(f"{name} must have at least {min_size} element(s); got {arr.size}.")
    if not allow_nan and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite numbers (no NaN or inf).")
    return arr


def as_binary_labels(name: str, value: Any) -> np.ndarray:
    """Labels in {0, 1} (bools accepted) as an int array."""
    arr = np.asarray(value)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-dimensional array; got shape {arr.shape}.")
    if arr.dtype == bool:
        return arr.astype(int)
    try:
        as_float = arr.astype(float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must contain labels 0 and 1; got {_show(value)}.") from exc
    bad = ~np.isin(as_float, (0.0, 1.0))
    if bad.any():
        raise ValueError(
            f"{name} must contain only the labels 0 and 1; found {_show(as_float[bad][0])}."
        )
    return as_float.astype(int)


def check_same_length(**arrays: Any) -> int:
    """All arrays have the same length; return it."""
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{k} has {v}" for k, v in lengths.items())
        raise ValueError(f"inputs must have the same length; {shown}.")
    return next(iter(lengths.values()))
