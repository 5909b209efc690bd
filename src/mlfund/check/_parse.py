r"""Safe reading of formula strings, in Python syntax or LaTeX, into sympy expressions.

Nothing here calls ``eval``, ``exec`` or ``sympify`` on the learner's text. Python-syntax
formulas are parsed with :mod:`ast` and rebuilt node by node from a whitelist; LaTeX is read
by a small recursive-descent parser. Names are resolved in this order: the exercise's own
symbols and functions (so ``beta``, ``gamma``, ``E``, ``N`` or ``S`` are plain symbols when
an exercise declares them), then the standard functions (``exp``, ``log``, ``sqrt``, …), then
the constants ``pi`` and ``e``.

A declared name and its typeset forms are the same name: ``x_1``, ``x_{1}`` for ``x1``;
``n_{\text{in}}`` for ``n_in``; ``\lambda_{\min}`` for ``lam_min``; ``\sigma^2`` for
``sigma2`` when ``sigma`` itself is not declared.
"""

from __future__ import annotations

import ast
import functools
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

MAX_LENGTH = 2000
MAX_NODES = 400
MAX_DEPTH = 60
MAX_INT_DIGITS = 30
MAX_EXPONENT = 1000


class ParseError(ValueError):
    """The text is not a formula this exercise can read; the message says why."""


# Names a learner may write in place of a symbol's canonical name.
ALIASES = {
    "σ": "sigma", "λ": "lam", "lambda_": "lam", "lmbda": "lam", "η": "eta", "μ": "mu",
    "β": "beta", "γ": "gamma", "α": "alpha", "θ": "theta", "ρ": "rho", "δ": "delta",
    "κ": "kappa", "ε": "epsilon", "π": "pi", "τ": "tau", "ν": "nu", "Φ": "Phi",
    "Δ": "Delta", "lambda": "lam", "sgn": "sign",
}

# Characters copied from prompts and typeset text, as the parsers read them.
_UNICODE = {"−": "-", "–": "-", "·": "*", "⋅": "*", "∙": "*", "×": "*", "²": "^2",
            "³": "^3", "√": "sqrt"}

# LaTeX commands that name a letter; \lambda is "lam" because lambda is a Python keyword.
GREEK = {
    "alpha": "alpha", "beta": "beta", "gamma": "gamma", "delta": "delta", "epsilon": "epsilon",
    "varepsilon": "epsilon", "zeta": "zeta", "eta": "eta", "theta": "theta", "kappa": "kappa",
    "lambda": "lam", "mu": "mu", "nu": "nu", "xi": "xi", "rho": "rho", "sigma": "sigma",
    "tau": "tau", "phi": "phi", "varphi": "phi", "chi": "chi", "psi": "psi", "omega": "omega",
    "Delta": "Delta", "Sigma": "Sigma", "Phi": "Phi",
}


def standard_normal_cdf(x: Any) -> sp.Expr:
    """Φ(x), the standard normal CDF, as sympy writes it: (1 + erf(x/√2))/2."""
    return (1 + sp.erf(x / sp.sqrt(2))) / 2


def _standard_functions() -> dict[str, Callable[..., Any]]:
    return {
        "exp": sp.exp, "log": sp.log, "ln": sp.log, "sqrt": sp.sqrt, "sin": sp.sin,
        "cos": sp.cos, "tan": sp.tan, "tanh": sp.tanh, "cosh": sp.cosh, "sinh": sp.sinh,
        "atan": sp.atan, "arctan": sp.atan, "abs": sp.Abs, "Abs": sp.Abs,
        "sign": sp.sign, "max": sp.Max, "Max": sp.Max, "min": sp.Min, "Min": sp.Min,
        "floor": sp.floor, "ceiling": sp.ceiling, "ceil": sp.ceiling,
        "Heaviside": sp.Heaviside, "log1p": lambda x: sp.log(1 + x),
        "expm1": lambda x: sp.exp(x) - 1, "erf": sp.erf, "erfc": sp.erfc,
        "Phi": standard_normal_cdf,
    }


#: The standard functions as the learner is told about them (aliases in brackets).
FUNCTIONS_SHOWN = ("exp, log (ln), sqrt, abs, sign (sgn), max, min, sin, cos, tan, tanh, "
                   "cosh, sinh, log1p, expm1, erf, Phi (Φ, the standard normal CDF)")


def _typeset_key(name: str) -> str:
    """A name without its typesetting: ``x_1`` and ``x1``, ``lambda_min`` and ``lam_min``."""
    parts = [ALIASES.get(part, part) for part in name.split("_") if part]
    return "".join(parts)


@functools.lru_cache(maxsize=512)
def _typeset_index(names: tuple[str, ...]) -> dict[str, str]:
    """Typeset key -> declared name, leaving out keys that two declared names share."""
    index: dict[str, str] = {}
    shared: set[str] = set()
    for name in names:
        key = _typeset_key(name)
        if key in index:
            shared.add(key)
        index[key] = name
    return {k: v for k, v in index.items() if k not in shared}


_CONSTANTS = {"pi": sp.pi, "e": sp.E, "E": sp.E}


@dataclass(frozen=True)
class Namespace:
    """What names mean while reading one exercise's answers."""

    symbols: Mapping[str, sp.Symbol]
    functions: Mapping[str, Callable[..., Any]]
    exact: bool = True

    def describe(self) -> str:
        names = sorted(self.symbols)
        funcs = sorted(self.functions)
        parts = []
        if names:
            parts.append("symbols " + ", ".join(names))
        if funcs:
            parts.append("functions " + ", ".join(f"{f}(...)" for f in funcs))
        return " and ".join(parts) if parts else "numbers only"

    def lookup(self, name: str) -> Any:
        """What ``name`` means here, or None."""
        name = ALIASES.get(name, name)
        if name in self.symbols:
            return self.symbols[name]
        if name in self.functions:
            return self.functions[name]
        if name == "sigmoid" and "sigma" in self.functions:
            return self.functions["sigma"]
        declared = _typeset_index(tuple(self.symbols)).get(_typeset_key(name))
        if declared is not None:
            return self.symbols[declared]
        standard = _standard_functions()
        if name in standard:
            return standard[name]
        return _CONSTANTS.get(name)

    def knows(self, name: str) -> bool:
        return self.lookup(name) is not None

    def typeset_power(self, base: str, exponent: str) -> sp.Symbol | None:
        """The declared symbol that ``base^exponent`` typesets (``sigma2`` for σ²), if any."""
        if self.knows(base):
            return None
        base = ALIASES.get(base, base)
        declared = _typeset_index(tuple(self.symbols)).get(_typeset_key(base + exponent))
        return self.symbols[declared] if declared is not None else None

    def resolve(self, name: str, *, call: bool = False) -> Any:
        found = self.lookup(name)
        if found is not None:
            return found
        name = ALIASES.get(name, name)
        if call:
            own = ", ".join(f"{f}(...)" for f in sorted(self.functions))
            own = f"{own}, " if own else ""
            raise ParseError(f"{name}(...) is not a function this answer can use; the "
                             f"functions are {own}{FUNCTIONS_SHOWN}.")
        raise ParseError(
            f"unknown name {name!r}: this answer can use {self.describe()}, numbers, "
            f"+ - * / ^ and the functions {FUNCTIONS_SHOWN}."
        )


def _number(value: Any, ns: Namespace, text: str | None = None) -> sp.Expr:
    """A number literal; ``text`` is how it was written (a decimal's exact value)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParseError(f"{value!r} is not allowed in a formula; only numbers are.")
    if isinstance(value, int):
        if len(str(abs(value))) > MAX_INT_DIGITS:
            raise ParseError(f"the number {str(value)[:20]}... is too large.")
        return sp.Integer(value)
    if ns.exact:
        return exact_decimal(text if text is not None else repr(value), ns.symbols)
    return sp.Float(value)


# ---------------------------------------------------------------------------------------
# decimals where an exact form is asked

#: Standard normal quantiles a learner may have typed as decimals, with the textbook
#: roundings that have fewer than 3 significant figures.
_QUANTILE_LEVELS = (0.8, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999)
_TEXTBOOK_QUANTILES = ("0.84", "1.28", "1.64", "1.65", "1.96", "2.33", "2.58")
#: Constants a decimal may stand for, as the learner should write them.
_CONSTANTS_SHOWN = (
    ("pi", sp.pi), ("e", sp.E), ("sqrt(2)", sp.sqrt(2)), ("sqrt(3)", sp.sqrt(3)),
    ("1/sqrt(2)", 1 / sp.sqrt(2)), ("sqrt(pi)", sp.sqrt(sp.pi)), ("1/sqrt(pi)", 1 / sp.sqrt(sp.pi)),
    ("sqrt(2/pi)", sp.sqrt(2 / sp.pi)), ("1/sqrt(2*pi)", 1 / sp.sqrt(2 * sp.pi)),
    ("2/sqrt(pi)", 2 / sp.sqrt(sp.pi)), ("1/pi", 1 / sp.pi), ("log(2)", sp.log(2)),
    ("log(10)", sp.log(10)),
)
#: A decimal that is exactly p/q with q at most this is a short fraction, always exact.
SHORT_DENOMINATOR = 12


def _normal_quantiles() -> tuple[float, ...]:
    from statistics import NormalDist

    return tuple(NormalDist().inv_cdf(level) for level in _QUANTILE_LEVELS)


def _significant(text: str) -> int:
    mantissa = text.lower().split("e")[0].replace("-", "").replace("+", "").replace(".", "")
    return len(mantissa.lstrip("0"))


def exact_decimal(text: str, symbols: Mapping[str, Any] = {}) -> sp.Rational:  # noqa: B006
    """The exact value of a decimal written where an exact form is asked, or why not.

    A decimal is read exactly as written (0.5 is 1/2, 0.125 is 1/8, 0.05 is 1/20), except
    one that stands for something it only approximates: a normal quantile (1.96, 0.84:
    write the exercise's symbol, such as ``z``), a constant (3.14, 1.414: write ``pi``,
    ``sqrt(2)``) or a fraction with a recurring decimal (0.333, 0.67: write 1/3, 2/3).
    """
    text = text.strip()
    try:
        value = sp.Rational(text)
    except (TypeError, ValueError, SyntaxError):
        raise ParseError(f"the number {text[:20]!r} cannot be read.") from None
    if abs(value.p) >= 10**MAX_INT_DIGITS or value.q >= 10**MAX_INT_DIGITS:
        raise ParseError(f"the number {text[:20]} is too large or too long to read exactly.")
    if value.q <= SHORT_DENOMINATOR:
        return value
    magnitude = abs(float(value))
    digits = len(text.lower().split("e")[0].partition(".")[2])
    half_unit = 0.5 * 10.0 ** -digits if "e" not in text.lower() else 0.0
    if half_unit and (text.lstrip("+-") in _TEXTBOOK_QUANTILES or _significant(text) >= 3) and any(
            abs(magnitude - q) <= half_unit + 1e-12 for q in _normal_quantiles()):
        quantiles = sorted(n for n in symbols if n == "z" or n.startswith("z_"))
        if quantiles:
            named = " or ".join(quantiles)
            raise ParseError(f"{text} is a rounded normal quantile: write the symbol {named} "
                             "for it, as the question names it.")
        raise ParseError(f"{text} is a rounded normal quantile, and an exact form is asked.")
    if half_unit and _significant(text) >= 3:
        for shown, constant in _CONSTANTS_SHOWN:
            if abs(magnitude - float(constant)) <= half_unit:
                raise ParseError(f"{text} is {shown} rounded: write {shown}, an exact form is "
                                 "asked.")
    if half_unit:
        from fractions import Fraction

        near = Fraction(magnitude).limit_denominator(SHORT_DENOMINATOR)
        if near != 0 and abs(float(near) - magnitude) <= half_unit:
            shown = f"{'-' if value < 0 else ''}{near}"
            raise ParseError(f"{text} is {shown} rounded: write {shown}, an exact form is "
                             "asked (a decimal is read exactly as written).")
    return value


def _latex_number(text: str, ns: Namespace) -> sp.Expr:
    return _number(int(text) if text.isdigit() else float(text), ns, text)


def _power(base: sp.Expr, exponent: sp.Expr) -> sp.Expr:
    if exponent.is_number and exponent.is_finite is not False:
        try:
            big = abs(complex(exponent)) > MAX_EXPONENT
        except (TypeError, ValueError):
            big = True
        if big:
            raise ParseError(f"the exponent {exponent} is too large (at most {MAX_EXPONENT}).")
        if base.is_number and abs(complex(exponent)) > 100 and base.is_Integer:
            raise ParseError("powers of numbers with exponents above 100 are not allowed.")
    return sp.Pow(base, exponent)


def _call(func: Any, args: list[sp.Expr], name: str) -> sp.Expr:
    if not callable(func) or isinstance(func, sp.Basic) and not isinstance(func, type):
        raise ParseError(f"{name} is a symbol, not a function: a * is missing between {name} "
                         f"and (...); write {name}*(...) to multiply.")
    try:
        return func(*args)
    except ParseError:
        raise
    except Exception as exc:  # a wrong number of arguments, mostly
        raise ParseError(f"{name}(...) cannot take {len(args)} argument(s): {exc}") from None


# ---------------------------------------------------------------------------------------
# Python syntax


def parse_python(text: str, ns: Namespace) -> sp.Expr:
    """Read a formula written in Python syntax (``^`` is read as a power)."""
    _check_length(text)
    text = _normalize(text)
    try:
        # ^ is a power, as in maths; replaced before parsing so that it binds like **
        source = text.strip().replace("^", "**")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # "'int' object is not callable" for 2(x + 1)
            tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        hint = ""
        if re.search(r"\d[^\W\d]|\)\s*[^\W\d]|\)\s*\(", text):
            hint = " Write multiplication with * (2*x, not 2x; (a + b)*c, not (a + b)c)."
        raise ParseError(f"this is not a formula Python can read ({exc.msg}).{hint}") from None
    except (ValueError, RecursionError, MemoryError):
        raise ParseError("this formula cannot be read.") from None
    count = sum(1 for _ in ast.walk(tree))
    if count > MAX_NODES:
        raise ParseError(f"the formula is too long ({count} parts; at most {MAX_NODES}).")
    return _expression(_build(tree.body, ns, 0, source))


def _expression(value: Any) -> sp.Expr:
    if not isinstance(value, sp.Basic):
        raise ParseError("a function name was used without its argument(s).")
    return value


_BINOPS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: _power,
}


def _build(node: ast.AST, ns: Namespace, depth: int, src: str) -> Any:
    if depth > MAX_DEPTH:
        raise ParseError("the formula is nested too deeply.")
    if isinstance(node, ast.Constant):
        return _number(node.value, ns, ast.get_source_segment(src, node))
    if isinstance(node, ast.Name):
        return ns.resolve(node.id)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        typeset = _typeset_power(node, ns)
        if typeset is not None:
            return typeset
        left = _build(node.left, ns, depth + 1, src)
        right = _build(node.right, ns, depth + 1, src)
        for side in (left, right):
            if not isinstance(side, sp.Basic):
                raise ParseError("a function name was used without its argument(s).")
        return _BINOPS[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _build(node.operand, ns, depth + 1, src)
        if not isinstance(operand, sp.Basic):
            raise ParseError("a function name was used without its argument(s).")
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Call):
        from mlfund.check._pasted import build_pasted, is_pasted

        if is_pasted(node, ns):
            return build_pasted(node, ns, depth, src, _build)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        func = ns.resolve(node.func.id, call=True)
        if isinstance(func, sp.Basic) and not node.keywords:
            raise ParseError(_missing_times(node))
        if node.keywords:
            raise ParseError("keyword arguments are not allowed in a formula.")
        args = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise ParseError("*args are not allowed in a formula.")
            built = _build(arg, ns, depth + 1, src)
            if not isinstance(built, sp.Basic):
                raise ParseError("a function name was used without its argument(s).")
            args.append(built)
        return _call(func, args, node.func.id)
    if isinstance(node, ast.Call) and isinstance(
            node.func, (ast.Call, ast.Constant, ast.BinOp, ast.UnaryOp)) and not node.keywords:
        raise ParseError(_missing_times(node))
    if isinstance(node, ast.Call):
        what = {"Lambda": "a lambda", "Attribute": "a method (a.b(...))"}.get(
            type(node.func).__name__, "this")
        raise ParseError(f"calling {what} is not allowed in a formula: only the functions "
                         "exp, log, sqrt, … and the exercise's own can be called.")
    what = type(node).__name__
    shown = {"Attribute": "attribute access (a.b)", "Subscript": "indexing (a[i])",
             "Compare": "comparisons", "Lambda": "lambda", "BoolOp": "and/or",
             "List": "lists", "Tuple": "tuples", "IfExp": "if/else"}.get(what, what)
    raise ParseError(
        f"{shown} is not allowed in a formula: use numbers, {ns.describe()}, + - * / ^ and "
        "standard functions."
    )


def _missing_times(node: ast.Call) -> str:
    """``sigma(z)(1 - sigma(z))`` is a call in Python: say which ``*`` is missing."""
    def shown(part: ast.AST) -> str:
        text = ast.unparse(part)
        return text if len(text) <= 40 else text[:37] + "..."

    left = shown(node.func)
    if isinstance(node.func, (ast.BinOp, ast.UnaryOp)):
        left = f"({left})"
    right = "(" + ", ".join(shown(a) for a in node.args) + ")"
    return (f"a * is missing between {left} and {right}: in Python syntax, "
            f"write {left}*{right} to multiply.")


def _typeset_power(node: ast.BinOp, ns: Namespace) -> sp.Symbol | None:
    """``sigma**2`` read as the declared ``sigma2`` when ``sigma`` itself is not declared."""
    if (isinstance(node.op, ast.Pow) and isinstance(node.left, ast.Name)
            and isinstance(node.right, ast.Constant) and type(node.right.value) is int
            and 0 <= node.right.value < 10):
        return ns.typeset_power(node.left.id, str(node.right.value))
    return None


def _normalize(text: str) -> str:
    # √x and √π: the root of the one name or number that follows
    text = re.sub(r"√\s*([^\W_][\w.]*)", r"sqrt(\1)", text)
    for typed, read in _UNICODE.items():
        text = text.replace(typed, read)
    return text


def _check_length(text: str) -> None:
    if not isinstance(text, str):
        raise ParseError("a formula must be a string.")
    if not text.strip():
        raise ParseError("the formula is empty.")
    if len(text) > MAX_LENGTH:
        raise ParseError(f"the formula is too long ({len(text)} characters; at most {MAX_LENGTH}).")


# ---------------------------------------------------------------------------------------
# LaTeX

_TOKEN = re.compile(
    r"\s+|(?P<delim>\\(?:left|right|[bB]igg?[lr]?)\s*(?:\\[A-Za-z]+|\\[{}|]|[()\[\]|.]))"
    r"|(?P<num>\d+(?:\.\d*)?|\.\d+)|(?P<cmd>\\[A-Za-z]+|\\[,;:! ]|\\\{|\\\}|\\\|)"
    r"|(?P<letter>[A-Za-z])|(?P<sym>[-+*/^_(){}\[\]|!=,.'])"
)

_LATEX_FUNCTIONS = {
    "exp": "exp", "log": "log", "ln": "log", "sin": "sin", "cos": "cos", "tan": "tan",
    "tanh": "tanh", "cosh": "cosh", "sinh": "sinh", "arctan": "atan", "max": "max",
    "min": "min", "sgn": "sign", "erf": "erf", "Phi": "Phi",
}
_IGNORED = {"\\,", "\\;", "\\:", "\\!", "\\ ", "\\quad", "\\qquad", "\\displaystyle",
            "\\left", "\\right", "\\big", "\\Big", "\\bigg", "\\Bigg", "\\bigl", "\\bigr",
            "\\Bigl", "\\Bigr", "\\limits"}
_MULTIPLY = {"*", "\\cdot", "\\times", "\\ast"}
_ACCENTS = {"hat": "hat", "bar": "bar", "tilde": "tilde", "overline": "bar"}
# commands whose {argument} is text: a name, an operator's name, a subscript's words
_TEXT = {"mathrm", "operatorname", "text", "mathit", "textrm", "textit", "mathsf", "rm"}
# what a sized or plain delimiter reads as; an opening and a closing bar differ
_OPENING = {"(": "(", "[": "[", "\\{": "(", "\\lbrace": "(", "|": "\\lvert",
            "\\vert": "\\lvert", "\\lvert": "\\lvert", "\\|": "\\lvert", "\\Vert": "\\lvert"}
_CLOSING = {")": ")", "]": "]", "\\}": ")", "\\rbrace": ")", "|": "\\rvert",
            "\\vert": "\\rvert", "\\rvert": "\\rvert", "\\|": "\\rvert", "\\Vert": "\\rvert"}


def _delimiter(value: str) -> tuple[str, str] | None:
    """``\\left|`` as an opening bar, ``\\right)`` as ")", ``\\left.`` as nothing."""
    command = re.match(r"\\[A-Za-z]+", value).group(0)
    shape = value[len(command):].strip()
    if shape == ".":
        return None
    closing = command == "\\right" or command.endswith("r")
    opening = command == "\\left" or command.endswith("l")
    table = _CLOSING if closing else _OPENING
    if not (opening or closing):   # \big| : the parser decides from the context
        table = {**_OPENING, ")": ")", "]": "]", "\\}": ")", "|": "|", "\\vert": "|",
                 "\\|": "|"}
    if shape not in table:
        raise ParseError(f"the delimiter {value!r} cannot be read here.")
    read = table[shape]
    return ("cmd" if read.startswith("\\") else "sym", read)


def _normalize_latex(text: str) -> str:
    """Unicode a learner copied (−, ·, ², σ, √) as the LaTeX it stands for."""
    for typed, read in _UNICODE.items():
        if typed != "√":
            text = text.replace(typed, read)
    text = text.replace("√", "\\sqrt ")
    for letter, name in ALIASES.items():
        if len(letter) == 1 and not letter.isascii():
            command = "lambda" if name == "lam" else name
            text = text.replace(letter, f"\\{command} ")
    return text


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ParseError(f"the character {text[pos]!r} cannot be read in LaTeX here.")
        pos = m.end()
        kind = m.lastgroup
        if kind is None:
            continue
        value = m.group(kind)
        if kind == "delim":
            token = _delimiter(value)
            if token is not None:
                tokens.append(token)
            continue
        if kind == "cmd" and value in _IGNORED:
            continue
        if kind == "cmd" and value in ("\\{", "\\}"):
            tokens.append(("sym", "(" if value == "\\{" else ")"))
            continue
        if kind == "cmd" and value == "\\vert":
            value = "|"
        tokens.append((kind, value))
    return tokens


class _LatexParser:
    def __init__(self, tokens: list[tuple[str, str]], ns: Namespace) -> None:
        self.tokens = tokens
        self.pos = 0
        self.ns = ns
        self.depth = 0

    # helpers
    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise ParseError("the formula ends too early.")
        self.pos += 1
        return tok

    def expect(self, value: str) -> None:
        tok = self.take()
        if tok[1] != value:
            raise ParseError(f"expected {value!r} but found {tok[1]!r}.")

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ParseError("the formula is nested too deeply.")

    # grammar
    def parse(self) -> sp.Expr:
        expr = self.expression()
        if self.peek() is not None:
            raise ParseError(f"unexpected {self.peek()[1]!r} in the formula.")
        return expr

    def expression(self) -> sp.Expr:
        self.enter()
        value = self.term()
        while (tok := self.peek()) is not None and tok[1] in "+-":
            self.take()
            right = self.term()
            value = value + right if tok[1] == "+" else value - right
        self.depth -= 1
        return value

    def _starts_primary(self, tok: tuple[str, str] | None) -> bool:
        if tok is None:
            return False
        kind, value = tok
        if kind in ("num", "letter"):
            return True
        if kind == "cmd":
            return value not in _MULTIPLY and value not in ("\\right", "\\rvert", "\\}")
        return value in ("(", "[", "{", "|") and not (value == "|" and self._closing_bar)

    _closing_bar = False

    def term(self) -> sp.Expr:
        value = self.unary()
        while True:
            tok = self.peek()
            if tok is not None and (tok[1] in _MULTIPLY or tok[1] in ("/", "\\div")):
                self.take()
                right = self.unary()
                value = value / right if tok[1] in ("/", "\\div") else value * right
            elif self._starts_primary(tok):
                value = value * self.power()
            else:
                return value

    def unary(self) -> sp.Expr:
        tok = self.peek()
        if tok is not None and tok[1] in "+-":
            self.take()
            operand = self.unary()
            return -operand if tok[1] == "-" else operand
        return self.power()

    def power(self) -> sp.Expr:
        base = self.primary()
        tok = self.peek()
        if tok is not None and tok[1] == "^":
            self.take()
            exponent = self.script()
            return _power(base, exponent)
        return base

    def script(self) -> sp.Expr:
        """The argument of ^: a group, one digit, one letter, or a signed one."""
        tok = self.peek()
        if tok is None:
            raise ParseError("^ needs an exponent.")
        if tok[1] == "{":
            return self.group()
        if tok[1] == "-":
            self.take()
            return -self.script()
        if tok[0] == "num":
            self.take()
            # x^23 in LaTeX is x^2 * 3; the exponent is one digit
            digits = tok[1]
            if len(digits) > 1 and digits.isdigit():
                self.tokens.insert(self.pos, ("num", digits[1:]))
                digits = digits[0]
            return _latex_number(digits, self.ns)
        return self.primary()

    def group(self) -> sp.Expr:
        self.expect("{")
        self.enter()
        value = self.expression()
        self.expect("}")
        self.depth -= 1
        return value

    def raw_group(self) -> str:
        """The text of a name or subscript: ``{in}``, ``\\text{in}``, ``\\min``, ``1``."""
        tok = self.take()
        if tok[1] != "{":
            if tok[0] == "num" and len(tok[1]) > 1 and tok[1].isdigit():
                # x_12 in LaTeX is x_1 times 2: a subscript without braces is one digit
                self.tokens.insert(self.pos, ("num", tok[1][1:]))
                return tok[1][0]
            return self._raw_piece(tok)
        parts = []
        while (tok := self.take())[1] != "}":
            if tok[1] in (",", "\\,"):
                continue
            parts.append(self._raw_piece(tok))
        return "_".join(p for p in parts if p) if any(len(p) > 1 for p in parts) else "".join(
            parts)

    def _raw_piece(self, tok: tuple[str, str]) -> str:
        kind, value = tok
        if kind in ("letter", "num"):
            return value
        if kind == "cmd":
            command = value[1:]
            if command in _TEXT:
                return self.raw_group()
            if command in GREEK:
                return GREEK[command]
            if command in _LATEX_FUNCTIONS:   # \lambda_{\min}
                return command
        raise ParseError(f"{value!r} cannot be part of a name or subscript.")

    def name_with_subscript(self, name: str) -> str:
        tok = self.peek()
        if tok is not None and tok[1] == "_":
            self.take()
            sub = self.raw_group()
            if not sub:
                raise ParseError(f"the subscript of {name} cannot be read.")
            name = f"{name}_{sub}"
        return name

    def single(self) -> sp.Expr:
        """A braceless argument, as in \\frac12, \\frac1n or \\sqrt2: one digit or one symbol."""
        tok = self.peek()
        if tok is None:
            raise ParseError("the formula ends too early.")
        if tok[1] == "{":
            return self.group()
        if tok[0] == "num":
            self.take()
            digits = tok[1]
            if len(digits) > 1 and digits.isdigit():
                self.tokens.insert(self.pos, ("num", digits[1:]))
                digits = digits[0]
            return _latex_number(digits, self.ns)
        if tok[0] == "letter":
            self.take()
            return self.named(tok[1])
        return self.primary()

    def argument(self, name: str) -> list[sp.Expr]:
        """Arguments of a function: (a, b), {a}, or a single factor as in \\log x."""
        tok = self.peek()
        if tok is None:
            raise ParseError(f"{name} needs an argument.")
        if tok[1] == "(" or tok[1] == "[":
            close = ")" if tok[1] == "(" else "]"
            self.take()
            args = [self.expression()]
            while self.peek() is not None and self.peek()[1] == ",":
                self.take()
                args.append(self.expression())
            self.expect(close)
            return args
        if tok[1] == "{":
            return [self.group()]
        return [self.power()]

    def primary(self) -> sp.Expr:
        self.enter()
        try:
            return self._primary()
        finally:
            self.depth -= 1

    def _primary(self) -> sp.Expr:
        kind, value = self.take()
        if kind == "num":
            return _latex_number(value, self.ns)
        if value in ("(", "["):
            inner = self.expression()
            self.expect(")" if value == "(" else "]")
            return inner
        if value == "{":
            self.pos -= 1
            return self.group()
        if value in ("|", "\\lvert", "\\|"):
            saved, self._closing_bar = self._closing_bar, True
            inner = self.expression()
            self._closing_bar = saved
            close = self.take()[1]
            if close not in ("|", "\\rvert", "\\|"):
                raise ParseError("an absolute value |...| is not closed.")
            return sp.Abs(inner)
        if kind == "letter":
            return self.named(self.name_with_subscript(value))
        if kind == "cmd":
            command = value[1:]
            if command in ("frac", "dfrac", "tfrac"):
                top = self.single()
                bottom = self.single()
                return top / bottom
            if command == "sqrt":
                index = None
                if self.peek() is not None and self.peek()[1] == "[":
                    self.take()
                    index = self.expression()
                    self.expect("]")
                radicand = self.single()
                return sp.sqrt(radicand) if index is None else _power(radicand, 1 / index)
            if command in _ACCENTS:
                base = self.raw_group()
                return self.named(self.name_with_subscript(f"{base}_{_ACCENTS[command]}"))
            if command in _TEXT:
                name = self.raw_group().replace("_", "")
                if name == "e" and "e" not in self.ns.symbols:
                    return sp.E
                if name in _LATEX_FUNCTIONS and not self.ns.knows(name):
                    return self.function(_LATEX_FUNCTIONS[name], value)
                return self.named(self.name_with_subscript(name))
            if command in _LATEX_FUNCTIONS:
                return self.function(_LATEX_FUNCTIONS[command], value)
            if command in GREEK:
                return self.named(self.name_with_subscript(GREEK[command]))
            if command == "pi":
                return sp.pi
            raise ParseError(f"the LaTeX command {value} is not supported here.")
        raise ParseError(f"unexpected {value!r} in the formula.")

    def function(self, fname: str, written: str) -> sp.Expr:
        """A function command and its argument; \\log_b x is the logarithm to base b."""
        base = None
        if fname == "log" and self.peek() is not None and self.peek()[1] == "_":
            self.take()
            base = self.single()
        power = None
        if self.peek() is not None and self.peek()[1] == "^":   # \cosh^2 x is (\cosh x)^2
            self.take()
            power = self.script()
            if not (power.is_Integer and power > 0):
                raise ParseError(f"{written}^{{{power}}} is ambiguous: write the power after "
                                 f"the argument, as in ({written}(x))^{{{power}}}.")
        result = _call(self.ns.resolve(fname, call=True), self.argument(written), fname)
        result = result if base is None else result / sp.log(base)
        return result if power is None else _power(result, power)

    def named(self, name: str) -> sp.Expr:
        if not self.ns.knows(name):
            typeset = self._typeset_power(name)
            if typeset is not None:
                return typeset
        following = self.peek()
        target = self.ns.resolve(name, call=len(name) > 1 and following is not None
                                 and following[1] == "(")
        if isinstance(target, sp.Basic):
            return target
        # a function: its argument follows
        return _call(target, self.argument(name), name)

    def _typeset_power(self, name: str) -> sp.Expr | None:
        """``\\sigma^2`` read as the declared ``sigma2`` when ``sigma`` is not declared."""
        rest = self.tokens[self.pos:self.pos + 4]
        if len(rest) >= 2 and rest[0][1] == "^" and rest[1][0] == "num" and rest[1][1][0].isdigit():
            symbol = self.ns.typeset_power(name, rest[1][1][0])
            if symbol is not None:
                self.take()
                self.take()
                if len(rest[1][1]) > 1:
                    self.tokens.insert(self.pos, ("num", rest[1][1][1:]))
                return symbol
        if (len(rest) == 4 and rest[0][1] == "^" and rest[1][1] == "{" and rest[2][0] == "num"
                and rest[2][1].isdigit() and rest[3][1] == "}"):
            symbol = self.ns.typeset_power(name, rest[2][1])
            if symbol is not None:
                self.pos += 4
                return symbol
        return None


def parse_latex(text: str, ns: Namespace) -> sp.Expr:
    """Read a LaTeX formula: ``\\sigma(z)\\left(1-\\sigma(z)\\right)``, ``\\frac{1}{n}``, …"""
    _check_length(text)
    body = text.strip().strip("$").strip()
    if "=" in body:
        # "f'(z) = ..." : keep the right-hand side, the answer itself
        body = body.rsplit("=", 1)[1]
    tokens = _tokenize(_normalize_latex(body))
    if not tokens:
        raise ParseError("the formula is empty.")
    if len(tokens) > MAX_NODES:
        raise ParseError(f"the formula is too long ({len(tokens)} tokens; at most {MAX_NODES}).")
    return _expression(_LatexParser(tokens, ns).parse())


def looks_like_latex(text: str) -> bool:
    """A formula is read as LaTeX when it has a backslash command, braces or $...$."""
    return bool(re.search(r"\\[A-Za-z,;:!]|[{}]|^\s*\$", text))


def parse_formula(text: str, ns: Namespace) -> sp.Expr:
    """Read ``text`` as LaTeX when it looks like LaTeX, otherwise as Python syntax."""
    if looks_like_latex(text):
        return parse_latex(text, ns)
    return parse_python(text, ns)
