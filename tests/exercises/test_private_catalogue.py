"""A course's own exercises: loading them (a folder, an installed package's entry point),
the names they may take, and numbers that differ per student."""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import pytest

from mlfund import exercises
from mlfund.check import CORRECT, INCORRECT, make_bundle, score_bundle
from mlfund.exercises import Exercise, Mistake, Parameter, PrivateCatalogueError, variant

SPEC = '''
from mlfund.exercises import Exercise, Mistake, Parameter, Precision, variant


def _rate(n=1000, k=50):
    return Exercise(id="{name}-rate", kind="number", prompt=f"{{k}} of {{n}}",
                    reference=lambda: k / n, precision=Precision(decimals=4),
                    mistakes=(Mistake("inverted", "upside down", value=lambda: n / k),))


EXERCISES = (
    variant(_rate, n=Parameter(500, 1500, step=10), k=Parameter(20, 80),
            where=lambda n, k: k < n / 10),
    Exercise(id="{name}-square", kind="expression", prompt="d/dx x^2",
             reference=lambda x: 2 * x, symbols={{"x": "real"}}),
)
'''


@pytest.fixture
def fresh():
    """The catalogue as it was, whatever a test registers."""
    folders, path = list(exercises._FOLDERS), list(sys.path)
    exercises._FOLDERS.clear()   # whatever an earlier test left registered
    exercises._clear()
    yield
    exercises._FOLDERS[:] = folders
    sys.path[:] = path
    exercises._clear()


def _folder(tmp_path: Path, **modules: str) -> Path:
    folder = tmp_path / "exercises"
    folder.mkdir(exist_ok=True)
    for name, text in modules.items():
        (folder / f"{name}.py").write_text(textwrap.dedent(text))
    return folder


def _package(tmp_path: Path, name: str = "acme_course", assignment: str = "risk2") -> Path:
    """An installed package that adds ``assignment`` by the entry-point group."""
    site = tmp_path / "site"
    (site / name).mkdir(parents=True)
    (site / name / "__init__.py").write_text("")
    (site / name / f"{assignment}.py").write_text(SPEC.format(name=assignment))
    info = site / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        f"[mlfund.exercises]\n{assignment} = {name}.{assignment}\n")
    return site


def test_does_a_folder_add_its_assignments(tmp_path, fresh):
    folder = _folder(tmp_path, risk1=SPEC.format(name="risk1"))
    assert exercises.use_folder(folder) == ["risk1"]
    assert [s.id for s in exercises.assignment("risk1")] == ["risk1-rate", "risk1-square"]
    assert exercises.is_private("risk1-rate") and not exercises.is_private("w01-sigmoid-derivative")
    assert exercises.get("risk1-square").week == 0
    assert exercises.get("risk1-square").assignment == "risk1"
    assert exercises.private_modules() == []          # the course folder: nothing to hide


def test_does_an_installed_package_add_its_assignment_by_entry_point(tmp_path, fresh):
    sys.path.insert(0, str(_package(tmp_path)))
    exercises._clear()
    assert "risk2" in exercises.private_assignments()
    assert exercises.get("risk2-square").kind == "expression"
    assert exercises.private_modules() == ["acme_course"]


@pytest.mark.parametrize(("name", "text", "message"), [
    ("risk1", SPEC.format(name="other"), "must start with the assignment's name"),
    ("w05", SPEC.format(name="w05"), "not a public week's"),
    ("risk1", "EXERCISES = ()\n", "must define EXERCISES"),
    ("risk1", "EXERCISES = ('w01-x',)\n", "only Exercise(...) items"),
    ("risk1", "import nothing_such_module\n", "cannot be loaded (ModuleNotFoundError"),
])
def test_is_a_wrong_private_module_named_with_what_is_wrong(tmp_path, fresh, name, text,
                                                            message):
    folder = _folder(tmp_path, **{name: text})
    with pytest.raises(PrivateCatalogueError, match=re.escape(message)) as info:
        exercises.use_folder(folder)
    assert f"{name}.py" in str(info.value)
    assert exercises.private_assignments() == []      # nothing half-registered


def test_is_an_assignment_defined_twice_refused(tmp_path, fresh):
    sys.path.insert(0, str(_package(tmp_path, name="acme_other", assignment="risk3")))
    folder = _folder(tmp_path, risk3=SPEC.format(name="risk3"))
    with pytest.raises(PrivateCatalogueError, match="already defined by entry point risk3"):
        exercises.use_folder(folder)


KEY = b"k" * 32


def _rate_spec(tmp_path):
    exercises.use_folder(_folder(tmp_path, risk1=SPEC.format(name="risk1")))
    return exercises.get("risk1-rate")


def test_are_a_students_numbers_the_same_each_time_and_differ_between_students(tmp_path,
                                                                              fresh):
    spec = _rate_spec(tmp_path)
    assert spec.draw(KEY, "ada") == spec.draw(KEY, "ada")
    drawn = [spec.draw(KEY, f"student{i}") for i in range(200)]
    assert len({tuple(sorted(v.items())) for v in drawn}) > 190
    for values in drawn:
        assert 500 <= values["n"] <= 1500 and values["n"] % 10 == 0
        assert 20 <= values["k"] <= 80 and values["k"] < values["n"] / 10   # where= holds
    assert spec.draw(b"other key" * 4, "ada") != spec.draw(KEY, "ada")


def test_is_an_answer_scored_against_the_students_own_numbers(tmp_path, fresh):
    spec = _rate_spec(tmp_path)
    ada, bo = spec.draw(KEY, "ada"), spec.draw(KEY, "bo")
    assert ada != bo
    answer = round(ada["k"] / ada["n"], 4)
    bundle = make_bundle(spec.id, answer)
    assert score_bundle(bundle, exercise_id=spec.id, values=ada).verdict == CORRECT
    assert score_bundle(bundle, exercise_id=spec.id, values=bo).verdict == INCORRECT
    # the workbook's own numbers without values: 50/1000
    assert score_bundle(make_bundle(spec.id, 0.05), exercise_id=spec.id).verdict == CORRECT
    inverted = make_bundle(spec.id, ada["n"] / ada["k"])
    assert score_bundle(inverted, exercise_id=spec.id, values=ada).mistake == "inverted"


def test_does_the_prompt_follow_the_numbers(tmp_path, fresh):
    spec = _rate_spec(tmp_path)
    assert spec.prompt == "50 of 1000"
    assert spec.with_values({"n": 700, "k": 30}).prompt == "30 of 700"
    assert spec.defaults == {"n": 1000, "k": 50}
    with pytest.raises(ValueError, match="values for"):
        spec.with_values({"n": 700})


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"low": 5, "high": 5}, "low < high"),
    ({"low": 0, "high": 1, "step": 0}, "step > 0"),
    ({"low": "a", "high": 1}, "needs numbers"),
    ({"values": (1,)}, "at least two different values"),
    ({"low": 0, "high": 10**9}, "2 to 10\\*\\*7 values"),
])
def test_is_a_wrong_parameter_refused_with_what_is_allowed(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Parameter(**kwargs)


def test_is_a_grid_of_decimals_drawn_as_written():
    grid = Parameter(0.02, 0.08, step=0.005)
    assert grid.size == 13
    assert [grid.pick(i) for i in (0, 1, 12)] == [0.02, 0.025, 0.08]
    assert Parameter(values=(49, 99)).pick(1) == 99


def test_must_a_variants_factory_give_every_parameter_a_default():
    def make(n):
        return Exercise("risk1-x", "number", "x", lambda: n)

    with pytest.raises(ValueError, match="needs a keyword argument 'n'"):
        variant(make, n=Parameter(1, 5))


def test_must_a_variants_factory_keep_the_item():
    def make(n=1):
        return Exercise(f"risk1-x{n}", "number", "x", lambda: n)

    spec = variant(make, n=Parameter(1, 5))
    with pytest.raises(ValueError, match="same item"):
        spec.with_values({"n": 2})


def test_is_an_id_checked():
    with pytest.raises(ValueError, match="must look like 'w01-sigmoid-derivative'"):
        Exercise("Risk-x", "number", "x", lambda: 1)
    assert Exercise("credit_2-x", "number", "x", lambda: 1).assignment == "credit_2"
    assert Mistake("a-b", "c", value=lambda: 1).note == "a-b"
