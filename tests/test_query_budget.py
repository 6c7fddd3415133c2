"""Query budget of the pages trainees open most (issue 18, item 2): counted, and constant.

Counted with a `before_cursor_execute` listener on the app's engine: every SQL
statement the request sends, except SQLite's BEGIN (PostgreSQL's driver sends
its BEGIN unseen, so both backends count the same), and except the reads of
`site_settings`: each process refreshes the site's settings and looks for a new
content generation at most every few seconds, whichever request that falls on,
so that cost is not a page's.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from lms.learning.models import Enrolment, QuestionAnswer, StepProgress
from tests.conftest import csrf_token
from tests.factories import counted

COURSE = "listening"


def _get(app, client, url: str) -> list[str]:
    with counted(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return statements


def _start(client) -> None:
    response = client.post(f"/courses/{COURSE}/start", data={"csrf_token": csrf_token(client, f"/courses/{COURSE}")})
    assert response.status_code == 302


def _writes(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def _place(session, user) -> tuple[str | None, list[str]]:
    """The enrolment's place as the reports read it, and the steps with rows, most recently seen last."""
    session.expire_all()
    enrolment = session.scalars(select(Enrolment).where(Enrolment.user_id == user.id)).one()
    seen = session.scalars(select(StepProgress.step_id).where(StepProgress.enrolment_id == enrolment.id)
                           .order_by(StepProgress.last_seen_at, StepProgress.id)).all()
    return enrolment.last_step_id, list(seen)


def test_a_step_page_first_view_and_reload(app, client, users, session):
    user = users.create()
    users.login(user)
    _start(client)
    plain = f"/courses/{COURSE}/steps/optional"
    first = _get(app, client, plain)
    # The budget, three: the user (and session check) in one; the enrolment with every
    # step opened so far in one; the visit in one (an upsert of the step's row, whose trigger
    # moves the enrolment's place).
    assert len(first) == 3, first
    assert [s.split()[0].upper() for s in _writes(first)] == ["INSERT"]
    assert _place(session, user) == ("optional", ["optional"])
    reload = _get(app, client, plain)
    assert len(reload) == 2 and not _writes(reload), reload  # a quick reload writes nothing

    # A step with a practice question and a reflection reads them in the same query as the
    # enrolment: still three.
    with_questions = _get(app, client, f"/courses/{COURSE}/steps/welcome")
    assert len(with_questions) == 3, with_questions
    assert _place(session, user) == ("welcome", ["optional", "welcome"])


def test_the_count_does_not_grow_with_the_steps_opened(app, client, users, session):
    user = users.create()
    users.login(user)
    _start(client)
    counts = []
    for step in ("welcome", "optional") * 3:
        # Each is a visit (the other step was opened in between), so each writes: a first
        # visit and a return cost the same, one upsert.
        statements = _get(app, client, f"/courses/{COURSE}/steps/{step}")
        assert len(_writes(statements)) == 1, statements
        counts.append(len(statements))
        assert _place(session, user)[0] == step  # the enrolment's place follows every visit
    assert counts == [3, 3, 3, 3, 3, 3], counts


def test_a_role_play_node_reads_the_user_and_the_run(app, client, users):
    users.login(users.create())
    started = client.post("/play/late-post/start", data={"csrf_token": csrf_token(client, "/play/late-post")})
    run_url = started.headers["Location"]
    first = _get(app, client, run_url + "?show=1")
    # Within the same budget as a step (three), with room to spare: the user, the run with its choices.
    assert len(first) == 2 and not _writes(first), first
    page = client.get(run_url + "?show=1").get_data(as_text=True)
    position = re.search(r'name="position" value="(\d+)"', page).group(1)
    choice = re.search(r'name="choice" value="(\d+)"', page).group(1)
    token = csrf_token(client, run_url + "?show=1")
    with counted(app) as statements:
        chose = client.post(run_url + "/choose", data={"csrf_token": token, "position": position, "choice": choice})
    assert chose.status_code == 302
    if "/debrief" not in chose.headers["Location"]:
        # The user; the run with its choices; the choice (an insert that does nothing if the position is
        # taken: no savepoint); the run's new place.
        assert len(statements) == 4, statements
        assert [s.split()[0].upper() for s in _writes(statements)] == ["INSERT", "UPDATE"], statements
    again = client.post(run_url + "/choose", data={"csrf_token": token, "position": position, "choice": choice})
    assert again.status_code == 302 and "/choose" not in again.headers["Location"]  # a replay changes nothing
    if "/debrief" not in chose.headers["Location"]:
        after = _get(app, client, chose.headers["Location"] + "&show=1")
        assert len(after) == 2, after  # the same after a choice: the run's choices come with the run


def _answer(app, client, question: str, choice: str) -> list[str]:
    step_url = f"/courses/{COURSE}/steps/welcome"
    token = csrf_token(client, step_url)
    with counted(app) as statements:
        response = client.post(f"{step_url}/questions/{question}", data={"csrf_token": token, "choice": choice})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return statements


def test_a_practice_answer_is_one_write_first_time_and_after(app, client, users, session):
    users.login(users.create())
    _start(client)
    # The user; the enrolment; the answer as one upsert (a first answer and a retry alike: no
    # read before it, no savepoint); nothing else while the answer is wrong.
    wrong = _answer(app, client, "q-reflect", "0")
    assert len(wrong) == 3 and [s.split()[0].upper() for s in _writes(wrong)] == ["INSERT"], wrong
    again = _answer(app, client, "q-reflect", "0")
    assert len(again) == 3 and [s.split()[0].upper() for s in _writes(again)] == ["INSERT"], again
    answer = session.scalars(select(QuestionAnswer)).one()
    assert answer.tries == 2 and answer.first_correct_at is None
    right = _answer(app, client, "q-reflect", "1")
    # A right answer then completes the step: which of its questions are right, the step's row
    # (upsert) marked done, and what the course's completion reads (steps done, assessments passed).
    assert len(right) == 8, right
    assert [s.split()[0].upper() for s in _writes(right)] == ["INSERT", "INSERT", "UPDATE"], right


def test_an_assessment_step_reads_its_attempts_and_draws_once(app, client, users, session):
    users.login(users.create())
    _start(client)
    url = f"/courses/{COURSE}/steps/assessment"
    first = _get(app, client, url)
    draws = [s for s in first if "assessment_draws" in s and s.lstrip().upper().startswith("SELECT")]
    # The attempt's draw is made before the form is shown (read, insert, read again), and the page
    # shows that state: no further reads of it while rendering.
    assert len(draws) == 2 and len(_writes(first)) == 2, first  # the visit and the draw
    reload = _get(app, client, url)
    # The user; the enrolment with its steps; the attempts and the draws, once each.
    assert len(reload) == 4 and not _writes(reload), reload
