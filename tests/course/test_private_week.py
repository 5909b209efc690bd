"""A course's own week: private exercises, per-student numbers, graded mode, end to end.

The instructor follows docs/writing-an-exercise.md ("A private week"): ``init``,
``new-week risk1``, ``release risk1 --students …``, each student answers their own copy,
``collect``, ``autograde``, ``export``, ``report``. Each student scores full marks on their
own numbers; a copied submission scores 0 on the items whose numbers differ and the report
names it; the private exercises are out of reach of a graded kernel.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from mlfund import exercises
from mlfund.course._variants import variant_key

NAME = "risk1"
MARKER = "PRIVATE-REFERENCE-MARKER-7f3a"


def mlfund(*args, env=None, check=True):
    return subprocess.run([sys.executable, "-m", "mlfund", *map(str, args)],
                          capture_output=True, text=True, check=check,
                          env={**os.environ, **(env or {})})


def _answered(path: Path, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A student's personal copy with the answer cells written as they would."""
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def _numbers(path: Path) -> dict[str, int]:
    nb = nbformat.read(str(path), as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code"
                and c.get("metadata", {}).get("mlfund", {}).get("variant"))
    scope: dict = {}
    exec(cell.source, scope)   # the student's data cell: visitors, buyers = …
    return {"visitors": scope["visitors"], "buyers": scope["buyers"]}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("private-week")
    course = root / "course"
    env = {"MLFUND_EXCHANGE": str(root / "exchange")}
    mlfund("course", "--course-dir", course, "init", env=env)
    out = mlfund("course", "--course-dir", course, "new-week", NAME, "--title", "Risk",
                 env=env).stdout
    assert f"exercises/{NAME}.py" in out and f"source/{NAME}/{NAME}.ipynb" in out
    spec_file = course / "exercises" / f"{NAME}.py"
    spec_file.write_text(spec_file.read_text() + f"\n# {MARKER}\n")
    homes = root / "homes"
    out = mlfund("course", "--course-dir", course, "release", NAME, "--no-exchange",
                 "--students", "ada,bo,cy,eve", "--personal-to",
                 str(homes / "{student}" / NAME), env=env).stdout
    assert "wrote 4 personal copies" in out and "Copied 4 of them" in out, out
    personal = course / "personal" / NAME
    incoming = root / "incoming"
    right = {f"{NAME}-conversion-rate": "conversion_rate = buyers / visitors",
             f"{NAME}-logit-derivative": "logit_derivative = '1/(p*(1 - p))'"}
    # ada computes from her data cell; bo types his number to 4 decimals
    bo = _numbers(personal / "bo" / f"{NAME}.ipynb")
    typed = {**right, f"{NAME}-conversion-rate":
             f"conversion_rate = {round(bo['buyers'] / bo['visitors'], 4)}"}
    # cy hands in ada's notebook, numbers and all
    ada_nb = _answered(personal / "ada" / f"{NAME}.ipynb", right)
    private_folder = course / "exercises"
    attack = (
        "import glob, importlib\n"
        "found = []\n"
        f"for path in glob.glob({str(private_folder)!r} + '/*') + "
        f"glob.glob({str(root)!r} + '/**/risk1.py', recursive=True)[:50]:\n"
        "    try:\n"
        "        found.append(open(path).read())\n"
        "    except Exception as exc:\n"
        "        found.append(type(exc).__name__)\n"
        "for name in ('mlfund.exercises', '_mlfund_private.risk1', '_mlfund_private'):\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "        found.append('imported ' + name)\n"
        "    except Exception as exc:\n"
        "        found.append(type(exc).__name__)\n"
        "print(found)\n"
        "conversion_rate = 0.5")
    submissions = {
        "ada": ada_nb,
        "bo": _answered(personal / "bo" / f"{NAME}.ipynb", typed),
        "cy": ada_nb,
        "eve": _answered(personal / "eve" / f"{NAME}.ipynb",
                         {**right, f"{NAME}-conversion-rate": attack}),
    }
    for student, nb in submissions.items():
        (incoming / student).mkdir(parents=True)
        nbformat.write(nb, str(incoming / student / f"{NAME}.ipynb"))
    mlfund("course", "--course-dir", course, "collect", NAME, "--from", incoming, env=env)
    out = mlfund("course", "--course-dir", course, "autograde", NAME, "--quiet",
                 env=env).stdout
    assert f"{NAME}: 4 graded" in out, out
    mlfund("course", "--course-dir", course, "export", env=env)
    mlfund("course", "--course-dir", course, "report", NAME, env=env)
    return course, personal


def _grades(course: Path) -> dict[str, dict[str, str]]:
    with open(course / "grades.csv", newline="") as fh:
        return {row["student_id"]: row for row in csv.DictReader(fh)
                if row["assignment"] == NAME}


def _item_scores(course: Path, student: str) -> dict[str, float]:
    path = course / "autograded" / student / NAME / f"{NAME}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    scores = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            record = output.get("data", {}).get("application/vnd.mlfund.result+json")
            if record:
                scores[record["exercise"]] = record["earned"]
    return scores


def test_do_two_students_get_different_numbers(course):
    _, personal = course
    assert _numbers(personal / "ada" / f"{NAME}.ipynb") != \
        _numbers(personal / "bo" / f"{NAME}.ipynb")


def test_is_each_copy_delivered_to_its_students_folder(course):
    root, personal = course
    for student in ("ada", "bo", "cy", "eve"):
        delivered = root.parent / "homes" / student / NAME / f"{NAME}.ipynb"
        assert delivered.read_bytes() == (personal / student / f"{NAME}.ipynb").read_bytes()
        assert delivered.stat().st_mode & 0o077 == 0


def test_does_the_copy_for_everyone_show_placeholders_not_numbers(course):
    root, _ = course
    nb = nbformat.read(str(root / "release" / NAME / f"{NAME}.ipynb"), as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    assert "⟨buyers⟩ of ⟨visitors⟩" in text
    assert "visitors, buyers = None, None" in text


def test_does_each_student_score_full_marks_on_their_own_numbers(course):
    root, _ = course
    full = sum(s.points for s in _private_specs(root))
    grades = _grades(root)
    for student in ("ada", "bo"):
        assert float(grades[student]["autograded"]) == pytest.approx(full), grades[student]


def test_does_a_copied_submission_score_zero_on_variant_items_only(course):
    root, _ = course
    scores = _item_scores(root, "cy")
    assert scores[f"{NAME}-conversion-rate"] == 0
    assert scores[f"{NAME}-logit-derivative"] == 2      # the same for everyone: right


def test_does_the_report_name_the_identical_variant_answers(course):
    root, _ = course
    page = (root / "reports" / f"{NAME}.html").read_text()
    assert "Identical answers to items whose numbers differ per student" in page
    section = page.split("Identical answers")[1]
    assert "ada, cy" in section
    assert "bo" not in section.split("</table>")[0].replace("bought", "")


def test_is_the_private_reference_out_of_reach_of_a_graded_kernel(course):
    root, _ = course
    nb = nbformat.read(str(root / "autograded" / "eve" / NAME / f"{NAME}.ipynb"),
                       as_version=4)
    printed = json.dumps([c.get("outputs", []) for c in nb.cells])
    streams = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", [])
                      if o.get("output_type") == "stream")
    assert streams.startswith("[") and "Error" in streams, streams   # the attack ran
    assert MARKER not in printed and "visitors per buyer" not in printed
    assert "imported " not in printed
    assert _item_scores(root, "eve")[f"{NAME}-conversion-rate"] == 0


def test_does_the_release_carry_no_reference(course):
    root, personal = course
    for path in [root / "release" / NAME / f"{NAME}.ipynb",
                 personal / "ada" / f"{NAME}.ipynb"]:
        text = path.read_text()
        assert MARKER not in text
        assert "buyers / visitors" not in text        # the solution was cleared
        assert "visitors per buyer" not in text       # nor the mistakes' feedback


def test_is_the_variant_key_the_instructors_alone(course):
    root, _ = course
    assert variant_key(root) is not None
    assert (root / ".mlfund" / "variant-key").stat().st_mode & 0o077 == 0


def test_does_check_in_the_students_copy_reveal_no_verdict(course):
    _, personal = course
    nb = _answered(personal / "bo" / f"{NAME}.ipynb",
                   {f"{NAME}-logit-derivative": "logit_derivative = '1/(p*(1 - p))'"})
    skip = {f"{NAME}-conversion-rate", f"{NAME}-conversion-rate-test"}
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code"
                     and c.metadata.get("nbgrader", {}).get("grade_id") not in skip)
    code += "\nprint(repr(check('risk1-logit-derivative', logit_derivative)))"
    code += "\nprint(repr(check('risk1-logit-derivative', '1/p + 1/q')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={k: v for k, v in os.environ.items()
                              if k != "MLFUND_COURSE_DIR"}, check=True).stdout
    first, second = out.strip().splitlines()[-2:]
    assert first.startswith("Recorded. Read as 1/(p*(1 - p))")
    assert "The course grades this answer" in first
    assert "Correct" not in out and "Not yet" not in out
    assert "unknown name 'q'" in second and "Recorded" in second


def _private_specs(root: Path):
    exercises.use_folder(root / "exercises")
    try:
        return exercises.assignment(NAME)
    finally:   # the course's exercises leave this process as they came
        exercises.stop_using_folder(root / "exercises")


def test_is_a_broken_private_exercise_file_named_with_its_problem(tmp_path):
    course = tmp_path / "course"
    (course / "exercises").mkdir(parents=True)
    (course / "exercises" / "broken.py").write_text("EXERCISES = (1,)\n")
    result = mlfund("course", "--course-dir", course, "init", check=False)
    assert result.returncode == 2
    assert "broken.py" in result.stderr and "only Exercise(...) items" in result.stderr


def test_are_private_weeks_names_checked(tmp_path):
    course = tmp_path / "course"
    mlfund("course", "--course-dir", course, "init")
    for bad in ("w05", "Risk", "1risk", "a-b"):
        result = mlfund("course", "--course-dir", course, "new-week", bad, check=False)
        assert result.returncode == 2, bad
        assert "must be lower-case letters" in result.stderr or "already exists" in \
            result.stderr, result.stderr


def test_is_a_graded_mode_course_setting_read(tmp_path, monkeypatch):
    from mlfund.course._schedule import ScheduleError, load_schedule

    monkeypatch.setenv("MLFUND_COURSE_DIR", str(tmp_path))
    (tmp_path / "schedule.toml").write_text('[course]\nmode = "graded"\n')
    schedule = load_schedule()
    assert schedule.graded and not schedule.variants
    assert schedule.get("w01").points is not None        # the workbook's weeks are kept
    (tmp_path / "schedule.toml").write_text('[course]\nmode = "secret"\n')
    with pytest.raises(ScheduleError, match="mode .* must be 'open'"):
        load_schedule()


def test_are_public_weeks_marked_graded_in_a_graded_course(tmp_path):
    course = tmp_path / "course"
    mlfund("course", "--course-dir", course, "init")
    (course / "schedule.toml").write_text('[course]\nmode = "graded"\n')
    mlfund("course", "--course-dir", course, "release", "w01", "--no-exchange")
    nb = nbformat.read(str(next((course / "release" / "w01").glob("*.ipynb"))), as_version=4)
    setup = next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {})
                 .get("grade_id") == "w01-setup")
    first = setup.source.splitlines()[1]
    assert first.startswith("from mlfund.check import graded_course; graded_course(")
    facts = ast.literal_eval(first.split("graded_course(", 1)[1].rsplit(")", 1)[0])
    assert "w01-sigmoid-derivative" in facts
    assert all(set(entry) == {"id", "kind", "probes", "symbols", "functions"}
               and entry["probes"] is None for entry in facts.values())


def test_does_a_students_copy_of_a_workbook_week_check_against_their_numbers(tmp_path):
    """A course with variants but no graded mode: verdicts in the copy, for its numbers."""
    week = next(f"w{n:02d}" for n in exercises.weeks()
                if any(s.varies and s.kind in ("number", "interval")
                       for s in exercises.week(n)))
    spec = next(s for s in exercises.week(int(week[1:]))
                if s.varies and s.kind in ("number", "interval"))
    course = tmp_path / "course"
    mlfund("course", "--course-dir", course, "init")
    (course / "schedule.toml").write_text("[course]\nvariants = true\n")
    mlfund("course", "--course-dir", course, "release", week, "--no-exchange",
           "--students", "ada")
    copy = next((course / "personal" / week / "ada").glob("*.ipynb"))
    nb = nbformat.read(str(copy), as_version=4)
    key = variant_key(course)
    values = spec.draw(key, "ada")
    assert nb.metadata["mlfund"]["numbers"][spec.id] == values
    setup = next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {})
                 .get("grade_id", "").endswith("-setup"))
    assert "student_numbers(" in setup.source and "graded_course" not in setup.source
    own = spec.with_values(values).reference()
    workbook = spec.reference()
    code = (setup.source + f"\nprint(check({spec.id!r}, {own!r}).result.verdict)"
            f"\nprint(check({spec.id!r}, {workbook!r}).result.verdict)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=copy.parent, check=True).stdout.split()
    assert out[-2:] == ["correct", "incorrect"]


def test_does_a_dask_cluster_grade_a_private_week_with_each_students_numbers(course):
    """Workers run the kernels; the client, which holds the course's exercises, scores."""
    pytest.importorskip("distributed", reason="dask.distributed is not installed "
                                              "(pip install 'mlfund[dask]')")
    root, _ = course
    before = {s: _item_scores(root, s) for s in ("ada", "bo", "cy", "eve")}
    out = mlfund("course", "--course-dir", root, "autograde", NAME, "--quiet", "--force",
                 "--dask", "local:1").stdout
    assert f"{NAME}: 4 graded" in out, out
    after = {s: _item_scores(root, s) for s in ("ada", "bo", "cy", "eve")}
    assert after == before
    assert after["cy"][f"{NAME}-conversion-rate"] == 0
    assert after["ada"][f"{NAME}-conversion-rate"] == 1
