"""The benchmarks run (their numbers are recorded in docs/benchmarks.md, not asserted here)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import bench_check  # noqa: E402
from mlfund import exercises  # noqa: E402


def test_does_the_fast_check_benchmark_time_every_reference_answer():
    result = bench_check.measure(fast=True)
    assert result["checks"] == len(list(exercises.catalogue()))
    assert 0 < result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]
    assert result["slowest"].split(" ")[0] in {s.id for s in exercises.catalogue()}


def test_are_the_benchmark_results_documented():
    text = (ROOT / "docs" / "benchmarks.md").read_text()
    for script in ("bench_check.py", "bench_autograde.py", "bench_import.py"):
        assert script in text
