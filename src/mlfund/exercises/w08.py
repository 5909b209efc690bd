"""Week 8 — classification metrics: confusion matrix, ROC, precision-recall, baselines.

The library is imported lazily, inside the references: the notebook forbids the learner's
cells to import ``mlfund.evaluation`` (the answers of the function items), and probes run
in the learner's kernel, so nothing at module level or in a probe may import it.
"""

from __future__ import annotations

import numpy as np

from mlfund.exercises._spec import Derivation, Exercise, Mistake, Parameter, Precision, variant

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


def _story_counts(n: int = _FRAUD_STORY["n"], n_fraud: int = _FRAUD_STORY["n_fraud"],
                  n_flagged: int = _FRAUD_STORY["n_flagged"],
                  flagged_fraud: int = _FRAUD_STORY["flagged_fraud"]) -> tuple[int, int, int, int]:
    """tp, fp, fn, tn of the fraud story (the workbook's, or a student's numbers)."""
    tp = flagged_fraud
    fp = n_flagged - tp
    fn = n_fraud - tp
    tn = n - tp - fp - fn
    return tp, fp, fn, tn


def _fbeta_counts(tp: float, fp: float, fn: float, beta: float) -> float:
    b2 = beta * beta
    return (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp)


def _f2_story(**story: int) -> float:
    tp, fp, fn, tn = _story_counts(**story)
    return _ev().ConfusionMatrix(tp=tp, fp=fp, fn=fn, tn=tn).fbeta(beta=2.0)


def _f2_mistake_values(**story: int) -> dict[str, float]:
    """The values of w08-f2-value's catalogued mistakes, for one story."""
    tp, fp, fn, tn = _story_counts(**story)
    return {"f1-instead": _fbeta_counts(tp, fp, fn, 1.0),
            "weights-swapped": _fbeta_counts(tp, fp, fn, 0.5),
            "beta-not-squared": 3 * tp / (3 * tp + 2 * fn + fp),
            "accuracy": (tp + tn) / (tp + fp + fn + tn)}


def _f2_story_well_posed(n: int, n_fraud: int, n_flagged: int, flagged_fraud: int) -> bool:
    """A student's story is as hard as the workbook's: at least 10 true positives, at least
    5 false positives and 5 false negatives, precision and recall in [0.3, 0.9], and each
    mistake at least 0.003 from F2 (twice the item's tolerance; fp = fn would make F1 = F2)."""
    tp, fp, fn, tn = _story_counts(n, n_fraud, n_flagged, flagged_fraud)
    if tp < 10 or fp < 5 or fn < 5 or tn < n // 2:
        return False
    if not (0.3 <= tp / (tp + fp) <= 0.9 and 0.3 <= tp / (tp + fn) <= 0.9):
        return False
    f2 = _fbeta_counts(tp, fp, fn, 2.0)
    return all(abs(value - f2) > 0.003 for value in
               _f2_mistake_values(n=n, n_fraud=n_fraud, n_flagged=n_flagged,
                                  flagged_fraud=flagged_fraud).values())


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


# --- averaging over classes, ranking under a review capacity, precision at a prevalence ----

# A support-ticket router: 1,000 tickets, rows the true class, columns the routed class.
_TICKET_CLASSES = ("billing", "bug", "account")
_TICKET_MATRIX = ((700, 20, 80),
                  (20, 120, 10),
                  (5, 5, 40))


def _one_vs_rest(matrix) -> list:
    """Each class against the rest, as the library's binary confusion matrix."""
    c = np.asarray(matrix, dtype=int)
    tp = np.diag(c)
    fp, fn = c.sum(axis=0) - tp, c.sum(axis=1) - tp
    tn = c.sum() - tp - fp - fn
    cm = _ev().ConfusionMatrix
    return [cm(tp=int(a), fp=int(b), fn=int(d), tn=int(e))
            for a, b, d, e in zip(tp, fp, fn, tn, strict=True)]


def _pooled(matrix):
    """Micro-averaging: the classes' tp, fp, fn (and tn) summed into one binary matrix."""
    per_class = _one_vs_rest(matrix)
    return _ev().ConfusionMatrix(tp=sum(m.tp for m in per_class),
                                 fp=sum(m.fp for m in per_class),
                                 fn=sum(m.fn for m in per_class),
                                 tn=sum(m.tn for m in per_class))


def _averaged_f1(matrix, how: str = "macro") -> float:
    per_class = _one_vs_rest(matrix)
    f1 = np.array([m.f1() for m in per_class])
    if how == "macro":                         # the unweighted mean of the per-class F1s
        return float(f1.mean())
    if how == "micro":
        return _pooled(matrix).f1()
    if how == "weighted":                      # weighted by support (true examples)
        support = np.array([m.tp + m.fn for m in per_class])
        return float(np.sum(f1 * support) / support.sum())
    if how == "f1-of-means":                   # harmonic mean of macro-P and macro-R
        p = np.mean([m.precision() for m in per_class])
        r = np.mean([m.recall() for m in per_class])
        return float(2 * p * r / (p + r))
    if how == "one-vs-rest-accuracy":          # mean of the classes' binary accuracies
        return float(np.mean([m.accuracy() for m in per_class]))
    if how == "macro-precision":
        return float(np.mean([m.precision() for m in per_class]))
    if how == "macro-recall":
        return float(np.mean([m.recall() for m in per_class]))
    raise ValueError(f"how ({how!r}) is not an averaging this module knows.")


def _matrix_of(y_true, y_pred) -> np.ndarray:
    y_true, y_pred = np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)
    k = int(max(y_true.max(), y_pred.max())) + 1
    matrix = np.zeros((k, k), dtype=int)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


def _macro_micro_f1(y_true, y_pred, *, macro: str = "macro", micro: str = "micro"):
    matrix = _matrix_of(y_true, y_pred)
    return np.array([_averaged_f1(matrix, macro), _averaged_f1(matrix, micro)])


def _macro_micro_swapped(y_true, y_pred):
    return _macro_micro_f1(y_true, y_pred)[::-1].copy()


# A claims-fraud queue: yesterday's 20,000 claims in score bands, highest first, as
# (claims, frauds); within a band the order is random. Reviewers take the top k a day.
_CLAIM_BANDS = ((120, 84), (240, 60), (900, 30), (18_740, 26))
_REVIEW_CAPACITY, _REVIEW_CAPACITY_DOUBLED = 300, 600


def _expected_frauds_in_top(k: int, bands=_CLAIM_BANDS, *, whole_bands: bool = False) -> float:
    """Expected frauds among the top k: whole bands, then a random share of the next one."""
    caught, left = 0.0, k
    for claims, frauds in bands:
        if left <= 0:
            break
        if claims <= left or whole_bands:
            caught, left = caught + frauds, left - claims
        else:
            caught, left = caught + frauds * left / claims, 0
    return caught


def _review_precision(k: int = _REVIEW_CAPACITY, **how) -> float:
    return _expected_frauds_in_top(k, **how) / k


def _review_frauds(k: int = _REVIEW_CAPACITY_DOUBLED, **how) -> float:
    return _expected_frauds_in_top(k, **how)


def _claims_prevalence() -> float:
    return sum(f for _, f in _CLAIM_BANDS) / sum(c for c, _ in _CLAIM_BANDS)


def _precision_at_k(y_true, y_score, k):
    y = np.asarray(y_true)
    top = np.argsort(-np.asarray(y_score, dtype=float), kind="stable")[: int(k)]
    flagged = np.zeros(y.size, dtype=int)
    flagged[top] = 1
    return _ev().precision_score(y, flagged)


def _bottom_k_precision(y_true, y_score, k):
    y = np.asarray(y_true)
    return float(np.mean(y[np.argsort(np.asarray(y_score, dtype=float))[: int(k)]]))


def _recall_at_k(y_true, y_score, k):
    y = np.asarray(y_true)
    top = np.argsort(-np.asarray(y_score, dtype=float))[: int(k)]
    return float(y[top].sum() / y.sum())


def _strict_kth_threshold(y_true, y_score, k):
    y, s = np.asarray(y_true), np.asarray(y_score, dtype=float)
    kth = np.sort(s)[::-1][int(k) - 1]
    flagged = s > kth                                  # drops the k-th case itself
    return float(y[flagged].sum() / flagged.sum())


# A screening model validated on a balanced test set, deployed where 0.5 % are positive.
_SCREEN_TPR, _SCREEN_FPR, _SCREEN_PREVALENCE = 0.95, 0.02, 0.005


def _precision_from_rates(prev: float, tpr: float, fpr: float) -> float:
    """Precision at prevalence prev (w08-precision-derivation's result): the library's
    tp/(tp + fp) with the expected counts per case, tp = prev·tpr and fp = (1 − prev)·fpr."""
    return float(_sym().precision(prev * tpr, (1 - prev) * fpr))


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


def _multiclass_probes() -> list[tuple[np.ndarray, np.ndarray]]:
    """Imbalanced labels 0..K-1; every class occurs in y_true and in y_pred."""
    rng = np.random.default_rng(804)
    probes = [(np.array([0, 0, 0, 0, 1, 1, 2, 2]), np.array([0, 0, 2, 1, 1, 0, 2, 2]))]
    for n, shares, right in [(40, (0.7, 0.2, 0.1), 0.7), (120, (0.6, 0.25, 0.1, 0.05), 0.6),
                             (300, (0.85, 0.1, 0.05), 0.8), (60, (0.4, 0.3, 0.2, 0.1), 0.5)]:
        k = len(shares)
        y_true = rng.choice(k, size=n, p=shares)
        y_pred = np.where(rng.random(n) < right, y_true, rng.integers(0, k, size=n))
        y_true[:k] = np.arange(k)
        y_pred[k:2 * k] = np.arange(k)
        probes.append((y_true, y_pred))
    return probes


def _top_k_probes() -> list[tuple[np.ndarray, np.ndarray, int]]:
    """Distinct scores; k between 2 and n."""
    rng = np.random.default_rng(805)
    probes = [(np.array([0, 1, 1, 0, 0, 1]), np.array([0.2, 0.9, 0.3, 0.8, 0.1, 0.5]), 3)]
    for n, k, prevalence in [(50, 10, 0.2), (200, 25, 0.05), (30, 30, 0.3), (500, 7, 0.1)]:
        y = (rng.random(n) < prevalence).astype(int)
        y[:2] = [0, 1]
        s = rng.random(n) + 0.3 * y                   # distinct, and better than random
        probes.append((y, s, k))
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


def _f2_value(n: int = _FRAUD_STORY["n"], n_fraud: int = _FRAUD_STORY["n_fraud"],
              n_flagged: int = _FRAUD_STORY["n_flagged"],
              flagged_fraud: int = _FRAUD_STORY["flagged_fraud"]) -> Exercise:
    """Exercise 1.3 for a story of n transactions, n_fraud frauds, n_flagged flagged and
    flagged_fraud of them frauds (the workbook's: 1,000, 40, 50, 30)."""
    story = {"n": n, "n_fraud": n_fraud, "n_flagged": n_flagged,
             "flagged_fraud": flagged_fraud}
    tp, fp, fn, _ = _story_counts(**story)
    wrong = _f2_mistake_values(**story)
    return Exercise(
        id="w08-f2-value",
        kind="number",
        precision=Precision(decimals=3),
        prompt=f"{n:,} transactions, {n_fraud} frauds; the model flags {n_flagged}, of which "
               f"{flagged_fraud} are frauds. What is its F2 score?",
        reference=lambda: _f2_story(**story),
        rtol=1e-3,
        mistakes=(
            Mistake("f1-instead", "That is F1 = 2PR/(P + R). F2 uses β = 2: "
                    "(1 + 4)PR/(4P + R).",
                    value=lambda: wrong["f1-instead"]),
            Mistake("weights-swapped", "You weighted precision more than recall (that value is "
                    f"F0.5, or F2 with fp and fn swapped). Here fp = {n_flagged} − "
                    f"{flagged_fraud} = {fp} flagged non-frauds and fn = {n_fraud} − "
                    f"{flagged_fraud} = {fn} missed frauds; F2 puts β² = 4 on fn.",
                    value=lambda: wrong["weights-swapped"]),
            Mistake("beta-not-squared", "The weight is β² = 4, not β = 2: "
                    "F2 = 5·tp/(5·tp + 4·fn + fp).",
                    value=lambda: wrong["beta-not-squared"]),
            Mistake("accuracy", "That is the accuracy, (tp + tn)/n: high because most "
                    "transactions are legitimate. F2 ignores true negatives.",
                    value=lambda: _ev().ConfusionMatrix(*_story_counts(**story)).accuracy()),
        ),
        hint=f"write down tp, fp, fn first: precision is {tp}/{n_flagged}, recall "
             f"{tp}/{n_fraud}.",
    )


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
    variant(_f2_value, n=Parameter(800, 3000, step=100), n_fraud=Parameter(30, 80),
            n_flagged=Parameter(30, 90), flagged_fraud=Parameter(15, 60),
            where=_f2_story_well_posed),
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
    Exercise(
        id="w08-macro-f1",
        kind="number",
        precision=Precision(decimals=3),
        prompt="Ticket router, confusion matrix [[700, 20, 80], [20, 120, 10], [5, 5, 40]] "
               "(rows true billing/bug/account, columns routed): macro-F1, the unweighted mean "
               "of the three per-class F1 scores?",
        reference=lambda: _averaged_f1(_TICKET_MATRIX, "macro"),
        rtol=1e-4,
        mistakes=(
            Mistake("f1-of-means", "That is the harmonic mean of macro-precision and "
                    "macro-recall, a second 'macro-F1' found in the literature (Opitz & Burst, "
                    "2019); the question asks for the mean of the per-class F1 scores, "
                    "scikit-learn's average='macro'.",
                    value=lambda: _averaged_f1(_TICKET_MATRIX, "f1-of-means"), credit=0.5),
            Mistake("weighted", "You weighted each class's F1 by its number of tickets "
                    "(average='weighted'): billing dominates again. Macro gives each class "
                    "weight 1/3.", value=lambda: _averaged_f1(_TICKET_MATRIX, "weighted")),
            Mistake("micro", "That is micro-F1 (here equal to the accuracy): it pools every "
                    "ticket's decision. Macro averages the three per-class F1 scores.",
                    value=lambda: _averaged_f1(_TICKET_MATRIX, "micro")),
            Mistake("macro-precision", "That is macro-precision, the mean of the per-class "
                    "precisions tp/(column total); F1 combines each class's precision and "
                    "recall first.", value=lambda: _averaged_f1(_TICKET_MATRIX, "macro-precision")),
            Mistake("macro-recall", "That is macro-recall (the balanced accuracy), the mean "
                    "of tp/(row total); F1 combines each class's precision and recall first.",
                    value=lambda: _averaged_f1(_TICKET_MATRIX, "macro-recall")),
        ),
        hint="per class c: tp = the diagonal entry, fp = the rest of column c, fn = the rest of "
             "row c; F1 = 2tp/(2tp + fp + fn); then the plain mean over the three classes.",
    ),
    Exercise(
        id="w08-micro-f1",
        kind="number",
        precision=Precision(decimals=3),
        prompt="Same matrix: micro-F1, from the tp, fp and fn of the three classes summed?",
        reference=lambda: _averaged_f1(_TICKET_MATRIX, "micro"),
        rtol=1e-4,
        mistakes=(
            Mistake("macro", "That is macro-F1, the mean of the per-class F1 scores. Micro "
                    "sums tp, fp and fn over the classes first, then takes one F1.",
                    value=lambda: _averaged_f1(_TICKET_MATRIX, "macro")),
            Mistake("weighted", "That is the support-weighted mean of the per-class F1s "
                    "(average='weighted'); micro pools the counts: summed over the classes, "
                    "fp and fn both equal the number of misrouted tickets.",
                    value=lambda: _averaged_f1(_TICKET_MATRIX, "weighted")),
            Mistake("one-vs-rest-accuracy", "You averaged each class's one-vs-rest accuracy, "
                    "which counts true negatives: every misrouted ticket is a true negative "
                    "for the third class. Micro-F1 uses tp, fp and fn only.",
                    value=lambda: _averaged_f1(_TICKET_MATRIX, "one-vs-rest-accuracy")),
        ),
        hint="summed over the classes, tp is the diagonal; each misrouted ticket is one fp "
             "(for the class it went to) and one fn (for its own class).",
    ),
    Exercise(
        id="w08-macro-micro-f1",
        kind="function",
        prompt="Implement np.array([macro_f1, micro_f1]) for labels 0..K−1 (every class in "
               "y_true and y_pred), macro the mean of per-class F1s, without a metrics "
               "library.",
        reference=lambda: _macro_micro_f1,
        probes=_multiclass_probes,
        mistakes=(
            Mistake("weighted", "Your first entry weights each class's F1 by its support "
                    "(average='weighted'); macro-F1 is the plain mean over the classes.",
                    value=lambda y_true, y_pred: _macro_micro_f1(y_true, y_pred,
                                                                 macro="weighted")),
            Mistake("f1-of-means", "Your first entry is the harmonic mean of macro-precision "
                    "and macro-recall, a definition some papers use (Opitz & Burst, 2019); "
                    "here macro-F1 is the mean of the per-class F1 scores.",
                    value=lambda y_true, y_pred: _macro_micro_f1(y_true, y_pred,
                                                                 macro="f1-of-means"),
                    credit=0.5),
            Mistake("swapped", "The entries are swapped: return [macro, micro].",
                    value=_macro_micro_swapped),
            Mistake("one-vs-rest-accuracy", "Macro is right; your micro entry averages the "
                    "classes' one-vs-rest accuracies, which count true negatives. Sum tp, fp "
                    "and fn over the classes, then take one F1.",
                    value=lambda y_true, y_pred: _macro_micro_f1(
                        y_true, y_pred, micro="one-vs-rest-accuracy"), credit=0.5),
        ),
        forbidden_imports=_NO_METRICS,
        hint="build the K×K matrix with np.add.at(m, (y_true, y_pred), 1); tp = np.diag(m), "
             "fp = column sums − tp, fn = row sums − tp.",
    ),
    Exercise(
        id="w08-macro-micro-choice",
        kind="choice",
        prompt="An 85 % / 10 % / 5 % three-class model has micro-F1 0.91 and macro-F1 0.58. "
               "Which statement is right?",
        reference=lambda: "b",
        choices={
            "a": "One number is miscomputed: both average the same per-class F1 scores, so "
                 "they can differ only by rounding.",
            "b": "Micro-F1 pools every example's decision, so the large class dominates it (with "
                 "one label per example it equals accuracy); macro-F1 weighs the classes "
                 "equally, so weak F1 on the two small classes pulls it down.",
            "c": "Macro-F1 is dominated by the large class because it averages over examples; "
                 "micro-F1 is the one that weighs the small classes equally.",
            "d": "The gap means the model overfits: micro-F1 behaves like a training score and "
                 "macro-F1 like a test score.",
        },
        explanations={
            "a": "Not this one. Only macro averages per-class F1 scores; micro sums the counts "
                 "first. The two agree only when the classes score alike; under imbalance "
                 "they part, as here.",
            "c": "Not this one. It is the other way round: macro gives each class weight 1/K "
                 "whatever its size; micro adds up counts, where the large class has most.",
            "d": "Not this one. Both are computed on the same predictions; the gap says where "
                 "the errors are (the small classes), not whether the model overfits.",
        },
    ),
    Exercise(
        id="w08-precision-at-k",
        kind="function",
        prompt="Implement precision@k: the share of positives among the k highest-scored "
               "examples (distinct scores), without a metrics library.",
        reference=lambda: _precision_at_k,
        probes=_top_k_probes,
        mistakes=(
            Mistake("bottom-k", "You took the k lowest scores: np.argsort sorts ascending, so "
                    "the top k are np.argsort(-y_score)[:k] (or np.argsort(y_score)[-k:]).",
                    value=_bottom_k_precision),
            Mistake("recall-at-k", "You divided by the number of positives: that is recall@k. "
                    "Precision@k divides the positives found by k, the cases reviewed.",
                    value=_recall_at_k),
            Mistake("strict-threshold", "Flagging score > (k-th highest score) leaves out the "
                    "k-th case itself: only k − 1 are flagged. Use >=, or take the k indices "
                    "of the top scores directly.", value=_strict_kth_threshold),
        ),
        forbidden_imports=_NO_METRICS,
        hint="top = np.argsort(-y_score)[:k]; precision@k = y_true[top].mean().",
    ),
    Exercise(
        id="w08-review-precision",
        kind="number",
        precision=Precision(decimals=3),
        prompt="20,000 claims in score bands (claims, frauds) (120, 84), (240, 60), (900, 30), "
               "(18,740, 26), random order within a band; reviewers take the top 300: "
               "expected precision@300?",
        reference=lambda: _review_precision(),
        rtol=1e-4,
        mistakes=(
            Mistake("whole-second-band", "You counted all 60 frauds of the second band but "
                    "the reviewers reach only 180 of its 240 claims: expect 180 × 60/240 of "
                    "them.", value=lambda: _review_precision(whole_bands=True)),
            Mistake("two-bands-reviewed", "That is the precision of the top two bands whole, "
                    "360 claims; capacity is 300 a day.",
                    value=lambda: _review_precision(360)),
            Mistake("top-band-only", "That is the precision of the top band, 84/120; the "
                    "reviewers have room for 180 more claims, from a band with fewer frauds.",
                    value=lambda: _review_precision(120)),
            Mistake("recall", "That is recall@300, the share of the 200 frauds caught; "
                    "precision@300 divides the frauds caught by the 300 claims reviewed.",
                    value=lambda: (_expected_frauds_in_top(_REVIEW_CAPACITY)
                                   / sum(f for _, f in _CLAIM_BANDS))),
        ),
        hint="take whole bands from the top while they fit; from the next band take the "
             "claims that are left, with that band's fraud rate.",
    ),
    Exercise(
        id="w08-review-frauds-caught",
        kind="number",
        precision=Precision(decimals=0, unit="fraud"),
        prompt="Same bands; a second shift doubles the capacity to 600 claims a day. "
               "Expected frauds caught a day?",
        reference=lambda: _review_frauds(),
        rtol=1e-4,
        mistakes=(
            Mistake("doubled", "Doubling the capacity does not double the catch: the extra "
                    "300 claims come from lower bands, where frauds are rarer (precision@k "
                    "falls as k grows).",
                    value=lambda: 2 * _review_frauds(_REVIEW_CAPACITY)),
            Mistake("whole-third-band", "The third band has 900 claims and only 240 of them "
                    "fit after the top two bands: expect 240 × 30/900 of its frauds.",
                    value=lambda: _review_frauds(whole_bands=True)),
            Mistake("extra-only", "That is what the second shift adds; the question asks for "
                    "all frauds caught with 600 reviews.",
                    value=lambda: _review_frauds() - _review_frauds(_REVIEW_CAPACITY)),
            Mistake("random-review", "That is what 600 randomly chosen claims would catch "
                    "(600 × 1 %); the reviewers take the top of the ranking.",
                    value=lambda: _REVIEW_CAPACITY_DOUBLED * _claims_prevalence()),
        ),
        hint="120 + 240 claims fit whole; the remaining 240 come from the 900-claim band.",
    ),
    Exercise(
        id="w08-precision-low-prevalence",
        kind="number",
        precision=Precision(decimals=3),
        prompt="Recall (TPR) 0.95 and FPR 0.02 measured on a balanced test set; deployed where "
               "0.5 % of cases are positive: its precision there?",
        reference=lambda: _precision_from_rates(_SCREEN_PREVALENCE, _SCREEN_TPR, _SCREEN_FPR),
        rtol=1e-4,
        mistakes=(
            Mistake("balanced-precision", "That is its precision on the balanced test set "
                    "(prevalence 1/2): tpr/(tpr + fpr). In deployment the negatives outnumber "
                    "the positives 199 to 1, and their false positives with them.",
                    value=lambda: _precision_from_rates(0.5, _SCREEN_TPR, _SCREEN_FPR)),
            Mistake("recall", "0.95 is the recall, P(flag | positive); precision is "
                    "P(positive | flag).", value=lambda: _SCREEN_TPR),
            Mistake("specificity", "1 − FPR is the specificity, P(no flag | negative); "
                    "precision is P(positive | flag).", value=lambda: 1 - _SCREEN_FPR),
            Mistake("rates-swapped", "The prevalence weighs the TPR (positives) and 1 − prev "
                    "the FPR (negatives), not the other way round.",
                    value=lambda: _precision_from_rates(1 - _SCREEN_PREVALENCE, _SCREEN_TPR,
                                                        _SCREEN_FPR)),
        ),
        hint="Exercise 2.3's formula: prev·tpr / (prev·tpr + (1 − prev)·fpr).",
    ),
)
