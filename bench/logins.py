"""Logins at cohort scale (issue 18, item 7): logins per second per core.

Prints, for argon2id at the app's profile (`standard`: OWASP's minimum, 19 MiB,
t=2, p=1) and at argon2-cffi's default (64 MiB, t=3, p=4, what accounts made
before the choice hold until their next login rehashes them):

- CPU seconds per password check, and so checks per second per core;
- a whole login through the app (form, throttle records, check, session), in
  process on SQLite, measured in CPU time: logins per second per core.

CPU time, not wall time, so the figures hold on a busy machine; each profile is
measured in alternating rounds and the medians printed.

    .venv/bin/python bench/logins.py [--rounds 5] [--logins 20]
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

from argon2 import PasswordHasher
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a cohort logging in at seven"
PROFILES = {
    "standard (19 MiB, t=2, p=1)": PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1),
    "argon2-cffi default (64 MiB, t=3, p=4)": PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4),
}


def check_cost(hasher: PasswordHasher, checks: int) -> float:
    """CPU seconds per password check."""
    stored = hasher.hash(PASSWORD)
    started = time.process_time()
    for _ in range(checks):
        hasher.verify(stored, PASSWORD)
    return (time.process_time() - started) / checks


def login_cost(logins: int) -> tuple[float, float]:
    """(CPU seconds, wall seconds) per whole login through the app with the standard profile."""
    from sqlalchemy import update

    from lms import create_app
    from lms.accounts import services as accounts
    from lms.accounts.models import User
    from lms.core.db import db

    workdir = tempfile.mkdtemp(prefix="lms-logins-")
    app = create_app({"DATABASE_URL": f"sqlite:///{workdir}/lms.sqlite3", "SECRET_KEY": secrets.token_hex(32),
                      "ENVIRONMENT": "production", "PUBLIC_BASE_URL": "https://training.example.org",
                      "SESSION_COOKIE_SECURE": False, "CONTENT_DIR": str(ROOT),
                      "LOGIN_THROTTLE_MAX": 10_000, "LOGIN_THROTTLE_ADDRESS_MAX": 10_000,
                      "DATA_KEYS": Fernet.generate_key().decode()},
                     instance_path=f"{workdir}/instance")
    with app.app_context():
        db.upgrade()
        user = accounts.create_user(db.session, email="cohort@example.org", display_name="Cohort",
                                    password=PASSWORD)
        db.session.commit()
        user_id = user.id
    cpu = wall = 0.0
    for _ in range(logins):
        with app.app_context():  # a fresh login each time: end the session the last one made
            db.session.execute(update(User).where(User.id == user_id).values(session_token=secrets.token_hex(16)))
            db.session.commit()
        client = app.test_client()  # a new browser: its login page (not measured), then the login
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                          client.get("/login").get_data(as_text=True)).group(1)
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        response = client.post("/login", data={"email": "cohort@example.org", "password": PASSWORD,
                                               "csrf_token": token})
        cpu += time.process_time() - started_cpu
        wall += time.perf_counter() - started_wall
        if response.status_code != 302:
            sys.exit(f"the login failed ({response.status_code})")
    return cpu / logins, wall / logins


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--checks", type=int, default=5, help="password checks per profile per round")
    parser.add_argument("--logins", type=int, default=20, help="whole logins per round")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    print(f"bench/logins.py: CPU time per password check and per login; {args.rounds} alternating rounds; "
          f"{os.cpu_count()} CPUs (figures per core)")
    costs: dict[str, list[float]] = {name: [] for name in PROFILES}
    for _ in range(args.rounds):
        for name, hasher in PROFILES.items():
            costs[name].append(check_cost(hasher, args.checks))
    print(f"  {'password check':42} {'CPU ms':>8} {'checks/s/core':>14}")
    for name, values in costs.items():
        cost = statistics.median(values)
        print(f"  {name:42} {cost * 1000:8.1f} {1 / cost:14.1f}")
    standard, default = (statistics.median(v) for v in costs.values())
    print(f"  the standard profile costs {standard / default:.0%} of the default one")
    cpu, wall = zip(*(login_cost(args.logins) for _ in range(args.rounds)), strict=True)
    cpu_cost, wall_cost = statistics.median(cpu), statistics.median(wall)
    print(f"\n  whole login through the app (standard profile, SQLite): {cpu_cost * 1000:.1f} ms CPU "
          f"({wall_cost * 1000:.1f} ms wall) -> {1 / cpu_cost:.1f} logins/s per core")


if __name__ == "__main__":
    main()
