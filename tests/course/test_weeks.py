"""Every weekly notebook: its structure against the catalogue, and the whole nbgrader pipeline.

Is every autograded item an exercise of the catalogue, with its check cell and points? Does
the week meet the curriculum's minimum? Does the source notebook pass ``nbgrader validate``
and score full marks under autograde, and does its unanswered student version score 0
without a kernel error? A week may have several notebooks (w12 has two mocks): its items are
the union of theirs, each notebook holds its own, and each is graded.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from mlfund import exercises
from mlfund.course._nbgrader import assignments, notebooks_dir
from mlfund.course._schedule import load_schedule

WEEKS = assignments()


def _notebooks(week: str) -> list[Path]:
    return sorted((notebooks_dir() / week).glob("*.ipynb"))


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def test_does_every_week_with_exercises_have_a_notebook():
    weeks_with_specs = {f"w{n:02d}" for n in exercises.weeks()}
    assert weeks_with_specs == set(WEEKS)


@pytest.mark.parametrize("week", WEEKS)
def test_does_the_notebook_match_the_catalogue(week):
    specs = {s.id: s for s in exercises.week(int(week[1:]))}
    answers, tests, written, grade_ids = set(), {}, [], []
    figures = 0
    for path in _notebooks(week):
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:
            assert not cell.get("outputs"), f"{path.name} is committed with outputs"
            meta = _meta(cell)
            if cell.cell_type == "code" and "plt." in cell.source:
                figures += 1
            if not meta:
                continue
            grade_ids.append(meta["grade_id"])
            assert meta["grade_id"].startswith(f"{week}-"), meta["grade_id"]
            if meta.get("solution") and cell.cell_type == "code":
                answers.add(meta["grade_id"])
            if meta.get("grade") and cell.cell_type == "code":
                tests[meta["grade_id"]] = meta["points"]
                assert cell.source.strip().startswith("check(")
            if meta.get("grade") and meta.get("solution") and cell.cell_type == "markdown":
                written.append(meta["grade_id"])
                assert "Rubric" in cell.source, f"{meta['grade_id']} has no rubric"
    assert len(grade_ids) == len(set(grade_ids)), "grade_ids repeat"
    assert answers == set(specs), "answer cells and exercises differ"
    assert set(tests) == {f"{i}-test" for i in specs}, "check cells and exercises differ"
    for exercise_id, spec in specs.items():
        assert tests[f"{exercise_id}-test"] == spec.points
    derivations = [s for s in specs.values() if s.kind in ("expression", "derivation")]
    assert len(specs) >= 8, "a week needs at least 8 autograded items"
    assert len(derivations) >= 4, "a week needs at least 4 derivations"
    assert written, "a week needs a written answer graded by hand"
    assert figures >= 1, "a week needs a figure"


@pytest.mark.parametrize("week", WEEKS)
def test_is_the_week_in_the_schedule_with_its_points(week):
    entry = load_schedule().get(week)
    total = 0.0
    for path in _notebooks(week):
        nb = nbformat.read(str(path), as_version=4)
        total += sum(float(_meta(c).get("points", 0)) for c in nb.cells if _meta(c).get("grade"))
    assert entry.points == pytest.approx(total)
    assert entry.release < entry.due


def _autograded_points(week: str) -> float:
    return sum(s.points for s in exercises.week(int(week[1:])))


def _notebook_points(path: Path) -> float:
    """The catalogue's points of the items whose check cells are in this notebook."""
    nb = nbformat.read(str(path), as_version=4)
    ids = [_meta(c)["grade_id"].removesuffix("-test") for c in nb.cells
           if c.cell_type == "code" and _meta(c).get("grade")]
    return sum(exercises.get(i).points for i in ids)


def test_does_a_week_with_several_notebooks_give_each_its_own_items():
    several = [w for w in WEEKS if len(_notebooks(w)) > 1]
    assert "w12" in several
    for week in several:
        points = [_notebook_points(path) for path in _notebooks(week)]
        assert all(p > 0 for p in points), f"a notebook of {week} has no autograded item"
        assert sum(points) == pytest.approx(_autograded_points(week))


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return tmp_path_factory.mktemp("course")


@pytest.mark.notebook
@pytest.mark.parametrize("week", WEEKS)
def test_does_the_pipeline_grade_the_solution_full_and_the_blank_zero(week, course):
    from nbgrader.api import Gradebook
    from nbgrader.validator import Validator

    from mlfund.course._admin import init_course
    from mlfund.course._batch import autograde_batch
    from mlfund.course._nbgrader import api, load_config
    from mlfund.course._workbook import generate_student_version

    course = course / week
    init_course(course, quiet=True)
    release = generate_student_version(week, course)

    # nbgrader validate: the source passes, its unanswered student version does not
    validator = Validator(config=load_config(course))
    for path in _notebooks(week):
        assert validator.validate(str(path)) == {}, f"{path.name} does not validate"

    for student, folder in (("solution", notebooks_dir() / week), ("blank", release)):
        target = course / "submitted" / student / week
        target.mkdir(parents=True)
        for path in folder.glob("*.ipynb"):
            shutil.copy(path, target / path.name)
    outcomes = {o.student: o for o in autograde_batch(week, course_dir=course, jobs=1,
                                                      progress=False)}
    assert outcomes["solution"].status == "graded", outcomes["solution"].error
    assert outcomes["blank"].status == "graded", outcomes["blank"].error
    grader = api(course)
    with Gradebook(grader.coursedir.db_url, grader.coursedir.course_id) as gb:
        solution = gb.find_submission(week, "solution")
        blank = gb.find_submission(week, "blank")
        assert solution.code_score == pytest.approx(_autograded_points(week))
        assert blank.score == 0.0
        # each notebook of the week is graded: its own items at full marks, and 0 blank
        for path in _notebooks(week):
            graded = gb.find_submission_notebook(path.stem, week, "solution")
            assert graded.code_score == pytest.approx(_notebook_points(path)), path.name
            assert gb.find_submission_notebook(path.stem, week, "blank").score == 0.0
    # no kernel error in the blank: every check cell reports "no answer yet"
    for path in (course / "autograded" / "blank" / week).glob("*.ipynb"):
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not [o for o in cell.outputs if o.output_type == "error"], cell.source


@pytest.mark.notebook
@pytest.mark.parametrize("week", [w for w in WEEKS if len(_notebooks(w)) > 1])
def test_does_the_canary_grade_every_notebook_of_the_week(week, monkeypatch):
    from mlfund.course import _canary

    graded = []
    shortfalls = _canary.shortfalls

    def counted(nb):
        graded.append(sum(1 for c in nb.cells if c.cell_type == "code" and _meta(c).get("grade")))
        return shortfalls(nb)

    monkeypatch.setattr(_canary, "shortfalls", counted)
    assert _canary.canary_failure(week) is None
    assert len(graded) == len(_notebooks(week)) and all(graded)
