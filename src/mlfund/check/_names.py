"""The names a week's formulas may use, for the week's set-up cell.

A learner who types a formula without quotes — ``z*sqrt(p*(1 - p)/n)`` — hands in a sympy
expression, which is checked like the string; that needs ``sqrt`` and ``p`` to exist in the
notebook. The set-up cell provides them::

    from mlfund.check import check, formula_names
    globals().update(formula_names("w05"))

In a graded kernel, where the exercise catalogue cannot be imported, the names come from the
public facts of the notebook's exercises (their names and domains, never a reference); the
exercise's own functions (``sigma``) are then sympy functions of that name, which the grader
reads back as the exercise's own.
"""

from __future__ import annotations

from typing import Any

#: sympy's functions and constants, under the names the formula reader accepts.
_SYMPY_NAMES = ("sqrt", "exp", "log", "Abs", "sign", "Max", "Min", "sin", "cos", "tan",
                "tanh", "cosh", "sinh", "erf", "pi", "Rational", "Piecewise")


def formula_names(week: str | int) -> dict[str, Any]:
    """Symbols, functions and sympy's functions that the week's formulas may use.

    Parameters
    ----------
    week : str or int
        ``"w05"`` or ``5``.

    Returns
    -------
    dict
        Name -> object, for ``globals().update(...)`` in the week's set-up cell: each
        declared symbol as a sympy Symbol with its domain's assumptions, each declared
        function (``sigma``), sympy's ``sqrt``, ``exp``, ``log`` (and ``ln``), ``Abs``,
        ``sign``, ``Max``, ``Min``, ``erf``, ``Phi`` (the standard normal CDF), ``pi``,
        ``Rational``.

    Examples
    --------
    A learner types a formula without quotes; it is checked as the string would be:

    >>> names = formula_names("w01")
    >>> sigma, z = names["sigma"], names["z"]
    >>> from mlfund.check import check
    >>> check("w01-sigmoid-derivative", sigma(z)*(1 - sigma(z))).result.verdict
    'correct'
    """
    import sympy as sp

    from mlfund.check._equiv import make_symbol
    from mlfund.check._parse import standard_normal_cdf

    prefix = _week(week)
    names: dict[str, Any] = {name: getattr(sp, name) for name in _SYMPY_NAMES}
    names.update({"ln": sp.log, "Phi": standard_normal_cdf})
    domains: dict[str, set[Any]] = {}
    functions: dict[str, Any] = {}
    for entry in _entries(prefix):
        for name, domain in entry["symbols"].items():
            # JSON gives a (low, high) pair back as a list
            domains.setdefault(name, set()).add(tuple(domain) if isinstance(domain, list)
                                                 else domain)
        functions.update(entry["functions"])
    for name, seen in sorted(domains.items()):
        # a name with two domains in the week (two items) is only known to be real
        domain = next(iter(seen)) if len(seen) == 1 else "real"
        try:
            names[name] = make_symbol(name, domain)
        except (ValueError, TypeError):
            names[name] = make_symbol(name, "real")
    names.update(functions)
    return names


def _week(week: str | int) -> str:
    import re

    if isinstance(week, int) and not isinstance(week, bool) and 1 <= week <= 12:
        return f"w{week:02d}"
    if isinstance(week, str) and len(week) == 3 and week[0] == "w" and week[1:].isdigit() \
            and 1 <= int(week[1:]) <= 12:
        return week
    if isinstance(week, str) and re.fullmatch(r"[a-z][a-z0-9_]{0,39}", week) \
            and not re.fullmatch(r"w[0-9]+", week) and _is_course_assignment(week):
        return week
    raise ValueError(f"week ({week!r}) must be 'w01' ... 'w12' or 1 ... 12, or the name of a "
                     "course's own assignment such as 'risk1'.")


def _is_course_assignment(name: str) -> bool:
    """A course's own assignment: known to the grader, or to a graded course's notebook."""
    from mlfund.check import _api

    if _api._PUBLIC is not None:
        return any(e.id.startswith(name + "-") for e in _api._PUBLIC.values())
    from mlfund import exercises

    return name in exercises.private_assignments()


def _entries(prefix: str) -> list[dict[str, Any]]:
    """Each exercise of the week: its symbols' domains and its functions."""
    import sympy as sp

    from mlfund.check import _api

    if _api._PUBLIC is not None:   # a graded kernel: public facts only
        return [{"symbols": dict(e.symbols),
                 "functions": {name: sp.Function(name) for name in e.functions}}
                for e in _api._PUBLIC.values() if e.id.startswith(prefix + "-")]
    from mlfund import exercises

    try:
        specs = exercises.assignment(prefix)
    except ValueError:
        return []
    return [{"symbols": dict(spec.symbols),
             "functions": {name: factory() for name, factory in spec.functions.items()}}
            for spec in specs if spec.kind in ("expression", "derivation")]
