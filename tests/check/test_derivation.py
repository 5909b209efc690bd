r"""Whole derivations checked line by line: the conventions a careful grader applies.

Each test is a question about one rule of the conventions (reading, domains, equations,
the start, the end and its form, credit, limits), asked of small exercises made here, so
that the engine is tested apart from the catalogue's content.
"""

from __future__ import annotations

import json
import time

import pytest
import sympy as sp

from mlfund.check import CORRECT, INCORRECT, INVALID, UNDECIDED
from mlfund.check._api import make_bundle, public_entry, score_bundle
from mlfund.check._capture import CaptureError, capture
from mlfund.check._score import score
from mlfund.exercises._spec import Derivation, Exercise, Mistake


def _sigmoid():
    from mlfund.optimization import symbolic

    return symbolic.sigmoid


def make(start, chain, reference, symbols, *, form, unknown=None, mistakes=(), **options):
    fields = {k: options.pop(k) for k in ("functions", "constraints") if k in options}
    return Exercise(
        id="w01-test-derivation", kind="derivation", prompt="a test", points=2,
        reference=reference, symbols=symbols, mistakes=mistakes, **fields,
        derivation=Derivation(start=start, chain=tuple(chain), form=tuple(form),
                              form_phrase="in the asked form", unknown=unknown, **options))


def verdict(spec, answer):
    return score(spec, capture(spec, answer))


SIGMOID = make(
    "diff(1/(1 + exp(-z)), z)",
    ["diff(1/(1 + exp(-z)), z)", "exp(-z)/(1 + exp(-z))**2", "sigma(z)*(1 - sigma(z))"],
    lambda z: _sigmoid()(z) * (1 - _sigmoid()(z)), {"z": "real"},
    form=("sigma", "z"), functions={"sigma": _sigmoid},
    mistakes=(Mistake("sign-flip", "Sign error.", form="-sigma(z)*(1 - sigma(z))"),),
    hints=("the chain rule", "1 − σ(z) = e^(−z)/(1 + e^(−z))"))


@pytest.fixture
def catalogued(monkeypatch):
    """SIGMOID as if it were in the catalogue (for bundles and hints)."""
    from mlfund import exercises

    real = exercises.get
    monkeypatch.setattr(exercises, "get",
                        lambda exercise_id: SIGMOID if exercise_id == SIGMOID.id else real(
                            exercise_id))
    return SIGMOID

MLE = make(
    "diff(k*log(p) + (n - k)*log(1 - p), p) = 0",
    ["diff(k*log(p) + (n - k)*log(1 - p), p) = 0", "k/p - (n - k)/(1 - p) = 0",
     "k*(1 - p) = (n - k)*p", "p = k/n"],
    lambda k, n: k / n, {"p": "probability", "k": "[0, n]", "n": "positive"},
    form=("k", "n"), unknown="p",
    mistakes=(Mistake("inverted", "Upside down.", form="p = n/k"),
              Mistake("lost-sign", "d/dp log(1 − p) = −1/(1 − p).",
                      form="k/p + (n - k)/(1 - p) = 0")))


# --- reading -------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", [
    ["d/dz (1 + exp(-z))**-1", "= exp(-z)/(1 + exp(-z))**2", "= sigma(z)*(1 - sigma(z))"],
    "d/dz (1 + exp(-z))^-1\n= exp(-z)/(1 + exp(-z))^2   # chain rule\n= sigma(z)*(1 - sigma(z))",
    r"""\frac{d}{dz}\left(1+e^{-z}\right)^{-1}
        = \frac{e^{-z}}{(1+e^{-z})^2} \quad\text{by the chain rule}
        = \sigma(z)\,(1-\sigma(z))""",
    r"\begin{aligned} \frac{d}{dz}\frac{1}{1+e^{-z}} &= \frac{e^{-z}}{(1+e^{-z})^2} \\"
    r" &= \sigma(z)(1-\sigma(z)) \end{aligned}",
    ["sigma'(z) = diff(1/(1 + exp(-z)), z) = exp(-z)/(1 + exp(-z))**2 = sigma(z)*(1 - sigma(z))"],
    [sp.Derivative(1 / (1 + sp.exp(-sp.Symbol("z"))), sp.Symbol("z")),
     sp.exp(-sp.Symbol("z")) / (1 + sp.exp(-sp.Symbol("z"))) ** 2,
     sp.Function("sigma")(sp.Symbol("z")) * (1 - sp.Function("sigma")(sp.Symbol("z")))],
])
def test_are_lists_strings_latex_and_sympy_chains_read_alike(answer):
    result = verdict(SIGMOID, answer)
    assert result.verdict == CORRECT, result.feedback
    assert result.score == 1.0


def test_is_an_unreadable_line_named_with_its_number():
    result = verdict(SIGMOID, ["diff(1/(1 + exp(-z)), z)", "= exp(-z)/(1 + exp(-z))**2",
                               "= sigma(z)*(1 - sigma(z)) +"])
    assert result.verdict == INVALID
    assert "line 3" in result.feedback


def test_is_an_unreadable_line_reported_before_an_earlier_broken_step():
    result = verdict(SIGMOID, ["diff(1/(1 + exp(-z)), z)", "-exp(-z)/(1 + exp(-z))**2",
                               "__import__('os').system('true')"])
    assert result.verdict == INVALID
    assert "line 3" in result.feedback


def test_is_nothing_the_learner_typed_executed():
    for text in ("__import__('os').system('echo hacked')", "(lambda: 1)()", "z.__class__",
                 "[c for c in ().__class__.__bases__]"):
        result = verdict(SIGMOID, ["diff(1/(1 + exp(-z)), z)", text])
        assert result.verdict == INVALID, text


def test_are_sums_indexed_names_and_their_latex_read():
    spec = make(
        "diff(Sum((w*x_i - y_i)**2, (i, 1, n))/n, w)",
        ["diff(Sum((w*x_i - y_i)**2, (i, 1, n))/n, w)", "Sum(2*(w*x_i - y_i)*x_i, (i, 1, n))/n"],
        lambda w, x, y, n, i: sp.Sum(2 * (w * x[i] - y[i]) * x[i], (i, 1, n)) / n,
        {"w": "real", "x": "real", "y": "real", "n": "positive_integer"},
        form=("Sum", "w", "x", "y", "n"), families=("x", "y"), min_steps=1)
    for answer in (
            list(spec.derivation.chain),
            ["diff(Sum((w*x[i] - y[i])**2, (i, 1, n))/n, w)",
             "= Sum(2*(w*x[i] - y[i])*x[i], (i, 1, n))/n"],
            r"\frac{d}{dw}\frac{1}{n}\sum_{i=1}^{n}(w x_i - y_i)^2"
            "\n= \\frac{2}{n}\\sum_{i=1}^{n}(w x_i - y_i)\\,x_{i}"):
        result = verdict(spec, answer)
        assert result.verdict == CORRECT, (answer, result.feedback)
    missing_two = verdict(spec, [spec.derivation.start, "Sum((w*x_i - y_i)*x_i, (i, 1, n))/n"])
    assert missing_two.verdict == INCORRECT
    assert "line 2" in missing_two.feedback
    free_index = verdict(spec, [spec.derivation.start, "2*(w*x_i - y_i)*x_i/n"])
    assert free_index.verdict == INVALID and "index i" in free_index.feedback


def test_are_integrals_read_in_python_and_latex():
    spec = make("Integral(u**lam, (u, 0, 1))",
                ["Integral(u**lam, (u, 0, 1))", "1/(1 + lam)"], lambda lam: 1 / (1 + lam),
                {"lam": "positive"}, form=("lam",), min_steps=1)
    for answer in (list(spec.derivation.chain),
                   r"\int_0^1 u^{\lambda}\,du = \frac{1}{1+\lambda}",
                   ["Integral(exp(-lam*t)*exp(-t), (t, 0, oo))", "= 1/(lam + 1)"]):
        assert verdict(spec, answer).verdict == CORRECT, answer


def test_are_expectations_and_variances_of_declared_random_variables_evaluated():
    spec = make("E((f + eps - fhat)**2)",
                ["E((f + eps - fhat)**2)", "E((f - fhat)**2) + sigma2", "(f - m)**2 + v + sigma2"],
                lambda f, m, v, sigma2: (f - m) ** 2 + v + sigma2,
                {"f": "real", "m": "real", "v": "positive", "sigma2": "positive"},
                form=("f", "m", "v", "sigma2"),
                random={"fhat": ("m", "v"), "eps": ("0", "sigma2")})
    assert verdict(spec, list(spec.derivation.chain)).verdict == CORRECT
    latex = r"""\mathbb{E}\left[(f + \varepsilon - \hat f)^2\right]
                = \mathbb{E}[(f-\hat f)^2] + \sigma^2
                = (f - m)^2 + v + \sigma^2"""
    assert verdict(spec, latex).verdict == CORRECT
    cubic = verdict(spec, ["E((f + eps - fhat)**2)", "E(fhat**3)"])
    assert cubic.verdict == INVALID and "moment" in cubic.feedback
    loose = verdict(spec, ["E((f + eps - fhat)**2)", "(f - fhat)**2 + sigma2"])
    assert loose.verdict == INVALID and "outside E" in loose.feedback


# --- rule 1: a step may extend the domain, never shrink it ---------------------------------


@pytest.mark.parametrize("domain, broken", [
    ("real", True), ("positive", False), ("[0, 1]", True), ("probability", False),
    ("[1, 5]", True), ("(1, 5)", False),
])
def test_does_a_division_break_the_step_only_where_the_domain_reaches_zero(domain, broken):
    # dividing by w (w = 0 possible), by y in [0, 1], by k - 1 with k >= 1
    zero = "w" if domain not in ("[1, 5]", "(1, 5)") else "w - 1"
    spec = make("w + 1", ["w + 1", "w + 2"], lambda w: w + 1, {"w": domain},
                form=("w",), min_steps=1)
    result = verdict(spec, ["w + 1", f"((w + 1)*({zero}) + ({zero})**2)/({zero}) - ({zero})"])
    assert (result.verdict == INCORRECT) == broken, result.feedback
    if broken:
        assert "undefined" in result.feedback


def test_is_a_step_that_extends_the_domain_valid():
    spec = make("(w**2 + w)/w", ["(w**2 + w)/w", "w + 1"], lambda w: w + 1, {"w": "real"},
                form=("w",), min_steps=1)
    assert verdict(spec, ["(w**2 + w)/w", "w + 1"]).verdict == CORRECT


# --- rule 2 and 3: equations and "set it to zero" ------------------------------------------


@pytest.mark.parametrize("domain, valid", [("probability", True), ("[0, 1]", False)])
def test_does_multiplying_by_a_vanishing_factor_depend_on_the_domain(domain, valid):
    spec = make("k/p - (n - k)/(1 - p) = 0",
                ["k/p - (n - k)/(1 - p) = 0", "p = k/n"], lambda k, n: k / n,
                {"p": domain, "k": "(0, n)", "n": "positive"}, form=("k", "n"), unknown="p",
                min_steps=1)
    # multiplied by p²(1 − p) and simplified: p = 0 becomes a root
    multiplied = ["k/p - (n - k)/(1 - p) = 0", "k*p*(1 - p) - (n - k)*p**2 = 0", "p = k/n"]
    result = verdict(spec, multiplied)
    assert (result.verdict == CORRECT) == valid, result.feedback


@pytest.mark.parametrize("domain, valid", [("positive", True), ("nonnegative", False)])
def test_does_dividing_by_s_squared_break_when_s_may_be_zero(domain, valid):
    spec = make("s**2*V = s**2*c", ["s**2*V = s**2*c", "V = c"], lambda c: c,
                {"V": "real", "s": domain, "c": "real"}, form=("c",), unknown="V", min_steps=1)
    result = verdict(spec, ["s**2*V = s**2*c", "V = c"])
    assert (result.verdict == CORRECT) == valid, result.feedback


def test_do_equations_compare_as_solution_sets_whatever_their_shape():
    for chain in (list(MLE.derivation.chain),
                  ["diff(k*log(p) + (n - k)*log(1 - p), p)", "= k/p - (n - k)/(1 - p)",
                   "<=> k/p - (n - k)/(1 - p) = 0", "⇔ k = n*p", "⇔ p = k/n"],
                  [r"\frac{d}{dp}\left[k\log p + (n-k)\log(1-p)\right] = 0",
                   r"\iff \frac{k}{p} = \frac{n-k}{1-p}", r"\iff k(1-p) = (n-k)p",
                   r"\iff p = \frac{k}{n}"],
                  ["Eq(diff(k*log(p) + (n - k)*log(1 - p), p), 0)", "Eq(k, n*p)", "Eq(k/n, p)"]):
        result = verdict(MLE, chain)
        assert result.verdict == CORRECT, (chain, result.feedback)


def test_is_a_catalogued_mistake_named_on_the_line_where_it_happens():
    result = verdict(MLE, [MLE.derivation.start, "k/p + (n - k)/(1 - p) = 0",
                           "p = k/(2*k - n)"])
    assert result.mistake == "lost-sign"
    assert "Line 2 does not follow from line 1" in result.feedback
    sign = verdict(SIGMOID, ["diff(1/(1 + exp(-z)), z)", "-exp(-z)/(1 + exp(-z))**2",
                             "-sigma(z)*(1 - sigma(z))"])
    assert sign.mistake == "sign-flip"
    assert "line 2" in sign.feedback.lower() and "opposite sign" in sign.feedback


def test_is_a_label_in_front_of_an_equation_read_as_a_label():
    result = verdict(MLE, ["dl/dp = k/p - (n - k)/(1 - p) = 0", "<=> k*(1 - p) = (n - k)*p",
                           "<=> p = k/n"])
    assert result.verdict == CORRECT, result.feedback


def test_is_a_sympy_last_line_out_of_form_told_to_be_a_string():
    sigma = _sigmoid()
    z = sp.Symbol("z", real=True)
    result = verdict(SIGMOID, ["diff(1/(1 + exp(-z)), z)", "exp(-z)/(1 + exp(-z))**2",
                               sigma(z) * (1 - sigma(z))])
    assert result.verdict == INCORRECT
    assert "as a string" in result.feedback


def test_is_an_equation_not_solved_for_the_unknown_refused_as_the_end():
    spec = make("sqrt(n)*d = z", ["sqrt(n)*d = z", "sqrt(n) = z/d", "n = z**2/d**2"],
                lambda z, d: z ** 2 / d ** 2, {"n": "positive", "d": "positive", "z": "positive"},
                form=("z", "d"), unknown="n")
    result = verdict(spec, ["sqrt(n)*d = z", "sqrt(n) = z/d"])
    assert result.verdict == INCORRECT
    assert "not solved for n" in result.feedback
    assert verdict(spec, list(spec.derivation.chain)).verdict == CORRECT


def test_are_alternatives_and_plus_minus_one_solution_set():
    spec = make("x**2 - 2*x - 3 = 0", ["x**2 - 2*x - 3 = 0", "(x - 3)*(x + 1) = 0",
                                       "x = 3 or x = -1"],
                lambda: (3, -1), {"x": "real"}, form=(), unknown="x")
    for last in ("x = 3 or x = -1", "x = 1 ± 2", r"x = 1 \pm 2", "x = -1 or 3"):
        result = verdict(spec, ["x**2 - 2*x - 3 = 0", "(x - 3)*(x + 1) = 0", last])
        assert result.verdict == CORRECT, (last, result.feedback)
    one = verdict(spec, ["x**2 - 2*x - 3 = 0", "(x - 3)*(x + 1) = 0", "x = 3"])
    assert one.verdict == INCORRECT and "line 3" in one.feedback


# --- rule 4: approximations ------------------------------------------------------------------


def test_does_an_approximation_break_the_chain_unless_declared():
    chain = ["1/(1 - eta)", "≈ 1 + eta"]
    exact = make("1/(1 - eta)", ["1/(1 - eta)", "1/(1 - eta)"], lambda eta: 1 / (1 - eta),
                 {"eta": "(0, 1/2)"}, form=("eta",), min_steps=1)
    result = verdict(exact, chain)
    assert result.verdict == INCORRECT and "approximation" in result.feedback
    declared = make("1/(1 - eta)", ["1/(1 - eta)", "≈ 1 + eta"], lambda eta: 1 + eta,
                    {"eta": "(0, 1/2)"}, form=("eta",), min_steps=1, small=("eta",))
    assert verdict(declared, chain).verdict == CORRECT
    assert verdict(declared, ["1/(1 - eta)", r"\approx 1 + 2\eta"]).verdict == INCORRECT


# --- rules 5 to 7: the start, the end and its form, credit -----------------------------------


def test_is_a_first_line_only_equivalent_to_the_start_accepted():
    result = verdict(SIGMOID, ["exp(-z)/(1 + exp(-z))**2", "1/(1 + exp(-z))*exp(-z)/(1 + exp(-z))",
                               "sigma(z)*(1 - sigma(z))"])
    assert result.verdict == CORRECT


def test_is_a_wrong_start_named():
    result = verdict(SIGMOID, ["diff(1/(1 + exp(z)), z)", "sigma(z)*(1 - sigma(z))"])
    assert result.verdict == INCORRECT
    assert "not the asked-for start" in result.feedback
    assert result.score == 0.0


def test_does_the_answer_alone_count_only_where_min_steps_allows():
    alone = ["diff(1/(1 + exp(-z)), z)", "sigma(z)*(1 - sigma(z))"]
    result = verdict(SIGMOID, alone)
    assert result.verdict == INCORRECT and "show your working" in result.feedback
    assert 0 < result.score < 0.5
    relaxed = make(SIGMOID.derivation.start, SIGMOID.derivation.chain, SIGMOID.reference,
                   {"z": "real"}, form=("sigma", "z"), functions={"sigma": _sigmoid},
                   min_steps=1)
    assert verdict(relaxed, alone).verdict == CORRECT


def test_is_the_form_judged_on_the_last_line_as_written():
    result = verdict(SIGMOID, ["diff(1/(1 + exp(-z)), z)", "exp(-z)/(1 + exp(-z))**2",
                               "1/(1 + exp(-z))*(1 - 1/(1 + exp(-z)))"])
    assert result.verdict == INCORRECT
    assert "asked form" in result.feedback and "exp" in result.feedback


def test_does_a_right_end_after_a_broken_step_earn_only_the_broken_credit():
    result = verdict(SIGMOID, ["diff(1/(1 + exp(-z)), z)", "exp(z)/(1 + exp(-z))**2",
                               "sigma(z)*(1 - sigma(z))"])
    assert result.verdict == INCORRECT
    assert result.score == pytest.approx(0.5)
    assert "Line 2 does not follow" in result.feedback


def test_do_valid_steps_that_stop_short_earn_in_proportion():
    long = make(MLE.derivation.start, MLE.derivation.chain, MLE.reference, MLE.symbols,
                form=("k", "n"), unknown="p", progress_credit=0.6)
    two = verdict(long, [long.derivation.start, "k/p - (n - k)/(1 - p) = 0",
                         "k*(1 - p) = (n - k)*p"])
    one = verdict(long, [long.derivation.start, "k/p - (n - k)/(1 - p) = 0"])
    assert two.score == pytest.approx(0.6 * 2 / 3)
    assert one.score == pytest.approx(0.6 * 1 / 3)
    broken_late = verdict(long, [long.derivation.start, "k/p - (n - k)/(1 - p) = 0",
                                 "k = 2*n*p"])
    assert broken_late.score == pytest.approx(0.6 * 1 / 3)


# --- rule 9: domains -------------------------------------------------------------------------


def test_are_interval_domains_with_symbolic_ends_sampled_inside():
    spec = make("V*eta*a*(2 - eta*a) = eta**2*s2",
                ["V*eta*a*(2 - eta*a) = eta**2*s2", "V = eta*s2/(a*(2 - eta*a))"],
                lambda eta, a, s2: eta * s2 / (a * (2 - eta * a)),
                {"V": "positive", "eta": "(0, 2/a)", "a": "positive", "s2": "positive"},
                form=("eta", "a", "s2"), unknown="V", min_steps=1)
    assert verdict(spec, list(spec.derivation.chain)).verdict == CORRECT
    from mlfund.check._chain import space_of

    for point in space_of(spec).points:
        assert 0 < point["eta"] < 2 / point["a"]


# --- limits, capture and the grading runtime -------------------------------------------------


def test_is_a_chain_capped_at_30_lines():
    with pytest.raises(CaptureError, match="at most 30"):
        capture(SIGMOID, ["sigma(z)"] * 31)
    result = verdict(SIGMOID, "\n".join(["= sigma(z)*(1 - sigma(z))"] * 31))
    assert result.verdict == INVALID and "30" in result.feedback


def test_is_a_long_chain_checked_within_three_seconds():
    lines = ["diff(1/(1 + exp(-z)), z)"] + [f"= exp(-z)/(1 + exp(-z))**2 + {k} - {k}"
                                            for k in range(27)] + ["= sigma(z)*(1 - sigma(z))"]
    started = time.monotonic()
    result = verdict(SIGMOID, lines)
    assert time.monotonic() - started < 3.0
    assert result.verdict in (CORRECT, UNDECIDED)


def test_is_a_runaway_line_stopped_within_the_budget():
    started = time.monotonic()
    result = verdict(SIGMOID, ["diff(1/(1 + exp(-z)), z)",
                               "(" + "+".join(f"exp(-z)**{k}" for k in range(1, 60)) + ")**999"])
    assert time.monotonic() - started < 3.5
    assert result.score == 0.0


@pytest.mark.parametrize("answer, message", [
    (42, "a list of lines"), ([], "no lines"), ([1.5], "line 1"),
    ([sp.Eq(sp.Symbol("z"), sp.Symbol("z"))], "True"),
])
def test_is_an_answer_of_the_wrong_shape_refused_with_a_message(answer, message):
    with pytest.raises(CaptureError, match=message):
        capture(SIGMOID, answer)


def test_is_the_verdict_the_same_after_the_json_trip():
    for answer in (list(MLE.derivation.chain), [MLE.derivation.start, "p = n/k"]):
        captured = capture(MLE, answer)
        travelled = json.loads(json.dumps(captured))
        assert score(MLE, travelled) == score(MLE, captured)


def test_does_a_graded_kernel_capture_a_chain_from_the_public_facts_alone(monkeypatch):
    from mlfund.check import _api

    spec = SIGMOID
    entry = json.loads(json.dumps(public_entry(spec)))
    told = json.dumps(entry)
    assert "start" not in entry and "chain" not in entry and "mistakes" not in entry
    assert spec.derivation.chain[1] not in told and "Sign error" not in told
    monkeypatch.setattr(_api, "_PUBLIC", None)
    _api.use_public_catalogue({spec.id: entry})
    answer = ["diff(1/(1 + exp(-z)), z)", "= exp(-z)/(1 + exp(-z))**2",
              sp.Function("sigma")(sp.Symbol("z")) * (1 - sp.Function("sigma")(sp.Symbol("z")))]
    graded = make_bundle(spec.id, answer)
    monkeypatch.setattr(_api, "_PUBLIC", None)
    assert graded["answer"] == capture(spec, answer)


def test_does_a_derivation_survive_the_bundle(catalogued):
    spec = catalogued
    bundle = make_bundle(spec.id, list(spec.derivation.chain))
    assert bundle["answer"]["type"] == "derivation"
    result = score_bundle(json.loads(json.dumps(bundle)), exercise_id=spec.id)
    assert result.verdict == CORRECT, result.feedback


def test_is_the_learners_text_escaped_in_the_html_of_the_verdict():
    result = verdict(SIGMOID, ["diff(1/(1 + exp(-z)), z)", "<script>alert(1)</script>"])
    assert "<script>" not in result._repr_html_()


def test_are_hints_shown_one_at_a_time_and_never_while_grading(catalogued, monkeypatch):
    from mlfund.check import _api, hint

    spec = catalogued
    first = hint(spec.id, step=1)
    assert first.text.startswith(f"Hint 1 of {len(spec.derivation.hints)}")
    assert hint(spec.id).text.startswith("Hint 2 of")
    assert "whole number" in hint(spec.id, step=99).text
    monkeypatch.setattr(_api, "_PUBLIC", {})
    assert "not shown" in hint(spec.id).text
