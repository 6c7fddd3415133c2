"""FORMAT.md section 2: front matter keys, types, defaults, requires and certificates."""

from __future__ import annotations

import pytest

from lms.content.frontmatter import MAX_DEPTH, TOO_DEEP

from .conftest import course, find, messages

P = "courses/listening/course.md"


def course_md(extra: str) -> str:
    return f"---\ntitle: Listening\nsummary: Learn.\n{extra}---\nIntro.\n"


def test_unknown_key_suggests_the_close_one(load):
    catalog = load(course({"1-a.md": "---\ntitel: Hello\n---\nx\n"}))
    problem = find(catalog, "courses/listening/1-a.md", 2)
    assert problem.message == "unknown key 'titel'; did you mean 'title'?"
    assert str(problem) == "courses/listening/1-a.md:2: error: unknown key 'titel'; did you mean 'title'?"


def test_unknown_key_without_close_match_lists_the_allowed_ones(load):
    catalog = load(course({"1-a.md": "x"}, course_md="---\ntitle: T\nsummary: S\ncolour: red\n---\n"))
    find(catalog, P, 4, "unknown key 'colour'; the keys allowed here are: title, summary")


def test_required_keys(load):
    catalog = load(course({"1-a.md": "x"}, course_md="---\ntitle: T\n---\n"))
    find(catalog, P, 1, "missing required key 'summary'")
    catalog = load(course({"1-a.md": "x"}, course_md="---\ntitle:\nsummary: S\n---\n"))
    find(catalog, P, 2, "'title' is empty")
    catalog = load(course({"1-a.md": "x"}, course_md="Just text.\n"))
    find(catalog, P, 1, "course.md has no front matter")


def test_minutes_type_message(load):
    catalog = load(course({"1-a.md": "---\nminutes: ten\n---\nx\n"}))
    problem = find(catalog, "courses/listening/1-a.md", 2)
    assert problem.message == "'minutes' should be a whole number of minutes of at least 1, got 'ten'"


def test_type_errors(load):
    catalog = load(course({
        "1-a.md": "---\noptional: maybe\ncontent_notes: {a: 1}\nscenario: Two AM\nattempts: 0\nassessment: true\n---\n"
                  "```question\nQ\n- [x] a\n- [ ] b\n```\n",
    }, course_md=course_md("audience: moderators\npass_mark: 120\nrequires: [Bad Id]\n")))
    step = "courses/listening/1-a.md"
    find(catalog, step, 2, "'optional' should be true or false, got 'maybe'")
    find(catalog, step, 3, "'content_notes' should be a list of texts")
    find(catalog, step, 4, "'scenario' should be a scenario id (lowercase letters")
    find(catalog, step, 5, "'attempts' should be a whole number of attempts of at least 1, got 0")
    find(
        catalog, P, 4,
        "'audience' should be one of moderator, peer-supporter, everyone, got 'moderators'; did you mean 'moderator'?",
    )
    find(catalog, P, 5, "'pass_mark' should be a whole number of percent from 0 to 100, got 120")
    find(catalog, P, 6, "'requires' should list course ids")


def test_defaults_and_values(load):
    catalog = load(course(
        {"1-a.md": "---\ncontent_notes: suicide, self-harm\noptional: true\n---\n# The heading title\n\nText\n"},
        course_md=course_md("audience: peer-supporter\ncontent_notes: [grief]\n"),
    ))
    assert messages(catalog) == []
    c = catalog.course("listening")
    assert c.audience == "peer-supporter" and c.pass_mark == 80 and c.certificate is None
    assert c.content_notes == ("grief",)
    step = c.step("a")
    assert step.title == "The heading title"
    assert "The heading title" not in step.body_html  # the page shows it as the title
    assert step.content_notes == ("suicide", "self-harm")
    assert step.optional and c.required_steps == ()


def test_title_defaults_to_the_id_in_words(load):
    catalog = load(course({"1-active-listening.md": "Text only.\n## Not an h1\n"}))
    assert catalog.course("listening").step("active-listening").title == "Active listening"


def test_front_matter_title_keeps_a_different_heading(load):
    catalog = load(course({"1-a.md": "---\ntitle: Mine\n---\n# Other\n"}))
    step = catalog.course("listening").step("a")
    assert step.title == "Mine" and "Other</h1>" in step.body_html


def test_minutes_from_word_count_and_course_sum(load):
    catalog = load(course({"1-a.md": "word " * 1000, "2-b.md": "short", "3-c.md": "---\nminutes: 7\n---\nx"}))
    c = catalog.course("listening")
    assert [s.minutes for s in c.steps] == [5, 1, 7]
    assert c.minutes == 13
    explicit = load(course({"1-a.md": "x"}, course_md=course_md("minutes: 90\n")))
    assert explicit.course("listening").minutes == 90


def test_certificate(load):
    catalog = load(course({"1-a.md": "x"}, course_md=course_md(
        "certificate:\n  title: Volunteer Moderator\n  hours: 2.5\n  valid_months: 12\n"
        "  signatory: Sam Lee, Training lead\n  sign_off: true\n")))
    assert messages(catalog) == []
    cert = catalog.course("listening").certificate
    assert (cert.title, cert.hours, cert.valid_months, cert.signatory, cert.sign_off) == (
        "Volunteer Moderator", 2.5, 12, "Sam Lee, Training lead", True)


def test_certificate_errors(load):
    catalog = load(course({"1-a.md": "x"}, course_md=course_md("certificate:\n  hours: lots\n  sign_of: true\n")))
    find(catalog, P, 4, "missing required key 'certificate.title'")
    find(catalog, P, 5, "'certificate.hours' should be a number of hours, got 'lots'")
    find(catalog, P, 6, "unknown key 'certificate.sign_of'; did you mean 'sign_off'?")
    catalog = load(course({"1-a.md": "x"}, course_md=course_md("certificate: yes\n")))
    find(catalog, P, 4, "'certificate' should be a mapping")


def test_requires_unknown_course(load):
    catalog = load(course({"1-a.md": "x"}, course_md=course_md("requires: [basics, listenin]\n")))
    find(catalog, P, 4, "'requires' names course 'basics', which does not exist")
    # Never "did you mean" the course itself: a course cannot require itself.
    assert find(catalog, P, 4, "'listenin', which does not exist").message.endswith("which does not exist")
    catalog = load(course({"1-a.md": "x"}, course_md=course_md("requires: [basics-101]\n"))
                   | course({"1-a.md": "x"}, course_id="basics"))
    find(catalog, P, 4, "'basics-101', which does not exist; did you mean 'basics'?")


def test_a_tab_in_front_matter_is_one_problem_that_names_the_tab(load):
    """A list item indented with a tab: one problem at its line, not also every required key 'missing'."""
    catalog = load(course({"1-a.md": "x"}, course_md="---\ntitle: T\nsummary: S\ncontent_notes:\n\t- suicide\n---\n"))
    problem = find(catalog, P, 5, "front matter line starts with a tab; indent it with spaces instead")
    assert [p for p in catalog.problems if p.path == P] == [problem]
    catalog = load(course({"1-a.md": "---\ntitle: [unclosed\n---\n"}))
    assert not [p for p in catalog.problems if "missing required key" in p.message]


def test_requires_cycle(load):
    catalog = load(
        course({"1-a.md": "x"}, "a", course_md("requires: [b]\n"))
        | course({"1-a.md": "x"}, "b", course_md("requires: [c]\n"))
        | course({"1-a.md": "x"}, "c", course_md("requires: [a]\n"))
        | course({"1-a.md": "x"}, "d", course_md("requires: [a]\n"))
        | course({"1-a.md": "x"}, "e", course_md("requires: [e]\n"))
    )
    find(catalog, "courses/a/course.md", 4, "'requires' makes a loop: a -> b -> c -> a")
    find(catalog, "courses/c/course.md", 4, "c -> a -> b -> c")
    find(catalog, "courses/e/course.md", 4, "e -> e")
    find(catalog, "courses/d/course.md", 4, "'a', which has errors of its own")
    assert catalog.courses == {}


def test_requires_valid(load):
    catalog = load(course({"1-a.md": "x"}, "a") | course({"1-a.md": "x"}, "b", course_md("requires: a\n")))
    assert messages(catalog) == []
    assert catalog.course("b").requires == ("a",)


def test_front_matter_shapes(load):
    catalog = load(course({
        "1-a.md": "---\n- a\n- b\n---\n",
        "2-b.md": "---\ntitle: x\n",
        "3-c.md": "---\ntitle: [unclosed\n---\n",
        "4-d.md": "---\ntitle: a\ntitle: b\n---\n",
        "5-e.md": "---\n---\nEmpty front matter is fine.\n",
        "6-f.md": "---\ntitle: !!python/object/apply:os.system [ls]\n---\n",
    }))
    find(catalog, "courses/listening/1-a.md", 2, "should be 'key: value' lines")
    find(catalog, "courses/listening/2-b.md", 1, "never closed")
    find(catalog, "courses/listening/3-c.md", 3, "not valid YAML")
    find(catalog, "courses/listening/4-d.md", 3, "key 'title' appears twice (first on line 2)")
    find(catalog, "courses/listening/6-f.md", 2, "cannot be read")
    assert not [p for p in catalog.problems if p.path.endswith("5-e.md")]


def test_blank_lines_before_the_front_matter_are_an_error_not_page_text(load):
    """A blank first line made the keys page text (`assessment: true`: a graded test became practice), with no word."""
    catalog = load(course({
        "1-a.md": "\n\n---\ntitle: Final check\nminutes: 5\n---\nBody.\n",
        "2-b.md": "\n---\n\nA thematic break between blank lines is Markdown, not front matter.\n",
    }))
    find(catalog, "courses/listening/1-a.md", 3, "front matter must start on line 1", "error")
    # The keys were still read, at their own lines: nothing else is reported because of it.
    assert [p.line for p in catalog.problems if p.path.endswith("1-a.md")] == [3]
    assert not [p for p in catalog.problems if p.path.endswith("2-b.md")]
    assert "listening" not in catalog.courses  # an error keeps the course off the site


def test_billion_laughs_is_refused_before_it_expands(load):
    """9**30 strings if expanded: the test would not finish if the aliases were followed."""
    bomb = "---\n" + "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
    for i in range(1, 30):
        bomb += f"{chr(97 + i % 26)}{i}: &x{i} [" + ",".join([f"*{'a' if i == 1 else f'x{i - 1}'}"] * 9) + "]\n"
    bomb += "---\n"
    catalog = load(course({"1-a.md": bomb}))
    find(catalog, "courses/listening/1-a.md", 2, "anchors or aliases")


def test_deep_nesting_is_refused_by_our_limit(load):
    def nested(depth: int) -> str:
        return "---\ntitle: " + "[" * depth + "]" * depth + "\n---\n"

    catalog = load(course({"1-a.md": nested(MAX_DEPTH - 1), "2-b.md": nested(MAX_DEPTH + 2)}))
    assert not [p for p in catalog.problems if p.path.endswith("1-a.md") and "nested" in p.message]
    find(catalog, "courses/listening/2-b.md", 2, str(TOO_DEEP))
    # Far deeper than PyYAML's own limit: still our message, not PyYAML's.
    catalog = load(course({"1-a.md": nested(5000)}))
    problem = find(catalog, "courses/listening/1-a.md", 2)
    assert problem.message == str(TOO_DEEP)


@pytest.mark.parametrize("escape, shown", [("\\0", "U+0000"), ("\\x07", "U+0007"), ("\\e", "U+001B"),
                                           ("\\x85", "U+0085")])
def test_control_characters_written_as_escapes_are_refused_at_their_line(load, escape, shown):
    text = f'---\ntitle: Fine\nminutes: 5\ncontent_notes:\n  - grief\n  - "a{escape}b"\n---\nx\n'
    catalog = load(course({"1-a.md": text, "2-b.md": f'---\ntitle: "a{escape}b"\n---\nx\n'}))
    problem = find(catalog, "courses/listening/1-a.md", 6, shown)
    assert problem.severity == "error" and "'content_notes'" in problem.message
    find(catalog, "courses/listening/2-b.md", 2, f"'title' holds the control character {shown}")
    # Tabs and line breaks are text.
    catalog = load(course({"1-a.md": '---\ntitle: "tab\\there"\ncontent_notes: ["two\\nlines\\r"]\n---\nx\n'}))
    assert messages(catalog) == []
