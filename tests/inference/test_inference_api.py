"""Questions about the public surface: names, signatures, result objects, import cost."""

from __future__ import annotations

import dataclasses
import inspect
import subprocess
import sys

import numpy as np
import pytest

from mlfund import inference as inf


def test_does_every_public_name_exist_and_carry_a_docstring_with_an_example():
    for name in inf.__all__:
        obj = getattr(inf, name)
        if callable(obj) and not isinstance(obj, type):
            assert obj.__doc__ and "Examples" in obj.__doc__, name


@pytest.mark.parametrize(
    ("name", "signature"),
    [
        ("proportion_ci", "(successes, n, *, confidence_level=0.95, method='wilson')"),
        ("diff_proportions_ci",
         "(successes_a, n_a, successes_b, n_b, *, confidence_level=0.95, method='newcombe')"),
        ("two_proportion_ztest",
         "(successes_a, n_a, successes_b, n_b, *, alternative='two-sided')"),
        ("welch_ttest", "(a, b, *, alternative='two-sided')"),
        ("sample_size_two_proportions",
         "(p_a, p_b, *, alpha=0.05, power=0.8, alternative='two-sided')"),
        ("sample_size_two_means",
         "(delta, sigma, *, alpha=0.05, power=0.8, alternative='two-sided')"),
    ],
)
def test_are_the_contract_signatures_exact(name, signature):
    sig = inspect.signature(getattr(inf, name))
    plain = sig.replace(
        parameters=[p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()],
        return_annotation=inspect.Signature.empty,
    )
    assert str(plain) == signature


def test_is_confidence_interval_a_frozen_slotted_dataclass():
    ci = inf.ConfidenceInterval(0.1, 0.4)
    assert dataclasses.is_dataclass(ci)
    assert [f.name for f in dataclasses.fields(ci)] == ["low", "high"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ci.low = 0.0  # type: ignore[misc]
    assert not hasattr(ci, "__dict__")
    assert ci.width == pytest.approx(0.3)
    assert 0.1 in ci and 0.4 in ci and 0.5 not in ci


@pytest.mark.parametrize("result", [
    inf.Estimate(0.1, 0.01),
    inf.ZTestResult(1.0, 0.3),
    inf.MultipleTestingResult(np.array([True]), np.array([0.01])),
])
def test_are_results_frozen(result):
    first = dataclasses.fields(result)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(result, first, 0.0)


def test_do_the_numbers_come_back_as_python_floats():
    assert type(inf.proportion_ci(3, 10).low) is float
    assert type(inf.two_proportion_ztest(3, 10, 5, 10).pvalue) is float
    res = inf.welch_ttest([1.0, 2.0, 4.0], [2.0, 5.0, 9.0])
    assert all(type(v) is float for v in (res.statistic, res.pvalue, res.df))
    assert type(res.confidence_interval().low) is float
    assert type(inf.sample_size_two_proportions(0.1, 0.2)) is float


def test_is_importing_the_pillar_cheap_and_symbolic_separate():
    code = (
        "import sys, mlfund.inference as m;"
        "heavy = [k for k in ('scipy.stats', 'sympy', 'matplotlib', 'statsmodels', 'sklearn')"
        " if k in sys.modules];"
        "print(heavy, 'mlfund.inference.symbolic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[] False"
