"""Certificates: issue, the PDF, verification, trainees' and trainers' pages."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import threading
import unicodedata
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from lms.accounts.models import User
from lms.admin.models import AuditEntry
from lms.catalog.services import catalog
from lms.certificates import services as service
from lms.certificates.document import current_branding, grouped_code
from lms.certificates.models import Certificate
from lms.certificates.pdf import SealedFetcher
from lms.cohorts.models import Cohort, CohortMember, CohortTrainer
from lms.learning.models import Enrolment
from tests.conftest import FIXTURE_CONTENT, PASSWORD, csrf_token
from tests.factories import complete, issue

SIGNED_COURSE = """---
title: Signed listening
summary: Needs a trainer's sign-off.
certificate:
  title: Signed Listener
  sign_off: true
---
One step.
"""


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """The fixture content plus a sign-off course, in a folder tests may edit."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    signed = root / "courses" / "signed"
    signed.mkdir()
    (signed / "course.md").write_text(SIGNED_COURSE)
    (signed / "1-only.md").write_text("---\ntitle: Only\n---\nRead this.\n")
    return root


def claim(client, name: str, course_id: str = "listening"):
    url = f"/certificates/claim/{course_id}"
    return client.post(url, data={"legal_name": name, "submit": "1", "csrf_token": csrf_token(client, url)})


def pdf_text(pdf: bytes) -> str:
    """The PDF's text with runs of whitespace (line breaks included) as one space."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def squeezed(text: str) -> str:
    """Without any whitespace: for strings that may wrap at a '/' or '-'."""
    return re.sub(r"\s+", "", text)


def only_for(session, user) -> Certificate:
    return session.scalars(select(Certificate).where(Certificate.user_id == user.id)).one()


def only_certificate(session) -> Certificate:
    session.expire_all()
    return session.scalars(select(Certificate)).one()


@pytest.fixture
def trainee(users, client):
    user = users.create(display_name="Night Owl")
    users.login(user)
    return user


def test_claim_asks_for_the_name_once_then_issues_a_pdf(app, client, session, trainee):
    enrolment = complete(session, trainee)
    page = client.get("/certificates/claim/listening")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "printed on the certificate" in html and 'name="legal_name"' in html
    # A preview first, with the wording; nothing is stored yet.
    url = "/certificates/claim/listening"
    asked = client.post(url, data={"legal_name": "Siân Llŵyd", "preview": "1", "csrf_token": csrf_token(client, url)})
    # The preview is a page of its own, so that Back or a reload never sends the form again.
    assert asked.status_code == 303 and asked.headers["Location"].endswith(url + "?previewed=1")
    preview = client.get(asked.headers["Location"])
    assert preview.status_code == 200 and "Siân Llŵyd" in preview.get_data(as_text=True)
    assert session.scalars(select(Certificate)).first() is None

    response = claim(client, "  Siân   Llŵyd ")
    assert response.status_code == 302
    # Back to the claim page after claiming: it says the certificate is there, and leads to it.
    back = client.get(url)
    assert back.status_code == 302 and back.headers["Location"].endswith("/certificates")
    certificate = only_certificate(session)
    assert certificate.status == "issued" and certificate.enrolment_id == enrolment.id
    assert certificate.holder_name == "Siân Llŵyd" and certificate.course_version == "v-test"
    assert re.fullmatch(r"[A-Z2-7]{32}", certificate.code)
    assert certificate.valid_until == service.add_months(certificate.completed_on, 12)
    assert certificate.hours == 1.5 and certificate.certificate_title == "Listener"
    assert "final assessment" in certificate.assessed_how and "role-play" in certificate.assessed_how
    assert session.get(User, trainee.id).legal_name == "Siân Llŵyd"

    download = client.get(f"/certificates/{certificate.id}/pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["Cache-Control"] == "no-store"
    text = pdf_text(download.data)
    for expected in ("Siân Llŵyd", "Listening basics", "Listener", service.grouped_code(certificate.code),
                     f"{certificate.completed_on.day} {certificate.completed_on:%B %Y}", "Valid until",
                     "It is not a clinical qualification", "1.5 hours"):
        assert expected.lower() in text.lower(), expected
    # Claiming again gives no second certificate; the form now redirects.
    assert client.get("/certificates/claim/listening").status_code == 302
    assert [c.id for c in session.scalars(select(Certificate))] == [certificate.id]


def test_the_preview_comes_before_the_button_that_issues_it_and_takes_the_focus(app, client, session, trainee):
    complete(session, trainee)
    url = "/certificates/claim/listening"
    asked = client.post(url, data={"legal_name": "Jo Bloggs", "preview": "1", "csrf_token": csrf_token(client, url)})
    page = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert page.index('class="certificate-preview') < page.index('name="submit"')  # checked, then confirmed
    assert '<div class="claim-preview stack" id="claim-preview" tabindex="-1" autofocus>' in page
    assert "autofocus" not in client.get(url).get_data(as_text=True)  # the same preview later: nothing to announce


def test_name_is_prefilled_and_claim_needs_a_completion(app, client, session, trainee):
    # Not finished yet: sent to the course, told why, not shown "We could not find that page".
    unfinished = client.get("/certificates/claim/listening", follow_redirects=True)
    assert unfinished.request.path == "/courses/listening"
    assert "Finish every step of this course first: then you can claim its certificate." in unfinished.get_data(
        as_text=True)
    assert client.get("/certificates/claim/no-such-course").status_code == 404
    complete(session, trainee, course_id="advanced")  # a course without a certificate
    assert client.get("/certificates/claim/advanced").status_code == 404
    trainee_row = session.get(User, trainee.id)
    trainee_row.legal_name = "Zoë Ó Briain"
    session.commit()
    complete(session, trainee)
    html = client.get("/certificates/claim/listening").get_data(as_text=True)
    assert 'value="Zoë Ó Briain"' in html and "Preview" in html
    url = "/certificates/claim/listening"
    bad = client.post(url, data={"legal_name": "   ", "submit": "1", "csrf_token": csrf_token(client, url)})
    assert bad.status_code == 200 and "Please enter" in bad.get_data(as_text=True)
    long = client.post(url, data={"legal_name": "x" * 500, "submit": "1", "csrf_token": csrf_token(client, url)})
    assert long.status_code == 200
    assert session.scalars(select(Certificate)).first() is None



# -- the PDF -------------------------------------------------------------------------------

NAMES = ("Siân Llŵyd", "Zoë Ó Briain", "ليلى", "王芳")


def _fonts(pdf: bytes) -> list:
    fonts = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts.append(font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font)
    return fonts


def _poppler_text(pdf: bytes, tmp_path: Path) -> str:
    """pdftotext puts right-to-left text back in logical order, as a reader would see it."""
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


def test_names_in_every_script_print_with_embedded_fonts(app, session, users, tmp_path):
    for name in NAMES:
        certificate = issue(app, session, users.create(), name=name)
        text = pdf_text(certificate.pdf)
        if name.isascii() or not any(unicodedata.bidirectional(ch) == "AL" for ch in name):
            assert name in text, name
        else:
            # Arabic glyphs shared between letters (a dotless medial form) make text
            # extraction ambiguous about which letter was meant; poppler and pypdf both
            # return the right letters, so compare them as a set per line.
            raw = PdfReader(io.BytesIO(certificate.pdf)).pages[0].extract_text()
            lines = raw.splitlines() + _poppler_text(certificate.pdf, tmp_path).splitlines()
            assert any(sorted(line.strip(" \u202b\u202c")) == sorted(name) for line in lines), (name, lines)
        fonts = _fonts(certificate.pdf)
        assert fonts
        for font in fonts:
            descriptor = font["/FontDescriptor"].get_object()
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), f"{font['/BaseFont']} not embedded"
    # The Arabic and CJK names got their own fonts (not boxes of a Latin font).
    base_fonts = " ".join(str(f["/BaseFont"]) for f in _fonts(certificate.pdf))
    assert "CJK" in base_fonts


def test_qr_code_decodes_to_the_verification_url(app, session, users, tmp_path):
    certificate = issue(app, session, users.create())
    (tmp_path / "c.pdf").write_bytes(certificate.pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", str(tmp_path / "c.pdf"), str(tmp_path / "c")],
                   check=True)
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(tmp_path / "c.png")], check=True,
                             capture_output=True, text=True).stdout.split()
    assert decoded == [f"http://localhost/verify/{certificate.code}"]
    assert f"localhost/verify/{certificate.code}" in squeezed(pdf_text(certificate.pdf))


def test_letter_size_by_configuration(app, session, users):
    app.config["CERTIFICATE_PAGE_SIZE"] = "Letter"
    box = PdfReader(io.BytesIO(issue(app, session, users.create()).pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (792, 612)  # 11 x 8.5 in, landscape
    app.config["CERTIFICATE_PAGE_SIZE"] = "A4"
    box = PdfReader(io.BytesIO(issue(app, session, users.create()).pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)


class SpyFetcher(SealedFetcher):
    attempts: list[str] = []

    def fetch(self, url, headers=None):
        SpyFetcher.attempts.append(url)
        return super().fetch(url, headers)


HOSTILE = ('<img src="file:///etc/passwd">', "</p><script>alert(1)</script>",
           '<link rel=stylesheet href="http://127.0.0.1:9/x.css">')


def test_hostile_names_print_literally_and_fetch_nothing(app, session, users, monkeypatch, client):
    SpyFetcher.attempts = []
    monkeypatch.setattr("lms.certificates.pdf.SealedFetcher", SpyFetcher)
    for name in HOSTILE:
        certificate = issue(app, session, users.create(), name=name)
        assert squeezed(name) in squeezed(pdf_text(certificate.pdf))
    # Only the logo and the QR code were ever fetched, and both are data: URLs.
    assert SpyFetcher.attempts and all(url.startswith("data:") for url in SpyFetcher.attempts)
    # The verification page escapes it too.
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "&lt;link rel=stylesheet" in page and '<link rel=stylesheet href="http' not in page


def test_the_fetcher_is_sealed(tmp_path):
    from lms.certificates.pdf import ASSETS_DIR, FetchRefused, render_pdf

    fetcher = SealedFetcher()
    for url in ("file:///etc/passwd", "http://127.0.0.1:9/", "https://example.org/logo.png", "ftp://x/y",
                (ASSETS_DIR / ".." / ".." / "config.py").as_uri()):
        with pytest.raises(FetchRefused):
            fetcher.fetch(url)
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    link = ASSETS_DIR / "test-link-out.svg"
    link.symlink_to(outside)
    try:
        with pytest.raises(FetchRefused):
            fetcher.fetch(link.as_uri())
    finally:
        link.unlink()
    assert fetcher.fetch((ASSETS_DIR / "logo.svg").as_uri()).read().startswith(b"<svg")
    # A document that asks for forbidden things still renders, without them.
    SpyFetcher.attempts = []
    pdf = render_pdf('<p>Hi</p><img src="file:///etc/passwd"><img src="http://127.0.0.1:9/x.png">', timeout=30,
                     url_fetcher=SpyFetcher())
    assert pdf.startswith(b"%PDF") and len(SpyFetcher.attempts) == 2


def test_render_time_limit(monkeypatch):
    from lms.certificates import pdf as pdf_module

    slow = threading.Event()
    monkeypatch.setattr(pdf_module.weasyprint, "HTML", lambda **kwargs: slow.wait(5))
    with pytest.raises(pdf_module.RenderError, match="longer than"):
        pdf_module.render_pdf("<p>x</p>", timeout=0.2)
    slow.set()


def test_a_render_finding_the_shared_fonts_busy_makes_its_own():
    from lms.certificates import pdf as pdf_module

    # As when another request, or an abandoned render, still holds them.
    with pdf_module._shared_fonts_lock:
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(
            pdf_module.render_pdf("<p>Siân Llŵyd 王芳</p>", timeout=20))).pages)
    assert "Siân Llŵyd" in text and "王芳" in text


def test_issued_pdf_never_changes(app, session, users, client, content_dir):
    user = users.create()
    users.login(user)
    certificate = issue(app, session, user, name="Jane Example")
    first = client.get(f"/certificates/{certificate.id}/pdf").data
    # Edit the course, the branding and the profile; reload the content.
    course_md = content_dir / "courses" / "listening" / "course.md"
    course_md.write_text(course_md.read_text().replace("title: Listening basics", "title: Listening renamed"))
    with app.app_context():
        from lms.catalog.services import holder
        from lms.core import settings

        holder().reload()
        assert catalog().course("listening").title == "Listening renamed"
        settings.put("CHARITY_NAME", "Another Charity", by_user_id=None)
    session.get(User, user.id).legal_name = "Somebody Else"
    session.commit()
    second = client.get(f"/certificates/{certificate.id}/pdf").data
    assert second == first and "Listening basics" in pdf_text(second)
    session.expire_all()
    assert session.get(Certificate, certificate.id).pdf_sha256 == __import__("hashlib").sha256(first).hexdigest()


def test_missing_pdf_is_rendered_once_then_stored(app, session, users, client):
    user = users.create()
    users.login(user)
    certificate = issue(app, session, user)
    session.get(Certificate, certificate.id).pdf = None
    session.commit()
    first = client.get(f"/certificates/{certificate.id}/pdf").data
    session.expire_all()
    assert session.get(Certificate, certificate.id).pdf == first
    assert client.get(f"/certificates/{certificate.id}/pdf").data == first


def test_a_missing_pdf_is_stored_even_when_another_worker_writes_during_the_render(
        app, session, users, client, monkeypatch):
    """The render holds no transaction and the store waits its turn: on SQLite, storing after a GET's
    reads used to be refused at once ("database is locked") when another worker had written meanwhile."""
    from lms.certificates import services as certificate_services
    from lms.core.db import db

    user = users.create()
    users.login(user)
    certificate = issue(app, session, user)
    session.get(Certificate, certificate.id).pdf = None
    session.commit()
    real_render = certificate_services._render

    def render_while_another_worker_writes(*args, **kwargs):
        with db.engine.connect() as other:  # another worker's write, committed during the render
            other.execute(update(User).where(User.id == user.id).values(display_name="Renamed meanwhile"))
            other.commit()
        return real_render(*args, **kwargs)

    monkeypatch.setattr(certificate_services, "_render", render_while_another_worker_writes)
    response = client.get(f"/certificates/{certificate.id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    session.expire_all()
    assert session.get(Certificate, certificate.id).pdf == response.data
    assert session.get(User, user.id).display_name == "Renamed meanwhile"


def test_a_failed_render_leaves_nothing_half_issued(app, session, client, trainee, monkeypatch):
    from lms.certificates.pdf import RenderError

    def broken(*args, **kwargs):
        raise RenderError("boom")

    complete(session, trainee)
    monkeypatch.setattr("lms.certificates.document.render_pdf", broken)
    response = claim(client, "Jane Example")
    assert response.status_code == 200 and "could not make" in response.get_data(as_text=True)
    session.expire_all()
    assert session.scalars(select(Certificate)).first() is None


# -- one certificate per completion ----------------------------------------------------------

def test_two_concurrent_claims_give_one_certificate(app, session, users):
    from lms.core.db import db

    user = users.create()
    enrolment = complete(session, user)
    barrier = threading.Barrier(2)
    results: list = []

    def claim_in_thread(name: str) -> None:
        try:
            barrier.wait(10)
            with app.app_context():
                holder = db.session.get(User, user.id)
                own = db.session.get(Enrolment, enrolment.id)
                certificate = service.issue(db.session, holder, own, catalog().course("listening"), name,
                                            current_branding())
                db.session.commit()
                results.append((certificate.id, certificate.code))
        except Exception as exc:  # reported below
            results.append(exc)
        finally:
            db.session.remove()

    threads = [threading.Thread(target=claim_in_thread, args=(name,)) for name in ("First Name", "Second Name")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == 2 and not any(isinstance(r, Exception) for r in results), results
    assert results[0] == results[1]
    session.expire_all()
    assert len(session.scalars(select(Certificate)).all()) == 1


# -- verification --------------------------------------------------------------------------------

def test_verify_valid_with_any_spelling_of_the_code(app, session, users, client):
    user = users.create(display_name="Pseudonym Owl", email="owl@example.org")
    certificate = issue(app, session, user, name="Jane Example")
    for spelling in (certificate.code, certificate.code.lower(), grouped_code(certificate.code),
                     " ".join(grouped_code(certificate.code).lower().split("-"))):
        page = client.get(f"/verify/{spelling}")
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "This certificate is valid" in html, spelling
    for expected in ("Jane Example", "Listening basics", "Listener", "Example Peer Support Charity"):
        assert expected in html
    assert "Pseudonym Owl" not in html and "owl@example.org" not in html
    # The form works without JavaScript: a GET that lands on the code's page.
    response = client.get("/verify", query_string={"code": grouped_code(certificate.code).lower()})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/verify/{certificate.code}")
    assert client.get("/verify").status_code == 200


def test_verify_json(app, session, users, client):
    certificate = issue(app, session, users.create(), name="Jane Example")
    data = client.get(f"/verify/{certificate.code}.json").get_json()
    assert data["status"] == "valid" and data["holder_name"] == "Jane Example"
    assert data["course"] == "Listening basics" and data["valid_until"] == certificate.valid_until.isoformat()
    assert set(data) == {"status", "code", "holder_name", "course", "certificate", "issued_on", "valid_until",
                         "completed_on", "hours", "languages",
                         "issuer", "revoked_reason", "holder_name_confirmed"}
    assert data["holder_name_confirmed"] is False  # claimed without sign-off: the name as typed
    assert data["languages"] == ["en"]
    negotiated = client.get(f"/verify/{certificate.code}", headers={"Accept": "application/json"})
    assert negotiated.get_json() == data
    missing = client.get("/verify/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.json")
    assert missing.status_code == 404 and missing.get_json() == {"status": "not-found"}


def test_verify_expired_revoked_unknown_and_pending(app, session, users, client):
    old = issue(app, session, users.create(), when=datetime.now(UTC) - timedelta(days=800))
    page = client.get(f"/verify/{old.code}")
    assert page.status_code == 200 and "has expired" in page.get_data(as_text=True)
    assert client.get(f"/verify/{old.code}.json").get_json()["status"] == "expired"

    revoked = issue(app, session, users.create())
    admin = users.create(role="admin")
    with app.app_context():
        service.revoke(session, session.get(Certificate, revoked.id), admin, "Issued in error")
    session.commit()
    html = client.get(f"/verify/{revoked.code}").get_data(as_text=True)
    assert "has been revoked" in html and "Issued in error" in html

    for unknown in ("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "nonsense", "x" * 300, "%3Cscript%3E"):
        response = client.get(f"/verify/{unknown}")
        assert response.status_code == 404 and "could not find" in response.get_data(as_text=True)
    assert client.get("/verify", query_string={"code": "not a code"}).status_code == 404

    pending = issue(app, session, users.create(), course_id="signed")
    assert pending.status == "pending" and pending.code is None and pending.pdf is None


def test_verification_is_rate_limited(app, session, users, client):
    app.config["CERTIFICATE_VERIFY_LIMIT"] = 3
    for _ in range(3):
        assert client.get("/verify/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").status_code == 404
    limited = client.get("/verify/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    assert limited.status_code == 429 and "Too many requests" in limited.get_data(as_text=True)
    assert client.get("/verify/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.json").status_code == 429
    other = app.test_client()
    assert other.get("/verify/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                     environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 404


# -- trainees ---------------------------------------------------------------------------------------

def test_my_certificates_and_refresher_due(app, session, users, client):
    user = users.create()
    users.login(user)
    fresh = issue(app, session, user)
    page = client.get("/certificates").get_data(as_text=True)
    assert "Listener" in page and f"/certificates/{fresh.id}/pdf" in page and "Refresher due" not in page
    row = session.get(Certificate, fresh.id)
    row.valid_until = date.today() + timedelta(days=30)
    session.commit()
    assert "Refresher due" in client.get("/certificates").get_data(as_text=True)
    session.get(Certificate, fresh.id).valid_until = date.today() - timedelta(days=1)  # `row` left with the request
    session.commit()
    page = client.get("/certificates").get_data(as_text=True)
    assert "Refresher due" in page and "has expired" in page and "Expired" in page


def test_my_certificates_give_the_code_and_public_check_page_to_share(app, session, users, client):
    user = users.create()
    users.login(user)
    certificate = issue(app, session, user)
    code = session.get(Certificate, certificate.id).code
    page = client.get("/certificates").get_data(as_text=True)
    grouped = "-".join(code[i:i + 4] for i in range(0, len(code), 4))
    assert f'<span class="code">{grouped}</span>' in page
    assert f'href="/verify/{code}"' in page and "Public check page" in page
    # The link is the public page a charity or employer opens, without an account.
    public = app.test_client().get(f"/verify/{code}")
    assert public.status_code == 200 and grouped in public.get_data(as_text=True)


def test_unclaimed_completion_is_offered(app, session, client, trainee):
    complete(session, trainee)
    page = client.get("/certificates").get_data(as_text=True)
    assert "/certificates/claim/listening" in page and "Get your certificate" in page


def test_nobody_downloads_another_trainees_certificate(app, session, users, client):
    owner = users.create()
    certificate = issue(app, session, owner)
    users.login(users.create())
    assert client.get(f"/certificates/{certificate.id}/pdf").status_code == 404
    assert client.get("/certificates/999999/pdf").status_code == 404
    assert client.get("/certificates/manage").status_code == 403
    assert client.get(f"/certificates/manage/{certificate.id}").status_code == 403


def test_retake_creates_a_second_certificate(app, session, users):
    user = users.create()
    first = issue(app, session, user)
    enrolment = Enrolment(user_id=user.id, course_id="listening", cycle=2, completed_at=datetime.now(UTC),
                          completed_version="v2")
    session.add(enrolment)
    session.commit()
    with app.app_context():
        second = service.issue(session, session.get(User, user.id), enrolment, catalog().course("listening"),
                               "Jane Example", current_branding())
    session.commit()
    assert second.id != first.id and second.code != first.code and second.course_version == "v2"


# -- trainers and admins -------------------------------------------------------------------------------

def _cohort(session, trainer, *members) -> Cohort:
    cohort = Cohort(name=f"Cohort of {trainer.display_name}")
    session.add(cohort)
    session.flush()
    session.add(CohortTrainer(cohort_id=cohort.id, user_id=trainer.id))
    session.add_all(CohortMember(cohort_id=cohort.id, user_id=m.id) for m in members)
    session.commit()
    return cohort


def test_trainers_see_only_their_cohorts_certificates(app, session, users, client):
    mine, theirs = users.create(), users.create()
    trainer, other_trainer = users.create(role="trainer"), users.create(role="trainer")
    _cohort(session, trainer, mine)
    _cohort(session, other_trainer, theirs)
    my_cert = issue(app, session, mine, name="Alice Member")
    their_cert = issue(app, session, theirs, name="Bob Outsider")
    users.login(trainer)
    page = client.get("/certificates/manage").get_data(as_text=True)
    assert "Alice Member" in page and "Bob Outsider" not in page
    assert client.get(f"/certificates/manage/{my_cert.id}").status_code == 200
    assert client.get(f"/certificates/{my_cert.id}/pdf").status_code == 200
    token = csrf_token(client, f"/certificates/manage/{my_cert.id}")
    assert client.get(f"/certificates/manage/{their_cert.id}").status_code == 404
    assert client.get(f"/certificates/{their_cert.id}/pdf").status_code == 404
    for action, data in (("approve", {}), ("revoke", {"reason": "x"}), ("reissue", {"holder_name": "X"})):
        response = client.post(f"/certificates/manage/{their_cert.id}/{action}", data={"csrf_token": token, **data})
        assert response.status_code == 404, action
    session.expire_all()
    assert session.get(Certificate, their_cert.id).status == "issued"
    users.logout()
    users.login(users.create(role="admin"))
    page = client.get("/certificates/manage").get_data(as_text=True)
    assert "Alice Member" in page and "Bob Outsider" in page


def test_search_by_name_code_course_status_and_date(app, session, users, client):
    alice = issue(app, session, users.create(), name="Alice Member")
    issue(app, session, users.create(), name="Bob Other", when=datetime.now(UTC) - timedelta(days=40))
    users.login(users.create(role="admin"))

    def names(**query) -> set[str]:
        html = client.get("/certificates/manage", query_string=query).get_data(as_text=True)
        return {n for n in ("Alice Member", "Bob Other") if n in html}

    assert names(q="alice") == {"Alice Member"}
    assert names(q=grouped_code(alice.code)[:9].lower()) == {"Alice Member"}
    assert names(course="listening", status="issued") == {"Alice Member", "Bob Other"}
    assert names(status="revoked") == set()
    assert names(date_from=(date.today() - timedelta(days=7)).isoformat()) == {"Alice Member"}
    assert names(date_to=(date.today() - timedelta(days=7)).isoformat()) == {"Bob Other"}
    assert client.get("/certificates/manage", query_string={"date_from": "not-a-date", "q": "%_"}).status_code == 200


def test_sign_off_then_approve(app, session, users, client):
    trainee_user, trainer = users.create(), users.create(role="trainer")
    _cohort(session, trainer, trainee_user)
    complete(session, trainee_user, course_id="signed")
    users.login(trainee_user)
    html = claim(client, "Pending Person", course_id="signed")
    assert html.status_code == 302
    certificate = only_certificate(session)
    assert certificate.status == "pending" and certificate.code is None
    assert client.get(f"/certificates/{certificate.id}/pdf").status_code == 404
    users.logout()
    users.login(trainer)
    page = client.get("/certificates/manage").get_data(as_text=True)
    assert "Waiting for your sign-off" in page and "Pending Person" in page
    url = f"/certificates/manage/{certificate.id}"
    response = client.post(f"{url}/approve", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    certificate = only_certificate(session)
    assert certificate.status == "issued" and certificate.code and certificate.approved_by_id == trainer.id
    assert certificate.name_confirmed
    assert "Pending Person" in pdf_text(certificate.pdf)
    again = client.post(f"{url}/approve", data={"csrf_token": csrf_token(client, url)}, follow_redirects=True)
    assert "already decided" in again.get_data(as_text=True) or "waiting for sign-off" in again.get_data(as_text=True)
    actions = [e.action for e in session.scalars(select(AuditEntry))]
    assert "certificate.requested" in actions and "certificate.approved" in actions


def test_revoke_needs_a_reason_and_is_audited(app, session, users, client):
    certificate = issue(app, session, users.create())
    admin = users.create(role="admin")
    users.login(admin)
    url = f"/certificates/manage/{certificate.id}"
    empty = client.post(f"{url}/revoke", data={"csrf_token": csrf_token(client, url), "reason": "  "})
    assert empty.status_code == 400 and "Please give a reason" in empty.get_data(as_text=True)
    done = client.post(f"{url}/revoke", data={"csrf_token": csrf_token(client, url), "reason": "Issued in error",
                                              "confirmed": "yes"})
    assert done.status_code == 302
    certificate = only_certificate(session)
    assert certificate.status == "revoked" and certificate.revoked_reason == "Issued in error"
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "certificate.revoked")).one()
    assert entry.actor_id == admin.id and entry.details["reason"] == "Issued in error"
    assert client.get(f"/certificates/{certificate.id}/pdf").status_code == 404


def test_reissue_with_a_corrected_name(app, session, users, client):
    holder = users.create()
    old = issue(app, session, holder, name="Jane Exmple")
    users.login(users.create(role="admin"))
    url = f"/certificates/manage/{old.id}"
    response = client.post(f"{url}/reissue", data={"csrf_token": csrf_token(client, url), "holder_name": "Jane Example",
                                                   "confirmed": "yes"})
    assert response.status_code == 302
    session.expire_all()
    old_row = session.get(Certificate, old.id)
    new_row = session.get(Certificate, old_row.replaced_by_id)
    assert old_row.status == "revoked" and old_row.enrolment_id is None
    assert old_row.revoked_reason == f"Replaced by certificate {grouped_code(new_row.code)}"
    assert (new_row.status == "issued" and new_row.holder_name == "Jane Example"
            and new_row.enrolment_id == old.enrolment_id)
    assert new_row.completed_on == old_row.completed_on and new_row.valid_until == old_row.valid_until
    assert "Jane Example" in pdf_text(new_row.pdf)
    assert session.get(User, holder.id).legal_name == "Jane Example"
    # The old code's page says it was replaced, but never leads to the new certificate or its name.
    verify = client.get(f"/verify/{old.code}").get_data(as_text=True)
    assert "Replaced by a newer certificate" in verify
    assert grouped_code(new_row.code) not in verify and new_row.code not in verify and "Jane Example" not in verify
    as_json = client.get(f"/verify/{old.code}.json").get_data(as_text=True)
    assert grouped_code(new_row.code) not in as_json and "Jane Example" not in as_json
    assert "Ask the holder for the current one." in verify
    # Once the newest copy is revoked too, the old code no longer sends anyone to ask for a current one.
    url = f"/certificates/manage/{new_row.id}"
    client.post(f"{url}/revoke", data={"csrf_token": csrf_token(client, url), "reason": "Issued in error",
                                       "confirmed": "yes"})
    verify = client.get(f"/verify/{old.code}").get_data(as_text=True)
    assert "which has since been revoked." in verify and "Ask the holder" not in verify
    assert "which has since been revoked." in client.get(f"/verify/{old.code}.json").get_data(as_text=True)


UNCHECKED = "The holder gave this name when claiming the certificate; the organisation did not check it."
APPROVED = "A trainer approved this certificate with this name."


def test_verify_says_whether_the_name_was_checked(app, session, users, client):
    """A name typed at a claim without sign-off is said to be unchecked; one a trainer or admin issued (a
    sign-off, a corrected copy) is said to be approved, even once that trainer's account is gone."""
    typed = issue(app, session, users.create(), name="Jane Example")
    page = " ".join(client.get(f"/verify/{typed.code}").get_data(as_text=True).split())
    assert UNCHECKED in page and APPROVED not in page
    admin = users.create(role="admin")
    users.login(admin)
    url = f"/certificates/manage/{typed.id}"
    client.post(f"{url}/reissue", data={"csrf_token": csrf_token(client, url), "holder_name": "Jane Q. Example",
                                        "confirmed": "yes"})
    session.expire_all()
    copy = session.get(Certificate, session.get(Certificate, typed.id).replaced_by_id)
    session.execute(update(Certificate).where(Certificate.id == copy.id).values(approved_by_id=None))
    session.commit()  # as when the admin's account is deleted (SET NULL)
    page = " ".join(client.get(f"/verify/{copy.code}").get_data(as_text=True).split())
    assert APPROVED in page and UNCHECKED not in page
    assert client.get(f"/verify/{copy.code}.json").get_json()["holder_name_confirmed"] is True
    # A name taken off at the holder's request has nothing to say about it.
    session.execute(update(Certificate).where(Certificate.id == copy.id).values(holder_name=""))
    session.commit()
    page = " ".join(client.get(f"/verify/{copy.code}").get_data(as_text=True).split())
    assert "Not shown, at the holder’s request" in page and APPROVED not in page
    assert client.get(f"/verify/{copy.code}.json").get_json()["holder_name_confirmed"] is None


def test_the_migration_marks_certificates_issued_by_a_trainer_as_checked(app, session, users):
    from alembic import command
    from sqlalchemy import text

    from lms.core.db import db

    typed = issue(app, session, users.create(), name="Typed Name")
    approved = issue(app, session, users.create(), name="Approved Name")
    session.execute(update(Certificate).where(Certificate.id == approved.id)
                    .values(approved_by_id=users.create(role="trainer").id))
    session.commit()
    session.close()
    config = db.alembic_config()
    command.downgrade(config, "0013_response_drafts")  # the revision before 0014_name_confirmed
    command.upgrade(config, "heads")
    with db.engine.connect() as connection:
        marked = dict(connection.execute(text("SELECT id, name_confirmed FROM certificates")).all())
    assert marked == {typed.id: False, approved.id: True}


def _field_error(html: str, field_id: str) -> str:
    """The message shown at a field (the `field` macro's error paragraph), "" if none."""
    found = re.search(rf'id="{field_id}-error"[^>]*>(.*?)</p>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else ""


def test_reissue_refuses_a_name_before_asking_to_confirm(app, session, users, client):
    old = issue(app, session, users.create(), name="Sam Okafr")
    users.login(users.create(role="admin"))
    url = f"/certificates/manage/{old.id}"
    typed = "Sam <b>O</b>\x01 Okafor"
    refused = client.post(f"{url}/reissue", data={"csrf_token": csrf_token(client, url), "holder_name": typed})
    html = refused.get_data(as_text=True)
    # The manage page again, the message at the name, what was typed kept: no confirmation asked for a name
    # that the re-issue would then refuse.
    assert refused.status_code == 400 and 'name="confirmed"' not in html
    assert _field_error(html, "holder_name") == "Error: That name contains characters that cannot be printed."
    assert 'value="Sam &lt;b&gt;O&lt;/b&gt;\x01 Okafor"' in html
    # Every rule of the name, once each: too long is said by the form, not again by the service.
    long = client.post(f"{url}/reissue", data={"csrf_token": csrf_token(client, url), "holder_name": "x" * 201})
    assert _field_error(long.get_data(as_text=True), "holder_name") == "Error: Keep it to 200 characters or fewer."
    assert only_certificate(session).status == "issued"
    # A good name is still confirmed first, as the service will print it.
    asked = client.post(f"{url}/reissue", data={"csrf_token": csrf_token(client, url),
                                                "holder_name": "  Sam   Okafor "})
    assert asked.status_code == 200 and 'name="confirmed"' in asked.get_data(as_text=True)
    assert 'name="holder_name" value="Sam Okafor"' in asked.get_data(as_text=True)


def test_a_revoke_reason_with_control_characters_is_refused_at_its_field(app, session, users, client):
    certificate = issue(app, session, users.create())
    admin = users.create(role="admin")
    users.login(admin)
    url = f"/certificates/manage/{certificate.id}"
    refused = client.post(f"{url}/revoke", data={"csrf_token": csrf_token(client, url),
                                                 "reason": "Issued\x01\x1b[31m in error"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'name="confirmed"' not in html
    assert _field_error(html, "reason") == "Error: Your reason contains characters that cannot be shown."
    with pytest.raises(service.ServiceError, match="Your reason contains characters that cannot be shown."):
        service.revoke(session, certificate, admin, "Issued\x07 in error")
    session.rollback()
    # A reason written over two lines is fine (shown on one).
    done = client.post(f"{url}/revoke", data={"csrf_token": csrf_token(client, url),
                                              "reason": "Issued\r\n\tin error", "confirmed": "yes"})
    assert done.status_code == 302
    assert only_certificate(session).revoked_reason == "Issued in error"


def test_bulk_print_from_the_web(app, session, users, client):
    trainer = users.create(role="trainer")
    members = [users.create() for _ in range(3)]
    cohort = _cohort(session, trainer, *members[:2])
    for n, member in enumerate(members):
        issue(app, session, member, name=f"Member Number{n}")
    users.login(trainer)
    token = csrf_token(client, "/certificates/print")
    response = client.post("/certificates/print", data={"csrf_token": token, "cohort": str(cohort.id)})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 2
    text = pdf_text(response.data)
    assert "Member Number0" in text and "Member Number1" in text and "Member Number2" not in text
    # Another trainer's cohort is not theirs to print: not one of the form's choices, said at the field.
    other = _cohort(session, users.create(role="trainer"), members[2])
    refused = client.post("/certificates/print", data={"csrf_token": token, "cohort": str(other.id)})
    assert refused.status_code == 400 and "Choose one of the options in the list." in refused.get_data(as_text=True)
    assert refused.headers["Content-Type"].startswith("text/html")
    nothing = client.post("/certificates/print", data={"csrf_token": token, "course": "advanced"})
    assert nothing.status_code == 200
    assert "No current certificates match (expired ones are not printed)." in nothing.get_data(as_text=True)
    # An expired certificate is not printed with the rest: it would be handed out as if it still counted.
    session.get(Certificate, only_for(session, members[1]).id).valid_until = date.today() - timedelta(days=1)
    session.commit()
    fewer = client.post("/certificates/print", data={"csrf_token": token, "cohort": str(cohort.id)})
    assert "Member Number0" in pdf_text(fewer.data) and "Member Number1" not in pdf_text(fewer.data)
    bad = client.post("/certificates/print", data={"csrf_token": token, "date_from": "31/31/2026"})
    assert bad.status_code == 400 and "Enter the first day as a date, like 2026-03-31." in bad.get_data(as_text=True)


def test_bulk_print_merges_stored_pdfs_without_rendering(app, session, users, monkeypatch, tmp_path):
    certificates = [issue(app, session, users.create(), name=f"Person {n}") for n in range(3)]

    def no_render(*args, **kwargs):
        raise AssertionError("bulk printing must not render")

    monkeypatch.setattr("lms.certificates.document.render_pdf", no_render)
    runner = app.test_cli_runner()
    out = tmp_path / "all.pdf"
    result = runner.invoke(args=["certificates", "print", "--course", "listening", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote 3 certificates" in result.output
    reader = PdfReader(out)
    assert len(reader.pages) == 3
    # Each page is byte-for-byte the stored certificate's content.
    for page, certificate in zip(reader.pages, sorted(certificates, key=lambda c: c.holder_name), strict=False):
        assert page.get_contents().get_data() == (
            PdfReader(io.BytesIO(certificate.pdf)).pages[0].get_contents().get_data())
    today = date.today().isoformat()
    result = runner.invoke(args=["certificates", "print", "--from", today, "--to", today, "-o", str(out)])
    assert result.exit_code == 0 and len(PdfReader(out).pages) == 3
    assert runner.invoke(args=["certificates", "print", "-o", str(out)]).exit_code == 2
    assert runner.invoke(args=["certificates", "print", "--course", "advanced", "-o", str(out)]).exit_code == 1
    # A file that cannot be written: said in a line, before any merging, not a traceback.
    nowhere = runner.invoke(args=["certificates", "print", "--course", "listening", "-o",
                                  str(tmp_path / "no-such-folder" / "all.pdf")])
    assert nowhere.exit_code == 1 and "Cannot write" in nowhere.output and "Traceback" not in nowhere.output
    assert "Merging" not in nowhere.output


def test_a_charity_template_and_logo(app, session, users, tmp_path):
    from lms.certificates import document

    template = tmp_path / "ours.html"
    template.write_text("<html><body><p>Our own design for {{ holder_name }}</p>{% include 'part.html' %}"
                        "<img src='{{ logo_data_url }}' alt=''></body></html>")
    (tmp_path / "part.html").write_text("<p>Code {{ code }}</p>")
    logo = tmp_path / "logo.svg"
    logo.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    )
    app.config.update(CERTIFICATE_TEMPLATE=str(template), CERTIFICATE_LOGO=str(logo))
    document.init_app(app)
    certificate = issue(app, session, users.create(), name="<b>Jane</b>")
    text = pdf_text(certificate.pdf)
    assert "Our own design for <b>Jane</b>" in text and grouped_code(certificate.code) in text
    with app.app_context():
        assert document.current_branding().logo_data_url.startswith("data:image/svg+xml;base64,")
    app.config["CERTIFICATE_TEMPLATE"] = str(tmp_path / "missing.html")
    with pytest.raises(RuntimeError, match="LMS_CERTIFICATE_TEMPLATE"):
        document.init_app(app)


def test_decisions_taken_meanwhile_are_not_overwritten(app, session, users):
    admin = users.create(role="admin")
    old = issue(app, session, users.create(), name="Jane Exmple")
    stale = session.get(Certificate, old.id)
    copy = Certificate(**{c.name: getattr(stale, c.name) for c in Certificate.__table__.columns})
    with app.app_context():
        service.reissue(session, stale, admin, "Jane Example", current_branding())
        session.commit()
        # A second trainer's page still showed it as issued.
        with pytest.raises(service.ServiceError, match="already changed"):
            service.reissue(session, copy, admin, "Jane Other", current_branding())
        session.rollback()
        with pytest.raises(service.ServiceError, match="already revoked"):
            service.revoke(session, copy, admin, "Too late")
        session.rollback()
    session.expire_all()
    assert session.get(Certificate, old.id).revoked_reason.startswith("Replaced by certificate")
    assert len(session.scalars(select(Certificate)).all()) == 2


def test_qr_code_is_one_svg_path():
    from urllib.parse import unquote

    from lms.certificates.qrcode import qr_data_url

    svg = unquote(qr_data_url("http://localhost/verify/" + "A" * 32).split(",", 1)[1])
    assert svg.count("<path") == 1 and "<rect" not in svg


def test_certificate_colour_comes_from_settings_and_is_checked(app, session):
    from lms.core import settings

    with app.app_context():
        settings.put("CERTIFICATE_PRIMARY_COLOUR", "#aa3300", by_user_id=None)
        session.commit()
        assert current_branding().colour == "#aa3300"
        settings.put("CERTIFICATE_PRIMARY_COLOUR", "red; } body { display: none", by_user_id=None)
        session.commit()
        assert current_branding().colour == "#1d4f91"


def test_no_write_lock_is_held_while_the_pdf_renders(app, client, session, trainee, db_backend, monkeypatch):
    """The request's transaction is closed while WeasyPrint makes a certificate, so on SQLite
    (one write lock for the whole database) another worker can write meanwhile."""
    import sqlite3

    from lms.certificates import services as certificate_services
    from lms.core.db import db

    complete(session, trainee)
    path = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    seen: list[str] = []
    real_make_pdf = certificate_services.make_pdf

    def make_pdf_while_another_worker_writes(values):
        seen.append("in transaction" if db.session().in_transaction() else "no transaction")
        if db_backend != "sqlite":
            return real_make_pdf(values)
        other = sqlite3.connect(path, timeout=0.2, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            seen.append("wrote")
        except sqlite3.OperationalError:
            seen.append("locked")
        finally:
            other.close()
        return real_make_pdf(values)

    monkeypatch.setattr(certificate_services, "make_pdf", make_pdf_while_another_worker_writes)
    assert claim(client, "Jane Example").status_code == 302
    assert seen == (["no transaction", "wrote"] if db_backend == "sqlite" else ["no transaction"])
    assert session.scalars(select(Certificate)).one().pdf_sha256


# -- a certificate means what it says (QA pass, 1 December) ------------------------------------------

def test_nobody_signs_off_or_reissues_their_own_certificate(app, session, users, client):
    """A trainer taking the course in their own cohort asks for sign-off like anyone else: another decides."""
    trainer, other = users.create(role="trainer"), users.create(role="trainer")
    _cohort(session, trainer, trainer)
    _cohort(session, other, trainer)
    complete(session, trainer, course_id="signed")
    users.login(trainer)
    assert claim(client, "Tess Trainer", course_id="signed").status_code == 302
    certificate = only_certificate(session)
    url = f"/certificates/manage/{certificate.id}"
    # Not listed as waiting for them, and their own page offers no decision.
    assert "Waiting for your sign-off" not in client.get("/certificates/manage").get_data(as_text=True)
    own_page = client.get(url).get_data(as_text=True)
    assert "This is your own certificate: another trainer or an admin signs it off" in own_page
    assert "Approve and issue" not in own_page and "Refuse this certificate" not in own_page
    refused = client.post(f"{url}/approve", data={"csrf_token": csrf_token(client, url)}, follow_redirects=True)
    assert "You cannot sign off your own certificate" in refused.get_data(as_text=True)
    self_refusal = client.post(f"{url}/revoke", data={"csrf_token": csrf_token(client, url), "reason": "Mine",
                                                      "confirmed": "yes"}, follow_redirects=True)
    assert "You cannot refuse or revoke your own certificate" in self_refusal.get_data(as_text=True)
    assert only_certificate(session).status == "pending"
    users.logout()
    users.login(other)
    assert client.post(f"{url}/approve", data={"csrf_token": csrf_token(client, url)}).status_code == 302
    assert only_certificate(session).approved_by_id == other.id
    users.logout()
    users.login(trainer)
    again = client.post(f"{url}/reissue", data={"csrf_token": csrf_token(client, url), "holder_name": "Someone Else",
                                                "confirmed": "yes"}, follow_redirects=True)
    assert "You cannot re-issue your own certificate" in again.get_data(as_text=True)
    assert only_certificate(session).holder_name == "Tess Trainer"


def test_a_refused_request_reads_as_not_approved_and_cannot_be_claimed_again(app, session, users, client):
    trainee_user, trainer = users.create(), users.create(role="trainer")
    _cohort(session, trainer, trainee_user)
    complete(session, trainee_user, course_id="signed")
    users.login(trainee_user)
    claim(client, "Pending Person", course_id="signed")
    again = client.get("/certificates/claim/signed", follow_redirects=True).get_data(as_text=True)
    assert "You have already asked for this certificate: it is waiting for a trainer’s sign-off." in again
    with app.app_context():
        service.revoke(session, only_certificate(session), trainer, "Please finish the shadow shift first.")
    session.commit()
    page = client.get("/certificates/claim/signed", follow_redirects=True).get_data(as_text=True)
    assert "A trainer did not approve this certificate" in page and "You already have" not in page
    panel = page.split('id="certificates-heading"', 1)[1]
    assert "Not approved" in panel and "Revoked" not in panel and "Valid until" not in panel
    users.logout()
    users.login(trainer)  # the trainer's pages name it the same way
    listing = client.get("/certificates/manage?status=revoked").get_data(as_text=True)
    assert "Not approved" in listing
    detail = client.get(f"/certificates/manage/{only_certificate(session).id}").get_data(as_text=True)
    assert "Not approved" in detail and "Valid until" not in detail


def test_an_expired_certificate_is_not_called_still_valid(app, session, users, client):
    user = users.create()
    old = issue(app, session, user, when=datetime.now(UTC) - timedelta(days=800))
    users.login(user)
    page = client.get("/certificates").get_data(as_text=True)
    assert "still valid" not in page and "genuine, and that it expired" in page
    assert "Was valid until" in page and old.valid_until < date.today()


def test_verify_takes_a_pasted_address_and_digits_for_lookalike_letters(app, session, users, client):
    certificate = issue(app, session, users.create())
    typed = grouped_code(certificate.code).replace("O", "0").replace("I", "1").replace("B", "8")
    pasted = f"https://training.example.org/verify/{certificate.code}"
    grouped = grouped_code(certificate.code)
    for spelling in (typed, pasted, f"  {pasted}.json ", f"{pasted}?lang=cy", f"Code: {grouped}.", f"‹{pasted}›",
                     f"https://training.example.org/verify?code={grouped}", f"“{certificate.code.lower()}”"):
        response = client.get("/verify", query_string={"code": spelling})
        assert response.status_code == 302, spelling
        assert response.headers["Location"].endswith(f"/verify/{certificate.code}"), spelling


def test_a_lookup_through_the_form_counts_once_and_a_refusal_says_when_to_come_back(app, session, users, client):
    app.config["CERTIFICATE_VERIFY_LIMIT"] = 3
    certificate = issue(app, session, users.create())
    for _ in range(3):  # each is the form and then the code's page: one lookup each
        assert client.get("/verify", query_string={"code": certificate.code}, follow_redirects=True).status_code == 200
    limited = client.get(f"/verify/{certificate.code}")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "60"


def test_deleting_an_account_with_its_certificates_revoked_leaves_no_name_on_any(app, session, users, client):
    from lms.privacy import services as privacy

    user = users.create()
    first = issue(app, session, user, name="Old Name")
    admin = users.create(role="admin")
    with app.app_context():
        replacement = service.reissue(session, session.get(Certificate, first.id), admin, "New Name",
                                      current_branding())
    session.commit()
    complete(session, user, course_id="signed")
    users.login(user)
    claim(client, "New Name", course_id="signed")
    refused = session.scalars(select(Certificate).where(Certificate.status == "pending")).one()
    with app.app_context():
        service.revoke(session, refused, admin, "Not yet")
        privacy.delete_account(session, session.get(User, user.id), PASSWORD, revoke_certificates=True)
    session.commit()
    session.expire_all()
    left = session.scalars(select(Certificate)).all()
    assert {c.id for c in left} == {first.id, replacement.id}  # the refused request, never issued, is gone
    assert all(c.holder_name == "" and c.pdf is None and c.status == "revoked" for c in left)
    for code in (first.code, replacement.code):
        data = client.get(f"/verify/{code}.json").get_json()
        assert data["holder_name"] is None and data["status"] == "revoked"


def test_a_completion_too_old_for_a_current_certificate_is_not_issued_expired(app, session, client, trainee):
    complete(session, trainee, when=datetime.now(UTC) - timedelta(days=800))  # valid 12 months: lapsed
    assert "Get your certificate" not in client.get("/certificates").get_data(as_text=True)  # not offered
    response = client.get("/certificates/claim/listening", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "You completed this course long ago: a certificate for it would have been valid only until" in page
    assert "Take the course again to get a current certificate." in page
    sent = client.post("/certificates/claim/listening", data={"legal_name": "Night Owl", "submit": "1",
                                                               "csrf_token": csrf_token(client, "/certificates")})
    assert sent.status_code == 302 and session.scalar(select(Certificate)) is None


def test_the_detail_page_says_whether_the_course_changed_since_not_only_its_version_hash(app, session, users, client):
    certificate = issue(app, session, users.create())
    with app.app_context():
        session.get(Certificate, certificate.id).course_version = catalog().course("listening").version
    session.commit()
    users.login(users.create(role="admin"))
    page = " ".join(client.get(f"/certificates/manage/{certificate.id}").get_data(as_text=True).split())
    assert "Listening basics, as it is now" in page
    session.get(Certificate, certificate.id).course_version = "0123abcd"
    session.commit()
    page = " ".join(client.get(f"/certificates/manage/{certificate.id}").get_data(as_text=True).split())
    assert "as it was before its latest changes (version 0123abcd)" in page
