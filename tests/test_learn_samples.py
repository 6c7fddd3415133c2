"""Every page of every sample course that ships with the project renders for a trainee."""
import pytest
from markupsafe import escape

from lms.catalog.services import catalog
from lms.core.models import utcnow
from lms.learning import progress
from lms.learning.models import Enrolment
from tests.conftest import ROOT, csrf_token


@pytest.fixture
def content_dir():
    return ROOT


def test_every_sample_course_and_step_renders(app, client, users, session):
    user = users.create()
    users.login(user)
    with app.app_context():
        courses = list(catalog().courses.values())
    assert len(courses) >= 3
    catalogue = client.get("/courses").get_data(as_text=True)
    for course in courses:
        assert course.title in catalogue
        # Prerequisites count as done here, so that every course opens.
        for required in course.requires:
            enrolment = progress.latest_enrolment(session, user.id, required)
            if enrolment is None:
                session.add(Enrolment(user_id=user.id, course_id=required, cycle=1, completed_at=utcnow()))
            elif enrolment.completed_at is None:
                enrolment.completed_at = utcnow()
        session.commit()
        assert client.get(f"/courses/{course.id}").status_code == 200
        client.post(f"/courses/{course.id}/start", data={"csrf_token": csrf_token(client, f"/courses/{course.id}")})
        for step in course.steps:
            response = client.get(f"/courses/{course.id}/steps/{step.id}?notes=continue")
            page = response.get_data(as_text=True)
            assert response.status_code == 200, f"{course.id}/{step.id}"
            assert str(escape(step.title)) in page
            shown = [q for q in step.questions if f'id="q-{q.id}"' in page]
            if step.assessment and step.pool:  # a fresh draw of `pool` questions, every critical one among them
                assert len(shown) == step.pool, f"{course.id}/{step.id}"
                assert {q.id for q in step.questions if q.critical} <= {q.id for q in shown}, f"{course.id}/{step.id}"
            else:
                assert shown == list(step.questions), f"{course.id}/{step.id}"
    assert client.get("/my-training").status_code == 200
