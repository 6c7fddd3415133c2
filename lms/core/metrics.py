"""Prometheus metrics at `/metrics`, across every gunicorn worker (prometheus_client multiprocess mode).

What is measured:

- `lms_request_duration_seconds{endpoint,method}`: each request's time, by Flask
  endpoint (a route's name, never its path, which may hold a code or a token);
- `lms_responses_total{status}`: responses by status code;
- `lms_content_load_seconds`: loading the courses and scenarios (start-up, reload);
- `lms_certificate_render_seconds`: rendering one certificate PDF;
- `lms_rate_limit_refusals_total{limit}`: requests refused by a rate limit or the
  login throttle;
- `lms_job_queue_depth{status}` and the other gauges features add with
  `add_scrape_gauge`: read from the database when `/metrics` is scraped, so
  every server reports the same shared queue.

Several workers: set `PROMETHEUS_MULTIPROC_DIR` to an empty folder (created
fresh before gunicorn starts; each worker writes its own files there) and
`/metrics` adds up every worker's figures. The gunicorn config in
`lms/core/gunicorn_conf.py` removes a dead worker's live gauges. Without that
variable (the development server, one process) the figures are this process's.

Who may read `/metrics`: a request carrying `Authorization: Bearer <METRICS_TOKEN>`,
or, with no token configured or none sent, a request from the loopback address
that came through no proxy. Anyone else gets a 404, as if there were nothing.
No label holds personal data: endpoints, methods, status codes and limit names.
"""
from __future__ import annotations

import ipaddress
import os
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

#: Latency buckets (seconds) around the 50 ms p99 target.
REQUEST_BUCKETS = (0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUEST_DURATION = Histogram("lms_request_duration_seconds", "Time to answer a request, by endpoint",
                             ["endpoint", "method"], buckets=REQUEST_BUCKETS)
RESPONSES = Counter("lms_responses_total", "Responses by HTTP status code", ["status"])
CONTENT_LOAD = Histogram("lms_content_load_seconds", "Loading the courses and scenarios",
                         buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120))
CERTIFICATE_RENDER = Histogram("lms_certificate_render_seconds", "Rendering one certificate PDF",
                               buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
RATE_LIMIT_REFUSALS = Counter("lms_rate_limit_refusals_total", "Requests refused by a rate limit", ["limit"])

#: (name, help, read) per gauge computed at scrape time; `read` returns {label value: number}.
ScrapeGauge = tuple[str, str, str, Callable[[], dict[str, float]]]
_GAUGES = "lms_scrape_gauges"


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


@contextmanager
def timed(histogram: Histogram) -> Iterator[None]:
    """Observe how long the block takes (also when it raises)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        histogram.observe(time.perf_counter() - started)


def refused(limit: str) -> None:
    """Count one request refused by the named rate limit."""
    RATE_LIMIT_REFUSALS.labels(limit=limit).inc()


def add_scrape_gauge(app: Flask, name: str, documentation: str, label: str,
                     read: Callable[[], dict[str, float]]) -> None:
    """Report `read()` (label value -> number) as a gauge each time `/metrics` is scraped."""
    app.extensions.setdefault(_GAUGES, []).append((name, documentation, label, read))


class _ScrapeGauges(Collector):
    def __init__(self, gauges: list[ScrapeGauge]) -> None:
        self.gauges = gauges

    def collect(self):
        for name, documentation, label, read in self.gauges:
            family = GaugeMetricFamily(name, documentation, labels=[label])
            for value, number in sorted(read().items()):
                family.add_metric([value], number)
            yield family


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN") or ""
    sent = request.headers.get("Authorization", "")
    if token and sent:
        return secrets.compare_digest(sent.encode(), f"Bearer {token}".encode())
    # Loopback only when no proxy forwarded the request: a proxy on the same
    # host would otherwise make every outside request look local.
    if request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded"):
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def render() -> bytes:
    """Every worker's figures (multiprocess mode) or this process's, plus the scrape-time gauges."""
    registry = CollectorRegistry()
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
        text = generate_latest(registry)
    else:
        from prometheus_client import REGISTRY

        text = generate_latest(REGISTRY)
    gauges = current_app.extensions.get(_GAUGES, [])
    if gauges:
        extra = CollectorRegistry()
        extra.register(_ScrapeGauges(gauges))
        text += generate_latest(extra)
    return text


def init_app(app: Flask) -> None:
    from lms.core.access import public

    @app.before_request
    def _start_clock() -> None:
        g.metrics_started = time.perf_counter()

    # Each label set's series, looked up once: prometheus_client's labels() checks and locks on every call.
    durations: dict[tuple[str, str], Any] = {}
    responses: dict[int, Any] = {}

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.pop("metrics_started", None)
        if started is not None:
            key = (request.endpoint or "unmatched", request.method)  # a 404 has no endpoint: one label for all
            series = durations.get(key)
            if series is None:
                series = durations[key] = REQUEST_DURATION.labels(endpoint=key[0], method=key[1])
            series.observe(time.perf_counter() - started)
        status = response.status_code
        counted = responses.get(status)
        if counted is None:
            counted = responses[status] = RESPONSES.labels(status=str(status))
        counted.inc()
        return response

    @public
    def metrics() -> Response:
        if not _allowed():
            abort(404)
        return Response(render(), content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})

    app.add_url_rule("/metrics", "metrics", metrics)
