"""Run every benchmark in bench/ and let each print its figures (`make bench`).

Every bench/*.py except this file and helpers whose names start with `_` is run
as a script, one after another (they would disturb each other's timings if run
at once). Exits 1 if any of them failed.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
#: Scripts run more than once, with these arguments each time (the others run once, with none).
RUNS = {name: [["--db", "sqlite"], ["--db", "postgresql"]] for name in ("walk.py", "claims.py")}


def main() -> int:
    scripts = sorted(p for p in BENCH.glob("*.py") if p.name != Path(__file__).name and not p.name.startswith("_"))
    failed = []
    for script in scripts:
        for arguments in RUNS.get(script.name, [[]]):
            name = " ".join([script.name, *arguments])
            print(f"\n##### {name}", flush=True)
            if subprocess.run([sys.executable, str(script), *arguments], cwd=BENCH.parent).returncode != 0:
                failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
