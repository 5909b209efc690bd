"""What a grading worker does once instead of for every submission.

Measured with cProfile on one worker (``docs/benchmarks.md``), nbgrader spends as much time
per submission on bookkeeping as the kernel spends running the cells. A grading worker (not
stock nbgrader, not ``--stock``) changes five things, none of which changes a grade:

- **nbgrader's metadata schema** is checked against a validator built once per schema;
  ``jsonschema.validate`` builds it and checks the schema itself for every cell (about a
  third of a second per notebook of 60 cells);
- **nbconvert's notebook validation** runs once, after the last step, instead of after each
  of the fifteen steps of autograde (``Exporter.optimistic_validation``);
- **the gradebook's connection**: a worker opens the database once, not ten times per
  submission, and checks its tables once (nbgrader's ``Gradebook`` inspects the schema and
  runs ``CREATE TABLE IF NOT EXISTS`` for all of them each time);
- **the autograded scores are written in one transaction per notebook**
  (:class:`SaveAutoGradesOnce`), not one commit per cell: with SQLite each commit is a
  synchronous write to disk; and a failure part-way leaves no half-recorded notebook;
- **an answer seen before is not scored again** (:data:`mlfund.course._trusted.REUSE_VERDICTS`):
  the same exercise given exactly the same captured answer, errors and answer-cell source
  gets the verdict it got before, without a scoring process.

(tests/course/test_instructor.py compares the grades with stock nbgrader's;
tests/course/test_scoring_cache.py)
"""

from __future__ import annotations

import os
from typing import Any

from nbgrader.api import Gradebook
from nbgrader.preprocessors import SaveAutoGrades

_INSTALLED: dict[str, bool] = {}
#: Engines of this process, by database URL: (pid, engine).
_ENGINES: dict[str, tuple[int, Any]] = {}


def install(config) -> None:
    """Apply the changes above in this process, and to ``config`` (an nbgrader config)."""
    config.Exporter.optimistic_validation = True
    config.NotebookExporter.optimistic_validation = True
    steps = list(config.Autograde.autograde_preprocessors)
    config.Autograde.autograde_preprocessors = [
        SaveAutoGradesOnce if getattr(s, "__name__", "") == "SaveAutoGrades" else s
        for s in steps]
    from mlfund.course import _trusted

    _trusted.REUSE_VERDICTS = True
    if _INSTALLED.get("patches"):
        return
    _validate_schema_once()
    _open_gradebook_once()
    _INSTALLED["patches"] = True


def _validate_schema_once() -> None:
    import jsonschema
    from jsonschema.exceptions import best_match
    from nbgrader.nbgraderformat import common

    validators: dict[int, tuple[Any, Any]] = {}

    class _Schema:
        """``jsonschema`` as nbgrader's validator uses it, with the validator kept."""

        ValidationError = jsonschema.ValidationError

        @staticmethod
        def validate(instance: Any, schema: dict) -> None:
            found = validators.get(id(schema))
            if found is None or found[0] is not schema:
                cls = jsonschema.validators.validator_for(schema)
                cls.check_schema(schema)
                found = validators[id(schema)] = (schema, cls(schema))
            error = best_match(found[1].iter_errors(instance))
            if error is not None:
                raise error

    common.jsonschema = _Schema


def _open_gradebook_once() -> None:
    from nbgrader import api
    from sqlalchemy import create_engine
    from sqlalchemy.orm import scoped_session, sessionmaker

    original_init = api.Gradebook.__init__
    original_close = api.Gradebook.close

    def __init__(self, db_url: str, course_id: str = "default_course",
                 authenticator=None) -> None:
        cached = _ENGINES.get(db_url)
        if cached is None or cached[0] != os.getpid():
            original_init(self, db_url, course_id, authenticator)  # checks the tables
            _ENGINES[db_url] = (os.getpid(), create_engine(db_url, echo=False, future=True))
            return
        self.engine = cached[1]
        self._shared_engine = True
        self.db = scoped_session(sessionmaker(autoflush=True, bind=self.engine, future=True))
        self.check_course(course_id=course_id)
        self.course_id = course_id
        self.authenticator = authenticator

    def close(self) -> None:
        if getattr(self, "_shared_engine", False):
            self.db.remove()  # the connection goes back to the pool, for the next one
            return
        original_close(self)

    api.Gradebook.__init__ = __init__
    api.Gradebook.close = close


class SaveAutoGradesOnce(SaveAutoGrades):
    """nbgrader's ``SaveAutoGrades``, all of a notebook's scores in one transaction."""

    def preprocess(self, nb, resources):
        self.notebook_id = resources["nbgrader"]["notebook"]
        self.assignment_id = resources["nbgrader"]["assignment"]
        self.student_id = resources["nbgrader"]["student"]
        self.db_url = resources["nbgrader"]["db_url"]
        self.gradebook = Gradebook(self.db_url)
        with self.gradebook:
            session = self.gradebook.db
            session.commit = session.flush  # each cell's commit: only a flush
            try:
                nb, resources = super(SaveAutoGrades, self).preprocess(nb, resources)
            finally:
                del session.commit
            session.commit()
        return nb, resources
