"""Situations that two weeks pose: one model, one tolerance and one set of mistakes.

When a later week revisits an earlier one with other numbers or with symbols (the mock
review of week 12 revisits every week), both items take their catalogued mistakes from
here, so that the same reasoning gets the same verdict and the same note in both weeks.
Each mistake is written once, as a formula in the situation's parameters; an expression
item uses it with sympy symbols, a number item with the week's numbers.
``tests/exercises/test_twins.py`` checks that twin items agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mlfund.exercises._spec import Mistake


@dataclass(frozen=True, slots=True)
class SharedMistake:
    """A wrong answer of a situation, as a formula in the situation's parameters."""

    note: str
    feedback: str
    formula: Callable[..., Any]
    credit: float = 0.0

    def as_form(self) -> Mistake:
        """For an expression item whose symbols are the parameters."""
        return Mistake(self.note, self.feedback, form=self.formula, credit=self.credit)

    def as_value(self, **numbers: float) -> Mistake:
        """For a number or interval item posed with these numbers."""
        formula = self.formula
        return Mistake(self.note, self.feedback, value=lambda: _number(formula(**numbers)),
                       credit=self.credit)


def _ratio(numerator: int, denominator: int, *, like: Any) -> Any:
    """An exact sympy Rational beside sympy symbols, a float beside numbers."""
    import sympy as sp

    if isinstance(like, sp.Basic):
        return sp.Rational(numerator, denominator)
    return numerator / denominator


def _number(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(float(v) for v in value)
    return float(value)


# --- the review threshold (weeks 9 and 12) -------------------------------------------------
#
# A review costs r on every case reviewed, fraud or not, and stops the fraud; a fraud not
# reviewed costs v. Review when r < p·v: t* = r/v. In regrets (correct decisions free),
# C_FP = r and C_FN = v − r, and C_FP/(C_FP + C_FN) = r/v again.


def review_threshold(r: Any, v: Any) -> Any:
    """The reference in the library's terms: a true positive pays the review too."""
    from mlfund.evaluation import symbolic

    return symbolic.cost_optimal_threshold(r, v, r, 0)


REVIEW_THRESHOLD_MISTAKES = (
    SharedMistake("free-true-positive",
                  "This treats a caught fraud as free, but the review is paid on frauds too. "
                  "Review when its cost is below the expected loss of not reviewing, p times "
                  "the cost of a missed fraud; with regrets, C_FN is the missed fraud's cost "
                  "minus the review's.",
                  lambda r, v: r / (r + v)),
    SharedMistake("swapped-costs",
                  "The costs are swapped: a dearer review should raise the threshold, not "
                  "lower it.",
                  lambda r, v: v / (r + v)),
    SharedMistake("half",
                  "1/2 is the threshold only when the two errors cost the same and correct "
                  "decisions are free.",
                  lambda r, v: _ratio(1, 2, like=r)),
    SharedMistake("odds-not-probability",
                  "That is the break-even odds p/(1 − p); turn it back into a probability.",
                  lambda r, v: r / (v - r)),
)
