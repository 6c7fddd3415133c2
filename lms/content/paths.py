"""`lms check --paths` (FORMAT.md 7.9): every route through each scenario, and hints about questions.

Routes are counted, not listed: a run's future depends only on where it is,
which of the nodes that matter it has visited (those named by 'if's,
pass_requires and pass_forbids) and whether it crossed a red line. So the
routes from each such state are summarised once (memoised) as a count per
(score gained, passes): a scenario with millions of routes takes milliseconds.
Whether a run passes is decided by Scenario.route_passes, the rule the player uses.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .course import Course, Question
from .messages import Message, _, untranslated
from .problems import Problem
from .scenario import Choice, Scenario

ROUTE_CAP = 100_000
_TAG_RE = re.compile(r"<[^>]*>")

# (score gained from here to the ending, whether the route passes given the score) -> routes
_State = tuple[str, frozenset[str], bool]  # node, visited nodes that matter, red line crossed
_Summary = Counter[tuple[int, bool]]


@dataclass
class RouteReport:
    """What --paths prints for one scenario."""

    scenario_id: str
    routes: int = 0
    passing: int = 0
    best: int | None = None
    worst: int | None = None
    capped: bool = False  # more routes than ROUTE_CAP: counted, not enumerated
    loops: bool = False  # some route can go round for ever; those routes are not counted
    search_stopped: bool = False  # the unsafe-choice search reached ROUTE_CAP steps before it was done
    problems: list[Problem] = field(default_factory=list)

    def line(self, rel: str) -> Message:
        if self.capped:
            routes = _("more than {cap:,} (capped)", cap=ROUTE_CAP)
            passing = _("{passing:,} (of {routes:,} counted)", passing=self.passing, routes=self.routes)
        else:
            routes = untranslated("{routes:,}", routes=self.routes)
            passing = untranslated("{passing:,}", passing=self.passing)
        text = _("{rel}: routes {routes}, passing {passing}, best score {best}, worst score {worst}",
                 rel=rel, routes=routes, passing=passing, best=self.best, worst=self.worst)
        loops = _("; some routes loop for ever and are not counted") if self.loops else ""
        stopped = (_("; unsafe-choice search stopped after {cap:,} steps, so some routes were not checked",
                     cap=ROUTE_CAP) if self.search_stopped else "")
        return untranslated("{text}{loops}{stopped}", text=text, loops=loops, stopped=stopped)


def plain(text_html: str) -> str:
    return html.unescape(_TAG_RE.sub("", text_html)).strip()


class _Explorer:
    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.memo: dict[_State, dict[tuple[int, bool], int]] = {}
        self.on_stack: set[_State] = set()
        self.loops = False
        watched = set(scenario.pass_requires) | set(scenario.pass_forbids)
        for node in scenario.nodes.values():
            for choice in node.choices:
                if choice.condition is not None:
                    watched.add(choice.condition.node)
        self.watched = frozenset(watched)

    def step(self, state: _State, choice: Choice) -> _State:
        _, seen, red = state
        target = choice.target
        return target, (seen | {target}) if target in self.watched else seen, red or choice.red_line

    def choices(self, state: _State) -> Iterator[Choice]:
        node = self.scenario.nodes[state[0]]
        return (c for c in node.choices if c.available(state[1]))

    def summary(self, state: _State) -> dict[tuple[int, bool], int]:
        """Routes from `state` to an ending: count per (score gained, passes by the non-score rules)."""
        known = self.memo.get(state)
        if known is not None:
            return known
        if state in self.on_stack:
            self.loops = True
            return {}
        self.on_stack.add(state)
        node_id, seen, red = state
        result: _Summary = Counter()
        if not self.scenario.nodes[node_id].choices:
            # The score is checked by the caller, who knows the whole route's score.
            result[(0, self.scenario.route_passes(seen, self.scenario.pass_score or 0, node_id, red))] += 1
        else:
            for choice in self.choices(state):
                for (score, ok), count in self.summary(self.step(state, choice)).items():
                    result[(score + choice.score, ok)] += count
        self.on_stack.discard(state)
        self.memo[state] = dict(result)
        return self.memo[state]


def explore(scenario: Scenario, rel: str, worst_allowed: int = -2) -> RouteReport:
    """Count every route through a scenario and find low-scoring choices on passing routes."""
    explorer = _Explorer(scenario)
    start_seen = frozenset({scenario.start}) & explorer.watched
    start: _State = (scenario.start, start_seen, False)
    threshold = scenario.pass_score

    def passes(score: int, ok: bool) -> bool:
        return ok and (threshold is None or score >= threshold)

    report = RouteReport(scenario.id)
    totals = explorer.summary(start)
    for (score, ok), count in totals.items():
        report.routes += count
        if passes(score, ok):
            report.passing += count
        report.best = score if report.best is None else max(report.best, score)
        report.worst = score if report.worst is None else min(report.worst, score)
    report.capped = report.routes > ROUTE_CAP
    # Walk the distinct (state, score so far) pairs: few, however many routes there are.
    warned: set[tuple[str, int]] = set()
    seen_states: set[tuple[_State, int]] = set()
    stack: list[tuple[_State, int]] = [(start, 0)]
    while stack:
        state, so_far = stack.pop()
        if (state, so_far) in seen_states:
            continue
        if len(seen_states) >= ROUTE_CAP:
            # Each step is a distinct (place, score so far): past the cap, say the search is partial.
            report.search_stopped = True
            break
        seen_states.add((state, so_far))
        for choice in explorer.choices(state):
            after = explorer.step(state, choice)
            total = so_far + choice.score
            if choice.score <= worst_allowed and (state[0], choice.index) not in warned and any(
                passes(total + score, ok) for score, ok in explorer.summary(after)
            ):
                warned.add((state[0], choice.index))
                report.problems.append(Problem.of(
                    rel, choice.line, "warning",
                    _("a run can still pass after choosing '{choice}' ({score:+d}) at node '{node_id}'; "
                      "lower its score, make it a red line or list a node under pass_forbids",
                      choice=plain(choice.text_html), score=choice.score, node_id=state[0]),
                ))
            stack.append((after, total))
    report.loops = explorer.loops
    if not scenario.shuffle:
        report.problems.extend(_first_choice_passes(scenario, explorer, rel))
    return report


def _first_choice_passes(scenario: Scenario, explorer: _Explorer, rel: str) -> list[Problem]:
    """With shuffle: false, a trainee who always takes the first choice should not pass."""
    state: _State = (scenario.start, frozenset({scenario.start}), False)
    visited, score, steps = {scenario.start}, 0, 0
    while scenario.nodes[state[0]].choices and steps <= len(scenario.nodes) * 2:
        choice = next(explorer.choices((state[0], frozenset(visited), state[2])), None)
        if choice is None:
            return []
        score += choice.score
        visited.add(choice.target)
        state = (choice.target, frozenset(), state[2] or choice.red_line)
        steps += 1
    if scenario.nodes[state[0]].choices:
        return []
    if scenario.route_passes(visited, score, state[0], state[2]):
        line = scenario.nodes[scenario.start].line
        return [Problem.of(rel, line, "warning",
                           _("with 'shuffle: false', always taking the first listed choice passes this scenario; "
                             "reorder the choices or let them be shuffled"))]
    return []


def longest_answer_problems(course: Course, rel: str) -> list[Problem]:
    """Warn when the right answer is usually the longest: trainees learn to pick the longest.

    Checked across the course (at `rel`, its course.md) and again for each assessment
    step on its own, at the step's file: a final test can be cued even when the
    practice questions around it dilute the course's share.
    """
    problems = _longest_answer_problem(course.questions, rel, assessment=False)
    folder = PurePosixPath(rel).parent
    for step in course.assessment_steps:
        if step.path is not None:
            step_rel = (folder / step.path.relative_to(course.path).as_posix()).as_posix()
            problems += _longest_answer_problem(step.questions, step_rel, assessment=True)
    return problems


def _longest_answer_problem(questions: Sequence[Question], rel: str, *, assessment: bool) -> list[Problem]:
    single = [q for q in questions if not q.multiple and len(q.choices) >= 2]
    if len(single) < 5:
        return []
    longest = 0
    for question in single:
        lengths = [(len(plain(c.text_html)), c.correct) for c in question.choices]
        right = next(length for length, correct in lengths if correct)
        if all(right > length for length, correct in lengths if not correct):
            longest += 1
    if longest * 100 > 60 * len(single):
        about = {"longest": longest, "total": len(single)}
        if assessment:
            message = _("the correct choice is the longest in {longest} of {total} single-answer questions of this "
                        "assessment; trainees can pass by picking the longest, so vary the lengths", **about)
        else:
            message = _("the correct choice is the longest in {longest} of {total} single-answer questions; "
                        "trainees can pass by picking the longest, so vary the lengths", **about)
        return [Problem.of(rel, 0, "warning", message)]
    return []


def scenario_rel(root: Path, scenario: Scenario) -> str:
    return scenario.path.relative_to(root).as_posix()
