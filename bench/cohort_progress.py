"""The cohort progress page with 10,000 trainees and 20 assigned courses.

Builds a synthetic catalogue (20 courses of 6 steps) and a database with one
cohort of BENCH_TRAINEES trainees (default 10,000) and realistic progress:
most trainees have started most courses, a third finished, half of those with
certificates (some near or past expiry). Then times a page of 50 rows through
the Flask test client, logged in as the cohort's trainer: the default page, a
later page sorted by progress, and a status filter, against a baseline page
(/support) timed in the same rounds. Prints medians over BENCH_ROUNDS rounds
(default 7) and each page's query count. Target: under 300 ms per page.

Runs on SQLite, and on PostgreSQL 15 too when its binaries are installed
(the same throwaway cluster as the tests); BENCH_BACKENDS=sqlite picks one.

    .venv/bin/python bench/cohort_progress.py
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, select, text  # noqa: E402

from lms import create_app
from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.certificates.models import Certificate
from lms.cohorts.models import Cohort, CohortCourse, CohortMember, CohortTrainer
from lms.core.db import db
from lms.core.models import utcnow
from lms.learning.models import Enrolment, StepProgress
from tests.conftest import PASSWORD, PG_BIN, PostgresCluster, _config, csrf_token  # noqa: E402

TRAINEES = int(os.environ.get("BENCH_TRAINEES", "10000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
BACKENDS = os.environ.get("BENCH_BACKENDS", "sqlite,postgresql").split(",")
COURSES = 20
STEPS = 6
TARGET_MS = 300
CHUNK = 5000


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


def _bulk(session, model, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(model), rows[start:start + CHUNK])


def populate(session, course_ids: list[str]) -> int:
    """One cohort, its trainer, TRAINEES members with progress; returns the cohort id."""
    rng = random.Random(42)
    trainer = accounts.create_user(session, email="trainer@example.org", display_name="Bench Trainer",
                                   password=PASSWORD, role="trainer")
    cohort = Cohort(name="Bench cohort", created_by_id=trainer.id)
    session.add(cohort)
    session.flush()
    session.add(CohortTrainer(cohort_id=cohort.id, user_id=trainer.id))
    today = date.today()
    _bulk(session, CohortCourse, [{"cohort_id": cohort.id, "course_id": c,
                                   "due_on": today + timedelta(days=rng.randint(-30, 90))} for c in course_ids])
    first = session.scalar(select(User.id).order_by(User.id.desc())) + 1
    _bulk(session, User, [{"email": f"t{n}@example.org", "display_name": f"Trainee {n:05d}", "password_hash": "x",
                           "role": "trainee"} for n in range(TRAINEES)])
    user_ids = range(first, first + TRAINEES)
    _bulk(session, CohortMember, [{"cohort_id": cohort.id, "user_id": u} for u in user_ids])
    now = utcnow()
    enrolments, plans = [], []
    for u in user_ids:
        for c in course_ids:
            roll = rng.random()
            if roll < 0.35:
                continue  # not started
            done = STEPS - 1 if roll > 0.7 else rng.randint(0, STEPS - 2)
            completed = now - timedelta(days=rng.randint(1, 400)) if roll > 0.7 else None
            enrolments.append({"user_id": u, "course_id": c, "cycle": 1, "completed_at": completed,
                               "last_active_at": now - timedelta(minutes=rng.randint(0, 100_000))})
            plans.append((done, completed))
    _bulk(session, Enrolment, enrolments)
    ids = session.scalars(select(Enrolment.id).order_by(Enrolment.id)).all()
    steps, certificates = [], []
    for e_id, row, (done, completed) in zip(ids, enrolments, plans, strict=False):
        # A step's row moves its enrolment's place (a trigger): seen when the enrolment was last active.
        steps += [{"enrolment_id": e_id, "step_id": f"step-{s}", "completed_at": now,
                   "last_seen_at": row["last_active_at"]} for s in range(done)]
        if completed and rng.random() < 0.5:
            certificates.append({
                "user_id": row["user_id"], "enrolment_id": e_id, "status": "issued", "code": f"c{e_id}",
                "holder_name": "x", "course_id": row["course_id"], "course_title": "x", "course_version": "v",
                "certificate_title": "x", "issuer_name": "x", "completed_on": completed.date(), "issued_at": completed,
                "valid_until": completed.date() + timedelta(days=365)})
    _bulk(session, StepProgress, steps)
    _bulk(session, Certificate, certificates)
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        # As autovacuum would soon after a bulk load: without statistics the planner guesses badly.
        session.execute(text("ANALYZE"))
        session.commit()
    print(f"  data: {TRAINEES} trainees, {len(enrolments)} enrolments, {len(steps)} step rows, "
          f"{len(certificates)} certificates")
    return cohort.id


def _time(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def _queries(client, url: str) -> int:
    count = [0]

    def counter(*_args):
        count[0] += 1

    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return count[0]


def run(label: str, url: str, content: Path, course_ids: list[str]) -> bool:
    app = create_app(_config(url, content), instance_path=tempfile.mkdtemp(prefix="lms-bench-instance-"))
    with app.app_context():
        db.upgrade()
    started = time.perf_counter()
    cohort_id = populate(db.session, course_ids)
    print(f"  built in {time.perf_counter() - started:.1f} s")
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
    print(f"  {'page':34} {'median ms':>10} {'min ms':>8} {'queries':>8}")
    for name, url_ in pages.items():
        median = statistics.median(timings[name])
        print(f"  {name:34} {median:10.1f} {min(timings[name]):8.1f} {_queries(client, url_):8d}")
        if not name.startswith("baseline") and median >= TARGET_MS:
            ok = False
    print(f"  {label}: {'within' if ok else 'OVER'} the {TARGET_MS} ms target")
    db.session.remove()
    db.engine.dispose()
    return ok


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as tmp:
        content = Path(tmp) / "content"
        course_ids = build_content(content)
        print(f"cohort progress: {TRAINEES} trainees x {COURSES} courses, {ROUNDS} rounds, page of 50")
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
