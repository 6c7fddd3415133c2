"""The sample content at the repository's root in Welsh (issue 20, item 6): the peer-support course and a role-play."""
from __future__ import annotations

from pathlib import Path

from lms.content import load_catalog

ROOT = Path(__file__).parents[2]


def test_the_peer_support_course_and_a_role_play_are_complete_in_welsh():
    catalog = load_catalog(ROOT)
    assert not [str(p) for p in catalog.problems if p.is_error or "translat" in p.message], "lms check . is not clean"
    course = catalog.course("peer-support-basics")
    welsh = course.localised("cy")
    assert welsh.language == "cy" and welsh.title != course.title
    untranslated = [step.id for step in welsh.steps if getattr(step, "language", None) != "cy"]
    assert untranslated == [], untranslated
    assert [s.id for s in welsh.steps] == [s.id for s in course.steps]  # same ids: progress is shared
    for scenario_id, title in (
        ("heated-thread", "Edefyn tanllyd"), ("friend-request-member", "Cais ffrind rhwng aelodau"),
    ):
        scenario = catalog.scenario(scenario_id).localised("cy")
        assert scenario.language == "cy" and scenario.title == title
        assert set(scenario.nodes) == set(catalog.scenario(scenario_id).nodes)
    # The course's own role-play step plays the Welsh role-play, content notes included.
    assert welsh.step("friend-request").scenario == "friend-request-member"
    note = catalog.scenario("friend-request-member").localised("cy").nodes["late-night"].content_note
    assert note == ("meddyliau am hunanladdiad",)
