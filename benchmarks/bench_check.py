"""Latency of ``check(...)`` over every question test of the catalogue.

    python benchmarks/bench_check.py            # every question test, 3 repeats
    python benchmarks/bench_check.py --fast     # one pass over the reference answers only
    python benchmarks/bench_check.py --near     # and near misses of every formula item

Goal: p50 < 30 ms, p99 < 300 ms, max < 3 s; a whole derivation (a chain of lines) under
3 s. Prints a markdown table: every check, then the derivations' chains alone, warm and
cold (each case once, in a fresh process, before anything of its item is cached).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "exercises"))


def near_misses(spec):
    """Wrong formulas that match no mistake: the feedback says how they differ."""
    import sympy as sp

    reference = reference_answer(spec)
    ones = sp.ones(*reference.shape) if isinstance(reference, sp.MatrixBase) else 1
    return {"near miss (factor)": reference * sp.Rational(8, 7),
            "near miss (term)": reference + ones * sp.Rational(1, 7)}


def reference_answer(spec):
    from test_questions import reference_answer as answer

    return answer(spec)


def cases(fast: bool, near: bool = False, kind: str | None = None):
    from test_questions import (
        SPECS,
        invalid_answer,
        mistake_answer,
        nonsense_answer,
        reference_answer,
    )

    for spec in SPECS:
        if kind is not None and spec.kind != kind:
            continue
        yield spec.id, "reference", reference_answer(spec)
        if fast:
            continue
        for mistake in spec.mistakes:
            yield spec.id, f"mistake {mistake.note}", mistake_answer(spec, mistake)
        yield spec.id, "invalid", invalid_answer(spec)
        yield spec.id, "nonsense", nonsense_answer(spec)
        if near and spec.kind == "expression":
            for what, answer in near_misses(spec).items():
                yield spec.id, what, answer


def measure(fast: bool = False, repeats: int = 3, near: bool = False,
            kind: str | None = None, warm: bool = True) -> dict[str, float]:
    """Latency of ``check`` over the question tests (of one ``kind`` of item, if given);
    ``warm=False`` times each case once in a fresh process, before any cache is filled."""
    from mlfund.check import check

    all_cases = list(cases(fast, near, kind))
    if not warm:
        return _cold(all_cases, fast, near)
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
    return _summary(timings, slowest)


def _summary(timings: list[float], slowest: tuple[str, str, float]) -> dict[str, float]:
    timings = sorted(timings)
    p99 = timings[min(len(timings) - 1, int(0.99 * len(timings)))]
    return {"checks": len(timings), "p50_ms": 1000 * statistics.median(timings),
            "p99_ms": 1000 * p99, "max_ms": 1000 * timings[-1],
            "slowest": f"{slowest[0]} ({slowest[1]})"}


_COLD = """
import json, sys, time
sys.path.insert(0, sys.argv[2])
from bench_check import cases
from mlfund.check import check
import mlfund.check._chain  # the engine imported, nothing of the item cached
exercise_id, what, fast, near = json.loads(sys.argv[1])
answer = next(a for i, w, a in cases(fast, near) if (i, w) == (exercise_id, what))
started = time.perf_counter()
check(exercise_id, answer)
print(time.perf_counter() - started)
"""


def _cold(all_cases, fast: bool, near: bool) -> dict[str, float]:
    import json
    import subprocess

    here = str(Path(__file__).resolve().parent)
    timings, slowest = [], ("", "", 0.0)
    for exercise_id, what, _ in all_cases:
        out = subprocess.run(
            [sys.executable, "-c", _COLD, json.dumps([exercise_id, what, fast, near]), here],
            capture_output=True, text=True, check=True)
        elapsed = float(out.stdout.split()[-1])
        timings.append(elapsed)
        if elapsed > slowest[2]:
            slowest = (exercise_id, what, elapsed)
    return _summary(timings, slowest)


def _row(label: str, r: dict[str, float]) -> str:
    return (f"| {label} | {r['checks']} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
            f"{r['max_ms']:.1f} | {r['slowest']} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="reference answers only, once")
    parser.add_argument("--near", action="store_true",
                        help="add near misses of every formula item (told how they differ)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-cold", action="store_true",
                        help="skip the cold derivations (a fresh process for each check)")
    args = parser.parse_args(argv)
    print("| what | checks | p50 (ms) | p99 (ms) | max (ms) | slowest |")
    print("|---|---:|---:|---:|---:|---|")
    print(_row("every question test, warm", measure(args.fast, args.repeats, args.near)))
    print(_row("derivations (whole chains), warm",
               measure(args.fast, args.repeats, kind="derivation")))
    if not args.no_cold:
        print(_row("derivations, cold",
                   measure(args.fast, kind="derivation", warm=False)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
