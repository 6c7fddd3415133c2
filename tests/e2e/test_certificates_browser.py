"""Certificates in a real browser: claim, download, verify; pages accessible at phone width."""
from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from lms.learning.models import Enrolment
from tests.conftest import assert_accessible, browser_log_in

pytestmark = pytest.mark.browser


def _log_in(page, email: str) -> None:
    browser_log_in(page, email)


def test_claim_download_and_verify(page, live_server, users, session):
    user = users.create(email="claim@example.org", display_name="Owl")
    session.add(Enrolment(user_id=user.id, course_id="listening", cycle=1, completed_at=datetime.now(UTC),
                          completed_version="v1"))
    session.commit()
    _log_in(page, "claim@example.org")
    page.goto("/certificates")
    page.get_by_role("link", name="Get your certificate").click()
    assert_accessible(page, "claim form")
    page.get_by_label("Your full name").fill("Zoë Ó Briain")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("figure").filter(has_text="Zoë Ó Briain")).to_be_visible()
    expect(page.locator("#claim-preview")).to_be_focused()  # read out before "Get my certificate", which comes after it
    page.get_by_role("button", name="Get my certificate").click()
    expect(page.get_by_role("status").filter(has_text="ready to download")).to_be_visible()
    assert_accessible(page, "my certificates")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    pdf = download_info.value.path().read_bytes()
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Zoë Ó Briain" in text
    code = text.split("Code ")[-1].split()[0]

    page.get_by_role("button", name="Log out").click()
    page.goto("/verify")
    assert_accessible(page, "verify form")
    page.get_by_label("Certificate code").fill(code.lower())
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_role("heading", name="This certificate is valid")).to_be_visible()
    expect(page.get_by_text("Zoë Ó Briain")).to_be_visible()
    assert_accessible(page, "verification result")


def test_verification_page_at_phone_width(phone_page, live_server):
    phone_page.goto("/verify?code=ABCD-EFGH-nope")
    expect(phone_page.get_by_role("heading", name="We could not find that certificate")).to_be_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    assert_accessible(phone_page, "unknown code at 360 px")


def test_trainer_pages_accessible_at_phone_width(phone_page, live_server, users, session, app):
    from lms.catalog.services import catalog
    from lms.certificates import services as certificates
    from lms.certificates.document import current_branding

    trainee = users.create()
    enrolment = Enrolment(user_id=trainee.id, course_id="listening", cycle=1, completed_at=datetime.now(UTC))
    session.add(enrolment)
    session.commit()
    with app.app_context():
        issued = certificates.issue(session, trainee, enrolment, catalog().course("listening"), "ليلى",
                                    current_branding())
    session.commit()
    users.create(role="admin", email="boss@example.org")
    _log_in(phone_page, "boss@example.org")
    for path in ("/certificates/manage", f"/certificates/manage/{issued.id}", "/certificates/print"):
        phone_page.goto(path)
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360, path
        assert_accessible(phone_page, path)
