"""Skills in a role-play (FORMAT.md §7.3): a run's score per declared skill.

A choice tagged `skill NAME` counts its score towards that skill. A run's
skill score is the sum of the scores it got for its tagged choices (the score
stored when the choice was made); the best possible is the highest skill score
any route through the scenario can reach, when the scenario has no loop.
Pure functions: no database here.
"""
from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from lms.content import Choice, Node, Scenario
from lms.content.scenario import best_score


@dataclass(frozen=True)
class SkillScore:
    name: str
    label: str
    score: int
    best: int | None  # the best score a route can reach for this skill; None with loops


#: Routes walked to find the skills' best before falling back to ignoring `if`s (a scenario with very many routes).
MAX_ROUTES_WALKED = 20_000


class _TooManyRoutes(Exception):
    pass


def best_route_totals(nodes: Mapping[str, Node], start: str,
                      weights: Sequence[Callable[[Choice], int]]) -> list[int | None]:
    """For each weight, the highest sum along a route from `start` to an ending that a trainee can take: a choice
    only where its `if` holds for the nodes visited so far, never a red line. None if a loop makes it unbounded.

    A choice offered only after a red line (say, a way to put a broken promise right) cannot be part of the best:
    counting it would ask for a maximum no passing run can reach. The routes are walked once for all the weights;
    with more than MAX_ROUTES_WALKED, the `if`s are ignored, as the content's best score does.
    """
    try:
        return _best_along_routes(nodes, start, weights)
    except _TooManyRoutes:
        return [best_score(nodes, start, weight) for weight in weights]


def _best_along_routes(nodes: Mapping[str, Node], start: str,
                       weights: Sequence[Callable[[Choice], int]]) -> list[int | None]:
    best: list[int | None] = [None] * len(weights)
    walked = 0
    # Iterative (a deep scenario must not overflow): (node, nodes visited on the way, totals so far).
    stack: list[tuple[str, frozenset[str], tuple[int, ...]]] = [(start, frozenset((start,)), (0,) * len(weights))]
    while stack:
        node_id, visited, totals = stack.pop()
        walked += 1
        if walked > MAX_ROUTES_WALKED:
            raise _TooManyRoutes
        choices = nodes[node_id].choices
        if not choices:  # an ending
            best = [t if b is None else max(b, t) for b, t in zip(best, totals, strict=True)]
            continue
        for c in choices:
            if c.red_line or c.target not in nodes or not c.available(visited):
                continue
            if c.target in visited:
                return [None] * len(weights)  # a loop a trainee can take
            stack.append((c.target, visited | {c.target},
                          tuple(t + weight(c) for t, weight in zip(totals, weights, strict=True))))
    return best


#: best_per_skill's answers by loaded scenario (its id while it lives): a scenario never changes once loaded (a
#: content reload makes new ones), and walking its routes can take milliseconds, on every debrief.
_BEST_BY_SCENARIO: dict[int, Mapping[str, int | None]] = {}


def best_per_skill(scenario: Scenario) -> Mapping[str, int | None]:
    """{skill: the best score a route can reach for it (None when loops make it unbounded)}.

    Worked out once per loaded scenario, and forgotten when the scenario is.
    """
    known = _BEST_BY_SCENARIO.get(id(scenario))
    if known is not None:
        return known
    if scenario.start not in scenario.nodes:
        best: Mapping[str, int | None] = MappingProxyType(dict.fromkeys(scenario.skills))
    else:
        weights = [lambda c, name=name: c.score if name in c.skills else 0 for name in scenario.skills]
        best = MappingProxyType(dict(zip(scenario.skills, best_route_totals(scenario.nodes, scenario.start, weights),
                                         strict=True)))
    _BEST_BY_SCENARIO[id(scenario)] = best
    weakref.finalize(scenario, _BEST_BY_SCENARIO.pop, id(scenario), None)
    return best


def skill_totals(scenario: Scenario, made: Iterable[tuple[Choice | None, int]]) -> dict[str, int]:
    """{skill: total} over (content choice, stored score) pairs; a choice since edited away counts for none."""
    totals = dict.fromkeys(scenario.skills, 0)
    for choice, score in made:
        for name in choice.skills if choice is not None else ():
            if name in totals:
                totals[name] += score
    return totals


def skill_scores(scenario: Scenario, totals: Mapping[str, int],
                 best: Mapping[str, int | None] | None = None) -> tuple[SkillScore, ...]:
    """The scenario's declared skills, in declared order, with a run's totals and the best possible."""
    best = best_per_skill(scenario) if best is None else best
    return tuple(SkillScore(name, label, totals.get(name, 0), best.get(name))
                 for name, label in scenario.skills.items())
