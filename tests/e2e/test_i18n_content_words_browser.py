"""What a Welsh reader sees and hears in course text: footnote links, the support contacts, other courses' titles.

The words Markdown and the app add to a step are in the step's language, and every piece of English on the
Welsh page is inside an element marked lang="en", so a screen reader reads it with English sounds.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from lms.accounts.models import User
from tests.conftest import assert_accessible, browser_log_in
from tests.factories import complete, enrol

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).parents[1] / "fixtures" / "welsh_words"
#: The language a screen reader speaks an element in: the nearest lang attribute.
SPOKEN_IN = "el => el.closest('[lang]').getAttribute('lang')"


@pytest.fixture
def content_dir() -> Path:
    return FIXTURE


def test_a_welsh_reader_hears_footnote_links_contacts_and_titles_in_their_own_language(page: Page, live_server,
                                                                                        users, session):
    user = users.create()
    session.get(User, user.id).language = "cy"
    session.commit()
    browser_log_in(page, user.email)

    # The course names the course to complete first, in English, and says so.
    page.goto("/courses/safety")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cadw'n ddiogel")
    prerequisite = page.get_by_role("link", name="Listening basics")
    expect(prerequisite).to_have_attribute("lang", "en")
    assert_accessible(page, "Welsh course with an English prerequisite")

    complete(session, user, "basics")
    enrol(session, user, "safety")
    page.goto("/courses/safety/steps/help")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cael help")
    contacts = page.locator(".step-body ul.support-contacts")
    expect(contacts).to_contain_text("Y Samariaid")
    expect(contacts).to_contain_text("Tecstiwch SHOUT i 85258")
    expect(contacts).not_to_contain_text("Samaritans")
    assert contacts.evaluate(SPOKEN_IN) == "cy"
    back = page.locator("a.footnote-backref")
    expect(back).to_have_attribute("title", "Neidio’n ôl at droednodyn 1 yn y testun")
    assert back.evaluate(SPOKEN_IN) == "cy"
    page.locator("a.footnote-ref").click()
    back.click()  # and back to where the reader was
    expect(page).to_have_url(re.compile(r"#fnref:1$"))
    assert_accessible(page, "Welsh step with footnotes and support contacts")

    # A step not translated yet: English words, an English tooltip, all marked English...
    page.goto("/courses/safety/steps/notes")
    back = page.locator("a.footnote-backref")
    expect(back).to_have_attribute("title", "Jump back to footnote 1 in the text")
    assert back.evaluate(SPOKEN_IN) == "en"
    assert page.locator(".step-body").first.evaluate(SPOKEN_IN) == "en"
    # ... but for the support contacts: the reader's, and spoken as Welsh.
    contacts = page.locator(".step-body ul.support-contacts")
    expect(contacts).to_contain_text("Y Samariaid")
    assert contacts.evaluate(SPOKEN_IN) == "cy"
    assert_accessible(page, "untranslated step on a Welsh course")
