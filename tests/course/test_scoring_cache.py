"""A grading worker scores an answer it has seen before once: the verdict is the same."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from mlfund.check import MIME_TYPE
from mlfund.check._api import make_bundle
from mlfund.course import _trusted

ID = "w01-sigmoid-derivative"


def _notebook(answer: str) -> nbformat.NotebookNode:
    bundle = make_bundle(ID, answer)
    answer_cell = new_code_cell(f"sigmoid_derivative = {answer!r}",
                                metadata={"nbgrader": {"grade_id": ID, "solution": True,
                                                       "grade": False}})
    test_cell = new_code_cell(f"check({ID!r}, sigmoid_derivative)",
                              metadata={"nbgrader": {"grade_id": f"{ID}-test",
                                                     "grade": True, "points": 1}})
    test_cell.outputs = [new_output("display_data", data={MIME_TYPE: bundle})]
    return new_notebook(cells=[answer_cell, test_cell])


@pytest.fixture
def calls(monkeypatch):
    """The number of items of each scoring process started."""
    started: list[int] = []
    real = _trusted.score_in_child

    def counting(jobs, **kwargs):
        started.append(len(jobs))
        return real(jobs, **kwargs)

    monkeypatch.setattr(_trusted, "score_in_child", counting)
    monkeypatch.setattr(_trusted, "REUSE_VERDICTS", True)  # as in a grading worker
    _trusted._VERDICTS.clear()
    return started


def _verdicts(nb):
    return _trusted.score_test_cells(nb, [(nb.cells[1], ID)])


def test_is_an_answer_seen_before_given_the_same_verdict_without_scoring(calls):
    right = _verdicts(_notebook("sigma(z)*(1 - sigma(z))"))
    again = _verdicts(_notebook("sigma(z)*(1 - sigma(z))"))
    assert right == again and right[0].score == 1.0
    assert calls == [1]  # the second notebook needed no scoring process
    wrong = _verdicts(_notebook("sigma(z)*(1 + sigma(z))"))
    assert wrong[0].score < 1.0 and calls == [1, 1]


def test_does_another_import_in_the_answer_cell_change_the_key(monkeypatch):
    monkeypatch.setattr(_trusted, "REUSE_VERDICTS", True)
    first, second = _notebook("sigma(z)*(1 - sigma(z))"), _notebook("sigma(z)*(1 - sigma(z))")
    second.cells[0].source = "import sys\n" + second.cells[0].source
    assert (_trusted._item_key(first, first.cells[1], ID)
            != _trusted._item_key(second, second.cells[1], ID))


def test_can_the_cache_be_turned_off(calls, monkeypatch):
    monkeypatch.setenv("MLFUND_SCORE_CACHE", "0")
    for _ in range(2):
        _verdicts(_notebook("sigma(z)*(1 - sigma(z))"))
    assert calls == [1, 1]
