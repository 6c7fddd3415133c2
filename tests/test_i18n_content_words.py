"""A Welsh reader's course text: the words Markdown and the app add to it, and the titles of other courses.

Footnote back-links and the `{{ support.contacts }}` list are in the language of the step they are in, the
contacts as the "Get support" page gives them (a charity's own as written); a prerequisite's title is marked
with the language it is shown in.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from lms.accounts.models import User
from tests.conftest import csrf_token
from tests.factories import complete, enrol

FIXTURE = Path(__file__).parent / "fixtures" / "welsh_words"
WELSH_TITLE = 'title="Neidio’n ôl at droednodyn 1 yn y testun"'
ENGLISH_TITLE = 'title="Jump back to footnote 1 in the text"'


@pytest.fixture
def content_dir() -> Path:
    return FIXTURE


def _reader(users, session, language: str) -> User:
    user = users.create()
    session.get(User, user.id).language = language
    session.commit()
    users.login(user)
    return user


def _open_safety(client, session, user) -> None:
    complete(session, user, "basics")
    started = client.post("/courses/safety/start", data={"csrf_token": csrf_token(client, "/courses/safety")})
    assert started.status_code == 302, started.get_data(as_text=True)[:300]


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_a_welsh_step_has_welsh_footnote_links_and_the_welsh_support_contacts(client, users, session):
    _open_safety(client, session, _reader(users, session, "cy"))
    page = _text(client.get("/courses/safety/steps/help"))
    assert '<h1 lang="cy">Cael help</h1>' in page and WELSH_TITLE in page and "Jump back" not in page
    # The contacts block in the step's text, as the Welsh "Get support" page words them.
    contacts = page[page.index('<ul class="support-contacts">'):]
    contacts = contacts[: contacts.index("</ul>")]
    assert "<strong>Y Samariaid</strong>: 116 123" in contacts and "Tecstiwch SHOUT i 85258" in contacts
    assert "I blant a phobl ifanc dan 19 oed." in contacts
    assert "Samaritans" not in contacts and "For children and young people" not in contacts
    support = _text(client.get("/support"))
    assert "Y Samariaid" in support and "I blant a phobl ifanc dan 19 oed." in support


def test_an_english_reader_keeps_the_english_step_and_contacts(client, users, session):
    _open_safety(client, session, _reader(users, session, "en"))
    page = _text(client.get("/courses/safety/steps/help"))
    assert ENGLISH_TITLE in page and "Neidio" not in page
    assert "<strong>Samaritans</strong>: 116 123" in page and "Y Samariaid" not in page


def test_an_untranslated_step_on_a_welsh_course_is_english_throughout_and_marked(client, users, session):
    _open_safety(client, session, _reader(users, session, "cy"))
    page = _text(client.get("/courses/safety/steps/notes"))
    # The footnote link's English tooltip sits inside the step's text marked English, with no other mark between.
    tooltip = page.index(ENGLISH_TITLE)
    body = page.rindex('<div class="step-body"', 0, tooltip)
    assert page.startswith('<div class="step-body" lang="en">', body) and "lang=" not in page[body + 30:tooltip]
    assert "droednodyn" not in page and '<h1 lang="en">Notes</h1>' in page
    assert "Dangosir y cam hwn yn ei iaith wreiddiol" in page
    # The support contacts in it are the reader's, marked Welsh inside the English.
    contacts = page[page.index('<ul class="support-contacts" lang="cy">'):]
    assert "<strong>Y Samariaid</strong>" in contacts[: contacts.index("</ul>")] and "Samaritans" not in page


def test_the_question_of_an_untranslated_step_is_marked_english_and_its_interface_welsh(client, users, session):
    _open_safety(client, session, _reader(users, session, "cy"))
    page = _text(client.get("/courses/safety/steps/notes"))
    assert '<span lang="en" id="q-notes-q1-prompt">What goes in a note?</span></legend>' in page
    assert re.search(r'<label for="q-notes-q1-\d+" lang="en">What was said and done</label>', page)
    answered = client.post("/courses/safety/steps/notes/questions/notes-q1", data={
        "choice": "1", "csrf_token": csrf_token(client, "/courses/safety/steps/notes")}, follow_redirects=True)
    page = _text(answered)
    assert '<span class="pick-mark">Anghywir:</span> <span lang="en">Your opinion of the member</span>' in page
    assert '<div class="choice-feedback" lang="en">' in page and "Keep to what happened." in page
    # The Welsh step's own text is marked Welsh the same way.
    welsh = _text(client.get("/courses/safety/steps/help"))
    assert '<div class="step-body" lang="cy">' in welsh


def test_a_course_with_no_welsh_lists_the_welsh_support_contacts(client, users, session):
    user = _reader(users, session, "cy")
    enrol(session, user, "basics")
    page = _text(client.get("/courses/basics/steps/welcome"))
    assert '<h1 lang="en">Welcome</h1>' in page and "Welcome to the basics." in page
    assert '<ul class="support-contacts" lang="cy"><li><strong>Gwasanaethau brys</strong>' in page
    assert "Samaritans" not in page and "Emergency services" not in page
    users.logout()
    english = _reader(users, session, "en")
    enrol(session, english, "basics")
    page = _text(client.get("/courses/basics/steps/welcome"))
    assert '<ul class="support-contacts"><li><strong>Emergency services</strong>' in page and "Samariaid" not in page


@pytest.fixture
def charity_contacts(app_config: dict) -> None:
    """The charity's own contacts: before the app is made, as its configuration would be."""
    app_config["SUPPORT_CONTACTS"] = [{"name": "Harbour duty lead", "contact": "0800 000 111", "when": "Any time."}]


def test_a_charitys_own_contacts_stay_as_written_in_a_welsh_step(charity_contacts, client, users, session):
    _open_safety(client, session, _reader(users, session, "cy"))
    page = _text(client.get("/courses/safety/steps/help"))
    assert "<strong>Harbour duty lead</strong>: 0800 000 111 (Any time.)" in page
    assert "Samariaid" not in page and "Samaritans" not in page


@pytest.fixture
def own_samaritans(app_config: dict) -> None:
    """A charity's own entry named like a shipped one, with its own words for when to call."""
    app_config["SUPPORT_CONTACTS"] = [{"name": "Samaritans", "contact": "116 123", "href": "tel:116123",
                                       "when": "Any time, day or night."}]


def test_a_charitys_own_contact_named_like_a_shipped_one_is_never_half_translated(own_samaritans, client, users,
                                                                                  session):
    _reader(users, session, "cy")
    page = _text(client.get("/support"))
    assert "Samaritans" in page and "Any time, day or night." in page and "Y Samariaid" not in page


def test_a_welsh_role_play_briefing_lists_the_welsh_support_contacts(client, users, session):
    _reader(users, session, "cy")
    page = _text(client.get("/play/night"))
    assert "Cyn i chi ddechrau" in page and "<strong>Y Samariaid</strong>" in page and "Samaritans" not in page


def test_prerequisite_titles_are_marked_with_their_language(client, users, session):
    _reader(users, session, "cy")
    link = '<a href="/courses/basics" lang="en">Listening basics</a>'
    course = _text(client.get("/courses/safety"))
    assert '<h1 lang="cy">Cadw&#39;n ddiogel</h1>' in course and link in course
    locked = client.get("/courses/safety/steps/help")
    assert locked.status_code == 403
    notice = locked.get_data(as_text=True)
    assert link in notice and '<span lang="cy">Cadw&#39;n ddiogel</span>' in notice
    catalogue = _text(client.get("/courses"))
    requires = catalogue[catalogue.index('<div class="requires">'):]
    assert '<span lang="en">Listening basics</span>' in requires[: requires.index("</div>")]


@pytest.fixture
def three_languages(app_config: dict) -> None:
    app_config["LANGUAGES"] = "en,cy,pt-br"


def test_the_content_gets_the_contacts_of_every_site_language(three_languages, app):
    """A language with a region starts the site too; one with no catalogue shows the contacts in English."""
    holder = app.extensions["lms_catalog"]
    by_language = holder.support_contacts_by_language
    assert sorted(by_language) == ["cy", "en", "pt-br"]
    assert by_language["cy"][1]["name"] == "Y Samariaid" and by_language["pt-br"][1]["name"] == "Samaritans"
    assert holder.support_contacts == by_language["en"]


def test_a_prerequisite_named_on_a_welsh_role_play_briefing_is_marked_english(client, users, session):
    """The role-play step of a course whose prerequisite is not done: its title is marked, not plain text."""
    _reader(users, session, "cy")
    briefing = _text(client.get("/play/night?course_id=safety&step_id=night"))
    assert '<p class="flash flash-warning">Cwblhewch <span lang="en">Listening basics</span> cyn y cwrs hwn.</p>' \
        in briefing
    token = csrf_token(client, "/play/night?course_id=safety&step_id=night")
    refused = _text(client.post("/play/night/start", data={"csrf_token": token, "course_id": "safety",
                                                           "step_id": "night"}, follow_redirects=True))
    flashes = refused[refused.index('<div class="flashes"'):]
    assert 'Cwblhewch <span lang="en">Listening basics</span> cyn y cwrs hwn.</p>' in flashes[: flashes.index("</div>")]
    assert "&lt;span" not in refused


def test_the_untranslated_parts_of_a_welsh_course_are_marked_english(client, users, session):
    """A course with Welsh steps and one Welsh module, but no course.cy.md: what is still English says so."""
    user = _reader(users, session, "cy")
    course = _text(client.get("/courses/rota"))
    assert '<h1 lang="en">Rota basics</h1>' in course
    assert '<p class="lead" lang="en">How shifts are shared.</p>' in course
    intro = course[course.index('<section class="course-intro"'):]
    assert re.search(r'<div lang="en">\s*<p>How the rota works.</p>', intro)
    assert '<h3 id="module-start" lang="cy">Dechrau arni</h3>' in course
    assert '<p class="muted" lang="cy">Y pethau cyntaf.</p>' in course
    assert '<h3 id="module-more" lang="en">Going further</h3>' in course
    assert '<p class="muted" lang="en">Later things.</p>' in course
    enrol(session, user, "rota")
    step = _text(client.get("/courses/rota/steps/swaps"))
    assert '<a href="/courses/rota" lang="en">Rota basics</a>' in step
    assert '<span class="module-name" lang="en">Going further</span>' in step
    welsh = _text(client.get("/courses/rota/steps/shifts"))
    assert '<span class="module-name" lang="cy">Dechrau arni</span>' in welsh


def test_the_parts_a_welsh_role_play_leaves_untranslated_are_marked_english(client, users, session):
    """night.cy.md translates the title and summary, not the topic or the content notes: those show in English,
    marked so, on the Welsh practice list and briefing, beside the Welsh title."""
    from lxml import html as lxml_html

    _reader(users, session, "cy")
    practice = lxml_html.fromstring(_text(client.get("/play")))
    title = practice.xpath('//a[normalize-space()="Shifft nos"]')[0]
    assert title.get("lang") == "cy"
    card = title.getparent().getparent()
    assert card.xpath('.//*[normalize-space()="crisis support"]')[0].get("lang") == "en"
    assert any(e.get("lang") == "en" for e in card.xpath('.//*[contains(normalize-space(), "suicidal feelings")]'))
    briefing = lxml_html.fromstring(_text(client.get("/play/night")))
    assert briefing.xpath("//h1")[0].get("lang") == "cy"
    notes = briefing.xpath('//span[normalize-space()="suicidal feelings"]')
    assert notes and all(n.get("lang") == "en" for n in notes)
