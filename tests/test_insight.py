"""Issue 14, item 5: role-play insight answers "where do trainees go wrong?".

The service ranks the wrong turns (choices below the best at their point) and the
red lines crossed, with the trainees behind each count, for the runs the viewer may
see, narrowed by cohort, dates and course vs practice. The page labels points by
their situation, not their ids, and answers a bad filter with a message.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import update

from lms.catalog.services import catalog
from lms.core.models import utcnow
from lms.roleplay import insight
from lms.roleplay.models import ScenarioRun
from tests.factories import TODAY, enrol, join, make_cohort, play, quick_user


@pytest.fixture
def world(session, users, trainer):
    """Two cohorts of the trainer's, a trainee of another trainer's, and a private practice run."""
    days = make_cohort(session, trainer, "Day shift")
    nights = make_cohort(session, trainer, "Night shift")
    ann, bea, cal, dev = (quick_user(session, n) for n in ("Ann", "Bea", "Cal", "Dev"))
    join(session, days, ann, bea, cal)
    join(session, nights, dev)
    other = users.create(role="trainer", display_name="Other Trainer")
    elsewhere = make_cohort(session, other, "Elsewhere")
    eve = quick_user(session, "Eve")
    join(session, elsewhere, eve)
    changed_subject = [("start", 0, 2, False), ("reach-out", 1, 0, False)]
    runs = {
        "ann": play(session, ann, changed_subject, outcome="neutral", shared=True),
        "bea": play(session, bea, changed_subject, outcome="neutral", shared=True),
        "bea_red": play(session, bea, [("start", 2, -1, True), ("secret", 0, 1, False)], shared=True),
        "cal_left": play(session, cal, [("start", 1, -2, False)], outcome="fail", shared=True),
        "cal": play(session, cal, changed_subject, outcome="neutral", shared=True),
        "dev_course": play(session, dev, [("start", 2, -1, True), ("secret", 1, 0, False)],
                           enrolment=enrol(session, dev), outcome="neutral"),
        "ann_private": play(session, ann, [("start", 2, -1, True)] * 3, outcome="fail"),  # never counted
        "eve": play(session, eve, [("start", 1, -2, False)], outcome="fail", shared=True),
    }
    return {"days": days, "nights": nights, "elsewhere": elsewhere, "runs": runs,
            "people": {u.display_name: u for u in (ann, bea, cal, dev, eve)}}


def _late_post(app):
    with app.app_context():
        return catalog().scenario("late-post")


def _turns(turns):
    return [(w.node_id, w.choice_index, w.count, [t.name for t in w.trainees]) for w in turns]


def test_wrong_turns_and_red_lines_are_ranked_with_the_trainees_behind_them(app, session, trainer, world):
    result = insight.scenario_insight(session, trainer, _late_post(app))
    assert result.runs == 6  # not Ann's private run, not Eve's (another trainer's cohort)
    assert _turns(result.red_lines) == [("start", 2, 2, ["Bea", "Dev"])]
    assert _turns(result.wrong_turns) == [
        ("reach-out", 1, 3, ["Ann", "Bea", "Cal"]),  # the most common first
        ("start", 1, 1, ["Cal"]),  # then ties in the order of the scenario
        ("secret", 1, 1, ["Dev"]),
    ]
    top = result.wrong_turns[0]
    assert top.percent == 100 and top.score == 0 and "Ask directly about suicide" in top.better_html
    assert top.node_label == insight.node_label(_late_post(app).nodes["reach-out"])
    # Each name links through a cohort of the trainee's that the trainer supervises.
    days, nights = world["days"].id, world["nights"].id
    assert {t.name: t.cohort_id for t in result.red_lines[0].trainees} == {"Bea": days, "Dev": nights}


def test_an_admin_sees_everyone_but_never_an_unshared_practice_run(app, session, users, world):
    admin = users.create(role="admin")
    result = insight.scenario_insight(session, admin, _late_post(app))
    assert result.runs == 7
    assert _turns(result.red_lines) == [("start", 2, 2, ["Bea", "Dev"])]  # Ann's private red lines stay private
    assert ("start", 1, 2, ["Cal", "Eve"]) in _turns(result.wrong_turns)


def test_another_trainer_sees_only_their_own_trainees(app, session, users, world):
    other = users.create(role="trainer", display_name="Third Trainer")
    assert insight.scenario_insight(session, other, _late_post(app)).red_lines == ()
    first_other = world["elsewhere"]
    from lms.cohorts import services as cohorts

    owner = cohorts.trainers(session, first_other)[0]
    result = insight.scenario_insight(session, owner, _late_post(app))
    assert _turns(result.wrong_turns) == [("start", 1, 1, ["Eve"])] and result.red_lines == ()


def test_filters_narrow_by_cohort_kind_and_dates(app, session, trainer, world):
    scenario = _late_post(app)

    def seen(**filters):
        with app.app_context():  # dates are read in the configured timezone
            result = insight.scenario_insight(session, trainer, scenario, insight.Filters(**filters))
        return result.runs, _turns(result.red_lines), [(w.node_id, w.choice_index) for w in result.wrong_turns]

    assert seen(cohort_id=world["nights"].id) == (1, [("start", 2, 1, ["Dev"])], [("secret", 1)])
    assert seen(kind="course") == (1, [("start", 2, 1, ["Dev"])], [("secret", 1)])
    runs, red, wrong = seen(kind="practice")
    assert runs == 5 and red == [("start", 2, 1, ["Bea"])] and ("secret", 1) not in wrong
    # Dates are the days runs started, in the charity's timezone; the last day is included.
    long_ago = utcnow() - timedelta(days=30)
    session.execute(update(ScenarioRun).where(ScenarioRun.id == world["runs"]["bea_red"].id)
                    .values(started_at=long_ago))
    session.commit()
    assert seen(start=TODAY - timedelta(days=7))[1] == [("start", 2, 1, ["Dev"])]
    assert seen(end=TODAY - timedelta(days=7)) == (1, [("start", 2, 1, ["Bea"])], [])
    assert seen(start=TODAY, end=TODAY)[0] == 5
    # The ends of the calendar, typed by hand, count every run (they were a 500: no UTC moment exists there).
    assert seen(start=date.min, end=date.max)[0] == 6
    # Skills follow the same filters (late-post declares none; the service still answers).
    assert insight.scenario_insight(session, trainer, scenario, insight.Filters(kind="course")).skills is None


@pytest.mark.parametrize("zone", ["Europe/London", "Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_the_widest_dates_on_the_page_are_an_answer_not_an_error(app, client, trainer, world, zone):
    app.config["TIMEZONE"] = zone
    widest = client.get("/trainer/scenarios/late-post?start=0001-01-01&end=9999-12-31")
    assert widest.status_code == 200 and "Red lines crossed" in widest.get_data(as_text=True)


def test_the_page_names_points_by_their_situation_and_links_trainees(app, client, session, trainer, world):
    page = client.get("/trainer/scenarios/late-post").get_data(as_text=True)
    scenario = _late_post(app)
    for node_id in ("start", "reach-out", "secret"):
        assert str(escape(insight.node_label(scenario.nodes[node_id]))) in page
        assert f"<code>{node_id}</code>" not in page
    assert "I can" in insight.node_label(scenario.nodes["start"])  # the member's words, not "Content note"
    assert page.index("Red lines crossed") < page.index("Most common wrong turns") < page.index("In detail")
    bea = world["people"]["Bea"]
    assert f'href="/trainer/cohorts/{world["days"].id}/trainees/{bea.id}">Bea</a>' in page
    assert "Eve" not in page and '<details class="card node-insight' in page
    # The form is a labelled GET form; a filter narrows the page.
    assert 'method="get"' in page and '<label for="cohort">Cohort</label>' in page
    nights = client.get(f"/trainer/scenarios/late-post?cohort={world['nights'].id}&kind=&start=&end=")
    assert nights.status_code == 200
    body = nights.get_data(as_text=True)
    assert ">Dev</a>" in body and ">Bea</a>" not in body


@pytest.mark.parametrize(("query", "message"), [
    ("cohort=999999", "Choose one of your cohorts from the list."),
    ("cohort=abc", "Choose one of your cohorts from the list."),
    ("start=2026-13-01", "Enter the first day as a date, like 2026-03-31."),
    ("end=yesterday", "Enter the last day as a date, like 2026-03-31."),
    ("start=2026-05-02&end=2026-05-01", "The last day must be on or after the first day."),
    ("kind=everything", "Choose course steps, shared practice or both."),
])
def test_a_bad_filter_is_a_clear_message(client, session, trainer, world, query, message):
    response = client.get(f"/trainer/scenarios/late-post?{query}")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert message in body and "There is a problem" in body and "Correct the filters above" in body
    assert "Red lines crossed" not in body


def test_another_trainers_cohort_is_not_a_choice(client, session, trainer, world):
    response = client.get(f"/trainer/scenarios/late-post?cohort={world['elsewhere'].id}")
    assert response.status_code == 400 and "Elsewhere" not in response.get_data(as_text=True)


def test_a_long_list_of_names_is_cut_in_sql_and_counted_in_full(app, client, session, trainer, world, monkeypatch):
    monkeypatch.setattr(insight, "MAX_NAMES", 2)
    result = insight.scenario_insight(session, trainer, _late_post(app))
    top = result.wrong_turns[0]
    assert ([t.name for t in top.trainees], top.trainee_count) == (["Ann", "Bea"], 3)
    assert "and 1 more" in client.get("/trainer/scenarios/late-post").get_data(as_text=True)
