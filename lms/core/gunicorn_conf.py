"""gunicorn settings for metrics across workers: `gunicorn -c python:lms.core.gunicorn_conf app:app`.

With PROMETHEUS_MULTIPROC_DIR set (see lms.core.metrics), the folder is emptied
when the server starts (figures from an earlier run must not be added in) and a
dead worker's live gauges are dropped. Any other gunicorn option can be given on
the command line as usual.
"""
from __future__ import annotations

import os
from pathlib import Path


def on_starting(_server) -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()


def child_exit(_server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
