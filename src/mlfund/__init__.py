"""mlfund: machine-learning fundamentals, derived, checked and graded.

The package is in layers, imported one way: :mod:`mlfund.course` (nbgrader tooling) uses
:mod:`mlfund.check` (the checking engine), which uses the exercise catalogue
:mod:`mlfund.exercises`, which uses the reference library (:mod:`mlfund.optimization`,
:mod:`mlfund.inference`, :mod:`mlfund.evaluation`).

``import mlfund`` is cheap: subpackages load when first used.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_SUBPACKAGES = ("optimization", "inference", "evaluation", "exercises", "check", "course")

__all__ = ["__version__", *_SUBPACKAGES]


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return importlib.import_module(f"mlfund.{name}")
    raise AttributeError(f"module 'mlfund' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
