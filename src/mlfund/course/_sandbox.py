"""The confinement settings, where ``nbgrader_config.py`` and older code look for them.

They live in :mod:`mlfund.grading._confine`, beside the runtime that applies them.
"""

from mlfund.grading._confine import Confinement, is_root, static_violations

__all__ = ["Confinement", "is_root", "static_violations"]
