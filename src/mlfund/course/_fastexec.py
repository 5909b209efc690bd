"""``ForkExecute``: nbgrader's Execute step on a confined one-shot kernel.

The kernel is forked from the clean grading process (:mod:`mlfund.grading`), never from this
process, which holds the gradebook, the source notebooks and the exercise catalogue. A
failure of the grading machinery raises :class:`~mlfund.grading.GraderFault`: nbgrader then
records no grade for the notebook, and the batch reports the submission as a grader fault to
be retried.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator

from nbformat.notebooknode import NotebookNode, from_dict
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Float, Integer

from mlfund.course._sandbox import Confinement
from mlfund.grading import GraderFault
from mlfund.grading._client import CleanProcess, RunResult, kernel_environment

#: One clean grading process per set of forbidden modules, for the life of this process.
_CLEAN: dict[tuple[str, ...], CleanProcess] = {}


def clean_process(forbidden: set[str] | tuple[str, ...]) -> CleanProcess:
    key = tuple(sorted(forbidden))
    if key not in _CLEAN or not _CLEAN[key].owned():
        _CLEAN[key] = CleanProcess(forbidden=key)  # not one a forked parent started
    return _CLEAN[key]


def close_clean_processes() -> None:
    for process in _CLEAN.values():
        process.close()
    _CLEAN.clear()


class ForkExecute(NbGraderPreprocessor):
    """Execute the notebook in a confined one-shot kernel of the clean grading process."""

    timeout = Integer(60, help="Seconds a cell may run before it is interrupted.").tag(config=True)
    total_timeout = Float(600.0, help="Seconds the whole notebook may run.").tag(config=True)
    confine = Bool(True, help="Confine the learner's code (see mlfund.grading._view). "
                   "Without it the kernel still runs in the clean process, with resource "
                   "limits only.").tag(config=True)

    def hidden_paths(self) -> list[str]:
        """The course sources, the course folder and the config: never visible to the kernel."""
        from mlfund.course._nbgrader import project_root

        root = project_root()
        paths = [str(root / "notebooks"), str(root / "autograder"), str(root / ".git")]
        course = self.config.get("CourseDirectory", {}).get("root")
        if isinstance(course, str) and course:
            paths.append(course)
        exchange = self.config.get("Exchange", {}).get("root")
        if isinstance(exchange, str) and exchange:
            paths.append(exchange)
        return paths

    def confinement_for(self, nb: NotebookNode) -> Confinement:
        confinement = Confinement(parent=self)
        confinement.hide = self.hidden_paths()
        confinement.forbidden_imports = sorted(forbidden_imports_of(nb))
        return confinement

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        source_dir = resources.get("metadata", {}).get("path") or os.getcwd()
        cells = [(i, cell.source) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
        confinement = self.confinement_for(nb)
        mode = confinement.mode() if self.confine else "none"
        owner = confinement.run_ids() if mode in ("full", "uid") else None
        process = clean_process(confinement.forbidden_imports)
        with scratch_directory(source_dir, owner) as cwd:
            request = confinement.request(cells, cwd=cwd, env=kernel_environment(cwd),
                                          mode=mode, ids=owner,
                                          public=public_entries(nb))
            result = process.run(request, cell_timeout=self.timeout,
                                 total_timeout=self.total_timeout)
        fault = infrastructure_failure(result, confinement.forbidden_imports)
        if fault:
            raise GraderFault(fault)
        count = 0
        reported = False
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            count += 1
            cell.execution_count = count
            outputs = result.outputs.get(i)
            if outputs is None:
                outputs = []
                if not reported:
                    reason = result.died or "the kernel stopped"
                    outputs = [{"output_type": "error", "ename": "DeadKernelError",
                                "evalue": reason, "traceback": [f"DeadKernelError: {reason}"]}]
                    reported = True
            cell.outputs = [from_dict(o) for o in outputs]
        resources.setdefault("mlfund", {})["execution"] = {
            "seconds": round(result.seconds, 3), "died": result.died,
            "timed_out": result.timed_out, "isolation": mode,
        }
        return nb, resources


def infrastructure_failure(result: RunResult, forbidden: list[str]) -> str | None:
    """A reason when the run failed for the grader's reasons, not the learner's.

    A module that the grader can import and the assignment does not forbid, but that the
    kernel could not import, means the kernel's view of the installation is wrong.
    """
    import importlib.util

    from mlfund.grading._policy import ALWAYS_HIDDEN, is_banned

    for outputs in result.outputs.values():
        for output in outputs:
            if output.get("output_type") != "error" or output.get("ename") not in (
                    "ModuleNotFoundError", "ImportError"):
                continue
            name = _missing_module(str(output.get("evalue", "")))
            if not name or is_banned(name, [*forbidden, *ALWAYS_HIDDEN]):
                continue
            try:
                found = importlib.util.find_spec(name) is not None
            except (ImportError, ValueError):
                found = False
            if found:
                return (f"the kernel could not import {name}, which is installed "
                        f"({str(output.get('evalue', ''))[:200]})")
    return None


def _missing_module(message: str) -> str:
    import re

    match = re.search(r"No module named '([\w.]+)'", message)
    return match.group(1) if match else ""


def public_entries(nb: NotebookNode) -> dict[str, dict]:
    """The public facts of the exercises this notebook checks (no reference, no mistakes)."""
    from mlfund import exercises
    from mlfund.check._api import public_entry

    entries = {}
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        for candidate in (grade_id, grade_id[:-5] if grade_id.endswith("-test") else ""):
            spec = exercises.find(candidate) if candidate else None
            if spec is not None:
                entries[spec.id] = public_entry(spec)
    return entries


def forbidden_imports_of(nb: NotebookNode) -> set[str]:
    """The union of the import policies of the exercises answered in this notebook."""
    from mlfund import exercises

    banned: set[str] = set()
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        spec = exercises.find(grade_id)
        if spec is not None:
            banned.update(spec.forbidden_imports)
    return banned


@contextlib.contextmanager
def scratch_directory(source_dir: str, owner: tuple[int, int] | None) -> Iterator[str]:
    """A fresh folder with the assignment's files (not notebooks), owned by the kernel's user.

    It lies in ``RUN/work``; ``RUN/root`` is where the kernel mounts its view.
    """
    run = tempfile.mkdtemp(prefix="mlfund-run-")
    scratch = os.path.join(run, "work")
    os.mkdir(scratch, 0o700)
    os.mkdir(os.path.join(run, "root"), 0o700)
    try:
        for entry in os.scandir(source_dir):
            if entry.is_file(follow_symlinks=False) and not entry.name.endswith(".ipynb"):
                shutil.copy2(entry.path, os.path.join(scratch, entry.name),
                             follow_symlinks=False)
        if owner is not None:
            for root, dirs, files in os.walk(scratch):
                for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
                    os.lchown(name, *owner)
            os.chmod(run, 0o711)
        yield scratch
    finally:
        shutil.rmtree(run, ignore_errors=True)

