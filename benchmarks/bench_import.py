"""Time of ``import mlfund`` (and of each pillar) in a fresh interpreter, median of N runs.

    python benchmarks/bench_import.py [--runs 15]

Goal: ``import mlfund`` under 0.3 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

MODULES = ["mlfund", "mlfund.optimization", "mlfund.inference", "mlfund.evaluation",
           "mlfund.check", "mlfund.exercises"]


def import_seconds(module: str, runs: int) -> float:
    code = (f"import time; t = time.perf_counter(); import {module}; "
            "print(time.perf_counter() - t)")
    samples = [float(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                    text=True, check=True).stdout) for _ in range(runs)]
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    print("| module | import time (median, ms) |")
    print("|---|---:|")
    for module in MODULES:
        print(f"| `{module}` | {1000 * import_seconds(module, args.runs):.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
