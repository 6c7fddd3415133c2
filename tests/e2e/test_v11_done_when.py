"""Issue 13's "Done when", end to end in a real browser: a course and a scenario using every format v1.1
construct (FORMAT.md §7) load, play and report correctly.

The content folder is tests/fixtures/v11_all: organisation variables (org.yaml defaults, one overridden by
the site's ORG setting), the site's support contacts, a snippet, review dates, shuffled choices with pinned
ones, responses with and without review, a step a trainer confirms, an assessment with a critical question,
`pool:` and `reveal: mistakes`, and a role-play with pass rules, skills and conditional text.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.conftest import assert_accessible, browser_log_in
from tests.factories import join, make_cohort

pytestmark = pytest.mark.browser

CONTENT = Path(__file__).parent.parent / "fixtures" / "v11_all"
SITE_ORG = {"name": "Harbour Nightline"}  # overrides org.yaml's "Nightline"; escalation_email stays org.yaml's
CONTACTS = [{"name": "Harbour duty lead", "contact": "0800 000 111", "when": "Any time during a shift."}]
RIGHT = {"c-secret": "No, never", "c-lead": "The safeguarding lead at safeguarding@example.org",
         "c-break": "Talking it through at your debrief", "c-tone": "It sounds like tonight feels too much."}
WRONG = {"c-secret": "Yes, always", "c-lead": "Nobody", "c-break": "Keeping it all to yourself", "c-tone": "Cheer up."}
PINNED = "None of these"
SECRET_PROMPT = "Do you promise to keep a secret about risk?"


@pytest.fixture
def content_dir() -> Path:
    return CONTENT


@pytest.fixture
def app_config() -> dict:
    return {"ORG": SITE_ORG, "SUPPORT_CONTACTS": CONTACTS}


def _labels(fieldset) -> list[str]:
    return [" ".join(t.split()) for t in fieldset.locator("label").all_inner_texts()]


def _form(page: Page) -> list[tuple[str, list[str]]]:
    """The assessment form as shown: each question's prompt and its choices' labels, in page order."""
    shown = []
    for fieldset in page.locator("#assessment-form fieldset").all():
        legend = " ".join(fieldset.locator("legend").inner_text().split())
        shown.append((legend.split(": ", 1)[1], _labels(fieldset)))
    return shown


def _question_id(prompt: str) -> str:
    return {"Do you promise": "c-secret", "Who do you tell": "c-lead", "What helps": "c-break",
            "Which reply": "c-tone"}[next(k for k in ("Do you promise", "Who do you tell", "What helps", "Which reply")
                                          if prompt.startswith(k))]


def _answer(page: Page, form: list[tuple[str, list[str]]], wrong: set[str]) -> None:
    for number, (prompt, _labels_shown) in enumerate(form, start=1):
        qid = _question_id(prompt)
        fieldset = page.locator("#assessment-form fieldset").nth(number - 1)
        fieldset.get_by_label((WRONG if qid in wrong else RIGHT)[qid]).check()
    page.get_by_role("button", name="Submit answers").click()


def _result_prompts(page: Page) -> list[str]:
    return [" ".join(t.split()) for t in page.locator("#result .result-prompt").all_inner_texts()]


def _choices(page: Page) -> list[str]:
    buttons = page.get_by_role("group", name="What do you do?").get_by_role("button")
    return [" ".join(b.split()) for b in buttons.all_inner_texts()]


def _choose(page: Page, text: str) -> None:
    page.get_by_role("group", name="What do you do?").get_by_role("button", name=text).click()


def _csv(page: Page, url: str) -> list[dict[str, str]]:
    response = page.request.get(url)
    assert response.status == 200 and response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.body().decode("utf-8-sig"))))


def test_every_v11_construct_loads_plays_and_reports(page, browser, live_server, users, session, app):
    from lms.learning.models import AssessmentAttempt, AssessmentDraw

    trainer = users.create(role="trainer", display_name="Tess Trainer")
    robin = users.create(display_name="Robin")
    cohort = make_cohort(session, trainer, "Night owls", courses=("safety",))
    join(session, cohort, robin)

    # -- the trainer's content page: every variable and where its value comes from; overdue review dates.
    browser_log_in(page, trainer.email)
    page.wait_for_url("**/trainer/needs-you")  # staff land on what is waiting for them
    page.goto("/trainer/content")
    # Overdue reviews are listed below, not counted as problems; the longest-answer cue is `lms check --paths`'s.
    expect(page.get_by_text("0 errors and 0 warnings found")).to_be_visible()
    details = page.get_by_role("table", name="Organisation details the training uses")
    expect(details.get_by_role("row").filter(has_text="org.name")).to_contain_text("Harbour Nightline")
    expect(details.get_by_role("row").filter(has_text="org.name")).to_contain_text("this site's settings")
    expect(details.get_by_role("row").filter(has_text="org.escalation_email")).to_contain_text("default in org.yaml")
    review = page.locator("h2#review + p + ul")
    expect(review).to_contain_text("Course “Safety at Harbour Nightline” safety — due 1 January 2025")
    expect(review).not_to_contain_text("Night handover")  # reviewed 2025-06, every 120 months
    assert_accessible(page, "trainer content page with organisation details and review dates")

    trainee_context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    trainee_context.set_default_timeout(10_000)
    me = trainee_context.new_page()
    try:
        browser_log_in(me, robin.email)
        me.wait_for_url("**/home")

        # -- the course loads with its organisation's values, snippet and support contacts.
        me.goto("/courses/safety")
        expect(me.get_by_role("heading", name="Safety at Harbour Nightline", level=1)).to_be_visible()
        expect(me.get_by_text("tell Harbour Nightline's safeguarding team at safeguarding@example.org")).to_be_visible()
        me.get_by_role("button", name="Start the course").click()

        # -- practice: shuffled once per trainee (stable across reloads), pinned choice last.
        me.goto("/courses/safety/steps/practice")
        question = me.locator("#q-p-first fieldset")
        order = _labels(question)
        assert order[-1] == "Wait for someone else" and len(order) == 5
        me.reload()
        assert _labels(question) == order
        expect(me.locator(".support-contacts")).to_contain_text("Harbour duty lead: 0800 000 111")
        question.get_by_label("Ask them directly about suicide").check()
        me.get_by_role("button", name="Check answer").click()
        expect(me.locator("#q-p-first .feedback.correct")).to_be_visible()
        me.locator("#response-p-note textarea").fill("Hi, I saw your post and I'm here. Are you safe right now?")
        me.get_by_role("button", name="Send response").click()
        expect(me.locator("#response-p-note .response-status")).to_contain_text("Sent")

        # -- a response a trainer reviews.
        me.goto("/courses/safety/steps/written")
        me.locator("#response-first-message textarea").fill("I noticed your post. Are you thinking about suicide?")
        me.get_by_role("button", name="Send response").click()
        expect(me.locator("#response-first-message .response-status")).to_contain_text(
            "Waiting for a trainer to review your response")
        expect(me.get_by_text("promises no secrecy")).to_be_visible()  # the guidance, once submitted

        # -- a step a trainer confirms: marked ready.
        me.goto("/courses/safety/steps/shift")
        expect(me.get_by_text("alongside an experienced moderator at Harbour Nightline")).to_be_visible()
        me.get_by_role("button", name="Ready for a trainer to confirm").click()
        expect(me.locator("#confirmation")).to_contain_text("Waiting for a trainer to confirm")

        # -- the assessment: a draw of 3 (the critical one always in), shuffled, pinned choices last.
        me.goto("/courses/safety/steps/assessment")
        first = _form(me)
        assert len(first) == 3 and any(p == SECRET_PROMPT for p, _ in first)
        for _prompt, labels in first:
            assert labels[-1] == PINNED or _question_id(_prompt) == "c-secret"
        me.reload()
        assert _form(me) == first  # the same attempt: the same questions and order
        _answer(me, first, wrong={"c-secret"})  # everything else right: 66% reaches the 50% mark
        expect(me.get_by_text(
            "Your score reached the pass mark, but some questions must be right to pass.")).to_be_visible()
        missed = me.locator(".critical-missed")
        expect(missed).to_contain_text(SECRET_PROMPT)
        assert _result_prompts(me) == [p for p, _ in first]  # the result lists the questions as the attempt showed them
        result = me.locator("#result")
        expect(result.locator(".right-answer")).to_have_count(0)  # reveal: mistakes, attempts left
        expect(result.get_by_text("No, never")).to_have_count(0)
        assert_accessible(me, "assessment result hiding the answers")

        second = _form(me)  # attempt 2: a new draw and a new order
        assert len(second) == 3 and second != first
        me.reload()
        assert _form(me) == second
        for _prompt, labels in second:
            assert labels[-1] == PINNED or _question_id(_prompt) == "c-secret"
        non_critical = next(_question_id(p) for p, _ in second if _question_id(p) != "c-secret")
        _answer(me, second, wrong={non_critical})  # the critical one right, one other wrong: passes
        expect(me.get_by_text("You passed. Well done.")).to_be_visible()
        assert _result_prompts(me) == [p for p, _ in second]
        expect(me.locator("#result .right-answer")).to_have_count(1)  # passed: the right answer now shows
        expect(me.locator("#result .right-answer")).to_contain_text(RIGHT[non_critical])

        # -- the role-play: shuffled per run, pinned last, pass_forbids, conditional text, skills in the debrief.
        me.goto("/play/night-handover")
        expect(me.get_by_role("heading", name="Night handover at Harbour Nightline")).to_be_visible()
        expect(me.get_by_text("tell Harbour Nightline's safeguarding team")).to_be_visible()
        me.get_by_role("button", name="Start the role-play").click()
        me.wait_for_url("**/play/runs/*")
        shown = _choices(me)
        assert shown[-1] == "Ask another volunteer to deal with it" and len(shown) == 4
        me.reload()
        assert _choices(me) == shown
        _choose(me, "Reply in the public thread")
        _choose(me, "Move to a private message")
        expect(me.get_by_text("moth says the public replies made them feel worse.")).to_be_visible()
        _choose(me, "Ask directly whether they are safe")
        _choose(me, "Hand over with a full note")
        me.wait_for_url("**/debrief")
        expect(me.locator("h2.verdict", has_text="Not passed")).to_be_visible()
        expect(me.get_by_text("a situation a passing run must avoid: “Replying in front of everyone”")).to_be_visible()
        expect(me.get_by_text("You got there, but the public thread still needs tidying up.")).to_be_visible()
        skills = me.get_by_role("region", name="Your score per skill").get_by_role("listitem")
        assert [" ".join(t.split()) for t in skills.all_inner_texts()] == [
            "Listening well: 4 out of 4", "Escalating risk: 3 out of 4"]
        # A practice run reaches the trainers' reports only when the trainee shares it.
        me.get_by_role("button", name="Share this run with my trainers").click()
        me.wait_for_url("**/debrief*")

        me.get_by_role("button", name="Play again").click()
        _choose(me, "Alert the safeguarding lead")
        _choose(me, "Message moth privately")
        expect(me.get_by_text("moth thanks you for getting in touch privately.")).to_be_visible()
        _choose(me, "Ask directly whether they are safe")
        expect(me.get_by_text("The lead already knows, so the handover will be quick.")).to_be_visible()
        _choose(me, "Hand over with a full note")
        me.wait_for_url("**/debrief")
        expect(me.locator("h2.verdict", has_text="Passed")).to_be_visible()
        assert [" ".join(t.split()) for t in skills.all_inner_texts()] == [
            "Listening well: 3 out of 4", "Escalating risk: 4 out of 4"]
        me.get_by_role("button", name="Share this run with my trainers").click()
        me.wait_for_url("**/debrief*")
    finally:
        trainee_context.close()

    # -- what was stored: each attempt's draw (3 questions, the critical one in), and the attempt keyed to it.
    session.expire_all()
    draws = session.scalars(select(AssessmentDraw).order_by(AssessmentDraw.number)).all()
    attempts = session.scalars(select(AssessmentAttempt).order_by(AssessmentAttempt.number)).all()
    assert [d.number for d in draws] == [1, 2] and all(len(d.question_ids) == 3 and "c-secret" in d.question_ids
                                                       for d in draws)
    assert [a.draw_id for a in attempts] == [d.id for d in draws]
    assert [a.critical_missed for a in attempts] == [["c-secret"], []]
    assert [set(a.answers) for a in attempts] == [set(d.question_ids) for d in draws]  # keyed by identity

    # -- the trainer's reports: progress table, trainee page, insight per skill, exports.
    page.goto(f"/trainer/cohorts/{cohort.id}/progress")
    row = page.get_by_role("row").filter(has_text="Robin")
    expect(row).to_contain_text("In progress")
    expect(row).to_contain_text("50%")  # practice and assessment done; the review and the confirmation wait
    row.get_by_role("link", name="Robin").click()
    expect(page.get_by_role("heading", name="Robin", level=1)).to_be_visible()
    steps = page.locator(".trainee-course .steps li")
    expect(steps.filter(has_text="Practice")).to_contain_text("response sent")
    expect(steps.filter(has_text="First message")).to_contain_text("response waiting for review")
    expect(steps.filter(has_text="Shadowed shift")).to_contain_text("ready for a trainer to confirm since")
    attempts_table = page.get_by_role("table", name="Assessment attempts in Safety at Harbour Nightline")
    first_row = attempts_table.get_by_role("row").nth(1)
    expect(first_row).to_contain_text("Not passed")
    expect(first_row).to_contain_text(f"Missed a question that must be right: “{SECRET_PROMPT}”")
    expect(attempts_table.get_by_role("row").nth(2)).to_contain_text("Passed")
    runs = page.locator("section.run")
    expect(runs.nth(1)).to_contain_text("Went where a passing run must not")
    expect(runs.nth(1).locator("dl.skills")).to_contain_text("Listening well")
    expect(runs.nth(0).locator("dl.skills")).to_contain_text("Escalating risk")
    assert_accessible(page, "trainee page with statuses and critical misses")

    page.goto("/trainer/scenarios/night-handover")
    table = page.get_by_role("table", name="Average skill scores per cohort")
    assert table.get_by_role("row", name="Night owls").inner_text().split() == ["Night", "owls", "1", "3.0", "4.0"]

    base = f"/trainer/cohorts/{cohort.id}"
    attempts_csv = _csv(page, f"{base}/assessments.csv")
    assert [(r["Name"], r["Attempt"], r["Result"], r["Critical questions missed"]) for r in attempts_csv] == [
        ("Robin", "1", "Not passed", SECRET_PROMPT), ("Robin", "2", "Passed", "")]
    skills_rows = _csv(page, f"{base}/skills.csv")
    assert [
        (r["Name"], r["Role-play"], r["Result"], r["Skill"], r["Score"], r["Best possible"]) for r in skills_rows
    ] == [
        ("Robin", "Night handover at Harbour Nightline", "Passed", "Listening well", "3", "4"),
        ("Robin", "Night handover at Harbour Nightline", "Passed", "Escalating risk", "4", "4")]
