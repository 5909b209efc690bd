"""The learner's ``check(...)``, the answer bundle, and direct comparison of expressions."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mlfund.check._capture import CaptureError, capture
from mlfund.check._result import CORRECT, INCORRECT, INVALID, UNDECIDED, CheckResult
from mlfund.check._score import score

#: The MIME type of a captured answer in a notebook's outputs.
MIME_TYPE = "application/vnd.mlfund.answer+json"
BUNDLE_VERSION = 1
MAX_BUNDLE_BYTES = 2_000_000


def grading_mode() -> str:
    """``"learner"``, ``"autograde"`` or ``"validate"``, from the grader's environment.

    nbgrader sets ``NBGRADER_EXECUTION`` in the process that runs the kernel; ``mlfund
    grade`` and ``mlfund course autograde`` run under nbgrader too. A learner who sets the
    variable only loses the in-notebook feedback: the score is always decided by the
    trusted step from the captured data.
    """
    value = os.environ.get("NBGRADER_EXECUTION", "")
    if value == "autograde":
        return "autograde"
    if value == "validate":
        return "validate"
    return "learner"


@dataclass(frozen=True)
class PublicExercise:
    """What a graded kernel may know of an exercise: enough to capture an answer, no more."""

    id: str
    kind: str
    probe_data: Any = None
    symbols: Mapping[str, Any] = field(default_factory=dict)   # name -> domain
    functions: tuple[str, ...] = ()

    def probes(self) -> list[Any]:
        return decode_value(self.probe_data) if self.probe_data is not None else []


#: Set in a graded kernel: the exercises of its notebook, public facts only.
_PUBLIC: dict[str, PublicExercise] | None = None
#: Set in a learner's kernel by :func:`graded_course`: the course grades these exercises.
_GRADED = False
#: Set in a student's own copy by :func:`student_numbers`: exercise id -> their numbers.
_VALUES: dict[str, dict[str, Any]] = {}


def student_numbers(values: Mapping[str, Mapping[str, Any]]) -> None:
    """In a student's own copy of a week whose numbers differ per student: their numbers.

    Written into the copy's set-up cell by the course's release, so that ``check(...)``
    compares an answer with the reference for the numbers the student sees. The grader never
    reads it: it draws the student's numbers again from the course's key.
    """
    if not isinstance(values, Mapping):
        raise TypeError("student_numbers takes the numbers of each exercise, a dict by id.")
    _VALUES.clear()
    _VALUES.update({str(k): dict(v) for k, v in values.items()})


def encode_value(value: Any) -> Any:
    """Probe inputs as JSON: arrays, tuples and numpy scalars marked so they come back."""
    import numpy as np

    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, tuple):
        return {"__tuple__": [encode_value(v) for v in value]}
    if isinstance(value, list):
        return [encode_value(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"a probe input of type {type(value).__name__} cannot be sent as JSON.")


def decode_value(value: Any) -> Any:
    import numpy as np

    if isinstance(value, dict) and "__ndarray__" in value:
        return np.array(value["__ndarray__"], dtype=value.get("dtype", "float64"))
    if isinstance(value, dict) and "__tuple__" in value:
        return tuple(decode_value(v) for v in value["__tuple__"])
    if isinstance(value, list):
        return [decode_value(v) for v in value]
    return value


def public_entry(spec: Any) -> dict[str, Any]:
    """The public facts of an exercise spec, as JSON for a graded kernel."""
    probes = encode_value(list(spec.probes())) if spec.kind == "function" else None
    # the names a formula may use, as the prompt states them: for formula_names(week)
    symbols = {name: list(d) if isinstance(d, tuple) else d for name, d in spec.symbols.items()}
    return {"id": spec.id, "kind": spec.kind, "probes": probes, "symbols": symbols,
            "functions": sorted(spec.functions)}


def use_public_catalogue(entries: Mapping[str, Any]) -> None:
    """From now on, capture answers with these public facts only (a graded kernel)."""
    global _PUBLIC
    _PUBLIC = {str(k): PublicExercise(
        str(v["id"]), str(v["kind"]), v.get("probes"),
        symbols=dict(v.get("symbols") or {}),
        functions=tuple(str(f) for f in v.get("functions") or ()))
        for k, v in entries.items()}


def graded_course(entries: Mapping[str, Any]) -> None:
    """In a learner's notebook of a graded course: the course grades these exercises.

    ``entries`` are the exercises' public facts (as :func:`public_entry` gives them, without
    probe inputs), written into the notebook's set-up cell when the course releases it.
    From then on ``check(...)`` reads an answer, says how it was read and whether it uses
    the names the exercise allows, and reveals no verdict: the course records and grades
    it. The references of a course's own exercises are nowhere in the learner's reach.
    In a graded kernel (where the grader installed the table) it does nothing.
    """
    global _GRADED
    if grading_mode() == "autograde" or (_PUBLIC is not None and not _GRADED):
        return
    if not isinstance(entries, Mapping):
        raise TypeError("graded_course takes the exercises' public facts, a dict by id.")
    use_public_catalogue(entries)
    _GRADED = True


def _capture_spec(exercise_id: Any) -> Any:
    if _PUBLIC is None:
        from mlfund import exercises

        return exercises.get(exercise_id)
    if not isinstance(exercise_id, str) or exercise_id not in _PUBLIC:
        raise KeyError(f"{str(exercise_id)[:60]!r} is not an exercise of this notebook.")
    return _PUBLIC[exercise_id]


def make_bundle(exercise_id: str, answer: Any) -> dict[str, Any]:
    """Capture ``answer`` for the exercise as a bundle of plain data."""
    bundle: dict[str, Any] = {"version": BUNDLE_VERSION, "exercise": str(exercise_id)}
    try:
        spec = _capture_spec(exercise_id)
    except (KeyError, TypeError) as exc:
        bundle["error"] = str(exc).strip("'\"")
        return bundle
    try:
        bundle["answer"] = capture(spec, answer)
    except CaptureError as exc:
        bundle["error"] = str(exc)
    except RecursionError:
        bundle["error"] = "the answer is nested too deeply."
    except Exception as exc:  # an object whose conversion raised: the learner's problem
        bundle["error"] = f"the answer could not be read ({type(exc).__name__}: {str(exc)[:200]})"
    if len(json.dumps(bundle)) > MAX_BUNDLE_BYTES:
        bundle.pop("answer", None)
        bundle["error"] = "the answer is too large to record."
    return bundle


def score_bundle(bundle: Any, *, exercise_id: str | None = None,
                 values: Mapping[str, Any] | None = None) -> CheckResult:
    """Score a bundle; with ``exercise_id``, a bundle for another exercise scores 0.

    ``values`` are the student's numbers of an exercise that varies per student
    (:meth:`mlfund.exercises.Exercise.draw`): the answer is compared with the reference
    computed from them. Without them, the workbook's own numbers are used.
    """
    from mlfund import exercises

    expected = exercise_id
    if not isinstance(bundle, Mapping) or bundle.get("version") != BUNDLE_VERSION:
        spec_id = expected or ""
        return _invalid(spec_id, "The recorded answer is malformed.")
    claimed = bundle.get("exercise")
    if expected is not None and claimed != expected:
        return _invalid(expected, f"The recorded answer is for {str(claimed)[:60]!r}, "
                                  f"not for {expected!r}.")
    try:
        spec = exercises.get(claimed)
    except (KeyError, TypeError):
        reason = str(bundle.get("error", "")) if expected is None else ""
        return _invalid(str(claimed)[:60], reason[:300] or
                        "The recorded answer names no known exercise.")
    if "error" in bundle:
        return CheckResult(INVALID, 0.0, f"Cannot read this answer: {str(bundle['error'])[:500]}",
                           exercise=spec.id, points=float(spec.points))
    if values is not None and spec.varies:
        spec = spec.with_values(values)
    return score(spec, bundle.get("answer"))


def _invalid(exercise_id: str, text: str) -> CheckResult:
    return CheckResult(INVALID, 0.0, text, exercise=exercise_id)


@dataclass(frozen=True)
class Checked:
    """What ``check(...)`` returns: the captured bundle, and the verdict when it was scored.

    The notebook shows it through ``_repr_mimebundle_``: the verdict as HTML and text for the
    learner, with the bundle under :data:`MIME_TYPE` for the grader.
    """

    bundle: dict[str, Any]
    result: CheckResult | None
    mode: str = "learner"
    form: str = ""

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:  # noqa: ARG002
        data: dict[str, Any] = {MIME_TYPE: self.bundle}
        if self.result is None and self.form:
            import html

            data["text/plain"] = f"Recorded. {self.form}"
            data["text/html"] = (f'<div class="mlfund-recorded"><b>Recorded.</b> '
                                 f"{html.escape(self.form)}</div>")
        elif self.result is None:
            data["text/plain"] = "Answer recorded for grading."
        elif self.mode == "validate":
            # nbgrader's validate reads a number as partial credit
            data["text/plain"] = f"{self.result.earned:g}"
        else:
            data["text/plain"] = self.result.summary()
            data["text/html"] = self.result._repr_html_()
        return data

    def __repr__(self) -> str:
        if self.result is None:
            return f"Recorded. {self.form}" if self.form else "Answer recorded for grading."
        return self.result.summary()


def check(exercise_id: str, answer: Any) -> Checked:
    """Check an answer to one exercise and show the verdict in the notebook.

    Parameters
    ----------
    exercise_id : str
        The exercise, e.g. ``"w01-sigmoid-derivative"``.
    answer : object
        A sympy expression, a formula string (Python syntax or LaTeX), a number, an interval,
        an array, a function or a choice, as the exercise asks.

    In an autograded run the answer is only captured; the grader scores it.

    Examples
    --------
    >>> result = check("w01-sigmoid-derivative", "sigma(z)*(1 - sigma(z))")
    >>> result.result.verdict
    'correct'
    >>> check("w01-sigmoid-derivative", "sigma(z)*(1 + sigma(z))").result.mistake
    'one-plus-sigma'
    """
    mode = grading_mode()
    bundle = make_bundle(exercise_id, answer)
    if _GRADED and mode == "learner":
        from mlfund.check._form import form_report

        spec = _PUBLIC.get(str(exercise_id)) if _PUBLIC is not None else None
        if spec is None:
            return Checked(bundle, None, mode, f"Cannot read this answer: "
                                               f"{str(bundle.get('error', ''))[:300]}")
        return Checked(bundle, None, mode, form_report(spec, bundle))
    if mode == "autograde" or _PUBLIC is not None:
        return Checked(bundle, None, mode)
    return Checked(bundle, score_bundle(bundle, values=_VALUES.get(str(exercise_id))), mode)


def _to_expression(value: Any, domains: Mapping[str, Any], which: str) -> Any:
    import sympy as sp

    from mlfund.check._equiv import make_symbol
    from mlfund.check._parse import ParseError, parse_formula

    if isinstance(value, str):
        ns = _AutoNamespace(symbols={}, functions={}, exact=False, domains=dict(domains))
        try:
            return parse_formula(value, ns)
        except ParseError as exc:
            raise ValueError(str(exc)) from None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return sp.nsimplify(value) if isinstance(value, int) else sp.Float(value)
    if isinstance(value, (sp.Basic, sp.MatrixBase)):
        # rebuild every symbol with the assumptions of its domain
        mapping = {s: make_symbol(s.name, domains.get(s.name, "real"))
                   for s in value.free_symbols if isinstance(s, sp.Symbol)}
        return value.xreplace(mapping)
    raise TypeError(f"{which} must be a sympy expression or a string; got {type(value).__name__}.")


class _AutoNamespace:
    """A namespace for direct comparisons: any unknown name becomes a symbol."""

    def __init__(self, symbols, functions, exact, domains):
        from mlfund.check._parse import Namespace

        self._base = Namespace(symbols=symbols, functions=functions, exact=exact)
        self.symbols = symbols
        self.functions = functions
        self.exact = exact
        self.domains = domains

    def describe(self) -> str:
        return self._base.describe()

    def knows(self, name: str) -> bool:
        return True   # an unknown name becomes a symbol

    def typeset_power(self, base: str, exponent: str) -> None:  # noqa: ARG002
        return None

    def resolve(self, name: str, *, call: bool = False) -> Any:
        from mlfund.check._equiv import make_symbol
        from mlfund.check._parse import ALIASES, ParseError

        name = ALIASES.get(name, name)
        if name in self.domains and name not in self.symbols:
            self.symbols[name] = make_symbol(name, self.domains[name])
        try:
            return self._base.resolve(name, call=call)
        except ParseError:
            if not name.isidentifier() or call:
                raise
            self.symbols[name] = make_symbol(name, self.domains.get(name, "real"))
            return self.symbols[name]


def compare_expressions(answer: Any, reference: Any, *,
                        domains: Mapping[str, Any] | None = None,
                        constraints: Sequence[str] = ()) -> CheckResult:
    """Compare two expressions (sympy or strings in Python syntax or LaTeX).

    Parameters
    ----------
    answer, reference : sympy expression or str
    domains : mapping, optional
        Symbol name -> ``"real"`` (the default), ``"positive"``, ``"nonnegative"``,
        ``"probability"`` (the open interval (0, 1)), ``"integer"``, ``"positive_integer"``
        or a ``(low, high)`` pair.
    constraints : sequence of str, optional
        Relations the symbols satisfy, in Python syntax: ``"w != 0"``, ``"a < b"``,
        ``"p1 + p2 == 1"``. The expressions are compared only where all of them hold.

    Returns
    -------
    CheckResult
        ``correct`` or ``incorrect``; ``invalid`` when the answer cannot be read;
        ``undecided`` when neither stage could settle it.

    Examples
    --------
    A learner checks that the Bernoulli variance can be written two ways:

    >>> compare_expressions("p - p^2", "p*(1-p)", domains={"p": "probability"}).verdict
    'correct'
    >>> compare_expressions("sqrt(x^2)", "x").verdict
    'incorrect'
    >>> compare_expressions("sqrt(x^2)", "x", domains={"x": "positive"}).verdict
    'correct'
    >>> compare_expressions("x/Abs(x)", "sign(x)", constraints=["x != 0"]).verdict
    'correct'
    """
    from mlfund.check._equiv import DIFFERENT, EQUAL, equivalent, make_symbol, seed_for
    from mlfund.check._parse import ParseError

    domains = dict(domains or {})
    for name, domain in domains.items():
        make_symbol(name, domain)  # validates the domain with a clear message
    try:
        ref = _to_expression(reference, domains, "reference")
    except (ValueError, TypeError) as exc:
        raise ValueError(f"the reference cannot be read: {exc}") from None
    try:
        got = _to_expression(answer, domains, "answer")
    except (ValueError, TypeError) as exc:
        return CheckResult(INVALID, 0.0, f"Cannot read this answer: {exc}")
    import sympy as sp

    from mlfund.check._region import Region, parse_relation

    relations = []
    ns = _AutoNamespace(symbols={}, functions={}, exact=False, domains=dict(domains))
    for text in constraints:
        try:
            relations.append(parse_relation(text, ns))
        except ParseError as exc:
            raise ValueError(f"the constraint {text!r} cannot be read: {exc}") from None
    names = {s.name for e in (got, ref, *(r.difference for r in relations))
             for s in e.free_symbols if isinstance(s, sp.Symbol)}
    all_domains = {n: domains.get(n, "real") for n in names}
    region = Region(all_domains, relations) if relations else None
    outcome = equivalent(got, ref, all_domains, seed=seed_for(sp.sstr(ref)), region=region)
    shown = sp.sstr(got)
    if outcome.decision == EQUAL:
        return CheckResult(CORRECT, 1.0, f"Equal ({outcome.how}).", interpreted=shown)
    if outcome.decision == DIFFERENT:
        return CheckResult(INCORRECT, 0.0, f"Not equal ({outcome.how}).", interpreted=shown)
    return CheckResult(UNDECIDED, 0.0, f"Undecided: {outcome.how}.", interpreted=shown)
