"""The readable data page in the reader's words (issue 20): headings, not column names; dates, yes/no
and statuses written out; in English and in Welsh. The download stays data: stored names and values.

The label test reads the schema, like the privacy completeness test: a table or column added later
that an export can show fails here until it has a heading (and so a translation).
"""
from __future__ import annotations

import html
import json
import re

from flask_babel import force_locale

from lms.accounts.models import User
from lms.core.i18n import long_date
from lms.privacy import services as privacy
from tests.factories import TODAY
from tests.test_privacy import _plant_everything

HEADING = re.compile(r'<th scope="col">([^<]*)</th>|<dt>([^<]*)</dt>')


def test_every_table_and_column_an_export_can_show_has_a_heading_in_each_language(app):
    columns = privacy.exported_columns()
    assert "users" in columns and privacy.user_tables() <= set(columns)
    untitled = sorted(set(columns) - {"users"} - set(privacy.TABLE_TITLES))
    unlabelled = sorted(f"{t}.{c}" for t, names in columns.items() for c in names if privacy.column_label(t, c) is None)
    assert not untitled, f"tables without a title in TABLE_TITLES: {untitled}"
    assert not unlabelled, f"columns without a label in COLUMN_LABELS/COMMON_LABELS: {unlabelled}"
    with app.app_context():
        english = {(t, c): privacy.column_label(t, c) for t, names in columns.items() for c in names}
        with force_locale("cy"):
            welsh = {key: privacy.column_label(*key) for key in english}
            welsh_titles = {name: str(title) for name, title in privacy.TABLE_TITLES.items()}
    # Every heading has a Welsh translation (a .po entry left empty would show the English here).
    assert not [key for key in english if welsh[key] == english[key]]
    assert not [name for name, title in privacy.TABLE_TITLES.items() if welsh_titles[name] == str(title)]


def _headings(page: str) -> list[str]:
    return [html.unescape(th or dt) for th, dt in HEADING.findall(page)]


def test_the_page_reads_in_words_in_english_and_welsh_and_the_download_keeps_the_data(app, client, session, users):
    person, *_ = _plant_everything(session, users)
    session.get(User, person.id).language = "en"
    session.commit()
    users.login(person)
    page = client.get("/account/data/view").get_data(as_text=True)
    headings = _headings(page)
    with app.app_context():
        labels = {privacy.column_label(t, c) for t, names in privacy.exported_columns().items() for c in names}
        today = long_date(TODAY)
    assert len(headings) > 100 and set(headings) <= labels
    assert not [h for h in headings if "_" in h]  # no column name shows as one
    for words in ("Display name", "Record number", "Certificate code", "How you felt", "Due date",
                  "Courses you assigned to cohorts", "Your recovery codes (the codes themselves are not shown)"):
        assert words in page, words
    # Values: a certificate's status and dates in words, booleans as yes/no, the role by its name.
    assert "<td dir=\"auto\">Issued</td>" in page and "<td dir=\"auto\">Waiting for sign-off</td>" in page
    assert f"<td dir=\"auto\">{today}</td>" in page  # the reminder's date, the certificate's completion day
    assert re.search(r"<td dir=\"auto\">\d{1,2} [A-Z][a-z]+ \d{4} at \d\d:\d\d</td>", page)
    assert "<td dir=\"auto\">yes</td>" in page and "<dd dir=\"auto\">Trainer</dd>" in page
    assert "<dd dir=\"auto\">English</dd>" in page
    assert f"Their cohort, joined {today}" in page
    assert "<td dir=\"auto\">A course due within a week</td>" in page  # a reminder's kind, not "due_7"
    assert "<td dir=\"auto\">Site name</td>" in page and ">SITE_NAME<" not in page  # a setting by its label
    assert "Other Trainer changed Pat Person" in page and ">user.set_role<" not in page  # the audit log's words
    assert "T00:00" not in page and ">pending<" not in page and ">issued<" not in page

    session.get(User, person.id).language = "cy"
    session.commit()
    welsh = client.get("/account/data/view").get_data(as_text=True)
    with app.app_context(), force_locale("cy"):
        welsh_labels = {privacy.column_label(t, c) for t, names in privacy.exported_columns().items() for c in names}
        welsh_today = long_date(TODAY)
    assert set(_headings(welsh)) <= welsh_labels
    for words in ("Enw arddangos", "Rhif y cofnod", "Cod y dystysgrif", "Sut roeddech yn teimlo",
                  "Cyrsiau a neilltuwyd gennych i garfanau", "Eich codau adfer"):
        assert words in welsh, words
    assert "<td dir=\"auto\">Cyhoeddwyd</td>" in welsh and "<td dir=\"auto\">Yn aros am gymeradwyaeth</td>" in welsh
    assert f"<td dir=\"auto\">{welsh_today}</td>" in welsh and welsh_today != today
    assert re.search(r"<td dir=\"auto\">\d{1,2} \w+ \d{4} am \d\d:\d\d</td>", welsh)
    assert "<td dir=\"auto\">ie</td>" in welsh and "<dd dir=\"auto\">Hyfforddwr</dd>" in welsh
    assert "<dd dir=\"auto\">Cymraeg</dd>" in welsh
    assert "Newidiodd Other Trainer rôl Pat Person" in welsh
    assert "<td dir=\"auto\">Cwrs i’w gwblhau o fewn wythnos</td>" in welsh
    assert "<td dir=\"auto\">Enw’r wefan</td>" in welsh
    assert not [h for h in _headings(welsh) if h in labels - welsh_labels]  # nothing left in English

    data = json.loads(client.get("/account/data/download").get_data(as_text=True))
    assert data["profile"]["display_name"] == "Pat Person" and data["profile"]["role"] == "trainer"
    assert {c["status"] for c in data["tables"]["certificates"]} == {"issued", "pending"}
    assert data["tables"]["sent_reminders"][0]["on_date"] == TODAY.isoformat()
