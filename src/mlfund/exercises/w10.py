"""Week 10 — validation: the CV estimate, its standard error, splits that do not leak."""

from __future__ import annotations

import math
from functools import cache

import numpy as np

from mlfund.exercises import _shared
from mlfund.exercises._spec import Exercise, Mistake, Parameter, Precision, variant

# The notebook forbids these in the learner's cells: the fold functions are the answers.
_FORBIDDEN = ("sklearn", "mlfund.evaluation")


def _ev():
    import mlfund.evaluation as ev

    return ev


def _esym():
    from mlfund.evaluation import symbolic

    return symbolic


# --- references derived from the library ---------------------------------------------------


def correlated_cv_variance(s, k, rho):
    """Var of the mean of k fold scores, each of variance s², pairwise correlation ρ.

    Var(mean) = (1/k²)(k s² + k(k - 1) ρ s²) = (s²/k)(1 + (k - 1) ρ): the library's
    independent-fold standard error s/√k, squared, times the inflation 1 + (k - 1) ρ.
    """
    return _esym().cv_standard_error(s, k) ** 2 * (1 + (k - 1) * rho)


def _correlated_cv_variance_limit(s, rho):
    import sympy as sp

    k = sp.Symbol("k", positive=True, integer=True)
    return sp.limit(correlated_cv_variance(s, k, rho), k, sp.oo)


# The (k, ρ) of the hold-out versus k-fold question.
RATIO_K, RATIO_RHO = 5, 0.3


def _variance_ratio(k: int = RATIO_K, rho: float = RATIO_RHO) -> float:
    # variance of the k-fold mean over the variance of one hold-out fold (s = 1)
    return float(correlated_cv_variance(1, k, rho))


# In a course with variants each student's k is 3 to 10 and ρ 0.10 to 0.60 (by 0.05): the
# ratio (1 + (k − 1)ρ)/k then lies in [0.19, 0.74]. A draw is kept when the ratio and the
# catalogued mistakes are at least ten tolerances apart, two by two: no mistake is even
# "close", and each gets its own note (k = 4, ρ = 0.25 is rejected: 1/k = ρ). The nearest
# mistake, (1 + kρ)/k, is ρ/k ≥ 0.01 away, against a tolerance of at most 0.0013.


def _ratio_mistake_values(k, rho) -> dict[str, float]:
    ratio = _variance_ratio(k, rho)
    return {"independent": 1 / k, "sd-ratio": math.sqrt(ratio),
            "k-pairs": (1 + k * rho) / k, "limit": rho}


def _ratio_draw_ok(k, rho) -> bool:
    item = _variance_ratio_item(k, rho)
    ratio = item.reference()
    tolerance = item.atol + item.rtol * abs(ratio)
    answers = [ratio] + [m.value() for m in item.mistakes]
    return 0 < ratio < 1 and all(abs(a - b) >= 10 * tolerance
                                 for i, a in enumerate(answers) for b in answers[i + 1:])


def _variance_ratio_item(k: int = RATIO_K, rho: float = RATIO_RHO) -> Exercise:
    def wrong(note):
        return lambda: _ratio_mistake_values(k, rho)[note]

    return Exercise(
        id="w10-kfold-variance-ratio",
        kind="number",
        precision=Precision(decimals=3),
        prompt=f"Variance of the {k}-fold mean divided by the variance of one hold-out fold "
               f"of the same size, fold scores correlated rho = {rho}.",
        reference=lambda: _variance_ratio(k, rho),
        rtol=1e-3,
        mistakes=(
            Mistake("independent", "1/k holds only for independent folds; with correlation ρ "
                    "the ratio is (1 + (k − 1)ρ)/k.", value=wrong("independent")),
            Mistake("sd-ratio", "That is the ratio of standard deviations; the question asks "
                    "for the ratio of variances.", value=wrong("sd-ratio")),
            Mistake("k-pairs", "There are k − 1 other folds for each fold, not k: "
                    "(1 + (k − 1)ρ)/k.", value=wrong("k-pairs")),
            Mistake("limit", f"ρ is the limit for k → ∞; with k = {k} the independent part "
                    "has not gone yet.", value=wrong("limit")),
        ),
    )


def abs_difference_of_scores(sigma):
    """E|X₁ - X₂| for independent X₁, X₂ ~ N(μ, σ²): X₁ - X₂ ~ N(0, 2σ²) and E|N(0, v)|
    = √v · √(2/π)."""
    import sympy as sp

    return sp.sqrt(2 * sigma**2) * sp.sqrt(2 / sp.pi)


def best_of_two(mu, sigma):
    """E[max(X₁, X₂)] = E[(X₁ + X₂)/2] + E|X₁ - X₂|/2 = μ + σ/√π."""
    return mu + abs_difference_of_scores(sigma) / 2


# Fold scores (accuracy) of a 10-fold CV, for the t-interval question.
FOLD_SCORES = (0.812, 0.795, 0.831, 0.803, 0.824, 0.788, 0.817, 0.809, 0.826, 0.799)

# The winner's-curse question: twenty equally good models, one validation set.
CURSE_MODELS, CURSE_ACCURACY, CURSE_N_VALIDATION = 20, 0.80, 1000


def _curse_sd() -> float:
    return math.sqrt(CURSE_ACCURACY * (1 - CURSE_ACCURACY) / CURSE_N_VALIDATION)


@cache
def _curse():
    return _ev().winners_curse([CURSE_ACCURACY] * CURSE_MODELS, noise_sd=_curse_sd(),
                               n_simulations=400_000, seed=2027)


def _cv_interval(*, z: float | None = None, ddof: int = 1, spread: bool = False):
    est = _ev().cross_validation_estimate(FOLD_SCORES, ddof=ddof)
    if z is None and not spread:
        return est.confidence_interval(confidence_level=0.95)
    from scipy import stats

    mult = z if z is not None else float(stats.t.ppf(0.975, est.n_folds - 1))
    width = mult * (est.std if spread else est.standard_error)
    return (est.mean - width, est.mean + width)


# --- cross-validation or a hold-out: bias from the learning curve, cost in fits -------------


def _training_size(n, k):
    """Each k-fold model trains on the other k − 1 folds: n(k − 1)/k examples."""
    return n * (k - 1) / k


def kfold_bias(curve, n, k):
    """E[k-fold CV estimate] − err(n) for an expected-error learning curve err(m): the
    folds' models are trained on n(k − 1)/k examples, the deployed one on all n."""
    import sympy as sp

    return sp.simplify(curve(_training_size(n, k)) - curve(n))


def _reciprocal_curve(b):
    """err(m) = a + b/m; the bias does not depend on a (it cancels), so a = 0 here."""
    return lambda m: b / m


# A power-law learning curve err(m) = _POWER_A + _POWER_B/√m, n examples, k folds.
_POWER_A, _POWER_B, _POWER_N, _POWER_K = 0.05, 0.9, 400, 5


def _power_curve(m):
    return _POWER_A + _POWER_B / math.sqrt(m)


def _power_bias(*, train=None, target=None) -> float:
    train = _training_size(_POWER_N, _POWER_K) if train is None else train
    target = _POWER_N if target is None else target
    return _power_curve(train) - _power_curve(target)


# Nested CV: outer folds, inner folds, settings tried; one refit of the chosen setting per
# outer fold, then the same tuning on all the data and one final fit.
NESTED_OUTER, NESTED_INNER, NESTED_SETTINGS = 5, 4, 12


def nested_cv_fits(outer=NESTED_OUTER, inner=NESTED_INNER, settings=NESTED_SETTINGS, *,
                   refits=True, final=True) -> int:
    tuning = inner * settings + (1 if refits else 0)     # tune, then refit the winner
    return outer * tuning + (tuning if final else 0)


# In a course with variants each student's nested CV has 3 to 10 outer folds, a 3- to
# 10-fold inner CV and 4 to 40 settings (by 2). A whole number is exact, so a draw is kept
# when the count and the catalogued mistakes are all different (each then gets its own note).


def _nested_draw_ok(outer, inner, settings) -> bool:
    item = _nested_cv_fits_item(outer, inner, settings)
    answers = [item.reference()] + [m.value() for m in item.mistakes]
    return len(set(answers)) == len(answers)


def _nested_cv_fits_item(outer: int = NESTED_OUTER, inner: int = NESTED_INNER,
                         settings: int = NESTED_SETTINGS) -> Exercise:
    return Exercise(
        id="w10-nested-cv-fits",
        kind="number",
        precision=Precision(whole=True),
        prompt=f"Nested CV, {outer} outer folds, {inner}-fold inner CV over {settings} "
               "settings plus a refit per outer fold, then the same tuning and a final fit "
               "on all data: how many fits?",
        reference=lambda: float(nested_cv_fits(outer, inner, settings)),
        mistakes=(
            Mistake("no-refits", "Each outer fold also refits the chosen setting on its whole "
                    "training part before scoring the outer test fold, and the final tuning "
                    "ends with one fit on all the data.",
                    value=lambda: float(nested_cv_fits(outer, inner, settings, refits=False))),
            Mistake("no-final-tuning", "The outer loop only assesses the procedure; the model "
                    "you ship is tuned again on all the data (another inner CV) and fitted "
                    "once more.",
                    value=lambda: float(nested_cv_fits(outer, inner, settings, final=False))),
            Mistake("product-only", "outer × inner × settings counts the inner CVs of the "
                    "outer loop only: add a refit per outer fold, and the final tuning and "
                    "fit on all the data.", value=lambda: float(outer * inner * settings)),
        ),
        hint="one tuning = inner × settings fits, plus one refit of the winner; the outer "
             "loop runs it once per outer fold, and it runs once more on all the data.",
    )


# --- fold assignments: the splits as one array, fold number of each example ----------------


def _fold_of(splits, n: int) -> np.ndarray:
    fold = np.full(n, -1)
    for number, split in enumerate(splits):
        fold[split.test] = number
    return fold


def _stratified_reference(y, k):
    y = np.asarray(y)
    return _fold_of(_ev().stratified_kfold_splits(y, n_splits=int(k)), y.size)


def _group_reference(groups, k):
    groups = np.asarray(groups)
    return _fold_of(_ev().group_kfold_splits(groups, n_splits=int(k)), groups.size)


def _roles(splits, n: int) -> np.ndarray:
    """(k, n): 1 where an example trains, 2 where it is tested, 0 where it is unused."""
    roles = np.zeros((len(splits), n), dtype=int)
    for row, split in zip(roles, splits, strict=True):
        row[split.train] = 1
        row[split.test] = 2
    return roles


def _time_reference(n, k, gap):
    return _roles(_ev().time_series_splits(int(n), n_splits=int(k), gap=int(gap)), int(n))


# wrong implementations, catalogued


def _cv_estimate(scores, *, ddof=1, root=True):
    scores = np.asarray(scores, dtype=float)
    sd = scores.std(ddof=ddof)
    return np.array([scores.mean(), sd / (math.sqrt(scores.size) if root else scores.size)])


def _plain_kfold(y, k):
    n = len(y)
    return _fold_of(_ev().kfold_splits(n, n_splits=int(k)), n)


def _restart_per_class(y, k):
    y = np.asarray(y)
    fold = np.empty(y.size, dtype=int)
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        fold[members] = np.arange(members.size) % k
    return fold


def _inverse_permutation(y, k):
    order = np.argsort(np.asarray(y), kind="stable")
    return order % k


def _deal_in_index_order(y, k):
    return np.arange(len(y)) % k


def _groups_round_robin(groups, k):
    _, codes = np.unique(np.asarray(groups), return_inverse=True)
    return codes % k


def _groups_greedy_unsorted(groups, k):
    _, codes, sizes = np.unique(np.asarray(groups), return_inverse=True, return_counts=True)
    load = np.zeros(k, dtype=int)
    fold_of_group = np.empty(sizes.size, dtype=int)
    for group, size in enumerate(sizes):
        lightest = int(np.argmin(load))
        fold_of_group[group] = lightest
        load[lightest] += size
    return fold_of_group[codes]


def _time_future_in_train(n, k, gap):
    roles = _time_reference(n, k, gap)
    return np.where(roles == 2, 2, 1)


def _time_no_gap(n, k, gap):
    return _time_reference(n, k, 0)


def _time_test_size_n_over_k(n, k, gap):
    size = n // k
    roles = np.zeros((k, n), dtype=int)
    for i, start in enumerate(range(n - k * size, n, size)):
        roles[i, :max(0, start - gap)] = 1
        roles[i, start:start + size] = 2
    return roles


# --- probes ---------------------------------------------------------------------------------


def _cv_probes():
    rng = np.random.default_rng(1001)
    return [(rng.uniform(0.6, 0.9, size=k).round(3),) for k in (5, 10, 3, 2)]


def _stratified_probes():
    rng = np.random.default_rng(1002)
    probes = []
    for counts, k in [((13, 6), 3), ((7, 5, 8), 4), ((20, 5), 5), ((3, 3, 3), 3)]:
        y = np.repeat(np.arange(len(counts)), counts)
        rng.shuffle(y)
        probes.append((y, k))
    return probes


def _group_probes():
    rng = np.random.default_rng(1003)
    probes = []
    for sizes, k in [((5, 1, 3, 3, 2, 6, 1, 4), 3), ((2, 2, 7, 1, 4, 4), 2),
                     ((1, 8, 3, 5, 2, 2, 6), 4), ((4, 4, 4, 1, 1), 3)]:
        groups = np.repeat(np.arange(len(sizes)) * 10 + 7, sizes)
        rng.shuffle(groups)
        probes.append((groups, k))
    return probes


def _time_probes():
    return [(12, 3, 0), (20, 4, 2), (10, 2, 1), (9, 4, 0), (17, 3, 1)]


EXERCISES = (
    Exercise(
        id="w10-cv-standard-error",
        kind="expression",
        prompt="Standard error of the mean of k fold scores whose standard deviation is s, "
               "treating the folds as independent.",
        reference=_shared.cv_standard_error,
        symbols={"s": "positive", "k": "positive_integer"},
        mistakes=tuple(m.as_form() for m in _shared.CV_STANDARD_ERROR_MISTAKES),
        hint="Var(mean of k independent scores) = (1/k²) · k · s².",
    ),
    Exercise(
        id="w10-cv-estimate",
        kind="function",
        prompt="Implement the CV estimate: np.array([mean, standard_error]) of the fold scores, "
               "with the sample standard deviation (ddof=1).",
        reference=lambda: (lambda scores: (lambda e: np.array([e.mean, e.standard_error]))(
            _ev().cross_validation_estimate(scores))),
        probes=_cv_probes,
        mistakes=(
            Mistake("ddof-0", "np.std divides by k by default (ddof=0); the sample standard "
                    "deviation divides by k − 1: use np.std(scores, ddof=1).",
                    value=lambda scores: _cv_estimate(scores, ddof=0), credit=0.5),
            Mistake("std-not-se", "The second entry is the standard deviation of the fold scores; "
                    "the standard error of their mean divides it by √k.",
                    value=lambda scores: np.array([np.mean(scores), np.std(scores, ddof=1)])),
            Mistake("over-k", "Divide the standard deviation by √k, not by k.",
                    value=lambda scores: _cv_estimate(scores, root=False)),
        ),
        forbidden_imports=_FORBIDDEN,
    ),
    Exercise(
        id="w10-cv-t-interval",
        kind="interval",
        precision=Precision(decimals=4),
        prompt="The 95 % t-interval mean ± t_{k−1} · SE for the ten fold scores given.",
        reference=lambda: _cv_interval(),
        rtol=1e-4,
        atol=1e-6,
        mistakes=(
            Mistake("z-not-t", "With k = 10 fold scores the critical value comes from the t "
                    "distribution with k − 1 = 9 degrees of freedom (about 2.26), not 1.96.",
                    value=lambda: _cv_interval(z=1.959963984540054)),
            Mistake("ddof-0", "Use the sample standard deviation (ddof=1) for s.",
                    value=lambda: _cv_interval(ddof=0)),
            Mistake("sd-not-se", "You used the standard deviation of the scores: that is the "
                    "spread of one fold's score. The interval for the mean uses SE = s/√k.",
                    value=lambda: _cv_interval(spread=True)),
        ),
        hint="s = np.std(scores, ddof=1), SE = s/√k, t = scipy.stats.t.ppf(0.975, k - 1).",
    ),
    Exercise(
        id="w10-cv-correlated-variance",
        kind="expression",
        prompt="Variance of the mean of k fold scores, each of variance s², every pair with "
               "correlation rho.",
        reference=lambda s, k, rho: correlated_cv_variance(s, k, rho),
        symbols={"s": "positive", "k": "positive_integer", "rho": "probability"},
        mistakes=(
            Mistake("independent", "That is the independent case. The folds share training data, "
                    "so their scores are correlated: the k(k − 1) covariance terms ρs² add to the "
                    "variance of the sum.", form="s**2/k"),
            Mistake("k-pairs", "There are k(k − 1) ordered pairs (i ≠ j), not k²: the diagonal "
                    "is the variances.", form="s**2*(1 + k*rho)/k"),
            Mistake("pairs-once", "Var(ΣXᵢ) counts each pair twice, Cov(Xᵢ, Xⱼ) and Cov(Xⱼ, Xᵢ): "
                    "k(k − 1) covariance terms, not k(k − 1)/2.",
                    form="s**2/k + (k - 1)*rho*s**2/(2*k)"),
            Mistake("covariances-not-divided", "Divide the whole variance of the sum by k², the "
                    "covariance terms too: k(k − 1)ρs²/k².", form="s**2/k + (k - 1)*rho*s**2"),
            Mistake("standard-error", "That is the standard error; the question asks for the "
                    "variance.", form="s*sqrt((1 + (k - 1)*rho)/k)"),
        ),
        hint="Var(mean) = (1/k²) Σᵢ Σⱼ Cov(Xᵢ, Xⱼ): k variance terms and k(k − 1) covariances.",
    ),
    Exercise(
        id="w10-cv-variance-limit",
        kind="expression",
        prompt="The limit of that variance as k → ∞ (in s and rho).",
        reference=lambda s, rho: _correlated_cv_variance_limit(s, rho),
        symbols={"s": "positive", "rho": "probability"},
        mistakes=(
            Mistake("zero", "Only the independent part s²(1 − ρ)/k vanishes; the shared part "
                    "ρs² does not average away however many folds you take.", form="0"),
            Mistake("one-fold", "s² is the variance of a single fold's score; more folds do "
                    "remove the independent part.", form="s**2"),
            Mistake("standard-deviation", "That is a standard deviation; the limit of the "
                    "variance is asked.", form="s*sqrt(rho)"),
        ),
    ),
    variant(_variance_ratio_item, k=Parameter(3, 10), rho=Parameter(0.1, 0.6, step=0.05),
            where=_ratio_draw_ok),
    Exercise(
        id="w10-stratified-folds",
        kind="function",
        prompt="Stratified fold assignment: sort examples by class (stable), deal them to folds "
               "0, 1, ..., k−1 in turn; return the fold number of each example.",
        reference=lambda: _stratified_reference,
        probes=_stratified_probes,
        mistakes=(
            Mistake("plain-kfold", "Those are consecutive blocks, plain k-fold: a block can miss "
                    "the rare class entirely. Sort by class first, then deal.",
                    value=_plain_kfold),
            Mistake("index-order", "Dealing in index order without sorting by class is not "
                    "stratified: the class shares per fold are left to chance.",
                    value=_deal_in_index_order),
            Mistake("inverse-permutation", "The permutation is applied the wrong way round: the "
                    "j-th example in class order is example order[j], so set "
                    "fold[order] = np.arange(n) % k (not fold = order % k).",
                    value=_inverse_permutation),
            Mistake("restart-per-class", "Each class is spread evenly, but restarting the deal at "
                    "fold 0 for every class overfills the first folds; keep dealing where the "
                    "previous class stopped.", value=_restart_per_class, credit=0.5),
        ),
        forbidden_imports=_FORBIDDEN,
    ),
    Exercise(
        id="w10-group-folds",
        kind="function",
        prompt="Group k-fold assignment: groups largest first (ties: smaller label), each into "
               "the fold holding the fewest examples (ties: lowest fold); fold of each example.",
        reference=lambda: _group_reference,
        probes=_group_probes,
        mistakes=(
            Mistake("split-groups", "Plain k-fold cuts through groups: the same patient ends up in "
                    "training and test, and the score leaks. Assign whole groups.",
                    value=lambda groups, k: _plain_kfold(groups, k)),
            Mistake("round-robin", "No group leaks, but dealing groups in turn ignores their "
                    "sizes and the folds come out unbalanced; place the largest groups first, "
                    "each into the lightest fold.", value=_groups_round_robin, credit=0.5),
            Mistake("unsorted", "Greedy filling is right, but take the groups from largest to "
                    "smallest: small groups placed first cannot balance a big one that comes "
                    "last.", value=_groups_greedy_unsorted, credit=0.5),
        ),
        forbidden_imports=_FORBIDDEN,
    ),
    Exercise(
        id="w10-time-roles",
        kind="function",
        prompt="Forward-chaining time splits: a (k, n) array, 1 = train, 2 = test, 0 = unused; "
               "test blocks of n // (k + 1) at the end, gap examples dropped before each.",
        reference=lambda: _time_reference,
        probes=_time_probes,
        mistakes=(
            Mistake("future-in-train", "Your training sets contain examples that come after the "
                    "test block: the model would learn from the future. Train only on what "
                    "precedes the test block (minus the gap).", value=_time_future_in_train),
            Mistake("no-gap", "The gap is ignored: drop the `gap` examples just before each "
                    "test block (mark them 0), or lagged features leak the test period.",
                    value=_time_no_gap, credit=0.5),
            Mistake("test-size-n-over-k", "With k test blocks the series is cut into k + 1 "
                    "pieces, so that even the first split has training data: the test size is "
                    "n // (k + 1).", value=_time_test_size_n_over_k),
        ),
        forbidden_imports=_FORBIDDEN,
    ),
    Exercise(
        id="w10-leakage-choice",
        kind="choice",
        prompt="Which evaluation gives an honest estimate of the readmission model's performance "
               "on new patients?",
        reference=lambda: "d",
        choices={
            "a": "Shuffle all visits and run 5-fold CV (patients have about five visits each).",
            "b": "Keep the 20 features most correlated with the label on the full data set, then "
                 "run 5-fold CV grouped by patient.",
            "c": "Standardise the features with the mean and sd of the full data set, then run "
                 "5-fold CV grouped by patient, reporting the best of 30 hyper-parameter "
                 "settings.",
            "d": "Run 5-fold CV grouped by patient, refitting scaling and feature selection "
                 "inside each training fold, with hyper-parameters tuned in an inner CV.",
        },
        explanations={
            "a": "A patient's visits are correlated: with shuffled folds the same patient is in "
                 "training and test, so the model is scored on people it has seen.",
            "b": "The feature selection looked at every label, including the test folds': the "
                 "test data leaked into the model before CV started.",
            "c": "Two problems: the scaling saw the test folds, and the best of 30 CV scores is "
                 "optimistic (the winner's curse); the tuning needs its own, inner loop.",
        },
    ),
    Exercise(
        id="w10-abs-difference",
        kind="expression",
        prompt="Step 1: E|X1 − X2| for independent X1, X2 ~ N(mu, sigma²).",
        reference=lambda sigma: abs_difference_of_scores(sigma),
        symbols={"sigma": "positive"},
        mistakes=(
            Mistake("variance-of-difference", "X₁ − X₂ has variance 2σ², not σ²: its standard "
                    "deviation is √2·σ.", form="sigma*sqrt(2/pi)"),
            Mistake("sd-not-mean-abs", "√2·σ is the standard deviation of X₁ − X₂; the mean of "
                    "|N(0, v)| is √v·√(2/π).", form="sqrt(2)*sigma"),
            Mistake("no-abs", "E[X₁ − X₂] = 0, but the absolute value is positive.", form="0"),
        ),
        hint="X₁ − X₂ ~ N(0, 2σ²) and E|Z| = √(2/π) for a standard normal Z.",
    ),
    Exercise(
        id="w10-best-of-two",
        kind="expression",
        prompt="Step 2: E[max(X1, X2)], the reported score of the better of two equally good "
               "models (use max(a, b) = (a + b)/2 + |a − b|/2).",
        reference=lambda mu, sigma: best_of_two(mu, sigma),
        symbols={"mu": "real", "sigma": "positive"},
        mistakes=(
            Mistake("no-optimism", "The maximum of two noisy scores is biased upwards: its "
                    "expectation is above μ even though both models are equally good.",
                    form="mu"),
            Mistake("missing-half", "max(a, b) = (a + b)/2 + |a − b|/2: halve E|X₁ − X₂|.",
                    form="mu + 2*sigma/sqrt(pi)"),
            Mistake("variance-of-difference", "Step 1 went astray: X₁ − X₂ has variance 2σ², so "
                    "E|X₁ − X₂| = 2σ/√π.", form="mu + sigma/sqrt(2*pi)"),
            Mistake("one-sd", "Not a full standard deviation: the optimism of the best of two is "
                    "E|X₁ − X₂|/2.", form="mu + sigma"),
        ),
    ),
    Exercise(
        id="w10-winners-curse",
        kind="number",
        precision=Precision(decimals=4),
        prompt=f"{CURSE_MODELS} models, all of true accuracy {CURSE_ACCURACY}, compared on "
               f"{CURSE_N_VALIDATION} validation examples, their validation accuracies "
               "independent: expected optimism of the winner's validation accuracy (a "
               "fraction), by simulation.",
        reference=lambda: _curse().optimism,
        rtol=0.03,
        mistakes=(
            Mistake("reported-score", "That is the winner's expected validation accuracy; the "
                    "optimism is how far it exceeds the true accuracy.",
                    value=lambda: _curse().expected_best_observed),
            Mistake("one-sd", "That is one standard deviation of a single validation score; the "
                    "best of 20 lies further out.", value=_curse_sd),
            Mistake("asymptotic", "σ√(2 ln k) is the large-k rate; for k = 20 it overstates "
                    "E[max of k standard normals] noticeably. Simulate it.",
                    value=lambda: _curse_sd() * math.sqrt(2 * math.log(CURSE_MODELS))),
            Mistake("percent", "Give the optimism as a fraction of accuracy (0.01 is one point), "
                    "not in percentage points.", value=lambda: 100 * _curse().optimism),
            Mistake("sd-at-one-half", "Use the models' accuracy in the standard deviation: "
                    "√(0.8 · 0.2 / n), not √(0.5 · 0.5 / n).",
                    value=lambda: _curse().optimism * math.sqrt(0.25 / 0.16)),
        ),
        hint="The noise of one validation accuracy is √(p(1 − p)/n); simulate many rounds of "
             "20 noisy scores and average (max observed − true accuracy).",
    ),
    Exercise(
        id="w10-cv-bias-formula",
        kind="expression",
        prompt="Learning curve err(m) = a + b/m (expected test error after training on m "
               "examples). Bias E[k-fold CV estimate] − err(n) of the k-fold estimate of "
               "err(n), in b, n and k.",
        reference=lambda b, n, k: kfold_bias(_reciprocal_curve(b), n, k),
        symbols={"b": "positive", "n": "positive", "k": "positive_integer"},
        constraints=("k >= 2",),
        mistakes=(
            Mistake("trained-on-one-fold", "Each fold's model trains on the other k − 1 "
                    "folds, n(k − 1)/k examples, not on one fold of n/k.",
                    form="b*k/n - b/n"),
            Mistake("sign", "The sign is flipped: trained on fewer examples, the folds' models "
                    "are worse than the one trained on all n, so CV overstates the error "
                    "(a pessimistic bias, positive for an error).",
                    form="-b/(n*(k - 1))"),
            Mistake("from-asymptote", "That is the folds' excess error over the limit a "
                    "(infinite data); the bias is measured against err(n), the error of the "
                    "model trained on all n examples.", form="b*k/(n*(k - 1))"),
        ),
        hint="err(n(k − 1)/k) − err(n); a cancels.",
    ),
    Exercise(
        id="w10-cv-bias-power-law",
        kind="number",
        precision=Precision(decimals=4),
        prompt=f"Learning curve err(m) = {_POWER_A} + {_POWER_B}/√m, n = {_POWER_N}, "
               f"{_POWER_K}-fold CV: bias of the CV estimate of err(n)?",
        reference=lambda: _power_bias(),
        rtol=1e-4,
        mistakes=(
            Mistake("reciprocal-formula", "b/(n(k − 1)) holds for the curve a + b/m only; "
                    "for this curve compute err(n(k − 1)/k) − err(n) directly.",
                    value=lambda: _POWER_B / (_POWER_N * (_POWER_K - 1))),
            Mistake("trained-on-one-fold", "Each fold's model trains on the other four folds, "
                    "320 examples, not on one fold of 80.",
                    value=lambda: _power_bias(train=_POWER_N / _POWER_K)),
            Mistake("from-asymptote", "That is the excess error over the limit a; the bias "
                    "is measured against err(400), the model trained on all the data.",
                    value=lambda: _power_bias(target=math.inf)),
            Mistake("sign", "The folds' models see fewer examples and are worse: the bias of "
                    "an error estimate is positive (pessimistic).",
                    value=lambda: -_power_bias()),
        ),
        hint="the folds' models train on 400 × 4/5 examples.",
    ),
    variant(_nested_cv_fits_item, outer=Parameter(3, 10), inner=Parameter(3, 10),
            settings=Parameter(4, 40, step=2), where=_nested_draw_ok),
    Exercise(
        id="w10-loocv-variance-choice",
        kind="choice",
        prompt="Leave-one-out CV averages n scores. Which statement about the variance of "
               "its estimate is right?",
        reference=lambda: "c",
        choices={
            "a": "Its n scores come from n different test examples, so they are independent "
                 "and the variance of their mean is σ²/n, the smallest of any CV.",
            "b": "Its variance can be estimated without bias from one run: the sample "
                 "variance of the n scores divided by n.",
            "c": "Its n training sets share n − 2 examples, so the n models are nearly the "
                 "same and their errors strongly correlated: averaging removes little "
                 "variance, and whether it beats 10-fold depends on the learner's stability.",
            "d": "Its variance is high because each model is trained on only n − 1 examples, "
                 "which makes the estimate strongly pessimistic.",
        },
        explanations={
            "a": "Not this one. The scores share almost all their training data, so they are "
                 "correlated, and the covariance terms do not shrink with n like σ²/n.",
            "b": "Not this one. Bengio & Grandvalet (2004) proved that no unbiased estimator "
                 "of the variance of k-fold CV exists from one run: the covariances between "
                 "folds cannot be told apart from the variance. s²/n ignores them and is "
                 "too small.",
            "d": "Not this one. That is about bias, not variance, and n − 1 of n examples "
                 "gives LOOCV the smallest pessimistic bias of all the k-fold estimates.",
        },
    ),
)
