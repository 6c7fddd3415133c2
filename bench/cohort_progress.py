"""The cohort progress page: a cohort of 10,000 on a site of 100,000 trainees, 20 assigned courses.

Builds a synthetic catalogue (20 courses of 6 steps) and a site-sized database:
BENCH_SITE_TRAINEES trainees (default 100,000), of whom BENCH_TRAINEES (default
10,000; every tenth person registered, so the cohort's rows are spread through
the tables as a real site's are) form the measured cohort, and the rest belong
to other cohorts of 1,000 with their own assigned courses. Everyone has
realistic progress: most trainees have started most of their courses, a third
finished, half of those with certificates (some near or past expiry). Then
times a page of 50 rows through the Flask test client, logged in as the
cohort's trainer: the default page, a later page sorted by progress, and a
status filter, against a baseline page (/support) timed in the same rounds.
Prints the site's size, medians over BENCH_ROUNDS rounds (default 7) and each
page's query count. Target: under 300 ms per page.

The rows are loaded in bulk (COPY on PostgreSQL, executemany on SQLite), with
step_progress's triggers off while loading: each enrolment row carries the place
and the completed steps the triggers would have given it. PostgreSQL is VACUUM ANALYZEd after the load,
as autovacuum would soon do; SQLite is left as the app leaves it (no ANALYZE).

Runs on SQLite, and on PostgreSQL 15 too when its binaries are installed
(the same throwaway cluster as the tests); BENCH_BACKENDS=sqlite picks one.
Small runs: BENCH_SITE_TRAINEES=20000 BENCH_TRAINEES=2000 BENCH_ROUNDS=2.

    .venv/bin/python bench/cohort_progress.py
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, insert, select, text  # noqa: E402

from lms import create_app
from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.cohorts.models import Cohort, CohortCourse, CohortTrainer
from lms.core.db import db
from lms.core.models import utcnow
from tests.conftest import PASSWORD, PG_BIN, PostgresCluster, _config, csrf_token  # noqa: E402

TRAINEES = int(os.environ.get("BENCH_TRAINEES", "10000"))
SITE_TRAINEES = max(TRAINEES, int(os.environ.get("BENCH_SITE_TRAINEES", "100000")))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
BACKENDS = os.environ.get("BENCH_BACKENDS", "sqlite,postgresql").split(",")
COURSES = 20
STEPS = 6
OTHER_COHORT_SIZE = 1000  # the rest of the site comes in cohorts of this many
TARGET_MS = 300
CHUNK = 5000  # trainees whose rows are made and loaded at a time


def build_content(root: Path) -> list[str]:
    """20 small courses (the last step optional) in a content folder; returns their ids."""
    ids = []
    for n in range(COURSES):
        course_id = f"course-{n:02d}"
        folder = root / "courses" / course_id
        folder.mkdir(parents=True)
        (folder / "course.md").write_text(
            f"---\ntitle: Course {n:02d}\nsummary: A synthetic course.\ncertificate:\n  title: Cert {n}\n"
            "  valid_months: 12\n---\nIntro.\n")
        for s in range(STEPS):
            optional = "optional: true\n" if s == STEPS - 1 else ""
            (folder / f"{s + 1}-step-{s}.md").write_text(f"---\ntitle: Step {s}\n{optional}---\nRead this.\n")
        ids.append(course_id)
    (root / "scenarios").mkdir()
    return ids


def _sqlite_value(value: Any) -> Any:
    # As SQLAlchemy's SQLite DateTime and Date store them (UTC, no zone).
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


class Loader:
    """Rows with their ids into tables, in the session's transaction: COPY on PostgreSQL, executemany on SQLite.

    While loading, step_progress's triggers (a visit moves its enrolment's place; a
    completion lists the step on it) are off: the enrolment rows are loaded with the
    place and the list of completed steps they would have set.
    """

    def __init__(self, session) -> None:
        self.session = session
        connection = session.connection()
        self.postgresql = connection.dialect.name == "postgresql"
        self.raw = connection.connection.driver_connection
        self.tables: set[str] = set()
        if self.postgresql:  # a superuser in the throwaway cluster: triggers (and FK checks) off
            session.execute(text("SET LOCAL session_replication_role = replica"))
            self.triggers: list[str] = []
        else:
            self.triggers = list(session.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'step_progress'")))
            for name, _sql in self.triggers:
                session.execute(text(f'DROP TRIGGER "{name}"'))

    def load(self, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
        self.tables.add(table)
        if self.postgresql:
            with self.raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            self.raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                                 [tuple(_sqlite_value(v) for v in row) for row in rows])

    def finish(self) -> None:
        """Triggers back on; PostgreSQL's id sequences moved past the loaded ids."""
        if self.postgresql:
            self.session.execute(text("SET LOCAL session_replication_role = origin"))
            for table in sorted(self.tables):
                self.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                          f"(SELECT max(id) FROM {table}))"))
        else:
            for _name, sql in self.triggers:
                self.session.execute(text(sql))


def _next_id(session, table: str) -> int:
    return (session.scalar(text(f"SELECT max(id) FROM {table}")) or 0) + 1


def populate(session, course_ids: list[str]) -> int:
    """The site: the measured cohort with its trainer, other cohorts, everyone's progress; returns the cohort's id."""
    rng = random.Random(42)
    trainer = accounts.create_user(session, email="trainer@example.org", display_name="Bench Trainer",
                                   password=PASSWORD, role="trainer")
    other_trainer = accounts.create_user(session, email="others@example.org", display_name="Other Trainer",
                                         password=PASSWORD, role="trainer")
    cohort = Cohort(name="Bench cohort", created_by_id=trainer.id)
    others = [Cohort(name=f"Cohort {n:03d}", created_by_id=other_trainer.id)
              for n in range(-(-(SITE_TRAINEES - TRAINEES) // OTHER_COHORT_SIZE))]
    session.add_all([cohort, *others])
    session.flush()
    session.add(CohortTrainer(cohort_id=cohort.id, user_id=trainer.id))
    session.add_all([CohortTrainer(cohort_id=c.id, user_id=other_trainer.id) for c in others])
    today = date.today()
    # The measured cohort has all 20 courses; each other cohort 8 to 20 of them.
    courses_of = {cohort.id: course_ids, **{c.id: sorted(rng.sample(course_ids, rng.randint(8, COURSES)))
                                            for c in others}}
    session.execute(insert(CohortCourse), [
        {"cohort_id": cohort_id, "course_id": c, "due_on": today + timedelta(days=rng.randint(-30, 90))}
        for cohort_id, courses in courses_of.items() for c in courses])
    for start in range(0, SITE_TRAINEES, CHUNK):
        session.execute(insert(User), [
            {"email": f"t{n}@example.org", "display_name": f"Trainee {n:06d}", "password_hash": "x", "role": "trainee"}
            for n in range(start, min(SITE_TRAINEES, start + CHUNK))])
    user_of: dict[str, int] = dict(session.execute(select(User.email, User.id).where(User.role == "trainee")).all())
    # Every stride-th person registered is in the measured cohort; the others fill the other cohorts in turn.
    stride = SITE_TRAINEES // TRAINEES
    members: list[tuple[int, int]] = []  # (user id, cohort id) in registration order
    other_index = 0
    for n in range(SITE_TRAINEES):
        if n % stride == 0 and n // stride < TRAINEES:
            members.append((user_of[f"t{n}@example.org"], cohort.id))
        else:
            members.append((user_of[f"t{n}@example.org"], others[other_index // OTHER_COHORT_SIZE].id))
            other_index += 1

    loader = Loader(session)
    now = utcnow()
    member_id, enrolment_id = _next_id(session, "cohort_members"), _next_id(session, "enrolments")
    step_id, certificate_id = _next_id(session, "step_progress"), _next_id(session, "certificates")
    # Most joined when their cohort began, before any due date; one in twenty in the last month, after
    # some due dates (never overdue for those: lms/cohorts/joining.py), as cohorts take late joiners.
    def joined(i: int):
        return now - timedelta(days=rng.randint(0, 30) if i % 20 == 0 else rng.randint(120, 180))
    loader.load("cohort_members", ("id", "cohort_id", "user_id", "joined_at"),
                [(member_id + i, cohort_id, user_id, joined(i)) for i, (user_id, cohort_id) in enumerate(members)])
    counts = {"enrolments": 0, "step rows": 0, "certificates": 0, "in the cohort": 0}
    for start in range(0, len(members), CHUNK):
        enrolments, steps, certificates = [], [], []
        for user_id, cohort_id in members[start:start + CHUNK]:
            for c in courses_of[cohort_id]:
                roll = rng.random()
                if roll < 0.35:
                    continue  # not started
                done = STEPS - 1 if roll > 0.7 else rng.randint(0, STEPS - 2)
                completed = now - timedelta(days=rng.randint(1, 400)) if roll > 0.7 else None
                last_active = now - timedelta(minutes=rng.randint(0, 100_000))
                started = last_active - timedelta(days=rng.randint(0, 60))
                # The place the step-visit trigger would have set: the last step seen, when it was seen;
                # and the completed steps the completion trigger would have listed.
                enrolments.append((enrolment_id, user_id, c, 1, started, f"step-{done - 1}" if done else None,
                                   last_active, completed, "".join(f"[step-{s}]" for s in range(done))))
                steps += [(step_id + s, enrolment_id, f"step-{s}", started, last_active, now) for s in range(done)]
                step_id += done
                if completed and rng.random() < 0.5:
                    certificates.append((
                        certificate_id, user_id, enrolment_id, "issued", f"c{enrolment_id}", "x", c, "x", "v", "x",
                        "", "", "x", "", completed.date(), completed, completed.date() + timedelta(days=365),
                        "en", completed))
                    certificate_id += 1
                counts["in the cohort"] += cohort_id == cohort.id
                enrolment_id += 1
        loader.load("enrolments", ("id", "user_id", "course_id", "cycle", "started_at", "last_step_id",
                                   "last_active_at", "completed_at", "completed_steps"), enrolments)
        loader.load("step_progress", ("id", "enrolment_id", "step_id", "first_seen_at", "last_seen_at",
                                      "completed_at"), steps)
        loader.load("certificates", ("id", "user_id", "enrolment_id", "status", "code", "holder_name", "course_id",
                                     "course_title", "course_version", "certificate_title", "assessed_how",
                                     "signatory", "issuer_name", "issuer_number", "completed_on", "issued_at",
                                     "valid_until", "languages", "requested_at"), certificates)
        counts["enrolments"] += len(enrolments)
        counts["step rows"] += len(steps)
        counts["certificates"] += len(certificates)
    loader.finish()
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        # As autovacuum would soon after a bulk load (inserts trigger it since PostgreSQL 13): statistics for
        # the planner, and the visibility map that lets index-only scans skip the table.
        with session.get_bind().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    cohorts = session.scalar(select(func.count()).select_from(Cohort))
    print(f"  site: {SITE_TRAINEES:,} trainees in {cohorts} cohorts, {counts['enrolments']:,} enrolments, "
          f"{counts['step rows']:,} step rows, {counts['certificates']:,} certificates; the measured cohort: "
          f"{TRAINEES:,} trainees, {counts['in the cohort']:,} enrolments", flush=True)
    return cohort.id


def _time(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def _statements(client, url: str) -> list[tuple[float, str]]:
    """Each SQL statement one view of `url` runs: (milliseconds, the statement's first words)."""
    timed: list[tuple[float, str]] = []
    started = [0.0]

    def before(*_args):
        started[0] = time.perf_counter()

    def after(_conn, _cursor, statement, *_args):
        words = " ".join(statement.split())
        timed.append(((time.perf_counter() - started[0]) * 1000, words[:70]))

    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    try:
        client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)
    return timed


def run(label: str, url: str, content: Path, course_ids: list[str]) -> bool:
    app = create_app(_config(url, content), instance_path=tempfile.mkdtemp(prefix="lms-bench-instance-"))
    with app.app_context():
        db.upgrade()
    started = time.perf_counter()
    cohort_id = populate(db.session, course_ids)
    print(f"  built in {time.perf_counter() - started:.1f} s; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    client = app.test_client()
    client.post("/login", data={"email": "trainer@example.org", "password": PASSWORD,
                                "csrf_token": csrf_token(client, "/login")})
    base = f"/trainer/cohorts/{cohort_id}/progress"
    pages = {
        "first page, by name": base,
        "page 100, by progress": f"{base}?sort=progress&order=desc&course=course-03&page=100",
        "overdue filter, by last active": f"{base}?status=overdue&sort=last_active&order=desc",
        "baseline: /support": "/support",
    }
    for url_ in pages.values():  # warm-up: templates compiled, caches filled
        _time(client, url_)
    timings: dict[str, list[float]] = {name: [] for name in pages}
    for _ in range(ROUNDS):
        for name, url_ in pages.items():  # interleaved, so noise hits every page alike
            timings[name].append(_time(client, url_))
    ok = True
    print(f"  {'page':34} {'median ms':>10} {'min ms':>8} {'queries':>8} {'SQL ms':>7}")
    slowest = {}
    for name, url_ in pages.items():
        median = statistics.median(timings[name])
        statements = _statements(client, url_)
        slowest[name] = sorted(statements, reverse=True)[:2]
        print(f"  {name:34} {median:10.1f} {min(timings[name]):8.1f} {len(statements):8d} "
              f"{sum(ms for ms, _ in statements):7.1f}")
        if not name.startswith("baseline") and median >= TARGET_MS:
            ok = False
    print("  slowest statements (one more view of each page):")
    for name, statements in slowest.items():
        for ms, words in statements:
            print(f"    {name[:20]:20} {ms:7.1f} ms  {words}")
    print(f"  {label}: {'within' if ok else 'OVER'} the {TARGET_MS} ms target (load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())})", flush=True)
    db.session.remove()
    db.engine.dispose()
    return ok


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as tmp:
        content = Path(tmp) / "content"
        course_ids = build_content(content)
        print(f"cohort progress: a cohort of {TRAINEES:,} trainees x {COURSES} courses on a site of "
              f"{SITE_TRAINEES:,} trainees, {ROUNDS} rounds, page of 50", flush=True)
        results = []
        if "sqlite" in BACKENDS:
            print("SQLite")
            results.append(run("SQLite", f"sqlite:///{tmp}/bench.sqlite3", content, course_ids))
        if "postgresql" not in BACKENDS:
            pass
        elif (PG_BIN / "initdb").exists():
            print("PostgreSQL")
            cluster = PostgresCluster()
            try:
                results.append(run("PostgreSQL", cluster.create_database("lms_bench"), content, course_ids))
            finally:
                cluster.stop()
        else:
            print(f"PostgreSQL: skipped ({PG_BIN} not found)")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
