"""Periodic work the worker runs beside the queue (the reminder sweep), and the worker loop itself.

Every worker runs the schedule: periodic work must be safe to run twice at once
(the reminder sweep is, through its unique keys), so no leader election is needed
and two app servers can share one pool of workers.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from lms.core.db import DbSession
from lms.jobs import queue

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    name: str
    every_seconds: float
    run: Callable[[DbSession, date | None], object]  # (session, the day to act as, None for today)


PERIODIC: dict[str, Periodic] = {}

#: name -> called at the start of every round of the worker, and of `run_once`, in the app's context: where
#: a feature keeps what it serves current, as a web server does before each request (the catalogue reloads
#: when `lms reload` ran on any server, so a long-running worker never reminds anyone of a removed course).
BEFORE_ROUND: dict[str, Callable[[], None]] = {}


def before_each_round(name: str, function: Callable[[], None]) -> None:
    """Call `function` at the start of every round of the worker (replacing an earlier one of `name`)."""
    BEFORE_ROUND[name] = function


def _start_round() -> None:
    for function in BEFORE_ROUND.values():
        function()


def every(name: str, seconds: float, function: Callable[[DbSession, date | None], object]) -> None:
    """Run `function` every `seconds` in each worker (replacing an earlier registration of `name`)."""
    PERIODIC[name] = Periodic(name, seconds, function)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def run_once(session: DbSession, as_of: date | None = None, worker: str | None = None) -> dict[str, object]:
    """Every periodic task once, then every due job: what `lms jobs run --once` does (after BEFORE_ROUND)."""
    results: dict[str, object] = {}
    _start_round()
    for task in PERIODIC.values():
        results[task.name] = task.run(session, as_of)
        session.commit()
    results["jobs"] = queue.run_due(session, worker or worker_name())
    return results


def loop(session_factory: Callable[[], DbSession], stop: threading.Event, poll_seconds: float = 5.0,
         parent: int | None = None) -> None:
    """The worker: run periodic tasks when due and jobs as they come, until `stop` is set; with `parent` (the
    process id that started it, `make run`), also once that process has ended. Otherwise it outlives its shell
    (`nohup`)."""
    worker = worker_name()
    last_run: dict[str, float] = {}
    log.info("worker %s started", worker)
    while not stop.is_set():
        if parent is not None and os.getppid() != parent:
            # The process that started us is gone (`make run` stopped): do not linger.
            log.info("worker %s: its parent process ended; stopping", worker)
            break
        session = session_factory()
        busy = False
        try:
            _start_round()
            for task in PERIODIC.values():
                if time.monotonic() - last_run.get(task.name, -task.every_seconds) >= task.every_seconds:
                    last_run[task.name] = time.monotonic()
                    result = task.run(session, None)
                    session.commit()
                    log.info("%s: %s", task.name, result)
            busy = queue.run_due(session, worker, max_jobs=100).total > 0
        except Exception:  # noqa: BLE001 - the worker keeps going; the error is logged
            session.rollback()
            log.exception("worker %s: error in the loop", worker)
        finally:
            session.close()
        if not busy:
            stop.wait(poll_seconds)
    log.info("worker %s stopped", worker)
