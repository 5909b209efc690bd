"""The checking engine: capture an answer, decide equivalence, name the mistake.

Pure Python: no Jupyter, no nbgrader. The learner's ``check(...)`` and the trusted grader
both call :func:`score` on the same captured data, so they give the same verdict.

>>> from mlfund.check import compare_expressions
>>> compare_expressions("2*p*(1-p)", "2*p - 2*p^2", domains={"p": "probability"}).verdict
'correct'
>>> compare_expressions(r"\\frac{1}{1+e^{-z}}", "1/(1+exp(-z))").verdict
'correct'
"""

from __future__ import annotations

from mlfund.check._api import (
    MIME_TYPE,
    Checked,
    check,
    compare_expressions,
    graded_course,
    grading_mode,
    make_bundle,
    score_bundle,
    student_numbers,
)
from mlfund.check._capture import CaptureError, capture
from mlfund.check._hint import Hint, hint
from mlfund.check._names import formula_names
from mlfund.check._result import (
    CORRECT,
    INCORRECT,
    INVALID,
    UNDECIDED,
    VERDICTS,
    CheckResult,
)
from mlfund.check._score import score

__all__ = [
    "CORRECT",
    "INCORRECT",
    "INVALID",
    "MIME_TYPE",
    "UNDECIDED",
    "VERDICTS",
    "CaptureError",
    "CheckResult",
    "Checked",
    "Hint",
    "capture",
    "check",
    "compare_expressions",
    "formula_names",
    "graded_course",
    "grading_mode",
    "hint",
    "make_bundle",
    "score",
    "score_bundle",
    "student_numbers",
]
