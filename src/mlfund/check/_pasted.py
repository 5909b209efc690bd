"""sympy's own output, pasted as text: ``Piecewise((…, Eq(beta, 1)), (…, True))``, ``Sum``.

``summation`` of a geometric series, ``integrate`` and ``solve`` answer with a Piecewise or
a Sum; a learner pastes what sympy printed. Both are read through the same whitelist as any
formula (see :mod:`mlfund.check._parse`): a condition — ``Eq``, ``Ne``, ``Lt``, ``Le``,
``Gt``, ``Ge``, a comparison, ``&``, ``|``, ``~``, ``and``, ``or``, ``not``, ``True`` — only
inside a Piecewise, and a Sum's index only inside its Sum. The answer is then compared where
its conditions hold, at each point, as any other expression.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import sympy as sp

from mlfund.check._parse import ParseError

MAX_PIECES = 20
MAX_INDEX_NAME = 20

_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: sp.Eq, ast.NotEq: sp.Ne, ast.Lt: sp.Lt, ast.LtE: sp.Le, ast.Gt: sp.Gt,
    ast.GtE: sp.Ge,
}
_RELATIONS = {"Eq": sp.Eq, "Ne": sp.Ne, "Lt": sp.Lt, "Le": sp.Le, "Gt": sp.Gt, "Ge": sp.Ge}

Build = Callable[[ast.AST, Any, int, str], Any]


def is_pasted(node: ast.Call, ns: Any) -> bool:
    """Whether a call is one of sympy's own forms, not a name the exercise gives a meaning."""
    return (isinstance(node.func, ast.Name)
            and node.func.id in ("Piecewise", "Sum", "summation")
            and not ns.knows(node.func.id))


def build_pasted(node: ast.Call, ns: Any, depth: int, src: str, build: Build) -> Any:
    if node.keywords:
        raise ParseError("keyword arguments are not allowed in a formula.")
    if node.func.id == "Piecewise":
        return _piecewise(node, ns, depth, src, build)
    return _sum(node, ns, depth, src, build)


def _piecewise(node: ast.Call, ns: Any, depth: int, src: str, build: Build) -> sp.Expr:
    if not 0 < len(node.args) <= MAX_PIECES:
        raise ParseError("Piecewise takes (expression, condition) pairs.")
    pairs = []
    for arg in node.args:
        if not isinstance(arg, ast.Tuple) or len(arg.elts) != 2:
            raise ParseError("Piecewise takes (expression, condition) pairs, as in "
                             "Piecewise((t, Eq(beta, 1)), ((1 - beta**t)/(1 - beta), True)).")
        value = build(arg.elts[0], ns, depth + 1, src)
        if not isinstance(value, sp.Expr):
            raise ParseError("a Piecewise's values must be expressions.")
        pairs.append((value, condition(arg.elts[1], ns, depth + 1, src, build)))
    return sp.Piecewise(*pairs)


def condition(node: ast.AST, ns: Any, depth: int, src: str, build: Build) -> Any:
    """A Piecewise's condition, built from comparisons and logic only."""
    def side(part: ast.AST) -> sp.Expr:
        value = build(part, ns, depth + 1, src)
        if not isinstance(value, sp.Expr):
            raise ParseError("a condition compares expressions.")
        return value

    def inner(part: ast.AST) -> Any:
        return condition(part, ns, depth + 1, src, build)

    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return sp.true if node.value else sp.false
    if isinstance(node, ast.Compare):
        sides = [side(node.left)] + [side(c) for c in node.comparators]
        return sp.And(*[_COMPARE[type(op)](a, b)
                        for op, a, b in zip(node.ops, sides, sides[1:], strict=False)])
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in _RELATIONS and len(node.args) == 2 and not node.keywords):
        return _RELATIONS[node.func.id](side(node.args[0]), side(node.args[1]))
    if isinstance(node, ast.BoolOp):
        parts = [inner(v) for v in node.values]
        return sp.And(*parts) if isinstance(node.op, ast.And) else sp.Or(*parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr)):
        parts = (inner(node.left), inner(node.right))
        return sp.And(*parts) if isinstance(node.op, ast.BitAnd) else sp.Or(*parts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.Invert)):
        return sp.Not(inner(node.operand))
    raise ParseError("a Piecewise's condition must compare expressions: Eq(beta, 1), "
                     "beta < 1, (beta > 0) & (beta < 1) or True.")


def _sum(node: ast.Call, ns: Any, depth: int, src: str, build: Build) -> sp.Expr:
    if len(node.args) < 2 or len(node.args) > 4:
        raise ParseError("a sum is written Sum(term, (k, low, high)).")
    limits = []
    inner = ns
    for limit in node.args[1:]:
        if (not isinstance(limit, ast.Tuple) or len(limit.elts) != 3
                or not isinstance(limit.elts[0], ast.Name)):
            raise ParseError("a sum is written Sum(term, (k, low, high)).")
        name = limit.elts[0].id
        if len(name) > MAX_INDEX_NAME:
            raise ParseError("a sum's index must be a short name.")
        low, high = (build(b, inner, depth + 1, src) for b in limit.elts[1:])
        if not (isinstance(low, sp.Expr) and isinstance(high, sp.Expr)):
            raise ParseError("a sum's limits must be expressions.")
        index = sp.Symbol(name, integer=True)
        inner = Bound(inner, name, index)
        limits.append((index, low, high))
    body = build(node.args[0], inner, depth + 1, src)
    if not isinstance(body, sp.Expr):
        raise ParseError("a sum's terms must be an expression.")
    return sp.Sum(body, *limits)


class Bound:
    """A namespace in which one name is a sum's index, whatever it means outside."""

    def __init__(self, outer: Any, name: str, symbol: sp.Symbol) -> None:
        self.outer = outer
        self.name = name
        self.symbol = symbol
        self.exact = outer.exact
        self.functions = outer.functions
        self.symbols = {**outer.symbols, name: symbol}

    def describe(self) -> str:
        return self.outer.describe()

    def knows(self, name: str) -> bool:
        return name == self.name or self.outer.knows(name)

    def typeset_power(self, base: str, exponent: str) -> Any:
        return None if base == self.name else self.outer.typeset_power(base, exponent)

    def resolve(self, name: str, *, call: bool = False) -> Any:
        if name == self.name:
            return self.symbol
        return self.outer.resolve(name, call=call)
