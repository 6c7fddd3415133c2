"""Translations (FORMAT.md 8): NAME.LANG.md beside NAME.md, paired by the loader, checked for structure."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from lms.content import Catalog, Question, load_catalog
from lms.content.check import run_check

from .conftest import course, find

FIXTURE = Path(__file__).parent / "fixtures" / "translations"

STEP = """\
---
title: Reflecting feelings
---
Listen for the feeling.

```question id=q1
Which reply reflects the feeling?

- [ ] Cheer up.
- [x] It sounds like things feel too much.
```

```reflection id=r1
When did someone really listen to you?
```
"""

STEP_CY = """\
---
title: Adlewyrchu teimladau
---
Gwrandewch am y teimlad.

```question id=q1
Pa ateb sy'n adlewyrchu'r teimlad?

- [ ] Codwch eich calon.
- [x] Mae'n swnio fel bod pethau'n ormod.
```

```reflection id=r1
Pryd wnaeth rhywun wrando arnoch chi go iawn?
```
"""

SCENARIO = """\
---
title: Two am
summary: A post at night.
endings:
  pass: [good-end]
  fail: [bad-end]
skills:
  listening: Listening
---
You are on shift.

## the-post
Someone posts.

- [Reach out](#good-end) (+2, skill listening)
  > Right.
- [Ignore it](#bad-end) (-2, red line)

## good-end
Well done.

::: if the-post
You read the post.
:::

## bad-end
Not good.
"""

SCENARIO_CY = """\
---
title: Dau y bore
summary: Neges yn y nos.
skills:
  listening: Gwrando
---
Rydych ar ddyletswydd.

## the-post
Mae rhywun yn postio.

- [Estyn allan](#good-end) (+2, skill listening)
  > Cywir.
- [Ei anwybyddu](#bad-end) (-2, red line)

## good-end
Da iawn.

::: if the-post
Fe ddarllenoch chi'r neges.
:::

## bad-end
Ddim yn dda.
"""


@pytest.fixture
def load(tree: Callable[[dict[str, str | bytes]], Path]) -> Callable[[dict[str, str | bytes]], Catalog]:
    return lambda files: load_catalog(tree(files))


def welsh_course(step_cy: str, extra: dict[str, str] | None = None) -> dict[str, str | bytes]:
    files = course({"01-feelings.md": STEP, "01-feelings.cy.md": step_cy, **(extra or {})})
    return dict(files)


def scenario_pair(cy: str) -> dict[str, str | bytes]:
    return {"scenarios/two-am.md": SCENARIO, "scenarios/two-am.cy.md": cy}


def errors(catalog: Catalog) -> list[str]:
    return [str(p) for p in catalog.problems if p.is_error]


# ---------------------------------------------------------------- pairing


def test_the_sample_fixture_pairs_every_translation_without_errors() -> None:
    catalog = load_catalog(FIXTURE)
    assert errors(catalog) == []
    listening = catalog.courses["listening"]
    welsh = listening.localised("cy")
    assert welsh is not listening and welsh.language == "cy"
    assert welsh.title == "Gwrando"
    assert welsh.modules[0].title == "Dechrau arni"
    assert [s.id for s in welsh.steps] == [s.id for s in listening.steps]
    assert welsh.version == listening.version  # certificates are shared across languages
    assert "Gwrandewch" in welsh.steps[0].body_html
    question = welsh.steps[0].questions[0]
    assert isinstance(question, Question) and question.id == listening.steps[0].questions[0].id
    assert welsh.certificate is not None and welsh.certificate.title == "Gwirfoddolwr sy'n gwrando"
    assert welsh.certificate.hours == listening.certificate.hours  # type: ignore[union-attr]
    scenario = catalog.scenarios["two-am"].localised("cy")
    assert scenario.language == "cy" and scenario.title == "Dau y bore"
    assert scenario.skills["listening"] == "Gwrando"
    assert "Estyn allan" in scenario.nodes["the-post"].choices[0].text_html
    folder = catalog.scenarios["graphic"].localised("cy")
    assert folder.title == "Llun anodd"


def test_an_untranslated_step_is_the_original_and_listed_in_a_note() -> None:
    catalog = load_catalog(FIXTURE)
    welsh = catalog.courses["listening"].localised("cy")
    assert welsh.steps[1].title == "Closing"  # 02-closing.md has no Welsh yet
    note = find(catalog, "courses/listening", 0, "not yet translated into 'cy'", severity="note")
    assert "getting-started/02-closing.md" in note.message


def test_a_language_without_a_translation_is_the_original() -> None:
    catalog = load_catalog(FIXTURE)
    listening = catalog.courses["listening"]
    assert listening.localised("fr") is listening
    assert listening.localised(None) is listening
    assert catalog.scenarios["two-am"].localised("en") is catalog.scenarios["two-am"]


def test_translations_do_not_change_the_original_version(tree: Callable[[dict[str, str | bytes]], Path]) -> None:
    plain = load_catalog(tree(course({"01-feelings.md": STEP}))).courses["listening"]
    both = load_catalog(tree(welsh_course(STEP_CY))).courses["listening"]
    assert plain.version == both.version


def test_lms_check_prints_notes_and_counts_them(capsys: pytest.CaptureFixture[str]) -> None:
    lines: list[str] = []
    assert run_check(FIXTURE, lines.append) == 0
    assert any(": note: not yet translated into 'cy'" in line for line in lines)
    assert "1 note" in lines[-1]


# ---------------------------------------------------------------- step mismatches


@pytest.mark.parametrize(("change", "line", "text"), [
    (
        ("```question id=q1", "```question id=q9"), 6,
        "this is question 'q9', but block 1 of the original (01-feelings.md:6) is question 'q1'",
    ),
    (("```reflection id=r1", "```reflection id=r2"), 13, "this is reflection 'r2', but block 2 of the original"),
    (("- [x] Mae'n swnio fel bod pethau'n ormod.", "- [x] Mae'n swnio fel bod pethau'n ormod.\n- [ ] Arall."), 6,
     "question 'q1' has 3 choices here but 2 in the original (01-feelings.md:6)"),
    (
        ("- [ ] Codwch eich calon.\n- [x]", "- [x] Codwch eich calon.\n- [ ]"), 6,
        "question 'q1' marks different choices correct",
    ),
    (
        ("```question id=q1", "```question id=q1 critical"), 6,
        "question 'q1' is critical here but is not in the original",
    ),
    (("```reflection id=r1\nPryd wnaeth rhywun wrando arnoch chi go iawn?\n```\n", ""), 6,
     "reflection 'r1' of the original (01-feelings.md:13) is missing from this translation"),
    (("title: Adlewyrchu teimladau", "title: Adlewyrchu teimladau\nassessment: true"), 3,
     "'assessment' belongs in the original (01-feelings.md) only"),
])
def test_a_step_translation_with_different_structure_is_an_error_at_its_line(
    load: Callable[[dict[str, str | bytes]], Catalog], change: tuple[str, str], line: int, text: str,
) -> None:
    assert change[0] in STEP_CY
    catalog = load(welsh_course(STEP_CY.replace(change[0], change[1])))
    find(catalog, "courses/listening/01-feelings.cy.md", line, text, severity="error")
    listening = catalog.courses["listening"]  # the original is unaffected, the translation left out
    assert listening.localised("cy") is listening


def test_an_extra_block_in_a_translation_is_an_error(load: Callable[[dict[str, str | bytes]], Catalog]) -> None:
    catalog = load(welsh_course(STEP_CY + "\n```reflection id=r3\nUn arall?\n```\n"))
    find(catalog, "courses/listening/01-feelings.cy.md", 17, "reflection 'r3' is not in the original", severity="error")


def test_a_response_marked_review_differently_is_an_error(load: Callable[[dict[str, str | bytes]], Catalog]) -> None:
    original = "Write.\n\n```response id=w1 review\nWhat would you say?\n---\nGuide.\n```\n"
    translated = "Ysgrifennwch.\n\n```response id=w1\nBeth fyddech chi'n ei ddweud?\n---\nCanllaw.\n```\n"
    catalog = load(course({"01-write.md": original, "01-write.cy.md": translated}))
    find(
        catalog, "courses/listening/01-write.cy.md", 3,
        "response 'w1' is not marked 'review' here but is in the original",
    )


def test_a_translation_of_a_missing_original_is_a_warning(load: Callable[[dict[str, str | bytes]], Catalog]) -> None:
    catalog = load(course({"01-feelings.md": STEP, "02-gone.cy.md": STEP_CY}))
    find(
        catalog, "courses/listening/02-gone.cy.md", 0, "translation of '02-gone.md', which does not exist",
        severity="warning",
    )
    assert "listening" in catalog.courses


def test_a_translation_into_a_language_the_site_does_not_serve_is_a_warning(
    tree: Callable[[dict[str, str | bytes]], Path],
) -> None:
    """'cym' and 'cy-gb' are accepted as file names, but a site serving 'en' and 'cy' never shows them."""
    files = course({"01-feelings.md": STEP, "01-feelings.cym.md": STEP_CY, "01-feelings.fr.md": STEP_CY,
                    "01-feelings.cy.md": STEP_CY})
    root = tree({**files, "org.yaml": "helpline: Harbour\n", "org.cy-gb.yaml": "helpline: Harbwr\n"})
    catalog = load_catalog(root, served=["en", "cy"])
    find(catalog, "courses/listening/01-feelings.cym.md", 0,
         "'cym' is not one of the site's languages (en, cy), so no one is shown this file; "
         "for 'cy', name it 01-feelings.cy.md", severity="warning")
    find(catalog, "org.cy-gb.yaml", 0, "for 'cy', name it org.cy.yaml", severity="warning")
    find(catalog, "courses/listening/01-feelings.fr.md", 0,
         "name it for one of them, or add 'fr' to the site's LANGUAGES setting", severity="warning")
    assert not [p for p in catalog.problems if p.path.endswith(".cy.md") and "site's languages" in p.message]
    assert "listening" in catalog.courses
    # Without the site's languages (a bare load), nothing is said: the loader cannot know them.
    assert not [p for p in load_catalog(root).problems if "site's languages" in p.message]


def test_course_and_module_translations_keep_their_keys(load: Callable[[dict[str, str | bytes]], Catalog]) -> None:
    catalog = load(course({
        "01-feelings.md": STEP, "course.cy.md": "---\ntitle: Gwrando\npass_mark: 50\n---\nCroeso.\n",
    }))
    find(catalog, "courses/listening/course.cy.md", 3, "'pass_mark' belongs in the original (course.md) only")


def test_a_certificate_translation_may_only_translate_the_title(
    load: Callable[[dict[str, str | bytes]], Catalog],
) -> None:
    course_md = "---\ntitle: Listening\nsummary: S.\ncertificate:\n  title: Listener\n  hours: 2\n---\n"
    catalog = load(course(
        {
            "01-feelings.md": STEP,
            "course.cy.md": "---\ntitle: Gwrando\ncertificate:\n  title: Gwrandawr\n  hours: 3\n---\n",
        },
        course_md=course_md,
    ))
    find(catalog, "courses/listening/course.cy.md", 5, "'certificate.hours' belongs in the original (course.md) only")


# ---------------------------------------------------------------- scenario mismatches


@pytest.mark.parametrize(("change", "line", "text"), [
    (("## bad-end", "## worse-end"), 23, "node 'worse-end' is not in the original (two-am.md)"),
    (
        ("## bad-end", "## worse-end"), 23,
        "node 'bad-end' of the original (two-am.md:26) is missing from this translation",
    ),
    (("- [Ei anwybyddu](#bad-end) (-2, red line)", ""), 9, "node 'the-post' has 1 choices here but 2 in the original"),
    (
        ("(#bad-end) (-2, red line)", "(#good-end) (-2, red line)"), 14,
        "choice 2 of node 'the-post' goes to 'good-end' here but 'bad-end'",
    ),
    (
        ("(+2, skill listening)", "(+3, skill listening)"), 12,
        "choice 1 of node 'the-post' scores 3 here but 2 in the original",
    ),
    (("(-2, red line)", "(-2)"), 14, "choice 2 of node 'the-post' is a red line: no here but yes in the original"),
    (("(+2, skill listening)", "(+2)"), 12, "choice 1 of node 'the-post' has the skills none here but (listening)"),
    (("(#bad-end) (-2, red line)", "(#bad-end) (-2, red line, if not good-end)"), 14,
     "choice 2 of node 'the-post' has the condition 'if not good-end' here but none in the original"),
    (
        ("::: if the-post", "::: if not the-post"), 16,
        "node 'good-end' has different '::: if' conditions than the original",
    ),
    (
        ("skills:\n  listening: Gwrando", "skills:\n  listen: Gwrando"), 5,
        "skill 'listen' is not declared in the original (two-am.md)",
    ),
    (
        ("summary: Neges yn y nos.", "summary: Neges yn y nos.\npass_score: 1"), 4,
        "'pass_score' belongs in the original (two-am.md) only",
    ),
])
def test_a_scenario_translation_with_different_structure_is_an_error_at_its_line(
    load: Callable[[dict[str, str | bytes]], Catalog], change: tuple[str, str], line: int, text: str,
) -> None:
    assert change[0] in SCENARIO_CY
    catalog = load(scenario_pair(SCENARIO_CY.replace(change[0], change[1])))
    find(catalog, "scenarios/two-am.cy.md", line, text, severity="error")
    original = catalog.scenarios["two-am"]  # still served, in the original only
    assert original.localised("cy") is original


def test_a_scenario_folder_pairs_scenario_cy_md(load: Callable[[dict[str, str | bytes]], Catalog]) -> None:
    catalog = load({"scenarios/two-am/scenario.md": SCENARIO, "scenarios/two-am/scenario.cy.md": SCENARIO_CY})
    assert errors(catalog) == []
    assert catalog.scenarios["two-am"].localised("cy").title == "Dau y bore"


def test_a_scenario_translation_without_original_is_a_warning(
    load: Callable[[dict[str, str | bytes]], Catalog],
) -> None:
    catalog = load({"scenarios/two-am.md": SCENARIO, "scenarios/too-am.cy.md": SCENARIO_CY})
    find(
        catalog, "scenarios/too-am.cy.md", 0, "translation of scenario 'too-am', which does not exist",
        severity="warning",
    )


def test_a_scenario_with_id_clash_still_reports_it(load: Callable[[dict[str, str | bytes]], Catalog]) -> None:
    catalog = load({"scenarios/two-am.md": SCENARIO, "scenarios/two-am/scenario.md": SCENARIO})
    assert "two-am" not in catalog.scenarios
    find(catalog, "scenarios/two-am.md", 0, "there are two scenarios with the id 'two-am'")


# ---------------------------------------------------------------- snippets and organisation values in translations

def snippet_course(step_cy: str, extra: dict[str, str | bytes]) -> dict[str, str | bytes]:
    step = "---\ntitle: Feelings\n---\nTell {{ org.lead }}.\n\n{{> help }}\n"
    return {**course({"01-feelings.md": step, "01-feelings.cy.md": step_cy}),
            "org.yaml": "lead: the on-call lead\n", "_snippets/help.md": "Call {{ org.lead }} now.\n", **extra}


WELSH_STEP = "---\ntitle: Teimladau\n---\nDywedwch wrth {{ org.lead }}.\n\n{{> help }}\n"


def step_html(catalog: Catalog, language: str | None = None) -> str:
    listening = catalog.courses["listening"]
    step = (listening.translations[language] if language else listening).steps[0]
    return " ".join(getattr(block, "html", "") for block in step.blocks)


def test_a_translation_includes_the_snippets_translation_with_the_languages_wording_of_org_values(
        load: Callable[[dict[str, str | bytes]], Catalog]) -> None:
    catalog = load(snippet_course(WELSH_STEP, {
        "_snippets/help.cy.md": "Ffoniwch {{ org.lead }} nawr.\n", "org.cy.yaml": "lead: yr arweinydd ar alwad\n"}))
    assert errors(catalog) == [] and [p for p in catalog.problems if p.severity == "warning"] == []
    welsh = step_html(catalog, "cy")
    assert "Dywedwch wrth yr arweinydd ar alwad." in welsh and "Ffoniwch yr arweinydd ar alwad nawr." in welsh
    assert "the on-call lead" not in welsh
    english = step_html(catalog)
    assert "Tell the on-call lead." in english and "Call the on-call lead now." in english


def test_a_snippet_without_a_translation_is_the_original_with_a_note_at_the_include(
        load: Callable[[dict[str, str | bytes]], Catalog]) -> None:
    catalog = load(snippet_course(WELSH_STEP, {"org.cy.yaml": "lead: yr arweinydd ar alwad\n"}))
    assert errors(catalog) == []
    find(catalog, "courses/listening/01-feelings.cy.md", 6,
         "snippet 'help' has no translation into 'cy' (_snippets/help.cy.md), so its original is shown here", "note")
    # The original snippet is English, so it keeps org.yaml's English value.
    assert "Call the on-call lead now." in step_html(catalog, "cy")


def test_org_values_without_the_languages_wording_are_listed_in_a_note(
        load: Callable[[dict[str, str | bytes]], Catalog]) -> None:
    catalog = load(snippet_course(WELSH_STEP, {"_snippets/help.cy.md": "Ffoniwch {{ org.lead }} nawr.\n"}))
    # No org.cy.yaml yet: the note says to create it (it named a file that is not there, and no more).
    find(catalog, "org.cy.yaml", 0, "1 organisation detail used in the 'cy' translations is shown in org.yaml's "
         "wording, as there is no org.cy.yaml: create it beside org.yaml with a line for it, like 'lead: ...': lead",
         "note")
    assert "Dywedwch wrth the on-call lead." in step_html(catalog, "cy")
    # With an org.cy.yaml that lacks the name: the note as before.
    catalog = load(snippet_course(WELSH_STEP, {"_snippets/help.cy.md": "Ffoniwch {{ org.lead }} nawr.\n",
                                               "org.cy.yaml": "other: arall\n"}))
    find(catalog, "org.cy.yaml", 0, "1 organisation detail used in the 'cy' translations has no wording in "
         "org.cy.yaml, so those pages show org.yaml's: lead", "note")


def test_the_sites_org_setting_wins_in_every_language(tree: Callable[[dict[str, str | bytes]], Path]) -> None:
    root = tree(snippet_course(WELSH_STEP, {
        "_snippets/help.cy.md": "Ffoniwch {{ org.lead }} nawr.\n", "org.cy.yaml": "lead: yr arweinydd ar alwad\n"}))
    catalog = load_catalog(root, org={"lead": "Sam Jones"})
    assert "Dywedwch wrth Sam Jones." in step_html(catalog, "cy") and "Tell Sam Jones." in step_html(catalog)
    assert not [p for p in catalog.problems if p.path == "org.cy.yaml"]


def test_a_languages_org_file_with_a_name_org_yaml_lacks_is_a_warning(
        load: Callable[[dict[str, str | bytes]], Catalog]) -> None:
    catalog = load(snippet_course(WELSH_STEP, {
        "_snippets/help.cy.md": "Ffoniwch {{ org.lead }} nawr.\n",
        "org.cy.yaml": "lead: yr arweinydd ar alwad\nlaed: typo\n"}))
    find(catalog, "org.cy.yaml", 2, "'laed' is not in org.yaml, so no file can use it", "warning")  # at its line
    assert errors(catalog) == []


def test_an_unreadable_org_yaml_does_not_make_every_name_in_a_languages_file_a_warning(
        load: Callable[[dict[str, str | bytes]], Catalog]) -> None:
    """One typo in org.yaml is one error there, not also a warning for each line of org.cy.yaml."""
    catalog = load(snippet_course(WELSH_STEP, {
        "_snippets/help.cy.md": "Ffoniwch {{ org.lead }} nawr.\n",
        "org.yaml": "lead: the duty lead\nphone: Ring: 029 2000 0000\n",
        "org.cy.yaml": "lead: yr arweinydd ar alwad\nphone: 029 2000 0000\n"}))
    assert [p for p in catalog.problems if p.path == "org.yaml" and p.severity == "error"]
    assert not [p for p in catalog.problems if p.path == "org.cy.yaml" and "is not in org.yaml" in p.message]


def test_a_snippet_translation_without_its_original_is_a_warning_and_broken_ones_are_errors(
        load: Callable[[dict[str, str | bytes]], Catalog]) -> None:
    catalog = load(snippet_course(WELSH_STEP, {
        "_snippets/help.cy.md": "Ffoniwch {{ org.laed }} nawr.\n", "_snippets/gone.cy.md": "Dim.\n",
        "org.cy.yaml": "lead: yr arweinydd ar alwad\n"}))
    find(catalog, "_snippets/gone.cy.md", 0, "this looks like a translation of snippet 'gone', which does not exist",
         "warning")
    find(catalog, "_snippets/help.cy.md", 1, "organisation variable 'laed' has no value", "error")
    find(catalog, "courses/listening/01-feelings.cy.md", 6,
         "snippet 'help' has errors of its own (see _snippets/help.cy.md)", "error")
    # The Welsh step is left out; the English course is untouched.
    assert "cy" not in catalog.courses["listening"].translations
    assert "Call the on-call lead now." in step_html(catalog)


def test_a_change_to_a_languages_org_file_is_read_again_through_the_render_cache(
        tree: Callable[[dict[str, str | bytes]], Path]) -> None:
    class MemoryUnitCache(dict):
        def get(self, key: str) -> bytes | None:
            return super().get(key)

        def put(self, key: str, data: bytes) -> None:
            self[key] = data

    root = tree(snippet_course(WELSH_STEP, {
        "_snippets/help.cy.md": "Ffoniwch {{ org.lead }} nawr.\n", "org.cy.yaml": "lead: yr arweinydd ar alwad\n"}))
    cache = MemoryUnitCache()
    assert "yr arweinydd ar alwad" in step_html(load_catalog(root, cache=cache), "cy")
    assert "yr arweinydd ar alwad" in step_html(load_catalog(root, cache=cache), "cy")  # from the cache
    assert cache
    (root / "org.cy.yaml").write_text("lead: y cydlynydd\n")
    assert "Dywedwch wrth y cydlynydd." in step_html(load_catalog(root, cache=cache), "cy")


def test_a_folder_of_translations_is_told_where_translations_go(
        load: Callable[[dict[str, str | bytes]], Catalog]) -> None:
    """Not 'rename it like 01-cy', which would turn the Welsh text into a module of the course."""
    catalog = load(course({"1-welcome.md": "---\ntitle: Welcome\n---\nHello.\n",
                           "cy/1-welcome.md": "---\ntitle: Croeso\n---\nHelo.\n"}))
    problem = find(catalog, "courses/listening/cy", 0, "if it holds translations, put each beside its original")
    assert "'1-welcome.cy.md'" in problem.message and "01-cy" not in problem.message


def test_a_translation_named_with_a_dash_and_a_step_in_capitals_are_not_passed_over(
        load: Callable[[dict[str, str | bytes]], Catalog]) -> None:
    catalog = load(course({"4-shadow.md": "---\ntitle: Shadow\n---\nHello.\n",
                           "4-shadow-cy.md": "---\ntitle: Cysgodi\n---\nHelo.\n",
                           "5-last.MD": "---\ntitle: Last\n---\nBye.\n"}))
    dashed = find(catalog, "courses/listening/4-shadow-cy.md", 0, "looks like a translation of the step 'shadow'",
                  "warning")
    assert "name it '4-shadow.cy.md'" in dashed.message
    find(catalog, "courses/listening/5-last.MD", 0, "steps must end in lowercase '.md'; rename it to '5-last.md'",
         "error")
