"""E-mails in the recipient's language (issue 20, item 5), through a real SMTP server on loopback."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from babel.dates import format_date
from markupsafe import escape

from lms.accounts.models import User
from lms.cohorts import services as cohorts
from lms.core.db import db
from tests.conftest import mail_config
from tests.factories import TODAY, join, links, local, make_cohort, parts, run_jobs, subject

TRANSLATED = Path(__file__).parent / "content" / "fixtures" / "translations"  # 'listening' has a Welsh translation
DUE = TODAY + timedelta(days=30)


@pytest.fixture
def content_dir() -> Path:
    return TRANSLATED


@pytest.fixture
def app_config(smtp_server):
    return mail_config(smtp_server)








def speaks(session, user, language: str | None) -> None:
    session.get(User, user.id).language = language  # through the ORM: the session keeps loaded rows after commit
    session.commit()


def test_a_due_date_sweep_writes_to_each_trainee_in_their_own_language(app, session, users, smtp_server):
    trainer = users.create(role="trainer", display_name="Tess Trainer")
    cerys = users.create(email="cerys@example.org", display_name="Cerys")
    tom = users.create(email="tom@example.org", display_name="Tom")
    speaks(session, cerys, "cy")
    join(session, make_cohort(session, trainer, name="Carfan y nos", courses=("listening",), due_on=DUE), cerys, tom)

    run_jobs(app, DUE - timedelta(days=7))
    [welsh] = smtp_server.to("cerys@example.org")
    [english] = smtp_server.to("tom@example.org")

    assert subject(welsh) == "Mae angen cwblhau Gwrando ymhen 7 diwrnod"  # the course's Welsh title too
    text, html = parts(welsh)
    welsh_date = format_date(DUE, format="long", locale="cy")
    assert "Annwyl Cerys," in html and '<html lang="cy">' in html
    assert f"Mae angen cwblhau eich cwrs “Gwrando” ar gyfer Carfan y nos ymhen 7 diwrnod, erbyn {welsh_date}." in text
    assert "Dechreuwch yma:" in text and "Anfonwyd gan" in text
    assert "Atal y nodiadau atgoffa hyn:" in text  # the footer and its category label in Welsh
    assert "(dyddiadau cwblhau: wythnos cyn hynny" in " ".join(text.split())
    for english_word in ("Your course", "Sent by", "Hello", "Stop these reminders", " is due "):
        assert english_word not in text and english_word not in html, english_word

    # Signed out, the e-mail's link leads to the login page in the e-mail's language, then to the page asked for.
    from tests.factories import links, local

    start = next(u for u in links(text) if "/courses/" in u)
    assert "lang=cy" in start
    reader = app.test_client()
    login = reader.get(local(start), headers={"Accept-Language": "en"}, follow_redirects=True)
    assert '<html lang="cy">' in login.get_data(as_text=True) and "/login" in login.request.path

    assert subject(english) == "Listening is due in 7 days"
    text, html = parts(english)
    assert f"on {DUE.day} {DUE:%B %Y}." in text and '<html lang="en">' in html
    assert "lang=" not in text  # the site's default needs no mark
    assert "Mae angen" not in text

    run_jobs(app, DUE - timedelta(days=1))  # the day before: tomorrow, in each language
    assert subject(smtp_server.to("cerys@example.org")[-1]) == "Mae angen cwblhau Gwrando erbyn yfory"
    assert subject(smtp_server.to("tom@example.org")[-1]) == "Listening is due tomorrow"


def test_the_language_is_read_when_the_email_is_sent(app, session, users, smtp_server):
    """Queued in English, then the trainee chose Welsh before the worker ran: it arrives in Welsh."""
    trainer = users.create(role="trainer")
    cerys = users.create(email="cerys@example.org", display_name="Cerys")
    join(session, make_cohort(session, trainer, courses=("listening",), due_on=DUE), cerys)
    with app.app_context():
        from lms.catalog.services import catalog
        from lms.mail.reminders import sweep

        sweep(db.session, catalog().courses, DUE + timedelta(days=1))
    speaks(session, cerys, "cy")
    run_jobs(app, DUE + timedelta(days=1))
    [message] = smtp_server.to("cerys@example.org")
    assert subject(message) == "Mae’r dyddiad cwblhau ar gyfer Gwrando wedi mynd heibio"
    assert f"erbyn {format_date(DUE, format='long', locale='cy')}, ac nid yw wedi’i orffen eto." in parts(message)[0]


def test_an_invitation_to_someone_without_an_account_is_in_the_language_the_inviter_chose(
        app, session, users, smtp_server):
    trainer = users.create(role="trainer", display_name="Tess Trainer")
    cohort = make_cohort(session, trainer, name="Carfan y nos")
    with app.app_context():
        inviter = db.session.get(User, trainer.id)
        group = db.session.get(type(cohort), cohort.id)
        cohorts.create_invite(db.session, inviter, group, reusable=False, email="newydd@example.org",
                              send_email=True, language="cy")
        cohorts.create_invite(db.session, inviter, group, reusable=False, email="new@example.org", send_email=True)
        db.session.commit()
    run_jobs(app, TODAY)
    [welsh] = smtp_server.to("newydd@example.org")
    assert subject(welsh).startswith("Gwahoddiad i ymuno â Carfan y nos gyda ")
    text, html = parts(welsh)
    assert "Mae Tess Trainer wedi’ch gwahodd i ymuno â Carfan y nos gyda" in text
    assert "<strong>Carfan y nos</strong>" in html and "Creu eich cyfrif" in html
    expires = format_date(TODAY + timedelta(days=14), format="long", locale="cy")
    assert f"tan {expires}" in text or "mae’n gweithio unwaith, tan" in text
    [english] = smtp_server.to("new@example.org")  # no choice: the site's default, English
    assert subject(english).startswith("You're invited to join Carfan y nos")

    # The link opens the registration page in the e-mail's language; a visitor's own choice still wins.
    register = next(u for u in links(text) if "/register?" in u and "invite=" in u)
    assert "lang=cy" in register and str(escape(register)) in html
    page = app.test_client().get(local(register)).get_data(as_text=True)
    assert '<html lang="cy"' in page and "Creu cyfrif" in page
    chose = app.test_client()
    chose.get("/language/en")
    assert '<html lang="en"' in chose.get(local(register)).get_data(as_text=True)
    english_link = next(u for u in links(parts(english)[0]) if "/register?invite=" in u)
    assert "lang=en" in english_link


def test_the_inviter_chooses_the_language_on_the_cohort_page(app, client, session, users):
    trainer = users.create(role="trainer")
    cohort = make_cohort(session, trainer)
    users.login(trainer)
    page = client.get(f"/trainer/cohorts/{cohort.id}").get_data(as_text=True)
    assert re.search(r'<select[^>]*name="language"', page), "no language choice on the invitation form"
    assert re.search(r'<option lang="en" (selected )?value="en">English</option>', page)
    assert '<option lang="cy" value="cy">Cymraeg</option>' in page


def test_certificate_news_names_the_certificate_in_the_language_it_was_issued_in(app, session, users, smtp_server):
    from tests.factories import certify

    cerys = users.create(email="cerys@example.org", display_name="Cerys")
    speaks(session, cerys, "cy")
    certificate = certify(session, cerys, valid_until=TODAY + timedelta(days=200), code="WXYZ-ABCD")
    certificate.languages = "cy"
    certificate.localised = {"cy": {"course_title": "Gwrando", "certificate_title": "Gwirfoddolwr sy’n gwrando"}}
    session.commit()
    run_jobs(app, TODAY)
    [issued] = smtp_server.to("cerys@example.org")
    assert subject(issued) == "Eich tystysgrif: Gwirfoddolwr sy’n gwrando"
    text, html = parts(issued)
    assert "eich tystysgrif “Gwirfoddolwr sy’n gwrando” ar gyfer Gwrando." in text
    assert 'href="http://localhost/verify/WXYZ-ABCD"' in html and "Lawrlwytho eich tystysgrif" in html


def test_the_unsubscribe_page_is_in_the_language_of_the_email(app, client, session, users, smtp_server):
    trainer = users.create(role="trainer")
    cerys = users.create(email="cerys@example.org", display_name="Cerys")
    speaks(session, cerys, "cy")
    join(session, make_cohort(session, trainer, courses=("listening",), due_on=DUE), cerys)
    run_jobs(app, DUE - timedelta(days=7))
    [message] = smtp_server.to("cerys@example.org")
    url = message["List-Unsubscribe"].strip("<>")
    path = url.split("//", 1)[1].split("/", 1)[1]
    page = client.get("/" + path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="cy">' in page and "<h1>Atal y nodiadau atgoffa hyn?</h1>" in page
    assert "Dyddiadau cwblhau: wythnos cyn hynny" in page
    done = client.post("/" + path).get_data(as_text=True)
    assert "Ni fyddwch yn cael y nodiadau atgoffa hyn mwyach" in done
