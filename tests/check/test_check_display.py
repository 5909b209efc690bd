"""Is "Read as" shown as rendered mathematics, and only ever sympy's own LaTeX?"""

from __future__ import annotations

import pytest

from mlfund.check import INCORRECT, CheckResult, check
from mlfund.check._display import latex_of


@pytest.mark.parametrize("exercise_id, answer, latex", [
    ("w01-sigmoid-derivative", r"\sigma(z)(1+\sigma(z))", r"\sigma{\left(z \right)}"),
    ("w01-softmax-gradient-3", ["p1 - 1", "p2", "p3"], r"\begin{matrix}p_{1} - 1"),
    ("w02-momentum-velocity", "Sum(g*beta**k, (k, 0, t - 1))", r"\sum_{k=0}^{t - 1}"),
    ("w02-optimal-lr", r"\frac{2}{\lambda_{\min}+\lambda_{\max}}", r"\lambda_{max}"),
])
def test_is_read_as_typeset_beside_its_plain_text(exercise_id, answer, latex):
    result = check(exercise_id, answer).result
    page = result._repr_html_()
    assert latex in page and r"\(" in page and r"\)" in page
    assert "<code>" in page           # the plain text stays beside it
    assert result.summary().count("Read as:") == 1


@pytest.mark.parametrize("interpreted", [
    r"\href{javascript:alert(1)}{x}", "<script>alert(1)</script>", "__import__('os')",
    "z" * 700, "q + 1",
])
def test_is_anything_but_a_readable_formula_left_untypeset(interpreted):
    assert latex_of("w01-sigmoid-derivative", interpreted) is None
    page = CheckResult(INCORRECT, 0.0, "x", interpreted=interpreted,
                       exercise="w01-sigmoid-derivative")._repr_html_()
    assert r"\(" not in page and "<script>" not in page


def test_is_nothing_typeset_for_other_kinds_or_unknown_exercises():
    assert latex_of("w01-sigmoid-derivative-max", "0.25") is None
    assert latex_of("w99-nothing", "z") is None
    assert "mlfund-math" not in CheckResult(INCORRECT, 0.0, "x", interpreted="z")._repr_html_()
