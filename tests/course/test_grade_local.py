"""``mlfund grade`` on a learner's own notebook counts what autograde counts."""

from __future__ import annotations

import copy
import shutil

import nbformat

from mlfund import exercises
from mlfund.course._local import grade_notebook
from mlfund.course._nbgrader import notebooks_dir

SOURCE = notebooks_dir() / "w01" / "w01-gradients.ipynb"
FULL = sum(s.points for s in exercises.week(1))


def _is_test(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution") and cell.cell_type == "code"


def test_are_duplicated_test_cells_counted_once(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    nb = nbformat.read(str(SOURCE), as_version=4)
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        if _is_test(cell):
            for _ in range(2):  # as a learner who pressed "duplicate cell" twice
                twin = copy.deepcopy(cell)
                twin["id"] = nbformat.v4.new_code_cell().id
                twin.metadata["nbgrader"]["points"] = 5
                cells.append(twin)
    nb.cells = cells
    folder = tmp_path / "w01"
    folder.mkdir()
    path = folder / SOURCE.name
    nbformat.write(nb, str(path))
    rows, _ = grade_notebook(path)
    assert len(rows) == len(exercises.week(1))
    assert sum(r.points for r in rows) == FULL
    assert sum(r.earned for r in rows) == FULL


def test_is_a_notebook_outside_the_workbook_graded_against_its_source(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "somewhere"
    folder.mkdir()
    shutil.copy(SOURCE, folder / SOURCE.name)
    rows, isolation = grade_notebook(folder / SOURCE.name)
    assert sum(r.earned for r in rows) == FULL
    assert isolation


def test_does_mlfund_grade_give_the_second_notebook_of_a_week_full_marks(tmp_path, monkeypatch,
                                                                        capsys):
    from mlfund.cli import main

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    second = notebooks_dir() / "w12" / "w12-mock-b.ipynb"
    points = sum(s.points for s in exercises.week(12) if s.id.startswith("w12-b-"))
    assert main(["grade", str(second)]) == 0
    printed = capsys.readouterr().out
    assert "total" in printed and f"{points:g}/{points:g} autograded" in printed
    assert "w12-b-" in printed and "w12-gd-rate" not in printed
