"""The role-play player in a real browser: notes, choices, pause, resume, debrief, check-in, axe."""
import pytest
from playwright.sync_api import expect

from tests.conftest import assert_accessible, browser_log_in
from tests.factories import choose_in_browser as choose

pytestmark = pytest.mark.browser


def log_in(page, users) -> None:
    browser_log_in(page, users.create(display_name="Wren").email)
    page.wait_for_url("**/home")


def open_late_post(page) -> None:
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Role-plays").click()
    page.get_by_role("link", name="Start A late post").click()
    expect(page.get_by_role("heading", name="Content note")).to_be_visible()
    page.get_by_role("button", name="Start the role-play").click()



def test_play_late_post_twice_with_notes_pause_resume_and_debrief(page, users):
    log_in(page, users)
    open_late_post(page)

    # First run: the content note comes first; skip, then show after all.
    expect(page.get_by_text("The next message includes: suicide")).to_be_visible()
    assert page.get_by_role("group", name="What do you do?").count() == 0
    assert_accessible(page, "player: node with a content note")
    page.get_by_role("link", name="Skip to the choices").click()
    assert page.get_by_text("I can't do this any more").count() == 0
    page.get_by_role("link", name="Show the message").click()
    expect(page.get_by_text("I can't do this any more")).to_be_visible()
    assert page.locator(".chat-message .chat-sender").inner_text() == "nightowl"
    assert_accessible(page, "player: node with choices")
    choose(page, "Promise to keep it secret")
    feedback = page.get_by_role("region", name="Feedback on your last choice")
    assert "Never promise secrecy" in feedback.inner_text() and "crosses a red line" in feedback.inner_text()
    expect(feedback).to_be_focused()  # read out first, before the next message
    assert_accessible(page, "player: after-choice feedback")

    # Pause: the briefing offers one way back in (and a clearly different one to start over), no "Continue" beside it.
    page.get_by_role("link", name="Pause").click()
    expect(page.get_by_text("Your place is kept")).to_be_visible()
    start = page.get_by_role("region", name="Pick up where you left off")
    expect(start.get_by_role("link", name="Resume where you left off")).to_be_visible()
    expect(start.get_by_role("button", name="Start again from the beginning")).to_be_visible()
    assert page.get_by_role("link", name="Resume").count() == 1
    assert page.get_by_role("link", name="Continue", exact=True).count() == 0
    assert_accessible(page, "briefing of a paused run")

    # Home lists the paused role-play under "In progress", and resumes it at the same node.
    page.goto("/home")
    in_progress = page.get_by_role("region", name="In progress")
    expect(in_progress.get_by_role("heading", name="A late post")).to_be_visible()
    expect(in_progress.get_by_text("You have made 1 choice.")).to_be_visible()
    assert_accessible(page, "home with a paused role-play")
    in_progress.get_by_role("link", name="Resume where you left off A late post").click()
    page.wait_for_url("**/play/runs/*")
    expect(page.get_by_text("You promised. They tell you more.")).to_be_visible()
    assert page.get_by_role("button", name="Remind them what you promised").count() == 0  # 'if reach-out'
    choose(page, "Tell them you need to get help after all")

    page.wait_for_url("**/debrief")
    expect(page.get_by_text("You crossed a red line: Promise to keep it secret.")).to_be_visible()
    expect(page.get_by_text("Not passed")).to_be_visible()
    expect(page.get_by_text("Recommended here: Reach out privately")).to_be_visible()
    assert_accessible(page, "debrief with a red line and the check-in")
    page.get_by_label("A bit unsettled").check()
    page.get_by_role("button", name="Save my check-in").click()
    expect(page.get_by_text("You checked in: A bit unsettled")).to_be_visible()

    # Second run: show the message, choose well, pass.
    page.get_by_role("button", name="Play again").click()
    page.get_by_role("link", name="Show the message").click()
    choose(page, "Reach out privately")
    choose(page, "Ask directly about suicide")
    page.wait_for_url("**/debrief")
    assert page.locator(".verdict").inner_text().startswith("Passed")
    assert page.get_by_text("crossed a red line").count() == 0
    assert_accessible(page, "debrief of a passing run")
    page.get_by_role("link", name="All role-plays").click()
    expect(page.get_by_text("played 2 times")).to_be_visible()


def test_player_and_debrief_at_phone_size(phone_page, users):
    page = phone_page
    log_in(page, users)
    open_late_post(page)
    page.get_by_role("link", name="Skip to the choices").click()
    expect(page.get_by_role("link", name="Pause")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the player scrolls sideways at 360 px ({width})"
    assert_accessible(page, "player at phone size")
    choose(page, "Leave it for the morning")
    page.wait_for_url("**/debrief")
    assert page.locator(".verdict").inner_text().startswith("Not passed")
    expect(page.get_by_text("The conversation reached an ending that does not pass.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page, "debrief at phone size")
    page.get_by_label("Struggling").check()
    page.get_by_role("button", name="Save my check-in").click()
    expect(page.get_by_text("Please stop here for now")).to_be_visible()
    expect(page.get_by_role("link", name="116 123")).to_be_visible()
