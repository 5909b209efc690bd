"""The workbook's items whose numbers differ per student in a course with variants.

For each week that has such items: the source notebook's template cells, filled with the
workbook's own numbers, are the source as written; filled with a student's numbers, the
week's solution scores full marks against that student's references, and the variant items
score 0 against another student's.
"""

from __future__ import annotations

import nbformat
import pytest

from mlfund import exercises
from mlfund.course._fastexec import ForkExecute
from mlfund.course._local import score_notebook
from mlfund.course._nbgrader import notebooks_dir
from mlfund.course._variants import render

KEY = bytes(range(32))
VARIANT_WEEKS = sorted({s.assignment for s in exercises.catalogue() if s.varies})


def _values(student: str):
    def values(exercise_id: str):
        spec = exercises.find(exercise_id)
        return spec.draw(KEY, student) if spec is not None and spec.varies else None
    return values


def _sources(week: str):
    return sorted((notebooks_dir() / week).glob("*.ipynb"))


@pytest.mark.parametrize("week", VARIANT_WEEKS)
def test_do_the_templates_give_the_source_with_the_workbooks_numbers(week):
    def defaults(exercise_id):
        spec = exercises.find(exercise_id)
        return spec.defaults if spec is not None and spec.varies else None

    templated = 0
    for path in _sources(week):
        nb = nbformat.read(str(path), as_version=4)
        for before, after in zip(nb.cells, render(nb, defaults).cells, strict=True):
            assert before.source == after.source
            if "template" in before.get("metadata", {}).get("mlfund", {}):
                templated += 1
                spec = exercises.get(before.metadata["mlfund"]["variant"])
                assert spec.varies, spec.id
    assert templated, f"{week} has variant items but no template cell shows their numbers"


@pytest.mark.parametrize("week", VARIANT_WEEKS)
def test_does_the_solution_score_full_marks_on_a_students_own_numbers(week):
    own, other = _values("student-a"), _values("student-b")
    varying = [s.id for s in exercises.week(int(week[1:])) if s.varies]
    assert any(own(i) != other(i) for i in varying)
    for path in _sources(week):
        nb = render(nbformat.read(str(path), as_version=4), own)
        ForkExecute(timeout=120).preprocess(nb, {"metadata": {"path": str(path.parent)}})
        rows = score_notebook(nb, values_of=own)
        short = [(r.grade_id, r.earned, r.points, r.feedback[:200]) for r in rows
                 if r.earned < r.points]
        assert not short, short
        swapped = {r.grade_id: r for r in score_notebook(nb, values_of=other)}
        for exercise_id in varying:
            row = swapped.get(f"{exercise_id}-test")
            if row is not None and own(exercise_id) != other(exercise_id):
                assert row.earned == 0, (exercise_id, row.feedback[:200])


def test_does_every_workbook_week_have_an_item_whose_numbers_differ():
    """A course with variants gets at least one item of each week in each student's numbers."""
    assert VARIANT_WEEKS == [f"w{n:02d}" for n in exercises.weeks()]
    for spec in exercises.catalogue():
        if spec.varies:
            assert spec.kind in ("number", "interval", "array"), spec.id
