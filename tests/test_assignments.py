"""Issue 15, items 1-2: assigned training in front of the trainee, invitations that say who is inviting."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from lms.accounts.models import User
from lms.cohorts import services as cohorts
from lms.cohorts.models import CohortMember
from lms.core.models import utcnow
from lms.learning.assigned import due_words
from tests.conftest import PASSWORD
from tests.factories import TODAY, enrol, join, make_cohort, post


@pytest.fixture
def trainer(users):
    return users.create(role="trainer", display_name="Tess Trainer")


def test_due_words_say_it_in_words_not_only_colour():
    assert due_words(TODAY - timedelta(days=3), TODAY)[0].startswith("Overdue by 3 days")
    assert due_words(TODAY - timedelta(days=1), TODAY) == (
        f"Overdue by 1 day (was due {(TODAY - timedelta(days=1)).day} {(TODAY - timedelta(days=1)):%B %Y})", "bad")
    assert due_words(TODAY, TODAY)[0].startswith("Due today")
    assert due_words(TODAY + timedelta(days=1), TODAY)[0].startswith("Due tomorrow")
    assert due_words(TODAY + timedelta(days=20), TODAY) == (
        f"Due in 20 days ({(TODAY + timedelta(days=20)).day} {(TODAY + timedelta(days=20)):%B %Y})", "")
    assert due_words(None, TODAY) == ("No due date", "")
    assert due_words(TODAY - timedelta(days=5), TODAY, done=True)[1] == "ok"
    assert due_words(TODAY - timedelta(days=5), TODAY, done=True)[0].startswith("Was due ")
    # Finished ahead of a date still to come: not "was due" (QA pass, 1 December).
    assert due_words(TODAY + timedelta(days=9), TODAY, done=True)[0].startswith("Done before its due date, ")


def test_my_training_and_home_show_what_is_assigned_by_whom_and_when(client, session, users, trainer):
    trainee = users.create(display_name="Tom Trainee")
    cohort = make_cohort(session, trainer, name="Night moderators, spring intake", courses=("listening",),
                         due_on=TODAY - timedelta(days=2))
    cohorts.assign_course(session, trainer, cohort, "advanced", TODAY + timedelta(days=10), {"advanced"})
    session.commit()
    join(session, cohort, trainee)
    # Joined before the first course was due.
    session.execute(update(CohortMember).where(CohortMember.user_id == trainee.id)
                    .values(joined_at=utcnow() - timedelta(days=20)))
    session.commit()
    users.login(trainee)
    for url in ("/my-training", "/home"):
        page = client.get(url).get_data(as_text=True)
        assert "Assigned to you" in page
        block = page[page.index("Assigned to you"):page.index("In progress")]
        # Overdue first (soonest due), in words; then the other one.
        assert block.index("Listening basics") < block.index("Advanced listening")
        assert "Overdue by 2 days" in block and 'badge bad' in block
        assert "From Night moderators, spring intake, assigned by Tess Trainer" in block
        assert "Due in 10 days" in block
        assert ">Start<span class=\"visually-hidden\" lang=\"en\"> Listening basics" in block
        assert "Nothing in progress yet: start with what is assigned to you above" in page

    enrol(session, trainee, "listening", steps=("welcome",))
    block = client.get("/my-training").get_data(as_text=True)
    assert ">Continue<span class=\"visually-hidden\" lang=\"en\"> Listening basics" in block


def test_who_joins_after_a_due_date_is_asked_to_do_it_soon_not_told_they_are_late(client, session, users, trainer):
    cohort = make_cohort(session, trainer, name="Night moderators", courses=("listening",),
                         due_on=TODAY - timedelta(days=3))
    latecomer = users.create(display_name="Lee Latecomer")
    join(session, cohort, latecomer, joined_at=utcnow())  # today, after the due date
    users.login(latecomer)
    block = client.get("/my-training").get_data(as_text=True)
    block = block[block.index("Assigned to you"):]
    shown = f"{(TODAY - timedelta(days=3)).day} {(TODAY - timedelta(days=3)):%B %Y}"
    assert f"Due {shown}, before you joined: please do it as soon as you can" in block
    assert "Overdue by" not in block and "badge bad" not in block
    # The words alone, by the date they joined: the day of the due date itself is not late joining.
    due = TODAY - timedelta(days=3)
    assert due_words(due, TODAY, joined_on=due + timedelta(days=1))[1] == "warn"
    assert due_words(due, TODAY, joined_on=due)[0].startswith("Overdue by 3 days")
    assert due_words(due, TODAY, done=True, joined_on=due + timedelta(days=1))[1] == "ok"


def test_catalogue_lists_assigned_courses_first_with_a_badge(client, session, users, trainer):
    trainee = users.create()
    # "Advanced listening" sorts first by title; assigned "Listening basics" must come first.
    cohort = make_cohort(session, trainer, courses=("listening",), due_on=TODAY + timedelta(days=1))
    join(session, cohort, trainee)
    users.login(trainee)
    page = client.get("/courses").get_data(as_text=True)
    assert page.index("Listening basics") < page.index("Advanced listening")
    assert "Assigned: due tomorrow" in page


def test_archived_cohorts_assign_nothing(client, session, users, trainer):
    trainee = users.create()
    cohort = make_cohort(session, trainer, courses=("listening",))
    join(session, cohort, trainee)
    cohorts.set_archived(session, trainer, cohort, True)
    session.commit()
    assert cohorts.assignments_for(session, trainee.id) == []



def test_an_archived_cohort_takes_no_new_course_and_sends_no_reminder(app, client, session, users, trainer):
    """Its members would be told of either; as with invitations, the trainer restores it first."""
    from lms.cohorts.models import CohortCourse
    from lms.jobs.models import Job

    trainee = users.create()
    cohort = make_cohort(session, trainer, courses=("listening",))
    join(session, cohort, trainee)
    cohorts.set_archived(session, trainer, cohort, True)
    session.commit()
    users.login(trainer)
    url = f"/trainer/cohorts/{cohort.id}"
    assigned = post(client, f"{url}/courses", {"course_id": "advanced", "due_on": ""}, form_page=url,
                    follow_redirects=True)
    assert assigned.status_code == 400
    assert "This cohort is archived. Restore it before assigning courses." in assigned.get_data(as_text=True)
    nudged = post(client, f"{url}/nudge", {"user_ids": [trainee.id]}, form_page=url, follow_redirects=True)
    assert "This cohort is archived. Restore it before reminding anyone." in nudged.get_data(as_text=True)
    session.expire_all()
    assert session.scalars(select(CohortCourse.course_id).where(CohortCourse.cohort_id == cohort.id)).all() == [
        "listening"]
    assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_invitation_page_names_the_cohort_and_the_charity(client, session, trainer):
    cohort = make_cohort(session, trainer, name="Night moderators, spring intake")
    token = cohorts.create_invite(session, trainer, cohort, reusable=False, email="new@example.org")
    session.commit()
    page = client.get(f"/register?invite={token}").get_data(as_text=True)
    assert ("You’ve been invited to join <em>Night moderators, spring intake</em> "
            "at Example Peer Support Charity") in page
    assert "This invitation is for <strong>new@example.org</strong>" in page


@pytest.mark.parametrize("state", ["used", "expired", "revoked", "unknown"])
def test_a_spent_link_says_so_and_never_makes_an_account_outside_the_cohort(app, client, session, trainer, state):
    cohort = make_cohort(session, trainer, name="Night moderators")
    token = cohorts.create_invite(session, trainer, cohort, reusable=False)
    session.commit()
    invite = cohorts.invites(session, cohort)[0]
    if state == "used":
        invite.uses = 1
    elif state == "expired":
        invite.expires_at = utcnow() - timedelta(minutes=1)
    elif state == "revoked":
        cohorts.revoke_invite(session, trainer, cohort, invite.id)
    else:
        token = "not-a-real-token"
    session.commit()
    expected = {"used": "This invitation has already been used", "expired": "This invitation has expired",
                "revoked": "This invitation has been withdrawn", "unknown": "This invitation link is not recognised"}
    page = client.get(f"/register?invite={token}")
    text = page.get_data(as_text=True)
    assert page.status_code == (404 if state == "unknown" else 410)
    assert expected[state] in text and "No account has been created" in text
    assert 'name="password"' not in text  # no form that would quietly register outside the cohort
    if state != "unknown":
        assert "It was an invitation to join <strong>Night moderators</strong>" in text
    # Posting the form anyway (an old tab) is refused with the same reason, and creates nobody.
    count = session.scalar(select(func.count()).select_from(User))
    form = {"display_name": "Late", "email": "late@example.org", "password": PASSWORD, "confirm": PASSWORD,
            "invite": token}
    response = post(client, "/register", form, form_page="/register")
    assert expected[state] in response.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(User)) == count
    assert session.scalar(select(func.count()).select_from(CohortMember)) == 0


def test_join_link_for_an_existing_account_says_why_it_does_not_work(client, session, users, trainer):
    cohort = make_cohort(session, trainer, name="Night moderators")
    token = cohorts.create_invite(session, trainer, cohort, reusable=True)
    session.commit()
    cohorts.revoke_invite(session, trainer, cohort, cohorts.invites(session, cohort)[0].id)
    session.commit()
    users.login(users.create())
    page = client.get(f"/join/{token}")
    assert page.status_code == 410 and "This invitation has been withdrawn" in page.get_data(as_text=True)


def test_the_created_link_can_be_copied_without_javascript(client, session, users, trainer):
    users.login(trainer)
    cohort = make_cohort(session, trainer, name="Night moderators")
    page = post(client, f"/trainer/cohorts/{cohort.id}/invites", {"kind": "single", "days": "14"},
                form_page=f"/trainer/cohorts/{cohort.id}", follow_redirects=True).get_data(as_text=True)
    assert 'readonly value="http://localhost/register?invite=' in page
    assert '<code class="invite-link">http://localhost/register?invite=' in page
    assert 'href="mailto:?subject=Join%20Night%20moderators' in page


def test_a_link_made_for_a_welsh_speaker_opens_in_welsh_as_the_emailed_one_does(client, session, users, trainer):
    users.login(trainer)
    cohort = make_cohort(session, trainer, name="Night moderators")
    page = post(client, f"/trainer/cohorts/{cohort.id}/invites", {"kind": "single", "days": "14", "language": "cy"},
                form_page=f"/trainer/cohorts/{cohort.id}", follow_redirects=True).get_data(as_text=True)
    link = page.split('<code class="invite-link">', 1)[1].split("</code>", 1)[0].replace("&amp;", "&")
    assert link.startswith("http://localhost/register?invite=") and link.endswith("&lang=cy")
    users.logout()
    assert '<html lang="cy">' in client.get(link.removeprefix("http://localhost")).get_data(as_text=True)
