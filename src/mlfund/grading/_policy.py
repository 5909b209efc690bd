"""In a graded kernel: the import policy, and only the public part of the exercises.

What this defends: an exercise that says "implement this without ``mlfund.inference``" must
not be answerable by reaching the reference anyway. In the kernel of a graded run

- the modules that the notebook's exercises forbid, and the exercise catalogue
  (``mlfund.exercises``: references and mistakes), are absent: the clean grading process
  never imported them, their folders are covered in the kernel's view, and any import of
  them — by ``import``, ``importlib``, ``pkgutil.resolve_name``, an attribute of a parent
  package, code compiled under a library's file name, or a library on the learner's behalf —
  is refused by a finder first on ``sys.meta_path`` and by an audit hook that cannot be
  removed; reading their source files is refused too;
- ``check(...)`` captures answers from a table of public facts per exercise (id, kind, the
  probe inputs of function items), installed here.

(tests/grading/test_boundary.py: each bypass.)
"""

from __future__ import annotations

import importlib.abc
import os
import sys
from collections.abc import Iterable, Mapping
from typing import Any

#: Never importable in a graded kernel, whatever the exercises say.
ALWAYS_HIDDEN = ("mlfund.exercises", "mlfund.course", "mlfund.grading._client")


def is_banned(name: str, banned: Iterable[str]) -> bool:
    return any(name == b or name.startswith(b + ".") for b in banned)


class _Refuse(importlib.abc.MetaPathFinder):
    def __init__(self, banned: tuple[str, ...], hidden: tuple[str, ...] = ()) -> None:
        self.banned = banned
        self.hidden = hidden

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if is_banned(fullname, self.banned):
            raise ImportError(_message(fullname, self.banned, self.hidden), name=fullname)
        return None


def _message(name: str, banned: Iterable[str], hidden: Iterable[str] = ()) -> str:
    hidden = (*ALWAYS_HIDDEN, *hidden)
    shown = [b for b in banned if b not in hidden]
    if is_banned(name, hidden):
        return f"{name} is not available while grading."
    return (f"import of {name} is not allowed in this assignment "
            f"(forbidden: {', '.join(shown)}).")


def source_folders(modules: Iterable[str]) -> list[str]:
    """Where the files of these modules live (run in the grader, which may import parents)."""
    import importlib.util

    found = []
    for name in modules:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None:
            continue
        if spec.submodule_search_locations:
            found.extend(spec.submodule_search_locations)
        elif spec.origin and os.path.isabs(spec.origin):
            found.append(spec.origin)
    return sorted(set(found))


def install(forbidden: Iterable[str], public: Mapping[str, Any], *, scratch: str = "",
            folders: Iterable[str] = (), hidden: Iterable[str] = ()) -> None:
    """Apply the policy in this (kernel) process and install the public exercise table.

    ``hidden`` are more modules no one may import, not named in messages: a course's own
    exercise modules (:func:`mlfund.exercises.private_modules`).
    """
    hidden = tuple(sorted(set(hidden)))
    banned = tuple(sorted(set(forbidden) | set(ALWAYS_HIDDEN) | set(hidden)))
    for name in list(sys.modules):
        if is_banned(name, banned):
            del sys.modules[name]
            parent, _, child = name.rpartition(".")
            if parent in sys.modules and getattr(sys.modules[parent], child, None) is not None:
                try:
                    delattr(sys.modules[parent], child)
                except AttributeError:
                    pass
    sys.meta_path.insert(0, _Refuse(banned, hidden))
    hidden = tuple(os.path.realpath(f) for f in folders)

    def hook(event: str, args: tuple) -> None:
        if event == "import":
            name = args[0] if args else ""
            if isinstance(name, str) and is_banned(name, banned):
                raise ImportError(_message(name, banned, hidden))
        elif event == "open" and hidden and args and isinstance(args[0], (str, bytes)):
            path = os.path.realpath(os.fsdecode(args[0]))
            if any(path == h or path.startswith(h + os.sep) for h in hidden):
                raise PermissionError(f"{path} is not readable while grading.")
        elif event == "sys.addaudithook":
            raise RuntimeError("adding audit hooks is not allowed while grading.")

    sys.addaudithook(hook)
    from mlfund.check import _api

    _api.use_public_catalogue(public)
