"""The safe formula reader: Python syntax and LaTeX, through a whitelist only."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mlfund.check._equiv import make_symbol
from mlfund.check._parse import Namespace, ParseError, parse_formula, parse_latex, parse_python

z = make_symbol("z")
p = make_symbol("p", "probability")
n = make_symbol("n", "positive_integer")
beta, gamma, E, N, S = (make_symbol(name) for name in ("beta", "gamma", "E", "N", "S"))
lam = make_symbol("lam", "positive")
p_hat = make_symbol("p_hat", "probability")
sigma_x = make_symbol("sigma_x", "positive")


def sigmoid(x):
    return 1 / (1 + sp.exp(-x))


NS = Namespace(
    symbols={s.name: s for s in (z, p, n, beta, gamma, E, N, S, lam, p_hat, sigma_x)},
    functions={"sigma": sigmoid},
)


def same(a, b):
    return sp.simplify(a - b) == 0


@pytest.mark.parametrize("text, expected", [
    ("sigma(z)*(1 - sigma(z))", sigmoid(z) * (1 - sigmoid(z))),
    ("p^2", p**2),
    ("2*p - 2*p^2", 2 * p - 2 * p**2),          # ^ binds like **, not like xor
    ("-p**2", -(p**2)),
    ("beta*gamma + E + N + S", beta * gamma + E + N + S),
    ("lam", lam),
    ("λ*p", lam * p),
    ("exp(-z)/(1 + exp(-z))", sp.exp(-z) / (1 + sp.exp(-z))),
    ("sqrt(p*(1-p)/n)", sp.sqrt(p * (1 - p) / n)),
    ("log(p) + ln(p)", 2 * sp.log(p)),
    ("abs(z) + sign(z)", sp.Abs(z) + sp.sign(z)),
])
def test_does_python_syntax_read_as_maths(text, expected):
    assert same(parse_python(text, NS), expected)


@pytest.mark.parametrize("text, expected", [
    (r"\sigma(z)\left(1-\sigma(z)\right)", sigmoid(z) * (1 - sigmoid(z))),
    (r"p(1-p)", p * (1 - p)),                                   # implicit multiplication
    (r"\frac{p(1-p)}{n}", p * (1 - p) / n),
    (r"\sqrt{\frac{p(1-p)}{n}}", sp.sqrt(p * (1 - p) / n)),
    (r"\hat{p}(1-\hat{p})", p_hat * (1 - p_hat)),
    (r"\sigma_x^2 / n", sigma_x**2 / n),
    (r"\sigma_{x}^{2}", sigma_x**2),
    (r"e^{-z}", sp.exp(-z)),
    (r"2\lambda p", 2 * lam * p),
    (r"\beta \cdot \gamma", beta * gamma),
    (r"\frac{1}{1+e^{-z}}", sigmoid(z)),
    (r"$p^2$", p**2),
    (r"f'(z) = \sigma(z)", sigmoid(z)),                         # the right-hand side counts
    (r"\left|z\right|", sp.Abs(z)),
    (r"\log p + \ln(p)", 2 * sp.log(p)),
    (r"\sqrt[3]{p}", p ** sp.Rational(1, 3)),
    (r"x^23", None),  # handled below: unknown x
])
def test_does_latex_read_as_maths(text, expected):
    if expected is None:
        with pytest.raises(ParseError, match="unknown name 'x'"):
            parse_latex(text, NS)
        return
    assert same(parse_latex(text, NS), expected)


@pytest.mark.parametrize("text, message", [
    ("__import__('os').system('echo hi')", "not allowed"),
    ("z.__class__", "attribute access"),
    ("(lambda: 1)()", "lambda"),
    ("[z for z in range(9)]", "not allowed"),
    ("open('/etc/passwd')", r"open\(\.\.\.\) is not a function this answer can use"),
    ("exec('1')", r"exec\(\.\.\.\) is not a function this answer can use; the functions are sigma"),
    ("q + 1", "unknown name 'q'"),
    ("2z", "Write multiplication with"),
    ("p(1-p)", r"a \* is missing between p and \(1 - p\)"),
    ("sigma(z)(1 - sigma(z))", r"a \* is missing between sigma\(z\) and \(1 - sigma\(z\)\)"),
    ("2(z + 1)", r"a \* is missing between 2 and \(z \+ 1\)"),
    ("(z + 1)(z - 1)", r"a \* is missing between \(z \+ 1\) and \(z - 1\)"),
    ("(z + 1)z", r"Write multiplication with \*"),
    ("q(z)", r"q\(\.\.\.\) is not a function this answer can use; the functions are sigma"),
    ("10**10**10", "too large"),
    ("z**100000", "too large"),
    ("0.333*z", "0.333 is 1/3 rounded: write 1/3"),
    ("3.14*z", "3.14 is pi rounded: write pi"),
    ("1.96*z", "1.96 is a rounded normal quantile"),
    ("1e300*z", "too large or too long"),
    ("0.1234567890123456789012345678901*z", "too large or too long"),
    ("", "empty"),
    ("z" * 3000, "too long"),
    ("sigma", "without its argument"),
    ("exp(z, z)", "cannot take 2"),
    ("sigma(z=1)", "keyword"),
    ("'text'", "not allowed"),
])
def test_is_bad_input_refused_with_a_clear_message(text, message):
    with pytest.raises(ParseError, match=message):
        parse_formula(text, NS)


@pytest.mark.parametrize("text, message", [
    (r"\input{/etc/passwd}", r"\\input is not supported"),
    (r"\frac{1}{", "ends too early"),
    (r"\left(z", "ends too early"),
    (r"|z", "ends too early"),
    (r"|z + (z|", "expected"),
    (r"z^", "exponent"),
    (r"0.67 z", "0.67 is 2/3 rounded: write 2/3"),
])
def test_is_bad_latex_refused_with_a_clear_message(text, message):
    with pytest.raises(ParseError, match=message):
        parse_latex(text, NS)


x1 = make_symbol("x1")
n_in, n_out = make_symbol("n_in", "positive_integer"), make_symbol("n_out", "positive_integer")
lam_min, lam_max = make_symbol("lam_min", "positive"), make_symbol("lam_max", "positive")
C_FP = make_symbol("C_FP", "positive")
sigma2 = make_symbol("sigma2", "positive")
beta1 = make_symbol("beta1")
TYPESET = Namespace(
    symbols={s.name: s for s in (z, p, x1, n_in, n_out, lam_min, lam_max, C_FP, sigma2, beta1)},
    functions={"sigma": sigmoid},
)


@pytest.mark.parametrize("text, expected", [
    # declared names and their typeset forms are the same name
    (r"x_1 + x_{1}", 2 * x1),
    ("x_1 + x1", 2 * x1),
    (r"\frac{2}{n_{\text{in}} + n_\mathrm{out}}", 2 / (n_in + n_out)),
    (r"\frac{2}{n_{in} + n_{\text{out}}}", 2 / (n_in + n_out)),
    (r"\lambda_{\min} + \lambda_\text{max}", lam_min + lam_max),
    ("lambda_min + λ_max", lam_min + lam_max),
    (r"C_{FP} + C_\text{FP} + C_{\mathrm{FP}}", 3 * C_FP),
    (r"\beta_1 + \beta_{1}", 2 * beta1),
    ("beta_1 + beta1", 2 * beta1),
    # functions learners reach for
    (r"\operatorname{sgn}(z) + \mathrm{sgn}(z) + \operatorname{sign}(z)", 3 * sp.sign(z)),
    ("sgn(z) + sign(z)", 2 * sp.sign(z)),
    (r"\frac12 + \frac1{p} + \frac{1}2 + \frac1p", sp.Rational(1, 2) + 2 / p + sp.Rational(1, 2)),
    (r"\frac12z", z / 2),
    (r"\sqrt2 p", sp.sqrt(2) * p),
    (r"\left|z\right| + \lvert z \rvert + \left\lvert z\right\rvert", 3 * sp.Abs(z)),
    (r"\left| z - \left|p\right| \right|", sp.Abs(z - p)),
    (r"p \cdot (1-p) + p\times(1-p) + p \ast (1 - p)", 3 * p * (1 - p)),
    (r"\exp(-z) + \exp\left(-z\right) + \exp{-z}", 3 * sp.exp(-z)),
    (r"\ln p + \ln(p) + \ln\left(p\right)", 3 * sp.log(p)),
    (r"\log_{2} p", sp.log(p) / sp.log(2)),
    (r"\log_p z", sp.log(z) / sp.log(p)),
    (r"p\bigl(1-p\bigr) + p\Big(1-p\Big) + p\left[1-p\right] + p\left\{1-p\right\}",
     4 * p * (1 - p)),
    (r"\sigma(z)\,(1 − \sigma(z))", sigmoid(z) * (1 - sigmoid(z))),
    (r"σ(z)\,(1 − σ(z))", sigmoid(z) * (1 - sigmoid(z))),
    ("sigmoid(z)*(1 − σ(z))", sigmoid(z) * (1 - sigmoid(z))),
    ("√p + √(p + 1)", sp.sqrt(p) + sp.sqrt(p + 1)),
])
def test_are_typeset_forms_read_as_the_declared_names(text, expected):
    assert same(parse_formula(text, TYPESET), expected)


# sigma2 is σ² where sigma itself is not declared (w04: "variance σ² (sigma2)")
s_, s2 = make_symbol("s", "positive"), make_symbol("s2", "positive")
VARIANCE = Namespace(symbols={"n_in": n_in, "sigma2": sigma2, "s": s_, "s2": s2}, functions={})


@pytest.mark.parametrize("text, expected", [
    (r"(n_{in}-1)\sigma^2", (n_in - 1) * sigma2),
    (r"\sigma^{2}/n_{in}", sigma2 / n_in),
    ("sigma^2 + σ² + sigma**2", 3 * sigma2),
    (r"(n_{in} − 1)σ²", (n_in - 1) * sigma2),
    # s is declared: s^2 is its square, s2 a name of its own
    ("s^2 + s2", s_**2 + s2),
    (r"s^2 + s_2", s_**2 + s2),
])
def test_is_a_typeset_power_read_as_its_declared_name(text, expected):
    assert same(parse_formula(text, VARIANCE), expected)


@pytest.mark.parametrize("text, message", [
    (r"x_2", "unknown name 'x_2'"),                 # x1 is declared, x2 is not
    (r"n_{1-\alpha}", "cannot be part of a name"),
    (r"\mathrm{foo}(z)", "not a function this answer can use"),
])
def test_is_an_unknown_typeset_name_still_refused(text, message):
    with pytest.raises(ParseError, match=message):
        parse_formula(text, TYPESET)


def test_is_a_power_that_typesets_nothing_declared_refused():
    with pytest.raises(ParseError, match="unknown name 'sigma'"):
        parse_formula(r"\sigma^3", VARIANCE)


def test_do_two_declared_names_with_one_typeset_form_stay_apart():
    a, b = make_symbol("x1"), make_symbol("x_1")
    ns = Namespace(symbols={"x1": a, "x_1": b}, functions={})
    assert parse_python("x1 - x_1", ns) == a - b      # each its own name, no guessing
    with pytest.raises(ParseError, match="unknown name"):
        parse_python("x__1", ns)


def test_are_declared_names_symbols_even_where_sympy_has_functions():
    # beta, gamma are sympy functions and E, N, S sympy objects; declared, they are symbols
    expr = parse_python("beta + gamma + E + N + S", NS)
    assert expr.free_symbols == {beta, gamma, E, N, S}


def test_are_e_and_pi_constants_when_not_declared():
    ns = Namespace(symbols={"z": z}, functions={})
    assert parse_python("e**z", ns) == sp.exp(z)
    assert parse_python("E + pi", ns) == sp.E + sp.pi


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_does_no_exception_escape_the_python_reader(text):
    try:
        parse_python(text, NS)
    except ParseError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("zpn()+-*/^{}_|.0123456789 \\") + [
    r"\frac", r"\sqrt", r"\sigma", r"\left(", r"\right)", r"\cdot", r"\hat", r"e^"]),
    max_size=40).map("".join))
def test_does_no_exception_escape_the_latex_reader(text):
    try:
        parse_latex(text, NS)
    except ParseError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="zp+-*/^()0123456789.", max_size=60))
def test_does_formula_like_noise_never_hang_or_escape(text):
    import time

    started = time.monotonic()
    try:
        parse_formula(text, NS)
    except ParseError:
        pass
    assert time.monotonic() - started < 1.0


def test_is_nothing_executed_while_parsing(tmp_path, monkeypatch):
    marker = tmp_path / "marker"
    attempts = [
        f"open('{marker}', 'w')",
        f"__import__('pathlib').Path('{marker}').touch()",
        "().__class__.__bases__[0].__subclasses__()",
    ]
    for text in attempts:
        with pytest.raises(ParseError):
            parse_formula(text, NS)
    assert not marker.exists()
