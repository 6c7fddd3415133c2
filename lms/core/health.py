"""Probes for a load balancer or orchestrator: `/healthz` and `/readyz`.

They are answered in front of Flask (WSGI middleware), so no request hook runs for
them: no login, no kept-page lookup, no content check, no session cookie.

- `/healthz`: the process is alive and answering (it asks nothing of the database),
  so a supervisor restarts a worker only when the process itself is stuck.
- `/readyz`: the process can serve pages: the database answers, its schema is the
  code's newest, and the content is loaded. 503 otherwise, naming what is not ready,
  so a load balancer sends no traffic to a server that would answer with errors.

Features add their own readiness checks with `add_ready_check` (the catalogue adds
"content"): core knows no feature.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from sqlalchemy import text

from lms.core.db import SchemaOutOfDate, db, deferred_reads

#: A readiness check returns None when ready, else a short reason (no secrets, no personal data).
ReadyCheck = Callable[[], str | None]
_CHECKS = "lms_ready_checks"


def add_ready_check(app: Flask, name: str, check: ReadyCheck) -> None:
    """Make `/readyz` answer 503 while `check()` returns a reason."""
    app.extensions.setdefault(_CHECKS, []).append((name, check))


def _database_answers() -> str | None:
    with deferred_reads(), db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return None


def _schema_current() -> str | None:
    try:
        db.check_schema()
    except SchemaOutOfDate:
        return "out of date: run `lms db upgrade`"
    return None


class Probes:
    """WSGI middleware answering /healthz and /readyz before the Flask app sees the request."""

    def __init__(self, app: Flask, inner: Callable[..., Iterable[bytes]]) -> None:
        self.app, self.inner = app, inner

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if method in ("GET", "HEAD") and path == "/healthz":
            return self._answer(start_response, 200, {"status": "alive"}, method)
        if method in ("GET", "HEAD") and path == "/readyz":
            checks = self.readiness()
            ready = all(result == "ok" for result in checks.values())
            return self._answer(start_response, 200 if ready else 503,
                                {"status": "ready" if ready else "not ready", "checks": checks}, method)
        return self.inner(environ, start_response)

    def readiness(self) -> dict[str, str]:
        """Each check's result: "ok" or why not. The database comes first: the others need it."""
        results: dict[str, str] = {}
        with self.app.app_context():
            for name, check in (("database", _database_answers), ("schema", _schema_current),
                                *self.app.extensions.get(_CHECKS, [])):
                if name != "database" and results.get("database") != "ok":
                    results[name] = "not checked: the database does not answer"
                    continue
                try:
                    results[name] = check() or "ok"
                except Exception as exc:  # noqa: BLE001 - a probe reports, it never fails
                    results[name] = f"failed ({type(exc).__name__})"
        return results

    @staticmethod
    def _answer(start_response: Callable[..., Any], status: int, body: dict, method: str) -> Iterable[bytes]:
        payload = json.dumps(body).encode()
        start_response(f"{status} {'OK' if status == 200 else 'Service Unavailable'}", [
            ("Content-Type", "application/json"), ("Content-Length", str(len(payload))),
            ("Cache-Control", "no-store")])
        return [b""] if method == "HEAD" else [payload]


def init_app(app: Flask) -> None:
    app.wsgi_app = Probes(app, app.wsgi_app)  # type: ignore[method-assign]
