"""Issue 14, item 10: `lms demo` makes a cohort whose trainer pages show what they are for.

Run through the command line twice with the sample content at the repository root:
the second run makes nothing new, and the trainer's pages show an overdue trainee, a
red line crossed in a role-play and a certificate waiting for sign-off.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.certificates.models import Certificate
from lms.cohorts.models import Cohort
from lms.roleplay.models import ScenarioRun
from tests.conftest import ROOT


@pytest.fixture
def content_dir():
    return ROOT


@pytest.fixture
def app_config():
    return {"ENVIRONMENT": "development"}


def _counts(session):
    return tuple(
        session.scalar(select(func.count()).select_from(model)) for model in (User, Cohort, ScenarioRun, Certificate)
    )


def test_demo_twice_shows_the_trainer_pages_alive(runner, client, session, users):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "Morgan Reyes: finished both courses; certificate waiting for your sign-off." in first.output
    assert "trainer@example.org" in first.output and "Role-play insight" in first.output
    # The site's own address (the test config's LMS_PUBLIC_BASE_URL), not a fixed one.
    assert "Open http://localhost and log in as the trainer" in first.output
    before = _counts(session)
    # Again, from a Welsh terminal: the same accounts, said in Welsh (the addresses and passwords as they are).
    again = runner.invoke(args=["demo"], env={"LANGUAGE": None, "LC_ALL": None, "LC_MESSAGES": None,
                                              "LANG": "cy_GB.UTF-8"})
    assert again.exit_code == 0, again.output
    assert "Morgan Reyes" not in again.output and "trainer@example.org" in again.output
    assert "Cyfrifon arddangos (ar gyfer datblygu yn unig):" in again.output
    assert "cyfrinair: demo-trainer-passphrase" in again.output and "Yn aros amdanoch:" in again.output
    session.expire_all()
    assert _counts(session) == before  # nothing made twice

    statuses = dict(session.execute(select(Certificate.course_id, Certificate.status)).all())
    assert statuses == {"peer-support-basics": "issued", "moderating-with-care": "pending"}

    trainer = session.scalar(select(User).where(User.email == "trainer@example.org"))
    users.login(trainer, "demo-trainer-passphrase")
    cohort = session.scalar(select(Cohort))
    progress = client.get(f"/trainer/cohorts/{cohort.id}/progress").get_data(as_text=True)
    for name in ("Priya Shah", "Jordan Lee", "Sam Okafor", "Morgan Reyes", "Demo Trainee"):
        assert name in progress
    assert "Overdue" in progress
    insight = client.get("/trainer/scenarios/friend-request-member").get_data(as_text=True)
    red_lines = insight[insight.index("Red lines crossed"):insight.index("Most common wrong turns")]
    assert "Red line</span>" in red_lines and ">Jordan Lee</a>" in red_lines  # a course-step run
    practice = client.get("/trainer/scenarios/friend-request").get_data(as_text=True)
    assert ">Jordan Lee</a>" in practice and ">Demo Trainee</a>" in practice
    pending = client.get("/certificates/manage").get_data(as_text=True)
    assert "Morgan Reyes" in pending
    # The trainer's "Needs you" board: the sign-off, the request for a chat, the overdue trainees.
    board = client.get("/trainer/needs-you").get_data(as_text=True)
    assert "Morgan Reyes" in board and "Jordan Lee" in board and "Priya Shah" in board
    assert "Demo cohort: night moderators" in client.get("/trainer/").get_data(as_text=True)
    # Every demo trainee can log in with the printed password.
    users.logout()
    assert users.login("priya@example.org", "demo-trainee-passphrase").status_code == 302
