"""A one-shot kernel: a child process, forked from a warmed-up parent, runs one notebook.

Starting a Jupyter kernel and importing numpy, sympy and matplotlib in it takes seconds for
every submission. Here the parent imports them once (:func:`warm_up`); each submission then
runs in a fresh child made by ``fork`` — its own process, memory and limits, no state from
any other submission — which executes the code cells in an IPython shell, captures their
outputs in the notebook format, streams them back through a pipe, and exits.

The protocol is one JSON document per line: ``{"cell": i, "outputs": [...]}`` after each
cell, then ``{"done": true}``. The parent enforces the time limits: a cell past its limit
gets ``SIGINT`` (a ``KeyboardInterrupt``, as Jupyter's interrupt), and if that does not stop
it within a grace period the child's whole process group is killed.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PRELOAD = ("numpy", "scipy", "scipy.stats", "scipy.special", "sympy", "matplotlib",
           "matplotlib.pyplot", "mlfund.check", "mlfund.exercises", "mlfund.optimization",
           "mlfund.inference", "mlfund.evaluation")

MAX_STREAM_CHARS = 100_000
MAX_OUTPUTS_PER_CELL = 50
MAX_MESSAGE_BYTES = 8_000_000
INTERRUPT_GRACE = 2.0

_shell = None


def warm_up(modules: tuple[str, ...] = PRELOAD) -> None:
    """Import the heavy modules and build the IPython shell once, in the parent."""
    global _shell
    os.environ.setdefault("MPLBACKEND", "Agg")
    import importlib

    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    if "matplotlib" in sys.modules:
        import matplotlib

        matplotlib.use("Agg")
    if _shell is None:
        _shell = _make_shell()


def _make_shell():
    from IPython.core.display_trap import DisplayTrap
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "NoColor"
    config.InteractiveShell.autocall = 0

    class _Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False,
                    **kwargs):
            _CAPTURE.add({"output_type": "display_data", "data": dict(data),
                          "metadata": dict(metadata or {})})

        def clear_output(self, wait=False):
            _CAPTURE.outputs.clear()

    class _Hook(DisplayHook):
        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            _CAPTURE.add({"output_type": "execute_result", "data": dict(format_dict),
                          "metadata": dict(md_dict or {}),
                          "execution_count": self.prompt_count})

        def finish_displayhook(self):
            pass

    class _Shell(InteractiveShell):
        def _showtraceback(self, etype, evalue, stb):
            _CAPTURE.add({"output_type": "error", "ename": getattr(etype, "__name__", "Error"),
                          "evalue": str(evalue)[:2000], "traceback": [str(s)[:5000] for s in stb]})

        def init_display_pub(self):
            self.display_pub = _Publisher(parent=self, shell=self)
            self.configurables.append(self.display_pub)

        def init_displayhook(self):
            self.displayhook = _Hook(parent=self, shell=self, cache_size=0)
            self.configurables.append(self.displayhook)
            self.display_trap = DisplayTrap(hook=self.displayhook)

    shell = _Shell.instance(config=config)
    return shell


class _Capture:
    """Outputs of the running cell, with caps so a flood cannot fill memory."""

    def __init__(self) -> None:
        self.outputs: list[dict[str, Any]] = []
        self.dropped = 0

    def reset(self) -> None:
        self.outputs = []
        self.dropped = 0

    def add(self, output: dict[str, Any]) -> None:
        if len(self.outputs) >= MAX_OUTPUTS_PER_CELL:
            self.dropped += 1
            return
        self.outputs.append(output)

    def stream(self, name: str, text: str) -> None:
        last = self.outputs[-1] if self.outputs else None
        if last is not None and last.get("output_type") == "stream" and last["name"] == name:
            room = MAX_STREAM_CHARS - len(last["text"])
            if room > 0:
                last["text"] += text[:room]
            else:
                self.dropped += 1
            return
        self.add({"output_type": "stream", "name": name, "text": text[:MAX_STREAM_CHARS]})


_CAPTURE = _Capture()


class _Stream:
    """A text stream that writes into the capture (stands in for sys.stdout/stderr)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.encoding = "utf-8"

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            text = str(text)
        _CAPTURE.stream(self.name, text)
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise OSError("this stream has no file descriptor")


@dataclass
class RunResult:
    """What happened to a notebook run: outputs per cell, and how the run ended."""

    outputs: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    timed_out: list[int] = field(default_factory=list)
    died: str | None = None
    seconds: float = 0.0


def _child(fd: int, cells: list[tuple[int, str]], cwd: str, env: dict[str, str],
           prepare: Callable[[], None] | None) -> None:
    """Body of the forked child. Never returns."""
    try:
        os.setpgid(0, 0)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        if prepare is not None:
            prepare()
        out = os.fdopen(fd, "w", encoding="utf-8", buffering=1)
        devnull = os.open(os.devnull, os.O_RDWR)
        for std in (0, 1, 2):
            os.dup2(devnull, std)  # the learner's code cannot write to the grader's terminal
        sys.stdout, sys.stderr = _Stream("stdout"), _Stream("stderr")
        import warnings

        warnings.filterwarnings("ignore", message=".*non-interactive.*")
        shell = _shell
        sys.path.insert(0, cwd)
        kernel = os.getpid()
        for index, source in cells:
            _CAPTURE.reset()
            try:
                shell.run_cell(source, store_history=True)
            except KeyboardInterrupt:
                _CAPTURE.add({"output_type": "error", "ename": "KeyboardInterrupt",
                              "evalue": "", "traceback": ["KeyboardInterrupt"]})
            except BaseException as exc:  # SystemExit and friends end the cell, not the run
                _CAPTURE.add({"output_type": "error", "ename": type(exc).__name__,
                              "evalue": str(exc)[:2000], "traceback": []})
            if os.getpid() != kernel:
                os._exit(0)  # a process the learner's code forked never runs later cells
            sys.stdout, sys.stderr = _Stream("stdout"), _Stream("stderr")
            message = json.dumps({"cell": index, "outputs": _CAPTURE.outputs,
                                  "dropped": _CAPTURE.dropped}, default=str)
            if len(message) > MAX_MESSAGE_BYTES:
                message = json.dumps({"cell": index, "outputs": [
                    {"output_type": "stream", "name": "stderr",
                     "text": "[output too large; removed by the grader]"}]})
            out.write(message + "\n")
        out.write(json.dumps({"done": True}) + "\n")
        out.flush()
    except BaseException:
        pass
    finally:
        os._exit(0)


def run_cells(cells: list[tuple[int, str]], *, cwd: str, env: dict[str, str],
              cell_timeout: float = 60.0, total_timeout: float = 600.0,
              prepare: Callable[[], None] | None = None) -> RunResult:
    """Run ``cells`` (index, source) in a forked child; collect their outputs.

    ``prepare`` runs in the child before any cell (resource limits, dropping privileges,
    the import policy). The child is always gone when this returns.
    """
    if _shell is None:
        warm_up()
    read_fd, write_fd = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read_fd)
        _child(write_fd, cells, cwd, env, prepare)
    os.close(write_fd)
    result = RunResult()
    pending = [i for i, _ in cells]
    buffer = b""
    cell_started = time.monotonic()
    interrupted_at: float | None = None
    received = 0
    try:
        while pending:
            now = time.monotonic()
            if now - started > total_timeout:
                result.died = f"the notebook ran past its total time limit ({total_timeout:g} s)"
                break
            if interrupted_at is None and now - cell_started > cell_timeout:
                result.timed_out.append(pending[0])
                _signal_group(pid, signal.SIGINT)
                interrupted_at = now
            if interrupted_at is not None and now - interrupted_at > INTERRUPT_GRACE:
                result.died = (f"cell {pending[0]} ran past {cell_timeout:g} s and ignored the "
                               "interrupt")
                break
            ready, _, _ = select.select([read_fd], [], [], 0.05)
            if not ready:
                continue
            chunk = os.read(read_fd, 1 << 16)
            if not chunk:
                result.died = "the kernel died"
                break
            received += len(chunk)
            if received > 4 * MAX_MESSAGE_BYTES:
                result.died = "the notebook produced too much output"
                break
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                try:
                    message = json.loads(line)
                except ValueError:
                    continue
                if message.get("done"):
                    pending = []
                    break
                index = message.get("cell")
                if index in pending:
                    outputs = message.get("outputs", [])
                    if index in result.timed_out:
                        outputs = [o for o in outputs if o.get("ename") != "KeyboardInterrupt"]
                        outputs.append(_timeout_error(cell_timeout))
                    result.outputs[index] = outputs
                    pending.remove(index)
                    cell_started = time.monotonic()
                    interrupted_at = None
    finally:
        _signal_group(pid, signal.SIGKILL)
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        os.close(read_fd)
        result.seconds = time.monotonic() - started
    return result


def _timeout_error(seconds: float) -> dict[str, Any]:
    return {"output_type": "error", "ename": "CellTimeoutError", "evalue": "",
            "traceback": [f"CellTimeoutError: the cell ran longer than {seconds:g} s"]}


def _signal_group(pid: int, sig: int) -> None:
    for target in (-pid, pid):
        try:
            os.kill(target, sig)
        except (ProcessLookupError, PermissionError):
            pass
