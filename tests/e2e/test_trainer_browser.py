"""A trainer runs a cohort in a real browser: create, assign, invite, watch progress appear; axe on each page."""
import pytest
from playwright.sync_api import expect

from tests.conftest import assert_accessible, browser_log_in, browser_register
from tests.factories import join, play, quick_user

pytestmark = pytest.mark.browser


def _log_in(page, email: str) -> None:
    browser_log_in(page, email)


def test_trainer_invites_a_trainee_and_sees_their_progress(page, browser, live_server, users, session):
    users.create(role="trainer", email="tess@example.org", display_name="Tess Trainer")
    _log_in(page, "tess@example.org")
    page.get_by_role("link", name="Trainer").click()
    assert_accessible(page, "trainer dashboard (empty)")
    page.get_by_role("link", name="Create a cohort").click()
    page.get_by_label("Name").fill("Night moderators, spring intake")
    page.get_by_role("button", name="Create cohort").click()
    expect(page.get_by_role("heading", name="Night moderators, spring intake")).to_be_visible()

    page.get_by_label("Course").select_option("listening")
    page.get_by_role("button", name="Assign course").click()
    expect(page.get_by_role("cell", name="Listening basics", exact=True)).to_be_visible()
    page.get_by_label("A cohort link anyone you give it to can use").check()
    page.get_by_role("button", name="Create invitation").click()
    invite_url = page.get_by_label("For someone new").input_value()
    assert "/register?invite=" in invite_url
    assert_accessible(page, "cohort page with a new invitation")

    trainee_context = browser.new_context(base_url=live_server.url)
    trainee = trainee_context.new_page()
    trainee.set_default_timeout(10_000)
    try:
        trainee.goto(invite_url)
        browser_register(trainee, "Nightowl", "owl@example.org")
        expect(trainee.get_by_role("button", name="Log out (Nightowl)")).to_be_visible()

        page.goto(page.url.split("/trainer/")[0] + "/trainer/")
        page.get_by_role("link", name="Progress").first.click()
        row = page.get_by_role("row").filter(has_text="Nightowl")
        assert "Not started" in row.inner_text()
        assert_accessible(page, "progress table")

        # The trainee starts the course and answers the first step's question.
        trainee.goto("/courses/listening")
        # The course has a content note, so its start button says "Continue" after it.
        trainee.get_by_role("button", name="Continue").or_(
            trainee.get_by_role("button", name="Start the course")).click()
        trainee.get_by_label("It sounds like things feel too much right now.").check()
        trainee.get_by_role("button", name="Check answer").click()
        trainee.wait_for_load_state()
    finally:
        trainee_context.close()

    page.reload()
    row = page.get_by_role("row").filter(has_text="Nightowl")
    assert "In progress" in row.inner_text() and "25%" in row.inner_text()
    row.get_by_role("link", name="Nightowl").click()
    expect(page.get_by_role("heading", name="Nightowl")).to_be_visible()
    assert_accessible(page, "trainee page")


def test_insight_and_admin_pages_are_accessible(page, phone_page, live_server, users, session):
    admin = users.create(role="admin", email="ada@example.org")
    from tests.factories import make_cohort

    cohort = make_cohort(session, admin)
    people = [quick_user(session, f"Trainee {n}") for n in range(3)]
    join(session, cohort, *people)
    play(session, people[0], [("start", 0, 2, False), ("reach-out", 0, 1, False)])
    play(session, people[1], [("start", 2, -1, True), ("secret", 0, 1, False)])
    play(session, people[2], [("start", 1, -2, False)], outcome="fail")
    for tab in (page, phone_page):
        _log_in(tab, "ada@example.org")
        for path in ("/trainer/scenarios/late-post", "/admin/users", f"/trainer/cohorts/{cohort.id}/progress",
                     "/admin/settings", "/admin/audit", "/account/data"):
            tab.goto(path)
            assert_accessible(tab, path)
            if tab is phone_page:
                assert tab.evaluate("document.documentElement.scrollWidth") <= 360, f"{path} scrolls sideways"
    assert page.get_by_text("Red line").count() == 0  # /account/data: nothing of the insight leaks here
    page.goto("/trainer/scenarios/late-post")
    page.locator(".node-insight summary").first.click()  # the per-point detail opens on demand
    expect(page.locator(".choice-bars li.red").first).to_be_visible()


def test_insight_leads_with_where_trainees_go_wrong(page, phone_page, browser, live_server, users, session):
    """Issue 14, item 5: red lines and wrong turns first, filters by GET, labels not ids; axe on phone and desktop."""
    trainer = users.create(role="trainer", email="tess@example.org", display_name="Tess Trainer")
    from tests.factories import make_cohort

    days, nights = make_cohort(session, trainer, "Day shift"), make_cohort(session, trainer, "Night shift")
    ann, dev = quick_user(session, "Ann Example"), quick_user(session, "Dev Example")
    join(session, days, ann)
    join(session, nights, dev)
    play(session, ann, [("start", 2, -1, True), ("secret", 1, 0, False)], outcome="neutral", shared=True)
    play(session, dev, [("start", 0, 2, False), ("reach-out", 1, 0, False)], outcome="neutral", shared=True)
    for tab in (page, phone_page):
        _log_in(tab, "tess@example.org")
        tab.goto("/trainer/scenarios/late-post")
        red = tab.get_by_role("list", name="Red lines crossed")
        assert "Promise to keep it secret" in red.inner_text() and "Ann Example" in red.inner_text()
        wrong = tab.get_by_role("list", name="Most common wrong turns")
        assert "Change the subject" in wrong.inner_text() and "reach-out" not in wrong.inner_text()
        assert_accessible(tab, "insight")
        assert tab.evaluate("document.documentElement.scrollWidth") <= tab.viewport_size["width"]
        if tab is phone_page:  # Welsh says more in the same place: it still reflows at 320 px (WCAG 1.4.10)
            tab.set_viewport_size({"width": 320, "height": 740})
            tab.goto("/language/cy")
            tab.goto("/trainer/scenarios/late-post")
            assert "dros linell goch" in tab.locator(".node-insight summary").first.inner_text()
            assert tab.evaluate("document.documentElement.scrollWidth") <= 320, "Welsh insight scrolls sideways"
            tab.goto("/language/en")
            tab.set_viewport_size({"width": 360, "height": 740})
            tab.goto("/trainer/scenarios/late-post")
        # Filter by cohort without any script: a plain GET form with labels.
        tab.get_by_label("Cohort").select_option(label="Night shift")
        tab.get_by_role("button", name="Show").click()
        assert "cohort=" in tab.url
        assert tab.get_by_role("list", name="Red lines crossed").count() == 0
        expect(tab.get_by_text("No run matching these filters crossed a red line.")).to_be_visible()
        # A bad date typed into the address bar is a message next to the form, not an error page.
        tab.goto("/trainer/scenarios/late-post?start=2026-02-30")
        expect(tab.get_by_text("Enter the first day as a date, like 2026-03-31.").first).to_be_visible()
        assert_accessible(tab, "insight with a bad filter")
        tab.get_by_role("link", name="Clear the filters").click()
        tab.get_by_role("list", name="Red lines crossed").get_by_role("link", name="Ann Example").click()
        expect(tab.get_by_role("heading", name="Ann Example")).to_be_visible()
    # The filters need no script at all.
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        bare = context.new_page()
        _log_in(bare, "tess@example.org")
        bare.goto("/trainer/scenarios/late-post")
        bare.get_by_label("Runs", exact=True).select_option("practice")
        bare.get_by_label("Cohort").select_option(label="Day shift")
        bare.get_by_role("button", name="Show").click()
        assert "Ann Example" in bare.get_by_role("list", name="Red lines crossed").inner_text()
        assert bare.get_by_role("link", name="Dev Example").count() == 0
    finally:
        context.close()
