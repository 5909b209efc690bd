"""The interval result of the evaluation functions: the library's one ConfidenceInterval."""

from mlfund._results import ConfidenceInterval

__all__ = ["ConfidenceInterval"]
