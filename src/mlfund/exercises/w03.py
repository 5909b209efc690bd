"""Week 3 — stochastic optimization and deep nets."""

from __future__ import annotations

import math

import numpy as np

from mlfund.exercises._spec import Derivation, Exercise, Mistake, Precision


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


# --- vanishing gradients -------------------------------------------------------------------

#: Exercise 4.2: the gradient bound must fall to this level.
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

#: Exercise 5.3: a dense layer 300 -> 100.
FAN_IN, FAN_OUT = 300, 100


def _xavier_uniform_bound() -> float:
    # U(−r, r) has variance r²/3
    return math.sqrt(3 * _opt().xavier_variance(FAN_IN, FAN_OUT))


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
    # 3. Adam
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
    # 4. vanishing gradients
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
    # 5. initialisation
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
    # 6. weight decay
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
)
