"""`lms check`: print every problem compiler style and return the exit code."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from .loader import load_catalog
from .org import sample_note
from .paths import explore, longest_answer_problems, scenario_rel
from .problems import Problem, sort_key


def run_check(
    root: Path, echo: Callable[[str], object] = print, *, summary: bool = True, today: datetime.date | None = None,
    paths: bool = False, worst_allowed: int = -2, org: Mapping[str, str] | None = None,
    support_contacts: Sequence[Mapping[str, str]] | None = None,
) -> int:
    """Print one 'path:line: severity: message' line per problem; 1 if any is an error.

    today: the date review dates are checked against (FORMAT.md 7.6); the real date when None.
    org, support_contacts: the site's values (7.5), overriding org.yaml; None checks with org.yaml alone.
    """
    catalog = load_catalog(Path(root), today=today or datetime.date.today(), org=org, support_contacts=support_contacts)
    problems = list(catalog.problems)
    samples = catalog.org_still_samples(org)
    if samples:
        # A note, not a warning: the sample training is meant to load as it is, but a site must not keep it so.
        problems.append(Problem("org.yaml", 0, "note", sample_note(samples)))
    reports: list[str] = []
    if paths:
        for scenario in catalog.scenarios.values():
            rel = scenario_rel(catalog.root, scenario)
            report = explore(scenario, rel, worst_allowed)
            reports.append(report.line(rel))
            problems.extend(report.problems)
        for course in catalog.courses.values():
            course_file = f"{course.path.relative_to(catalog.root).as_posix()}/course.md"
            problems.extend(longest_answer_problems(course, course_file))
    for problem in sorted(problems, key=sort_key):
        echo(str(problem))
    for line in reports:
        echo(line)
    if summary:
        errors, warnings = len(catalog.errors), sum(p.severity == "warning" for p in problems)
        notes = sum(p.severity == "note" for p in problems)
        echo(
            f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
            f"{f', {notes} note' + 's' * (notes != 1) if notes else ''}; "
            f"{len(catalog.courses)} course{'s' * (len(catalog.courses) != 1)} and "
            f"{len(catalog.scenarios)} scenario{'s' * (len(catalog.scenarios) != 1)} ready"
        )
    return 1 if catalog.has_errors else 0
