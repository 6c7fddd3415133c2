"""Scenario insight: where trainees go in a role-play, and where they go wrong.

Counts come from a few GROUP BY queries over the runs the viewer may see
(cohorts.runs_open_to: course-step runs of their cohorts' courses, and practice
runs their trainees shared), never from loading runs. Unshared practice runs are
private to the trainee and never counted.

A *wrong turn* is a choice that scores below the best choice a trainee could
make at that point (Scenario.recommended_choice); a *red line* is a choice the
content marks `red line`, which no run may cross and still pass.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext
from sqlalchemy import ColumnElement, case, func, select

from lms.accounts.models import User
from lms.cohorts.models import CohortMember
from lms.cohorts.services import runs_open_to, visible_cohorts
from lms.content import Choice, Node, Scenario
from lms.core import clock
from lms.core.db import DbSession
from lms.roleplay.models import RunChoice, ScenarioRun
from lms.roleplay.skills import best_per_skill

#: Above this many distinct scores, the histogram groups scores into ranges.
MAX_BARS = 12
#: Wrong turns listed, most common first (red lines are always all listed).
MAX_WRONG_TURNS = 10
#: Trainees named under each wrong turn or red line; the count covers everyone.
MAX_NAMES = 12
#: Longest node label, in characters, before it is cut at a word with an ellipsis.
LABEL_LENGTH = 90
#: The kinds of run the filters can pick: "" is both.
KINDS = ("", "course", "practice")


@dataclass(frozen=True)
class Filters:
    """Which runs to count: members of one cohort, started within a date range, course or practice."""

    cohort_id: int | None = None
    start: date | None = None  # first day, in the charity's timezone
    end: date | None = None  # last day, inclusive
    kind: str = ""  # "", "course" or "practice"

    @property
    def active(self) -> bool:
        return bool(self.cohort_id or self.start or self.end or self.kind)

    def conditions(self) -> list[ColumnElement[bool]]:
        """SQL conditions on ScenarioRun for these filters (beside who may see the run)."""
        conditions: list[ColumnElement[bool]] = []
        if self.cohort_id is not None:
            members = select(CohortMember.user_id).where(CohortMember.cohort_id == self.cohort_id)
            conditions.append(ScenarioRun.user_id.in_(members))
        if self.start is not None:
            conditions.append(ScenarioRun.started_at >= _midnight(self.start))
        if self.end is not None and self.end < date.max:  # the last day there is has no day after it
            conditions.append(ScenarioRun.started_at < _midnight(self.end + timedelta(days=1)))
        if self.kind == "course":
            conditions.append(ScenarioRun.enrolment_id.is_not(None))
        elif self.kind == "practice":
            conditions.append(ScenarioRun.enrolment_id.is_(None))
        return conditions


def _midnight(day: date) -> datetime:
    """The start of a day in the charity's timezone, in UTC (how runs are stored).

    At the ends of the calendar (a hand-typed 0001-01-01 or 9999-12-31) the UTC moment may not exist:
    the earliest or latest moment there is stands in, which counts the same runs.
    """
    try:
        return datetime.combine(day, time(), tzinfo=clock.local_zone()).astimezone(UTC)
    except OverflowError:
        return (datetime.min if day.year == date.min.year else datetime.max).replace(tzinfo=UTC)


_BLOCK_END = re.compile(r"</(?:p|blockquote|li|h[1-6]|div|pre|tr)>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def node_label(node: Node) -> str:
    """A readable name for a point in a role-play: the first line of its situation, cut short.

    Nodes have ids (`the-request`), not titles; a trainer recognises the situation instead."""
    text = _BLOCK_END.sub("\n", node.body_html)
    for line in _TAG.sub(" ", text).split("\n"):
        words = " ".join(html.unescape(line).split())
        if words:
            if len(words) <= LABEL_LENGTH:
                return words
            return words[:LABEL_LENGTH].rsplit(" ", 1)[0].rstrip(",;:.") + "…"
    return node.id.replace("-", " ").capitalize()


@dataclass(frozen=True)
class Trainee:
    """A trainee behind a count, and a cohort of theirs the viewer supervises (for the link to their record)."""

    user_id: int
    name: str
    cohort_id: int | None


@dataclass(frozen=True)
class WrongTurn:
    """A choice below the best at its point (or over a red line), how often it was taken, and by whom."""

    node_id: str
    node_label: str
    choice_index: int
    choice_html: str
    score: int
    red_line: bool
    count: int  # times taken
    percent: int  # of the choices made at this point
    better_html: str | None  # the best choice at this point, when there is one
    skills: tuple[str, ...]  # labels of the skills the choice counts towards
    trainees: tuple[Trainee, ...]  # at most MAX_NAMES, by name
    trainee_count: int


@dataclass(frozen=True)
class SkillTurns:
    """Where one skill goes wrong: every wrong turn on a choice tagged with it, most common first."""

    name: str
    label: str
    count: int
    turns: tuple[WrongTurn, ...]


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
    label: str
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
    red_lines: tuple[WrongTurn, ...] = ()  # every red line crossed, most often first
    wrong_turns: tuple[WrongTurn, ...] = ()  # the most common other wrong turns
    skill_turns: tuple[SkillTurns, ...] = ()  # per declared skill, in declared order
    filters: Filters = field(default_factory=Filters)

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
        label = str(start) if width == 1 else gettext("%(low)s to %(high)s", low=start, high=start + width - 1)
        bars.append(Bar(label, n, _percent(n, total), _percent(n, peak)))
    return tuple(bars)


def _recommended(scenario: Scenario, node_id: str) -> int | None:
    # "if" choices depend on the path taken; prefer what a first arrival is offered.
    choice = (scenario.recommended_choice(node_id, frozenset())
              or scenario.recommended_choice(node_id, frozenset(scenario.nodes)))
    return choice.index if choice else None


def scenario_insight(session: DbSession, viewer: User, scenario: Scenario,
                     filters: Filters | None = None) -> Insight:
    """Runs, pass rate, the wrong turns and red lines most taken, and choice counts per node.

    Only the runs the viewer may see, narrowed by `filters`."""
    filters = filters or Filters()
    scope = [ScenarioRun.scenario_id == scenario.id, runs_open_to(viewer), *filters.conditions()]
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
    # One row per choice made: bounded by the scenario's size, whatever the number of runs.
    taken: dict[tuple[str, int], int] = {}
    takers: dict[tuple[str, int], int] = {}
    stored_red: set[tuple[str, int]] = set()
    for node_id, index, red_line, n, people in session.execute(
            select(RunChoice.node_id, RunChoice.choice_index, func.max(case((RunChoice.red_line, 1), else_=0)),
                   func.count(), func.count(ScenarioRun.user_id.distinct()))
            .join(ScenarioRun, ScenarioRun.id == RunChoice.run_id)
            .where(*scope).group_by(RunChoice.node_id, RunChoice.choice_index)):
        taken[(node_id, index)], takers[(node_id, index)] = n, people
        if red_line:
            stored_red.add((node_id, index))
    nodes = []
    for node in scenario.nodes.values():
        if node.is_ending:
            continue
        counts = [taken.get((node.id, c.index), 0) for c in node.choices]
        total = sum(counts)
        best = _recommended(scenario, node.id)
        nodes.append(NodeStat(node.id, node_label(node), node.body_html, total, tuple(
            ChoiceStat(c.index, c.text_html, n, _percent(n, total), c.red_line, c.index == best, c.score)
            for c, n in zip(node.choices, counts, strict=False))))
    red_lines, wrong_turns, skill_turns = _wrong_turns(session, viewer, scenario, filters, scope, nodes, takers,
                                                       stored_red)
    return Insight(scenario, runs, finished, passed, red, outcomes, _histogram(scores), tuple(nodes),
                   skill_insight(session, viewer, scenario, filters) if scenario.skills else None,
                   red_lines, wrong_turns, skill_turns, filters)


def _named(
    session: DbSession, viewer: User, filters: Filters, scope: list[Any],
) -> dict[tuple[str, int], list[Trainee]]:
    """{(node, choice): the first MAX_NAMES trainees who made it, by name}, each with a cohort of theirs
    the viewer supervises (for the link to their record).

    A window function keeps MAX_NAMES per choice in SQL: at most choices x MAX_NAMES rows come back."""
    made = (select(RunChoice.node_id, RunChoice.choice_index, User.id.label("user_id"), User.display_name)
            .join(ScenarioRun, ScenarioRun.id == RunChoice.run_id).join(User, User.id == ScenarioRun.user_id)
            .where(*scope).distinct().subquery())
    rank = func.row_number().over(partition_by=(made.c.node_id, made.c.choice_index),
                                  order_by=(func.lower(made.c.display_name), made.c.user_id)).label("rank")
    ranked = select(made, rank).subquery()
    rows = session.execute(select(ranked.c.node_id, ranked.c.choice_index, ranked.c.user_id, ranked.c.display_name)
                           .where(ranked.c.rank <= MAX_NAMES)
                           .order_by(ranked.c.node_id, ranked.c.choice_index, ranked.c.rank)).all()
    user_ids = {row.user_id for row in rows}
    cohort_ids = [filters.cohort_id] if filters.cohort_id else [c.id for c in visible_cohorts(session, viewer)]
    home: dict[int, int] = {}
    if cohort_ids and user_ids:
        for cohort_id, user_id in session.execute(
                select(CohortMember.cohort_id, CohortMember.user_id)
                .where(CohortMember.cohort_id.in_(cohort_ids), CohortMember.user_id.in_(user_ids))
                .order_by(CohortMember.cohort_id)):
            home.setdefault(user_id, cohort_id)
    named: dict[tuple[str, int], list[Trainee]] = {}
    for row in rows:
        named.setdefault((row.node_id, row.choice_index), []).append(
            Trainee(row.user_id, row.display_name, home.get(row.user_id)))
    return named


def _wrong_turns(session: DbSession, viewer: User, scenario: Scenario, filters: Filters, scope: list[Any],
                 nodes: list[NodeStat], takers: dict[tuple[str, int], int],
                 stored_red: set[tuple[str, int]],
                 ) -> tuple[tuple[WrongTurn, ...], tuple[WrongTurn, ...], tuple[SkillTurns, ...]]:
    """(red lines crossed, the other wrong turns, wrong turns per skill), most often taken first."""
    named = _named(session, viewer, filters, scope) if takers else {}
    order = {node.node_id: position for position, node in enumerate(nodes)}
    found: list[WrongTurn] = []
    for stat in nodes:
        node = scenario.nodes[stat.node_id]
        best = next((c for c in stat.choices if c.recommended), None)
        for c in stat.choices:
            red_line = c.red_line or (stat.node_id, c.index) in stored_red  # the content may have changed since
            if not c.count or not (red_line or (best is not None and c.score < best.score)):
                continue
            key = (stat.node_id, c.index)
            skills = tuple(scenario.skills[n] for n in node.choices[c.index].skills if n in scenario.skills)
            found.append(WrongTurn(stat.node_id, stat.label, c.index, c.text_html, c.score, red_line, c.count,
                                   c.percent, best.text_html if best is not None else None, skills,
                                   tuple(named.get(key, ())), takers.get(key, 0)))
    found.sort(key=lambda w: (-w.count, order[w.node_id], w.choice_index))
    red_lines = tuple(w for w in found if w.red_line)
    per_skill = []
    for name, label in scenario.skills.items():
        turns = tuple(w for w in found if name in scenario.nodes[w.node_id].choices[w.choice_index].skills)
        per_skill.append(SkillTurns(name, label, sum(w.count for w in turns), turns[:3]))
    return red_lines, tuple(w for w in found if not w.red_line)[:MAX_WRONG_TURNS], tuple(per_skill)


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


def skill_insight(session: DbSession, viewer: User, scenario: Scenario,
                  filters: Filters | None = None) -> SkillInsight:
    """Per-skill scores (FORMAT.md §7.3) of each trainee's most recent finished run, per cohort and overall.

    Three GROUP BY-sized queries whatever the number of runs: choice totals of the
    latest finished runs, the cohort memberships of those trainees, their names.
    """
    names = list(scenario.skills)
    best = best_per_skill(scenario)
    columns = tuple(SkillColumn(n, scenario.skills[n], best.get(n)) for n in names)
    scope = [ScenarioRun.scenario_id == scenario.id, ScenarioRun.outcome.is_not(None), runs_open_to(viewer),
             *(filters or Filters()).conditions()]
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
    if filters is not None and filters.cohort_id is not None:
        cohorts = [c for c in cohorts if c.id == filters.cohort_id]
    membership: dict[int, set[int]] = {}
    if cohorts:
        for cohort_id, user_id in session.execute(
                select(CohortMember.cohort_id, CohortMember.user_id)
                .where(CohortMember.cohort_id.in_([c.id for c in cohorts]), CohortMember.user_id.in_(counted))):
            membership.setdefault(cohort_id, set()).add(user_id)
    return SkillInsight(
        columns, group(None, gettext("Everyone you can see"), set(totals)),
        tuple(group(c.id, c.name, membership[c.id]) for c in cohorts if c.id in membership))


def run_counts(session: DbSession, viewer: User) -> dict[str, tuple[int, int]]:
    """{scenario id: (runs, finished runs)} the viewer may see, in one query."""
    query = (select(ScenarioRun.scenario_id, func.count(), func.count(ScenarioRun.finished_at))
             .where(runs_open_to(viewer)).group_by(ScenarioRun.scenario_id))
    return {sid: (n, done) for sid, n, done in session.execute(query)}
