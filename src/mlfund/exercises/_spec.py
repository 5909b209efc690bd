"""The declarative form of one autograded item, and of its catalogued mistakes."""

from __future__ import annotations

import hashlib
import hmac
import inspect
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

KINDS = ("expression", "number", "interval", "array", "function", "choice", "derivation")
DOMAINS = ("real", "positive", "nonnegative", "probability", "integer", "positive_integer")

_RELATION = re.compile(r"(==|!=|<=|>=|<|>)")
_FUNCTION_NAMES = {"exp", "log", "sqrt", "Abs", "abs", "sin", "cos", "Max", "Min"}

_ID = re.compile(r"[a-z][a-z0-9_]*-[a-z0-9]+(-[a-z0-9]+)*")   # used with fullmatch
#: A public week's id: ``w01-...`` … ``w12-...``.
PUBLIC_ID = re.compile(r"w(0[1-9]|1[0-2])-[a-z0-9]+(-[a-z0-9]+)*")
#: An assignment's name: a public week (``w05``) or a course's own (``risk1``, ``credit_2``).
ASSIGNMENT = re.compile(r"[a-z][a-z0-9_]{0,39}")
# a derivation's domain may also be an interval whose ends are numbers or formulas in the
# other symbols, each end open or closed: "[0, 1]", "(0, 2/a)", "[0, n]"
INTERVAL = re.compile(r"^\s*([\[(])\s*([^,\[\]()]+(?:\([^()]*\)[^,\[\]()]*)*)\s*,"
                      r"\s*([^,\[\]()]+(?:\([^()]*\)[^,\[\]()]*)*)\s*([\])])\s*$")


@dataclass(frozen=True, slots=True)
class Mistake:
    """A common wrong answer, recognised so that the learner gets a specific note.

    Attributes
    ----------
    note : str
        Short, stable id of the mistake (``"sign-flip"``); kept with the grade so that the
        instructor's item analysis can count it.
    feedback : str
        What the learner is told when the answer matches this mistake.
    form : str, callable or None
        For ``expression`` items: the wrong answer in Python syntax, read with the item's
        symbols and functions (``"y - sigma(z)"``), or a callable taking the item's symbols
        as keyword arguments and returning a sympy expression or Matrix.
    value : callable or None
        For ``number``, ``interval``, ``array`` and ``function`` items: a zero-argument
        callable that returns the wrong value (computed, never copied); for ``function``
        items, the wrong implementation itself. For ``choice`` items: the wrong option.
    credit : float
        Fraction of the item's points this mistake still earns (a derivation step half
        right), in [0, 1).
    """

    note: str
    feedback: str
    form: str | Callable[..., Any] | None = None
    value: Any = None
    credit: float = 0.0

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", self.note):
            raise ValueError(
                f"mistake note ({self.note!r}) must be lower-case words joined by '-'.")
        if not 0.0 <= self.credit < 1.0:
            raise ValueError(f"mistake credit ({self.credit!r}) must be in [0, 1).")
        if self.form is None and self.value is None:
            raise ValueError(f"mistake {self.note!r} needs a form or a value.")


@dataclass(frozen=True, slots=True)
class Precision:
    """The precision a number or interval prompt asks for, and what it accepts.

    An answer given to the stated precision is correct: the item's tolerance is widened to
    half a unit of the last place asked for (``decimals``), or to half a unit of the
    ``significant``-th figure in relative terms. ``whole`` asks for a whole number (a
    count), which must be exact: rounding it is part of the question.

    Attributes
    ----------
    decimals : int or None
        Digits after the point: 3 is "to 3 decimals", 0 "to the nearest unit", -3 "to the
        nearest thousand".
    significant : int or None
        Significant figures: 3 is "to 3 significant figures".
    whole : bool
        A whole number, exact.
    unit : str
        What the last place counts, for the phrase: "dollar" gives "to the nearest dollar".
    """

    decimals: int | None = None
    significant: int | None = None
    whole: bool = False
    unit: str = ""

    def __post_init__(self) -> None:
        given = [self.decimals is not None, self.significant is not None, self.whole]
        if sum(given) != 1:
            raise ValueError("a precision is one of decimals, significant or whole.")
        if self.significant is not None and self.significant < 1:
            raise ValueError(f"significant ({self.significant!r}) must be >= 1.")

    @property
    def phrase(self) -> str:
        """How the prompt states it: "to 3 decimals", "to the nearest dollar"."""
        if self.whole:
            return "a whole number"
        if self.significant is not None:
            return f"to {self.significant} significant figures"
        if self.decimals > 0:
            return f"to {self.decimals} decimal{'s' if self.decimals > 1 else ''}"
        place = {0: "", -1: "ten ", -2: "hundred ", -3: "thousand ",
                 -6: "million "}.get(self.decimals, f"10^{-self.decimals} ")
        return f"to the nearest {place}{self.unit}".rstrip()

    @property
    def atol(self) -> float:
        """The absolute tolerance it grants: half a unit of the last decimal place."""
        if self.decimals is None:
            return 0.0
        return 0.5 * 10.0 ** (-self.decimals) * (1 + 1e-9)

    @property
    def rtol(self) -> float:
        """The relative tolerance it grants: half a unit of the last significant figure,
        for a leading digit of 1 (the widest case)."""
        if self.significant is None:
            return 0.0
        return 5.0 * 10.0 ** (-self.significant) * (1 + 1e-9)

    def round(self, value: float) -> float:
        """The value as a learner gives it to this precision."""
        import math

        if self.whole:
            return float(value)
        if self.decimals is not None:
            return round(float(value), self.decimals)
        if value == 0:
            return 0.0
        digits = self.significant - 1 - math.floor(math.log10(abs(value)))
        return round(float(value), digits)


@dataclass(frozen=True, slots=True)
class Derivation:
    """A whole derivation: what its first line must be, how its lines are read, its credit.

    The learner hands in a chain of lines; each must follow from the one before under the
    exercise's domains and constraints, the first must be the asked-for ``start`` (an
    unevaluated derivative, sum, integral, expectation or equation is evaluated for the
    comparison) and the last must equal the exercise's reference *and* be written in the
    asked ``form``. See ``docs/writing-an-exercise.md``.

    Attributes
    ----------
    start : str
        The asked-for first line in Python syntax, as the prompt states it: an expression
        (``"diff(1/(1 + exp(-z)), z)"``) or, for an equation chain, an equation
        (``"diff(k*log(p) + (n - k)*log(1 - p), p) = 0"``). It may use ``diff``, ``Sum``,
        ``Integral``, ``E`` and ``Var`` (with ``random``) and the ``definitions``.
    chain : tuple of str
        A model derivation from the start to the answer, one line each: the question tests
        check that it passes, and that changing any one of its lines is caught there.
    form : tuple of str
        The names the last line may use: symbols, functions (``"sigma"``, ``"sqrt"`` is
        always allowed as a power, ``"exp"``, ``"log"``), ``"Sum"``, ``"Integral"``, ``"E"``,
        ``"Var"``, ``"diff"``. Numbers and + - * / ^ are always allowed.
    form_phrase : str
        How the prompt asks for that form ("in terms of σ(z)", "with no sums left"): the
        feedback repeats it.
    unknown : str or None
        For an equation chain: the symbol solved for. Its lines compare as equations (the
        same solutions in the unknown's domain), an expression followed by an equation
        means "set it to zero", and the last line must be ``unknown = ...`` (alternatives
        joined by ``or`` or written with ``±``) with the unknown absent on the right.
    min_steps : int
        The fewest steps (pairs of consecutive lines) that count as a derivation; 1 lets
        the start followed by the answer count.
    families : tuple of str
        Symbols that are indexed families (``x`` read as ``x_i`` or ``x[i]``); the domain
        in ``symbols`` is that of every element.
    index : tuple of str
        The index of the families and its range, ``("i", "1", "n")``; ``Sum(f, (i, 1, n))``
        and ``\\sum_{i=1}^{n}`` run over it.
    random : mapping
        Independent random variables a line may take ``E(...)``, ``Var(...)`` or
        ``Cov(..., ...)`` of: name -> (mean, variance), each in Python syntax. Polynomials
        of degree 2 in them have an expectation, linear ones a variance.
    definitions : mapping
        Names a line may use for an expression of the symbols (``{"tp": "N*prev*tpr"}``);
        they are replaced by their expressions before comparing.
    small : tuple of str
        Symbols in which a line marked ``≈`` may drop terms of second order and above;
        without them an approximation breaks the chain.
    broken_credit : float
        What a chain earns that reaches the right answer in the asked form through a
        step that does not follow.
    progress_credit : float
        The most that valid steps earn without reaching the answer in the asked form, in
        proportion to the model chain's steps.
    hints : tuple of str
        The scaffolded steps, shown one at a time when the learner asks for them.
    """

    start: str
    chain: tuple[str, ...]
    form: tuple[str, ...]
    form_phrase: str
    unknown: str | None = None
    min_steps: int = 2
    families: tuple[str, ...] = ()
    index: tuple[str, str, str] = ("i", "1", "n")
    random: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    definitions: Mapping[str, str] = field(default_factory=dict)
    small: tuple[str, ...] = ()
    broken_credit: float = 0.5
    progress_credit: float = 0.5
    hints: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.start, str) or not self.start.strip():
            raise ValueError("a derivation's start must be a formula in Python syntax.")
        if not isinstance(self.chain, tuple) or len(self.chain) < 2:
            raise ValueError("a derivation's chain must be a tuple of at least two lines.")
        if len(self.chain) > 30:
            raise ValueError("a derivation's chain has at most 30 lines.")
        if not isinstance(self.form, tuple):
            raise ValueError("a derivation's form must be a tuple of the names its last line "
                             "may use.")
        if not self.form_phrase:
            raise ValueError("a derivation's form_phrase must say the form as the prompt does.")
        if not isinstance(self.min_steps, int) or self.min_steps < 1:
            raise ValueError(f"min_steps ({self.min_steps!r}) must be an integer >= 1.")
        if self.min_steps > len(self.chain) - 1:
            raise ValueError(f"min_steps ({self.min_steps}) is more than the model chain's "
                             f"{len(self.chain) - 1} steps.")
        for name, value in (("broken_credit", self.broken_credit),
                            ("progress_credit", self.progress_credit)):
            if not 0.0 <= value < 1.0:
                raise ValueError(f"{name} ({value!r}) must be in [0, 1).")
        if len(self.index) != 3 or not all(isinstance(p, str) and p for p in self.index):
            raise ValueError(f"index ({self.index!r}) must be (name, low, high), as "
                             "('i', '1', 'n').")
        for name, moments in self.random.items():
            if not (isinstance(moments, tuple) and len(moments) == 2):
                raise ValueError(f"random variable {name!r} needs (mean, variance).")


@dataclass(frozen=True, slots=True)
class Exercise:
    """One autograded item: what is asked, the reference, how answers are compared.

    Attributes
    ----------
    id : str
        Stable id, the week first: ``"w01-sigmoid-derivative"``. The notebook's answer cell
        has this ``grade_id``; its test cell has ``grade_id`` ``id + "-test"``.
    kind : str
        One of ``"expression"``, ``"number"``, ``"interval"``, ``"array"``, ``"function"``,
        ``"choice"``.
    prompt : str
        One line saying what is asked; shown in reports.
    reference : callable
        Callable returning the reference answer, computed from the reference library. For
        ``expression`` items it takes the item's symbols as keyword arguments
        (``lambda z: symbolic.sigmoid_derivative(z)``) and returns a sympy expression or
        Matrix; for the others it takes no argument and returns a float (``number``), a pair
        (``interval``), an array (``array``), a callable (``function``) or the right option
        (``choice``). Called lazily, so the catalogue imports nothing heavy.
    points : float
        Points of the item in the notebook.
    symbols : mapping
        For ``expression`` items: symbol name -> domain (``"real"``, ``"positive"``,
        ``"nonnegative"``, ``"probability"``, ``"integer"``, ``"positive_integer"`` or a
        ``(low, high)`` pair).
    functions : mapping
        For ``expression`` items: function name -> zero-argument callable returning a sympy
        callable (``{"sigma": lambda: symbolic.sigmoid}``) that a learner may use by name.
    constraints : tuple of str
        For ``expression`` items: what the question states about its symbols beyond their
        domains, one relation each in Python syntax: an excluded point (``"w != 0"``), a
        simplex (``"p1 + p2 + p3 == 1"``), an ordering (``"lam_min < lam_max"``), a
        positivity (``"cov_yx**2 < var_x*var_y"``). Answers are compared only at points where
        every relation holds, and feedback never cites a point they exclude.
    exact : bool
        For ``expression`` items: an exact form is asked. A decimal is then read exactly as
        written (``0.5`` is 1/2, ``**0.5`` a square root) unless it stands for what it only
        approximates: a normal quantile (``1.96``: the learner is told to write the
        symbol, such as ``z``), a constant (``3.14``) or a recurring fraction (``0.333``).
        With ``exact=False`` decimals are floats.
    rtol, atol : float
        Tolerances for numeric comparison.
    probes : callable or None
        For ``function`` items: zero-argument callable returning a list of argument tuples
        on which the learner's function is compared with the reference.
    gradient_of : callable or None
        For ``function`` items that are gradients: the loss whose finite differences the
        answer is also checked against.
    choices : mapping
        For ``choice`` items: option -> text shown to the learner.
    explanations : mapping
        For ``choice`` items: wrong option -> why it is wrong (the feedback).
    mistakes : tuple of Mistake
        The catalogue of common mistakes.
    forbidden_imports : tuple of str
        Modules the answer may not use (``("sklearn.metrics",)``).
    hint : str
        Shown with an incorrect answer that matches no catalogued mistake.
    precision : Precision or None
        For ``number`` and ``interval`` items: the precision the prompt states. It widens
        ``atol`` and ``rtol`` so that an answer given to that precision is correct.
    derivation : Derivation or None
        For ``derivation`` items: the start, the model chain, the asked form and the
        credit rules. Their ``reference`` takes the symbols as keyword arguments (families
        as ``sympy.IndexedBase``, and the index) and returns the answer's value; for an
        equation chain, the solution or a tuple of the solutions for the unknown. Their
        ``symbols`` may also be intervals with open or closed ends that are formulas in
        the other symbols: ``"[0, 1]"``, ``"(0, 2/a)"``, ``"[0, n]"``.
    """

    id: str
    kind: str
    prompt: str
    reference: Callable[[], Any]
    points: float = 1.0
    symbols: Mapping[str, Any] = field(default_factory=dict)
    functions: Mapping[str, Callable[[], Any]] = field(default_factory=dict)
    constraints: tuple[str, ...] = ()
    exact: bool = True
    rtol: float = 1e-6
    atol: float = 1e-9
    probes: Callable[[], list[tuple[Any, ...]]] | None = None
    gradient_of: Callable[..., float] | None = None
    choices: Mapping[str, str] = field(default_factory=dict)
    explanations: Mapping[str, str] = field(default_factory=dict)
    mistakes: tuple[Mistake, ...] = ()
    forbidden_imports: tuple[str, ...] = ()
    hint: str = ""
    precision: Precision | None = None
    derivation: Derivation | None = None
    parameters: Mapping[str, Parameter] = field(default_factory=dict)
    factory: Callable[..., Exercise] | None = None
    where: Callable[..., bool] | None = None

    def __post_init__(self) -> None:
        if self.precision is not None:
            if self.kind not in ("number", "interval"):
                raise ValueError(f"only number and interval items state a precision "
                                 f"({self.id} is {self.kind!r}).")
            # frozen: the tolerances are set once, here, from the precision stated
            object.__setattr__(self, "atol", max(self.atol, self.precision.atol))
            object.__setattr__(self, "rtol", max(self.rtol, self.precision.rtol))
        if not isinstance(self.id, str) or not _ID.fullmatch(self.id) \
                or not ASSIGNMENT.fullmatch(self.id.split("-", 1)[0]):
            raise ValueError(
                f"exercise id ({self.id!r}) must look like 'w01-sigmoid-derivative': "
                "the assignment (w01..w12, or a course's own such as 'risk1'), then "
                "lower-case words joined by '-'."
            )
        self._check_parameters()
        if self.kind not in KINDS:
            allowed = ", ".join(repr(k) for k in KINDS)
            raise ValueError(f"kind ({self.kind!r}) of {self.id} must be one of {allowed}.")
        if self.points <= 0:
            raise ValueError(f"points ({self.points!r}) of {self.id} must be > 0.")
        if (self.kind == "derivation") != (self.derivation is not None):
            raise ValueError(f"{self.id}: a derivation item, and only one, states a "
                             "derivation=Derivation(...).")
        for name, domain in self.symbols.items():
            if self.kind == "derivation" and isinstance(domain, str) and INTERVAL.match(domain):
                continue
            if isinstance(domain, tuple):
                if len(domain) != 2 or not domain[0] < domain[1]:
                    raise ValueError(f"domain of {name!r} in {self.id} must be (low, high).")
            elif domain not in DOMAINS:
                raise ValueError(f"domain ({domain!r}) of {name!r} in {self.id} is unknown.")
        self._check_constraints()
        if self.kind == "function" and self.probes is None:
            raise ValueError(f"function exercise {self.id} needs probes.")
        if self.kind == "choice":
            if len(self.choices) < 2:
                raise ValueError(f"choice exercise {self.id} needs at least two choices.")
            missing = set(self.choices) - set(self.explanations) - {self.reference()}
            if missing:
                raise ValueError(f"choice exercise {self.id} has no explanation for {missing}.")
        notes = [m.note for m in self.mistakes]
        if len(set(notes)) != len(notes):
            raise ValueError(f"exercise {self.id} repeats a mistake note.")

    def _check_constraints(self) -> None:
        if not isinstance(self.constraints, tuple):
            raise ValueError(f"constraints of {self.id} must be a tuple of strings.")
        if self.constraints and self.kind not in ("expression", "derivation"):
            raise ValueError(f"only expression and derivation items state constraints "
                             f"({self.id} is "
                             f"{self.kind!r}).")
        for text in self.constraints:
            parts = _RELATION.split(text) if isinstance(text, str) else []
            if len(parts) != 3 or not parts[0].strip() or not parts[2].strip():
                raise ValueError(
                    f"constraint ({text!r}) of {self.id} must compare two sides with one of "
                    "==, !=, <, <=, >, >=, as in 'w != 0' or 'lam_min < lam_max'.")
            names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)) - _FUNCTION_NAMES
            unknown = names - set(self.symbols)
            if unknown:
                raise ValueError(f"constraint ({text!r}) of {self.id} names "
                                 f"{', '.join(sorted(unknown))}, which are not its symbols.")

    def _check_parameters(self) -> None:
        if not self.parameters:
            return
        if self.factory is None:
            raise ValueError(f"{self.id}: an item with parameters is made by variant(factory, "
                             "...), which builds it for each student's values.")
        for name, parameter in self.parameters.items():
            if not isinstance(parameter, Parameter):
                raise ValueError(f"{self.id}: parameter {name!r} must be a Parameter(...).")

    @property
    def week(self) -> int:
        """The week number, from the id: ``w05-...`` is week 5; 0 for a course's own."""
        return int(self.id[1:3]) if PUBLIC_ID.fullmatch(self.id) else 0

    @property
    def assignment(self) -> str:
        """The nbgrader assignment of the item: ``"w05"``, or a course's own (``"risk1"``)."""
        return self.id.split("-", 1)[0]

    @property
    def varies(self) -> bool:
        """Whether the item's numbers differ per student (in a course that draws them)."""
        return bool(self.parameters)

    @property
    def defaults(self) -> dict[str, Any]:
        """The numbers of the workbook's own version: the factory's defaults."""
        if self.factory is None:
            return {}
        signature = inspect.signature(self.factory)
        return {name: signature.parameters[name].default for name in self.parameters}

    def with_values(self, values: Mapping[str, Any]) -> Exercise:
        """The item as one student sees it: built by its factory from ``values``.

        An item without parameters is returned as it is.
        """
        if not self.parameters:
            return self
        unknown = set(values) - set(self.parameters)
        missing = set(self.parameters) - set(values)
        if unknown or missing:
            raise ValueError(f"{self.id}: values for {sorted(self.parameters)} are needed; "
                             f"got {sorted(values)}.")
        made = self.factory(**dict(values))
        if not isinstance(made, Exercise) or (made.id, made.kind, made.points) != \
                (self.id, self.kind, self.points):
            raise ValueError(f"{self.id}: its factory must build the same item (id, kind, "
                             "points) whatever the values.")
        return replace(made, parameters=self.parameters, factory=self.factory,
                       where=self.where)

    def draw(self, key: bytes, student: str) -> dict[str, Any]:
        """This student's values of the item's parameters, from the course's secret ``key``.

        Each value is an HMAC-SHA256 of the student id, the exercise id and the parameter's
        name under the key: the same for the same student whenever it is drawn (release,
        autograde, feedback), different from student to student, and not computable
        without the key. ``where`` (from :func:`variant`) rejects a draw, and the next is
        taken, up to 1000 times.
        """
        if not self.parameters:
            return {}
        if not isinstance(key, bytes) or len(key) < 16:
            raise ValueError("the variants' key must be at least 16 bytes.")
        for attempt in range(1000):
            values = {}
            for name, parameter in sorted(self.parameters.items()):
                message = f"{student}\x00{self.id}\x00{name}\x00{attempt}".encode()
                digest = hmac.new(key, message, hashlib.sha256).digest()
                values[name] = parameter.pick(int.from_bytes(digest[:8], "big") % parameter.size)
            if self.where is None or self.where(**values):
                return values
        raise ValueError(f"{self.id}: no draw of its parameters satisfies its condition.")


@dataclass(frozen=True, slots=True)
class Parameter:
    """A number that differs per student: one of an evenly spaced grid, or of given values.

    ``Parameter(800, 1200, step=10)`` is one of 800, 810, …, 1200;
    ``Parameter(0.02, 0.08, step=0.005)`` one of 0.02, 0.025, …, 0.08 (rounded to the
    step's decimals); ``Parameter(values=(49, 99, 149))`` one of those.
    """

    low: float | None = None
    high: float | None = None
    step: float = 1
    values: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        if self.values:
            if not isinstance(self.values, tuple) or len(set(self.values)) < 2:
                raise ValueError("a parameter's values must be a tuple of at least two "
                                 "different values.")
            if self.low is not None or self.high is not None:
                raise ValueError("a parameter is either values=(...) or low, high and step.")
            return
        numbers = (self.low, self.high, self.step)
        if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in numbers):
            raise ValueError(f"a parameter needs numbers low < high and step > 0; got "
                             f"low={self.low!r}, high={self.high!r}, step={self.step!r}.")
        if not (self.low < self.high and self.step > 0):
            raise ValueError(f"a parameter needs low < high and step > 0; got low={self.low!r}"
                             f", high={self.high!r}, step={self.step!r}.")
        if not 2 <= self.size <= 10**7:
            raise ValueError(f"a parameter's grid must have 2 to 10**7 values; "
                             f"{self.low}..{self.high} by {self.step} has {self.size}.")

    @property
    def size(self) -> int:
        """How many values it may take."""
        if self.values:
            return len(self.values)
        return int(math.floor((self.high - self.low) / self.step + 1e-9)) + 1

    def pick(self, index: int) -> Any:
        """The ``index``-th of its values."""
        if self.values:
            return self.values[index]
        if all(isinstance(v, int) for v in (self.low, self.step)):
            return self.low + index * self.step
        decimals = max(0, -math.floor(math.log10(self.step) + 1e-9)) + 1
        return round(self.low + index * self.step, decimals + 2)


def variant(factory: Callable[..., Exercise], *, where: Callable[..., bool] | None = None,
            **parameters: Parameter) -> Exercise:
    """An item whose numbers differ per student in a course that draws them.

    ``factory`` builds the item from its numbers, given as keyword arguments whose defaults
    are the workbook's own numbers (what a self-learner sees); ``parameters`` say what each
    may be for a student of a graded course; ``where``, given the values, rejects a draw
    (``where=lambda x_a, n_a, **_: x_a < n_a``).

    >>> def rate(n=1000):
    ...     return Exercise("risk1-rate", "number", f"50 of {n} users convert", lambda: 50 / n)
    >>> spec = variant(rate, n=Parameter(800, 1200, step=10))
    >>> spec.prompt, spec.with_values({"n": 800}).prompt, spec.with_values({"n": 800}).reference()
    ('50 of 1000 users convert', '50 of 800 users convert', 0.0625)
    """
    signature = inspect.signature(factory)
    for name in parameters:
        if name not in signature.parameters or \
                signature.parameters[name].default is inspect.Parameter.empty:
            raise ValueError(f"variant: the factory {factory.__name__} needs a keyword "
                             f"argument {name!r} with the workbook's value as its default.")
    made = factory()
    return replace(made, parameters=dict(parameters), factory=factory, where=where)
