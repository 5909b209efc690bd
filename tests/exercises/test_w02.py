"""Week 2: each reference against an independent derivation or computation.

Does every reference agree with sympy's own calculus (diff, solve, summation, limit), with a
brute-force simulation of the method it describes, or with statsmodels? Are the facts the
items rely on (the regime of exercise 1.4, the eigenvalues of exercise 2.1) what the
notebook says they are?
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

import mlfund.optimization as opt
from mlfund import exercises
from mlfund.check._score import namespace
from mlfund.exercises import w02
from mlfund.optimization import symbolic as S

SPECS = {spec.id: spec for spec in exercises.week(2)}


def reference(exercise_id: str):
    spec = SPECS[exercise_id]
    if spec.kind == "expression":
        return spec.reference(**namespace(spec).symbols)
    return spec.reference()


def symbols(exercise_id: str) -> dict[str, sp.Symbol]:
    return dict(namespace(SPECS[exercise_id]).symbols)


def is_zero(expr) -> bool:
    return sp.simplify(expr) == 0


# --- 1. one dimension --------------------------------------------------------------------


def test_is_the_multiplier_x_minus_eta_times_the_derivative_over_x():
    s = symbols("w02-gd-multiplier")
    a, eta = s["a"], s["eta"]
    x = sp.Symbol("x", real=True)
    step = x - eta * sp.diff(a * x**2 / 2, x)
    assert is_zero(step / x - reference("w02-gd-multiplier"))


def test_is_the_stability_bound_where_the_multiplier_reaches_minus_one():
    s = symbols("w02-max-stable-lr-1d")
    a, eta = s["a"], sp.Symbol("eta", positive=True)
    (root,) = sp.solve(sp.Eq(1 - eta * a, -1), eta)
    assert is_zero(root - reference("w02-max-stable-lr-1d"))


def test_is_the_best_step_where_the_multiplier_vanishes():
    s = symbols("w02-best-lr-1d")
    a, eta = s["a"], sp.Symbol("eta", positive=True)
    (root,) = sp.solve(sp.Eq(1 - eta * a, 0), eta)
    assert is_zero(root - reference("w02-best-lr-1d"))


@pytest.mark.parametrize("a", [0.5, 4.0, 10.0])
def test_does_gd_converge_just_below_the_bound_and_diverge_just_above(a):
    bound = float(reference("w02-max-stable-lr-1d").subs(symbols("w02-max-stable-lr-1d")["a"], a))
    assert bound == pytest.approx(opt.max_stable_learning_rate(a))
    below = opt.gradient_descent(lambda x: a * x, [1.0], learning_rate=0.99 * bound, n_steps=400)
    above = opt.gradient_descent(lambda x: a * x, [1.0], learning_rate=1.01 * bound, n_steps=400)
    assert abs(below.x[0]) < 1e-1
    assert abs(above.x[0]) > 10


def test_does_the_regime_of_exercise_1_4_show_in_a_simulation():
    a, eta = w02.REGIME_CURVATURE, w02.REGIME_LEARNING_RATE
    path = opt.gradient_descent(lambda x: a * x, [1.0], learning_rate=eta, n_steps=12).path[:, 0]
    signs = np.sign(path)
    assert np.all(signs[1:] == -signs[:-1])           # flips sign every step
    assert np.all(np.abs(path[1:]) < np.abs(path[:-1]))  # and shrinks
    assert reference("w02-step-regime") == "b"


@pytest.mark.parametrize(("a", "eta", "option"), [
    (10, 0.05, "a"), (10, 0.15, "b"), (10, 0.2, "c"), (10, 0.25, "d"), (4, 0.1, "a")])
def test_does_the_regime_rule_cover_every_option(a, eta, option):
    assert w02._regime(a, eta) == option


# --- 2. many dimensions ------------------------------------------------------------------


def test_are_the_eigenvalues_of_exercise_2_1_one_and_six():
    from scipy.linalg import eigh

    values = eigh(np.array(w02.HESSIAN), eigvals_only=True)
    assert values == pytest.approx([1.0, 6.0])
    assert reference("w02-max-stable-lr-matrix") == pytest.approx(2 / 6)


def test_does_gd_on_the_matrix_converge_below_its_bound_and_diverge_above():
    A = np.array(w02.HESSIAN)
    bound = reference("w02-max-stable-lr-matrix")
    ok = opt.quadratic_gd_trajectory(A, [1.0, 1.0], learning_rate=0.98 * bound, n_steps=600)
    assert np.linalg.norm(ok.x) < 1e-2
    bad = opt.quadratic_gd_trajectory(A, [1.0, 1.0], learning_rate=1.02 * bound, n_steps=600)
    assert np.linalg.norm(bad.x) > 10


def test_does_the_optimal_step_balance_the_two_extreme_directions():
    s = symbols("w02-optimal-lr")
    lo, hi, eta = s["lam_min"], s["lam_max"], sp.Symbol("eta")
    (root,) = sp.solve(sp.Eq(1 - eta * lo, -(1 - eta * hi)), eta)
    assert is_zero(root - reference("w02-optimal-lr"))


@pytest.mark.parametrize(("lo", "hi"), [(1.0, 10.0), (0.3, 2.0), (2.0, 2.0)])
def test_does_a_grid_search_find_the_optimal_step(lo, hi):
    grid = np.linspace(1e-4, 2.2 / hi, 200_001)
    worst = np.maximum(np.abs(1 - grid * lo), np.abs(1 - grid * hi))
    s = symbols("w02-optimal-lr")
    value = float(reference("w02-optimal-lr").subs({s["lam_min"]: lo, s["lam_max"]: hi}))
    assert grid[np.argmin(worst)] == pytest.approx(value, rel=1e-4)


def test_is_the_rate_one_minus_the_optimal_step_times_lambda_min():
    kappa = symbols("w02-rate-kappa")["kappa"]
    lo, hi = sp.symbols("lam_min lam_max", positive=True)
    flat = 1 - S.optimal_learning_rate(lo, hi) * lo
    assert is_zero(flat.subs(hi, kappa * lo) - reference("w02-rate-kappa"))


@pytest.mark.parametrize("kappa", [1.0, 10.0, 250.0])
def test_is_the_rate_the_contraction_at_the_optimal_step(kappa):
    A = np.diag([1.0, kappa])
    rate = opt.contraction_factor(A, learning_rate=opt.optimal_learning_rate(A))
    symbol = symbols("w02-rate-kappa")["kappa"]
    assert float(reference("w02-rate-kappa").subs(symbol, kappa)) == pytest.approx(rate)


# --- 3. iterations -------------------------------------------------------------------------


def test_does_the_iteration_formula_solve_rho_to_the_k_times_e0_equals_epsilon():
    s = symbols("w02-iterations-formula")
    k = sp.Symbol("k", real=True)
    (root,) = sp.solve(sp.Eq(s["rho"] ** k * s["e0"], s["epsilon"]), k)
    assert is_zero(sp.expand_log(root - reference("w02-iterations-formula"), force=True))


def test_does_counting_steps_on_a_quadratic_give_the_iterations_of_exercise_3_2():
    # GD at the optimal step on diag(1, κ) from a start on the flat axis, error 1
    A = np.diag([1.0, w02.KAPPA])
    eta = opt.optimal_learning_rate(A)
    x, steps = np.array([1.0, 0.0]), 0
    while np.linalg.norm(x) > w02.TOLERANCE * (1 + 1e-12):
        x = x - eta * A @ x
        steps += 1
    assert steps == reference("w02-iterations-kappa") == 691


# --- 4. schedules ---------------------------------------------------------------------------


def test_does_the_step_decay_reference_match_a_slow_loop_on_every_probe():
    ref = reference("w02-step-decay")
    for t, eta0, gamma, size in SPECS["w02-step-decay"].probes():
        slow = []
        for step in t:
            rate, done = eta0, 0
            while done + size <= step:  # one drop per completed block of `size` steps
                rate, done = rate * gamma, done + size
            slow.append(rate)
        assert ref(t, eta0, gamma, size) == pytest.approx(slow, rel=1e-12)


def _slow_warmup_cosine(t, peak, warmup_steps, decay_steps, min_lr):
    """The obvious loop, one step at a time."""
    out = []
    for step in np.asarray(t, dtype=float):
        if step < warmup_steps:
            out.append(peak * step / warmup_steps)
        elif step - warmup_steps <= decay_steps:
            s = step - warmup_steps
            out.append(min_lr + (peak - min_lr) * (1 + math.cos(math.pi * s / decay_steps)) / 2)
        else:
            out.append(min_lr)
    return np.array(out)


def test_does_the_schedule_reference_match_a_slow_loop_on_every_probe():
    ref = reference("w02-warmup-cosine")
    for args in SPECS["w02-warmup-cosine"].probes():
        assert ref(*args) == pytest.approx(_slow_warmup_cosine(*args), abs=1e-15)


def test_does_the_schedule_hit_its_landmarks():
    ref = reference("w02-warmup-cosine")
    peak, w, T, low = 0.4, 10, 40, 0.02
    values = ref(np.array([0, w, w + T // 2, w + T, w + 3 * T]), peak, w, T, low)
    assert values == pytest.approx([0.0, peak, (peak + low) / 2, low, low])


@pytest.mark.parametrize("exercise_id", ["w02-step-decay", "w02-warmup-cosine"])
def test_do_the_probes_tell_each_schedule_mistake_from_the_reference(exercise_id):
    spec = SPECS[exercise_id]
    ref = reference(exercise_id)
    for mistake in spec.mistakes:
        gaps = [np.abs(mistake.value(*args) - ref(*args)).max() for args in spec.probes()]
        assert max(gaps) > 1e-3, mistake.note


# --- 5. momentum ----------------------------------------------------------------------------


def test_is_the_velocity_the_sum_of_the_geometric_series():
    s = symbols("w02-momentum-velocity")
    g, beta, t = s["g"], s["beta"], s["t"]
    k = sp.Symbol("k", integer=True, nonnegative=True)
    series = sp.summation(beta**k, (k, 0, t - 1))
    series = series.args[-1][0] if isinstance(series, sp.Piecewise) else series  # β ≠ 1
    assert is_zero(g * series - reference("w02-momentum-velocity"))


@pytest.mark.parametrize(("beta", "n_steps"), [(0.9, 1), (0.9, 7), (0.5, 20)])
def test_does_momentum_step_build_up_the_velocity_of_the_formula(beta, n_steps):
    grad = np.array([1.5])
    step = None
    for _ in range(n_steps):
        step = opt.momentum_step([0.0] if step is None else step.params, grad,
                                 None if step is None else step.velocity,
                                 learning_rate=0.1, beta=beta)
    s = symbols("w02-momentum-velocity")
    value = reference("w02-momentum-velocity").subs({s["g"]: 1.5, s["beta"]: beta,
                                                     s["t"]: n_steps})
    assert step.velocity[0] == pytest.approx(float(value))


def test_is_the_effective_rate_eta_times_the_limit_of_the_velocity():
    s = symbols("w02-momentum-velocity")
    c = sp.Symbol("c", positive=True)  # β = 1/(1 + c) runs over (0, 1), so βᵗ → 0
    velocity = reference("w02-momentum-velocity").subs(s["beta"], 1 / (1 + c))
    limit = sp.limit(velocity, s["t"], sp.oo)
    eta = symbols("w02-momentum-effective-lr")["eta"]
    beta = symbols("w02-momentum-effective-lr")["beta"]
    expected = reference("w02-momentum-effective-lr").subs(beta, 1 / (1 + c))
    assert is_zero(eta * limit / s["g"] - expected)
    assert float(reference("w02-momentum-effective-lr").subs({eta: 0.01, beta: 0.9})) == \
        pytest.approx(opt.momentum_effective_learning_rate(0.01, beta=0.9))


# --- 6. Newton ------------------------------------------------------------------------------


def test_does_one_newton_step_land_on_the_minimiser_of_the_quadratic():
    s = symbols("w02-newton-quadratic")
    a, b, x = s["a"], s["b"], s["x"]
    f = a * x**2 / 2 - b * x
    step = x - sp.diff(f, x) / sp.diff(f, x, 2)
    (minimiser,) = sp.solve(sp.diff(f, x), x)
    assert is_zero(step - reference("w02-newton-quadratic"))
    assert is_zero(minimiser - reference("w02-newton-quadratic"))
    assert x not in sp.simplify(reference("w02-newton-quadratic")).free_symbols


def test_are_the_newton_probes_well_conditioned():
    for w, X, y in SPECS["w02-newton-logistic"].probes():
        assert np.linalg.cond(opt.logistic_loss_hessian(w, X, y)) < 1e4
        assert 0 < y.mean() < 1


def test_does_iterating_the_newton_reference_reach_the_statsmodels_fit():
    sm = pytest.importorskip("statsmodels.api")
    step = reference("w02-newton-logistic")
    for _, X, y in SPECS["w02-newton-logistic"].probes():
        w = np.zeros(X.shape[1])
        for _ in range(30):
            w = step(w, X, y)
        fit = sm.Logit(y, X).fit(disp=0, method="newton", tol=1e-12, maxiter=100)
        assert w == pytest.approx(fit.params, rel=1e-6, abs=1e-8)


def test_is_the_newton_reference_w_minus_the_solve_with_finite_differences():
    step = reference("w02-newton-logistic")
    for w, X, y in SPECS["w02-newton-logistic"].probes():
        grad = opt.numerical_gradient(lambda v, X=X, y=y: opt.logistic_loss(v, X, y), w)
        hess = opt.numerical_hessian(
            lambda v, X=X, y=y: opt.numerical_gradient(
                lambda u: opt.logistic_loss(u, X, y), v, step=1e-5), w, step=1e-4)
        assert step(w, X, y) == pytest.approx(w - np.linalg.solve(hess, grad), abs=1e-4)


# --- 5. why learning-rate decay works -------------------------------------------------------


def _settled_sgd(eta, a, sigma2, *, noise="normal", n_chains=200_000, n_steps=None, seed=0):
    """Many independent SGD chains on ½ a x² with gradient a·x + ξ, run until stationary."""
    rng = np.random.default_rng(seed)
    factor = 1 - eta * a
    # enough steps for factor**(2 n) to fall below 1e-12 of the start (one if factor is 0)
    if n_steps is None:
        n_steps = 1 if factor == 0 else int(np.ceil(np.log(1e-12) / (2 * np.log(abs(factor))))) + 1
    x = np.full(n_chains, 1.0)
    for _ in range(n_steps):
        if noise == "normal":
            xi = rng.normal(0.0, math.sqrt(sigma2), n_chains)
        else:  # ±σ with probability ½ each: only the mean and the variance matter
            xi = math.sqrt(sigma2) * rng.choice([-1.0, 1.0], n_chains)
        x = factor * x - eta * xi
    return x


def _floor_symbols() -> dict[str, sp.Symbol]:
    # the derivation's η lives on (0, 2/a), which the expression namespace does not read
    return {name: sp.Symbol(name, positive=True) for name in ("eta", "a", "sigma2")}


def _floor(**values):
    s = _floor_symbols()
    value = SPECS["w02-sgd-loss-floor"].reference(**s)
    return value.subs({s[name]: v for name, v in values.items()})


def _floor_reference(eta, a, sigma2) -> float:
    return float(_floor(eta=eta, a=a, sigma2=sigma2))


def test_is_the_loss_floor_a_over_2_times_the_fixed_point_of_the_variance_recursion():
    s = _floor_symbols()
    eta, a, sigma2 = s["eta"], s["a"], s["sigma2"]
    V = sp.Symbol("V", positive=True)
    (variance,) = sp.solve(sp.Eq(V, (1 - eta * a) ** 2 * V + eta**2 * sigma2), V)
    assert is_zero(variance - w02._stationary_variance(eta, a, sigma2))
    assert is_zero(a * variance / 2 - _floor())


def test_does_the_model_chain_of_the_loss_floor_end_on_the_reference():
    last = SPECS["w02-sgd-loss-floor"].derivation.chain[-1]
    rhs = sp.sympify(last.split("=", 1)[1], locals=_floor_symbols())
    assert is_zero(rhs - _floor())


@pytest.mark.parametrize(("eta", "a", "sigma2", "noise"), [
    (0.1, 1.0, 1.0, "normal"), (0.4, 4.0, 2.0, "normal"), (0.025, 4.0, 2.0, "normal"),
    (0.3, 2.0, 0.5, "sign")])
def test_does_a_seeded_monte_carlo_settle_at_the_stationary_variance_and_floor(
        eta, a, sigma2, noise):
    x = _settled_sgd(eta, a, sigma2, noise=noise)
    n = len(x)
    variance = w02._stationary_variance(eta, a, sigma2)
    # the sample second moment of n independent draws: relative standard error about √(2/n)
    assert np.mean(x**2) == pytest.approx(variance, rel=6 * math.sqrt(2 / n))
    assert np.mean(a * x**2 / 2) == pytest.approx(_floor_reference(eta, a, sigma2),
                                                  rel=6 * math.sqrt(2 / n))
    assert abs(np.mean(x)) < 6 * math.sqrt(variance / n)


def test_does_the_monte_carlo_tell_the_exact_floor_from_the_first_order_one():
    # at ηa = 1.6 the exact floor is 2/(2 − ηa) = 5 times the first-order ησ²/4
    eta, a, sigma2 = 0.4, 4.0, 2.0
    floor = np.mean(a * _settled_sgd(eta, a, sigma2, seed=1) ** 2 / 2)
    assert floor == pytest.approx(eta * sigma2 / (2 * (2 - eta * a)), rel=0.02)
    assert abs(floor - eta * sigma2 / 4) > 0.5 * floor


def test_is_the_slope_the_first_order_term_of_the_floors_series():
    s = _floor_symbols()
    series = sp.series(_floor(), s["eta"], 0, 2).removeO()
    slope = series.coeff(s["eta"], 1)
    t = symbols("w02-loss-floor-slope")
    assert is_zero(slope.subs({s["a"]: t["a"], s["sigma2"]: t["sigma2"]})
                   - reference("w02-loss-floor-slope"))
    assert not {t["a"], t["eta"]} & reference("w02-loss-floor-slope").free_symbols


def _sums_converge(option: str) -> tuple[bool, bool]:
    """(Σηₜ < ∞, Σηₜ² < ∞) for the option's schedule, by sympy's own tests or summation."""
    t, k = sp.Symbol("t", integer=True, nonnegative=True), sp.Symbol("k", integer=True)
    eta0, block, horizon = sp.Rational(1, 10), 30, 1000
    if option in ("a", "b", "c"):
        eta = {"a": eta0 + 0 * t, "b": eta0 / sp.sqrt(t + 1),
               "c": eta0 / (1 + sp.Rational(1, 10) * t)}[option]
        return tuple(bool(sp.Sum(eta**power, (t, 0, sp.oo)).is_convergent())
                     for power in (1, 2))
    if option == "d":  # γ^⌊t/s⌋ is constant on blocks of s steps: s·Σ_k γ^(k·power)
        return tuple(bool(sp.Sum(block * (eta0 * sp.Rational(1, 2) ** k) ** power,
                                 (k, 0, sp.oo)).is_convergent()) for power in (1, 2))
    # cosine over a horizon, then 0: a finite sum
    steps = np.arange(horizon + 1)
    eta = 0.5 * 0.1 * (1 + np.cos(np.pi * steps / horizon))
    return bool(np.isfinite(eta.sum())), bool(np.isfinite((eta**2).sum()))


def test_does_sympy_find_the_robbins_monro_option_and_only_it():
    satisfied = [option for option in w02._SCHEDULE_CHOICES
                 if _sums_converge(option) == (False, True)]
    assert satisfied == [reference("w02-robbins-monro")] == ["c"]


@pytest.mark.parametrize(("option", "expected"), [
    ("a", (False, False)), ("b", (False, False)), ("c", (False, True)), ("d", (True, True)),
    ("e", (True, True))])
def test_does_each_explanation_name_the_condition_sympy_finds_failing(option, expected):
    assert _sums_converge(option) == expected
    assert w02._satisfies_robbins_monro(w02._SCHEDULE_TAILS[option]) == (expected == (False, True))


def test_is_the_floor_after_the_decay_what_a_monte_carlo_settles_at():
    eta = w02.DECAY_INITIAL_LR * w02.DECAY_GAMMA
    assert w02._decayed_lr() == pytest.approx(eta)
    a, sigma2 = w02.DECAY_CURVATURE, w02.DECAY_NOISE
    floor = np.mean(a * _settled_sgd(eta, a, sigma2, seed=2) ** 2 / 2)
    ref = reference("w02-floor-after-decay")
    assert floor == pytest.approx(ref, rel=0.02)
    assert ref == pytest.approx(_floor_reference(eta, a, sigma2))
    # the first-order value 0.0125 is 5 % off: the simulation tells them apart
    assert abs(floor - eta * sigma2 / 4) > 2 * abs(floor - ref)


def test_does_the_second_moment_recursion_settle_in_the_number_of_steps_of_exercise_5_5():
    a, sigma2 = w02.DECAY_CURVATURE, w02.DECAY_NOISE
    old, eta = w02.DECAY_INITIAL_LR, w02._decayed_lr()
    second, target = 2 * _floor_reference(old, a, sigma2) / a, w02._stationary_variance(
        eta, a, sigma2)
    start, steps = second - target, 0
    while second - target > w02.SETTLED_FRACTION * start * (1 + 1e-12):
        second = (1 - eta * a) ** 2 * second + eta**2 * sigma2
        steps += 1
    assert steps == reference("w02-settling-steps") == 22


def test_does_a_monte_carlo_after_the_drop_follow_the_geometric_excess():
    a, sigma2 = w02.DECAY_CURVATURE, w02.DECAY_NOISE
    old, eta = w02.DECAY_INITIAL_LR, w02._decayed_lr()
    rng = np.random.default_rng(3)
    x = _settled_sgd(old, a, sigma2, seed=4)
    old_floor, new_floor = _floor_reference(old, a, sigma2), _floor_reference(eta, a, sigma2)
    for t in range(1, 31):
        x = (1 - eta * a) * x - eta * rng.normal(0.0, math.sqrt(sigma2), len(x))
        expected = new_floor + (old_floor - new_floor) * (1 - eta * a) ** (2 * t)
        assert np.mean(a * x**2 / 2) == pytest.approx(expected, rel=6 * math.sqrt(2 / len(x)))


# --- exercise 2.1 with each student's own matrix -----------------------------------------

KEY = bytes(range(32))
STUDENTS = [f"s{i}" for i in range(200)]


def _matrix_item(student: str):
    values = SPECS["w02-max-stable-lr-matrix"].draw(KEY, student)
    return values, SPECS["w02-max-stable-lr-matrix"].with_values(values)


def test_are_the_workbooks_numbers_the_defaults_of_exercise_2_1():
    spec = SPECS["w02-max-stable-lr-matrix"]
    assert spec.varies
    assert spec.defaults == {"a11": 5, "a12": 2, "a22": 2}
    assert np.array(w02.HESSIAN).tolist() == [[5, 2], [2, 2]]
    assert "A = [[5, 2], [2, 2]]" in spec.prompt and "trace 7, determinant 6" in spec.hint


def test_do_students_get_different_matrices():
    spec = SPECS["w02-max-stable-lr-matrix"]
    assert len({tuple(sorted(spec.draw(KEY, s).items())) for s in STUDENTS}) > 30


@pytest.mark.parametrize("student", STUDENTS)
def test_is_every_drawn_matrix_item_well_posed(student):
    values, spec = _matrix_item(student)
    a11, a12, a22 = values["a11"], values["a12"], values["a22"]
    A = np.array([[a11, a12], [a12, a22]], dtype=float)
    lam_min, lam_max = np.linalg.eigvalsh(A)
    assert 0 < lam_min < lam_max and a12 != 0 and a11 != a22
    assert lam_min == pytest.approx(round(lam_min)) and lam_max == pytest.approx(round(lam_max))
    reference = spec.reference()
    assert math.isfinite(reference) and 0 < reference < 2 / max(a11, a22)
    assert reference != pytest.approx(2 / 9)            # the format example is no answer
    tolerance = spec.atol + spec.rtol * abs(reference)
    for mistake in spec.mistakes:
        assert abs(mistake.value() - reference) > tolerance, (values, mistake.note)
    assert f"A = [[{a11}, {a12}], [{a12}, {a22}]]" in spec.prompt
    assert f"trace {a11 + a22}, determinant {a11 * a22 - a12**2})" in spec.hint


@pytest.mark.parametrize("student", STUDENTS[:4])
def test_does_the_drawn_bound_agree_with_scipy_and_a_simulation(student):
    from scipy.linalg import eigh

    values, spec = _matrix_item(student)
    a11, a12, a22 = values["a11"], values["a12"], values["a22"]
    A = np.array([[a11, a12], [a12, a22]], dtype=float)
    trace, det = a11 + a22, a11 * a22 - a12**2
    by_formula = 2 / ((trace + math.sqrt(trace**2 - 4 * det)) / 2)
    bound = spec.reference()
    assert bound == pytest.approx(by_formula, rel=1e-12)
    assert bound == pytest.approx(2 / eigh(A, eigvals_only=True).max(), rel=1e-12)
    ok = opt.quadratic_gd_trajectory(A, [1.0, 1.0], learning_rate=0.98 * bound, n_steps=2000)
    assert np.linalg.norm(ok.x) < 1e-2
    bad = opt.quadratic_gd_trajectory(A, [1.0, 1.0], learning_rate=1.02 * bound, n_steps=2000)
    assert np.linalg.norm(bad.x) > 10


@pytest.mark.parametrize("student", STUDENTS[:20])
def test_is_each_students_bound_right_to_3_decimals_and_each_mistake_named(student):
    from mlfund.check import CORRECT, capture, score

    _, spec = _matrix_item(student)
    assert score(spec, capture(spec, round(spec.reference(), 3))).verdict == CORRECT
    for mistake in spec.mistakes:
        assert score(spec, capture(spec, mistake.value())).mistake == mistake.note
