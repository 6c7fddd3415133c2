"""`lms check`: print every problem compiler style and return the exit code."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from .loader import load_catalog
from .messages import Gettext, Message, Ngettext, _, _n
from .org import sample_note
from .paths import explore, longest_answer_problems, scenario_rel
from .problems import Problem, sort_key


def run_check(
    root: Path, echo: Callable[[str], object] = print, *, summary: bool = True, today: datetime.date | None = None,
    paths: bool = False, worst_allowed: int = -2, org: Mapping[str, str] | None = None,
    support_contacts: Sequence[Mapping[str, str]] | None = None, served: Sequence[str] | None = None,
    gettext: Gettext | None = None, ngettext: Ngettext | None = None,
) -> int:
    """Print one 'path:line: severity: message' line per problem; 1 if any is an error.

    gettext, ngettext: translate the messages and the summary (English when not given). The severity
    words stay English, so editors and CI tools can still parse the lines.

    today: the date review dates are checked against (FORMAT.md 7.6); the real date when None.
    org, support_contacts: the site's values (7.5), overriding org.yaml; None checks with org.yaml alone.
    served: the site's languages; a translation into another is a warning.
    """
    catalog = load_catalog(Path(root), today=today or datetime.date.today(), org=org, support_contacts=support_contacts,
                           served=served)
    problems = list(catalog.problems)
    samples = catalog.org_still_samples(org)
    if samples:
        # A note, not a warning: the sample training is meant to load as it is, but a site must not keep it so.
        problems.append(Problem.of("org.yaml", 0, "note", sample_note(samples)))
    reports: list[Message] = []
    if paths:
        for scenario in catalog.scenarios.values():
            rel = scenario_rel(catalog.root, scenario)
            report = explore(scenario, rel, worst_allowed)
            reports.append(report.line(rel))
            problems.extend(report.problems)
        for course in catalog.courses.values():
            course_file = f"{course.path.relative_to(catalog.root).as_posix()}/course.md"
            problems.extend(longest_answer_problems(course, course_file))
    tr: Gettext = gettext or (lambda text: text)
    for problem in sorted(problems, key=sort_key):
        echo(problem.line_in(tr, ngettext))
    for line in reports:
        echo(line.translate(tr, ngettext))
    if summary:
        echo(summary_line(len(catalog.errors), sum(p.severity == "warning" for p in problems),
                          sum(p.severity == "note" for p in problems), len(catalog.courses),
                          len(catalog.scenarios)).translate(tr, ngettext))
    return 1 if catalog.has_errors else 0


def summary_line(errors: int, warnings: int, notes: int, courses: int, scenarios: int) -> Message:
    """'2 errors, 1 warning; 3 courses and 5 scenarios ready' (notes only when there are some)."""
    counts = {
        "errors": _n("{count} error", "{count} errors", errors),
        "warnings": _n("{count} warning", "{count} warnings", warnings),
        "courses": _n("{count} course", "{count} courses", courses),
        "scenarios": _n("{count} scenario", "{count} scenarios", scenarios),
    }
    if notes:
        return _("{errors}, {warnings}, {notes}; {courses} and {scenarios} ready",
                 notes=_n("{count} note", "{count} notes", notes), **counts)
    return _("{errors}, {warnings}; {courses} and {scenarios} ready", **counts)
