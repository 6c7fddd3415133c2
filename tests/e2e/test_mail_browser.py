"""Issue 15 item 7 in a real browser: a trainer invites by email, the email arrives over SMTP, the trainee
follows its link, registers and sees the assigned course; time moves, the due-date reminder arrives once."""
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.conftest import assert_accessible, browser_log_in, browser_register, mail_config
from tests.factories import TODAY, run_jobs

pytestmark = pytest.mark.browser
DUE = TODAY + timedelta(days=20)


@pytest.fixture
def app_config(smtp_server):
    return mail_config(smtp_server)




def test_invitation_by_email_to_assigned_course_and_one_reminder(page, browser, live_server, app, users,
                                                                  smtp_server):
    users.create(role="trainer", email="tess@example.org", display_name="Tess Trainer")
    browser_log_in(page, "tess@example.org")
    page.get_by_role("link", name="Trainer").click()
    page.get_by_role("link", name="Create a cohort").click()
    page.get_by_label("Name").fill("Night moderators, spring intake")
    page.get_by_role("button", name="Create cohort").click()
    page.get_by_label("Course").select_option("listening")
    page.get_by_label("Due date (optional)").fill(DUE.isoformat())
    page.get_by_role("button", name="Assign course").click()
    page.get_by_label("Their email (optional, personal links only)").fill("owl@example.org")
    page.get_by_label("Email this invitation to them").check()
    page.get_by_role("button", name="Create invitation").click()
    expect(page.get_by_text("queued to be emailed to owl@example.org").first).to_be_visible()
    assert_accessible(page, "cohort page after emailing an invitation")
    assert smtp_server.messages == []

    run_jobs(app)
    [invitation] = smtp_server.to("owl@example.org")
    text = invitation.get_body(("plain",)).get_content()
    link = next(u for u in re.findall(r"https?://\S+", text) if "/register?invite=" in u)

    trainee_context = browser.new_context(base_url=live_server.url)
    trainee = trainee_context.new_page()
    trainee.set_default_timeout(10_000)
    try:
        parts = urlsplit(link)
        trainee.goto(f"{parts.path}?{parts.query}")
        expect(trainee.get_by_role("heading", name=re.compile("invited to join Night moderators, spring intake "
                                                              "at Harbourside Trust"))).to_be_visible()
        browser_register(trainee, "Nightowl", "owl@example.org")
        trainee.get_by_role("link", name="My training").click()
        assigned = trainee.get_by_role("region", name="Assigned to you")
        expect(assigned.get_by_role("heading", name="Listening basics")).to_be_visible()
        expect(assigned.get_by_text("assigned by Tess Trainer")).to_be_visible()
        expect(assigned.get_by_text(f"Due in 20 days ({DUE.day} {DUE:%B %Y})")).to_be_visible()
        assert_accessible(trainee, "my training with an assigned course")
    finally:
        trainee_context.close()

    # Time moves forward: the day before the due date, the reminder arrives once, and never twice.
    for _ in range(2):
        run_jobs(app, DUE - timedelta(days=1))
    reminders = [m for m in smtp_server.to("owl@example.org") if "due tomorrow" in str(m["Subject"])]
    assert len(reminders) == 1
    assert "Listening basics" in reminders[0].get_body(("plain",)).get_content()
