"""200 certificate claims at once, then /verify under a burst (issue 18, item 10).

Starts the real app under gunicorn as the README runs it (`-c
python:lms.core.gunicorn_conf --preload`, 2 sync workers) on SQLite or on a
throwaway PostgreSQL 15 (`--db postgresql`), with BENCH_CLAIMS trainees (200)
who have each completed peer-support-basics (its certificate needs no trainer's
sign-off; the enrolment and its steps are written straight into the database).
Each trainee logs in and opens the claim page (not timed), then:

1. Baselines: claims one trainee at a time (a few trainees apart from the
   200), a claim with nothing else going on; and a bare Flask page
   (bench/_bare_app.py, as large as a verification page), as many requests as
   claims, all at once on as many connections.
2. Claims, all 200 at once (`--connections`, 200 by default): every trainee
   POSTs "Get my certificate" with a name. Printed: time to the last answer,
   p50/p99, status counts (a claim answers 302 to "My certificates"; anything
   else is an error, a 503 too). Then the database is checked: one issued
   certificate per trainee, none lost or doubled, each with its stored PDF
   (a real PDF whose SHA-256 is the stored one), and the renders counted by the
   app's own counter (`lms_certificate_render_seconds`, every worker's through
   PROMETHEUS_MULTIPROC_DIR, read from /metrics): one render per claim.
3. /verify/<code> under a burst (`--verify-requests` at `--verify-connections`,
   half the codes just issued, half unknown ones of the right form): once as
   from many verifiers (the app trusts one proxy, and each request carries an
   X-Forwarded-For from a pool of addresses that each stay under the per-address
   limit, LMS_CERTIFICATE_VERIFY_LIMIT a minute), and once from one address,
   where the rate limit refuses most of the burst: its 429s are counted as
   refusals, not failures. The baseline, in the same run, is a bare Flask page
   of the same size (bench/_bare_app.py) under the same burst.

    .venv/bin/python bench/claims.py [--db sqlite|postgresql] [--claims 200] [--connections 200]
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import re
import secrets
import statistics
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path[:0] = [str(ROOT), str(BENCH)]

from walk import (  # noqa: E402
    PASSWORD,
    Client,
    Stats,
    _free_port,
    forms,
    log_in,
    request_bytes,
    serving_folder_and_database,
    start_gunicorn,
)

COURSE = "peer-support-basics"  # its certificate: sign_off: false
ALONE = 5  # claims made one at a time, for the baseline


@dataclass
class Burst:
    """What a burst of requests got back."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    seconds: float = 0.0

    def p(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


async def send(port: int, method: str, path: str, *, cookies: dict[str, str] | None = None,
               form: list[tuple[str, str]] | None = None, headers: dict[str, str] | None = None,
               burst: Burst | None = None) -> tuple[int, str]:
    """One request on its own connection (sync workers close it); (status, body). Status 0: no answer."""
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request_bytes(port, method, path, cookies=cookies, form=form, headers=headers))
        raw = await reader.read()
        writer.close()
    except OSError:
        raw = b""
    elapsed = time.perf_counter() - started
    head, _, body = raw.partition(b"\r\n\r\n")
    first = head.split(b"\r\n", 1)[0].split()
    status = int(first[1]) if len(first) > 1 and first[1].isdigit() else 0
    if burst is not None:
        burst.latencies.append(elapsed)
        burst.statuses[status] += 1
    return status, body.decode("utf-8", "replace")


async def at_once(requests: list[dict], port: int, connections: int) -> Burst:
    """Send every request, `connections` at a time, all queued at once; the clock stops at the last answer."""
    burst = Burst()
    limit = asyncio.Semaphore(connections)

    async def one(request: dict) -> None:
        async with limit:
            await send(port, burst=burst, **request)

    started = time.perf_counter()
    await asyncio.gather(*(one(r) for r in requests))
    burst.seconds = time.perf_counter() - started
    return burst


# ---------------------------------------------------------------- set-up


def prepare(count: int) -> list[str]:
    """Migrate; `count` trainees, each with a completed enrolment in COURSE and its steps done. Returns emails."""
    from sqlalchemy import insert, select

    from lms import create_app
    from lms.accounts.models import User
    from lms.catalog.services import catalog
    from lms.core.db import db
    from lms.core.models import utcnow
    from lms.core.passwords import hash_password
    from lms.learning.models import Enrolment, StepProgress

    app = create_app()
    with app.app_context():
        db.upgrade()
        course = catalog().course(COURSE)
        assert course is not None and course.certificate is not None and not course.certificate.sign_off
        password_hash = hash_password(PASSWORD)  # one real hash, shared: set-up, not the benchmark
        emails = [f"claimant{n}@example.org" for n in range(count)]
        db.session.execute(insert(User), [
            {"email": email, "display_name": f"Claimant {n}", "password_hash": password_hash, "role": "trainee",
             "session_token": secrets.token_hex(16)} for n, email in enumerate(emails)])
        users = db.session.scalars(select(User.id).where(User.email.in_(emails)).order_by(User.id)).all()
        now = utcnow()
        db.session.execute(insert(Enrolment), [
            {"user_id": u, "course_id": COURSE, "cycle": 1, "started_at": now, "last_active_at": now,
             "completed_at": now, "completed_version": course.version} for u in users])
        enrolments = db.session.scalars(select(Enrolment.id).where(Enrolment.user_id.in_(users))).all()
        db.session.execute(insert(StepProgress), [
            {"enrolment_id": e, "step_id": step.id, "first_seen_at": now, "last_seen_at": now, "completed_at": now}
            for e in enrolments for step in course.required_steps])
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return emails


@dataclass
class Claimant:
    email: str
    cookies: dict[str, str]
    fields: list[tuple[str, str]]


async def ready_to_claim(port: int, emails: list[str]) -> list[Claimant]:
    """Log each trainee in and open their claim page, 8 at a time (not timed): the POST each will send."""
    client, limit = Client(port, Stats()), asyncio.Semaphore(8)

    async def one(n: int, email: str) -> Claimant:
        async with limit:
            cookies = await log_in(client, email)
            page = await client.request("GET", f"/certificates/claim/{COURSE}", "claim page", cookies)
            cookies.update(page.cookies)
            if page.status != 200:
                raise SystemExit(f"{email}: the claim page answered {page.status}")
            form = next(f for f in forms(page.body) if f.action.endswith(f"/certificates/claim/{COURSE}"))
            token = [(k, v) for k, v in form.fields if k == "csrf_token"]
            return Claimant(email, cookies, [*token, ("legal_name", f"Siân Llŵyd-Example {n}"),
                                             ("submit", "Get my certificate")])
    return list(await asyncio.gather(*(one(n, e) for n, e in enumerate(emails))))


def claim_request(claimant: Claimant) -> dict:
    return {"method": "POST", "path": f"/certificates/claim/{COURSE}", "cookies": claimant.cookies,
            "form": claimant.fields}


def _metric(port: int, token: str, pattern: str) -> int:
    """One counter from the app's /metrics (every worker's, summed by prometheus_client); 0 if absent."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read().decode()
    match = re.search(pattern + r" ([0-9.e+]+)$", text, re.M)
    return int(float(match.group(1))) if match else 0


def renders(port: int, token: str) -> int:
    """Certificate renders so far, every worker's: the count of lms_certificate_render_seconds."""
    return _metric(port, token, r"^lms_certificate_render_seconds_count(?:\{[^}]*\})?")


def refusals(port: int, token: str) -> int:
    """/verify requests the rate limit refused so far."""
    return _metric(port, token, r'^lms_rate_limit_refusals_total\{limit="verify"\}')


def check_certificates(emails: list[str]) -> tuple[str, list[str], list[str]]:
    """(a line to print, problems, issued codes) about the certificates these trainees hold now."""
    from sqlalchemy import select

    from lms import create_app
    from lms.accounts.models import User
    from lms.certificates.models import Certificate
    from lms.core.db import db

    app = create_app()
    with app.app_context():
        rows = db.session.execute(
            select(User.email, Certificate.status, Certificate.code, Certificate.pdf, Certificate.pdf_sha256,
                   Certificate.holder_name)
            .join(Certificate, Certificate.user_id == User.id).where(User.email.in_(emails))).all()
        db.session.remove()
        db.engine.dispose()
    per_person = Counter(r.email for r in rows)
    issued = [r for r in rows if r.status == "issued"]
    with_pdf = [r for r in issued if r.pdf and r.pdf.startswith(b"%PDF-")
                and hashlib.sha256(r.pdf).hexdigest() == r.pdf_sha256]
    codes = [r.code for r in issued if r.code]
    problems = []
    if len(rows) != len(emails):
        problems.append(f"{len(rows)} certificates for {len(emails)} trainees")
    if any(n != 1 for n in per_person.values()) or len(per_person) != len(emails):
        problems.append(f"{len(emails) - len(per_person)} trainees without one, "
                        f"{sum(1 for n in per_person.values() if n > 1)} with more than one")
    if len(issued) != len(rows):
        problems.append(f"{len(rows) - len(issued)} not issued")
    if len(with_pdf) != len(issued):
        problems.append(f"{len(issued) - len(with_pdf)} issued without a matching stored PDF")
    if len(set(codes)) != len(codes):
        problems.append("codes repeated")
    sizes = [len(r.pdf) for r in with_pdf]
    line = (f"{len(rows)} certificates for {len(emails)} trainees, {len(per_person)} trainees with one, "
            f"{len(issued)} issued, {len(with_pdf)} with a stored PDF that starts as a PDF and matches its "
            f"SHA-256" + (f" (median {statistics.median(sizes) / 1024:.0f} KB)" if sizes else ""))
    return line, problems, codes


def _address(n: int) -> str:
    return f"10.{n // 62500}.{n // 250 % 250}.{n % 250 + 1}"


# ---------------------------------------------------------------- report

HEADER = f"  {'':40} {'requests':>8} {'req/s':>7} {'last at s':>9} {'p50 ms':>8} {'p99 ms':>8}  statuses"


def row(name: str, burst: Burst, note: str = "") -> None:
    statuses = ", ".join(f"{status or 'no answer'}: {n}" for status, n in sorted(burst.statuses.items()))
    print(f"  {name:40} {len(burst.latencies):8d} {burst.rps:7.1f} {burst.seconds:9.2f} {burst.p(0.5):8.1f} "
          f"{burst.p(0.99):8.1f}  {statuses}" + (f"  {note}" if note else ""), flush=True)


# ---------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--claims", type=int, default=int(os.environ.get("BENCH_CLAIMS", "200")))
    parser.add_argument("--connections", type=int, default=200, help="claims in flight at once")
    parser.add_argument("--verify-requests", type=int, default=1000, help="requests in each /verify burst")
    parser.add_argument("--verify-connections", type=int, default=32)
    args = parser.parse_args()

    with ExitStack() as stack:
        workdir, url = serving_folder_and_database(stack, args.db, "lms-claims-")
        token = secrets.token_hex(16)
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32),
               "LMS_ENVIRONMENT": "production", "LMS_PUBLIC_BASE_URL": "https://training.example.org",
               "LMS_SESSION_COOKIE_SECURE": "false",
               "LMS_CONTENT_DIR": str(ROOT), "LMS_INSTANCE_PATH": str(workdir / "instance"),
               "LMS_DATA_KEYS": Fernet.generate_key().decode(), "LMS_METRICS_TOKEN": token,
               "LMS_TRUSTED_PROXIES": "1", "PROMETHEUS_MULTIPROC_DIR": str(workdir / "metrics")}
        os.environ.update(env)
        (workdir / "metrics").mkdir()
        emails = prepare(args.claims + ALONE)
        alone, together = emails[:ALONE], emails[ALONE:]
        port = _free_port()
        start_gunicorn(stack, "app:app", port, env, workdir / "app.log",
                       options=["-c", "python:lms.core.gunicorn_conf", "--preload"])
        limit = int(os.environ.get("LMS_CERTIFICATE_VERIFY_LIMIT", "30"))
        print(f"bench/claims.py: {args.db}; gunicorn 2 sync workers (--preload, lms.core.gunicorn_conf); "
              f"{args.claims} claims at {args.connections} connections; /verify bursts of {args.verify_requests} "
              f"at {args.verify_connections}; {os.cpu_count()} CPUs; load average "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
        started = time.perf_counter()
        claimants = asyncio.run(ready_to_claim(port, emails))
        print(f"  logged in {len(claimants)} trainees and opened their claim pages in "
              f"{time.perf_counter() - started:.1f} s (not timed below)", flush=True)

        print("\ncertificate claims")
        print(HEADER)
        one_by_one = Burst()
        for claimant in claimants[:ALONE]:
            single = asyncio.run(at_once([claim_request(claimant)], port, 1))
            one_by_one.latencies += single.latencies
            one_by_one.statuses += single.statuses
            one_by_one.seconds += single.seconds
        row(f"baseline: {ALONE} claims, one at a time", one_by_one)
        _line, problems, alone_codes = check_certificates(alone)
        problems = [f"one-at-a-time claims: {p}" for p in problems]
        # The baseline app renders a page as large as a verification page.
        _status, page = asyncio.run(send(port, "GET", f"/verify/{alone_codes[0]}"))
        bare_port = _free_port()
        start_gunicorn(stack, "_bare_app:app", bare_port, {**env, "BENCH_TEMPLATE_BYTES": str(len(page.encode()))},
                       workdir / "bare.log", chdir=BENCH)
        asyncio.run(at_once([{"method": "GET", "path": "/"}] * 64, bare_port, 32))  # warm-up
        bare_burst = asyncio.run(at_once([{"method": "GET", "path": "/"}] * args.claims, bare_port, args.connections))
        row(f"baseline: bare Flask page, {args.claims} at once", bare_burst)
        before = renders(port, token)
        burst = asyncio.run(at_once([claim_request(c) for c in claimants[ALONE:]], port, args.connections))
        rendered = renders(port, token) - before
        errors = sum(n for status, n in burst.statuses.items() if status != 302)
        row(f"{args.claims} claims at once", burst, f"{errors} errors" if errors else "0 errors")
        print(f"  time to the last answer: {burst.seconds:.2f} s; p50 {burst.p(0.5):.0f} ms, p99 "
              f"{burst.p(0.99):.0f} ms; a claim alone: median {statistics.median(one_by_one.latencies) * 1000:.0f} ms")
        line, together_problems, codes = check_certificates(together)
        problems += together_problems
        print(f"  database: {line}")
        print(f"  renders during the burst (the app's lms_certificate_render_seconds count, all workers): "
              f"{rendered} for {args.claims} claims" + ("" if rendered == args.claims else "  MISMATCH"))
        if rendered != args.claims:
            problems.append(f"{rendered} renders for {args.claims} claims")

        # /verify: half the codes just issued, half unknown (right form, never issued).
        from lms.certificates.services import new_code

        unknown = [new_code() for _ in codes]
        mixed = [c for pair in zip(codes, unknown, strict=True) for c in pair]
        paths = [f"/verify/{mixed[n % len(mixed)]}" for n in range(args.verify_requests)]
        addresses = args.verify_requests // max(1, limit - 5) + 1  # each address stays under the limit
        print(f"\n/verify/<code>: {args.verify_requests} requests per burst at {args.verify_connections} connections, "
              f"half issued codes (200), half unknown (404); the page weighs {len(page.encode()) / 1024:.1f} KB; "
              f"rate limit {limit} a minute per address")
        print(HEADER)
        bare = asyncio.run(at_once([{"method": "GET", "path": "/"}] * args.verify_requests, bare_port,
                                   args.verify_connections))
        row("baseline: bare Flask page, same size", bare)
        spread = asyncio.run(at_once(
            [{"method": "GET", "path": p, "headers": {"X-Forwarded-For": _address(n % addresses)}}
             for n, p in enumerate(paths)], port, args.verify_connections))
        spread_errors = sum(n for status, n in spread.statuses.items() if status not in (200, 404))
        row(f"/verify from {addresses} addresses", spread,
            f"{spread.rps / bare.rps:.0%} of bare; " + (f"{spread_errors} errors" if spread_errors else "0 errors"))
        refused_before = refusals(port, token)
        first_window = int(time.time() // 60)  # the limit counts in fixed minutes (lms.core.ratelimit)
        single = asyncio.run(at_once([{"method": "GET", "path": p} for p in paths], port, args.verify_connections))
        windows = int(time.time() // 60) - first_window + 1
        refused = single.statuses.get(429, 0)
        answered = single.statuses.get(200, 0) + single.statuses.get(404, 0)
        single_errors = sum(n for status, n in single.statuses.items() if status not in (200, 404, 429))
        row("/verify from one address", single, f"{refused} refused by the rate limit (429, not failures; the app "
            f"counted {refusals(port, token) - refused_before}); "
            + (f"{single_errors} errors" if single_errors else "0 errors"))
        print(f"  from one address: {answered} answered in a burst spanning {windows} of the limit's one-minute "
              f"windows (at most {limit} each)")
        if answered > windows * limit:
            problems.append(f"{answered} verifications answered from one address over {windows} window(s) of {limit}")
        if spread_errors or single_errors or errors:
            problems.append(f"errors: claims {errors}, /verify {spread_errors} + {single_errors}")
        print("\n" + ("every check passed" if not problems else "PROBLEMS: " + "; ".join(problems))
              + f" (load average at the end {' '.join(f'{x:.1f}' for x in os.getloadavg())})", flush=True)
        return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
