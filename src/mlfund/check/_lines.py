r"""Reading a derivation: its lines, how each relates to the one before, and each side.

A learner hands in a chain as a list of lines (strings in Python syntax or LaTeX, or sympy
objects) or as one string of several lines. Each line may start with a relation to the
line before — ``=``, ``\iff``/``⇔``/``<=>`` for equations, ``≈``/``\approx`` for an
approximation — and may end with a justification after ``#`` or ``\quad\text{…}``, which is
kept for the echo but not read. A line ``a = b = c`` of an expression chain is three
lines; a first part that cannot be read (``J(w) = …``, ``\sigma'(z) = …``) is a label.

Beyond what single answers accept, a line may hold an unevaluated derivative
(``diff(f, z)``, ``d/dz (…)``, ``\frac{d}{dz}``), a sum (``Sum(f, (i, 1, n))``,
``\sum_{i=1}^{n}``), an integral (``Integral(f, (t, 0, oo))``, ``\int_0^1 … \,du``), an
expectation or a variance (``E(X)``, ``E[X]``, ``\mathbb{E}[X]``, ``Var(X)``), indexed names
(``x_i``, ``x[i]``, ``x_{i}``), ``KroneckerDelta(i, j)`` / ``\delta_{ij}``, equations with
``=`` (or ``Eq(a, b)``), and alternatives with ``or`` or ``±``/``\pm``.

Nothing is evaluated: Python-syntax text is rewritten on its :mod:`ast` (``x[i]`` to a
name, a limits tuple to plain arguments) and then read by the same whitelist parser as
single answers; LaTeX is read by that parser's grammar with the commands above added.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from mlfund.check._parse import (
    MAX_LENGTH,
    Namespace,
    ParseError,
    _LatexParser,
    _tokenize,
    looks_like_latex,
    parse_python,
)

#: At most this many lines in a chain, as the learner wrote them.
MAX_LINES = 30
#: Characters of a whole chain handed in as text.
MAX_CHAIN_TEXT = 20_000

EQUALS = "="
IFF = "iff"
APPROX = "approx"

# relation marks a line may start with, longest first, and what each means
_MARKS = (
    (r"\Longleftrightarrow", IFF), (r"\Leftrightarrow", IFF), (r"\iff", IFF), ("<=>", IFF),
    ("⟺", IFF), ("⇔", IFF), (r"\implies", IFF), (r"\Rightarrow", IFF), ("⇒", IFF),
    ("=>", IFF), (r"\approx", APPROX), ("≈", APPROX), ("~=", APPROX), ("&=", EQUALS),
    ("==", EQUALS), ("=", EQUALS),
)
_INNER_IFF = re.compile(r"\\Longleftrightarrow|\\Leftrightarrow|\\iff|<=>|⟺|⇔|\\implies"
                        r"|\\Rightarrow|⇒|=>")
_ALTERNATIVE = re.compile(r"\s+or\s+|\\lor\b|\\vee\b|\\quad\s*\\text\{\s*or\s*\}\s*(?:\\quad)?"
                          r"|\\text\{\s*or\s*\}")
_PLUS_MINUS = re.compile(r"\\pm\b|±|\+-|\+/-")
_MINUS_PLUS = re.compile(r"\\mp\b|∓")


class LineError(ValueError):
    """A line that cannot be read; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a chain as read: an expression, or an equation with its alternatives.

    ``sides`` holds the expression alone, or one ``(lhs, rhs)`` pair per alternative of an
    equation (``p = a or p = b``).
    """

    number: int
    part: int
    text: str
    mark: str
    equation: bool
    sides: tuple[Any, ...]

    @property
    def label(self) -> str:
        """How the feedback names it: ``line 3``, or ``line 3 (part 2)``."""
        return f"line {self.number}" + (f" (part {self.part})" if self.part else "")

    def shown(self) -> str:
        """The line as read, in Python syntax."""
        if not self.equation:
            return _sstr(self.sides[0])
        return " or ".join(f"{_sstr(lhs)} = {_sstr(rhs)}" for lhs, rhs in self.sides)


class _Printer(sp.printing.str.StrPrinter):
    """Python syntax that our own reader reads back (e is ``exp(1)``, not ``E``)."""

    def _print_Exp1(self, expr: Any) -> str:  # noqa: ARG002
        return "exp(1)"


def _sstr(expr: Any) -> str:
    return _Printer({"order": None}).doprint(expr)


def sympy_text(expr: Any) -> str:
    """A sympy line (an expression, a derivative, a sum, an equation) as Python syntax."""
    if isinstance(expr, sp.Equality):
        return f"{_sstr(expr.lhs)} = {_sstr(expr.rhs)}"
    return _sstr(expr)


# ---------------------------------------------------------------------------------------
# splitting a chain into lines


def physical_lines(items: list[Any], *, sources: bool = False) -> list[tuple[Any, ...]]:
    """``(number, text or sympy expression)`` for each non-empty line the learner wrote;
    with ``sources``, also the position of the item it comes from.

    A text item with several lines (a multi-line string) gives one line each; LaTeX
    ``\\\\`` breaks lines too, and alignment (``&``, ``\\begin{aligned}``) is dropped.
    """
    lines: list[tuple[Any, ...]] = []
    for source, item in enumerate(items):
        if not isinstance(item, str):
            lines.append((len(lines) + 1, item, source))
            continue
        text = re.sub(r"\\(?:begin|end)\{(?:aligned|align\*?|split|gathered|array)\}(\{[^}]*\})?",
                      "\n", item)
        text = text.replace("$$", "\n")
        for piece in re.split(r"\n|\\\\(?![A-Za-z])", text):
            piece = piece.strip().strip("$").strip()
            if piece:
                lines.append((len(lines) + 1, piece, source))
    if len(lines) > MAX_LINES:
        raise LineError(f"the derivation has {len(lines)} lines; at most {MAX_LINES}.")
    return lines if sources else [line[:2] for line in lines]


def _strip_justification(text: str) -> str:
    r"""The line without ``# because …``, ``\quad\text{(chain rule)}`` or ``\tag{…}``."""
    if "#" in text:
        text = text.split("#", 1)[0]
    text = re.split(r"\\q?quad\s*(?=[(\[]?\s*\\(?:text|textrm|mathrm|mbox)\{(?!\s*or\s*\}))",
                    text, maxsplit=1)[0]
    text = re.sub(r"\\tag\*?\{[^}]*\}", "", text)
    # a trailing \text{by the chain rule}: words, not a name
    text = re.sub(r"\\(?:text|mbox)\{[^}]*\s[^}]*\}\s*[.,]?\s*$", "", text)
    text = re.sub(r"(\\q?quad|\\[,;!:]|\s)+$", "", text)
    return text.strip().rstrip(",.;").strip()


def _leading_mark(text: str) -> tuple[str, str]:
    """The relation a line starts with (``""`` for none) and the rest of the line."""
    stripped = text.lstrip().lstrip("&").lstrip()
    for mark, meaning in _MARKS:
        if stripped.startswith(mark):
            rest = stripped[len(mark):]
            if mark.startswith("\\") and rest[:1].isalpha():
                continue   # \iffy is not \iff
            return meaning, rest.strip()
    return "", stripped


def _top_level_split(text: str, pattern: re.Pattern[str]) -> list[str]:
    """Split ``text`` where ``pattern`` matches outside every bracket."""
    parts, depth, start, pos = [], 0, 0, 0
    while pos < len(text):
        char = text[pos]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0:
            match = pattern.match(text, pos)
            if match and match.end() > pos:
                parts.append(text[start:pos])
                start = pos = match.end()
                continue
        pos += 1
    parts.append(text[start:])
    return parts


# a single "=" or "==", not part of <=, >=, != or =>
_EQUAL_SIGN = re.compile(r"(?<![<>!=~&])(?:==|=)(?![=>])")


def _split_equals(text: str) -> list[str]:
    parts = _top_level_split(text, _EQUAL_SIGN)
    if any(re.search(r"(?<![\\])(<=|>=|!=|\\le\b|\\ge\b|\\leq|\\geq|\\neq|[<>≤≥≠])", p)
           for p in parts):
        raise LineError("an inequality is not a line of this derivation: each line is an "
                        "expression or an equation.")
    return parts


# ---------------------------------------------------------------------------------------
# reading one side


_DERIVATIVE = re.compile(
    r"^\s*(?:d|∂|\\partial\s*|\\mathrm\{d\}\s*)(?:\^\{?(\d)\}?|\*\*(\d)|²)?\s*/\s*"
    r"(?:d|∂|\\partial\s*|\\mathrm\{d\}\s*)\s*([A-Za-z_]\w*)(?:\^\{?\d\}?|\*\*\d|²)?\s*(.*)$",
    re.S)


def _python_derivative(text: str) -> str:
    """``d/dz (…)`` as ``diff((…), z)``; ``d²/dw² …`` as ``diff((…), w, 2)``."""
    match = _DERIVATIVE.match(text)
    if not match or not match.group(4).strip():
        return text
    order = match.group(1) or match.group(2) or ("2" if "²" in text[:match.start(3)] else "")
    rest = match.group(4).strip()
    extra = f", {order}" if order and order != "1" else ""
    return f"diff(({rest}), {match.group(3)}{extra})"


def _latex_derivative(text: str) -> str:
    """``d/dz …`` typed in a LaTeX line, as ``\\frac{d}{dz} …``."""
    match = _DERIVATIVE.match(text)
    if not match or not match.group(4).strip():
        return text
    order = match.group(1) or match.group(2) or ("2" if "²" in text[:match.start(3)] else "")
    top, bottom = ("d", f"d{match.group(3)}") if not order or order == "1" else (
        f"d^{order}", f"d{match.group(3)}^{order}")
    return rf"\frac{{{top}}}{{{bottom}}} {match.group(4)}"


_UNICODE = {"−": "-", "–": "-", "·": "*", "⋅": "*", "∙": "*", "×": "*", "²": "**2",
            "³": "**3", "√": "sqrt", "∑": "Sum", "∞": "oo", "𝔼": "E"}


class _Rewrite(ast.NodeTransformer):
    """Python syntax a derivation uses, turned into what the whitelist parser reads."""

    def __init__(self, families: set[str], operators: set[str]) -> None:
        self.families = families
        self.operators = operators

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        node = self.generic_visit(node)
        if isinstance(node.value, ast.Name):
            name = node.value.id
            if name in self.operators:   # E[X], Var[X]
                return ast.Call(func=node.value, args=[node.slice], keywords=[])
            if (name in self.families and isinstance(node.slice, ast.Name)):
                return ast.Name(id=f"{name}_{node.slice.id}", ctx=ast.Load())
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        node = self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id in (
                "Sum", "Integral", "integrate", "diff", "Derivative", "summation"):
            args = []
            for arg in node.args:
                if isinstance(arg, ast.Tuple):
                    args.extend(arg.elts)
                else:
                    args.append(arg)
            node.args = args
        return node


def read_python(text: str, ns: Namespace, *, families: set[str], operators: set[str]) -> Any:
    """One side of a line in Python syntax."""
    for typed, read in _UNICODE.items():
        text = text.replace(typed, read)
    text = _python_derivative(text.strip()).replace("^", "**")
    if len(text) > MAX_LENGTH:
        raise ParseError(f"the line is too long ({len(text)} characters; at most {MAX_LENGTH}).")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return parse_python(text, ns)   # its message says what is wrong
    except (ValueError, RecursionError, MemoryError):
        raise ParseError("this line cannot be read.") from None
    tree = _Rewrite(families, operators).visit(tree)
    return parse_python(ast.unparse(tree), ns)


class _ChainLatexParser(_LatexParser):
    """The LaTeX grammar of single answers, with sums, integrals, derivatives, E and Var."""

    def _primary(self) -> Any:
        tok = self.peek()
        if tok is not None and tok[0] == "cmd":
            command = tok[1][1:]
            if command == "sum":
                self.take()
                return self._sum()
            if command == "int":
                self.take()
                return self._integral()
            if command in ("frac", "dfrac", "tfrac") and self._derivative_ahead():
                self.take()
                return self._derivative()
            if command == "mathbb":
                self.take()
                letter = self.raw_group()
                name = {"E": "E", "V": "Var", "P": "P"}.get(letter, letter)
                return self.named(name)
            if command == "infty":
                self.take()
                return sp.oo
            if command == "partial":
                raise ParseError("a lone \\partial cannot be read: write \\frac{\\partial}"
                                 "{\\partial w} in front of what is differentiated.")
        return super()._primary()

    # \sum_{i=1}^{n} body  /  \sum_i body
    def _sum(self) -> Any:
        index, low, high = None, None, None
        if self.peek() is not None and self.peek()[1] == "_":
            self.take()
            if self.peek() is not None and self.peek()[1] == "{":
                self.take()
                index = self.named(self.raw_name())
                if self.peek() is not None and self.peek()[1] == "=":
                    self.take()
                    low = self.expression()
                self.expect("}")
            else:
                index = self.named(self.raw_name())
        if self.peek() is not None and self.peek()[1] == "^":
            self.take()
            high = self.script()
        body = self.term()
        return self.ns.lookup("Sum")(body, index, low, high)

    def raw_name(self) -> str:
        kind, value = self.take()
        if kind == "letter":
            return value
        if kind == "cmd" and value[1:] in ("text", "mathrm", "operatorname"):
            return self.raw_group()
        raise ParseError(f"{value!r} cannot be an index.")

    # \int_{a}^{b} body \, dt
    def _integral(self) -> Any:
        low = high = None
        if self.peek() is not None and self.peek()[1] == "_":
            self.take()
            low = self.script()
        if self.peek() is not None and self.peek()[1] == "^":
            self.take()
            high = self.script()
        end = self._differential()
        if end is None:
            raise ParseError("an integral needs its variable: end it with \\,dt (or du, dx).")
        stop, variable = end
        body_tokens = self.tokens[self.pos:stop]
        inner = _ChainLatexParser(body_tokens, self.ns)
        body = inner.expression()
        if inner.peek() is not None:
            raise ParseError(f"unexpected {inner.peek()[1]!r} in the integral.")
        self.pos = stop + 2
        return self.ns.lookup("Integral")(body, self.named(variable), low, high)

    def _differential(self) -> tuple[int, str] | None:
        """Where the ``d t`` that closes the integral begins, and its variable."""
        depth = 0
        for pos in range(self.pos, len(self.tokens) - 1):
            kind, value = self.tokens[pos]
            if value in ("(", "[", "{", "\\lvert"):
                depth += 1
            elif value in (")", "]", "}", "\\rvert"):
                depth -= 1
            elif depth == 0 and kind == "letter" and value == "d" and \
                    self.tokens[pos + 1][0] == "letter":
                return pos, self.tokens[pos + 1][1]
        return None

    def _derivative_ahead(self) -> bool:
        """Derivative next: \\frac{d}{dz}, \\frac{d^2}{dz^2}, \\frac{\\partial}{\\partial w}."""
        rest = [t[1] for t in self.tokens[self.pos + 1:self.pos + 8]]
        marks = ("d", "\\partial")
        if len(rest) < 5 or rest[0] != "{" or rest[1] not in marks:
            return False
        close = 2 if rest[2] == "}" else 4 if rest[2] == "^" and rest[4:5] == ["}"] else None
        return close is not None and rest[close + 1:close + 3] in (["{", "d"], ["{", "\\partial"])

    # \frac{d}{dz} body, \frac{d^2}{dw^2} body, \frac{\partial}{\partial w} body
    def _derivative(self) -> Any:
        self.expect("{")
        self._differential_mark()
        order = 1
        if self.peek() is not None and self.peek()[1] == "^":
            self.take()
            order = int(self.script())
        self.expect("}")
        self.expect("{")
        self._differential_mark()
        variable = self.named(self.name_with_subscript(self.raw_name_or_greek()))
        if self.peek() is not None and self.peek()[1] == "^":
            self.take()
            self.script()
        self.expect("}")
        body = self.term()
        return self.ns.lookup("diff")(body, variable, order) if order != 1 else \
            self.ns.lookup("diff")(body, variable)

    def _differential_mark(self) -> None:
        kind, value = self.take()
        if value not in ("d", "\\partial"):
            raise ParseError("a derivative is written \\frac{d}{dz}.")

    def raw_name_or_greek(self) -> str:
        kind, value = self.take()
        if kind == "letter":
            return value
        if kind == "cmd":
            from mlfund.check._parse import GREEK

            if value[1:] in GREEK:
                return GREEK[value[1:]]
        raise ParseError(f"cannot differentiate with respect to {value!r}.")


def read_latex(text: str, ns: Namespace) -> Any:
    """One side of a line in LaTeX."""
    # an upright d is the d of dz; {x}_{i} (as sympy prints an indexed name) is x_{i}
    text = re.sub(r"\\(?:mathrm|text|operatorname|rm)\{d\}", "d ", text)
    text = re.sub(r"(?<![A-Za-z])\{([A-Za-z]+)\}_", r"\1_", text)
    text = _latex_derivative(text.strip())
    if len(text) > MAX_LENGTH:
        raise ParseError(f"the line is too long ({len(text)} characters; at most {MAX_LENGTH}).")
    tokens = _tokenize(text)
    if not tokens:
        raise ParseError("this part of the line is empty.")
    parser = _ChainLatexParser(tokens, ns)
    value = parser.expression()
    if parser.peek() is not None:
        raise ParseError(f"unexpected {parser.peek()[1]!r} in the formula.")
    if not isinstance(value, sp.Basic):
        raise ParseError("a function name was used without its argument(s).")
    return value


# ---------------------------------------------------------------------------------------
# reading whole lines


@dataclass(frozen=True)
class Reader:
    """How one exercise's lines are read: its namespace, and what is an equation."""

    ns: Namespace
    families: frozenset[str]
    operators: frozenset[str]
    equations: bool
    check: Callable[[Any], None] | None = None   # refuses undeclared names, after reading

    def side(self, text: str, latex: bool) -> Any:
        if not text.strip():
            raise ParseError("one side of this line is empty.")
        if latex:
            value = read_latex(text, self.ns)
        else:
            try:
                value = read_python(text, self.ns, families=set(self.families),
                                    operators=set(self.operators))
            except ParseError as python_error:
                # "k = n p" in a chain typed in LaTeX: read it as LaTeX, or say why not
                try:
                    value = read_latex(text, self.ns)
                except ParseError:
                    raise python_error from None
        if self.check is not None:
            self.check(value)
        return value

    def lines(self, items: list[Any]) -> list[Line]:
        """Every line of the chain, read; :class:`LineError` names the first unreadable one."""
        lines: list[Line] = []
        latex_items = {k for k, item in enumerate(items) if isinstance(item, str) and (
            looks_like_latex(item) or re.search(r"\\(?:iff|approx|Leftrightarrow)", item))}
        for number, item, source in physical_lines(items, sources=True):
            if not isinstance(item, str):
                lines.extend(self._sympy_line(number, item))
                continue
            try:
                lines.extend(self._text_line(number, item, latex=source in latex_items))
            except ParseError as exc:
                raise LineError(f"cannot read line {number} ({_clip(item)}): {exc}") from None
            except RecursionError:
                raise LineError(f"cannot read line {number}: it is nested too deeply.") from None
        if not lines:
            raise LineError("the derivation has no lines.")
        return lines

    def _sympy_line(self, number: int, expr: Any) -> list[Line]:
        if isinstance(expr, tuple) and len(expr) == 2:   # an equation, decoded
            lhs, rhs = expr
            return [Line(number, 0, sympy_text(sp.Eq(lhs, rhs, evaluate=False)), "", True,
                         ((lhs, rhs),))]
        return [Line(number, 0, _sstr(expr), "", False, (expr,))]

    def _text_line(self, number: int, text: str, *, latex: bool) -> list[Line]:
        text = _strip_justification(text.replace("&", " "))
        mark, body = _leading_mark(text)
        if not body:
            raise ParseError("the line has a relation but nothing after it.")
        pieces = _top_level_split(body, _INNER_IFF) if self.equations else [body]
        out: list[Line] = []
        for k, piece in enumerate(pieces):
            piece_mark = mark if k == 0 else IFF
            out.extend(self._piece(number, piece.strip(), piece_mark, latex,
                                   first=number == 1 and k == 0))
        if len(out) > 1:
            out = [Line(line.number, k + 1, line.text, line.mark, line.equation, line.sides)
                   for k, line in enumerate(out)]
        return out

    def _piece(self, number: int, text: str, mark: str, latex: bool, *, first: bool
               ) -> list[Line]:
        eq_call = None if latex else _eq_call(text)
        if eq_call is not None:
            text = f"{eq_call[0]} = {eq_call[1]}"
        if self.equations:
            return [self._equation_line(number, text, mark, latex)]
        parts = _split_equals(text)
        if len(parts) > 1 and not parts[0].strip():
            parts = parts[1:]   # "= a" left after a mark such as "&"
        # an expression chain: "a = b = c" is three lines; an unreadable first part a label
        values: list[tuple[str, Any]] = []
        for k, part in enumerate(parts):
            if _PLUS_MINUS.search(part) or _MINUS_PLUS.search(part):
                raise ParseError("± gives two values: it belongs in an equation, not in an "
                                 "expression line.")
            try:
                values.append((part.strip(), self.side(part, latex)))
            except ParseError:
                if k == 0 and len(parts) > 1:
                    continue
                raise
        lines = []
        for k, (part, value) in enumerate(values):
            lines.append(Line(number, 0, part, mark if k == 0 else EQUALS, False, (value,)))
        return lines

    def _is_label(self, text: str, latex: bool) -> bool:
        """A first part that is a name for what follows (``J(w)``, ``dl/dp``), not a value."""
        try:
            self.side(text, latex)
        except ParseError:
            return True
        return False

    def _equation_line(self, number: int, text: str, mark: str, latex: bool) -> Line:
        """An equation (alternatives joined by or, or written with ±), or an expression."""
        alternatives = _top_level_split(text, _ALTERNATIVE)
        sides = []
        previous_lhs = None
        for k, alternative in enumerate(alternatives):
            pieces = _split_equals(alternative)
            if len(pieces) == 3 and k == 0 and self._is_label(pieces[0], latex):
                pieces = pieces[1:]   # "dl/dp = k/p - (n - k)/(1 - p) = 0"
            if len(pieces) > 2:
                raise ParseError("write one equation per line (this line has several '=').")
            if len(pieces) == 1:
                if previous_lhs is None:
                    if len(alternatives) > 1 or _PLUS_MINUS.search(text) or \
                            _MINUS_PLUS.search(text):
                        raise ParseError("alternatives (or, ±) need an equation: write "
                                         "p = a ± b.")
                    return Line(number, 0, text, mark, False, (self.side(text, latex),))
                pieces = [previous_lhs, pieces[0]]   # "p = a or b"
            previous_lhs = pieces[0]
            for lhs_text, rhs_text in _expand_plus_minus(pieces[0], pieces[1]):
                sides.append((self.side(lhs_text, latex), self.side(rhs_text, latex)))
        if len(sides) > 8:
            raise ParseError("too many alternatives on one line (at most 8).")
        return Line(number, 0, text, mark, True, tuple(sides))


def _expand_plus_minus(left: str, right: str) -> list[tuple[str, str]]:
    """``a ± b`` as its two values (each ± and ∓ of one line take the same sign)."""
    pairs = [(left, right)]
    if _PLUS_MINUS.search(left + right) or _MINUS_PLUS.search(left + right):
        pairs = []
        for sign, opposite in (("+", "-"), ("-", "+")):
            def fill(text: str, s=sign, o=opposite) -> str:
                return _MINUS_PLUS.sub(o, _PLUS_MINUS.sub(s, text))
            pairs.append((fill(left), fill(right)))
    return pairs


def _eq_call(text: str) -> tuple[str, str] | None:
    """``Eq(a, b)`` (how sympy prints an equation) as its two sides."""
    match = re.match(r"^\s*Eq\((.*)\)\s*$", text, re.S)
    if not match:
        return None
    parts = _top_level_split(match.group(1), re.compile(","))
    return (parts[0], parts[1]) if len(parts) == 2 else None


def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(str(text).split())
    return repr(text if len(text) <= limit else text[:limit] + "…")


# ---------------------------------------------------------------------------------------
# the namespace of a derivation


# names written two ways: ε typeset as \varepsilon, typed as eps
_SPELLINGS = {"epsilon": ("eps",), "eps": ("epsilon",), "varepsilon": ("eps", "epsilon")}


class ChainNamespace(Namespace):
    """A namespace that also knows indexed names (``x_i``), bound variables and ``oo``.

    ``bound`` makes a symbol for a name that only an index or an integration variable may
    be: a line that leaves it free is refused after reading.
    """

    def __init__(self, symbols: Mapping[str, Any], functions: Mapping[str, Any], exact: bool,
                 families: Mapping[str, Any], bound: Callable[[str], Any]) -> None:
        super().__init__(symbols=symbols, functions=functions, exact=exact)
        object.__setattr__(self, "_families", dict(families))
        object.__setattr__(self, "_bound", bound)

    def describe(self) -> str:
        hidden = {"Derivative", "integrate", "summation", "KroneckerDelta"}
        shown = Namespace(symbols=self.symbols,
                          functions={k: v for k, v in self.functions.items() if k not in hidden})
        return shown.describe()

    def lookup(self, name: str) -> Any:
        found = super().lookup(name)
        if found is not None:
            return found
        for other in _SPELLINGS.get(name, ()):
            found = super().lookup(other)
            if found is not None:
                return found
        if name in ("oo", "inf", "infty", "infinity"):
            return sp.oo
        match = re.fullmatch(r"([A-Za-z][A-Za-z0-9]*?)_?\{?([A-Za-z])\}?", name)
        if match and match.group(1) in self._families:
            return self._families[match.group(1)][self._bound(match.group(2))]
        match = re.fullmatch(r"(?:delta|δ)_?\{?([A-Za-z])([A-Za-z])\}?", name)
        if match and not super().lookup("delta"):
            return sp.KroneckerDelta(self._bound(match.group(1)), self._bound(match.group(2)))
        if re.fullmatch(r"[A-Za-z]", name):
            return self._bound(name)
        return None


def operator_functions(space: Any) -> dict[str, Callable[..., Any]]:
    """``diff``, ``Sum`` and ``Integral`` as unevaluated sympy objects, checked as read."""

    def derivative(body: Any, *variables: Any) -> Any:
        if not variables:
            raise ParseError("diff(f, z) needs the variable it differentiates by.")
        spec: list[Any] = []
        for v in variables:
            if isinstance(v, sp.Integer) and spec and int(v) in (2, 3):
                spec[-1] = (spec[-1], int(v))
            elif isinstance(v, (sp.Symbol, sp.Indexed)):
                spec.append(v)
            else:
                raise ParseError(f"cannot differentiate with respect to {v}.")
        return sp.Derivative(body, *spec)

    def total(body: Any, index: Any = None, low: Any = None, high: Any = None) -> Any:
        index, low, high = space.index_range(index, low, high)
        return sp.Sum(body, (index, low, high))

    def integral(body: Any, variable: Any = None, low: Any = None, high: Any = None) -> Any:
        if not isinstance(variable, sp.Symbol) or low is None or high is None:
            raise ParseError("an integral needs its variable and limits: "
                             "Integral(f, (t, 0, 1)).")
        return sp.Integral(body, (variable, low, high))

    return {"diff": derivative, "Derivative": derivative, "Sum": total, "summation": total,
            "Integral": integral, "integrate": integral, "KroneckerDelta": sp.KroneckerDelta}
