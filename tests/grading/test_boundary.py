"""The process boundary between the grader and the learner's kernel, attacked class by class.

Each test runs hostile cells in a real kernel of the clean grading process, with the request
the autograder builds, and asserts what the kernel could not do. Tests that need namespaces
say why they are skipped where the machine cannot make them.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import textwrap
import time
from pathlib import Path

import pytest

from mlfund.course._fastexec import scratch_directory
from mlfund.course._nbgrader import project_root
from mlfund.course._sandbox import Confinement
from mlfund.grading import CleanProcess, GraderFault, isolation_mode
from mlfund.grading._client import kernel_environment

MODE = isolation_mode()
ISOLATED = MODE in ("full", "user")
needs_namespaces = pytest.mark.skipif(
    not ISOLATED, reason=f"this machine gives the kernel no namespaces (isolation {MODE!r})")

SECRET = "postgresql://grader:s3cr3t-pw@db.example/grades"


@pytest.fixture(scope="module")
def clean():
    """A clean process started while the grader holds a secret, a pipe and a solution."""
    os.environ["MLFUND_DB_URL"] = SECRET
    held_read, held_write = os.pipe()  # a descriptor of the grader's, like a pool's queue
    process = CleanProcess(forbidden=("mlfund.inference", "scipy.stats", "sklearn"))
    try:
        process.start()
        yield process
    finally:
        process.close()
        os.environ.pop("MLFUND_DB_URL", None)
        os.close(held_read)
        os.close(held_write)


def run(process: CleanProcess, *sources: str, forbidden=("mlfund.inference", "scipy.stats",
                                                        "sklearn"), timeout: float = 30.0,
        public=None):
    """Run cells; return (outputs per cell as text, the run result, the kernel's uid)."""
    confinement = Confinement()
    confinement.forbidden_imports = list(forbidden)
    confinement.hide = [str(project_root() / "notebooks"), str(project_root() / ".git")]
    mode = confinement.mode()
    ids = confinement.run_ids() if mode in ("full", "uid") else None
    cells = [(i, textwrap.dedent(s)) for i, s in enumerate(sources)]
    with scratch_directory(str(project_root() / "notebooks" / "w01"), ids) as cwd:
        request = confinement.request(cells, cwd=cwd, env=kernel_environment(cwd), mode=mode,
                                      ids=ids, public=public or {})
        result = process.run(request, cell_timeout=timeout, total_timeout=4 * timeout)
    texts = {}
    for index, outputs in result.outputs.items():
        parts = []
        for o in outputs:
            if o["output_type"] == "stream":
                parts.append(o["text"])
            elif o["output_type"] == "error":
                parts.append(f"{o['ename']}: {o['evalue']}")
            else:
                parts.append(str(o.get("data", {}).get("text/plain", "")))
        texts[index] = "".join(parts)
    return texts, result, request["uid"]


# --- 1. nothing of the grader's process is inherited ----------------------------------

def test_does_the_kernel_hold_no_descriptor_but_its_own_channel(clean):
    texts, _, _ = run(clean, """
        import os
        fds = sorted(int(n) for n in os.listdir('/proc/self/fd'))
        kinds = {fd: os.readlink(f'/proc/self/fd/{fd}') for fd in fds if fd > 2}
        print(kinds)
    """)
    kinds = texts[0]
    assert "pipe:" not in kinds, kinds  # the grader's pipe is not there
    assert kinds.count("socket:") <= 1, kinds  # only the channel (and os.listdir's own fd)


def test_can_gc_find_no_queue_pool_or_pickle_channel_of_the_grader(clean):
    texts, _, _ = run(clean, """
        import gc
        names = {f'{type(o).__module__}.{type(o).__name__}' for o in gc.get_objects()}
        bad = sorted(n for n in names if 'multiprocessing' in n or 'concurrent' in n
                     or 'Gradebook' in n or 'sqlalchemy' in n or 'nbgrader' in n)
        print('found', bad)
    """)
    assert "found []" in texts[0], texts[0]


def test_are_the_graders_secrets_absent_from_the_kernels_memory(clean):
    texts, _, _ = run(clean, """
        import ctypes, gc, os
        ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: make /proc/self readable
        env = open('/proc/self/environ', 'rb').read() if os.path.exists('/proc/self/environ') \\
            else b''
        stack = b''
        for line in open('/proc/self/maps'):
            if '[stack]' in line:
                lo, hi = (int(x, 16) for x in line.split()[0].split('-'))
                with open('/proc/self/mem', 'rb') as mem:
                    mem.seek(lo)
                    stack = mem.read(hi - lo)
        needle = 's3cr3t' + '-pw'
        strings = [o for o in gc.get_objects() if isinstance(o, str) and needle in o]
        print('environ', needle.encode() in env, 'MLFUND_DB_URL' in os.environ,
              'stack', needle.encode() in stack, 'strings', len(strings))
    """)
    assert "environ False False stack False strings 0" in texts[0], texts[0]


def test_are_solutions_and_the_checkout_out_of_reach(clean):
    root = project_root()
    texts, _, _ = run(clean, f"""
        import os, gc
        print('git', os.path.exists({str(root / '.git')!r}))
        print('notebooks', os.path.exists({str(root / 'notebooks')!r}))
        print('pyproject', os.path.exists({str(root / 'pyproject.toml')!r}))
        print('solutions', sum(1 for o in gc.get_objects()
                               if isinstance(o, str) and 'BEGIN ' + 'SOLUTION' in o))
        print('home', os.listdir('/home') if os.path.isdir('/home') else 'absent')
    """)
    assert "git False" in texts[0]
    assert "notebooks False" in texts[0]
    assert "solutions 0" in texts[0]
    if ISOLATED:
        assert "pyproject False" in texts[0]
        assert "home absent" in texts[0]


# --- 3. processes that outlive the run --------------------------------------------------

def _processes_of(uid: int) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.stat(f"/proc/{name}").st_uid == uid:
                    found.append(int(name))
            except OSError:
                continue
    return found


@pytest.mark.skipif(MODE not in ("full", "uid"), reason="needs a uid of the run's own (root)")
def test_does_a_setsid_reforking_orphan_die_with_the_run(clean):
    _, _, uid = run(clean, """
        import os, time
        if os.fork() == 0:
            os.setsid()
            while True:          # re-fork under a reaper, as a daemon would
                if os.fork() != 0:
                    os._exit(0)
                time.sleep(0.05)
        print('started')
    """, "print('next')")
    time.sleep(0.5)
    assert _processes_of(uid) == []


def test_is_a_fork_loop_over_when_its_cell_ends(clean):
    texts, _, _ = run(clean, """
        import os
        try:
            while True:
                os.fork()
        except OSError:
            pass
    """, "import time; t = time.time(); sum(range(3_000_000)); print(time.time() - t < 5)")
    assert "True" in texts[1]


@needs_namespaces
def test_can_the_kernel_see_or_signal_no_other_process(clean):
    texts, _, _ = run(clean, """
        import os
        print(sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))
        for target in (os.getppid(), 1):
            try:
                os.kill(target, 9)
            except OSError as exc:
                print('refused', type(exc).__name__)
        print('alive')
    """)
    pids = json.loads(texts[0].splitlines()[0])
    assert max(pids) < 10, pids  # its own namespace: a handful of processes, numbered from 1
    assert "alive" in texts[0]
    assert clean.alive()


# --- 5. the import policy ---------------------------------------------------------------

@pytest.mark.parametrize("attack", [
    "import mlfund\nmlfund.inference.proportion_ci",
    "import pkgutil\npkgutil.resolve_name('mlfund.inference:proportion_ci')",
    "import importlib\nimportlib.import_module('mlfund.inference')",
    "__import__('mlfund.inference')",
    "from mlfund import exercises\nexercises.get('w05-wald-interval').reference()",
    "import scipy\nscipy.stats.norm.ppf(0.975)",
    "import sys\nsys.meta_path.pop(0)\nimport mlfund.inference\nmlfund.inference.proportion_ci",
])
def test_is_each_route_to_a_forbidden_module_refused(clean, attack):
    texts, _, _ = run(clean, attack + "\nprint('REACHED')")
    assert "REACHED" not in texts[0], texts[0]
    assert "Error" in texts[0]


def test_is_a_forbidden_modules_source_unreadable(clean):
    import mlfund.inference

    folder = os.path.dirname(mlfund.inference.__file__)
    texts, _, _ = run(clean, f"""
        import os
        path = os.path.join({folder!r}, '_intervals.py')
        src = open(path).read()
        ns = {{}}
        exec(compile(src, '/usr/lib/python3/site-packages/helper.py', 'exec'), ns)
        print('REACHED', sorted(ns)[:3])
    """)
    assert "REACHED" not in texts[0], texts[0]


def test_does_check_capture_without_the_catalogue(clean):
    from mlfund import exercises
    from mlfund.check._api import public_entry

    spec = exercises.get("w01-sigmoid-derivative")
    texts, result, _ = run(clean, """
        import sys
        from mlfund.check import check
        r = check('w01-sigmoid-derivative', 'sigma(z)*(1 - sigma(z))')
        print('catalogue loaded', any(m.startswith('mlfund.exercises') for m in sys.modules))
        r
    """, public={spec.id: public_entry(spec)})
    assert "catalogue loaded False" in texts[0]
    bundles = [o["data"] for o in result.outputs[0] if "data" in o
               and "application/vnd.mlfund.answer+json" in o["data"]]
    assert bundles and bundles[0]["application/vnd.mlfund.answer+json"]["answer"]["type"] == "text"


# --- 6. network and disk ----------------------------------------------------------------

@needs_namespaces
def test_is_a_service_on_the_hosts_loopback_unreachable(clean):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    try:
        texts, _, _ = run(clean, f"""
            import socket
            s = socket.socket(); s.settimeout(2)
            s.connect(('127.0.0.1', {port}))
            print('CONNECTED')
        """)
    finally:
        server.close()
    assert "CONNECTED" not in texts[0], texts[0]


@needs_namespaces
def test_is_the_scratch_folder_the_only_writable_place(clean, tmp_path):
    marker = f"mlfund-marker-{os.getpid()}"
    texts, _, _ = run(clean, f"""
        import os
        for folder in ('/tmp', '/var/tmp', '/dev/shm', '/run/lock', '/root', {str(tmp_path)!r},
                       os.path.dirname(os.path.dirname(__import__('numpy').__file__))):
            try:
                open(os.path.join(folder, {marker!r}), 'w').write('x')
                print('WROTE', folder)
            except OSError as exc:
                pass
        open('here.txt', 'w').write('scratch is writable')
        print('scratch ok')
    """)
    assert "WROTE" not in texts[0], texts[0]
    assert "scratch ok" in texts[0]
    for folder in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", str(tmp_path)):
        assert not Path(folder, marker).exists()


# --- faults are the grader's ------------------------------------------------------------

def test_is_a_dead_clean_process_restarted_not_scored():
    process = CleanProcess()
    process.start()
    try:
        os.kill(process._process.pid, signal.SIGKILL)
        process._process.wait()
        texts, _, _ = run(process, "print(6 * 7)")
        assert texts[0].strip() == "42"
    finally:
        process.close()


def test_is_a_kernel_that_cannot_be_confined_a_grader_fault(clean):
    confinement = Confinement()
    mode = confinement.mode()
    ids = confinement.run_ids() if mode in ("full", "uid") else None
    with scratch_directory(str(project_root() / "notebooks" / "w01"), ids) as cwd:
        request = confinement.request([(0, "print('ran')")], cwd=cwd, env={}, mode=mode,
                                      ids=ids, public={})
        request["limits"] = {"cpu_seconds": "not a number"}  # breaks the confinement step
        with pytest.raises(GraderFault, match="could not be confined"):
            clean.run(request)

