"""Trainers read course and role-play titles as their trainees do, each marked with its language.

A Welsh-speaking trainer sees a translated course or role-play under its Welsh title (as the
trainee does), and an untranslated one under its original title marked `lang="en"`, so a
screen reader says it in English inside the Welsh page (WCAG 2.2, 3.1.2 Language of Parts).
The CSV exports stay in the originals' words.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from lms.accounts.models import User
from lms.catalog.services import catalog
from tests.factories import enrol, join, make_cohort, quick_user

SAMPLES = Path(__file__).resolve().parent.parent


@pytest.fixture
def content_dir() -> Path:
    return SAMPLES


def test_a_welsh_trainer_sees_welsh_titles_and_english_ones_marked_as_english(app, client, session, users):
    trainer = users.create(role="trainer", display_name="Tess Trainer")
    session.get(User, trainer.id).language = "cy"
    session.commit()
    cohort = make_cohort(session, trainer, courses=("peer-support-basics", "moderating-with-care"))
    trainee = quick_user(session, "Siân")
    join(session, cohort, trainee)
    with app.app_context():
        first_step = catalog().course("peer-support-basics").steps[1]
    enrol(session, trainee, "peer-support-basics", steps=(first_step.id,))
    users.login(trainer)
    base = f"/trainer/cohorts/{cohort.id}"

    progress = client.get(f"{base}/progress").get_data(as_text=True)
    assert '<span lang="cy">Hanfodion cymorth gan gymheiriaid</span>' in progress
    assert '<span lang="en">Moderating with care</span>' in progress

    page = client.get(base).get_data(as_text=True)
    assert '<span lang="cy">Hanfodion cymorth gan gymheiriaid</span>' in page
    assert '<span lang="en">Moderating with care</span>' in page

    record = client.get(f"{base}/trainees/{trainee.id}").get_data(as_text=True)
    assert '<span lang="cy">Hanfodion cymorth gan gymheiriaid</span></h3>' in record
    assert '<span lang="cy">Gwrando’n dda</span>' in record and "Listening well" not in record

    listing = client.get("/trainer/scenarios").get_data(as_text=True)
    assert 'lang="cy">Edefyn tanllyd</a>' in listing and 'lang="en">A goodbye at 2am</a>' in listing
    insight = client.get("/trainer/scenarios/heated-thread").get_data(as_text=True)
    assert '<span lang="cy">Edefyn tanllyd</span>' in insight.split("<h1>", 1)[1].split("</h1>", 1)[0]

    # The choices of a course in forms say their language too: the progress filter, the cohort's assignment,
    # the review queue's filter, the certificate search; and the invitation's language names its own.
    assert '<option lang="en" value="moderating-with-care">Moderating with care</option>' in progress
    assert '<option lang="cy" value="peer-support-basics">Hanfodion cymorth gan gymheiriaid</option>' in progress
    assert '<option lang="en" value="night-shift-moderation">' in page
    assert re.search(r'<option lang="en"( selected)? value="en">English</option>', page)
    assert re.search(r'<option lang="cy"( selected)? value="cy">Cymraeg</option>', page)
    assert '<option lang="en" value="moderating-with-care">' in client.get("/trainer/reviews").get_data(as_text=True)
    assert '<option lang="en" value="moderating-with-care">' in client.get("/certificates/manage").get_data(
        as_text=True)

    # Data for spreadsheets keeps the originals' titles.
    export = client.get(f"{base}/progress.csv").get_data(as_text=True)
    assert "Peer support basics" in export.splitlines()[0] and "Hanfodion" not in export


def test_an_english_trainer_reads_the_originals_marked_as_english(client, session, users):
    trainer = users.create(role="trainer", display_name="Tess Trainer")
    cohort = make_cohort(session, trainer, courses=("peer-support-basics",))
    join(session, cohort, quick_user(session, "Siân"))
    users.login(trainer)
    progress = client.get(f"/trainer/cohorts/{cohort.id}/progress").get_data(as_text=True)
    assert '<span lang="en">Peer support basics</span>' in progress and "Hanfodion" not in progress

