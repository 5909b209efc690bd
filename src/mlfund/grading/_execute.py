"""One notebook's cells run in a confined one-shot kernel, wherever the grader runs.

The same code runs a submission on the grading worker of the local pool and on a Dask
worker: the cells, the assignment's files for the scratch folder, the public part of the
exercises and the forbidden modules go in; a :class:`~mlfund.grading.RunResult` comes out.
Nothing here knows nbgrader, the gradebook or the course folder.

What crosses between machines is JSON (:func:`result_to_json`, :func:`result_from_json`):
the receiving side checks every output again against the notebook format, as it checks what
a kernel sends (:func:`mlfund.grading._client._clean_outputs`). :func:`run_digest` names
exactly what was run, so that the grader that records a result can tell that it ran the
notebook it is recording. (tests/course/test_dask.py)
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator, Mapping
from typing import Any

from mlfund.grading._client import (
    CleanProcess,
    RunResult,
    _clean_outputs,
    kernel_environment,
)
from mlfund.grading._confine import Confinement

MAX_RESULT_BYTES = 64_000_000
MAX_FILES_BYTES = 64 * 1024 * 1024

#: One clean grading process per set of forbidden modules, for the life of this process.
_CLEAN: dict[tuple[str, ...], CleanProcess] = {}
_CLEAN_LOCK = threading.Lock()


def clean_process(forbidden: set[str] | tuple[str, ...] | list[str]) -> CleanProcess:
    """This process's clean grading process for ``forbidden``, started on first use."""
    key = tuple(sorted(forbidden))
    with _CLEAN_LOCK:
        if key not in _CLEAN or not _CLEAN[key].owned():
            _CLEAN[key] = CleanProcess(forbidden=key)  # not one a forked parent started
        return _CLEAN[key]


def close_clean_processes() -> None:
    with _CLEAN_LOCK:
        for process in _CLEAN.values():
            process.close()
        _CLEAN.clear()


def folder_files(folder: str) -> dict[str, bytes]:
    """The files a run's scratch folder starts with: the folder's regular files, no notebook."""
    files = {}
    for entry in os.scandir(folder):
        if entry.is_file(follow_symlinks=False) and not entry.name.endswith(".ipynb"):
            with open(entry.path, "rb") as fh:
                files[entry.name] = fh.read()
    return files


def files_digest(files: Mapping[str, bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())}


def run_digest(cells: list[tuple[int, str]], *, public: Mapping[str, Any],
               forbidden: list[str] | tuple[str, ...], files: Mapping[str, str]) -> str:
    """A name for exactly what one run executes: cells, public facts, policy and files.

    ``files`` maps each file's name to its SHA-256 (:func:`files_digest`).
    """
    text = json.dumps({"cells": [[int(i), s] for i, s in cells], "public": public,
                       "forbidden": sorted(forbidden), "files": dict(sorted(files.items()))},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def encode_files(files: Mapping[str, bytes]) -> dict[str, str]:
    return {name: base64.b64encode(data).decode("ascii") for name, data in files.items()}


def decode_files(files: Mapping[str, str]) -> dict[str, bytes]:
    decoded, size = {}, 0
    for name, text in files.items():
        if not _safe_name(name):
            raise ValueError(f"file name ({name!r}) is not a plain file name.")
        decoded[name] = base64.b64decode(text, validate=True)
        size += len(decoded[name])
        if size > MAX_FILES_BYTES:
            raise ValueError("the assignment's files are larger than "
                             f"{MAX_FILES_BYTES // 2**20} MiB.")
    return decoded


def _safe_name(name: str) -> bool:
    return (isinstance(name, str) and name not in ("", ".", "..") and "/" not in name
            and "\0" not in name and not name.endswith(".ipynb"))


@contextlib.contextmanager
def scratch_directory(source: str | Mapping[str, bytes], owner: tuple[int, int] | None
                      ) -> Iterator[str]:
    """A fresh folder with the assignment's files (not notebooks), owned by the kernel's user.

    ``source`` is a folder (its regular files are copied) or the files themselves, by name.
    It lies in ``RUN/work``; ``RUN/root`` is where the kernel mounts its view.
    """
    run = tempfile.mkdtemp(prefix="mlfund-run-")
    scratch = os.path.join(run, "work")
    os.mkdir(scratch, 0o700)
    os.mkdir(os.path.join(run, "root"), 0o700)
    try:
        if isinstance(source, str):
            for entry in os.scandir(source):
                if entry.is_file(follow_symlinks=False) and not entry.name.endswith(".ipynb"):
                    shutil.copy2(entry.path, os.path.join(scratch, entry.name),
                                 follow_symlinks=False)
        else:
            for name, data in source.items():
                if not _safe_name(name):
                    continue
                fd = os.open(os.path.join(scratch, name),
                             os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
        if owner is not None:
            for root, dirs, files in os.walk(scratch):
                for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
                    os.lchown(name, *owner)
            os.chmod(run, 0o711)
        yield scratch
    finally:
        shutil.rmtree(run, ignore_errors=True)


def execute_cells(cells: list[tuple[int, str]], *, confinement: Confinement,
                  public: Mapping[str, Any], files: str | Mapping[str, bytes],
                  cell_timeout: float, total_timeout: float, confine: bool = True
                  ) -> RunResult:
    """Run ``cells`` (index, source) in a one-shot kernel of this process's clean process.

    ``confinement`` carries the limits and the forbidden modules; ``files`` (a folder or the
    files by name) fill the scratch folder. Raises :class:`~mlfund.grading.GraderFault` when
    the run fails for the grader's reasons before the kernel is ready.
    """
    mode = confinement.mode() if confine else "none"
    owner = confinement.run_ids() if mode in ("full", "uid") else None
    process = clean_process(confinement.forbidden_imports)
    with scratch_directory(files, owner) as cwd:
        request = confinement.request(cells, cwd=cwd, env=kernel_environment(cwd), mode=mode,
                                      ids=owner, public=dict(public))
        result = process.run(request, cell_timeout=cell_timeout, total_timeout=total_timeout)
    result.mode = mode
    return result


def infrastructure_failure(result: RunResult, forbidden: list[str]) -> str | None:
    """A reason when the run failed for the grader's reasons, not the learner's.

    A module that the grader can import and the assignment does not forbid, but that the
    kernel could not import, means the kernel's view of the installation is wrong. It is
    decided where the kernel ran: on a Dask worker, by the worker.
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
    match = re.search(r"No module named '([\w.]+)'", message)
    return match.group(1) if match else ""


def result_to_json(result: RunResult) -> dict[str, Any]:
    return {"outputs": {str(i): outputs for i, outputs in result.outputs.items()},
            "timed_out": list(result.timed_out), "died": result.died,
            "seconds": round(float(result.seconds), 3), "mode": result.mode}


def result_from_json(data: Any) -> RunResult:
    """A :class:`RunResult` from JSON another process sent, every field checked again."""
    if not isinstance(data, dict):
        raise ValueError("a run's result must be a JSON object")
    outputs = data.get("outputs")
    result = RunResult()
    if isinstance(outputs, dict):
        for key, value in list(outputs.items())[:100_000]:
            if isinstance(key, str) and key.isdigit():
                result.outputs[int(key)] = _clean_outputs(value)
    timed_out = data.get("timed_out")
    if isinstance(timed_out, list):
        result.timed_out = [i for i in timed_out if type(i) is int]
    died = data.get("died")
    result.died = died[:1000] if isinstance(died, str) else None
    seconds = data.get("seconds")
    result.seconds = float(seconds) if type(seconds) in (int, float) else 0.0
    mode = data.get("mode")
    result.mode = mode if mode in ("full", "uid", "user", "none") else ""
    return result


def loads_capped(text: str | bytes, *, limit: int = MAX_RESULT_BYTES) -> Any:
    """JSON from another process, refused past ``limit`` bytes."""
    if not isinstance(text, (str, bytes)):
        raise ValueError(f"expected JSON text, got {type(text).__name__}")
    if len(text) > limit:
        raise ValueError(f"the reply is larger than {limit} bytes")
    return json.loads(text)
