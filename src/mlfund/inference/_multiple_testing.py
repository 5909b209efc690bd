"""Multiple testing: Bonferroni (family-wise error) and Benjamini–Hochberg (FDR) (week 6)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from mlfund._validation import as_float_array, check_level
from mlfund.inference._results import MultipleTestingResult

__all__ = ["bonferroni", "benjamini_hochberg"]


def _pvalues(pvalues: ArrayLike) -> np.ndarray:
    arr = as_float_array("pvalues", pvalues)
    if np.any((arr < 0) | (arr > 1)):
        bad = float(arr[(arr < 0) | (arr > 1)][0])
        raise ValueError(f"pvalues must lie between 0 and 1; found {bad!r}.")
    return arr


def bonferroni(pvalues: ArrayLike, *, alpha: float = 0.05) -> MultipleTestingResult:
    """Bonferroni correction: reject ``H_i`` when ``p_i <= alpha / m``.

    Controls the family-wise error rate (the chance of any false rejection) at
    ``alpha`` under any dependence between the tests.

    Parameters
    ----------
    pvalues : array_like
        ``m`` p-values, 1-D, each in ``[0, 1]``.
    alpha : float, default 0.05
        Family-wise error rate.

    Returns
    -------
    MultipleTestingResult
        ``reject`` and ``pvalues_adjusted = min(1, m p_i)``, in input order, as
        ``statsmodels.stats.multitest.multipletests(method="bonferroni")``.

    Examples
    --------
    Four metrics tested at once:

    >>> res = bonferroni([0.01, 0.04, 0.03, 0.005])
    >>> res.reject
    array([ True, False, False,  True])
    >>> res.pvalues_adjusted.round(4)
    array([0.04, 0.16, 0.12, 0.02])
    """
    arr = _pvalues(pvalues)
    level = check_level("alpha", alpha)
    m = arr.size
    return MultipleTestingResult(
        reject=arr <= level / m,
        pvalues_adjusted=np.minimum(arr * m, 1.0),
    )


def benjamini_hochberg(pvalues: ArrayLike, *, alpha: float = 0.05) -> MultipleTestingResult:
    """Benjamini–Hochberg step-up procedure, controlling the false discovery rate.

    Sort the p-values ``p_(1) <= ... <= p_(m)``, find the largest ``i`` with
    ``p_(i) <= i alpha / m`` and reject the ``i`` hypotheses with the smallest p-values.

    Parameters
    ----------
    pvalues : array_like
        ``m`` p-values, 1-D, each in ``[0, 1]``.
    alpha : float, default 0.05
        Target false discovery rate (valid for independent or positively dependent
        tests).

    Returns
    -------
    MultipleTestingResult
        ``reject`` and ``pvalues_adjusted``, in input order. The adjusted p-value of
        ``p_(i)`` is ``min_{j >= i} min(1, m p_(j) / j)``, as
        ``multipletests(method="fdr_bh")`` and :func:`scipy.stats.false_discovery_control`.

    Examples
    --------
    Same four metrics: BH rejects more than Bonferroni.

    >>> res = benjamini_hochberg([0.01, 0.04, 0.03, 0.005])
    >>> res.reject
    array([ True,  True,  True,  True])
    >>> res.pvalues_adjusted.round(4)
    array([0.02, 0.04, 0.04, 0.02])
    """
    arr = _pvalues(pvalues)
    level = check_level("alpha", alpha)
    m = arr.size
    order = np.argsort(arr, kind="stable")
    ranked = arr[order]
    ranks = np.arange(1, m + 1)
    passing = np.nonzero(ranked <= ranks * level / m)[0]
    reject_sorted = np.zeros(m, dtype=bool)
    if passing.size:
        reject_sorted[: passing[-1] + 1] = True
    # Step-up: the adjusted value of rank i is the smallest m p / j over ranks j >= i.
    # m / rank >= 1 is formed first so that rounding never makes an adjusted value < p.
    adjusted_sorted = np.minimum.accumulate((ranked * (m / ranks))[::-1])[::-1]
    reject = np.empty(m, dtype=bool)
    adjusted = np.empty(m)
    reject[order] = reject_sorted
    adjusted[order] = np.minimum(adjusted_sorted, 1.0)
    return MultipleTestingResult(reject=reject, pvalues_adjusted=adjusted)
