"""No page scrolls sideways at 320 CSS px (WCAG 1.4.10 Reflow): every page type, every role, real data.

The pages are every GET route of the app (read from `app.url_map`, so a new page is
checked the day it is added), filled with records of a lived-in world: long names and
unbroken words, several cohorts, invitations with long addresses, tables of trainees,
certificates in every state, a role-play debrief, insight, the audit log, admin users,
settings and error pages. Tables may scroll inside their own labelled, focusable box
(what WCAG allows for data tables); the page itself may not.
"""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.admin import audit
from lms.catalog.services import catalog
from lms.coaching.models import ContactRequest, RunComment
from lms.cohorts import services as cohorts
from lms.cohorts.models import Invite
from lms.core.models import utcnow
from lms.learning.models import ReflectionEntry
from tests.conftest import PASSWORD, assert_accessible
from tests.factories import TODAY, certify, enrol, join, make_cohort, play, quick_user

pytestmark = pytest.mark.browser

WIDTH = 320
LONG_WORD = "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch"
LONG_NAME = f"Mali Bartholomew-{LONG_WORD}"  # 75 characters: display names stop at 80
LONG_EMAIL = f"maximiliana.bartholomew.{LONG_WORD.lower()}@volunteers.example.org"
COHORT_NAMES = [
    f"Night moderators, spring intake 2026 — {LONG_WORD} and the Valleys",
    "Peer supporters (weekend helpline, Cardiff, Swansea and Newport)",
    "Archive of the winter pilot",
]
# Routes that are not pages: files, redirects only, machine-readable answers.
NOT_PAGES = {"static", "main.favicon"}

# What the widest elements are, when the page is too wide: the first few, named so a failure says where to look.
WIDEST = """() => {
  const w = window.innerWidth, out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > w + 0.5 && !el.closest('.table-wrap, .visually-hidden')) {
      out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
               (el.className && typeof el.className === 'string'
                 ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
               ' right=' + Math.round(r.right));
    }
  }
  return out.slice(0, 6);
}"""


def _world(app, session, users, role: str) -> tuple[dict[str, str], list[str], str | None]:
    """Records for every URL argument, as `role` sees them; extra URLs; the email to log in with."""
    me = None if role == "guest" else users.create(
        role=role, email=f"{role}-{LONG_EMAIL}"[:200],
        display_name=f"{LONG_NAME} ({role})"[:80] if role != "trainee" else LONG_NAME)
    owner = me if role in ("trainer", "admin") else quick_user(session, "Angharad Llewellyn-Pritchard", role="trainer")
    groups = [make_cohort(session, owner, name, courses=("listening", "advanced"),
                          due_on=TODAY + timedelta(days=n * 9 - 3))
              for n, name in enumerate(COHORT_NAMES)]
    cohorts.set_archived(session, owner, groups[2], True)
    cohort = groups[0]
    names = [(LONG_NAME + " Junior")[:80], "Siôn Rhys ap Gruffydd", "Zoë Ødegård-Nakamura", "李小龙", "Owl",
             "Ngozi Chukwuemeka-Adebayo", "An Unusually Long Pseudonym Without Breaks Whatsoever"]
    trainees = [quick_user(session, name) for name in names]
    member = me if role == "trainee" else trainees[0]
    join(session, cohort, member, *[t for t in trainees if t is not member])
    join(session, groups[1], *trainees[:3])
    enrolment = enrol(session, member, steps=("welcome", "practice"))
    for n, trainee in enumerate(trainees[1:], start=1):
        enrol(session, trainee, steps=("welcome", "practice", "roleplay", "assessment")[: n % 5], completed=n % 3 == 0)
    pending = certify(session, member, status="pending", enrolment=enrolment)
    certify(session, member, course_id="advanced", valid_until=TODAY + timedelta(days=20), code=f"code-adv-{member.id}")
    revoked = certify(session, trainees[1], code=f"code-rev-{trainees[1].id}")
    revoked.status, revoked.revoked_at = "revoked", utcnow()
    revoked.revoked_reason = "Issued to the wrong person by mistake; a new one is on its way."
    for trainee in trainees[2:5]:
        certify(session, trainee, valid_until=TODAY + timedelta(days=400))
    finished = play(session, member, [("start", 2, -1, True), ("secret", 1, 0, False)], outcome="pass", shared=True)
    unfinished = play(session, member, [("start", 0, 2, False)], finished=False, shared=True)
    for trainee in trainees[1:]:
        play(session, trainee, [("start", 0, 2, False), ("reach-out", 0, 1, False)], shared=True)
        play(session, trainee, [("start", 2, -1, True)], outcome="fail", shared=True)
    entry = ReflectionEntry(user_id=member.id, course_id="listening", step_id="welcome", reflection_id="r-hardest",
                            prompt_text="What is hardest?", text=f"{LONG_WORD} " * 20)
    session.add(entry)
    comment = RunComment(run_id=finished.id, author_id=owner.id, author_name=owner.display_name,
                         text=f"Well held at the start; {LONG_WORD}. https://example.org/{'a' * 80}")
    request = ContactRequest(user_id=member.id, note_for_trainer=f"Could we talk? {LONG_WORD}")
    session.add_all([comment, request])
    token = cohorts.create_invite(session, owner, cohort, reusable=True)
    for n in range(3):
        cohorts.create_invite(session, owner, cohort, reusable=False, email=f"{n}.{LONG_EMAIL}", days=30)
    audit.record(session, owner, "settings.update", SITE_NAME=LONG_WORD)
    session.commit()
    invite = session.scalar(select(Invite))
    values = {"cohort_id": cohort.id, "user_id": member.id, "invite_id": invite.id, "certificate_id": pending.id,
              "entry_id": entry.id, "run_id": finished.id, "comment_id": comment.id, "request_id": request.id,
              "course_id": "listening", "step_id": "welcome", "question_id": "q-reflect", "reflection_id": "r-hardest",
              "response_id": "welcome-r1", "scenario_id": "late-post", "token": token,
              "code": f"code-adv-{member.id}", "language": "en", "fmt": "json", "relpath": "pic.svg",
              "filename": "app.css"}
    values = {name: str(value) for name, value in values.items()}
    extra_ids = (trainees[1].id, revoked.id, groups[2].id, unfinished.id)
    email = me.email if me is not None else None
    session.commit()  # no read transaction left open: SQLite would lock the server's writes out
    with app.app_context():
        steps = [f"/courses/{course.id}/steps/{step.id}" for course in catalog().courses.values()
                 for module in course.modules for step in module.steps]
    extra = [*steps, "/no-such-page", f"/verify/code-rev-{extra_ids[0]}", "/verify/NOPE-NOPE",
             f"/certificates/manage/{extra_ids[1]}", f"/trainer/cohorts/{extra_ids[2]}"]
    if role == "trainee":
        extra += [f"/play/runs/{extra_ids[3]}", "/trainer/"]  # the player; a page closed to trainees (403)
    return values, extra, email


def _page_urls(app, values: dict[str, str], extra: list[str]) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
            continue
        urls.append(re.sub(r"<(?:[^<>:]+:)?([^<>:]+)>", lambda m: quote(values[m.group(1)], safe="/@"), rule.rule))
    return sorted(set(urls)) + extra


def _log_in(tab, email: str) -> None:
    tab.goto("/login")
    tab.get_by_label("Email").fill(email)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    tab.get_by_role("button", name=re.compile("^Log out")).wait_for()


@pytest.mark.parametrize("role", ["guest", "trainee", "trainer", "admin"])
def test_no_page_scrolls_sideways_at_320_px(app, browser, live_server, session, users, role):
    values, extra, me = _world(app, session, users, role)
    context = browser.new_context(base_url=live_server.url, viewport={"width": WIDTH, "height": 640})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    try:
        if me is not None:
            _log_in(tab, me)
        too_wide, seen = [], 0
        for url in _page_urls(app, values, extra):
            answer = context.request.get(url, max_redirects=5)
            kind = answer.headers.get("content-type", "")
            if not kind.startswith("text/html") or "attachment" in answer.headers.get("content-disposition", ""):
                continue  # a CSV, PDF, JSON answer or an asset: not a page
            tab.goto(url)
            seen += 1
            scroll, inner = tab.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if scroll > inner:
                too_wide.append(f"{url} ({tab.url}): {scroll}px wide; {tab.evaluate(WIDEST)}")
        assert seen >= (5 if role == "guest" else 20), f"only {seen} pages were visited"
        assert not too_wide, f"pages wider than {WIDTH}px for the {role}:\n" + "\n".join(too_wide)
    finally:
        context.close()


def test_a_wide_table_scrolls_in_its_own_labelled_box(app, browser, live_server, session, users):
    """The one allowed exception: a data table scrolls inside a focusable region named for it."""
    values, _extra, me = _world(app, session, users, "trainer")
    context = browser.new_context(base_url=live_server.url, viewport={"width": WIDTH, "height": 640})
    tab = context.new_page()
    try:
        _log_in(tab, me)
        for url in (f"/trainer/cohorts/{values['cohort_id']}", f"/trainer/cohorts/{values['cohort_id']}/progress"):
            tab.goto(url)
            wraps = tab.locator(".table-wrap")
            assert wraps.count() >= 1
            for n in range(wraps.count()):
                wrap = wraps.nth(n)
                assert wrap.get_attribute("tabindex") == "0" and wrap.get_attribute("role") == "region"
                assert wrap.get_attribute("aria-label") or wrap.get_attribute("aria-labelledby")
            assert all(tab.evaluate("[...document.querySelectorAll('table')].map(t => !!t.closest('.table-wrap'))"))
    finally:
        context.close()


def test_action_rows_on_cohort_and_admin_pages_have_no_bullets(app, browser, live_server, session, users):
    values, _extra, me = _world(app, session, users, "admin")
    context = browser.new_context(base_url=live_server.url, viewport={"width": WIDTH, "height": 640})
    tab = context.new_page()
    try:
        _log_in(tab, me)
        for url in (f"/trainer/cohorts/{values['cohort_id']}", "/admin/users", f"/admin/users/{values['user_id']}",
                    "/admin/settings", "/admin/audit"):
            tab.goto(url)
            markers = tab.evaluate("""[...document.querySelectorAll('.actions > li, nav li')]
                .filter(li => getComputedStyle(li).listStyleType !== 'none').map(li => li.textContent.trim())""")
            assert not markers, f"{url}: bullets beside {markers[:5]}"
    finally:
        context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_a_bad_registration_opens_with_the_error_summary_focused(browser, live_server, javascript):
    """On a phone, with or without JavaScript: the summary is where the person is looking, and its links work."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": WIDTH, "height": 640},
                                  java_script_enabled=javascript)
    tab = context.new_page()
    try:
        tab.goto("/register")
        tab.get_by_label("Email").fill("not an email")
        tab.get_by_label("Password", exact=True).fill("short")
        tab.get_by_role("button", name="Create account").click()
        summary = tab.get_by_role("alert").filter(has_text="There is a problem")
        expect(summary).to_be_visible()
        if javascript:  # autofocus is read by the browser; without JavaScript the tab order still starts there
            expect(tab.locator(".error-summary")).to_be_focused()  # waits: autofocus can land after the load
        links = summary.get_by_role("link")
        assert links.count() == 4  # display name, email, password, and the second password: all at once
        summary.get_by_role("link", name="Enter an email address like name@example.org.").click()
        assert tab.url.endswith("#email")
        assert tab.get_by_label("Email").get_attribute("aria-invalid") == "true"
        if javascript:  # the checks below run scripts in the page
            assert tab.evaluate("document.documentElement.scrollWidth") <= WIDTH
            assert_accessible(tab, "registration with errors")
    finally:
        context.close()
