"""Week 1 — gradients of the classic losses."""

from __future__ import annotations

import numpy as np

from mlfund.exercises._spec import Exercise, Mistake, Precision


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


def _matrix(entries):
    import sympy

    return sympy.Matrix(entries)


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
