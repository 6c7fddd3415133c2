"""Staff screens and the profile (issue 14, items 6 and 8) in a real browser, without JavaScript."""
import pytest
from playwright.sync_api import expect

from tests import factories
from tests.conftest import PASSWORD, assert_accessible, browser_log_in

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 900}}


def _no_script_page(browser, live_server, size: str):
    context = browser.new_context(base_url=live_server.url, viewport=SIZES[size], java_script_enabled=False)
    context.set_default_timeout(10_000)
    return context, context.new_page()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_removing_a_trainee_is_confirmed_on_its_own_page_without_javascript(browser, live_server, users, session,
                                                                           size):
    trainer = users.create(role="trainer", email="sam@example.org", display_name="Sam Trainer")
    alex = users.create(email="alex@example.org", display_name="Alex")
    cohort = factories.make_cohort(session, trainer, name="Spring intake")
    factories.join(session, cohort, alex)
    context, page = _no_script_page(browser, live_server, size)
    browser_log_in(page, "sam@example.org")
    record = f"/trainer/cohorts/{cohort.id}/trainees/{alex.id}"
    page.goto(record)
    page.get_by_role("button", name="Remove Alex from Spring intake").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove Alex from Spring intake?")
    expect(page.get_by_text("Alex keeps their own progress, answers and certificates.")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()  # nothing happened: Alex is still in the cohort
    assert page.url.endswith(record)
    page.get_by_role("button", name="Remove Alex from Spring intake").click()
    page.get_by_role("button", name="Remove Alex").click()
    expect(page.get_by_text("Removed from the cohort. Their own progress is kept.")).to_be_visible()
    session.expire_all()
    assert factories.cohorts.member_of(session, cohort, alex.id) is None
    context.close()


def test_the_profile_form_at_phone_width_without_javascript(browser, live_server, users, session):
    users.create(email="kit@example.org", display_name="Kit")
    users.create(email="taken@example.org", display_name="Taken")
    context, page = _no_script_page(browser, live_server, "phone")
    browser_log_in(page, "kit@example.org")
    page.goto("/account/data")
    page.get_by_role("link", name="Your profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")

    page.get_by_label("Display name").fill("Kit Moss")
    page.get_by_label("Your full name, for certificates").fill("Katherine Moss")
    page.get_by_role("button", name="Save names").click()
    notice = page.locator("#names").get_by_role("status")
    expect(notice).to_have_text("Your names are saved.")
    expect(notice).to_be_focused()
    expect(page.get_by_label("Display name")).to_have_value("Kit Moss")

    page.get_by_label("New email address", exact=True).fill("taken@example.org")
    page.get_by_label("New email address again").fill("taken@example.org")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Change email address").click()
    summary = page.locator("#email").get_by_role("alert")
    expect(summary).to_contain_text("That email address cannot be used for this account.")

    page.goto("/account/data/view")
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    expect(page.get_by_text("Katherine Moss").first).to_be_visible()
    context.close()


def test_the_profile_and_data_pages_reflow_at_phone_width_and_pass_axe(phone_page, users):
    """axe and the width check need scripts, so this walk has JavaScript; the forms above work without."""
    users.create(email="kit@example.org", display_name="Kit")
    browser_log_in(phone_page, "kit@example.org")
    for path in ("/account/profile", "/account/data/view"):
        phone_page.goto(path)
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360, path
        assert_accessible(phone_page, path)


def test_a_confirmation_page_reflows_at_phone_width_and_passes_axe(phone_page, users, session):
    kit = users.create(email="kit@example.org", display_name="Kit")
    session.add(factories.ReflectionEntry(user_id=kit.id, course_id="listening", step_id="welcome",
                                          reflection_id="r-hardest", prompt_text="What is hardest?",
                                          text="Late nights."))
    session.commit()
    browser_log_in(phone_page, "kit@example.org")
    phone_page.goto("/my/reflections")
    phone_page.get_by_role("button", name="Delete").click()
    expect(phone_page.get_by_role("heading", level=1)).to_contain_text("Delete your reflection on")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(phone_page, "confirmation page")
    phone_page.get_by_role("button", name="Delete the reflection").click()
    expect(phone_page.get_by_text("Your reflection is deleted.")).to_be_visible()
