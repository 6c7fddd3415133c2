"""Format v1.1 (FORMAT.md section 7): every construct parsed, every rule reported where it was broken."""

from __future__ import annotations

from lms.content import Choice, Scenario

from .conftest import COURSE_MD, course, find, messages

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
    fixed = course({"1-a.md": QUESTION.format(info="")}, course_md=COURSE_MD.replace("---\nWelcome", "shuffle: false\n---\nWelcome"))
    catalog = load(fixed)
    assert not catalog.courses["listening"].shuffle and not catalog.courses["listening"].steps[0].shuffle


def test_shuffle_must_be_true_or_false(load):
    catalog = load(course({"1-a.md": "x"}, course_md=COURSE_MD.replace("---\nWelcome", "shuffle: sometimes\n---\nWelcome")))
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
    find(catalog, "courses/listening/1-a.md", 1, "marked critical, but 'critical' only counts in an assessment", "warning")
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
    find(catalog, "courses/listening/1-a.md", 12, "unknown option 'critcal' after ```question; did you mean 'critical'?")


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
    find(catalog, "scenarios/two-am.md", 7, "'pass_requires' names node 'asked', which does not exist; did you mean 'ask'?", "error")
    find(catalog, "scenarios/two-am.md", 8, "'pass_forbids' names node 'lockd', which does not exist; did you mean 'locked'?", "error")


def test_undeclared_skill_is_an_error_and_unused_skill_a_warning(load):
    meta = "skills:\n  escalation: Escalating risk\n  boundaries: Holding boundaries\n"
    catalog = load({"scenarios/two-am.md": scenario_md(meta, RULES_BODY.replace("skill listening", "skill listenning"))})
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
    find(catalog, "courses/listening/1-a.md", 1, "unknown option 'reveiw' after ```response; did you mean 'review'?")
