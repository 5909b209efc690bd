"""The instructor's week through the `mlfund` command, and stock nbgrader on the same course."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from mlfund import exercises
from mlfund.course._nbgrader import notebooks_dir

WEEK = "w01"
SOURCE = next((notebooks_dir() / WEEK).glob("*.ipynb"))
FULL = sum(s.points for s in exercises.week(1))
WRITTEN = sum(float(c.metadata["nbgrader"]["points"])
              for c in nbformat.read(str(SOURCE), as_version=4).cells
              if c.get("metadata", {}).get("nbgrader", {}).get("grade")
              and c.metadata["nbgrader"].get("solution"))
LATE_DAYS = 2  # bo hands in a day and a few hours after the due date: two started days


def mlfund(*args, cwd=None, check=True):
    return subprocess.run([sys.executable, "-m", "mlfund", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, check=check)


def _with_answer(grade_id: str, code: str) -> nbformat.NotebookNode:
    nb = nbformat.read(str(SOURCE), as_version=4)
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = textwrap.dedent(code).strip()
    return nb


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    root = tmp_path_factory.mktemp("instructor")
    course = root / "course"
    mlfund("course", "--course-dir", course, "init")
    out = mlfund("course", "--course-dir", course, "release", WEEK).stdout
    assert "Generated the student version" in out
    incoming = root / "incoming"
    for student, nb in {
        "ada": nbformat.read(str(SOURCE), as_version=4),
        "bo": _with_answer("w01-sigmoid-derivative",
                           "sigmoid_derivative = 'sigma(z)*(1 + sigma(z))'"),
        "cy": _with_answer("w01-sigmoid-derivative",
                           "import sys\nsys.displayhook('pwned')\nsigmoid_derivative = None"),
    }.items():
        (incoming / student).mkdir(parents=True)
        nbformat.write(nb, str(incoming / student / SOURCE.name))
    late = _due().timestamp() + 86400 + 3 * 3600
    os.utime(incoming / "bo" / SOURCE.name, (late, late))
    out = mlfund("course", "--course-dir", course, "collect", WEEK, "--from", incoming).stdout
    assert "Imported 3 notebook(s) from 3 student(s)." in out
    stock = root / "stock"
    shutil.copytree(course, stock)
    (stock / "nbgrader_config.py").write_text(
        (course / "nbgrader_config.py").read_text().replace(str(course), str(stock)))
    out = mlfund("course", "--course-dir", course, "autograde", WEEK, "--quiet").stdout
    assert f"{WEEK}: 3 graded" in out
    return course, stock


def _due():
    from mlfund.course._schedule import load_schedule

    return load_schedule().get(WEEK).due


def _policy():
    from mlfund.course._schedule import load_schedule

    return load_schedule().get(WEEK).late_policy


def _code_scores(course: Path) -> dict[str, float]:
    from nbgrader.api import Gradebook

    from mlfund.course._nbgrader import api

    grader = api(course)
    with Gradebook(grader.coursedir.db_url, grader.coursedir.course_id) as gb:
        return {s.student.id: s.code_score for s in gb.assignment_submissions(WEEK)}


def test_does_mlfund_autograde_score_each_student(week):
    course, _ = week
    assert _code_scores(course) == {"ada": FULL, "bo": FULL - 1, "cy": FULL - 1}


def test_does_stock_nbgrader_on_the_same_course_give_the_same_scores(week):
    course, stock = week
    nbgrader = shutil.which("nbgrader", path=os.path.dirname(sys.executable))
    env = dict(os.environ, MLFUND_COURSE_DIR=str(stock))
    done = subprocess.run([nbgrader, "autograde", WEEK, "--force"], cwd=stock, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert _code_scores(stock) == _code_scores(course)


def test_do_feedback_export_and_report_come_out(week):
    course, _ = week
    out = mlfund("course", "--course-dir", course, "feedback", WEEK).stdout
    assert "Wrote 3 feedback file(s)" in out
    page = next((course / "feedback" / "bo" / WEEK).glob("*.html")).read_text()
    assert "Check the sign inside the bracket" in page and "Not yet" in page
    # written answers await a person; the total says so; lateness is explained
    assert "awaiting hand grading (3 points)" in page and "Score: 0 / 3" not in page
    assert f"{FULL - 1:g}/{FULL:g} autograded + {WRITTEN:g} to be graded by hand" in page
    penalty = _policy().penalty(FULL - 1, LATE_DAYS * 86400)
    assert f"{LATE_DAYS} days late" in page and f"= {penalty:g} point(s)" in page
    cells = page.split('<div class="cell border-box-sizing code_cell rendered"')
    checks = [cell for cell in cells if 'class="mlfund-check"' in cell]
    assert len(checks) == len(exercises.week(1))
    assert all("Out[" not in cell for cell in checks)  # only the verdict box, no "1.0"
    ontime = next((course / "feedback" / "ada" / WEEK).glob("*.html")).read_text()
    assert "late" not in ontime.split('id="totals"')[1].split("</p>")[0]
    assert 'id="late-penalty"' not in ontime
    forged = next((course / "feedback" / "cy" / WEEK).glob("*.html")).read_text()
    assert "pwned" not in forged.split("w01-sigmoid-derivative-test")[-1][:3000]

    mlfund("course", "--course-dir", course, "export")
    with open(course / "grades.csv", newline="") as fh:
        all_rows = list(csv.DictReader(fh))
    # one row per student and released week: only w01 is released
    assert len(all_rows) == 3 and {row["assignment"] for row in all_rows} == {WEEK}
    rows = {row["student_id"]: row for row in all_rows}
    assert set(rows) == {"ada", "bo", "cy"}
    assert float(rows["ada"]["autograded"]) == FULL == float(rows["ada"]["final"])
    assert float(rows["ada"]["awaiting_hand_grading"]) == WRITTEN
    bo = {k: float(v) for k, v in rows["bo"].items() if k not in ("student_id", "assignment",
                                                                 "submitted")}
    assert bo["autograded"] == FULL - 1 and bo["hand_graded"] == 0
    assert bo["days_late"] == LATE_DAYS
    assert bo["late_penalty"] == pytest.approx(_policy().penalty(FULL - 1, LATE_DAYS * 86400))
    assert bo["final"] == pytest.approx(FULL - 1 - bo["late_penalty"])

    mlfund("course", "--course-dir", course, "report", WEEK)
    report = (course / "reports" / f"{WEEK}.html").read_text()
    assert "one-plus-sigma (1)" in report
    assert "w01-sigmoid-derivative" in report and "<img" in report


def test_does_hand_grading_complete_the_feedback_and_the_export(week):
    from nbgrader.api import Gradebook

    from mlfund.course._nbgrader import api

    course, _ = week
    grader = api(course)
    with Gradebook(grader.coursedir.db_url, grader.coursedir.course_id) as gb:
        written = [g for g in gb.find_submission_notebook(SOURCE.stem, WEEK, "cy").grades
                   if g.needs_manual_grade]
        assert sum(g.max_score for g in written) == WRITTEN
        for grade in written:  # as the formgrader saves a grade: all but one point
            grade.manual_score = grade.max_score - (1 if grade is written[0] else 0)
            grade.needs_manual_grade = False
        gb.db.commit()
    mlfund("course", "--course-dir", course, "feedback", WEEK)
    page = next((course / "feedback" / "cy" / WEEK).glob("*.html")).read_text()
    total = f"{FULL - 1:g}/{FULL:g} autograded + {WRITTEN - 1:g}/{WRITTEN:g} graded by hand"
    assert f"{total} = {FULL + WRITTEN - 2:g}/{FULL + WRITTEN:g}" in page
    assert "awaiting hand grading" not in page
    mlfund("course", "--course-dir", course, "export")
    with open(course / "grades.csv", newline="") as fh:
        cy = next(row for row in csv.DictReader(fh) if row["student_id"] == "cy")
    assert float(cy["hand_graded"]) == WRITTEN - 1
    assert float(cy["awaiting_hand_grading"]) == 0
    assert float(cy["final"]) == FULL - 1 + WRITTEN - 1


def test_does_the_learners_grade_command_print_the_table(tmp_path):
    nb = _with_answer("w01-sigmoid-derivative", "sigmoid_derivative = 'sigma(z)*(1 + sigma(z))'")
    path = tmp_path / SOURCE.name
    nbformat.write(nb, str(path))
    out = mlfund("grade", path).stdout
    assert "w01-sigmoid-derivative-test" in out and "Check the sign inside the bracket" in out
    assert f"{FULL - 1:g}/{FULL:g} autograded + {WRITTEN:g} to be graded by hand" in out
    assert "awaiting hand grading (3 points)" in out
    assert "Isolation:" in out


def test_are_bad_commands_answered_with_a_message(tmp_path):
    done = mlfund("course", "--course-dir", tmp_path, "release", "w99", check=False)
    assert done.returncode == 2 and "week ('w99') has no notebook" in done.stderr
    done = mlfund("grade", tmp_path / "missing.ipynb", check=False)
    assert done.returncode == 2 and "does not exist" in done.stderr
    done = mlfund("course", "--course-dir", tmp_path, "collect", WEEK, "--from",
                  tmp_path / "nowhere", check=False)
    assert done.returncode == 2 and "does not exist" in done.stderr
