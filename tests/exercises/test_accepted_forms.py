"""Does a correct answer in any of the forms learners write pass, and a wrong one still fail?

One section per class of form: the question's own domain (excluded points, a simplex, an
ordering, a positivity), LaTeX as learners type it, pasted sympy output, exact decimals,
the functions learners reach for. Each table holds accepted correct forms and wrong forms
that must still be rejected, over several exercises.
"""

from __future__ import annotations

import re

import pytest
import sympy as sp

from mlfund import exercises
from mlfund.check import CORRECT, INCORRECT, INVALID, check
from mlfund.check._equiv import DIFFERENT, equivalent, seed_for
from mlfund.check._score import namespace, reference_expression, region

# a mistake note, or one of the verdicts
Expect = str


def verdict_of(exercise_id, answer):
    return check(exercise_id, answer).result


def assert_verdict(exercise_id, answer, expected: Expect):
    result = verdict_of(exercise_id, answer)
    if expected in (CORRECT, INCORRECT, INVALID):
        assert result.verdict == expected, (answer, result.feedback)
        if expected != CORRECT:
            assert result.score < 1.0
    else:  # a catalogued mistake
        assert result.verdict == INCORRECT, (answer, result.feedback)
        assert result.mistake == expected, (answer, result.feedback)
    return result


# ---------------------------------------------------------------------------------------
# 1. points outside the question's domain

DOMAIN_CASES = [
    # w ≠ 0: sign(w) written as w/|w|
    ("w01-l1-subgradient", "lam*w/Abs(w)", CORRECT),
    ("w01-l1-subgradient", "lam*Abs(w)/w", CORRECT),
    ("w01-l1-subgradient", "lam*sign(w)", CORRECT),
    ("w01-l1-subgradient", "lam*w", INCORRECT),
    ("w01-l1-subgradient", "-lam*w/Abs(w)", INCORRECT),
    ("w01-l1-subgradient", "lam", "missing-sign"),
    # g ≠ 0
    ("w03-adam-first-step", "-eta*g/Abs(g)", CORRECT),
    ("w03-adam-first-step", "-eta*g/sqrt(g**2)", CORRECT),
    ("w03-adam-first-step", "-eta*sign(g)", CORRECT),
    ("w03-adam-first-step", "eta*g/Abs(g)", "sign-flip"),
    ("w03-adam-first-step", "-eta*g", "sgd-step"),
    # softmax outputs on the simplex
    ("w01-softmax-gradient-3", ["-(p2 + p3)", "p2", "p3"], CORRECT),
    ("w01-softmax-gradient-3", ["p1 - 1", "1 - p1 - p3", "p3"], CORRECT),
    ("w01-softmax-gradient-3", ["-(p2 + p3)", "p2", "-p3"], INCORRECT),
    ("w01-softmax-gradient-3", ["p1", "p2", "p3"], INCORRECT),
    ("w01-softmax-gradient-3", ["1 - p1", "-p2", "-p3"], "y-minus-p"),
    # orderings: the smallest eigenvalue below the largest
    ("w12-gd-rate", "Abs(L - m)/(L + m)", CORRECT),
    ("w12-gd-rate", "(1 - m/L)/(1 + m/L)", CORRECT),
    ("w12-gd-rate", "Abs(m - L)/(m - L)", INCORRECT),
    ("w12-gd-rate", "1 - m/L", "step-one-over-l"),
    ("w02-optimal-lr", "2/(lam_max + lam_min)", CORRECT),
    ("w02-optimal-lr", "2/(Max(lam_min, lam_max) + Min(lam_min, lam_max))", CORRECT),
    ("w02-optimal-lr", "2/(2*lam_max)", INCORRECT),
    # positivity: a covariance matrix is positive definite
    ("w06-cuped-min-variance", "sqrt((var_y - cov_yx**2/var_x)**2)", CORRECT),
    ("w06-cuped-min-variance", "Abs(var_y - cov_yx**2/var_x)", CORRECT),
    ("w06-cuped-min-variance", "Abs(var_y - cov_yx**2/var_y)", INCORRECT),
    ("w06-cuped-min-variance", "var_y + cov_yx**2/var_x", "plus"),
]


@pytest.mark.parametrize("exercise_id, answer, expected", DOMAIN_CASES,
                         ids=[f"{c[0]}:{c[1]}" for c in DOMAIN_CASES])
def test_is_a_form_judged_inside_the_questions_domain(exercise_id, answer, expected):
    assert_verdict(exercise_id, answer, expected)


CONSTRAINED = [s for s in exercises.catalogue() if s.constraints and s.kind == "expression"]


def test_do_several_exercises_state_their_constraints():
    kinds = {op for s in CONSTRAINED for c in s.constraints
             for op in ("!=", "==", "<", "<=") if f" {op} " in c}
    assert len(CONSTRAINED) >= 6
    assert kinds >= {"!=", "==", "<"}


@pytest.mark.parametrize("spec", CONSTRAINED, ids=[s.id for s in CONSTRAINED])
def test_is_a_cited_point_always_inside_the_question(spec):
    ns = namespace(spec)
    reference = reference_expression(spec, ns)
    symbols = sorted(ns.symbols.values(), key=lambda s: s.name)
    # wrong answers that differ somewhere, one undefined where the question excludes a point
    shifts = [sum(symbols) + 1, 1 / (symbols[0] - symbols[-1] + sp.Rational(1, 3))]
    for text in spec.constraints:
        left, _, right = re.split(r"(==|!=|<=|>=|<|>)", text)
        if "!=" in text:
            shifts.append(1 / (sp.sympify(left, locals=ns.symbols)
                               - sp.sympify(right, locals=ns.symbols)))
    where = region(spec)
    for shift in shifts:
        wrong = reference + (sp.ones(*reference.shape) * shift
                             if isinstance(reference, sp.MatrixBase) else shift)
        outcome = equivalent(wrong, reference, spec.symbols, seed=seed_for(spec.id), region=where)
        if outcome.decision == DIFFERENT and outcome.point:
            assert where.contains(outcome.point), (spec.id, outcome.point)


def test_is_an_excluded_point_never_cited_in_feedback():
    result = verdict_of("w01-l1-subgradient", "lam*w/Abs(w) + lam")
    assert result.verdict == INCORRECT
    assert "w = 0," not in result.feedback and "w = 0)" not in result.feedback
    result = verdict_of("w03-adam-first-step", "-eta*g/Abs(g) + 1/g")
    assert "g = 0," not in result.feedback and "g = 0)" not in result.feedback


# ---------------------------------------------------------------------------------------
# 2. LaTeX a learner writes; declared names and their typeset forms are the same name

LATEX_CASES = [
    ("w01-l1-subgradient", r"\lambda \operatorname{sgn}(w)", CORRECT),
    ("w01-l1-subgradient", r"\lambda\,\mathrm{sgn}(w)", CORRECT),
    ("w01-l1-subgradient", r"\lambda \frac{w}{\left|w\right|}", CORRECT),
    ("w01-l1-subgradient", r"\frac{\lambda w}{\left\lvert w\right\rvert}", CORRECT),
    ("w01-l1-subgradient", r"-\lambda \operatorname{sgn}(w)", INCORRECT),
    ("w01-l1-subgradient", r"2\lambda w", "l2-gradient"),
    ("w03-xavier-variance", r"\frac{2}{n_{\text{in}} + n_{\text{out}}}", CORRECT),
    ("w03-xavier-variance", r"\frac2{n_\text{in}+n_\mathrm{out}}", CORRECT),
    ("w03-xavier-variance", r"\frac{1}{n_{\text{in}} + n_{\text{out}}}", INCORRECT),
    ("w03-he-variance", r"\frac{2}{n_\mathrm{in}}", CORRECT),
    ("w03-he-variance", r"\frac{2}{n_\mathrm{out}}", INCORRECT),
    ("w01-logistic-gradient-scalar",
     r"\frac12\left((\sigma(w x_1)-y_1)x_1 + (\sigma(w x_2)-y_2)x_2\right)", CORRECT),
    ("w01-logistic-gradient-scalar",
     r"\tfrac{1}{2}\bigl[(\sigma(wx_1)-y_1)\cdot x_1 + (\sigma(wx_2)-y_2)\cdot x_2\bigr]", CORRECT),
    ("w01-logistic-gradient-scalar",
     r"(\sigma(w x_1)-y_1)x_1 + (\sigma(w x_2)-y_2)x_2", "missing-1-over-n"),
    ("w01-logistic-gradient-scalar",
     r"\frac12\left((\sigma(w x_1)-y_1)x_2 + (\sigma(w x_2)-y_2)x_1\right)", INCORRECT),
    ("w01-sigmoid-derivative", r"\frac{\exp(-z)}{\left(1+\exp(-z)\right)^2}", CORRECT),
    ("w01-sigmoid-derivative", r"\sigma(z)\cdot\left(1-\sigma(z)\right)", CORRECT),
    ("w01-sigmoid-derivative", r"σ(z)\,(1 − σ(z))", CORRECT),
    ("w01-sigmoid-derivative", r"\sigma(z)\cdot\left(1+\sigma(z)\right)", "one-plus-sigma"),
    ("w09-expected-log-loss", r"-q\ln p - (1-q)\ln(1-p)", CORRECT),
    ("w09-expected-log-loss", r"-q\ln p - (1-q)\ln p", INCORRECT),
    ("w04-centred-sum-expectation", r"(n-1)\sigma^2", CORRECT),
    ("w04-variance-mle-expectation", r"\frac{n-1}{n}\sigma^{2}", CORRECT),
    ("w04-variance-mle-expectation", r"\sigma^{2}", INCORRECT),
    ("w02-optimal-lr", r"\frac{2}{\lambda_{\min}+\lambda_{\max}}", CORRECT),
    ("w02-optimal-lr", r"\frac2{\lambda_\text{min}+\lambda_\text{max}}", CORRECT),
    ("w02-optimal-lr", r"\frac{1}{\lambda_{\max}}", "one-over-lambda-max"),
    ("w08-binormal-auc-z", r"\frac{\mu_\text{pos} - \mu_{\mathrm{neg}}}{\sigma\sqrt2}", CORRECT),
    ("w08-binormal-auc-z", r"\frac{\mu_\text{neg} - \mu_\text{pos}}{\sigma\sqrt2}", "sign-flip"),
    ("w06-welch-df", r"\frac{(v_a/n_a + v_b/n_b)^2}{\frac{(v_a/n_a)^2}{n_a - 1} + "
     r"\frac{(v_b/n_b)^2}{n_b - 1}}", CORRECT),
    ("w06-welch-df", r"\frac{(v_{\text{a}}/n_{\text{a}} + v_{\text{b}}/n_{\text{b}})^2}"
     r"{\frac{(v_{\text{a}}/n_{\text{a}})^2}{n_{\text{a}} - 1} + "
     r"\frac{(v_{\text{b}}/n_{\text{b}})^2}{n_{\text{b}} - 1}}", CORRECT),
    ("w03-adam-m-hat", r"\frac{\beta_1 g_1 + g_2}{1+\beta_1}", CORRECT),
    ("w03-adam-m-hat", r"\frac{g_1 + g_2}{2}", INCORRECT),
    ("w02-iterations-formula", r"\frac{\ln(\epsilon/e_0)}{\ln\rho}", CORRECT),
    ("w02-iterations-formula", r"\log_\rho\frac{\epsilon}{e_0}", CORRECT),
    ("w02-iterations-formula", r"\log_\rho\frac{e_0}{\epsilon}", INCORRECT),
    ("w10-abs-difference", r"2\sigma/\sqrt\pi", CORRECT),
    ("w10-abs-difference", r"\sigma/\sqrt\pi", INCORRECT),
]


@pytest.mark.parametrize("exercise_id, answer, expected", LATEX_CASES,
                         ids=[f"{c[0]}:{c[1]}" for c in LATEX_CASES])
def test_is_latex_as_learners_write_it_read(exercise_id, answer, expected):
    assert_verdict(exercise_id, answer, expected)


PYTHON_NAME_CASES = [
    ("w01-logistic-gradient-scalar", "((sigmoid(w*x_1)-y_1)*x_1 + (sigmoid(w*x_2)-y_2)*x_2)/2",
     CORRECT),
    ("w03-adam-m-hat", "(beta_1*g_1 + g_2)/(1 + beta_1)", CORRECT),
    ("w02-optimal-lr", "2/(lambda_min + lambda_max)", CORRECT),
    ("w02-optimal-lr", "2/(λ_min + λ_max)", CORRECT),
    ("w04-centred-sum-expectation", "(n − 1)*σ²", CORRECT),
    ("w04-centred-sum-expectation", "n*sigma^2", "mean-known"),
    ("w04-gaussian-variance-mle", "s2/n - s^2/n^2", CORRECT),    # s is declared: s^2 is s²
    ("w04-gaussian-variance-mle", "s_2/n - s^2/n^2", CORRECT),
    ("w10-abs-difference", "2σ/√π", INVALID),                    # 2σ: a * is missing
]


@pytest.mark.parametrize("exercise_id, answer, expected", PYTHON_NAME_CASES,
                         ids=[f"{c[0]}:{c[1]}" for c in PYTHON_NAME_CASES])
def test_are_typed_forms_of_declared_names_read(exercise_id, answer, expected):
    result = assert_verdict(exercise_id, answer, expected)
    if expected == INVALID:
        assert "Write multiplication with *" in result.feedback


def test_are_typeset_names_of_sympy_symbols_read_as_declared():
    x_1, x_2, y_1, y_2, w = sp.symbols("x_1 x_2 y_1 y_2 w")
    sigma = sp.Function("sigma")
    answer = ((sigma(w * x_1) - y_1) * x_1 + (sigma(w * x_2) - y_2) * x_2) / 2
    assert verdict_of("w01-logistic-gradient-scalar", answer).verdict == CORRECT
    lam_min, lam_max = sp.symbols("lambda_min lambda_max", positive=True)
    assert verdict_of("w02-optimal-lr", 2 / (lam_min + lam_max)).verdict == CORRECT
    assert verdict_of("w02-optimal-lr", 1 / lam_max).mistake == "one-over-lambda-max"
    result = verdict_of("w02-optimal-lr", 2 / (sp.Symbol("lambda_mid") + lam_max))
    assert result.verdict == INVALID and "unknown symbol 'lambda_mid'" in result.feedback


def test_does_a_missing_star_say_where():
    result = verdict_of("w01-sigmoid-derivative", "sigma(z)(1 - sigma(z))")
    assert result.verdict == INVALID
    assert "a * is missing between sigma(z) and (1 - sigma(z))" in result.feedback
    result = verdict_of("w01-bce-dp-dz", "p(1 - p)")
    assert "a * is missing between p and (1 - p)" in result.feedback


# ---------------------------------------------------------------------------------------
# 3. the functions learners reach for; an unknown one says which exist

FUNCTION_CASES = [
    ("w01-sigmoid-derivative", "1/(4*cosh(z/2)^2)", CORRECT),
    ("w01-sigmoid-derivative", "1/(2 + 2*cosh(z))", CORRECT),
    ("w01-sigmoid-derivative", "(1 - tanh(z/2)^2)/4", CORRECT),
    ("w01-sigmoid-derivative", r"\frac{1}{4\cosh^{2}(z/2)}", CORRECT),   # \cosh^2 x = (\cosh x)^2
    ("w01-sigmoid-derivative", r"\frac{1}{4\cosh^{3}(z/2)}", INCORRECT),
    ("w01-sigmoid-derivative", r"\frac{1}{4\left(\cosh(z/2)\right)^{2}}", CORRECT),
    ("w01-sigmoid-derivative", "1/(4*sinh(z/2)^2)", INCORRECT),
    ("w01-bce-dl-dz", "(1 + tanh(z/2))/2 - y", CORRECT),
    ("w01-bce-dl-dz", "tanh(z) - y", INCORRECT),
    ("w09-expected-log-loss", "-q*log(p) - (1 - q)*log1p(-p)", CORRECT),
    ("w09-expected-log-loss", "-q*log(p) - (1 - q)*log1p(p)", INCORRECT),
    ("w02-momentum-velocity", "g*expm1(t*log(beta))/(beta - 1)", CORRECT),
    ("w02-momentum-velocity", "g*expm1(t*log(beta))/(1 - beta)", INCORRECT),
    ("w01-l1-subgradient", "lam*sgn(w)", CORRECT),
    ("w01-l1-subgradient", "Max(lam*w, -lam*w)/w", CORRECT),
    ("w01-l1-subgradient", "Min(lam*w, -lam*w)/w", INCORRECT),
    ("w01-l1-subgradient", "max(lam, -lam)*sign(w)", CORRECT),
    ("w10-best-of-two", "mu + sigma*(2*Phi(0) - 1 + 1/sqrt(pi))", CORRECT),
    ("w10-best-of-two", "mu + sigma*erf(0) + sigma/sqrt(pi)", CORRECT),
    ("w10-best-of-two", "mu + sigma*Phi(0)", INCORRECT),
    ("w08-binormal-auc-z", "Phi((mu_pos - mu_neg)/(sigma*sqrt(2)))", INCORRECT),   # the AUC, not x
    ("w08-binormal-auc-z", "(mu_pos - mu_neg)/(sigma*sqrt(2))", CORRECT),
]


@pytest.mark.parametrize("exercise_id, answer, expected", FUNCTION_CASES,
                         ids=[f"{c[0]}:{c[1]}" for c in FUNCTION_CASES])
def test_are_the_usual_functions_read(exercise_id, answer, expected):
    assert_verdict(exercise_id, answer, expected)


def test_are_sympy_objects_with_these_functions_read():
    z = sp.Symbol("z", real=True)
    assert verdict_of("w01-sigmoid-derivative", 1 / (4 * sp.cosh(z / 2) ** 2)).verdict == CORRECT
    phi = sp.Function("Phi")
    assert verdict_of("w10-best-of-two",
                      sp.Symbol("mu") + sp.Symbol("sigma") * (2 * phi(0) - 1 + 1 / sp.sqrt(sp.pi))
                      ).verdict == CORRECT
    sigmoid = sp.Function("sigmoid")
    assert verdict_of("w01-sigmoid-derivative", sigmoid(z) * (1 - sigmoid(z))).verdict == CORRECT
    assert verdict_of("w01-sigmoid-derivative", sigmoid(z) * (1 + sigmoid(z))).mistake == \
        "one-plus-sigma"


@pytest.mark.parametrize("answer", ["softplus(z)", sp.Function("softplus")(sp.Symbol("z"))])
def test_does_an_unknown_function_say_which_exist(answer):
    result = verdict_of("w01-sigmoid-derivative", answer)
    assert result.verdict == INVALID
    for name in ("sigma", "exp", "log", "sqrt", "tanh", "cosh", "erf", "Phi"):
        assert name in result.feedback


# ---------------------------------------------------------------------------------------
# 4. decimals that are exact; decimals that stand for a quantile or a constant

DECIMAL_CASES = [
    ("w04-proportion-standard-error", "(p*(1-p)/n)**0.5", CORRECT),
    ("w04-proportion-standard-error", r"\left(\frac{p(1-p)}{n}\right)^{0.5}", CORRECT),
    ("w04-proportion-standard-error", "(p*(1-p)/n)**0.49", INCORRECT),
    ("w04-proportion-standard-error", "0.5*(p*(1-p)/n)**0.5", INCORRECT),
    ("w05-wald-half-width", "z*(x/n*(1 - x/n)/n)**0.5", CORRECT),
    ("w05-wald-half-width", "1.96*(x/n*(1 - x/n)/n)**0.5", INVALID),
    ("w05-wald-half-width", "2.576*sqrt(x*(n - x)/n**3)", INVALID),
    ("w03-xavier-variance", "2.0/(n_in + n_out)", CORRECT),
    ("w03-xavier-variance", "1.0/(n_in + n_out)", INCORRECT),
    ("w03-he-variance", "2*n_in**-1.0", CORRECT),
    ("w03-minibatch-variance", "sigma**2.0/B", CORRECT),
    ("w03-minibatch-variance", "0.5*sigma**2.0/B", INCORRECT),
    ("w09-expected-brier", "0.25 - 0.25 + q*(1 - p)**2 + (1 - q)*p**2", CORRECT),
    ("w10-abs-difference", "2*sigma/1.772", INVALID),          # sqrt(pi), rounded
    ("w10-abs-difference", "1.128*sigma", INVALID),            # 2/sqrt(pi), rounded
    ("w10-cv-standard-error", "s*k**-0.5", CORRECT),
    ("w10-cv-standard-error", "s*k**-0.333", INVALID),          # 1/3, rounded
]


@pytest.mark.parametrize("exercise_id, answer, expected", DECIMAL_CASES,
                         ids=[f"{c[0]}:{c[1]}" for c in DECIMAL_CASES])
def test_is_an_exact_decimal_read_exactly(exercise_id, answer, expected):
    assert_verdict(exercise_id, answer, expected)


def test_is_a_decimal_quantile_told_to_use_the_named_symbol():
    result = verdict_of("w05-wald-half-width", "1.96*sqrt(x*(n - x)/n**3)")
    assert "write the symbol z" in result.feedback
    from mlfund.check._parse import ParseError, exact_decimal

    with pytest.raises(ParseError, match="write the symbol z_alpha or z_beta"):
        exact_decimal("0.84", {"z_alpha": None, "z_beta": None, "p_a": None})
    result = verdict_of("w10-abs-difference", "2*sigma/1.772")
    assert "write sqrt(pi)" in result.feedback


def test_are_sympy_floats_read_as_the_decimals_they_print():
    p, n = sp.Symbol("p", positive=True), sp.Symbol("n", positive=True)
    assert verdict_of("w04-proportion-standard-error", (p * (1 - p) / n) ** 0.5).verdict == CORRECT
    result = verdict_of("w04-proportion-standard-error", (p * (1 - p) / n) ** (1 / 3))
    assert result.verdict == INVALID and "1/3 rounded" in result.feedback
    x, n2, z = sp.Symbol("x"), sp.Symbol("n"), sp.Symbol("z")
    result = verdict_of("w05-wald-half-width", 1.96 * sp.sqrt(x * (n2 - x) / n2**3))
    assert result.verdict == INVALID and "write the symbol z" in result.feedback
    assert verdict_of("w05-wald-half-width", z * sp.sqrt(x * (n2 - x) / n2**3)).verdict == CORRECT


# ---------------------------------------------------------------------------------------
# 5. sympy output a learner pastes: a Piecewise or a Sum, read where its condition holds

def _momentum_symbols():
    return (sp.Symbol("g", real=True), sp.Symbol("beta", positive=True),
            sp.Symbol("t", positive=True, integer=True), sp.Symbol("k", integer=True))


PASTED_CASES = [
    ("w02-momentum-velocity", "Piecewise((g*t, Eq(beta, 1)), (g*(1 - beta**t)/(1 - beta), True))",
     CORRECT),
    ("w02-momentum-velocity", "g*Piecewise((t, Eq(beta, 1)), ((1 - beta**t)/(1 - beta), True))",
     CORRECT),
    ("w02-momentum-velocity",
     "Piecewise((g*(1 - beta**t)/(1 - beta), (beta > 0) & (beta < 1)), (0, True))", CORRECT),
    ("w02-momentum-velocity",
     "Piecewise((g*t, Eq(beta, 1)), (g*(1 - beta**(t + 1))/(1 - beta), True))", "off-by-one"),
    ("w02-momentum-velocity", "Piecewise((g*(1 - beta**t)/(1 - beta), beta > 1), (0, True))",
     INCORRECT),                                   # its condition never holds for β < 1
    ("w02-momentum-velocity", "Sum(g*beta**k, (k, 0, t - 1))", CORRECT),
    ("w02-momentum-velocity", "summation(g*beta**k, (k, 0, t - 1))", CORRECT),
    ("w02-momentum-velocity", "Sum(g*beta**(t - k), (k, 1, t))", CORRECT),
    ("w02-momentum-velocity", "Sum(g*beta**k, (k, 0, t))", "off-by-one"),
    ("w02-momentum-velocity", "Sum(g*beta**k, (k, 1, t))", INCORRECT),
    ("w01-l1-subgradient", "Piecewise((lam, w > 0), (-lam, w < 0))", CORRECT),
    ("w01-l1-subgradient", "Piecewise((lam, w > 0), (-lam, True))", CORRECT),
    ("w01-l1-subgradient", "Piecewise((lam, w > 0), (lam, True))", "missing-sign"),
    ("w01-l1-subgradient", "Piecewise((lam, w > 5))", INCORRECT),
    ("w04-centred-sum-expectation", "Sum(sigma2 - sigma2/n, (i, 1, n))", CORRECT),
    ("w04-centred-sum-expectation", "Sum(sigma2, (i, 1, n))", "mean-known"),
    ("w10-cv-correlated-variance",
     "Sum(Sum(Piecewise((s**2, Eq(i, j)), (rho*s**2, True)), (i, 1, k)), (j, 1, k))/k**2",
     CORRECT),
    ("w10-cv-correlated-variance",
     "Sum(Sum(Piecewise((s**2, Eq(i, j)), (rho*s**2, True)), (i, 1, k)), (j, 1, k))/k",
     INCORRECT),
    ("w04-poisson-mle", ["s/n"], CORRECT),                          # solve's list of one
    ("w04-poisson-mle", ["n/s"], "inverted"),
    ("w02-momentum-velocity", "Eq(beta, 1)", INVALID),             # a condition, not an answer
    ("w02-momentum-velocity", "Piecewise((g, beta))", INVALID),
]


@pytest.mark.parametrize("exercise_id, answer, expected", PASTED_CASES,
                         ids=[f"{c[0]}:{c[1]}" for c in PASTED_CASES])
def test_is_pasted_sympy_output_read_where_its_condition_holds(exercise_id, answer, expected):
    assert_verdict(exercise_id, answer, expected)


def test_are_sympy_piecewise_and_sum_objects_read():
    g, beta, t, k = _momentum_symbols()
    geometric = sp.summation(beta**k * g, (k, 0, t - 1))
    assert geometric.has(sp.Piecewise)
    assert verdict_of("w02-momentum-velocity", geometric).verdict == CORRECT
    summed = sp.Sum(beta**k * g, (k, 0, t - 1))
    assert verdict_of("w02-momentum-velocity", summed).verdict == CORRECT
    assert verdict_of("w02-momentum-velocity",
                      sp.summation(beta**k * g, (k, 0, t))).mistake == "off-by-one"
    lam, w = sp.Symbol("lam", positive=True), sp.Symbol("w", real=True)
    assert verdict_of("w01-l1-subgradient",
                      sp.Piecewise((lam, w > 0), (-lam, True))).verdict == CORRECT
    rate, s, n = sp.Symbol("lam"), sp.Symbol("s", positive=True), sp.Symbol("n", positive=True)
    solved = sp.solve(s / rate - n, rate)
    assert solved == [s / n]
    assert verdict_of("w04-poisson-mle", solved).verdict == CORRECT


def test_is_an_unevaluated_derivative_told_to_call_doit():
    g, beta, t, _ = _momentum_symbols()
    result = verdict_of("w02-momentum-velocity", sp.Derivative(g * beta**t, beta))
    assert result.verdict == INVALID and ".doit()" in result.feedback
    result = verdict_of("w02-momentum-velocity", sp.Eq(g, 1))
    assert result.verdict == INVALID and "not an answer" in result.feedback


# ---------------------------------------------------------------------------------------
# 6. common misconceptions get a named note; otherwise the feedback says how it differs

MISCONCEPTION_CASES = [
    # the quotient rule without the squared denominator
    ("w01-sigmoid-derivative", "exp(-z)/(1 + exp(-z))", "quotient-rule-denominator"),
    ("w01-sigmoid-derivative", "1 - sigma(z)", "quotient-rule-denominator"),
    ("w06-ratio-gradient", ["1/mu_y", "-mu_x/mu_y"], "missing-square"),
    # an extra σ′ factor in dL/dz
    ("w01-bce-dl-dz", "(sigma(z) - y)*sigma(z)*(1 - sigma(z))", "extra-sigma-prime"),
    ("w12-penalised-logistic-gradient",
     "sigma(theta*u)*(1 - sigma(theta*u))*(sigma(theta*u) - t)*u + 2*mu*theta",
     "extra-sigma-prime"),
    # dL/dp where dL/dz is asked
    ("w01-softmax-gradient-3", ["-1/p1", "0", "0"], "dl-dp"),
    ("w01-bce-dl-dz", "-y/sigma(z) + (1 - y)/(1 - sigma(z))", "dl-dp-only"),
    # the full ascent step for weight decay
    ("w03-weight-decay", "w + eta*(g + lam*w)", "full-ascent"),
    ("w03-weight-decay", "(1 - eta*lam)*w + eta*g", "sign-flip"),
    ("w02-max-stable-lr-1d", "a/2", "half-curvature"),
    ("w02-max-stable-lr-1d", "1/(2*a)", "half-bound"),
    ("w12-weight-decay-step", "theta + alpha*(g + 2*mu*theta)", "full-ascent"),
    ("w12-weight-decay-step", "(1 - 2*alpha*mu)*theta + alpha*g", "ascent"),
    ("w12-weight-decay-step", "theta - alpha*(g + 2*mu*theta)", CORRECT),
]


@pytest.mark.parametrize("exercise_id, answer, expected", MISCONCEPTION_CASES,
                         ids=[f"{c[0]}:{c[1]}" for c in MISCONCEPTION_CASES])
def test_is_a_common_misconception_named(exercise_id, answer, expected):
    assert_verdict(exercise_id, answer, expected)


def test_are_the_sum_and_the_naive_log_loss_named():
    import numpy as np

    def sum_of_squares_gradient(w, X, y):
        return 2 * X.T @ (X @ w - y)

    assert verdict_of("w01-mse-gradient", sum_of_squares_gradient).mistake == "missing-1-over-n"

    def naive_log_loss(y, p):     # nan where p is exactly 0 or 1
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))

    result = verdict_of("w09-log-loss", naive_log_loss)
    assert result.mistake == "not-clipped" and result.score == 0.5

    def other_nan(y, p):          # nan too, but not that mistake: no note, no credit
        return 2 * naive_log_loss(y, p)

    result = verdict_of("w09-log-loss", other_nan)
    assert result.mistake is None and result.score == 0.0 and "NaN" in result.feedback


NUMBER_SPECS = [s for s in exercises.catalogue() if s.kind == "number"]


@pytest.mark.parametrize("spec", NUMBER_SPECS, ids=[s.id for s in NUMBER_SPECS])
def test_is_a_mistake_given_to_fewer_decimals_still_that_mistake(spec):
    from mlfund.check._score import _decimals_given

    reference = float(spec.reference())
    values = {m.note: float(m.value()) for m in spec.mistakes}
    for mistake in spec.mistakes:
        wrong = values[mistake.note]
        for decimals in (1, 2, 3, 4):
            given = round(wrong, decimals)
            shown = _decimals_given(given)     # 1.0 shows no decimal: it is 1
            if (given == wrong or shown is None or round(reference, shown) == given
                    or abs(given - reference) <= spec.atol + spec.rtol * abs(reference)):
                continue
            result = verdict_of(spec.id, given)
            assert result.verdict == INCORRECT, (mistake.note, given, result.feedback)
            named = {note for note, value in values.items()
                     if round(value, shown) == given
                     or abs(given - value) <= spec.atol + spec.rtol * abs(value)}
            assert result.mistake in named, (mistake.note, given, result.feedback)


def test_is_a_rounded_mistake_named_as_the_issue_shows():
    result = verdict_of("w02-iterations-kappa", 690.75)
    assert result.mistake == "not-rounded"
    assert verdict_of("w02-iterations-kappa", 691).verdict == CORRECT
    # a single figure says too little to name a mistake by
    assert verdict_of("w01-sigmoid-derivative-max", 0.3).mistake is None


DIFFER_CASES = [
    # (exercise, answer, words the feedback must contain)
    ("w01-sigmoid-derivative", "2*exp(-z)/(1 + exp(-z))**2", "2 times the expected one"),
    ("w01-bce-dp-dz", "p*(1 - p)/2", "1/2 times the expected one"),
    ("w07-knn-variance", "-sigma**2/k", "The sign is wrong"),
    ("w01-bce-dl-dp", "-y/p", "A term is missing"),
    ("w07-ridge-gradient", "2*(w*x1 - y1)*x1 + 2*lam*w", "A term is missing"),
    ("w01-bce-dl-dp", "-y/p + 2*(1 - y)/(1 - p)", "A term is counted twice"),
    ("w07-knn-variance", "sigma**2/k + sigma**2", "a term too many"),
    ("w01-sigmoid-derivative", "exp(-z)/(1 + exp(-z))**2 + 1", "A constant term is off"),
    ("w01-softmax-gradient-3", ["p2", "p1 - 1", "p3"], "in another order"),
    ("w06-ratio-gradient", ["-mu_x/mu_y**2", "1/mu_y"], "in another order"),
    ("w07-knn-variance", "sigma**2/(k + 1)", "only in the limit k → ∞"),
    ("w04-proportion-standard-error", "sqrt(p*(1 - p)/(n - 1))", "undefined at n = 1"),
]


@pytest.mark.parametrize("exercise_id, answer, words", DIFFER_CASES,
                         ids=[f"{c[0]}:{c[1]}" for c in DIFFER_CASES])
def test_does_the_feedback_say_how_an_answer_differs(exercise_id, answer, words):
    result = verdict_of(exercise_id, answer)
    assert result.verdict == INCORRECT and result.mistake is None, result.feedback
    assert words in result.feedback, result.feedback
    reference = reference_expression(exercises.get(exercise_id),
                                     namespace(exercises.get(exercise_id)))
    assert sp.sstr(reference) not in result.feedback


INTERVAL_SPECS = [s for s in exercises.catalogue() if s.kind == "interval" and s.mistakes]


@pytest.mark.parametrize("spec", INTERVAL_SPECS, ids=[s.id for s in INTERVAL_SPECS])
def test_is_an_interval_mistake_given_to_fewer_decimals_still_that_mistake(spec):
    ref = spec.reference()
    ref_low, ref_high = (ref.low, ref.high) if hasattr(ref, "low") else ref
    for mistake in spec.mistakes:
        wrong = mistake.value()
        low, high = (wrong.low, wrong.high) if hasattr(wrong, "low") else wrong
        for decimals in (3, 4):
            given = (round(float(low), decimals), round(float(high), decimals))
            if (round(float(ref_low), decimals), round(float(ref_high), decimals)) == given:
                continue
            result = verdict_of(spec.id, given)
            assert result.verdict != CORRECT or (
                abs(given[0] - ref_low) <= spec.atol + spec.rtol * abs(ref_low)
                and abs(given[1] - ref_high) <= spec.atol + spec.rtol * abs(ref_high))
            assert result.mistake is not None, (mistake.note, given, result.feedback)


# ---------------------------------------------------------------------------------------
# whatever is accepted now, a wrong answer is still rejected

EXPRESSION_SPECS = [s for s in exercises.catalogue() if s.kind == "expression"]


@pytest.mark.parametrize("spec", EXPRESSION_SPECS, ids=[s.id for s in EXPRESSION_SPECS])
def test_is_a_nearly_right_answer_still_rejected(spec):
    ns = namespace(spec)
    reference = reference_expression(spec, ns)
    some = sorted(ns.symbols.values(), key=lambda s: s.name)[0]
    ones = sp.ones(*reference.shape) if isinstance(reference, sp.MatrixBase) else 1
    near_misses = [
        reference * sp.Rational(8, 7),                    # a constant factor off
        reference + ones * sp.Rational(1, 7),             # a constant term off
        reference + ones * some / 1000,                   # a small term in a symbol
        reference.subs(some, some * sp.Rational(11, 10)),  # one symbol scaled
    ]
    for wrong in near_misses:
        if all(sp.expand(d) == 0 for d in sp.Matrix([wrong - reference])):
            continue     # the symbol does not matter to the reference
        result = verdict_of(spec.id, wrong)
        assert result.verdict != CORRECT and result.score < 1.0, (str(wrong), result.feedback)
