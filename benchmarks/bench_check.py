"""Latency of ``check(...)`` over every question test of the catalogue.

    python benchmarks/bench_check.py            # every question test, 3 repeats
    python benchmarks/bench_check.py --fast     # one pass over the reference answers only

Goal: p50 < 30 ms, p99 < 300 ms, max < 3 s. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "exercises"))


def cases(fast: bool):
    from test_questions import (
        SPECS,
        invalid_answer,
        mistake_answer,
        nonsense_answer,
        reference_answer,
    )

    for spec in SPECS:
        yield spec.id, "reference", reference_answer(spec)
        if fast:
            continue
        for mistake in spec.mistakes:
            yield spec.id, f"mistake {mistake.note}", mistake_answer(spec, mistake)
        yield spec.id, "invalid", invalid_answer(spec)
        yield spec.id, "nonsense", nonsense_answer(spec)


def measure(fast: bool = False, repeats: int = 3) -> dict[str, float]:
    from mlfund.check import check

    all_cases = list(cases(fast))
    for exercise_id, _, answer in all_cases:  # warm up: imports, lambdify, caches
        check(exercise_id, answer)
    timings = []
    slowest = ("", "", 0.0)
    for _ in range(1 if fast else repeats):
        for exercise_id, what, answer in all_cases:
            started = time.perf_counter()
            check(exercise_id, answer)
            elapsed = time.perf_counter() - started
            timings.append(elapsed)
            if elapsed > slowest[2]:
                slowest = (exercise_id, what, elapsed)
    timings.sort()
    p99 = timings[min(len(timings) - 1, int(0.99 * len(timings)))]
    return {"checks": len(timings), "p50_ms": 1000 * statistics.median(timings),
            "p99_ms": 1000 * p99, "max_ms": 1000 * timings[-1],
            "slowest": f"{slowest[0]} ({slowest[1]})"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="reference answers only, once")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    r = measure(args.fast, args.repeats)
    print("| checks | p50 (ms) | p99 (ms) | max (ms) | slowest |")
    print("|---:|---:|---:|---:|---|")
    print(f"| {r['checks']} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['max_ms']:.1f} | "
          f"{r['slowest']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
