"""nbgrader preprocessors of the mlfund course (importable from nbgrader_config.py)."""

from mlfund.course._fastexec import ForkExecute
from mlfund.course._feedback import FeedbackGrades
from mlfund.course._restore import RestoreCellMetadata
from mlfund.course._rubric import ShowRubrics
from mlfund.course._safe_export import SanitizeLearnerContent, safe_markdown2html
from mlfund.course._safe_outputs import SanitizeLearnerOutputs
from mlfund.course._trusted import RESULT_MIME_TYPE, TrustedScoring

__all__ = ["RESULT_MIME_TYPE", "FeedbackGrades", "ForkExecute", "RestoreCellMetadata",
           "SanitizeLearnerContent", "SanitizeLearnerOutputs", "ShowRubrics", "TrustedScoring",
           "safe_markdown2html"]
