"""The grader's side of a run: the clean grading process, one request, the reply read safely.

What this defends:

- The grader never shares its process with the learner's code: kernels are forked from a
  clean process (:mod:`mlfund.grading._zygote`) that this module starts with ``exec``, a
  minimal environment and no inherited descriptor but its control socket.
- What comes back is JSON lines, size-capped and checked field by field (:func:`_clean`);
  never pickle. A line that is not what the protocol says is dropped.
- Time limits are the grader's: a cell past its limit gets ``SIGINT``, then the kernel is
  killed; it is process 1 of its own PID namespace, so everything it started dies with it.
- A run that fails before the kernel says ``ready`` (the clean process died, confinement
  failed) raises :class:`GraderFault`: the grader's fault, never scored as the learner's.

(tests/grading/test_boundary.py)
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mlfund.grading._faults import GraderFault

MAX_STREAM_CHARS = 100_000
MAX_MESSAGE_BYTES = 8_000_000
MAX_RUN_BYTES = 4 * MAX_MESSAGE_BYTES
INTERRUPT_GRACE = 2.0
START_TIMEOUT = 120.0
_SAFE_ENV = ("PATH", "LANG", "LC_ALL", "TZ", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
_OUTPUT_TYPES = ("stream", "display_data", "execute_result", "error")


@dataclass
class RunResult:
    """What happened to a notebook run: outputs per cell, and how the run ended."""

    outputs: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    timed_out: list[int] = field(default_factory=list)
    died: str | None = None
    seconds: float = 0.0
    mode: str = ""


@functools.cache
def isolation_mode() -> str:
    """``"full"`` (root, namespaces), ``"uid"`` (root, no namespaces: a container without
    ``CAP_SYS_ADMIN``), ``"user"`` (unprivileged, in a user namespace) or ``"none"``."""
    from mlfund.grading._view import namespaces_available

    kind = namespaces_available()
    if os.geteuid() == 0:
        return "full" if kind == "root" else "uid"
    return "user" if kind == "user" else "none"


def describe(mode: str) -> str:
    return {
        "full": "full: own uid, PID and network namespaces, a read-only view of the "
                "installation, resource limits",
        "uid": "partial: own uid and resource limits (no namespaces here: the grader lacks "
               "CAP_SYS_ADMIN)",
        "user": "full but for the uid: a user namespace with own PID and network namespaces, "
                "a read-only view of the installation, resource limits",
        "none": "partial: resource limits and the import policy only (no namespaces here)",
    }.get(mode, mode)


def clean_environment() -> dict[str, str]:
    """The clean process's environment: nothing of the grader's but locale and PATH."""
    env = {k: os.environ[k] for k in _SAFE_ENV if k in os.environ}
    env.setdefault("PATH", os.path.dirname(sys.executable) + ":/usr/bin:/bin")
    env.update({"MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1",
                "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    return env


def kernel_environment(cwd: str) -> dict[str, str]:
    """The kernel's environment: the clean one, with its scratch folder as home."""
    env = clean_environment()
    env.update({"HOME": cwd, "TMPDIR": cwd, "MPLCONFIGDIR": os.path.join(cwd, ".matplotlib"),
                "NBGRADER_EXECUTION": "autograde"})
    return env


def random_ids() -> tuple[int, int]:
    """A uid (and gid) no account uses, fresh for each run."""
    uid = 1_000_000 + secrets.randbelow(1_000_000_000)
    return uid, uid


class CleanProcess:
    """The clean grading process of one grader process, started on first use.

    One clean process serves runs whose notebooks forbid the same modules: those modules
    are never imported in it.
    """

    def __init__(self, *, forbidden: Iterable[str] = (), preload: Iterable[str] | None = None
                 ) -> None:
        from mlfund.grading._kernel import PRELOAD

        self.forbidden = tuple(sorted(set(forbidden)))
        self.preload = tuple(PRELOAD if preload is None else preload)
        self._process: subprocess.Popen | None = None
        self._control: socket.socket | None = None
        self._home: str | None = None
        self._owner = os.getpid()
        self._lock = threading.Lock()  # a Dask worker runs several tasks at once

    def owned(self) -> bool:
        """Whether this process started it (a forked child must start its own)."""
        return self._owner == os.getpid()

    def start(self) -> None:
        self._owner = os.getpid()
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        # a home of its own, so that IPython's and matplotlib's caches land nowhere shared
        self._home = tempfile.mkdtemp(prefix="mlfund-clean-")
        env = {**clean_environment(), "HOME": self._home, "IPYTHONDIR": self._home,
               "MPLCONFIGDIR": self._home}
        config = {"sys_path": [p for p in sys.path if p and os.path.isabs(p)],
                  "preload": list(self.preload), "forbidden": list(self.forbidden)}
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-I", "-m", "mlfund.grading._zygote", json.dumps(config)],
                stdin=theirs, stdout=subprocess.PIPE, env=env, cwd="/",
                close_fds=True, start_new_session=True)
        finally:
            theirs.close()
        self._control = mine
        ready, _, _ = select.select([self._process.stdout], [], [], START_TIMEOUT)
        line = self._process.stdout.readline() if ready else b""
        if line.strip() != b"ready":
            self.close()
            raise GraderFault("the clean grading process did not start "
                              f"(exit code {self._process.poll() if self._process else '?'}).")

    def alive(self) -> bool:
        return self.owned() and self._process is not None and self._process.poll() is None

    def close(self) -> None:
        if not self.owned():  # a copy inherited through fork: the parent's to close
            self._process = self._control = self._home = None
            return
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is not None:
            try:
                self._process.kill()
                self._process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                pass
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None
        if self._home is not None:
            shutil.rmtree(self._home, ignore_errors=True)
            self._home = None

    def __del__(self) -> None:  # pragma: no cover - best effort at exit
        try:
            self.close()
        except Exception:
            pass

    def open_channel(self) -> socket.socket:
        """A new socket pair; the far end goes to the clean process, which forks a holder."""
        with self._lock:
            return self._open_channel()

    def _open_channel(self) -> socket.socket:
        for attempt in (1, 2):
            if not self.alive():
                self.close()
                self.start()
            mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                socket.send_fds(self._control, [b"r"], [theirs.fileno()])
                return mine
            except OSError as exc:
                mine.close()
                self.close()
                if attempt == 2:
                    raise GraderFault(f"cannot reach the clean grading process: {exc}") from None
            finally:
                theirs.close()
        raise GraderFault("cannot reach the clean grading process")  # pragma: no cover

    def run(self, request: dict[str, Any], *, cell_timeout: float = 60.0,
            total_timeout: float = 600.0) -> RunResult:
        """Run one notebook's cells as ``request`` says; the kernel is gone on return."""
        channel = self.open_channel()
        try:
            return _converse(channel, request, cell_timeout, total_timeout)
        finally:
            channel.close()


def _converse(channel: socket.socket, request: dict[str, Any], cell_timeout: float,
              total_timeout: float) -> RunResult:
    started = time.monotonic()
    result = RunResult(mode=request["mode"])
    channel.sendall((json.dumps(request) + "\n").encode())
    fd = channel.fileno()
    pending = [int(i) for i, _ in request["cells"]]
    kernel: int | None = None
    ready = False
    buffer = b""
    received = 0
    cell_started = time.monotonic()
    interrupted_at: float | None = None
    try:
        while True:
            now = time.monotonic()
            if not ready and now - started > START_TIMEOUT:
                raise GraderFault("the kernel did not get ready in "
                                  f"{START_TIMEOUT:g} s (confinement or start-up failed).")
            if ready and pending:
                if now - started > total_timeout:
                    result.died = (f"the notebook ran past its total time limit "
                                   f"({total_timeout:g} s)")
                    break
                if interrupted_at is None and now - cell_started > cell_timeout:
                    result.timed_out.append(pending[0])
                    _signal(kernel, signal.SIGINT)
                    interrupted_at = now
                if interrupted_at is not None and now - interrupted_at > INTERRUPT_GRACE:
                    result.died = (f"cell {pending[0]} ran past {cell_timeout:g} s and ignored "
                                   "the interrupt")
                    break
            readable, _, _ = select.select([fd], [], [], 0.05)
            if not readable:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                if not ready:
                    raise GraderFault("the kernel stopped before it was ready "
                                      "(confinement or start-up failed).")
                result.died = "the kernel died"
                break
            received += len(chunk)
            if received > MAX_RUN_BYTES:
                result.died = "the notebook produced too much output"
                break
            buffer += chunk
            finished = False
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                message = _parse(line)
                if message is None:
                    continue
                if not ready:
                    if "fault" in message:
                        raise GraderFault(str(message["fault"])[:1000])
                    if kernel is None and isinstance(message.get("kernel"), int):
                        kernel = message["kernel"]
                    elif kernel is not None and message.get("ready") is True:
                        ready = True
                        cell_started = time.monotonic()
                    continue
                if message.get("done") is True:
                    finished = True
                    break
                index = message.get("cell")
                if type(index) is int and index in pending:
                    outputs = _clean_outputs(message.get("outputs"))
                    if index in result.timed_out:
                        outputs = [o for o in outputs if o.get("ename") != "KeyboardInterrupt"]
                        outputs.append(_timeout_error(cell_timeout))
                    result.outputs[index] = outputs
                    pending.remove(index)
                    cell_started = time.monotonic()
                    interrupted_at = None
            if finished or (ready and not pending):
                break
            if len(buffer) > MAX_MESSAGE_BYTES:
                result.died = "the notebook produced too much output"
                break
    finally:
        _kill(kernel, request)
        result.seconds = time.monotonic() - started
    return result


def _parse(line: bytes) -> dict[str, Any] | None:
    if len(line) > MAX_MESSAGE_BYTES:
        return None
    try:
        message = json.loads(line)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def _text(value: Any, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _clean_outputs(outputs: Any) -> list[dict[str, Any]]:
    """Only outputs of the notebook format, with fields of the right types."""
    if not isinstance(outputs, list):
        return []
    cleaned = []
    for output in outputs[:100]:
        if isinstance(output, dict) and output.get("output_type") in _OUTPUT_TYPES:
            cleaned.append(_clean(output))
    return cleaned


def _clean(output: dict[str, Any]) -> dict[str, Any]:
    kind = output["output_type"]
    if kind == "stream":
        name = output.get("name") if output.get("name") in ("stdout", "stderr") else "stdout"
        return {"output_type": "stream", "name": name,
                "text": _text(output.get("text"), MAX_STREAM_CHARS)}
    if kind == "error":
        trace = output.get("traceback")
        return {"output_type": "error", "ename": _text(output.get("ename"), 200) or "Error",
                "evalue": _text(output.get("evalue"), 2000),
                "traceback": [_text(t, 5000) for t in trace[:200]] if isinstance(trace, list)
                else []}
    data = output.get("data")
    data = {str(k)[:200]: v for k, v in data.items()} if isinstance(data, dict) else {}
    metadata = output.get("metadata")
    cleaned = {"output_type": kind, "data": data,
               "metadata": metadata if isinstance(metadata, dict) else {}}
    if kind == "execute_result":
        count = output.get("execution_count")
        cleaned["execution_count"] = count if type(count) is int else None
    return cleaned


def _timeout_error(seconds: float) -> dict[str, Any]:
    return {"output_type": "error", "ename": "CellTimeoutError", "evalue": "",
            "traceback": [f"CellTimeoutError: the cell ran longer than {seconds:g} s"]}


def _signal(pid: int | None, sig: int) -> None:
    if pid is None:
        return
    for target in (pid, -pid):
        try:
            os.kill(target, sig)
        except (ProcessLookupError, PermissionError):
            pass


def _kill(kernel: int | None, request: dict[str, Any]) -> None:
    """Kill the kernel and whatever it started.

    With namespaces the kernel is process 1 of its own PID namespace: killing it kills every
    process in the namespace. Without, its process group goes, then (as root) every process
    of its one-run uid.
    """
    _signal(kernel, signal.SIGKILL)
    if request["mode"] == "uid":
        kill_processes_of(int(request["uid"]))


def kill_processes_of(uid: int) -> int:
    """Kill every process of ``uid``, until none is left (a forking loop cannot outrun it)."""
    killed = 0
    if uid == 0 or not os.path.isdir("/proc"):
        return 0
    for _round in range(50):
        found = 0
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    if os.stat(f"/proc/{name}").st_uid == uid:
                        os.kill(int(name), signal.SIGKILL)
                        found += 1
                except OSError:
                    continue
        killed += found
        if not found:
            break
    return killed
