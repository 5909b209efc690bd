"""``ForkExecute``: nbgrader's Execute step on a warmed-up, forked one-shot kernel."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator

from nbformat.notebooknode import NotebookNode, from_dict
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Float, Integer

from mlfund.course import _minikernel
from mlfund.course._sandbox import Confinement, is_root, kill_processes_of

_SAFE_ENV = ("PATH", "LANG", "LC_ALL", "TZ", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def kernel_environment(cwd: str) -> dict[str, str]:
    """A clean environment for the learner's code: no secrets of the grader's."""
    env = {k: os.environ[k] for k in _SAFE_ENV if k in os.environ}
    env.update({
        "HOME": cwd,
        "TMPDIR": cwd,
        "MPLCONFIGDIR": os.path.join(cwd, ".matplotlib"),
        "MPLBACKEND": "Agg",
        "NBGRADER_EXECUTION": os.environ.get("NBGRADER_EXECUTION", "autograde"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    })
    env.setdefault("PATH", os.path.dirname(sys.executable))
    return env


class ForkExecute(NbGraderPreprocessor):
    """Execute the notebook in a one-shot child process forked from a warmed-up parent."""

    timeout = Integer(60, help="Seconds a cell may run before it is interrupted.").tag(config=True)
    total_timeout = Float(600.0, help="Seconds the whole notebook may run.").tag(config=True)
    confine = Bool(True, help="Confine the learner's code (see mlfund.course._sandbox)."
                   ).tag(config=True)

    def hidden_paths(self) -> list[str]:
        """The course sources, the course folder and the config: never visible to the kernel."""
        from mlfund.course._nbgrader import project_root

        paths = [str(project_root() / "notebooks"), str(project_root() / "autograder")]
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
        confinement = self.confinement_for(nb) if self.confine else None
        if confinement is not None and confinement.require_isolation and not is_root():
            raise RuntimeError("full isolation was required (Confinement.require_isolation) "
                               "but the grader is not root.")
        owner = confinement.prepare() if confinement is not None and is_root() else None
        with scratch_directory(source_dir, owner) as cwd:
            try:
                result = _minikernel.run_cells(
                    cells, cwd=cwd, env=kernel_environment(cwd), cell_timeout=self.timeout,
                    total_timeout=self.total_timeout,
                    prepare=confinement.apply if confinement is not None else None)
            finally:
                if owner is not None:
                    kill_processes_of(owner[0])  # whatever the learner's code left running
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
            cell.outputs = [from_dict(_clean(o)) for o in outputs]
        resources.setdefault("mlfund", {})["execution"] = {
            "seconds": round(result.seconds, 3), "died": result.died,
            "timed_out": result.timed_out,
        }
        return nb, resources


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
    """A fresh folder with the assignment's files (not notebooks), owned by the kernel's user."""
    scratch = tempfile.mkdtemp(prefix="mlfund-kernel-")
    try:
        for entry in os.scandir(source_dir):
            if entry.is_file() and not entry.name.endswith(".ipynb"):
                shutil.copy2(entry.path, os.path.join(scratch, entry.name))
        if owner is not None:
            for root, dirs, files in os.walk(scratch):
                for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
                    os.chown(name, *owner)
        os.chmod(scratch, 0o700)
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _clean(output: dict) -> dict:
    """Keep only the fields the notebook format allows for each output type."""
    kind = output.get("output_type")
    if kind == "stream":
        return {"output_type": "stream", "name": output.get("name", "stdout"),
                "text": str(output.get("text", ""))}
    if kind == "error":
        return {"output_type": "error", "ename": str(output.get("ename", "Error")),
                "evalue": str(output.get("evalue", "")),
                "traceback": [str(t) for t in output.get("traceback", [])]}
    data = {str(k): v for k, v in dict(output.get("data", {})).items()}
    cleaned = {"output_type": kind if kind in ("display_data", "execute_result") else
               "display_data", "data": data, "metadata": dict(output.get("metadata", {}))}
    if cleaned["output_type"] == "execute_result":
        count = output.get("execution_count")
        cleaned["execution_count"] = count if isinstance(count, int) else None
    return cleaned
