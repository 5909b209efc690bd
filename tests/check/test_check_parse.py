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
    ("open('/etc/passwd')", "unknown name 'open'"),
    ("exec('1')", "unknown name 'exec'"),
    ("q + 1", "unknown name 'q'"),
    ("2z", "Write multiplication with"),
    ("p(1-p)", "is a symbol, not a function"),
    ("10**10**10", "too large"),
    ("z**100000", "too large"),
    ("0.25*z", "exact form is asked"),
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
    (r"0.5 z", "exact form"),
])
def test_is_bad_latex_refused_with_a_clear_message(text, message):
    with pytest.raises(ParseError, match=message):
        parse_latex(text, NS)


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
