"""The trusted step of autograding: score captured answers in the grader's own process.

Plain nbgrader scores a test cell from what the student's kernel printed, and counts any
output it cannot read as full credit. Here, after ``Execute``, this preprocessor throws away
everything a graded test cell printed and writes the cell's output itself: the feedback,
then one number (the points earned) that nbgrader's ``SaveAutoGrades`` reads as partial
credit. The number comes from :func:`mlfund.check.score_bundle` on the answer bundle the
cell captured; no student code runs here. Reading and scoring the captured data happens
in a child process under a hard time and memory budget (:func:`mlfund.grading.score_in_child`):
an answer too slow to evaluate is that item's ``invalid`` verdict, never a stuck grader.
"""

from __future__ import annotations

from typing import Any

from nbformat.notebooknode import NotebookNode, from_dict
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Float, Integer, Unicode

from mlfund.check import INCORRECT, INVALID, MIME_TYPE, CheckResult, score_bundle
from mlfund.grading import MEMORY_BYTES, SECONDS_PER_ITEM, ScoringJob, score_in_child

#: MIME type of the trusted result written into the autograded notebook (for reports).
RESULT_MIME_TYPE = "application/vnd.mlfund.result+json"


def exercise_id_of(grade_id: str, suffix: str = "-test") -> str:
    """The exercise a test cell checks: its ``grade_id`` without the ``-test`` suffix."""
    return grade_id[: -len(suffix)] if suffix and grade_id.endswith(suffix) else grade_id


def _bundles(cell: NotebookNode) -> list[Any]:
    found = []
    for output in cell.get("outputs", []):
        if output.get("output_type") in ("display_data", "execute_result"):
            data = output.get("data", {})
            if MIME_TYPE in data:
                found.append(data[MIME_TYPE])
    return found


def _errors(cell: NotebookNode) -> list[str]:
    return [f"{o.get('ename', 'Error')}: {str(o.get('evalue', ''))[:200]}"
            for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def score_test_cell(cell: NotebookNode, exercise_id: str, *,
                    seconds_per_item: float = SECONDS_PER_ITEM,
                    memory_bytes: int = MEMORY_BYTES) -> CheckResult:
    """The verdict for one executed test cell, from its captured bundle alone.

    The bundle is read and scored in a child process within ``seconds_per_item`` and
    ``memory_bytes`` (see :func:`mlfund.grading.score_in_child`); raises
    :class:`mlfund.grading.GraderFault` when that process fails for another reason.
    """
    load_scoring_modules()
    job = ScoringJob(exercise_id, lambda: _score_cell(cell, exercise_id))
    return score_in_child([job], seconds_per_item=seconds_per_item,
                          memory_bytes=memory_bytes)[0]


def score_test_cells(nb: NotebookNode, tests: list[tuple[NotebookNode, str]], *,
                     seconds_per_item: float = SECONDS_PER_ITEM,
                     memory_bytes: int = MEMORY_BYTES,
                     values_of: Any = None) -> list[CheckResult]:
    """The verdicts for test cells of ``nb``, given as (cell, exercise id) pairs, in order.

    The import policy of the answer cells (:func:`import_violations`) comes first, then the
    captured bundle. All of it runs in one child process while no item runs out of time;
    an item past ``seconds_per_item`` is ``invalid`` ("too slow to evaluate") and the items
    after it are still scored. Raises :class:`mlfund.grading.GraderFault` when the scoring
    process fails for another reason. (tests/grading/test_budget.py)

    ``values_of`` (exercise id -> the student's numbers or ``None``) gives the numbers of
    items that vary per student (:mod:`mlfund.course._variants`).
    """
    found: dict[str, dict[str, CheckResult]] = {}
    values = {exercise_id: (values_of(exercise_id) if values_of is not None else None)
              for _, exercise_id in tests}

    def violations() -> dict[str, CheckResult]:
        # once per scoring process: a fresh one, after a slow item, scans again
        if "all" not in found:
            found["all"] = import_violations(nb)
        return found["all"]

    def job(cell: NotebookNode, exercise_id: str) -> ScoringJob:
        return ScoringJob(exercise_id, lambda: violations().get(exercise_id)
                          or _score_cell(cell, exercise_id, values[exercise_id]))

    load_scoring_modules()
    keys = [_item_key(nb, cell, exercise_id, values[exercise_id])
            for cell, exercise_id in tests]
    missing = [i for i, key in enumerate(keys) if key is None or key not in _VERDICTS]
    fresh = dict(zip(missing, score_in_child(
        [job(*tests[i]) for i in missing], seconds_per_item=seconds_per_item,
        memory_bytes=memory_bytes) if missing else [], strict=True))
    for i, result in fresh.items():
        if keys[i] is not None and result.verdict != INVALID:  # never keep "too slow"
            if len(_VERDICTS) >= _VERDICTS_MAX:
                _VERDICTS.clear()
            _VERDICTS[keys[i]] = result
    return [fresh[i] if i in fresh else _VERDICTS[key] for i, key in enumerate(keys)]


#: Verdicts this grading process gave, by exercise and exactly what its item was given: a
#: cohort gives the same answer many times (the right one, the blank one, the usual slip),
#: and scoring is deterministic (sympy, then numeric points from a fixed seed), so an item
#: seen before is not scored again. Invalid verdicts ("too slow") are never kept. On in the
#: workers of a batch (:mod:`mlfund.course._speed`); ``MLFUND_SCORE_CACHE=0`` turns it off.
REUSE_VERDICTS = False
_VERDICTS: dict[str, CheckResult] = {}
_VERDICTS_MAX = 50_000


def _item_key(nb: NotebookNode, cell: NotebookNode, exercise_id: str,
              values: Any = None) -> str | None:
    """Everything a test cell's verdict depends on, hashed; ``None`` when not to keep it.

    That is the exercise, the cell's bundles and errors (:func:`_score_cell`) and the
    source of the exercise's answer cells (the import policy, :func:`import_violations`).
    """
    import hashlib
    import json
    import os

    from mlfund import exercises

    if not REUSE_VERDICTS or os.environ.get("MLFUND_SCORE_CACHE", "1") == "0":
        return None
    answers = []
    for other in nb.cells:
        meta = other.get("metadata", {}).get("nbgrader", {})
        if other.cell_type == "code" and meta.get("solution"):
            spec = exercises.find(meta.get("grade_id"))
            if spec is not None and spec.id == exercise_id:
                answers.append(hashlib.sha256(other.source.encode()).hexdigest())
    try:
        text = json.dumps([exercise_id, answers, _bundles(cell), _errors(cell), values],
                          sort_keys=True)
    except (TypeError, ValueError):
        return None
    return hashlib.sha256(text.encode()).hexdigest()


def load_scoring_modules() -> None:
    """Load the exercise catalogue and the checking engine into the grader, once.

    Each scoring process is forked from the grader and thrown away after one notebook: what
    the grader already holds, every child inherits for free, whereas what a child loads
    (sympy, every week's exercises: about half a second) is lost with it. Only the course's
    own code runs here; no learner data is read.
    """
    import mlfund.check._equiv  # noqa: F401
    import mlfund.check._parse  # noqa: F401
    import mlfund.check._tree  # noqa: F401
    from mlfund import exercises

    exercises.find("")  # builds the catalogue's index


def _score_cell(cell: NotebookNode, exercise_id: str, values: Any = None) -> CheckResult:
    bundles = _bundles(cell)
    if len(bundles) == 1:
        return score_bundle(bundles[0], exercise_id=exercise_id, values=values)
    if len(bundles) > 1:
        return CheckResult(INVALID, 0.0, "More than one answer was recorded in this test cell; "
                           "only one is allowed.", exercise=exercise_id)
    errors = _errors(cell)
    reason = f" The cell stopped with {errors[0]}." if errors else ""
    return CheckResult(INVALID, 0.0, "No answer was recorded for this exercise: run the answer "
                       f"cell above, then the check cell.{reason}", exercise=exercise_id)


def trusted_outputs(result: CheckResult, points: float, *,
                    key: bytes | None = None) -> list[NotebookNode]:
    """The outputs the grader writes: feedback for people, then the points for nbgrader.

    With the course's result ``key`` (:func:`mlfund.course._signature.result_key`) the
    result carries an HMAC-SHA256 ``signature``, which is what lets the item analysis tell
    it from a result the learner's kernel forged (tests/course/test_html_safety.py). Without
    a key (``mlfund grade`` on a learner's own notebook) it carries none.
    """
    from mlfund.course._signature import SIGNATURE_FIELD, sign_result

    earned = min(points, round(result.score * points, 6))
    shown = CheckResult(result.verdict, result.score, result.feedback, result.mistake,
                        result.interpreted, result.exercise, points)
    record = {**shown.to_dict(), "earned": earned}
    if key is not None:
        record[SIGNATURE_FIELD] = sign_result(record, key)
    feedback = from_dict({
        "output_type": "display_data",
        "metadata": {},
        "data": {
            "text/plain": shown.summary(),
            "text/html": shown._repr_html_(),
            RESULT_MIME_TYPE: record,
        },
    })
    number = from_dict({
        "output_type": "execute_result",
        "execution_count": None,
        "metadata": {},
        "data": {"text/plain": repr(float(earned))},
    })
    return [feedback, number]


def import_violations(nb: NotebookNode) -> dict[str, CheckResult]:
    """Exercises whose answer cell imports what the exercise forbids: 0, with the reason."""
    from mlfund import exercises
    from mlfund.course._sandbox import static_violations

    found = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("solution"):
            continue
        spec = exercises.find(meta.get("grade_id"))
        if spec is None:
            continue
        used = static_violations(cell.source, spec.forbidden_imports)
        if used:
            found[spec.id] = CheckResult(
                INCORRECT, 0.0,
                f"This exercise is to be done without {', '.join(spec.forbidden_imports)}; "
                f"your answer uses {', '.join(used)}.",
                mistake="forbidden-import", exercise=spec.id, points=float(spec.points))
    return found


class TrustedScoring(NbGraderPreprocessor):
    """Replace each graded test cell's outputs with the score of its captured answer."""

    test_suffix = Unicode(
        "-test",
        help="A test cell's grade_id is the exercise id followed by this suffix.",
    ).tag(config=True)
    seconds_per_item = Float(
        SECONDS_PER_ITEM,
        help="Wall-clock seconds the grader may spend reading and scoring one answer; an "
             "answer that takes longer is invalid (too slow to evaluate), worth 0.",
    ).tag(config=True)
    memory_bytes = Integer(
        MEMORY_BYTES,
        help="Bytes of address space the scoring process may allocate beyond the grader's "
             "own (RLIMIT_AS); running out is a grader fault, not the learner's 0.",
    ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        results = []
        tests = [(cell, exercise_id_of(cell.metadata["nbgrader"]["grade_id"], self.test_suffix))
                 for cell in nb.cells if cell.cell_type == "code" and utils.is_grade(cell)
                 and not utils.is_solution(cell)]
        verdicts = score_test_cells(nb, tests, seconds_per_item=self.seconds_per_item,
                                    memory_bytes=self.memory_bytes,
                                    values_of=self.values_of(resources))
        key = self.result_key()
        for (cell, _), result in zip(tests, verdicts, strict=True):
            grade_id = cell.metadata["nbgrader"]["grade_id"]
            points = float(cell.metadata["nbgrader"].get("points", 0) or 0)
            cell.outputs = trusted_outputs(result, points, key=key)
            results.append((grade_id, result))
        resources.setdefault("mlfund", {})["results"] = results
        self.log.debug("Scored %d test cells from captured answers", len(results))
        return nb, resources

    def values_of(self, resources: dict) -> Any:
        """Exercise id -> the numbers of the student whose submission this is, or ``None``.

        The student is the one nbgrader grades (the submission's folder), never what the
        notebook says; without a course folder or variants, the workbook's numbers.
        """
        from mlfund.course._variants import values_for

        student = (resources.get("nbgrader") or {}).get("student")
        root = self.config.get("CourseDirectory", {}).get("root")
        if not isinstance(root, str) or not root or not isinstance(student, str):
            return None
        return values_for(root, student)

    result_key_file = Unicode(
        "",
        help="The file of the key that signs each result for the item analysis; default "
             "COURSE/.mlfund/result-key (CourseDirectory.root), made with mode 0600 on first "
             "use. Keep it where the learner's kernel cannot read it.",
    ).tag(config=True)

    def result_key(self) -> bytes | None:
        """The course's result key, made on first use; ``None`` without a course folder.

        See :mod:`mlfund.course._signature`. Without a configured course folder the results
        are written unsigned, and the item analysis does not count them.
        """
        from pathlib import Path

        from mlfund.course._signature import key_path, read_key

        if self.result_key_file:
            return read_key(Path(self.result_key_file), create=True)
        root = self.config.get("CourseDirectory", {}).get("root")
        if not isinstance(root, str) or not root:
            self.log.warning("No course folder is configured (CourseDirectory.root): the "
                             "results are not signed and the item analysis will not count them.")
            return None
        return read_key(key_path(root), create=True)
