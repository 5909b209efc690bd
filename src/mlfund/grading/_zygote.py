"""The clean grading process: started by ``exec``, pre-imports the libraries, forks kernels.

What this defends: a learner's kernel inherits whatever its parent holds. So the parent of
every kernel is this process, which the grader starts with ``exec`` (a fresh interpreter),
a minimal environment (no database URL, no token), no descriptor but its control socket,
and no import of the gradebook, the source notebooks or the exercise catalogue. It never
reads a submission either: for each run the grader passes it one end of a new socket pair
(``SCM_RIGHTS``), and the forked *holder* reads the run's request from it directly.

The holder makes the namespaces (:mod:`mlfund.grading._view`), forks the kernel — process 1
of its own PID namespace — reports the kernel's pid to the grader and waits. The kernel
builds its view of the filesystem, closes every descriptor but its channel, sets its
resource limits, drops to its own uid, installs the import policy and the *public* part of
the exercises, says ``ready``, and runs the cells (:func:`mlfund.grading._kernel.run_notebook`).
Anything that fails before ``ready`` is reported as ``{"fault": ...}``: the grader's fault,
never the learner's. (tests/grading/test_boundary.py)
"""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import sys
from typing import Any

MAX_REQUEST_BYTES = 256 * 1024 * 1024
_NAMESPACES = ("CLONE_NEWNS", "CLONE_NEWPID", "CLONE_NEWNET", "CLONE_NEWIPC", "CLONE_NEWUTS")


def _send(fd: int, message: dict[str, Any]) -> None:
    data = (json.dumps(message) + "\n").encode()
    while data:
        data = data[os.write(fd, data):]


def _read_request(fd: int) -> dict[str, Any]:
    chunks, size = [], 0
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            raise RuntimeError("the grader closed the channel before the request ended")
        chunks.append(chunk)
        size += len(chunk)
        if chunk.endswith(b"\n"):
            break
        if size > MAX_REQUEST_BYTES:
            raise RuntimeError("the request is too large")
    return json.loads(b"".join(chunks))


def _banned(name: str, banned: list[str]) -> bool:
    return any(name == b or name.startswith(b + ".") for b in banned)


def _limits(limits: dict[str, int], mode: str) -> None:
    def cap(kind: int, value: int) -> None:
        soft, hard = resource.getrlimit(kind)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(kind, (value, value))

    cap(resource.RLIMIT_CPU, int(limits["cpu_seconds"]))
    cap(resource.RLIMIT_AS, int(limits["memory_bytes"]))
    cap(resource.RLIMIT_FSIZE, int(limits["file_size_bytes"]))
    cap(resource.RLIMIT_NOFILE, int(limits["open_files"]))
    cap(resource.RLIMIT_CORE, 0)
    processes = int(limits["max_processes"])
    if mode in ("user", "none"):  # the limit counts every process of the grader's uid
        processes += _processes_of(os.getuid())
    cap(resource.RLIMIT_NPROC, processes)


def _processes_of(uid: int) -> int:
    count = 0
    for name in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if name.isdigit():
            try:
                count += os.stat(f"/proc/{name}").st_uid == uid
            except OSError:
                continue
    return count


def _kernel(channel: int, request: dict[str, Any]) -> None:
    """The kernel process: confine, then run the learner's cells. Never returns."""
    from mlfund.grading import _kernel as body
    from mlfund.grading import _policy, _view

    mode = request["mode"]
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        scratch = request["cwd"]
        if mode in ("full", "user"):
            _view.build_view(scratch=scratch, expose=request["expose"], hide=request["hide"])
        else:
            os.setsid()
            os.chdir(scratch)
        devnull = os.open(os.devnull, os.O_RDWR)
        for std in (0, 1, 2):
            os.dup2(devnull, std)  # the learner's code cannot write to the grader's terminal
        os.close(devnull)
        _view.close_inherited(keep=channel)
        os.environ.clear()
        os.environ.update(request["env"])
        _limits(request["limits"], mode)
        if mode in ("full", "uid"):
            _view.drop_to(int(request["uid"]), int(request["gid"]))
        elif mode == "user":
            _view.drop_capabilities()
        _view.no_new_privileges()
        _policy.install(request["forbidden"], request["public"], scratch=scratch,
                        folders=request["hide"], hidden=request.get("private", ()))
        _init_of(os.fork(), channel)
        _send(channel, {"ready": True})
    except BaseException as exc:  # noqa: BLE001 - whatever it was, the grader's fault
        try:
            _send(channel, {"fault": f"the kernel could not be confined: "
                                     f"{type(exc).__name__}: {exc}"[:1000]})
        finally:
            os._exit(70)
    body.run_notebook(channel, [(int(i), str(s)) for i, s in request["cells"]],
                      own_processes=mode in ("full", "user", "uid"))


def _init_of(child: int, channel: int) -> None:
    """In the parent after the last fork: be the namespace's process 1 until ``child`` ends.

    The learner's code runs in ``child``, an ordinary process (process 1 ignores signals it
    sends itself). Here the grader's interrupt is passed on, orphans are reaped, and when
    the kernel ends this process ends, which ends every process left in the namespace.
    """
    if child == 0:
        return
    os.close(channel)
    signal.signal(signal.SIGINT, lambda *_: _forward(child, signal.SIGINT))
    while True:
        try:
            pid, _status = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        if pid == child:
            break
    os._exit(0)


def _forward(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except OSError:
        pass


def _holder(channel: int) -> None:
    """Between this process and the kernel: make the namespaces, fork, report, wait."""
    from mlfund.grading import _view

    status = 0
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        _view.close_inherited(keep=channel)
        request = _read_request(channel)
        mode = request["mode"]
        flags = 0
        for name in _NAMESPACES:
            flags |= getattr(_view, name)
        if mode == "full":
            _view.unshare(flags)
        elif mode == "user":
            uid, gid = os.getuid(), os.getgid()
            _view.unshare(flags | _view.CLONE_NEWUSER)
            _view.write_id_maps(uid, gid)
        go_read, go_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(go_write)
            os.read(go_read, 1)
            os.close(go_read)
            _kernel(channel, request)
        os.close(go_read)
        _send(channel, {"kernel": pid})
        os.write(go_write, b"g")
        os.close(go_write)
        os.close(channel)
        os.waitpid(pid, 0)
    except BaseException as exc:  # noqa: BLE001
        status = 70
        try:
            _send(channel, {"fault": f"the kernel could not be started: "
                                     f"{type(exc).__name__}: {exc}"[:1000]})
        except OSError:
            pass
    finally:
        os._exit(status)


def _preload(modules: list[str], banned: list[str]) -> list[str]:
    """Import what may be imported; return the modules whose import pulled in a banned one."""
    import importlib

    culprits = []
    for name in modules:
        if _banned(name, banned):
            continue
        try:
            importlib.import_module(name)
        except ImportError:
            continue
        if any(_banned(loaded, banned) for loaded in list(sys.modules)):
            culprits.append(name)
            break
    return culprits


def main(argv: list[str] | None = None) -> None:
    config = json.loads((argv or sys.argv)[1])
    for entry in reversed(config["sys_path"]):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    os.environ.setdefault("MPLBACKEND", "Agg")
    banned = list(config["forbidden"])
    preload = [m for m in config["preload"] if m not in config.get("skip", [])]
    culprits = _preload(preload, banned)
    if culprits:  # start again without the module that pulled in a forbidden one
        config["skip"] = [*config.get("skip", []), *culprits]
        os.execv(sys.executable, [sys.executable, "-I", "-m", "mlfund.grading._zygote",
                                  json.dumps(config)])
    from mlfund.grading import _kernel

    _kernel.warm_up(())
    signal.signal(signal.SIGCHLD, _kernel.reap_children)
    control = socket.socket(fileno=0)
    os.write(1, b"ready\n")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    while True:
        try:
            message, fds, _flags, _addr = socket.recv_fds(control, 64, 4)
        except OSError:
            return
        if not message and not fds:
            return  # the grader has gone: so do we
        for extra in fds[1:]:
            os.close(extra)
        if not fds:
            continue
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the holder
            control.close()
            _holder(fds[0])
        os.close(fds[0])


if __name__ == "__main__":
    main()
