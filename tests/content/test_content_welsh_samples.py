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


def test_the_welsh_sample_shows_no_english_snippet_or_organisation_phrase():
    """Welsh pages include the Welsh snippets and org.cy.yaml's wording, never the English originals."""
    import html
    import re

    from lms.content.org import read_org_yaml
    from lms.content.problems import Problems

    catalog = load_catalog(ROOT)
    assert not [p for p in catalog.problems if p.path.startswith(("_snippets/", "org.")) and p.severity != "note"
                or "no translation into 'cy'" in p.message or "no wording in org.cy.yaml" in p.message]
    english_values = read_org_yaml(ROOT, Problems()).values
    welsh_values = read_org_yaml(ROOT, Problems(), "org.cy.yaml").values
    pages = [catalog.course("peer-support-basics").localised("cy")]
    texts = [block.html for page in pages for step in page.steps for block in step.blocks if hasattr(block, "html")]
    texts += [pages[0].intro_html]
    for scenario_id in ("heated-thread", "friend-request-member"):
        scenario = catalog.scenario(scenario_id).localised("cy")
        for node in scenario.nodes.values():
            texts += [node.body_html, *(part.html for part in node.body_parts)]
            texts += [text for choice in node.choices for text in (choice.text_html, choice.feedback_html)]
    welsh_text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)) for text in texts)
    welsh_text = " ".join(welsh_text.split())
    # Phrases, not names: a name (Harbourside Trust) is the same in both languages.
    english_phrases = [value for name, value in english_values.items() if value != welsh_values.get(name)]
    assert english_phrases and [p for p in english_phrases if " ".join(p.split()) in welsh_text] == []
    for snippet in ("glossary", "grounding", "urgent-help", "before-you-start"):
        first_line = next(line for line in (ROOT / "_snippets" / f"{snippet}.md").read_text().splitlines() if line)
        assert re.sub(r"[*#|]", "", first_line).strip() not in welsh_text, snippet
    assert "yr arweinydd diogelu" in welsh_text and "0808 164 0123" in welsh_text


def test_the_sample_courses_state_the_minutes_their_steps_add_up_to():
    """'How the hours were counted' quotes the steps' total, in every language: a certificate's hours
    are explained by it, so it must not drift when a step is added (it said 92 and 88 for 95)."""
    import re

    catalog = load_catalog(ROOT)
    quoted = {"en": r"steps add up to (\d+) minutes", "cy": r"camau’n dod i (\d+) munud"}
    checked = []
    for course_md in sorted(ROOT.glob("courses/*/course*.md")):
        course = catalog.course(course_md.parent.name)
        language = "cy" if course_md.name == "course.cy.md" else "en"
        words = " ".join(course_md.read_text(encoding="utf-8").split())
        for figure in re.findall(quoted[language], words):
            where = course_md.relative_to(ROOT)
            assert int(figure) == course.minutes, f"{where} says {figure}, the steps add up to {course.minutes}"
            checked.append(course_md.name)
    assert len(checked) >= 3  # both sample courses in English, the peer-support course in Welsh
