"""FORMAT.md sections 4 and 5: scenarios, their graph rules, and steps that use them."""

from __future__ import annotations

from .conftest import SCENARIO_MD, course, find, messages

P = "scenarios/two-am.md"

FULL = """\
---
title: Two am
summary: A worrying post at night.
topic: safeguarding
audience: moderator
content_notes: [suicide]
start: the-post
pass_score: 2
endings:
  pass: [supported]
  fail: [secret]
  neutral: [wait]
---
You are the only moderator online. See the [policy](https://example.org/policy).

## the-post
Content note: suicide, self-harm

> **nightowl22** (02:07): I don't see the point of anything any more.

You are the only moderator online. What do you do first?

- [Reply in the thread and send them a private message](#reach-out) (+2)
  > Reaching out quickly and personally is right when someone may be at risk.
- [Hide the post so nobody else is upset by it](#hide-post) (-1)
  > Hiding it alone leaves the member unanswered.
- [Leave it for the morning team](#wait) (-2)

## reach-out
> **nightowl22**: thanks for messaging.

- [Promise to keep it secret](#secret) (red line, -2)
- [Remind them what they told you earlier](#supported) (if reach-out, +1)
- [Go back and hide the post](#hide-post) (if not hide-post)

## hide-post
The post is hidden.

- [Message them now](#reach-out) (+1)

## supported
You did well.

## secret
A promise you cannot keep.

## wait
Nobody replied until morning.
"""


def test_full_scenario(load):
    catalog = load({"scenarios/two-am.md": FULL})
    assert messages(catalog) == []
    s = catalog.scenario("two-am")
    assert (s.title, s.summary, s.topic, s.audience, s.content_notes) == (
        "Two am", "A worrying post at night.", "safeguarding", "moderator", ("suicide",))
    assert s.start == "the-post" and s.pass_score == 2
    assert dict(s.endings) == {"pass": ("supported",), "fail": ("secret",), "neutral": ("wait",)}
    assert list(s.nodes) == ["the-post", "reach-out", "hide-post", "supported", "secret", "wait"]
    assert 'href="https://example.org/policy"' in s.briefing_html
    post = s.node("the-post")
    assert post.line == 16
    assert post.content_note == ("suicide", "self-harm")
    assert "Content note" not in post.body_html
    assert "<li>" not in post.body_html and "Reply in the thread" not in post.body_html
    assert ('<blockquote class="chat-message">\n<p><strong class="chat-sender">nightowl22</strong> '
            '<span class="chat-time">02:07</span> I don') in post.body_html
    assert [c.score for c in post.choices] == [2, -1, -2]
    assert [c.target for c in post.choices] == ["reach-out", "hide-post", "wait"]
    first = post.choices[0]
    assert first.index == 0 and first.line == 23
    assert first.text_html == "Reply in the thread and send them a private message"
    assert first.feedback_html == "<p>Reaching out quickly and personally is right when someone may be at risk.</p>"
    assert post.choices[2].feedback_html == ""
    reach = s.node("reach-out")
    assert '<strong class="chat-sender">nightowl22</strong> thanks' in reach.body_html
    secret, remind, back = reach.choices
    assert secret.red_line and secret.score == -2 and secret.condition is None
    assert remind.condition.node == "reach-out" and not remind.condition.negate and remind.score == 1
    assert back.condition.negate and back.score == 0
    assert back.available(frozenset()) and not back.available(frozenset({"hide-post"}))
    assert remind.available(frozenset({"reach-out"})) and not remind.available(frozenset())
    assert s.outcome_of("supported") == "pass" and s.outcome_of("secret") == "fail"
    assert s.outcome_of("wait") == "neutral" and s.outcome_of("the-post") is None
    assert s.node("wait").is_ending and not post.is_ending
    assert s.recommended_choice("the-post", frozenset()) is first
    assert s.recommended_choice("reach-out", frozenset({"the-post"})) is back
    assert s.recommended_choice("reach-out", frozenset({"reach-out", "hide-post"})) is remind
    assert s.recommended_choice("supported", frozenset()) is None
    assert s.has_pass_endings and s.minutes >= 1
    assert s.max_score is None  # reach-out <-> hide-post loop


def test_defaults_single_node_start_and_max_score(load):
    catalog = load({"scenarios/two-am.md": SCENARIO_MD})
    s = catalog.scenario("two-am")
    assert s.start == "the-post" and s.audience == "everyone" and s.pass_score is None
    assert s.max_score == 2
    assert s.briefing_html == "<p>You are on shift.</p>"


def test_folder_scenario_with_assets(load):
    md = SCENARIO_MD.replace("Someone posts.", "Someone posts ![screenshot](assets/post.png).")
    catalog = load({"scenarios/two-am/scenario.md": md, "scenarios/two-am/assets/post.png": "x"})
    assert messages(catalog) == []
    s = catalog.scenario("two-am")
    assert 'src="/scenarios/two-am/assets/post.png"' in s.node("the-post").body_html
    assert s.assets_dir is not None and s.assets_dir.name == "assets"


def test_single_file_scenario_cannot_link_files(load):
    md = SCENARIO_MD.replace("Someone posts.", "Someone posts ![s](assets/post.png).")
    catalog = load({"scenarios/two-am.md": md})
    find(catalog, P, 11, "single-file scenario has no folder of its own")


def test_folder_scenario_without_scenario_md(load):
    catalog = load({"scenarios/two-am/notes.md": "x"})
    find(catalog, "scenarios/two-am", 0, "has no scenario.md")


def test_file_and_folder_with_the_same_id(load):
    catalog = load({"scenarios/two-am.md": SCENARIO_MD, "scenarios/two-am/scenario.md": SCENARIO_MD})
    find(catalog, "scenarios/two-am.md", 0, "two scenarios with the id 'two-am'")
    assert catalog.scenarios == {}


def scenario(body: str, front: str = "endings:\n  pass: [good-end]\n  fail: [bad-end]\n") -> str:
    return f"---\ntitle: T\nsummary: S\n{front}---\nBriefing.\n" + body


def test_graph_errors(load):
    body = (
        "## start\n"                                          # 7
        "- [Go](#nowhere)\n"                                  # 8
        "- [Cond](#good-end) (if missing-node)\n"             # 9
        "- [Bad](#good-end) (+2, redline)\n"                  # 10
        "- [Loop](#trap) (+1)\n"                              # 11
        "## good-end\n"                                       # 12
        "Done.\n"                                             # 13
        "## good-end\n"                                       # 14
        "Again.\n"                                            # 15
        "## lonely-end\n"                                     # 16
        "No choices.\n"                                       # 17
        "## trap\n"                                           # 18
        "- [Round](#trap2)\n"                                 # 19
        "## trap2\n"                                          # 20
        "- [And round](#trap)\n"                              # 21
    )
    front = "endings:\n  pass: [good-end, trap]\n  fail: [bad-end]\n"
    catalog = load({P: scenario(body, front)})
    find(catalog, P, 10, "choice links to '#nowhere', but there is no node 'nowhere'")
    find(catalog, P, 11, "'if missing-node' names a node that does not exist")
    find(catalog, P, 12, "unknown annotation 'redline' (did you mean 'red line'?); use a score")
    find(catalog, P, 16, "duplicate node id 'good-end' (first on line 14)")
    find(catalog, P, 18, "node 'lonely-end' has no choices, so it is an ending, but it is not listed under 'endings'")
    find(catalog, P, 5, "ending 'trap' under 'pass' has choices")
    find(catalog, P, 6, "ending 'bad-end' under 'fail' is not a node")
    find(catalog, P, 20, "node 'trap' is a trap: no ending can be reached from it")
    find(catalog, P, 22, "node 'trap2' is a trap")
    find(catalog, P, 18, "node 'lonely-end' cannot be reached from 'start'", severity="warning")
    assert catalog.scenarios == {}


def test_annotation_errors(load):
    body = (
        "## start\n"                                   # 7
        "- [A](#good-end) (+2, -1)\n"                  # 8
        "- [B](#good-end) (2)\n"                       # 9
        "- [C](#good-end) (if a, if b)\n"              # 10
        "- [D](#good-end) (+1\n"                       # 11
        "- [E](#good-end) because\n"                   # 12
        "- [F](#Bad_Node)\n"                           # 13
        "- [G](#good-end) ()\n"                        # 14
        "- [H](#bad-end) (if Not_A_Slug)\n"            # 15
        "## good-end\n## bad-end\n"
    )
    catalog = load({P: scenario(body + "## a\n## b\n")})
    find(catalog, P, 10, "choice has two scores")
    find(catalog, P, 11, "score '2' needs a sign")
    find(catalog, P, 12, "two 'if' annotations")
    find(catalog, P, 13, "unexpected text after the choice's link: '(+1'")
    find(catalog, P, 14, "unexpected text after the choice's link: 'because'")
    find(catalog, P, 15, "choice links to '#Bad_Node', which is not a node id")
    find(catalog, P, 16, "empty annotation")
    find(catalog, P, 17, "'if Not_A_Slug' should name a node id")


def test_no_pass_ending_reachable_with_pass_score(load):
    body = "## start\n- [A](#bad-end)\n## bad-end\nx\n## good-end\nx\n"
    catalog = load({P: scenario(body, "pass_score: 3\nendings:\n  pass: [good-end]\n  fail: [bad-end]\n")})
    find(catalog, P, 4, "'pass_score' is set but no 'pass' ending can be reached")
    find(catalog, P, 14, "node 'good-end' cannot be reached", severity="warning")


def test_start_must_exist_and_endings_are_validated(load):
    catalog = load({P: scenario(
        "## start\n- [A](#good-end)\n## good-end\nx\n",
        "start: begin\nendings:\n  pass: [good-end]\n  win: [x]\n  fail: good-end\n")})
    find(catalog, P, 4, "'start' names node 'begin', which does not exist")
    find(catalog, P, 7, "unknown key 'endings.win'")
    find(catalog, P, 8, "node 'good-end' is listed under both 'pass' and 'fail'")
    missing = load({P: "---\ntitle: T\nsummary: S\n---\n## a\n"})
    find(missing, P, 1, "missing required key 'endings'")


def test_warnings_for_all_if_node(load):
    body = (
        "## start\n- [A](#mid)\n## mid\n- [B](#good-end) (if start)\n- [C](#bad-end) (if not start)\n"
        "## good-end\n## bad-end\n"
    )
    catalog = load({P: scenario(body)})
    find(catalog, P, 11, "every choice of node 'mid' has an 'if'", severity="warning")
    assert not catalog.has_errors and catalog.scenario("two-am") is not None


def test_node_heading_must_be_a_slug_and_nodes_must_exist(load):
    catalog = load({P: scenario("## The Post\n- [A](#good-end)\n## good-end\n")})
    find(
        catalog, P, 9,
        "node id 'The Post' is not valid; use lowercase letters, digits "
        "and single hyphens, like 'active-listening' (for this node, '## the-post')",
    )
    empty = load({P: scenario("No nodes here.\n")})
    find(empty, P, 8, "scenario has no nodes")


def test_choice_lists_must_be_last_and_unmixed(load):
    body = (
        "## start\n"                        # 7
        "- [A](#good-end)\n"                # 8
        "- plain item\n"                    # 9
        "## middle\n"                       # 10
        "- [A](#good-end)\n"                # 11
        "  Not a quote.\n"                  # 12
        "\n"                                # 13
        "Trailing paragraph.\n"             # 14
        "## good-end\n- ordinary list in an ending\n"
    )
    catalog = load({P: scenario(body, "endings:\n  pass: [good-end, start]\n")})
    find(catalog, P, 10, "this list mixes choices and plain items")
    find(catalog, P, 13, "text under a choice must be its feedback")
    find(catalog, P, 15, "text after the choices of node 'middle'")
    assert catalog.scenarios == {}


def test_headings_in_code_are_not_nodes(load):
    md = SCENARIO_MD.replace("Someone posts.", "```\n## not-a-node\n- [x](#nowhere)\n```\n")
    catalog = load({P: md})
    assert messages(catalog) == []
    assert "not-a-node" not in catalog.scenario("two-am").nodes


def test_step_scenario_must_exist_and_be_valid(load):
    broken = SCENARIO_MD.replace("(#bad-end)", "(#nowhere)")
    catalog = load(
        {"scenarios/two-am.md": SCENARIO_MD, "scenarios/broken.md": broken}
        | course({
            "1-a.md": "---\nscenario: two-am\n---\nBriefing for the course.\n",
            "2-b.md": "---\nscenario: two-pm\n---\n",
            "3-c.md": "---\nscenario: broken\n---\n",
        })
    )
    find(catalog, "courses/listening/2-b.md", 2, "there is no scenario 'two-pm'; did you mean 'two-am'?")
    find(catalog, "courses/listening/3-c.md", 2, "scenario 'broken' has errors of its own")
    ok = load({"scenarios/two-am.md": SCENARIO_MD} | course({"1-a.md": "---\nscenario: two-am\n---\nBrief.\n"}))
    assert messages(ok) == []
    assert ok.course("listening").step("a").scenario == "two-am"


def test_consecutive_chat_quotes_stay_separate_messages():
    """Python-Markdown merges quotes split by a blank line; CommonMark, and the player, keep them apart."""
    from lms.content.markdown import render_pieces

    html = render_pieces(["> **a** (01:00): one\n\n> **b**: two\n> still b\n\nText.\n\n> a plain quote"])[0]
    assert html.count('<blockquote class="chat-message">') == 2
    assert '<strong class="chat-sender">a</strong> <span class="chat-time">01:00</span> one' in html
    assert '<strong class="chat-sender">b</strong> two\nstill b' in html
    assert "<blockquote>\n<p>a plain quote</p>" in html


def test_a_score_in_other_digits_is_an_annotation_error_not_a_crash(load):
    """'+²' passes `str.isdigit` but `int()` refuses it: the trainer gets a problem at its line."""
    catalog = load({P: scenario("## start\n- [A](#good-end) (+²)\n## good-end\n## bad-end\n")})
    find(catalog, P, 10, "unknown annotation '+²'; use a score like +2, -1 or 0")


def test_a_skills_best_is_what_a_route_without_red_lines_can_reach(load):
    """A choice offered only after a red line (putting a broken promise right) is not part of a skill's best:
    no passing run could reach that maximum (lms.roleplay.skills.best_route_totals)."""
    from pathlib import Path

    from lms.content import load_catalog
    from lms.roleplay.skills import best_per_skill

    body = (
        "## start\n"
        "- [Promise secrecy](#promised) (-2, red line, skill honesty)\n"
        "- [Be honest](#middle) (+1, skill honesty)\n"
        "## promised\n"
        "- [Carry on](#middle)\n"
        "## middle\n"
        "- [Own up to the promise](#good-end) (+2, skill honesty, if promised)\n"
        "- [Hand over](#good-end) (+1, skill honesty)\n"
        "- [Walk away](#bad-end)\n"
        "## good-end\nDone.\n## bad-end\nEnded.\n"
    )
    front = "skills: {honesty: Being honest}\nendings:\n  pass: [good-end]\n  fail: [bad-end]\n"
    catalog = load({"scenarios/s.md": scenario(body, front)})
    assert best_per_skill(catalog.scenarios["s"]) == {"honesty": 2}  # not 3: 'if promised' needs the red line
    # The sample's veiled-goodbye: its honesty handovers are offered only after a promise of secrecy.
    samples = load_catalog(Path(__file__).resolve().parents[2])
    assert best_per_skill(samples.scenarios["veiled-goodbye"])["honesty"] == 6


def test_every_front_matter_problem_of_a_scenario_is_said_in_one_pass(load):
    """`minutes` and `shuffle` were checked only once every other error was fixed: one `lms check` a mistake."""
    broken = SCENARIO_MD.replace("summary: A post at night.\n",
                                 "summary: A post at night.\ntopik: x\nminutes: 0\nshuffle: maybe\n")
    catalog = load({"scenarios/two-am.md": broken})
    rel = "scenarios/two-am.md"
    find(catalog, rel, 4, "topik", "error")
    find(catalog, rel, 5, "", "error")  # minutes: 0
    find(catalog, rel, 6, "", "error")  # shuffle: maybe
    assert catalog.scenario("two-am") is None


def test_an_unreadable_front_matter_is_one_problem_not_a_flood(load):
    """A tab before `summary:` also reported every node as a trap and every ending as not listed."""
    broken = SCENARIO_MD.replace("summary: A post at night.", "\tsummary: A post at night.")
    catalog = load({"scenarios/two-am.md": broken})
    problems = [p for p in catalog.problems if p.path == "scenarios/two-am.md"]
    assert len(problems) == 1 and "tab" in problems[0].message and problems[0].line == 3, problems
