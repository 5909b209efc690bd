"""The canary: the week's own solution notebook, graded here before anyone else's.

What it defends: a grade that is wrong because of where the grader is installed (a module
the confined kernel cannot reach, a library that misbehaves in the sandbox, a change to the
scoring). Before a batch, each grading worker runs the week's source notebooks — the
solutions — under exactly the confinement the students' notebooks get; anything short of
full marks on every autograded item stops the batch before a student is graded, naming the
items and why. ``mlfund grade`` does the same once per installation and week (cached by
version). (tests/course/test_canary.py)
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import nbformat

from mlfund.grading import GraderFault


def canary_failure(assignment: str, *, config=None, timeout: int = 60) -> str | None:
    """``None`` when the solution notebooks of ``assignment`` reach full marks here.

    Otherwise a message naming each item that fell short and why.
    """
    from mlfund.course._fastexec import ForkExecute
    from mlfund.course._nbgrader import week_source

    folder = week_source(assignment)
    sources = sorted(folder.glob("*.ipynb"))
    if not sources:
        return None
    problems = []
    for path in sources:
        nb = nbformat.read(str(path), as_version=4)
        executor = ForkExecute(config=config) if config is not None else ForkExecute(
            timeout=timeout)
        try:
            executor.preprocess(nb, {"metadata": {"path": str(folder)}})
        except GraderFault as exc:
            problems.append(f"{path.name}: {exc}")
            continue
        problems += shortfalls(nb)
    return failure_message(assignment, problems)


def shortfalls(nb: nbformat.NotebookNode) -> list[str]:
    """Each item of an executed solution notebook that scores short of full marks, and why."""
    from mlfund.course._local import score_notebook

    try:
        rows = score_notebook(nb)
    except GraderFault as exc:
        return [f"scoring failed: {exc}"]
    return [f"{row.grade_id} scored {row.earned:g}/{row.points:g} "
            f"({row.verdict}: {row.feedback[:240]})" for row in rows if row.earned < row.points]


def failure_message(assignment: str, problems: list[str]) -> str | None:
    if not problems:
        return None
    return (f"the solution of {assignment} does not reach full marks under this grader's "
            "confinement, so no submission was graded: " + "; ".join(problems))


def _cache_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mlfund" / "canary.json"


def _key(assignment: str, mode: str) -> str:
    import mlfund
    from mlfund.course._nbgrader import week_source

    digest = hashlib.sha256()
    for path in sorted(week_source(assignment).glob("*.ipynb")):
        digest.update(path.read_bytes())
    return f"{mlfund.__version__}:{mode}:{assignment}:{digest.hexdigest()[:16]}"


def cached_canary(assignment: str, *, timeout: int = 60) -> str | None:
    """The canary of ``mlfund grade``: run once per installation, version and week."""
    from mlfund.grading import isolation_mode

    key = _key(assignment, isolation_mode())
    cache = _cache_file()
    try:
        passed = set(json.loads(cache.read_text()))
    except (OSError, ValueError, TypeError):
        passed = set()
    if key in passed:
        return None
    failure = canary_failure(assignment, timeout=timeout)
    if failure is None:
        passed.add(key)
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps(sorted(passed)))
        except OSError:
            pass  # an unwritable cache only means the canary runs again next time
    return failure
