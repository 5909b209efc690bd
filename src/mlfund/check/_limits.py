"""A hard time limit around work that could run away (sympy's simplify, a learner's function)."""

from __future__ import annotations

import contextlib
import ctypes
import signal
import threading
import time
from collections.abc import Iterator


class TimeLimitExceeded(BaseException):
    """The guarded work ran past its time limit.

    A BaseException, like KeyboardInterrupt, so that library code which catches
    ``Exception`` (sympy has such places) cannot swallow it; and it is raised again every
    ``REPEAT`` seconds until the guarded block ends, in case something swallows it anyway.
    """


REPEAT = 0.05


def _can_use_signals() -> bool:
    return (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )


#: What a limit measures: ``"cpu"`` — the process's CPU time, so that a busy machine does
#: not change a verdict (the checker's own work: simplification, solving, sums) — or
#: ``"wall"`` — elapsed time, for code that may wait rather than compute (a learner's
#: function, which could sleep).
CLOCKS = {"cpu": (signal.ITIMER_PROF, signal.SIGPROF, time.process_time),
          "wall": (signal.ITIMER_REAL, signal.SIGALRM, time.monotonic)}


@contextlib.contextmanager
def time_limit(seconds: float, *, clock: str = "cpu") -> Iterator[None]:
    """Raise :class:`TimeLimitExceeded` inside the block once ``seconds`` have passed.

    ``clock`` is ``"cpu"`` (the default: seconds of this process's CPU time) or ``"wall"``.
    In the main thread of a POSIX process (the notebook's kernel, the grader, each worker of
    the grading pool) this uses an interval timer and its signal; nested limits on the same
    clock keep the tighter one. In any other thread a watchdog raises the exception in the
    guarded thread. Either way the exception arrives between two Python bytecodes, as a
    KeyboardInterrupt would.
    """
    if clock not in CLOCKS:
        raise ValueError(f"clock ({clock!r}) must be one of 'cpu' or 'wall'.")
    if seconds <= 0:
        raise TimeLimitExceeded()
    if _can_use_signals():
        with _signal_limit(seconds, clock):
            yield
    else:
        with _thread_limit(seconds, CLOCKS[clock][2]):
            yield


def _swallowed_here(frame) -> bool:
    """Whether an exception raised in ``frame`` would be swallowed, not reach the block.

    Python ignores exceptions raised in a garbage-collector callback (a library's timer of
    GC time), a ``__del__`` or ``sys.unraisablehook`` itself, and reports them as
    "unraisable": raising there would lose the limit and disturb whoever handles such
    reports. The timer repeats, so the limit is raised again a tick later, in the block.
    """
    import gc
    import sys

    codes = {getattr(callback, "__code__", None) for callback in gc.callbacks}
    codes.add(getattr(sys.unraisablehook, "__code__", None))
    codes.discard(None)
    depth = 0
    while frame is not None and depth < 64:
        if frame.f_code in codes or frame.f_code.co_name == "__del__":
            return True
        frame, depth = frame.f_back, depth + 1
    return False


@contextlib.contextmanager
def _signal_limit(seconds: float, clock: str) -> Iterator[None]:
    which, signum, now = CLOCKS[clock]

    def _raise(signum, frame):  # noqa: ARG001
        if _swallowed_here(frame):
            return   # the next tick, REPEAT seconds on, raises it where it counts
        raise TimeLimitExceeded()

    previous_handler = signal.getsignal(signum)
    previous_delay, _ = signal.getitimer(which)
    delay = min(seconds, previous_delay) if previous_delay > 0 else seconds
    started = now()
    signal.signal(signum, _raise)
    signal.setitimer(which, delay, REPEAT)
    try:
        yield
    finally:
        signal.setitimer(which, 0)
        signal.signal(signum, previous_handler)
        if previous_delay > 0:
            # give the outer limit back what is left of it (at least a tick, so it fires)
            remaining = previous_delay - (now() - started)
            signal.setitimer(which, max(remaining, 1e-3))


@contextlib.contextmanager
def _thread_limit(seconds: float, now=time.monotonic) -> Iterator[None]:
    target = threading.get_ident()
    lock = threading.Lock()
    state = {"active": True, "fired": False}
    set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc

    stop = threading.Event()
    started = now()

    def fire() -> None:
        while (remaining := seconds - (now() - started)) > 0:
            if stop.wait(min(remaining, 0.1)):  # CPU time passes no faster than wall time
                return
        while True:
            with lock:
                if not state["active"]:
                    return
                state["fired"] = True
                set_async_exc(ctypes.c_ulong(target), ctypes.py_object(TimeLimitExceeded))
            if stop.wait(REPEAT):
                return

    watchdog = threading.Thread(target=fire, daemon=True)
    watchdog.start()
    try:
        yield
    finally:
        with lock:
            state["active"] = False
            stop.set()
            if state["fired"]:
                # the exception may still be pending: never let it escape the block
                set_async_exc(ctypes.c_ulong(target), None)
