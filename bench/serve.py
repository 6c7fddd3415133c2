"""Serving benchmark (issue 4, item 10): a step page and a player node under gunicorn.

Sets up a throwaway SQLite database with the sample content and a logged-in
trainee, starts the app and a bare Flask baseline (bench/_bare_app.py, rendering
a template of the same size as the step page) under gunicorn with 2 sync
workers, and loads each in turn with wrk on loopback, interleaved over several
rounds. Prints medians of requests/s and p50/p99 latency, and the ratio to the
bare page. Target: >= 50% of the bare throughput and p99 < 50 ms at 32 connections.

One URL reloaded by one login: a trainee's reload, not their journey. For the
journey (every step, answer and role-play node of many trainees), see
bench/walk.py, which is the benchmark issue 18 judges.

    .venv/bin/python bench/serve.py [--rounds 3] [--duration 10] [--connections 32] [--profile]

`--profile` also profiles the app's pages in-process with pyinstrument.
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0
PASSWORD = "bench passphrase for a trainee"
STEP_COURSE = "peer-support-basics"  # a sample course; its first reading step with questions is served
SCENARIO = "veiled-goodbye"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk (the load generator) is not installed; trying `apt-get install -y wrk` ...", flush=True)
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False)
    found = shutil.which("wrk")
    if not found:
        sys.exit("This benchmark needs wrk: install it with `sudo apt-get install wrk` (Debian) and run it again.")
    return found


# ---------------------------------------------------------------- set-up


@dataclass
class Setup:
    cookie: str
    step_path: str | None
    run_path: str
    step_bytes: int
    run_bytes: int


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


def _step_endpoint(app) -> str | None:
    """The learn blueprint's step page: the GET rule taking a course id and a step id."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("learn.") and set(rule.arguments) == {"course_id", "step_id"} \
                and "GET" in rule.methods:
            return rule.endpoint
    return None


def prepare() -> Setup:
    """Migrate a fresh database, create and log in a trainee, start a run; all in this process."""
    from flask import url_for

    from lms import create_app
    from lms.accounts import services as accounts
    from lms.catalog.services import catalog
    from lms.core.db import db
    from lms.learning import progress

    app = create_app()
    with app.app_context():
        db.upgrade()
        user = accounts.create_user(db.session, email="bench@example.org", display_name="Bench",
                                    password=PASSWORD, role="trainee")
        db.session.commit()
        course = catalog().course(STEP_COURSE)
        step = next(s for s in course.steps if s.questions and not s.assessment and not s.scenario)
        progress.enrol(db.session, user.id, course)  # a step page is for enrolled trainees
        db.session.commit()
        endpoint = _step_endpoint(app)
        with app.test_request_context():
            step_path = url_for(endpoint, course_id=course.id, step_id=step.id) if endpoint else None
    client = app.test_client()
    response = client.post("/login", data={"email": "bench@example.org", "password": PASSWORD,
                                           "csrf_token": _csrf(client.get("/login").get_data(as_text=True))})
    if response.status_code != 302:
        raise RuntimeError(f"logging in the bench trainee failed ({response.status_code})")
    cookie = client.get_cookie("session")
    if cookie is None:
        raise RuntimeError("no session cookie after logging in")
    if step_path is not None and client.get(step_path).status_code != 200:
        print(f"  (the step page {step_path} does not answer 200 for an enrolled trainee; left out)")
        step_path = None
    started = client.post(f"/play/{SCENARIO}/start",
                          data={"csrf_token": _csrf(client.get(f"/play/{SCENARIO}").get_data(as_text=True))})
    run_path = started.headers["Location"] + "?show=1"
    step_bytes = len(client.get(step_path).data) if step_path else 0
    run_bytes = len(client.get(run_path).data)
    db.session.remove()
    db.engine.dispose()
    return Setup(f"session={cookie.value}", step_path, run_path, step_bytes, run_bytes)


# ---------------------------------------------------------------- servers and load


def start_gunicorn(stack: ExitStack, target: str, port: int, env: dict, log: Path, chdir: Path = ROOT) -> str:
    """Start gunicorn with 2 sync workers; return its base URL once it answers."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn) if gunicorn.exists() else "gunicorn", "--workers", "2", "--worker-class", "sync",
               "--bind", f"127.0.0.1:{port}", "--chdir", str(chdir), "--log-level", "warning", target]
    process = subprocess.Popen(command, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)

    def stop() -> None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()

    stack.callback(stop)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn for {target} exited; see {log}")
        try:
            urllib.request.urlopen(url + "/", timeout=2).close()
            return url
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn for {target} did not start; see {log}")


def check_page(url: str, cookie: str) -> tuple[int, str]:
    """Fail early unless the page answers 200 (not a redirect, e.g. to the login page).

    Returns the page's size and the cookie to send from now on: like a browser,
    wrk must send back a session cookie the server updated (Flask-Login notes the
    client it sees on the first request), or every request would rewrite it.
    """
    parts = urllib.parse.urlsplit(url)
    for _ in range(3):
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        try:
            connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""),
                               headers={"Cookie": cookie} if cookie else {})
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status} {response.getheader('Location') or ''}")
        updated = response.getheader("Set-Cookie")
        if not updated or not cookie:
            return len(body), cookie
        cookie = updated.split(";", 1)[0]
    raise RuntimeError(f"{url} sets a new cookie on every request")


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * _UNITS[unit]


def run_wrk(wrk: str, url: str, cookie: str | None, connections: int, seconds: int) -> Result:
    command = [wrk, "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", "--timeout", "5s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = int(bad.group(1)) if bad else 0
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return Result(rps, p50, p99, errors)


# ---------------------------------------------------------------- profiling


def profile(setup: Setup, requests: int = 300) -> None:
    """Where the time goes in-process, per page (needs pyinstrument)."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("\n--profile needs pyinstrument: .venv/bin/pip install pyinstrument")
        return
    from lms import create_app

    app = create_app()
    client = app.test_client()
    client.set_cookie("session", setup.cookie.split("=", 1)[1], domain="localhost")
    for name, path in (("step page", setup.step_path), ("player node", setup.run_path)):
        if path is None:
            continue
        for _ in range(20):
            client.get(path)  # warm up
        profiler = Profiler(interval=0.0002)
        started = time.perf_counter()
        with profiler:
            for _ in range(requests):
                assert client.get(path).status_code == 200
        per_request = (time.perf_counter() - started) / requests * 1000
        print(f"\n=== profile: {name} ({per_request:.2f} ms per request in-process, profiler on) ===")
        print(profiler.output_text(unicode=False, color=False, show_all=False))


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per target per round")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    wrk = _ensure_wrk()

    workdir = Path(tempfile.mkdtemp(prefix="lms-bench-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'lms.sqlite3'}",
        "SECRET_KEY": secrets.token_hex(32),
        "LMS_DATA_KEYS": Fernet.generate_key().decode(),
        "LMS_ENVIRONMENT": "production", "LMS_PUBLIC_BASE_URL": "https://training.example.org",
        "LMS_SESSION_COOKIE_SECURE": "false",
        "LMS_CONTENT_DIR": str(ROOT),
        "LMS_INSTANCE_PATH": str(workdir / "instance"),
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    try:
        setup = prepare()
        page_bytes = setup.step_bytes or setup.run_bytes
        with ExitStack() as stack:
            app_url = start_gunicorn(stack, "app:app", _free_port(), env, workdir / "app.log")
            bare_url = start_gunicorn(stack, "_bare_app:app", _free_port(),
                                      {**env, "BENCH_TEMPLATE_BYTES": str(page_bytes)}, workdir / "bare.log",
                                      chdir=BENCH)
            targets = {"bare Flask page": (bare_url + "/", None)}
            if setup.step_path:
                targets["step page"] = (app_url + setup.step_path, setup.cookie)
            targets["player node"] = (app_url + setup.run_path, setup.cookie)
            sizes = {}
            for name, (url, cookie) in targets.items():
                sizes[name], settled = check_page(url, cookie or "")
                targets[name] = (url, settled or None)
            print(f"gunicorn: 2 sync workers; wrk: {args.connections} connections, {args.duration} s per target, "
                  f"{args.rounds} interleaved rounds; SQLite; {os.cpu_count()} CPUs")
            for name, size in sizes.items():
                print(f"  {name:24} {size:6d} bytes  {targets[name][0]}")
            if not setup.step_path:
                print("  (no step page: the learn blueprint has no GET route taking course_id and step_id yet)")
            for url, cookie in targets.values():  # warm up every worker
                run_wrk(wrk, url, cookie, args.connections, 2)
            results: dict[str, list[Result]] = {name: [] for name in targets}
            names = list(targets)
            for round_number in range(args.rounds):
                order = names[round_number % len(names):] + names[:round_number % len(names)]
                for name in order:
                    url, cookie = targets[name]
                    result = run_wrk(wrk, url, cookie, args.connections, args.duration)
                    results[name].append(result)
                    print(f"  round {round_number + 1}: {name:24} {result.rps:8.0f} req/s  p50 {result.p50_ms:6.1f} ms"
                          f"  p99 {result.p99_ms:6.1f} ms" + (f"  ERRORS {result.errors}" if result.errors else ""),
                          flush=True)
        report(results)
        if args.profile:
            profile(setup)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def report(results: dict[str, list[Result]]) -> None:
    bare = statistics.median(r.rps for r in results["bare Flask page"])
    print(f"\nmedians ({len(results['bare Flask page'])} rounds); target: >= {TARGET_RATIO:.0%} of bare throughput, "
          f"p99 < {TARGET_P99_MS:.0f} ms")
    print(f"  {'page':24} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs bare':>8}  target")
    for name, rounds in results.items():
        rps = statistics.median(r.rps for r in rounds)
        p50 = statistics.median(r.p50_ms for r in rounds)
        p99 = statistics.median(r.p99_ms for r in rounds)
        ratio = rps / bare if bare else 0.0
        verdict = "-" if name == "bare Flask page" else (
            "met" if ratio >= TARGET_RATIO and p99 < TARGET_P99_MS else "MISSED")
        errors = sum(r.errors for r in rounds)
        print(f"  {name:24} {rps:8.0f} {p50:8.1f} {p99:8.1f} {ratio:8.0%}  {verdict}"
              + (f"  ({errors} errors)" if errors else ""))


if __name__ == "__main__":
    main()
