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


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`TimeLimitExceeded` inside the block once ``seconds`` have passed.

    In the main thread of a POSIX process (the notebook's kernel, the grader, each worker of
    the grading pool) this uses ``SIGALRM``; nested limits keep the tighter one. In any
    other thread a watchdog timer raises the exception in the guarded thread. Either way
    the exception arrives between two Python bytecodes, as a KeyboardInterrupt would.
    """
    if seconds <= 0:
        raise TimeLimitExceeded()
    if _can_use_signals():
        with _signal_limit(seconds):
            yield
    else:
        with _thread_limit(seconds):
            yield


@contextlib.contextmanager
def _signal_limit(seconds: float) -> Iterator[None]:
    def _raise(signum, frame):  # noqa: ARG001
        raise TimeLimitExceeded()

    previous_handler = signal.getsignal(signal.SIGALRM)
    previous_delay, _ = signal.getitimer(signal.ITIMER_REAL)
    delay = min(seconds, previous_delay) if previous_delay > 0 else seconds
    started = time.monotonic()
    signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, delay, REPEAT)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay > 0:
            # give the outer limit back what is left of it (at least a tick, so it fires)
            remaining = previous_delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(remaining, 1e-3))


@contextlib.contextmanager
def _thread_limit(seconds: float) -> Iterator[None]:
    target = threading.get_ident()
    lock = threading.Lock()
    state = {"active": True, "fired": False}
    set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc

    stop = threading.Event()

    def fire() -> None:
        if stop.wait(seconds):
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
