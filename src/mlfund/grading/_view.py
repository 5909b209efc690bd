"""The one-shot kernel's world: namespaces, a read-only view of the filesystem, no privilege.

What this defends (the learner's code is hostile and the grader may run as root):

- **Everything not needed is absent.** The kernel does not get a copy of the host's
  filesystem with holes punched in it; it gets a new, empty root (a tmpfs) into which only
  what Python needs is bound read-only: ``/usr``, a few files of ``/etc``, the Python
  installation, the site folders, the installed ``mlfund`` package, ``/dev/null`` and
  friends, a fresh ``/proc`` — and its scratch folder, the one writable place. The
  checkout (``.git``, ``notebooks/`` with solutions, ``autograder/``), the course folder,
  other submissions, ``/root``, ``/home``, ``/run`` and ``/tmp`` are simply not there.
  Folders that other users cannot enter (``/root``, a ``mktemp -d`` folder) do not matter:
  the binds are made by the holder before privileges are dropped, so the Python
  installation is reachable wherever it lives, through symlinks too. Inside the package,
  the exercise catalogue (references and mistakes) and the modules that the notebook's
  exercises forbid are covered by empty read-only mounts. (tests/grading/test_boundary.py:
  hidden files, ``.git``, writes; tests/course/test_placement.py: a closed folder.)
- **Its own PID namespace.** The kernel runs under an init of ours, process 1 of a new PID
  namespace: it sees no other process, can signal none, and when the init is killed the
  kernel (Linux) kills everything in the namespace, however it tried to escape (``setsid``,
  double forks). (test_boundary.py: a re-forking orphan does not outlive the run.)
- **An empty network namespace**: not even the host's loopback services are reachable.
- **A uid of its own** for each run (root grader) and no capabilities; ``no_new_privs``.

As root all of this holds. As an unprivileged user, the same namespaces are made inside a
user namespace where the system allows one (the kernel then runs with the grader's uid but
cannot see more than its view); where it does not, only resource limits and a fresh process
apply, and :func:`isolation_available` says so.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
from collections.abc import Iterable

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_NOATIME = 1024
MS_NODIRATIME = 2048
MS_BIND = 4096
MS_RELATIME = 1 << 21
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2
PR_SET_NO_NEW_PRIVS = 38

_PIVOT_ROOT = {"x86_64": 155, "amd64": 155, "aarch64": 217, "arm64": 217}

#: Top-level folders that Python and the libraries it loads may need, bound read-only.
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt/conda")
#: What of /etc the kernel may see: the loader's cache, names of users and groups, time
#: zone, MIME types, fonts. Not the rest, which may hold a grader's configuration.
ETC_PATHS = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
             "/etc/timezone", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/hosts",
             "/etc/mime.types", "/etc/fonts", "/etc/alternatives", "/etc/matplotlibrc")
DEVICES = ("null", "zero", "full", "random", "urandom")


class ConfinementError(RuntimeError):
    """The kernel could not be confined as asked; the learner's code must not run."""


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _fail(what: str) -> ConfinementError:
    return ConfinementError(f"{what}: {os.strerror(ctypes.get_errno())}")


def mount(source: str | None, target: str, fstype: str | None, flags: int,
          data: str | None = None) -> None:
    def enc(text: str | None) -> bytes | None:
        return text.encode() if text is not None else None

    if _libc().mount(enc(source), enc(target), enc(fstype), flags, enc(data)) != 0:
        raise _fail(f"cannot mount {source} on {target}")


def unshare(flags: int) -> None:
    if _libc().unshare(flags) != 0:
        raise _fail("cannot make new namespaces")


def no_new_privileges() -> None:
    if _libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise _fail("cannot set no_new_privs")


def drop_capabilities() -> None:
    """Clear every capability of this process (used inside a user namespace)."""

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    header = Header(0x20080522, 0)
    data = (Data * 2)()
    if _libc().capset(ctypes.byref(header), ctypes.byref(data)) != 0:
        raise _fail("cannot drop capabilities")


def _flags_of(path: str) -> int:
    """Mount flags that a read-only remount of ``path`` must keep (locked in user namespaces)."""
    flags = 0
    try:
        st = os.statvfs(path)
    except OSError:
        return flags
    for st_flag, ms_flag in ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV),
                             (os.ST_NOEXEC, MS_NOEXEC), (os.ST_NOATIME, MS_NOATIME),
                             (os.ST_NODIRATIME, MS_NODIRATIME), (os.ST_RELATIME, MS_RELATIME)):
        if st.f_flag & st_flag:
            flags |= ms_flag
    return flags


# ---------------------------------------------------------------------------------------
# which paths the kernel needs


def _existing(paths: Iterable[str]) -> list[str]:
    return [p for p in paths if p and os.path.exists(p)]


def python_paths(sys_path: Iterable[str], package_dir: str, *, exclude: Iterable[str] = ()
                 ) -> list[str]:
    """Folders of the Python installation and of the installed packages.

    ``sys_path`` entries inside an ``exclude`` folder (the checkout, the course folder) are
    left out, but ``package_dir`` (the installed ``mlfund``) is always in.
    """
    import sys
    import sysconfig

    excluded = [os.path.realpath(e) for e in exclude if e]
    # shared or current folders are never "the installation", even when on sys.path
    shared = {os.path.realpath(p) for p in ("/", "/tmp", "/var/tmp", "/dev/shm", os.getcwd())}
    found = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, package_dir}
    found.update(v for k, v in sysconfig.get_paths().items()
                 if k in ("stdlib", "platstdlib", "purelib", "platlib"))
    for entry in sys_path:
        if not entry or not os.path.isabs(entry):
            continue
        real = os.path.realpath(entry)
        if real in shared:
            continue
        if any(real == e or real.startswith(e + os.sep) for e in excluded):
            continue
        found.add(entry)
    return sorted(_existing(found))


# ---------------------------------------------------------------------------------------
# building the view (in the kernel, before privileges are dropped)


class _Builder:
    """Bind host paths into a new root at ``root``, read-only, mirroring symlinks."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.bound: list[str] = []  # real host paths visible in the view

    def covered(self, real: str) -> bool:
        return any(real == b or real.startswith(b.rstrip("/") + "/") for b in self.bound)

    def _inside(self, path: str) -> str:
        return self.root + path

    def _mkdirs(self, path: str) -> None:
        """Make ``path`` exist in the view as plain folders (mode 755)."""
        current = ""
        for part in [p for p in path.split("/") if p]:
            current += "/" + part
            target = self._inside(current)
            if os.path.islink(target) or os.path.isdir(target):
                continue
            os.mkdir(target, 0o755)

    def mirror(self, path: str) -> str:
        """Recreate the symlinks on the way to ``path``; return its real host path."""
        current = "/"
        parts = [p for p in path.split("/") if p]
        for i, part in enumerate(parts):
            nxt = os.path.join(current, part)
            if self.covered(os.path.realpath(current)):
                return os.path.realpath(path)
            if os.path.islink(nxt):
                link = self._inside(nxt)
                if not os.path.lexists(link):
                    self._mkdirs(current)
                    os.symlink(os.readlink(nxt), link)
                rest = "/".join(parts[i + 1:])
                return self.mirror(os.path.join(os.path.realpath(nxt), rest))
            current = nxt
        return os.path.realpath(path)

    def bind(self, path: str, *, writable: bool = False) -> None:
        if not os.path.lexists(path):
            return
        real = self.mirror(path)
        if self.covered(real) and not writable:
            return
        if not os.path.exists(real):
            return
        target = self._inside(real)
        if os.path.isdir(real):
            self._mkdirs(real)
        else:
            self._mkdirs(os.path.dirname(real))
            if not os.path.exists(target):
                with open(target, "w"):
                    pass
        mount(real, target, None, MS_BIND | MS_REC)
        flags = MS_REMOUNT | MS_BIND | _flags_of(real) | MS_NOSUID
        if not writable:
            flags |= MS_RDONLY
        mount(None, target, None, flags)
        self.bound.append(real)

    def cover(self, path: str) -> None:
        """An empty read-only folder over ``path`` if it is visible in the view."""
        real = os.path.realpath(path)
        if not (os.path.isdir(real) and self.covered(real)):
            return
        mount("tmpfs", self._inside(real), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV,
              "size=4k,mode=555")


def build_view(*, scratch: str, expose: Iterable[str], hide: Iterable[str],
               proc: bool = True) -> None:
    """Replace this process's root with a minimal read-only view; ``scratch`` stays writable.

    Must run in a new mount namespace (and, for ``proc``, as process 1 of a new PID
    namespace). On return the current folder is ``scratch``.
    """
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    root = os.path.join(os.path.dirname(scratch), "root")  # made beside it by the grader
    os.makedirs(root, mode=0o700, exist_ok=True)
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755")
    os.umask(0o022)
    builder = _Builder(root)
    for name in SYSTEM_PATHS:
        if os.path.islink(name):
            os.symlink(os.readlink(name), root + name)
        else:
            builder.bind(name)
    for path in ETC_PATHS:
        builder.bind(path)
    for path in sorted(set(expose), key=len):
        builder.bind(path)
    builder.bind(scratch, writable=True)
    for path in hide:
        builder.cover(path)
    os.mkdir(root + "/dev", 0o755)
    for name in DEVICES:
        if os.path.exists("/dev/" + name):
            with open(f"{root}/dev/{name}", "w"):
                pass
            mount("/dev/" + name, f"{root}/dev/{name}", None, MS_BIND)
    os.mkdir(root + "/proc", 0o555)
    if proc:
        try:
            mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        except ConfinementError:
            pass  # some containers refuse a new /proc; Python runs without one
    for folder in ("/tmp", "/var/tmp"):
        os.makedirs(root + folder, mode=0o755, exist_ok=True)
    mount(None, root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    _pivot(root)
    os.chdir(scratch)


def _pivot(root: str) -> None:
    number = _PIVOT_ROOT.get(platform.machine().lower())
    if number is None:
        raise ConfinementError(f"pivot_root is not known on {platform.machine()}.")
    os.chdir(root)
    if _libc().syscall(number, b".", b".") != 0:
        raise _fail("cannot change the root folder")
    if _libc().umount2(b".", MNT_DETACH) != 0:
        raise _fail("cannot detach the old root")
    os.chdir("/")


def write_id_maps(uid: int, gid: int) -> None:
    """Map the grader's own ids into a new user namespace (unprivileged mode)."""
    with open("/proc/self/setgroups", "w") as fh:
        fh.write("deny")
    with open("/proc/self/uid_map", "w") as fh:
        fh.write(f"{uid} {uid} 1")
    with open("/proc/self/gid_map", "w") as fh:
        fh.write(f"{gid} {gid} 1")


def drop_to(uid: int, gid: int) -> None:
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if 0 in os.getresuid():
        raise ConfinementError("could not drop root privileges.")


def close_inherited(keep: int) -> None:
    """Close every descriptor but 0, 1, 2 and ``keep``."""
    try:
        fds = [int(n) for n in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 4096))
    for fd in fds:
        if fd > 2 and fd != keep:
            try:
                os.close(fd)
            except OSError as exc:
                if exc.errno != errno.EBADF:
                    raise


def namespaces_available() -> str:
    """``"root"``, ``"user"`` or ``""``: which kind of namespaces this process can make.

    Tried in a short-lived child so that nothing changes here.
    """
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET
        kind = "root"
    else:
        flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET
        kind = "user"
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 0 if _libc().unshare(flags) == 0 else 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return kind if os.waitstatus_to_exitcode(status) == 0 else ""
