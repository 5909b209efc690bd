"""Cross-validation splits and the CV estimate, against scikit-learn's splitters."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold, TimeSeriesSplit

from mlfund.evaluation import (
    ConfidenceInterval,
    CVEstimate,
    Split,
    cross_validation_estimate,
    group_kfold_splits,
    kfold_splits,
    stratified_kfold_splits,
    time_series_splits,
)


def _assert_partition(splits: list[Split], n: int) -> None:
    tests = np.concatenate([s.test for s in splits])
    assert sorted(tests.tolist()) == list(range(n)), "test folds must partition the indices"
    for s in splits:
        assert np.intersect1d(s.train, s.test).size == 0
        assert np.union1d(s.train, s.test).tolist() == list(range(n))
        assert s.train.dtype.kind == "i" and s.test.dtype.kind == "i"
        assert not s.train.flags.writeable and not s.test.flags.writeable


@pytest.mark.parametrize(("n", "k"), [(n, k) for n in (2, 3, 7, 10, 23, 100)
                                       for k in (2, 3, 5) if k <= n])
def test_kfold_without_shuffle_is_sklearn_kfold(n, k):
    """Without shuffling, are the folds exactly sklearn's KFold folds?"""
    ours = kfold_splits(n, n_splits=k)
    theirs = list(KFold(n_splits=k).split(np.zeros(n)))
    assert len(ours) == len(theirs) == k
    for split, (train, test) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(split.train, train)
        np.testing.assert_array_equal(split.test, test)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 200), st.integers(2, 10), st.integers(0, 2**32 - 1))
def test_kfold_shuffled_partitions_with_sklearn_fold_sizes(n, k, seed):
    """Shuffled, do the folds partition the indices with sklearn's fold sizes, per seed?"""
    k = min(k, n)
    splits = kfold_splits(n, n_splits=k, shuffle=True, seed=seed)
    _assert_partition(splits, n)
    sizes = [s.test.size for s in splits]
    assert sizes == [t.size for _, t in KFold(n_splits=k).split(np.zeros(n))]
    again = kfold_splits(n, n_splits=k, shuffle=True, seed=seed)
    assert all(np.array_equal(a.test, b.test) for a, b in zip(splits, again, strict=True))


def test_kfold_shuffle_changes_with_seed():
    """Do different seeds give different folds?"""
    a = kfold_splits(50, n_splits=5, shuffle=True, seed=1)
    b = kfold_splits(50, n_splits=5, shuffle=True, seed=2)
    assert not all(np.array_equal(x.test, y.test) for x, y in zip(a, b, strict=True))
    g = np.random.default_rng(0)
    assert len(kfold_splits(50, n_splits=5, shuffle=True, seed=g)) == 5


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c"]), min_size=6, max_size=120),
       st.integers(2, 6), st.booleans(), st.integers(0, 1000))
def test_stratified_folds_keep_class_shares(labels, k, shuffle, seed):
    """Per class, do fold counts differ by at most 1 (as sklearn's), and sizes too?"""
    y = np.asarray(labels)
    counts = {c: int(np.sum(y == c)) for c in set(labels)}
    if min(counts.values()) < k:
        with pytest.raises(ValueError, match="smallest class"):
            stratified_kfold_splits(y, n_splits=k)
        return
    splits = stratified_kfold_splits(y, n_splits=k, shuffle=shuffle,
                                     seed=seed if shuffle else None)
    _assert_partition(splits, y.size)
    sizes = [s.test.size for s in splits]
    assert max(sizes) - min(sizes) <= 1
    theirs = list(StratifiedKFold(n_splits=k).split(np.zeros(y.size), y))
    for c in counts:
        per_fold = [int(np.sum(y[s.test] == c)) for s in splits]
        sk_per_fold = [int(np.sum(y[test] == c)) for _, test in theirs]
        assert max(per_fold) - min(per_fold) <= 1
        assert sorted(per_fold) == sorted(sk_per_fold)


def test_stratified_accepts_bool_int_and_string_labels():
    """Do bool, int and string labels give the same folds?"""
    y = [0, 1, 1, 0, 0, 1, 0, 0, 1, 0]
    as_int = stratified_kfold_splits(y, n_splits=2)
    as_bool = stratified_kfold_splits(np.array(y, dtype=bool), n_splits=2)
    as_str = stratified_kfold_splits(["no" if v == 0 else "yes" for v in y], n_splits=2)
    for a, b, c in zip(as_int, as_bool, as_str, strict=True):
        assert np.array_equal(a.test, b.test) and np.array_equal(a.test, c.test)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 15), min_size=2, max_size=150), st.integers(2, 6))
def test_group_folds_never_split_a_group(groups, k):
    """Is no group in both train and test, and are fold sizes like sklearn's GroupKFold?"""
    g = np.asarray(groups)
    n_groups = np.unique(g).size
    if k > n_groups:
        with pytest.raises(ValueError, match="number of distinct groups"):
            group_kfold_splits(g, n_splits=k)
        return
    splits = group_kfold_splits(g, n_splits=k)
    _assert_partition(splits, g.size)
    for s in splits:
        assert np.intersect1d(g[s.train], g[s.test]).size == 0
        assert s.test.size > 0
    theirs = list(GroupKFold(n_splits=k).split(np.zeros(g.size), groups=g))
    assert sorted(s.test.size for s in splits) == sorted(t.size for _, t in theirs)


@pytest.mark.parametrize("n", [6, 10, 23, 50])
@pytest.mark.parametrize("k", [2, 3, 5])
@pytest.mark.parametrize("gap", [0, 1, 2])
@pytest.mark.parametrize("test_size", [None, 1, 3])
@pytest.mark.parametrize("max_train_size", [None, 2, 7])
def test_time_series_splits_are_sklearn_time_series_split(n, k, gap, test_size,
                                                          max_train_size):
    """Are the splits exactly sklearn's TimeSeriesSplit, or refused where it refuses?"""
    kwargs = {"n_splits": k, "gap": gap, "test_size": test_size,
              "max_train_size": max_train_size}
    splitter = TimeSeriesSplit(**kwargs)
    try:
        theirs = list(splitter.split(np.zeros(n)))
    except ValueError:
        with pytest.raises(ValueError, match="n_samples"):
            time_series_splits(n, **kwargs)
        return
    ours = time_series_splits(n, **kwargs)
    assert len(ours) == len(theirs)
    for split, (train, test) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(split.train, train)
        np.testing.assert_array_equal(split.test, test)
        assert split.train.max() + gap < split.test.min()  # the past predicts the future


def test_cv_estimate_matches_numpy_and_scipy():
    """Are mean, sd (ddof 1 and 0), s/√k and the t-interval those of numpy and scipy?"""
    rng = np.random.default_rng(11)
    for _ in range(50):
        scores = rng.normal(0.8, 0.05, size=int(rng.integers(2, 20)))
        k = scores.size
        for ddof in (1, 0):
            est = cross_validation_estimate(scores, ddof=ddof)
            assert isinstance(est, CVEstimate)
            assert est.mean == pytest.approx(np.mean(scores))
            assert est.std == pytest.approx(np.std(scores, ddof=ddof))
            assert est.standard_error == pytest.approx(np.std(scores, ddof=ddof) / np.sqrt(k))
            assert est.n_folds == k and est.ddof == ddof
        est = cross_validation_estimate(scores)
        assert est.standard_error == pytest.approx(stats.sem(scores))
        for level in (0.8, 0.95, 0.99):
            ci = est.confidence_interval(confidence_level=level)
            low, high = stats.t.interval(level, k - 1, loc=np.mean(scores),
                                         scale=stats.sem(scores))
            assert isinstance(ci, ConfidenceInterval)
            assert ci.low == pytest.approx(low) and ci.high == pytest.approx(high)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=2, max_size=20), st.floats(0.5, 0.9))
def test_cv_interval_contains_mean_and_widens_with_level(scores, level):
    """Does the interval contain the mean, and grow at a higher level?"""
    est = cross_validation_estimate(scores)
    narrow = est.confidence_interval(confidence_level=level)
    wide = est.confidence_interval(confidence_level=level + 0.09)
    assert narrow.low <= est.mean + 1e-12 and est.mean <= narrow.high + 1e-12
    assert wide.low <= narrow.low + 1e-12 and narrow.high <= wide.high + 1e-12
    assert cross_validation_estimate(scores[::-1]).mean == pytest.approx(est.mean)


def test_bad_split_arguments_name_the_argument():
    """Are bad counts, seeds, labels and ddof refused by name?"""
    with pytest.raises(ValueError, match=r"n_splits \(1\) must be >= 2"):
        kfold_splits(10, n_splits=1)
    with pytest.raises(ValueError, match=r"n_splits \(11\) must be <= the number of samples"):
        kfold_splits(10, n_splits=11)
    with pytest.raises(TypeError, match="n_samples .* must be a whole number"):
        kfold_splits("10")
    with pytest.raises(ValueError, match=r"seed \(3\) has no effect when shuffle is False"):
        kfold_splits(10, seed=3)
    with pytest.raises(TypeError, match="seed .* must be None, an int or a numpy Generator"):
        kfold_splits(10, shuffle=True, seed=1.5)
    with pytest.raises(TypeError, match="shuffle .* must be True or False"):
        stratified_kfold_splits([0, 1] * 5, n_splits=2, shuffle="yes")
    with pytest.raises(ValueError, match="class 1 has only 1 member"):
        stratified_kfold_splits([0, 0, 0, 1], n_splits=2)
    with pytest.raises(ValueError, match="y must be a non-empty 1-dimensional"):
        stratified_kfold_splits([[0, 1], [1, 0]], n_splits=2)
    with pytest.raises(ValueError, match="groups must not contain NaN"):
        group_kfold_splits([0.0, np.nan, 1.0], n_splits=2)
    with pytest.raises(ValueError, match=r"n_splits \(3\) must be <= the number of distinct"):
        group_kfold_splits(["a", "a", "b"], n_splits=3)
    with pytest.raises(ValueError, match=r"gap \(-1\) must be >= 0"):
        time_series_splits(10, gap=-1)
    with pytest.raises(ValueError, match=r"n_splits \+ 1 \(6\) must be <= n_samples \(5\)"):
        time_series_splits(5, n_splits=5)
    with pytest.raises(ValueError, match=r"ddof \(2\) must be one of 0 or 1"):
        cross_validation_estimate([0.1, 0.2], ddof=2)
    with pytest.raises(ValueError, match="fold_scores must have at least 2"):
        cross_validation_estimate([0.1])
    with pytest.raises(ValueError, match="confidence_level .* strictly between 0 and 1"):
        cross_validation_estimate([0.1, 0.2]).confidence_interval(confidence_level=95)
