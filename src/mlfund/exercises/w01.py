"""Week 1 — gradients of the classic losses."""

from __future__ import annotations

import numpy as np

from mlfund.exercises._spec import Derivation, Exercise, Mistake, Parameter, Precision, variant


def _sym():
    from mlfund.optimization import symbolic

    return symbolic


def _sigma():
    return _sym().sigmoid


def _opt():
    import mlfund.optimization as opt

    return opt


def _logistic_probes() -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(101)
    probes = []
    for n, d in [(5, 2), (8, 3), (1, 4), (12, 1)]:
        X = rng.normal(size=(n, d))
        y = rng.integers(0, 2, size=n).astype(float)
        w = rng.normal(size=d)
        probes.append((w, X, y))
    return probes


def _softmax_probes() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(102)
    probes = []
    for n, k in [(4, 3), (6, 5), (1, 2)]:
        Z = rng.normal(scale=2.0, size=(n, k))
        Y = np.eye(k)[rng.integers(0, k, size=n)]
        probes.append((Z, Y))
    return probes


def _mse_probes() -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(103)
    return [(rng.normal(size=d), rng.normal(size=(n, d)), rng.normal(size=n))
            for n, d in [(6, 2), (10, 3), (3, 1)]]


def _softmax(Z: np.ndarray) -> np.ndarray:
    shifted = Z - Z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def _sigmoid_derivative_max() -> float:
    # σ'' = σ'(1 − 2σ) vanishes only where σ = 1/2, at z = 0, and σ' → 0 at ±∞
    return float(_sym().sigmoid_derivative(0))


def _mean_gradient(w, x, y, n, i):
    """dJ/dw of the mean logistic loss with one feature, as a sum over the n examples."""
    import sympy

    sigma = _sigma()
    return sympy.Sum((sigma(w * x[i]) - y[i]) * x[i], (i, 1, n)) / n


def _mean_hessian(w, x, n, i, weight=None):
    import sympy

    sigma = _sigma()
    weight = weight or (lambda s: s * (1 - s))
    return sympy.Sum(weight(sigma(w * x[i])) * x[i] ** 2, (i, 1, n)) / n


#: Each family is one value per example: x_i (the feature), y_i (the label, in [0, 1]).
_EXAMPLES = {"w": "real", "x": "real", "y": "[0, 1]", "n": "positive_integer"}
_SUM = "Sum({}, (i, 1, n))/n"


def _matrix(entries):
    import sympy

    return sympy.Matrix(entries)


# --- the gradient at numbers: one feature, two examples with labels 1 and 0 ----------------


def _sigmoid(t: float) -> float:
    return 1 / (1 + np.exp(-t))


def _gradient_at(w: float, x1: float, x2: float, *, residual=None) -> float:
    """(1/n) Σ r_i x_i for the examples (x1, 1), (x2, 0), with r = σ(w x) − y by default."""
    residual = residual or (lambda z, y: _sigmoid(z) - y)
    return float((residual(w * x1, 1.0) * x1 + residual(w * x2, 0.0) * x2) / 2)


def _gradient_value_mistakes(w: float, x1: float, x2: float) -> dict[str, float]:
    """The wrong values each catalogued mistake gives, by note."""
    return {
        "missing-1-over-n": 2 * _gradient_at(w, x1, x2),
        "sign-flip": -_gradient_at(w, x1, x2),
        "missing-x": float((_sigmoid(w * x1) - 1 + _sigmoid(w * x2)) / 2),
        "no-sigmoid": _gradient_at(w, x1, x2, residual=lambda z, y: z - y),
        "extra-sigma-prime": _gradient_at(w, x1, x2, residual=lambda z, y: (
            (_sigmoid(z) - y) * _sigmoid(z) * (1 - _sigmoid(z)))),
    }


def _gradient_value_well_posed(w: float, x1: float, x2: float) -> bool:
    """w ≠ 0 (σ(0) = ½ needs no exponential), and the answer and every mistake at least
    0.005 apart, so that no wrong value given to 3 decimals reads as the right one or as
    another mistake."""
    values = sorted([_gradient_at(w, x1, x2), *_gradient_value_mistakes(w, x1, x2).values()])
    return w != 0 and all(b - a > 0.005 for a, b in zip(values, values[1:], strict=False))


def _logistic_gradient_value(w=0.5, x1=2, x2=-1):
    """Exercise 3.8: dJ/dw of the mean logistic loss at a given w, for (x1, 1) and (x2, 0)."""

    def wrong(note):
        return lambda: _gradient_value_mistakes(w, x1, x2)[note]

    return Exercise(
        id="w01-logistic-gradient-value",
        kind="number",
        precision=Precision(decimals=3),
        prompt=f"Mean logistic loss J(w), one feature, two examples (x1, y1) = ({x1:g}, 1) and "
               f"(x2, y2) = ({x2:g}, 0): the value of dJ/dw at w = {w:g}, to 3 decimals.",
        reference=lambda: float(_opt().logistic_loss_gradient(
            np.array([w], dtype=float), np.array([[x1], [x2]], dtype=float),
            np.array([1.0, 0.0]))[0]),
        mistakes=(
            Mistake("missing-1-over-n", "J is the mean loss: divide the sum by n = 2.",
                    value=wrong("missing-1-over-n"), credit=0.5),
            Mistake("sign-flip", "Sign error: Σ (y_i − σ(w x_i)) x_i / n is the gradient of "
                    "the log-likelihood; the loss's gradient is Σ (σ(w x_i) − y_i) x_i / n.",
                    value=wrong("sign-flip")),
            Mistake("missing-x", "dz_i/dw = x_i: multiply each residual σ(w x_i) − y_i by its "
                    "feature before averaging.", value=wrong("missing-x")),
            Mistake("no-sigmoid", "The residual is the predicted probability minus the label, "
                    "σ(w x_i) − y_i: the logit w x_i is not a probability.",
                    value=wrong("no-sigmoid")),
            Mistake("extra-sigma-prime", "σ′ cancels against the logarithm's 1/σ: the "
                    "cross-entropy's residual is σ(w x_i) − y_i, with no factor "
                    "σ(1 − σ) (that factor belongs to the squared error).",
                    value=wrong("extra-sigma-prime")),
        ),
        hint="p_i = σ(w x_i); dJ/dw = ((p_1 − y_1) x_1 + (p_2 − y_2) x_2)/2.",
    )


_SIGMA = {"sigma": _sigma}

EXERCISES = (
    Exercise(
        id="w01-sigmoid-derivative",
        kind="expression",
        prompt="Derive σ'(z) and write it in terms of σ(z).",
        reference=lambda z: _sym().sigmoid_derivative(z),
        symbols={"z": "real"},
        functions=_SIGMA,
        mistakes=(
            Mistake("one-plus-sigma", "Check the sign inside the bracket: σ'(z) = σ(z)(1 − σ(z)), "
                    "since 1 − σ(z) = e^(−z)/(1 + e^(−z)).",
                    form="sigma(z)*(1 + sigma(z))"),
            Mistake("sign-flip", "Sign error: σ is increasing, so its derivative is positive.",
                    form="-sigma(z)*(1 - sigma(z))"),
            Mistake("sigma-squared", "σ(z)² is only part of it: the quotient rule gives "
                    "e^(−z)/(1 + e^(−z))², and e^(−z)/(1 + e^(−z)) is 1 − σ(z).",
                    form="sigma(z)**2"),
            Mistake("quotient-rule-denominator", "The quotient rule divides by the "
                    "denominator squared: (1/g)′ = −g′/g², here with g = 1 + e^(−z).",
                    form="exp(-z)/(1 + exp(-z))"),
        ),
        hint="differentiate (1 + e^(−z))^(−1) with the chain rule, then spot σ(z) and 1 − σ(z).",
    ),
    Exercise(
        id="w01-sigmoid-derivation",
        kind="derivation",
        points=2,
        prompt="Derive σ'(z) from σ(z) = 1/(1 + e^(−z)), line by line, ending in terms of σ(z).",
        reference=lambda z: _sym().sigmoid_derivative(z),
        symbols={"z": "real"},
        functions=_SIGMA,
        derivation=Derivation(
            start="diff(1/(1 + exp(-z)), z)",
            chain=("diff(1/(1 + exp(-z)), z)",
                   "exp(-z)/(1 + exp(-z))**2",
                   "1/(1 + exp(-z)) * exp(-z)/(1 + exp(-z))",
                   "1/(1 + exp(-z)) * (1 - 1/(1 + exp(-z)))",
                   "sigma(z)*(1 - sigma(z))"),
            form=("sigma", "z"),
            form_phrase="in terms of σ(z)",
            hints=("The chain rule on (1 + e^(−z))^(−1): the outer derivative is "
                   "−(1 + e^(−z))^(−2), the inner one −e^(−z).",
                   "Split e^(−z)/(1 + e^(−z))² into 1/(1 + e^(−z)) times "
                   "e^(−z)/(1 + e^(−z)).",
                   "e^(−z)/(1 + e^(−z)) = 1 − 1/(1 + e^(−z))."),
        ),
        mistakes=(
            Mistake("sign-flip", "Sign error: the inner derivative of 1 + e^(−z) is −e^(−z), "
                    "and it cancels the minus of the power rule; σ is increasing.",
                    form="-sigma(z)*(1 - sigma(z))"),
            Mistake("one-plus-sigma", "1 − σ(z), not 1 + σ(z): e^(−z)/(1 + e^(−z)) is "
                    "1 − σ(z).", form="sigma(z)*(1 + sigma(z))"),
            Mistake("inner-derivative-lost", "The inner derivative −e^(−z) of 1 + e^(−z) was "
                    "lost: (d/dz)(1 + e^(−z))^(−1) = −(1 + e^(−z))^(−2) · (−e^(−z)).",
                    form="-1/(1 + exp(-z))**2"),
        ),
    ),
    Exercise(
        id="w01-sigmoid-derivative-max",
        kind="number",
        precision=Precision(decimals=3),
        prompt="What is the largest value σ'(z) takes?",
        reference=lambda: _sigmoid_derivative_max(),
        mistakes=(
            Mistake("sigma-at-zero", "1/2 is σ(0), the value of the sigmoid itself; the "
                    "derivative at 0 is σ(0)(1 − σ(0)).", value=lambda: 0.5),
            Mistake("sigma-limit", "1 is the limit of σ(z), not the peak of its derivative.",
                    value=lambda: 1.0),
        ),
    ),
    Exercise(
        id="w01-bce-dl-dp",
        kind="expression",
        prompt="Step 1: dL/dp for L(p) = −[y log p + (1 − y) log(1 − p)].",
        reference=lambda p, y: _sym().bce_dp(p, y),
        symbols={"p": "probability", "y": "probability"},
        mistakes=(
            Mistake("gradient-of-log-likelihood", "Sign error: that is the derivative of the "
                    "log-likelihood; the loss is its negative.",
                    form="y/p - (1 - y)/(1 - p)"),
            Mistake("chain-rule-1-minus-p", "d/dp log(1 − p) is −1/(1 − p): the inner "
                    "derivative −1 was lost.", form="-y/p - (1 - y)/(1 - p)"),
        ),
    ),
    Exercise(
        id="w01-bce-dp-dz",
        kind="expression",
        prompt="Step 2: with p = σ(z), write dp/dz in terms of p.",
        reference=lambda p: p * (1 - p),
        symbols={"p": "probability"},
        mistakes=(
            Mistake("one-plus-sigma", "Check the sign: dp/dz = p(1 − p).", form="p*(1 + p)"),
            Mistake("derivative-is-p", "Only the exponential is its own derivative; σ' = σ(1 − σ).",
                    form="p"),
        ),
    ),
    Exercise(
        id="w01-bce-dl-dz",
        kind="expression",
        prompt="Step 3: chain rule, dL/dz as a function of the logit z.",
        reference=lambda z, y: _sym().bce_dz(z, y),
        symbols={"z": "real", "y": "probability"},
        functions=_SIGMA,
        mistakes=(
            Mistake("y-minus-p", "Sign error: y − σ(z) is the gradient of the log-likelihood; "
                    "the loss's gradient is σ(z) − y.", form="y - sigma(z)"),
            Mistake("dl-dp-only", "That is dL/dp; multiply by dp/dz = σ(z)(1 − σ(z)).",
                    form="-y/sigma(z) + (1 - y)/(1 - sigma(z))"),
            Mistake("extra-sigma-prime", "σ(1 − σ) is already used up: dL/dp · dp/dz "
                    "simplifies to σ(z) − y, with no extra σ′ factor (that one belongs to "
                    "the squared error).",
                    form="(sigma(z) - y)*sigma(z)*(1 - sigma(z))"),
        ),
    ),
    Exercise(
        id="w01-logistic-gradient-scalar",
        kind="expression",
        prompt="dJ/dw for two examples (x1, y1), (x2, y2), one feature, J the mean loss.",
        reference=lambda w, x1, x2, y1, y2: _sym().mean_logistic_loss_gradient(
            [w], [[x1], [x2]], [y1, y2])[0],
        symbols={"w": "real", "x1": "real", "x2": "real", "y1": "probability",
                 "y2": "probability"},
        functions=_SIGMA,
        mistakes=(
            Mistake("missing-1-over-n", "J is the mean loss: divide the sum by n = 2.",
                    form="(sigma(w*x1) - y1)*x1 + (sigma(w*x2) - y2)*x2", credit=0.5),
            Mistake("sign-flip", "Sign error: that is the gradient of the log-likelihood.",
                    form="((y1 - sigma(w*x1))*x1 + (y2 - sigma(w*x2))*x2)/2"),
            Mistake("missing-x", "dz/dw = x: each residual is multiplied by its feature.",
                    form="((sigma(w*x1) - y1) + (sigma(w*x2) - y2))/2"),
        ),
    ),
    Exercise(
        id="w01-logistic-gradient-derivation",
        kind="derivation",
        points=2,
        prompt="Derive dJ/dw for the mean logistic loss over n examples (one feature), from "
               "J(w) = (1/n) Σ_i [−y_i log σ(w x_i) − (1 − y_i) log(1 − σ(w x_i))], line by "
               "line, ending in one sum in terms of σ.",
        reference=_mean_gradient,
        symbols=_EXAMPLES,
        functions=_SIGMA,
        derivation=Derivation(
            start="diff(" + _SUM.format("-y_i*log(sigma(w*x_i)) - (1 - y_i)*log(1 - sigma(w*x_i))")
                  + ", w)",
            chain=("diff(" + _SUM.format("-y_i*log(sigma(w*x_i)) - (1 - y_i)*log(1 - sigma(w*x_i))")
                   + ", w)",
                   _SUM.format("-y_i*x_i*sigma(w*x_i)*(1 - sigma(w*x_i))/sigma(w*x_i)"
                               " + (1 - y_i)*x_i*sigma(w*x_i)*(1 - sigma(w*x_i))"
                               "/(1 - sigma(w*x_i))"),
                   _SUM.format("-y_i*x_i*(1 - sigma(w*x_i)) + (1 - y_i)*x_i*sigma(w*x_i)"),
                   _SUM.format("(sigma(w*x_i) - y_i)*x_i")),
            form=("Sum", "sigma", "w", "x", "y", "n"),
            form_phrase="as one sum over the examples, in terms of σ",
            families=("x", "y"),
            index=("i", "1", "n"),
            hints=("Differentiate inside the sum; the chain rule through z_i = w x_i brings "
                   "a factor x_i.",
                   "d/dz log σ(z) = σ'(z)/σ(z) = 1 − σ(z), and d/dz log(1 − σ(z)) = −σ(z).",
                   "Expand −y(1 − σ) + (1 − y)σ: the y σ terms cancel."),
        ),
        mistakes=(
            Mistake("sign-flip", "Sign error: that is the gradient of the log-likelihood; the "
                    "loss is its negative, so its gradient is Σ (σ(w x_i) − y_i) x_i / n.",
                    form=_SUM.format("(y_i - sigma(w*x_i))*x_i")),
            Mistake("missing-1-over-n", "J is the mean loss: keep the 1/n in front of the sum.",
                    form="Sum((sigma(w*x_i) - y_i)*x_i, (i, 1, n))"),
            Mistake("missing-x", "dz_i/dw = x_i: each residual is multiplied by its feature.",
                    form=_SUM.format("sigma(w*x_i) - y_i")),
        ),
    ),
    Exercise(
        id="w01-logistic-hessian-derivation",
        kind="derivation",
        points=2,
        prompt="Derive d²J/dw² of the mean logistic loss (one feature) from the gradient "
               "(1/n) Σ_i (σ(w x_i) − y_i) x_i, line by line, ending in one sum in terms of σ.",
        reference=lambda w, x, n, i: _mean_hessian(w, x, n, i),
        symbols=_EXAMPLES,
        functions=_SIGMA,
        derivation=Derivation(
            start="diff(" + _SUM.format("(sigma(w*x_i) - y_i)*x_i") + ", w)",
            chain=("diff(" + _SUM.format("(sigma(w*x_i) - y_i)*x_i") + ", w)",
                   _SUM.format("x_i*diff(sigma(w*x_i), w)"),
                   _SUM.format("x_i*x_i*sigma(w*x_i)*(1 - sigma(w*x_i))"),
                   _SUM.format("sigma(w*x_i)*(1 - sigma(w*x_i))*x_i**2")),
            form=("Sum", "sigma", "w", "x", "n"),
            form_phrase="as one sum over the examples, in terms of σ",
            families=("x", "y"),
            index=("i", "1", "n"),
            hints=("y_i does not depend on w: only σ(w x_i) x_i is differentiated.",
                   "d/dw σ(w x_i) = x_i σ(w x_i)(1 − σ(w x_i))."),
        ),
        mistakes=(
            Mistake("one-plus-sigma", "The weights are σ(1 − σ), the derivative of σ, not "
                    "σ(1 + σ).", form=lambda w, x, n, i: _mean_hessian(
                        w, x, n, i, weight=lambda s: s * (1 + s))),
            Mistake("missing-x-squared", "The chain rule brings a second x_i: d/dw σ(w x_i) = "
                    "x_i σ'(w x_i), so each term has x_i².",
                    form=_SUM.format("sigma(w*x_i)*(1 - sigma(w*x_i))*x_i")),
            Mistake("missing-1-over-n", "J is the mean loss: keep the 1/n.",
                    form="Sum(sigma(w*x_i)*(1 - sigma(w*x_i))*x_i**2, (i, 1, n))"),
        ),
    ),
    Exercise(
        id="w01-logistic-gradient",
        kind="function",
        prompt="Implement ∇J(w) = (1/n) Xᵀ(σ(Xw) − y), vectorised.",
        reference=lambda: _opt().logistic_loss_gradient,
        probes=_logistic_probes,
        gradient_of=lambda w, X, y: _opt().logistic_loss(w, X, y),
        mistakes=(
            Mistake("missing-1-over-n", "J is the mean loss: divide by n = len(y).",
                    value=lambda w, X, y: X.T @ (1 / (1 + np.exp(-X @ w)) - y), credit=0.5),
            Mistake("sign-flip", "Sign error: Xᵀ(y − σ(Xw))/n is the gradient of the "
                    "log-likelihood.",
                    value=lambda w, X, y: X.T @ (y - 1 / (1 + np.exp(-X @ w))) / len(y)),
        ),
        forbidden_imports=("sklearn",),
    ),
    Exercise(
        id="w01-logistic-hessian",
        kind="function",
        prompt="Implement the Hessian (1/n) Xᵀ diag(σ(1 − σ)) X.",
        reference=lambda: _opt().logistic_loss_hessian,
        probes=_logistic_probes,
        mistakes=(
            Mistake("one-plus-sigma", "The weights are σ(1 − σ), the derivative of σ.",
                    value=lambda w, X, y: (X.T * (lambda s: s * (1 + s))(
                        1 / (1 + np.exp(-X @ w)))) @ X / len(y)),
            Mistake("missing-1-over-n", "J is the mean loss: divide by n.",
                    value=lambda w, X, y: (X.T * (lambda s: s * (1 - s))(
                        1 / (1 + np.exp(-X @ w)))) @ X, credit=0.5),
        ),
    ),
    variant(_logistic_gradient_value,
            w=Parameter(-1.0, 1.5, step=0.1), x1=Parameter(1, 4), x2=Parameter(-4, -1),
            where=_gradient_value_well_posed),
    Exercise(
        id="w01-softmax-gradient-3",
        kind="expression",
        prompt="Gradient of −log p1 with respect to (z1, z2, z3), where p = softmax(z), "
               "as a 3×1 sympy Matrix in terms of p1, p2, p3.",
        # p − y with y = (1, 0, 0); the question tests check it against the library's
        # symbolic gradient in the logits, softmax(z) − y
        reference=lambda p1, p2, p3: _matrix([p1 - 1, p2, p3]),
        symbols={"p1": "probability", "p2": "probability", "p3": "probability"},
        constraints=("p1 + p2 + p3 == 1",),   # softmax outputs
        mistakes=(
            Mistake("y-minus-p", "Sign error: y − p is the gradient of the log-likelihood.",
                    form=lambda p1, p2, p3: _matrix([1 - p1, -p2, -p3])),
            Mistake("only-true-class", "Every logit moves p1: the other entries are p2 and p3, "
                    "not 0.",
                    form=lambda p1, p2, p3: _matrix([p1 - 1, 0, 0])),
            Mistake("dl-dp", "That is the gradient with respect to the probabilities p; the "
                    "question asks for the logits z. Chain it through the softmax: "
                    "∂p_j/∂z_k = p_j(δ_jk − p_k).",
                    form=lambda p1, p2, p3: _matrix([-1 / p1, 0, 0])),
        ),
    ),
    Exercise(
        id="w01-softmax-gradient",
        kind="function",
        prompt="Implement the gradient of the mean softmax cross-entropy with respect to the "
               "logits Z (n × K), labels one-hot Y: (softmax(Z) − Y)/n.",
        reference=lambda: (lambda Z, Y: (_softmax(Z) - Y) / len(Z)),
        probes=_softmax_probes,
        mistakes=(
            Mistake("y-minus-p", "Sign error: Y − P is the gradient of the log-likelihood.",
                    value=lambda Z, Y: (Y - _softmax(Z)) / len(Z)),
            Mistake("missing-1-over-n", "The loss is a mean over the n rows: divide by n.",
                    value=lambda Z, Y: _softmax(Z) - Y, credit=0.5),
        ),
    ),
    Exercise(
        id="w01-mse-gradient",
        kind="function",
        prompt="Implement the gradient of J(w) = (1/n)‖Xw − y‖²: (2/n) Xᵀ(Xw − y).",
        reference=lambda: _opt().mse_loss_gradient,
        probes=_mse_probes,
        gradient_of=lambda w, X, y: _opt().mse_loss(w, X, y),
        mistakes=(
            Mistake("missing-2", "d/dr r² = 2r: the factor 2 is missing.",
                    value=lambda w, X, y: X.T @ (X @ w - y) / len(y), credit=0.5),
            Mistake("missing-1-over-n", "That is the gradient of the sum of squares; J is "
                    "their mean: divide by n = len(y).",
                    value=lambda w, X, y: 2 * X.T @ (X @ w - y), credit=0.5),
            Mistake("sign-flip", "Sign error: the residual is Xw − y, so the gradient is "
                    "(2/n) Xᵀ(Xw − y); with y − Xw you would climb the loss.",
                    value=lambda w, X, y: 2 * X.T @ (y - X @ w) / len(y)),
        ),
    ),
    Exercise(
        id="w01-l2-gradient",
        kind="expression",
        prompt="Gradient of the L2 penalty λw² with respect to w (one weight).",
        reference=lambda lam, w: _sym().l2_penalty_gradient(w, lam),
        symbols={"lam": "positive", "w": "real"},
        mistakes=(
            Mistake("missing-2", "d/dw w² = 2w: the factor 2 is missing (it is absorbed only "
                    "when the penalty is written λ/2 · w²).", form="lam*w"),
        ),
    ),
    Exercise(
        id="w01-l1-subgradient",
        kind="expression",
        prompt="Subgradient of the L1 penalty λ|w| for w ≠ 0.",
        reference=lambda lam, w: _sym().l1_penalty_subgradient(w, lam),
        symbols={"lam": "positive", "w": "real"},
        constraints=("w != 0",),
        mistakes=(
            Mistake("l2-gradient", "That is the L2 penalty's gradient; |w| has slope ±1.",
                    form="2*lam*w"),
            Mistake("missing-sign", "The slope of |w| is −1 for w < 0: use sign(w).",
                    form="lam"),
        ),
    ),
)
