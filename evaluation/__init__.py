"""Evaluation of the assistant on test sets: metrics, the runner, reports and the CI gate.

Sits beside :mod:`qa` and imports it (never the reverse).  The small API below
is all the web face uses.
"""

from .metrics import METRICS, Metric
from .report import excerpt, fmt, write_reports
from .runner import evaluate, load_testset

__all__ = ["METRICS", "Metric", "evaluate", "excerpt", "fmt", "load_testset", "write_reports"]
