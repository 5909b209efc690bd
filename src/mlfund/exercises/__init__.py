"""The exercise catalogue: one declarative spec per autograded item.

Each week has a module ``mlfund.exercises.wNN`` with a tuple ``EXERCISES``. The catalogue
knows the reference library but nothing of notebooks or of how answers are checked.

>>> from mlfund import exercises
>>> spec = exercises.get("w01-sigmoid-derivative")
>>> spec.week, spec.kind
(1, 'expression')

A course may add exercises of its own, which ship in no package students can read: a
folder of modules (``COURSE/exercises/NAME.py``, registered by :func:`use_folder`) or an
installed package's modules named by the entry-point group ``mlfund.exercises`` (the entry
point's name is the assignment: ``risk1 = mycourse.risk1``). Each module has a tuple
``EXERCISES`` whose ids start with the assignment's name (``risk1-expected-loss``). Only the
grader's trusted step and the instructor's commands load them; a graded kernel never sees
them (:mod:`mlfund.grading`).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType

from mlfund.exercises._spec import (
    ASSIGNMENT,
    DOMAINS,
    KINDS,
    PUBLIC_ID,
    Exercise,
    Mistake,
    Parameter,
    Precision,
    variant,
)

__all__ = ["DOMAINS", "ENTRY_POINT_GROUP", "KINDS", "Exercise", "Mistake", "Parameter",
           "Precision", "PrivateCatalogueError", "assignment", "catalogue", "find", "get",
           "is_private", "private_assignments", "private_modules", "stop_using_folder",
           "use_folder", "variant",
           "week", "weeks"]

#: The entry-point group of installed packages that add a course's own exercises.
ENTRY_POINT_GROUP = "mlfund.exercises"

_FOLDERS: list[Path] = []


class PrivateCatalogueError(ValueError):
    """A course's own exercises cannot be loaded; the message names the module and why."""


def use_folder(folder: str | os.PathLike[str]) -> list[str]:
    """Add the course's own exercises in ``folder`` (``NAME.py`` per assignment).

    Loads them at once, so that a mistake in one is reported here, by name; returns the
    assignments found. A missing folder adds nothing.
    """
    folder = Path(folder).resolve()
    added = folder not in _FOLDERS
    if added:
        _FOLDERS.append(folder)
    _clear()   # read the folder again: its files may have changed
    try:
        loaded = _private()
    except PrivateCatalogueError:
        if added:
            _FOLDERS.remove(folder)
        _clear()
        raise
    return sorted(name for name, module in loaded.items()
                  if Path(getattr(module, "__file__", "")).parent == folder)


def stop_using_folder(folder: str | os.PathLike[str]) -> None:
    """Forget a folder added by :func:`use_folder` (its exercises leave the index)."""
    folder = Path(folder).resolve()
    if folder in _FOLDERS:
        _FOLDERS.remove(folder)
        _clear()


def _clear() -> None:
    _private.cache_clear()
    _index.cache_clear()
    assignment.cache_clear()


def _check_module(name: str, module: ModuleType, where: str) -> None:
    if not ASSIGNMENT.fullmatch(name) or PUBLIC_ID.fullmatch(name + "-x"):
        raise PrivateCatalogueError(
            f"{where}: the assignment's name ({name!r}) must be lower-case letters, digits "
            "and '_', starting with a letter, and not a public week's (w01 … w12).")
    specs = getattr(module, "EXERCISES", None)
    if not isinstance(specs, (tuple, list)) or not specs:
        raise PrivateCatalogueError(f"{where}: it must define EXERCISES, a tuple of "
                                    "Exercise(...) items.")
    for spec in specs:
        if not isinstance(spec, Exercise):
            raise PrivateCatalogueError(f"{where}: EXERCISES holds a {type(spec).__name__}; "
                                        "only Exercise(...) items are allowed.")
        if spec.assignment != name:
            raise PrivateCatalogueError(
                f"{where}: the id {spec.id!r} must start with the assignment's name: "
                f"'{name}-...'.")


def _load_file(path: Path) -> ModuleType:
    import importlib.util

    name = f"_mlfund_private.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(name, None)
        raise PrivateCatalogueError(f"{path}: cannot be loaded ({type(exc).__name__}: "
                                    f"{exc}).") from exc
    return module


@cache
def _private() -> dict[str, ModuleType]:
    """The course's own exercise modules by assignment: entry points, then folders."""
    from importlib.metadata import entry_points

    found: dict[str, ModuleType] = {}
    where: dict[str, str] = {}
    sources: list[tuple[str, str, object]] = []
    for point in entry_points(group=ENTRY_POINT_GROUP):
        sources.append((point.name, f"entry point {point.name} = {point.value}", point))
    for folder in _FOLDERS:
        if folder.is_dir():
            for path in sorted(folder.glob("*.py")):
                if not path.name.startswith(("_", ".")):
                    sources.append((path.stem, str(path), path))
    for name, label, source in sources:
        if name in found:
            raise PrivateCatalogueError(f"{label}: assignment {name!r} is already defined by "
                                        f"{where[name]}.")
        if isinstance(source, Path):
            module = _load_file(source)
        else:
            try:
                module = source.load()
            except Exception as exc:
                raise PrivateCatalogueError(f"{label}: cannot be loaded "
                                            f"({type(exc).__name__}: {exc}).") from exc
        _check_module(name, module, label)
        found[name] = module
        where[name] = label
    return found


def private_assignments() -> list[str]:
    """The course's own assignments (entry points and :func:`use_folder`), in order."""
    return sorted(_private())


def private_modules() -> list[str]:
    """The top-level packages of the course's own exercise modules from installed packages.

    What a graded kernel must not import or read: the whole package that holds a course's
    exercises is the instructor's (folders registered by
    :func:`use_folder` lie in the course folder, which it never sees).
    """
    return sorted({m.__name__.split(".")[0] for m in _private().values()
                   if not m.__name__.startswith("_mlfund_private.")})


def is_private(exercise_id: object) -> bool:
    """Whether the exercise is one of the course's own."""
    spec = find(exercise_id)
    return spec is not None and not PUBLIC_ID.fullmatch(spec.id)


@cache
def assignment(name: str) -> tuple[Exercise, ...]:
    """The exercises of an assignment, public (``"w05"``) or the course's own."""
    if isinstance(name, str) and len(name) == 3 and name[0] == "w" and name[1:].isdigit() \
            and int(name[1:]) in weeks():
        return week(int(name[1:]))
    private = _private()
    if name in private:
        return tuple(private[name].EXERCISES)
    known = [f"w{n:02d}" for n in weeks()] + sorted(private)
    raise ValueError(f"assignment ({name!r}) has no exercises; those with exercises: "
                     f"{', '.join(known)}.")


def weeks() -> list[int]:
    """The weeks that have exercises, in order."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        name = info.name
        if len(name) == 3 and name[0] == "w" and name[1:].isdigit():
            found.append(int(name[1:]))
    return sorted(found)


@cache
def week(number: int) -> tuple[Exercise, ...]:
    """The exercises of one week, in notebook order."""
    if number not in weeks():
        raise ValueError(f"week ({number!r}) has no exercises; weeks with exercises: {weeks()}.")
    module = importlib.import_module(f"mlfund.exercises.w{number:02d}")
    specs = tuple(module.EXERCISES)
    for spec in specs:
        if spec.assignment != f"w{number:02d}":
            raise RuntimeError(f"{spec.id} is in week {number}'s module but names another.")
    return specs


def catalogue() -> Iterator[Exercise]:
    """Every exercise of every public week."""
    for number in weeks():
        yield from week(number)


@cache
def _index() -> dict[str, Exercise]:
    index: dict[str, Exercise] = {}
    private = [spec for name in private_assignments() for spec in assignment(name)]
    for spec in [*catalogue(), *private]:
        if spec.id in index:
            raise RuntimeError(f"exercise id {spec.id!r} is defined twice.")
        index[spec.id] = spec
    return index


def find(exercise_id: object) -> Exercise | None:
    """The exercise with this id, or None (quietly: for scanning a notebook's cells)."""
    return _index().get(exercise_id) if isinstance(exercise_id, str) else None


def get(exercise_id: str) -> Exercise:
    """The exercise with this id; a clear error names close ids when there is none."""
    if not isinstance(exercise_id, str):
        raise TypeError(f"exercise id ({exercise_id!r}) must be a string such as 'w01-...'.")
    index = _index()
    try:
        return index[exercise_id]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(exercise_id, list(index), n=3)
        also = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise KeyError(f"there is no exercise {exercise_id!r}.{also}") from None
