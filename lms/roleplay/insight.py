"""Scenario insight: where trainees go in a role-play, and where they go wrong.

Counts come from a few GROUP BY queries over the runs the viewer may see
(cohorts.runs_open_to: course-step runs of their cohorts' courses, and practice
runs their trainees shared), never from loading runs. Unshared practice runs are
private to the trainee and never counted.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from lms.accounts.models import User
from lms.cohorts.models import CohortMember
from lms.cohorts.services import runs_open_to, visible_cohorts
from lms.content import Choice, Scenario
from lms.core.db import DbSession
from lms.roleplay.models import RunChoice, ScenarioRun
from lms.roleplay.skills import best_per_skill

#: Above this many distinct scores, the histogram groups scores into ranges.
MAX_BARS = 12


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    percent: int  # of all finished runs
    width: int  # of the tallest bar, for drawing


@dataclass(frozen=True)
class ChoiceStat:
    index: int
    text_html: str
    count: int
    percent: int
    red_line: bool
    recommended: bool
    score: int


@dataclass(frozen=True)
class NodeStat:
    node_id: str
    body_html: str
    total: int
    choices: tuple[ChoiceStat, ...]

    @property
    def red_line_count(self) -> int:
        return sum(c.count for c in self.choices if c.red_line)


@dataclass(frozen=True)
class SkillColumn:
    name: str
    label: str
    best: int | None  # the best a route can reach; None when loops make it unbounded


@dataclass(frozen=True)
class TraineeSkills:
    """One trainee's skill scores in their most recent finished run."""

    user_id: int
    name: str
    scores: tuple[int, ...]  # in the order of SkillInsight.columns


@dataclass(frozen=True)
class CohortSkills:
    """A cohort's average skill scores over its members' most recent finished runs."""

    cohort_id: int | None  # None for the row of every trainee the viewer may see
    name: str
    averages: tuple[float, ...]
    trainees: tuple[TraineeSkills, ...]  # at most MAX_TRAINEES, by name
    count: int  # every trainee counted, shown or not


@dataclass(frozen=True)
class SkillInsight:
    columns: tuple[SkillColumn, ...]
    overall: CohortSkills | None  # None when nobody has finished a run
    cohorts: tuple[CohortSkills, ...]


@dataclass(frozen=True)
class Insight:
    scenario: Scenario
    runs: int
    finished: int
    passed: int
    red_line_runs: int
    outcomes: dict[str, int]
    scores: tuple[Bar, ...]
    nodes: tuple[NodeStat, ...]
    skills: SkillInsight | None = None  # None when the scenario declares no skills

    @property
    def pass_rate(self) -> int | None:
        return round(self.passed * 100 / self.finished) if self.finished else None


def _percent(part: int, whole: int) -> int:
    return round(part * 100 / whole) if whole else 0


def _histogram(counts: dict[int, int]) -> tuple[Bar, ...]:
    if not counts:
        return ()
    low, high = min(counts), max(counts)
    span = high - low + 1
    width = max(1, -(-span // MAX_BARS))  # ceiling division: bucket size
    buckets: dict[int, int] = {}
    for score, n in counts.items():
        start = low + (score - low) // width * width
        buckets[start] = buckets.get(start, 0) + n
    total, peak = sum(counts.values()), max(buckets.values())
    bars = []
    for start in range(low, high + 1, width):
        n = buckets.get(start, 0)
        label = str(start) if width == 1 else f"{start} to {start + width - 1}"
        bars.append(Bar(label, n, _percent(n, total), _percent(n, peak)))
    return tuple(bars)


def _recommended(scenario: Scenario, node_id: str) -> int | None:
    # "if" choices depend on the path taken; prefer what a first arrival is offered.
    choice = (scenario.recommended_choice(node_id, frozenset())
              or scenario.recommended_choice(node_id, frozenset(scenario.nodes)))
    return choice.index if choice else None


def scenario_insight(session: DbSession, viewer: User, scenario: Scenario) -> Insight:
    """Runs, pass rate, score distribution and choice counts per node, for the runs the viewer may see."""
    scope = [ScenarioRun.scenario_id == scenario.id, runs_open_to(viewer)]
    runs, finished, passed, red = session.execute(
        select(func.count(), func.count(ScenarioRun.finished_at),
               func.count().filter(ScenarioRun.passed.is_(True)),
               func.count().filter(ScenarioRun.crossed_red_line.is_(True)))
        .where(*scope)).one()
    scores: dict[int, int] = {}
    outcomes: dict[str, int] = {}
    for score, outcome, n in session.execute(
            select(ScenarioRun.score, ScenarioRun.outcome, func.count())
            .where(*scope, ScenarioRun.finished_at.is_not(None))
            .group_by(ScenarioRun.score, ScenarioRun.outcome)):
        scores[score] = scores.get(score, 0) + n
        outcomes[outcome or "unknown"] = outcomes.get(outcome or "unknown", 0) + n
    taken: dict[tuple[str, int], int] = {
        (node_id, index): n for node_id, index, n in session.execute(
            select(RunChoice.node_id, RunChoice.choice_index, func.count())
            .join(ScenarioRun, ScenarioRun.id == RunChoice.run_id)
            .where(*scope).group_by(RunChoice.node_id, RunChoice.choice_index))}
    nodes = []
    for node in scenario.nodes.values():
        if node.is_ending:
            continue
        counts = [taken.get((node.id, c.index), 0) for c in node.choices]
        total = sum(counts)
        best = _recommended(scenario, node.id)
        nodes.append(NodeStat(node.id, node.body_html, total, tuple(
            ChoiceStat(c.index, c.text_html, n, _percent(n, total), c.red_line, c.index == best, c.score)
            for c, n in zip(node.choices, counts, strict=False))))
    return Insight(scenario, runs, finished, passed, red, outcomes, _histogram(scores), tuple(nodes),
                   skill_insight(session, viewer, scenario) if scenario.skills else None)


#: Trainees listed by name under each cohort's skill averages; the averages count everyone.
MAX_TRAINEES = 100


def _choice_at(scenario: Scenario, node_id: str, index: int, target: str) -> Choice | None:
    node = scenario.node(node_id)
    if node is None or not 0 <= index < len(node.choices) or node.choices[index].target != target:
        return None  # the content changed since: the choice counts for no skill
    return node.choices[index]


def _averages(members: list[tuple[int, ...]], width: int) -> tuple[float, ...]:
    if not members:
        return (0.0,) * width
    return tuple(round(sum(m[i] for m in members) / len(members), 1) for i in range(width))


def skill_insight(session: DbSession, viewer: User, scenario: Scenario) -> SkillInsight:
    """Per-skill scores (FORMAT.md §7.3) of each trainee's most recent finished run, per cohort and overall.

    Three GROUP BY-sized queries whatever the number of runs: choice totals of the
    latest finished runs, the cohort memberships of those trainees, their names.
    """
    names = list(scenario.skills)
    best = best_per_skill(scenario)
    columns = tuple(SkillColumn(n, scenario.skills[n], best.get(n)) for n in names)
    scope = [ScenarioRun.scenario_id == scenario.id, ScenarioRun.outcome.is_not(None), runs_open_to(viewer)]
    latest = select(func.max(ScenarioRun.id)).where(*scope).group_by(ScenarioRun.user_id)
    totals: dict[int, list[int]] = {}
    for user_id, node_id, index, target, score in session.execute(
            select(ScenarioRun.user_id, RunChoice.node_id, RunChoice.choice_index, RunChoice.target,
                   func.sum(RunChoice.score))
            .join(ScenarioRun, ScenarioRun.id == RunChoice.run_id)
            .where(ScenarioRun.id.in_(latest))
            .group_by(ScenarioRun.user_id, RunChoice.node_id, RunChoice.choice_index, RunChoice.target)):
        row = totals.setdefault(user_id, [0] * len(names))
        choice = _choice_at(scenario, node_id, index, target)
        for skill in choice.skills if choice is not None else ():
            if skill in scenario.skills:
                row[names.index(skill)] += int(score or 0)
    if not totals:
        return SkillInsight(columns, None, ())
    counted = select(ScenarioRun.user_id).where(ScenarioRun.id.in_(latest))  # no long lists of ids
    display: dict[int, str] = {
        row.id: row.display_name
        for row in session.execute(select(User.id, User.display_name).where(User.id.in_(counted)))}
    scores = {uid: tuple(row) for uid, row in totals.items()}

    def group(cohort_id: int | None, name: str, user_ids: set[int]) -> CohortSkills:
        members = sorted(user_ids, key=lambda uid: (display.get(uid, "").lower(), uid))
        return CohortSkills(
            cohort_id, name, _averages([scores[u] for u in members], len(names)),
            tuple(TraineeSkills(u, display.get(u, "?"), scores[u]) for u in members[:MAX_TRAINEES]), len(members))

    cohorts = visible_cohorts(session, viewer)
    membership: dict[int, set[int]] = {}
    if cohorts:
        for cohort_id, user_id in session.execute(
                select(CohortMember.cohort_id, CohortMember.user_id)
                .where(CohortMember.cohort_id.in_([c.id for c in cohorts]), CohortMember.user_id.in_(counted))):
            membership.setdefault(cohort_id, set()).add(user_id)
    return SkillInsight(
        columns, group(None, "Everyone you can see", set(totals)),
        tuple(group(c.id, c.name, membership[c.id]) for c in cohorts if c.id in membership))


def run_counts(session: DbSession, viewer: User) -> dict[str, tuple[int, int]]:
    """{scenario id: (runs, finished runs)} the viewer may see, in one query."""
    query = (select(ScenarioRun.scenario_id, func.count(), func.count(ScenarioRun.finished_at))
             .where(runs_open_to(viewer)).group_by(ScenarioRun.scenario_id))
    return {sid: (n, done) for sid, n, done in session.execute(query)}
