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


def assignments() -> list[str]:
    """Assignment ids (``w01`` …) that have a source notebook, in order."""
    root = notebooks_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir()
                  if p.is_dir() and any(p.glob("*.ipynb")) and not p.name.startswith("."))


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
    """The course's nbgrader config, for a given course folder (default: ``course/``)."""
    extra: dict[str, str] = {}
    if course_dir is not None:
        extra["MLFUND_COURSE_DIR"] = str(Path(course_dir).resolve())
    if db_url is not None:
        extra["MLFUND_DB_URL"] = db_url
    with _env(**extra):
        loader = PyFileConfigLoader(CONFIG_NAME, path=str(project_root() / "autograder"),
                                    log=logging.getLogger("mlfund"))
        config = loader.load_config()
    return config


def course_stub(course_dir: Path) -> str:
    """The ``nbgrader_config.py`` written in a course folder: it loads the project's config."""
    target = project_root() / "autograder" / CONFIG_NAME
    return (
        "# Written by `mlfund course init`: stock nbgrader commands run in this folder use the\n"
        "# mlfund course configuration.\n"
        "import os\n"
        f"os.environ.setdefault('MLFUND_COURSE_DIR', {str(course_dir.resolve())!r})\n"
        f"load_subconfig({str(target)!r})  # noqa: F821\n"
    )


def api(course_dir: str | os.PathLike[str] | None = None, db_url: str | None = None):
    """An ``nbgrader.apps.NbGraderAPI`` for the course, quiet unless something goes wrong."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = load_config(course_dir, db_url)
    exchange = config.get("Exchange", {}).get("root")
    if isinstance(exchange, str) and exchange:
        os.makedirs(exchange, exist_ok=True)  # nbgrader complains on every call otherwise
    coursedir = CourseDirectory(config=config)
    log = logging.getLogger("mlfund.nbgrader")
    return NbGraderAPI(coursedir=coursedir, config=config, log=log)
