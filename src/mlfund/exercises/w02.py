"""Week 2 — gradient descent and learning rates."""

from __future__ import annotations

import math

import numpy as np

from mlfund.exercises._spec import Derivation, Exercise, Mistake, Parameter, Precision, variant


def _sym():
    from mlfund.optimization import symbolic

    return symbolic


def _opt():
    import mlfund.optimization as opt

    return opt


# --- one dimension: the regime of a given step --------------------------------------------

#: Exercise 1.4: f(x) = ½ a x² with a = 10 and the step η = 0.15.
REGIME_CURVATURE = 10
REGIME_LEARNING_RATE = 0.15

_REGIMES = {
    "a": "x shrinks towards 0 without changing sign.",
    "b": "x converges to 0, changing sign at every step.",
    "c": "x keeps jumping between the same two values, +x₀ and −x₀.",
    "d": "|x| grows at every step: gradient descent diverges.",
}


def _regime(a: float, eta: float) -> str:
    # each step multiplies x by m = 1 − ηa (the library's gd_step_multiplier)
    m = float(_sym().gd_step_multiplier(a, eta))
    if abs(m) > 1:
        return "d"
    if m == -1:
        return "c"
    return "b" if m < 0 else "a"


# --- many dimensions -----------------------------------------------------------------------

#: Exercise 2.1: the curvature of f(x) = ½ xᵀAx (eigenvalues 1 and 6), the workbook's
#: numbers; in a course with variants each student has a matrix of their own.
HESSIAN = ((5.0, 2.0), (2.0, 2.0))


def _hessian(a11: float = HESSIAN[0][0], a12: float = HESSIAN[0][1],
             a22: float = HESSIAN[1][1]) -> np.ndarray:
    return np.array([[a11, a12], [a12, a22]], dtype=float)


def _eigenvalues(a11: float = HESSIAN[0][0], a12: float = HESSIAN[0][1],
                 a22: float = HESSIAN[1][1]) -> np.ndarray:
    return np.linalg.eigvalsh(_hessian(a11, a12, a22))


def _max_stable_lr_mistakes(a11: float, a12: float, a22: float) -> dict[str, float]:
    """The wrong bounds each catalogued mistake gives, by note."""
    A, (lam_min, lam_max) = _hessian(a11, a12, a22), _eigenvalues(a11, a12, a22)
    return {
        "flat-direction": 2 / float(lam_min),
        "diagonal-entry": 2 / float(np.max(np.diag(A))),
        "one-over-lambda-max": 1 / float(lam_max),
        "trace": 2 / float(np.trace(A)),
    }


def _matrix_well_posed(a11: int, a12: int, a22: int) -> bool:
    """A student's A is as the workbook's: positive definite, not diagonal, with unequal
    diagonal entries (the eigenvalues come from the characteristic polynomial, not at
    sight) and whole eigenvalues (the bound is a fraction); the answer and every mistake
    are at least 0.005 apart; the bound is never 2/9, the fraction the notebook shows as an
    example of the format."""
    discriminant = (a11 - a22) ** 2 + 4 * a12**2
    root = math.isqrt(discriminant)
    if a12 == 0 or a11 == a22 or a11 * a22 <= a12**2 or root * root != discriminant \
            or (a11 + a22 + root) % 2:
        return False
    if (a11 + a22 + root) // 2 == 9:
        return False
    reference = 2 / float(_eigenvalues(a11, a12, a22)[-1])
    values = sorted([reference, *_max_stable_lr_mistakes(a11, a12, a22).values()])
    return all(b - a > 0.005 for a, b in zip(values, values[1:], strict=False))


def _max_stable_lr_matrix(a11=int(HESSIAN[0][0]), a12=int(HESSIAN[0][1]),
                          a22=int(HESSIAN[1][1])):
    """Exercise 2.1: the largest stable learning rate on f(x) = ½ xᵀAx, A = [[a11, a12],
    [a12, a22]]."""

    def wrong(note):
        return lambda: _max_stable_lr_mistakes(a11, a12, a22)[note]

    return Exercise(
        id="w02-max-stable-lr-matrix",
        kind="number",
        precision=Precision(decimals=3),
        prompt=f"f(x) = ½ xᵀAx with A = [[{a11:g}, {a12:g}], [{a12:g}, {a22:g}]]: the largest "
               "stable learning rate.",
        reference=lambda: _opt().max_stable_learning_rate(_hessian(a11, a12, a22)),
        mistakes=(
            Mistake("flat-direction", "2/λ_min is the bound of the flat direction only; the "
                    "steep direction (λ_max) diverges first, so it sets the bound.",
                    value=wrong("flat-direction")),
            Mistake("diagonal-entry", "The diagonal entries of A are not its eigenvalues "
                    "unless A is diagonal: use the largest eigenvalue of A.",
                    value=wrong("diagonal-entry")),
            Mistake("one-over-lambda-max", "1/λ_max is a safe step, not the bound: GD "
                    "converges up to 2/λ_max.", value=wrong("one-over-lambda-max")),
            Mistake("trace", "The trace is λ_min + λ_max; 2/trace is safe but not the "
                    "bound. Use λ_max alone.", value=wrong("trace")),
        ),
        hint=f"find the eigenvalues of A (trace {a11 + a22:g}, determinant "
             f"{a11 * a22 - a12**2:g}) and use 2/λ_max.",
        rtol=1e-3,  # the bound to 3 decimals is right; every catalogued mistake is further away
    )


# --- iterations -----------------------------------------------------------------------------

#: Exercise 3.2: κ = 100, optimal fixed step, distance to x* from 1 down to 10⁻⁶.
KAPPA = 100.0
TOLERANCE = 1e-6


def _iterations(rate: float) -> int:
    return _opt().iterations_to_tolerance(rate, tolerance=TOLERANCE)


def _iterations_unrounded() -> float:
    return math.log(TOLERANCE) / math.log(_opt().convergence_rate(KAPPA))


# --- schedules -------------------------------------------------------------------------------


def _step_decay(t, initial_lr, gamma, step_size):
    return np.asarray(_opt().step_decay(t, initial_learning_rate=initial_lr, gamma=gamma,
                                        step_size=step_size), dtype=float)


def _step_decay_probes() -> list[tuple]:
    return [
        (np.arange(0, 35), 0.1, 0.5, 10),
        (np.array([0, 1, 2, 3, 4, 5, 6, 30]), 1.0, 0.1, 3),
        (np.arange(0, 8), 0.01, 0.9, 1),
    ]


def _step_decay_mistake(exponent):
    def schedule(t, initial_lr, gamma, step_size):
        t = np.asarray(t, dtype=float)
        return initial_lr * gamma ** exponent(t, step_size)

    return schedule


def _warmup_cosine(t, peak, warmup_steps, decay_steps, min_lr):
    """The reference: the library's linear warm-up handing over to its cosine annealing."""
    opt = _opt()

    def decay(s):
        return opt.cosine_annealing(s, initial_learning_rate=peak, total_steps=decay_steps,
                                    min_learning_rate=min_lr)

    return np.asarray(opt.linear_warmup(t, learning_rate=peak, warmup_steps=warmup_steps,
                                        after=decay), dtype=float)


def _schedule_probes() -> list[tuple]:
    return [
        (np.arange(0, 40), 0.1, 5, 30, 0.0),
        (np.arange(0, 25), 1.0, 10, 10, 0.1),
        (np.array([0, 1, 3, 7, 8, 20, 57, 58, 100]), 0.5, 8, 50, 0.05),
        (np.arange(0, 14), 3e-4, 1, 10, 3e-5),
    ]


def _cosine(progress, peak, min_lr, half=0.5):
    return min_lr + half * (peak - min_lr) * (1 + np.cos(np.pi * progress))


def _warmup_cosine_mistake(*, shift_clock=True, clamp=True, off_by_one=False, half=0.5):
    def schedule(t, peak, warmup_steps, decay_steps, min_lr):
        t = np.asarray(t, dtype=float)
        s = t - warmup_steps if shift_clock else t
        progress = (np.minimum(s, decay_steps) if clamp else s) / decay_steps
        ramp = peak * ((t + 1) if off_by_one else t) / warmup_steps
        return np.where(t < warmup_steps, ramp, _cosine(progress, peak, min_lr, half))

    return schedule


# --- why learning-rate decay works ---------------------------------------------------------
# SGD on f(x) = ½ a x² with the gradient a·x + ξ, ξ of mean 0 and variance σ², independent of
# the past: x ← (1 − ηa)x − ηξ. For 0 < η < 2/a the iterate settles at mean 0 and the
# variance V = ησ²/(a(2 − ηa)); the loss there, L = E[f(x)] = aV/2, is the noise floor.


def _stationary_variance(eta, a, sigma2):
    """V solving V = (1 − ηa)²V + η²σ² (the variance one step leaves unchanged)."""
    return eta * sigma2 / (a * (2 - eta * a))


def _loss_floor(eta, a, sigma2):
    """L = E[f(x)] = (a/2)·V at stationarity."""
    return a * _stationary_variance(eta, a, sigma2) / 2


def _floor_slope(a, sigma2):
    """c in L ≈ c·η: the limit of L/η as η → 0."""
    import sympy as sp

    eta = sp.Symbol("eta", positive=True)
    return sp.limit(_loss_floor(eta, a, sigma2) / eta, eta, 0)


#: Exercises 5.4 and 5.5: a = 4, gradient noise of variance σ² = 2, η₀ = 1/a = 0.25, then
#: one step decay by γ = 0.1; settled means the excess over the new floor is 1 % of its value
#: at the drop.
DECAY_CURVATURE, DECAY_NOISE = 4.0, 2.0
DECAY_INITIAL_LR, DECAY_GAMMA = 0.25, 0.1
SETTLED_FRACTION = 0.01


def _decayed_lr() -> float:
    return float(_opt().step_decay(1, initial_learning_rate=DECAY_INITIAL_LR,
                                   gamma=DECAY_GAMMA, step_size=1))


def _floor_at(eta: float) -> float:
    return _loss_floor(eta, DECAY_CURVATURE, DECAY_NOISE)


def _settling_steps(per_step: float) -> int:
    return _opt().iterations_to_tolerance(per_step, tolerance=SETTLED_FRACTION)


def _excess_factor(eta: float) -> float:
    # E[x²] − V shrinks by (1 − ηa)² per step, and the excess loss is a/2 times it
    return (1 - eta * DECAY_CURVATURE) ** 2


def _settling_unrounded() -> float:
    return math.log(SETTLED_FRACTION) / math.log(_excess_factor(_decayed_lr()))


#: Exercise 5.3: each schedule by the behaviour of its tail as t → ∞: ("power", p) for
#: η₀·t^(−p) (constant is p = 0), ("geometric", γ) for a step decay by γ for ever,
#: ("finite", T) for a schedule that is 0 after T steps.
_SCHEDULE_TAILS = {
    "a": ("power", 0.0),
    "b": ("power", 0.5),
    "c": ("power", 1.0),
    "d": ("geometric", 0.5),
    "e": ("finite", 1000),
}

_SCHEDULE_CHOICES = {
    "a": "constant: η_t = η₀.",
    "b": "inverse square root: η_t = η₀/√(t + 1).",
    "c": "inverse time: η_t = η₀/(1 + kt), k > 0.",
    "d": "step decay applied for ever: η_t = η₀·γ^⌊t/s⌋ with γ = 0.5.",
    "e": "cosine from η₀ to 0 over a fixed horizon of T = 1000 steps, then 0.",
}


def _satisfies_robbins_monro(tail: tuple[str, float]) -> bool:
    """Σηₜ = ∞ and Σηₜ² < ∞: a power t^(−p) needs ½ < p ≤ 1; a geometric or finite tail has
    a finite Σηₜ."""
    kind, value = tail
    return kind == "power" and 0.5 < value <= 1.0


def _robbins_monro_option() -> str:
    (option,) = [k for k, tail in _SCHEDULE_TAILS.items() if _satisfies_robbins_monro(tail)]
    return option


# --- Newton's method for logistic regression ----------------------------------------------


def _newton_probes() -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(202)
    probes = []
    for n, d in [(20, 2), (30, 3), (12, 1), (50, 4)]:
        X = np.column_stack([np.ones(n), rng.normal(size=(n, d - 1))]) if d > 1 \
            else rng.normal(size=(n, 1))
        y = rng.integers(0, 2, size=n).astype(float)
        y[:2] = (0.0, 1.0)  # both classes present
        w = rng.normal(scale=0.5, size=d)
        probes.append((w, X, y))
    return probes


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def _gradient(w, X, y):
    return X.T @ (_sigmoid(X @ w) - y) / len(y)


def _hessian_of(w, X, y):
    p = _sigmoid(X @ w)
    return (X.T * (p * (1 - p))) @ X / len(y)


_MOMENTUM_SYMBOLS = {"g": "real", "beta": (0, 1), "t": "positive_integer"}

EXERCISES = (
    # 1. one dimension
    Exercise(
        id="w02-gd-multiplier",
        kind="expression",
        prompt="f(x) = ½ a x²: one GD step x ← x − η f'(x) multiplies x by what factor?",
        reference=lambda a, eta: _sym().gd_step_multiplier(a, eta),
        symbols={"a": "positive", "eta": "positive"},
        mistakes=(
            Mistake("sign-flip", "Sign error: x + η·a x walks uphill. Gradient descent "
                    "subtracts the gradient.", form="1 + eta*a"),
            Mistake("removed-part", "ηa is the fraction of x that one step removes; the "
                    "factor that multiplies x is what is left after the step.", form="eta*a"),
            Mistake("gradient-is-x", "f'(x) = a x, not x: the curvature a belongs in the "
                    "step.", form="1 - eta"),
        ),
        hint="write x − η f'(x) with f'(x) = a x and factor out x.",
    ),
    Exercise(
        id="w02-max-stable-lr-1d",
        kind="expression",
        prompt="GD on f(x) = ½ a x² converges for every start iff 0 < η < ?",
        reference=lambda a: _sym().max_stable_learning_rate(a),
        symbols={"a": "positive"},
        mistakes=(
            Mistake("best-step", "1/a is the best step (one step lands on 0). Larger steps "
                    "still converge, overshooting and flipping sign, as long as "
                    "|1 − ηa| < 1.", form="1/a"),
            Mistake("inverted", "η must shrink as the curvature grows: the bound is a "
                    "constant divided by a, from |1 − ηa| < 1.", form="2*a"),
            Mistake("half-bound", "Solve −1 < 1 − ηa < 1 again, carefully at the lower end.",
                    form="1/(2*a)"),
            Mistake("half-curvature", "η must shrink as the curvature a grows: a/2 grows with "
                    "it. Solve 1 − ηa > −1 for η.", form="a/2"),
        ),
        hint="GD converges iff |1 − ηa| < 1; solve the side 1 − ηa > −1 for η.",
    ),
    Exercise(
        id="w02-best-lr-1d",
        kind="expression",
        prompt="Which η reaches the minimum of ½ a x² in a single step?",
        reference=lambda a: _sym().optimal_learning_rate(a),
        symbols={"a": "positive"},
        mistakes=(
            Mistake("stability-limit", "At η = 2/a the factor 1 − ηa is −1: x jumps between "
                    "+x₀ and −x₀ forever. The best step makes the factor 0.", form="2/a"),
            Mistake("inverted", "The step has the units of 1/curvature: with η = a the "
                    "factor is 1 − a², which is not 0 in general.", form="a"),
        ),
    ),
    Exercise(
        id="w02-step-regime",
        kind="choice",
        prompt=f"f(x) = ½·{REGIME_CURVATURE}·x², η = {REGIME_LEARNING_RATE}: what does GD do?",
        reference=lambda: _regime(REGIME_CURVATURE, REGIME_LEARNING_RATE),
        choices=_REGIMES,
        explanations={
            "a": "That needs 0 < 1 − ηa < 1, i.e. η < 1/a = 0.1. Here 1 − ηa = 1 − 1.5 is "
                 "negative: every step overshoots the minimum.",
            "c": "Jumping between ±x₀ happens only at η = 2/a = 0.2, where 1 − ηa = −1. "
                 "Here the factor is −0.5.",
            "d": "Divergence needs |1 − ηa| > 1, i.e. η > 2/a = 0.2. Here 0.15 is below the "
                 "bound, so |x| still shrinks.",
        },
    ),
    # 2. many dimensions
    variant(_max_stable_lr_matrix,
            a11=Parameter(1, 12), a12=Parameter(-6, 6), a22=Parameter(1, 12),
            where=_matrix_well_posed),
    Exercise(
        id="w02-optimal-lr",
        kind="expression",
        prompt="The fixed step η minimising max(|1 − ηλ_min|, |1 − ηλ_max|).",
        reference=lambda lam_min, lam_max: _sym().optimal_learning_rate(lam_min, lam_max),
        symbols={"lam_min": "positive", "lam_max": "positive"},
        constraints=("lam_min < lam_max",),
        mistakes=(
            Mistake("one-over-lambda-max", "1/λ_max zeroes the steep direction in one step, "
                    "but the flat one then contracts only by 1 − λ_min/λ_max. Balance the "
                    "two: 1 − ηλ_min = −(1 − ηλ_max).", form="1/lam_max"),
            Mistake("stability-limit", "2/λ_max is the stability limit: there the steep "
                    "direction oscillates without decaying.", form="2/lam_max"),
            Mistake("one-over-lambda-min", "1/λ_min overshoots the steep direction: "
                    "|1 − λ_max/λ_min| > 1 as soon as λ_max > 2λ_min.", form="1/lam_min"),
            Mistake("mean-curvature", "(λ_min + λ_max)/2 is the mean curvature; the step is "
                    "its inverse.", form="(lam_min + lam_max)/2"),
            Mistake("missing-2", "Solve 1 − ηλ_min = ηλ_max − 1 again: the two 1's add "
                    "up.", form="1/(lam_min + lam_max)", credit=0.5),
        ),
        hint="at the best step the two directions contract equally fast, with opposite "
             "signs: 1 − ηλ_min = −(1 − ηλ_max).",
    ),
    Exercise(
        id="w02-rate-kappa",
        kind="expression",
        prompt="At the optimal step, the contraction factor per step in terms of κ.",
        reference=lambda kappa: _sym().convergence_rate(kappa),
        symbols={"kappa": (1, 1000)},
        mistakes=(
            Mistake("step-one-over-lambda-max", "(κ − 1)/κ = 1 − 1/κ is the rate with the "
                    "step 1/λ_max. The optimal step 2/(λ_min + λ_max) does better.",
                    form="(kappa - 1)/kappa"),
            Mistake("inverted", "(κ + 1)/(κ − 1) > 1 would mean divergence: the rate is "
                    "1 − η*λ_min, which is below 1.", form="(kappa + 1)/(kappa - 1)"),
            Mistake("accelerated", "(√κ − 1)/(√κ + 1) is the rate of momentum "
                    "(heavy ball, Nesterov) with tuned parameters. Plain GD with a fixed "
                    "step is slower: compute 1 − η*λ_min.",
                    form="(sqrt(kappa) - 1)/(sqrt(kappa) + 1)"),
            Mistake("one-over-kappa", "1/κ is the ratio of the curvatures; the rate is "
                    "1 − η*λ_min with η* = 2/(λ_min + λ_max).", form="1/kappa"),
        ),
        hint="compute 1 − η*λ_min with η* = 2/(λ_min + λ_max), then divide the numerator "
             "and the denominator by λ_min.",
    ),
    # 3. iterations
    Exercise(
        id="w02-iterations-formula",
        kind="expression",
        prompt="Error e_k = ρᵏ e₀: the k (real, before rounding up) at which e_k = ε.",
        reference=lambda rho, epsilon, e0: _sym().iterations_to_tolerance(rho, epsilon, e0),
        symbols={"rho": (0, 1), "epsilon": "positive", "e0": "positive"},
        mistakes=(
            Mistake("missing-e0", "That holds only for e₀ = 1: solve ρᵏ e₀ = ε, so "
                    "ρᵏ = ε/e₀.", form="log(epsilon)/log(rho)"),
            Mistake("inverted", "Take logs of ρᵏ = ε/e₀ and check which side k "
                    "multiplies.", form="log(rho)/log(epsilon/e0)"),
            Mistake("sign-flip", "This k is negative (log(e₀/ε) > 0 and log ρ < 0 when "
                    "ε < e₀ and ρ < 1); check the ratio inside the log.",
                    form="log(e0/epsilon)/log(rho)"),
        ),
    ),
    Exercise(
        id="w02-iterations-kappa",
        kind="number",
        precision=Precision(whole=True),
        prompt="κ = 100, optimal fixed step: iterations to bring ‖x − x*‖ from 1 to 10⁻⁶.",
        reference=lambda: _iterations(_opt().convergence_rate(KAPPA)),
        mistakes=(
            Mistake("rounded-down", "After that many steps the error is still just above "
                    "10⁻⁶: round k up, not down.",
                    value=lambda: math.floor(_iterations_unrounded())),
            Mistake("not-rounded", "Iterations are whole: round k up to the next integer.",
                    value=_iterations_unrounded),
            Mistake("step-one-over-lambda-max", "That count uses the rate 1 − 1/κ of the "
                    "step 1/λ_max; with the optimal step the rate is (κ − 1)/(κ + 1).",
                    value=lambda: _iterations(1 - 1 / KAPPA)),
            Mistake("function-gap", "That counts steps for f − f*, which shrinks by ρ² per "
                    "step; the question asks about the distance ‖x − x*‖, which shrinks by ρ.",
                    value=lambda: _iterations(_opt().convergence_rate(KAPPA) ** 2)),
        ),
        hint="k = ⌈log ε / log ρ⌉ with ρ = (κ − 1)/(κ + 1); the answer is a whole number.",
    ),
    # 4. schedules
    Exercise(
        id="w02-step-decay",
        kind="function",
        prompt="Implement step decay η₀·γ^⌊t/s⌋, vectorised over an array of steps t.",
        reference=lambda: _step_decay,
        probes=_step_decay_probes,
        mistakes=(
            Mistake("no-floor", "γ^(t/s) decays smoothly (it is an exponential decay); step "
                    "decay keeps η constant for s steps, then drops it: round t/s down.",
                    value=_step_decay_mistake(lambda t, s: t / s)),
            Mistake("ceil", "Rounding t/s up drops the rate already at t = 1; the first drop "
                    "comes at t = s: round down.",
                    value=_step_decay_mistake(lambda t, s: np.ceil(t / s))),
            Mistake("early-drop", "The rate drops one step early: with ⌊(t + 1)/s⌋ the step "
                    "t = s − 1 is already decayed. Use ⌊t/s⌋.",
                    value=_step_decay_mistake(lambda t, s: np.floor((t + 1) / s))),
            Mistake("not-compounded", "Each drop multiplies the rate by γ again, so after k "
                    "drops the factor is γ to the power k, not γ·k.",
                    value=lambda t, initial_lr, gamma, step_size: initial_lr * np.where(
                        np.asarray(t) < step_size, 1.0,
                        gamma * np.floor(np.asarray(t, dtype=float) / step_size))),
        ),
        forbidden_imports=("torch", "tensorflow", "keras", "optax", "mlfund.optimization"),
        hint="count the drops so far with integer division, k = ⌊t/s⌋, and multiply η₀ by γ "
             "k times; return an array shaped like t.",
    ),
    Exercise(
        id="w02-warmup-cosine",
        kind="function",
        prompt="Implement linear warm-up to the peak over w steps, then cosine decay to "
               "η_min over T steps (clock restarted at w), constant η_min after.",
        reference=lambda: _warmup_cosine,
        probes=_schedule_probes,
        mistakes=(
            Mistake("clock-not-restarted", "The cosine must start its own clock when the "
                    "warm-up ends: use s = t − w, so that η = peak at t = w.",
                    value=_warmup_cosine_mistake(shift_clock=False)),
            Mistake("warmup-off-by-one", "The warm-up starts at 0: η(t) = peak · t / w, so "
                    "η(0) = 0 and η(w) = peak.",
                    value=_warmup_cosine_mistake(off_by_one=True)),
            Mistake("no-clamp", "After T decay steps the cosine climbs back up (a restart). "
                    "This schedule stays at η_min: clip the progress at 1.",
                    value=_warmup_cosine_mistake(clamp=False)),
            Mistake("missing-half", "Without the ½ the cosine starts at 2·peak − η_min: it "
                    "is η_min + ½(peak − η_min)(1 + cos(πs/T)).",
                    value=_warmup_cosine_mistake(half=1.0)),
        ),
        forbidden_imports=("torch", "tensorflow", "keras", "optax", "mlfund.optimization"),
        hint="check the landmarks η(0) = 0, η(w) = peak, η(w + T/2) = (peak + η_min)/2, "
             "η(w + T) = η_min, and η_min after that; return an array shaped like t.",
    ),
    # 5. why learning-rate decay works
    Exercise(
        id="w02-sgd-loss-floor",
        kind="derivation",
        points=2,
        prompt="Constant-step SGD on f(x) = ½ a x² with the gradient a x + ξ (ξ of mean 0, "
               "variance σ², independent of x): x ← (1 − ηa)x − ηξ. At stationarity the "
               "expected loss L = E[f(x)] is the same after a step; derive L from "
               "L = E(½ a((1 − ηa)x − ηξ)²), line by line, solved for L.",
        reference=lambda eta, a, sigma2: _loss_floor(eta, a, sigma2),
        symbols={"L": "positive", "eta": "(0, 2/a)", "a": "positive", "sigma2": "positive"},
        derivation=Derivation(
            start="L = E(a/2*((1 - eta*a)*x - eta*xi)**2)",
            chain=("L = E(a/2*((1 - eta*a)*x - eta*xi)**2)",
                   "L = a/2*((1 - eta*a)**2*E(x**2) + eta**2*E(xi**2))",
                   "L = (1 - eta*a)**2*L + a*eta**2*sigma2/2",
                   "L*(1 - (1 - eta*a)**2) = a*eta**2*sigma2/2",
                   "L*eta*a*(2 - eta*a) = a*eta**2*sigma2/2",
                   "L = eta*sigma2/(2*(2 - eta*a))"),
            form=("eta", "a", "sigma2"),
            form_phrase="solved for L, in η, a and σ²",
            unknown="L",
            # E[x²] = 2L/a is what L = (a/2)E[x²] says about the stationary iterate
            random={"x": ("0", "2*L/a"), "xi": ("0", "sigma2")},
            hints=("Expand the square: x and ξ are independent with mean 0, so "
                   "E[xξ] = 0 and only E[x²] and E[ξ²] = σ² remain.",
                   "At stationarity (a/2)E[x²] is L itself: L appears on both sides.",
                   "1 − (1 − ηa)² = ηa(2 − ηa), which is positive for 0 < η < 2/a."),
        ),
        mistakes=(
            Mistake("factor-not-squared", "E[(c x)²] = c² E[x²]: the factor (1 − ηa) is "
                    "squared.", form="L = (1 - eta*a)*L + a*eta**2*sigma2/2"),
            Mistake("eta-not-squared", "The noise enters the step as ηξ, so it adds "
                    "(a/2)η²σ² to the loss, not (a/2)ησ².",
                    form="L = (1 - eta*a)**2*L + a*eta*sigma2/2"),
            Mistake("variance-recursion", "That is the recursion of the variance E[x²], "
                    "whose noise term is η²σ². The loss is (a/2)E[x²]: its noise term is "
                    "(a/2)η²σ².", form="L = (1 - eta*a)**2*L + eta**2*sigma2"),
            Mistake("noise-subtracted", "The noise term adds to the loss whatever the sign "
                    "in front of ηξ: E[(u − v)²] = E[u²] + E[v²] when E[uv] = 0.",
                    form="L = (1 - eta*a)**2*L - a*eta**2*sigma2/2"),
        ),
    ),
    Exercise(
        id="w02-loss-floor-slope",
        kind="expression",
        prompt="For small η the loss floor is L ≈ c·η (first order in η): c = ?",
        # η is declared so that the floor itself, given in place of c, is read and told apart
        reference=lambda a, sigma2, eta: _floor_slope(a, sigma2),
        symbols={"a": "positive", "sigma2": "positive", "eta": "positive"},
        mistakes=(
            Mistake("floor-not-slope", "That is the floor L ≈ cη itself; c is its "
                    "coefficient, L/η for small η.", form="eta*sigma2/4"),
            Mistake("exact-floor", "That is the exact floor; c is the coefficient of η in "
                    "its first-order form, the limit of L/η as η → 0.",
                    form="eta*sigma2/(2*(2 - eta*a))"),
            Mistake("variance-not-loss", "σ²/(2a) is the slope of the iterate's variance "
                    "V ≈ ησ²/(2a); the loss is (a/2)V, and the curvature cancels.",
                    form="sigma2/(2*a)"),
            Mistake("missing-half", "The loss is ½ a x², so L = (a/2)V: keep the ½.",
                    form="sigma2/2"),
            Mistake("variance-squared-curvature", "The curvature cancels between "
                    "L = (a/2)V and V ≈ ησ²/(2a): c does not depend on a.",
                    form="sigma2/(4*a)"),
            Mistake("times-curvature", "The curvature cancels between L = (a/2)V and "
                    "V ≈ ησ²/(2a): c does not depend on a.", form="a*sigma2/4"),
        ),
        hint="divide your L by η and let η → 0 (or set 2 − ηa ≈ 2).",
    ),
    Exercise(
        id="w02-robbins-monro",
        kind="choice",
        prompt="Which schedule satisfies both Robbins–Monro conditions Σηₜ = ∞ and "
               "Σηₜ² < ∞ (sums over all t ≥ 0)?",
        reference=_robbins_monro_option,
        choices=_SCHEDULE_CHOICES,
        explanations={
            "a": "Σηₜ = ∞ holds, but Σηₜ² = Σ η₀² = ∞: a constant step keeps injecting noise "
                 "of the same size, and the iterate stays at its noise floor.",
            "b": "Σηₜ = ∞ holds, but Σηₜ² = Σ η₀²/(t + 1) is the harmonic series, which "
                 "diverges. (The conditions are sufficient, not necessary: on a quadratic "
                 "E[x²] still goes to 0, about as fast as ηₜ, and 1/√t steps with iterate "
                 "averaging are standard for non-smooth convex problems.)",
            "d": "A step decay applied for ever is geometric: Σηₜ = η₀·s/(1 − γ) is finite. "
                 "The steps die out before they can cover an arbitrary distance, so the "
                 "iterate can stall short of the minimum (the first condition fails).",
            "e": "The sum of a schedule that is 0 after T steps is finite, so Σηₜ = ∞ fails. "
                 "The conditions are about t → ∞; a fixed-horizon schedule is judged by what "
                 "it reaches at T, which is why cosine to 0 works well in practice.",
        },
    ),
    Exercise(
        id="w02-floor-after-decay",
        kind="number",
        precision=Precision(decimals=4),
        prompt=f"a = {DECAY_CURVATURE:g}, σ² = {DECAY_NOISE:g}, η₀ = {DECAY_INITIAL_LR:g} "
               f"decayed once by γ = {DECAY_GAMMA:g}: the exact loss floor E[f(x)] after the "
               "drop.",
        reference=lambda: _floor_at(_decayed_lr()),
        mistakes=(
            Mistake("small-eta", "ησ²/4 is the floor to first order in η; the question asks "
                    "the exact floor ησ²/(2(2 − ηa)), 5 % higher at ηa = 0.1.",
                    value=lambda: _decayed_lr() * DECAY_NOISE / 4),
            Mistake("variance-not-loss", "That is the iterate's variance V; the loss floor "
                    "is E[f(x)] = (a/2)V.",
                    value=lambda: _stationary_variance(_decayed_lr(), DECAY_CURVATURE,
                                                       DECAY_NOISE)),
            Mistake("scaled-by-gamma", "The floor is not exactly proportional to η: at "
                    "η₀a = 1 it is ησ²/2, at ηa = 0.1 about ησ²/4. Dropping η by 10 lowers the "
                    "floor by more than 10; recompute it at the new η.",
                    value=lambda: DECAY_GAMMA * _floor_at(DECAY_INITIAL_LR)),
            Mistake("scaled-by-gamma-squared", "The noise a step injects falls like η², but "
                    "the contraction 1 − (1 − ηa)² ≈ 2ηa that removes it falls like η too: "
                    "the floor is roughly linear in η, not quadratic.",
                    value=lambda: DECAY_GAMMA**2 * _floor_at(DECAY_INITIAL_LR)),
            Mistake("sigma-not-squared", "σ² = 2 is the noise's variance; it enters the "
                    "floor as it is, not as its square root.",
                    value=lambda: _loss_floor(_decayed_lr(), DECAY_CURVATURE,
                                              math.sqrt(DECAY_NOISE))),
            Mistake("before-the-drop", "That is the floor before the drop, at η₀; the "
                    "question asks it at the decayed step γη₀.",
                    value=lambda: _floor_at(DECAY_INITIAL_LR)),
        ),
        hint="the new step is γη₀ = 0.025; put it in your L = ησ²/(2(2 − ηa)).",
    ),
    Exercise(
        id="w02-settling-steps",
        kind="number",
        precision=Precision(whole=True),
        prompt="Same drop: the fewest steps after it until the expected excess loss over the "
               "new floor is at most 1 % of its value at the drop.",
        reference=lambda: _settling_steps(_excess_factor(_decayed_lr())),
        mistakes=(
            Mistake("factor-not-squared", "The excess of E[x²] over V shrinks by (1 − ηa)² "
                    "per step, not by 1 − ηa: E[x²] is a second moment.",
                    value=lambda: _settling_steps(1 - _decayed_lr() * DECAY_CURVATURE)),
            Mistake("rounded-down", "After that many steps the excess is still just above "
                    "1 %: round up, not down.", value=lambda: math.floor(_settling_unrounded())),
            Mistake("not-rounded", "Steps are whole: round up to the next integer.",
                    value=_settling_unrounded),
        ),
        hint="E[x²_{t+1}] − V = (1 − ηa)²(E[x²_t] − V) with the new η; solve "
             "(1 − ηa)^(2t) ≤ 0.01 and round up.",
    ),
    # 6. momentum
    Exercise(
        id="w02-momentum-velocity",
        kind="expression",
        prompt="v ← βv + g from v = 0 under a constant gradient g: v_t after t steps.",
        # the library's limit g/(1 − β), times the part of the geometric series summed so far;
        # tests/exercises/test_w02.py checks it against sympy's summation and momentum_step
        reference=lambda g, beta, t: (1 - beta**t) * g
        * _sym().momentum_effective_learning_rate(1, beta),
        symbols=_MOMENTUM_SYMBOLS,
        mistakes=(
            Mistake("limit-only", "g/(1 − β) is the limit as t → ∞; after t steps the "
                    "geometric series g(1 + β + … + β^(t−1)) has only t terms.",
                    form="g/(1 - beta)"),
            Mistake("off-by-one", "v_1 = g: after t steps the powers run from β⁰ to "
                    "β^(t−1), t terms, not t + 1.", form="g*(1 - beta**(t + 1))/(1 - beta)"),
            Mistake("ema-convention", "That is the moving average m ← βm + (1 − β)g (Adam's "
                    "m), which is (1 − β) times this velocity. Here v ← βv + g sums the "
                    "gradients.", form="g*(1 - beta**t)"),
            Mistake("oldest-term-only", "β^(t−1) g is the weight of the oldest gradient "
                    "alone; v_t sums all t terms.", form="g*beta**(t - 1)"),
        ),
        hint="unroll: v_1 = g, v_2 = βg + g, … and sum the geometric series.",
    ),
    Exercise(
        id="w02-momentum-effective-lr",
        kind="expression",
        prompt="Under a constant gradient, momentum's steps tend to η_eff·g: η_eff = ?",
        reference=lambda eta, beta: _sym().momentum_effective_learning_rate(eta, beta),
        symbols={"eta": "positive", "beta": (0, 1)},
        mistakes=(
            Mistake("ema-convention", "With the averaging form v ← βv + (1 − β)g the step "
                    "would tend to η; here v ← βv + g sums the gradients without the "
                    "factor 1 − β, and the velocity grows beyond g.",
                    form="eta"),
            Mistake("one-plus-beta", "Sum the geometric series 1 + β + β² + … again: its "
                    "terms are all positive.",
                    form="eta/(1 + beta)"),
            Mistake("missing-current-gradient", "β + β² + … = β/(1 − β) leaves out the "
                    "current gradient, whose weight is β⁰ = 1.",
                    form="eta*beta/(1 - beta)"),
            Mistake("times-one-minus-beta", "Momentum enlarges the step on a steady slope, so "
                    "η_eff must be larger than η.", form="eta*(1 - beta)"),
        ),
    ),
    # 7. Newton
    Exercise(
        id="w02-newton-quadratic",
        kind="expression",
        prompt="One Newton step x − f'(x)/f''(x) on f(x) = ½ a x² − b x, from any x.",
        reference=lambda a, b, x: _sym().newton_step(a * x**2 / 2 - b * x, x),
        symbols={"a": "positive", "b": "real", "x": "real"},
        mistakes=(
            Mistake("gradient-step", "That is a gradient step with η = 1. Newton divides the "
                    "gradient by the curvature f''(x) = a.", form="x - (a*x - b)"),
            Mistake("times-curvature", "Newton divides the gradient by the curvature; "
                    "multiplying by it makes the step worse where the curvature is high.",
                    form="x - a*(a*x - b)"),
            Mistake("sign-flip", "Sign error: x + f'/f'' steps away from the minimum.",
                    form="x + (a*x - b)/a"),
            Mistake("inverted", "The minimiser solves f'(x) = a x − b = 0: solve it "
                    "for x again.",
                    form="a/b"),
        ),
    ),
    Exercise(
        id="w02-newton-logistic",
        kind="function",
        prompt="Implement one Newton step w − H⁻¹∇J(w) for the mean logistic loss.",
        reference=lambda: _opt().logistic_newton_step,
        probes=_newton_probes,
        mistakes=(
            Mistake("sign-flip", "Sign error: w + H⁻¹∇J climbs the loss. Newton's step is "
                    "w − H⁻¹∇J.",
                    value=lambda w, X, y: w + np.linalg.solve(_hessian_of(w, X, y),
                                                              _gradient(w, X, y))),
            Mistake("gradient-step", "That is a gradient step with η = 1: Newton's step "
                    "rescales the gradient by the inverse Hessian.",
                    value=lambda w, X, y: w - _gradient(w, X, y)),
            Mistake("unweighted-hessian", "(1/n)XᵀX is missing the weights σ(1 − σ) of the "
                    "logistic Hessian, (1/n)Xᵀdiag(σ(1 − σ))X; XᵀX belongs to least squares.",
                    value=lambda w, X, y: w - np.linalg.solve(X.T @ X / len(y),
                                                              _gradient(w, X, y))),
            Mistake("sum-vs-mean", "The gradient is summed over the examples but the "
                    "Hessian averaged, which makes the step n times too long. Use both means "
                    "(or both sums: the n cancels).",
                    value=lambda w, X, y: w - np.linalg.solve(_hessian_of(w, X, y),
                                                              len(y) * _gradient(w, X, y))),
        ),
        forbidden_imports=("sklearn", "statsmodels", "mlfund.optimization"),
        hint="σ = σ(Xw); g = Xᵀ(σ − y)/n; H = Xᵀ diag(σ(1 − σ)) X / n; return "
             "w − np.linalg.solve(H, g), shape (d,).",
    ),
)
