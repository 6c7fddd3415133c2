"""Certificates: issue, the PDF, verification, trainees' and trainers' pages."""
from __future__ import annotations

import io
import re
import subprocess
from datetime import date, datetime, timedelta, timezone

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from lms.catalog import catalog
from lms.models import AuditEntry, Certificate, Cohort, CohortMember, CohortTrainer, Enrolment, User
from lms.services import certificates as service
from tests.conftest import csrf_token


def complete(session, user, course_id="listening", cycle=1, when=None) -> Enrolment:
    """A completed enrolment, as the progress service would leave it."""
    enrolment = Enrolment(user_id=user.id, course_id=course_id, cycle=cycle,
                          completed_at=when or datetime.now(timezone.utc), completed_version="v-test")
    session.add(enrolment)
    session.commit()
    return enrolment


def claim(client, name: str, course_id: str = "listening"):
    url = f"/certificates/claim/{course_id}"
    return client.post(url, data={"legal_name": name, "submit": "1", "csrf_token": csrf_token(client, url)})


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


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
    preview = client.post(url, data={"legal_name": "Siân Llŵyd", "preview": "1", "csrf_token": csrf_token(client, url)})
    assert preview.status_code == 200 and "Siân Llŵyd" in preview.get_data(as_text=True)
    assert session.scalars(select(Certificate)).first() is None

    response = claim(client, "  Siân   Llŵyd ")
    assert response.status_code == 302
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
    assert session.scalars(select(Certificate)).all() == [certificate]


def test_name_is_prefilled_and_claim_needs_a_completion(app, client, session, trainee):
    assert client.get("/certificates/claim/listening").status_code == 404  # not completed
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

