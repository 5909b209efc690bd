"""nbgrader configuration of the mlfund course.

Stock nbgrader commands read this file through the ``nbgrader_config.py`` that
``mlfund course init`` writes in the course folder; ``mlfund`` commands load it directly.

Environment variables:
- ``MLFUND_COURSE_DIR``: the course folder (release, submitted, autograded, feedback and
  the gradebook); default ``course/`` beside this repository (git ignores it).
- ``MLFUND_DB_URL``: the gradebook, any SQLAlchemy URL; default SQLite in the course folder.
- ``MLFUND_EXCHANGE``: nbgrader's exchange folder, shared with the students; it overrides
  the one ``mlfund course init --exchange DIR`` writes in the course's ``nbgrader_config.py``,
  and the default, nbgrader's own ``/usr/local/share/nbgrader/exchange``. It is never inside
  the course folder, which only the instructor can enter.
"""

import os
from pathlib import Path

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    Execute,
    IgnorePattern,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)

from mlfund.course.preprocessors import (
    FeedbackGrades,
    RestoreCellMetadata,
    SanitizeLearnerContent,
    SanitizeLearnerOutputs,
    ShowRubrics,
    TrustedScoring,
    safe_markdown2html,
)

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

PROJECT = Path(__file__).resolve().parent.parent
COURSE = Path(os.environ.get("MLFUND_COURSE_DIR", PROJECT / "course")).resolve()

c.CourseDirectory.course_id = "mlfund"
c.CourseDirectory.root = str(COURSE)
c.CourseDirectory.source_directory = str(PROJECT / "notebooks")
# A course with assignments of its own (`mlfund course new-week NAME`) keeps their source
# notebooks in COURSE/source, beside a link to each workbook week, and their exercises in
# COURSE/exercises: no student can read either, and only the grader loads them.
if (COURSE / "source").is_dir():
    c.CourseDirectory.source_directory = str(COURSE / "source")
if (COURSE / "exercises").is_dir():
    from mlfund import exercises as _exercises

    _exercises.use_folder(COURSE / "exercises")
c.CourseDirectory.db_url = os.environ.get("MLFUND_DB_URL", f"sqlite:///{COURSE / 'gradebook.db'}")
# Release to students through an exchange folder (a shared JupyterHub), outside the course
# folder; the course's own nbgrader_config.py may name another (mlfund course init --exchange).
c.Exchange.root = os.environ.get("MLFUND_EXCHANGE", "/usr/local/share/nbgrader/exchange")
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]

# A student's answer cell keeps its placeholder (``answer = None``) so that an unanswered
# notebook runs without errors and scores 0 with "no answer yet".
c.ClearSolutions.code_stub = {"python": "# YOUR ANSWER HERE"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Before anything else, the submission's nbgrader metadata is put back as the source has it.
c.Autograde.sanitize_preprocessors = [
    RestoreCellMetadata,
    ClearOutput,
    DeduplicateIds,
    OverwriteKernelspec,
    OverwriteCells,
    CheckCellMetadata,
]

# The trusted step: after Execute, test cells are scored from captured answers only (each
# result signed with COURSE/.mlfund/result-key for the item analysis); then the outputs of
# the learner's other cells lose their scripts and unsafe HTML.
c.Autograde.autograde_preprocessors = [
    Execute,
    TrustedScoring,
    SanitizeLearnerOutputs,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 50

# Pages that show a learner's notebook to instructors (the feedback, the formgrader) are
# sanitised: markdown is rendered then cleaned, outputs keep no script (mlfund.course._sanitize).
c.HTMLExporter.preprocessors = [SanitizeLearnerContent, ShowRubrics]
c.HTMLExporter.filters = {"markdown2html": safe_markdown2html}
# The formgrader's page shows each written item's rubric (ShowRubrics); the feedback never.
c.FeedbackExporter.preprocessors = [SanitizeLearnerContent]

# The feedback page: written answers not graded yet are "awaiting hand grading", the total
# is split (autograded + by hand), lateness is explained, the maths is typeset on the server
# (no script, no network) and check cells show their verdict box only (mlfund.course._feedback).
c.GenerateFeedback.exporter_class = "mlfund.course._feedback.FeedbackExporter"
c.GenerateFeedback.preprocessors = [FeedbackGrades, CSSHTMLHeaderPreprocessor]

# Late submissions: the policy of the schedule (autograder/schedule.toml).
c.AssignLatePenalties.plugin_class = "mlfund.course._schedule.ScheduleLatePenalty"
