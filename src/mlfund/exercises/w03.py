"""Week 3 — stochastic optimization and deep nets."""

from __future__ import annotations

import math

import numpy as np
from sympy import sqrt as sp_sqrt

from mlfund.exercises._spec import Derivation, Exercise, Mistake, Parameter, Precision, variant


def _sym():
    from mlfund.optimization import symbolic

    return symbolic


def _opt():
    import mlfund.optimization as opt

    return opt


# --- minibatches ---------------------------------------------------------------------------

#: Exercise 1.2: the batch grows from SMALL_BATCH to LARGE_BATCH.
SMALL_BATCH, LARGE_BATCH = 32, 128


def _std_ratio(small: int, large: int) -> float:
    """std of the minibatch gradient at batch `large` over that at `small` (any σ²)."""
    var = _opt().minibatch_gradient_variance
    return math.sqrt(var(1.0, batch_size=large) / var(1.0, batch_size=small))


#: Exercise 2.1: η₀ tuned at B₀, moved to B.
BASE_LEARNING_RATE, BASE_BATCH, NEW_BATCH = 0.1, 256, 2048


def _scaled_learning_rate() -> float:
    return _opt().linear_scaling_learning_rate(
        BASE_LEARNING_RATE, base_batch_size=BASE_BATCH, batch_size=NEW_BATCH)


# --- batch size and generalization ------------------------------------------------------------

#: Exercise 3.2: mean squared norms of the minibatch gradient measured at two batch sizes.
NORM_SMALL_BATCH, NORM_SQ_SMALL = 100, 0.8
NORM_LARGE_BATCH, NORM_SQ_LARGE = 1000, 0.26


def _noise_estimate(b_small: int = NORM_SMALL_BATCH, sq_small: float = NORM_SQ_SMALL,
                    b_large: int = NORM_LARGE_BATCH, sq_large: float = NORM_SQ_LARGE):
    return _opt().estimate_noise_scale(sq_small, sq_large, small_batch_size=b_small,
                                       large_batch_size=b_large)


def _noise_scale(**measured) -> float:
    return _noise_estimate(**measured).simple_noise_scale


def _noise_measurements_well_posed(b_small: int, sq_small: float, b_large: int,
                                   sq_large: float) -> bool:
    """Data-parallel batches (the large one a multiple of the small, at least 8 workers)
    whose two norms solve to a positive signal and a noise scale between 2·b_small and
    b_large/2: the small batch mostly noise, the large mostly signal, as in the workbook."""
    if b_large % b_small or b_large < 8 * b_small or not sq_large < sq_small:
        return False
    signal = (b_large * sq_large - b_small * sq_small) / (b_large - b_small)
    if signal <= 0:
        return False
    trace = (sq_small - sq_large) / (1 / b_small - 1 / b_large)
    return 2 * b_small <= trace / signal <= b_large / 2


def _noise_scale_estimate(b_small: int = NORM_SMALL_BATCH, sq_small: float = NORM_SQ_SMALL,
                          b_large: int = NORM_LARGE_BATCH,
                          sq_large: float = NORM_SQ_LARGE) -> Exercise:
    """Exercise 3.2, from its two measurements (the workbook's by default)."""
    measured = {"b_small": b_small, "sq_small": sq_small, "b_large": b_large,
                "sq_large": sq_large}

    def trace() -> float:
        return _noise_estimate(**measured).trace_covariance

    return Exercise(
        id="w03-noise-scale-estimate",
        kind="number",
        precision=Precision(decimals=0, unit="example"),
        prompt=f"Mean ‖G_B‖² = {sq_small:g} at B = {b_small} and {sq_large:g} at B = "
               f"{b_large}: the simple noise scale tr(Σ)/‖G‖².",
        reference=lambda: _noise_scale(**measured),
        mistakes=(
            Mistake("large-batch-as-signal", "The large batch's squared norm still holds "
                    f"noise, tr(Σ)/{b_large}: solve the two equations for ‖G‖² rather than "
                    "taking it as the signal.",
                    value=lambda: trace() / sq_large),
            Mistake("small-batch-as-signal", f"‖G_{b_small}‖² is mostly noise: ‖G‖² is what "
                    "is left when B → ∞; solve the two equations for it.",
                    value=lambda: trace() / sq_small),
            Mistake("norm-not-squared", "B_simple divides by the squared norm ‖G‖², not by "
                    "‖G‖: both sides of tr(Σ)/B = ‖G‖² are squared.",
                    value=lambda: trace()
                    / math.sqrt(_noise_estimate(**measured).gradient_norm_squared)),
            Mistake("inverted", "Upside down: the noise scale is noise over signal, "
                    "tr(Σ)/‖G‖², a batch size.", value=lambda: 1 / _noise_scale(**measured)),
        ),
        hint="each measurement is ‖G‖² + tr(Σ)/B: two equations in two unknowns.",
    )


#: Exercise 3.3: Exercise 2.1's move (η = 0.1 at 256 -> 2048), with this noise scale.
NOISE_SCALE = 1000.0


def _noise_scale_rate(base: int = BASE_BATCH, new: int = NEW_BATCH,
                      noise: float = NOISE_SCALE) -> float:
    return _opt().noise_scale_learning_rate(BASE_LEARNING_RATE, base_batch_size=base,
                                            batch_size=new, noise_scale=noise)


#: Exercise 3.4: CIFAR-10's training set, at a large batch, for a fixed number of epochs.
TRAIN_SIZE, EPOCH_BATCH, N_EPOCHS = 50_000, 1024, 200


def _updates(drop_last: bool = False) -> int:
    per_epoch = len(_opt().minibatch_indices(TRAIN_SIZE, batch_size=EPOCH_BATCH, shuffle=False))
    if drop_last and TRAIN_SIZE % EPOCH_BATCH:
        per_epoch -= 1
    return per_epoch * N_EPOCHS


# --- vanishing gradients -------------------------------------------------------------------

#: Exercise 5.2: the gradient bound must fall to this level.
VANISHING_LEVEL = 1e-6


def _layers_until(factor_per_layer: float, level: float = VANISHING_LEVEL) -> int:
    return _opt().iterations_to_tolerance(factor_per_layer, tolerance=level)


def _sigmoid_layers_until(level: float = VANISHING_LEVEL) -> int:
    layers = 0
    while _opt().sigmoid_chain_gradient_bound(layers) > level:
        layers += 1
    return layers


_RELU_CHOICES = {
    "a": "At most (1/4)²⁰, about 10⁻¹², whatever the signs of the pre-activations.",
    "b": "Exactly 1 if every unit on the path is active (z > 0), and 0 as soon as one is not.",
    "c": "About (1/2)²⁰, because half of the units are active on average.",
    "d": "The product z₁·z₂···z₂₀ of the pre-activations.",
}


def _relu_chain_option() -> str:
    opt = _opt()
    active = np.linspace(0.1, 3.0, 20)
    one_inactive = active.copy()
    one_inactive[7] = -0.5
    exact_one = float(np.prod(opt.relu_derivative(active))) == 1.0
    killed = float(np.prod(opt.relu_derivative(one_inactive))) == 0.0
    return "b" if exact_one and killed else "a"


# --- initialisation ---------------------------------------------------------------------------

#: Exercise 6.3: a dense layer 300 -> 100.
FAN_IN, FAN_OUT = 300, 100


def _xavier_uniform_bound() -> float:
    # U(−r, r) has variance r²/3
    return math.sqrt(3 * _opt().xavier_variance(FAN_IN, FAN_OUT))


# --- keeping deep-net training stable ---------------------------------------------------------


def _clip_probes() -> list[tuple[np.ndarray, float]]:
    rng = np.random.default_rng(303)
    return [
        (rng.normal(scale=10.0, size=5), 1.0),     # far above the threshold
        (rng.normal(scale=0.1, size=3), 5.0),      # below: unchanged
        (np.zeros(4), 1.0),                        # the zero gradient stays zero
        (np.array([3.0, -4.0]), 5.0),              # exactly at the threshold
        (rng.normal(size=50), 2.0),
        (np.array([-7.0]), 0.5),
        (rng.normal(scale=3.0, size=8), 0.25),
    ]


def _rescaled(g: np.ndarray, factor) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(g, dtype=float) * factor


def _clip_reference():
    opt = _opt()
    return lambda g, c: opt.clip_by_norm(g, max_norm=c)


def _norm(g) -> float:
    return float(np.sqrt(np.sum(np.asarray(g, dtype=float) ** 2)))


def _safe_ratio(c: float, norm: float) -> float:
    return math.inf if norm == 0 else c / norm


#: Exercise 8.2: a gradient and the clipping threshold.
CLIP_GRADIENT, CLIP_THRESHOLD = (6.0, -8.0, 24.0), 5.0


def _clipped_last(gradient=CLIP_GRADIENT, norm=None) -> float:
    g = np.array(gradient)
    if norm is None:
        return float(_opt().clip_by_norm(g, max_norm=CLIP_THRESHOLD)[-1])
    return float(g[-1] * min(1.0, CLIP_THRESHOLD / norm))


_NORM_CHOICES = {
    "a": "BatchNorm standardises each feature over the examples of the minibatch; LayerNorm "
         "standardises each example over its own features.",
    "b": "BatchNorm standardises each example over its own features; LayerNorm standardises "
         "each feature over the examples of the minibatch.",
    "c": "Both standardise each feature over the minibatch; LayerNorm only adds a learned "
         "scale and shift per layer.",
    "d": "BatchNorm rescales each layer's weight matrix to unit norm; LayerNorm standardises "
         "the layer's activations.",
}


def _norm_axes_option() -> str:
    opt = _opt()
    X = np.random.default_rng(304).normal(loc=3.0, scale=2.0, size=(16, 5))
    bn, ln = opt.batch_norm(X), opt.layer_norm(X)
    per_feature = np.allclose(bn.mean(axis=0), 0) and np.allclose(bn.std(axis=0), 1, atol=1e-3)
    per_example = np.allclose(ln.mean(axis=1), 0) and np.allclose(ln.std(axis=1), 1, atol=1e-3)
    return "a" if per_feature and per_example else "b"


_ADAM_SYMBOLS = {"w": "real", "g": "real", "eta": "positive", "lam": "positive",
                 "v": "positive"}


_INIT_SYMBOLS = {"n_in": "positive_integer", "n_out": "positive_integer"}

EXERCISES = (
    # 1. minibatch gradients
    Exercise(
        id="w03-minibatch-variance",
        kind="expression",
        prompt="Variance of the mean of B independent per-example gradients, each of variance "
               "σ².",
        reference=lambda sigma, B: _sym().minibatch_gradient_variance(sigma**2, B),
        symbols={"sigma": "positive", "B": "positive_integer"},
        mistakes=(
            Mistake("squared-b", "Var(Σg_i/B) = Var(Σg_i)/B², and the variance of a sum of B "
                    "independent terms is Bσ² (variances add), not σ².",
                    form="sigma**2/B**2"),
            Mistake("std-not-variance", "σ/√B is the standard deviation; the question asks "
                    "the variance.", form="sigma/sqrt(B)"),
            Mistake("sqrt-b", "The variance falls like 1/B; it is the standard deviation "
                    "that falls like 1/√B.", form="sigma**2/sqrt(B)"),
            Mistake("no-reduction", "Averaging B independent gradients reduces the variance: "
                    "Var(mean) = Var(sum)/B².", form="sigma**2"),
            Mistake("sigma-over-b", "σ/B mixes a standard deviation with the 1/B of a "
                    "variance: square σ.", form="sigma/B"),
        ),
        hint="use Var(aX) = a²Var(X) and Var(X₁ + … + X_B) = Bσ² for independent terms.",
    ),
    Exercise(
        id="w03-minibatch-std-ratio",
        kind="number",
        precision=Precision(decimals=3),
        prompt=f"Batch {SMALL_BATCH} -> {LARGE_BATCH}: std of the gradient noise is multiplied "
               "by?",
        reference=lambda: _std_ratio(SMALL_BATCH, LARGE_BATCH),
        mistakes=(
            Mistake("variance-ratio", "That is the ratio of the variances (1/4); the standard "
                    "deviation is its square root.",
                    value=lambda: _std_ratio(SMALL_BATCH, LARGE_BATCH) ** 2),
            Mistake("inverted", "A larger batch gives a less noisy gradient: the factor is "
                    "below 1.", value=lambda: 1 / _std_ratio(SMALL_BATCH, LARGE_BATCH)),
            Mistake("inverted-variance", "A larger batch reduces the noise, and the standard "
                    "deviation goes like 1/√B, not 1/B.",
                    value=lambda: 1 / _std_ratio(SMALL_BATCH, LARGE_BATCH) ** 2),
        ),
        rtol=1e-3,
    ),
    # 2. batch size and learning rate
    Exercise(
        id="w03-linear-scaling",
        kind="number",
        precision=Precision(decimals=3),
        prompt=f"η = {BASE_LEARNING_RATE} tuned at batch {BASE_BATCH}; the linear scaling "
               f"rule's η at batch {NEW_BATCH}.",
        reference=_scaled_learning_rate,
        mistakes=(
            Mistake("square-root-rule", "That is the square-root rule (η ∝ √B), which keeps "
                    "the noise of each step constant and is sometimes used with Adam. The "
                    "linear rule multiplies η by B/B₀.",
                    value=lambda: BASE_LEARNING_RATE * math.sqrt(NEW_BATCH / BASE_BATCH)),
            Mistake("inverted", "A larger batch gives a better gradient estimate and fewer "
                    "steps per epoch: the rule increases η, by B/B₀.",
                    value=lambda: BASE_LEARNING_RATE * BASE_BATCH / NEW_BATCH),
            Mistake("unchanged", "With 8 times fewer steps per epoch, an unchanged η makes "
                    "8 times less progress per epoch; the linear rule scales η by B/B₀.",
                    value=lambda: BASE_LEARNING_RATE),
        ),
        rtol=1e-3,
    ),
    Exercise(
        id="w03-sgd-noise-floor",
        kind="derivation",
        points=2,
        prompt="Constant-step SGD on f(x) = ½ a x² with gradient noise ξ (mean 0, variance σ², "
               "independent of x): x ← (1 − ηa)x − ηξ. Derive the stationary variance V of the "
               "iterate from V = Var((1 − ηa)x − ηξ), line by line, solved for V.",
        reference=lambda eta, a, sigma2: eta * sigma2 / (a * (2 - eta * a)),
        symbols={"V": "positive", "eta": "(0, 2/a)", "a": "positive", "sigma2": "positive"},
        derivation=Derivation(
            start="V = Var((1 - eta*a)*x - eta*xi)",
            chain=("V = Var((1 - eta*a)*x - eta*xi)",
                   "V = (1 - eta*a)**2*Var(x) + eta**2*Var(xi)",
                   "V = (1 - eta*a)**2*V + eta**2*sigma2",
                   "V*(1 - (1 - eta*a)**2) = eta**2*sigma2",
                   "V*eta*a*(2 - eta*a) = eta**2*sigma2",
                   "V = eta*sigma2/(a*(2 - eta*a))"),
            form=("eta", "a", "sigma2"),
            form_phrase="solved for V, in η, a and σ²",
            unknown="V",
            random={"x": ("0", "V"), "xi": ("0", "sigma2")},
            hints=("x and ξ are independent: Var(c x + d ξ) = c² Var(x) + d² Var(ξ).",
                   "At stationarity Var(x) is V itself: V appears on both sides.",
                   "1 − (1 − ηa)² = ηa(2 − ηa), which is positive for 0 < η < 2/a."),
        ),
        mistakes=(
            Mistake("factor-not-squared", "Var(c x) = c² Var(x): the factor (1 − ηa) is "
                    "squared.", form="V = (1 - eta*a)*V + eta**2*sigma2"),
            Mistake("eta-not-squared", "The noise enters as ηξ, so its variance is η²σ², "
                    "not ησ².", form="V = (1 - eta*a)**2*V + eta*sigma2"),
            Mistake("variances-subtract", "Variances of independent terms add, whatever the "
                    "sign in front: Var(u − v) = Var(u) + Var(v).",
                    form="V = (1 - eta*a)**2*V - eta**2*sigma2"),
        ),
    ),
    # 3. batch size and generalization
    Exercise(
        id="w03-expected-grad-norm",
        kind="expression",
        prompt="E‖G_B‖² for the mean G_B of B independent per-example gradients, each of mean "
               "G and covariance Σ, in G2 = ‖G‖², trSigma = tr(Σ) and B.",
        reference=lambda G2, trSigma, B: G2 + trSigma / B,
        symbols={"G2": "positive", "trSigma": "positive", "B": "positive_integer"},
        mistakes=(
            Mistake("no-noise", "G_B is unbiased, but its squared norm is not: "
                    "E‖X‖² = ‖E[X]‖² + tr Cov(X), and the noise adds its total variance.",
                    form="G2"),
            Mistake("noise-not-averaged", "tr(Σ) is the total variance of one example's "
                    "gradient; the mean of B independent ones has covariance Σ/B.",
                    form="G2 + trSigma"),
            Mistake("squared-b", "Cov(Σg_i/B) = Σ/B: B independent covariances add up to "
                    "BΣ, divided by B².", form="G2 + trSigma/B**2"),
            Mistake("sqrt-b", "It is the standard deviation that falls like 1/√B; the total "
                    "variance tr(Σ)/B falls like 1/B.", form="G2 + trSigma/sqrt(B)"),
            Mistake("noise-only", "That is E‖G_B − G‖², the noise alone; add the signal "
                    "‖G‖².", form="trSigma/B"),
        ),
        hint="write G_B = G + (G_B − G); the cross term has mean 0, and E‖G_B − G‖² is the "
             "trace of the covariance of G_B.",
    ),
    # in a course with variants, each student's measurements (see _noise_scale_estimate)
    variant(_noise_scale_estimate,
            b_small=Parameter(values=(32, 50, 64, 100, 128, 200)),
            b_large=Parameter(values=(512, 800, 1000, 1024, 1600, 2000, 2048)),
            sq_small=Parameter(0.3, 2.0, step=0.01),
            sq_large=Parameter(0.1, 0.6, step=0.01),
            where=_noise_measurements_well_posed),
    Exercise(
        id="w03-noise-scale-learning-rate",
        kind="number",
        precision=Precision(decimals=3),
        prompt=f"η = {BASE_LEARNING_RATE} optimal at batch {BASE_BATCH}, B_noise = "
               f"{NOISE_SCALE:g}: SGD's optimal η at batch {NEW_BATCH} under "
               "ε_opt(B) = ε_max/(1 + B_noise/B).",
        reference=_noise_scale_rate,
        mistakes=(
            Mistake("linear-rule", "That is the linear scaling rule, right only for "
                    "B ≪ B_noise. Here B goes past B_noise, where ε_opt saturates at ε_max.",
                    value=lambda: _scaled_learning_rate()),
            Mistake("square-root-rule", "That is the square-root rule η ∝ √B. Under this "
                    "model the ratio is (1 + B_noise/B₀)/(1 + B_noise/B).",
                    value=lambda: BASE_LEARNING_RATE * math.sqrt(NEW_BATCH / BASE_BATCH)),
            Mistake("saturated", "That is ε_max, the limit B → ∞. At batch 2048 the step "
                    "is still below it: divide by 1 + B_noise/2048.",
                    value=lambda: BASE_LEARNING_RATE * (1 + NOISE_SCALE / BASE_BATCH)),
            Mistake("inverted", "A larger batch allows a larger step: the factor is "
                    "(1 + B_noise/B₀)/(1 + B_noise/B), above 1.",
                    value=lambda: BASE_LEARNING_RATE ** 2 / _noise_scale_rate()),
            Mistake("b-over-b-noise", "The model has B_noise/B, the noise-to-signal ratio "
                    "of a batch of B, not B/B_noise.",
                    value=lambda: BASE_LEARNING_RATE * (1 + BASE_BATCH / NOISE_SCALE)
                    / (1 + NEW_BATCH / NOISE_SCALE)),
        ),
        hint="ε_max is the same at both batch sizes: take the ratio ε_opt(2048)/ε_opt(256).",
    ),
    Exercise(
        id="w03-updates-total",
        kind="number",
        precision=Precision(whole=True),
        prompt=f"{TRAIN_SIZE} examples, batch {EPOCH_BATCH} with the last partial batch "
               f"kept, {N_EPOCHS} epochs: the number of updates.",
        reference=_updates,
        mistakes=(
            Mistake("drop-last", "That drops the last, partial batch of every epoch; the "
                    "question keeps it: ⌈50 000/1024⌉ = 49 updates per epoch.",
                    value=lambda: _updates(drop_last=True)),
            Mistake("fractional", "An update uses a whole batch: round the updates per "
                    "epoch up to a whole number before multiplying by the epochs.",
                    value=lambda: TRAIN_SIZE / EPOCH_BATCH * N_EPOCHS),
            Mistake("one-epoch", "That is one epoch; the run has 200.",
                    value=lambda: _updates() / N_EPOCHS),
        ),
        hint="updates per epoch = ⌈n/B⌉ with the partial batch kept; times the epochs.",
    ),
    Exercise(
        id="w03-without-replacement-variance",
        kind="expression",
        prompt="Variance of the mean of B < N per-example gradients drawn without replacement "
               "from N, whose population variance (divisor N) is σ².",
        reference=lambda sigma, B, N: sigma**2 / B * (N - B) / (N - 1),
        symbols={"sigma": "positive", "B": "positive_integer", "N": "positive_integer"},
        constraints=("B < N",),
        mistakes=(
            Mistake("with-replacement", "σ²/B is for independent draws. Without replacement "
                    "the draws are negatively correlated (Cov = −σ²/(N − 1)) and the variance "
                    "is 0 at B = N.", form="sigma**2/B"),
            Mistake("divisor-n-minus-1", "(N − B)/N is the correction when σ² is the sample "
                    "variance with divisor N − 1. With divisor N it is (N − B)/(N − 1).",
                    form="sigma**2/B*(N - B)/N"),
            Mistake("correction-inverted", "The correction reduces the variance: it is "
                    "(N − B)/(N − 1) ≤ 1.", form="sigma**2/B*(N - 1)/(N - B)"),
            Mistake("b-squared", "Var(Σg_i/B) = Var(Σg_i)/B², and Var(Σg_i) is of order B σ²: "
                    "one B remains in the denominator.",
                    form="sigma**2/B**2*(N - B)/(N - 1)"),
        ),
        hint="Var(Σ g_i) = B σ² + B(B − 1)·Cov(g_i, g_j), and Σ over all N of (g_i − ḡ) is 0, "
             "which gives Cov(g_i, g_j) = −σ²/(N − 1).",
    ),
    # 4. Adam
    Exercise(
        id="w03-adam-m-hat",
        kind="expression",
        prompt="Adam's bias-corrected first moment m̂₂ after the gradients g1 then g2.",
        reference=lambda g1, g2, beta1: _sym().adam_m_hat([g1, g2], beta1),
        symbols={"g1": "real", "g2": "real", "beta1": (0, 1)},
        mistakes=(
            Mistake("no-bias-correction", "That is the raw m₂, which starts from m₀ = 0 and "
                    "is biased towards 0; divide by 1 − β₁².",
                    form="(1 - beta1)*(beta1*g1 + g2)"),
            Mistake("correction-one-minus-beta1", "After t = 2 steps the correction is "
                    "1 − β₁ᵗ = 1 − β₁², not 1 − β₁.", form="beta1*g1 + g2"),
            Mistake("weights-swapped", "The older gradient g1 has been decayed once more: it "
                    "carries the factor β₁, the newest one does not.",
                    form="(g1 + beta1*g2)/(1 + beta1)"),
            Mistake("plain-mean", "m̂ is an exponentially weighted average: recent gradients "
                    "weigh more (g2 has weight 1, g1 weight β₁, before normalising).",
                    form="(g1 + g2)/2"),
        ),
        hint="m₁ = (1 − β₁)g1, m₂ = β₁m₁ + (1 − β₁)g2, then m̂₂ = m₂/(1 − β₁²) and simplify.",
    ),
    Exercise(
        id="w03-adam-first-step",
        kind="expression",
        prompt="Adam's first update Δw = −η m̂₁/(√v̂₁ + ε) with ε = 0, for a gradient g ≠ 0.",
        reference=lambda g, eta, beta1, beta2: _sym().adam_first_step(g, eta),
        symbols={"g": "real", "eta": "positive", "beta1": (0, 1), "beta2": (0, 1)},
        constraints=("g != 0",),
        mistakes=(
            Mistake("sgd-step", "−ηg is the SGD step. Adam divides by √v̂₁ = √(g²) = |g|, so "
                    "the size of g cancels.", form="-eta*g"),
            Mistake("sign-flip", "Sign error: the update moves against the gradient.",
                    form="eta*g/Abs(g)"),
            Mistake("no-bias-correction", "Without bias correction m₁ = (1 − β₁)g and "
                    "v₁ = (1 − β₂)g², and the first step would be (1 − β₁)/√(1 − β₂) ≈ 3.2 "
                    "times too large. With m̂₁ = g and v̂₁ = g² the β's cancel.",
                    form="-eta*(1 - beta1)*g/(sqrt(1 - beta2)*Abs(g))"),
            Mistake("sqrt-missing", "v̂₁ = g² is a second moment: divide by its square root "
                    "|g|, not by g² itself.", form="-eta/g"),
        ),
        hint="at t = 1 the bias-corrected moments are m̂₁ = g and v̂₁ = g²; √(g²) = |g|.",
    ),
    # 5. vanishing gradients
    Exercise(
        id="w03-sigmoid-chain-bound",
        kind="expression",
        prompt="Upper bound on σ'(z₁)···σ'(z_L), the factor back-propagation picks up through "
               "L sigmoid layers.",
        reference=lambda L: _sym().sigmoid_chain_gradient_bound(L),
        symbols={"L": "positive_integer"},
        mistakes=(
            Mistake("sigma-not-derivative", "1/2 is σ(0), the value of the sigmoid; its "
                    "slope is at most σ'(0) = 1/4.", form="(1/2)**L"),
            Mistake("sum-not-product", "The chain rule multiplies the layers' derivatives; "
                    "it does not add them.", form="L/4"),
            Mistake("divided-by-l", "The derivatives multiply: L factors of at most 1/4 "
                    "each make a bound that falls exponentially in L, not like 1/L.",
                    form="1/(4*L)"),
        ),
    ),
    Exercise(
        id="w03-sigmoid-depth",
        kind="number",
        precision=Precision(whole=True),
        prompt="The fewest sigmoid layers L for which the bound (1/4)^L is at most 10⁻⁶.",
        reference=_sigmoid_layers_until,
        mistakes=(
            Mistake("rounded-down", "(1/4)⁹ ≈ 3.8·10⁻⁶ is still above 10⁻⁶: round "
                    "log(10⁻⁶)/log(1/4) ≈ 9.97 up.",
                    value=lambda: math.floor(math.log(VANISHING_LEVEL) / math.log(0.25))),
            Mistake("half-per-layer", "That uses 1/2 per layer, σ(0); the bound per layer is "
                    "σ'(0) = 1/4.", value=lambda: _layers_until(0.5)),
        ),
        hint="solve (1/4)^L = 10⁻⁶ with logarithms and round up to a whole number of layers.",
    ),
    Exercise(
        id="w03-tanh-derivative-zero",
        kind="number",
        precision=Precision(decimals=3),
        prompt="tanh'(0).",
        reference=lambda: float(_opt().tanh_derivative(0.0)),
        mistakes=(
            Mistake("value-not-slope", "tanh(0) = 0 is the value; the slope there is "
                    "1 − tanh²(0).", value=lambda: float(math.tanh(0.0))),
            Mistake("sigmoid-slope", "1/4 is σ'(0). tanh(z) = 2σ(2z) − 1: apply the chain "
                    "rule to that.",
                    value=lambda: float(_opt().sigmoid_derivative(0.0))),
        ),
    ),
    Exercise(
        id="w03-relu-chain",
        kind="choice",
        prompt="Through 20 ReLU layers, what product of activation derivatives does "
               "back-propagation pick up (weights aside)?",
        reference=_relu_chain_option,
        choices=_RELU_CHOICES,
        explanations={
            "a": "(1/4)^L is the sigmoid's bound. ReLU's derivative is 1 for z > 0, so active "
                 "units do not shrink the gradient.",
            "c": "Each path is either fully active (product 1) or blocked (0). The fraction of "
                 "active units changes how many paths carry gradient, not the factor along "
                 "one path.",
            "d": "That mixes up ReLU(z) = z with its derivative; the derivative of z is 1 for "
                 "z > 0.",
        },
    ),
    # 6. initialisation
    Exercise(
        id="w03-xavier-variance",
        kind="expression",
        prompt="Xavier/Glorot: Var(W) that compromises between the forward (n_in) and backward "
               "(n_out) conditions.",
        reference=lambda n_in, n_out: _sym().xavier_variance(n_in, n_out),
        symbols=_INIT_SYMBOLS,
        mistakes=(
            Mistake("forward-only", "1/n_in keeps only the forward variance (LeCun). Xavier "
                    "also keeps the backward variance, n_out·Var(W) = 1, and takes the "
                    "average of the two fans.", form="1/n_in"),
            Mistake("he", "2/n_in is He's variance for ReLU layers, not Xavier's.",
                    form="2/n_in"),
            Mistake("missing-2", "The compromise sets 1/Var(W) to the average of n_in and "
                    "n_out, not to their sum.",
                    form="1/(n_in + n_out)", credit=0.5),
            Mistake("std-not-variance", "That square root is the standard deviation of W; the "
                    "question asks the variance.", form="sqrt(2/(n_in + n_out))"),
        ),
        hint="forward: n_in·Var(W) = 1; backward: n_out·Var(W) = 1; satisfy their average.",
    ),
    Exercise(
        id="w03-he-variance",
        kind="expression",
        prompt="He/Kaiming: Var(W) that keeps the pre-activations' variance constant through "
               "ReLU layers, given E[ReLU(z)²] = E[z²]/2.",
        reference=lambda n_in, n_out: _sym().he_variance(n_in),
        symbols=_INIT_SYMBOLS,
        mistakes=(
            Mistake("lecun", "1/n_in forgets that ReLU zeroes half of its inputs, halving the "
                    "second moment; He doubles the variance to make up for it.",
                    form="1/n_in"),
            Mistake("xavier", "2/(n_in + n_out) is Xavier's variance, derived for linear or "
                    "tanh units; ReLU, which zeroes half of its inputs, needs its own, from "
                    "the fan-in alone.", form="2/(n_in + n_out)"),
            Mistake("std-not-variance", "That square root is the standard deviation of W; the "
                    "question asks the variance.", form="sqrt(2/n_in)"),
            Mistake("fan-out", "He's forward condition uses the fan-in: each output sums "
                    "n_in inputs.", form="2/n_out"),
        ),
    ),
    Exercise(
        id="w03-xavier-uniform-bound",
        kind="number",
        precision=Precision(decimals=4),
        prompt=f"Xavier for a {FAN_IN} -> {FAN_OUT} layer drawn from U(−r, r): r = ?",
        reference=_xavier_uniform_bound,
        mistakes=(
            Mistake("std-not-bound", "That is the standard deviation √Var. U(−r, r) has "
                    "variance r²/3, so r = √(3·Var).",
                    value=lambda: math.sqrt(_opt().xavier_variance(FAN_IN, FAN_OUT))),
            Mistake("variance-not-bound", "That is the variance; U(−r, r) has variance r²/3, "
                    "so r = √(3·Var).", value=lambda: _opt().xavier_variance(FAN_IN, FAN_OUT)),
            Mistake("width-formula", "A uniform on an interval of width 2r has variance "
                    "(2r)²/12 = r²/3: you used the width 2r in place of r.",
                    value=lambda: 2 * _xavier_uniform_bound()),
        ),
        hint="Var(W) = 2/(n_in + n_out), and U(−r, r) has variance r²/3.",
        rtol=1e-3,  # four significant digits (0.1225) are right; mistakes are 40 % away
    ),
    # 7. weight decay
    Exercise(
        id="w03-weight-decay",
        kind="expression",
        prompt="One SGD step on L(w) + (λ/2)w², with g = ∇L(w): the new w.",
        reference=lambda w, g, eta, lam: _sym().weight_decay_update(w, g, eta, lam),
        symbols={"w": "real", "g": "real", "eta": "positive", "lam": "positive"},
        mistakes=(
            Mistake("penalty-without-half", "The gradient of (λ/2)w² is λw: the ½ cancels the 2. "
                    "The factor 1 − 2ηλ belongs to the penalty λw².",
                    form="(1 - 2*eta*lam)*w - eta*g"),
            Mistake("decay-not-scaled-by-eta", "The penalty's gradient λw is a gradient like "
                    "any other: it is multiplied by η too.", form="(1 - lam)*w - eta*g"),
            Mistake("sign-flip", "Sign error on the loss's gradient: the step is −ηg.",
                    form="(1 - eta*lam)*w + eta*g"),
            Mistake("growth", "Sign error on the penalty: weight decay shrinks w at "
                    "every step.", form="(1 + eta*lam)*w - eta*g"),
            Mistake("full-ascent", "That step climbs the whole objective, w + η(g + λw): "
                    "descent subtracts the gradient, of the loss and of the penalty alike.",
                    form="w + eta*(g + lam*w)"),
        ),
        hint="the gradient of L(w) + (λ/2)w² is g + λw; take w − η·(that) and collect w.",
    ),
    # 8. keeping deep-net training stable
    Exercise(
        id="w03-clip-by-norm",
        kind="function",
        prompt="Implement clipping by norm: g·min(1, c/‖g‖), the zero gradient left at zero.",
        reference=_clip_reference,
        probes=_clip_probes,
        mistakes=(
            Mistake("clip-by-value", "np.clip clips each coordinate to [−c, c] (clipping by "
                    "value): it changes the gradient's direction. Clipping by norm rescales "
                    "the whole vector.",
                    value=lambda g, c: np.clip(np.asarray(g, dtype=float), -c, c)),
            Mistake("always-rescale", "A gradient shorter than c is left alone: the factor "
                    "is min(1, c/‖g‖), not c/‖g‖.",
                    value=lambda g, c: _rescaled(g, c / _norm(g) if _norm(g) else math.nan)),
            Mistake("max-not-min", "With max the gradient is never shrunk and short ones are "
                    "stretched to length c: the factor is min(1, c/‖g‖).",
                    value=lambda g, c: _rescaled(g, max(1.0, _safe_ratio(c, _norm(g)))
                                                 if _norm(g) else 1.0)),
            Mistake("l1-norm", "The norm is the Euclidean one, √(Σg_i²), not the sum of the "
                    "absolute values.",
                    value=lambda g, c: _rescaled(g, min(1.0, _safe_ratio(
                        c, float(np.abs(np.asarray(g, dtype=float)).sum()))))),
            Mistake("squared-norm", "Divide by the norm ‖g‖, not by its square: the clipped "
                    "vector must have length c.",
                    value=lambda g, c: _rescaled(g, min(1.0, _safe_ratio(c, _norm(g) ** 2)))),
        ),
        hint="compute the norm with np.linalg.norm(g); if it exceeds c, multiply g by c/norm.",
    ),
    Exercise(
        id="w03-clipped-coordinate",
        kind="number",
        precision=Precision(decimals=3),
        prompt="g = (6, −8, 24) clipped by norm at c = 5: its last coordinate.",
        reference=_clipped_last,
        mistakes=(
            Mistake("clip-by-value", "That clips the coordinate to [−5, 5] (by value). By "
                    "norm, the whole vector is multiplied by c/‖g‖ = 5/26.",
                    value=lambda: float(np.clip(CLIP_GRADIENT[-1], -CLIP_THRESHOLD,
                                                CLIP_THRESHOLD))),
            Mistake("unclipped", "‖g‖ = 26 is above c = 5: the gradient is rescaled.",
                    value=lambda: CLIP_GRADIENT[-1]),
            Mistake("l1-norm", "‖g‖ is the Euclidean norm √(6² + 8² + 24²) = 26, not the sum "
                    "of the absolute values.",
                    value=lambda: _clipped_last(norm=float(np.abs(CLIP_GRADIENT).sum()))),
            Mistake("squared-norm", "Divide by ‖g‖ = 26, not by ‖g‖² = 676: the clipped "
                    "vector has length c.",
                    value=lambda: _clipped_last(norm=_norm(CLIP_GRADIENT) ** 2)),
        ),
    ),
    Exercise(
        id="w03-residual-chain",
        kind="expression",
        prompt="Scalar residual blocks x_{l+1} = x_l + F_l(x_l), each with slope F_l' = d at "
               "its input: ∂x_L/∂x_0 through L blocks.",
        reference=lambda d, L: (1 + d) ** L,
        symbols={"d": "real", "L": "positive_integer"},
        mistakes=(
            Mistake("plain-chain", "d^L is the plain chain x_{l+1} = F_l(x_l). The skip "
                    "connection adds the identity: each block's derivative is 1 + d.",
                    form="d**L"),
            Mistake("first-order", "That keeps only the paths through at most one block. "
                    "The product of L factors (1 + d) holds every path through the blocks.",
                    form="1 + L*d"),
            Mistake("sum-not-product", "The chain rule multiplies the blocks' derivatives; "
                    "it does not add them.", form="L*(1 + d)"),
            Mistake("plus-power", "The identity is added in every block, not once at the "
                    "end: multiply the L factors (1 + d).", form="1 + d**L"),
        ),
        hint="one block: dx_{l+1}/dx_l = 1 + F_l'(x_l); the chain rule multiplies L of them.",
    ),
    Exercise(
        id="w03-norm-axes",
        kind="choice",
        prompt="Over what do BatchNorm and LayerNorm compute their mean and variance, for "
               "activations of shape (batch, features)?",
        reference=_norm_axes_option,
        choices=_NORM_CHOICES,
        explanations={
            "b": "Swapped: the batch statistics of BatchNorm are per feature, over the "
                 "examples; LayerNorm is per example, which is why it works with batches of 1.",
            "c": "LayerNorm never mixes examples: its statistics are per example, over the "
                 "features. Both layers learn a scale and a shift.",
            "d": "Normalising the weights is weight normalization (Salimans & Kingma, 2016). "
                 "BatchNorm standardises the activations, per feature over the batch.",
        },
    ),
    Exercise(
        id="w03-adam-l2-step",
        kind="expression",
        prompt="One Adam step (β₁ = 0, ε = 0, second moment v̂ = v) on L(w) + (λ/2)w², with "
               "g = ∇L(w): the new w.",
        reference=lambda w, g, eta, lam, v: w - eta * (g + lam * w) / sp_sqrt(v),
        symbols=_ADAM_SYMBOLS,
        mistakes=(
            Mistake("decoupled", "That is AdamW, which decays w outside the adaptive step. "
                    "With the penalty in the loss, its gradient λw goes into Adam with g and "
                    "is divided by √v̂ too.", form="(1 - eta*lam)*w - eta*g/sqrt(v)"),
            Mistake("sgd-step", "That is the SGD step of weight decay. Adam divides the "
                    "whole gradient by √v̂.", form="(1 - eta*lam)*w - eta*g"),
            Mistake("penalty-without-half", "The gradient of (λ/2)w² is λw, not 2λw.",
                    form="w - eta*(g + 2*lam*w)/sqrt(v)"),
            Mistake("not-square-root", "Adam divides by the square root of the second moment, "
                    "√v̂, not by v̂.", form="w - eta*(g + lam*w)/v"),
            Mistake("sign-flip", "Sign error: the step moves against the gradient.",
                    form="w + eta*(g + lam*w)/sqrt(v)"),
        ),
        hint="the gradient fed to Adam is g + λw; with β₁ = 0, m̂ is that gradient, and the "
             "step is −η·m̂/√v̂.",
    ),
    Exercise(
        id="w03-adamw-equivalent-l2",
        kind="derivation",
        points=2,
        prompt="Equate one Adam-with-L2 step (strength λ₂) to one AdamW step (decay λ), both "
               "with β₁ = 0, ε = 0 and the same v̂ = v, and solve for λ₂, line by line.",
        reference=lambda w, g, eta, lam, v: lam * sp_sqrt(v),
        symbols={"lam2": "positive", **_ADAM_SYMBOLS},
        constraints=("w != 0",),
        derivation=Derivation(
            start="w - eta*(g + lam2*w)/sqrt(v) = (1 - eta*lam)*w - eta*g/sqrt(v)",
            chain=("w - eta*(g + lam2*w)/sqrt(v) = (1 - eta*lam)*w - eta*g/sqrt(v)",
                   "w - eta*g/sqrt(v) - eta*lam2*w/sqrt(v) = w - eta*lam*w - eta*g/sqrt(v)",
                   "eta*lam2*w/sqrt(v) = eta*lam*w",
                   "lam2/sqrt(v) = lam",
                   "lam2 = lam*sqrt(v)"),
            form=("lam", "v"),
            form_phrase="solved for λ₂, in λ and v̂",
            unknown="lam2",
            hints=("Expand both sides: w and −ηg/√v̂ appear on each and cancel.",
                   "What is left is the decay: ηλ₂w/√v̂ on the left, ηλw on the right.",
                   "Divide by ηw (w ≠ 0) and multiply by √v̂."),
        ),
        mistakes=(
            Mistake("inverted", "Upside down: the L2 term is divided by √v̂, so λ₂ must be "
                    "larger by the factor √v̂ to match.", form="lam2 = lam/sqrt(v)"),
            Mistake("same-strength", "The two steps differ: Adam divides the L2 term λ₂w by "
                    "√v̂, AdamW's decay ηλw is not divided.", form="lam2 = lam"),
            Mistake("not-square-root", "Adam divides by √v̂, not by v̂.",
                    form="lam2 = lam*v"),
        ),
    ),
)
