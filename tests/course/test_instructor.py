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
    out = mlfund("course", "--course-dir", course, "collect", WEEK, "--from", incoming).stdout
    assert "Imported 3 notebook(s) from 3 student(s)." in out
    stock = root / "stock"
    shutil.copytree(course, stock)
    (stock / "nbgrader_config.py").write_text(
        (course / "nbgrader_config.py").read_text().replace(str(course), str(stock)))
    out = mlfund("course", "--course-dir", course, "autograde", WEEK, "--quiet").stdout
    assert f"{WEEK}: 3 graded" in out
    return course, stock


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
    forged = next((course / "feedback" / "cy" / WEEK).glob("*.html")).read_text()
    assert "pwned" not in forged.split("w01-sigmoid-derivative-test")[-1][:3000]

    mlfund("course", "--course-dir", course, "export")
    with open(course / "grades.csv", newline="") as fh:
        all_rows = list(csv.DictReader(fh))
    # one row per student and scheduled assignment
    assert len(all_rows) == 3 * len({row["assignment"] for row in all_rows})
    rows = {row["student_id"]: row for row in all_rows if row["assignment"] == WEEK}
    assert set(rows) == {"ada", "bo", "cy"}
    assert float(rows["bo"]["code_score"]) == FULL - 1
    assert float(rows["ada"]["code_score"]) == FULL

    mlfund("course", "--course-dir", course, "report", WEEK)
    report = (course / "reports" / f"{WEEK}.html").read_text()
    assert "one-plus-sigma (1)" in report
    assert "w01-sigmoid-derivative" in report and "<img" in report


def test_does_the_learners_grade_command_print_the_table(tmp_path):
    nb = _with_answer("w01-sigmoid-derivative", "sigmoid_derivative = 'sigma(z)*(1 + sigma(z))'")
    path = tmp_path / SOURCE.name
    nbformat.write(nb, str(path))
    out = mlfund("grade", path).stdout
    assert "w01-sigmoid-derivative-test" in out and "Check the sign inside the bracket" in out
    assert f"{FULL - 1:g}/{FULL:g}" in out
    assert "Isolation:" in out


def test_are_bad_commands_answered_with_a_message(tmp_path):
    done = mlfund("course", "--course-dir", tmp_path, "release", "w99", check=False)
    assert done.returncode == 2 and "week ('w99') has no notebook" in done.stderr
    done = mlfund("grade", tmp_path / "missing.ipynb", check=False)
    assert done.returncode == 2 and "does not exist" in done.stderr
    done = mlfund("course", "--course-dir", tmp_path, "collect", WEEK, "--from",
                  tmp_path / "nowhere", check=False)
    assert done.returncode == 2 and "does not exist" in done.stderr
