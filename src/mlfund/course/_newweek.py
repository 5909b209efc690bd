"""``mlfund course new-week NAME``: the skeleton of a course's own assignment.

Writes, in the course folder (which only the instructor can read):

- ``exercises/NAME.py`` — the exercises, in the workbook's spec format: a number item whose
  numbers differ per student (``variant``) and a formula item, each with a catalogued
  mistake;
- ``authoring/NAME.py`` — the script that builds the nbgrader source notebook from cells
  (``mlfund.course.authoring``); run it again after each change;
- ``source/NAME/NAME.ipynb`` — that notebook, built once here;
- an entry in ``schedule.toml`` (made with ``variants = true`` when the course has none).

The course's ``source/`` folder then also links every workbook week, since nbgrader reads
all assignments from one folder. (docs/writing-an-exercise.md, "A private week")
"""

from __future__ import annotations

import re
import runpy
from datetime import datetime, timedelta, timezone
from pathlib import Path

EXERCISES = '''"""{name}: the course's own exercises.

Only the grader's trusted step and the instructor's commands load this file; learners'
kernels never see it. Spec format: docs/writing-an-exercise.md.
"""

from mlfund.exercises import Exercise, Mistake, Parameter, Precision, variant


def _conversion(visitors=2000, buyers=90):
    """The item with the numbers given; the defaults are the source notebook's."""
    return Exercise(
        id="{name}-conversion-rate",
        kind="number",
        prompt=f"{{buyers}} of {{visitors}} visitors bought: their conversion rate, as a "
               "fraction to 4 decimals.",
        reference=lambda: buyers / visitors,
        precision=Precision(decimals=4),
        points=1,
        mistakes=(
            Mistake("inverted", "That is visitors per buyer: divide the buyers by the "
                                "visitors.", value=lambda: visitors / buyers),
            Mistake("percent", "Give the rate as a fraction (0.045), not as a percentage "
                               "(4.5).", value=lambda: 100 * buyers / visitors),
        ),
    )


EXERCISES = (
    # numbers drawn per student in a course with variants (schedule.toml: variants = true)
    variant(_conversion, visitors=Parameter(1500, 3000, step=10),
            buyers=Parameter(40, 140)),
    Exercise(
        id="{name}-logit-derivative",
        kind="expression",
        prompt="d/dp log(p/(1 - p)), in terms of p.",
        reference=lambda p: 1 / (p * (1 - p)),
        symbols={{"p": "probability"}},
        points=2,
        mistakes=(
            Mistake("first-term-only", "That is the derivative of log p alone: log(1 - p) "
                                       "contributes too.", form="1/p"),
        ),
    ),
)
'''

AUTHORING = '''"""Builds the source notebook of {name}: run `python {script}` after each change."""

from pathlib import Path

from mlfund import exercises
from mlfund.course.authoring import (
    answer,
    markdown,
    notebook,
    readonly,
    save,
    test,
    variant_code,
    variant_text,
    written,
)

COURSE = Path(__file__).resolve().parents[1]
exercises.use_folder(COURSE / "exercises")

cells = [
    markdown("""
        # {name} — {title}

        Answer in the cells marked `# your answer`, run the check cell under each: it says
        how your answer was read. The course grades it; the verdict comes with your feedback.
    """),
    readonly('from mlfund.check import check, formula_names\\n'
             'globals().update(formula_names("{name}"))  # formulas typed without quotes',
             "{name}-setup"),
    markdown("## 1. Conversion"),
    variant_text("{name}-conversion-rate", """
        **Exercise 1 (1 point).** {{buyers}} of {{visitors}} visitors to the shop bought
        something. What is their conversion rate? Give it as a fraction, to 4 decimals.
    """),
    variant_code("{name}-conversion-rate",
                 "visitors, buyers = {{visitors}}, {{buyers}}  # your numbers"),
    answer("{name}-conversion-rate", "conversion_rate", "conversion_rate = buyers / visitors",
           comment="a fraction, to 4 decimals"),
    test("{name}-conversion-rate", "conversion_rate"),
    markdown("""
        ## 2. The logit

        **Exercise 2 (2 points).** Differentiate $\\\\log\\\\frac{{p}}{{1-p}}$ with respect to
        $p$; give the result in terms of `p`.
    """),
    answer("{name}-logit-derivative", "logit_derivative",
           "logit_derivative = '1/(p*(1 - p))'", comment="in terms of p"),
    test("{name}-logit-derivative", "logit_derivative"),
    markdown("**Exercise 3 (2 points, graded by hand).** Why is the logit's derivative "
             "smallest at p = 1/2, and what does that mean for logistic regression?"),
    written("{name}-logit-written",
            "1/(p(1-p)) is smallest where p(1-p) is largest, at p = 1/2 (value 4): the "
            "log-odds change least per unit of probability there, so near p = 1/2 a small "
            "change in the linear score moves the probability most.",
            "1 point: p(1-p) is largest at 1/2. 1 point: the link to how the probability "
            "responds to the score.", points=2),
]

save(notebook(cells, title="{name}"), COURSE / "source" / "{name}" / "{name}.ipynb")
'''

SCHEDULE_HEAD = '''# The course's own schedule: it adds assignments to the workbook's
# (autograder/schedule.toml) and its [course] settings win. `mlfund course new-week`
# appends an entry here.

[course]
# mode = "graded"    # learners' check() reveals no verdict on any week until feedback
variants = true      # items made with variant(...) get each student's own numbers
'''

ENTRY = '''
[[assignment]]
id = "{name}"
title = "{title}"
release = "{release}"
due = "{due}"
points = {points:g}   # autograded and by hand: keep it equal to the notebook's
'''


class NewWeekError(ValueError):
    """The name is taken or not allowed; the message says which names are."""


def new_week(course: Path, name: str, *, title: str = "") -> str:
    """Write the skeleton of the course's own assignment ``name``; return what was written."""
    from mlfund import exercises
    from mlfund.course._nbgrader import assignments, link_public_weeks
    from mlfund.exercises._spec import ASSIGNMENT

    if not ASSIGNMENT.fullmatch(name) or re.fullmatch(r"w[0-9]+", name):
        raise NewWeekError(f"name ({name!r}) must be lower-case letters, digits and '_', "
                           "starting with a letter (at most 40), and not a week such as w05.")
    if name in assignments() or name in exercises.private_assignments():
        raise NewWeekError(f"{name!r} already exists; choose another name.")
    course = Path(course).resolve()
    if not course.is_dir():
        raise NewWeekError(f"the course folder {course} does not exist: run `mlfund course "
                           "init` first.")
    title = title or f"the course's own week {name}"
    written = []
    for folder in ("exercises", "authoring", "source"):
        (course / folder).mkdir(exist_ok=True)
    spec_file = course / "exercises" / f"{name}.py"
    spec_file.write_text(EXERCISES.format(name=name), encoding="utf-8")
    written.append(spec_file)
    script = course / "authoring" / f"{name}.py"
    script.write_text(AUTHORING.format(name=name, title=title.replace('"', "'"),
                                       script=f"authoring/{name}.py"), encoding="utf-8")
    written.append(script)
    exercises.use_folder(course / "exercises")
    runpy.run_path(str(script), run_name="__main__")
    written.append(course / "source" / name / f"{name}.ipynb")
    schedule = course / "schedule.toml"
    if not schedule.exists():
        schedule.write_text(SCHEDULE_HEAD, encoding="utf-8")
    import nbformat

    notebook = nbformat.read(str(course / "source" / name / f"{name}.ipynb"), as_version=4)
    points = sum(float(c.metadata.get("nbgrader", {}).get("points", 0) or 0)
                 for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade"))
    release = datetime.now(timezone.utc).replace(microsecond=0, second=0)
    with schedule.open("a", encoding="utf-8") as fh:
        fh.write(ENTRY.format(name=name, title=title.replace('"', "'"),
                              release=release.isoformat(), points=points,
                              due=(release + timedelta(days=7)).isoformat()))
    written.append(schedule)
    link_public_weeks(course)
    from mlfund.course._admin import record_schedule

    record_schedule(course)
    lines = [f"Created {name}, the course's own assignment:"]
    lines += [f"  {path.relative_to(course)}" for path in written]
    lines += [f"Edit exercises/{name}.py and authoring/{name}.py, run `python "
              f"authoring/{name}.py` in {course}, then `mlfund course release {name}`."]
    return "\n".join(lines)
