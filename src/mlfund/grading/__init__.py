"""The grading runtime: where the learner's code runs, and how its answers are scored.

- :mod:`._zygote`: the clean grading process, started by ``exec``, that forks the kernels;
- :mod:`._view`: the kernel's namespaces, its read-only view of the installation, its uid;
- :mod:`._policy`: the import policy and the public part of the exercises, in the kernel;
- :mod:`._kernel`: the kernel's body (an IPython shell that runs the cells);
- :mod:`._confine`: :class:`Confinement`, the configurable limits of a run, and its request;
- :mod:`._client`: the grader's side of a run (request, time limits, the reply checked);
- :mod:`._execute`: one notebook's cells run in a one-shot kernel, on the grader's machine
  or a Dask worker alike, and the JSON that carries its outputs between machines;
- :mod:`._dask`: the worker plugin and tasks of grading on a Dask cluster;
- :mod:`._budget`: scoring captured answers under a hard time and memory budget;
- :mod:`._faults`: :class:`GraderFault`, a failure of the grader, never a learner's 0.

This package knows nothing of nbgrader or of the course folder; :mod:`mlfund.course` plugs
it into nbgrader, and a Dask worker needs nothing else.

>>> from mlfund.grading import GraderFault, ScoringJob, score_in_child
"""

from __future__ import annotations

from mlfund.grading._budget import MEMORY_BYTES, SECONDS_PER_ITEM, ScoringJob, score_in_child
from mlfund.grading._client import CleanProcess, RunResult, describe, isolation_mode
from mlfund.grading._faults import GraderFault

__all__ = ["MEMORY_BYTES", "SECONDS_PER_ITEM", "CleanProcess", "GraderFault", "RunResult",
           "ScoringJob", "describe", "isolation_mode", "score_in_child"]
