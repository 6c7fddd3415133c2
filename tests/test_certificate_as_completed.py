"""A certificate describes the completion it is for (FORMAT.md §5): its learning time, validity and "Assessed:"
words are the course's as it was completed, not as trainers edited it before the claim."""
from __future__ import annotations

import io
import shutil
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from lms.catalog.services import catalog
from lms.certificates import services as certificates
from lms.certificates.document import current_branding
from lms.learning import progress
from tests.conftest import FIXTURE_CONTENT

COURSE = """---
title: Short reading
summary: One page.
certificate:
  title: Reader
  hours: 1
  valid_months: 12
---
Read the page.
"""
# The same course after an edit: six hours, two years, an assessment and a role-play added.
EDITED = COURSE.replace("hours: 1\n", "hours: 6\n").replace("valid_months: 12", "valid_months: 24")
ASSESSMENT = """---
title: Check
assessment: true
---
```question id=c-one
Is listening a skill?

- [x] Yes
- [ ] No
```
"""


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    course = root / "courses" / "short"
    course.mkdir()
    (course / "course.md").write_text(COURSE)
    (course / "1-read.md").write_text("---\ntitle: Read\n---\nA page.\n")
    return root


def _course(app):
    app.extensions["lms_catalog"].reload()
    with app.app_context():
        return catalog().course("short")


def test_a_certificate_claimed_after_the_course_changed_states_what_was_completed(app, session, users,
                                                                                   content_dir):
    user = users.create()
    course = _course(app)
    enrolment = progress.enrol(session, user.id, course)
    assert progress.complete_step(session, enrolment, course, course.step("read"))
    session.commit()
    assert enrolment.completion_facts == {"hours": 1, "valid_months": 12, "pass_mark": None, "roleplay": False}

    folder = content_dir / "courses" / "short"
    (folder / "course.md").write_text(EDITED)
    (folder / "2-check.md").write_text(ASSESSMENT)
    (folder / "3-play.md").write_text("---\ntitle: Play\nscenario: late-post\n---\nPlay it.\n")
    edited = _course(app)
    assert edited.certificate.hours == 6 and edited.assessment_steps and edited.step("play").scenario
    with app.test_request_context():
        record = certificates.issue(session, session.get(type(user), user.id), enrolment, edited, "Ada Reader",
                                    current_branding())
        session.commit()
    assert record.hours == 1 and record.assessed_how == "Completion of all required steps"
    completed = enrolment.completed_at.date()
    assert record.valid_until == date(completed.year + 1, completed.month, completed.day)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(record.pdf)).pages).split())
    assert "Completion of all required steps" in text and "Assessed" not in text and "6 hours" not in text


def test_a_completion_from_before_facts_were_kept_reads_the_course(app, session, users, content_dir):
    from tests.factories import complete

    user = users.create()
    enrolment = complete(session, user, course_id="listening")  # completed_at set directly: no facts kept
    assert enrolment.completion_facts is None
    with app.app_context():
        course = catalog().course("listening")
        facts = certificates.completion_facts(enrolment, course)
    assert facts == {"hours": 1.5, "valid_months": 12, "pass_mark": 50, "roleplay": True}
