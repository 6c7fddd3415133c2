"""A scenario no run can pass is an error (FORMAT.md 4.3, 7.3): a course step using it could never be completed.

`pass_score: 20` when the best route scores 4, or `pass_requires: [some-node]` naming a fail ending, used to give
0 errors and 0 warnings, even with `lms check --paths` (which printed "passing 0").
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from lms.content import Catalog, load_catalog
from lms.content.check import run_check
from lms.content.scenario import PASS_SEARCH_CAP

from .conftest import course, find

P = "scenarios/two-am.md"
Load = Callable[[dict[str, str | bytes]], Catalog]


def scenario(head: str, body: str) -> str:
    """A scenario file: `head` goes into the front matter after title and summary (line 4 onwards)."""
    return f"---\ntitle: Two am\nsummary: A post at night.\n{head}---\nYou are on shift.\n\n{body}"


BODY = """\
## the-post
Someone posts.

- [Reach out](#ask) (+2)
- [Just listen](#good-end) (+1)
- [Tell them off](#good-end) (+5, red line)
- [Ignore it](#bad-end) (-2)

## ask
You ask directly.

- [Stay with them](#good-end) (+2)
- [Log off](#bad-end) (-1)

## good-end
Well done.

## bad-end
Not good.
"""
ENDINGS = "endings:\n  pass: [good-end]\n  fail: [bad-end]\n"


def errors(catalog: Catalog) -> list[str]:
    return [str(p) for p in catalog.problems if p.is_error]


def test_a_pass_score_above_the_best_passing_route_is_an_error_at_its_line(load: Load, tree) -> None:
    root = tree({P: scenario("pass_score: 20\n" + ENDINGS, BODY)})
    catalog = load_catalog(root)
    # The red line's +5 does not count: a run that takes it cannot pass.
    assert errors(catalog) == [
        f"{P}:4: error: no run can pass: 'pass_score' is 20, but the best score on a route that could otherwise "
        "pass is 4; lower 'pass_score' or change the choices' scores",
    ]
    assert "two-am" not in catalog.scenarios
    lines: list[str] = []
    assert run_check(root, lines.append, paths=True) == 1
    assert lines[-1] == "1 error, 0 warnings; 0 courses and 0 scenarios ready"


@pytest.mark.parametrize("pass_score", [4, 3, -10])
def test_a_pass_score_a_route_can_reach_is_fine(load: Load, pass_score: int) -> None:
    catalog = load({P: scenario(f"pass_score: {pass_score}\n" + ENDINGS, BODY)})
    assert catalog.problems == () and "two-am" in catalog.scenarios


def test_pass_requires_naming_a_fail_ending_is_an_error_at_its_entry(load: Load) -> None:
    head = "pass_requires:\n  - ask\n  - bad-end\n" + ENDINGS
    catalog = load({P: scenario(head, BODY)})
    assert errors(catalog) == [
        f"{P}:6: error: no run can pass: 'bad-end' under 'pass_requires' is a 'fail' ending, and a run that reaches "
        "it ends there without passing; remove it from 'pass_requires'",
    ]


def test_pass_requires_a_node_only_a_red_line_or_a_forbidden_node_leads_to(load: Load) -> None:
    body = BODY.replace("(#ask) (+2)", "(#ask) (+2, red line)")
    catalog = load({P: scenario("pass_requires: [ask]\n" + ENDINGS, body)})
    find(catalog, P, 4, "no run can pass: 'ask' under 'pass_requires' is on no route that reaches a 'pass' ending "
         "without crossing a red line or visiting a node under 'pass_forbids'; remove it from 'pass_requires' or "
         "give it such a route", "error")
    body = BODY.replace("- [Stay with them](#good-end) (+2)", "- [Stay with them](#stay) (+2)") + (
        "\n## stay\nYou stay.\n\n- [Done](#good-end)\n")
    catalog = load({P: scenario("pass_requires: [ask]\npass_forbids: [stay]\n" + ENDINGS, body)})
    find(catalog, P, 4, "no run can pass: 'ask' under 'pass_requires' is on no route", "error")


def test_pass_requires_nodes_no_single_route_visits_together(load: Load) -> None:
    body = """\
## the-post
Someone posts.

- [Ask](#ask)
- [Listen](#listen)

## ask
- [Stay](#good-end)

## listen
- [Stay](#good-end)

## good-end
Well done.
"""
    catalog = load({P: scenario("pass_requires: [ask, listen]\nendings:\n  pass: [good-end]\n", body)})
    assert errors(catalog) == [
        f"{P}:4: error: no run can pass: no route visits every node under 'pass_requires' (ask, listen) and reaches "
        "a 'pass' ending without crossing a red line or visiting a node under 'pass_forbids'",
    ]


def test_if_conditions_are_taken_into_account(load: Load) -> None:
    """The only way on from 'ask' is offered to runs that have not visited 'ask': none, once there."""
    body = BODY.replace("- [Stay with them](#good-end) (+2)", "- [Stay with them](#good-end) (+2, if not ask)")
    catalog = load({P: scenario("pass_requires: [ask]\n" + ENDINGS, body)})
    find(catalog, P, 4, "no run can pass: 'ask' under 'pass_requires' is on no route", "error")
    # With 'if ask' the same choice is offered, and a run can pass.
    body = BODY.replace("- [Stay with them](#good-end) (+2)", "- [Stay with them](#good-end) (+2, if ask)")
    assert load({P: scenario("pass_requires: [ask]\n" + ENDINGS, body)}).problems == ()


def test_pass_endings_behind_red_lines_and_forbidden_nodes_only(load: Load) -> None:
    body = BODY.replace("(+2)\n- [Just", "(+2, red line)\n- [Just").replace("(+1)", "(+1, red line)")
    catalog = load({P: scenario(ENDINGS, body)})  # no pass_score, no pass_requires: still nobody can pass
    assert errors(catalog) == [
        f"{P}:5: error: no run can pass: no route from the start reaches a 'pass' ending without crossing a red "
        "line or visiting a node under 'pass_forbids' (taking 'if' conditions into account); a course step using "
        "this scenario could never be completed",
    ]
    catalog = load({P: scenario("pass_forbids: [the-post]\n" + ENDINGS, BODY)})
    assert errors(catalog) == [f"{P}:4: error: 'pass_forbids' names the start node 'the-post', so no run can pass"]


def test_a_scenario_without_pass_endings_is_not_judged(load: Load) -> None:
    body = BODY.replace("(+2)\n- [Just", "(+2, red line)\n- [Just").replace("(+1)", "(+1, red line)")
    assert load({P: scenario("endings:\n  neutral: [good-end, bad-end]\n", body)}).problems == ()


def test_an_unreachable_pass_ending_with_pass_score_is_said_once(load: Load) -> None:
    body = BODY.replace("(#good-end) (+", "(#bad-end) (+")
    catalog = load({P: scenario("pass_score: 1\n" + ENDINGS, body)})
    assert [m for m in errors(catalog) if "pass" in m] == [
        f"{P}:4: error: 'pass_score' is set but no 'pass' ending can be reached from the start",
    ]


def test_a_loop_leaves_pass_score_unjudged_but_not_the_rest(load: Load) -> None:
    """Going round a loop could add to the score each time, so the best score is not known."""
    body = BODY.replace("- [Log off](#bad-end) (-1)", "- [Go back](#the-post) (+1)")
    assert load({P: scenario("pass_score: 50\n" + ENDINGS, body)}).problems == ()
    catalog = load({P: scenario("pass_requires: [bad-end]\n" + ENDINGS, body)})
    find(catalog, P, 4, "'bad-end' under 'pass_requires' is a 'fail' ending", "error")


def test_the_sample_scenarios_can_all_be_passed() -> None:
    root = Path(__file__).resolve().parents[2]
    catalog = load_catalog(root)
    assert not [p for p in catalog.problems if "no run can pass" in p.message]
    assert {"friend-request-member", "veiled-goodbye"} <= set(catalog.scenarios)


def many_routes(segments: int) -> str:
    """A scenario whose runs can visit any of 2**segments sets of the nodes its 'if's name."""
    body = []
    for i in range(segments):
        after = f"n{i + 1}" if i + 1 < segments else "last"
        body += [f"## n{i}", "", f"- [A](#a{i}) (+1)", f"- [B](#b{i})", "", f"## a{i}", "", f"- [On](#{after})", "",
                 f"## b{i}", "", f"- [On](#{after})", ""]
    body += ["## last", ""] + [f"- [Good {i}](#good-end) (if a{i})" for i in range(segments)] + ["- [Bad](#bad-end)"]
    body += ["", "## good-end", "Good.", "", "## bad-end", "Bad.", ""]
    return "\n".join(body)


def test_the_search_stays_bounded_and_still_finds_a_certain_problem(
    load: Load, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """2**40 sets of visited nodes: past PASS_SEARCH_CAP choices, 'if's are taken as true (more routes, never
    fewer), so a pass_score no route reaches is still found. (How long it takes is in bench/, not here.)"""
    from lms.content import scenario as scenario_module

    assert PASS_SEARCH_CAP <= 100_000
    searches: list[tuple[int | None, bool]] = []  # (cap, gave up)
    exact = scenario_module._pass_graph

    def watched(*args):
        graph = exact(*args)
        searches.append((args[-1], graph is None))
        return graph

    monkeypatch.setattr(scenario_module, "_pass_graph", watched)
    catalog = load({P: scenario("pass_score: 41\n" + ENDINGS, many_routes(40))})
    assert (PASS_SEARCH_CAP, True) in searches  # the exact search gave up at the cap...
    assert (None, False) in searches  # ...and the one that takes every 'if' as true answered
    assert errors(catalog) == [
        f"{P}:4: error: no run can pass: 'pass_score' is 41, but the best score on a route that could otherwise "
        "pass is 40; lower 'pass_score' or change the choices' scores",
    ]
    assert load({P: scenario("pass_score: 40\n" + ENDINGS, many_routes(40))}).problems == ()


def test_a_course_step_using_a_scenario_no_run_can_pass_is_left_out(load: Load) -> None:
    files = {**course({"1-play.md": "---\nscenario: two-am\n---\nPlay it.\n"}),
             P: scenario("pass_score: 20\n" + ENDINGS, BODY)}
    catalog = load(files)
    find(catalog, "courses/listening/1-play.md", 2, "scenario 'two-am' has errors of its own", "error")
    assert "listening" not in catalog.courses


def test_a_scenario_with_other_errors_is_judged_once_they_are_fixed(load: Load) -> None:
    """A mistyped link leaves no route to the pass ending: that is the problem to fix, not a second one."""
    body = BODY.replace("(#good-end) (+2)", "(#goood-end) (+2)")
    catalog = load({P: scenario("pass_score: 4\n" + ENDINGS, body)})
    assert [m for m in errors(catalog) if "no run can pass" in m] == []
    find(catalog, P, None, "there is no node 'goood-end'", "error")
