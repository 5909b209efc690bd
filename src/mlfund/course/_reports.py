"""Grades out of the gradebook: a CSV export and an HTML item analysis per week."""

from __future__ import annotations

import base64
import csv
import html
import io
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from mlfund.course._trusted import RESULT_MIME_TYPE

EXPORT_COLUMNS = ("student_id", "assignment", "autograded", "hand_graded", "late_penalty",
                  "final", "max_score", "awaiting_hand_grading", "days_late", "submitted")
"""``grades.csv``: points earned by autograding and by hand, the late penalty (the week's
policy applied to both), ``final`` = their sum less the penalty, and the points of written
answers nobody has graded yet (``final`` is not final while that is above 0)."""


def export_grades(db_url: str, course_id: str, out: io.TextIOBase, *,
                  weeks: Iterable[str] | None = None) -> int:
    """Write one CSV row per student and released week; return the number of rows.

    ``weeks`` are the released weeks (:func:`released_weeks`); ``None`` writes every
    assignment of the gradebook. A student with no submission of a week gets a row of 0.
    """
    from nbgrader.api import Gradebook, MissingEntry

    from mlfund.course._totals import submission_totals

    wanted = None if weeks is None else set(weeks)
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    rows = 0
    with Gradebook(db_url, course_id) as gb:
        for assignment in sorted(gb.assignments, key=lambda a: a.name):
            if wanted is not None and assignment.name not in wanted:
                continue
            for student in sorted(gb.students, key=lambda s: s.id):
                try:
                    totals = submission_totals(gb, assignment.name, student.id)
                    sub = gb.find_submission(assignment.name, student.id)
                except MissingEntry:
                    writer.writerow([student.id, assignment.name, 0.0, 0.0, 0.0, 0.0,
                                     assignment.max_score, 0.0, 0, ""])
                else:
                    days = totals.lateness.days_late if totals.lateness else 0
                    writer.writerow([student.id, assignment.name, totals.autograded,
                                     totals.hand_graded, totals.late_penalty, totals.final,
                                     totals.max_score, totals.awaiting, days,
                                     sub.timestamp.isoformat() if sub.timestamp else ""])
                rows += 1
    return rows


def released_weeks(course_dir: Path) -> list[str]:
    """Weeks released to the students: generated in the course's ``release`` folder (as
    ``mlfund course release`` and nbgrader do), in the exchange, or with submissions."""
    from mlfund.course._nbgrader import assignments

    course_dir = Path(course_dir)
    found = set()
    for week in assignments():
        if ((course_dir / "release" / week).is_dir()
                or any((course_dir / "submitted").glob(f"*/{week}"))):
            found.add(week)
    try:
        from mlfund.course._exchange import exchange_of

        outbound = exchange_of(course_dir).outbound
        found.update(p.name for p in outbound.iterdir() if p.is_dir())
    except Exception:  # no exchange, or one this user cannot list: the course folder says
        pass
    return sorted(found)


@dataclass
class ItemStats:
    grade_id: str
    points: float = 0.0
    scores: list[float] = field(default_factory=list)
    mistakes: Counter = field(default_factory=Counter)
    verdicts: Counter = field(default_factory=Counter)


#: Problems of a run named in an item's result, and how the report names them.
PROBLEMS = {
    "forbidden import": ("forbidden-import",),
    "time limit": ("CellTimeoutError", "time limit", "too slow", "ran past"),
    "kernel died": ("kernel died", "DeadKernel", "dead kernel"),
    "no answer recorded": ("No answer was recorded",),
}


def problem_of(mistake: str | None, feedback: str) -> str | None:
    """The kind of run problem a result shows (:data:`PROBLEMS`), or ``None``.

    Examples
    --------
    >>> problem_of(None, "No answer was recorded ... The cell stopped with CellTimeoutError: x")
    'time limit'
    """
    for kind, marks in PROBLEMS.items():
        if any(mark == mistake or mark in feedback for mark in marks):
            return kind
    return None


#: Why a result found in an autograded notebook was not counted, as the report says it.
IGNORED = {
    "unsigned": "without a signature",
    "bad signature": "with a wrong signature",
    "no key": "that could not be verified (no result key)",
    "malformed": "with invalid fields",
    "duplicate": "repeated in one test cell",
    "outside test cells": "outside the graded test cells",
}


@dataclass(frozen=True, slots=True)
class ItemAnalysis:
    """The counted results per item, and how many results were not counted and why."""

    items: dict[str, ItemStats]
    ignored: Counter
    key_found: bool
    problems: tuple[tuple[str, str, str], ...] = ()
    """(student, item, kind) of each item whose run had a problem (:data:`PROBLEMS`)."""

    @property
    def ignored_total(self) -> int:
        return sum(self.ignored.values())


@dataclass(frozen=True, slots=True)
class _Result:
    exercise: str
    verdict: str
    points: float
    earned: float
    mistake: str | None
    feedback: str = ""
    interpreted: str | None = None


def graded_test_ids(assignment: str) -> set[str]:
    """The ``grade_id`` of every graded test cell in the source notebooks of ``assignment``."""
    from mlfund.course._nbgrader import week_source

    found = set()
    for path in sorted(week_source(assignment).glob("*.ipynb")):
        for cell in nbformat.read(str(path), as_version=4).cells:
            if _is_test_cell(cell):
                found.add(cell.metadata["nbgrader"]["grade_id"])
    return found


def _is_test_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader")
    return (cell.get("cell_type") == "code" and isinstance(meta, dict)
            and meta.get("grade") is True and not meta.get("solution")
            and isinstance(meta.get("grade_id"), str))


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _optional_text(value) -> bool:
    return value is None or isinstance(value, str)


def read_result(record, *, exercise_id: str) -> _Result | None:
    """The fields the report uses, if each has the type and range the trusted step writes."""
    from mlfund.check import VERDICTS

    if not isinstance(record, dict):
        return None
    score, points, earned = (_number(record.get(k)) for k in ("score", "points", "earned"))
    if (record.get("verdict") not in VERDICTS or record.get("exercise") != exercise_id
            or score is None or not 0.0 <= score <= 1.0
            or points is None or points < 0 or earned is None
            or not 0.0 <= earned <= points + 1e-9
            or not isinstance(record.get("feedback"), str)
            or not _optional_text(record.get("mistake"))
            or not _optional_text(record.get("interpreted"))):
        return None
    return _Result(exercise_id, record["verdict"], points, earned, record.get("mistake"),
                   record["feedback"], record.get("interpreted"))


def item_results(autograded: Path, assignment: str, *, key: bytes | None,
                 test_ids: Iterable[str] | None = None) -> ItemAnalysis:
    """Per item: the scores and the mistake notes, read from the autograded notebooks.

    Defends the item analysis against results the learner's kernel forged: a result counts
    only if it sits in a graded test cell of the source notebook (``grade_id`` in
    ``test_ids``, by default :func:`graded_test_ids`), carries a valid signature under the
    course's ``key`` (:mod:`mlfund.course._signature`) and has well-typed fields for that
    cell's exercise. Anything else is counted in ``ignored`` by reason, never raised
    (tests/course/test_html_safety.py).
    """
    from mlfund.course._signature import verify_result
    from mlfund.course._trusted import exercise_id_of

    known = set(graded_test_ids(assignment) if test_ids is None else test_ids)
    stats: dict[str, ItemStats] = {}
    ignored: Counter = Counter()
    problems: list[tuple[str, str, str]] = []
    for path in sorted(autograded.glob(f"*/{assignment}/*.ipynb")):
        student = path.parent.parent.name
        try:
            nb = nbformat.read(str(path), as_version=4)
        except Exception:
            continue
        for cell in nb.cells:
            records = _results_in(cell)
            if not records:
                continue
            grade_id = cell.metadata["nbgrader"]["grade_id"] if _is_test_cell(cell) else None
            if grade_id not in known:
                ignored["outside test cells"] += len(records)
                continue
            counted = False
            for record in records:
                status = verify_result(record, key)
                result = read_result(record, exercise_id=exercise_id_of(grade_id))
                if status != "valid":
                    ignored[status] += 1
                elif result is None:
                    ignored["malformed"] += 1
                elif counted:
                    ignored["duplicate"] += 1
                else:
                    counted = True
                    item = stats.setdefault(result.exercise,
                                            ItemStats(result.exercise, result.points))
                    item.scores.append(result.earned)
                    item.verdicts[result.verdict] += 1
                    if result.mistake:
                        item.mistakes[result.mistake] += 1
                    kind = problem_of(result.mistake, result.feedback)
                    if kind is not None:
                        problems.append((student, result.exercise, kind))
    return ItemAnalysis(stats, ignored, key is not None, tuple(problems))


def identical_variant_answers(autograded: Path, assignment: str, *, key: bytes | None
                              ) -> list[tuple[str, str, list[str], list[str]]]:
    """Answers to an item whose numbers differ per student that two or more students gave.

    Each is (exercise, the answer as read, the students who gave it, those of them for
    whose numbers it is right): different numbers make the same answer unlikely unless it
    was copied. Only signed results of the source's test cells count (:func:`item_results`).
    """
    from mlfund import exercises
    from mlfund.course._signature import verify_result
    from mlfund.course._trusted import exercise_id_of

    known = set(graded_test_ids(assignment))
    seen: dict[tuple[str, str], dict[str, bool]] = {}
    for path in sorted(autograded.glob(f"*/{assignment}/*.ipynb")):
        student = path.parent.parent.name
        try:
            nb = nbformat.read(str(path), as_version=4)
        except Exception:
            continue
        for cell in nb.cells:
            grade_id = cell.metadata["nbgrader"]["grade_id"] if _is_test_cell(cell) else None
            if grade_id not in known:
                continue
            spec = exercises.find(exercise_id_of(grade_id))
            if spec is None or not spec.varies:
                continue
            for record in _results_in(cell)[:1]:
                if verify_result(record, key) != "valid":
                    continue
                result = read_result(record, exercise_id=spec.id)
                if result is None or not result.interpreted or result.verdict == "invalid":
                    continue
                seen.setdefault((spec.id, result.interpreted), {})[student] = \
                    result.verdict == "correct"
    return [(exercise, answer, sorted(who), sorted(s for s, right in who.items() if right))
            for (exercise, answer), who in sorted(seen.items()) if len(who) > 1]


def _identical_section(groups: list[tuple[str, str, list[str], list[str]]]) -> list[str]:
    if not groups:
        return []
    esc = html.escape
    rows = "".join(
        f"<tr><td>{esc(exercise)}</td><td><code>{esc(answer[:80])}</code></td>"
        f"<td>{esc(', '.join(who))}</td><td>{esc(', '.join(right) or '—')}</td></tr>"
        for exercise, answer, who, right in groups)
    return ["<h2>Identical answers to items whose numbers differ per student</h2>",
            "<p>Each student had numbers of their own for these items, so the same answer "
            "from several of them deserves a look: it is right for the numbers of at most "
            "one of them.</p>",
            "<table><tr><th>item</th><th>answer</th><th>students</th><th>right for the "
            f"numbers of</th></tr>{rows}</table>"]


def _results_in(cell) -> list:
    """Every result-typed value among a code cell's outputs, whatever its shape."""
    outputs = cell.get("outputs") if cell.get("cell_type") == "code" else None
    if not isinstance(outputs, list):
        return []
    return [o["data"][RESULT_MIME_TYPE] for o in outputs
            if isinstance(o, dict) and isinstance(o.get("data"), dict)
            and RESULT_MIME_TYPE in o["data"]]


def _figure(stats: dict[str, ItemStats]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    items = list(stats.values())
    fig, ax = plt.subplots(figsize=(max(6, 0.5 * len(items) + 2), 3.5))
    means = [sum(i.scores) / len(i.scores) / i.points if i.scores and i.points else 0
             for i in items]
    ax.bar(range(len(items)), means, color="#4c72b0")
    ax.set_xticks(range(len(items)))
    ax.set_xticklabels([i.grade_id.split("-", 1)[-1] for i in items], rotation=60, ha="right",
                       fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("mean fraction of points")
    ax.set_title("Score per item")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def _histogram(values: list[float], title: str, xlabel: str) -> str:
    import matplotlib.pyplot as plt

    fig = histogram_figure(values, title, xlabel)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def histogram_figure(values: list[float], title: str, xlabel: str):
    """A histogram of ``values`` whose count axis has whole numbers only."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(values, bins=min(20, max(5, len(values) // 2)), color="#55a868")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("submissions")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts are whole
    fig.tight_layout()
    return fig


def item_report(course_dir: Path, assignment: str, journal: dict) -> str:
    """The HTML item analysis of one week."""
    from mlfund.course._signature import KEY_PATH, ResultKeyError, result_key

    try:
        key = result_key(course_dir)
        key_problem = "" if key is not None else "there is none"
    except ResultKeyError as exc:
        key, key_problem = None, str(exc)
    analysis = item_results(course_dir / "autograded", assignment, key=key)
    stats = analysis.items
    esc = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(assignment)} — "
             "item analysis</title><style>body{font-family:sans-serif;max-width:960px;"
             "margin:auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
             "padding:3px 8px;text-align:left}</style></head><body>",
             f"<h1>{esc(assignment)}: item analysis</h1>"]
    graded = [o for o in journal.values() if o.status in ("graded", "skipped")]
    errors = [o for o in journal.values() if o.status in ("error", "fault")]
    parts.append(f"<p>{len(graded)} submission(s) graded, {len(errors)} with errors.</p>")
    if key is None:
        parts.append(f"<p class='warning'><b>No result could be verified</b>: the course's "
                     f"result key ({esc(str(KEY_PATH))}) cannot be used ({esc(key_problem)}). "
                     "Autograding makes it; results graded without it are not counted.</p>")
    if analysis.ignored_total:
        why = ", ".join(f"{count} {IGNORED.get(reason, reason)}"
                        for reason, count in sorted(analysis.ignored.items()))
        parts.append(f"<p class='warning'><b>{analysis.ignored_total} result(s) were not "
                     f"counted</b> in the item analysis: {esc(why)}.</p>")
    if stats:
        parts.append(f"<img alt='score per item' src='data:image/png;base64,{_figure(stats)}'>")
        parts.append("<h2>Items</h2><table><tr><th>item</th><th>points</th><th>mean</th>"
                     "<th>correct</th><th>most frequent mistakes</th></tr>")
        for item in stats.values():
            mean = sum(item.scores) / len(item.scores) if item.scores else 0.0
            top = ", ".join(f"{esc(note)} ({count})" for note, count in
                            item.mistakes.most_common(3)) or "—"
            parts.append(f"<tr><td>{esc(item.grade_id)}</td><td>{item.points:g}</td>"
                         f"<td>{mean:.2f}</td><td>{item.verdicts.get('correct', 0)}/"
                         f"{len(item.scores)}</td><td>{top}</td></tr>")
        parts.append("</table>")
    totals = [o.score for o in graded if o.score is not None]
    if totals:
        parts.append("<h2>Score distribution</h2>")
        parts.append(f"<img alt='scores' src='data:image/png;base64,"
                     f"{_histogram(totals, 'Total score', 'points')}'>")
    seconds = [o.seconds for o in journal.values() if o.seconds]
    if seconds:
        parts.append("<h2>Time per submission</h2>")
        parts.append(f"<img alt='time' src='data:image/png;base64,"
                     f"{_histogram(seconds, 'Grading time', 'seconds')}'>")
    totals = _students_totals(course_dir, assignment)
    parts += _written_section(totals)
    parts += _students_section(totals, journal)
    parts += _problems_section(errors, analysis.problems)
    parts += _identical_section(identical_variant_answers(course_dir / "autograded",
                                                          assignment, key=key))
    parts.append("</body></html>")
    return "\n".join(parts)


def _students_totals(course_dir: Path, assignment: str) -> dict:
    """Each student's :class:`~mlfund.course._totals.Totals` from the gradebook ({} if none)."""
    from nbgrader.api import Gradebook, MissingEntry

    from mlfund.course._nbgrader import api
    from mlfund.course._totals import submission_totals

    found = {}
    try:
        grader = api(course_dir)
        with Gradebook(grader.coursedir.db_url, grader.coursedir.course_id) as gb:
            for submission in gb.assignment_submissions(assignment):
                try:
                    found[submission.student.id] = submission_totals(
                        gb, assignment, submission.student.id)
                except MissingEntry:
                    continue
    except Exception:  # no gradebook yet: the report shows what the journal has
        return {}
    return dict(sorted(found.items()))


def _written_section(totals: dict) -> list[str]:
    """Written items: how many are graded by hand, how many await, the mean so far."""
    items: dict[str, list] = {}
    for student_totals in totals.values():
        for item in student_totals.items:
            if item.by_hand:
                items.setdefault(item.name, []).append(item)
    if not items:
        return []
    parts = ["<h2>Written items (graded by hand)</h2><table><tr><th>item</th><th>points</th>"
             "<th>graded</th><th>awaiting</th><th>mean of graded</th></tr>"]
    for name, found in items.items():
        graded = [i.score for i in found if not i.awaiting]
        mean = f"{sum(graded) / len(graded):.2f}" if graded else "—"
        parts.append(f"<tr><td>{html.escape(name)}</td><td>{found[0].max_score:g}</td>"
                     f"<td>{len(graded)}</td><td>{len(found) - len(graded)}</td>"
                     f"<td>{mean}</td></tr>")
    parts.append("</table>")
    return parts


def _students_section(totals: dict, journal: dict) -> list[str]:
    """A row per student: points split as the feedback splits them, lateness, status."""
    if not totals and not journal:
        return []
    esc = html.escape
    late = [t for t in totals.values() if t.lateness is not None and t.lateness.days_late]
    parts = ["<h2>Students</h2>"]
    if late:
        penalties = sum(t.late_penalty for t in late)
        parts.append(f"<p>{len(late)} late submission(s), {penalties:g} point(s) taken in all "
                     f"({esc(late[0].lateness.policy.describe())}).</p>")
    parts.append("<table><tr><th>student</th><th>autograded</th><th>by hand</th>"
                 "<th>late penalty</th><th>final</th><th>status</th></tr>")
    for student in sorted(set(totals) | set(journal)):
        outcome = journal.get(student)
        status = outcome.status if outcome is not None else "graded"
        if outcome is not None and outcome.error:
            status += f": {outcome.error}"
        t = totals.get(student)
        if t is None:
            parts.append(f"<tr><td>{esc(student)}</td><td colspan='4'>—</td>"
                         f"<td>{esc(status)}</td></tr>")
            continue
        by_hand = (f"{t.hand_graded:g}/{t.hand_graded_max:g}" if t.hand_graded_max else "")
        if t.awaiting:
            by_hand += f"{' + ' if by_hand else ''}{t.awaiting:g} awaiting"
        days = (f" ({t.lateness.days_late} day(s) late)"
                if t.lateness is not None and t.lateness.days_late else "")
        parts.append(f"<tr><td>{esc(student)}</td><td>{t.autograded:g}/{t.autograded_max:g}"
                     f"</td><td>{esc(by_hand or '—')}</td><td>{t.late_penalty:g}{days}</td>"
                     f"<td>{t.final:g}/{t.max_score:g}{'' if t.complete else ' so far'}</td>"
                     f"<td>{esc(status)}</td></tr>")
    parts.append("</table>")
    return parts


def _problems_section(errors: list, problems: tuple) -> list[str]:
    """Submissions that errored, and items whose run had a problem, with the reason."""
    if not errors and not problems:
        return []
    esc = html.escape
    parts = ["<h2>Errors and timeouts</h2>"]
    if problems:
        kinds = Counter(kind for _, _, kind in problems)
        parts.append("<p>" + esc(", ".join(f"{kind}: {count}" for kind, count in
                                          sorted(kinds.items()))) + "</p>")
    parts.append("<table><tr><th>student</th><th>item</th><th>reason</th></tr>")
    for o in errors:
        parts.append(f"<tr><td>{esc(o.student)}</td><td>(whole submission)</td>"
                     f"<td>{esc(o.error or o.status)}</td></tr>")
    for student, item, kind in problems:
        parts.append(f"<tr><td>{esc(student)}</td><td>{esc(item)}</td><td>{esc(kind)}</td></tr>")
    parts.append("</table>")
    return parts


def autograde_summary(week: str, outcomes: list) -> str:
    """What ``mlfund course autograde`` prints: the counts, then a table of the submissions.

    Examples
    --------
    >>> from mlfund.course._batch import Outcome
    >>> done = [Outcome("ada", "graded", 12.0, 16.0, 1.5),
    ...         Outcome("bo", "error", None, None, 0.1, "missing notebook")]
    >>> print(autograde_summary("w01", done))
    w01: 1 graded, 0 already graded (skipped), 1 with errors in the submission, 0 grader fault(s).
      student  status  score  seconds  reason
      ada      graded  12/16      1.5
      bo       error   —          0.1  missing notebook
    Mean score: 12/16 over 1 graded submission(s) (autograded points).
    """
    count = Counter(o.status for o in outcomes)
    lines = [f"{week}: {count['graded']} graded, {count['skipped']} already graded (skipped), "
             f"{count['error']} with errors in the submission, {count['fault']} grader "
             "fault(s)."]
    if not outcomes:
        return lines[0]
    width = max(7, *(len(o.student) for o in outcomes))
    lines.append(f"  {'student':<{width}}  status  score  seconds  reason")
    for o in outcomes:
        score = (f"{o.score:g}/{o.max_score:g}" if o.score is not None and o.max_score
                 else "—")
        reason = o.error or ""
        if o.status == "fault":
            reason += " (no grade recorded; run autograde again)"
        lines.append(f"  {o.student:<{width}}  {o.status:<6}  {score:<5}  {o.seconds:>7.1f}  "
                     f"{reason}".rstrip())
    scored = [o for o in outcomes if o.status in ("graded", "skipped") and o.score is not None]
    if scored:
        mean = sum(o.score for o in scored) / len(scored)
        top = scored[0].max_score or 0
        lines.append(f"Mean score: {mean:.3g}/{top:g} over {len(scored)} graded "
                     "submission(s) (autograded points).")
    return "\n".join(lines)
