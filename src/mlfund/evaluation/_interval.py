"""The interval result shared by the evaluation functions."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ConfidenceInterval"]


@dataclass(frozen=True, slots=True)
class ConfidenceInterval:
    """An interval ``[low, high]`` (scipy's field names).

    Attributes
    ----------
    low, high : float
        The lower and upper end.
    """

    low: float
    high: float
