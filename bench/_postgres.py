"""A throwaway PostgreSQL 15 cluster for benchmarks (as tests/conftest.py's PostgresCluster).

Not a benchmark itself: run_all.py skips files starting with `_`. See
../shared/ENVIRONMENT.md: initdb and postgres refuse to run as root, so they run
as the postgres user then; durability is off (fsync, synchronous_commit), as in the tests.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_BIN = Path(os.environ.get("LMS_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class ThrowawayPostgres:
    """Start with `with ThrowawayPostgres() as pg:`; `pg.url` is a fresh database's SQLAlchemy URL."""

    def __enter__(self) -> ThrowawayPostgres:
        if not (PG_BIN / "initdb").exists():
            raise SystemExit(f"PostgreSQL binaries not found in {PG_BIN}: install postgresql-15")
        self.dir = Path(tempfile.mkdtemp(prefix="lms-bench-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.dir.chmod(0o700)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        data = self.dir / "data"
        subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                                     "-E", "UTF8", "--locale=C", "--no-sync"]), check=True, capture_output=True)
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.dir} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(self.dir / "server.log"),
                                     "-w", "-t", "30", "-o", options, "start"]), check=True, capture_output=True)
        subprocess.run([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "lms"],
                       check=True, capture_output=True)
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/lms"
        return self

    def __exit__(self, *_exc) -> None:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate",
                                     "-w", "stop"]), capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)
