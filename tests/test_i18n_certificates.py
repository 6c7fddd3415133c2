"""Certificates in the holder's language, or bilingual (issue 20, item 5): the PDF read back, its fonts, the record."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from lms.accounts.models import User
from lms.certificates import services as service
from lms.certificates.models import Certificate
from lms.core.db import db
from tests.conftest import csrf_token
from tests.factories import issue

TRANSLATED = Path(__file__).parent / "content" / "fixtures" / "translations"  # 'listening' has a Welsh translation
NAME = "Gwenllïan Ŵyn Ŷr"  # Welsh letters the font must carry


@pytest.fixture
def content_dir() -> Path:
    return TRANSLATED


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def fonts_of(pdf: bytes) -> dict[str, bool]:
    """Each font the pages use -> whether its program is embedded in the file."""
    found: dict[str, bool] = {}
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            for font in (page.Resources.get("/Font") or {}).values():
                described = [font] + list(font.get("/DescendantFonts") or [])
                descriptor = next((f.FontDescriptor for f in described if "/FontDescriptor" in f), None)
                embedded = descriptor is not None and any(
                    k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                found[str(font.get("/BaseFont"))] = embedded
    return found


def speaker(users, session, language):
    user = users.create(display_name="Gwen")
    session.get(User, user.id).language = language
    session.commit()
    return user


def set_languages(app, value):
    from lms.core import settings

    with app.app_context():
        settings.put("CERTIFICATE_LANGUAGES", value, by_user_id=None)
        db.session.commit()


def test_a_welsh_speakers_certificate_is_printed_in_welsh_with_the_fonts_embedded(app, session, users):
    certificate = issue(app, session, speaker(users, session, "cy"), name=NAME)
    assert certificate.languages == "cy"
    assert certificate.localised["cy"]["course_title"] == "Gwrando"
    assert certificate.course_title == "Listening"  # the columns keep the original's words
    text = pdf_text(certificate.pdf)
    for welsh in ("TYSTYSGRIF CWBLHAU", "Gwirfoddolwr sy'n gwrando", "Mae hyn yn tystio bod",
                  "wedi cwblhau’r cwrs hyfforddi “Gwrando”", "CWBLHAWYD", "Cwblhau pob cam gofynnol",
                  "Gwiriwch y dystysgrif hon yn", "Nid yw’n gymhwyster clinigol"):
        assert welsh in text, welsh
    assert NAME in text  # ŵ and ŷ come back out of the PDF: the font has them
    for english in ("CERTIFICATE OF COMPLETION", "This certifies that", "completed the training course"):
        assert english not in text
    fonts = fonts_of(certificate.pdf)
    assert fonts and all(fonts.values()), fonts


def test_an_english_speakers_certificate_stays_english(app, session, users):
    certificate = issue(app, session, speaker(users, session, None), name="Jo Example")
    assert certificate.languages == "en"
    text = pdf_text(certificate.pdf)
    assert "CERTIFICATE OF COMPLETION" in text and "Listening volunteer" in text and "TYSTYSGRIF" not in text


def test_the_bilingual_setting_prints_welsh_and_english_side_by_side_and_the_record_keeps_it(app, session, users):
    set_languages(app, "bilingual")
    certificate = issue(app, session, speaker(users, session, None), name=NAME)
    assert certificate.languages == "cy,en"
    text = pdf_text(certificate.pdf)
    for words in ("TYSTYSGRIF CWBLHAU", "CERTIFICATE OF COMPLETION", "Gwirfoddolwr sy'n gwrando", "Listening volunteer",
                  "“Gwrando”", "“Listening”", "Gwiriwch y dystysgrif hon yn / Check this certificate at"):
        assert words in text, words
    assert text.index("TYSTYSGRIF CWBLHAU") < text.index("CERTIFICATE OF COMPLETION")  # Welsh first
    assert text.count(NAME) == 2
    assert len(PdfReader(io.BytesIO(certificate.pdf)).pages) == 1  # side by side, on one page
    assert all(fonts_of(certificate.pdf).values())

    # Re-rendered later (no stored PDF), it prints in the languages it was issued in, whatever the setting is now.
    set_languages(app, "holder")
    session.get(Certificate, certificate.id).pdf = None
    session.commit()
    with app.app_context():
        again = service.ensure_pdf(db.session, db.session.get(Certificate, certificate.id))
    assert "TYSTYSGRIF CWBLHAU" in pdf_text(again) and "CERTIFICATE OF COMPLETION" in pdf_text(again)


def test_a_reissue_keeps_the_languages(app, session, users):
    certificate = issue(app, session, speaker(users, session, "cy"), name="Gwen Jones")
    admin = users.create(role="admin")
    with app.app_context():
        from lms.certificates.document import current_branding

        fresh = service.reissue(db.session, db.session.get(Certificate, certificate.id), db.session.get(User, admin.id),
                                "Gwen Ŵyn Jones", current_branding())
        db.session.commit()
        assert fresh.languages == "cy" and fresh.localised["cy"]["course_title"] == "Gwrando"
        assert "TYSTYSGRIF CWBLHAU" in pdf_text(fresh.pdf)


def test_the_admin_turns_bilingual_certificates_on(app, client, session, users):
    from lms.core.models import SiteSetting

    admin = users.create(role="admin")
    users.login(admin)
    page = client.get("/admin/settings").get_data(as_text=True)
    assert re.search(r'name="CERTIFICATE_LANGUAGES"[^>]*value="bilingual"'
                     r'|value="bilingual"[^>]*name="CERTIFICATE_LANGUAGES"', page)
    form = {"SITE_NAME": "Training", "CHARITY_NAME": "Example Trust", "CHARITY_NUMBER": "123", "REGISTRATION": "open",
            "CERTIFICATE_SIGNATORY": "Jo Bloggs", "CERTIFICATE_PRIMARY_COLOUR": "#1d4f91", "SUPPORT_INTRO": "",
            "CERTIFICATE_LANGUAGES": "bilingual", "csrf_token": csrf_token(client, "/admin/settings")}
    assert client.post("/admin/settings", data=form).status_code == 302
    assert session.get(SiteSetting, "CERTIFICATE_LANGUAGES").value == "bilingual"


def test_the_verification_page_follows_the_visitors_language(app, client, session, users):
    certificate = issue(app, session, speaker(users, session, "cy"), name="Gwen Jones")
    english = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "This certificate is valid" in english and "Listening" in english
    welsh = client.get(f"/verify/{certificate.code}?lang=cy").get_data(as_text=True)
    assert '<html lang="cy">' in welsh
    assert "Mae’r dystysgrif hon yn ddilys" in welsh and "<dd>Gwrando</dd>" in welsh
    assert "<dt>Deiliad</dt>" in welsh and "Cyhoeddwyd" in welsh and "This certificate is valid" not in welsh
    client.get("/language/cy")  # the switch, remembered for the visitor
    switched = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Mae’r dystysgrif hon yn ddilys" in switched and "Gwirio cod arall" in switched
    assert "Gwirfoddolwr sy&#39;n gwrando" in switched or "Gwirfoddolwr sy'n gwrando" in switched


def test_a_welsh_speakers_certificates_page_names_it_in_welsh(app, client, session, users):
    """As on the PDF and the verification page: the titles it was issued with in Welsh, not the original's."""
    gwen = speaker(users, session, "cy")
    issue(app, session, gwen, name=NAME)
    users.login(gwen)
    panel = client.get("/certificates").get_data(as_text=True).split('id="certificates-heading"', 1)[1]
    assert "<h3>Gwirfoddolwr sy&#39;n gwrando</h3>" in panel  # the apostrophe escaped
    assert "Gwrando" in panel and "Listening volunteer" not in panel


def test_titles_issued_in_english_are_marked_english_on_welsh_pages(app, client, session, users):
    """WCAG 3.1.2: a certificate issued only in English keeps its English titles, which a Welsh page marks so."""
    jo = speaker(users, session, None)
    certificate = issue(app, session, jo, name="Jo Example")
    assert certificate.languages == "en"
    users.login(jo)
    client.get("/language/cy")
    panel = client.get("/certificates").get_data(as_text=True).split('id="certificates-heading"', 1)[1]
    assert '<h3 lang="en">Listening volunteer</h3>' in panel and '<p><span lang="en">Listening</span> ' in panel
    assert panel.count('<span lang="en">Listening volunteer</span>') == 2  # "Download PDF of …", "Public check page …"
    verify = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert '<html lang="cy">' in verify
    assert '<dd lang="en">Listening volunteer</dd>' in verify and '<dd lang="en">Listening</dd>' in verify
    english = client.get(f"/verify/{certificate.code}?lang=en").get_data(as_text=True)
    assert "<dd>Listening volunteer</dd>" in english  # the page's own language: nothing to mark

    users.logout()
    users.login(users.create(role="admin"))
    client.get("/language/cy")
    manage = client.get("/certificates/manage").get_data(as_text=True)
    assert '<td lang="en">Listening</td>' in manage
    detail = client.get(f"/certificates/manage/{certificate.id}").get_data(as_text=True)
    assert '<dd lang="en">Listening volunteer</dd>' in detail and '<dd><span lang="en">Listening</span>, ' in detail
    assert re.search(r'<dd lang="en">(Completion|Assessed)', detail)


def test_welsh_titles_of_an_untranslated_course_are_its_english_ones(app, client, session, users):
    """Issued in Welsh from a course with no Welsh title: its "Welsh" words are the original's, so marked English."""
    gwen = speaker(users, session, "cy")
    certificate = issue(app, session, gwen, name=NAME)
    localised = {"cy": {**certificate.localised["cy"], "course_title": certificate.course_title}}
    session.query(Certificate).filter_by(id=certificate.id).update({"localised": localised})
    session.commit()
    users.login(gwen)
    panel = client.get("/certificates").get_data(as_text=True).split('id="certificates-heading"', 1)[1]
    assert '<p><span lang="en">Listening</span> ' in panel
    assert "<h3>Gwirfoddolwr sy&#39;n gwrando</h3>" in panel  # its own Welsh title: the page's language


def test_the_preview_before_claiming_shows_every_side_the_pdf_will_print(app, client, session, users):
    """With bilingual certificates the holder checks their name against both sides, each in its own words."""
    from tests.factories import complete

    set_languages(app, "bilingual")
    gwen = speaker(users, session, "cy")
    complete(session, gwen)
    users.login(gwen)
    url = "/certificates/claim/listening"
    client.post(url, data={"legal_name": NAME, "preview": "1", "csrf_token": csrf_token(client, url)})
    page = client.get(url).get_data(as_text=True)
    preview = page.split('class="certificate-preview card"', 1)[1].split("</figure>", 1)[0]
    welsh, english = preview.split('<div class="cp-side" lang="cy">', 1)[1].split('<div class="cp-side" lang="en">', 1)
    assert "TYSTYSGRIF CWBLHAU" in welsh and "Gwrando" in welsh and NAME in welsh
    assert "CERTIFICATE OF COMPLETION" in english and "“Listening”" in english and NAME in english
