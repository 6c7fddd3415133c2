"""A new trainee registers and completes the fixture course end to end, at desktop and at phone size.

Runs on SQLite and PostgreSQL (through the `app` fixture), so the same flow is
checked on both databases.
"""
import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import assert_accessible, browser_register

pytestmark = pytest.mark.browser


def _no_sideways_scroll(page: Page, width: int | None) -> None:
    if width is not None:
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{page.url} scrolls sideways"


def _check(page: Page, what: str, width: int | None) -> None:
    _no_sideways_scroll(page, width)
    assert_accessible(page, what)


def _next_step(page: Page) -> None:
    page.get_by_role("navigation", name="Steps").get_by_role("link", name=re.compile(r"^Next")).click()


def _play(page: Page, choices: list[str]) -> None:
    """From the course's role-play step: start a run, show the content-noted message, choose, reach the debrief."""
    page.get_by_role("button", name="Start the role-play").click()
    page.get_by_role("link", name="Show the message").click()
    expect(page.locator(".situation")).to_contain_text("I can't do this any more.")
    for choice in choices:
        page.get_by_role("button", name=choice).click()
    expect(page.get_by_role("heading", name="Debrief: A late post")).to_be_visible()


@pytest.mark.parametrize("device", ["page", "phone_page"])
def test_new_trainee_completes_a_course(request, live_server, device):
    page: Page = request.getfixturevalue(device)
    width = 360 if device == "phone_page" else None

    # Register.
    page.goto("/")
    page.get_by_role("link", name="Create an account").first.click()
    browser_register(page, "Kestrel", "kestrel@example.org")
    expect(page.get_by_role("heading", name="Hello, Kestrel")).to_be_visible()
    expect(page.get_by_text("Nothing in progress")).to_be_visible()

    # The catalogue, filtered without JavaScript.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Courses").click()
    page.get_by_label("Show courses for").select_option("peer-supporter")
    page.get_by_role("button", name="Show courses").click()
    expect(page.get_by_role("link", name="Advanced listening")).to_have_count(0)
    _check(page, "catalogue", width)
    page.get_by_role("link", name="Listening basics").click()

    # The course's content note comes before it starts.
    expect(page.get_by_role("heading", name="Before you start")).to_be_visible()
    expect(page.get_by_role("link", name="Get support")).to_have_count(2)  # the header's and the note's
    _check(page, "course page", width)
    page.get_by_role("button", name="Continue").click()

    # Step 1: a practice question, answered wrongly then rightly, and a private reflection.
    expect(page.get_by_role("progressbar", name="Step 1 of 4")).to_be_visible()
    page.get_by_label('"Cheer up."').check()
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_text("Not quite.")).to_be_visible()
    expect(page.get_by_text("Too quick to reassure.")).to_be_visible()
    _check(page, "question with feedback", width)
    page.get_by_label('"It sounds like things feel too much right now."').check()
    page.get_by_role("button", name="Try again").click()
    expect(page.get_by_text("Correct.")).to_be_visible()
    page.get_by_label("What would you find hardest about listening?").fill("Not rushing to fix things.")
    page.get_by_role("button", name="Save reflection").click()
    expect(page.get_by_role("status").filter(has_text="Your reflection is saved")).to_be_visible()
    _next_step(page)

    # Step 2: a content note first, then select-all-that-apply.
    expect(page.get_by_role("heading", name="Before “Practice”")).to_be_visible()
    _check(page, "step content note", width)
    page.get_by_role("link", name="Continue").click()
    expect(page.locator(".question .hint")).to_have_text("Select all that apply.")
    page.get_by_label('"How are you feeling tonight?"').check()
    page.get_by_label('"What happened after that?"').check()
    page.get_by_role("button", name="Check answer").click()
    expect(page.get_by_text("Correct.")).to_be_visible()
    _check(page, "step", width)
    _next_step(page)

    # Step 3: the role-play, failed once, then passed.
    expect(page.get_by_role("heading", name="Role-play: A late post")).to_be_visible()
    _play(page, ["Leave it for the morning"])
    expect(page.locator(".debrief-result")).to_contain_text("Not passed")
    page.get_by_role("link", name="Back to the course").click()
    expect(page.get_by_role("heading", name="Role-play: A late post")).to_be_visible()
    expect(page.locator(".step-status")).not_to_contain_text("Done")
    _play(page, ["Reach out privately", "Ask directly about suicide"])
    expect(page.locator(".debrief-result")).to_contain_text("Passed")
    page.get_by_role("link", name="Back to the course").click()
    expect(page.locator(".step-status")).to_contain_text("Done")
    _next_step(page)

    # Step 4 is optional: straight on to the assessment.
    expect(page.get_by_text("Optional", exact=True)).to_be_visible()
    _next_step(page)
    expect(page.get_by_role("progressbar", name="Step 4 of 4")).to_be_visible()
    page.get_by_label("Yes", exact=True).check()  # wrong
    page.get_by_label("The safeguarding lead").check()
    page.get_by_label("Nobody").check()  # changes the answer to question 2: both wrong
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text("Attempt 1: 0 of 2 right (0%).")).to_be_visible()
    page.get_by_label("No", exact=True).check()
    page.get_by_label("The safeguarding lead").check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("status").filter(has_text="you have completed “Listening basics”")).to_be_visible()
    expect(page.get_by_text("You passed.")).to_be_visible()
    _check(page, "assessment result", width)

    # My training shows it done.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My training").click()
    completed = page.locator("section", has=page.get_by_role("heading", name="Completed"))
    expect(completed.get_by_role("link", name="Listening basics")).to_be_visible()
    expect(page.get_by_text("Nothing in progress")).to_be_visible()
    _check(page, "my training", width)
