"""Comparison helpers and mistake diagnoses for pytest graders.

A grader test is a few lines: compare the student trace with the reference one, and when they
differ raise a `Mistake` whose message tells the student what to look at.
"""
from graders.checks.feedback import Mistake, fail, fmt, fmt_pair, plural
from graders.checks.compare import (
    Divergence, assert_close, assert_series_close, close, excess, first_divergence, magnitude,
    noise_floor, ratio_to,
)
from graders.checks.diagnoses import DIAGNOSES, diagnose_training, explain
from graders.checks.source import calls_attribute, defines, uses_name

__all__ = [
    "DIAGNOSES", "Divergence", "Mistake", "assert_close", "assert_series_close", "calls_attribute",
    "close", "defines", "diagnose_training", "explain", "fail", "first_divergence", "fmt",
    "excess", "fmt_pair", "magnitude", "noise_floor", "plural", "ratio_to", "uses_name",
]
