"""Reloads without a stall (issue 18, item 9): gunicorn answering through a HUP, with and without --preload.

Starts gunicorn (2 sync workers) on the sample content, keeps CONNECTIONS requests of the login
page in flight, sends the master a HUP after a few seconds and counts, per second, the answers
and the failures for WINDOW seconds after it, next to the seconds before. Three times (RUNS):
without --preload (each new worker imports the app and loads the content: from the render cache,
warm); with it (workers are forked from the loaded app); and with it and the project's gunicorn
settings, whose master also compiles the templates and catalogues before forking. All in the same
run, so compare them with each other; on a machine shared with other work the figures move.

    .venv/bin/python bench/hup.py                          # SQLite, 10 s window
    .venv/bin/python bench/hup.py --db postgresql --window 5
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import DATA_KEY, PG_BIN, PostgresCluster, _free_port  # noqa: E402

CONNECTIONS = 8
#: Row label -> gunicorn options. The settings file warms templates and catalogues before forking.
RUNS = {
    "plain": [],
    "--preload": ["--preload"],
    "--preload -c": ["--preload", "-c", "python:lms.core.gunicorn_conf"],
}
BEFORE = 3.0


def _env(url: str, instance: Path) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "3b8e1f0c6a2d47e95c0b1a8f7e6d2c4b",
           "LMS_ENVIRONMENT": "production", "LMS_PUBLIC_BASE_URL": "https://training.example.org",
           "LMS_DATA_KEYS": DATA_KEY, "LMS_CONTENT_DIR": str(ROOT),
           "LMS_SESSION_COOKIE_SECURE": "false", "LMS_INSTANCE_PATH": str(instance)}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


def measure(env: dict[str, str], options: list[str], window: float) -> tuple[Counter, Counter, float]:
    """(answers by second from the HUP, failures by second, seconds to the first answer after start)."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}/login"
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "app:app"]
    server = subprocess.Popen(command + options, cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.monotonic()
    try:
        while True:
            try:
                urllib.request.urlopen(base, timeout=5).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() - started > 300:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.2)
        boot = time.monotonic() - started
        answers: Counter = Counter()
        failures: Counter = Counter()
        stop = threading.Event()
        hup_at = time.monotonic() + BEFORE

        lock = threading.Lock()

        def ask() -> None:
            while not stop.is_set():
                try:
                    urllib.request.urlopen(base, timeout=30).close()
                    tally = answers
                except OSError:
                    tally = failures
                with lock:  # seconds from the HUP (negative before it)
                    tally[int((time.monotonic() - hup_at) // 1)] += 1
                if tally is failures:
                    time.sleep(0.05)

        threads = [threading.Thread(target=ask) for _ in range(CONNECTIONS)]
        for thread in threads:
            thread.start()
        time.sleep(max(hup_at - time.monotonic(), 0))
        server.send_signal(signal.SIGHUP)
        time.sleep(window)
        stop.set()
        for thread in threads:
            thread.join()
        return answers, failures, boot
    finally:
        server.terminate()
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--window", type=float, default=10.0, help="seconds counted after the HUP")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="lms-bench-hup-"))
    cluster = None
    try:
        if args.db == "postgresql":
            if not (PG_BIN / "initdb").exists():
                raise SystemExit(f"PostgreSQL binaries not found in {PG_BIN}")
            cluster = PostgresCluster()
            url = cluster.create_database("lms_hup")
        else:
            url = f"sqlite:///{tmp}/hup.sqlite3"
        env = _env(url, tmp / "instance")
        subprocess.run([str(Path(sys.executable).with_name("lms")), "db", "upgrade"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        print(f"HUP under load: gunicorn, 2 sync workers, {CONNECTIONS} connections asking for /login, "
              f"{args.db}; load average {os.getloadavg()[0]:.1f}")
        print(f"  {'':14} {'boot s':>7} {'before /s':>10} "
              + " ".join(f"{f'+{s}s':>5}" for s in range(int(args.window)))
              + f" {'failed':>7}")
        for label, options in RUNS.items():
            answers, failures, boot = measure(env, options, args.window)
            before = sum(n for second, n in answers.items() if second < 0) / BEFORE
            after = [answers.get(second, 0) for second in range(int(args.window))]
            print(f"  {label:14} {boot:7.1f} {before:10.0f} " + " ".join(f"{n:5d}" for n in after)
                  + f" {sum(n for s, n in failures.items() if s >= 0):7d}")
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
