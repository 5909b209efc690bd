"""A week's solutions, made from its source notebook: for a cohort after the due date, or
for a self-learner whenever they ask.

The source notebooks (``notebooks/wNN/``) stay the one place the solutions live: this module
only reads them. The solution version of a week keeps every cell, with the solution lines
(nbgrader's ``### BEGIN SOLUTION`` … ``### END SOLUTION`` markers dropped) and each written
item's model answer and rubric, and loses its nbgrader metadata, so that it is never taken
for an assignment. It comes as a notebook and as a page that loads no script (maths typeset
on the server, :mod:`mlfund.course._maths`).

- ``mlfund course release-solutions wNN`` writes them to ``COURSE/solutions/wNN/`` once the
  week's due date (``autograder/schedule.toml``) has passed (``--force`` before it), and to
  the course's exchange as ``wNN-solutions`` (``nbgrader fetch_assignment wNN-solutions``).
- ``mlfund solutions wNN`` writes them beside the learner's workbook, in
  ``workbook/wNN/solutions/``.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import nbformat

_MARKER = re.compile(r"\s*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)\s*")


class SolutionsError(RuntimeError):
    """Solutions cannot be released as asked; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Solutions:
    """The files of a week's solutions."""

    week: str
    notebooks: tuple[Path, ...]
    pages: tuple[Path, ...]


def solution_notebook(source: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``source`` with its solution markers and nbgrader metadata removed, outputs cleared."""
    nb = copy.deepcopy(source)
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
        cell.source = "\n".join(line for line in cell.source.splitlines()
                                if not _MARKER.fullmatch(line))
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def page_html(nb: nbformat.NotebookNode, title: str) -> str:
    """``nb`` as a page with typeset maths and no script."""
    from nbconvert.exporters import HTMLExporter

    from mlfund.course._feedback import TEMPLATES
    from mlfund.course._safe_export import safe_markdown2html

    exporter = HTMLExporter(template_name="mlfund_page",
                            extra_template_basedirs=[str(TEMPLATES)],
                            filters={"markdown2html": safe_markdown2html})
    page, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return page


def write_solutions(week: str, target: Path) -> Solutions:
    """Write the solution notebooks and pages of ``week`` into ``target``."""
    from mlfund.course._nbgrader import assignments, week_source

    if week not in assignments():
        raise SolutionsError(f"week ({week!r}) has no notebook; the weeks are "
                             f"{', '.join(assignments()) or 'none'}.")
    target.mkdir(parents=True, exist_ok=True)
    notebooks, pages = [], []
    for source in sorted(week_source(week).glob("*.ipynb")):
        nb = solution_notebook(nbformat.read(str(source), as_version=4))
        stem = f"{source.stem}-solutions"
        nbformat.write(nb, str(target / f"{stem}.ipynb"))
        (target / f"{stem}.html").write_text(page_html(nb, stem), encoding="utf-8")
        notebooks.append(target / f"{stem}.ipynb")
        pages.append(target / f"{stem}.html")
    return Solutions(week, tuple(notebooks), tuple(pages))


def due_date(week: str) -> datetime | None:
    """The week's due date from the schedule, or ``None`` when it has none."""
    from mlfund.course._schedule import ScheduleError, load_schedule

    try:
        return load_schedule().get(week).due
    except ScheduleError:
        return None


def release_solutions(week: str, course: Path, *, force: bool = False,
                      exchange: bool | None = None, now: datetime | None = None) -> str:
    """Write the solutions of ``week`` in the course and, if it has one, in its exchange.

    Refused before the week's due date unless ``force``. ``exchange=None`` releases to the
    exchange when the course names one (:func:`mlfund.course._admin.chosen_exchange`).
    """
    from mlfund.course._admin import chosen_exchange

    due = due_date(week)
    now = now or datetime.now(timezone.utc)
    if due is not None and now < due and not force:
        raise SolutionsError(
            f"{week} is due {due:%Y-%m-%d %H:%M %Z}: its solutions would reach students who "
            "have not handed in yet. After the due date, or with --force, they are released.")
    done = write_solutions(week, Path(course) / "solutions" / week)
    lines = [f"Wrote the solutions of {week}: " + ", ".join(str(p) for p in done.pages)
             + " (and the notebooks beside them)."]
    if exchange is None:
        exchange = chosen_exchange(course)
    if exchange:
        target = _to_exchange(week, Path(course), done)
        lines.append(f"Released them to the exchange: {target}. Students run `nbgrader "
                     f"fetch_assignment {week}-solutions`.")
    return "\n".join(lines)


def _to_exchange(week: str, course: Path, done: Solutions) -> Path:
    from mlfund.course._exchange import check_course_owner, exchange_of, prepare_exchange

    place = exchange_of(course)
    prepare_exchange(place.root, course)
    check_course_owner(place)
    target = place.outbound / f"{week}-solutions"
    if target.exists():
        shutil.rmtree(target)
    place.outbound.mkdir(parents=True, exist_ok=True)
    os.chmod(place.course, 0o755)
    os.chmod(place.outbound, 0o755)
    target.mkdir(mode=0o755)
    os.chmod(target, 0o755)  # whatever the umask: every student reads it
    for path in (*done.notebooks, *done.pages):
        shutil.copyfile(path, target / path.name)
        os.chmod(target / path.name, 0o644)
    return target


def learner_solutions(week: str, workbook: Path | None = None) -> Solutions:
    """The solutions of ``week`` for a self-learner, in ``workbook/wNN/solutions/``."""
    from mlfund.course._workbook import default_workbook

    folder = Path(workbook or default_workbook()) / week / "solutions"
    return write_solutions(week, folder)
