"""The learner's workbook: student versions of the weekly notebooks, never overwritten."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from mlfund.course._nbgrader import api, assignments, notebooks_dir, project_root


class ReleaseError(RuntimeError):
    """nbgrader could not generate the student version of an assignment."""


def default_workbook() -> Path:
    return project_root() / "workbook"


@dataclass
class WorkbookUpdate:
    """What an update did: files copied in, and files kept because the learner has them."""

    added: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        lines = []
        if self.added:
            lines.append("New in your workbook: " + ", ".join(str(p) for p in self.added))
        if self.kept:
            lines.append(f"{len(self.kept)} notebook(s) already there were left as they are.")
        if not lines:
            lines.append("No weekly notebooks exist yet.")
        return "\n".join(lines)


def generate_student_version(assignment: str, course_dir: Path) -> Path:
    """Run nbgrader's generate_assignment; return the folder with the student version."""
    grader = api(course_dir)
    result = grader.generate_assignment(assignment, force=True, create=True)
    if not result.get("success"):
        log = result.get("log", "") or result.get("error", "")
        raise ReleaseError(f"nbgrader could not generate {assignment}:\n{log}")
    return Path(grader.coursedir.format_path(grader.coursedir.release_directory, ".", assignment))


def _week_sources(assignment: str) -> list[Path]:
    folder = notebooks_dir() / assignment
    return sorted(p.relative_to(folder) for p in folder.rglob("*")
                  if p.is_file() and ".ipynb_checkpoints" not in p.parts)


def update_workbook(dest: Path | None = None) -> WorkbookUpdate:
    """Copy the student version of each week into ``dest`` without touching existing files.

    A week is generated only when some of its files are missing from the workbook, so a
    second run is quick and new weeks appear as they are added to ``notebooks/``.
    """
    dest = Path(dest or default_workbook())
    dest.mkdir(parents=True, exist_ok=True)
    update = WorkbookUpdate()
    with tempfile.TemporaryDirectory(prefix="mlfund-release-") as tmp:
        for assignment in assignments():
            wanted = _week_sources(assignment)
            missing = [p for p in wanted if not (dest / assignment / p).exists()]
            update.kept.extend(dest / assignment / p for p in wanted
                               if p.suffix == ".ipynb" and p not in missing)
            if not missing:
                continue
            released = generate_student_version(assignment, Path(tmp))
            for rel in missing:
                source = released / rel
                if not source.exists():
                    continue
                target = dest / assignment / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
                update.added.append(target.relative_to(dest))
    return update


def lab_command(dest: Path, *, port: int | None = None, no_browser: bool = False,
                ip: str = "127.0.0.1", token: str | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={dest}",
           f"--ServerApp.ip={ip}"]
    if port:
        cmd.append(f"--ServerApp.port={port}")
    if no_browser:
        cmd.append("--no-browser")
    if token is not None:
        cmd.append(f"--IdentityProvider.token={token}")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI machines often run as root
    return cmd


LAB_CONFIG = Path(__file__).resolve().parent / "lab_config"
"""The learner's JupyterLab settings: nbgrader's instructor tools (the formgrader, *Create
Assignment*, the *Validate* button, the course and assignment lists) and JupyterLab's news
pop-up are turned off; the check cells are the learner's feedback."""


def lab_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with the learner's JupyterLab settings.

    :data:`LAB_CONFIG` is put first on ``JUPYTER_CONFIG_PATH``: it wins over the
    installation's own settings (which turn nbgrader on) and leaves the learner's own
    folder (``~/.jupyter``) as it is.
    """
    env = dict(os.environ if base is None else base)
    paths = [str(LAB_CONFIG), *[p for p in env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep)
                                if p and p != str(LAB_CONFIG)]]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(paths)
    return env


def open_workbook(dest: Path | None = None, *, port: int | None = None,
                  no_browser: bool = False) -> int:
    """Start JupyterLab on the workbook (blocks until the server stops)."""
    dest = Path(dest or default_workbook())
    dest.mkdir(parents=True, exist_ok=True)
    return subprocess.call(lab_command(dest, port=port, no_browser=no_browser),
                           env=lab_environment())
