"""The nightly reminder sweep with 10,000 trainees x 20 assigned courses.

Builds the same synthetic cohort as bench/cohort_progress.py (due dates spread from 30
days ago to 90 days ahead, a third of courses completed, half of those certified), then
times `lms.mail.reminders.sweep` as of today:
- the first night (every reminder due is new: keys inserted, emails queued),
- the same night again (a second worker, or a re-run after a crash: every key exists),
next to a baseline measured in the same run: one plain SELECT of every member x assigned
course pair (what any sweep must at least read). Prints the time, the queries and the
queries per batch. Target: under 30 s, and a constant number of queries per batch.

    .venv/bin/python bench/reminder_sweep.py      (BENCH_TRAINEES, BENCH_BACKENDS as in cohort_progress)
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cohort_progress import COURSES, TRAINEES, build_content, populate  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402

from lms import create_app  # noqa: E402
from lms.catalog.services import catalog  # noqa: E402
from lms.cohorts.models import CohortCourse, CohortMember  # noqa: E402
from lms.core.db import db  # noqa: E402
from lms.jobs.models import Job  # noqa: E402
from lms.mail.reminders import sweep  # noqa: E402
from tests.conftest import PG_BIN, PostgresCluster, _config  # noqa: E402

BACKENDS = os.environ.get("BENCH_BACKENDS", "sqlite,postgresql").split(",")
TARGET_S = 30.0


class Counter:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, *_args) -> None:
        self.n += 1


def _measured(action) -> tuple[float, int, object]:
    counter = Counter()
    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        started = time.perf_counter()
        result = action()
        return time.perf_counter() - started, counter.n, result
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)


def run(label: str, url: str, content: Path, course_ids: list[str]) -> bool:
    app = create_app(_config(url, content), instance_path=tempfile.mkdtemp(prefix="lms-bench-instance-"))
    with app.app_context():
        db.upgrade()
        started = time.perf_counter()
        populate(db.session, course_ids)
        print(f"  built in {time.perf_counter() - started:.1f} s")
        courses = catalog().courses
        today = date.today()

        def baseline():
            rows = db.session.execute(select(CohortMember.user_id, CohortCourse.course_id, CohortCourse.due_on)
                                      .join(CohortCourse, CohortCourse.cohort_id == CohortMember.cohort_id)).all()
            db.session.commit()
            return len(rows)

        base_s, base_q, pairs = _measured(baseline)
        first_s, first_q, first = _measured(lambda: sweep(db.session, courses, today))
        again_s, again_q, again = _measured(lambda: sweep(db.session, courses, today))
        queued = db.session.scalar(select(func.count()).select_from(Job))
    print(f"  {'':38} {'seconds':>8} {'queries':>8} {'batches':>8} {'queries/batch':>14}")
    print(f"  {'baseline: read every pair (' + str(pairs) + ')':38} {base_s:8.2f} {base_q:8d}")
    for name, seconds, queries, result in (("sweep, first night", first_s, first_q, first),
                                           ("sweep again, same night", again_s, again_q, again)):
        queries += result.copies  # COPY (PostgreSQL's jobs) is one statement SQLAlchemy's events do not see
        per = queries / result.batches if result.batches else 0
        print(f"  {name:38} {seconds:8.2f} {queries:8d} {result.batches:8d} {per:14.1f}   {result}")
    print(f"  emails queued: {queued} (the second sweep queued {again.total})")
    ok = first_s < TARGET_S and again_s < TARGET_S and again.total == 0
    print(f"  {label}: {'within' if ok else 'OVER'} the {TARGET_S:.0f} s target")
    db.session.remove()
    db.engine.dispose()
    return ok


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as tmp:
        content = Path(tmp) / "content"
        course_ids = build_content(content)
        print(f"reminder sweep: {TRAINEES} trainees x {COURSES} courses")
        results = []
        if "sqlite" in BACKENDS:
            print("SQLite")
            results.append(run("SQLite", f"sqlite:///{tmp}/bench.sqlite3", content, course_ids))
        if "postgresql" in BACKENDS and (PG_BIN / "initdb").exists():
            print("PostgreSQL")
            cluster = PostgresCluster()
            try:
                results.append(run("PostgreSQL", cluster.create_database("lms_bench"), content, course_ids))
            finally:
                cluster.stop()
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
