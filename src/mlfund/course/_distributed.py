"""Autograding on a Dask cluster: the client's side.

The learner's code runs on the Dask workers, in one-shot kernels confined as on this
machine (:mod:`mlfund.grading._dask`); everything that needs the course runs here. A
submission goes through three steps:

1. *prepare* (the local pool, with nbgrader): the submitted notebooks pass nbgrader's
   sanitize step (metadata restored, locked cells overwritten from the gradebook) in memory,
   which gives exactly the cells nbgrader will execute, with the public part of their
   exercises and the files of the scratch folder;
2. *run* (a Dask task): a worker runs those cells and returns each cell's outputs as JSON;
3. *record* (the local pool): nbgrader's own autograde runs on the submission, its
   ``Execute`` step taking the worker's outputs only if the worker ran exactly this notebook
   (the digest of cells, exercises and files must match), then the trusted scoring, the
   gradebook and the journal — here alone.

Each worker grades the week's solution first (the canary, run on the worker and scored
here); a worker whose canary falls short stops the batch before any of its results is
recorded. A worker that dies mid-task has its tasks run again elsewhere by the scheduler; a
task that kills every worker it lands on ends as a grader-fault row with the reason.
(tests/course/test_dask.py)
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import queue
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mlfund.course._batch import CanaryFailed, Outcome, submission_digest

_LOCAL = re.compile(r"local(?::(\d+))?")


class ClusterUnavailable(RuntimeError):
    """The Dask scheduler cannot be reached, or no worker joined it in time."""


def check_address(address: str) -> str | None:
    """A message when ``address`` is neither a scheduler's address nor ``local[:N]``."""
    if _LOCAL.fullmatch(address) or re.fullmatch(r"[a-z0-9+]+://\S+", address) or re.fullmatch(
            r"[\w.-]+:\d+", address):
        return None
    return (f"dask ({address!r}) must be a scheduler's address (tcp://HOST:PORT) or "
            "'local' or 'local:N' (a cluster of N workers on this machine).")


def connect(address, *, timeout: float | None = None):
    """A ``distributed.Client`` of the cluster at ``address``, and the LocalCluster if made.

    ``address`` may also be a ``Client`` already connected (dask-gateway's, say): it is used
    as it is, and left open.
    """
    from distributed import Client, LocalCluster

    if isinstance(address, Client):
        return address, None
    match = _LOCAL.fullmatch(address)
    if match:
        workers = int(match.group(1) or os.cpu_count() or 1)
        cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1,
                               processes=True, dashboard_address=None)
        return Client(cluster), cluster
    return Client(address, timeout=timeout or CONNECT_TIMEOUT), None


def settings_of(config) -> dict[str, Any]:
    """The confinement and time limits of the course, as a worker applies them."""
    from mlfund.course._fastexec import ForkExecute
    from mlfund.grading._confine import Confinement
    from mlfund.grading._dask import CONFINEMENT_TRAITS

    confinement = Confinement(config=config)
    executor = ForkExecute(config=config)
    return {"confinement": {name: getattr(confinement, name) for name in CONFINEMENT_TRAITS},
            "cell_timeout": executor.timeout, "total_timeout": executor.total_timeout,
            "confine": executor.confine}


def notebook_spec(nb, name: str) -> dict[str, Any]:
    """What a worker needs to run ``nb``: its code cells, exercises' public part, policy."""
    from mlfund.course._fastexec import forbidden_imports_of, public_entries

    return {"name": name,
            "cells": [[i, cell.source] for i, cell in enumerate(nb.cells)
                      if cell.cell_type == "code"],
            "public": public_entries(nb), "forbidden": sorted(forbidden_imports_of(nb))}


def source_folder(config, assignment: str) -> Path:
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    return Path(coursedir.format_path(coursedir.source_directory, ".", assignment))


def make_plugin(config, assignment: str):
    """The worker plugin: the assignment's files and solution (the canary), the limits."""
    import nbformat

    from mlfund.grading._dask import GradingPlugin
    from mlfund.grading._execute import folder_files

    folder = source_folder(config, assignment)
    canary = [notebook_spec(nbformat.read(str(path), as_version=4), path.stem)
              for path in sorted(folder.glob("*.ipynb"))]
    return GradingPlugin(assignment, files=folder_files(str(folder)), canary=canary,
                         settings=settings_of(config))


def scratch_files(config, assignment: str, submitted: Path) -> dict[str, bytes]:
    """The files nbgrader's autograde leaves beside the notebooks: the submission's own,
    then the source's over them (but for ``Autograde.exclude_overwriting``)."""
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import find_all_files

    coursedir = CourseDirectory(config=config)
    ignore = list(coursedir.ignore) + ["*.ipynb"]
    files: dict[str, bytes] = {}
    for path in find_all_files(str(submitted), ignore):
        if os.path.dirname(os.path.relpath(path, submitted)) == "":
            files[os.path.basename(path)] = Path(path).read_bytes()
    source = source_folder(config, assignment)
    excluded = set(config.Autograde.get("exclude_overwriting", {}).get(assignment, []))
    for path in find_all_files(str(source), ignore):
        relative = os.path.relpath(path, source)
        if os.path.dirname(relative) == "" and relative not in excluded:
            files[relative] = Path(path).read_bytes()
    return files


def prepare_submission(api, config, assignment: str, student: str) -> dict[str, Any]:
    """The runs of one submission, as nbgrader will execute them (see the module's doc)."""
    import nbformat

    from mlfund.grading._execute import encode_files, files_digest

    course = Path(api.coursedir.root)
    submitted = Path(api.coursedir.format_path(api.coursedir.submitted_directory, student,
                                               assignment))
    known = {p.stem for p in source_folder(config, assignment).glob("*.ipynb")}
    files = scratch_files(config, assignment, submitted)
    plugin_files = {name: data for name, data in files.items()
                    if (source_folder(config, assignment) / name).is_file()
                    and (source_folder(config, assignment) / name).read_bytes() == data}
    inline = {name: data for name, data in files.items() if name not in plugin_files}
    notebooks = []
    for path in sorted(submitted.glob("*.ipynb")):
        if path.stem not in known:
            continue
        try:
            nb = nbformat.read(str(path), as_version=4)
            sanitize(nb, config, assignment, student, path.stem, api.coursedir.db_url,
                     str(submitted))
        except Exception:  # nbgrader will say what is wrong when it records the submission
            continue
        spec = notebook_spec(nb, path.stem)
        spec["files"] = files_digest(files)
        spec["inline"] = encode_files(inline)
        notebooks.append(spec)
    del course
    return {"assignment": assignment, "notebooks": notebooks}


def sanitize(nb, config, assignment: str, student: str, notebook: str, db_url: str,
             path: str) -> None:
    """nbgrader's sanitize step of autograde (``Autograde.sanitize_preprocessors``), in place."""
    from nbgrader.converters import Autograde

    steps = config.Autograde.get("sanitize_preprocessors", Autograde.sanitize_preprocessors
                                 .default_value)
    resources = {"unique_key": notebook, "output_files_dir": f"{notebook}_files",
                 "nbgrader": {"student": student, "assignment": assignment,
                              "notebook": notebook, "db_url": db_url},
                 "metadata": {"name": notebook, "path": path}}
    for step in steps:
        if isinstance(step, str):
            from traitlets.utils.importstring import import_item

            step = import_item(step)
        preprocessor = step(config=config) if isinstance(step, type) else step
        nb, resources = preprocessor(nb, resources)


def canary_problems(reply: dict[str, Any], folder: Path) -> list[str]:
    """What falls short in a worker's run of the week's solution, scored here."""
    import nbformat

    from mlfund.course._canary import shortfalls
    from mlfund.course._fastexec import apply_outputs
    from mlfund.grading._execute import result_from_json

    problems = []
    runs = reply.get("runs") if isinstance(reply.get("runs"), list) else []
    if not runs:
        return ["the worker sent no run of the solution"]
    for run in runs:
        path = folder / f"{run.get('name', '')}.ipynb"
        if not isinstance(run, dict) or not path.is_file():
            problems.append("the worker ran a notebook the week does not have")
            continue
        if run.get("fault"):
            problems.append(f"{path.name}: {run['fault']}")
            continue
        nb = nbformat.read(str(path), as_version=4)
        apply_outputs(nb, result_from_json(run.get("result")))
        problems += shortfalls(nb)
    return problems


#: Seconds to reach the scheduler, and for a first worker to join it.
CONNECT_TIMEOUT = 30
WAIT_FOR_WORKERS = 120


class DaskBatch:
    """One batch on a cluster: prepare and record in the local pool, run on the workers."""

    def __init__(self, assignment: str, students: list[str], *, address,
                 course_dir: Path, initargs: tuple, jobs: int,
                 record: Callable[[Outcome], None]) -> None:
        self.assignment = assignment
        self.students = students
        self.address = address
        self.course_dir = course_dir
        self.initargs = initargs
        self.jobs = jobs
        self.record = record
        self.events: queue.Queue = queue.Queue()
        self.verified: set[str] = set()
        self.canaries: dict[str, Any] = {}
        self.held: dict[str, list[tuple[str, str, str]]] = {}
        self.running: dict[str, Any] = {}
        self.left = set(students)

    def run(self) -> None:
        import multiprocessing

        from mlfund.course._batch import _init_worker, _noop
        from mlfund.course._nbgrader import load_config
        from mlfund.grading._dask import PLUGIN_NAME

        context = multiprocessing.get_context("fork")
        with cf.ProcessPoolExecutor(max_workers=self.jobs, mp_context=context,
                                    initializer=_init_worker,
                                    initargs=self.initargs) as pool:
            # the local workers are forked before the Dask client starts its threads
            pool.submit(_noop).result()
            self.pool = pool
            config = load_config(str(self.course_dir), self.initargs[1])
            config.ForkExecute.timeout = self.initargs[2]
            self.folder = source_folder(config, self.assignment)
            try:
                client, cluster = connect(self.address)
            except (OSError, TimeoutError) as exc:
                raise ClusterUnavailable(f"cannot reach the Dask scheduler at {self.address} "
                                         f"({type(exc).__name__}: {exc})") from None
            self.client = client
            try:
                client.register_plugin(make_plugin(config, self.assignment), name=PLUGIN_NAME)
                try:
                    client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS)
                except TimeoutError:
                    raise ClusterUnavailable(
                        f"no Dask worker joined the scheduler at {self.address} within "
                        f"{WAIT_FOR_WORKERS} s") from None
                for worker in client.scheduler_info()["workers"]:
                    self.check_worker(worker)
                for student in self.students:
                    self.prepare(student)
                self.loop()
            finally:
                for future in list(self.running.values()) + list(self.canaries.values()):
                    future.cancel()
                if client is not self.address:
                    client.close()
                if cluster is not None:
                    cluster.close()

    # -- the steps ------------------------------------------------------------------------

    def prepare(self, student: str) -> None:
        from mlfund.course._batch import _prepare_one

        future = self.pool.submit(_prepare_one, self.assignment, student)
        future.add_done_callback(lambda f: self.events.put(("prepared", student, f)))

    def submit_run(self, student: str, payload: str) -> None:
        from mlfund.grading._dask import run_submission

        key = f"mlfund-{self.assignment}-{student}-{uuid.uuid4().hex[:8]}"
        future = self.client.submit(run_submission, payload, key=key, pure=False)
        self.running[student] = future
        future.add_done_callback(lambda f: self.events.put(("ran", (student, payload), f)))

    def record_with(self, student: str, runs: str) -> None:
        from mlfund.course._batch import _grade_one

        future = self.pool.submit(_grade_one, self.assignment, student, runs)
        future.add_done_callback(lambda f: self.events.put(("recorded", student, f)))

    def check_worker(self, worker: str) -> None:
        from mlfund.grading._dask import run_canary

        if worker in self.verified or worker in self.canaries:
            return
        future = self.client.submit(run_canary, self.assignment, workers=[worker],
                                    allow_other_workers=True, pure=False, priority=10,
                                    key=f"mlfund-canary-{uuid.uuid4().hex[:8]}")
        self.canaries[worker] = future
        future.add_done_callback(lambda f: self.events.put(("canary", worker, f)))

    # -- the loop -------------------------------------------------------------------------

    def loop(self) -> None:
        while self.left:
            kind, what, future = self.events.get()
            getattr(self, f"on_{kind}")(what, future)

    def on_prepared(self, student: str, future: cf.Future) -> None:
        try:
            payload = future.result()
        except Exception as exc:
            return self.fault(student, f"grader fault: preparing it failed: "
                                       f"{type(exc).__name__}: {exc}")
        if not json.loads(payload)["notebooks"]:
            return self.record_with(student, "{}")  # nothing to run: nbgrader says why
        self.submit_run(student, payload)

    def on_ran(self, what: tuple[str, str], future) -> None:
        from mlfund.grading._execute import loads_capped

        student, payload = what
        self.running.pop(student, None)
        if future.status != "finished":
            exc = future.exception() if future.status == "error" else None
            name = type(exc).__name__ if exc is not None else future.status
            if name == "KilledWorker":
                reason = ("grader fault: the Dask workers running it died "
                          f"({name}: {str(exc)[:300]})")
            else:
                reason = f"grader fault on the cluster: {name}: {str(exc)[:300]}"
            return self.fault(student, reason)
        try:
            reply = loads_capped(future.result())
            worker = str(reply["worker"])
            runs = {str(r["name"]): r for r in reply["runs"]}
        except Exception as exc:
            return self.fault(student, f"grader fault: unreadable reply from the cluster "
                                       f"({type(exc).__name__})")
        if worker not in self.verified:
            self.held.setdefault(worker, []).append((student, payload, json.dumps(runs)))
            self.check_worker(worker)
            return
        self.record_with(student, json.dumps(runs))

    def on_canary(self, worker: str, future) -> None:
        from mlfund.grading._execute import loads_capped

        self.canaries.pop(worker, None)
        if future.status != "finished":
            exc = future.exception() if future.status == "error" else None
            raise CanaryFailed(f"the canary could not run on {worker}: {exc!r}")
        reply = loads_capped(future.result())
        ran_on = str(reply.get("worker", ""))
        problems = canary_problems(reply, self.folder)
        if problems:
            from mlfund.course._canary import failure_message

            raise CanaryFailed(f"on the Dask worker {ran_on}: "
                               + failure_message(self.assignment, problems))
        self.verified.add(ran_on)
        for student, _payload, runs in self.held.pop(ran_on, []):
            self.record_with(student, runs)
        if worker != ran_on and worker in self.held:
            if worker in self.client.scheduler_info()["workers"]:
                self.check_worker(worker)
            else:  # the worker left before its canary ran: its submissions run again
                for student, payload, _runs in self.held.pop(worker):
                    self.submit_run(student, payload)

    def on_recorded(self, student: str, future: cf.Future) -> None:
        try:
            outcome = future.result()
        except Exception as exc:
            outcome = Outcome(student, "fault",
                              error=f"grader fault: recording failed: {type(exc).__name__}: "
                                    f"{exc}",
                              digest=submission_digest(self.course_dir, self.assignment,
                                                       student))
        self.finish(outcome)

    def fault(self, student: str, reason: str) -> None:
        self.finish(Outcome(student, "fault", error=reason,
                            digest=submission_digest(self.course_dir, self.assignment,
                                                     student)))

    def finish(self, outcome: Outcome) -> None:
        if outcome.student not in self.left:
            return
        if outcome.status == "fault" and (outcome.error or "").startswith("canary: "):
            raise CanaryFailed(outcome.error[len("canary: "):])
        self.left.discard(outcome.student)
        self.record(outcome)
