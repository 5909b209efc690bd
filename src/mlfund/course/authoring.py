"""Building nbgrader source notebooks: cells with the right metadata, points from the catalogue.

Authors of a week write a short script with these helpers and save the notebook under
``notebooks/wNN/``; the saved notebook is the source of truth and is committed without
outputs. ``tests/course/test_notebook_structure.py`` checks every notebook against the
exercise catalogue.

>>> cells = [markdown("# Week 1"), answer("w01-sigmoid-derivative", "sigmoid_derivative",
...          "sigma(z) * (1 - sigma(z))"), test("w01-sigmoid-derivative", "sigmoid_derivative")]
>>> nb = notebook(cells)
>>> nb.cells[2].metadata["nbgrader"]["grade_id"]
'w01-sigmoid-derivative-test'
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

SCHEMA_VERSION = 3
BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"


def _nbgrader(**fields) -> dict:
    return {"nbgrader": {"schema_version": SCHEMA_VERSION, **fields}}


def markdown(text: str) -> NotebookNode:
    """A plain markdown cell (explanation, worked example, exercise statement)."""
    return nbformat.v4.new_markdown_cell(textwrap.dedent(text).strip())


def code(source: str) -> NotebookNode:
    """A plain code cell (set-up, worked example, figure)."""
    return nbformat.v4.new_code_cell(textwrap.dedent(source).strip())


def readonly(source: str, grade_id: str) -> NotebookNode:
    """A locked code cell (set-up the learner must not change)."""
    cell = code(source)
    cell.metadata.update(_nbgrader(grade=False, solution=False, locked=True, grade_id=grade_id))
    return cell


def answer(exercise_id: str, variable: str, solution: str, *, comment: str = "") -> NotebookNode:
    """An answer cell: ``variable = None`` stays for the learner; the solution is removed."""
    hint = f"  # {comment}" if comment else "  # your answer"
    source = f"{variable} = None{hint}\n{BEGIN}\n{textwrap.dedent(solution).strip()}\n{END}"
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata.update(_nbgrader(grade=False, solution=True, locked=False, grade_id=exercise_id))
    return cell


def function_answer(exercise_id: str, header: str, body: str) -> NotebookNode:
    """An answer cell holding a function; ``header`` is the ``def`` line and its docstring.

    The docstring keeps the learner's version valid Python once the body is removed.
    """
    header = textwrap.dedent(header).strip()
    if '"""' not in header:
        raise ValueError("a function answer's header needs a docstring.")
    body = textwrap.indent(textwrap.dedent(body).strip(), "    ")
    source = f"{header}\n    {BEGIN}\n{body}\n    {END}"
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata.update(_nbgrader(grade=False, solution=True, locked=False, grade_id=exercise_id))
    return cell


def test(exercise_id: str, variable: str, *, points: float | None = None) -> NotebookNode:
    """The check cell of an exercise: locked, graded, points from the catalogue."""
    if points is None:
        from mlfund import exercises

        points = exercises.get(exercise_id).points
    cell = nbformat.v4.new_code_cell(f'check("{exercise_id}", {variable})')
    cell.metadata.update(_nbgrader(grade=True, solution=False, locked=True,
                                   grade_id=f"{exercise_id}-test", points=points))
    return cell


def written(grade_id: str, model_answer: str, rubric: str, *, points: float) -> NotebookNode:
    """A written answer graded by hand; the model answer and rubric exist only in the source."""
    text = (f"{textwrap.dedent(model_answer).strip()}\n\n**Rubric ({points:g} points)**\n\n"
            f"{textwrap.dedent(rubric).strip()}")
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata.update(_nbgrader(grade=True, solution=True, locked=False, grade_id=grade_id,
                                   points=points))
    return cell


def _defaults(exercise_id: str) -> dict:
    from mlfund import exercises

    spec = exercises.get(exercise_id)
    if not spec.varies:
        raise ValueError(f"{exercise_id} has no parameters: make it with variant(...) to give "
                         "it numbers that differ per student.")
    return spec.defaults


def _templated(cell: NotebookNode, exercise_id: str, template: str) -> NotebookNode:
    from mlfund.course._variants import template_fields

    template = textwrap.dedent(template).strip()
    defaults = _defaults(exercise_id)
    unknown = {name.split(".")[0].split("[")[0] for name in template_fields(template)} \
        - set(defaults)
    if unknown:
        raise ValueError(f"the template of {exercise_id} names {sorted(unknown)}, which are "
                         f"not its parameters ({sorted(defaults)}).")
    cell.source = template.format(**defaults)
    cell.metadata["mlfund"] = {"variant": exercise_id, "template": template}
    return cell


def variant_text(exercise_id: str, template: str) -> NotebookNode:
    """A markdown cell whose numbers are the exercise's parameters: ``{n_a}`` in ``template``.

    The source (and the workbook) shows the exercise's own numbers; in a course with
    variants each student's copy shows theirs (:mod:`mlfund.course._variants`).
    """
    return _templated(nbformat.v4.new_markdown_cell(""), exercise_id, template)


def variant_code(exercise_id: str, template: str) -> NotebookNode:
    """A code cell of data that differ per student (``n_a, x_a = {n_a}, {x_a}``).

    Not locked: autograding keeps each student's own cell, whose numbers the grader never
    trusts (it draws them again for the student it grades).
    """
    return _templated(nbformat.v4.new_code_cell(""), exercise_id, template)


def notebook(cells: list[NotebookNode], *, title: str = "") -> NotebookNode:
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                 "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    if title:
        nb.metadata["title"] = title
    return nb


def save(nb: NotebookNode, path: str | Path) -> Path:
    """Validate and write the notebook, without outputs."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nbformat.validate(nb)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path
