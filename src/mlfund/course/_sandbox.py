"""Confinement of the learner's code in a graded run.

Applied in the one-shot kernel's child process before any learner code runs:

1. **Resource limits** (``setrlimit``): CPU seconds, address space, processes, file size,
   open files; always, root or not.
2. **Hidden paths** (root only): a private mount namespace with an empty read-only tmpfs
   over the course sources (with solutions), the course folder (gradebook, other
   submissions, exchange) and the course config.
3. **An unprivileged user** (root only): the child drops to ``nobody`` (configurable), so
   it cannot write outside its scratch folder or signal the grader.
4. **An import policy**: an audit hook — which later code cannot remove — refuses imports of
   modules an exercise forbids (``sklearn.metrics`` …) from the learner's cells.

Where the grader is not root, only 1 and 4 apply; :meth:`Confinement.describe` says so.
"""

from __future__ import annotations

import ctypes
import os
import pwd
import resource
import sys
from collections.abc import Iterable
from pathlib import Path

from traitlets import Bool, Integer, List, Unicode
from traitlets.config import Configurable

CLONE_NEWNS = 0x00020000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REC = 16384
MS_PRIVATE = 1 << 18


class ConfinementError(RuntimeError):
    """The child could not be confined as asked; the learner's code must not run."""


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _mount_tmpfs_over(path: str) -> None:
    libc = _libc()
    flags = MS_RDONLY | MS_NOSUID | MS_NODEV
    if libc.mount(b"tmpfs", path.encode(), b"tmpfs", flags, b"size=4k,mode=000") != 0:
        err = ctypes.get_errno()
        raise ConfinementError(f"cannot hide {path}: {os.strerror(err)}")


def _private_mounts() -> None:
    libc = _libc()
    if libc.unshare(CLONE_NEWNS) != 0:
        raise ConfinementError(f"no mount namespace: {os.strerror(ctypes.get_errno())}")
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        raise ConfinementError(f"cannot make mounts private: {os.strerror(ctypes.get_errno())}")


MS_BIND = 4096
MNT_DETACH = 2


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    libc = _libc()
    if libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                  data.encode() if data else None) != 0:
        raise ConfinementError(f"cannot mount {source} on {target}: "
                               f"{os.strerror(ctypes.get_errno())}")


def _closed_ancestor(path: str) -> str | None:
    """The highest folder above ``path`` that other users cannot enter, if any."""
    parts = Path(path).resolve().parts
    for i in range(1, len(parts)):
        folder = str(Path(*parts[:i + 1]))
        try:
            mode = os.stat(folder).st_mode
        except OSError:
            return None
        if not mode & 0o001:
            return folder if folder != path else None
    return None


def expose(path: str) -> None:
    """Make ``path`` reachable by other users inside this mount namespace only.

    When an ancestor such as ``/root`` (mode 700) blocks the way to the Python installation,
    that ancestor is covered with an empty tmpfs, the path re-created inside it and the real
    folder bound there. The rest of the ancestor stays hidden.
    """
    path = str(Path(path).resolve())
    closed = _closed_ancestor(path)
    if closed is None:
        return
    import tempfile

    staging = tempfile.mkdtemp(prefix="mlfund-expose-")
    _mount(path, staging, None, MS_BIND | MS_REC, None)
    already = os.path.ismount(closed) and os.stat(closed).st_mode & 0o001
    if not already:
        _mount("tmpfs", closed, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=64k")
    target = os.path.join(closed, os.path.relpath(path, closed))
    os.makedirs(target, mode=0o755, exist_ok=True)
    _mount(staging, target, None, MS_BIND | MS_REC, None)
    _libc().umount2(staging.encode(), MNT_DETACH)
    os.rmdir(staging)


def private_temporary_folders(keep: list[str]) -> None:
    """Cover /tmp, /var/tmp and /dev/shm with empty tmpfs mounts, keeping what the kernel needs.

    Shared temporary folders are the one place an unprivileged user could write outside
    its scratch folder. The folders in ``keep`` that lie inside them (the scratch folder;
    the Python installation or this package when they live in /tmp) are bound back at their
    own paths, through descriptors opened before the cover.
    """
    covered = [f for f in ("/tmp", "/var/tmp", "/dev/shm") if os.path.isdir(f)]
    inside = sorted({p for p in keep if os.path.isdir(p)
                     and any(p == f or p.startswith(f + "/") for f in covered)}, key=len)
    descriptors = {path: os.open(path, os.O_RDONLY | os.O_DIRECTORY) for path in inside}
    try:
        for folder in covered:
            _mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=1m")
        for path, fd in descriptors.items():
            os.makedirs(path, mode=0o755, exist_ok=True)
            _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC, None)
    finally:
        for fd in descriptors.values():
            os.close(fd)


def _python_paths() -> list[str]:
    import sysconfig

    paths = {sys.base_prefix, sys.prefix, sysconfig.get_paths()["stdlib"],
             sysconfig.get_paths()["purelib"], str(Path(__file__).resolve().parents[2])}
    return sorted(p for p in paths if p and os.path.exists(p))


def _is_learner_code(filename: str, scratch: str) -> bool:
    """Code the learner wrote: a notebook cell, exec'd text, or a file in the scratch folder."""
    return (filename.startswith("<ipython-input-") or filename.startswith("<string>")
            or "ipykernel_" in filename or (bool(scratch) and filename.startswith(scratch)))


def _importer(frame) -> str:
    """The file of the code that asked for the import (skipping the import machinery)."""
    while frame is not None:
        name = frame.f_code.co_filename
        if not (name.startswith("<frozen importlib") or "importlib" in name.split("/")[-2:]
                or name == __file__):
            return name
        frame = frame.f_back
    return ""


def forbid_imports(modules: Iterable[str], *, scratch: str = "") -> None:
    """Refuse imports of these modules (and their submodules) asked for by the learner's code.

    The import is refused when the code that asked for it is the learner's: a cell, text
    run through ``exec``/``eval``, or a file the learner wrote into the scratch folder; by
    ``import``, ``__import__`` or ``importlib`` alike. Library code that imports what it
    needs for itself is unaffected. The modules are dropped from ``sys.modules`` first, so
    that a later import really happens and is seen. The audit hook cannot be removed.
    """
    banned = tuple(sorted(set(modules)))
    if not banned:
        return
    for name in list(sys.modules):
        if any(name == b or name.startswith(b + ".") for b in banned):
            del sys.modules[name]

    def is_banned(name: str) -> bool:
        return any(name == b or name.startswith(b + ".") for b in banned)

    def hook(event: str, args: tuple) -> None:
        if event == "import":
            name = args[0] if args else ""
            if isinstance(name, str) and is_banned(name):
                if _is_learner_code(_importer(sys._getframe(1)), scratch):
                    raise ImportError(f"import of {name} is not allowed in this assignment "
                                      f"(forbidden: {', '.join(banned)}).")
        elif event == "sys.addaudithook":
            raise RuntimeError("adding audit hooks is not allowed while grading.")

    sys.addaudithook(hook)


def static_violations(source: str, forbidden: Iterable[str]) -> list[str]:
    """Forbidden modules that a cell's source imports, by any route a scan can see."""
    import ast
    import re

    banned = tuple(forbidden)
    if not banned:
        return []

    def hit(name: str) -> bool:
        return any(name == b or name.startswith(b + ".") for b in banned)

    found: list[str] = []
    try:
        tree = ast.parse(source)
    except SyntaxError:
        tree = None
    if tree is not None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [a.name for a in node.names if hit(a.name)]
            elif isinstance(node, ast.ImportFrom) and node.module:
                found += [node.module] if hit(node.module) else []
                found += [f"{node.module}.{a.name}" for a in node.names
                          if hit(f"{node.module}.{a.name}") and not hit(node.module)]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                # names in strings: __import__("sklearn.metrics"), exec("import ...")
                for word in re.findall(r"[A-Za-z_][\w.]*", node.value):
                    if hit(word):
                        found.append(word)
    return sorted(set(found))


class Confinement(Configurable):
    """What the grader applies to the learner's code; every limit is configurable."""

    cpu_seconds = Integer(
        120, help="CPU seconds for the whole notebook (RLIMIT_CPU).").tag(config=True)
    memory_bytes = Integer(
        4 * 1024**3, help="Address space of the kernel (RLIMIT_AS).").tag(config=True)
    max_processes = Integer(
        64, help="Processes the kernel's user may have (RLIMIT_NPROC).").tag(config=True)
    file_size_bytes = Integer(
        64 * 1024**2, help="Largest file it may write (RLIMIT_FSIZE).").tag(config=True)
    open_files = Integer(256, help="Open files (RLIMIT_NOFILE).").tag(config=True)
    user = Unicode(
        "", help="Unprivileged user of the kernel when the grader is root; empty means a uid "
                 "of its own for each grading worker (61000 + the worker's pid % 1000), so "
                 "that kernels of parallel workers cannot see or signal one another."
    ).tag(config=True)
    hide = List(Unicode(), help="Paths hidden from the kernel (root only).")
    forbidden_imports = List(Unicode(), help="Modules the learner's cells may not import.")
    require_isolation = Bool(
        False, help="Refuse to grade when full isolation is not available.").tag(config=True)

    def describe(self) -> str:
        if is_root():
            who = repr(self.user) if self.user else "a uid of its own"
            return f"full: resource limits, hidden course files, runs as {who}"
        return "partial: resource limits and the import policy only (the grader is not root)"

    _ids = (65534, 65534)

    def prepare(self) -> tuple[int, int]:
        """In the grader, before the fork: fix the kernel's ids (they name its files)."""
        self._ids = self.ids()
        return self._ids

    def apply(self) -> None:
        """Confine the current process (the forked child). Raises ConfinementError."""
        self._limits()
        if is_root():
            _private_mounts()
            for path in self.hide:
                if os.path.exists(path):
                    _mount_tmpfs_over(os.path.realpath(path))
            for path in _python_paths():
                expose(path)
            scratch = os.getcwd()
            private_temporary_folders([scratch, *_python_paths()])
            os.chdir(scratch)
            self._drop_privileges()
        elif self.require_isolation:
            raise ConfinementError("isolation needs the grader to run as root.")
        forbid_imports(self.forbidden_imports, scratch=os.getcwd())

    def _limits(self) -> None:
        def cap(kind: int, value: int) -> None:
            soft, hard = resource.getrlimit(kind)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(kind, (value, value))

        cap(resource.RLIMIT_CPU, self.cpu_seconds)
        cap(resource.RLIMIT_AS, self.memory_bytes)
        cap(resource.RLIMIT_FSIZE, self.file_size_bytes)
        cap(resource.RLIMIT_NOFILE, self.open_files)
        if is_root():
            cap(resource.RLIMIT_NPROC, self.max_processes)
        else:
            # the limit counts all of the user's processes: leave room above those running
            cap(resource.RLIMIT_NPROC, _user_processes() + self.max_processes)

    def ids(self) -> tuple[int, int]:
        """The (uid, gid) the kernel runs as."""
        if not self.user:
            uid = 61000 + os.getpid() % 1000
            return uid, uid
        try:
            entry = pwd.getpwnam(self.user)
        except KeyError:
            raise ConfinementError(
                f"user ({self.user!r}) does not exist on this machine.") from None
        return entry.pw_uid, entry.pw_gid

    def _drop_privileges(self) -> None:
        uid, gid = self._ids
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
        if os.getuid() == 0 or os.geteuid() == 0:
            raise ConfinementError("could not drop root privileges.")


def kill_processes_of(uid: int) -> int:
    """Kill every process of ``uid`` (what a kernel left behind); return how many."""
    import signal

    killed = 0
    if uid == 0 or not Path("/proc").is_dir():
        return 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    os.kill(int(entry.name), signal.SIGKILL)
                    killed += 1
            except (OSError, ProcessLookupError):
                continue
    return killed


def _user_processes() -> int:
    uid = os.getuid()
    count = 0
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else []:
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += 1
            except OSError:
                continue
    return count
