"""Week 4: each reference against an independent derivation or computation.

Does every MLE solve its own score equation (sympy) and agree with scipy's numerical fit? Is
E[σ̂²] what the two expectation facts of section 4 give, and what a simulation shows? Is the
Fisher information minus the expected second derivative, summed over the two outcomes of a
trial? Does the CLT answer hold for the skewed distribution the question describes? Do the
method of moments and the MLE coincide for every option of the choice item but one?
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from scipy import optimize, stats

from mlfund import exercises
from mlfund.check._score import namespace
from mlfund.exercises import w04
from mlfund.inference import symbolic as S

SPECS = {spec.id: spec for spec in exercises.week(4)}
NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "w04" / "w04-estimation.ipynb"


def reference(exercise_id: str):
    spec = SPECS[exercise_id]
    if spec.kind == "expression":
        return spec.reference(**namespace(spec).symbols)
    return spec.reference()


def symbols(exercise_id: str) -> dict[str, sp.Symbol]:
    return dict(namespace(SPECS[exercise_id]).symbols)


def is_zero(expr) -> bool:
    return sp.simplify(expr) == 0


# --- 1. Bernoulli ------------------------------------------------------------------------


def _derivation(exercise_id: str):
    """A derivation item's space: its symbols, start and reference, as the checker reads them."""
    from mlfund.check._chain import space_of

    return space_of(SPECS[exercise_id])


def test_is_the_derivations_start_the_score_of_the_binomial_likelihood():
    from mlfund.check._chain import _start

    space = _derivation("w04-bernoulli-mle-derivation")
    p, k, n = (space.symbols[name] for name in ("p", "k", "n"))
    log_likelihood = sp.expand_log(sp.log(p**k * (1 - p) ** (n - k)), force=True)
    _, ((lhs, rhs),) = _start(space)
    assert is_zero(lhs - rhs - sp.diff(log_likelihood, p))


def test_is_the_bernoulli_mle_the_zero_of_the_score_and_the_numerical_maximiser():
    space = _derivation("w04-bernoulli-mle-derivation")
    k, n = space.symbols["k"], space.symbols["n"]
    mle = space.call(SPECS["w04-bernoulli-mle-derivation"].reference)
    p = sp.Symbol("p", positive=True)
    score = sp.diff(S.bernoulli_log_likelihood(p, k, n), p)
    assert sp.solve(sp.Eq(score, 0), p) == [mle]
    found = optimize.minimize_scalar(lambda q: -stats.binom.logpmf(30, 200, q),
                                     bounds=(1e-6, 1 - 1e-6), method="bounded",
                                     options={"xatol": 1e-10})
    assert found.x == pytest.approx(float(mle.subs({k: 30, n: 200})), abs=1e-6)


# --- 2. Poisson and exponential ------------------------------------------------------------


def test_is_the_poisson_mle_the_zero_of_the_full_log_likelihood_derivative():
    s = symbols("w04-poisson-mle")
    lam = sp.Symbol("lam", positive=True)
    xs = sp.symbols("x1:5", positive=True)
    full = sum(x * sp.log(lam) - lam - sp.log(sp.factorial(x)) for x in xs)
    (root,) = sp.solve(sp.diff(full, lam), lam)
    expected = reference("w04-poisson-mle").subs({s["s"]: sum(xs), s["n"]: len(xs)})
    assert is_zero(root - expected)


def test_does_the_poisson_mle_maximise_scipys_likelihood():
    counts = np.array([3, 5, 4, 6, 2, 0, 7])
    found = optimize.minimize_scalar(lambda r: -stats.poisson.logpmf(counts, r).sum(),
                                     bounds=(0.01, 20), method="bounded",
                                     options={"xatol": 1e-10})
    s = symbols("w04-poisson-mle")
    value = float(reference("w04-poisson-mle").subs({s["s"]: counts.sum(), s["n"]: counts.size}))
    assert found.x == pytest.approx(value, abs=1e-6)


def test_is_the_exponential_mle_one_over_scipys_fitted_scale():
    rng = np.random.default_rng(40)
    waits = rng.exponential(scale=2.5, size=50)
    _, scale = stats.expon.fit(waits, floc=0)
    s = symbols("w04-exponential-mle")
    value = float(reference("w04-exponential-mle").subs({s["s"]: waits.sum(), s["n"]: 50}))
    assert value == pytest.approx(1 / scale, rel=1e-9)


# --- 3. Gaussian --------------------------------------------------------------------------


def test_is_the_gaussian_variance_mle_the_zero_of_the_variance_derivative():
    s = symbols("w04-gaussian-variance-mle")
    v = sp.Symbol("v", positive=True)
    ll = S.gaussian_log_likelihood(s["s"] / s["n"], v, s["s"], s["s2"], s["n"])
    (root,) = sp.solve(sp.diff(ll, v), v)
    assert is_zero(root - reference("w04-gaussian-variance-mle"))


def test_does_the_gaussian_variance_mle_equal_scipys_fit_on_data():
    rng = np.random.default_rng(41)
    data = rng.normal(3.0, 2.0, size=40)
    _, sigma = stats.norm.fit(data)
    s = symbols("w04-gaussian-variance-mle")
    value = float(reference("w04-gaussian-variance-mle").subs(
        {s["s"]: data.sum(), s["s2"]: (data**2).sum(), s["n"]: data.size}))
    assert value == pytest.approx(sigma**2, rel=1e-9)


def test_is_the_sufficient_statistics_domain_always_a_valid_sample():
    """s2 >= s²/n for every point of the domain, so σ̂² and its square root are real."""
    low_s2 = w04._SUFFICIENT["s2"][0]
    biggest_square = max(abs(b) for b in w04._SUFFICIENT["s"]) ** 2
    assert low_s2 >= biggest_square / w04._SUFFICIENT["n"][0]


def test_does_the_gaussian_function_reference_match_scipy_on_every_probe():
    ref = SPECS["w04-gaussian-mle"].reference()
    for (x,) in SPECS["w04-gaussian-mle"].probes():
        mu, sigma = stats.norm.fit(x)
        np.testing.assert_allclose(ref(x), [mu, sigma**2], rtol=1e-9)


# --- 4. the bias of the variance MLE -----------------------------------------------------


def test_is_the_centred_sum_expectation_what_the_two_facts_give():
    s = symbols("w04-centred-sum-expectation")
    sigma2, n = s["sigma2"], s["n"]
    mu = sp.Symbol("mu", real=True)
    sum_of_squares = n * (sigma2 + mu**2)
    n_mean_squared = n * (S.standard_error_of_mean(sp.sqrt(sigma2), n) ** 2 + mu**2)
    assert is_zero(sum_of_squares - n_mean_squared - reference("w04-centred-sum-expectation"))


def test_is_the_variance_mle_expectation_the_centred_sum_over_n():
    s = symbols("w04-variance-mle-expectation")
    centred = SPECS["w04-centred-sum-expectation"].reference(**s)
    assert is_zero(centred / s["n"] - reference("w04-variance-mle-expectation"))
    assert is_zero(reference("w04-variance-mle-expectation") - s["sigma2"]
                   - S.variance_mle_bias(s["sigma2"], s["n"]))


def test_does_a_simulation_show_the_bias():
    rng = np.random.default_rng(42)
    size, sigma2 = 5, 4.0
    values = rng.normal(0.0, np.sqrt(sigma2), size=(200_000, size)).var(axis=1, ddof=0)
    s = symbols("w04-variance-mle-expectation")
    expected = float(reference("w04-variance-mle-expectation").subs(
        {s["sigma2"]: sigma2, s["n"]: size}))
    assert expected == pytest.approx(3.2)
    assert values.mean() == pytest.approx(expected, abs=4 * values.std() / np.sqrt(values.size))


# --- 5. Fisher information -----------------------------------------------------------------


def test_is_the_information_minus_the_expected_second_derivative_over_both_outcomes():
    s = symbols("w04-bernoulli-fisher-information")
    p = s["p"]
    x = sp.Symbol("x")
    second = sp.diff(S.bernoulli_log_likelihood(p, x, 1), p, 2)
    expected = -(p * second.subs(x, 1) + (1 - p) * second.subs(x, 0))
    assert is_zero(expected - reference("w04-bernoulli-fisher-information"))


def test_is_the_information_also_the_variance_of_the_score():
    p = symbols("w04-bernoulli-fisher-information")["p"]
    x = sp.Symbol("x")
    score = sp.diff(S.bernoulli_log_likelihood(p, x, 1), p)
    variance = p * score.subs(x, 1) ** 2 + (1 - p) * score.subs(x, 0) ** 2
    assert is_zero(variance - reference("w04-bernoulli-fisher-information"))


def test_is_the_standard_error_one_over_root_n_times_the_information():
    s = symbols("w04-proportion-standard-error")
    information = S.bernoulli_fisher_information(s["p"])
    # both sides are positive: compare their squares (sympy does not know that 1 - p > 0)
    assert is_zero(1 / (s["n"] * information) - reference("w04-proportion-standard-error") ** 2)


def test_does_the_standard_error_match_the_spread_of_simulated_proportions():
    rng = np.random.default_rng(43)
    p_hats = rng.binomial(200, 0.15, size=200_000) / 200
    s = symbols("w04-proportion-standard-error")
    se = float(reference("w04-proportion-standard-error").subs({s["p"]: 0.15, s["n"]: 200}))
    assert p_hats.std() == pytest.approx(se, rel=0.01)


# --- 6. the standard error of the mean and the CLT --------------------------------------------


def test_is_the_sample_size_the_square_law():
    current = w04.CURRENT_SE[0] / w04.CURRENT_SE[1]
    expected = w04.CURRENT_ORDERS * (current / w04.TARGET_SE) ** 2
    assert reference("w04-sem-sample-size") == pytest.approx(expected, rel=1e-12)
    assert reference("w04-sem-sample-size") == pytest.approx(2500)


def test_is_the_clt_answer_scipys_normal_tail():
    se = w04.SESSION_SD / np.sqrt(w04.SESSIONS)
    expected = stats.norm(w04.SESSION_MEAN, se).sf(w04.SESSION_THRESHOLD)
    assert reference("w04-clt-probability") == pytest.approx(expected, rel=1e-12)


def test_does_the_clt_answer_hold_for_skewed_sessions():
    """Gamma sessions with mean 5 and sd 4: the simulated tail is near the normal one."""
    rng = np.random.default_rng(44)
    shape = (w04.SESSION_MEAN / w04.SESSION_SD) ** 2
    scale = w04.SESSION_SD**2 / w04.SESSION_MEAN
    means = rng.gamma(shape, scale, size=(100_000, w04.SESSIONS)).mean(axis=1)
    simulated = np.mean(means > w04.SESSION_THRESHOLD)
    assert simulated == pytest.approx(reference("w04-clt-probability"), abs=0.01)


KEY = bytes(range(100, 132))   # a course's variants key, fixed for the tests


def test_does_every_students_clt_question_stay_well_posed():
    # in a course with variants each student has their own sessions: for every draw the
    # answer is an upper tail z = 1..3 standard errors out, and no mistake is within tolerance
    spec = SPECS["w04-clt-probability"]
    assert spec.varies and spec.where(**spec.defaults)
    drawn = [spec.draw(KEY, f"s{i}") for i in range(200)]
    assert len({tuple(sorted(v.items())) for v in drawn}) > 100
    for values in drawn:
        item = spec.with_values(values)
        answer = item.reference()
        assert np.isfinite(answer) and stats.norm.sf(3) - 1e-12 <= answer <= stats.norm.sf(1)
        assert values["threshold_minutes"] > values["mean_minutes"] >= values["sd_minutes"]
        tolerance = item.atol + item.rtol * abs(answer)
        for mistake in item.mistakes:
            assert abs(mistake.value() - answer) > 10 * tolerance, (values, mistake.note)
        assert f"mean of {values['n_sessions']} sessions > " in item.prompt
    for values in drawn[:5]:
        se = values["sd_minutes"] / np.sqrt(values["n_sessions"])
        expected = stats.norm(values["mean_minutes"], se).sf(values["threshold_minutes"])
        assert spec.with_values(values).reference() == pytest.approx(expected, rel=1e-12)


def test_does_a_drawn_clt_answer_hold_for_skewed_sessions():
    """Gamma sessions with a student's mean and sd: the simulated tail is near the normal."""
    spec = SPECS["w04-clt-probability"]
    rng = np.random.default_rng(46)
    for values in [spec.draw(KEY, f"s{i}") for i in range(2)]:
        mean, sd, n = values["mean_minutes"], values["sd_minutes"], values["n_sessions"]
        means = rng.gamma((mean / sd) ** 2, sd**2 / mean, size=(50_000, n)).mean(axis=1)
        simulated = np.mean(means > values["threshold_minutes"])
        assert simulated == pytest.approx(spec.with_values(values).reference(), abs=0.015)


# --- 7. method of moments ----------------------------------------------------------------------


def test_do_moments_and_likelihood_agree_except_for_the_uniform():
    rng = np.random.default_rng(45)
    exponential = rng.exponential(2.0, size=200)
    _, scale = stats.expon.fit(exponential, floc=0)
    assert exponential.mean() == pytest.approx(scale, rel=1e-6)        # c: same estimator
    normal = rng.normal(1.0, 3.0, size=200)
    mu, sigma = stats.norm.fit(normal)
    assert (normal.mean(), normal.var()) == pytest.approx((mu, sigma**2), rel=1e-9)  # e
    uniform = rng.uniform(0.0, 10.0, size=200)
    _, theta_mle = stats.uniform.fit(uniform, floc=0)
    assert theta_mle == pytest.approx(uniform.max(), rel=1e-6)
    assert abs(2 * uniform.mean() - theta_mle) > 1e-3                  # d: they differ
    assert reference("w04-mom-vs-mle") == "d"


# --- the notebook states the numbers the specs use ---------------------------------------------


def test_does_the_notebook_state_the_numbers_of_the_specs():
    text = "\n".join("".join(c["source"]) for c in json.loads(NOTEBOOK.read_text())["cells"])
    assert f"over {w04.CURRENT_ORDERS} orders" in text
    assert "standard error of \\$2.50" in text and "\\$1.00" in text
    assert "mean 5 minutes and standard deviation 4" in text
    assert f"mean of {w04.SESSIONS} sessions exceeds 6 minutes" in text
