"""Week 8: each reference against an independent derivation or library, and the facts used.

Is F1 from counts the harmonic mean of P and R? Is F-β the weighted harmonic mean? Do the
number items agree with scikit-learn on the data their stories describe? Does the ROC-AUC
reference agree with scikit-learn, with the slow pair count and with Mann-Whitney U? Does
the rank-sum formula give the AUC on every probe? Is the binormal AUC P(s₊ − s₋ > 0)?
Is random AP close to the prevalence? Do probes import nothing the notebook forbids?
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import sklearn.metrics as skm
import sympy as sp
from scipy import stats

from mlfund import exercises
from mlfund.check import CORRECT, check
from mlfund.evaluation import symbolic
from mlfund.exercises import w08

tp, fp, fn = sp.symbols("tp fp fn", positive=True)
P, R, beta = sp.symbols("P R beta", positive=True)
mu_pos, mu_neg = sp.symbols("mu_pos mu_neg", real=True)
sigma = sp.Symbol("sigma", positive=True)


def _ref(exercise_id, **symbols):
    spec = exercises.get(exercise_id)
    return spec.reference(**symbols) if spec.kind == "expression" else spec.reference()


# --- confusion-matrix metrics ---------------------------------------------------------------


def test_is_f1_from_counts_the_harmonic_mean_of_precision_and_recall():
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    harmonic = 2 * precision * recall / (precision + recall)
    assert sp.simplify(_ref("w08-f1-from-counts", tp=tp, fp=fp, fn=fn) - harmonic) == 0


def test_is_fbeta_the_weighted_harmonic_mean_with_weight_beta_squared_on_recall():
    reference = _ref("w08-fbeta-from-pr", P=P, R=R, beta=beta)
    weighted = 1 / (1 / (1 + beta**2) / P + beta**2 / (1 + beta**2) / R)
    assert sp.simplify(reference - weighted) == 0
    # and written with counts it is the library's count form
    counts = reference.subs({P: tp / (tp + fp), R: tp / (tp + fn)})
    assert sp.simplify(counts - symbolic.fbeta(tp, fp, fn, beta)) == 0


def _story_arrays():
    tp_, fp_, fn_, tn_ = w08._story_counts()
    y_true = np.r_[np.ones(tp_), np.zeros(fp_), np.ones(fn_), np.zeros(tn_)]
    y_pred = np.r_[np.ones(tp_ + fp_), np.zeros(fn_ + tn_)]
    return y_true, y_pred


def test_does_the_fraud_story_give_the_counts_it_tells():
    y_true, y_pred = _story_arrays()
    assert y_true.size == 1000 and y_true.sum() == 40 and y_pred.sum() == 50
    assert np.sum((y_true == 1) & (y_pred == 1)) == 30


def test_is_the_f2_reference_sklearns_fbeta_on_the_story():
    y_true, y_pred = _story_arrays()
    assert _ref("w08-f2-value") == pytest.approx(skm.fbeta_score(y_true, y_pred, beta=2))
    assert _ref("w08-f2-value") == pytest.approx(5 / 7)


def test_is_the_weights_swapped_f2_mistake_f_one_half():
    y_true, y_pred = _story_arrays()
    spec = exercises.get("w08-f2-value")
    swapped = next(m for m in spec.mistakes if m.note == "weights-swapped")
    assert swapped.value() == pytest.approx(skm.fbeta_score(y_true, y_pred, beta=0.5))
    assert swapped.value() == pytest.approx(skm.fbeta_score(y_pred, y_true, beta=2))


@pytest.mark.parametrize("args", w08._label_probes())
def test_is_the_precision_recall_fbeta_reference_sklearns(args):
    y_true, y_pred, b = args
    want = [skm.precision_score(y_true, y_pred), skm.recall_score(y_true, y_pred),
            skm.fbeta_score(y_true, y_pred, beta=b)]
    got = exercises.get("w08-precision-recall-fbeta").reference()(y_true, y_pred, b)
    np.testing.assert_allclose(got, want)


def test_do_the_label_probes_tell_the_beta_mistakes_apart():
    """A probe with β ≠ 1 is needed, or β and β², fp and fn, could not be told apart."""
    betas = {b for *_, b in w08._label_probes()}
    assert betas - {1.0}


# --- the accuracy paradox -------------------------------------------------------------------


def test_is_the_paradox_accuracy_sklearns_for_always_negative():
    y = w08._paradox_labels()
    assert _ref("w08-accuracy-paradox") == pytest.approx(
        skm.accuracy_score(y, np.zeros_like(y)))
    assert _ref("w08-accuracy-paradox") == pytest.approx(0.99)


def test_does_the_useful_model_have_the_recall_and_precision_told():
    tp_, fp_, fn_, tn_ = w08._useful_counts()
    y_true = np.r_[np.ones(tp_), np.zeros(fp_), np.ones(fn_), np.zeros(tn_)]
    y_pred = np.r_[np.ones(tp_ + fp_), np.zeros(fn_ + tn_)]
    assert y_true.size == w08._PARADOX_N and y_true.sum() == w08._PARADOX_POS
    assert skm.recall_score(y_true, y_pred) == pytest.approx(0.6)
    assert skm.precision_score(y_true, y_pred) == pytest.approx(0.3)
    accuracy = skm.accuracy_score(y_true, y_pred)
    assert _ref("w08-useful-model-accuracy") == pytest.approx(accuracy)
    # the point of the exercise: the useful model is less accurate than doing nothing
    assert accuracy < _ref("w08-accuracy-paradox")


# --- ROC --------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", w08._roc_point_probes())
def test_is_the_roc_point_on_sklearns_roc_curve(args):
    y_true, y_score, threshold = args
    assert threshold in y_score
    fpr, tpr, thresholds = skm.roc_curve(y_true, y_score, drop_intermediate=False)
    at = np.flatnonzero(thresholds == threshold)[0]
    got = exercises.get("w08-roc-point").reference()(y_true, y_score, threshold)
    np.testing.assert_allclose(got, [fpr[at], tpr[at]])


def test_does_some_roc_probe_tell_greater_from_greater_or_equal():
    differs = [not np.allclose(w08._roc_point(*a), w08._roc_point_strict(*a))
               for a in w08._roc_point_probes()]
    assert any(differs)


@pytest.mark.parametrize("args", w08._ranking_probes())
def test_is_the_roc_auc_reference_sklearn_pairs_and_mann_whitney(args):
    y_true, y_score = args
    reference = exercises.get("w08-roc-auc-pairs").reference()(y_true, y_score)
    wins, ties, pairs = w08._pair_wins(y_true, y_score)
    assert reference == pytest.approx(skm.roc_auc_score(y_true, y_score))
    assert reference == pytest.approx((wins + ties / 2) / pairs)
    u = stats.mannwhitneyu(y_score[y_true == 1], y_score[y_true == 0]).statistic
    assert reference == pytest.approx(u / pairs)


def test_do_the_ranking_probes_have_ties():
    assert any(np.unique(s).size < s.size for _, s in w08._ranking_probes())


@pytest.mark.parametrize("args", w08._ranking_probes())
def test_does_the_rank_sum_formula_give_the_auc(args):
    y_true, y_score = args
    ranks = stats.rankdata(y_score)  # mid-ranks for ties
    W, n_pos, n_neg = ranks[y_true == 1].sum(), int(y_true.sum()), int((1 - y_true).sum())
    symbols = {"W": sp.Symbol("W", positive=True),
               "n_pos": sp.Symbol("n_pos", positive=True, integer=True),
               "n_neg": sp.Symbol("n_neg", positive=True, integer=True)}
    formula = _ref("w08-auc-rank-sum", **symbols)
    value = formula.subs({symbols["W"]: sp.nsimplify(W), symbols["n_pos"]: n_pos,
                          symbols["n_neg"]: n_neg})
    assert float(value) == pytest.approx(skm.roc_auc_score(y_true, y_score))


def test_is_the_difference_variance_two_sigma_squared_by_sympy_stats():
    from sympy.stats import Normal, variance

    s_pos, s_neg = Normal("s_pos", mu_pos, sigma), Normal("s_neg", mu_neg, sigma)
    want = sp.simplify(variance(s_pos - s_neg))
    got = _ref("w08-binormal-difference-variance", mu_pos=mu_pos, mu_neg=mu_neg, sigma=sigma)
    assert sp.simplify(got - want) == 0


@pytest.mark.parametrize("m1, m0, sd", [(1.0, 0.0, 1.0), (0.3, 0.8, 2.0), (2.5, -1.0, 0.7)])
def test_is_phi_of_x_the_probability_that_a_positive_outranks_a_negative(m1, m0, sd):
    x = _ref("w08-binormal-auc-z", mu_pos=mu_pos, mu_neg=mu_neg, sigma=sigma)
    x_value = float(x.subs({mu_pos: m1, mu_neg: m0, sigma: sd}))
    exact = stats.norm.sf(0.0, loc=m1 - m0, scale=np.sqrt(2) * sd)
    assert stats.norm.cdf(x_value) == pytest.approx(exact)
    rng = np.random.default_rng(0)
    simulated = np.mean(rng.normal(m1, sd, 200_000) > rng.normal(m0, sd, 200_000))
    assert simulated == pytest.approx(exact, abs=0.005)


# --- precision-recall ------------------------------------------------------------------------


@pytest.mark.parametrize("args", w08._ranking_probes())
def test_is_the_average_precision_reference_sklearns(args):
    y_true, y_score = args
    reference = exercises.get("w08-average-precision").reference()(y_true, y_score)
    assert reference == pytest.approx(skm.average_precision_score(y_true, y_score))


@pytest.mark.parametrize("args", w08._ranking_probes())
def test_is_the_trapezoid_mistake_sklearns_trapezoid_auc(args):
    y_true, y_score = args
    precision, recall, _ = skm.precision_recall_curve(y_true, y_score)
    assert w08._ap_trapezoid(y_true, y_score) == pytest.approx(skm.auc(recall, precision))


def test_do_tied_probes_tell_grouped_from_split_ties():
    differs = [not np.isclose(w08._ap_ties_split(*a), skm.average_precision_score(*a))
               for a in w08._ranking_probes()]
    assert any(differs)


# --- baselines -------------------------------------------------------------------------------


def test_are_the_random_baselines_what_random_scores_get():
    y = w08._baseline_labels()
    rng = np.random.default_rng(8)
    aucs, aps = [], []
    for _ in range(20):
        scores = rng.random(y.size)
        aucs.append(skm.roc_auc_score(y, scores))
        aps.append(skm.average_precision_score(y, scores))
    assert np.mean(aucs) == pytest.approx(_ref("w08-random-roc-baseline"), abs=0.01)
    assert np.mean(aps) == pytest.approx(_ref("w08-random-pr-baseline"), abs=0.001)


def test_is_the_prevalence_accepted_as_the_pr_baseline():
    assert check("w08-random-pr-baseline", 0.01).result.verdict == CORRECT
    assert check("w08-random-pr-baseline", w08._BASELINE_POS / w08._BASELINE_N).result.score == 1


# --- what the learner's kernel runs ----------------------------------------------------------


def test_do_the_module_and_its_probes_import_nothing_the_notebook_forbids():
    code = (
        "import sys\n"
        "from mlfund import exercises\n"
        "for spec in exercises.week(8):\n"
        "    if spec.probes is not None:\n"
        "        spec.probes()\n"
        "banned = ('sklearn', 'mlfund.evaluation', 'scipy.stats')\n"
        "print([m for m in sys.modules if m.startswith(banned)])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_do_the_function_items_forbid_the_metric_libraries():
    for spec in exercises.week(8):
        if spec.kind == "function":
            assert {"sklearn", "mlfund.evaluation"} <= set(spec.forbidden_imports)


def test_does_an_fpr_of_one_percent_give_five_false_alarms_per_fraud():
    # the written answer of 5.4: prevalence 0.2 %, FPR 1 %, every fraud flagged
    frauds, legitimate = 2_000, 998_000
    y_true = np.r_[np.ones(frauds), np.zeros(legitimate)].astype(int)
    y_pred = y_true.copy()
    y_pred[frauds:frauds + legitimate // 100] = 1
    tn, fp, fn, tp = skm.confusion_matrix(y_true, y_pred).ravel()
    assert fp / tp == pytest.approx(0.01 * 0.998 / 0.002, rel=1e-3)   # ≈ 5, not 10
    assert skm.precision_score(y_true, y_pred) == pytest.approx(1 / 6, abs=0.002)


# --- averaging over classes -----------------------------------------------------------------


def _ticket_arrays():
    matrix = np.array(w08._TICKET_MATRIX)
    y_true, y_pred = [], []
    for (i, j), count in np.ndenumerate(matrix):
        y_true += [i] * count
        y_pred += [j] * count
    return np.array(y_true), np.array(y_pred)


def test_are_the_ticket_averages_sklearns_precision_recall_fscore_support():
    y_true, y_pred = _ticket_arrays()
    assert y_true.size == 1000 and np.bincount(y_true).tolist() == [800, 150, 50]
    *_, macro, _ = skm.precision_recall_fscore_support(y_true, y_pred, average="macro")
    *_, micro, _ = skm.precision_recall_fscore_support(y_true, y_pred, average="micro")
    assert _ref("w08-macro-f1") == pytest.approx(macro)
    assert _ref("w08-micro-f1") == pytest.approx(micro)
    # with one label per example micro-F1 is the accuracy
    assert _ref("w08-micro-f1") == pytest.approx(skm.accuracy_score(y_true, y_pred))


def test_are_the_ticket_mistakes_what_they_say():
    y_true, y_pred = _ticket_arrays()
    p, r, f, _ = skm.precision_recall_fscore_support(y_true, y_pred, average=None)
    wrong = {m.note: m.value() for m in exercises.get("w08-macro-f1").mistakes}
    assert wrong["weighted"] == pytest.approx(skm.f1_score(y_true, y_pred, average="weighted"))
    assert wrong["f1-of-means"] == pytest.approx(2 * p.mean() * r.mean() / (p.mean() + r.mean()))
    assert wrong["macro-precision"] == pytest.approx(p.mean())
    assert wrong["macro-recall"] == pytest.approx(skm.balanced_accuracy_score(y_true, y_pred))
    ovr = {m.note: m.value() for m in exercises.get("w08-micro-f1").mistakes}
    binary_accuracies = [skm.accuracy_score(y_true == c, y_pred == c) for c in range(3)]
    assert ovr["one-vs-rest-accuracy"] == pytest.approx(np.mean(binary_accuracies))


@pytest.mark.parametrize("args", w08._multiclass_probes())
def test_is_the_macro_micro_reference_sklearns(args):
    y_true, y_pred = args
    k = int(max(y_true.max(), y_pred.max())) + 1
    assert set(y_true) == set(y_pred) == set(range(k))
    got = exercises.get("w08-macro-micro-f1").reference()(y_true, y_pred)
    want = [skm.precision_recall_fscore_support(y_true, y_pred, average=a)[2]
            for a in ("macro", "micro")]
    np.testing.assert_allclose(got, want)


@pytest.mark.parametrize("args", [*w08._multiclass_probes(), _ticket_arrays()])
def test_is_the_f1_of_the_means_never_below_the_mean_of_the_f1s(args):
    """The claim of the text (Opitz & Burst): the harmonic mean is concave."""
    y_true, y_pred = args
    p, r, f, _ = skm.precision_recall_fscore_support(y_true, y_pred, average=None)
    assert 2 * p.mean() * r.mean() / (p.mean() + r.mean()) >= f.mean() - 1e-12
    # and a misclassified example is one pooled fp and one pooled fn
    matrix = skm.confusion_matrix(y_true, y_pred)
    tp = np.diag(matrix)
    assert (matrix.sum(axis=0) - tp).sum() == (matrix.sum(axis=1) - tp).sum()


# --- precision@k under a review capacity ------------------------------------------------------


def _slow_precision_at_k(y_true, y_score, k):
    ranked = sorted(zip(y_score, y_true, strict=True), reverse=True)
    return sum(label for _, label in ranked[:k]) / k


@pytest.mark.parametrize("args", w08._top_k_probes())
def test_is_precision_at_k_sklearns_precision_of_the_top_k(args):
    y_true, y_score, k = args
    assert np.unique(y_score).size == y_score.size and 1 <= k <= y_score.size
    top_k = (y_score >= np.sort(y_score)[::-1][k - 1]).astype(int)
    assert top_k.sum() == k
    got = exercises.get("w08-precision-at-k").reference()(y_true, y_score, k)
    assert got == pytest.approx(skm.precision_score(y_true, top_k))
    assert got == pytest.approx(_slow_precision_at_k(y_true, y_score, k))


def _simulated_top_k(k, n_rounds=400, seed=808):
    """Claims with random order within bands, the top k taken: mean frauds caught."""
    rng = np.random.default_rng(seed)
    labels = np.concatenate([np.r_[np.ones(f), np.zeros(c - f)] for c, f in w08._CLAIM_BANDS])
    band_of = np.repeat(np.arange(len(w08._CLAIM_BANDS)), [c for c, _ in w08._CLAIM_BANDS])
    caught = []
    for _ in range(n_rounds):
        scores = -band_of + rng.random(labels.size)        # band first, random within it
        top = (scores >= np.sort(scores)[::-1][k - 1]).astype(int)
        caught.append(skm.precision_score(labels, top) * k)
    return np.mean(caught), np.std(caught) / np.sqrt(n_rounds)


def test_do_the_bands_tell_the_story():
    assert sum(c for c, _ in w08._CLAIM_BANDS) == 20_000
    assert sum(f for _, f in w08._CLAIM_BANDS) == 200


@pytest.mark.parametrize("exercise_id, k", [("w08-review-precision", 300),
                                            ("w08-review-frauds-caught", 600)])
def test_are_the_review_references_what_a_simulated_queue_catches(exercise_id, k):
    mean, se = _simulated_top_k(k)
    expected = _ref(exercise_id) * (k if exercise_id == "w08-review-precision" else 1)
    assert mean == pytest.approx(expected, abs=4 * se + 1e-9)
    # exactly: whole bands, then the hypergeometric mean of the partial band
    assert _ref("w08-review-precision") == pytest.approx((84 + stats.hypergeom(
        240, 60, 180).mean()) / 300)
    assert _ref("w08-review-frauds-caught") == pytest.approx(
        84 + 60 + stats.hypergeom(900, 30, 240).mean())


# --- precision at a new prevalence ------------------------------------------------------------


def test_is_the_low_prevalence_precision_the_derivations_result():
    prev, tpr, fpr = w08._SCREEN_PREVALENCE, w08._SCREEN_TPR, w08._SCREEN_FPR
    formula = exercises.get("w08-precision-derivation").reference(
        prev=sp.Rational(1, 200), tpr=sp.Rational(95, 100), fpr=sp.Rational(2, 100))
    assert (prev, tpr, fpr) == (0.005, 0.95, 0.02)
    assert _ref("w08-precision-low-prevalence") == pytest.approx(float(formula))


def test_is_the_low_prevalence_precision_what_a_simulated_population_gets():
    rng = np.random.default_rng(809)
    n = 2_000_000
    y = (rng.random(n) < w08._SCREEN_PREVALENCE).astype(int)
    flag_rate = np.where(y == 1, w08._SCREEN_TPR, w08._SCREEN_FPR)
    flagged = (rng.random(n) < flag_rate).astype(int)
    assert skm.precision_score(y, flagged) == pytest.approx(
        _ref("w08-precision-low-prevalence"), abs=0.005)
    # and on a balanced test set the same rates give the catalogued "balanced" value
    balanced = {m.note: m.value() for m in exercises.get("w08-precision-low-prevalence").mistakes}
    assert balanced["balanced-precision"] == pytest.approx(
        w08._SCREEN_TPR / (w08._SCREEN_TPR + w08._SCREEN_FPR))


VARIANT_KEY = bytes(range(32))


def test_is_every_students_fraud_story_well_posed_and_each_mistake_told_apart():
    """For 200 students' numbers: the counts make a story (frauds and flags below the
    transactions, flagged frauds below both), F2 lies strictly between 0 and 1, every
    catalogued mistake is further from it than the item's tolerance, and at a few draws it
    is scikit-learn's fbeta_score on labels built from the counts."""
    spec = exercises.get("w08-f2-value")
    assert spec.varies and spec.defaults == w08._FRAUD_STORY
    draws = [spec.draw(VARIANT_KEY, f"s{i}") for i in range(200)]
    assert len({tuple(sorted(d.items())) for d in draws}) > 150
    for values in draws:
        item = spec.with_values(values)
        n, n_fraud, n_flagged, hit = (values[k] for k in ("n", "n_fraud", "n_flagged",
                                                          "flagged_fraud"))
        assert 0 < hit < min(n_fraud, n_flagged) and n_fraud + n_flagged - hit < n
        assert f"{n:,} transactions, {n_fraud} frauds" in item.prompt
        reference = item.reference()
        assert np.isfinite(reference) and 0 < reference < 1
        tolerance = item.atol + item.rtol * abs(reference)
        for mistake in item.mistakes:
            assert abs(mistake.value() - reference) > tolerance, (values, mistake.note)
    for values in draws[:5]:
        tp_, fp_, fn_, tn_ = w08._story_counts(**values)
        y_true = np.r_[np.ones(tp_), np.zeros(fp_), np.ones(fn_), np.zeros(tn_)]
        y_pred = np.r_[np.ones(tp_ + fp_), np.zeros(fn_ + tn_)]
        assert spec.with_values(values).reference() == pytest.approx(
            skm.fbeta_score(y_true, y_pred, beta=2))
