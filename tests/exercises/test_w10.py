"""Week 10: do the references equal independent derivations and computations?"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, stats

from mlfund import exercises
from mlfund.check import CORRECT, check
from mlfund.check._score import score
from mlfund.exercises import w10

s = sp.Symbol("s", positive=True)
rho = sp.Symbol("rho", positive=True)
mu = sp.Symbol("mu", real=True)
sigma = sp.Symbol("sigma", positive=True)


def _reference(exercise_id, **symbols):
    return exercises.get(exercise_id).reference(**symbols)


def test_is_the_cv_standard_error_the_root_of_the_variance_of_a_mean():
    k = sp.Symbol("k", positive=True, integer=True)
    variance_of_mean = k * s**2 / k**2          # (1/k²) Σ Var(xᵢ), independent folds
    assert sp.simplify(_reference("w10-cv-standard-error", s=s, k=k)
                       - sp.sqrt(variance_of_mean)) == 0


def test_does_the_cv_estimate_match_scipy_sem():
    estimate = exercises.get("w10-cv-estimate").reference()
    for (scores,) in w10._cv_probes():
        mean, se = estimate(scores)
        assert mean == pytest.approx(np.mean(scores))
        assert se == pytest.approx(stats.sem(scores))


def test_is_the_cv_interval_scipys_t_interval():
    scores = np.array(w10.FOLD_SCORES)
    low, high = stats.t.interval(0.95, scores.size - 1, loc=scores.mean(),
                                 scale=stats.sem(scores))
    ref = exercises.get("w10-cv-t-interval").reference()
    assert (ref.low, ref.high) == pytest.approx((low, high))


@pytest.mark.parametrize("k", [2, 3, 5, 10])
def test_is_the_correlated_variance_the_sum_of_the_covariance_matrix(k):
    cov = sp.Matrix(k, k, lambda i, j: s**2 if i == j else rho * s**2)
    ones = sp.ones(k, 1)
    variance_of_mean = (ones.T * cov * ones)[0] / k**2
    assert sp.simplify(_reference("w10-cv-correlated-variance", s=s, k=k, rho=rho)
                       - variance_of_mean) == 0


def test_does_the_correlated_variance_match_a_simulation():
    rng = np.random.default_rng(0)
    k, correlation = 5, 0.3
    cov = np.full((k, k), correlation) + (1 - correlation) * np.eye(k)
    draws = rng.multivariate_normal(np.zeros(k), cov, size=200_000)
    assert draws.mean(axis=1).var() == pytest.approx(w10._variance_ratio(k, correlation),
                                                     rel=0.02)


def test_is_the_limit_the_shared_part():
    assert sp.simplify(_reference("w10-cv-variance-limit", s=s, rho=rho) - rho * s**2) == 0


def test_is_the_variance_ratio_the_covariance_sum_with_unit_variance():
    k, correlation = w10.RATIO_K, w10.RATIO_RHO
    cov = np.full((k, k), correlation) + (1 - correlation) * np.eye(k)
    assert exercises.get("w10-kfold-variance-ratio").reference() == pytest.approx(
        cov.sum() / k**2)


# --- the variance ratio with each student's numbers (a course with variants) ----------------

VARIANT_KEY = bytes(range(200, 232))


def _ratio_draws():
    spec = exercises.get("w10-kfold-variance-ratio")
    return spec, [spec.draw(VARIANT_KEY, f"s{i}") for i in range(200)]


def test_do_the_variance_ratios_numbers_default_to_the_notebooks():
    spec = exercises.get("w10-kfold-variance-ratio")
    assert spec.varies
    assert spec.defaults == {"k": w10.RATIO_K, "rho": w10.RATIO_RHO}
    assert spec.with_values(spec.defaults).prompt == spec.prompt
    assert spec.reference() == pytest.approx((1 + 4 * 0.3) / 5)


def test_is_every_drawn_variance_ratio_well_posed_and_apart_from_its_mistakes():
    spec, draws = _ratio_draws()
    assert len({tuple(sorted(v.items())) for v in draws}) > 50       # students differ
    for values in draws:
        item = spec.with_values(values)
        k, correlation = values["k"], values["rho"]
        assert isinstance(k, int) and 3 <= k <= 10 and 0.1 <= correlation <= 0.6
        assert f"{k}-fold" in item.prompt and f"rho = {correlation}." in item.prompt
        ratio = item.reference()
        assert np.isfinite(ratio) and 1 / k < ratio < 1          # correlation costs variance
        tolerance = item.atol + item.rtol * abs(ratio)
        for mistake in item.mistakes:
            assert abs(mistake.value() - ratio) > 2 * tolerance, (values, mistake.note)
            given = round(mistake.value(), 3)                  # as a learner gives it
            result = score(item, {"type": "number", "value": given})
            assert result.mistake == mistake.note, (values, mistake.note, result.feedback)
        assert score(item, {"type": "number", "value": round(ratio, 3)}).verdict == CORRECT


def test_is_a_drawn_variance_ratio_the_covariance_sum_and_a_simulation():
    spec, draws = _ratio_draws()
    rng = np.random.default_rng(10)
    for values in draws[:4]:
        k, correlation = values["k"], values["rho"]
        cov = np.full((k, k), correlation) + (1 - correlation) * np.eye(k)
        ratio = spec.with_values(values).reference()
        assert ratio == pytest.approx(cov.sum() / k**2)
        scores = rng.multivariate_normal(np.zeros(k), cov, size=200_000)
        assert scores.mean(axis=1).var() / scores[:, 0].var() == pytest.approx(ratio, rel=0.02)


def _slow_stratified(y, k):
    """Obvious version: walk the classes in order, deal each member to the next fold."""
    fold, turn = {}, 0
    for label in sorted(set(np.asarray(y).tolist())):
        for i, value in enumerate(np.asarray(y).tolist()):
            if value == label:
                fold[i] = turn % k
                turn += 1
    return np.array([fold[i] for i in range(len(y))])


def test_is_the_stratified_reference_the_rule_stated_and_stratified():
    reference = exercises.get("w10-stratified-folds").reference()
    for y, k in w10._stratified_probes():
        folds = reference(y, k)
        np.testing.assert_array_equal(folds, _slow_stratified(y, k))
        sizes = np.bincount(folds, minlength=k)
        assert sizes.max() - sizes.min() <= 1
        for label in np.unique(y):
            per_fold = np.bincount(folds[y == label], minlength=k)
            assert per_fold.max() - per_fold.min() <= 1
    np.testing.assert_array_equal(reference(np.array([0, 1, 0, 0, 1, 0]), 2), [0, 0, 1, 0, 1, 1])


def _slow_group(groups, k):
    groups = np.asarray(groups).tolist()
    sizes = {g: groups.count(g) for g in set(groups)}
    load = [0] * k
    fold_of = {}
    for g in sorted(sizes, key=lambda g: (-sizes[g], g)):
        lightest = min(range(k), key=lambda f: (load[f], f))
        fold_of[g] = lightest
        load[lightest] += sizes[g]
    return np.array([fold_of[g] for g in groups])


def test_is_the_group_reference_the_rule_stated_and_leak_free():
    reference = exercises.get("w10-group-folds").reference()
    for groups, k in w10._group_probes():
        folds = reference(groups, k)
        np.testing.assert_array_equal(folds, _slow_group(groups, k))
        for g in np.unique(groups):
            assert np.unique(folds[groups == g]).size == 1
    np.testing.assert_array_equal(reference(np.array([3, 1, 3, 2, 1, 3, 4, 2, 5]), 2),
                                  [0, 1, 0, 1, 1, 0, 0, 1, 0])


def test_are_the_time_roles_sklearns_time_series_split():
    from sklearn.model_selection import TimeSeriesSplit

    reference = exercises.get("w10-time-roles").reference()
    for n, k, gap in w10._time_probes():
        roles = np.zeros((k, n), dtype=int)
        for row, (train, test) in zip(roles, TimeSeriesSplit(n_splits=k, gap=gap).split(
                np.zeros(n)), strict=True):
            row[train] = 1
            row[test] = 2
        np.testing.assert_array_equal(reference(n, k, gap), roles)
    np.testing.assert_array_equal(reference(8, 2, 1),
                                  [[1, 1, 1, 0, 2, 2, 0, 0], [1, 1, 1, 1, 1, 0, 2, 2]])


def test_is_the_mean_absolute_difference_a_normal_integral():
    value = 1.3
    numeric, _ = integrate.quad(
        lambda x: abs(x) * stats.norm.pdf(x, scale=math.sqrt(2) * value), -np.inf, np.inf)
    assert float(_reference("w10-abs-difference", sigma=sp.Float(value))) == pytest.approx(
        numeric, rel=1e-8)


def test_is_the_best_of_two_the_librarys_simulated_winner():
    from mlfund.evaluation import winners_curse

    ref = _reference("w10-best-of-two", mu=mu, sigma=sigma)
    assert sp.simplify(ref - (mu + sigma / sp.sqrt(sp.pi))) == 0
    curse = winners_curse([0.7, 0.7], noise_sd=0.05, n_simulations=400_000, seed=3)
    expected = float(ref.subs({mu: 0.7, sigma: 0.05}))
    assert curse.expected_best_observed == pytest.approx(expected, abs=4 * curse.standard_error)


def test_is_the_winners_curse_the_expected_maximum_of_twenty_normals():
    k = w10.CURSE_MODELS
    expected_max, _ = integrate.quad(
        lambda x: x * k * stats.norm.pdf(x) * stats.norm.cdf(x) ** (k - 1), -np.inf, np.inf)
    exact = expected_max * w10._curse_sd()
    spec = exercises.get("w10-winners-curse")
    assert spec.reference() == pytest.approx(exact, rel=0.005)
    # the tolerance accepts an honest simulation but not the catalogued mistakes
    assert check(spec.id, exact).result.verdict == CORRECT
    assert check(spec.id, exact * 1.02).result.verdict == CORRECT


def test_does_the_interval_exercise_need_t_not_z():
    assert stats.t.ppf(0.975, len(w10.FOLD_SCORES) - 1) > 2.2


# --- cross-validation or a hold-out ----------------------------------------------------------


def test_is_the_cv_bias_the_learning_curve_at_the_folds_training_size():
    a, b, n = sp.symbols("a b n", positive=True)
    k = sp.Symbol("k", positive=True, integer=True)
    curve = sp.Lambda(sp.Symbol("m", positive=True), a + b / sp.Symbol("m", positive=True))
    by_hand = curve(n * (k - 1) / k) - curve(n)
    assert sp.simplify(_reference("w10-cv-bias-formula", b=b, n=n, k=k) - by_hand) == 0
    # leave-one-out has the smallest bias, b/(n(n − 1)); 2-fold the largest, b/n
    assert sp.simplify(_reference("w10-cv-bias-formula", b=b, n=n, k=n) - b / (n * (n - 1))) == 0
    assert sp.simplify(_reference("w10-cv-bias-formula", b=b, n=n, k=2) - b / n) == 0


def _least_squares_cv(n_obs, n_feat, n_folds, n_sets, seed):
    """k-fold CV MSE of least squares on simulated data sets (Gaussian features), the
    folds scikit-learn's KFold; the fits batched over data sets."""
    from sklearn.model_selection import KFold

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_sets, n_obs, n_feat))
    y = X.sum(axis=2) + rng.normal(size=(n_sets, n_obs))
    squared = np.zeros(n_sets)
    for train, test in KFold(n_folds).split(np.zeros(n_obs)):
        gram = np.einsum("sij,sik->sjk", X[:, train], X[:, train])
        coef = np.linalg.solve(gram, np.einsum("sij,si->sj", X[:, train], y[:, train])[..., None])
        residual = y[:, test] - np.einsum("sij,sj->si", X[:, test], coef[..., 0])
        squared += (residual ** 2).sum(axis=1)
    return X, y, squared / n_obs


def test_is_the_batched_cv_scikit_learns_cross_val_score():
    from sklearn.linear_model import LinearRegression
    from sklearn.model_selection import KFold, cross_val_score

    X, y, cv = _least_squares_cv(30, 3, 5, n_sets=3, seed=1009)
    for s_ in range(3):
        mse = -cross_val_score(LinearRegression(fit_intercept=False), X[s_], y[s_],
                               cv=KFold(5), scoring="neg_mean_squared_error")
        assert cv[s_] == pytest.approx(mse.mean())


def test_does_the_bias_formula_predict_a_simulated_cv_of_least_squares():
    """Least squares with Gaussian features has the learning curve σ²(1 + p/(m − p − 1)),
    close to a + b/m with b = σ²p: scikit-learn's 5-fold CV shows the predicted bias."""
    n_obs, n_feat, n_folds = 100, 4, 5
    *_, cv = _least_squares_cv(n_obs, n_feat, n_folds, n_sets=20_000, seed=1010)
    mean, se = cv.mean(), cv.std() / math.sqrt(cv.size)

    def curve(m):
        return 1 + n_feat / (m - n_feat - 1)

    exact_bias = curve(n_obs * (n_folds - 1) / n_folds) - curve(n_obs)
    assert mean - curve(n_obs) == pytest.approx(exact_bias, abs=4 * se)
    b, n, k = sp.symbols("b n k", positive=True)
    formula = _reference("w10-cv-bias-formula", b=b, n=n, k=k)
    approx = float(formula.subs({b: n_feat, n: n_obs, k: n_folds}))
    assert approx == pytest.approx(exact_bias, rel=0.15)


def test_is_the_power_law_bias_the_curve_at_320_minus_at_400():
    def curve(m):
        return 0.05 + 0.9 / math.sqrt(m)

    assert exercises.get("w10-cv-bias-power-law").reference() == pytest.approx(
        curve(320) - curve(400))
    assert (w10._POWER_A, w10._POWER_B, w10._POWER_N, w10._POWER_K) == (0.05, 0.9, 400, 5)


def test_is_the_nested_fit_count_what_scikit_learn_fits():
    """Count the fits of a nested GridSearchCV inside cross_validate, then the final tuning."""
    from sklearn.base import BaseEstimator, RegressorMixin
    from sklearn.model_selection import GridSearchCV, KFold, cross_validate

    fits = []

    class Counted(RegressorMixin, BaseEstimator):
        def __init__(self, alpha=0):
            self.alpha = alpha

        def fit(self, X, y):
            fits.append(len(y))
            self.mean_ = float(np.mean(y))
            return self

        def predict(self, X):
            return np.full(len(X), self.mean_)

    X, y = np.arange(120.0).reshape(-1, 1), np.arange(120.0)
    grid = {"alpha": list(range(w10.NESTED_SETTINGS))}
    tuner = GridSearchCV(Counted(), grid, cv=KFold(w10.NESTED_INNER), refit=True)
    cross_validate(tuner, X, y, cv=KFold(w10.NESTED_OUTER))     # the outer loop
    tuner.fit(X, y)                                            # the model shipped
    assert len(fits) == exercises.get("w10-nested-cv-fits").reference() == 294


def _scikit_learn_nested_fits(outer, inner, settings):
    """The fits of a GridSearchCV (inner CV, refit) inside cross_validate, then once more."""
    from sklearn.dummy import DummyRegressor
    from sklearn.model_selection import GridSearchCV, KFold, cross_validate

    fits = []

    class Counted(DummyRegressor):
        def __init__(self, constant=0.0):
            super().__init__(strategy="mean")
            self.constant = constant

        def fit(self, X, y, sample_weight=None):
            fits.append(len(y))
            return super().fit(X, y)

    X, y = np.arange(200.0).reshape(-1, 1), np.arange(200.0)
    grid = {"constant": [float(c) for c in range(settings)]}
    tuner = GridSearchCV(Counted(), grid, cv=KFold(inner), refit=True)
    cross_validate(tuner, X, y, cv=KFold(outer))
    tuner.fit(X, y)
    return len(fits)


def test_do_the_nested_fit_counts_numbers_default_to_the_notebooks():
    spec = exercises.get("w10-nested-cv-fits")
    assert spec.varies
    assert spec.defaults == {"outer": w10.NESTED_OUTER, "inner": w10.NESTED_INNER,
                             "settings": w10.NESTED_SETTINGS}
    assert spec.with_values(spec.defaults).prompt == spec.prompt
    assert spec.reference() == 294


def test_is_every_drawn_nested_fit_count_a_whole_number_apart_from_its_mistakes():
    spec = exercises.get("w10-nested-cv-fits")
    draws = [spec.draw(VARIANT_KEY, f"s{i}") for i in range(200)]
    assert len({tuple(sorted(v.items())) for v in draws}) > 100      # students differ
    for values in draws:
        item = spec.with_values(values)
        o, i, g = values["outer"], values["inner"], values["settings"]
        assert 3 <= o <= 10 and 3 <= i <= 10 and 4 <= g <= 40 and g % 2 == 0
        assert f"{o} outer folds, {i}-fold inner CV over {g} settings" in item.prompt
        fits = item.reference()
        assert np.isfinite(fits) and fits == int(fits) and fits > o * i * g
        tolerance = item.atol + item.rtol * abs(fits)
        for mistake in item.mistakes:
            assert abs(mistake.value() - fits) > 2 * tolerance, (values, mistake.note)
            result = score(item, {"type": "number", "value": mistake.value()})
            assert result.mistake == mistake.note, (values, mistake.note, result.feedback)
        assert score(item, {"type": "number", "value": fits}).verdict == CORRECT
        assert score(item, {"type": "number", "value": fits + 1}).verdict != CORRECT


def test_is_a_drawn_nested_fit_count_what_scikit_learn_fits():
    spec = exercises.get("w10-nested-cv-fits")
    for student in ("s0", "s1", "s2"):
        values = spec.draw(VARIANT_KEY, student)
        assert spec.with_values(values).reference() == _scikit_learn_nested_fits(**values)


def test_is_the_naive_variance_of_the_cv_mean_too_small_for_correlated_folds():
    """The choice's claim (Bengio & Grandvalet): s²/k from one run misses the covariances."""
    rng = np.random.default_rng(1011)
    k, correlation = 10, 0.4
    cov = np.full((k, k), correlation) + (1 - correlation) * np.eye(k)
    draws = rng.multivariate_normal(np.zeros(k), cov, size=100_000)
    naive = (draws.var(axis=1, ddof=1) / k).mean()
    assert naive < 0.5 * draws.mean(axis=1).var()


def test_does_loocv_fail_the_majority_predictor_on_balanced_classes():
    """Kohavi's (1995) example: leave-one-out scores the majority predictor 0 %."""
    from sklearn.dummy import DummyClassifier
    from sklearn.model_selection import LeaveOneOut, cross_val_score

    y = np.repeat([0, 1, 2], 20)
    scores = cross_val_score(DummyClassifier(strategy="most_frequent"), np.zeros((60, 1)), y,
                             cv=LeaveOneOut())
    assert scores.mean() == 0.0
