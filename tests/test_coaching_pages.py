"""Coaching pages through the real stack: the trainer marks, comments, confirms and follows up; the trainee sees it.

Reflections and check-ins are planted and looked for on every new page.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from lms.catalog.services import catalog
from lms.coaching.models import ContactRequest, RunComment
from lms.cohorts.models import CohortTrainer
from lms.core.services import ServiceError
from lms.learning import progress, responses
from lms.learning.models import ResponseEntry, StepConfirmation
from lms.roleplay import runs
from lms.roleplay.models import ScenarioRun
from tests.conftest import csrf_token
from tests.factories import (
    COACHING,
    SECRET_CHECKIN,
    SECRET_REFLECTION,
    coaching_loop,
    counted,
    join,
    make_cohort,
    mark_shift_ready,
    post,
)

NOTE_FOR_TRAINER = "note-for-my-trainer-5c1d"


@pytest.fixture
def content_dir() -> Path:
    return COACHING


@pytest.fixture
def loop(app, session, users):
    return coaching_loop(app, session, users)


def _page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    body = response.get_data(as_text=True)
    assert SECRET_REFLECTION not in body and SECRET_CHECKIN not in body, url
    return body


def test_the_whole_loop_in_pages(client, session, users, loop):
    entry, run, cohort = loop["entry"], loop["run"], loop["cohort"]
    # The trainee asks for a conversation from the debrief, after their check-in.
    users.login(loop["trainee"])
    debrief = f"/play/runs/{run.id}/debrief"
    assert "I’d like my trainer to get in touch" in _page(client, debrief)
    refused = post(client, f"/play/runs/{run.id}/contact", {"note": "x"}, form_page=debrief, follow_redirects=True)
    assert "Tick “I’d like my trainer to get in touch”" in refused.get_data(as_text=True)
    asked = post(client, f"/play/runs/{run.id}/contact", {"want": "y", "note": NOTE_FOR_TRAINER}, form_page=debrief)
    assert asked.status_code == 303
    assert "Withdraw my request" in _page(client, debrief)
    users.logout()

    users.login(loop["trainer"])
    board = _page(client, "/trainer/needs-you")
    assert "Nightowl" in board and NOTE_FOR_TRAINER in board and "Struggling" not in board
    nav_count = 2  # a response to review and a contact request
    assert f'Needs you <span class="nav-count">{nav_count}' in board
    queue = _page(client, "/trainer/reviews")
    assert f"/trainer/reviews/{entry.id}" in queue
    # Opened from the navigation, with no filter chosen: nothing is marked as a mistake.
    assert "There is a problem" not in queue and "Choose one of the options in the list." not in queue
    # A filter that is not one of the choices (a stale link) is dropped, never a 500.
    assert f"/trainer/reviews/{entry.id}" in _page(client, f"/trainer/reviews?cohort={cohort.id}&course=elsewhere")
    empty_cohort = make_cohort(session, loop["trainer"], name="Empty", courses=())
    assert "No responses are waiting" in _page(client, f"/trainer/reviews?cohort={empty_cohort.id}")
    _page(client, "/trainer/reviews?cohort=not-a-number")  # a bad filter is dropped, never a 500
    review = _page(client, f"/trainer/reviews/{entry.id}")
    assert "Are you safe tonight?" in review and "promises no secrecy" in review  # response beside the guide
    empty = post(client, f"/trainer/reviews/{entry.id}", {"verdict": "try_again", "comment": ""})
    assert empty.status_code == 400 and "Say what to change" in empty.get_data(as_text=True)
    no_verdict = post(client, f"/trainer/reviews/{entry.id}", {"comment": "Kept words"})
    assert no_verdict.status_code == 400 and "Kept words" in no_verdict.get_data(as_text=True)
    marked = post(client, f"/trainer/reviews/{entry.id}", {"verdict": "try_again", "comment": "Ask about suicide."})
    assert marked.status_code == 303

    run_page = _page(client, f"/trainer/runs/{run.id}")
    assert "Promise to keep it secret" in run_page and "Red line" in run_page
    assert post(client, f"/trainer/runs/{run.id}/comments", {"position": "0", "text": "Never promise secrecy."},
                form_page=f"/trainer/runs/{run.id}").status_code == 303
    bad = post(client, f"/trainer/runs/{run.id}/comments", {"position": "7", "text": "Kept comment"},
               form_page=f"/trainer/runs/{run.id}")
    assert bad.status_code == 400 and "Kept comment" in bad.get_data(as_text=True)
    assert post(client, f"/trainer/runs/{run.id}/comments", {"position": "x", "text": "y"},
                form_page=f"/trainer/runs/{run.id}").status_code == 400
    comment = session.scalar(select(RunComment))
    assert comment.position == 0
    record = _page(client, f"/trainer/cohorts/{cohort.id}/trainees/{loop['trainee'].id}")
    assert f"/trainer/runs/{run.id}" in record and "1 comment so far" in record
    edit = _page(client, f"/trainer/comments/{comment.id}")
    assert "Never promise secrecy." in edit
    edited = post(client, f"/trainer/comments/{comment.id}", {"text": "Never promise secrecy about risk."})
    assert edited.status_code == 303

    request_row = session.scalar(select(ContactRequest))
    assert post(client, f"/trainer/contact-requests/{request_row.id}/followed-up", {},
                form_page="/trainer/contact-requests").status_code == 303
    assert "Followed up" in _page(client, "/trainer/contact-requests")
    users.logout()

    # The trainee sees the verdict and both comments, replies once, and resubmits.
    users.login(loop["trainee"])
    mine = _page(client, "/my-training")
    assert "Ask about suicide." in mine and "Never promise secrecy about risk." in mine
    home = _page(client, "/home")  # where logging in lands: the same feedback, not only the courses
    assert "Ask about suicide." in home and "Never promise secrecy about risk." in home
    step = _page(client, "/courses/coaching/steps/written")
    assert "Ask about suicide." in step and "Please try again" in step
    debrief_page = _page(client, debrief)
    assert "Never promise secrecy about risk." in debrief_page and "Followed up" in debrief_page
    replied = post(client, f"/my/comments/{comment.id}/reply", {"text": "Understood."}, form_page=debrief)
    assert replied.status_code == 303
    again = post(client, f"/my/comments/{comment.id}/reply", {"text": "Twice"}, form_page=debrief,
                 follow_redirects=True)
    assert "already replied" in again.get_data(as_text=True)
    form_page = "/courses/coaching/steps/written"
    assert post(client, f"/courses/coaching/steps/written/responses/{entry.response_id}",
                {"text": "Are you thinking about suicide? I can't keep that secret."}, form_page=form_page
                ).status_code == 303
    users.logout()

    users.login(loop["trainer"])
    assert "Understood." in _page(client, f"/trainer/runs/{run.id}")
    assert post(client, f"/trainer/reviews/{entry.id}", {"verdict": "meets_standard", "comment": ""}).status_code == 303
    session.expire_all()
    assert session.get(ResponseEntry, entry.id).status == "meets_standard"
    assert post(client, f"/trainer/comments/{comment.id}/delete", {}, form_page=f"/trainer/comments/{comment.id}"
                ).status_code == 303
    assert session.scalar(select(RunComment)) is None


def test_confirm_one_and_a_whole_cohort(client, session, users, loop):
    trainee, cohort = loop["trainee"], loop["cohort"]
    other = users.create(display_name="Second Trainee")
    join(session, cohort, other)
    mark_shift_ready(client, users, trainee)
    users.login(loop["trainer"])
    listing = _page(client, "/trainer/confirmations")
    assert "Nightowl" in listing and "Shadowed shift" in listing
    sheet_url = f"/trainer/cohorts/{cohort.id}/confirm"
    assert "Coaching loop: Shadowed shift" in _page(client, sheet_url)
    sheet = _page(client, f"{sheet_url}?step=coaching/shift")
    assert "Says it is ready" in sheet and "Not started the course" in sheet
    join(session, cohort, loop["trainer"])  # a trainer in their own cohort cannot tick themselves
    own = _page(client, f"{sheet_url}?step=coaching/shift")
    assert f'value="{loop["trainer"].id}" disabled' in own and "(you: another trainer confirms your own step)" in own
    assert "not a step a trainer confirms" in _page(client, f"{sheet_url}?step=coaching/written")
    token = csrf_token(client, f"{sheet_url}?step=coaching/shift")
    done = client.post(sheet_url, data={"csrf_token": token, "step": "coaching/shift", "member": [
        str(trainee.id), str(other.id), "junk"], "note": "Well done tonight."}, follow_redirects=True)
    body = done.get_data(as_text=True)
    assert "Confirmed for 1: Nightowl" in body and "have not started the course yet: Second Trainee" in body
    assert f'value="{other.id}" disabled' in _page(client, f"{sheet_url}?step=coaching/shift")  # not started
    # Sent again (a resubmitted page): nobody is confirmed, and the page does not say it saved anything.
    again = client.post(sheet_url, data={"csrf_token": token, "step": "coaching/shift", "member": [
        str(trainee.id), str(other.id)]}, follow_redirects=True).get_data(as_text=True)
    assert "Nothing was confirmed." in again and "Already confirmed, left as they were: Nightowl" in again
    assert "Confirmed for" not in again and "saved" not in again
    row = session.scalar(select(StepConfirmation))
    assert (row.status, row.note) == ("confirmed", "Well done tonight.")
    first_id = row.id
    nothing = client.post(sheet_url, data={"csrf_token": token, "step": "coaching/shift"})
    assert nothing.status_code == 400 and "Tick the trainees" in nothing.get_data(as_text=True)
    # One at a time, for a trainee who never said it was ready (the trainer was there).
    with client.application.app_context():
        progress.enrol(session, other.id, catalog().course("coaching"))
    session.commit()
    confirmed = client.post(f"/trainer/cohorts/{cohort.id}/trainees/{other.id}/confirm", data={
        "csrf_token": token, "course_id": "coaching", "step_id": "shift", "note": "",
        "next": "https://evil.example/"})
    assert confirmed.status_code == 303 and confirmed.headers["Location"].endswith("/trainer/confirmations")
    assert session.scalar(select(StepConfirmation).where(StepConfirmation.id != first_id)).status == "confirmed"
    users.logout()
    users.login(trainee)
    assert "Well done tonight." in _page(client, "/my-training")


def test_sharing_a_practice_run_and_withdrawing_a_request(client, session, users, loop):
    trainee = loop["trainee"]
    with client.application.app_context():
        scenario = catalog().scenario("tough-night")
    practice = runs.start_run(session, trainee.id, scenario)
    runs.choose(session, practice, scenario, 0, 1)
    session.commit()
    users.login(loop["trainer"])
    _page(client, f"/trainer/runs/{practice.id}", status=404)
    users.logout()
    users.login(trainee)
    debrief = f"/play/runs/{practice.id}/debrief"
    assert "Share this run with my trainers" in _page(client, debrief)
    assert post(client, f"/play/runs/{practice.id}/share", {"shared": "1"}, form_page=debrief).status_code == 303
    assert session.get(ScenarioRun, practice.id).shared_with_trainers_at is not None
    assert "Stop sharing this run" in _page(client, debrief)
    users.logout()
    users.login(loop["trainer"])
    _page(client, f"/trainer/runs/{practice.id}")
    users.logout()
    users.login(trainee)
    run_debrief = f"/play/runs/{loop['run'].id}/debrief"
    post(client, f"/play/runs/{loop['run'].id}/contact", {"want": "y"}, form_page=run_debrief)
    request_row = session.scalar(select(ContactRequest))
    assert post(client, f"/my/contact-requests/{request_row.id}/withdraw", {"next": "my-training"},
                form_page="/my-training").headers["Location"].endswith("/my-training")
    session.expire_all()
    assert session.get(ContactRequest, request_row.id).status == "withdrawn"
    assert post(client, f"/play/runs/{practice.id}/share", {"shared": "0"}, form_page=debrief).status_code == 303
    session.expire_all()
    assert session.get(ScenarioRun, practice.id).shared_with_trainers_at is None


def test_no_coaching_page_shows_a_reflection_or_a_checkin(app, client, session, users, loop):
    """Every GET route of the coaching pages, walked from the URL map, with private notes planted."""
    from flask import url_for

    run = loop["run"]
    comment = RunComment(run_id=run.id, position=0, author_id=loop["trainer"].id, author_name="Tess", text="Hm")
    request_row = ContactRequest(user_id=loop["trainee"].id, checkin_id=loop["checkin"].id, note_for_trainer="")
    session.add_all([comment, request_row])
    session.commit()
    values = {"entry_id": loop["entry"].id, "run_id": run.id, "comment_id": comment.id, "cohort_id": loop["cohort"].id,
              "user_id": loop["trainee"].id, "request_id": request_row.id}
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("coaching.") and "GET" in rule.methods:
            with app.test_request_context():
                urls.append(url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments}))
    assert len(urls) >= 8
    urls += [f"/trainer/cohorts/{loop['cohort'].id}/confirm?step=coaching/shift",
             f"/trainer/cohorts/{loop['cohort'].id}/trainees/{loop['trainee'].id}"]
    users.login(loop["trainer"])
    for url in urls:
        _page(client, url)
    users.logout()
    users.login(loop["trainee"])
    for url in ("/my-training", f"/play/runs/{run.id}/debrief", "/courses/coaching/steps/written"):
        _page(client, url)


def test_a_stale_review_page_cannot_overwrite_a_mark(client, session, users, loop):
    entry = loop["entry"]
    users.login(loop["trainer"])
    review = f"/trainer/reviews/{entry.id}"
    token = csrf_token(client, review)  # the page as it was before the first mark: a second tab, say
    assert post(client, review, {"verdict": "meets_standard", "comment": ""}).status_code == 303
    again = client.post(review, data={"csrf_token": token, "verdict": "try_again", "comment": "Start again."})
    body = again.get_data(as_text=True)
    assert again.status_code == 400
    summary = body[body.index('class="error-summary"'):]
    assert "This response has already been marked, so your verdict was not saved." in summary[:summary.index("</div>")]
    session.expire_all()
    marked = session.get(ResponseEntry, entry.id)
    assert (marked.status, marked.reviewer_comment) == ("meets_standard", "")
    assert "written" in progress.completed_step_ids(session, marked.enrolment_id)


def test_a_verdict_on_a_response_changed_since_the_page_opened_is_refused_with_the_new_words(
        client, session, users, loop):
    entry = loop["entry"]
    users.login(loop["trainer"])
    review = f"/trainer/reviews/{entry.id}"
    page = client.get(review).get_data(as_text=True)
    token = csrf_token(client, review)
    seen = page.split('name="seen"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    with client.application.app_context():  # meanwhile the trainee sends other words
        course = catalog().course("coaching")
        step = course.step("written")
        enrolment = progress.latest_enrolment(session, loop["trainee"].id, "coaching")
        responses.submit(session, enrolment, course, step, step.responses[0], "cheer up lol")
        session.commit()
    sent = client.post(review, data={"csrf_token": token, "seen": seen, "verdict": "meets_standard",
                                     "comment": "Kind and direct."})
    body = sent.get_data(as_text=True)
    assert sent.status_code == 400
    summary = body[body.index('class="error-summary"'):]
    assert "The trainee changed this response while you were reading it" in summary[:summary.index("</div>")]
    assert "cheer up lol" in body and "Kind and direct." in body  # the new words, and the comment kept
    session.expire_all()
    assert session.get(ResponseEntry, entry.id).status == "submitted"
    # The page now carries the new version: sent again, the verdict is taken.
    again = body.split('name="seen"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    assert again != seen
    assert client.post(review, data={"csrf_token": csrf_token(client, review), "seen": again,
                                     "verdict": "try_again", "comment": "Ask directly."}).status_code == 303


def _subnav(body: str) -> str:
    start = body.index('<nav aria-label="Trainer pages"')
    return body[start:body.index("</nav>", start)]


def test_the_trainer_pages_count_what_waits_behind_each_link(app, client, session, users, loop):
    session.add(ContactRequest(user_id=loop["trainee"].id, checkin_id=loop["checkin"].id, note_for_trainer=""))
    session.commit()
    users.login(loop["trainer"])
    with counted(app) as statements:
        body = _page(client, "/trainer/reviews")
    nav = _subnav(body)
    waiting = '<span class="nav-count">1<span class="visually-hidden"> waiting</span></span></a>'
    assert f"Responses to review {waiting}" in nav and f"Contact requests {waiting}" in nav
    assert "Steps to confirm</a>" in nav  # nothing waiting: no count
    assert 'Needs you <span class="nav-count">2' in body  # the main navigation's total agrees
    # One query for every count on the page, shared by the main navigation and the trainer pages' links.
    assert len([s for s in statements if "contact_requests" in s and "step_confirmations" in s]) == 1
    for url in ("/trainer/needs-you", "/trainer/confirmations", "/trainer/contact-requests", "/trainer/"):
        assert f"Responses to review {waiting}" in _subnav(_page(client, url)), url


def test_each_step_to_confirm_on_needs_you_can_be_confirmed_there(client, session, users, loop):
    trainee, cohort = loop["trainee"], loop["cohort"]
    mark_shift_ready(client, users, trainee)
    users.login(loop["trainer"])
    board = _page(client, "/trainer/needs-you")
    action = f'action="/trainer/cohorts/{cohort.id}/trainees/{trainee.id}/confirm"'
    assert action in board[board.index('id="confirm-heading"'):board.index('id="signoff-heading"')]
    assert 'Confirm<span class="visually-hidden"> Nightowl</span>' in board
    done = post(client, f"/trainer/cohorts/{cohort.id}/trainees/{trainee.id}/confirm",
                {"course_id": "coaching", "step_id": "shift", "note": "Well done.", "next": "/trainer/needs-you"},
                form_page="/trainer/needs-you")
    assert done.status_code == 303 and done.headers["Location"].endswith("/trainer/needs-you")
    row = session.scalar(select(StepConfirmation))
    assert (row.status, row.note) == ("confirmed", "Well done.")
    assert "No steps waiting." in _page(client, "/trainer/needs-you")


def test_a_trainer_who_left_the_cohort_cannot_open_their_old_comment(client, session, users, loop):
    run, trainer = loop["run"], loop["trainer"]
    comment = RunComment(run_id=run.id, position=0, author_id=trainer.id, author_name="Tess", text="Old words")
    session.add(comment)
    session.commit()
    users.login(trainer)
    assert "Old words" in _page(client, f"/trainer/comments/{comment.id}")
    session.execute(delete(CohortTrainer).where(CohortTrainer.user_id == trainer.id))
    session.commit()
    _page(client, f"/trainer/comments/{comment.id}", status=404)
    assert post(client, f"/trainer/comments/{comment.id}", {"text": "New words"},
                form_page="/trainer/needs-you").status_code == 404
    assert post(client, f"/trainer/comments/{comment.id}/delete", {},
                form_page="/trainer/needs-you").status_code == 404
    session.expire_all()
    assert session.get(RunComment, comment.id).text == "Old words"


def test_a_refused_comment_shows_its_message_in_the_form_that_was_sent(client, users, loop):
    """On a phone the run page is long: the message goes beside the words kept, focused, not at the top."""
    from lxml import html as lxml_html

    run = loop["run"]
    users.login(loop["trainer"])
    url = f"/trainer/runs/{run.id}"
    refused = post(client, f"{url}/comments", {"position": "0", "text": "   "}, form_page=url)
    assert refused.status_code == 400
    tree = lxml_html.fromstring(refused.get_data(as_text=True))
    form = tree.get_element_by_id("comment-text-0-form")
    # Marked as the `field` macro marks a field in error: the message is the box's, tied to it, and focused.
    error = form.get_element_by_id("comment-text-0-error")
    assert " ".join(error.text_content().split()) == "Error: Write a comment first."
    assert error.get("autofocus") is not None and error.get("role") == "alert"
    box = tree.get_element_by_id("comment-text-0")
    assert box.get("aria-invalid") == "true" and box.get("aria-describedby") == "comment-text-0-error"
    assert "has-error" in box.getparent().get("class")
    assert not tree.find_class("flash") and refused.get_data(as_text=True).count("Write a comment first.") == 1
    # The other comment boxes are not marked.
    assert tree.get_element_by_id("comment-text-run").get("aria-invalid") is None
    too_long = post(client, f"{url}/comments", {"position": "", "text": "x" * 6000}, form_page=url)
    whole = lxml_html.fromstring(too_long.get_data(as_text=True)).get_element_by_id("comment-text-run-form")
    assert "x" * 6000 in whole.text_content() and whole.get_element_by_id("comment-text-run-error") is not None


def _marked(tree, box_id: str) -> str:
    """The error message tied to a box marked as the `field` macro marks one (its text, without "Error:")."""
    box = tree.get_element_by_id(box_id)
    assert box.get("aria-invalid") == "true", box_id
    assert f"{box_id}-error" in box.get("aria-describedby").split(), box_id
    error = tree.get_element_by_id(f"{box_id}-error")
    return " ".join(error.text_content().split()).removeprefix("Error: ")


def test_a_refused_reply_or_contact_request_is_marked_at_its_box_on_the_debrief(app, client, session, users, loop):
    from lxml import html as lxml_html

    from lms.coaching import services as coaching

    run = loop["run"]
    comment = coaching.add_comment(session, loop["trainer"], run, None, "Think about what you promised.")
    session.commit()
    users.login(loop["trainee"])
    debrief = f"/play/runs/{run.id}/debrief"
    box = f"reply-{comment.id}"

    def sent(url: str, data: dict):
        response = post(client, url, data, form_page=debrief)
        assert response.status_code == 400  # the debrief answers the refusal itself: nothing written is lost
        return lxml_html.fromstring(response.get_data(as_text=True))

    tree = sent(f"/my/comments/{comment.id}/reply", {"text": "   "})
    assert _marked(tree, box) == "Write your reply first."
    assert tree.get_element_by_id(box).get("aria-describedby") == f"{box}-hint {box}-error"
    assert tree.get_element_by_id(f"{box}-error").get("autofocus") is not None
    assert not tree.find_class("flash")  # said once, at the box
    long_reply = "I tried to keep it short, " + "x" * 2001
    tree = sent(f"/my/comments/{comment.id}/reply", {"text": long_reply})
    assert "too long" in _marked(tree, box)
    assert tree.get_element_by_id(box).text == long_reply  # the words come back, to shorten and send again
    assert tree.get_element_by_id("contact-note").get("aria-invalid") is None  # only the box sent is marked
    assert 'aria-invalid' not in _page(client, debrief)  # the next visit is clean

    tree = sent(f"/play/runs/{run.id}/contact", {"note": "Please call."})  # not ticked
    assert _marked(tree, "want").startswith("Tick “I’d like my trainer to get in touch”")
    assert tree.get_element_by_id("contact-note").text == "Please call."
    tree = sent(f"/play/runs/{run.id}/contact", {"want": "y", "note": "y" * 2001})
    assert "too long" in _marked(tree, "contact-note")
    assert tree.get_element_by_id("contact-note").text == "y" * 2001
    assert tree.get_element_by_id("want").get("aria-invalid") is None
    assert session.scalar(select(ContactRequest)) is None and session.get(RunComment, comment.id).reply_text is None


def test_a_refused_edit_of_a_comment_is_marked_at_its_box(client, session, users, loop):
    from lxml import html as lxml_html

    from lms.coaching import services as coaching

    comment = coaching.add_comment(session, loop["trainer"], loop["run"], None, "First words.")
    session.commit()
    users.login(loop["trainer"])
    url = f"/trainer/comments/{comment.id}"
    refused = post(client, url, {"text": "  "})
    assert refused.status_code == 400
    tree = lxml_html.fromstring(refused.get_data(as_text=True))
    assert _marked(tree, "text") == "Write a comment first, or delete it."
    summary = tree.find_class("error-summary")[0]
    assert summary.xpath(".//a")[0].get("href") == "#text"
    assert "Write a comment first, or delete it." in summary.text_content()
    too_long = post(client, url, {"text": "y" * 2001})
    tree = lxml_html.fromstring(too_long.get_data(as_text=True))
    assert "too long" in _marked(tree, "text") and "y" * 2001 in tree.get_element_by_id("text").text_content()
    session.expire_all()
    assert session.get(RunComment, comment.id).text == "First words."


def test_a_new_comment_is_not_marked_edited_until_its_trainer_changes_it(client, session, users, loop):
    run = loop["run"]
    users.login(loop["trainer"])
    assert post(client, f"/trainer/runs/{run.id}/comments", {"position": "", "text": "Well held."},
                form_page=f"/trainer/runs/{run.id}").status_code == 303
    comment = session.scalar(select(RunComment))
    users.logout()
    users.login(loop["trainee"])
    debrief = _page(client, f"/play/runs/{run.id}/debrief")
    assert "Well held." in debrief and "(edited)" not in debrief
    users.logout()
    users.login(loop["trainer"])
    assert post(client, f"/trainer/comments/{comment.id}", {"text": "Well held, and kind."}).status_code == 303
    users.logout()
    users.login(loop["trainee"])
    debrief = _page(client, f"/play/runs/{run.id}/debrief")
    assert "Well held, and kind." in debrief and "(edited)" in debrief


def test_on_welsh_my_training_the_english_titles_in_feedback_are_marked_english(client, session, users, loop):
    run, entry = loop["run"], loop["entry"]
    users.login(loop["trainer"])
    assert post(client, f"/trainer/runs/{run.id}/comments", {"position": "", "text": "Da iawn."},
                form_page=f"/trainer/runs/{run.id}").status_code == 303
    assert post(client, f"/trainer/reviews/{entry.id}", {"verdict": "meets_standard", "comment": ""}).status_code == 303
    users.logout()
    users.login(loop["trainee"])
    client.get("/language/cy")
    mine = _page(client, "/my-training")
    assert "Adborth gan eich hyfforddwyr" in mine  # the Welsh interface
    # The role-play, step and course have no Welsh: screen readers must read their titles with English sounds.
    assert '#comment-' in mine and '"><span lang="en">' in mine.split("#comment-", 1)[1].split("</p>", 1)[0]
    review = mine.split("#response-", 1)[1].split("</p>", 1)[0]
    assert review.count('<span lang="en">') == 2


@pytest.mark.parametrize("position", ["²", "١", "99999999999999999999"])
def test_a_comment_on_a_choice_number_that_is_no_number_is_refused_kindly(client, users, loop, position):
    run = loop["run"]
    users.login(loop["trainer"])
    url = f"/trainer/runs/{run.id}"
    refused = post(client, f"{url}/comments", {"position": position, "text": "Kept words"}, form_page=url)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "That choice is not part of this run. Please comment on one of the choices shown." in page
    assert "Kept words" in page


def test_comments_replies_and_notes_with_control_characters_are_refused_at_their_box(client, session, users, loop):
    """Only NUL used to be stripped: an escape or a bell went into pages, e-mails and exports."""
    from lxml import html as lxml_html

    from lms.coaching import services as coaching

    run, entry = loop["run"], loop["entry"]
    users.login(loop["trainer"])
    url = f"/trainer/runs/{run.id}"
    refused = post(client, f"{url}/comments", {"position": "0", "text": "Good\x01\x1b[31m call"}, form_page=url)
    assert refused.status_code == 400
    tree = lxml_html.fromstring(refused.get_data(as_text=True))
    assert _marked(tree, "comment-text-0") == "Your comment contains characters that cannot be shown."
    # Line breaks and tabs are how a comment is laid out: kept.
    assert post(client, f"{url}/comments", {"position": "", "text": "Well held.\r\n\tKeep going."},
                form_page=url).status_code == 303
    comment = session.scalar(select(RunComment))
    assert comment.text == "Well held.\n\tKeep going."
    edited = post(client, f"/trainer/comments/{comment.id}", {"text": "Well\x1b held."})
    assert edited.status_code == 400
    assert (_marked(lxml_html.fromstring(edited.get_data(as_text=True)), "text")
            == "Your comment contains characters that cannot be shown.")
    review = post(client, f"/trainer/reviews/{entry.id}", {"verdict": "try_again", "comment": "Ask\x07 again"})
    assert review.status_code == 400
    assert (_marked(lxml_html.fromstring(review.get_data(as_text=True)), "comment")
            == "Your comment contains characters that cannot be shown.")
    users.logout()

    users.login(loop["trainee"])
    debrief = f"/play/runs/{run.id}/debrief"
    reply = post(client, f"/my/comments/{comment.id}/reply", {"text": "Thanks\x01\x1b"}, form_page=debrief)
    assert reply.status_code == 400
    assert (_marked(lxml_html.fromstring(reply.get_data(as_text=True)), f"reply-{comment.id}")
            == "Your reply contains characters that cannot be shown.")
    contact = post(client, f"/play/runs/{run.id}/contact", {"want": "y", "note": "Call\x1b me"}, form_page=debrief)
    assert (_marked(lxml_html.fromstring(contact.get_data(as_text=True)), "contact-note")
            == "Your note contains characters that cannot be shown.")
    session.expire_all()
    assert session.get(RunComment, comment.id).text == "Well held.\n\tKeep going."
    assert session.get(RunComment, comment.id).reply_text is None and session.scalar(select(ContactRequest)) is None
    assert not session.get(ResponseEntry, entry.id).reviewer_comment
    with pytest.raises(ServiceError, match="Your note contains characters that cannot be shown."):
        coaching.confirm(session, loop["trainer"], loop["trainee"].id, loop["course"],
                         loop["course"].step("shift"), "Done\x1b[0m")


def test_a_trainer_opening_their_own_response_to_review_is_told_why_not(client, session, users, loop):
    trainer, course = loop["trainer"], loop["course"]
    join(session, loop["cohort"], trainer)
    with client.application.app_context():
        step = course.step("written")
        enrolment = progress.enrol(session, trainer.id, course)
        own = responses.submit(session, enrolment, course, step, step.responses[0], "My own words.").entry
        session.commit()
    users.login(trainer)
    page = client.get(f"/trainer/reviews/{own.id}", follow_redirects=True).get_data(as_text=True)
    assert "You cannot review your own response: another trainer of your cohort marks it." in page
    assert client.get("/trainer/reviews/999999").status_code == 404  # what does not exist stays a 404


def test_removing_a_trainee_says_what_they_are_still_waiting_on_a_trainer_for(app, client, session, users):
    """An open request to get in touch and a response waiting for review leave the trainers' lists with the
    trainee: the confirmation says so first, and says when the cohort's reusable link would let them back."""
    from lms.cohorts import services as cohorts

    loop = coaching_loop(app, session, users)
    session.add(ContactRequest(user_id=loop["trainee"].id, checkin_id=loop["checkin"].id, note_for_trainer=""))
    session.commit()
    users.login(loop["trainer"])
    cohort_url = f"/trainer/cohorts/{loop['cohort'].id}"
    url = f"{cohort_url}/members/{loop['trainee'].id}/remove"
    asked = client.post(url, data={"csrf_token": csrf_token(client, cohort_url)}).get_data(as_text=True)
    assert "Nightowl asked a trainer to get in touch on " in asked and "will no longer see that request" in asked
    assert "Nightowl has a response waiting for a review: this cohort’s trainers will no longer see it." in asked
    assert "To bring them back, send them a new invitation." in asked
    cohorts.create_invite(session, loop["trainer"], loop["cohort"], reusable=True)
    session.commit()
    asked = client.post(url, data={"csrf_token": csrf_token(client, cohort_url)}).get_data(as_text=True)
    assert "The cohort’s reusable link still works, for them too" in asked
    assert "send them a new invitation" not in asked


def test_a_trainees_name_is_the_link_to_their_record_on_the_trainers_lists(app, client, session, users):
    loop = coaching_loop(app, session, users)
    session.add(ContactRequest(user_id=loop["trainee"].id, checkin_id=loop["checkin"].id, note_for_trainer=""))
    session.commit()
    users.login(loop["trainer"])
    record = f'/trainer/cohorts/{loop["cohort"].id}/trainees/{loop["trainee"].id}'
    for url in ("/trainer/needs-you", "/trainer/contact-requests", "/trainer/reviews"):
        page = _page(client, url)
        linked = f'<a href="{record}" dir="auto">Nightowl</a> <span class="muted">(<span dir="auto">Spring</span>)'
        assert linked in page, url
        assert f'<a href="{record}">Spring' not in page  # not the cohort's name leading to a person


def test_a_bulk_confirmation_for_a_step_no_longer_listed_gives_the_note_back(app, client, session, users):
    loop = coaching_loop(app, session, users)
    users.login(loop["trainer"])
    url = f"/trainer/cohorts/{loop['cohort'].id}/confirm"
    refused = client.post(url, data={"csrf_token": csrf_token(client, url), "step": "gone/gone",
                                     "member": str(loop["trainee"].id), "note": "Thanks for a calm first shift."})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Choose one of the steps listed" in page
    assert "What you wrote" in page and ">Thanks for a calm first shift.</textarea>" in page


def test_a_trainee_can_ask_a_trainer_to_get_in_touch_without_checking_in(app, client, session, users):
    """Skipping the check-in must not close the way to a person: the debrief offers the request either way."""
    from lms.roleplay.models import WellbeingCheckin

    loop = coaching_loop(app, session, users)
    session.delete(session.get(WellbeingCheckin, loop["checkin"].id))
    session.commit()
    users.login(loop["trainee"])
    debrief = f"/play/runs/{loop['run'].id}/debrief"
    page = client.get(debrief).get_data(as_text=True)
    assert "Save my check-in" in page and "Ask my trainer" in page
    asked = client.post(f"/play/runs/{loop['run'].id}/contact",
                        data={"csrf_token": csrf_token(client, debrief), "want": "y", "note": "Could we talk?"},
                        follow_redirects=True)
    assert asked.status_code == 200 and "Your request is sent." in asked.get_data(as_text=True)
    request_row = session.scalar(select(ContactRequest))
    assert request_row.checkin_id is None and request_row.status == "open"
    again = client.post(f"/play/runs/{loop['run'].id}/contact",
                        data={"csrf_token": csrf_token(client, debrief), "want": "y"}, follow_redirects=True)
    assert "You have already asked; your trainers can see your request." in again.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(ContactRequest)) == 1
    users.logout()
    users.login(loop["trainer"])
    requests_page = _page(client, "/trainer/contact-requests")
    assert "Nightowl" in requests_page and "Could we talk?" in requests_page
    # Withdrawn from the debrief, the trainee is back on that debrief, not sent to My training.
    users.logout()
    users.login(loop["trainee"])
    withdrawn = client.post(f"/my/contact-requests/{request_row.id}/withdraw",
                            data={"csrf_token": csrf_token(client, debrief), "run_id": str(loop["run"].id)})
    assert withdrawn.status_code == 303 and withdrawn.headers["Location"].split("#")[0].endswith(debrief)
    assert "Your request is withdrawn." in client.get(debrief).get_data(as_text=True)
