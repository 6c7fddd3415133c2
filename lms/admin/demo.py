"""The demo world `lms demo` builds (development only), so that the trainer pages show what they are for.

A cohort with trainees at every stage: not started and overdue, part way with red lines
crossed in role-plays, finished with a certificate, and finished with a certificate
waiting for the trainer's sign-off; shared practice runs; a request for a chat after a
hard role-play. Everything goes through the features' own services (enrol, answer,
play, claim, confirm), so the rows are the ones real use makes. Each trainee's story
is made once, with their account: running the demo again changes nothing.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.certificates import services as certificates
from lms.certificates.document import current_branding
from lms.coaching import services as coaching
from lms.cohorts import services as cohorts
from lms.cohorts.models import Cohort
from lms.content import Catalog, Choice, Course, Scenario, Step
from lms.core.db import DbSession
from lms.learning import assessments, completion, confirmations, progress, questions, responses
from lms.learning.models import RESPONSE_MEETS_STANDARD, Enrolment
from lms.roleplay import checkins, runs
from lms.roleplay.models import ScenarioRun

COHORT = "Demo cohort: night moderators"
#: The course every demo trainee is assigned (overdue) and the one after it (with sign-off), when present.
FIRST_COURSE, SECOND_COURSE = "peer-support-basics", "moderating-with-care"
#: Most choices a demo run makes before it stops (a loop in some content must not spin forever).
MAX_CHOICES = 60

#: How a demo run picks its next choice: (choices offered, nodes visited, red line crossed yet) -> the choice.
Policy = Callable[[list[Choice], frozenset[str], bool], Choice]


@dataclass(frozen=True)
class DemoTrainee:
    email: str
    name: str
    story: LazyString  # what the trainer sees, printed after the demo is made (in the command's language)


TRAINEES = (
    DemoTrainee("priya@example.org", "Priya Shah", _l("not started, and overdue")),
    DemoTrainee("jordan@example.org", "Jordan Lee",
                _l("part way, overdue; crossed red lines in role-plays and asked for a chat")),
    DemoTrainee("sam@example.org", "Sam Okafor", _l("finished the first course; certificate issued")),
    DemoTrainee("morgan@example.org", "Morgan Reyes",
                _l("finished both courses; certificate waiting for your sign-off")),
)


# -- role-play routes ------------------------------------------------------------------------

def passing_route(scenario: Scenario) -> list[int] | None:
    """Choice indexes of a route that passes (best-scoring choices tried first), or None if none is found."""
    budget = [20_000]  # nodes expanded: a large scenario gives up rather than hang

    def walk(node_id: str, seen: frozenset[str], score: int, path: list[int]) -> list[int] | None:
        budget[0] -= 1
        node = scenario.nodes[node_id]
        if node.is_ending:
            return path if scenario.route_passes(seen, score, node_id, False) else None
        if budget[0] < 0:
            return None
        offered = [c for c in node.choices if c.available(seen) and not c.red_line
                   and c.target in scenario.nodes and c.target not in seen]
        for choice in sorted(offered, key=lambda c: -c.score):
            found = walk(choice.target, seen | {choice.target}, score + choice.score, [*path, choice.index])
            if found is not None:
                return found
        return None

    return walk(scenario.start, frozenset([scenario.start]), 0, []) if scenario.start in scenario.nodes else None


def _best(offered: list[Choice], seen: frozenset[str], crossed: bool = False) -> Choice:
    """The best-scoring choice that crosses no red line, to a point not yet visited where there is one."""
    fresh = [c for c in offered if c.target not in seen] or offered
    safe = [c for c in fresh if not c.red_line] or fresh
    return max(safe, key=lambda c: c.score)


def _wrong_first(offered: list[Choice], seen: frozenset[str], crossed: bool) -> Choice:
    """The weakest choice that is not a red line at the first point, then the best ones."""
    if len(seen) == 1:  # only the start has been visited
        safe = [c for c in offered if not c.red_line] or offered
        return min(safe, key=lambda c: c.score)
    return _best(offered, seen)


def _over_a_red_line(offered: list[Choice], seen: frozenset[str], crossed: bool) -> Choice:
    """A red line at the first point that offers one, then the best choices."""
    red = [c for c in offered if c.red_line]
    return red[0] if red and not crossed else _best(offered, seen)


def play(session: DbSession, user: User, scenario: Scenario, *, route: list[int] | None = None,
         policy: Policy = _best, enrolment: Enrolment | None = None, step_id: str | None = None,
         course: Course | None = None) -> ScenarioRun:
    """Play a run through the role-play service, by a fixed route or a policy, to an ending."""
    run = runs.start_run(session, user.id, scenario, enrolment, step_id, restart=True)
    crossed = False
    for position in range(MAX_CHOICES):
        if run.finished:
            break
        node = scenario.node(run.current_node)
        if node is None or node.is_ending:
            break
        seen = runs.visited(run, scenario)
        offered = runs.available_choices(node, seen)
        planned = route[position] if route is not None and position < len(route) else None
        index = planned if planned is not None else policy(offered, seen, crossed).index
        crossed = crossed or node.choices[index].red_line
        runs.choose(session, run, scenario, position, index, course)
    return run


# -- courses -----------------------------------------------------------------------------------

def do_step(session: DbSession, catalog: Catalog, user: User, enrolment: Enrolment, course: Course, step: Step,
            trainer: User) -> None:
    """Do what a step asks, right first time, as the trainee (and the trainer, for reviews and confirmations)."""
    if step.assessment:
        state = assessments.prepare(session, enrolment, step)
        if state.can_attempt and state.draw is not None:
            shown = assessments.drawn_questions(step, state.draw)
            assessments.submit(session, enrolment, course, step, state.next_number,
                               {q.id: sorted(q.correct_indexes) for q in shown})
        return
    if step.scenario:
        scenario = catalog.scenario(step.scenario)
        if scenario is not None:
            play(session, user, scenario, route=passing_route(scenario), enrolment=enrolment, step_id=step.id,
                 course=course)
        return
    for question in step.questions:
        questions.answer(session, enrolment, course, step, question, question.correct_indexes)
    for response in step.responses:
        entry = responses.submit(session, enrolment, course, step, response,
                                 "I would thank them, say what I can and cannot do, and bring in my coordinator.").entry
        if response.review:
            responses.mark_response(session, entry, trainer, RESPONSE_MEETS_STANDARD, course=course)
    if step.confirmation == "trainer":
        confirmations.mark_ready(session, enrolment, step)
        confirmations.confirm_step(session, enrolment, course, step, trainer, "Shadowed two evening shifts.")
    if not (step.questions or step.responses or step.confirmation):
        progress.complete_step(session, enrolment, course, step)
    else:
        completion.complete_if_met(session, enrolment, course, step)


def work_through(session: DbSession, catalog: Catalog, user: User, course: Course, trainer: User,
                 steps: int | None = None) -> Enrolment:
    """Enrol and do the course's steps in order: all of them, or the first `steps`."""
    enrolment = progress.enrol(session, user.id, course)
    for step in course.steps[:steps]:
        if not step.optional:
            do_step(session, catalog, user, enrolment, course, step, trainer)
    session.flush()
    return enrolment


# -- the demo ----------------------------------------------------------------------------------

def _joined(today: date) -> datetime:
    """When the demo's trainees joined: before the first course's due date (10 days ago), so those who
    have not finished it are overdue, as the stories say, not late joiners."""
    return datetime.combine(today - timedelta(days=21), time(18, 0), tzinfo=UTC)


def _trainer_of(session: DbSession, cohort: Cohort) -> User | None:
    found = cohorts.trainers(session, cohort)
    return found[0] if found else None


def build(session: DbSession, catalog: Catalog, trainer: User, trainee: User, password: str,
          today: date) -> list[str]:
    """Make the demo cohort and its trainees' stories (once each); returns what was made, in words."""
    made: list[str] = []
    first = catalog.course(FIRST_COURSE) or next(iter(sorted(catalog.courses.values(), key=lambda c: c.id)), None)
    if first is None:
        return [gettext("No courses in the content folder: no demo cohort.")]
    second = catalog.course(SECOND_COURSE)
    if second is not None and not set(second.requires) <= {first.id}:
        second = None
    known = set(catalog.courses)
    cohort = session.scalar(select(Cohort).where(Cohort.name == COHORT))
    if cohort is None:
        cohort = cohorts.create_cohort(session, trainer, COHORT,
                                       "Evening volunteers: a demo cohort made by the lms demo command.")
        # Already due: whoever has not finished it shows as overdue on the progress page.
        cohorts.assign_course(session, trainer, cohort, first.id, today - timedelta(days=10), known)
        if second is not None:
            cohorts.assign_course(session, trainer, cohort, second.id, today + timedelta(days=30), known)
        made.append(gettext("Created “%(cohort)s”: %(first)s was due 10 days ago, %(second)s is due in 30 days.",
                            cohort=COHORT, first=first.title, second=second.title) if second else
                    gettext("Created “%(cohort)s”: %(first)s was due 10 days ago.", cohort=COHORT, first=first.title))
    trainer = _trainer_of(session, cohort) or trainer
    if not cohorts.member_of(session, cohort, trainee.id):
        cohorts.add_member(session, cohort.id, trainee, joined_at=_joined(today))
        work_through(session, catalog, trainee, first, trainer, steps=2)
        _shared_practice(session, catalog, trainee, "friend-request", _wrong_first)
    for person in TRAINEES:
        if session.scalar(select(User.id).where(User.email == person.email)) is not None:
            continue  # made on an earlier run: stories are told once
        user = accounts.create_user(session, email=person.email, display_name=person.name, password=password,
                                    role="trainee")
        cohorts.add_member(session, cohort.id, user, joined_at=_joined(today))
        _STORIES[person.email](session, catalog, user, first, second, trainer)
        session.commit()
        made.append(gettext("%(name)s: %(story)s.", name=person.name, story=person.story))
    session.commit()
    return made


def _shared_practice(session: DbSession, catalog: Catalog, user: User, scenario_id: str,
                     policy: Policy) -> ScenarioRun | None:
    """A practice run the trainee shares with their trainers (so it counts in insight)."""
    scenario = catalog.scenario(scenario_id)
    if scenario is None:
        return None
    run = play(session, user, scenario, policy=policy)
    if run.finished:
        coaching.set_shared(session, user, run, True)
    return run


def _course_roleplay(session: DbSession, catalog: Catalog, user: User, course: Course, enrolment: Enrolment,
                     policy: Policy) -> None:
    """Play the course's first role-play step by a policy (a wrong turn or a red line: the step stays open)."""
    step = next((s for s in course.steps if s.scenario), None)
    scenario = catalog.scenario(step.scenario) if step is not None and step.scenario else None
    if step is not None and scenario is not None:
        play(session, user, scenario, policy=policy, enrolment=enrolment, step_id=step.id, course=course)


def _not_started(session, catalog, user, first, second, trainer) -> None:
    """Joined, and nothing since."""


def _part_way(session, catalog, user, first, second, trainer) -> None:
    enrolment = work_through(session, catalog, user, first, trainer, steps=4)
    _course_roleplay(session, catalog, user, first, enrolment, _over_a_red_line)
    _course_roleplay(session, catalog, user, first, enrolment, _wrong_first)
    run = _shared_practice(session, catalog, user, "friend-request", _over_a_red_line)
    if run is not None:
        checkin = checkins.record_checkin(session, user.id, run, "unsettled")
        coaching.request_contact(session, user, checkin, "Could we talk about that role-play before my next shift?")


def _finished(session, catalog, user, first, second, trainer) -> None:
    enrolment = progress.enrol(session, user.id, first)
    _course_roleplay(session, catalog, user, first, enrolment, _wrong_first)  # a first try that went wrong
    enrolment = work_through(session, catalog, user, first, trainer)
    _claim(session, user, first, enrolment)
    _shared_practice(session, catalog, user, "veiled-goodbye", _wrong_first)


def _awaiting_sign_off(session, catalog, user, first, second, trainer) -> None:
    work_through(session, catalog, user, first, trainer)
    if second is not None:
        _claim(session, user, second, work_through(session, catalog, user, second, trainer))


def _claim(session: DbSession, user: User, course: Course, enrolment: Enrolment) -> None:
    """Claim the completion's certificate, as the trainee would: issued at once, or pending sign-off."""
    if enrolment.completed_at is not None and course.certificate is not None:
        session.commit()  # the PDF renders with no write pending (core.db.release_reads)
        certificates.issue(session, user, enrolment, course, user.display_name, current_branding())


_STORIES = {
    "priya@example.org": _not_started,
    "jordan@example.org": _part_way,
    "sam@example.org": _finished,
    "morgan@example.org": _awaiting_sign_off,
}
