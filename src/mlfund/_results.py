"""Result types shared by the pillars of the reference library."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ConfidenceInterval"]


@dataclass(frozen=True, slots=True)
class ConfidenceInterval:
    """A confidence interval ``[low, high]``, as in :mod:`scipy.stats`.

    One-sided intervals have an infinite end (``-inf`` or ``inf``).

    Examples
    --------
    >>> ci = ConfidenceInterval(0.2, 0.5)
    >>> ci.low, ci.high
    (0.2, 0.5)
    >>> round(ci.width, 2), 0.3 in ci
    (0.3, True)
    """

    low: float
    high: float

    @property
    def width(self) -> float:
        """``high - low``."""
        return self.high - self.low

    def __contains__(self, value: object) -> bool:
        """Whether ``low <= value <= high`` (the interval is closed)."""
        return bool(self.low <= value <= self.high)  # type: ignore[operator]
