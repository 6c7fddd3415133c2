"""The moments that matter (issue 14), walked in a real browser at phone and desktop sizes.

Completion, confirmations and errors show next to what the person acted on, with the focus
moved to them so that screen readers read them out; all of it without JavaScript.
"""
import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.conftest import assert_accessible, browser_log_in

pytestmark = pytest.mark.browser

DEVICES = ["page", "phone_page"]


def _focused_and_in_view(page: Page, locator) -> None:
    expect(locator).to_be_focused()
    expect(locator).to_be_in_viewport()


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("javascript", [True, False])
def test_completing_by_the_last_answer_shows_the_panel_where_the_trainee_is(request, browser, live_server, users,
                                                                              session, device, javascript):
    size = {"width": 360, "height": 740} if device == "phone_page" else {"width": 1280, "height": 900}
    context = browser.new_context(base_url=live_server.url, viewport=size, java_script_enabled=javascript)
    page = context.new_page()
    trainee = users.create(email="wren@example.org", display_name="Wren")
    done = ("welcome", "practice", "roleplay")
    factories.answer_practice(session, factories.enrol(session, trainee, steps=done), done)
    browser_log_in(page, "wren@example.org")
    page.goto("/courses/listening/steps/assessment")
    page.get_by_label("No", exact=True).check()
    page.get_by_label("The safeguarding lead").check()
    page.get_by_role("button", name="Submit answers").click()

    panel = page.locator(".completion-panel")
    expect(panel.get_by_role("heading", name="Well done: you have completed “Listening basics”.")).to_be_visible()
    _focused_and_in_view(page, panel)
    panel.get_by_role("link", name="Get your certificate").click()
    expect(page).to_have_url(f"{live_server.url}/certificates/claim/listening")
    context.close()


@pytest.mark.parametrize("device", DEVICES)
def test_confirmations_and_errors_sit_next_to_what_was_acted_on(request, users, session, device):
    page: Page = request.getfixturevalue(device)
    trainee = users.create(email="finch@example.org", display_name="Finch")
    factories.enrol(session, trainee)
    browser_log_in(page, "finch@example.org")

    # A reflection saved: said inside the reflection, focused.
    page.goto("/courses/listening/steps/welcome")
    page.get_by_label("What would you find hardest about listening?").fill("Silence.")
    page.get_by_role("button", name="Save reflection").click()
    saved = page.locator("#reflection-r-hardest").get_by_role("status")
    expect(saved).to_have_text("Your reflection is saved. Only you can see it.")
    _focused_and_in_view(page, saved)
    expect(page.locator(".flashes")).to_have_count(0)  # not repeated at the top
    assert_accessible(page, "reflection saved")

    # Account deletion without the box ticked: one error summary at the top of the form, focused, linking to the field.
    page.goto("/account/data")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Delete my account").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    _focused_and_in_view(page, summary)
    summary.get_by_role("link", name="Tick this box to confirm.").click()
    expect(page.get_by_label("I understand that this cannot be undone")).to_be_focused()
    assert_accessible(page, "account deletion error")


def test_a_missing_revoke_reason_is_announced_at_the_revoke_form(page: Page, app, users, session):
    trainer = users.create(role="admin", email="lead@example.org")
    trainee = users.create(email="owl@example.org")
    certificate = factories.issue(app, session, trainee)
    browser_log_in(page, trainer.email)
    page.goto(f"/certificates/manage/{certificate.id}")
    page.get_by_role("button", name="Revoke certificate").click()
    summary = page.locator("#revoke").get_by_role("alert")
    expect(summary).to_contain_text("Please give a reason.")
    _focused_and_in_view(page, summary)
    page.get_by_label("Reason").fill("Issued in error.")
    page.get_by_role("button", name="Revoke certificate").click()
    page.get_by_role("button", name="Revoke the certificate").click()  # the confirmation page
    done = page.locator("#certificate-actions").get_by_role("status")
    expect(done).to_contain_text("The certificate is revoked.")
    _focused_and_in_view(page, done)


def _play_red_line_to_the_good_ending(page: Page) -> None:
    page.goto("/play/late-post")
    page.get_by_role("button", name="Start the role-play").click()
    page.get_by_role("link", name="Show the message").click()
    for choice in ("Promise to keep it secret", "Tell them you need to get help after all"):
        page.get_by_role("group", name="What do you do?").get_by_role("button", name=choice).click()
    page.wait_for_url("**/debrief")


@pytest.mark.parametrize("device", DEVICES)
def test_the_debrief_leads_with_one_verdict_then_the_checkin_then_the_path(request, users, device):
    page: Page = request.getfixturevalue(device)
    browser_log_in(page, users.create(email="tern@example.org").email)
    _play_red_line_to_the_good_ending(page)

    main = page.get_by_role("main")
    text = main.inner_text()
    assert "passing ending" not in text
    expect(page.locator(".verdict")).to_have_text("Not passed ✗")
    # verdict, score, next actions; then the check-in; then the path.
    assert text.index("Not passed") < text.index("Your score:") < text.index("Play again") \
        < text.index("A moment for you") < text.index("The path you took")
    path = page.locator(".debrief-path-details")
    recommended = path.get_by_text("Recommended here: Reach out privately")
    if device == "phone_page":
        expect(recommended).to_be_hidden()  # collapsed on a phone
        path.locator("> summary").click()
    expect(recommended).to_be_visible()
    # The ending's words come with the path, away from the verdict.
    text = main.inner_text()
    assert text.index("How the conversation ended") > text.index("The path you took")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    assert_accessible(page, "debrief with one verdict")

    # Struggling: listening services before emergency numbers.
    page.get_by_label("Struggling").check()
    page.get_by_role("button", name="Save my check-in").click()
    # all_inner_texts does not wait: wait for the page the check-in leads to, with its contacts.
    expect(page.locator(".support-now .contact h3").filter(has_text="Samaritans")).to_be_visible()
    names = page.locator(".support-now .contact h3").all_inner_texts()
    assert names.index("Samaritans") < names.index("Emergency services") and names[-1] == "Emergency services"

    # The role-plays list never calls this run's ending its best: it did not pass.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Role-plays").click()
    card = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name="A late post"))
    expect(card).to_contain_text("not passed yet")
    expect(card).not_to_contain_text("best ending")


@pytest.mark.parametrize("device", DEVICES)
def test_pausing_keeps_everything_without_javascript(browser, live_server, users, session, device):
    size = {"width": 360, "height": 740} if device == "phone_page" else {"width": 1280, "height": 900}
    context = browser.new_context(base_url=live_server.url, viewport=size, java_script_enabled=False)
    page = context.new_page()
    trainee = users.create(email="kite@example.org")
    factories.enrol(session, trainee, steps=("welcome",))
    browser_log_in(page, "kite@example.org")

    # An assessment half answered, then a break: the answer is there on return, not submitted.
    page.goto("/courses/listening/steps/assessment")
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Take a break").click()
    expect(page.get_by_text("Your place and what you had written or chosen are saved.")).to_be_visible()
    page.goto("/courses/listening/steps/assessment")
    expect(page.get_by_label("No", exact=True)).to_be_checked()
    expect(page.get_by_text("Your result")).to_have_count(0)

    # A reflection being written, then a break: the words are kept.
    page.goto("/courses/listening/steps/welcome")
    page.get_by_label("What would you find hardest about listening?").fill("Not knowing what to say.")
    page.get_by_role("button", name="Take a break").click()
    page.goto("/courses/listening/steps/welcome")
    expect(page.get_by_label("What would you find hardest about listening?")).to_have_value("Not knowing what to say.")

    # A role-play paused: its way back in and a way to start over, at the top; the player shows how far it has come.
    page.goto("/play/late-post")
    page.get_by_role("button", name="Start the role-play").click()
    expect(page.get_by_text("Choice 1 of about 2")).to_be_visible()
    page.get_by_role("link", name="Skip to the choices").click()
    page.get_by_role("group", name="What do you do?").get_by_role("button", name="Reach out privately").click()
    expect(page.get_by_text("Choice 2 of 2")).to_be_visible()
    page.get_by_role("link", name="Pause").click()
    start = page.locator("#start")
    expect(start.get_by_role("status")).to_contain_text("Your place is kept")
    expect(start.get_by_role("link", name="Resume where you left off")).to_be_in_viewport()
    expect(start.get_by_role("button", name="Start again from the beginning")).to_be_in_viewport()
    context.close()  # axe needs JavaScript: it runs on these pages in the tests above


@pytest.mark.parametrize("javascript", [True, False])
def test_a_message_with_no_place_of_its_own_takes_the_focus_at_the_top(browser, live_server, users, javascript):
    """Saved choices, a role changed, a cohort created: the message showed at the top of the next page, but the
    focus stayed on the page itself, so a screen reader never read it out."""
    context = browser.new_context(base_url=live_server.url, java_script_enabled=javascript)
    page = context.new_page()
    users.create(email="robin@example.org", display_name="Robin")
    browser_log_in(page, "robin@example.org")
    page.goto("/account/reminders")
    page.get_by_role("button", name="Save my choices").click()
    message = page.locator(".flashes")
    expect(message).to_contain_text("Your reminder choices are saved.")
    _focused_and_in_view(page, message)
    context.close()
