"""Week 8 — classification metrics: confusion matrix, ROC, precision-recall, baselines.

The library is imported lazily, inside the references: the notebook forbids the learner's
cells to import ``mlfund.evaluation`` (the answers of the function items), and probes run
in the learner's kernel, so nothing at module level or in a probe may import it.
"""

from __future__ import annotations

import numpy as np

from mlfund.exercises._spec import Derivation, Exercise, Mistake, Precision

# Implementations must be the learner's own: no metric library, no Mann-Whitney.
_NO_METRICS = ("sklearn", "mlfund.evaluation", "scipy.stats")


def _sym():
    from mlfund.evaluation import symbolic

    return symbolic


def _ev():
    import mlfund.evaluation as ev

    return ev


def _binormal_auc_argument(mu_pos, mu_neg, sigma):
    """x in the library's binormal AUC Φ(x), equal variances σ².

    The library writes Φ(x) as (1 + erf(x/√2))/2 (the item asks for x, the part a learner
    derives; Φ and erf are read in answers too): x is √2 times its erf argument.
    """
    import sympy as sp

    auc = _sym().binormal_roc_auc(mu_pos, mu_neg, sigma, sigma)
    (erf_term,) = auc.atoms(sp.erf)
    return sp.sqrt(2) * erf_term.args[0]


def _binormal_difference_variance(mu_pos, mu_neg, sigma):
    """Var(s₊ − s₋) = ((μ₊ − μ₋)/x)², read off the library's binormal AUC Φ(x)."""
    import sympy as sp

    return sp.simplify(((mu_pos - mu_neg) / _binormal_auc_argument(mu_pos, mu_neg, sigma)) ** 2)


# --- the stories behind the number items -------------------------------------------------

# 1,000 transactions, 40 frauds; the model flags 50, of which 30 are frauds.
_FRAUD_STORY = {"n": 1000, "n_fraud": 40, "n_flagged": 50, "flagged_fraud": 30}

# 10,000 payments, 100 frauds (a 99/1 split).
_PARADOX_N, _PARADOX_POS = 10_000, 100
# A useful model on the same payments: recall 0.6, precision 0.3.
_USEFUL_RECALL, _USEFUL_PRECISION = 0.6, 0.3

# The random-baseline data set: 100,000 examples, 1 % positives.
_BASELINE_N, _BASELINE_POS = 100_000, 1_000


def _story_counts() -> tuple[int, int, int, int]:
    s = _FRAUD_STORY
    tp = s["flagged_fraud"]
    fp = s["n_flagged"] - tp
    fn = s["n_fraud"] - tp
    tn = s["n"] - tp - fp - fn
    return tp, fp, fn, tn


def _fbeta_counts(tp: float, fp: float, fn: float, beta: float) -> float:
    b2 = beta * beta
    return (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp)


def _f2_story() -> float:
    tp, fp, fn, tn = _story_counts()
    return _ev().ConfusionMatrix(tp=tp, fp=fp, fn=fn, tn=tn).fbeta(beta=2.0)


def _paradox_labels() -> np.ndarray:
    return np.r_[np.ones(_PARADOX_POS, dtype=int), np.zeros(_PARADOX_N - _PARADOX_POS, dtype=int)]


def _useful_counts(fp_rule: str = "right") -> tuple[int, int, int, int]:
    tp = round(_USEFUL_RECALL * _PARADOX_POS)
    if fp_rule == "right":
        fp = round(tp / _USEFUL_PRECISION) - tp        # precision = tp / (tp + fp)
    else:
        fp = round(tp * (1 - _USEFUL_PRECISION))        # the slip: (1 − P) of tp
    fn = _PARADOX_POS - tp
    tn = _PARADOX_N - _PARADOX_POS - fp
    return tp, fp, fn, tn


def _useful_accuracy(fp_rule: str = "right") -> float:
    tp, fp, fn, tn = _useful_counts(fp_rule)
    return _ev().ConfusionMatrix(tp=tp, fp=fp, fn=fn, tn=tn).accuracy()


def _baseline_labels() -> np.ndarray:
    return np.r_[np.ones(_BASELINE_POS, dtype=int),
                 np.zeros(_BASELINE_N - _BASELINE_POS, dtype=int)]


# --- probes (pure numpy: they run in the learner's kernel) --------------------------------


def _label_probes() -> list[tuple[np.ndarray, np.ndarray, float]]:
    rng = np.random.default_rng(801)
    probes = [(np.array([1, 1, 1, 0, 0, 1]), np.array([1, 1, 1, 1, 0, 0]), 1.0)]
    for n, beta in [(20, 2.0), (50, 0.5), (200, 3.0), (9, 2.0)]:
        y_true = rng.integers(0, 2, size=n)
        y_pred = rng.integers(0, 2, size=n)
        # at least one true positive, so precision and recall are defined
        y_true[0] = y_pred[0] = 1
        probes.append((y_true, y_pred, beta))
    return probes


def _roc_point_probes() -> list[tuple[np.ndarray, np.ndarray, float]]:
    rng = np.random.default_rng(802)
    probes = [(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]), 0.35)]
    for n in (15, 40, 100):
        y = rng.integers(0, 2, size=n)
        y[:2] = [0, 1]
        s = np.round(rng.random(n), 1)  # ties on purpose
        probes.append((y, s, float(s[rng.integers(0, n)])))
    return probes


def _ranking_probes() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(803)
    probes = [(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])),
              (np.array([0, 1, 0, 1, 1]), np.array([2.0, 2.0, 1.0, 3.0, 1.0]))]
    for n, decimals in [(30, 1), (120, 2), (300, 6)]:
        y = rng.integers(0, 2, size=n)
        y[:2] = [0, 1]
        s = np.round(rng.normal(size=n) + 0.8 * y, decimals)
        probes.append((y, s))
    return probes


# --- reference and wrong implementations ---------------------------------------------------


def _counts(y_true, y_pred) -> tuple[float, float, float]:
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    tp = float(np.sum((y_true == 1) & (y_pred == 1)))
    fp = float(np.sum((y_true == 0) & (y_pred == 1)))
    fn = float(np.sum((y_true == 1) & (y_pred == 0)))
    return tp, fp, fn


def _precision_recall_fbeta(y_true, y_pred, beta):
    cm = _ev().confusion_matrix(y_true, y_pred)
    return np.array([cm.precision(), cm.recall(), cm.fbeta(beta=beta)])


def _prf_beta_not_squared(y_true, y_pred, beta):
    tp, fp, fn = _counts(y_true, y_pred)
    return np.array([tp / (tp + fp), tp / (tp + fn),
                     (1 + beta) * tp / ((1 + beta) * tp + beta * fn + fp)])


def _prf_swapped(y_true, y_pred, beta):
    tp, fp, fn = _counts(y_true, y_pred)
    return np.array([tp / (tp + fn), tp / (tp + fp), _fbeta_counts(tp, fn, fp, beta)])


def _prf_weights_swapped(y_true, y_pred, beta):
    tp, fp, fn = _counts(y_true, y_pred)
    return np.array([tp / (tp + fp), tp / (tp + fn), _fbeta_counts(tp, fn, fp, beta)])


def _roc_point(y_true, y_score, threshold):
    cm = _ev().confusion_matrix(y_true, (np.asarray(y_score) >= threshold).astype(int))
    return np.array([1 - cm.specificity(), cm.recall()])


def _roc_point_strict(y_true, y_score, threshold):
    cm = _ev().confusion_matrix(y_true, (np.asarray(y_score) > threshold).astype(int))
    return np.array([1 - cm.specificity(), cm.recall()])


def _roc_point_swapped(y_true, y_score, threshold):
    return _roc_point(y_true, y_score, threshold)[::-1].copy()


def _roc_point_over_n(y_true, y_score, threshold):
    y = np.asarray(y_true)
    pred = np.asarray(y_score) >= threshold
    n = y.size
    return np.array([np.sum(pred & (y == 0)) / n, np.sum(pred & (y == 1)) / n])


def _pair_wins(y_true, y_score) -> tuple[float, float, float]:
    """(wins, ties, pairs) over all positive-negative pairs: the slow, obvious way."""
    y, s = np.asarray(y_true), np.asarray(y_score, dtype=float)
    diff = s[y == 1][:, None] - s[y == 0][None, :]
    return float(np.sum(diff > 0)), float(np.sum(diff == 0)), float(diff.size)


def _auc_ties_zero(y_true, y_score):
    wins, _, pairs = _pair_wins(y_true, y_score)
    return wins / pairs


def _auc_ties_one(y_true, y_score):
    wins, ties, pairs = _pair_wins(y_true, y_score)
    return (wins + ties) / pairs


def _auc_flipped(y_true, y_score):
    return 1.0 - _ev().roc_auc_score(y_true, y_score)


def _ap_trapezoid(y_true, y_score):
    curve = _ev().precision_recall_curve(y_true, y_score)
    recall, precision = curve.recall[::-1], curve.precision[::-1]   # recall increasing
    return float(np.sum(np.diff(recall) * (precision[1:] + precision[:-1]) / 2))


def _ap_ties_split(y_true, y_score, *, descending=True):
    """Precision at each positive, one example at a time: ties broken by the sort.

    Written as a learner writes it (np.argsort(-s), or np.argsort(s)[::-1]); the learner's
    kernel and the grader run the same numpy, so the tie order is the same.
    """
    y = np.asarray(y_true)
    s = np.asarray(y_score, dtype=float)
    order = np.argsort(-s) if descending else np.argsort(s)[::-1]
    hits = np.cumsum(y[order])
    at_positive = (y[order] == 1)
    precision_at_k = hits / np.arange(1, y.size + 1)
    return float(np.sum(precision_at_k[at_positive]) / y.sum())


_TIES_SPLIT = ("Right idea, and right without ties; but tied scores must cross the threshold "
               "together: the ranking cannot tell tied examples apart, so the result must not "
               "depend on how the sort orders them. Compute precision and recall once per "
               "distinct score, at the last example of each run of equal scores.")


def _ap_unweighted(y_true, y_score):
    curve = _ev().precision_recall_curve(y_true, y_score)
    return float(np.mean(curve.precision[:-1]))


EXERCISES = (
    Exercise(
        id="w08-f1-from-counts",
        kind="expression",
        prompt="Substitute P = tp/(tp + fp) and R = tp/(tp + fn) into F1 = 2PR/(P + R) "
               "and simplify, in terms of tp, fp, fn.",
        reference=lambda tp, fp, fn: _sym().f1(tp, fp, fn),
        symbols={"tp": "positive", "fp": "positive", "fn": "positive"},
        mistakes=(
            Mistake("arithmetic-mean", "That is the arithmetic mean (P + R)/2. F1 is the "
                    "harmonic mean 2PR/(P + R): it stays low when either P or R is low.",
                    form="(tp/(tp + fp) + tp/(tp + fn))/2"),
            Mistake("jaccard", "tp/(tp + fp + fn) is the Jaccard index (IoU, the 'threat "
                    "score'), not F1; the two are related by F1 = 2J/(1 + J).",
                    form="tp/(tp + fp + fn)"),
            Mistake("lost-a-tp", "Close: after clearing the fractions the denominator has "
                    "two tp's, one from each of tp + fp and tp + fn: 2tp + fp + fn.",
                    form="2*tp/(tp + fp + fn)"),
        ),
        hint="multiply 2PR and P + R by (tp + fp)(tp + fn)/tp; a tp cancels.",
    ),
    Exercise(
        id="w08-fbeta-from-pr",
        kind="expression",
        prompt="F-β, the weighted harmonic mean in which recall counts β² times as much as "
               "precision, in terms of P, R and beta.",
        reference=lambda P, R, beta: _sym().fbeta_from_precision_recall(P, R, beta),
        symbols={"P": "probability", "R": "probability", "beta": "positive"},
        mistakes=(
            Mistake("weights-swapped", "The β² weight sits on the wrong side: with β²R in the "
                    "denominator, precision counts more as β grows. F-β = (1 + β²)PR/(β²P + R), "
                    "so F2 favours recall.",
                    form="(1 + beta**2)*P*R/(P + beta**2*R)"),
            Mistake("beta-not-squared", "The weight is β², not β: F-β = (1 + β²)PR/(β²P + R) "
                    "(van Rijsbergen's definition, the one scikit-learn uses).",
                    form="(1 + beta)*P*R/(beta*P + R)"),
            Mistake("f1-only", "That is F1; F-β weights recall by β², so beta must appear.",
                    form="2*P*R/(P + R)"),
        ),
        hint="1/F-β is a weighted mean of 1/P and 1/R with weights 1/(1 + β²) and "
             "β²/(1 + β²).",
    ),
    Exercise(
        id="w08-f2-value",
        kind="number",
        precision=Precision(decimals=3),
        prompt="1,000 transactions, 40 frauds; the model flags 50, of which 30 are frauds. "
               "What is its F2 score?",
        reference=_f2_story,
        rtol=1e-3,
        mistakes=(
            Mistake("f1-instead", "That is F1 = 2PR/(P + R). F2 uses β = 2: "
                    "(1 + 4)PR/(4P + R).",
                    value=lambda: _fbeta_counts(*_story_counts()[:3], 1.0)),
            Mistake("weights-swapped", "You weighted precision more than recall (that value is "
                    "F0.5, or F2 with fp and fn swapped). Here fp = 50 − 30 = 20 flagged "
                    "non-frauds and fn = 40 − 30 = 10 missed frauds; F2 puts β² = 4 on fn.",
                    value=lambda: _fbeta_counts(*_story_counts()[:3], 0.5)),
            Mistake("beta-not-squared", "The weight is β² = 4, not β = 2: "
                    "F2 = 5·tp/(5·tp + 4·fn + fp).",
                    value=lambda: (lambda tp, fp, fn: 3 * tp / (3 * tp + 2 * fn + fp))(
                        *_story_counts()[:3])),
            Mistake("accuracy", "That is the accuracy, (tp + tn)/n: high because most "
                    "transactions are legitimate. F2 ignores true negatives.",
                    value=lambda: _ev().ConfusionMatrix(*_story_counts()).accuracy()),
        ),
        hint="write down tp, fp, fn first: precision is 30/50, recall 30/40.",
    ),
    Exercise(
        id="w08-precision-recall-fbeta",
        kind="function",
        prompt="Implement precision, recall and F-β from 0/1 labels and predictions, returned "
               "as np.array([precision, recall, fbeta]), without a metrics library.",
        reference=lambda: _precision_recall_fbeta,
        probes=_label_probes,
        mistakes=(
            Mistake("swapped-precision-recall", "Precision and recall are swapped: precision "
                    "divides tp by the predicted positives (tp + fp), recall by the actual "
                    "positives (tp + fn).", value=_prf_swapped),
            Mistake("beta-not-squared", "Precision and recall are right; F-β weights recall "
                    "by β², not β: (1 + β²)·tp / ((1 + β²)·tp + β²·fn + fp).",
                    value=_prf_beta_not_squared, credit=0.5),
            Mistake("weights-swapped", "Precision and recall are right, but in F-β the β² "
                    "multiplies fn (recall's errors), not fp: "
                    "(1 + β²)·tp / ((1 + β²)·tp + β²·fn + fp).",
                    value=_prf_weights_swapped, credit=0.5),
        ),
        forbidden_imports=_NO_METRICS,
        hint="count tp = sum((y_true == 1) & (y_pred == 1)), and fp and fn the same way.",
    ),
    Exercise(
        id="w08-accuracy-paradox",
        kind="number",
        precision=Precision(decimals=3),
        prompt="10,000 payments, 100 of them fraud. Accuracy of the model that always "
               "predicts 'not fraud'?",
        reference=lambda: _ev().majority_class_accuracy(_paradox_labels()),
        rtol=1e-4,
        mistakes=(
            Mistake("prevalence", "0.01 is the share of frauds. The model is right on every "
                    "legitimate payment, which is nearly all of them.",
                    value=lambda: _PARADOX_POS / _PARADOX_N),
            Mistake("recall", "Its recall is 0 (it catches no fraud), but accuracy counts the "
                    "9,900 correct 'not fraud' answers too: that is the paradox.",
                    value=lambda: 0.0),
            Mistake("balanced-accuracy", "0.5 is its balanced accuracy (mean of recall 0 and "
                    "specificity 1); plain accuracy is (tp + tn)/n.", value=lambda: 0.5),
        ),
    ),
    Exercise(
        id="w08-useful-model-accuracy",
        kind="number",
        precision=Precision(decimals=3),
        prompt="On the same payments a model has recall 0.6 and precision 0.3. Its accuracy?",
        reference=_useful_accuracy,
        rtol=1e-4,
        mistakes=(
            Mistake("fp-from-precision", "Precision = tp/(tp + fp), so tp + fp = 60/0.3 = 200 "
                    "flagged and fp = 140; (1 − P)·tp is not the number of false positives.",
                    value=lambda: _useful_accuracy("slip")),
            Mistake("majority-baseline", "0.99 is the do-nothing model's accuracy from the "
                    "previous exercise; count this model's tp, fp, fn and tn.",
                    value=lambda: _ev().majority_class_accuracy(_paradox_labels())),
        ),
        hint="tp = 0.6 × 100; predicted positives = tp / 0.3; then fp, fn, tn.",
    ),
    Exercise(
        id="w08-precision-derivation",
        kind="derivation",
        points=2,
        prompt="Derive precision from prevalence: N cases, a share prev positive, a model with "
               "true-positive rate tpr and false-positive rate fpr. Start from tp/(tp + fp) "
               "with the expected counts tp, fp, line by line, in prev, tpr and fpr.",
        reference=lambda prev, tpr, fpr: prev * tpr / (prev * tpr + (1 - prev) * fpr),
        symbols={"prev": "probability", "tpr": "probability", "fpr": "probability",
                 "N": "positive"},
        derivation=Derivation(
            start="tp/(tp + fp)",
            chain=("tp/(tp + fp)",
                   "N*prev*tpr/(N*prev*tpr + N*(1 - prev)*fpr)",
                   "prev*tpr/(prev*tpr + (1 - prev)*fpr)"),
            form=("prev", "tpr", "fpr"),
            form_phrase="in prev, tpr and fpr",
            definitions={"tp": "N*prev*tpr", "fp": "N*(1 - prev)*fpr"},
            hints=("Of the N cases, N·prev are positive and the model flags a share tpr of "
                   "them: tp = N·prev·tpr.",
                   "The N(1 − prev) negatives are flagged at the rate fpr: fp = N(1 − prev)fpr.",
                   "N cancels."),
        ),
        mistakes=(
            Mistake("ignores-prevalence", "Rates are not counts: tpr and fpr apply to "
                    "positives and negatives, whose numbers differ by the prevalence. Weight "
                    "tpr by prev and fpr by 1 − prev.", form="tpr/(tpr + fpr)"),
            Mistake("negatives-not-weighted", "The false positives come from the N(1 − prev) "
                    "negatives: weight fpr by 1 − prev.",
                    form="prev*tpr/(prev*tpr + fpr)"),
            Mistake("recall", "tpr is the recall, P(flag | positive); precision is the other "
                    "conditional, P(positive | flag).", form="tpr"),
        ),
    ),
    Exercise(
        id="w08-fpr-derivation",
        kind="derivation",
        points=2,
        prompt="A fraud model has recall tpr and precision ppv at prevalence prev. Derive its "
               "false-positive rate fp/(N(1 − prev)) by Bayes, line by line, in tpr, ppv and "
               "prev (tp and fp are the expected counts among N cases).",
        reference=lambda tpr, ppv, prev: tpr * prev * (1 - ppv) / (ppv * (1 - prev)),
        symbols={"tpr": "probability", "ppv": "probability", "prev": "probability",
                 "N": "positive"},
        # the three rates of one model: its false-positive rate is below 1
        constraints=("tpr*prev*(1 - ppv) < ppv*(1 - prev)",),
        derivation=Derivation(
            start="fp/(N*(1 - prev))",
            chain=("fp/(N*(1 - prev))",
                   "tp*(1 - ppv)/ppv/(N*(1 - prev))",
                   "N*prev*tpr*(1 - ppv)/(ppv*N*(1 - prev))",
                   "tpr*prev*(1 - ppv)/(ppv*(1 - prev))"),
            form=("tpr", "ppv", "prev"),
            form_phrase="in tpr, ppv and prev",
            definitions={"tp": "N*prev*tpr", "fp": "tp*(1 - ppv)/ppv"},
            hints=("ppv = tp/(tp + fp), so fp = tp(1 − ppv)/ppv.",
                   "tp = N·prev·tpr: the positives times the recall."),
        ),
        mistakes=(
            Mistake("one-minus-precision", "1 − ppv is the share of flags that are false, "
                    "P(negative | flag); the false-positive rate is P(flag | negative), "
                    "which divides by the negatives.", form="1 - ppv"),
            Mistake("ignores-prevalence", "Counts need the prevalence: tp = N·prev·tpr and the "
                    "negatives number N(1 − prev).", form="tpr*(1 - ppv)/ppv"),
            Mistake("divided-by-all", "The false-positive rate divides by the negatives, "
                    "N(1 − prev), not by all N cases.", form="tpr*prev*(1 - ppv)/ppv"),
        ),
    ),
    Exercise(
        id="w08-roc-point",
        kind="function",
        prompt="Implement one ROC point: np.array([fpr, tpr]) when predicting positive for "
               "score >= threshold.",
        reference=lambda: _roc_point,
        probes=_roc_point_probes,
        mistakes=(
            Mistake("strict-threshold", "Use score >= threshold (the convention of ROC "
                    "curves in scikit-learn): with > the examples scored exactly at the "
                    "threshold are left out.", value=_roc_point_strict),
            Mistake("swapped", "The order is (fpr, tpr): the x axis of a ROC curve is the "
                    "false positive rate.", value=_roc_point_swapped),
            Mistake("divided-by-n", "Both rates divide by their own class: fpr = fp/(fp + tn) "
                    "over the actual negatives, tpr = tp/(tp + fn) over the actual positives, "
                    "not by n.", value=_roc_point_over_n),
        ),
        forbidden_imports=_NO_METRICS,
    ),
    Exercise(
        id="w08-roc-auc-pairs",
        kind="function",
        prompt="Implement ROC-AUC as P(s₊ > s₋) + ½·P(s₊ = s₋) over all positive-negative "
               "pairs, without a metrics library.",
        reference=lambda: _ev().roc_auc_score,
        probes=_ranking_probes,
        mistakes=(
            Mistake("ties-zero", "Ties count one half: a tied pair is a coin flip for the "
                    "ranking, and ½ makes the AUC equal the area under the ROC curve. "
                    "Add 0.5 × (number of tied pairs).", value=_auc_ties_zero),
            Mistake("ties-one", "With >= each tied pair counts as a win; it should count "
                    "one half.", value=_auc_ties_one),
            Mistake("flipped", "You computed 1 − AUC: count the pairs where the positive "
                    "scores higher than the negative, s₊ > s₋.", value=_auc_flipped),
        ),
        forbidden_imports=_NO_METRICS,
        hint="broadcast: s_pos[:, None] - s_neg[None, :] holds every pair's difference.",
    ),
    Exercise(
        id="w08-auc-rank-sum",
        kind="expression",
        prompt="Rank all n₊ + n₋ scores from 1 (lowest); W is the sum of the positives' ranks. "
               "ROC-AUC in terms of W, n_pos and n_neg.",
        reference=lambda W, n_pos, n_neg: _sym().roc_auc_from_rank_sum(W, n_pos, n_neg),
        symbols={"W": "positive", "n_pos": "positive_integer", "n_neg": "positive_integer"},
        mistakes=(
            Mistake("no-offset", "W also counts each positive's rank among the positives "
                    "themselves, 1 + 2 + … + n₊ = n₊(n₊ + 1)/2: subtract it first, then "
                    "divide by n₊n₋.", form="W/(n_pos*n_neg)"),
            Mistake("offset-minus-one", "With ranks from 1 the positives' own ranks sum to "
                    "n₊(n₊ + 1)/2, not n₊(n₊ − 1)/2 (that is for ranks from 0).",
                    form="(W - n_pos*(n_pos - 1)/2)/(n_pos*n_neg)"),
            Mistake("divided-by-n", "U = W − n₊(n₊ + 1)/2 counts positive-negative pairs won; "
                    "there are n₊·n₋ such pairs, not n₊ + n₋.",
                    form="(W - n_pos*(n_pos + 1)/2)/(n_pos + n_neg)"),
        ),
        hint="the smallest W possible (every positive below every negative) must give AUC 0.",
    ),
    Exercise(
        id="w08-binormal-difference-variance",
        kind="expression",
        prompt="Scores: positives ~ N(mu_pos, sigma²), negatives ~ N(mu_neg, sigma²), "
               "independent. Variance of s₊ − s₋?",
        reference=lambda mu_pos, mu_neg, sigma: _binormal_difference_variance(
            mu_pos, mu_neg, sigma),
        symbols={"mu_pos": "real", "mu_neg": "real", "sigma": "positive"},
        mistakes=(
            Mistake("variances-subtract", "Variances of independent variables add, even for a "
                    "difference: Var(X − Y) = Var(X) + Var(Y).", form="0"),
            Mistake("one-variance", "Both scores vary: Var(s₊ − s₋) = σ² + σ².",
                    form="sigma**2"),
            Mistake("sd-added", "That adds the standard deviations and squares: (σ + σ)² = 4σ². "
                    "Variances add, not standard deviations.", form="4*sigma**2"),
        ),
    ),
    Exercise(
        id="w08-binormal-auc-z",
        kind="expression",
        prompt="For the binormal scores above ROC-AUC = P(s₊ − s₋ > 0) = Φ(x), Φ the standard "
               "normal CDF. Give x in terms of mu_pos, mu_neg and sigma.",
        reference=lambda mu_pos, mu_neg, sigma: _binormal_auc_argument(mu_pos, mu_neg, sigma),
        symbols={"mu_pos": "real", "mu_neg": "real", "sigma": "positive"},
        mistakes=(
            Mistake("missing-sqrt2", "The difference s₊ − s₋ has standard deviation σ√2, not "
                    "σ: standardise by √(2σ²).", form="(mu_pos - mu_neg)/sigma"),
            Mistake("sd-added", "Standard deviations do not add: the sd of s₊ − s₋ is "
                    "√(σ² + σ²) = σ√2, not 2σ.", form="(mu_pos - mu_neg)/(2*sigma)"),
            Mistake("sign-flip", "With this x, Φ(x) = P(s₊ < s₋) = 1 − AUC: "
                    "P(D > 0) = Φ(E[D]/sd(D)) with D = s₊ − s₋ and E[D] = μ₊ − μ₋.",
                    form="(mu_neg - mu_pos)/(sqrt(2)*sigma)"),
            Mistake("variance-not-sd", "Standardise by the standard deviation σ√2, not the "
                    "variance 2σ².", form="(mu_pos - mu_neg)/(2*sigma**2)"),
        ),
        hint="D = s₊ − s₋ is normal; P(D > 0) = P(Z > −E[D]/sd(D)) = Φ(E[D]/sd(D)).",
    ),
    Exercise(
        id="w08-auc-derivation",
        kind="derivation",
        points=2,
        prompt="Negatives score s₋ ~ Exp(1), positives s₊ ~ Exp(λ), 0 < λ < 1, so the ROC curve "
               "is TPR = FPR^λ. Derive the ROC-AUC from the ROC integral "
               "∫₀¹ u^λ du, line by line, through P(s₊ > s₋) = ∫₀^∞ P(s₊ > t) f₋(t) dt, "
               "ending in λ with no integral left.",
        reference=lambda lam: 1 / (1 + lam),
        symbols={"lam": "probability"},
        derivation=Derivation(
            start="Integral(u**lam, (u, 0, 1))",
            chain=("Integral(u**lam, (u, 0, 1))",
                   "Integral(exp(-lam*t)*exp(-t), (t, 0, oo))",
                   "Integral(exp(-(1 + lam)*t), (t, 0, oo))",
                   "1/(1 + lam)"),
            form=("lam",),
            form_phrase="in λ, with no integral left",
            hints=("Substitute u = FPR(t) = e^(−t): as the threshold t runs from ∞ down to 0, "
                   "u runs from 0 to 1, and du = −e^(−t) dt.",
                   "u^λ = e^(−λt) = P(s₊ > t), and e^(−t) is the density of s₋ at t: the "
                   "integral is P(s₊ > s₋).",
                   "∫₀^∞ e^(−ct) dt = 1/c."),
        ),
        mistakes=(
            Mistake("roles-swapped", "That is P(s₋ > s₊), the area above the curve: the ROC "
                    "integrates TPR (the positives) against FPR (the negatives).",
                    form="lam/(1 + lam)"),
            Mistake("no-jacobian", "The substitution u = e^(−t) needs its du = −e^(−t) dt: "
                    "without it the integrand is not a probability density.",
                    form="1/lam"),
            Mistake("exponent-lost", "∫₀¹ u^λ du = 1/(λ + 1): the exponent rises by one.",
                    form="1/lam - 1"),
        ),
    ),
    Exercise(
        id="w08-average-precision",
        kind="function",
        prompt="Implement average precision as the step sum Σ (Rₙ − Rₙ₋₁)·Pₙ over decreasing "
               "thresholds (tied scores cross a threshold together), no trapezoid.",
        reference=lambda: _ev().average_precision_score,
        probes=_ranking_probes,
        mistakes=(
            Mistake("trapezoid", "That is the trapezoid area under the precision-recall "
                    "points: joining points linearly is optimistic for precision-recall "
                    "curves. Average precision is a step sum: each recall gain times the "
                    "precision where it is reached.", value=_ap_trapezoid),
            Mistake("ties-split", _TIES_SPLIT, value=_ap_ties_split, credit=0.5),
            Mistake("ties-split-ascending", _TIES_SPLIT,
                    value=lambda y_true, y_score: _ap_ties_split(y_true, y_score,
                                                                 descending=False),
                    credit=0.5),
            Mistake("unweighted-mean", "That is the plain mean of the precisions; weight each "
                    "by the recall it adds, Rₙ − Rₙ₋₁ (thresholds that add no recall weigh 0).",
                    value=_ap_unweighted),
        ),
        forbidden_imports=_NO_METRICS,
        hint="sort by score descending; take cumulative tp and fp at the last index of each "
             "run of equal scores; precision = tp/(tp + fp), recall = tp/n₊.",
    ),
    Exercise(
        id="w08-random-roc-baseline",
        kind="number",
        precision=Precision(decimals=2),
        prompt="100,000 examples with 1 % positives, scores drawn at random. Expected ROC-AUC?",
        reference=lambda: _ev().random_classifier_baseline(_baseline_labels()).roc_auc,
        rtol=1e-3,
        mistakes=(
            Mistake("prevalence", "0.01 is the precision-recall baseline. ROC-AUC compares a "
                    "random positive with a random negative: a coin flip, whatever the "
                    "prevalence.",
                    value=lambda: _ev().random_classifier_baseline(_baseline_labels()).prevalence),
            Mistake("zero", "0 would be a perfectly wrong ranking (every negative above every "
                    "positive), which is as informative as a perfect one.", value=lambda: 0.0),
        ),
    ),
    Exercise(
        id="w08-random-pr-baseline",
        kind="number",
        precision=Precision(decimals=3),
        prompt="Same data, random scores: expected average precision (PR-AUC), approximately?",
        reference=lambda: _ev().random_classifier_baseline(_baseline_labels()).average_precision,
        rtol=0.05,
        mistakes=(
            Mistake("roc-baseline", "0.5 is the ROC-AUC baseline. With random scores every "
                    "threshold keeps the class mix, so precision ≈ the prevalence everywhere.",
                    value=lambda: 0.5),
            Mistake("majority-share", "0.99 is the share of negatives. Precision of a random "
                    "flag is the share of positives.",
                    value=lambda: 1 - _BASELINE_POS / _BASELINE_N),
        ),
    ),
    Exercise(
        id="w08-imbalanced-metric",
        kind="choice",
        prompt="0.1 % fraud; A: ROC-AUC 0.95, AP 0.08; B: ROC-AUC 0.93, AP 0.30; the team "
               "reviews the top 500 alerts a day. Which statement is right?",
        reference=lambda: "b",
        choices={
            "a": "A is better: ROC-AUC does not depend on the class balance, which makes it the "
                 "trustworthy metric here.",
            "b": "B is probably better for the review queue: AP measures precision among the "
                 "top-ranked alerts, where the team works; A's higher ROC-AUC can come from "
                 "ordering the mass of easy negatives.",
            "c": "They are equally good: ROC-AUC and AP always rank two models the same way.",
            "d": "Neither number means anything: AP is not defined below 1 % prevalence.",
        },
        explanations={
            "a": "Not this one. Being blind to the class balance is exactly the problem: the FPR "
                 "divides by ~99.9 % negatives, so thousands of false alarms barely move it, "
                 "while they flood a 500-alert queue.",
            "c": "Not this one. The two curves weigh different regions: ROC-AUC averages over "
                 "all thresholds and all negatives, AP concentrates on the top of the ranking; "
                 "models can be ordered differently, as here.",
            "d": "Not this one. AP is defined for any prevalence; its random baseline is the "
                 "prevalence (0.001), so 0.08 is 80 times random and 0.30 is 300 times.",
        },
    ),
)
