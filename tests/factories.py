"""Factories the tests share: rows made directly with the models, and content trees.

Rows are made without the pages (and users without argon2) so a test arranges its
data in milliseconds; the pages and services under test are exercised by the tests.
"""
from __future__ import annotations

import re
import shutil
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from unittest.mock import patch
from urllib.parse import urlsplit

from sqlalchemy import event

from lms.accounts.models import User
from lms.catalog.services import catalog
from lms.certificates import services as certificate_service
from lms.certificates.document import current_branding
from lms.certificates.models import Certificate
from lms.cohorts import services as cohorts
from lms.cohorts.models import Cohort
from lms.core.db import db
from lms.core.models import utcnow
from lms.jobs import schedule
from lms.learning import progress, responses
from lms.learning.models import Enrolment, QuestionAnswer, ReflectionEntry, StepProgress
from lms.roleplay import checkins, runs
from lms.roleplay.models import RunChoice, ScenarioRun, WellbeingCheckin
from tests.conftest import FIXTURE_CONTENT, csrf_token

TODAY = date.today()
SECRET_REFLECTION = "my-private-reflection-7f3a9c"
SECRET_CHECKIN = "my-private-checkin-e21b44"
LISTENING_REQUIRED = ("welcome", "practice", "roleplay", "assessment")  # "optional" is optional


def quick_user(session, name: str, role: str = "trainee") -> User:
    """A user without argon2 (fast): it cannot log in, which these rows do not need."""
    user = User(email=f"{name.lower().replace(' ', '.')}@example.org", display_name=name, password_hash="x", role=role)
    session.add(user)
    session.flush()
    return user


def make_cohort(session, trainer: User, name: str = "Night moderators", courses=("listening",),
                due_on: date | None = None) -> Cohort:
    cohort = cohorts.create_cohort(session, trainer, name)
    for course_id in courses:
        cohorts.assign_course(session, trainer, cohort, course_id, due_on, {course_id})
    session.commit()
    return cohort


#: When join() puts members in a cohort by default: long before any due date a test sets, so that
#: none of them is a late joiner (cohorts.joining) unless a test says so.
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def join(session, cohort: Cohort, *members: User, joined_at: datetime = LONG_AGO) -> None:
    for member in members:
        cohorts.add_member(session, cohort.id, member, joined_at=joined_at)
    session.commit()


def enrol(session, user: User, course_id: str = "listening", steps=(), completed: bool = False, cycle: int = 1,
          last_active=None) -> Enrolment:
    now = utcnow()
    enrolment = Enrolment(user_id=user.id, course_id=course_id, cycle=cycle, last_active_at=last_active or now,
                          completed_at=now if completed else None)
    session.add(enrolment)
    session.flush()
    for step_id in steps:
        # A step's row moves the enrolment's place (a trigger): seen when it was last active.
        session.add(StepProgress(enrolment_id=enrolment.id, step_id=step_id, completed_at=now,
                                 last_seen_at=last_active or now))
    session.commit()
    return enrolment


#: The fixture Listening basics course's practice questions, by step: a step with one is done once it is answered
#: right (progress.requirements_met), so a test that marks such a step done answers it too (`answer_practice`).
PRACTICE_QUESTIONS = {"welcome": ("q-reflect",), "practice": ("q-multi",)}


def answer_practice(session, enrolment: Enrolment, steps=()) -> None:
    """Record the fixture course's practice questions of `steps` as answered right, as questions.answer would."""
    now = utcnow()
    session.add_all(QuestionAnswer(enrolment_id=enrolment.id, step_id=step_id, question_id=question_id,
                                   correct=True, tries=1, first_correct_at=now, answered_at=now)
                    for step_id in steps for question_id in PRACTICE_QUESTIONS.get(step_id, ()))
    session.commit()


def assert_completed_steps_exact(session) -> None:
    """Every enrolment's list of completed steps (kept by triggers, migration 0011_cohort_facts) is exactly its
    completed step rows: the progress table sorts by the list."""
    from sqlalchemy import select

    session.expire_all()  # the triggers wrote behind the ORM's back
    listed = {e_id: sorted(filter(None, steps.replace("[", "").split("]")))
              for e_id, steps in session.execute(select(Enrolment.id, Enrolment.completed_steps))}
    completed: dict[int, list[str]] = {e_id: [] for e_id in listed}
    for e_id, step_id in session.execute(select(StepProgress.enrolment_id, StepProgress.step_id)
                                         .where(StepProgress.completed_at.is_not(None))):
        completed[e_id].append(step_id)
    assert listed == {e_id: sorted(steps) for e_id, steps in completed.items()}


def certify(session, user: User, course_id: str = "listening", valid_until: date | None = None,
            status: str = "issued", enrolment: Enrolment | None = None, code: str | None = None) -> Certificate:
    certificate = Certificate(
        user_id=user.id, enrolment_id=enrolment.id if enrolment else None, status=status,
        code=code or (f"code-{user.id}-{course_id}" if status != "pending" else None),
        holder_name=user.legal_name or user.display_name, course_id=course_id, course_title="Listening basics",
        course_version="v1", certificate_title="Listener", issuer_name="Example", completed_on=TODAY,
        issued_at=utcnow() if status != "pending" else None, valid_until=valid_until)
    session.add(certificate)
    session.commit()
    return certificate


def play(session, user: User, choices, finished: bool = True, outcome: str | None = "pass",
         scenario_id: str = "late-post", enrolment: Enrolment | None = None, step_id: str | None = None,
         shared: bool = False) -> ScenarioRun:
    """A run of late-post: choices are (node_id, choice_index, score, red_line).

    A practice run (private to the trainee) unless played as a step of `enrolment`
    or `shared` with the trainee's trainers."""
    run = ScenarioRun(user_id=user.id, scenario_id=scenario_id, current_node="good-end",
                      score=sum(c[2] for c in choices), crossed_red_line=any(c[3] for c in choices),
                      outcome=outcome if finished else None, passed=(outcome == "pass") if finished else None,
                      finished_at=utcnow() if finished else None,
                      enrolment_id=enrolment.id if enrolment else None,
                      step_id=step_id or ("practice" if enrolment else None),
                      shared_with_trainers_at=utcnow() if shared else None)
    session.add(run)
    session.flush()
    for position, (node_id, index, score, red) in enumerate(choices):
        session.add(RunChoice(run_id=run.id, position=position, node_id=node_id, choice_index=index,
                              target="x", score=score, red_line=red))
    session.commit()
    return run


def private_notes(session, user: User) -> None:
    """A reflection and a check-in that no trainer or admin page may ever show."""
    session.add(ReflectionEntry(user_id=user.id, course_id="listening", step_id="welcome",
                                reflection_id="r-hardest", prompt_text="What is hardest?", text=SECRET_REFLECTION))
    session.add(WellbeingCheckin(user_id=user.id, feeling="struggling", note=SECRET_CHECKIN))
    session.commit()


def post(client, url: str, data: dict | None = None, form_page: str | None = None, **kwargs):
    data = dict(data or {})
    data["csrf_token"] = csrf_token(client, form_page or url)
    return client.post(url, data=data, **kwargs)


# -- certificates ----------------------------------------------------------------------

def complete(session, user, course_id="listening", cycle=1, when=None) -> Enrolment:
    """A completed enrolment, as the progress service would leave it."""
    enrolment = Enrolment(user_id=user.id, course_id=course_id, cycle=cycle,
                          completed_at=when or datetime.now(UTC), completed_version="v-test")
    session.add(enrolment)
    session.commit()
    return enrolment


def issue(app, session, user, name="Jane Example", course_id="listening", when=None) -> Certificate:
    """Issue through the service, as the claim page does; `when`: completed (and claimed) then, so a
    certificate long expired today was issued while it was still current."""
    enrolment = complete(session, user, course_id=course_id, when=when)
    with app.app_context(), patch.object(certificate_service, "lapsed_on", return_value=None):
        certificate = certificate_service.issue(session, session.get(User, user.id), enrolment,
                                                catalog().course(course_id), name, current_branding())
    session.commit()
    return certificate


# -- role-play content ----------------------------------------------------------------

# `memory` exercises 'if' / 'if not' and pass_score; `open-ended` has no pass ending.
MEMORY = """---
title: Memory
summary: Choices that depend on where the run has been.
content_notes: [conflict]
endings:
  pass: [win]
  fail: [lose]
pass_score: 2
---
A briefing.

## start
Where do you go?

- [Go to a](#a) (+1)
  > A was good.
- [Go to b](#b)
- [Go straight to the hub](#hub)
- [Cheat](#hub) (+5, red line)
  > Never do this.

## a
You are at a.

- [On to the hub](#hub)

## b
You are at b.

- [On to the hub](#hub)

## hub
The hub.

- [Only after a](#win) (+1, if a)
  > You remembered a.
- [Only if you skipped b](#win) (if not b)
- [Give up](#lose) (-1)

## win
You won.

## lose
You lost.
"""

OPEN_ENDED = """---
title: Open ended
summary: No pass ending.
endings:
  neutral: [done]
---
Briefing.

## start
Talk.

- [Say something](#done)

## done
The end.
"""

DRILLS = {
    "course.md": "---\ntitle: Drills\nsummary: Role-play drills.\nrequires: [listening]\n---\nDrills.\n",
    "1-memory.md": "---\ntitle: Memory drill\nscenario: memory\n---\nPlay it.\n",
    "2-open.md": "---\ntitle: Open drill\nscenario: open-ended\n---\nPlay it.\n",
}


def make_play_content(root: Path) -> Path:
    """The fixture content plus the scenarios and course above."""
    shutil.copytree(FIXTURE_CONTENT, root)
    (root / "scenarios" / "memory.md").write_text(MEMORY)
    (root / "scenarios" / "open-ended.md").write_text(OPEN_ENDED)
    (root / "courses" / "drills").mkdir()
    for name, text in DRILLS.items():
        (root / "courses" / "drills" / name).write_text(text)
    return root


@contextmanager
def counted(app):
    """The SQL statements sent while the block runs, less what is not the page's own cost:
    SQLite's BEGIN (PostgreSQL's driver sends its BEGIN unseen), the periodic reads of
    `site_settings` and the content-generation check (an `lms_background` connection)."""
    statements: list[str] = []

    def count(connection, _cursor, statement, *_args) -> None:
        if connection.get_execution_options().get("lms_background"):
            return
        if not statement.startswith("BEGIN") and "FROM site_settings" not in statement:
            statements.append(statement)

    engine = app.extensions["lms_db"].engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


# Role-play helpers: the v1.1 fixture scenario, and starting and choosing through the pages.

V11 = Path(__file__).parent / "fixtures" / "v11"

# File indexes of night-handover's choices, by what they do.
PRIVATE, PUBLIC, ALERT, PASS_ON = 0, 1, 2, 3  # at start; PASS_ON is pinned
TO_PRIVATE = 0  # at public-reply and at alert
HANDOVER_NOW = 1  # at alert: skips check-in
ASK_SAFE = 0  # at check-in
FULL_NOTE = 0  # at handover


def make_v11_content(root: Path, *, shuffle: bool = True) -> Path:
    """The fixture content plus night-handover (in file order when `shuffle` is False)."""
    shutil.copytree(FIXTURE_CONTENT, root)
    text = (V11 / "night-handover.md").read_text()
    if not shuffle:
        text = text.replace("topic: safeguarding\n", "topic: safeguarding\nshuffle: false\n", 1)
    (root / "scenarios" / "night-handover.md").write_text(text)
    return root


def start(client, scenario="late-post", **data) -> str:
    """Start a run through the briefing's form; returns the run page's path."""
    token = csrf_token(client, f"/play/{scenario}")
    response = client.post(f"/play/{scenario}/start", data={"csrf_token": token, **data})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def text(response) -> str:
    """A response's body as text."""
    return response.get_data(as_text=True)


def choose_in_browser(page, text: str) -> None:
    """Pick a choice and wait for the next page, so what follows never reads the page the choice was made on."""
    with page.expect_navigation():
        page.get_by_role("group", name="What do you do?").get_by_role("button", name=text).click()


# Coaching: the fixture course and role-play, and a trainer's cohort with work waiting for them.

COACHING = Path(__file__).parent / "fixtures" / "coaching"


def coaching_loop(app, session, users) -> dict:
    """A trainer, their cohort with a trainee who responded, played the course role-play and checked in
    (content: COACHING)."""
    trainer = users.create(role="trainer", display_name="Tess Trainer")
    trainee = users.create(display_name="Nightowl")
    cohort = make_cohort(session, trainer, name="Spring", courses=("coaching",))
    join(session, cohort, trainee)
    with app.app_context():
        course, scenario = catalog().course("coaching"), catalog().scenario("tough-night")
    enrolment = progress.enrol(session, trainee.id, course)
    step = course.step("written")
    entry = responses.submit(session, enrolment, course, step, step.responses[0], "Are you safe tonight?").entry
    run = runs.start_run(session, trainee.id, scenario, enrolment, "roleplay")
    secret = next(c for c in scenario.node("start").choices if c.red_line)
    runs.choose(session, run, scenario, 0, secret.index, course)
    checkin = checkins.record_checkin(session, trainee.id, run, "struggling", SECRET_CHECKIN)
    session.commit()
    private_notes(session, trainee)
    return {"trainer": trainer, "trainee": trainee, "cohort": cohort, "course": course, "entry": entry, "run": run,
            "checkin": checkin}


# E-mail: running the queue as the worker does, and reading what arrived at the test SMTP server.

def run_jobs(app, as_of=None):
    """What `lms jobs run --once` does: the sweep (as of a fixed day), then every due job."""
    with app.app_context():
        return schedule.run_once(db.session, as_of)


def subject(message) -> str:
    """The Subject as a reader sees it (a long one is folded onto a second line in transit)."""
    return " ".join(str(message["Subject"]).split())


def links(text: str) -> list[str]:
    """Every link in a message's text or HTML."""
    return re.findall(r"https?://[^\s\"<>]+", text)


def local(url: str) -> str:
    """A link of a message as the test client opens it: its path and query."""
    found = urlsplit(url)
    return found.path + (f"?{found.query}" if found.query else "")


def parts(message) -> tuple[str, str]:
    """The plain text and the HTML of a message."""
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def mark_shift_ready(client, users, trainee) -> None:
    """The trainee says the coaching course's trainer-confirmed step is done (then logs out)."""
    users.login(trainee)
    assert post(client, "/courses/coaching/steps/shift/ready", {}, form_page="/courses/coaching/steps/shift"
                ).status_code == 303
    users.logout()
