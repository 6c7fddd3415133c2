"""The coaching loop in a real browser (issue 16, item 8), on a 360 px phone and on a desktop.

A trainee writes a response and plays a course role-play; the trainer marks the
response "try again" and comments on the red-line choice; the trainee sees both,
replies and resubmits; the trainer marks it met and confirms the practical step,
and the course completes. A contact request made after a check-in reaches the
trainer's "needs you" page and is followed up. axe runs on each new page.
"""
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import assert_accessible, browser_log_in
from tests.factories import join, make_cohort

pytestmark = pytest.mark.browser

COACHING = Path(__file__).parent.parent / "fixtures" / "coaching"
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture
def content_dir() -> Path:
    return COACHING


def _tab(browser, live_server, viewport: str) -> Page:
    phone = viewport == "phone"
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS[viewport], is_mobile=phone,
                                  has_touch=phone)
    context.set_default_timeout(10_000)
    return context.new_page()


def _fits(page: Page, what: str) -> None:
    """Nothing wider than the screen: the page reflows instead of scrolling sideways."""
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{what} scrolls sideways"


def _check(page: Page, what: str) -> None:
    _fits(page, what)
    assert_accessible(page, what)


def _said_here(page: Page, where: str, message: str) -> None:
    """The message about what was just done is beside it, focused and on screen, not at the top of a long page."""
    notice = page.locator(where).locator(".notice", has_text=message)
    expect(notice).to_be_focused()
    expect(notice).to_be_in_viewport()


@pytest.mark.all_databases
@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_coaching_loop(browser, live_server, users, session, viewport):
    tess = users.create(role="trainer", email="tess@example.org", display_name="Tess Trainer")
    owl = users.create(email="owl@example.org", display_name="Nightowl")
    cohort = make_cohort(session, tess, name="Spring intake", courses=("coaching",))
    join(session, cohort, owl)
    trainee, trainer = _tab(browser, live_server, viewport), _tab(browser, live_server, viewport)
    try:
        # -- the trainee writes, plays, checks in and asks for a conversation
        browser_log_in(trainee, "owl@example.org")
        trainee.goto("/courses/coaching")
        trainee.get_by_role("button", name="Start the course").click()
        expect(trainee.get_by_text("Your group’s trainers will read this, unlike a reflection.")).to_be_visible()
        trainee.get_by_role("textbox", name="Write the first private message").fill("Hi moth, how are you?")
        trainee.get_by_role("button", name="Send response").click()
        expect(trainee.get_by_text("Waiting for a trainer to review your response").first).to_be_visible()
        expect(trainee.get_by_role("heading", name="What a good response includes")).to_be_visible()

        trainee.goto("/courses/coaching/steps/roleplay")
        trainee.get_by_role("button", name="Start the role-play").click()
        trainee.get_by_role("button", name="Promise to keep it secret").click()
        expect(trainee.get_by_text("You crossed a red line: Promise to keep it secret.")).to_be_visible()
        trainee.get_by_label("Struggling").check()
        trainee.get_by_role("button", name="Save my check-in").click()
        trainee.get_by_label("I’d like my trainer to get in touch").check()
        trainee.get_by_label("A note for your trainer (optional)").fill("Could we talk before my next shift?")
        trainee.get_by_role("button", name="Ask my trainer").click()
        expect(trainee.get_by_text("Your trainers can see that you would like them to get in touch").first
               ).to_be_visible()
        _said_here(trainee, "#contact-request", "Your request is sent.")
        _check(trainee, "debrief with a contact request")
        debrief_url = trainee.url.split("#")[0]

        trainee.goto("/courses/coaching/steps/shift")
        trainee.get_by_role("button", name="Ready for a trainer to confirm").click()

        # -- the trainer: needs you, mark "try again", comment on the red-line choice, follow up
        browser_log_in(trainer, "tess@example.org")
        nav = trainer.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Needs you 3 waiting")).to_be_visible()
        nav.get_by_role("link", name="Needs you").click()
        contacts = trainer.get_by_role("region", name="Asked you to get in touch (1)")
        expect(contacts.get_by_text("Could we talk before my next shift?")).to_be_visible()
        expect(trainer.get_by_text("Struggling")).to_have_count(0)  # the check-in itself never shows
        _check(trainer, "needs you")
        trainer.get_by_role("link", name="Review the response of Nightowl").click()
        expect(trainer.get_by_text("Hi moth, how are you?")).to_be_visible()
        expect(trainer.get_by_text("promises no secrecy")).to_be_visible()  # the marking guide beside it
        _check(trainer, "review a response")
        trainer.get_by_label("Try again").check()
        trainer.get_by_label("Comment for the trainee").fill("Ask directly about suicide.")
        trainer.get_by_role("button", name="Save verdict").click()
        expect(trainer.get_by_text("Marked.")).to_be_visible()

        trainer.goto("/trainer/needs-you")
        trainer.get_by_role("link", name="Nightowl", exact=True).first.click()  # the name opens their record
        trainer.get_by_role("link", name="Comment on this run").click()
        expect(trainer.get_by_text("Red line").first).to_be_visible()
        trainer.get_by_label("Comment on choice 1").fill("Secrecy would tie your hands here, Nightowl.")
        trainer.locator("#choice-0").get_by_role("button", name="Add comment").click()
        expect(trainer.get_by_text("Comment added.")).to_be_visible()
        _said_here(trainer, "#choice-0", "Comment added.")
        _check(trainer, "comments on a run")

        trainer.goto("/trainer/needs-you")
        trainer.get_by_role("button", name="Mark as followed up").click()
        expect(trainer.get_by_text("Marked as followed up.")).to_be_visible()
        expect(trainer.get_by_text("Nobody is waiting to hear from you.")).to_be_visible()

        # -- the trainee sees both, replies once and resubmits
        trainee.goto("/my-training")
        feedback = trainee.get_by_role("region", name="Feedback from your trainers")
        expect(feedback.get_by_text("Ask directly about suicide.")).to_be_visible()
        expect(feedback.get_by_text("Secrecy would tie your hands here, Nightowl.")).to_be_visible()
        _check(trainee, "my training with feedback")
        trainee.goto(debrief_url)
        expect(trainee.get_by_text("Secrecy would tie your hands here, Nightowl.")).to_be_visible()
        expect(trainee.get_by_text("A trainer marked your request as followed up.")).to_be_visible()
        # An empty reply is refused: the message is at the box, focused and on screen, and the box is marked.
        trainee.get_by_role("button", name="Send reply").click()
        reply = trainee.get_by_label("Your reply (optional)")
        error = trainee.locator(".comment-thread .field.has-error .error", has_text="Write your reply first.")
        expect(error).to_be_focused()
        expect(error).to_be_in_viewport()
        expect(reply).to_have_attribute("aria-invalid", "true")
        expect(reply).to_have_accessible_description(
            "You can reply once; your trainer reads it. Error: Write your reply first.")
        _check(trainee, "debrief with a refused reply")
        reply.fill("Understood, I will not do that again.")
        trainee.get_by_role("button", name="Send reply").click()
        expect(trainee.get_by_text("Your reply is sent to your trainer.")).to_be_visible()
        _said_here(trainee, ".comment-thread", "Your reply is sent to your trainer.")
        expect(trainee.get_by_label("Your reply (optional)")).to_have_count(0)  # once per thread

        trainee.goto("/courses/coaching/steps/written")
        expect(trainee.get_by_text("Ask directly about suicide.")).to_be_visible()
        trainee.get_by_role("textbox", name="Write the first private message").fill(
            "Hi moth. Are you thinking about suicide? I can't keep this secret, but I can help you get support now.")
        trainee.get_by_role("button", name="Send changes").click()

        # -- the trainer marks it met and confirms the shadowed shift; the course completes
        trainer.goto("/trainer/reviews")
        expect(trainer.get_by_text("Changed after “Try again”")).to_be_visible()
        _check(trainer, "review queue")
        trainer.get_by_role("link", name="Nightowl: First message").click()
        expect(trainer.get_by_text("Understood, I will not do that again.")).to_have_count(0)  # a reply is elsewhere
        trainer.get_by_label("Meets the standard").check()
        trainer.get_by_role("button", name="Save verdict").click()
        expect(trainer.get_by_text("No responses are waiting for a review")).to_be_visible()

        trainer.goto("/trainer/confirmations")
        _check(trainer, "steps to confirm")
        trainer.get_by_label("Note for Nightowl (optional)").fill("Well done on your first shift.")
        trainer.get_by_role("button", name="Confirm Nightowl").click()
        expect(trainer.get_by_text("Step confirmed.")).to_be_visible()
        expect(trainer.get_by_text("Nobody is waiting for a confirmation.")).to_be_visible()
        trainer.goto("/trainer/needs-you")
        expect(trainer.get_by_role("navigation", name="Main").get_by_role("link", name="Needs you", exact=True)
               ).to_be_visible()  # nothing waiting: no count

        trainee.goto("/my-training")
        completed = trainee.get_by_role("region", name="Completed")
        expect(completed.get_by_text("Coaching loop")).to_be_visible()
        expect(trainee.get_by_text("Well done on your first shift.")).to_be_visible()
    finally:
        trainee.context.close()
        trainer.context.close()


def test_sharing_a_practice_run_is_confirmed_where_the_button_was(phone_page, live_server, users, session):
    tess = users.create(role="trainer", email="tess@example.org", display_name="Tess Trainer")
    owl = users.create(email="owl@example.org", display_name="Nightowl")
    join(session, make_cohort(session, tess, name="Spring intake", courses=()), owl)
    page = phone_page
    browser_log_in(page, "owl@example.org")
    page.goto("/play/tough-night")
    page.get_by_role("button", name="Start").first.click()
    page.get_by_role("button", name="Promise to keep it secret").click()
    page.get_by_role("button", name="Share this run with my trainers").click()
    _said_here(page, "#trainer-comments", "Shared with your trainers: they can read this run and comment on it.")
    page.get_by_role("button", name="Stop sharing this run").click()
    _said_here(page, "#trainer-comments", "This run is private again: your trainers can no longer see it.")
    _fits(page, "debrief after sharing")
