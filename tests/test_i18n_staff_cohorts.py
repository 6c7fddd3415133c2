"""Trainer cohort pages, role-play insight and content problems in Welsh (issue 20, item 1).

A trainer whose account language is Welsh reads the headings, labels, flashes and refusals
of these pages in Welsh; the CSV exports stay English (data for spreadsheets).
"""
from __future__ import annotations

import csv
import io

from sqlalchemy import select

from lms.cohorts.models import Cohort
from tests.factories import enrol, join, make_cohort, play, post, quick_user


def _in_welsh(client) -> None:
    """Choose Welsh with the language switch: it is recorded on the signed-in trainer's account."""
    client.get("/language/cy", headers={"Sec-Fetch-Site": "same-origin"})


def test_a_welsh_trainer_creates_a_cohort_and_invites_in_welsh(client, session, trainer):
    _in_welsh(client)
    dashboard = client.get("/trainer/").get_data(as_text=True)
    assert '<html lang="cy">' in dashboard
    assert "<h1>Eich carfanau</h1>" in dashboard and ">Creu carfan</a>" in dashboard
    assert 'aria-label="Tudalennau hyfforddwyr"' in dashboard and ">Mewnwelediad chwarae rôl</a>" in dashboard

    created = post(client, "/trainer/cohorts/new", {"name": "Cymedrolwyr nos", "description": ""},
                   form_page="/trainer/cohorts/new", follow_redirects=True).get_data(as_text=True)
    assert ("Mae’r garfan “Cymedrolwyr nos” wedi’i chreu. Nesaf: neilltuwch gyrsiau a gwahoddwch hyfforddeion."
            in created)
    assert "<h2>Gwahoddiadau</h2>" in created and ">Neilltuo cwrs</button>" in created
    assert "Math o wahoddiad" in created and "Dolen bersonol ar gyfer un person (yn gweithio unwaith)" in created
    assert "0 hyfforddai yn y garfan hon." in created

    # A refusal from the service is Welsh too, in the invitation form's error summary.
    cohort = session.scalar(select(Cohort).where(Cohort.name == "Cymedrolwyr nos"))
    url = f"/trainer/cohorts/{cohort.id}"
    refused = post(client, f"{url}/invites", {"kind": "link", "email": "", "days": "14", "send_email": "y",
                                             "language": "cy"}, form_page=url)
    assert refused.status_code == 400
    assert ("I anfon gwahoddiad drwy e-bost, dewiswch ddolen bersonol a rhowch eu cyfeiriad e-bost."
            in refused.get_data(as_text=True))
    # A form's own message (forms.py) as well.
    empty = post(client, "/trainer/cohorts/new", {"name": ""}, form_page="/trainer/cohorts/new")
    assert "Rhowch enw i’r garfan." in empty.get_data(as_text=True)

    archived = post(client, f"{url}/archive", {"confirmed": "yes"}, form_page=url,
                    follow_redirects=True).get_data(as_text=True)
    assert "Mae’r garfan wedi’i harchifo; nid yw ei dolenni gwahoddiad yn gweithio mwyach." in archived


def test_a_welsh_trainer_reads_progress_in_welsh_but_downloads_english_csv(client, session, trainer):
    cohort = make_cohort(session, trainer)
    started, waiting = quick_user(session, "Siân"), quick_user(session, "Dafydd")
    join(session, cohort, started, waiting)
    enrol(session, started)
    _in_welsh(client)
    base = f"/trainer/cohorts/{cohort.id}"

    page = client.get(f"{base}/progress").get_data(as_text=True)
    assert "<h1>Cynnydd: Night moderators</h1>" in page
    assert "0 o 2 wedi cwblhau, 0 yn hwyr" in page  # the summary line
    assert ">Ar y gweill</span>" in page and ">Heb ddechrau</span>" in page  # status badges
    assert "Mae’r enw’n cynnwys" in page and '<option value="not_started">Heb ddechrau</option>' in page
    assert ">Anfon nodyn atgoffa at yr hyfforddeion a ddewiswyd</button>" in page

    # The exports keep English headers and values, whatever the page's language.
    rows = list(csv.DictReader(io.StringIO(client.get(f"{base}/progress.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert {r["Name"]: r["Listening basics: status"] for r in rows} == {"Siân": "In progress", "Dafydd": "Not started"}

    nudged = post(client, f"{base}/nudge", {}, form_page=f"{base}/progress", follow_redirects=True)
    assert "Ticiwch o leiaf un hyfforddai i’w atgoffa." in nudged.get_data(as_text=True)

    trainee = client.get(f"{base}/trainees/{started.id}").get_data(as_text=True)
    assert "<h2>Cyrsiau wedi’u neilltuo</h2>" in trainee and "Yn ôl i gynnydd Night moderators" in trainee
    removing = post(client, f"{base}/members/{waiting.id}/remove", form_page=f"{base}/trainees/{waiting.id}")
    assert "Tynnu Dafydd o Night moderators?" in removing.get_data(as_text=True)
    removed = post(client, f"{base}/members/{waiting.id}/remove", {"confirmed": "yes"},
                   form_page=f"{base}/trainees/{waiting.id}", follow_redirects=True)
    assert "Mae’r person wedi’i dynnu o’r garfan. Mae eu cynnydd eu hunain yn cael ei gadw." in removed.get_data(
        as_text=True)


def test_role_play_insight_and_content_problems_in_welsh(client, session, trainer):
    cohort = make_cohort(session, trainer)
    member = quick_user(session, "Gwen")
    join(session, cohort, member)
    play(session, member, [("start", 2, -1, True)], outcome="fail", shared=True)
    _in_welsh(client)

    listing = client.get("/trainer/scenarios").get_data(as_text=True)
    assert "<h1>Mewnwelediad chwarae rôl</h1>" in listing
    page = client.get("/trainer/scenarios/late-post").get_data(as_text=True)
    assert "<h2 id=\"red-lines\">Llinellau coch a groeswyd</h2>" in page
    assert ">Llinell goch</span>" in page and "Eich holl garfanau" in page
    bad = client.get("/trainer/scenarios/late-post?start=not-a-date")
    assert bad.status_code == 400
    assert "Rhowch y diwrnod cyntaf fel dyddiad, fel 2026-03-31." in bad.get_data(as_text=True)

    problems = client.get("/trainer/content").get_data(as_text=True)
    assert "<h1>Cyrsiau a senarios</h1>" in problems and "<h2>Cyrsiau byw</h2>" in problems
