"""Trivial and random baselines, and the winner's curse."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats
from sklearn.dummy import DummyClassifier

from mlfund.evaluation import (
    RandomBaseline,
    UndefinedMetricError,
    WinnersCurse,
    average_precision_score,
    majority_class_accuracy,
    random_classifier_baseline,
    roc_auc_score,
    winners_curse,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 1), min_size=1, max_size=200))
def test_majority_accuracy_is_sklearn_dummy_most_frequent(labels):
    """Is it the accuracy of sklearn's most-frequent dummy classifier?"""
    y = np.asarray(labels)
    dummy = DummyClassifier(strategy="most_frequent").fit(np.zeros((y.size, 1)), y)
    want = skm.accuracy_score(y, dummy.predict(np.zeros((y.size, 1))))
    assert majority_class_accuracy(labels) == pytest.approx(want)
    assert majority_class_accuracy(np.asarray(labels, dtype=bool)) == pytest.approx(want)


def test_accuracy_paradox_story():
    """On a 99/1 split, is "always negative" 99 % accurate?"""
    assert majority_class_accuracy([0] * 990 + [1] * 10) == pytest.approx(0.99)


@pytest.mark.parametrize("n", range(2, 8))
def test_random_average_precision_is_exact_over_all_rankings(n):
    """Is the formula the mean AP over every ordering of the labels (n <= 7)?"""
    for n_pos in range(1, n):
        labels = [1] * n_pos + [0] * (n - n_pos)
        orderings = set(itertools.permutations(labels))
        ranks = np.arange(n, 0, -1, dtype=float)  # first in the ordering = highest score
        mean_ap = np.mean([skm.average_precision_score(order, ranks) for order in orderings])
        base = random_classifier_baseline(labels)
        assert base.average_precision == pytest.approx(mean_ap, abs=1e-12)


def test_random_baselines_by_simulation():
    """Do random scores average ROC-AUC 0.5, the AP formula, and π² + (1 - π)² accuracy?"""
    rng = np.random.default_rng(4)
    y = np.r_[np.ones(30, dtype=int), np.zeros(170, dtype=int)]
    base = random_classifier_baseline(y)
    aucs, aps, accs = [], [], []
    for _ in range(2000):
        s = rng.random(y.size)
        # ours (cross-checked against sklearn elsewhere) for speed
        aucs.append(roc_auc_score(y, s))
        aps.append(average_precision_score(y, s))
        accs.append(np.mean((rng.random(y.size) < base.prevalence) == y))
    for sims, want in ((aucs, base.roc_auc), (aps, base.average_precision),
                       (accs, base.random_guess_accuracy)):
        se = np.std(sims, ddof=1) / math.sqrt(len(sims))
        assert abs(np.mean(sims) - want) < 4 * se
    assert base.prevalence == 0.15 and base.majority_accuracy == 0.85
    assert isinstance(base, RandomBaseline)


def test_random_average_precision_tends_to_prevalence():
    """As n grows with the prevalence fixed, does the expected AP approach the prevalence?"""
    gaps = [random_classifier_baseline([1] * n + [0] * (9 * n)).average_precision - 0.1
            for n in (10, 100, 1000, 10000)]
    assert all(g > 0 for g in gaps) and gaps == sorted(gaps, reverse=True)
    assert gaps[-1] < 1e-3


def test_random_baseline_needs_both_classes():
    """Is one class refused as undefined?"""
    with pytest.raises(UndefinedMetricError, match="need both classes"):
        random_classifier_baseline([1, 1, 1])
    with pytest.raises(ValueError, match="y_true must contain only the labels"):
        majority_class_accuracy([0, 1, 2])


def _expected_max_of_normals(k: int) -> float:
    """E[max of k iid N(0, 1)] = ∫ x k φ(x) Φ(x)^(k-1) dx, by quadrature."""
    def integrand(x):
        return x * k * stats.norm.pdf(x) * stats.norm.cdf(x) ** (k - 1)
    return integrate.quad(integrand, -np.inf, np.inf)[0]


@pytest.mark.parametrize("k", [1, 2, 3, 5, 20, 100])
def test_winners_curse_equal_models_matches_expected_max_of_normals(k):
    """With equal models, is the optimism σ E[max of k normals] (within MC error)?"""
    sd = 0.02
    curse = winners_curse([0.7] * k, noise_sd=sd, n_simulations=20_000, seed=k)
    want = sd * _expected_max_of_normals(k)
    assert isinstance(curse, WinnersCurse)
    assert curse.n_models == k and curse.n_simulations == 20_000
    assert abs(curse.optimism - want) < 4 * curse.standard_error + 1e-12
    assert curse.expected_best_observed == pytest.approx(0.7 + curse.optimism)
    assert curse.expected_selected_true == pytest.approx(0.7) and curse.best_true == 0.7


def test_winners_curse_known_value_for_two_models():
    """For two equal models, is E[max] = σ/√π?"""
    curse = winners_curse([0.0, 0.0], noise_sd=1.0, n_simulations=200_000, seed=0)
    assert curse.optimism == pytest.approx(1 / math.sqrt(math.pi), abs=4 * curse.standard_error)


def test_winners_curse_with_unequal_models():
    """Does noise make us pick worse models, and is it reproducible by seed?"""
    truth = np.linspace(0.70, 0.75, 10)
    curse = winners_curse(truth, noise_sd=0.02, n_simulations=5_000, seed=3)
    assert curse.expected_selected_true < curse.best_true == pytest.approx(0.75)
    assert curse.expected_best_observed > curse.best_true
    again = winners_curse(truth, noise_sd=0.02, n_simulations=5_000, seed=3)
    assert again == curse
    tiny_noise = winners_curse(truth, noise_sd=1e-9, n_simulations=100, seed=1)
    assert tiny_noise.expected_selected_true == pytest.approx(0.75)


def test_winners_curse_chunks_large_simulations_consistently():
    """Do chunked runs (k large) give a sane, finite answer for every simulation?"""
    curse = winners_curse(np.zeros(300), noise_sd=1.0, n_simulations=5_000, seed=9)
    assert curse.optimism == pytest.approx(_expected_max_of_normals(300),
                                           abs=5 * curse.standard_error)


def test_winners_curse_bad_input():
    """Are bad scores, noise, counts and seeds refused by name?"""
    with pytest.raises(ValueError, match=r"noise_sd \(0.0\) must be > 0"):
        winners_curse([0.5], noise_sd=0.0)
    with pytest.raises(ValueError, match=r"n_simulations \(1\) must be >= 2"):
        winners_curse([0.5], noise_sd=0.1, n_simulations=1)
    with pytest.raises(ValueError, match="true_scores must have at least 1"):
        winners_curse([], noise_sd=0.1)
    with pytest.raises(ValueError, match="true_scores must contain only finite"):
        winners_curse([0.5, np.nan], noise_sd=0.1)
    with pytest.raises(TypeError, match="seed .* must be None, an int or a numpy Generator"):
        winners_curse([0.5], noise_sd=0.1, seed="a")
