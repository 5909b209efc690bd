"""The one place that loads the course's nbgrader configuration."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

CONFIG_NAME = "nbgrader_config.py"


def _ensure_scripts_on_path() -> None:
    """nbgrader runs ``alembic`` as a command: it must be found beside this Python."""
    scripts = os.path.dirname(sys.executable)
    path = os.environ.get("PATH", "")
    if scripts not in path.split(os.pathsep):
        os.environ["PATH"] = scripts + (os.pathsep + path if path else "")


_ensure_scripts_on_path()


def project_root() -> Path:
    """The mlfund checkout: ``MLFUND_ROOT``, else the folder above ``src/mlfund``."""
    env = os.environ.get("MLFUND_ROOT")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[3]


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def course_root() -> Path:
    """The course folder: ``MLFUND_COURSE_DIR``, else ``course/`` beside the project."""
    env = os.environ.get("MLFUND_COURSE_DIR")
    return Path(env).resolve() if env else project_root() / "course"


def course_source() -> Path:
    """Where a course keeps the source notebooks of its own assignments (``COURSE/source``)."""
    return course_root() / "source"


def _weeks_in(root: Path) -> set[str]:
    if not root.is_dir():
        return set()
    return {p.name for p in root.iterdir()
            if p.is_dir() and any(p.glob("*.ipynb")) and not p.name.startswith(".")}


def week_source(assignment: str) -> Path:
    """The folder of an assignment's source notebooks: the course's own, else the workbook's."""
    own = course_source() / assignment
    if own.is_dir() and not own.is_symlink() and any(own.glob("*.ipynb")):
        return own
    return notebooks_dir() / assignment


def assignments() -> list[str]:
    """Assignment ids that have a source notebook, in order: the workbook's weeks (``w01`` …)
    and the course's own (``COURSE/source/NAME``)."""
    return sorted(_weeks_in(notebooks_dir()) | _weeks_in(course_source()))


def link_public_weeks(course: Path) -> None:
    """Give a course with assignments of its own the workbook's weeks in its source folder.

    nbgrader reads every assignment from one source folder; once a course has its own
    (``COURSE/source``), that folder holds them and a link to each workbook week.
    """
    source = Path(course) / "source"
    if not source.is_dir():
        return
    for week in sorted(_weeks_in(notebooks_dir())):
        link = source / week
        if link.is_symlink() and link.resolve() == (notebooks_dir() / week).resolve():
            continue
        if link.exists() or link.is_symlink():
            continue   # the course's own folder of that name wins
        link.symlink_to(notebooks_dir() / week, target_is_directory=True)


@contextlib.contextmanager
def _env(**values: str) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def load_config(course_dir: str | os.PathLike[str] | None = None,
                db_url: str | None = None) -> Config:
    """The course's nbgrader config, as stock nbgrader run in the course folder reads it.

    With a course folder that has its ``nbgrader_config.py`` (written by ``mlfund course
    init``), that file is read: it loads the project's ``autograder/nbgrader_config.py``
    and adds the course's own settings (the exchange), so ``mlfund`` commands and stock
    nbgrader see one configuration. Otherwise the project's file alone is read.
    """
    extra: dict[str, str] = {}
    folder = str(project_root() / "autograder")
    if course_dir is not None:
        course = Path(course_dir).resolve()
        extra["MLFUND_COURSE_DIR"] = str(course)
        if (course / CONFIG_NAME).is_file():
            folder = str(course)
    if db_url is not None:
        extra["MLFUND_DB_URL"] = db_url
    with _env(**extra):
        loader = PyFileConfigLoader(CONFIG_NAME, path=folder, log=logging.getLogger("mlfund"))
        config = loader.load_config()
    if db_url is not None:
        config.CourseDirectory.db_url = db_url
    return config


EXCHANGE_LINE = "c.Exchange.root = "
"""How the course's ``nbgrader_config.py`` starts the line that names the exchange."""


def course_stub(course_dir: Path, exchange: str | os.PathLike[str] | None = None) -> str:
    """The ``nbgrader_config.py`` written in a course folder: it loads the project's config.

    ``exchange``, when given, is written as the course's exchange folder, which
    ``MLFUND_EXCHANGE`` still overrides.
    """
    target = project_root() / "autograder" / CONFIG_NAME
    text = (
        "# Written by `mlfund course init`. Stock nbgrader commands run in this folder and\n"
        "# `mlfund course` commands both read this file: settings added below apply to both.\n"
        "import os\n"
        f"os.environ.setdefault('MLFUND_COURSE_DIR', {str(course_dir.resolve())!r})\n"
        f"load_subconfig({str(target)!r})  # noqa: F821\n"
    )
    return with_exchange(text, exchange) if exchange is not None else text


def with_exchange(stub: str, exchange: str | os.PathLike[str]) -> str:
    """``stub`` with its exchange line set to ``exchange`` (added when it has none)."""
    line = (f"{EXCHANGE_LINE}os.environ.get('MLFUND_EXCHANGE', "
            f"{str(Path(exchange).resolve())!r})  # noqa: F821")
    lines = stub.splitlines()
    for index, text in enumerate(lines):
        if text.startswith(EXCHANGE_LINE):
            lines[index] = line
            return "\n".join(lines) + "\n"
    if not any(text.strip() == "import os" for text in lines):
        lines.append("import os")
    lines += ["# The exchange shared with the students (`mlfund course init --exchange DIR`);",
              "# MLFUND_EXCHANGE overrides it.", line]
    return "\n".join(lines) + "\n"


def make_api(config: Config, log: logging.Logger | None = None):
    """An ``nbgrader.apps.NbGraderAPI`` on ``config``.

    nbgrader's API looks at the exchange when it starts and logs an error when there is
    none; most commands never use it, so that look is silenced.
    """
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    log = log or logging.getLogger("mlfund.nbgrader")
    coursedir = CourseDirectory(config=config)
    was_disabled, log.disabled = log.disabled, True
    try:
        return NbGraderAPI(coursedir=coursedir, config=config, log=log)
    finally:
        log.disabled = was_disabled


def api(course_dir: str | os.PathLike[str] | None = None, db_url: str | None = None):
    """An ``nbgrader.apps.NbGraderAPI`` for the course, quiet unless something goes wrong."""
    return make_api(load_config(course_dir, db_url))
