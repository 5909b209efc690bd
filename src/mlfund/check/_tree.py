"""A sympy expression as plain JSON data, and back, through a whitelist (never pickle).

The tree names each node's class; only the classes below are read back. Symbols are read
back by name, with the assumptions of the exercise (not those of the learner's Symbol), and
applications of undefined functions (``sigma(z)`` made with ``sympy.Function("sigma")``)
are rebuilt from the exercise's own functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp

from mlfund.check._parse import (
    FUNCTIONS_SHOWN,
    MAX_DEPTH,
    ParseError,
    _power,
    _typeset_index,
    _typeset_key,
    exact_decimal,
    standard_normal_cdf,
)

MAX_TREE_NODES = 2000

_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "exp": sp.exp, "log": sp.log, "sin": sp.sin, "cos": sp.cos, "tan": sp.tan,
    "tanh": sp.tanh, "cosh": sp.cosh, "sinh": sp.sinh, "atan": sp.atan, "erf": sp.erf,
    "erfc": sp.erfc, "Abs": sp.Abs, "sign": sp.sign, "Max": sp.Max, "Min": sp.Min,
    "floor": sp.floor, "ceiling": sp.ceiling, "Heaviside": sp.Heaviside,
}
# undefined functions a learner may make with sympy.Function and mean the standard one
_STANDARD_UNDEFINED: dict[str, Callable[..., Any]] = {
    "Phi": standard_normal_cdf, "sgn": sp.sign, "log1p": lambda x: sp.log(1 + x),
    "expm1": lambda x: sp.exp(x) - 1,
}
_FUNCTION_CLASSES = frozenset(_FUNCTIONS.values())
_CONSTANTS = {"Pi": sp.pi, "Exp1": sp.E, "Half": sp.Rational(1, 2), "One": sp.Integer(1),
              "Zero": sp.Integer(0), "NegativeOne": sp.Integer(-1), "ImaginaryUnit": sp.I,
              "Infinity": sp.oo, "NegativeInfinity": -sp.oo, "NaN": sp.nan,
              "ComplexInfinity": sp.zoo}


# conditions, read only inside a Piecewise (sympy's answer from summation, integrate, …)
_RELATIONS: dict[str, Callable[..., Any]] = {
    "Equality": sp.Eq, "Unequality": sp.Ne, "StrictLessThan": sp.Lt, "LessThan": sp.Le,
    "StrictGreaterThan": sp.Gt, "GreaterThan": sp.Ge, "And": sp.And, "Or": sp.Or,
    "Not": sp.Not,
}
_RELATION_CLASSES = frozenset({sp.Equality, sp.Unequality, sp.StrictLessThan, sp.LessThan,
                               sp.StrictGreaterThan, sp.GreaterThan, sp.And, sp.Or, sp.Not})
_TRUTH = {"BooleanTrue": sp.true, "BooleanFalse": sp.false}
_UNEVALUATED = {"Derivative": "diff", "Integral": "integrate", "Limit": "limit"}
MAX_INDEX_NAME = 20


class TreeError(ValueError):
    """An expression (or a tree) that cannot be captured or read back."""


def to_tree(expr: Any) -> Any:
    """Encode a sympy expression (or Matrix) as JSON-ready data."""
    counter = [0]
    return _encode(expr, counter, 0)


def _encode(expr: Any, counter: list[int], depth: int, condition: bool = False) -> Any:
    counter[0] += 1
    if counter[0] > MAX_TREE_NODES:
        raise TreeError(f"the expression is too large (more than {MAX_TREE_NODES} parts).")
    if depth > MAX_DEPTH * 2:
        raise TreeError("the expression is nested too deeply.")
    if isinstance(expr, sp.MatrixBase):
        rows, cols = expr.shape
        return {"t": "Matrix", "shape": [rows, cols],
                "args": [_encode(e, counter, depth + 1) for e in expr]}
    if not isinstance(expr, sp.Basic):
        raise TreeError(f"{type(expr).__name__} is not a sympy expression.")
    # exact class checks: a subclass of Symbol or Add could carry behaviour of its own
    cls = type(expr)
    name = cls.__name__
    if cls in (sp.Symbol, sp.Dummy):
        return {"t": "Symbol", "name": str(expr.name)}
    if isinstance(expr, sp.Integer) and cls.__module__.startswith("sympy."):
        digits = str(int(expr))
        if len(digits) > 40:
            raise TreeError("an integer in the expression is too large.")
        return {"t": "Integer", "v": digits}
    if isinstance(expr, sp.Rational) and cls.__module__.startswith("sympy."):
        return {"t": "Rational", "p": str(expr.p), "q": str(expr.q)}
    if cls is sp.Float:
        return {"t": "Float", "v": repr(float(expr))}
    if name in _CONSTANTS and cls.__module__.startswith("sympy."):
        return {"t": name}
    if cls in (sp.Add, sp.Mul, sp.Pow):
        return {"t": name, "args": [_encode(a, counter, depth + 1) for a in expr.args]}
    if cls in _FUNCTION_CLASSES:
        return {"t": name, "args": [_encode(a, counter, depth + 1) for a in expr.args]}
    if cls is sp.Piecewise:
        return {"t": "Piecewise", "pieces": [
            [_encode(e, counter, depth + 1), _encode(c, counter, depth + 1, condition=True)]
            for e, c in expr.args]}
    if condition and cls in (sp.And, sp.Or, sp.Not):
        return {"t": name,
                "args": [_encode(a, counter, depth + 1, condition=True) for a in expr.args]}
    if condition and cls in _RELATION_CLASSES:
        return {"t": name, "args": [_encode(a, counter, depth + 1) for a in expr.args]}
    if condition and name in _TRUTH and cls.__module__.startswith("sympy."):
        return {"t": name}
    if cls in _RELATION_CLASSES or name in _TRUTH:
        raise TreeError("an equation or a condition is not an answer: give the expression "
                        "(a condition belongs inside a Piecewise).")
    if cls is sp.Sum:
        limits = []
        for index, low, high in expr.limits:
            if type(index) not in (sp.Symbol, sp.Dummy):
                raise TreeError("a sum's index must be a plain symbol.")
            limits.append([str(index.name), _encode(low, counter, depth + 1),
                           _encode(high, counter, depth + 1)])
        return {"t": "Sum", "args": [_encode(expr.function, counter, depth + 1)],
                "limits": limits}
    if name in _UNEVALUATED and cls.__module__.startswith("sympy."):
        raise TreeError(f"this is an unevaluated {name}: call .doit() on it (or use "
                        f"sympy.{_UNEVALUATED[name]}) and hand in the result.")
    if isinstance(expr, sp.core.function.AppliedUndef):
        return {"t": "Apply", "name": str(cls.__name__),
                "args": [_encode(a, counter, depth + 1) for a in expr.args]}
    raise TreeError(
        f"{name} cannot be used in an answer; use +, -, *, /, powers and {FUNCTIONS_SHOWN}."
    )


def from_tree(tree: Any, symbols: dict[str, sp.Symbol],
              functions: dict[str, Callable[..., Any]], *, exact: bool = True) -> Any:
    """Decode a tree made by :func:`to_tree` with this exercise's symbols and functions.

    A Piecewise (what sympy's ``summation`` of a geometric series returns) and a Sum are
    read back; their conditions and bound indices are allowed only inside them.
    """
    counter = [0]
    value = _decode(tree, symbols, functions, exact, counter, 0)
    if isinstance(value, sp.Basic) and not isinstance(value, sp.Expr):
        raise TreeError("a condition or an equation is not an answer: give the expression.")
    return value


def _decode(tree: Any, symbols: dict[str, sp.Symbol], functions: dict[str, Callable[..., Any]],
            exact: bool, counter: list[int], depth: int) -> Any:
    counter[0] += 1
    if counter[0] > MAX_TREE_NODES or depth > MAX_DEPTH * 2:
        raise TreeError("the expression is too large.")
    if not isinstance(tree, dict) or not isinstance(tree.get("t"), str):
        raise TreeError("the captured expression is malformed.")
    kind = tree["t"]
    args = tree.get("args", [])
    if not isinstance(args, list):
        raise TreeError("the captured expression is malformed.")

    def decoded() -> list[Any]:
        return [_decode(a, symbols, functions, exact, counter, depth + 1) for a in args]

    if kind == "Symbol":
        name = tree.get("name")
        if not isinstance(name, str):
            raise TreeError("the captured expression is malformed.")
        if name not in symbols:
            # a declared name in a typeset form: Symbol("x_1") for x1, "lambda_min" for lam_min
            declared = _typeset_index(tuple(symbols)).get(_typeset_key(name))
            if declared is not None:
                return symbols[declared]
            allowed = ", ".join(sorted(symbols)) or "none"
            raise TreeError(f"unknown symbol {name[:40]!r}; this exercise's symbols are "
                            f"{allowed}.")
        return symbols[name]
    if kind == "Integer":
        value = tree.get("v")
        if not isinstance(value, str) or len(value) > 41 or not value.lstrip("-").isdigit():
            raise TreeError("the captured expression is malformed.")
        return sp.Integer(int(value))
    if kind == "Rational":
        p, q = tree.get("p"), tree.get("q")
        if not all(isinstance(x, str) and len(x) <= 41 and x.lstrip("-").isdigit() for x in (p, q)):
            raise TreeError("the captured expression is malformed.")
        if int(q) == 0:
            raise TreeError("the captured expression divides by zero.")
        return sp.Rational(int(p), int(q))
    if kind == "Float":
        try:
            value = float(tree.get("v"))
        except (TypeError, ValueError):
            raise TreeError("the captured expression is malformed.") from None
        if not exact:
            return sp.Float(value)
        try:
            # repr(float) is the shortest text that gives the float back: 0.5, 1.96
            return exact_decimal(repr(value), symbols)
        except ParseError as exc:
            raise TreeError(f"{exc} (In sympy, sympy.Rational(1, 3) is exact, 1/3 is "
                            "not.)") from None
    if kind in _CONSTANTS:
        if kind in ("ImaginaryUnit", "NaN", "ComplexInfinity"):
            raise TreeError(f"{kind} has no place in this answer.")
        return _CONSTANTS[kind]
    if kind == "Add":
        return sp.Add(*decoded())
    if kind == "Mul":
        return sp.Mul(*decoded())
    if kind == "Pow":
        parts = decoded()
        if len(parts) != 2:
            raise TreeError("the captured expression is malformed.")
        try:
            return _power(*parts)
        except ParseError as exc:
            raise TreeError(str(exc)) from None
    if kind in _FUNCTIONS:
        try:
            return _FUNCTIONS[kind](*decoded())
        except TypeError:
            raise TreeError(f"{kind} was given the wrong number of arguments.") from None
    if kind == "Apply":
        name = tree.get("name")
        if name == "sigmoid" and "sigma" in functions:
            name = "sigma"
        if name in functions:
            return functions[name](*decoded())
        if name in _STANDARD_UNDEFINED:
            try:
                return _STANDARD_UNDEFINED[name](*decoded())
            except TypeError:
                raise TreeError(f"{name} was given the wrong number of arguments.") from None
        own = ", ".join(sorted(functions))
        own = f"{own}, " if own else ""
        raise TreeError(f"unknown function {str(name)[:40]!r}; the functions are "
                        f"{own}{FUNCTIONS_SHOWN}.")
    if kind == "Piecewise":
        pieces = tree.get("pieces")
        if not isinstance(pieces, list) or not 0 < len(pieces) <= 20:
            raise TreeError("the captured expression is malformed.")
        pairs = []
        for piece in pieces:
            if not isinstance(piece, list) or len(piece) != 2:
                raise TreeError("the captured expression is malformed.")
            expr, cond = (_decode(part, symbols, functions, exact, counter, depth + 1)
                          for part in piece)
            if not isinstance(expr, sp.Expr) or not _is_condition(cond):
                raise TreeError("a Piecewise needs (expression, condition) pairs.")
            pairs.append((expr, cond))
        return sp.Piecewise(*pairs)
    if kind in _RELATIONS:
        try:
            return _RELATIONS[kind](*decoded())
        except (TypeError, ValueError):
            raise TreeError(f"{kind} was given the wrong arguments.") from None
    if kind in _TRUTH:
        return _TRUTH[kind]
    if kind == "Sum":
        return _decode_sum(tree, symbols, functions, exact, counter, depth)
    if kind == "Matrix":
        shape = tree.get("shape")
        if (not isinstance(shape, list) or len(shape) != 2
                or not all(isinstance(s, int) and 0 < s <= 50 for s in shape)
                or shape[0] * shape[1] != len(args)):
            raise TreeError("the captured matrix is malformed.")
        return sp.Matrix(shape[0], shape[1], decoded())
    raise TreeError(f"{kind} cannot be used in an answer.")


def _decode_sum(tree: dict, symbols: dict[str, sp.Symbol], functions: dict[str, Any],
                exact: bool, counter: list[int], depth: int) -> Any:
    """A Sum over bound integer indices; an index shadows a declared name inside its sum."""
    limits = tree.get("limits")
    args = tree.get("args")
    if (not isinstance(limits, list) or not 0 < len(limits) <= 3 or not isinstance(args, list)
            or len(args) != 1):
        raise TreeError("the captured expression is malformed.")
    inner = dict(symbols)
    decoded_limits = []
    for limit in limits:
        if not isinstance(limit, list) or len(limit) != 3:
            raise TreeError("the captured expression is malformed.")
        name, low, high = limit
        if not isinstance(name, str) or not name.isidentifier() or len(name) > MAX_INDEX_NAME:
            raise TreeError("a sum's index must be a plain name.")
        bounds = [_decode(b, inner, functions, exact, counter, depth + 1) for b in (low, high)]
        if not all(isinstance(b, sp.Expr) for b in bounds):
            raise TreeError("a sum's limits must be expressions.")
        index = sp.Symbol(name, integer=True)
        inner[name] = index
        decoded_limits.append((index, *bounds))
    body = _decode(args[0], inner, functions, exact, counter, depth + 1)
    if not isinstance(body, sp.Expr):
        raise TreeError("a sum's terms must be an expression.")
    return sp.Sum(body, *decoded_limits)


def _is_condition(value: Any) -> bool:
    """A relation, a combination of relations, or True/False (a Symbol is not one)."""
    return isinstance(value, (sp.core.relational.Relational, sp.And, sp.Or, sp.Not,
                              sp.logic.boolalg.BooleanAtom)) and not isinstance(value, sp.Symbol)
