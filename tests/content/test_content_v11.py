"""Format v1.1 (FORMAT.md section 7): every construct parsed, every rule reported where it was broken."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from lms.content import load_catalog
from lms.content.check import run_check
from lms.content.paths import longest_answer_problems

from .conftest import COURSE_MD, course, find

QUESTION = """\
```question{info}
Which reply reflects the feeling?

- [ ] Cheer up.
- [x] It sounds like things feel too much.
- [ ] None of these (pin)
```
"""

ASSESSMENT = """\
---
assessment: true
{meta}---
```question id=q1 critical
First?

- [x] Yes
- [ ] No
```

```question id=q2
Second?

- [x] Yes
- [ ] No
```

```question id=q3
Third?

- [x] Yes
- [ ] No
```
"""


def scenario_md(meta: str = "", body: str | None = None) -> str:
    """A small valid scenario, with extra front matter and (optionally) a different body."""
    return (
        "---\ntitle: Two am\nsummary: A post at night.\nendings:\n  pass: [good-end]\n  fail: [bad-end]\n"
        + meta + "---\nYou are on shift.\n\n"
        + (body if body is not None else (
            "## the-post\nSomeone posts.\n\n"
            "- [Reach out](#good-end) (+2)\n  > Right.\n"
            "- [Ignore it](#bad-end) (-2)\n\n"
            "## good-end\nWell done.\n\n## bad-end\nNot good.\n"
        ))
    )


# ---------------------------------------------------------------- 7.1 shuffle and pin


def test_pin_marker_is_stripped_and_recorded(load):
    catalog = load(course({"1-a.md": QUESTION.format(info="")}))
    question = catalog.courses["listening"].steps[0].questions[0]
    assert [c.pin for c in question.choices] == [False, False, True]
    assert question.choices[2].text_html == "None of these"


def test_choices_shuffle_by_default_and_course_md_can_keep_file_order(load):
    catalog = load(course({"1-a.md": QUESTION.format(info="")}))
    assert catalog.courses["listening"].shuffle and catalog.courses["listening"].steps[0].shuffle
    fixed = course(
        {"1-a.md": QUESTION.format(info="")},
        course_md=COURSE_MD.replace("---\nWelcome", "shuffle: false\n---\nWelcome"),
    )
    catalog = load(fixed)
    assert not catalog.courses["listening"].shuffle and not catalog.courses["listening"].steps[0].shuffle


def test_shuffle_must_be_true_or_false(load):
    catalog = load(
        course({"1-a.md": "x"}, course_md=COURSE_MD.replace("---\nWelcome", "shuffle: sometimes\n---\nWelcome")),
    )
    find(catalog, "courses/listening/course.md", 4, "'shuffle' should be true or false")


def test_scenario_pin_annotation_and_shuffle_false(load):
    body = scenario_md("shuffle: false\n").replace("(-2)", "(-2, pin)")
    catalog = load({"scenarios/two-am.md": body})
    scenario = catalog.scenarios["two-am"]
    assert not scenario.shuffle
    assert [c.pin for c in scenario.nodes["the-post"].choices] == [False, True]


# ---------------------------------------------------------------- 7.2 critical, pool, reveal


def test_critical_pool_and_reveal_are_read(load):
    catalog = load(course({"1-a.md": ASSESSMENT.format(meta="pool: 2\nreveal: answers\n")}))
    step = catalog.courses["listening"].steps[0]
    assert [q.critical for q in step.questions] == [True, False, False]
    assert step.pool == 2 and step.reveal == "answers"


def test_reveal_defaults_to_mistakes_and_pool_to_every_question(load):
    step = load(course({"1-a.md": ASSESSMENT.format(meta="")})).courses["listening"].steps[0]
    assert step.reveal == "mistakes" and step.pool is None


def test_critical_outside_an_assessment_is_a_warning(load):
    catalog = load(course({"1-a.md": QUESTION.format(info=" id=q critical")}))
    find(
        catalog, "courses/listening/1-a.md", 1, "marked critical, but 'critical' only counts in an assessment",
        "warning",
    )
    assert catalog.courses["listening"].steps[0].questions[0].critical


def test_pool_larger_than_the_questions_is_an_error(load):
    catalog = load(course({"1-a.md": ASSESSMENT.format(meta="pool: 4\n")}))
    find(catalog, "courses/listening/1-a.md", 3, "'pool: 4' draws more questions than this assessment has (3)", "error")


def test_pool_smaller_than_the_critical_questions_is_an_error(load):
    text = ASSESSMENT.format(meta="pool: 1\n").replace("id=q2", "id=q2 critical")
    catalog = load(course({"1-a.md": text}))
    find(catalog, "courses/listening/1-a.md", 3, "smaller than the number of critical questions (2)", "error")


def test_pool_and_reveal_only_apply_to_assessments(load):
    text = "---\npool: 1\nreveal: answers\n---\n" + QUESTION.format(info="")
    catalog = load(course({"1-a.md": text}))
    find(catalog, "courses/listening/1-a.md", 2, "'pool' only applies to assessments", "error")
    find(catalog, "courses/listening/1-a.md", 3, "'reveal' only applies to assessments", "error")


def test_bad_reveal_and_unknown_question_flag(load):
    catalog = load(course({"1-a.md": ASSESSMENT.format(meta="reveal: everything\n").replace("id=q2", "id=q2 critcal")}))
    find(catalog, "courses/listening/1-a.md", 3, "'reveal' should be one of mistakes, answers")
    find(
        catalog, "courses/listening/1-a.md", 12,
        "unknown option 'critcal' after ```question (did you mean 'critical'?); only",
    )


# ---------------------------------------------------------------- 7.3 pass rules and skills

RULES_BODY = """\
## the-post
Someone posts.

- [Reach out](#ask) (+2, skill escalation, skill listening)
- [Lock the thread](#locked) (-1)

## ask
You ask directly.

- [Offer help](#good-end) (+1, skill escalation)

## locked
The thread is locked.

- [Carry on](#good-end)

## good-end
Well done.

## bad-end
Not good.
"""

PLAIN_BODY = RULES_BODY.replace(", skill escalation, skill listening", "").replace(", skill escalation", "")

RULES_META = """\
pass_requires: [ask]
pass_forbids: [locked]
skills:
  escalation: Escalating risk
  listening: Listening
"""


def test_pass_rules_and_skills_are_read(load):
    catalog = load({"scenarios/two-am.md": scenario_md(RULES_META, RULES_BODY)})
    scenario = catalog.scenarios["two-am"]
    assert scenario.pass_requires == ("ask",) and scenario.pass_forbids == ("locked",)
    assert dict(scenario.skills) == {"escalation": "Escalating risk", "listening": "Listening"}
    assert list(scenario.skills) == ["escalation", "listening"]
    assert scenario.nodes["the-post"].choices[0].skills == ("escalation", "listening")


def test_pass_blockers_and_route_passes(load):
    scenario = load({"scenarios/two-am.md": scenario_md(RULES_META, RULES_BODY)}).scenarios["two-am"]
    assert scenario.pass_blockers({"the-post", "ask", "good-end"}) == ()
    blockers = scenario.pass_blockers(["the-post", "locked", "good-end"])
    assert [(b.kind, b.node) for b in blockers] == [("missing", "ask"), ("forbidden", "locked")]
    assert scenario.route_passes({"the-post", "ask", "good-end"}, 3, "good-end", crossed_red_line=False)
    assert not scenario.route_passes({"the-post", "ask", "good-end"}, 3, "good-end", crossed_red_line=True)
    assert not scenario.route_passes({"the-post", "locked", "good-end"}, 0, "good-end", crossed_red_line=False)
    assert not scenario.route_passes({"the-post", "ask", "bad-end"}, 3, "bad-end", crossed_red_line=False)


def test_route_passes_needs_the_pass_score(load):
    scenario = load({"scenarios/two-am.md": scenario_md("pass_score: 3\n", PLAIN_BODY)}).scenarios["two-am"]
    assert scenario.route_passes({"the-post", "ask", "good-end"}, 3, "good-end", crossed_red_line=False)
    assert not scenario.route_passes({"the-post", "locked", "good-end"}, -1, "good-end", crossed_red_line=False)


def test_pass_rules_naming_unknown_nodes_are_errors(load):
    meta = "pass_requires: [asked]\npass_forbids: [lockd]\n"
    catalog = load({"scenarios/two-am.md": scenario_md(meta, PLAIN_BODY)})
    find(
        catalog, "scenarios/two-am.md", 7,
        "'pass_requires' names node 'asked', which does not exist; did you mean 'ask'?", "error",
    )
    find(
        catalog, "scenarios/two-am.md", 8,
        "'pass_forbids' names node 'lockd', which does not exist; did you mean 'locked'?", "error",
    )


def test_undeclared_skill_is_an_error_and_unused_skill_a_warning(load):
    meta = "skills:\n  escalation: Escalating risk\n  boundaries: Holding boundaries\n"
    catalog = load(
        {"scenarios/two-am.md": scenario_md(meta, RULES_BODY.replace("skill listening", "skill listenning"))},
    )
    find(catalog, "scenarios/two-am.md", 16, "skill 'listenning' is not declared", "error")
    find(catalog, "scenarios/two-am.md", 9, "skill 'boundaries' is declared but no choice uses it", "warning")


def test_skill_without_any_declaration_says_how_to_declare(load):
    catalog = load({"scenarios/two-am.md": scenario_md("", RULES_BODY)})
    problem = find(catalog, "scenarios/two-am.md", 13, "skill 'escalation' is not declared", "error")
    assert "skills: {escalation: Escalation}" in problem.message


# ---------------------------------------------------------------- 7.7 responses

RESPONSE = """\
```response{info}
Write the first private message you would send.
---
A good message notices what they wrote.
```
"""


def test_response_block_is_read_with_prompt_guidance_review_and_default_id(load):
    text = RESPONSE.format(info=" review") + "\n" + RESPONSE.format(info=" id=second")
    step = load(course({"1-a.md": text})).courses["listening"].steps[0]
    first, second = step.responses
    assert first.id == "a-r1" and first.review and "first private message" in first.prompt_html
    assert "notices what they wrote" in first.guidance_html and "---" not in first.prompt_html
    assert second.id == "second" and not second.review
    assert "<hr" not in step.body_html


def test_response_ids_are_unique_within_a_course(load):
    catalog = load(course({"1-a.md": RESPONSE.format(info=" id=x"), "2-b.md": RESPONSE.format(info=" id=x")}))
    find(catalog, "courses/listening/2-b.md", 1, "response id 'x' is already used", "error")


def test_response_without_prompt_is_an_error_and_without_guidance_a_warning(load):
    catalog = load(course({"1-a.md": "```response\n---\nGuide.\n```\n\n```response\nOnly a prompt.\n```\n"}))
    find(catalog, "courses/listening/1-a.md", 1, "response has no prompt", "error")
    find(catalog, "courses/listening/1-a.md", 6, "response has no guidance for trainers", "warning")


def test_unknown_response_option(load):
    catalog = load(course({"1-a.md": RESPONSE.format(info=" reveiw")}))
    find(catalog, "courses/listening/1-a.md", 1,
         "unknown option 'reveiw' after ```response (did you mean 'review'?); only")


# ---------------------------------------------------------------- 7.8 steps a trainer confirms


def test_confirmation_trainer_is_read(load):
    step = load(course({"1-a.md": "---\nconfirmation: trainer\n---\nShadow a shift.\n"})).courses["listening"].steps[0]
    assert step.confirmation == "trainer"


def test_confirmation_must_be_trainer_and_not_an_assessment(load):
    catalog = load(course({
        "1-a.md": "---\nconfirmation: coach\n---\nx\n", "2-b.md": ASSESSMENT.format(meta="confirmation: trainer\n"),
    }))
    find(catalog, "courses/listening/1-a.md", 2, "'confirmation' should be one of trainer, got 'coach'")
    find(catalog, "courses/listening/2-b.md", 3, "a step a trainer confirms cannot also be an assessment")


# ---------------------------------------------------------------- 7.6 review dates


def test_review_dates_and_inheritance(load):
    course_md = COURSE_MD.replace("---\nWelcome", "reviewed: 2024-01\nreview_every_months: 12\n---\nWelcome")
    files = course({
        "1-a.md": "---\nreviewed: 2024-06-15\n---\nx\n",
        "2-b.md": "---\nreviewed: 2024-06-15\nreview_every_months: 3\n---\ny\n",
    }, course_md=course_md)
    listening = load(files).courses["listening"]
    assert listening.reviewed == datetime.date(2024, 1, 1) and listening.review_due == datetime.date(2025, 1, 1)
    assert listening.steps[0].review_due == datetime.date(2025, 6, 15)
    assert listening.steps[1].review_due == datetime.date(2024, 9, 15)


def test_review_dates_that_could_never_fall_due_are_warnings(tree):
    """An interval with no date to count from is never due; a date after today is a typo or the wrong year."""
    files = course({"1-a.md": "---\nreview_every_months: 6\n---\nx\n",
                    "2-b.md": "---\nreviewed: 2027-05\nreview_every_months: 6\n---\ny\n"})
    files["scenarios/two-am.md"] = scenario_md("review_every_months: 12\n")
    catalog = load_catalog(tree(files), today=datetime.date(2026, 12, 1))
    find(catalog, "courses/listening/1-a.md", 2, "'review_every_months' is set but 'reviewed' is not", "warning")
    find(catalog, "courses/listening/2-b.md", 2, "'reviewed' is 2027-05-01, after today (2026-12-01)", "warning")
    find(catalog, "scenarios/two-am.md", 7, "'review_every_months' is set but 'reviewed' is not", "warning")


def test_overdue_units_are_warned_about_only_when_today_is_given(tree):
    files = course({"1-a.md": "---\nreviewed: 2024-06-15\nreview_every_months: 3\n---\nx\n"})
    files["scenarios/two-am.md"] = scenario_md("reviewed: 2020-01-31\nreview_every_months: 1\n")
    root = tree(files)
    assert not load_catalog(root).warnings
    catalog = load_catalog(root, today=datetime.date(2024, 10, 1))
    find(catalog, "courses/listening/1-a.md", 2, "this step was due for review on 2024-09-15", "warning")
    find(catalog, "scenarios/two-am.md", 7, "this scenario was due for review on 2020-02-29", "warning")
    overdue = catalog.review_overdue(datetime.date(2024, 10, 1))
    assert [(d.kind, d.id, d.due) for d in overdue] == [
        ("scenario", "two-am", datetime.date(2020, 2, 29)), ("step", "a", datetime.date(2024, 9, 15))]


def test_bad_review_date(load):
    catalog = load(course({"1-a.md": "---\nreviewed: last spring\n---\nx\n"}))
    find(catalog, "courses/listening/1-a.md", 2, "'reviewed' should be a date like 2025-03-31 or 2025-03")


def test_lms_check_today_option(tree):
    from click.testing import CliRunner

    from lms.cli import main

    root = tree(course({"1-a.md": "---\nreviewed: 2024-06-15\nreview_every_months: 3\n---\nx\n"}))
    result = CliRunner().invoke(main, ["check", str(root), "--today", "2024-10-01"])
    assert "courses/listening/1-a.md:2: warning: this step was due for review on 2024-09-15" in result.output
    result = CliRunner().invoke(main, ["check", str(root), "--today", "2024-09-01"])
    assert "due for review" not in result.output and result.exit_code == 0


# ---------------------------------------------------------------- 7.4 conditional text

COND_BODY = """\
## the-post
Someone posts.

- [Reach out](#ask) (+2)
- [Lock the thread](#locked) (-1)

## ask
You ask directly.

- [Offer help](#good-end) (+1)
  > Good.
  > ::: if locked
  > Even after locking the thread.
  > :::

## locked
The thread is locked.

- [Carry on](#good-end)

## good-end
Well done.

::: if locked
You locked the thread first.
:::
::: if not locked
You kept the thread open.
:::

## bad-end
Not good.
"""


def test_conditional_text_in_bodies_and_feedback(load):
    scenario = load({"scenarios/two-am.md": scenario_md("", COND_BODY)}).scenarios["two-am"]
    end = scenario.nodes["good-end"]
    assert "Well done." in end.body_html and "locked the thread first" not in end.body_html
    assert "locked the thread first" in end.body_for(frozenset({"the-post", "locked"}))
    assert "kept the thread open" not in end.body_for(frozenset({"the-post", "locked"}))
    assert "kept the thread open" in end.body_for(frozenset({"the-post", "ask"}))
    assert ":::" not in end.body_for(frozenset())
    choice = scenario.nodes["ask"].choices[0]
    assert "Even after" not in choice.feedback_html and "Good." in choice.feedback_html
    assert "Even after locking" in choice.feedback_for(frozenset({"locked", "ask"}))
    assert scenario.nodes["the-post"].body_for(frozenset()) == scenario.nodes["the-post"].body_html


def test_conditional_text_errors(load):
    body = COND_BODY.replace("::: if locked\nYou", "::: if lockd\nYou").replace(
        "::: if not locked\nYou kept the thread open.\n:::\n",
        "::: if not locked\n::: if ask\nYou kept the thread open.\n")
    body = body.replace("Someone posts.", "Someone posts.\n:::")
    catalog = load({"scenarios/two-am.md": scenario_md("", body)})
    rel = "scenarios/two-am.md"
    find(catalog, rel, 12, "':::' closes nothing", "error")
    find(catalog, rel, None, "'::: if lockd' names a node that does not exist; did you mean 'locked'?", "error")
    find(catalog, rel, None, "conditional blocks do not nest", "error")
    find(catalog, rel, None, "this '::: if' block is never closed", "error")


def test_conditional_text_in_feedback_reports_unknown_nodes_at_their_line(load):
    catalog = load(
        {"scenarios/two-am.md": scenario_md("", COND_BODY.replace("  > ::: if locked", "  > ::: if lokced"))},
    )
    find(catalog, "scenarios/two-am.md", 21, "'::: if lokced' names a node that does not exist", "error")


# ---------------------------------------------------------------- 7.9 lms check --paths

FIXTURES = Path(__file__).parent / "fixtures"


def test_paths_finds_the_planted_unsafe_route():
    lines: list[str] = []
    assert run_check(FIXTURES / "unsafe-route", lines.append, paths=True, today=datetime.date(2025, 1, 1)) == 0
    assert ("scenarios/unsafe.md:16: warning: a run can still pass after choosing "
            "'Tell them to stop being dramatic' (-3) at node 'the-post'") in "\n".join(lines)
    assert "scenarios/unsafe.md: routes 5, passing 2, best score 7, worst score -3" in lines
    assert any("always taking the first listed choice passes" in line for line in lines)
    assert not any("Ignore it" in line for line in lines)  # -2 but it never passes


def test_paths_threshold_and_without_paths_nothing_is_explored():
    lines: list[str] = []
    run_check(FIXTURES / "unsafe-route", lines.append, paths=True, worst_allowed=-4)
    assert not any("can still pass" in line for line in lines)
    lines = []
    run_check(FIXTURES / "unsafe-route", lines.append)
    assert not any("routes" in line for line in lines)


def test_paths_respects_if_conditions_and_pass_rules(tree):
    root = tree({"scenarios/two-am.md": scenario_md("pass_forbids: [locked]\n", COND_BODY.replace("(-1)", "(-3)"))})
    lines: list[str] = []
    run_check(root, lines.append, paths=True)
    assert "scenarios/two-am.md: routes 2, passing 1, best score 3, worst score -3" in lines
    assert not any("can still pass" in line for line in lines)  # the -3 route visits 'locked'


def test_paths_counts_huge_scenarios_quickly_and_says_when_capped(tree):
    # 20 diamonds in a row: 2**20 routes.
    body = "".join(f"## n{i}\nx\n\n- [A](#n{i + 1}) (+1)\n- [B](#n{i + 1})\n\n" for i in range(20))
    body += "## n20\nEnd.\n"
    text = "---\ntitle: Big\nsummary: Many routes.\nendings:\n  pass: [n20]\n---\n" + body
    lines: list[str] = []
    run_check(tree({"scenarios/big.md": text}), lines.append, paths=True)
    assert (
        "scenarios/big.md: routes more than 100,000 (capped), passing 1,048,576 (of 1,048,576 counted), "
        "best score 20, worst score 0"
    ) in lines


def _chain(length: int) -> str:
    """A scenario of `length` nodes in a row, three choices each (0, +1, +3)."""
    body = "".join(f"## n{i}\nx\n\n- [A](#n{i + 1})\n- [B](#n{i + 1}) (+1)\n- [C](#n{i + 1}) (+3)\n\n"
                   for i in range(length))
    return f"---\ntitle: Long\nsummary: Long.\nendings:\n  pass: [n{length}]\n---\n{body}## n{length}\nEnd.\n"


def test_paths_says_when_the_unsafe_choice_search_stops_early(tree):
    # 300 nodes: about 135,000 distinct (node, score so far) steps to search, more than the cap,
    # though the routes are still counted exactly.
    lines: list[str] = []
    run_check(tree({"scenarios/long.md": _chain(300), "scenarios/short.md": _chain(3)}), lines.append, paths=True)
    long_line = next(line for line in lines if line.startswith("scenarios/long.md: routes"))
    assert long_line.endswith(
        "; unsafe-choice search stopped after 100,000 steps, so some routes were not checked")
    assert "best score 900, worst score 0" in long_line
    short_line = next(line for line in lines if line.startswith("scenarios/short.md: routes"))
    assert short_line == "scenarios/short.md: routes 27, passing 27, best score 9, worst score 0"


def test_longest_correct_answer_warning(load):
    question = "```question\nQ?\n\n- [x] The long and careful right answer\n- [ ] Short\n- [ ] Nope\n```\n\n"
    catalog = load(course({"1-a.md": question * 5}))
    assert longest_answer_problems(catalog.courses["listening"], "courses/listening/course.md")[0].message.startswith(
        "the correct choice is the longest in 5 of 5 single-answer questions")
    catalog = load(course({"1-a.md": question * 4}))
    assert longest_answer_problems(catalog.courses["listening"], "courses/listening/course.md") == []


def test_longest_correct_answer_warning_per_assessment_step(tree):
    """A cued final test is reported at its own file, even when practice questions dilute the course's share."""
    cued = "```question\nQ?\n\n- [x] The long and careful right answer\n- [ ] Short\n- [ ] Nope\n```\n\n"
    fair = "```question\nQ?\n\n- [x] Right\n- [ ] A long and tempting wrong answer\n- [ ] Nope\n```\n\n"
    root = tree(course({
        "1-basics/1-practice.md": fair * 6,
        "2-end/1-final.md": "---\nassessment: true\n---\n" + cued * 4 + fair,
    }))
    lines: list[str] = []
    run_check(root, lines.append, paths=True, summary=False)
    assert lines == [
        "courses/listening/2-end/1-final.md:0: warning: the correct choice is the longest in 4 of 5 single-answer "
        "questions of this assessment; trainees can pass by picking the longest, so vary the lengths",
    ]  # 4 of 11 across the course: no course-wide warning
    # At 3 of 5 (60%) the assessment is not warned about; a practice step is never checked on its own.
    root = tree({
        **course({"1-practice.md": cued * 4 + fair, "2-final.md": "---\nassessment: true\n---\n" + fair * 10}),
        **course({"1-final.md": "---\nassessment: true\n---\n" + cued * 3 + fair * 2}, course_id="other"),
    })
    lines = []
    run_check(root, lines.append, paths=True, summary=False)
    assert lines == []


def test_cli_paths_option(tree):
    from click.testing import CliRunner

    from lms.cli import main

    result = CliRunner().invoke(main, ["check", str(FIXTURES / "unsafe-route"), "--paths", "--worst-allowed", "-3"])
    assert "can still pass after choosing 'Tell them" in result.output and result.exit_code == 0


# ---------------------------------------------------------------- 7.5 organisation variables


def test_org_variables_from_org_yaml_and_overrides(tree):
    files = course({
        "1-a.md": "---\ntitle: Calling {{ org.helpline_name }}\n---\n"
                  "Call {{ org.helpline_name }} on {{org.phone}}.\n\n{{ support.contacts }}\n",
    })
    files["org.yaml"] = "helpline_name: Nightline\nphone: '0800 123'\n"
    root = tree(files)
    catalog = load_catalog(root, support_contacts=[{"name": "Samaritans", "contact": "116 123"}])
    step = catalog.courses["listening"].steps[0]
    assert step.title == "Calling Nightline" and "Call Nightline on 0800 123." in step.body_html
    assert "<li><strong>Samaritans</strong>: 116 123</li>" in step.body_html
    assert dict(catalog.org_defaults) == {"helpline_name": "Nightline", "phone": "0800 123"}
    assert catalog.org_used["phone"] == ("courses/listening/1-a.md",) and catalog.org_missing == ()
    step = load_catalog(root, org={"helpline_name": "Dayline"}).courses["listening"].steps[0]
    assert step.title == "Calling Dayline"


SAMPLE_ORG = """\
# Replace every value marked sample.
helpline_name: Nightline  # sample
phone: '0800 123'
policy: >-  # sample
  Call 999 if nobody answers.
unused: Not used anywhere  # sample
"""


def test_check_notes_the_variables_still_at_their_sample_values(tree):
    files = course({"1-a.md": "Call {{ org.helpline_name }} on {{ org.phone }}.\n\n{{ org.policy }}\n"})
    root = tree({**files, "org.yaml": SAMPLE_ORG})
    catalog = load_catalog(root)
    assert catalog.problems == () and catalog.org_samples == {"helpline_name", "policy", "unused"}
    assert catalog.org_still_samples(None) == ["helpline_name", "policy"]  # in use, and not overridden
    lines: list[str] = []
    assert run_check(root, lines.append) == 0  # a note, not an error
    assert lines == [
        "org.yaml:0: note: 2 organisation details the training uses still have the sample values marked "
        "'# sample' in org.yaml: helpline_name, policy. Set each in the site's ORG setting "
        "(its configuration file or the admin settings page), or write your own value in org.yaml and remove "
        "the '# sample' mark",
        "0 errors, 0 warnings, 1 note; 1 course and 0 scenarios ready",
    ]
    # The site's ORG overrides one: the note lists the other.
    lines = []
    run_check(root, lines.append, org={"policy": "Never call 999 yourself."})
    assert lines[0].startswith("org.yaml:0: note: 1 organisation detail the training uses still has the sample "
                               "value marked '# sample' in org.yaml: helpline_name. ")
    # Written in org.yaml without the mark: nothing left to fill in.
    (root / "org.yaml").write_text(SAMPLE_ORG.replace("  # sample", ""))
    lines = []
    run_check(root, lines.append)
    assert lines == ["0 errors, 0 warnings; 1 course and 0 scenarios ready"]


def test_sample_training_lists_its_sample_values_until_the_site_sets_them():
    root = Path(__file__).resolve().parents[2]
    lines: list[str] = []
    assert run_check(root, lines.append) == 0
    note = next(line for line in lines if line.startswith("org.yaml:0: note: "))
    for name in ("name", "oncall_lead", "oncall_how", "safeguarding_lead", "safeguarding_hours"):
        assert f" {name}," in note or f" {name}." in note
    catalog = load_catalog(root)
    everything = dict.fromkeys(catalog.org_used, "Ours")
    lines = []
    run_check(root, lines.append, org=everything)
    assert not any("sample" in line for line in lines)


def test_cli_notes_sample_values_the_org_file_does_not_set(tree, tmp_path):
    from click.testing import CliRunner

    from lms.cli import main

    files = course({"1-a.md": "Call {{ org.helpline_name }} on {{ org.phone }}.\n\n{{ org.policy }}\n"})
    root = tree({**files, "org.yaml": SAMPLE_ORG})
    settings = tmp_path / "config.toml"
    settings.write_text('[ORG]\nhelpline_name = "Dayline"\n')
    result = CliRunner().invoke(main, ["check", str(root), "--org-file", str(settings)], env={"LMS_ORG": None})
    assert result.exit_code == 0, result.output
    assert ("note: 1 organisation detail the training uses still has the sample value marked '# sample' in "
            "org.yaml: policy.") in result.output
    assert result.output.splitlines()[-1] == "0 errors, 0 warnings, 1 note; 1 course and 0 scenarios ready"


def test_missing_org_variable_is_an_error_with_did_you_mean(tree):
    files = {**course({"1-a.md": "x\n\nCall {{ org.phnoe }}.\n"}), "org.yaml": "phone: '0800'\n"}
    catalog = load_catalog(tree(files))
    find(
        catalog, "courses/listening/1-a.md", 3,
        "organisation variable 'phnoe' has no value (did you mean 'phone'?); add 'phnoe: ...'",
        "error",
    )
    assert catalog.org_missing == ("phnoe",)


def test_an_unreadable_org_yaml_is_said_as_a_file_and_once_per_file_using_it(tree):
    """A YAML slip in org.yaml was called 'front matter', and every use of every variable was an error of its own."""
    files = {**course({"1-a.md": "Call {{ org.phone }} or {{ org.name }}.\n\nAgain: {{ org.phone }}.\n",
                       "2-b.md": "Write to {{ org.name }}.\n"}),
             "org.yaml": "phone: '0800\nname: Nightline\n"}
    catalog = load_catalog(tree(files))
    problem = find(catalog, "org.yaml", None, "this file is not valid YAML", "error")
    assert "front matter" not in problem.message
    for rel in ("courses/listening/1-a.md", "courses/listening/2-b.md"):
        uses = [p for p in catalog.problems if p.path == rel]
        assert len(uses) == 1 and "org.yaml could not be read: fix org.yaml first" in uses[0].message, uses
    assert "listening" not in catalog.courses


def test_bad_variable_and_inline_contacts_are_errors(load):
    catalog = load(course({"1-a.md": "{{ org.Bad }}\n\nSee {{ support.contacts }} now.\n"}))
    find(catalog, "courses/listening/1-a.md", 1, "'{{ org.Bad }}' is not a variable")
    find(catalog, "courses/listening/1-a.md", 3, "put it on a line of its own")


def test_org_variables_in_scenarios(tree):
    files = {"scenarios/two-am.md": scenario_md().replace("title: Two am", "title: Two am at {{ org.name }}")
             .replace("Right.", "Tell {{ org.name }}."),
             "org.yaml": "name: Mind Ours\n"}
    scenario = load_catalog(tree(files)).scenarios["two-am"]
    assert (scenario.title == "Two am at Mind Ours"
            and "Tell Mind Ours." in scenario.nodes["the-post"].choices[0].feedback_html)


# ---------------------------------------------------------------- 7.5 snippets

SNIPPET = "**If you need support now**\n\nCall {{ org.helpline }}.\n"
MODULE_COURSE = {
    "courses/listening/course.md": COURSE_MD + "\n{{> help }}\n",
    "courses/listening/1-start/module.md": "---\ntitle: Start\n---\nBefore you begin.\n\n{{> help }}\n",
    "courses/listening/1-start/1-a.md": "Hello.\n\n{{> help }}\n\nBye.\n",
}


def test_snippets_are_included_in_every_markdown_body(tree):
    files = {**MODULE_COURSE, "_snippets/help.md": SNIPPET, "org.yaml": "helpline: Nightline\n",
             "scenarios/two-am.md": scenario_md().replace("You are on shift.", "You are on shift.\n\n{{> help }}")
             .replace("Well done.", "Well done.\n\n{{> help }}")}
    catalog = load_catalog(tree(files))
    assert catalog.problems == (), [str(p) for p in catalog.problems]
    course_ = catalog.courses["listening"]
    step = course_.steps[0]
    assert '<div class="snippet"><p><strong>If you need support now</strong></p>' in course_.intro_html
    assert "Call Nightline." in course_.modules[0].intro_html and "Call Nightline." in step.body_html
    assert step.body_html.startswith("<p>Hello.</p>") and step.body_html.endswith("<p>Bye.</p>")
    scenario = catalog.scenarios["two-am"]
    assert "Call Nightline." in scenario.briefing_html and "Call Nightline." in scenario.nodes["good-end"].body_html
    assert (
        '<div class="snippet"><p><strong>If you need support now</strong></p>\n<p>Call Nightline.</p></div>'
    ) in step.body_html
    assert catalog.org_used["helpline"] == ("_snippets/help.md",)


def _footnote_links(html: str) -> tuple[list[str], list[str]]:
    """The ids in html, and the '#fn...' targets its links jump to."""
    return re.findall(r' id="([^"]+)"', html), re.findall(r' href="#(fn[^"]*)"', html)


def test_a_snippets_footnotes_have_ids_of_their_own_where_it_is_included(tree):
    """A step, a scenario node and a snippet they include each number footnotes from 1: the ids never clash."""
    noted = "## Get help\n\nCall now.[^1] [Top](#get-help)\n\n[^1]: The call is free.\n"
    step = ("## Get help\n\nSay hello.[^1]\n\n{{> help }}\n\nSay goodbye.[^2]\n\n{{> help }}\n\n"
            "[^1]: Warmly.\n\n[^2]: Kindly.\n")
    files = {**course({"1-a.md": step}), "_snippets/help.md": noted,
             "scenarios/two-am.md": scenario_md().replace(
                 "Someone posts.", "Someone posts.[^1]\n\n{{> help }}\n\n[^1]: At 2 am.")}
    catalog = load_catalog(tree(files))
    assert catalog.problems == (), [str(p) for p in catalog.problems]
    step_html = catalog.courses["listening"].steps[0].body_html
    node_html = catalog.scenarios["two-am"].nodes["the-post"].body_html  # a node's notes end the node
    for page in (step_html, node_html):
        ids, targets = _footnote_links(page)
        assert len(ids) == len(set(ids)), ids
        assert targets and set(targets) <= set(ids)  # every footnote link and back-link lands on its note
    # The step's own notes keep their ids; each include of the snippet has its own, by its line.
    assert '<li id="fn:1">' in step_html and '<li id="fn:2">' in step_html
    assert '<li id="fn:help-5-1">' in step_html and '<li id="fn:help-9-1">' in step_html
    assert 'href="#fnref:help-9-1"' in step_html and "The call is free." in step_html
    # So do the snippet's headings, and its links to them.
    assert '<h2 id="get-help">' in step_html and '<h2 id="help-5-get-help">' in step_html
    assert '<a href="#help-9-get-help"' in step_html and len(re.findall(r' id="([^"]+)"', step_html)) == 11


def test_each_scenario_piece_carries_its_own_footnotes(tree):
    """The briefing, each node and each feedback end with the notes they refer to, with ids of their own."""
    body = ("## the-post\nSomeone posts.[^time] Again.[^time]\n\n"
            "- [Reach out](#good-end) (+2)\n  > Right.[^why]\n"
            "- [Ignore it[^hint]](#bad-end) (-2)\n\n"
            "## good-end\nWell done.[^why]\n\n## bad-end\nNot good.\n\n"
            "[^time]: At 2 am.\n[^why]: They asked.\n[^brief]: Read first.\n[^hint]: Think.\n")
    text = scenario_md(body=body).replace("You are on shift.", "You are on shift.[^brief]")
    scenario = load_catalog(tree({"scenarios/two-am.md": text})).scenarios["two-am"]
    node = scenario.nodes["the-post"]
    pieces = {
        "briefing": scenario.briefing_html, "the-post": node.body_html + "".join(c.text_html for c in node.choices),
        "feedback": node.choices[0].feedback_html, "good-end": scenario.nodes["good-end"].body_html,
    }
    for name, html in pieces.items():
        ids, targets = _footnote_links(html)
        assert ids and len(ids) == len(set(ids)), (name, ids)
        assert set(targets) <= set(ids), name  # every note link and back-link lands in the same piece
    assert "Read first." in pieces["briefing"] and "At 2 am." not in pieces["briefing"]
    # The node's notes: its text's, then its choices' (a choice is a button, so its notes are the node's).
    assert re.findall(r"<li id=\"[^\"]+\">\n<p>([^&]+)&", pieces["the-post"]) == ["At 2 am.", "Think."]
    assert "They asked." in pieces["feedback"] and "They asked." in pieces["good-end"]
    assert scenario.nodes["bad-end"].body_html == "<p>Not good.</p>"  # no stray notes at the end
    all_ids = [i for html in pieces.values() for i in _footnote_links(html)[0]]
    assert len(all_ids) == len(set(all_ids))  # and unique across pieces, so any page may show several
    # Numbered from 1 in each piece, the back-link's title with it.
    assert '>1</a></sup>' in pieces["good-end"] and "Jump back to footnote 1 in the text" in pieces["good-end"]
    assert pieces["the-post"].count('class="footnote-backref"') == 3  # 'time' twice, 'hint' once
    # Inside the choice's button its reference is the number alone (a button may hold no link), with the id the
    # note's back-link goes to.
    choice = node.choices[1].text_html
    assert "<a" not in choice and 'id="fnref:' in choice and "<div" not in choice


def test_a_link_in_a_role_play_choice_keeps_its_words_not_the_link(tree):
    body = ("## the-post\nSomeone posts.\n\n"
            "- [Point them to [the guide](https://example.org/guide)](#good-end)\n"
            "- [Ignore it](#bad-end) (-2)\n\n## good-end\nWell done.\n\n## bad-end\nNot good.\n")
    scenario = load_catalog(tree({"scenarios/two-am.md": scenario_md(body=body)})).scenarios["two-am"]
    assert scenario.nodes["the-post"].choices[0].text_html == "Point them to the guide"


def test_a_heading_in_a_snippet_is_not_a_scenario_node(tree):
    files = {"_snippets/steps.md": "## What to do\n\n- Stay calm\n- Ask\n",
             "scenarios/two-am.md": scenario_md().replace("Someone posts.", "Someone posts.\n\n{{> steps }}")}
    scenario = load_catalog(tree(files)).scenarios["two-am"]
    assert set(scenario.nodes) == {"the-post", "good-end", "bad-end"}
    assert "<li>Stay calm</li>" in scenario.nodes["the-post"].body_html and len(scenario.nodes["the-post"].choices) == 2


def test_line_numbers_after_an_include_stay_right(tree):
    body = "Hello.\n\n{{> help }}\n\n{{> help }}\n\n```question\nNo choices here.\n```\n\nCall {{ org.nope }}.\n"
    files = {**course({"1-a.md": body}), "_snippets/help.md": "One.\n\nTwo.\n\nThree.\n\n" * 5}
    catalog = load_catalog(tree(files))
    find(catalog, "courses/listening/1-a.md", 7, "question", "error")
    find(catalog, "courses/listening/1-a.md", 11, "organisation variable 'nope' has no value", "error")


def test_unknown_snippet_is_an_error_with_did_you_mean_at_the_include(tree):
    files = {**course({"1-a.md": "Hello.\n\n{{> urgent-hlep }}\n"}), "_snippets/urgent-help.md": "Call now.\n"}
    catalog = load_catalog(tree(files))
    problem = find(
        catalog, "courses/listening/1-a.md", 3, "there is no snippet 'urgent-hlep'; did you mean 'urgent-help'?",
        "error",
    )
    assert problem.message.endswith("did you mean 'urgent-help'?")  # a typo to fix, not a file to add
    assert catalog.courses == {}
    catalog = load_catalog(tree(course({"1-a.md": "{{> help }}\n"})))
    find(catalog, "courses/listening/1-a.md", 1, "add '_snippets/help.md' at the content folder's root", "error")


def test_a_snippet_cannot_include_a_snippet(tree):
    files = {
        **course({"1-a.md": "{{> outer }}\n"}), "_snippets/outer.md": "Text.\n\n{{> inner }}\n",
        "_snippets/inner.md": "Inner.\n",
    }
    catalog = load_catalog(tree(files))
    find(catalog, "_snippets/outer.md", 3, "a snippet cannot include another snippet", "error")
    find(
        catalog, "courses/listening/1-a.md", 1, "snippet 'outer' has errors of its own (see _snippets/outer.md)",
        "error",
    )
    assert catalog.courses == {}


def test_problems_in_a_snippet_are_reported_once_at_its_own_line(tree):
    snippet = "Fine.\n\nCall {{ org.phnoe }}.\n\n<script>x</script>\n\n[form](assets/form.pdf)\n"
    files = {**course({"1-a.md": "{{> help }}\n", "2-b.md": "x\n\n{{> help }}\n\n{{> help }}\n"}),
             "_snippets/help.md": snippet, "org.yaml": "phone: '0800'\n",
             "scenarios/two-am.md": scenario_md().replace("You are on shift.", "{{> help }}")}
    catalog = load_catalog(tree(files))
    in_snippet = [str(p) for p in catalog.problems if p.path == "_snippets/help.md"]
    assert len(in_snippet) == 3, in_snippet
    find(catalog, "_snippets/help.md", 3,
         "organisation variable 'phnoe' has no value (did you mean 'phone'?); add 'phnoe: ...'", "error")
    find(catalog, "_snippets/help.md", 5, "<script> removed", "warning")
    find(
        catalog, "_snippets/help.md", 7, "a snippet is shared by courses and scenarios and has no folder of its own",
        "error",
    )
    find(catalog, "courses/listening/2-b.md", 5, "snippet 'help' has errors of its own")
    find(catalog, "scenarios/two-am.md", 8, "snippet 'help' has errors of its own")
    assert catalog.courses == {} and catalog.scenarios == {}
    lines: list[str] = []
    assert run_check(tree(files), lines.append) == 1
    assert sum("_snippets/help.md:3:" in line for line in lines) == 1


def test_unused_snippets_are_checked_too(tree):
    files = {**course({"1-a.md": "x\n"}), "_snippets/spare.md": "Call {{ org.nobody }}.\n",
             "_snippets/Bad Name.md": "x\n", "_snippets/notes.txt": "x\n", "_snippets/_draft.md": "{{ org.draft }}\n"}
    catalog = load_catalog(tree(files))
    find(catalog, "_snippets/spare.md", 1, "organisation variable 'nobody' has no value", "error")
    find(catalog, "_snippets/Bad Name.md", 0, "snippet name 'Bad Name' is not valid", "error")
    find(catalog, "_snippets/notes.txt", 0, "ignored", "warning")
    assert len(catalog.problems) == 3 and "listening" in catalog.courses


def test_front_matter_in_a_snippet_is_warned_about(tree):
    """It was shown to trainees as text ("title: Shift checklist summary: x"), with nothing said."""
    files = {**course({"1-a.md": "{{> shift }}\n"}),
             "_snippets/shift.md": "---\ntitle: Shift checklist\nsummary: x\n---\nCall the lead first.\n"}
    catalog = load_catalog(tree(files))
    find(catalog, "_snippets/shift.md", 1, "a snippet has no front matter", "warning")
    assert "listening" in catalog.courses  # a warning: the course stays live


def test_includes_must_be_on_a_line_of_their_own_and_only_in_bodies(load):
    files = course({"1-a.md": "---\ntitle: Help {{> help }}\n---\nSee {{> help }} now.\n"})
    catalog = load({**files, "_snippets/help.md": "Help.\n"})
    find(
        catalog, "courses/listening/1-a.md", 2, "snippets can only be included in the Markdown text of a file", "error",
    )
    find(
        catalog, "courses/listening/1-a.md", 4, "'{{> help }}' includes a snippet, so put it on a line of its own",
        "error",
    )


def test_support_contacts_in_a_snippet(tree):
    files = {**course({"1-a.md": "{{> help }}\n"}), "_snippets/help.md": "Talk to someone:\n\n{{ support.contacts }}\n"}
    step = load_catalog(
        tree(files), support_contacts=[{"name": "Samaritans", "contact": "116 123"}],
    ).courses["listening"].steps[0]
    assert "<li><strong>Samaritans</strong>: 116 123</li>" in step.body_html


def test_snippets_count_in_the_course_version(tree):
    files = {**course({"1-a.md": "{{> help }}\n"}), "_snippets/help.md": "Call 116 123.\n", "_snippets/spare.md": "x\n"}
    before = load_catalog(tree(files)).courses["listening"].version
    assert load_catalog(tree(files)).courses["listening"].version == before
    assert load_catalog(tree({**files, "_snippets/spare.md": "y\n"})).courses["listening"].version == before
    assert load_catalog(tree({**files, "_snippets/help.md": "Call 111.\n"})).courses["listening"].version != before


# ---------------------------------------------------------------- every construct together


def test_the_v11_fixture_uses_every_construct_and_is_clean():
    catalog = load_catalog(FIXTURES / "v11", support_contacts=[{"name": "Samaritans", "contact": "116 123"}])
    assert catalog.problems == (), [str(p) for p in catalog.problems]
    course_ = catalog.courses["safe-replies"]
    assert course_.title == "Safe replies at Nightline" and not course_.shuffle
    practice, test, shadow = course_.steps
    assert practice.questions[0].choices[2].pin and practice.responses[0].review
    assert test.pool == 2 and test.reveal == "answers" and test.questions[0].critical
    assert shadow.confirmation == "trainer"
    scenario = catalog.scenarios["night-post"]
    assert scenario.skills and scenario.pass_requires == ("ask",) and scenario.nodes["good-end"].body_parts
    # The heading carries the include's name and line, so two includes on one page never share an id.
    assert '<div class="snippet"><h2 id="ask-directly-10-ask-directly">Ask directly</h2>' in course_.intro_html
    assert "tell Nightline's safeguarding team at safeguarding@example.org" in practice.body_html
    assert ("safeguarding@example.org" in scenario.briefing_html
            and "Ask directly" in scenario.nodes["good-end"].body_html)


def test_the_format_doc_examples_make_a_folder_lms_check_passes(tree):
    """docs/FORMAT.md section 7 shows each construct; put together, its examples must be valid content."""
    doc = (Path(__file__).parents[2] / "docs" / "FORMAT.md").read_text(encoding="utf-8")
    section = doc[doc.index("## 7. Format v1.1"):]
    (course_md, question, _pin, assessment, scenario_head, scenario_tail, org_yaml, snippet, response, confirmed) = [
        m.group(3) for m in re.finditer(r"^(`{3,4})(markdown|yaml)\n(.*?)^\1$", section, re.M | re.S)]
    more = "".join(
        f"\n```question id=q{i}\nQuestion {i}?\n\n- [x] Yes\n- [ ] No, not in any case\n```\n" for i in range(11)
    )
    root = tree({
        "courses/spotting-risk/course.md": course_md,
        "courses/spotting-risk/1-first-reply.md": question + "\n" + response,
        "courses/spotting-risk/2-final-check.md": assessment.replace("(eleven more questions)\n", "") + more,
        "courses/spotting-risk/3-shadow-a-shift.md": confirmed,
        "scenarios/veiled-goodbye.md": scenario_head + "\n" + scenario_tail,
        "org.yaml": org_yaml, "_snippets/urgent-help.md": snippet,
    })
    lines: list[str] = []
    assert run_check(root, lines.append, today=datetime.date(2026, 4, 1), paths=True) == 0, lines
    expected = section.split("$ lms check --today 2026-04-01\n")[1].split("```")[0].strip().split("\n")
    assert [line for line in lines if "routes" not in line] == expected
    catalog = load_catalog(root)
    assert catalog.courses["spotting-risk"].steps[1].pool == 8 and catalog.scenarios["veiled-goodbye"].pass_forbids
