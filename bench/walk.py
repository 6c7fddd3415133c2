"""The honest serving benchmark (issue 18, item 1): trainees walking whole courses.

At least 64 logged-in trainees each walk a course step by step as a browser
would: start the course, open every step (past a content note), answer each
practice question (POST, then the page again), take the assessment, play each
role-play to its end (start, node, choice, node, ... debrief) and mark plain
steps done, following every redirect. Every write is the real one, and is
checked afterwards against the database (visits, answers, choices). 32
connections at once, under gunicorn with 2 sync workers started as the README
deploys the app (the project's settings, `--preload`), on SQLite or on a
throwaway PostgreSQL (`--db postgresql`).

In the same run, interleaved over rounds, the same load generator fetches a
bare Flask page and a page making one ORM query (bench/_bare_app.py, same page
size, same database): the walk is judged against those. Printed per page type:
requests/s (its share of the walk), p50, p99 and SQL statements per request (the
app's `X-Query-Count`, LMS_COUNT_QUERIES); for each whole run, the CPU per request of the
serving gunicorn (master and workers, from /proc) and of the load generator, which show where
the cores went. (Kept pages, the per-worker page
cache this benchmark judged, served 0 % of a walk's pages and were removed:
docs/performance.md.)

Targets (issue 18): walk >= 40 % of the bare page on SQLite, >= 75 % of the
one-query page on PostgreSQL, p99 < 50 ms on both.

    .venv/bin/python bench/walk.py [--db sqlite|postgresql] [--quick] [--rounds 3] [--trainees 64]

The load generator is Python (asyncio, one connection per request as sync
workers close them); it shares the 2 cores with the servers, which lowers
every row alike, so compare ratios within a run, not with wrk's figures.
"""
from __future__ import annotations

import argparse
import asyncio
import html
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
from collections import defaultdict
from collections.abc import Sequence
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PASSWORD = "bench passphrase for a trainee"
ALL_COURSES = ("peer-support-basics", "night-shift-moderation", "moderating-with-care")
#: How the app's gunicorn is started, besides the workers and the address: as the README deploys it.
APP_SERVER_OPTIONS = ("-c", "python:lms.core.gunicorn_conf", "--preload")
TARGET_BARE = 0.40  # SQLite: walk throughput / bare page's
TARGET_ONE_QUERY = 0.75  # PostgreSQL: walk throughput / one-query page's
TARGET_P99_MS = 50.0
#: The sample course's step pages weigh about 12 KB: the baselines render as much.
BASELINE_BYTES = 12000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- a minimal HTTP client


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    cookies: dict[str, str]
    body: str


@dataclass
class Stats:
    """Per page type: latencies (s), statements per request, errors."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    queries: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # What the database must hold afterwards.
    visits: set[tuple[str, str, str]] = field(default_factory=set)
    answers: int = 0
    choices: int = 0


def request_bytes(port: int, method: str, path: str, *, cookies: dict[str, str] | None = None,
                  form: dict[str, str] | list[tuple[str, str]] | None = None,
                  headers: dict[str, str] | None = None) -> bytes:
    """One HTTP/1.1 request as a browser sends it, on a connection closed after the answer."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if cookies:
        lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    data = b""
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(data)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


class Client:
    """Sends a walk's requests to a server on `port` and records each one's time, statements and errors."""

    clock = staticmethod(time.perf_counter)  # what a request's time is read from

    def __init__(self, port: int, stats: Stats) -> None:
        self.port, self.stats = port, stats

    async def exchange(self, method: str, path: str, cookies: dict[str, str] | None,
                       form: dict[str, str] | list[tuple[str, str]] | None) -> bytes:
        """The raw answer to one request (status line, headers, body)."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(request_bytes(self.port, method, path, cookies=cookies, form=form))
        raw = await reader.read()
        writer.close()
        return raw

    async def request(self, method: str, path: str, kind: str, cookies: dict[str, str] | None = None,
                      form: dict[str, str] | list[tuple[str, str]] | None = None, ok=(200, 302, 303)) -> Reply:
        started = self.clock()
        try:
            raw = await self.exchange(method, path, cookies, form)
        except OSError:
            self.stats.errors[kind] += 1
            return Reply(0, {}, {}, "")
        elapsed = self.clock() - started
        head, _, body = raw.partition(b"\r\n\r\n")
        header_lines = head.decode("latin-1").split("\r\n")
        status = int(header_lines[0].split()[1]) if header_lines and len(header_lines[0].split()) > 1 else 0
        headers: dict[str, str] = {}
        set_cookies: dict[str, str] = {}
        for line in header_lines[1:]:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                key, _, rest = value.partition("=")
                set_cookies[key] = rest.split(";", 1)[0]
            headers[name] = value
        if status not in ok:
            self.stats.errors[f"{kind} {status}"] += 1
        self.stats.latencies[kind].append(elapsed)
        if "x-query-count" in headers:
            self.stats.queries[kind].append(int(headers["x-query-count"]))
        return Reply(status, headers, set_cookies, body.decode("utf-8", "replace"))


# ---------------------------------------------------------------- reading pages like a browser

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
TAG = re.compile(r"<(input|button)\b([^>]*)>", re.S)
ATTR = re.compile(r'([\w-]+)="([^"]*)"')


def _attrs(text: str) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in ATTR.findall(text)}


@dataclass
class Form:
    action: str
    fields: list[tuple[str, str]]
    has_text: bool


def forms(page: str) -> list[Form]:
    """Each POST form: its action and what a trainee picking the first option of everything sends."""
    found = []
    for form_attrs, inner in FORM.findall(page):
        attrs = _attrs(form_attrs)
        if attrs.get("method", "get").lower() != "post":
            continue
        fields: list[tuple[str, str]] = []
        picked: set[str] = set()
        for tag, tag_attrs in TAG.findall(inner):
            a = _attrs(tag_attrs)
            name = a.get("name")
            if not name:
                continue
            kind = a.get("type", "submit" if tag == "button" else "text")
            if kind == "hidden":
                fields.append((name, a.get("value", "")))
            elif kind in ("radio", "checkbox", "submit") and name not in picked:
                picked.add(name)
                fields.append((name, a.get("value", "on")))
        found.append(Form(attrs.get("action", ""), fields, "<textarea" in inner))
    return found


def link(page: str, pattern: str) -> str | None:
    match = re.search(r'href="([^"]*' + pattern + r'[^"]*)"', page)
    return html.unescape(match.group(1)) if match else None


STEP_URL = re.compile(r"^/courses/([^/]+)/steps/([^/?#]+)")


def kind_of(method: str, path: str) -> str:
    path = path.split("?", 1)[0]
    if method == "GET":
        if STEP_URL.match(path):
            return "step page"
        if re.fullmatch(r"/play/runs/\d+", path):
            return "role-play node"
        if path.endswith("/debrief"):
            return "debrief"
        return f"other GET {path}"
    for suffix, name in (("/done", "step done (POST)"), ("/assessment", "assessment (POST)"),
                         ("/choose", "choice (POST)")):
        if path.endswith(suffix):
            return name
    if "/questions/" in path:
        return "answer (POST)"
    if path.startswith("/play/") and path.endswith("/start"):
        return "role-play start (POST)"
    if path.startswith("/courses/") and path.endswith("/start"):
        return "course start (POST)"
    return f"other POST {path}"


class Trainee:
    def __init__(self, client: Client, email: str, cookies: dict[str, str]) -> None:
        self.client, self.email, self.cookies = client, email, cookies

    async def go(self, method: str, path: str, form=None) -> Reply:
        path = path.split("#", 1)[0]
        reply = await self.client.request(method, path, kind_of(method, path), self.cookies, form)
        self.cookies.update(reply.cookies)
        return reply

    async def view_step(self, path: str) -> Reply:
        reply = await self.go("GET", path)
        gate = link(reply.body, r"notes=continue")
        if gate and "take-break" not in reply.body:  # the content note before a first visit
            reply = await self.go("GET", gate)
        match = STEP_URL.match(path)
        if match:  # each step walked must be on record once, even if one of its views failed
            self.client.stats.visits.add((self.email, match.group(1), match.group(2)))
        return reply

    async def walk_course(self, course_id: str) -> None:
        overview = await self.go("GET", f"/courses/{course_id}")
        start = next((f for f in forms(overview.body) if f.action.endswith("/start")), None)
        if start is None:
            self.client.stats.errors["no start form"] += 1
            return
        reply = await self.go("POST", start.action, start.fields)
        url: str | None = reply.headers.get("location")
        seen = 0
        while url and STEP_URL.match(url) and seen < 200:
            seen += 1
            page = await self.view_step(url)
            for form in forms(page.body):
                action = form.action
                if form.has_text or "/break" in action or action.endswith("/ready"):
                    continue  # reflections and responses, taking a break, asking a trainer
                if "/questions/" in action or action.endswith("/assessment"):
                    answered = await self.go("POST", action, form.fields)
                    self.client.stats.answers += "/questions/" in action and answered.status == 303
                    if answered.headers.get("location"):
                        await self.view_step(answered.headers["location"])
                elif action.startswith("/play/") and action.endswith("/start"):
                    started = await self.go("POST", action, form.fields)
                    if started.headers.get("location"):
                        await self.play(started.headers["location"])
                    await self.view_step(url)  # back to the course, as the debrief offers
            done = next((f for f in forms(page.body) if f.action.endswith("/done")), None)
            if done is not None:
                finished = await self.go("POST", done.action, done.fields)
                url = finished.headers.get("location")
            else:
                match = re.search(r'<a href="([^"]+)" rel="next"', page.body)
                url = html.unescape(match.group(1)) if match else None

    async def play(self, location: str) -> None:
        for _ in range(200):
            if location.split("?", 1)[0].endswith("/debrief"):
                await self.go("GET", location)
                return
            node = await self.go("GET", location)
            if node.status in (302, 303):
                location = node.headers["location"]
                continue
            choose = next((f for f in forms(node.body) if f.action.endswith("/choose")), None)
            if choose is None:
                shown = link(node.body, r"show=1")
                if shown is None:
                    self.client.stats.errors["role-play without choices"] += 1
                    return
                location = shown
                continue
            chosen = await self.go("POST", choose.action, choose.fields)
            self.client.stats.choices += chosen.status in (302, 303)
            location = chosen.headers.get("location", "")
            if not location:
                return


async def log_in(client: Client, email: str) -> dict[str, str]:
    page = await client.request("GET", "/login", "log in page")
    cookies = dict(page.cookies)
    form = next(f for f in forms(page.body) if "login" in f.action or f.action == "")
    fields = [(k, v) for k, v in form.fields if k == "csrf_token"] + [("email", email), ("password", PASSWORD)]
    reply = await client.request("POST", "/login", "log in (POST)", cookies, fields, ok=(302, 303))
    cookies.update(reply.cookies)
    return cookies


# ---------------------------------------------------------------- load


async def walk(port: int, accounts: list[dict[str, str]], emails: list[str], courses: list[str],
               connections: int) -> tuple[Stats, float]:
    """Every trainee walks every course; `connections` trainees at a time. Returns (stats, seconds)."""
    stats = Stats()
    client = Client(port, stats)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(len(emails)):
        queue.put_nowait(index)

    async def worker() -> None:
        while not queue.empty():
            index = queue.get_nowait()
            trainee = Trainee(client, emails[index], accounts[index])
            for course_id in courses:
                await trainee.walk_course(course_id)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return stats, time.perf_counter() - started


async def hammer(port: int, path: str, connections: int, seconds: float) -> tuple[Stats, float]:
    """GET one page over and over from `connections` loops for `seconds`."""
    stats = Stats()
    client = Client(port, stats)
    deadline = time.perf_counter() + seconds

    async def loop() -> None:
        while time.perf_counter() < deadline:
            await client.request("GET", path, "page")

    started = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(connections)))
    return stats, time.perf_counter() - started


# ---------------------------------------------------------------- set-up


def prepare(count: int) -> list[str]:
    """Migrate the database and create `count` trainees (one real hash, shared: set-up, not the benchmark)."""
    from sqlalchemy import insert

    from lms import create_app
    from lms.accounts.models import User
    from lms.core.db import db
    from lms.core.passwords import hash_password

    app = create_app()
    with app.app_context():
        db.upgrade()
        password_hash = hash_password(PASSWORD)
        emails = [f"walker{n}@example.org" for n in range(count)]
        db.session.execute(insert(User), [
            {"email": email, "display_name": f"Walker {n}", "password_hash": password_hash, "role": "trainee",
             "session_token": secrets.token_hex(16)} for n, email in enumerate(emails)])
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return emails


def check_writes(stats: Stats, emails: list[str]) -> list[str]:
    """What the database holds for these trainees against what the walk did: a line per check."""
    from sqlalchemy import func, select

    from lms import create_app
    from lms.accounts.models import User
    from lms.core.db import db
    from lms.learning.models import Enrolment, QuestionAnswer, StepProgress
    from lms.roleplay.models import RunChoice, ScenarioRun

    app = create_app()
    with app.app_context():
        users = select(User.id).where(User.email.in_(emails))
        enrolments = select(Enrolment.id).where(Enrolment.user_id.in_(users))
        visits = db.session.scalar(select(func.count()).select_from(StepProgress)
                                   .where(StepProgress.enrolment_id.in_(enrolments)))
        answers = db.session.scalar(select(func.coalesce(func.sum(QuestionAnswer.tries), 0))
                                    .where(QuestionAnswer.enrolment_id.in_(enrolments)))
        choices = db.session.scalar(select(func.count()).select_from(RunChoice).where(RunChoice.run_id.in_(
            select(ScenarioRun.id).where(ScenarioRun.user_id.in_(users)))))
        db.session.remove()
        db.engine.dispose()
    return [f"{name}: {held} in the database for {done} walked" + ("" if held == done else "  MISMATCH")
            for name, held, done in (("visits", visits, len(stats.visits)), ("answers", answers, stats.answers),
                                     ("choices", choices, stats.choices))]


def serving_folder_and_database(stack: ExitStack, kind: str, prefix: str) -> tuple[Path, str]:
    """A throwaway folder (removed when `stack` closes) and a database URL: SQLite in that folder,
    or a throwaway PostgreSQL 15 cluster stopped with the stack."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    stack.callback(shutil.rmtree, workdir, True)
    if kind == "postgresql":
        from _postgres import ThrowawayPostgres

        return workdir, stack.enter_context(ThrowawayPostgres()).url
    return workdir, f"sqlite:///{workdir / 'lms.sqlite3'}"


def serving_environment(workdir: Path, url: str) -> dict[str, str]:
    """The app's (and the baselines') environment for a run on `url`, set in this process too
    (the set-up here builds the app), with bench/ and the project importable."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32),
           "LMS_ENVIRONMENT": "production", "LMS_PUBLIC_BASE_URL": "https://training.example.org",
           "LMS_SESSION_COOKIE_SECURE": "false",
           "LMS_CONTENT_DIR": str(ROOT), "LMS_INSTANCE_PATH": str(workdir / "instance"),
           "LMS_COUNT_QUERIES": "true", "BENCH_DATABASE_URL": url,
           "LMS_DATA_KEYS": Fernet.generate_key().decode()}
    os.environ.update(env)
    sys.path[:0] = [str(ROOT), str(BENCH)]
    return env


def server_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a gunicorn master and its workers so far, from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    with suppress(OSError):
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    total = 0
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a worker that has exited since
        total += int(fields[11]) + int(fields[12])  # utime, stime (the 14th and 15th fields)
    return total / tick


def start_gunicorn(stack: ExitStack, target: str, port: int, env: dict, log: Path, chdir: Path = ROOT,
                   options: Sequence[str] = ()) -> int:
    """Start gunicorn (2 sync workers) on `port`, stopped with `stack`; its master's pid once it answers."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn) if gunicorn.exists() else "gunicorn", *options, "--workers", "2",
               "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--chdir", str(chdir), "--log-level",
               "warning", "--backlog", "2048", target]
    process = subprocess.Popen(command, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)

    def stop() -> None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()

    stack.callback(stop)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn for {target} exited; see {log}:\n{log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).close()
            return process.pid
        except urllib.error.HTTPError:
            return process.pid  # the baseline app has no /healthz: it answers, that is enough
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn for {target} did not start:\n{log.read_text()[-3000:]}")


# ---------------------------------------------------------------- report


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


@dataclass
class Row:
    rps: float
    p50: float
    p99: float
    queries: float | None
    errors: int
    #: CPU per request (ms) of the serving gunicorn (master and workers) and of this load generator: where the
    #: two cores went. Only for a whole run (a page type's share of it cannot be told apart).
    server_ms: float | None = None
    client_ms: float | None = None


def summarise(stats: Stats, seconds: float) -> tuple[Row, dict[str, Row]]:
    every = [x for values in stats.latencies.values() for x in values]
    all_queries = [q for values in stats.queries.values() for q in values]
    total = Row(len(every) / seconds, _pct(every, 0.5), _pct(every, 0.99),
                statistics.fmean(all_queries) if all_queries else None, sum(stats.errors.values()))
    kinds = {}
    for kind, values in stats.latencies.items():
        queries = stats.queries.get(kind, [])
        kinds[kind] = Row(len(values) / seconds, _pct(values, 0.5), _pct(values, 0.99),
                          statistics.fmean(queries) if queries else None,
                          sum(n for k, n in stats.errors.items() if k.startswith(kind)))
    return total, kinds


def print_row(name: str, row: Row, extra: str = "") -> None:
    def shown(value: float | None, width: int) -> str:
        return f"{value:{width}.1f}" if value is not None else " " * (width - 1) + "-"
    print(f"  {name:28} {row.rps:8.0f} {row.p50:7.1f} {row.p99:7.1f} {shown(row.queries, 6)}"
          f" {shown(row.server_ms, 7)} {shown(row.client_ms, 7)}"
          + (f"  {row.errors} ERRORS" if row.errors else "") + (f"  {extra}" if extra else ""), flush=True)


HEADER = f"  {'page':28} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'q/req':>6} {'srv cpu':>7} {'gen cpu':>7}"


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--quick", action="store_true", help="one round, one course, short baselines")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--trainees", type=int, default=64, help="trainees walking per round (at least 64)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=8.0, help="load on each baseline page per round")
    parser.add_argument("--courses", default=",".join(ALL_COURSES[:2]), help="comma-separated course ids to walk")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.seconds, args.courses = 1, 4.0, ALL_COURSES[0]
    if args.trainees < 64:
        parser.error("--trainees: at least 64 (issue 18)")
    courses = [c for c in args.courses.split(",") if c]

    with ExitStack() as stack:
        workdir, url = serving_folder_and_database(stack, args.db, "lms-walk-")
        env = serving_environment(workdir, url)
        apps: dict[str, dict[str, str]] = {"walk": {}}
        per_app = args.trainees * args.rounds
        emails = prepare(per_app * len(apps))
        import _bare_app

        _bare_app.create_table()  # type: ignore[attr-defined]

        ports = {name: _free_port() for name in apps}
        # The app as the README deploys it: the project's gunicorn settings, preloaded.
        masters = {name: start_gunicorn(stack, "app:app", ports[name], {**env, **extra}, workdir / f"{ports[name]}.log",
                                        options=APP_SERVER_OPTIONS)
                   for name, extra in apps.items()}
        bare_port = _free_port()
        masters["bare"] = start_gunicorn(stack, "_bare_app:app", bare_port,
                                         {**env, "BENCH_TEMPLATE_BYTES": str(BASELINE_BYTES)}, workdir / "bare.log",
                                         chdir=BENCH)
        print(f"bench/walk.py: {args.db}; gunicorn 2 sync workers (--preload, lms.core.gunicorn_conf); "
              f"{args.connections} connections; "
              f"{args.trainees} trainees per round walking {', '.join(courses)}; {args.rounds} round(s); "
              f"{os.cpu_count()} CPUs", flush=True)

        accounts: dict[str, list[dict[str, str]]] = {}
        for offset, name in enumerate(apps):
            mine = emails[offset * per_app:(offset + 1) * per_app]
            started = time.perf_counter()

            async def log_in_all(port: int = ports[name], mine: list[str] = mine) -> list[dict[str, str]]:
                client, limit = Client(port, Stats()), asyncio.Semaphore(8)

                async def one(email: str) -> dict[str, str]:
                    async with limit:
                        return await log_in(client, email)
                return await asyncio.gather(*(one(e) for e in mine))
            accounts[name] = asyncio.run(log_in_all())
            print(f"  logged in {len(mine)} trainees on '{name}' in {time.perf_counter() - started:.1f} s", flush=True)

        # Warm-up: every worker's first requests (templates, imports) are not measured.
        asyncio.run(hammer(bare_port, "/", args.connections, 1.0))
        asyncio.run(hammer(bare_port, "/one-query", args.connections, 1.0))

        results: dict[str, list[tuple[Row, dict[str, Row]]]] = defaultdict(list)
        walked: dict[str, Stats] = {}
        targets = ["bare Flask page", "one ORM query", *apps]
        for round_number in range(args.rounds):
            shift = round_number % len(targets)
            for target in targets[shift:] + targets[:shift]:
                master = masters["bare" if target in ("bare Flask page", "one ORM query") else target]
                server_before, client_before = server_cpu_seconds(master), time.process_time()
                if target == "bare Flask page":
                    stats, seconds = asyncio.run(hammer(bare_port, "/", args.connections, args.seconds))
                elif target == "one ORM query":
                    stats, seconds = asyncio.run(hammer(bare_port, "/one-query", args.connections, args.seconds))
                else:
                    block = slice(round_number * args.trainees, (round_number + 1) * args.trainees)
                    offset = list(apps).index(target) * per_app
                    stats, seconds = asyncio.run(walk(ports[target], accounts[target][block],
                                                      emails[offset:][block], courses, args.connections))
                    merged = walked.setdefault(target, Stats())
                    merged.visits |= stats.visits
                    merged.answers += stats.answers
                    merged.choices += stats.choices
                total, kinds = summarise(stats, seconds)
                served = max(1, sum(len(v) for v in stats.latencies.values()))
                total.server_ms = (server_cpu_seconds(master) - server_before) * 1000 / served
                total.client_ms = (time.process_time() - client_before) * 1000 / served
                results[target].append((total, kinds))
                print(f"  round {round_number + 1}: {target:24} {total.rps:7.0f} req/s  p50 {total.p50:5.1f} ms  "
                      f"p99 {total.p99:5.1f} ms  ({sum(len(v) for v in stats.latencies.values())} requests"
                      f" in {seconds:.1f} s)" + (f"  {total.errors} ERRORS {dict(stats.errors)}"
                                                 if total.errors else ""), flush=True)

        report(results, args.db)
        for offset, name in enumerate(apps):
            print(f"\nwrites ({name}):")
            for line in check_writes(walked[name], emails[offset * per_app:(offset + 1) * per_app]):
                print(f"  {line}")


def _median_row(rows: list[Row]) -> Row:
    def med(values):
        present = [v for v in values if v is not None]
        return statistics.median(present) if present else None
    return Row(med(r.rps for r in rows), med(r.p50 for r in rows), med(r.p99 for r in rows),
               med(r.queries for r in rows), sum(r.errors for r in rows), med(r.server_ms for r in rows),
               med(r.client_ms for r in rows))


def report(results: dict[str, list[tuple[Row, dict[str, Row]]]], database: str) -> None:
    totals = {name: _median_row([total for total, _ in rounds]) for name, rounds in results.items()}
    bare, one = totals["bare Flask page"].rps, totals["one ORM query"].rps
    print(f"\nmedians over {len(results['bare Flask page'])} round(s) ({database}); req/s of a page type is its "
          "share of the walk")
    print(HEADER + "  vs bare  vs 1 query")
    print_row("bare Flask page", totals["bare Flask page"])
    print_row("one ORM query", totals["one ORM query"], f"{one / bare:7.0%}")
    for name, rounds in results.items():
        if name in ("bare Flask page", "one ORM query"):
            continue
        total = totals[name]
        if database == "sqlite":
            met = total.rps / bare >= TARGET_BARE and total.p99 < TARGET_P99_MS
            target = f"target >= {TARGET_BARE:.0%} of bare, p99 < {TARGET_P99_MS:.0f} ms: {'met' if met else 'MISSED'}"
        else:
            met = total.rps / one >= TARGET_ONE_QUERY and total.p99 < TARGET_P99_MS
            target = (f"target >= {TARGET_ONE_QUERY:.0%} of one query, p99 < {TARGET_P99_MS:.0f} ms: "
                      f"{'met' if met else 'MISSED'}")
        print_row(name + " (all requests)", total, f"{total.rps / bare:7.0%} {total.rps / one:7.0%}   {target}")
        kinds = sorted({kind for _, per_kind in rounds for kind in per_kind})
        for kind in kinds:
            print_row("  " + kind, _median_row([per_kind[kind] for _, per_kind in rounds if kind in per_kind]))


if __name__ == "__main__":
    main()
