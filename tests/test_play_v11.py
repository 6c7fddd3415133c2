"""Format v1.1 in the role-play pages (FORMAT.md §7.1, §7.3, §7.4): player, debrief, trainer pages."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from lms.roleplay.models import RunChoice
from tests.conftest import CSRF_RE
from tests.factories import (
    ALERT,
    ASK_SAFE,
    FULL_NOTE,
    PASS_ON,
    PRIVATE,
    PUBLIC,
    SECRET_CHECKIN,
    TO_PRIVATE,
    join,
    make_cohort,
    make_v11_content,
    private_notes,
    start,
    text,
)

CHOICE_RE = re.compile(r'<button type="submit" name="choice" value="(\d+)"')


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    return make_v11_content(tmp_path / "content")


@pytest.fixture
def trainee(users):
    user = users.create(display_name="Robin")
    users.login(user)
    return user


def shown_order(client, run_url: str) -> list[int]:
    return [int(v) for v in CHOICE_RE.findall(text(client.get(run_url)))]


def post_choice(client, run_url: str, choice, position=None):
    page = text(client.get(run_url))
    token = CSRF_RE.search(page).group(1)
    if position is None:
        position = re.search(r'name="position" value="(\d+)"', page).group(1)
    return client.post(run_url + "/choose", data={"csrf_token": token, "position": position, "choice": choice})


def play(client, run_url: str, *choices) -> None:
    for choice in choices:
        assert post_choice(client, run_url, choice).status_code == 302


def test_the_player_shows_a_stable_shuffled_order_and_posts_file_indexes(client, trainee):
    orders = set()
    for _ in range(10):
        run_url = start(client, "night-handover", restart="1")
        order = shown_order(client, run_url)
        assert order == shown_order(client, run_url)  # the same on every reload
        assert sorted(order) == [0, 1, 2, 3] and order[3] == PASS_ON  # the pinned choice keeps its place
        orders.add(tuple(order))
    assert len(orders) > 1, "ten runs all showed the same order"

    response = post_choice(client, run_url, PUBLIC)
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "Reply in the public thread" in page and "Replying in front of everyone" in page


def test_forged_and_stale_choices_get_our_message(client, trainee, session):
    run_url = start(client, "night-handover")
    for forged in ("4", "999", "-1", "two"):
        response = post_choice(client, run_url, forged)
        assert response.status_code == 302
        page = text(client.get(response.headers["Location"]))
        assert "not available here" in page or "could not be read" in page
    play(client, run_url, PRIVATE)
    stale = post_choice(client, run_url, PUBLIC, position=0)  # the first page, sent again
    assert "You already answered this" in text(client.get(stale.headers["Location"]))
    assert [c.choice_index for c in session.query(RunChoice).order_by(RunChoice.position)] == [PRIVATE]


def test_the_player_shows_conditional_text_for_the_route_taken(client, trainee):
    run_url = start(client, "night-handover")
    play(client, run_url, PUBLIC, TO_PRIVATE)
    page = text(client.get(run_url))
    assert "made them feel worse" in page and "thanks you for getting in touch" not in page
    run_url = start(client, "night-handover", restart="1")
    play(client, run_url, ALERT, TO_PRIVATE)
    page = text(client.get(run_url))
    assert "thanks you for getting in touch" in page and "made them feel worse" not in page
    response = post_choice(client, run_url, ASK_SAFE)
    page = text(client.get(response.headers["Location"]))
    assert "Feedback on your last choice" in page and "The lead already knows" in page


def test_the_debrief_names_the_forbidden_situation_and_shows_skills(client, trainee):
    run_url = start(client, "night-handover")
    play(client, run_url, PUBLIC, TO_PRIVATE, ASK_SAFE, FULL_NOTE)
    page = text(client.get(run_url + "/debrief"))
    assert "Not passed" in page
    assert "Your route went to a situation a passing run must avoid: “Replying in front of everyone”" in page
    assert "public thread still needs tidying up" in page  # the ending, as this route saw it
    assert "Your score per skill" in page
    assert re.search(r"Listening well</span>: <strong>4</strong> out of 4", page)
    assert re.search(r"Escalating risk</span>: <strong>3</strong> out of 4", page)

    run_url = start(client, "night-handover", restart="1")
    play(client, run_url, ALERT, 1, FULL_NOTE)  # straight to the handover: check-in missed
    page = text(client.get(run_url + "/debrief"))
    assert "A passing run must go through “Talking privately”, and this run did not." in page

    run_url = start(client, "night-handover", restart="1")
    play(client, run_url, PRIVATE, ASK_SAFE, FULL_NOTE)
    page = text(client.get(run_url + "/debrief"))
    assert "Passed" in page and "must avoid" not in page and "must go through" not in page
    assert "Remember to tell the safeguarding lead" in page  # feedback: alert not visited


def _share_practice_runs(session, user) -> None:
    from sqlalchemy import update

    from lms.core.models import utcnow
    from lms.roleplay.models import ScenarioRun

    session.execute(update(ScenarioRun).where(ScenarioRun.user_id == user.id).values(shared_with_trainers_at=utcnow()))
    session.commit()


def test_trainer_pages_show_skills_per_trainee_and_per_cohort_but_no_check_ins(client, session, users, trainee):
    run_url = start(client, "night-handover")
    play(client, run_url, PUBLIC, TO_PRIVATE, ASK_SAFE, FULL_NOTE)
    _share_practice_runs(session, trainee)  # practice runs reach trainers only when shared
    private_notes(session, trainee)
    trainer = users.create(role="trainer", display_name="Tess Trainer")
    cohort = make_cohort(session, trainer, "Night owls", courses=())
    join(session, cohort, trainee)
    users.logout()
    users.login(trainer)

    page = text(client.get(f"/trainer/cohorts/{cohort.id}/trainees/{trainee.id}"))
    assert "Night handover" in page and "Listening well" in page and "Escalating risk" in page
    assert "Went where a passing run must not" in page and "Replying in front of everyone" in page
    assert SECRET_CHECKIN not in page

    page = text(client.get("/trainer/scenarios/night-handover"))
    assert "Skills" in page and "Night owls" in page and "Everyone you can see" in page
    assert "Listening well" in page and "(best 4)" in page
    assert f'href="/trainer/cohorts/{cohort.id}/trainees/{trainee.id}">Robin</a>' in page
    assert SECRET_CHECKIN not in page


def test_a_missed_situation_with_a_content_note_is_named_by_its_note_not_quoted(app, client, trainee, content_dir):
    """The trainee never saw the required node: its words (say, someone's suicidal message) are not quoted at them."""
    scenario = content_dir / "scenarios" / "night-handover.md"
    noted = scenario.read_text().replace("## check-in\n", "## check-in\nContent note: suicidal thoughts\n\n")
    scenario.write_text(noted)
    app.extensions["lms_catalog"].reload()
    run_url = start(client, "night-handover")
    play(client, run_url, ALERT, 1, FULL_NOTE)  # straight to the handover: check-in missed
    page = text(client.get(run_url + "/debrief"))
    assert ("A passing run must go through a situation this run did not reach (content note: "
            '<span lang="en">suicidal thoughts</span>).') in page
    assert "Talking privately" not in page.split('class="verdict-reasons"', 1)[1].split("</ul>", 1)[0]


def test_missed_situations_with_the_same_content_note_are_said_once_with_how_many(app, client, trainee, content_dir):
    scenario = content_dir / "scenarios" / "night-handover.md"
    noted = scenario.read_text().replace("## check-in\n", "## check-in\nContent note: suicidal thoughts\n\n")
    noted = noted.replace("pass_requires: [check-in]", "pass_requires: [check-in, alert]")
    scenario.write_text(noted.replace("## alert\n", "## alert\nContent note: suicidal thoughts\n\n"))
    app.extensions["lms_catalog"].reload()
    run_url = start(client, "night-handover")
    play(client, run_url, 3)  # straight to "Ask another volunteer": never at the alert, nor at the check-in
    reasons = text(client.get(run_url + "/debrief")).split('class="verdict-reasons"', 1)[1].split("</ul>", 1)[0]
    assert reasons.count("this run did not reach") == 1
    assert "A passing run must go through 2 situations this run did not reach (content note: " in reasons
