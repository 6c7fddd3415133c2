"""What one walk request costs the server, in one process (issue 18, items 1 and 2).

No server, no network, no load generator: the app and the baselines of bench/walk.py
(bench/_bare_app.py: a bare Flask page and a one-ORM-query page of the same size, on the
same database) are called through Flask's test client in this process. Fresh trainees walk
the sample course as bench/walk.py's do (its Trainee: every step, each practice answer and
the page again, each role-play node and choice, following every redirect); after each
trainee, the two baseline pages are fetched as many times, so all rows share the run's
conditions. Printed per request type: count, median and mean milliseconds, the mean as a
multiple of the bare page's, and SQL statements per request.

Times are this thread's CPU time by default (`--clock cpu`): on SQLite that is all a request
costs, and other work on the machine barely moves it. On PostgreSQL the database's own work
is in its server process, so `--db postgresql` reads the wall clock unless told otherwise.

    .venv/bin/python bench/step_profile.py                      # SQLite, 6 trainees: about a minute
    .venv/bin/python bench/step_profile.py --db postgresql
    .venv/bin/python bench/step_profile.py --profile "step page" --top 40   # cProfile of one request type

`--profile` runs cProfile over the named request types only (repeat it, or "walk" for every walk
request) and prints the functions by own time and by cumulative time; the profiler inflates the
times printed with it, so read its shares, and the table from a run without it.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import statistics
import sys
import time
import urllib.parse
from contextlib import ExitStack
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent)]

from walk import (  # noqa: E402  (bench/ is not a package)
    ALL_COURSES,
    BASELINE_BYTES,
    Client,
    Stats,
    Trainee,
    log_in,
    prepare,
    serving_environment,
    serving_folder_and_database,
)

#: The request types issue 18 names, in the order printed first.
WALK_KINDS = ("step page", "answer (POST)", "role-play node", "choice (POST)")


class InProcessClient(Client):
    """bench/walk.py's client, answered by a WSGI app through Flask's test client instead of a socket."""

    def __init__(self, app, stats: Stats, profiler: cProfile.Profile | None = None,
                 profiled: frozenset[str] = frozenset()) -> None:
        super().__init__(0, stats)
        self.test_client = app.test_client(use_cookies=False)
        self.profiler, self.profiled, self.kind = profiler, profiled, ""

    async def request(self, method, path, kind, cookies=None, form=None, ok=(200, 302, 303)):
        self.kind = kind
        return await super().request(method, path, kind, cookies, form, ok)

    async def exchange(self, method, path, cookies, form) -> bytes:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
        data = urllib.parse.urlencode(form) if form is not None else None
        profiling = self.profiler is not None and (self.kind in self.profiled or
                                                   ("walk" in self.profiled and self.kind in WALK_KINDS))
        if profiling:
            self.profiler.enable()
        response = self.test_client.open(path, method=method, headers=headers, data=data,
                                          content_type="application/x-www-form-urlencoded" if data else None)
        body = response.get_data()
        if profiling:
            self.profiler.disable()
        head = [f"HTTP/1.1 {response.status}"] + [f"{k}: {v}" for k, v in response.headers.items()]
        return "\r\n".join(head).encode("latin-1") + b"\r\n\r\n" + body


#: Views this benchmark adds to the app, signed in as the trainee: what any page of the app costs before its
#: own work (the person's load and session check, the cookie, every handler), and with the layout around it.
FLOOR_VIEWS = {"/bench/signed-in": "signed-in empty view", "/bench/layout": "signed-in layout only"}
BASELINES = ("bare Flask page", "one ORM query", *FLOOR_VIEWS.values())


def _add_floor_views(app) -> None:
    from flask import render_template

    layout_only = app.jinja_env.from_string(
        "{% extends 'base.html' %}{% block content %}<h1>A page</h1><p>Nothing but the layout.</p>{% endblock %}")
    app.add_url_rule("/bench/signed-in", "bench_signed_in", lambda: "ok")
    app.add_url_rule("/bench/layout", "bench_layout", lambda: render_template(layout_only))


def _row(name: str, times: list[float], queries: list[int], bare_mean: float | None) -> str:
    mean = statistics.fmean(times) * 1000
    ratio = f"{mean / bare_mean:7.1f}x" if bare_mean else "       -"
    q = f"{statistics.fmean(queries):6.1f}" if queries else "     -"
    return (f"  {name:28} {len(times):6d} {statistics.median(times) * 1000:8.2f} {mean:8.2f} {ratio} {q}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--trainees", type=int, default=6, help="trainees walking, one after another")
    parser.add_argument("--course", default=ALL_COURSES[0])
    parser.add_argument("--baseline", type=int, default=60,
                        help="requests to each baseline page after each trainee's walk")
    parser.add_argument("--profile", action="append", default=[], metavar="KIND",
                        help='cProfile these request types ("step page", ..., or "walk" for all four)')
    parser.add_argument("--clock", choices=("cpu", "wall"),
                        help="this thread's CPU time (default on SQLite) or the wall clock (default on PostgreSQL)")
    parser.add_argument("--top", type=int, default=30, help="functions listed by the profile")
    parser.add_argument("--save", metavar="FILE", help="also write the profile to FILE (pstats, snakeviz)")
    args = parser.parse_args()
    args.clock = args.clock or ("cpu" if args.db == "sqlite" else "wall")
    InProcessClient.clock = staticmethod(time.thread_time if args.clock == "cpu" else time.perf_counter)

    with ExitStack() as stack:
        workdir, url = serving_folder_and_database(stack, args.db, "lms-step-profile-")
        serving_environment(workdir, url)
        os.environ["BENCH_TEMPLATE_BYTES"] = str(BASELINE_BYTES)
        emails = prepare(args.trainees + 1)  # the first one warms up
        import _bare_app

        _bare_app.create_table()  # type: ignore[attr-defined]
        from lms import create_app

        app = create_app()
        _add_floor_views(app)
        walk_stats = Stats()
        walker = InProcessClient(app, walk_stats, None, frozenset(args.profile))
        baseline = InProcessClient(_bare_app.app, walk_stats)

        async def one(email: str, stats: Stats) -> None:
            cookies = await log_in(InProcessClient(app, Stats()), email)
            walker.stats = baseline.stats = stats
            await Trainee(walker, email, cookies).walk_course(args.course)
            for _ in range(args.baseline):
                await baseline.request("GET", "/", "bare Flask page")
                await baseline.request("GET", "/one-query", "one ORM query")
                for path, kind in FLOOR_VIEWS.items():
                    await walker.request("GET", path, kind, cookies)

        asyncio.run(one(emails[0], Stats()))  # warm-up: templates compiled, caches filled, not measured
        profiler = walker.profiler = cProfile.Profile() if args.profile else None
        for email in emails[1:]:
            asyncio.run(one(email, walk_stats))
        load = os.getloadavg()

    latencies = walk_stats.latencies
    bare = statistics.fmean(latencies["bare Flask page"]) * 1000
    print(f"bench/step_profile.py: {args.db}; in-process (Flask test client); {args.trainees} trainees walking "
          f"{args.course}; {args.baseline} of each baseline after each; {args.clock} time; load average at the "
          f"end {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}" + ("; cProfile ON (times inflated)" if profiler else ""))
    print(f"  {'request':28} {'count':>6} {'p50 ms':>8} {'mean ms':>8} {'vs bare':>8} {'q/req':>6}")
    for name in BASELINES:
        print(_row(name, latencies[name], walk_stats.queries.get(name, []), bare))
    every = [t for kind, times in latencies.items() if kind not in BASELINES for t in times]
    every_q = [q for kind, qs in walk_stats.queries.items() if kind not in BASELINES for q in qs]
    print(_row("walk, all requests", every, every_q, bare))
    others = sorted(k for k in latencies if k not in (*WALK_KINDS, *BASELINES))
    for kind in (*WALK_KINDS, *others):
        if latencies.get(kind):
            print(_row("  " + kind, latencies[kind], walk_stats.queries.get(kind, []), bare))
    if walk_stats.errors:
        print(f"  ERRORS: {dict(walk_stats.errors)}")
    if profiler is not None:
        if args.save:
            profiler.dump_stats(args.save)
        for order in ("tottime", "cumulative"):
            print(f"\n=== cProfile of {', '.join(args.profile)}: by {order} ===")
            pstats.Stats(profiler).strip_dirs().sort_stats(order).print_stats(args.top)


if __name__ == "__main__":
    main()
