"""Role-play runs: start, resume, choose, finish, debrief (FORMAT.md §4 and §5).

A run's memory is the set of nodes it has visited: the start node plus the
target of every choice made so far. Every choice of every run is stored.

Starting again while a run is unfinished *abandons* the old run: it gets
`finished_at` but no outcome, keeps its choices, is never resumed and never
counts as passed. The same course step context (practice, or one enrolment and
step) has at most one resumable run.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.content import Choice, Course, Node, Scenario, Step
from lms.content.render import prefix_ids
from lms.content.shuffle import shuffled_order
from lms.core.db import DbSession
from lms.core.models import MAX_INTEGER, utcnow
from lms.core.services import ServiceError
from lms.core.sql import bound_values, built_once, dialect_insert
from lms.learning import progress
from lms.learning.models import Enrolment
from lms.roleplay.models import RunChoice, ScenarioRun
from lms.roleplay.skills import SkillScore, skill_scores, skill_totals

#: Ranking of outcomes for "best outcome"; a passed run beats everything.
_OUTCOME_RANK = {"fail": 1, "neutral": 2, "pass": 3}


class AlreadyAnswered(ServiceError):
    """A replayed, double-clicked or second-tab submit of a choice already made."""

    def __init__(self) -> None:
        super().__init__(gettext("You already answered this. Here is where the role-play is now."))


def visited(run: ScenarioRun, scenario: Scenario) -> frozenset[str]:
    """The nodes a run has been to: its memory for `if` and `if not`."""
    return frozenset([scenario.start, *(c.target for c in run.choices)])


def available_choices(node: Node, seen: frozenset[str]) -> list[Choice]:
    """The choices offered at a node, given what the run has visited (in file order)."""
    return [c for c in node.choices if c.available(seen)]


def shown_choices(run: ScenarioRun, scenario: Scenario, node: Node) -> list[Choice]:
    """The choices offered at a node in the order this run shows them (FORMAT.md §7.1).

    The whole list is shuffled once per run and node (seed `run:{id}:{node}`),
    pinned choices keeping their place, and then the choices the run may not
    take are left out: so the order is the same on every reload, and a choice
    that an `if` hides does not move the others. `shuffle: false` keeps file order.
    """
    seen = visited(run, scenario)
    if not scenario.shuffle:
        return available_choices(node, seen)
    order = shuffled_order(len(node.choices), [c.index for c in node.choices if c.pin], f"run:{run.id}:{node.id}")
    return [node.choices[i] for i in order if node.choices[i].available(seen)]


def choices_to_an_ending(scenario: Scenario, node_id: str) -> int | None:
    """The fewest choices from `node_id` to a `pass` ending (any ending if there are none; conditions
    ignored), None if none is reachable.

    The player shows "choice 2 of about 4" from it: honest about how far a good route goes,
    without promising an exact length a branching story cannot have.
    """
    wanted = ("pass",) if scenario.has_pass_endings else ("pass", "fail", "neutral")
    seen, frontier, distance = {node_id}, [node_id], 0
    while frontier:
        if any(scenario.outcome_of(n) in wanted for n in frontier):
            return distance
        following = []
        for n in frontier:
            node = scenario.node(n)
            for choice in node.choices if node else ():
                if choice.target not in seen:
                    seen.add(choice.target)
                    following.append(choice.target)
        frontier, distance = following, distance + 1
    return None


def path_of(run: ScenarioRun, scenario: Scenario) -> list[str]:
    """The nodes of a run in the order it reached them: the start, then each choice's target."""
    return [scenario.start, *(c.target for c in run.choices)]


def body_for_current(run: ScenarioRun, scenario: Scenario, node: Node) -> str:
    """The current node's text as this run sees it (§7.4: what it visited before arriving here)."""
    return node.body_for(frozenset(path_of(run, scenario)[:-1]))


def feedback_after(run: ScenarioRun, scenario: Scenario, made: RunChoice, choice: Choice) -> str:
    """A made choice's feedback as this run sees it: its route up to and including that choice's node."""
    return choice.feedback_for(frozenset(path_of(run, scenario)[: made.position + 1]))


def get_run(session: DbSession, user_id: int, run_id: int) -> ScenarioRun | None:
    """The user's own run, or None (also for someone else's: callers answer 404)."""
    if not 0 < run_id <= MAX_INTEGER:  # a forged id beyond any stored id must not reach the database
        return None
    run = session.execute(_RUN_WITH_CHOICES, {"run_id": run_id}).unique().scalar_one_or_none()
    return run if run is not None and run.user_id == user_id else None


#: The player always needs the choices (the run's memory): loaded in the same query. Built once, as
#: every node and choice reads it.
_RUN_WITH_CHOICES = (select(ScenarioRun).options(joinedload(ScenarioRun.choices))
                     .where(ScenarioRun.id == bindparam("run_id")))


def resumable_run(session: DbSession, user_id: int, scenario_id: str, enrolment_id: int | None = None,
                  step_id: str | None = None) -> ScenarioRun | None:
    """The unfinished run of this scenario in this context (practice, or a course step)."""
    return session.scalar(
        select(ScenarioRun).where(
            ScenarioRun.user_id == user_id, ScenarioRun.scenario_id == scenario_id,
            ScenarioRun.enrolment_id.is_(None) if enrolment_id is None else ScenarioRun.enrolment_id == enrolment_id,
            ScenarioRun.step_id.is_(None) if step_id is None else ScenarioRun.step_id == step_id,
            ScenarioRun.finished_at.is_(None),
        ).order_by(ScenarioRun.id.desc()).limit(1))


def start_run(session: DbSession, user_id: int, scenario: Scenario, enrolment: Enrolment | None = None,
              step_id: str | None = None, restart: bool = False) -> ScenarioRun:
    """Start a run, or return the unfinished one in the same context unless `restart`.

    Returning the unfinished run makes a double-clicked "Start" harmless;
    `restart` abandons it first (see the module docstring).
    """
    # Serialise starts per user (PostgreSQL row lock; SQLite writers already queue),
    # so two tabs cannot both create a "current" run.
    session.execute(select(User.id).where(User.id == user_id).with_for_update())
    enrolment_id = enrolment.id if enrolment is not None else None
    current = resumable_run(session, user_id, scenario.id, enrolment_id, step_id)
    if current is not None:
        if not restart:
            return current
        abandon(session, current)
    run = ScenarioRun(user_id=user_id, scenario_id=scenario.id, enrolment_id=enrolment_id,
                      step_id=step_id if enrolment is not None else None, current_node=scenario.start,
                      score=0, crossed_red_line=False)
    session.add(run)
    session.flush()
    return run


def abandon(session: DbSession, run: ScenarioRun) -> None:
    """End an unfinished run that cannot go on (as starting again does): not passed, no ending reached."""
    if run.finished_at is None:
        run.finished_at = utcnow()
        run.passed = False
        session.flush()


@dataclass(frozen=True)
class ChoiceMade:
    """What a choice did, for the page that follows it."""

    choice: Choice
    finished: bool
    completed_step: bool
    completed_course: bool = False  # this choice's ending completed the run's course


def choose(session: DbSession, run: ScenarioRun, scenario: Scenario, position: int, choice_index: int,
           course: Course | None = None) -> ChoiceMade:
    """Record the choice at `position` (the number of choices made before it).

    `position` is the idempotency key: a replay of an earlier page raises
    AlreadyAnswered, and so does the loser of two simultaneous submits, which
    the UNIQUE (run_id, position) constraint stops. `course` is the course of
    the run's enrolment, if any, so that finishing can complete its step.
    """
    made = len(run.choices)
    if position < made:
        raise AlreadyAnswered()
    if run.finished:
        raise ServiceError(gettext("This role-play has finished. You can read the debrief or play it again."))
    if position > made:
        raise ServiceError(gettext("That page was out of date. Here is where the role-play is now."))
    node = scenario.node(run.current_node)
    if node is None:
        raise ServiceError(gettext("This role-play has changed since you started this run. Please start again."))
    seen = visited(run, scenario)
    choice = next((c for c in available_choices(node, seen) if c.index == choice_index), None)
    if choice is None or scenario.node(choice.target) is None:
        raise ServiceError(gettext("That choice is not available here. Please pick one of the choices shown."))
    # One statement: the row goes in unless this position is taken (a replay, a double click, or
    # the other of two simultaneous submits, which waits for the first to commit), and then nothing.
    inserted = session.execute(built_once(session, "run choice row", _choice_insert), {
        "run_id": run.id, "position": position, "node_id": node.id, "choice_index": choice.index,
        "target": choice.target, "score": choice.score, "red_line": choice.red_line}).first()
    if inserted is None:
        raise AlreadyAnswered()
    session.expire(run, ["choices"])
    run.score += choice.score
    run.crossed_red_line = run.crossed_red_line or choice.red_line
    run.current_node = choice.target
    run.last_active_at = utcnow()
    outcome = scenario.outcome_of(choice.target)
    completed_step = completed_course = False
    if outcome is not None:
        _finish(run, scenario, outcome)
        completed_step, completed_course = _complete_course_step(session, run, scenario, course)
    session.flush()
    return ChoiceMade(choice=choice, finished=outcome is not None, completed_step=completed_step,
                      completed_course=completed_course)


def _choice_insert(session: DbSession):
    # On the table, not the ORM class: a Core statement skips the ORM's bulk-insert work.
    table = RunChoice.__table__
    return (dialect_insert(session, table)
            .values(bound_values(RunChoice, "run_id", "position", "node_id", "choice_index", "target",
                                          "score", "red_line"))
            .on_conflict_do_nothing(index_elements=[table.c.run_id, table.c.position])
            .returning(table.c.id))


def run_passes(run: ScenarioRun, scenario: Scenario, outcome: str | None) -> bool:
    """A pass ending, no red line crossed, at least the pass score if there is one, and
    every `pass_requires` node but no `pass_forbids` node visited (FORMAT.md §7.3)."""
    return outcome == "pass" and scenario.route_passes(visited(run, scenario), run.score, run.current_node,
                                                       run.crossed_red_line)


def _finish(run: ScenarioRun, scenario: Scenario, outcome: str) -> None:
    run.outcome = outcome
    run.finished_at = utcnow()
    run.passed = run_passes(run, scenario, outcome)


def step_done_by(run: ScenarioRun, scenario: Scenario) -> bool:
    """FORMAT.md §5: a finished run completes its step; it must pass if the scenario can."""
    if run.outcome is None:
        return False
    return bool(run.passed) if scenario.has_pass_endings else True


def _complete_course_step(session: DbSession, run: ScenarioRun, scenario: Scenario,
                          course: Course | None) -> tuple[bool, bool]:
    """Complete the run's course step if the run does it; (step completed, course completed by it)."""
    if run.enrolment_id is None or not step_done_by(run, scenario):
        return False, False
    step = scenario_step(course, run.step_id, scenario)
    enrolment = session.get(Enrolment, run.enrolment_id)
    if step is None or course is None or enrolment is None or enrolment.course_id != course.id:
        return False, False
    return True, progress.complete_step(session, enrolment, course, step)


def scenario_step(course: Course | None, step_id: str | None, scenario: Scenario) -> Step | None:
    """The course's step with this id if it is a role-play of this scenario, else None."""
    step = course.step(step_id) if course is not None and step_id else None
    return step if step is not None and step.scenario == scenario.id else None


# ---------------------------------------------------------------- debrief


def content_choice(scenario: Scenario, made: RunChoice) -> Choice | None:
    """The scenario's choice that a stored choice refers to; None if the content changed since."""
    node = scenario.node(made.node_id)
    if node is None or made.choice_index >= len(node.choices):
        return None
    choice = node.choices[made.choice_index]
    return choice if choice.target == made.target else None


@dataclass(frozen=True)
class DebriefStep:
    """One choice of a run, as the debrief shows it."""

    node_id: str
    node: Node | None  # None when the content changed since the run
    chosen: Choice | None  # likewise
    score: int
    red_line: bool
    recommended: Choice | None  # only when it differs from what was chosen
    body_html: str = ""  # the situation as the run saw it (§7.4)
    feedback_html: str = ""  # the chosen choice's feedback as the run saw it
    recommended_feedback_html: str = ""


@dataclass(frozen=True)
class PassBlock:
    """Why a run cannot pass besides red lines and score (§7.3): a required step missed or a forbidden one taken."""

    kind: str  # "missing" or "forbidden"
    node_id: str
    situation: str  # plain text naming the node: its first line or heading
    #: The node's content note: the trainee's debrief names the situation by it instead of quoting its text,
    #: which a missed node's trainee never saw (and a skipped one's chose not to read).
    content_note: tuple[str, ...] = ()


@dataclass(frozen=True)
class Debrief:
    steps: list[DebriefStep]
    ending: Node | None
    red_lines: list[DebriefStep]
    score: int
    pass_score: int | None
    passed: bool
    outcome: str | None
    ending_html: str = ""  # the ending's text as the run saw it (§7.4)
    blocks: tuple[PassBlock, ...] = ()
    skills: tuple[SkillScore, ...] = ()
    can_pass: bool = True  # the scenario has `pass` endings: a run passes or not; else it just finishes

    @property
    def verdict(self) -> str:
        """The one plain verdict the debrief leads with (never "a passing ending" beside "Not passed")."""
        if self.outcome is None:
            return "Not finished"
        if not self.can_pass:
            return "Finished"
        return "Passed" if self.passed else "Not passed"

    @property
    def below_pass_score(self) -> bool:
        return self.pass_score is not None and self.score < self.pass_score


_BLOCK_END_RE = re.compile(r"</(?:p|h[1-6]|li|blockquote|div|pre)>|<br\s*/?>|<hr\s*/?>", re.IGNORECASE)
SITUATION_MAX = 120


def situation_of(node: Node | None, node_id: str) -> str:
    """A short plain-text name for a node: the first line (or heading) of its text, else its id."""
    html = node.body_html if node is not None else ""
    if node is not None and not html.strip():
        html = node.body_for(frozenset())
    for piece in _BLOCK_END_RE.split(html):
        text = " ".join(Markup(piece).striptags().split())
        if text:
            return text if len(text) <= SITUATION_MAX else text[: SITUATION_MAX - 1].rstrip() + "…"
    return node_id


def pass_blocks(scenario: Scenario, seen: frozenset[str]) -> tuple[PassBlock, ...]:
    """The scenario's pass_requires / pass_forbids rules a run with this memory breaks."""
    blocks = []
    for b in scenario.pass_blockers(seen):
        node = scenario.node(b.node)
        blocks.append(PassBlock(b.kind, b.node, situation_of(node, b.node), tuple(node.content_note) if node else ()))
    return tuple(blocks)


def debrief(run: ScenarioRun, scenario: Scenario) -> Debrief:
    """The path a run took, with the recommended choice wherever it differed.

    Conditional text (§7.4) is shown as the run saw it: a node's text against the
    nodes visited before arriving there, a choice's feedback against the route up
    to and including the node where it was made.
    """
    path = path_of(run, scenario)
    steps = []
    for number, made in enumerate(run.choices, start=1):
        before = frozenset(path[: made.position])
        upto = frozenset(path[: made.position + 1])
        node = scenario.node(made.node_id)
        chosen = content_choice(scenario, made)
        best = scenario.recommended_choice(made.node_id, upto)
        recommended = best if best is not None and best.index != made.choice_index else None
        steps.append(DebriefStep(
            made.node_id, node, chosen, made.score, made.red_line, recommended,
            # A node or feedback may come up more than once on the path: its ids (notes, headings), once per step.
            body_html=prefix_ids(node.body_for(before), f"s{number}-") if node else "",
            feedback_html=prefix_ids(chosen.feedback_for(upto), f"s{number}-") if chosen else "",
            recommended_feedback_html=(prefix_ids(recommended.feedback_for(upto), f"s{number}-")
                                       if recommended else "")))
    ending = scenario.node(run.current_node) if run.outcome else None
    seen = frozenset(path)
    return Debrief(
        steps=steps, ending=ending, red_lines=[s for s in steps if s.red_line], score=run.score,
        pass_score=scenario.pass_score, passed=bool(run.passed), outcome=run.outcome,
        ending_html=ending.body_for(frozenset(path[:-1])) if ending else "",
        blocks=pass_blocks(scenario, seen) if run.outcome and scenario.has_pass_endings else (),
        can_pass=scenario.has_pass_endings,
        skills=skill_scores(scenario, skill_totals(scenario, ((content_choice(scenario, m), m.score)
                                                              for m in run.choices))))


# ---------------------------------------------------------------- summaries


@dataclass(frozen=True)
class ScenarioHistory:
    """A trainee's runs of one scenario, for the practice page."""

    finished: int
    best_outcome: str | None
    passed: bool
    resumable: ScenarioRun | None


def histories(session: DbSession, user_id: int) -> dict[str, ScenarioHistory]:
    """Per scenario id: finished runs, best outcome, and the latest run to resume."""
    runs = session.scalars(select(ScenarioRun).where(ScenarioRun.user_id == user_id)
                           .order_by(ScenarioRun.id)).all()
    grouped: dict[str, list[ScenarioRun]] = {}
    for run in runs:
        grouped.setdefault(run.scenario_id, []).append(run)
    result = {}
    for scenario_id, group in grouped.items():
        ended = [r for r in group if r.outcome is not None]
        best = max(ended, key=lambda r: (bool(r.passed), _OUTCOME_RANK.get(r.outcome or "", 0)), default=None)
        unfinished = [r for r in group if r.finished_at is None]
        result[scenario_id] = ScenarioHistory(
            finished=len(ended), best_outcome=best.outcome if best else None,
            passed=any(r.passed for r in ended), resumable=unfinished[-1] if unfinished else None)
    return result


@dataclass(frozen=True)
class PausedRun:
    """A practice run left part way, for "In progress" on Home: where to resume it and how far it went."""

    run_id: int
    scenario: Scenario
    choices_made: int
    last_active_at: datetime


def paused_practice_runs(session: DbSession, user_id: int, scenarios: Mapping[str, Scenario]) -> list[PausedRun]:
    """The user's unfinished practice runs of published scenarios, most recently played first (one query).

    Runs played as a course step are left out: their course is in progress and its Continue leads to them.
    """
    made = func.count(RunChoice.id)
    rows = session.execute(
        select(ScenarioRun.id, ScenarioRun.scenario_id, ScenarioRun.last_active_at, made)
        .outerjoin(RunChoice, RunChoice.run_id == ScenarioRun.id)
        .where(ScenarioRun.user_id == user_id, ScenarioRun.finished_at.is_(None),
               ScenarioRun.enrolment_id.is_(None), ScenarioRun.step_id.is_(None))
        .group_by(ScenarioRun.id, ScenarioRun.scenario_id, ScenarioRun.last_active_at)
        .order_by(ScenarioRun.last_active_at.desc(), ScenarioRun.id.desc())).all()
    result, seen = [], set()
    for run_id, scenario_id, last_active_at, choices_made in rows:
        scenario = scenarios.get(scenario_id)
        # One per scenario (the newest), as the briefing resumes; a withdrawn scenario cannot be resumed.
        if scenario is None or scenario_id in seen:
            continue
        seen.add(scenario_id)
        result.append(PausedRun(run_id, scenario, choices_made, last_active_at))
    return result


def has_content_notes(scenario: Scenario) -> bool:
    """Whether the scenario warns of hard material anywhere (then a check-in is offered)."""
    return bool(scenario.content_notes) or any(n.content_note for n in scenario.nodes.values())
