"""A course's own exercises from an installed package are out of a graded kernel's reach.

The package lies on the grader's ``sys.path``, so the kernel's read-only view of the
installation holds it, like any library; its folder is covered and its import refused, as
the workbook's catalogue is (tests/grading/test_boundary.py).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from mlfund import exercises
from mlfund.course._fastexec import scratch_directory
from mlfund.course._nbgrader import project_root
from mlfund.course._sandbox import Confinement
from mlfund.grading import CleanProcess, isolation_mode
from mlfund.grading._client import kernel_environment

MODE = isolation_mode()
pytestmark = pytest.mark.skipif(
    MODE not in ("full", "user"),
    reason=f"this machine gives the kernel no namespaces (isolation {MODE!r})")

MARKER = "PRIVATE-PACKAGE-REFERENCE-41c9"
SPEC = f'''
from mlfund.exercises import Exercise

# {MARKER}
EXERCISES = (Exercise(id="risk9-rate", kind="number", prompt="x", reference=lambda: 0.25),)
'''


@pytest.fixture(scope="module")
def package():
    # readable by everyone, as site-packages is: only the confinement keeps it out of reach
    site = Path(tempfile.mkdtemp(prefix="mlfund-site-", dir="/tmp"))
    (site / "hidden_course").mkdir()
    (site / "hidden_course" / "__init__.py").write_text("")
    (site / "hidden_course" / "risk9.py").write_text(SPEC)
    info = site / "hidden_course-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hidden_course\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[mlfund.exercises]\nrisk9 = hidden_course.risk9\n")
    sys.path.insert(0, str(site))
    exercises._clear()
    assert exercises.get("risk9-rate").reference() == 0.25   # the grader sees it
    for path in [site, *site.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    process = CleanProcess()
    process.start()
    try:
        yield site, process
    finally:
        process.close()
        sys.path.remove(str(site))
        sys.modules.pop("hidden_course.risk9", None)
        sys.modules.pop("hidden_course", None)
        exercises._clear()
        shutil.rmtree(site, ignore_errors=True)


def _run(process, source: str) -> str:
    confinement = Confinement()
    mode = confinement.mode()
    ids = confinement.run_ids() if mode in ("full", "uid") else None
    with scratch_directory(str(project_root() / "notebooks" / "w01"), ids) as cwd:
        request = confinement.request([(0, textwrap.dedent(source))], cwd=cwd,
                                      env=kernel_environment(cwd), mode=mode, ids=ids,
                                      public={})
        assert "hidden_course" in request["private"]
        result = process.run(request, cell_timeout=30, total_timeout=120)
    text = []
    for output in result.outputs.get(0, []):
        if output["output_type"] == "stream":
            text.append(output["text"])
        elif output["output_type"] == "error":
            text.append(f"{output['ename']}: {output['evalue']}")
    return "".join(text)


@pytest.mark.parametrize("attack", [
    "import hidden_course.risk9 as m; print(m.EXERCISES[0].reference())",
    "import importlib; print(importlib.import_module('hidden_course.risk9'))",
    "from importlib.metadata import entry_points\n"
    "print([p.load() for p in entry_points(group='mlfund.exercises')])",
    "import glob\nfor path in glob.glob({site!r} + '/hidden_course/*.py'):\n"
    "    print(open(path).read())",
    "import os\nprint(os.listdir({site!r} + '/hidden_course'))",
    # past the audit hook: the C library's own open() and read()
    "import ctypes\nlibc = ctypes.CDLL(None)\n"
    "fd = libc.open(({site!r} + '/hidden_course/risk9.py').encode(), 0)\n"
    "buf = ctypes.create_string_buffer(4096)\nn = libc.read(fd, buf, 4096)\n"
    "print(fd, n, buf.raw[:max(n, 0)].decode(errors='replace'))",
])
def test_is_a_private_package_unreachable_in_a_graded_kernel(package, attack):
    """(Without the hiding, the third and fourth attacks print the file: checked by hand
    with ``private_exercise_modules`` returning nothing.)"""
    site, process = package
    text = _run(process, attack.format(site=str(site)) + "\nprint('REACHED')")
    assert MARKER not in text
    assert "0.25" not in text
    assert "risk9.py" not in text
