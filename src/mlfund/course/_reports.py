"""Grades out of the gradebook: a CSV export and an HTML item analysis per week."""

from __future__ import annotations

import base64
import csv
import html
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from mlfund.course._trusted import RESULT_MIME_TYPE

EXPORT_COLUMNS = ("student_id", "assignment", "score", "max_score", "code_score",
                  "written_score", "late_penalty", "needs_manual_grade", "timestamp")


def export_grades(db_url: str, course_id: str, out: io.TextIOBase) -> int:
    """Write one CSV row per student and assignment; return the number of rows."""
    from nbgrader.api import Gradebook, MissingEntry

    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    rows = 0
    with Gradebook(db_url, course_id) as gb:
        for assignment in sorted(gb.assignments, key=lambda a: a.name):
            for student in sorted(gb.students, key=lambda s: s.id):
                try:
                    sub = gb.find_submission(assignment.name, student.id)
                except MissingEntry:
                    writer.writerow([student.id, assignment.name, 0.0, assignment.max_score,
                                     0.0, 0.0, 0.0, False, ""])
                else:
                    writer.writerow([student.id, assignment.name, round(sub.score, 6),
                                     sub.max_score, round(sub.code_score or 0, 6),
                                     round(sub.written_score or 0, 6),
                                     round(sub.late_submission_penalty or 0, 6),
                                     sub.needs_manual_grade,
                                     sub.timestamp.isoformat() if sub.timestamp else ""])
                rows += 1
    return rows


@dataclass
class ItemStats:
    grade_id: str
    points: float = 0.0
    scores: list[float] = field(default_factory=list)
    mistakes: Counter = field(default_factory=Counter)
    verdicts: Counter = field(default_factory=Counter)


def item_results(autograded: Path, assignment: str) -> dict[str, ItemStats]:
    """Per item: the scores and the mistake notes, read from the autograded notebooks."""
    stats: dict[str, ItemStats] = {}
    for path in sorted(autograded.glob(f"*/{assignment}/*.ipynb")):
        try:
            nb = nbformat.read(str(path), as_version=4)
        except Exception:
            continue
        for cell in nb.cells:
            for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
                result = output.get("data", {}).get(RESULT_MIME_TYPE)
                if not isinstance(result, dict):
                    continue
                gid = str(result.get("exercise", ""))
                item = stats.setdefault(gid, ItemStats(gid, float(result.get("points", 0))))
                item.scores.append(float(result.get("earned", 0.0)))
                item.verdicts[str(result.get("verdict"))] += 1
                if result.get("mistake"):
                    item.mistakes[str(result["mistake"])] += 1
    return stats


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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(values, bins=min(20, max(5, len(values) // 2)), color="#55a868")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("submissions")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def item_report(course_dir: Path, assignment: str, journal: dict) -> str:
    """The HTML item analysis of one week."""
    stats = item_results(course_dir / "autograded", assignment)
    esc = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(assignment)} — "
             "item analysis</title><style>body{font-family:sans-serif;max-width:960px;"
             "margin:auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
             "padding:3px 8px;text-align:left}</style></head><body>",
             f"<h1>{esc(assignment)}: item analysis</h1>"]
    graded = [o for o in journal.values() if o.status != "error"]
    errors = [o for o in journal.values() if o.status == "error"]
    parts.append(f"<p>{len(graded)} submission(s) graded, {len(errors)} with errors.</p>")
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
    if errors:
        parts.append("<h2>Submissions that errored</h2><table><tr><th>student</th>"
                     "<th>reason</th></tr>")
        for o in errors:
            parts.append(f"<tr><td>{esc(o.student)}</td><td>{esc(o.error or '')}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)
