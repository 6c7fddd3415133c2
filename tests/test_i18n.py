"""Languages (issue 20): choosing one, remembering it, and the trainee's pages and training in Welsh."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.accounts.models import User
from lms.core.config import ConfigError
from lms.core.i18n import cli_language
from tests.conftest import PASSWORD, csrf_token

TRANSLATED = Path(__file__).parent / "content" / "fixtures" / "translations"


@pytest.fixture
def content_dir() -> Path:
    return TRANSLATED


def _lang(page: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', page)
    assert match, page[:200]
    return match.group(1)


def test_a_visitor_gets_their_browsers_language(client):
    page = client.get("/login", headers={"Accept-Language": "cy-GB,cy;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert _lang(page) == "cy"
    assert "<h1>Mewngofnodi</h1>" in page
    english = client.get("/login", headers={"Accept-Language": "fr, en;q=0.5"}).get_data(as_text=True)
    assert _lang(english) == "en" and "<h1>Log in</h1>" in english


def test_the_site_default_applies_when_the_browser_asks_for_none_of_its_languages(app, client):
    app.config["DEFAULT_LANGUAGE"] = "cy"
    assert _lang(client.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)) == "cy"


def test_the_switch_is_a_plain_link_with_hreflang_and_lang_and_remembers_the_choice(client):
    page = client.get("/login").get_data(as_text=True)
    link = re.search(r'<a href="(/language/cy[^"]*)" hreflang="cy" lang="cy">Cymraeg</a>', page)
    assert link, "no Welsh link in the switch"
    assert '<span lang="en" aria-current="true">English</span>' in page
    response = client.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert _lang(client.get("/login").get_data(as_text=True)) == "cy"


def test_the_switch_refuses_other_languages_and_other_sites(client):
    assert client.get("/language/fr").status_code == 404
    response = client.get("/language/cy?next=https://evil.example/")
    assert response.status_code == 302 and "evil" not in response.headers["Location"]


def test_the_switch_on_a_page_shown_after_a_refused_form_goes_back_to_a_page_that_opens(client, users):
    """An assessment sent half-answered is shown again at the form's address, which only takes a POST:
    switching language there returns to the step itself, not to a "not how this page is used" error."""
    users.login(users.create())
    back = client.get("/language/cy?next=/courses/listening/steps/assessment/assessment")
    assert back.headers["Location"] == "/courses/listening/steps/assessment"
    same = client.get("/language/en?next=/courses/listening/steps/assessment%3Fx%3D1")
    assert same.headers["Location"] == "/courses/listening/steps/assessment?x=1"  # a page that opens: as it was
    unknown = client.get("/language/en?next=/no/such/page")
    assert unknown.headers["Location"] == "/no/such/page"  # its own honest 404
    # A practice answer sent without a choice is shown at /…/questions/<id>, and /…/questions is no page either.
    answer = client.get("/language/cy?next=/courses/listening/steps/welcome/questions/q-reflect")
    assert answer.headers["Location"] == "/courses/listening/steps/welcome"


def test_registration_asks_for_the_language_and_records_it(client, session):
    page = client.get("/register").get_data(as_text=True)
    assert re.search(r'<select[^>]* name="language"', page) and '<option lang="cy" value="cy">Cymraeg</option>' in page
    response = client.post("/register", data={
        "display_name": "Cerys", "email": "cerys@example.org", "password": PASSWORD, "confirm": PASSWORD,
        "language": "cy", "invite": "", "csrf_token": csrf_token(client, "/register"),
    })
    assert response.status_code == 302
    assert session.scalar(select(User.language).where(User.email == "cerys@example.org")) == "cy"


def test_a_language_outside_the_site_is_not_recorded(client, session):
    client.post("/register", data={
        "display_name": "Jo", "email": "jo@example.org", "password": PASSWORD, "confirm": PASSWORD,
        "language": "xx", "invite": "", "csrf_token": csrf_token(client, "/register"),
    })
    assert session.scalar(select(User.language).where(User.email == "jo@example.org")) is None


def test_a_signed_in_persons_account_language_wins_and_the_switch_changes_it(client, users, session):
    user = users.create()
    users.login(user)
    assert _lang(client.get("/home", headers={"Accept-Language": "cy"}).get_data(as_text=True)) == "en"
    client.get("/language/cy", headers={"Sec-Fetch-Site": "same-origin"})
    assert session.scalar(select(User.language).where(User.id == user.id)) == "cy"
    client.get("/language/en", headers={"Sec-Fetch-Site": "cross-site"})  # from another site: account unchanged
    assert session.scalar(select(User.language).where(User.id == user.id)) == "cy"


def test_a_welsh_trainee_reads_the_welsh_step_and_a_notice_on_the_untranslated_one(client, users, session):
    user = users.create()
    users.login(user)
    client.get("/language/cy")
    started = client.post("/courses/listening/start", data={"csrf_token": csrf_token(client, "/courses/listening")})
    assert started.status_code == 302, started.get_data(as_text=True)[:300]
    page = client.get("/courses/listening/steps/feelings").get_data(as_text=True)
    assert '<h1 lang="cy">Adlewyrchu teimladau</h1>' in page
    assert "Gwrandewch am y teimlad." in page and "Cam 1 o 2" in page
    assert "Dangosir y cam hwn yn ei iaith wreiddiol" not in page
    closing = client.get("/courses/listening/steps/closing").get_data(as_text=True)
    assert '<h1 lang="en">Closing</h1>' in closing
    assert "Dangosir y cam hwn yn ei iaith wreiddiol: nid yw ei gyfieithiad ar gael eto." in closing


def test_bad_language_settings_are_refused():
    from lms.core.i18n import language_problems

    assert language_problems("en,cy", "en") == []
    assert any("LMS_DEFAULT_LANGUAGE" in p for p in language_problems("en,cy", "fr"))
    assert any("not a language code" in p for p in language_problems("en,zz-notreal-x", "en"))
    assert ConfigError  # the app refuses to start with them (config.validate)


def test_error_pages_and_flashes_follow_the_readers_language(client, users):
    missing = client.get("/no-such-page", headers={"Accept-Language": "cy"})
    page = missing.get_data(as_text=True)
    assert missing.status_code == 404 and _lang(page) == "cy"
    assert "<h1>Nid oeddem yn gallu dod o hyd i’r dudalen honno</h1>" in page and "Gwall 404" in page
    user = users.create()
    users.login(user)
    client.get("/language/cy")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/home")})
    # Logged out, the visitor's own choice of Welsh stays with the session.
    assert "Rydych wedi allgofnodi." in client.get("/login").get_data(as_text=True)
    # A page that needs a login sends them to log in, asked in Welsh too.
    asked = client.get("/my-training", follow_redirects=True).get_data(as_text=True)
    assert "Mewngofnodwch i weld y dudalen honno." in asked and "Please log in" not in asked


def test_the_outage_page_is_in_the_visitors_language_without_asking_the_database(app):
    from lms.core import errors

    with app.test_request_context("/home", headers={"Accept-Language": "cy"}):
        page, status, headers = errors.render_unavailable()
    assert status == 503 and '<html lang="cy">' in page
    assert "Nid yw’r gwasanaeth ar gael am ychydig" in page and "Rhowch gynnig arall arni ymhen" in page


def test_the_outage_page_reads_only_what_the_request_already_loaded_of_the_person(app, session, users):
    """After a failed query the session rolls back and expires the person's record: reading their
    language then would ask the database that just went away, and the 503 page would fail too."""
    from flask import g

    from lms.core import errors, i18n
    from lms.core.db import db
    from tests.factories import counted

    user = users.create(display_name="Cymro")
    session.get(User, user.id).language = "cy"
    session.commit()
    with app.test_request_context("/home", headers={"Accept-Language": "en"}):
        g._login_user = db.session.get(User, user.id)
        page, status, _headers = errors.render_unavailable()
        assert status == 503 and '<html lang="cy">' in page  # loaded: their own language
        db.session.expire_all()  # what the rollback after a failed query does to every record
        with counted(app) as statements:
            language = i18n.language_without_database()
            _page, status, _headers = errors.render_unavailable()
        assert statements == [] and status == 503
        assert language == "en"  # their setting is no longer in memory: the browser's language instead


def test_durations_and_due_dates_are_written_for_the_locale(app):
    from datetime import date

    from flask_babel import force_locale

    from lms.core.i18n import about_duration, long_date
    from lms.learning.assigned import due_words

    with app.test_request_context("/"), force_locale("cy"):
        assert about_duration(15) == "tua 15 munud" and about_duration(90) == "tua 1½ awr"
        assert long_date(date(2026, 3, 3)) == "3 Mawrth 2026"
        assert due_words(date(2026, 3, 3), date(2026, 3, 1)) == ("Yn ddyledus ymhen 2 diwrnod (3 Mawrth 2026)", "warn")
    with app.test_request_context("/"), force_locale("en"):
        assert about_duration(1) == "about 1 minute" and long_date(date(2026, 3, 3)) == "3 March 2026"


@pytest.mark.parametrize(("environment", "expected"), [
    ({"LANG": "cy_GB.UTF-8"}, "cy"),
    ({"LC_ALL": "cy_GB.UTF-8", "LANG": "en_GB.UTF-8"}, "cy"),
    ({"LC_MESSAGES": "en_GB.UTF-8", "LANG": "cy_GB.UTF-8"}, "en"),
    ({"LANG": "fr_FR.UTF-8"}, "en"),  # not one of the site's languages: the site's default
    ({"LANG": "C"}, "en"),
    ({}, "en"),
    ({"LANGUAGE": "cy:en", "LANG": "en_GB.UTF-8"}, "cy"),  # LANGUAGE first, as Python's gettext reads it
    ({"LANGUAGE": "fr:cy", "LANG": "en_GB.UTF-8"}, "cy"),  # its first language the site has
])
def test_commands_speak_the_terminals_language_when_the_site_has_it(app, monkeypatch, environment, expected):
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with app.app_context():
        assert cli_language() == expected


def test_the_support_page_is_in_the_readers_language_where_the_words_are_ours(app, client):
    """The shipped contacts and introduction are translated; a charity's own contact is shown as written."""
    welsh = {"Accept-Language": "cy"}
    page = client.get("/support", headers=welsh).get_data(as_text=True)
    assert "Os ydych chi’n gweld yr hyfforddiant hwn yn anodd, gallwch stopio unrhyw bryd." in page
    assert "Y Samariaid" in page and "I blant a phobl ifanc dan 19 oed." in page and "Tecstiwch SHOUT i 85258" in page
    assert "For children and young people under 19." not in page and "If you are finding" not in page
    english = client.get("/support", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "For children and young people under 19." in english and "Samaritans" in english
    app.config["SUPPORT_CONTACTS"] = [{"name": "Harbour duty lead", "contact": "0800 000 111", "when": "Any time."}]
    assert "Any time." in client.get("/support", headers=welsh).get_data(as_text=True)


def test_the_catalogue_extraction_reads_the_layout():
    """base.html uses the {% fragment %} tag: extraction must know it, or the layout's words leave the catalogue."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    root = Path(__file__).resolve().parent.parent
    with open(root / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = {message for filename, _line, message, _comments, _context in
             extract_from_dir(str(root / "lms"), method_map, options_map) if filename == "templates/base.html"}
    assert {"Skip to main content", "Log out", "Crisis and support contacts"} <= found
