"""Week 2 — gradient descent and learning rates."""

from __future__ import annotations

import math

import numpy as np

from mlfund.exercises._spec import Exercise, Mistake, Precision


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

#: Exercise 2.1: the curvature of f(x) = ½ xᵀAx (eigenvalues 1 and 6).
HESSIAN = ((5.0, 2.0), (2.0, 2.0))


def _hessian() -> np.ndarray:
    return np.array(HESSIAN)


def _eigenvalues() -> np.ndarray:
    return np.linalg.eigvalsh(_hessian())


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
    Exercise(
        id="w02-max-stable-lr-matrix",
        kind="number",
        precision=Precision(decimals=3),
        prompt="f(x) = ½ xᵀAx with A = [[5, 2], [2, 2]]: the largest stable learning rate.",
        reference=lambda: _opt().max_stable_learning_rate(_hessian()),
        mistakes=(
            Mistake("flat-direction", "2/λ_min is the bound of the flat direction only; the "
                    "steep direction (λ_max) diverges first, so it sets the bound.",
                    value=lambda: 2 / float(_eigenvalues()[0])),
            Mistake("diagonal-entry", "The diagonal entries of A are not its eigenvalues "
                    "unless A is diagonal: use the largest eigenvalue of A.",
                    value=lambda: 2 / float(np.max(np.diag(_hessian())))),
            Mistake("one-over-lambda-max", "1/λ_max is a safe step, not the bound: GD "
                    "converges up to 2/λ_max.",
                    value=lambda: 1 / float(_eigenvalues()[-1])),
            Mistake("trace", "The trace is λ_min + λ_max; 2/trace is safe but not the "
                    "bound. Use λ_max alone.",
                    value=lambda: 2 / float(np.trace(_hessian()))),
        ),
        hint="find the eigenvalues of A (trace 7, determinant 6) and use 2/λ_max.",
        rtol=1e-3,  # 0.333 is right; every catalogued mistake is at least 14 % away
    ),
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
    # 5. momentum
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
    # 6. Newton
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
