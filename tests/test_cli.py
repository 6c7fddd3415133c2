"""The `lms` command line."""
from sqlalchemy import select

from lms.accounts.models import User
from lms.admin.models import AuditEntry
from lms.core.passwords import verify_password


def test_user_create_and_manage(runner, session):
    result = runner.invoke(args=["user", "create", "Lead@Example.org", "--role", "admin", "--name", "Lead",
                                 "--password", "a long enough passphrase"])
    assert result.exit_code == 0, result.output
    # The last admin cannot be demoted, from the command line either.
    refused = runner.invoke(args=["user", "set-role", "lead@example.org", "trainer"])
    assert refused.exit_code != 0 and "only admin" in refused.output
    runner.invoke(args=["user", "create", "other@example.org", "--role", "admin", "--password", "another passphrase"])
    user = session.scalar(select(User).where(User.email == "lead@example.org"))
    assert (user.email, user.role, user.display_name) == ("lead@example.org", "admin", "Lead")

    duplicate = runner.invoke(args=["user", "create", "lead@example.org", "--password", "another passphrase"])
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    # Not an address: said at once, before the password is asked for (no input given: a prompt would fail).
    not_an_address = runner.invoke(args=["user", "create", "notanemail"])
    assert not_an_address.exit_code == 1 and "Enter an email address" in not_an_address.output
    assert "Password" not in not_an_address.output

    assert runner.invoke(args=["user", "set-role", "lead@example.org", "trainer"]).exit_code == 0
    reset = runner.invoke(args=["user", "reset-password", "lead@example.org"])
    temporary = reset.output.split(": ", 1)[1].splitlines()[0]
    assert runner.invoke(args=["user", "deactivate", "lead@example.org"]).exit_code == 0
    session.expire_all()
    user = session.scalar(select(User).where(User.email == "lead@example.org"))
    assert user.role == "trainer" and not user.active
    assert verify_password(user.password_hash, temporary)
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["user.set_role", "user.reset_password", "user.deactivate"]

    missing = runner.invoke(args=["user", "deactivate", "nobody@example.org"])
    assert missing.exit_code != 0 and "No account with the email" in missing.output


def test_db_status_and_upgrade(runner):
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    status = runner.invoke(args=["db", "status"])
    assert status.exit_code == 0 and "newest" in status.output


def test_config_error_is_a_message_not_a_traceback(tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY",) and not k.startswith("LMS_")}
    env.update(LMS_ENVIRONMENT="production", LMS_PUBLIC_BASE_URL="https://training.example.org",
               LMS_INSTANCE_PATH=str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "lms.cli", "db", "status"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "SECRET_KEY is not set" in result.stderr and "Traceback" not in result.stderr


def test_the_worker_outlives_the_shell_that_started_it_unless_told_to_stop_with_it(app, database_url, tmp_path):
    """`nohup lms worker &` from a shell that then exits must keep sending e-mail; `make run` passes --with-parent,
    so its worker stops with it."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import DATA_KEY, FIXTURE_CONTENT, ROOT

    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "3b8e1f0c6a2d47e95c0b1a8f7e6d2c4b",
           "LMS_ENVIRONMENT": "production", "LMS_PUBLIC_BASE_URL": "https://training.example.org",
           "LMS_DATA_KEYS": DATA_KEY, "LMS_CONTENT_DIR": str(FIXTURE_CONTENT),
           "LMS_INSTANCE_PATH": str(tmp_path / "instance")}
    lms = os.path.join(os.path.dirname(sys.executable), "lms")
    def running(pid: int) -> bool:  # an orphan that ended may stay a zombie where nothing reaps it
        try:
            with open(f"/proc/{pid}/stat") as stat:
                return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
        except FileNotFoundError:
            return False

    # Each shell starts a worker in the background, writes its pid, waits until the worker says it started
    # (a loaded machine may take many seconds to load the app), and exits.
    def script(flags: str) -> str:
        log, pid = tmp_path / f"{flags or 'plain'}.log", tmp_path / (flags or "plain")
        return (f"{lms} worker --poll 0.2 {flags} > {log} 2>&1 & echo $! > {pid}; "
                f"n=0; until grep -q 'Worker started' {log} || [ $n -gt 900 ]; do sleep 0.2; n=$((n+1)); done")

    shells = {flags: subprocess.Popen(["sh", "-c", script(flags)], cwd=ROOT, env=env)
              for flags in ("", "--with-parent")}
    for shell in shells.values():
        shell.wait(200)
    pids = {flags: int((tmp_path / (flags or "plain")).read_text()) for flags in shells}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and running(pids["--with-parent"]):  # it notices within a poll or two
        time.sleep(0.2)
    time.sleep(1)
    alive = {flags: running(pid) for flags, pid in pids.items()}
    for pid in pids.values():
        if running(pid):
            os.kill(pid, signal.SIGTERM)
    assert alive == {"": True, "--with-parent": False}
