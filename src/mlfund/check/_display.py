r"""The learner's formula as mathematics: "Read as" rendered beside its plain text.

The echo ``interpreted`` is plain text (``sigma(z)*(1 - sigma(z))``). For the notebook it is
read again with the exercise's display names and typeset by sympy (``\sigma{\left(z
\right)} \left(1 - \sigma{\left(z \right)}\right)``), which the notebook's MathJax renders
in the HTML output. Only text that the formula reader accepts is typeset, so what reaches
MathJax is sympy's own LaTeX of declared names, never the learner's raw text.
"""

from __future__ import annotations

import ast
from typing import Any

#: Longest echo that is typeset; a longer one is shown as plain text only.
MAX_TYPESET = 600


def latex_of(exercise_id: str, interpreted: str) -> str | None:
    """sympy's LaTeX of an echoed formula of an expression item, or None."""
    if not interpreted or len(interpreted) > MAX_TYPESET:
        return None
    try:
        from mlfund import exercises
        from mlfund.check._limits import TimeLimitExceeded, time_limit
        from mlfund.check._score import namespace

        spec = exercises.find(exercise_id)
        if spec is None or spec.kind != "expression":
            return None
        with time_limit(0.5):
            return _typeset(interpreted, namespace(spec, for_display=True))
    except (ImportError, ValueError, TypeError, SyntaxError, RecursionError,
            TimeLimitExceeded):
        return None


def _typeset(text: str, ns: Any) -> str:
    import sympy as sp

    from mlfund.check._parse import parse_python

    if text.startswith("[") and text.endswith("]"):   # a column, echoed as a list
        body = ast.parse(text, mode="eval").body
        if not isinstance(body, ast.List):
            raise ValueError("not a list")
        items = [parse_python(ast.get_source_segment(text, e), ns) for e in body.elts]
        expr = sp.Matrix(items)
    else:
        expr = parse_python(text, ns)
    # lam is λ: "lambda" is a Python keyword, not a typesetting choice
    names = {s: sp.latex(sp.Symbol("lambda" + s.name[3:])) for s in expr.free_symbols
             if s.name == "lam" or s.name.startswith("lam_")}
    return sp.latex(expr, symbol_names=names)
