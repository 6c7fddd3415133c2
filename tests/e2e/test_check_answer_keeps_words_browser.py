"""Checking a practice answer keeps the reflection being written, in a real browser (views.answer).

The fixture's Welcome step has a practice question and a reflection. Without JavaScript a button sends one
form: "Check answer" sends the reflection's, the choices belonging to it through their `form` attribute.
What matters here is what the browser itself sends: a click on the button, and Enter on a choice (which
sends the form through its first button: it must check the answer, not take a break).
"""
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import assert_accessible, browser_log_in

pytestmark = pytest.mark.browser


def test_check_answer_keeps_the_reflection_being_written(page, live_server, users):
    browser_log_in(page, users.create().email)
    page.goto("/courses/listening")
    page.get_by_role("button", name="Continue").click()  # starts the course, at the Welcome step
    box = page.get_by_label("What would you find hardest about listening?")
    question = page.get_by_role("group", name="Which reply reflects what the member said?")
    box.fill("Not rushing to fix things.")
    question.get_by_label('"Cheer up."').check()
    page.get_by_role("button", name="Check answer").click()
    expect(page.locator("#q-q-reflect .feedback")).to_be_focused()
    expect(page.get_by_text("Not quite.")).to_be_visible()
    expect(box).to_have_value("Not rushing to fix things.")  # saved, and shown in its box
    expect(page.get_by_role("button", name="Save changes")).to_be_visible()
    assert_accessible(page, "step after checking an answer with a reflection")

    # With the keyboard: more words, the right choice, Enter on it. The answer is checked, here.
    box.fill("Not rushing to fix things, and staying.")
    right = question.get_by_label('"It sounds like things feel too much right now."')
    right.check()
    right.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Correct.")).to_be_visible()
    expect(page.get_by_role("heading", name="Welcome", level=1)).to_be_visible()  # no break taken
    expect(box).to_have_value("Not rushing to fix things, and staying.")
    page.goto("/my/reflections")
    expect(page.get_by_text("Not rushing to fix things, and staying.")).to_be_visible()


def test_enter_on_an_assessment_answer_submits_the_answers_not_a_break(page, live_server, users):
    """"Take a break" sends the assessment's form (to keep its answers), and comes before it on the page: Enter on
    an answer must still submit the answers, as their own button does, not take a break."""
    browser_log_in(page, users.create().email)
    page.goto("/courses/listening")
    page.get_by_role("button", name="Continue").click()
    page.goto("/courses/listening/steps/assessment")
    page.get_by_label("Yes", exact=True).check()
    last = page.get_by_label("Nobody")
    last.check()
    last.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#result > .feedback")).to_be_focused()
    expect(page.locator("#result > .feedback")).to_contain_text("Attempt 1: 0 of 2 right")
    expect(page).to_have_url(re.compile(r"/courses/listening/steps/assessment"))
