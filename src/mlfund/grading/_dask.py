"""The grading runtime on a Dask worker: a worker plugin and the tasks it serves.

What this defends: a Dask worker is a multi-threaded process that also talks to the
scheduler and to other workers, so it never forks a learner's kernel itself. The plugin
keeps one clean grading process per worker (:class:`~mlfund.grading.CleanProcess`, started
by ``exec`` and pre-imported, as on the local pool), and every kernel is forked from it,
confined exactly as on the grader's own machine (:mod:`mlfund.grading._execute`).

A worker never sees the course folder, the gradebook or the exercises' references: the
client ships the assignment's files and the week's solution notebook (for the canary) once
per worker, in the plugin, and each submission's cells with the public part of its exercises
in its task. A task returns JSON text — the outputs of each cell, how the run ended and the
digest of what ran — never a pickled object built from learner data; the client checks all
of it again, scores it, and alone writes the gradebook and the journal.
(tests/course/test_dask.py)
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any

from distributed import WorkerPlugin, get_worker

from mlfund.grading._faults import GraderFault

PLUGIN_NAME = "mlfund-grading"

#: Canary replies of this worker process, by what they ran: a later batch of the same week,
#: limits and files (a plugin registered again) does not run the solution again.
_CANARIES: dict[str, str] = {}

#: The Confinement settings a client may ship (all of them plain values).
CONFINEMENT_TRAITS = ("cpu_seconds", "memory_bytes", "max_processes", "file_size_bytes",
                      "open_files", "user", "require_isolation", "isolation")


class GradingPlugin(WorkerPlugin):
    """One assignment's grading runtime on a worker: its files, its canary, a clean process.

    ``files`` are the assignment's files other than notebooks (by name), ``canary`` the
    week's solution notebooks as runs (``{"name", "cells", "public", "forbidden"}``) and
    ``settings`` the confinement and time limits (``confinement``: :data:`CONFINEMENT_TRAITS`;
    ``cell_timeout``, ``total_timeout``, ``confine``).
    """

    name = PLUGIN_NAME

    def __init__(self, assignment: str, *, files: dict[str, bytes],
                 canary: list[dict[str, Any]], settings: dict[str, Any]) -> None:
        self.assignment = assignment
        self.files = dict(files)
        self.canary = list(canary)
        self.settings = dict(settings)
        self._by_digest = {}
        self._canary_reply: str | None = None
        self._canary_lock = threading.Lock()
        self.address = ""

    def __getstate__(self) -> dict[str, Any]:
        return {"assignment": self.assignment, "files": self.files, "canary": self.canary,
                "settings": self.settings}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["assignment"], files=state["files"], canary=state["canary"],
                      settings=state["settings"])

    def setup(self, worker) -> None:
        self.address = worker.address
        self._by_digest = {hashlib.sha256(data).hexdigest(): data
                           for data in self.files.values()}
        # the clean process pre-imports numpy, scipy, sympy: start it now, off the event loop
        threading.Thread(target=self._warm, name="mlfund-clean-process", daemon=True).start()

    def teardown(self, worker) -> None:
        from mlfund.grading._execute import close_clean_processes

        close_clean_processes()

    def _warm(self) -> None:
        from mlfund.grading._execute import clean_process

        try:
            clean_process(()).open_channel().close()
        except Exception:  # a failure shows in the first run, as a grader fault
            pass

    def confinement(self, forbidden: list[str]):
        from mlfund.grading._confine import Confinement, project_root

        values = self.settings.get("confinement", {})
        confinement = Confinement(**{k: v for k, v in values.items() if k in CONFINEMENT_TRAITS})
        root = project_root()
        confinement.hide = [str(root / "notebooks"), str(root / "autograder"),
                            str(root / ".git")]
        confinement.forbidden_imports = sorted(forbidden)
        return confinement

    def run(self, spec: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
        """Run one notebook as ``spec`` says; its reply, digest and fault included."""
        from mlfund.grading._execute import (
            execute_cells,
            files_digest,
            infrastructure_failure,
            result_to_json,
            run_digest,
        )

        cells = [(int(i), str(source)) for i, source in spec["cells"]]
        forbidden = sorted(str(m) for m in spec.get("forbidden", []))
        public = spec.get("public", {})
        digest = run_digest(cells, public=public, forbidden=forbidden,
                            files=files_digest(files))
        confinement = self.confinement(forbidden)
        reply: dict[str, Any] = {"name": spec.get("name", ""), "digest": digest,
                                 "fault": None, "result": None}
        try:
            result = execute_cells(cells, confinement=confinement, public=public, files=files,
                                   cell_timeout=float(self.settings.get("cell_timeout", 60)),
                                   total_timeout=float(self.settings.get("total_timeout", 600)),
                                   confine=bool(self.settings.get("confine", True)))
        except GraderFault as exc:
            reply["fault"] = f"grader fault on {self.address}: {exc}"
            return reply
        except Exception as exc:  # confinement refused (ConfinementError) or the like
            reply["fault"] = f"grader fault on {self.address}: {type(exc).__name__}: {exc}"
            return reply
        fault = infrastructure_failure(result, forbidden)
        if fault:
            reply["fault"] = f"grader fault on {self.address}: {fault}"
        reply["result"] = result_to_json(result)
        return reply

    def resolve(self, wanted: dict[str, str], inline: dict[str, str]) -> dict[str, bytes]:
        """The files of one submission: the assignment's, by digest, and its own, shipped."""
        from mlfund.grading._execute import decode_files

        files = decode_files(inline)
        for name, digest in wanted.items():
            if name in files:
                continue
            if digest not in self._by_digest:
                raise GraderFault(f"the file {name!r} was neither shipped nor the "
                                  "assignment's own")
            files[name] = self._by_digest[digest]
        return files

    def canary_reply(self) -> str:
        """The week's solution, run here once; the client scores it."""
        key = hashlib.sha256(json.dumps(
            [self.assignment, self.canary, self.settings, sorted(self._by_digest)],
            sort_keys=True, default=str).encode()).hexdigest()
        with self._canary_lock:
            if self._canary_reply is None:
                if key not in _CANARIES:
                    runs = [self.run(spec, self.files) for spec in self.canary]
                    _CANARIES[key] = json.dumps({"worker": self.address, "runs": runs})
                self._canary_reply = _CANARIES[key]
            return self._canary_reply


def _plugin() -> GradingPlugin:
    worker = get_worker()
    plugin = worker.plugins.get(PLUGIN_NAME)
    if plugin is None:
        raise GraderFault(f"the worker {worker.address} has no mlfund grading plugin")
    return plugin


def run_submission(payload: str) -> str:
    """A Dask task: run one submission's notebooks; JSON text in, JSON text out.

    ``payload`` holds ``assignment`` and ``notebooks``, each ``{"name", "cells", "public",
    "forbidden", "files": {name: sha256}, "inline": {name: base64}}``.
    """
    plugin = _plugin()
    request = json.loads(payload)
    if request.get("assignment") != plugin.assignment:
        raise GraderFault(f"this worker grades {plugin.assignment}, not "
                          f"{request.get('assignment')!r}")
    runs = []
    for spec in request["notebooks"]:
        try:
            files = plugin.resolve(spec.get("files", {}), spec.get("inline", {}))
        except (GraderFault, ValueError) as exc:
            runs.append({"name": spec.get("name", ""), "digest": "", "result": None,
                         "fault": f"grader fault on {plugin.address}: {exc}"})
            continue
        runs.append(plugin.run(spec, files))
    return json.dumps({"worker": plugin.address, "runs": runs})


def run_canary(assignment: str) -> str:
    """A Dask task: the week's solution run on this worker (once; then the same reply)."""
    plugin = _plugin()
    if assignment != plugin.assignment:
        raise GraderFault(f"this worker grades {plugin.assignment}, not {assignment!r}")
    return plugin.canary_reply()
