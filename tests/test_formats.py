"""One way to write a date, a time and a duration on every page; a site icon."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from lms.core import i18n

TEMPLATES = Path(__file__).resolve().parent.parent / "lms"


@pytest.mark.parametrize(("minutes", "said"), [
    (1, "about 1 minute"), (40, "about 40 minutes"), (59, "about 59 minutes"), (60, "about 1 hour"),
    (74, "about 1 hour"), (75, "about 1½ hours"), (90, "about 1½ hours"), (120, "about 2 hours"),
    (153, "about 2½ hours"), (600, "about 10 hours"),
])
def test_durations_are_said_as_people_say_them(app, minutes, said):
    with app.test_request_context():
        assert i18n.about_duration(minutes) == said


def test_dates_are_written_one_way_in_each_language(app):
    app.config["TIMEZONE"] = "Europe/London"
    with app.test_request_context():
        assert i18n.long_date(date(2026, 3, 3)) == "3 March 2026"
        # A stored moment counts on the charity's calendar: 23:30 UTC on 30 June is 1 July in London.
        assert i18n.long_date(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == "1 July 2026"
        assert i18n.date_and_time(datetime(2026, 6, 30, 13, 5, tzinfo=UTC)) == "30 June 2026 at 14:05"
        assert i18n.long_date(None) == "" and i18n.date_and_time(None) == ""
    with app.test_request_context(headers={"Accept-Language": "cy"}):
        assert i18n.long_date(date(2026, 3, 3)) == "3 Mawrth 2026"


def test_no_template_formats_a_date_its_own_way():
    """strftime and isoformat are for machines (a <time datetime>), never for the words on a page."""
    offenders = []
    for path in TEMPLATES.rglob("templates/**/*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            shown = re.sub(r'datetime="\{\{[^}]*\}\}"', "", line)
            if "strftime" in shown or ".isoformat()" in shown:
                offenders.append(f"{path.relative_to(TEMPLATES)}:{number}")
    assert not offenders, "use |long_date or |date_and_time:\n" + "\n".join(offenders)


def test_dates_on_a_trainer_page_use_the_one_format(client, session, users):
    from tests.factories import make_cohort

    trainer = users.create(role="trainer")
    users.login(trainer)
    make_cohort(session, trainer, name="Night moderators", due_on=date(2026, 3, 3))
    page = client.get("/trainer/").get_data(as_text=True)
    assert re.search(r"<time datetime=\"[^\"]+\">\d{1,2} [A-Z][a-z]+ \d{4}</time>", page)


def test_the_site_icon_is_linked_and_served(client):
    page = client.get("/login").get_data(as_text=True)
    link = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert link
    icon = client.get(link.group(1))
    assert icon.status_code == 200 and b"<svg" in icon.data
    fallback = client.get("/favicon.ico")  # where browsers look without a page (a PDF, a JSON answer)
    assert fallback.status_code == 200 and fallback.mimetype == "image/svg+xml" and b"<svg" in fallback.data
