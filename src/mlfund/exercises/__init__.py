"""The exercise catalogue: one declarative spec per autograded item.

Each week has a module ``mlfund.exercises.wNN`` with a tuple ``EXERCISES``. The catalogue
knows the reference library but nothing of notebooks or of how answers are checked.

>>> from mlfund import exercises
>>> spec = exercises.get("w01-sigmoid-derivative")
>>> spec.week, spec.kind
(1, 'expression')
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from functools import cache

from mlfund.exercises._spec import DOMAINS, KINDS, Exercise, Mistake, Precision

__all__ = ["DOMAINS", "KINDS", "Exercise", "Mistake", "Precision", "catalogue", "find", "get",
           "week", "weeks"]


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
    return tuple(module.EXERCISES)


def catalogue() -> Iterator[Exercise]:
    """Every exercise of every week."""
    for number in weeks():
        yield from week(number)


@cache
def _index() -> dict[str, Exercise]:
    index: dict[str, Exercise] = {}
    for spec in catalogue():
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
