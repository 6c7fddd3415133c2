"""CLI start-up benchmark (issue 10, item 3): `lms check .` on the sample content is a compiler run.

Times whole processes, as a trainer feels them: `lms check .` on the sample
content, next to `python -c pass` (the interpreter's own start-up, the floor),
`lms check . --paths` (every route of every scenario) and `lms --help` (which
imports the app's commands, for scale), interleaved over several rounds with an
environment holding no configuration. Prints the median wall time of each. Target: `lms check .` under 0.5 s.

    .venv/bin/python bench/cli_startup.py [--rounds 9]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LMS = str(Path(sys.executable).with_name("lms"))
TARGET_SECONDS = 0.5


def _wall(argv: list[str]) -> float:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}  # no SECRET_KEY, no database: none is needed
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "lms check .": [LMS, "check", "."],
        "lms check . --paths": [LMS, "check", ".", "--paths"],  # every route of every sample scenario
        "lms --help": [LMS, "--help"],
    }
    for argv in cases.values():  # warm the file cache and .pyc files
        _wall(argv)
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.rounds):
        for name, argv in cases.items():
            times[name].append(_wall(argv))
    medians = {name: statistics.median(values) for name, values in times.items()}
    floor = medians["python -c pass"]
    print(f"median wall time of {args.rounds} runs each, sample content in {ROOT}")
    for name, median in medians.items():
        print(f"  {name:<20} {median * 1000:7.0f} ms   {median / floor:5.1f}x python -c pass")
    check = medians["lms check ."]
    verdict = "met" if check < TARGET_SECONDS else "MISSED"
    print(f"target: lms check . under {TARGET_SECONDS * 1000:.0f} ms: {verdict} ({check * 1000:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
