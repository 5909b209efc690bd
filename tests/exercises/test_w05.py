"""Week 5: each reference against an independent computation.

Do the mean intervals equal scipy's and statsmodels'? Do the proportion intervals equal
statsmodels' ``proportion_confint`` (and scipy's ``binomtest``) on every probe? Are the Wilson
centre and half-width the midpoint and half-distance of the two ends the derivation solves for?
Is the exact Wald coverage a brute-force binomial sum, and close to a simulation? Does the
bootstrap recipe the notebook states reproduce the reference, and scipy's bootstrap? Does the
notebook state the data the specs use?
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from mlfund import exercises
from mlfund.check._score import namespace
from mlfund.exercises import w05

SPECS = {spec.id: spec for spec in exercises.week(5)}
NOTEBOOK = (Path(__file__).resolve().parents[2] / "notebooks" / "w05"
            / "w05-confidence-intervals.ipynb")
STATSMODELS = {"w05-wilson-ci": "wilson", "w05-clopper-pearson": "beta",
               "w05-agresti-coull": "agresti_coull"}


def reference(exercise_id: str):
    spec = SPECS[exercise_id]
    if spec.kind == "expression":
        return spec.reference(**namespace(spec).symbols)
    return spec.reference()


def symbols(exercise_id: str) -> dict[str, sp.Symbol]:
    return dict(namespace(SPECS[exercise_id]).symbols)


def pair(interval) -> tuple[float, float]:
    if hasattr(interval, "low"):
        return (float(interval.low), float(interval.high))
    low, high = interval
    return (float(low), float(high))


def numerically_equal(a, b, names, *, points: int = 25) -> bool:
    """a == b at random points of the week's proportion domain (x < n, z > 0)."""
    rng = np.random.default_rng(50)
    for _ in range(points):
        values = {names["x"]: rng.uniform(0, 10), names["n"]: rng.uniform(10, 100),
                  names["z"]: rng.uniform(0.1, 5)}
        left, right = complex(sp.N(a.subs(values), 30)), complex(sp.N(b.subs(values), 30))
        if abs(left - right) > 1e-12 * max(abs(right), 1e-300):
            return False
    return True


# --- 1. means ---------------------------------------------------------------------------


def test_is_the_t_interval_scipys_and_statsmodels():
    data = np.array(w05.SESSION_MINUTES)
    low, high = pair(reference("w05-t-interval"))
    expected = stats.t.interval(0.95, df=data.size - 1, loc=data.mean(), scale=stats.sem(data))
    assert (low, high) == pytest.approx(expected, rel=1e-12)
    assert (low, high) == pytest.approx(DescrStatsW(data).tconfint_mean(alpha=0.05), rel=1e-12)


def test_does_np_std_with_its_default_get_the_ddof_note():
    """A learner who only forgot ddof=1 (the t quantile right) is told so."""
    from mlfund.check import check

    x = np.array(w05.SESSION_MINUTES)
    half = stats.t.ppf(0.975, x.size - 1) * np.std(x) / np.sqrt(x.size)
    result = check("w05-t-interval", (x.mean() - half, x.mean() + half)).result
    assert result.mistake == "ddof-0"


def test_is_the_mean_ci_reference_z_with_sigma_and_t_without():
    ref = SPECS["w05-mean-ci"].reference()
    probes = SPECS["w05-mean-ci"].probes()
    assert any(sigma is None for _, _, sigma in probes)
    assert any(sigma is not None for _, _, sigma in probes)
    for x, level, sigma in probes:
        if sigma is None:
            expected = stats.t.interval(level, df=len(x) - 1, loc=np.mean(x), scale=stats.sem(x))
        else:
            expected = stats.norm.interval(level, loc=np.mean(x), scale=sigma / np.sqrt(len(x)))
        np.testing.assert_allclose(ref(x, level, sigma), expected, rtol=1e-12)


# --- 2. Wald ----------------------------------------------------------------------------


def test_is_the_wald_half_width_half_the_width_of_statsmodels_normal_interval():
    s = symbols("w05-wald-half-width")
    z_975 = stats.norm.ppf(0.975)
    half = float(reference("w05-wald-half-width").subs({s["x"]: 12, s["n"]: 80, s["z"]: z_975}))
    low, high = proportion_confint(12, 80, alpha=0.05, method="normal")
    assert half == pytest.approx((high - low) / 2, rel=1e-12)


def test_are_the_wald_intervals_statsmodels_normal_intervals():
    expected = proportion_confint(w05.WALD_SUCCESSES, w05.WALD_TRIALS, method="normal")
    assert pair(reference("w05-wald-interval")) == pytest.approx(expected, rel=1e-12)
    assert pair(reference("w05-wald-zero")) == (0.0, 0.0)
    assert proportion_confint(0, w05.ZERO_TRIALS, method="normal") == pytest.approx((0.0, 0.0))


VARIANT_KEY = bytes(range(32))


def test_does_every_students_wald_question_stay_well_posed_and_its_mistakes_apart():
    """In a course with variants each student has counts of their own: for 200 drawn
    students the interval stays inside (0, 1), differs between students, is statsmodels'
    normal interval, and no catalogued mistake (even rounded to 3 decimals) scores correct."""
    spec = SPECS["w05-wald-interval"]
    assert spec.varies and spec.defaults == {"successes": w05.WALD_SUCCESSES,
                                             "trials": w05.WALD_TRIALS}
    assert pair(spec.with_values(spec.defaults).reference()) == pair(spec.reference())
    drawn = [spec.draw(VARIANT_KEY, f"s{i}") for i in range(200)]
    assert len({tuple(sorted(v.items())) for v in drawn}) > 150
    for i, values in enumerate(drawn):
        item = spec.with_values(values)
        k, n = values["successes"], values["trials"]
        assert f"{k} conversions among {n} visitors" in item.prompt
        low, high = pair(item.reference())
        assert np.isfinite([low, high]).all() and 0.0 < low < k / n < high < 1.0
        for mistake in item.mistakes:
            w_low, w_high = pair(mistake.value())
            gap = max(abs(w_low - low) - item.atol - item.rtol * abs(low),
                      abs(w_high - high) - item.atol - item.rtol * abs(high))
            assert gap > item.atol, (values, mistake.note)   # beyond the rounding too
        if i % 40 == 0:   # an independent computation at a few of the draws
            expected = proportion_confint(k, n, alpha=0.05, method="normal")
            assert (low, high) == pytest.approx(expected, rel=1e-12)
            z = stats.norm.ppf(0.975)
            half = z * np.sqrt(k * (n - k) / n**3)
            assert (low, high) == pytest.approx((k / n - half, k / n + half), rel=1e-12)


# --- 3. Wilson --------------------------------------------------------------------------


def _wilson_ends():
    """The two ends of the Wilson derivation's reference, with its x, n and z."""
    from mlfund.check._chain import space_of

    space = space_of(SPECS["w05-wilson-derivation"])
    low, high = space.call(SPECS["w05-wilson-derivation"].reference)
    return low, high, {name: space.symbols[name] for name in ("x", "n", "z")}


def test_do_the_derivations_ends_solve_the_score_condition():
    low, high, s = _wilson_ends()
    x, n, z = s["x"], s["n"], s["z"]
    for end in (low, high):
        condition = n * ((x / n - end) ** 2 - z**2 * end * (1 - end) / n)
        assert sp.simplify(sp.expand(condition)) == 0


def test_are_centre_and_half_width_the_midpoint_and_half_distance_of_the_ends():
    low, high, s = _wilson_ends()
    names = symbols("w05-wilson-centre")
    to_centre = {s[k]: names[k] for k in s}
    assert sp.simplify(((low + high) / 2).xreplace(to_centre)
                       - reference("w05-wilson-centre")) == 0
    assert numerically_equal(((high - low) / 2).xreplace(to_centre),
                             reference("w05-wilson-half-width"), names)


def test_are_the_derivations_ends_the_wilson_bounds_of_statsmodels():
    low, high, s = _wilson_ends()
    z_975 = stats.norm.ppf(0.975)
    for k, trials in [(12, 80), (0, 20), (3, 10), (20, 20)]:
        values = {s["x"]: k, s["n"]: trials, s["z"]: z_975}
        ends = sorted(float(sp.N(e.subs(values), 20)) for e in (low, high))
        expected = proportion_confint(k, trials, method="wilson")
        np.testing.assert_allclose(ends, expected, atol=1e-12)


# --- 3–4. the proportion functions --------------------------------------------------------


@pytest.mark.parametrize("exercise_id", sorted(STATSMODELS))
def test_does_each_proportion_reference_equal_statsmodels_on_every_probe(exercise_id):
    ref = SPECS[exercise_id].reference()
    for k, trials, level in SPECS[exercise_id].probes():
        expected = proportion_confint(k, trials, alpha=1 - level,
                                      method=STATSMODELS[exercise_id])
        np.testing.assert_allclose(ref(k, trials, level), expected, atol=1e-12)


@pytest.mark.parametrize("exercise_id,method", [("w05-wilson-ci", "wilson"),
                                                ("w05-clopper-pearson", "exact")])
def test_does_each_proportion_reference_equal_scipys_binomtest(exercise_id, method):
    ref = SPECS[exercise_id].reference()
    for k, trials, level in SPECS[exercise_id].probes():
        ci = stats.binomtest(k, trials).proportion_ci(confidence_level=level, method=method)
        np.testing.assert_allclose(ref(k, trials, level), (ci.low, ci.high), atol=1e-10)


def test_do_the_probes_include_both_edges():
    probes = w05._proportion_probes()
    assert any(k == 0 for k, _, _ in probes)
    assert any(k == trials for k, trials, _ in probes)
    assert len({level for _, _, level in probes}) >= 3


def test_does_agresti_coull_leave_zero_one_unclipped_at_the_edge():
    """The no-clip mistake can only be told apart if an unclipped bound leaves [0, 1]."""
    low, _ = w05._agresti_coull(0, 20, 0.95, clip=False)
    assert low < 0


# --- 5. coverage ------------------------------------------------------------------------


def test_is_the_wald_coverage_a_brute_force_binomial_sum():
    z_975 = stats.norm.ppf(0.975)
    total = 0.0
    for k in range(w05.COVERAGE_N + 1):
        low, high = proportion_confint(k, w05.COVERAGE_N, alpha=0.05, method="normal")
        if low <= w05.COVERAGE_P <= high:
            total += stats.binom.pmf(k, w05.COVERAGE_N, w05.COVERAGE_P)
    assert reference("w05-wald-coverage") == pytest.approx(total, rel=1e-12)
    assert reference("w05-wald-coverage") < 0.8   # far below the promised 95 %
    assert z_975 == pytest.approx(1.959964, rel=1e-6)


def test_does_a_simulation_agree_with_the_exact_coverage():
    rng = np.random.default_rng(51)
    counts = rng.binomial(w05.COVERAGE_N, w05.COVERAGE_P, size=200_000)
    low, high = proportion_confint(counts, w05.COVERAGE_N, method="normal")
    simulated = np.mean((low <= w05.COVERAGE_P) & (w05.COVERAGE_P <= high))
    assert simulated == pytest.approx(reference("w05-wald-coverage"), abs=0.005)


# --- 6. bootstrap -----------------------------------------------------------------------


def test_does_the_notebooks_recipe_reproduce_the_bootstrap_reference():
    ref = SPECS["w05-bootstrap-ci"].reference()
    for x, n_resamples, seed in SPECS["w05-bootstrap-ci"].probes():
        rng = np.random.default_rng(seed)
        means = x[rng.integers(0, len(x), size=(n_resamples, len(x)))].mean(axis=1)
        np.testing.assert_allclose(ref(x, n_resamples, seed),
                                   np.quantile(means, [0.025, 0.975]), rtol=1e-12)
        # rng.choice draws the same indices, so a learner using it passes too
        rng = np.random.default_rng(seed)
        chosen = rng.choice(x, size=(n_resamples, len(x))).mean(axis=1)
        np.testing.assert_allclose(chosen, means, rtol=1e-12)


def test_does_the_bootstrap_reference_equal_scipys_percentile_bootstrap():
    ref = SPECS["w05-bootstrap-ci"].reference()
    for x, n_resamples, seed in SPECS["w05-bootstrap-ci"].probes():
        result = stats.bootstrap((x,), np.mean, n_resamples=n_resamples, method="percentile",
                                 rng=seed, vectorized=True, batch=None)
        ci = result.confidence_interval
        np.testing.assert_allclose(ref(x, n_resamples, seed), (ci.low, ci.high), rtol=1e-10)


# --- 7. meaning -------------------------------------------------------------------------


def test_do_95_percent_of_t_intervals_contain_the_true_mean():
    rng = np.random.default_rng(52)
    samples = rng.normal(5.0, 1.5, size=(40_000, 12))
    half = stats.t.ppf(0.975, 11) * samples.std(axis=1, ddof=1) / np.sqrt(12)
    covered = np.abs(samples.mean(axis=1) - 5.0) <= half
    assert covered.mean() == pytest.approx(0.95, abs=0.005)
    assert reference("w05-ci-meaning") == "b"


# --- the notebook states the data the specs use --------------------------------------------


def test_does_the_notebook_state_the_data_of_the_specs():
    text = "\n".join("".join(c["source"]) for c in json.loads(NOTEBOOK.read_text())["cells"])
    listed = ", ".join(f"{v}" for v in w05.SESSION_MINUTES)
    assert f"session_minutes = np.array([{listed}])" in text
    assert f"converted {w05.WALD_SUCCESSES} of {w05.WALD_TRIALS} visitors" in text
    assert f"went to {w05.ZERO_TRIALS} users and none complained" in text
    assert f"$n = {w05.COVERAGE_N}$, $p = {w05.COVERAGE_P}$" in text
