"""Logging: plain text by default, or one JSON object a line (LOG_FORMAT = "json").

Every request gets a request id: the `X-Request-ID` a proxy or load balancer sent,
if it is a plain token, else a new random one. It is returned in the response's
`X-Request-ID` header and put on every log line written during the request, so
one request can be followed across the proxy, the app and the logs.

No personal data: JSON lines carry the request's method, route pattern (such as
`/learn/<course_id>/<step_id>`, never the path itself, which may hold a code or a
name), status and duration; never an address, user agent, user id, email, query
string or form value. SQL parameters are kept out of error messages by the engine
(`hide_parameters`).
"""
from __future__ import annotations

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, has_request_context, request

#: A request id we accept from outside: a short plain token, nothing that could smuggle text into logs.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
#: Fields a JSON line may carry besides the message (anything else passed as `extra` is dropped).
FIELDS = ("method", "route", "status", "duration_ms")
access_log = logging.getLogger("lms.access")


def request_id() -> str | None:
    """The current request's id, or None outside a request."""
    return g.get("request_id") if has_request_context() else None


_base_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args, **kwargs) -> logging.LogRecord:
    """Every record, whichever handler writes it, carries the request id (or None)."""
    record = _base_factory(*args, **kwargs)
    record.request_id = request_id()
    return record


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id and the access fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for field in FIELDS:
            if hasattr(record, field):
                line[field] = getattr(record, field)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def route() -> str:
    """The matched route's pattern, never the concrete path."""
    rule = request.url_rule
    return rule.rule if rule is not None else "(no route)"


def configure(app: Flask) -> None:
    """Set up the root logger once for the configured format."""
    fmt = app.config["LOG_FORMAT"]
    logging.setLogRecordFactory(_record_with_request_id)
    root = logging.getLogger()
    if not any(getattr(h, "lms_handler", False) for h in root.handlers):
        ours = logging.StreamHandler()
        ours.lms_handler = True  # type: ignore[attr-defined]
        root.addHandler(ours)
        root.setLevel(logging.INFO)
    for handler in root.handlers:
        if getattr(handler, "lms_handler", False):
            handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(
                "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"))


def init_app(app: Flask) -> None:
    configure(app)
    json_lines = app.config["LOG_FORMAT"] == "json"

    @app.before_request
    def _assign_request_id() -> None:
        sent = request.headers.get("X-Request-ID", "")
        g.request_id = sent if REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _tag_response(response: Response) -> Response:
        rid = g.get("request_id")
        if rid:
            response.headers["X-Request-ID"] = rid
            if json_lines:  # one access line a request; gunicorn's own access log holds addresses
                access_log.info("request", extra={
                    "method": request.method, "route": route(), "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - g.request_started) * 1000, 1)})
        return response
