"""The grading runtime: where the learner's code runs, and how its answers are scored.

- :mod:`._zygote`: the clean grading process, started by ``exec``, that forks the kernels;
- :mod:`._view`: the kernel's namespaces, its read-only view of the installation, its uid;
- :mod:`._policy`: the import policy and the public part of the exercises, in the kernel;
- :mod:`._kernel`: the kernel's body (an IPython shell that runs the cells);
- :mod:`._client`: the grader's side of a run (request, time limits, the reply checked);
- :mod:`._budget`: scoring captured answers under a hard time and memory budget;
- :mod:`._faults`: :class:`GraderFault`, a failure of the grader, never a learner's 0.

This package knows nothing of nbgrader; :mod:`mlfund.course` plugs it into nbgrader.

>>> from mlfund.grading import GraderFault, ScoringJob, score_in_child
"""

from __future__ import annotations

from mlfund.grading._budget import MEMORY_BYTES, SECONDS_PER_ITEM, ScoringJob, score_in_child
from mlfund.grading._client import CleanProcess, RunResult, describe, isolation_mode
from mlfund.grading._faults import GraderFault

__all__ = ["MEMORY_BYTES", "SECONDS_PER_ITEM", "CleanProcess", "GraderFault", "RunResult",
           "ScoringJob", "describe", "isolation_mode", "score_in_child"]
