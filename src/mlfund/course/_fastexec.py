"""``ForkExecute``: nbgrader's Execute step on a confined one-shot kernel.

The kernel is forked from the clean grading process (:mod:`mlfund.grading`), never from this
process, which holds the gradebook, the source notebooks and the exercise catalogue. A
failure of the grading machinery raises :class:`~mlfund.grading.GraderFault`: nbgrader then
records no grade for the notebook, and the batch reports the submission as a grader fault to
be retried.
"""

from __future__ import annotations

import os
from typing import Any

from nbformat.notebooknode import NotebookNode, from_dict
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Float, Integer

from mlfund.grading import GraderFault
from mlfund.grading._client import RunResult
from mlfund.grading._confine import Confinement
from mlfund.grading._execute import (
    clean_process,
    close_clean_processes,
    execute_cells,
    files_digest,
    folder_files,
    infrastructure_failure,
    run_digest,
    scratch_directory,
)

__all__ = ["ForkExecute", "apply_outputs", "clean_process", "close_clean_processes",
           "forbidden_imports_of", "infrastructure_failure", "public_entries",
           "scratch_directory"]

#: Runs done elsewhere (on Dask workers), by notebook id, for the submission being recorded:
#: ``{"digest": ..., "result": RunResult, "fault": str | None}``. When it is not ``None``,
#: ForkExecute never runs a kernel: it records the run whose digest matches, or faults.
REMOTE_RUNS: dict[str, dict[str, Any]] | None = None


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
        if REMOTE_RUNS is not None:
            result = self.remote_result(nb, resources, cells, confinement, source_dir)
            mode = result.mode
        else:
            mode = confinement.mode() if self.confine else "none"
            result = execute_cells(cells, confinement=confinement, public=public_entries(nb),
                                   files=source_dir, cell_timeout=self.timeout,
                                   total_timeout=self.total_timeout, confine=self.confine)
            fault = infrastructure_failure(result, confinement.forbidden_imports)
            if fault:
                raise GraderFault(fault)
        apply_outputs(nb, result)
        resources.setdefault("mlfund", {})["execution"] = {
            "seconds": round(result.seconds, 3), "died": result.died,
            "timed_out": result.timed_out, "isolation": mode,
        }
        return nb, resources

    def remote_result(self, nb: NotebookNode, resources: dict, cells: list[tuple[int, str]],
                      confinement: Confinement, source_dir: str) -> RunResult:
        """The run a Dask worker did of exactly this notebook, or a grader fault."""
        name = resources.get("nbgrader", {}).get("notebook", "")
        run = (REMOTE_RUNS or {}).get(name)
        if run is None:
            raise GraderFault(f"no run of {name}.ipynb came back from the cluster")
        digest = run_digest(cells, public=public_entries(nb),
                            forbidden=confinement.forbidden_imports,
                            files=files_digest(folder_files(source_dir)))
        if run.get("digest") != digest:
            raise GraderFault(f"{name}.ipynb as recorded differs from the notebook the cluster "
                              "ran (its cells or files changed in between)")
        if run.get("fault"):
            raise GraderFault(str(run["fault"]))
        if run.get("result") is None:
            raise GraderFault(f"the cluster sent no outputs for {name}.ipynb")
        return run["result"]


def apply_outputs(nb: NotebookNode, result: RunResult) -> None:
    """Write a run's outputs into the notebook's code cells, as nbgrader's Execute would."""
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
