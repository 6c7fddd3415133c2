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
