"""FORMAT.md section 3: step bodies, questions, assessments, reflections, safe HTML."""

from __future__ import annotations

from lms.content import HtmlBlock, Question, Reflection

from .conftest import course, find, messages

S = "courses/listening/1-a.md"

QUESTION_STEP = """\
---
title: Reflecting
---
Some *text* first.

```question
A member writes: "I can't do this anymore." Which reply best reflects
what they said?

- [ ] "Cheer up, tomorrow is a new day."
  > Reassurance this early can feel like being brushed off.
- [x] "It sounds like things feel too much right now."
  > Yes: naming the feeling shows you heard them.
- [ ] "Have you tried going for a walk?"
```

More text.

```reflection
What would you find **hardest**?
```
"""


def test_question_is_parsed_and_blocks_keep_their_order(load):
    catalog = load(course({"1-a.md": QUESTION_STEP}))
    assert messages(catalog) == []
    step = catalog.course("listening").step("a")
    kinds = [type(b) for b in step.blocks]
    assert kinds == [HtmlBlock, Question, HtmlBlock, Reflection]
    assert [b.kind for b in step.blocks] == ["html", "question", "html", "reflection"]
    question = step.questions[0]
    assert question.id == "a-1" and question.line == 6
    assert question.prompt_html.startswith("<p>A member writes:")
    assert [c.correct for c in question.choices] == [False, True, False]
    assert question.choices[1].text_html == "\u201cIt sounds like things feel too much right now.\u201d" or \
        question.choices[1].text_html == '"It sounds like things feel too much right now."'
    assert question.choices[0].feedback_html == "<p>Reassurance this early can feel like being brushed off.</p>"
    assert question.choices[2].feedback_html == ""
    assert [c.index for c in question.choices] == [0, 1, 2]
    assert not question.multiple
    assert question.is_correct([1]) and not question.is_correct([0, 1]) and not question.is_correct([])
    reflection = step.reflections[0]
    assert reflection.id == "a-reflection-1"
    assert reflection.prompt_html == "<p>What would you find <strong>hardest</strong>?</p>"
    assert step.body_html == "<p>Some <em>text</em> first.</p>\n<p>More text.</p>"
    assert "question" not in step.body_html
    assert catalog.course("listening").questions == (question,)


def test_select_all_that_apply(load):
    catalog = load(course({"1-a.md": "```question id=pick\nPick\n- [x] a\n- [X] b\n- [ ] c\n```\n"}))
    q = catalog.course("listening").step("a").questions[0]
    assert q.id == "pick" and q.multiple
    assert q.is_correct({0, 1}) and not q.is_correct({0})


def test_question_errors(load):
    catalog = load(course({"1-a.md": (
        "Intro\n"                               # 1
        "```question\n"                         # 2
        "Only one\n"                            # 3
        "- [x] a\n"                             # 4
        "```\n"                                 # 5
        "```question\n"                         # 6
        "None right\n"                          # 7
        "- [ ] a\n"                             # 8
        "- [ ] b\n"                             # 9
        "```\n"                                 # 10
        "```question\n"                         # 11
        "- [x] a\n"                             # 12
        "- b\n"                                 # 13
        "```\n"                                 # 14
        "```question nope=1\n"                  # 15
        "No choices at all\n"                   # 16
        "```\n"                                 # 17
        "```question\n"                         # 18
        "Q\n"                                   # 19
        "- [x] a\n"                             # 20
        "- [ ] b\n"                             # 21
        "\n"                                    # 22
        "Trailing text\n"                       # 23
        "```\n"                                 # 24
    )}))
    find(catalog, S, 2, "question has only one choice; give at least two")
    find(catalog, S, 7 - 1, "question has no correct choice ([x])")
    find(catalog, S, 11, "question has no prompt")
    find(catalog, S, 13, "this list item has no box")
    find(catalog, S, 15, "unknown option 'nope=1'")
    find(catalog, S, 15, "question has no choices")
    find(catalog, S, 23, "text after the choices")
    assert catalog.course("listening") is None


def test_unclosed_question_block(load):
    catalog = load(course({"1-a.md": "x\n\n```question\nQ\n- [x] a\n- [ ] b\n"}))
    find(catalog, S, 3, "question block is never closed")


def test_question_ids_unique_within_a_course(load):
    q = "```question id=same\nQ\n- [x] a\n- [ ] b\n```\n"
    catalog = load(
        course({"1-a.md": q, "2-b.md": "text\n\n" + q, "3-c.md": "```question id=Bad\nQ\n- [x] a\n- [ ] b\n```\n"}),
    )
    find(catalog, "courses/listening/2-b.md", 3, "question id 'same' is already used in courses/listening/1-a.md:1")
    find(catalog, "courses/listening/3-c.md", 1, "question id 'Bad' is not valid")
    other = load(course({"1-a.md": q}) | course({"1-a.md": q}, "other"))
    assert messages(other) == []


def test_default_question_ids_number_within_the_step(load):
    q = "```question\nQ\n- [x] a\n- [ ] b\n```\n"
    catalog = load(course({"1-a.md": q + "\n" + q, "2-b.md": q}))
    c = catalog.course("listening")
    assert [q.id for q in c.questions] == ["a-1", "a-2", "b-1"]


def test_reflections(load):
    r = "```reflection id=night\nHardest?\n```\n"
    catalog = load(
        course({"1-a.md": r + "```reflection\nAnd?\n```\n", "2-b.md": r, "3-c.md": "```reflection\n\n```\n"}),
    )
    find(catalog, "courses/listening/2-b.md", 1, "reflection id 'night' is already used")
    find(catalog, "courses/listening/3-c.md", 1, "reflection has no prompt")
    fine = load(course({"1-a.md": r + "```reflection\nAnd?\n```\n"}))
    assert [x.id for x in fine.course("listening").step("a").reflections] == ["night", "a-reflection-2"]


def test_assessment_keys(load):
    q = "```question\nQ\n- [x] a\n- [ ] b\n```\n"
    catalog = load(course({
        "1-a.md": "---\nassessment: true\nattempts: 3\n---\n" + q,
        "2-b.md": "---\nattempts: 2\n---\n" + q,
        "3-c.md": "---\nassessment: true\n---\nNo questions.\n",
        "4-d.md": "---\nassessment: true\noptional: true\n---\n" + q,
    }))
    find(catalog, "courses/listening/2-b.md", 2, "'attempts' only applies to assessments")
    find(catalog, "courses/listening/3-c.md", 2, "this assessment has no questions")
    find(catalog, "courses/listening/4-d.md", 3, "an assessment cannot be optional")
    ok = load(course({"1-a.md": "---\nassessment: true\nattempts: 3\n---\n" + q, "2-b.md": "x"}))
    c = ok.course("listening")
    assert c.step("a").assessment and c.step("a").attempts == 3 and c.assessment_steps == (c.step("a"),)
    assert c.step("b").attempts is None


def test_question_blocks_in_course_md_are_shown_as_code_with_a_warning(load):
    md = "---\ntitle: T\nsummary: S\n---\n```question\nQ\n```\n"
    catalog = load(course({"1-a.md": "x"}, course_md=md))
    find(catalog, "courses/listening/course.md", 5, "only work in step files", severity="warning")
    assert "<code" in catalog.course("listening").intro_html


def test_markdown_features(load):
    body = (
        "## A heading\n\n"
        "| a | b |\n|:--|--:|\n| 1 | 2 |\n\n"
        "A note[^1].\n\n[^1]: The footnote.\n\n"
        "```question\nQ with a ref[^2]\n- [x] a\n- [ ] b\n```\n\n"
        "[^2]: Second.\n\n"
        "```python\nprint('```question')\n```\n"
    )
    catalog = load(course({"1-a.md": body}))
    assert messages(catalog) == []
    step = catalog.course("listening").step("a")
    html = step.body_html
    assert '<h2 id="a-heading">A heading</h2>' in html
    assert '<th align="left">a</th>' in html and "style=" not in html
    assert 'class="footnote"' in html and "The footnote." in html and "Second." in html
    assert 'href="#fn:2"' in step.questions[0].prompt_html
    assert "<pre><code" in html and len(step.questions) == 1


def test_unsafe_html_is_removed_and_warned_about(load):
    body = (
        "Safe <em>html</em> and <abbr title='x'>abbr</abbr>.\n"          # 1
        "<script>alert(1)</script>\n"                                      # 2
        '<img src="assets/x.png" onerror="alert(1)">\n'                    # 3
        "[click](javascript:alert(1))\n"                                   # 4
        '<form action="https://evil.example"><input name="pw"></form>\n'  # 5
        '<p style="color:red">styled</p>\n'                                # 6
        '<iframe src="https://evil.example"></iframe>\n'                   # 7
        "`<script>` in code is fine\n"                                     # 8
        "```\n<script>also fine</script>\n```\n"                           # 9-11
    )
    catalog = load(course({"1-a.md": body, "assets/x.png": "x"}))
    warnings = [p for p in catalog.problems if p.severity == "warning"]
    assert {p.line for p in warnings} == {2, 3, 4, 5, 6, 7}
    find(catalog, S, 2, "<script> removed", severity="warning")
    find(catalog, S, 3, "'onerror' removed from <img>", severity="warning")
    find(catalog, S, 4, "'javascript:' link removed", severity="warning")
    find(catalog, S, 5, "<form> removed", severity="warning")
    find(catalog, S, 5, "<input> removed", severity="warning")
    find(catalog, S, 6, "'style' removed", severity="warning")
    find(catalog, S, 7, "<iframe> removed", severity="warning")
    assert not catalog.has_errors
    html = catalog.course("listening").step("a").body_html
    for bad in ("<script", "onerror", "javascript:", "<form", "<input", "style=", "<iframe", "alert(1)</"):
        assert bad not in html
    assert "<em>html</em>" in html and '<abbr title="x">' in html
    assert 'src="/courses/listening/assets/x.png"' in html


def test_html_inside_question_is_sanitised(load):
    catalog = load(course({
        "1-a.md": "```question\n<b onclick='x()'>Q</b>\n- [x] <script>bad()</script>a\n- [ ] b\n"
                  "  > <i style='x'>fb</i>\n```\n",
    }))
    q = catalog.course("listening").step("a").questions[0]
    assert "onclick" not in q.prompt_html and "<b>Q</b>" in q.prompt_html
    assert q.choices[0].text_html == "a"
    assert q.choices[1].feedback_html == "<p><i>fb</i></p>"
    find(catalog, S, 2, "'onclick' removed", severity="warning")
    find(catalog, S, 3, "<script> removed", severity="warning")


def test_other_schemes_are_removed_with_a_warning(load):
    catalog = load(course({"1-a.md": "[file](file:///etc/passwd) [tel](tel:+441234)\n"}))
    find(catalog, S, 1, "link using 'file:' removed", severity="warning")
    assert 'href="tel:+441234"' in catalog.course("listening").step("a").body_html


def test_unclosed_fence_in_a_piece_falls_back_to_rendering_pieces_alone(load):
    body = "```question\nQ\n- [x] a ```\n- [ ] b\n  > ```python\n```\n\nAfter the question.\n\n[link](assets/x.png)\n"
    catalog = load(course({"1-a.md": body, "assets/x.png": "x"}))
    assert messages(catalog) == []
    step = catalog.course("listening").step("a")
    assert "After the question." in step.body_html
    assert 'src' not in step.body_html and 'href="/courses/listening/assets/x.png"' in step.body_html
