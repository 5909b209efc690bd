"""Cross-validation splits (k-fold, stratified, group, time series) and the CV estimate."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from mlfund._validation import (
    as_float_array,
    check_count,
    check_level,
)
from mlfund.evaluation._interval import ConfidenceInterval

__all__ = [
    "Split",
    "kfold_splits",
    "stratified_kfold_splits",
    "group_kfold_splits",
    "time_series_splits",
    "CVEstimate",
    "cross_validation_estimate",
]


@dataclass(frozen=True, slots=True, eq=False)
class Split:
    """One train/test split: sorted, read-only integer index arrays.

    Attributes
    ----------
    train : ndarray of int
        Indices of the training examples.
    test : ndarray of int
        Indices of the held-out examples.
    """

    train: np.ndarray
    test: np.ndarray


def _split(n_samples: int, test: np.ndarray) -> Split:
    in_test = np.zeros(n_samples, dtype=bool)
    in_test[test] = True
    train_idx = np.flatnonzero(~in_test)
    test_idx = np.flatnonzero(in_test)
    train_idx.flags.writeable = False
    test_idx.flags.writeable = False
    return Split(train=train_idx, test=test_idx)


def _check_shuffle_seed(shuffle: Any, seed: Any) -> np.random.Generator | None:
    if not isinstance(shuffle, (bool, np.bool_)):
        raise TypeError(f"shuffle ({shuffle!r}) must be True or False.")
    if seed is not None and not isinstance(seed, (numbers.Integral, np.random.Generator)):
        raise TypeError(f"seed ({seed!r}) must be None, an int or a numpy Generator.")
    if isinstance(seed, (bool, np.bool_)):
        raise TypeError(f"seed ({seed!r}) must be None, an int or a numpy Generator.")
    if not shuffle:
        if seed is not None:
            raise ValueError(
                f"seed ({seed!r}) has no effect when shuffle is False; pass shuffle=True "
                f"or leave seed as None."
            )
        return None
    return np.random.default_rng(seed)


def _check_n_splits(n_splits: Any, n_items: int, items: str) -> int:
    k = check_count("n_splits", n_splits, minimum=2)
    if k > n_items:
        raise ValueError(f"n_splits ({k}) must be <= the number of {items} ({n_items}).")
    return k


def _labels(name: str, value: ArrayLike) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-dimensional array; got shape {arr.shape}.")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must not contain NaN or inf.")
    if arr.dtype.kind == "O":
        try:
            arr = arr.astype(str)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must contain labels such as ints or strings.") from exc
    return arr


def kfold_splits(n_samples: int, *, n_splits: int = 5, shuffle: bool = False,
                 seed: int | np.random.Generator | None = None) -> list[Split]:
    """Partition ``range(n_samples)`` into ``n_splits`` test folds of near-equal size.

    Without shuffling the folds are consecutive blocks; the first ``n_samples % n_splits``
    folds have one extra example (as scikit-learn's ``KFold``).

    Parameters
    ----------
    n_samples : int
        Number of examples.
    n_splits : int, default 5
        Number of folds k, 2 <= k <= n_samples.
    shuffle : bool, default False
        Shuffle the indices before cutting the folds.
    seed : int, numpy Generator or None, default None
        Seed of the shuffle (only with ``shuffle=True``).

    Returns
    -------
    list of Split
        k splits; the test folds partition the indices.

    Examples
    --------
    >>> for split in kfold_splits(5, n_splits=3):
    ...     print(split.train.tolist(), split.test.tolist())
    [2, 3, 4] [0, 1]
    [0, 1, 4] [2, 3]
    [0, 1, 2, 3] [4]
    >>> [s.test.size for s in kfold_splits(10, n_splits=3, shuffle=True, seed=0)]
    [4, 3, 3]
    """
    n = check_count("n_samples", n_samples, minimum=1)
    k = _check_n_splits(n_splits, n, "samples")
    rng = _check_shuffle_seed(shuffle, seed)
    indices = np.arange(n)
    if rng is not None:
        rng.shuffle(indices)
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    stops = np.cumsum(sizes)
    return [_split(n, indices[stop - size: stop]) for size, stop in zip(sizes, stops, strict=True)]


def stratified_kfold_splits(y: ArrayLike, *, n_splits: int = 5, shuffle: bool = False,
                            seed: int | np.random.Generator | None = None) -> list[Split]:
    """k folds that keep each class's share: per class, fold counts differ by at most 1.

    The examples are listed class by class (each class shuffled if asked) and dealt to
    the folds in turn, so fold sizes also differ by at most 1.

    Parameters
    ----------
    y : array_like, shape (n,)
        Class labels (any hashable values: ints, strings, bools).
    n_splits : int, default 5
        Number of folds, >= 2 and <= the size of the smallest class.
    shuffle : bool, default False
        Shuffle within each class before dealing.
    seed : int, numpy Generator or None, default None
        Seed of the shuffle (only with ``shuffle=True``).

    Returns
    -------
    list of Split

    Raises
    ------
    ValueError
        If some class has fewer than ``n_splits`` members (a fold would miss it).

    Examples
    --------
    Ten customers of whom four churned; every test fold gets two churners:

    >>> y = [0, 0, 1, 0, 1, 0, 1, 0, 0, 1]
    >>> [[y[i] for i in split.test] for split in stratified_kfold_splits(y, n_splits=2)]
    [[0, 1, 0, 1, 0], [0, 1, 0, 0, 1]]
    """
    labels = _labels("y", y)
    k = _check_n_splits(n_splits, labels.size, "samples")
    rng = _check_shuffle_seed(shuffle, seed)
    classes, codes, class_counts = np.unique(labels, return_inverse=True, return_counts=True)
    smallest = int(np.argmin(class_counts))
    if class_counts[smallest] < k:
        raise ValueError(
            f"n_splits ({k}) must be <= the size of the smallest class in y; class "
            f"{classes[smallest].item()!r} has only {class_counts[smallest]} member(s)."
        )
    dealing_order = []
    for code in range(classes.size):
        members = np.flatnonzero(codes == code)
        if rng is not None:
            rng.shuffle(members)
        dealing_order.append(members)
    order = np.concatenate(dealing_order)
    fold_of = np.empty(labels.size, dtype=int)
    fold_of[order] = np.arange(labels.size) % k
    return [_split(labels.size, np.flatnonzero(fold_of == fold)) for fold in range(k)]


def group_kfold_splits(groups: ArrayLike, *, n_splits: int = 5) -> list[Split]:
    """k folds that never split a group: each group is in exactly one test fold.

    Use it when examples of one unit (a patient, a user, a store) are correlated: with
    plain k-fold the model sees the unit in training and the score leaks. Groups are
    placed largest first, each into the currently smallest fold (as scikit-learn's
    ``GroupKFold``), so folds are of similar size.

    Parameters
    ----------
    groups : array_like, shape (n,)
        Group label of each example (ints or strings).
    n_splits : int, default 5
        Number of folds, 2 <= k <= the number of distinct groups.

    Returns
    -------
    list of Split

    Examples
    --------
    Seven visits of four patients; no patient is in both train and test:

    >>> groups = ["ann", "ann", "ann", "bob", "bob", "cat", "dan"]
    >>> for split in group_kfold_splits(groups, n_splits=2):
    ...     print(split.test.tolist(), sorted({groups[i] for i in split.test}))
    [0, 1, 2, 6] ['ann', 'dan']
    [3, 4, 5] ['bob', 'cat']
    """
    labels = _labels("groups", groups)
    _, codes, sizes = np.unique(labels, return_inverse=True, return_counts=True)
    k = _check_n_splits(n_splits, sizes.size, "distinct groups")
    fold_sizes = np.zeros(k, dtype=int)
    fold_of_group = np.empty(sizes.size, dtype=int)
    for group in np.argsort(-sizes, kind="stable"):
        lightest = int(np.argmin(fold_sizes))
        fold_of_group[group] = lightest
        fold_sizes[lightest] += sizes[group]
    fold_of = fold_of_group[codes]
    return [_split(labels.size, np.flatnonzero(fold_of == fold)) for fold in range(k)]


def time_series_splits(n_samples: int, *, n_splits: int = 5, test_size: int | None = None,
                       gap: int = 0, max_train_size: int | None = None) -> list[Split]:
    """Forward-chaining splits: train on the past, test on the block that follows.

    The same splits as scikit-learn's ``TimeSeriesSplit``: the last ``n_splits`` blocks
    of ``test_size`` examples are the test folds; each trains on every earlier example
    except the ``gap`` just before its test block (to avoid leakage through lagged
    features), keeping at most the ``max_train_size`` most recent.

    Parameters
    ----------
    n_samples : int
        Number of examples, in time order.
    n_splits : int, default 5
        Number of splits, >= 2.
    test_size : int or None, default None
        Size of each test block; default ``n_samples // (n_splits + 1)``.
    gap : int, default 0
        Examples dropped between the end of training and the start of the test block.
    max_train_size : int or None, default None
        Keep at most this many of the most recent training examples.

    Returns
    -------
    list of Split
        Every training index precedes every test index.

    Examples
    --------
    >>> for split in time_series_splits(6, n_splits=3):
    ...     print(split.train.tolist(), split.test.tolist())
    [0, 1, 2] [3]
    [0, 1, 2, 3] [4]
    [0, 1, 2, 3, 4] [5]
    >>> for split in time_series_splits(8, n_splits=2, test_size=2, gap=1):
    ...     print(split.train.tolist(), split.test.tolist())
    [0, 1, 2] [4, 5]
    [0, 1, 2, 3, 4] [6, 7]
    """
    n = check_count("n_samples", n_samples, minimum=1)
    k = check_count("n_splits", n_splits, minimum=2)
    gap = check_count("gap", gap)
    if k + 1 > n:
        raise ValueError(
            f"n_splits + 1 ({k + 1}) must be <= n_samples ({n}): each split needs at least "
            f"one training and one test example."
        )
    size = n // (k + 1) if test_size is None else check_count("test_size", test_size, minimum=1)
    if max_train_size is not None:
        max_train_size = check_count("max_train_size", max_train_size, minimum=1)
    if size == 0 or n - gap - size * k <= 0:
        raise ValueError(
            f"n_samples ({n}) is too small for n_splits ({k}) test blocks of test_size "
            f"({size}) after a gap ({gap}): at least one training example is needed."
        )
    splits = []
    for test_start in range(n - k * size, n, size):
        train_stop = test_start - gap
        train_start = 0 if max_train_size is None else max(0, train_stop - max_train_size)
        train = np.arange(train_start, train_stop)
        test = np.arange(test_start, test_start + size)
        train.flags.writeable = False
        test.flags.writeable = False
        splits.append(Split(train=train, test=test))
    return splits


@dataclass(frozen=True, slots=True)
class CVEstimate:
    """A cross-validation estimate: the mean of the fold scores and its standard error.

    Attributes
    ----------
    mean : float
        Mean of the k fold scores.
    std : float
        Standard deviation of the fold scores with ``ddof``.
    standard_error : float
        ``std / sqrt(k)``.
    n_folds : int
        k.
    ddof : int
        Delta degrees of freedom used for ``std`` (1: the sample standard deviation).
    """

    mean: float
    std: float
    standard_error: float
    n_folds: int
    ddof: int

    def confidence_interval(self, *, confidence_level: float = 0.95) -> ConfidenceInterval:
        """mean ± t_{k-1} · standard_error, a t-interval over the k fold scores.

        It treats the folds as independent, which they are not (they share training
        data), so it is too narrow; read it as a rough guide.

        Examples
        --------
        >>> est = cross_validation_estimate([0.80, 0.82, 0.78, 0.81, 0.79])
        >>> ci = est.confidence_interval(confidence_level=0.95)
        >>> round(ci.low, 3), round(ci.high, 3)
        (0.780, 0.820)
        """
        from scipy import stats

        level = check_level("confidence_level", confidence_level)
        t = float(stats.t.ppf(0.5 + level / 2, self.n_folds - 1))
        half = t * self.standard_error
        return ConfidenceInterval(low=self.mean - half, high=self.mean + half)


def cross_validation_estimate(fold_scores: ArrayLike, *, ddof: int = 1) -> CVEstimate:
    """The k-fold CV estimate: mean of the fold scores, standard error s / sqrt(k).

    Parameters
    ----------
    fold_scores : array_like of float, shape (k,)
        One score per fold, k >= 2.
    ddof : {1, 0}, default 1
        Delta degrees of freedom of the standard deviation s: 1 is the sample standard
        deviation (divide by k - 1, the usual choice and R's ``sd``); 0 divides by k
        (numpy's default ``np.std``).

    Returns
    -------
    CVEstimate
        ``mean``, ``std``, ``standard_error``; ``.confidence_interval()`` for a t-interval.

    Notes
    -----
    The folds share training data, so their scores are positively correlated and s/√k
    understates the uncertainty of the mean (Bengio and Grandvalet, 2004); no unbiased
    estimator of the variance of k-fold CV exists.

    Examples
    --------
    Five folds' accuracies:

    >>> est = cross_validation_estimate([0.80, 0.82, 0.78, 0.81, 0.79])
    >>> round(est.mean, 3), round(est.std, 4), round(est.standard_error, 4)
    (0.8, 0.0158, 0.0071)
    """
    scores = as_float_array("fold_scores", fold_scores, min_size=2)
    if isinstance(ddof, (bool, np.bool_)) or ddof not in (0, 1):
        raise ValueError(f"ddof ({ddof!r}) must be one of 0 or 1.")
    k = scores.size
    std = float(np.std(scores, ddof=int(ddof)))
    return CVEstimate(mean=float(np.mean(scores)), std=std, standard_error=std / math.sqrt(k),
                      n_folds=k, ddof=int(ddof))

