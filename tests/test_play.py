"""The role-play player through HTTP: pages, forms, integrity and access."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.learning.models import StepProgress
from lms.roleplay.models import RunChoice, ScenarioRun, WellbeingCheckin
from tests.conftest import CSRF_RE, csrf_token
from tests.factories import assert_completed_steps_exact, make_play_content, start, text


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    return make_play_content(tmp_path / "content")


@pytest.fixture
def trainee(users):
    user = users.create(display_name="Sky")
    users.login(user)
    return user



def choose(client, run_url: str, choice, position=None):
    page = client.get(run_url + "?skip=1").get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    if position is None:
        position = re.search(r'name="position" value="(\d+)"', page).group(1)
    return client.post(run_url + "/choose", data={"csrf_token": token, "position": position, "choice": choice})



def test_practice_lists_every_scenario_with_my_runs(client, trainee):
    page = text(client.get("/play"))
    for title in ("A late post", "Memory", "Open ended"):
        assert title in page
    assert "safeguarding" in page and "suicide" in page and "not played yet" in page
    run_url = start(client)
    page = text(client.get("/play"))
    assert f'href="{run_url}"' in page and "Resume" in page
    choose(client, run_url, 1)  # -> bad-end
    page = text(client.get("/play"))
    # A space between the count and the badge: read aloud or copied, "time;not passed yet" runs together.
    assert re.search(r'played 1 time;\s+<span class="badge bad">not passed yet', page)
    assert f'href="{run_url}"' not in page


def test_briefing_shows_notes_and_offers_resume_or_start_again(client, trainee, session):
    page = text(client.get("/play/late-post"))
    assert "You are the only moderator online." in page and "Content note" in page and "suicide" in page
    assert "Skip for now" in page and 'href="/support"' in page and "Start the role-play" in page
    run_url = start(client)
    assert start(client) == run_url  # a second Start (double click) resumes
    page = text(client.get("/play/late-post"))
    assert f'href="{run_url}"' in page and "Start again" in page
    again = start(client, restart="1")
    assert again != run_url
    old = session.get(ScenarioRun, int(run_url.rsplit("/", 1)[1]))
    assert old.finished_at is not None and old.outcome is None


def test_unknown_scenarios_and_course_steps_are_404(client, trainee):
    assert client.get("/play/no-such").status_code == 404
    token = csrf_token(client, "/play/late-post")
    assert client.post("/play/no-such/start", data={"csrf_token": token}).status_code == 404
    for args in ("course_id=listening&step_id=welcome", "course_id=nope&step_id=roleplay",
                 "course_id=listening&step_id=nope", "course_id=listening", "step_id=roleplay"):
        assert client.get(f"/play/late-post?{args}").status_code == 404, args
    response = client.post("/play/late-post/start", data={"csrf_token": token, "course_id": "listening",
                                                          "step_id": "welcome"})
    assert response.status_code == 404
    assert client.get("/play/runs/999999").status_code == 404
    assert client.get("/play/runs/99999999999999999999999").status_code == 404
    assert client.get("/play/runs/0/debrief").status_code == 404


def test_content_note_gate_show_and_skip(client, trainee):
    run_url = start(client)
    page = text(client.get(run_url))
    assert 'The next message includes: <span lang="en">suicide' in page
    assert "I can&#39;t do this any more" not in page and "I can't do this any more" not in page
    assert 'name="choice"' not in page
    assert f'href="{run_url}?show=1"' in page and f'href="{run_url}?skip=1"' in page
    shown = text(client.get(run_url + "?show=1"))
    assert 'class="chat-message"' in shown and 'class="chat-sender">nightowl' in shown
    assert "<legend>What do you do?</legend>" in shown and shown.count('name="choice"') == 3
    skipped = text(client.get(run_url + "?skip=1"))
    assert 'class="chat-message"' not in skipped and skipped.count('name="choice"') == 3
    assert "You skipped this message" in skipped and "Pause" in skipped


def test_choosing_shows_feedback_and_the_next_node(client, trainee, session):
    run_url = start(client)
    response = choose(client, run_url, 0)
    assert response.status_code == 302 and response.headers["Location"] == run_url + "?fb=0"
    page = text(client.get(response.headers["Location"]))
    assert "Feedback on your last choice" in page and "Reaching out quickly is right." in page
    # The choice in the scenario's language, and what it did to the score in words.
    assert 'You chose: <span lang="en">Reach out privately</span>' in page and "(+2 to your score)" in page
    assert "thanks for noticing" in page
    assert 'name="position" value="1"' in page
    # Conditional choices: at the hub via b, neither 'if a' nor 'if not b' holds.
    second = start(client, scenario="memory")
    choose(client, second, 1)  # via b
    choose(client, second, 0)  # to the hub
    page = text(client.get(second))
    assert "Give up" in page and "Only after a" not in page and "Only if you skipped b" not in page


def test_a_replayed_or_double_submitted_choice_is_recorded_once(client, trainee, session):
    run_url = start(client)
    page = text(client.get(run_url + "?skip=1"))
    token = CSRF_RE.search(page).group(1)
    form = {"csrf_token": token, "position": "0", "choice": "0"}
    assert client.post(run_url + "/choose", data=form).status_code == 302
    replay = client.post(run_url + "/choose", data={**form, "choice": "1"}, follow_redirects=True)
    assert replay.status_code == 200 and "You already answered this" in text(replay)
    assert "thanks for noticing" in text(replay)  # shown the current node
    assert session.scalar(select(func.count()).select_from(RunChoice)) == 1
    client.get("/language/cy")  # the same refusal, in the reader's language
    welsh = client.post(run_url + "/choose", data={**form, "choice": "1"}, follow_redirects=True)
    assert "Rydych chi eisoes wedi ateb hwn. Dyma lle mae’r chwarae rôl nawr." in text(welsh)


@pytest.mark.parametrize("form", [
    {"position": "abc", "choice": "0"}, {"position": "0", "choice": "x"}, {"position": "0"},
    {"position": "-1", "choice": "0"}, {"position": "0", "choice": "99"}, {"position": "0", "choice": "-3"},
    {"position": "99999999999999999999", "choice": "0"},
])
def test_malformed_choices_get_a_message_never_a_500(client, trainee, session, form):
    run_url = start(client)
    token = csrf_token(client, run_url + "?skip=1")
    response = client.post(run_url + "/choose", data={"csrf_token": token, **form}, follow_redirects=True)
    assert response.status_code == 200
    page = text(response)
    assert "could not be read" in page or "not available here" in page or "out of date" in page
    assert session.scalar(select(func.count()).select_from(RunChoice)) == 0


def test_a_choice_whose_condition_fails_is_refused(client, trainee, session):
    run_url = start(client, scenario="memory")
    choose(client, run_url, 1)  # via b
    choose(client, run_url, 0)  # to the hub
    response = choose(client, run_url, 0)  # 'if a': not offered
    assert "not available here" in text(client.get(response.headers["Location"]))
    assert session.scalar(select(func.count()).select_from(RunChoice)) == 2


def test_pause_keeps_the_run_and_resume_returns_to_the_same_node(client, trainee):
    run_url = start(client)
    choose(client, run_url, 0)
    response = client.get(run_url + "/pause")
    assert response.status_code == 302 and response.headers["Location"] == "/play/late-post"
    briefing = text(client.get("/play/late-post"))
    assert "Your place is kept" in briefing
    # Resume and Start again come first, before the briefing.
    assert briefing.index("Start again") < briefing.index("Briefing")
    page = text(client.get(run_url))
    assert "thanks for noticing" in page and 'name="position" value="1"' in page


def test_red_line_run_debrief(client, trainee):
    run_url = start(client)
    choose(client, run_url, 2)  # promise secrecy: red line
    response = choose(client, run_url, 0)  # then tell them: good-end
    assert response.headers["Location"] == run_url + "/debrief"
    assert client.get(run_url).headers["Location"] == run_url + "/debrief"
    page = text(client.get(run_url + "/debrief"))
    # One verdict: a pass ending reached across a red line is "Not passed", never "a passing ending" beside it.
    assert '<h2 id="result-heading" class="verdict">Not passed' in page and "passing ending" not in page
    assert page.index("Not passed") < page.index("Your score:") < page.index("Play again") < page.index(
        "The path you took")
    assert ('You crossed a red line: <span lang="en">Promise to keep it secret</span>. A run that crosses a red line'
            ' cannot pass.') in page
    assert ('You chose: <span lang="en">Promise to keep it secret</span> <span class="score-delta">(-1 to your score)'
            in page)
    assert "Your score: <strong>0</strong> (the pass score is 2)" in page
    assert ('Recommended here:</strong> <span lang="en">Reach out privately</span> <span class="score-delta">'
            '(+2 to your score)') in page
    assert "Never promise secrecy" in page and "Being honest now repairs some trust." in page
    assert 'What was happening (content note: <span lang="en">suicide</span>)' in page
    assert "You promised. They tell you more." in page
    assert "You stayed with them and got help." in page and "Play again" in page and "All role-plays" in page
    # Further choices are refused; replaying the last one says so.
    again = client.post(run_url + "/choose", data={"csrf_token": csrf_token(client, run_url + "/debrief"),
                                                   "position": "2", "choice": "0"}, follow_redirects=True)
    assert "has finished" in text(again)


def test_passing_debrief_and_play_again(client, trainee):
    run_url = start(client)
    choose(client, run_url, 0)
    choose(client, run_url, 0)
    page = text(client.get(run_url + "/debrief"))
    assert "Passed" in page and "crossed a red line" not in page and "That was the recommended choice." in page
    token = csrf_token(client, run_url + "/debrief")
    response = client.post("/play/late-post/start", data={"csrf_token": token})
    assert response.headers["Location"] != run_url
    assert client.get(run_url + "/debrief").status_code == 200  # still there


def test_an_untranslated_role_play_keeps_its_choices_english_on_a_welsh_page(client, trainee):
    """Screen readers read the scenario's English words with English sounds (WCAG 3.1.2), the app's in Welsh."""
    client.get("/language/cy", headers={"Sec-Fetch-Site": "same-origin"})
    run_url = start(client, scenario="memory")  # no Welsh translation
    page = text(client.get(choose(client, run_url, 3).headers["Location"]))  # cheat: a red line, +5
    assert 'Eich dewis: <span lang="en">Cheat</span>' in page and "(+5 i’ch sgôr)" in page
    choose(client, run_url, 2)  # give up
    page = text(client.get(run_url + "/debrief"))
    assert '<span lang="en">Cheat</span> <span class="score-delta">(+5 i’ch sgôr)' in page
    assert '<span lang="en">Give up</span> <span class="score-delta">(-1 i’ch sgôr)' in page
    assert ': <span lang="en">Cheat</span>.' in page  # inside the red-line sentence too
    assert '</strong> <span lang="en">Go to a</span> <span class="score-delta">(+1 i’ch sgôr)' in page  # recommended


def test_check_in_is_optional_private_and_struggling_shows_support(client, trainee, session):
    run_url = start(client)
    choose(client, run_url, 1)
    page = text(client.get(run_url + "/debrief"))
    assert "How are you feeling?" in page and "<legend>How are you feeling?</legend>" in page
    assert "Skip the check-in" in page and "trainers never see it" in page
    token = csrf_token(client, run_url + "/debrief")
    bad = client.post(run_url + "/checkin", data={"csrf_token": token, "feeling": "fine"}, follow_redirects=True)
    assert "Choose how you are feeling" in text(bad)
    response = client.post(run_url + "/checkin", data={"csrf_token": token, "feeling": "struggling",
                                                       "note": "hard one"}, follow_redirects=True)
    page = text(response)
    assert "Only you can see this" in page and "Samaritans" in page and "116 123" in page
    assert "Please stop here for now" in page
    checkin = session.scalar(select(WellbeingCheckin))
    assert (checkin.feeling, checkin.note, checkin.run_id) == ("struggling", "hard one", int(run_url.rsplit("/", 1)[1]))


def _unguarded_forms(page: str) -> list[str]:
    """Forms with a required input and no novalidate: the browser's own bubble, in its language, would speak first."""
    return [form.group(1) for form in re.finditer(r"(<form\b[^>]*>)(.*?)</form>", page, re.S)
            if re.search(r"<(input|textarea|select)\b[^>]*\srequired\b", form.group(2))
            and "novalidate" not in form.group(1)]


def test_the_check_in_leaves_its_errors_to_the_server(client, trainee):
    """Chromium's English "Please select one of these options." on a Welsh page: novalidate, as other forms have."""
    run_url = start(client)
    choose(client, run_url, 1)
    page = text(client.get(run_url + "/debrief"))
    assert 'name="feeling"' in page and " required" in page
    assert _unguarded_forms(page) == []


def test_an_untranslated_scenarios_title_is_marked_english_on_a_welsh_debrief(client, trainee):
    client.get("/language/cy", headers={"Sec-Fetch-Site": "same-origin"})
    run_url = start(client, scenario="memory")  # no Welsh translation
    choose(client, run_url, 3)  # cheat
    choose(client, run_url, 2)  # give up: the end
    page = text(client.get(run_url + "/debrief"))
    assert re.search(r'<h1>[^<>]+<span lang="en">Memory</span></h1>', page)
    briefing = text(client.get("/play/memory?course_id=drills&step_id=memory"))
    assert 'Chwarae rôl yn y cwrs “<span lang="en">Drills</span>”.' in briefing  # the course: not translated either


def test_no_check_in_without_content_notes(client, trainee):
    run_url = start(client, scenario="open-ended")
    choose(client, run_url, 0)
    page = text(client.get(run_url + "/debrief"))
    assert "You reached the end of this role-play." in page and "How are you feeling?" not in page


def test_another_trainees_run_is_404_on_every_route(app, client, users, trainee, session):
    run_url = start(client)
    other_client = app.test_client()
    users.login(users.create(), client=other_client)
    token = csrf_token(other_client, "/play/late-post")
    for path in ("", "/debrief", "/pause"):
        assert other_client.get(run_url + path).status_code == 404, path
    for path, data in (("/choose", {"position": "0", "choice": "0"}), ("/checkin", {"feeling": "ok"})):
        assert other_client.post(run_url + path, data={"csrf_token": token, **data}).status_code == 404, path
    assert session.scalar(select(func.count()).select_from(RunChoice)) == 0
    assert session.scalar(select(func.count()).select_from(WellbeingCheckin)) == 0


def test_a_course_step_run_completes_the_step_and_links_back(client, trainee, session):
    briefing = text(client.get("/play/late-post?course_id=listening&step_id=roleplay"))
    assert "Listening basics" in briefing and 'href="/courses/listening/steps/roleplay">Skip for now' in briefing
    run_url = start(client, course_id="listening", step_id="roleplay")
    run = session.get(ScenarioRun, int(run_url.rsplit("/", 1)[1]))
    assert run.enrolment_id is not None and run.step_id == "roleplay"
    # The same step context resumes; practice is a separate context.
    assert start(client, course_id="listening", step_id="roleplay") == run_url
    assert start(client) != run_url
    choose(client, run_url, 1)  # fail: the step stays open
    assert session.scalar(select(StepProgress.completed_at).where(StepProgress.step_id == "roleplay")) is None
    page = text(client.get(run_url + "/debrief"))
    assert "Back to the course" in page and 'href="/courses/listening/steps/roleplay"' in page
    assert client.get(run_url + "/pause").headers["Location"] == "/courses/listening/steps/roleplay"
    token = csrf_token(client, run_url + "/debrief")
    again = client.post("/play/late-post/start", data={"csrf_token": token, "course_id": "listening",
                                                       "step_id": "roleplay"}).headers["Location"]
    choose(client, again, 0)
    choose(client, again, 0)
    session.expire_all()
    assert session.scalar(select(StepProgress.completed_at).where(StepProgress.step_id == "roleplay")) is not None
    assert_completed_steps_exact(session)  # the role-play's completion is on its enrolment's list


def test_course_prerequisites_are_enforced(client, trainee, session):
    page = text(client.get("/play/memory?course_id=drills&step_id=memory"))
    assert 'Please complete <span lang="en">Listening basics</span> before this course.' in page
    token = csrf_token(client, "/play/memory")
    response = client.post("/play/memory/start", data={"csrf_token": token, "course_id": "drills",
                                                       "step_id": "memory"}, follow_redirects=True)
    assert 'Please complete <span lang="en">Listening basics</span>' in text(response)
    assert session.scalar(select(func.count()).select_from(ScenarioRun)) == 0


def test_the_course_step_offers_resume_for_an_unfinished_run(client, trainee):
    token = csrf_token(client, "/courses/listening")
    client.post("/courses/listening/start", data={"csrf_token": token})
    step_url = "/courses/listening/steps/roleplay"
    step = text(client.get(step_url))
    assert "Start the role-play" in step and "Resume the role-play" not in step
    run_url = start(client, course_id="listening", step_id="roleplay")
    assert client.get(run_url + "/pause").headers["Location"] == \
        "/play/late-post?course_id=listening&step_id=roleplay"
    step = text(client.get(step_url))
    assert "Resume the role-play" in step
    choose(client, run_url, 1)  # finished (failed): nothing left to resume
    assert "Start the role-play" in text(client.get(step_url))


# -- a paused practice run on Home, and the briefing's one way back in -----------------------------------


def _in_progress(page: str) -> str:
    """The "In progress" section of Home or My training."""
    return page.split('id="in-progress-heading"', 1)[1].split("</section>", 1)[0]


def test_home_lists_a_paused_practice_role_play_with_resume_next_to_the_courses(client, trainee):
    assert "Nothing in progress" in _in_progress(text(client.get("/home")))
    run_url = start(client)
    choose(client, run_url, 0)  # one choice made, then the trainee leaves
    client.post("/courses/listening/start", data={"csrf_token": csrf_token(client, "/courses/listening")})
    for url in ("/home", "/my-training"):
        block = _in_progress(text(client.get(url)))
        assert "Nothing in progress" not in block, url
        assert "Listening basics" in block and "A late post" in block, url
        assert "Practice role-play, paused on" in block and "You have made 1 choice." in block, url
        assert f'<a class="button" href="{run_url}">Resume where you left off' \
               '<span class="visually-hidden" lang="en"> A late post</span></a>' in block, url
    # Finished: nothing left to resume, so it leaves "In progress".
    choose(client, run_url, 0)
    assert "A late post" not in _in_progress(text(client.get("/home")))


def test_home_leaves_out_course_runs_and_runs_of_withdrawn_role_plays(client, trainee, session):
    client.post("/courses/listening/start", data={"csrf_token": csrf_token(client, "/courses/listening")})
    run_url = start(client, course_id="listening", step_id="roleplay")
    client.get(run_url + "/pause")
    block = _in_progress(text(client.get("/home")))
    # The course's own role-play resumes from the course's Continue, not as a practice run.
    assert "Listening basics" in block and "Practice role-play" not in block and f'href="{run_url}"' not in block
    session.add(ScenarioRun(user_id=trainee.id, scenario_id="withdrawn", current_node="start"))
    session.commit()
    assert "Practice role-play" not in _in_progress(text(client.get("/home")))


def test_home_reads_paused_role_plays_in_one_query_however_many(app, client, trainee):
    from tests.factories import counted

    def runs_read() -> list[str]:
        with counted(app) as statements:
            assert client.get("/home").status_code == 200
        # The paused runs' reads (trainers' comments on runs, shown first, join runs too: not counted here).
        return [s for s in statements if "scenario_runs" in s and "run_comments" not in s]

    assert len(runs_read()) == 1
    for scenario in ("late-post", "memory", "open-ended"):
        start(client, scenario=scenario)
    home = text(client.get("/home"))
    assert home.count("Resume where you left off") == 3
    assert len(runs_read()) == 1


def test_a_paused_runs_briefing_offers_resume_and_start_again_and_nothing_else_like_them(client, trainee):
    run_url = start(client)
    choose(client, run_url, 0)
    client.get(run_url + "/pause")
    page = text(client.get("/play/late-post"))
    start_section = page.split('id="start"', 1)[1].split("</section>", 1)[0]
    assert f'<a class="button" href="{run_url}">Resume where you left off</a>' in start_section
    assert 'name="restart" value="1"' in start_section and "Start again from the beginning" in start_section
    # The content note's "Continue" only jumped back to these; with a run to resume it is not offered.
    note = page.split('id="note-heading"', 1)[1].split("</aside>", 1)[0]
    assert "Continue" not in note and 'href="#start"' not in page and "Skip for now" in note
    assert len(re.findall(r"<a [^>]*>[^<]*Resume", page)) == 1  # one way back in
    # Without a run to resume, the note leads on to Start.
    choose(client, run_url, 0)
    page = text(client.get("/play/late-post"))
    assert 'href="#start"' in page and "Start the role-play" in page and "Resume" not in page


def test_a_refused_check_in_is_marked_at_the_field_it_is_about(client, trainee):
    """The debrief answers the refused check-in: each message at its own field, tied to it and focused, and the
    feeling and the note as sent."""
    from lxml import html as lxml_html

    run_url = start(client)
    choose(client, run_url, 1)
    debrief = run_url + "/debrief"

    def sent(data: dict):
        response = client.post(run_url + "/checkin", data={"csrf_token": csrf_token(client, debrief), **data})
        assert response.status_code == 400  # the debrief answers the refusal itself: the private note is kept
        return lxml_html.fromstring(text(response))

    tree = sent({"note": "fine really"})  # no feeling chosen
    assert tree.get_element_by_id("note").text.lstrip("\r\n") == "fine really"  # (HTML drops the first newline)
    feeling = tree.get_element_by_id("feeling")
    assert feeling.tag == "fieldset" and "has-error" in feeling.get("class")
    assert feeling.get("aria-describedby") == "feeling-error"
    error = tree.get_element_by_id("feeling-error")
    assert "Choose how you are feeling" in error.text_content() and error.get("autofocus") is not None
    assert all(r.get("aria-invalid") == "true" for r in feeling.findall(".//input"))
    assert tree.get_element_by_id("note").get("aria-invalid") is None

    tree = sent({"feeling": "ok", "note": "x" * 2001})  # too long a note
    note = tree.get_element_by_id("note")
    assert note.text.lstrip("\r\n") == "x" * 2001
    assert tree.xpath('//input[@name="feeling"][@value="ok"]')[0].get("checked") is not None
    assert note.get("aria-invalid") == "true" and note.get("aria-describedby") == "note-hint note-error"
    assert "2,000 characters" in tree.get_element_by_id("note-error").text_content()
    assert tree.get_element_by_id("feeling").get("aria-describedby") is None

    page = text(client.get(debrief))  # shown once: the next visit is clean
    assert 'aria-invalid="true"' not in page and "has-error" not in page


def test_a_run_whose_place_was_edited_away_ends_once_instead_of_looping(client, trainee, session):
    """The node a run stood on was renamed in the file: "Resume" led back to the same message, for ever."""
    run_url = start(client)
    page = client.get(run_url + "?skip=1").get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    run = session.scalar(select(ScenarioRun))
    run.current_node = "renamed-away"  # where an edit of the file leaves it
    session.commit()
    # A choice sent from the page already open: told once, at the briefing.
    sent = client.post(run_url + "/choose", data={"csrf_token": token, "position": "0", "choice": "0"},
                       follow_redirects=True)
    body = text(sent)
    assert body.count("This role-play has changed since you started this run. Please start again.") == 1
    assert "Resume where you left off" not in body and "Start the role-play" in body
    session.expire_all()
    ended = session.get(ScenarioRun, run.id)
    assert ended.finished_at is not None and ended.passed is False and ended.outcome is None
    assert session.scalar(select(func.count()).select_from(RunChoice)) == 0
    assert start(client) != run_url  # a fresh run starts
