"""Trainee pages in a real browser: keyboard use, taking a break, reflections, kind endings, axe."""
import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import assert_accessible, browser_log_in

pytestmark = pytest.mark.browser


def _login(page: Page, users, **kwargs) -> None:
    browser_log_in(page, users.create(**kwargs).email)


def _start(page: Page) -> None:
    page.goto("/courses/listening")
    page.get_by_role("button", name="Continue").click()


def test_answer_a_question_with_the_keyboard_only(page, live_server, users):
    _login(page, users)
    _start(page)
    question = page.get_by_role("group", name="Which reply reflects what the member said?")
    target = question.get_by_label('"It sounds like things feel too much right now."')
    question.get_by_role("radio").first.focus()
    # Radio groups move with the arrow keys; the choices are shuffled (FORMAT.md 7.1), so walk to the right one.
    for _ in range(question.get_by_role("radio").count()):
        page.keyboard.press("ArrowDown")
        if target.is_checked():
            break
    expect(target).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Check answer")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Correct.")).to_be_visible()
    expect(page.locator("#q-q-reflect .feedback")).to_be_focused()  # read out where the trainee is


def test_take_a_break_and_continue_where_you_left_off(page, live_server, users):
    _login(page, users)
    _start(page)
    page.get_by_role("navigation", name="Steps").get_by_role("link", name=re.compile("Practice")).click()
    page.get_by_role("link", name="Continue").click()  # past the content note
    page.get_by_role("button", name="Take a break").click()
    expect(page.get_by_role("heading", name="My training")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Your place is saved")
    page.get_by_role("link", name="Continue Listening basics").click()
    expect(page.get_by_role("heading", name="Practice")).to_be_visible()


def test_reflections_page_and_out_of_attempts_at_phone_size(phone_page, live_server, users):
    page = phone_page
    _login(page, users)
    _start(page)
    page.get_by_label("What would you find hardest about listening?").fill("Staying quiet long enough.")
    page.get_by_role("button", name="Save reflection").click()
    page.get_by_role("link", name="All my reflections").click()
    expect(page.get_by_text("Staying quiet long enough.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page, "my reflections")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as Markdown").click()
    assert download.value.suggested_filename == "my-reflections.md"
    page.get_by_role("link", name="Edit reflection on Listening basics — Welcome").click()
    assert_accessible(page, "edit reflection")
    page.get_by_label("Your reflection").fill("Staying quiet, and kind.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Staying quiet, and kind.")).to_be_visible()
    page.get_by_role("button", name="Delete reflection on Listening basics — Welcome").click()
    # Deleting asks first, on a page of its own.
    page.get_by_role("button", name="Delete the reflection").click()
    expect(page.get_by_text("You have not written any reflections yet.")).to_be_visible()

    page.goto("/courses/listening/steps/assessment")
    for _ in range(2):
        page.get_by_label("Yes", exact=True).check()
        page.get_by_label("Nobody").check()
        page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_text("talk to your trainer")).to_be_visible()
    expect(page.get_by_role("button", name="Submit answers")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page, "assessment out of attempts")


def test_an_assessment_sent_focuses_its_error_summary_then_its_result(page, live_server, users):
    """Half answered: the summary is focused and links to the question left; sent whole: the verdict is focused."""
    _login(page, users)
    _start(page)
    page.goto("/courses/listening/steps/assessment")
    page.get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Submit answers").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Question 2: Choose an answer first.").click()
    expect(page.get_by_role("group", name=re.compile("Who do you tell")).get_by_role("radio").first).to_be_focused()
    page.get_by_label("Nobody").check()
    page.get_by_role("button", name="Submit answers").click()
    expect(page.locator("#result > .feedback")).to_be_focused()
    expect(page.locator("#result > .feedback")).to_contain_text("Attempt 1: 0 of 2 right")


def test_prerequisites_page_is_accessible(page, live_server, users):
    _login(page, users)
    page.goto("/courses/advanced")
    expect(page.get_by_role("heading", name="Complete this course first")).to_be_visible()
    assert_accessible(page, "course with prerequisites")
    page.goto("/courses/advanced/steps/only")
    page.get_by_role("link", name="Listening basics").click()
    expect(page.get_by_role("heading", name="Listening basics")).to_be_visible()


def test_a_reflection_sent_after_the_session_ended_is_given_back_to_copy(page, live_server, users):
    """Signed out elsewhere (or the session ran out) while writing: the refused form shows the words."""
    _login(page, users)
    _start(page)
    box = page.get_by_label("What would you find hardest about listening?")
    box.fill("Sitting with someone's pain without trying to fix it.")
    page.context.clear_cookies()  # the session ends while the page is open
    page.get_by_role("button", name="Save reflection").click()
    expect(page.get_by_role("heading", name="What you wrote")).to_be_visible()
    expect(page.get_by_label("Your words")).to_have_value("Sitting with someone's pain without trying to fix it.")
    expect(page.get_by_label("Your words")).not_to_be_editable()
    assert_accessible(page, "refused form with the words given back")
