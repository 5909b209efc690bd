"""The one-shot kernel's body: run a notebook's code cells in an IPython shell.

Starting a Jupyter kernel and importing numpy, sympy and matplotlib in it takes seconds for
every submission. The clean grading process (:mod:`mlfund.grading._zygote`) imports them once
(:func:`warm_up`); each submission then runs in a fresh child of it — its own process,
memory, namespaces and limits, no state from any other submission — which executes the code
cells, captures their outputs in the notebook format, writes them to its channel as one JSON
document per line (``{"cell": i, "outputs": [...]}`` after each cell, then
``{"done": true}``), and exits. The grader enforces the time limits (see
:mod:`mlfund.grading._client`).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import Any

#: Imported once by the clean grading process, unless a notebook's exercise forbids one.
#: The exercise catalogue is never among them: a graded kernel holds no reference.
PRELOAD = ("numpy", "scipy", "scipy.special", "scipy.optimize", "scipy.stats", "sympy",
           "matplotlib", "matplotlib.pyplot", "mlfund.check", "mlfund.optimization",
           "mlfund.inference", "mlfund.evaluation", "mlfund.optimization.symbolic",
           "mlfund.inference.symbolic", "mlfund.evaluation.symbolic")

MAX_STREAM_CHARS = 100_000
MAX_OUTPUTS_PER_CELL = 50
MAX_MESSAGE_BYTES = 8_000_000
INTERRUPT_GRACE = 2.0

_shell = None


def warm_up(modules: tuple[str, ...] = PRELOAD) -> None:
    """Import the heavy modules and build the IPython shell once, in the clean process."""
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
        _use_libraries_once()


def _use_libraries_once() -> None:
    """Simplify a formula once, before any kernel is forked.

    The first ``simplify`` fills sympy's caches, time every kernel would spend again. Only
    modules already imported (never a forbidden one) are used.
    """
    # No figure is drawn here: matplotlib keeps its fonts' files open, and the kernel
    # closes every inherited descriptor, so a font opened here fails in the kernel.
    sympy = sys.modules.get("sympy")
    if sympy is not None:
        try:
            a, b = sympy.symbols("a b", real=True)
            form = sympy.simplify(sympy.diff(sympy.exp(a) / (1 + sympy.exp(-a)), a)
                                  + sympy.log(a * b))
            sympy.latex(form)
            sympy.lambdify(a, form.subs(b, 1), "numpy")
        except Exception:
            pass


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


def _end_other_processes() -> None:
    """Kill every other process the kernel may signal, and reap its own children.

    Only where those are the kernel's own (its PID namespace, or a uid of the run's own):
    a process that a cell started does not live into the next cell, and a fork loop
    cannot keep the next cells short of processes or CPU.
    """
    import errno
    import signal as signals

    for _round in range(100):
        try:
            os.kill(-1, signals.SIGKILL)
        except OSError as exc:
            if exc.errno == errno.ESRCH:
                break
    reap_children()


def reap_children(*_: Any) -> None:
    """Reap every child that has ended, without waiting (also a SIGCHLD handler)."""
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def run_notebook(channel: int, cells: list[tuple[int, str]], *,
                 own_processes: bool = False) -> None:
    """Run ``cells`` (index, source) here, writing their outputs to ``channel``. Never returns.

    Called in the confined kernel process, after :func:`mlfund.grading._view.build_view`
    and the privilege drop; the learner's code runs from here on. With ``own_processes``
    (every process the kernel may signal is its own), what a cell started ends with it.
    """
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        out = os.fdopen(channel, "w", encoding="utf-8", buffering=1)
        sys.stdout, sys.stderr = _Stream("stdout"), _Stream("stderr")
        import warnings

        warnings.filterwarnings("ignore", message=".*non-interactive.*")
        shell = _shell if _shell is not None else _make_shell()
        sys.path.insert(0, os.getcwd())
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
            if own_processes:
                _end_other_processes()
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
