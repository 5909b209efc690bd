"""Baselines a model must beat, and the optimism of picking the best of many."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from mlfund._validation import as_binary_labels, as_float_array, check_count, check_positive
from mlfund.evaluation._confusion import UndefinedMetricError

__all__ = [
    "majority_class_accuracy",
    "RandomBaseline",
    "random_classifier_baseline",
    "WinnersCurse",
    "winners_curse",
]


def majority_class_accuracy(y_true: ArrayLike) -> float:
    """Accuracy of always predicting the more frequent class: max(π, 1 - π).

    The accuracy paradox: on imbalanced data this trivial classifier is very accurate
    and useless, so compare accuracy with it (or use recall, precision, PR-AUC).

    Parameters
    ----------
    y_true : array_like of 0/1 or bool, shape (n,)
        Actual labels.

    Returns
    -------
    float
        In [0.5, 1].

    Examples
    --------
    One fraud in a hundred payments: "never fraud" is 99 % accurate.

    >>> majority_class_accuracy([0] * 99 + [1])
    0.99
    """
    truth = as_binary_labels("y_true", y_true)
    prevalence = float(truth.mean())
    return max(prevalence, 1.0 - prevalence)


@dataclass(frozen=True, slots=True)
class RandomBaseline:
    """What uninformative classifiers score on a data set with this prevalence.

    Attributes
    ----------
    prevalence : float
        Share of positives π.
    roc_auc : float
        0.5: a random ranking wins half of the positive-negative pairs.
    average_precision : float
        Expected AP of a uniformly random ranking of these n examples,
        (H_n + (n₊ - 1)/(n - 1) · (n - H_n)) / n with H_n the n-th harmonic number;
        it tends to π as n grows (slightly above π for small n).
    majority_accuracy : float
        max(π, 1 - π), always predicting the majority class.
    random_guess_accuracy : float
        π² + (1 - π)², predicting positive at random with probability π.
    """

    prevalence: float
    roc_auc: float
    average_precision: float
    majority_accuracy: float
    random_guess_accuracy: float


def _expected_random_average_precision(n_pos: int, n: int) -> float:
    harmonic = float(np.sum(1.0 / np.arange(1, n + 1)))
    return (harmonic + (n_pos - 1) / (n - 1) * (n - harmonic)) / n


def random_classifier_baseline(y_true: ArrayLike) -> RandomBaseline:
    """Baselines of uninformative classifiers: ROC-AUC 0.5, PR-AUC ≈ prevalence, accuracy.

    Parameters
    ----------
    y_true : array_like of 0/1 or bool, shape (n,)
        Actual labels; both classes must occur.

    Returns
    -------
    RandomBaseline

    Examples
    --------
    With 1 % positives, ROC-AUC 0.5 looks like a coin while the PR-AUC baseline is 0.01,
    so a PR-AUC of 0.2 is twenty times the baseline:

    >>> base = random_classifier_baseline([1] * 100 + [0] * 9_900)
    >>> base.roc_auc, base.prevalence, round(base.average_precision, 3)
    (0.5, 0.01, 0.011)
    >>> base.majority_accuracy, round(base.random_guess_accuracy, 4)
    (0.99, 0.9802)
    """
    truth = as_binary_labels("y_true", y_true)
    n = truth.size
    n_pos = int(truth.sum())
    if n_pos == 0 or n_pos == n:
        raise UndefinedMetricError(
            "the random-classifier baselines need both classes in y_true (ROC-AUC and "
            "average precision are undefined with one class)."
        )
    prevalence = n_pos / n
    return RandomBaseline(
        prevalence=prevalence,
        roc_auc=0.5,
        average_precision=_expected_random_average_precision(n_pos, n),
        majority_accuracy=max(prevalence, 1.0 - prevalence),
        random_guess_accuracy=prevalence**2 + (1.0 - prevalence) ** 2,
    )


@dataclass(frozen=True, slots=True)
class WinnersCurse:
    """Simulated optimism of reporting the best of k models' validation scores.

    Attributes
    ----------
    n_models : int
        k.
    expected_best_observed : float
        E[max_j observed_j]: the validation score you would report for the winner.
    expected_selected_true : float
        E[true score of the model with the best validation score].
    best_true : float
        The best true score (what a perfect choice would get).
    optimism : float
        expected_best_observed - expected_selected_true: how far the reported score
        overstates the winner's true score on average (the winner's curse).
    standard_error : float
        Monte Carlo standard error of ``optimism``.
    n_simulations : int
        Number of simulated validation rounds.
    """

    n_models: int
    expected_best_observed: float
    expected_selected_true: float
    best_true: float
    optimism: float
    standard_error: float
    n_simulations: int


def winners_curse(true_scores: ArrayLike, *, noise_sd: float, n_simulations: int = 10_000,
                  seed: int | np.random.Generator | None = None) -> WinnersCurse:
    """Simulate choosing the best of k models by a noisy validation score.

    Each simulated round observes ``true_scores[j] + noise_sd * Z_j`` with independent
    standard normal Z_j and picks the largest. When all true scores are equal, the
    optimism is ``noise_sd * E[max of k standard normals]``, which grows like
    ``noise_sd * sqrt(2 log k)``.

    Parameters
    ----------
    true_scores : array_like of float, shape (k,)
        True (population) scores of the k candidate models.
    noise_sd : float
        Standard deviation of a validation score around the true score, > 0; for an
        accuracy p on n validation examples about sqrt(p (1 - p) / n).
    n_simulations : int, default 10_000
        Number of simulated validation rounds, >= 2.
    seed : int, numpy Generator or None, default None
        Seed of the simulation; pass one for a reproducible answer.

    Returns
    -------
    WinnersCurse

    Examples
    --------
    Twenty equally good models (true accuracy 0.80) compared on 1,000 validation
    examples: the winner's validation accuracy overstates its true accuracy by about
    1.87 standard deviations, 2.3 points.

    >>> sd = (0.8 * 0.2 / 1000) ** 0.5
    >>> curse = winners_curse([0.80] * 20, noise_sd=sd, n_simulations=20_000, seed=1)
    >>> round(curse.expected_best_observed, 3), round(curse.optimism / sd, 1)
    (0.824, 1.9)
    """
    truth = as_float_array("true_scores", true_scores)
    sd = check_positive("noise_sd", noise_sd)
    n_sim = check_count("n_simulations", n_simulations, minimum=2)
    if seed is not None and (
        isinstance(seed, (bool, np.bool_))
        or not isinstance(seed, (numbers.Integral, np.random.Generator))
    ):
        raise TypeError(f"seed ({seed!r}) must be None, an int or a numpy Generator.")
    rng = np.random.default_rng(seed)
    k = truth.size
    best_observed = np.empty(n_sim)
    selected_true = np.empty(n_sim)
    chunk = max(1, 1_000_000 // k)
    for start in range(0, n_sim, chunk):
        stop = min(n_sim, start + chunk)
        observed = truth + sd * rng.standard_normal((stop - start, k))
        winner = np.argmax(observed, axis=1)
        best_observed[start:stop] = observed[np.arange(stop - start), winner]
        selected_true[start:stop] = truth[winner]
    excess = best_observed - selected_true
    return WinnersCurse(
        n_models=k,
        expected_best_observed=float(best_observed.mean()),
        expected_selected_true=float(selected_true.mean()),
        best_true=float(truth.max()),
        optimism=float(excess.mean()),
        standard_error=float(excess.std(ddof=1) / math.sqrt(n_sim)),
        n_simulations=n_sim,
    )
