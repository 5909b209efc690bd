"""What a learner is told in a graded course before feedback: how the answer was read.

In a course that grades an exercise itself (a course's own exercise, or any exercise once
the course runs in graded mode), the learner's ``check(...)`` knows the exercise's public
facts only — its kind, the symbols and functions a formula may use — and never its
reference. It says how the answer was read and whether it uses names the exercise allows,
and that the course records and grades it: a verdict comes with the feedback.
"""

from __future__ import annotations

from typing import Any

RECORDED = "The course grades this answer; the verdict comes with your feedback."


def _namespace(spec: Any) -> Any:
    import sympy as sp

    from mlfund.check._equiv import make_symbol
    from mlfund.check._parse import Namespace

    symbols = {}
    for name, domain in dict(spec.symbols).items():
        domain = tuple(domain) if isinstance(domain, list) else domain
        try:
            symbols[name] = make_symbol(name, domain)
        except (ValueError, TypeError):   # an interval written as a string: still real
            symbols[name] = make_symbol(name, "real")
    functions = {name: sp.Function(name) for name in spec.functions}
    return Namespace(symbols=symbols, functions=functions, exact=False)


def _formula(answer: dict[str, Any], spec: Any) -> str:
    import sympy as sp

    from mlfund.check._parse import ParseError, parse_formula
    from mlfund.check._tree import TreeError, from_tree

    ns = _namespace(spec)
    kind = answer.get("type")
    try:
        if kind == "text":
            expr = parse_formula(answer["text"], ns)
        elif kind == "sympy":
            expr = from_tree(answer["tree"], dict(ns.symbols), dict(ns.functions))
        elif kind == "number":
            return f"Read as the number {answer['value']:g}."
        elif kind == "list":
            return f"Read as a list of {len(answer.get('items', []))} formulas."
        else:
            return "Read."
    except (ParseError, TreeError, KeyError, TypeError, ValueError) as exc:
        return f"Cannot read this formula: {exc}"
    allowed = set(ns.symbols)
    used = {s.name for s in getattr(expr, "free_symbols", set()) if isinstance(s, sp.Symbol)}
    extra = sorted(used - allowed)
    shown = sp.sstr(expr)
    if extra:
        return (f"Read as {shown}, which uses {', '.join(extra)}: this exercise's formulas "
                f"use {ns.describe()}.")
    return f"Read as {shown}; it uses only names this exercise allows ({ns.describe()})."


def form_report(spec: Any, bundle: dict[str, Any]) -> str:
    """How the answer in ``bundle`` was read for the public facts ``spec``; no verdict."""
    if "error" in bundle:
        return f"Cannot read this answer: {str(bundle['error'])[:500]}"
    answer = bundle.get("answer") or {}
    kind = answer.get("type")
    if kind == "missing":
        return "No answer yet."
    if spec.kind == "expression":
        said = _formula(answer, spec)
    elif spec.kind == "derivation":
        lines = answer.get("lines", [])
        said = f"Read a derivation of {len(lines)} line{'s' if len(lines) != 1 else ''}."
    elif kind == "number":
        said = f"Read as the number {answer['value']:.10g}."
    elif kind == "text":
        said = f"Read as the text {answer['text'][:80]!r}."
    elif kind == "interval":
        said = f"Read as the interval [{answer['low']:.10g}, {answer['high']:.10g}]."
    elif kind == "array":
        said = f"Read as an array of shape {tuple(answer.get('shape', ()))}."
    elif kind == "choice":
        said = f"Read as option {answer.get('value')!r}."
    elif kind == "function":
        said = "Read as a function; the course runs it on inputs of its own."
    else:
        said = "Read."
    return f"{said} {RECORDED}"
