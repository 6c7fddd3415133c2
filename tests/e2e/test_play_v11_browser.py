"""Format v1.1 role-play in a real browser: shuffled choices, pass rules, skills and conditional text."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import assert_accessible, browser_log_in
from tests.factories import choose_in_browser as choose
from tests.factories import make_v11_content

pytestmark = pytest.mark.browser

FIRST_CHOICES = {"Send moth a private message", "Reply in the public thread", "Alert the safeguarding lead",
                 "Ask another volunteer to deal with it"}


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    return make_v11_content(tmp_path / "content")


def choices(page) -> list[str]:
    buttons = page.get_by_role("group", name="What do you do?").get_by_role("button")
    return [" ".join(b.split()) for b in buttons.all_inner_texts()]


def skill_lines(page) -> list[str]:
    items = page.get_by_role("region", name="Your score per skill").get_by_role("listitem")
    return [" ".join(t.split()) for t in items.all_inner_texts()]


def start_run(page) -> list[str]:
    """Start a new run from the briefing (ending any unfinished one); the first node's choices as shown."""
    page.goto("/play/night-handover")
    again = page.get_by_role("button", name="Start again")
    (again if again.count() else page.get_by_role("button", name="Start the role-play")).click()
    page.wait_for_url("**/play/runs/*")
    return choices(page)


def test_a_v11_scenario_played_in_the_browser(page, users):
    browser_log_in(page, users.create(display_name="Robin").email)
    page.wait_for_url("**/home")

    # 7.1: each run shows its own order, the same on every reload; the pinned choice stays last.
    first = start_run(page)
    assert set(first) == FIRST_CHOICES and first[3] == "Ask another volunteer to deal with it"
    page.reload()
    assert choices(page) == first
    orders = [first]
    while len(set(map(tuple, orders))) == 1 and len(orders) < 10:
        orders.append(start_run(page))
    assert len(set(map(tuple, orders))) > 1, "ten runs all showed the first node's choices in the same order"
    current = orders[-1]
    page.reload()
    assert choices(page) == current and current[3] == "Ask another volunteer to deal with it"
    assert_accessible(page, "player: shuffled choices")

    # 7.3 pass_forbids and 7.4 conditional text: the public route.
    choose(page, "Reply in the public thread")
    expect(page.get_by_role("heading", name="Replying in front of everyone")).to_be_visible()
    choose(page, "Move to a private message")
    expect(page.get_by_text("moth says the public replies made them feel worse.")).to_be_visible()
    assert page.get_by_text("thanks you for getting in touch privately").count() == 0
    choose(page, "Ask directly whether they are safe")
    feedback = page.get_by_role("region", name="Feedback on your last choice")
    assert "Asking directly is right." in feedback.inner_text()
    assert "The lead already knows" not in feedback.inner_text()
    choose(page, "Hand over with a full note")
    page.wait_for_url("**/debrief")
    assert page.locator(".verdict").inner_text().startswith("Not passed")
    expect(page.get_by_text("Your route went to a situation a passing run must avoid: "
                            "“Replying in front of everyone”")).to_be_visible()
    expect(page.get_by_text("You got there, but the public thread still needs tidying up.")).to_be_visible()
    assert skill_lines(page) == ["Listening well: 4 out of 4", "Escalating risk: 3 out of 4"]
    assert_accessible(page, "debrief with a forbidden node and skills")

    # The alert route: check-in text and feedback follow it, and the run passes.
    page.get_by_role("button", name="Play again").click()
    choose(page, "Alert the safeguarding lead")
    choose(page, "Message moth privately")
    expect(page.get_by_text("moth thanks you for getting in touch privately.")).to_be_visible()
    choose(page, "Ask directly whether they are safe")
    expect(page.get_by_text("The lead already knows, so the handover will be quick.")).to_be_visible()
    choose(page, "Hand over with a full note")
    page.wait_for_url("**/debrief")
    assert page.locator(".verdict").inner_text().startswith("Passed")
    assert page.get_by_text("must avoid").count() == 0
    assert page.get_by_text("public thread still needs tidying up").count() == 0
    assert skill_lines(page) == ["Listening well: 3 out of 4", "Escalating risk: 4 out of 4"]


def test_trainer_sees_skills_per_cohort_and_trainee(page, users, session, app):
    from lms.catalog.services import catalog
    from lms.core.models import utcnow
    from lms.roleplay import runs
    from tests.factories import ASK_SAFE, FULL_NOTE, PRIVATE, join, make_cohort

    trainer = users.create(role="trainer", display_name="Tess Trainer")
    robin = users.create(display_name="Robin")
    cohort = make_cohort(session, trainer, "Night owls", courses=())
    join(session, cohort, robin)
    with app.app_context():
        handover = catalog().scenario("night-handover")
    run = runs.start_run(session, robin.id, handover)
    for index in (PRIVATE, ASK_SAFE, FULL_NOTE):
        runs.choose(session, run, handover, len(run.choices), index)
    run.shared_with_trainers_at = utcnow()  # a practice run reaches trainers only when shared
    session.commit()

    browser_log_in(page, trainer.email)
    page.wait_for_url("**/trainer/needs-you")  # staff land on what is waiting for them
    page.goto("/trainer/scenarios/night-handover")
    table = page.get_by_role("table", name="Average skill scores per cohort")
    assert table.get_by_role("row", name="Night owls").inner_text().split() == ["Night", "owls", "1", "4.0", "3.0"]
    page.get_by_text("Trainees in Night owls", exact=True).click()
    # Robin's name also links from the wrong turns above: follow the one in the cohort's table.
    page.locator("details.cohort-skills").get_by_role("link", name="Robin").click()
    expect(page.get_by_role("heading", name="Robin")).to_be_visible()
    expect(page.get_by_text("Listening well")).to_be_visible()
    expect(page.get_by_text("Escalating risk")).to_be_visible()
    page.go_back()
    assert_accessible(page, "insight with skills")
