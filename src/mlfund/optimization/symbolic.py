"""Symbolic (sympy) forms of the optimization fundamentals, as exercise references.

Every function takes sympy symbols or expressions (numbers are accepted too; strings are
refused, text is never parsed here) and returns a sympy expression, or a sympy ``Matrix``
for vector quantities. Each argument is a symbol of the formula, so all are positional.
Vectors are given as sympy matrices or lists of symbols and returned as column matrices;
a scalar weight with a scalar input gives scalar results.

Conventions match :mod:`mlfund.optimization`: ``mean_*`` and ``mse_*`` losses average over
the rows of a data matrix X; a penalty of strength λ is λ‖w‖²; labels are 0 and 1.
Single-example forms (``logistic_loss(w, x, y)``, ``squared_error``) are those of one row.

This module imports sympy, so it is not imported by ``mlfund.optimization`` itself:
``from mlfund.optimization import symbolic``.

Examples
--------
The derivative of the sigmoid, written with the sigmoid, agrees with sympy's own:

>>> import sympy as sp
>>> from mlfund.optimization import symbolic as S
>>> z = sp.Symbol("z", real=True)
>>> sp.simplify(S.sigmoid_derivative(z) - sp.diff(S.sigmoid(z), z))
0
"""

from __future__ import annotations

from typing import Any

import sympy as sp

__all__ = [
    # activations
    "sigmoid",
    "sigmoid_derivative",
    "tanh_derivative",
    "relu",
    "relu_derivative",
    "softmax",
    # binary cross-entropy
    "bce",
    "bce_dp",
    "bce_d2p",
    "bce_with_logits",
    "bce_dz",
    "bce_d2z",
    # logistic regression
    "logistic_loss",
    "logistic_loss_gradient",
    "logistic_loss_hessian",
    "mean_logistic_loss",
    "mean_logistic_loss_gradient",
    "mean_logistic_loss_hessian",
    # softmax
    "softmax_cross_entropy",
    "softmax_cross_entropy_gradient",
    # least squares
    "squared_error",
    "squared_error_gradient",
    "mse_loss",
    "mse_loss_gradient",
    "mse_loss_hessian",
    "normal_equations_solution",
    # penalties
    "l2_penalty",
    "l2_penalty_gradient",
    "l1_penalty",
    "l1_penalty_subgradient",
    # calculus helpers
    "gradient",
    "hessian",
    # gradient descent on quadratics
    "gradient_descent_step",
    "gd_step_multiplier",
    "max_stable_learning_rate",
    "optimal_learning_rate",
    "condition_number",
    "convergence_rate",
    "iterations_to_tolerance",
    "newton_step",
    # momentum, Adam, SGD
    "momentum_effective_learning_rate",
    "adam_m_hat",
    "adam_v_hat",
    "adam_first_step",
    "weight_decay_update",
    "minibatch_gradient_variance",
    "linear_scaling_learning_rate",
    # deep nets
    "xavier_variance",
    "he_variance",
    "sigmoid_chain_gradient_bound",
]


# --- argument handling --------------------------------------------------------------------


def _expr(name: str, value: Any) -> sp.Expr:
    """A sympy expression from a symbol, expression or number (never from text)."""
    if isinstance(value, str):
        raise TypeError(
            f"{name} must be a sympy symbol or expression, not a string ({value!r}); "
            "use sympy.Symbol or sympy.symbols."
        )
    if isinstance(value, (sp.MatrixBase, list, tuple)):
        raise TypeError(f"{name} must be a scalar sympy expression; got a vector or matrix.")
    try:
        return sp.sympify(value, strict=True)
    except sp.SympifyError as exc:
        raise TypeError(f"{name} must be a sympy symbol or expression; got {value!r}.") from exc


def _label(value: Any) -> sp.Expr:
    """A label: a symbol, or a number in [0, 1] (0 and 1 for hard labels)."""
    y = _expr("y", value)
    if y.is_number and (not y.is_real or y < 0 or y > 1):
        raise ValueError(f"y ({value!r}) must be a label in [0, 1] (0 or 1 for a class).")
    return y


def _is_vector(value: Any) -> bool:
    return isinstance(value, (sp.MatrixBase, list, tuple))


def _column(name: str, value: Any) -> sp.Matrix:
    """A column Matrix from a Matrix (row or column) or a flat list of expressions."""
    if isinstance(value, sp.MatrixBase):
        if 1 not in value.shape or value.shape == (0, 0) or 0 in value.shape:
            raise ValueError(f"{name} must be a vector (one row or one column); got shape "
                             f"{value.shape}.")
        items = list(value)
    elif isinstance(value, (list, tuple)):
        items = list(value)
        if not items:
            raise ValueError(f"{name} must not be empty.")
    else:
        items = [value]
    return sp.Matrix([_expr(f"{name}[{i}]", v) for i, v in enumerate(items)])


def _matrix(name: str, value: Any) -> sp.Matrix:
    """A 2-d Matrix (data matrix) from a Matrix or a nested list."""
    if not isinstance(value, sp.MatrixBase):
        # sympy.Matrix would parse strings as code; refuse them before it sees them.
        pending = [value]
        while pending:
            item = pending.pop()
            if isinstance(item, str):
                raise TypeError(f"{name} must hold sympy expressions, not strings ({item!r}).")
            if isinstance(item, (list, tuple)):
                pending.extend(item)
    try:
        mat = sp.Matrix(value)
    except (TypeError, ValueError, sp.SympifyError) as exc:
        raise TypeError(f"{name} must be a sympy Matrix or a nested list; got {value!r}.") from exc
    if 0 in mat.shape:
        raise ValueError(f"{name} must not be empty; got shape {mat.shape}.")
    return mat


def _pair(w: Any, x: Any) -> tuple[sp.Matrix | sp.Expr, sp.Matrix | sp.Expr, bool]:
    """Weights and one input: both scalars, or vectors of the same length."""
    if not _is_vector(w) and not _is_vector(x):
        return _expr("w", w), _expr("x", x), False
    w_col, x_col = _column("w", w), _column("x", x)
    if w_col.shape != x_col.shape:
        raise ValueError(
            f"w and x must have the same length; w has {w_col.rows}, x has {x_col.rows}."
        )
    return w_col, x_col, True


def _dot(w: Any, x: Any) -> sp.Expr:
    w_s, x_s, vector = _pair(w, x)
    return (w_s.T * x_s)[0, 0] if vector else w_s * x_s


def _design(w: Any, X: Any, y: Any) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix]:
    """(w, X, y) for a data set: X is (n, d), w has d entries, y has n."""
    X_m = _matrix("X", X)
    n, d = X_m.shape
    w_c, y_c = _column("w", w), _column("y", y)
    if w_c.rows != d:
        raise ValueError(f"w must have one entry per column of X ({d}); got {w_c.rows}.")
    if y_c.rows != n:
        raise ValueError(f"y must have one entry per row of X ({n}); got {y_c.rows}.")
    return w_c, X_m, y_c


# --- activations --------------------------------------------------------------------------


def sigmoid(z: Any) -> sp.Expr:
    """σ(z) = 1 / (1 + e^(−z)).

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> S.sigmoid(sp.Symbol("z"))
    1/(1 + exp(-z))
    >>> S.sigmoid(0)
    1/2
    """
    return 1 / (1 + sp.exp(-_expr("z", z)))


def sigmoid_derivative(z: Any) -> sp.Expr:
    """σ'(z) = σ(z)(1 − σ(z)), written with the sigmoid; its maximum is σ'(0) = 1/4.

    Examples
    --------
    >>> from mlfund.optimization import symbolic as S
    >>> S.sigmoid_derivative(0)
    1/4
    """
    s = sigmoid(z)
    return s * (1 - s)


def tanh_derivative(z: Any) -> sp.Expr:
    """tanh'(z) = 1 − tanh(z)²; tanh'(0) = 1.

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> S.tanh_derivative(sp.Symbol("z"))
    1 - tanh(z)**2
    >>> S.tanh_derivative(0)
    1
    """
    return 1 - sp.tanh(_expr("z", z)) ** 2


def relu(z: Any) -> sp.Expr:
    """ReLU(z) = max(0, z).

    Examples
    --------
    >>> from mlfund.optimization import symbolic as S
    >>> S.relu(-3), S.relu(2)
    (0, 2)
    """
    return sp.Max(0, _expr("z", z))


def relu_derivative(z: Any) -> sp.Expr:
    """ReLU'(z) = H(z), the Heaviside step, taking 0 at z = 0 (as the numeric form does).

    Examples
    --------
    >>> from mlfund.optimization import symbolic as S
    >>> S.relu_derivative(-1), S.relu_derivative(0), S.relu_derivative(5)
    (0, 0, 1)
    """
    return sp.Heaviside(_expr("z", z), 0)


def softmax(z: Any) -> sp.Matrix:
    """softmax(z)_k = e^(z_k) / Σ_j e^(z_j), as a column Matrix.

    Parameters
    ----------
    z : list or Matrix
        The K logits.

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> S.softmax([0, 0])
    Matrix([
    [1/2],
    [1/2]])
    """
    zc = _column("z", z)
    total = sum(sp.exp(v) for v in zc)
    return zc.applyfunc(lambda v: sp.exp(v) / total)


# --- binary cross-entropy -----------------------------------------------------------------


def bce(p: Any, y: Any) -> sp.Expr:
    """Binary cross-entropy of one example: −(y log p + (1 − y) log(1 − p)).

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> p, y = sp.symbols("p y")
    >>> S.bce(p, 1)
    -log(p)
    """
    p_e, y_e = _expr("p", p), _label(y)
    return -(y_e * sp.log(p_e) + (1 - y_e) * sp.log(1 - p_e))


def bce_dp(p: Any, y: Any) -> sp.Expr:
    """dL/dp of the binary cross-entropy: −y/p + (1 − y)/(1 − p) = (p − y)/(p(1 − p)).

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> p = sp.Symbol("p")
    >>> S.bce_dp(p, 1)
    -1/p
    """
    p_e, y_e = _expr("p", p), _label(y)
    return -y_e / p_e + (1 - y_e) / (1 - p_e)


def bce_d2p(p: Any, y: Any) -> sp.Expr:
    """d²L/dp² of the binary cross-entropy: y/p² + (1 − y)/(1 − p)² (> 0: convex in p).

    Examples
    --------
    >>> from mlfund.optimization import symbolic as S
    >>> S.bce_d2p(0.5, 1)
    4.00000000000000
    """
    p_e, y_e = _expr("p", p), _label(y)
    return y_e / p_e**2 + (1 - y_e) / (1 - p_e) ** 2


def bce_with_logits(z: Any, y: Any) -> sp.Expr:
    """The binary cross-entropy as a function of the logit: L(z) = bce(σ(z), y).

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> z = sp.Symbol("z")
    >>> S.bce_with_logits(z, 1)
    -log(1/(1 + exp(-z)))
    """
    return bce(sigmoid(z), y)


def bce_dz(z: Any, y: Any) -> sp.Expr:
    """dL/dz of the binary cross-entropy in the logit: σ(z) − y.

    By the chain rule dL/dz = dL/dp · dp/dz = (p − y)/(p(1 − p)) · p(1 − p) = p − y.

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> z, y = sp.symbols("z y")
    >>> S.bce_dz(z, y)
    -y + 1/(1 + exp(-z))
    >>> sp.simplify(S.bce_dz(z, y) - sp.diff(S.bce_with_logits(z, y), z))
    0
    """
    return sigmoid(z) - _label(y)


def bce_d2z(z: Any, y: Any) -> sp.Expr:
    """d²L/dz² of the binary cross-entropy in the logit: σ(z)(1 − σ(z)), whatever y.

    Examples
    --------
    >>> from mlfund.optimization import symbolic as S
    >>> S.bce_d2z(0, 1)
    1/4
    """
    _label(y)
    return sigmoid_derivative(z)


# --- logistic regression ------------------------------------------------------------------


def logistic_loss(w: Any, x: Any, y: Any) -> sp.Expr:
    """Logistic loss of ONE example: bce(σ(wᵀx), y) (scalars: σ(w·x)).

    Parameters
    ----------
    w, x : symbols, or lists / Matrices of the same length
        Weights and the example's features.
    y : symbol or 0/1
        The label.

    See Also
    --------
    mean_logistic_loss : the mean over the rows of a data matrix (the numeric
        :func:`mlfund.optimization.logistic_loss`).

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> w, x = sp.symbols("w x")
    >>> S.logistic_loss(w, x, 0)
    -log(1 - 1/(1 + exp(-w*x)))
    """
    return bce_with_logits(_dot(w, x), y)


def logistic_loss_gradient(w: Any, x: Any, y: Any) -> sp.Expr | sp.Matrix:
    """Gradient in w of the logistic loss of one example: (σ(wᵀx) − y) x.

    Returns a column Matrix for vector w, x and an expression for scalars.

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> w, x, y = sp.symbols("w x y")
    >>> S.logistic_loss_gradient(w, x, y)
    x*(-y + 1/(1 + exp(-w*x)))
    >>> w1, w2, x1, x2 = sp.symbols("w1 w2 x1 x2")
    >>> S.logistic_loss_gradient([w1, w2], [x1, x2], 1).shape
    (2, 1)
    """
    w_s, x_s, _ = _pair(w, x)
    return x_s * bce_dz(_dot(w, x), y)


def logistic_loss_hessian(w: Any, x: Any, y: Any) -> sp.Expr | sp.Matrix:
    """Hessian in w of the logistic loss of one example: σ(1 − σ) x xᵀ, σ = σ(wᵀx).

    Rank one and positive semi-definite; an expression σ(1 − σ)x² for scalars.

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> x1, x2 = sp.symbols("x1 x2")
    >>> S.logistic_loss_hessian([0, 0], [x1, x2], 1)
    Matrix([
    [x1**2/4, x1*x2/4],
    [x1*x2/4, x2**2/4]])
    """
    w_s, x_s, vector = _pair(w, x)
    _label(y)
    weight = sigmoid_derivative(_dot(w, x))
    return weight * (x_s * x_s.T if vector else x_s**2)


def mean_logistic_loss(w: Any, X: Any, y: Any) -> sp.Expr:
    """Mean logistic loss over a data set: (1/n) Σ_i bce(σ(x_iᵀw), y_i).

    Parameters
    ----------
    w : list or Matrix
        The d weights.
    X : Matrix or nested list
        The (n, d) data matrix.
    y : list or Matrix
        The n labels.

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> S.mean_logistic_loss([0, 0], [[1, 2], [1, -1]], [1, 0])
    log(2)
    """
    w_c, X_m, y_c = _design(w, X, y)
    z = X_m * w_c
    n = X_m.rows
    return sp.Add(*[bce_with_logits(z[i], y_c[i]) for i in range(n)]) / n


def mean_logistic_loss_gradient(w: Any, X: Any, y: Any) -> sp.Matrix:
    """Gradient of the mean logistic loss: (1/n) Xᵀ(σ(Xw) − y), a (d, 1) Matrix.

    Examples
    --------
    >>> from mlfund.optimization import symbolic as S
    >>> S.mean_logistic_loss_gradient([0, 0], [[1, 2], [1, -1]], [1, 0])
    Matrix([
    [   0],
    [-3/4]])
    """
    w_c, X_m, y_c = _design(w, X, y)
    residual = (X_m * w_c).applyfunc(sigmoid) - y_c
    return X_m.T * residual / X_m.rows


def mean_logistic_loss_hessian(w: Any, X: Any, y: Any) -> sp.Matrix:
    """Hessian of the mean logistic loss: (1/n) Xᵀ diag(σ(1 − σ)) X, σ = σ(Xw).

    Examples
    --------
    >>> from mlfund.optimization import symbolic as S
    >>> S.mean_logistic_loss_hessian([0, 0], [[1, 2], [1, -1]], [1, 0])
    Matrix([
    [1/4, 1/8],
    [1/8, 5/8]])
    """
    w_c, X_m, _ = _design(w, X, y)
    weights = (X_m * w_c).applyfunc(sigmoid_derivative)
    return X_m.T * sp.diag(*weights) * X_m / X_m.rows


# --- softmax cross-entropy ----------------------------------------------------------------


def _logits_targets(z: Any, y: Any) -> tuple[sp.Matrix, sp.Matrix]:
    zc, yc = _column("z", z), _column("y", y)
    if zc.rows != yc.rows:
        raise ValueError(f"z and y must have the same length; z has {zc.rows}, y has {yc.rows}.")
    if zc.rows < 2:
        raise ValueError(f"z must hold at least 2 logits (classes); got {zc.rows}.")
    return zc, yc


def softmax_cross_entropy(z: Any, y: Any) -> sp.Expr:
    """Cross-entropy of softmax(z) against the target vector y: −Σ_k y_k log softmax(z)_k.

    Parameters
    ----------
    z : list or Matrix
        The K logits.
    y : list or Matrix
        The K targets (one-hot, or probabilities summing to 1).

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> S.softmax_cross_entropy([0, 0, 0], [1, 0, 0])
    log(3)
    """
    zc, yc = _logits_targets(z, y)
    p = softmax(zc)
    return sp.expand_log(-sum(yc[k] * sp.log(p[k]) for k in range(zc.rows)), force=True)


def softmax_cross_entropy_gradient(z: Any, y: Any) -> sp.Matrix:
    """Gradient in the logits of the softmax cross-entropy: p − y, with p = softmax(z).

    Valid when the targets sum to 1 (one-hot or probabilities); in general the derivative
    is p·Σ_k y_k − y.

    Examples
    --------
    Three classes, uniform logits, true class 0:

    >>> from mlfund.optimization import symbolic as S
    >>> S.softmax_cross_entropy_gradient([0, 0, 0], [1, 0, 0]).T
    Matrix([[-2/3, 1/3, 1/3]])
    """
    zc, yc = _logits_targets(z, y)
    return softmax(zc) - yc


# --- least squares ------------------------------------------------------------------------


def squared_error(w: Any, x: Any, y: Any) -> sp.Expr:
    """Squared error of ONE example: (wᵀx − y)² (scalars: (w·x − y)²).

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> w, x, y = sp.symbols("w x y")
    >>> S.squared_error(w, x, y)
    (w*x - y)**2
    """
    return (_dot(w, x) - _expr("y", y)) ** 2


def squared_error_gradient(w: Any, x: Any, y: Any) -> sp.Expr | sp.Matrix:
    """Gradient in w of the squared error of one example: 2(wᵀx − y) x.

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> w, x, y = sp.symbols("w x y")
    >>> S.squared_error_gradient(w, x, y)
    x*(2*w*x - 2*y)
    """
    _, x_s, _ = _pair(w, x)
    return 2 * (_dot(w, x) - _expr("y", y)) * x_s


def mse_loss(w: Any, X: Any, y: Any) -> sp.Expr:
    """Mean squared error of a linear model over a data set: (1/n) ‖Xw − y‖².

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> w = sp.Symbol("w")
    >>> S.mse_loss([w], [[1], [2]], [2, 4])
    (w - 2)**2/2 + (2*w - 4)**2/2
    """
    w_c, X_m, y_c = _design(w, X, y)
    r = X_m * w_c - y_c
    return sp.Add(*[v**2 for v in r]) / X_m.rows


def mse_loss_gradient(w: Any, X: Any, y: Any) -> sp.Matrix:
    """Gradient of the mean squared error: (2/n) Xᵀ(Xw − y), a (d, 1) Matrix.

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> w = sp.Symbol("w")
    >>> S.mse_loss_gradient([w], [[1], [2]], [2, 4])
    Matrix([[5*w - 10]])
    """
    w_c, X_m, y_c = _design(w, X, y)
    return (2 * X_m.T * (X_m * w_c - y_c) / X_m.rows).applyfunc(sp.expand)


def mse_loss_hessian(w: Any, X: Any, y: Any) -> sp.Matrix:
    """Hessian of the mean squared error: (2/n) XᵀX, independent of w.

    Examples
    --------
    >>> from mlfund.optimization import symbolic as S
    >>> S.mse_loss_hessian([0], [[1], [2]], [2, 4])
    Matrix([[5]])
    """
    _, X_m, _ = _design(w, X, y)
    return 2 * X_m.T * X_m / X_m.rows


def normal_equations_solution(X: Any, y: Any) -> sp.Matrix:
    """The least-squares weights w = (XᵀX)⁻¹Xᵀy, from setting the MSE gradient to zero.

    Raises ValueError if XᵀX is singular.

    Examples
    --------
    >>> from mlfund.optimization import symbolic as S
    >>> S.normal_equations_solution([[1, 0], [1, 1], [1, 2]], [1, 3, 5]).T
    Matrix([[1, 2]])
    """
    X_m = _matrix("X", X)
    y_c = _column("y", y)
    if y_c.rows != X_m.rows:
        raise ValueError(f"y must have one entry per row of X ({X_m.rows}); got {y_c.rows}.")
    gram = X_m.T * X_m
    if sp.simplify(gram.det()) == 0:
        raise ValueError("X^T X is singular: the columns of X are linearly dependent.")
    return (gram.inv() * X_m.T * y_c).applyfunc(sp.simplify)


# --- penalties ----------------------------------------------------------------------------


def l2_penalty(w: Any, lam: Any) -> sp.Expr:
    """The L2 penalty λ‖w‖² = λ Σ w_j² (no ½).

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> w1, w2, lam = sp.symbols("w1 w2 lambda")
    >>> S.l2_penalty([w1, w2], lam)
    lambda*(w1**2 + w2**2)
    """
    lam_e = _expr("lam", lam)
    if _is_vector(w):
        return lam_e * sp.Add(*[v**2 for v in _column("w", w)])
    return lam_e * _expr("w", w) ** 2


def l2_penalty_gradient(w: Any, lam: Any) -> sp.Expr | sp.Matrix:
    """Gradient of λ‖w‖²: 2λw.

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> w, lam = sp.symbols("w lambda")
    >>> S.l2_penalty_gradient(w, lam)
    2*lambda*w
    """
    lam_e = _expr("lam", lam)
    return 2 * lam_e * (_column("w", w) if _is_vector(w) else _expr("w", w))


def l1_penalty(w: Any, lam: Any) -> sp.Expr:
    """The L1 penalty λ‖w‖₁ = λ Σ |w_j|.

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> w, lam = sp.symbols("w lambda")
    >>> S.l1_penalty(w, lam)
    lambda*Abs(w)
    """
    lam_e = _expr("lam", lam)
    if _is_vector(w):
        return lam_e * sp.Add(*[sp.Abs(v) for v in _column("w", w)])
    return lam_e * sp.Abs(_expr("w", w))


def l1_penalty_subgradient(w: Any, lam: Any) -> sp.Expr | sp.Matrix:
    """A subgradient of λ‖w‖₁: λ·sign(w) (0 at w = 0, the least-norm choice in [−λ, λ]).

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> w, lam = sp.symbols("w lambda")
    >>> S.l1_penalty_subgradient(w, lam)
    lambda*sign(w)
    """
    lam_e = _expr("lam", lam)
    if _is_vector(w):
        return lam_e * _column("w", w).applyfunc(sp.sign)
    return lam_e * sp.sign(_expr("w", w))


# --- calculus helpers ---------------------------------------------------------------------


def _variables(variables: Any) -> list[sp.Symbol]:
    items = list(variables) if _is_vector(variables) else [variables]
    out = []
    for v in items:
        if not isinstance(v, sp.Symbol):
            raise TypeError(f"variables must be sympy Symbols; got {v!r}.")
        out.append(v)
    return out


def gradient(expr: Any, variables: Any) -> sp.Matrix:
    """The gradient of a scalar expression in the given symbols, by ``sympy.diff``.

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> x, y = sp.symbols("x y")
    >>> S.gradient(x**2 * y, [x, y]).T
    Matrix([[2*x*y, x**2]])
    """
    e = _expr("expr", expr)
    return sp.Matrix([sp.diff(e, v) for v in _variables(variables)])


def hessian(expr: Any, variables: Any) -> sp.Matrix:
    """The Hessian of a scalar expression in the given symbols, by ``sympy.hessian``.

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> x, y = sp.symbols("x y")
    >>> S.hessian(x**2 * y, [x, y])
    Matrix([
    [2*y, 2*x],
    [2*x,   0]])
    """
    return sp.hessian(_expr("expr", expr), _variables(variables))


# --- gradient descent on quadratics -------------------------------------------------------


def gradient_descent_step(x: Any, grad: Any, learning_rate: Any) -> sp.Expr | sp.Matrix:
    """One gradient-descent step: x − η ∇f(x).

    Examples
    --------
    On f(x) = ½ a x² the step multiplies x by 1 − ηa:

    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> x, a, eta = sp.symbols("x a eta")
    >>> sp.factor(S.gradient_descent_step(x, a * x, eta))
    -x*(a*eta - 1)
    """
    eta = _expr("learning_rate", learning_rate)
    if _is_vector(x):
        xc, gc = _column("x", x), _column("grad", grad)
        if xc.shape != gc.shape:
            raise ValueError("x and grad must have the same length.")
        return xc - eta * gc
    return _expr("x", x) - eta * _expr("grad", grad)


def gd_step_multiplier(a: Any, learning_rate: Any) -> sp.Expr:
    """The factor 1 − ηa by which a GD step on f(x) = ½ a x² multiplies x.

    GD converges iff |1 − ηa| < 1, i.e. 0 < η < 2/a; it reaches 0 in one step at η = 1/a.

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> a, eta = sp.symbols("a eta", positive=True)
    >>> S.gd_step_multiplier(a, eta)
    -a*eta + 1
    >>> sp.solve(sp.Eq(S.gd_step_multiplier(a, eta), -1), eta)
    [2/a]
    """
    return 1 - _expr("learning_rate", learning_rate) * _expr("a", a)


def max_stable_learning_rate(lam_max: Any) -> sp.Expr:
    """The stability bound of GD on a quadratic: η < 2/λ_max (2/a in one dimension).

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> S.max_stable_learning_rate(sp.Symbol("a"))
    2/a
    """
    return 2 / _expr("lam_max", lam_max)


def optimal_learning_rate(lam_min: Any, lam_max: Any = None) -> sp.Expr:
    """The best fixed GD step on a quadratic: 2/(λ_min + λ_max); 1/a in one dimension.

    With ``lam_max`` omitted, λ_min = λ_max = ``lam_min`` (one dimension, curvature a).

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> S.optimal_learning_rate(sp.Symbol("a"))
    1/a
    >>> m, L = sp.symbols("lambda_min lambda_max")
    >>> S.optimal_learning_rate(m, L)
    2/(lambda_max + lambda_min)
    """
    lo = _expr("lam_min", lam_min)
    hi = lo if lam_max is None else _expr("lam_max", lam_max)
    return 2 / (lo + hi)


def condition_number(lam_min: Any, lam_max: Any) -> sp.Expr:
    """κ = λ_max / λ_min.

    Examples
    --------
    >>> from mlfund.optimization import symbolic as S
    >>> S.condition_number(1, 10)
    10
    """
    return _expr("lam_max", lam_max) / _expr("lam_min", lam_min)


def convergence_rate(kappa: Any) -> sp.Expr:
    """The rate of GD at the optimal step on a quadratic: (κ − 1)/(κ + 1).

    The error ‖x_k − x*‖ is at most rateᵏ times the initial error.

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> kappa = sp.Symbol("kappa")
    >>> S.convergence_rate(kappa)
    (kappa - 1)/(kappa + 1)

    For λ_min = 1, λ_max = 10 the optimal step 2/11 multiplies the flat direction by
    1 − 2/11 = 9/11, which is the rate:

    >>> S.convergence_rate(S.condition_number(1, 10))
    9/11
    >>> 1 - S.optimal_learning_rate(1, 10) * 1
    9/11
    """
    k = _expr("kappa", kappa)
    return (k - 1) / (k + 1)


def iterations_to_tolerance(
    rate: Any, tolerance: Any, initial_error: Any = 1, *, ceiling: bool = False
) -> sp.Expr:
    """Iterations k with rateᵏ · e₀ = ε: k = log(ε/e₀) / log(rate).

    The convention: the error after k steps is rateᵏ times the initial error e₀. The whole
    number of iterations is the ceiling of this (``ceiling=True``), as in the numeric
    :func:`mlfund.optimization.iterations_to_tolerance`.

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> rho, eps = sp.symbols("rho epsilon", positive=True)
    >>> S.iterations_to_tolerance(rho, eps)
    log(epsilon)/log(rho)
    >>> S.iterations_to_tolerance(sp.Rational(1, 2), sp.Rational(1, 1000), ceiling=True)
    10
    """
    r, eps, e0 = _expr("rate", rate), _expr("tolerance", tolerance), _expr(
        "initial_error", initial_error
    )
    k = sp.log(eps / e0) / sp.log(r)
    return sp.ceiling(k) if ceiling else k


def newton_step(f: Any, x: Any) -> sp.Expr | sp.Matrix:
    """One Newton step on f at the symbol(s) x: x − f'(x)/f''(x), or x − H⁻¹∇f in d dims.

    On a quadratic it lands on the minimiser from any x.

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> x, a, b = sp.symbols("x a b")
    >>> sp.simplify(S.newton_step(a * x**2 / 2 - b * x, x))
    b/a
    """
    expr = _expr("f", f)
    variables = _variables(x)
    if not _is_vector(x):
        v = variables[0]
        return v - sp.diff(expr, v) / sp.diff(expr, v, 2)
    return sp.Matrix(variables) - hessian(expr, variables).inv() * gradient(expr, variables)


# --- momentum, Adam, SGD ------------------------------------------------------------------


def momentum_effective_learning_rate(learning_rate: Any, beta: Any) -> sp.Expr:
    """The step of heavy-ball momentum under a constant gradient: η/(1 − β).

    The velocity is the geometric series Σ_k βᵏ g = g/(1 − β).

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> eta, beta = sp.symbols("eta beta")
    >>> S.momentum_effective_learning_rate(eta, beta)
    eta/(1 - beta)
    """
    return _expr("learning_rate", learning_rate) / (1 - _expr("beta", beta))


def _gradient_sequence(gradients: Any) -> list[sp.Expr]:
    items = list(gradients) if isinstance(gradients, (list, tuple)) else [gradients]
    if not items:
        raise ValueError("gradients must hold at least one gradient.")
    return [_expr(f"gradients[{i}]", g) for i, g in enumerate(items)]


def adam_m_hat(gradients: Any, beta1: Any) -> sp.Expr:
    """Adam's bias-corrected first moment m̂_t = m_t / (1 − β₁ᵗ) after gradients g_1..g_t.

    m_t = (1 − β₁) Σ_s β₁^(t−s) g_s. A single gradient (t = 1) gives m̂ = g.

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> g, b1 = sp.symbols("g beta1")
    >>> S.adam_m_hat(g, b1)
    g
    >>> sp.simplify(S.adam_m_hat([g, g, g], b1))
    g
    """
    gs = _gradient_sequence(gradients)
    b = _expr("beta1", beta1)
    t = len(gs)
    m = sp.Add(*[(1 - b) * b ** (t - s) * g for s, g in enumerate(gs, start=1)])
    return sp.cancel(m / (1 - b**t))


def adam_v_hat(gradients: Any, beta2: Any) -> sp.Expr:
    """Adam's bias-corrected second moment v̂_t = v_t / (1 − β₂ᵗ); at t = 1, v̂ = g².

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> g, b2 = sp.symbols("g beta2")
    >>> S.adam_v_hat(g, b2)
    g**2
    """
    gs = _gradient_sequence(gradients)
    b = _expr("beta2", beta2)
    t = len(gs)
    v = sp.Add(*[(1 - b) * b ** (t - s) * g**2 for s, g in enumerate(gs, start=1)])
    return sp.cancel(v / (1 - b**t))


def adam_first_step(g: Any, learning_rate: Any, eps: Any = 0) -> sp.Expr:
    """Adam's first update Δw = −η m̂/(√v̂ + ε) = −η g/(√(g²) + ε), since m̂ = g, v̂ = g².

    For real g and ε = 0 it is −η·sign(g): a step of size η whatever the gradient's scale.
    The decay rates cancel at t = 1.

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> g = sp.Symbol("g", real=True)
    >>> eta = sp.Symbol("eta", positive=True)
    >>> S.adam_first_step(g, eta)
    -eta*g/Abs(g)
    >>> S.adam_first_step(-1000, eta)
    eta
    """
    b1, b2 = sp.symbols("beta1 beta2")
    m_hat = adam_m_hat(g, b1)
    v_hat = adam_v_hat(g, b2)
    return -_expr("learning_rate", learning_rate) * m_hat / (sp.sqrt(v_hat) + _expr("eps", eps))


def weight_decay_update(
    w: Any, grad: Any, learning_rate: Any, weight_decay: Any
) -> sp.Expr | sp.Matrix:
    """SGD with weight decay: (1 − ηλ) w − η ∇L, the plain step on L + (λ/2)‖w‖².

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> w, g, eta, lam = sp.symbols("w g eta lambda")
    >>> S.weight_decay_update(w, g, eta, lam)
    -eta*g + w*(-eta*lambda + 1)
    """
    eta = _expr("learning_rate", learning_rate)
    lam = _expr("weight_decay", weight_decay)
    if _is_vector(w):
        wc, gc = _column("w", w), _column("grad", grad)
        if wc.shape != gc.shape:
            raise ValueError("w and grad must have the same length.")
        return (1 - eta * lam) * wc - eta * gc
    return (1 - eta * lam) * _expr("w", w) - eta * _expr("grad", grad)


def minibatch_gradient_variance(variance: Any, batch_size: Any) -> sp.Expr:
    """Variance of the mean of B independent per-example gradients: σ²/B.

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> sigma, B = sp.symbols("sigma B", positive=True)
    >>> S.minibatch_gradient_variance(sigma**2, B)
    sigma**2/B
    >>> sp.sqrt(S.minibatch_gradient_variance(sigma**2, B))
    sigma/sqrt(B)
    """
    return _expr("variance", variance) / _expr("batch_size", batch_size)


def linear_scaling_learning_rate(
    base_learning_rate: Any, base_batch_size: Any, batch_size: Any
) -> sp.Expr:
    """The linear scaling rule: η = η₀ · B / B₀.

    Examples
    --------
    >>> from mlfund.optimization import symbolic as S
    >>> S.linear_scaling_learning_rate(0.1, 256, 1024)
    0.400000000000000
    """
    return (
        _expr("base_learning_rate", base_learning_rate)
        * _expr("batch_size", batch_size)
        / _expr("base_batch_size", base_batch_size)
    )


# --- deep nets ----------------------------------------------------------------------------


def xavier_variance(n_in: Any, n_out: Any) -> sp.Expr:
    """Xavier/Glorot initialisation variance: 2/(n_in + n_out).

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> S.xavier_variance(*sp.symbols("n_in n_out"))
    2/(n_in + n_out)
    """
    return 2 / (_expr("n_in", n_in) + _expr("n_out", n_out))


def he_variance(n_in: Any) -> sp.Expr:
    """He initialisation variance for ReLU layers: 2/n_in.

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> S.he_variance(sp.Symbol("n_in"))
    2/n_in
    """
    return 2 / _expr("n_in", n_in)


def sigmoid_chain_gradient_bound(n_layers: Any) -> sp.Expr:
    """The bound (1/4)^L on the product of L sigmoid derivatives.

    Examples
    --------
    >>> import sympy as sp
    >>> from mlfund.optimization import symbolic as S
    >>> S.sigmoid_chain_gradient_bound(sp.Symbol("L"))
    (1/4)**L
    >>> S.sigmoid_chain_gradient_bound(3)
    1/64
    """
    return sp.Rational(1, 4) ** _expr("n_layers", n_layers)

