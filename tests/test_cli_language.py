"""The app's commands speak the terminal's language (issue 20): LANG=cy_GB.UTF-8 gives Welsh, else English.

What is meant for copying (a temporary password) stays last on its line, after ": ", in every language.
"""
from __future__ import annotations

from sqlalchemy import select

from lms.accounts.models import User
from lms.core.passwords import verify_password

WELSH = {"LANGUAGE": None, "LC_ALL": None, "LC_MESSAGES": None, "LANG": "cy_GB.UTF-8"}
ENGLISH = {"LANGUAGE": None, "LC_ALL": None, "LC_MESSAGES": None, "LANG": "en_GB.UTF-8"}
FRENCH = {"LANGUAGE": None, "LC_ALL": None, "LC_MESSAGES": None, "LANG": "fr_FR.UTF-8"}  # not a site language


def test_user_commands_speak_welsh_when_the_terminal_does(runner, session):
    def lms(*args, **kwargs):
        return runner.invoke(args=list(args), env=WELSH, **kwargs)

    created = lms("user", "create", "lead@example.org", "--role", "admin", "--password", "a long enough passphrase")
    assert created.exit_code == 0, created.output
    assert "Crëwyd y cyfrif lead@example.org; ei rôl yw Gweinyddwr." in created.output
    duplicate = lms("user", "create", "lead@example.org", "--password", "a long enough passphrase")
    assert duplicate.exit_code == 1
    assert "Gwall: Mae cyfrif gyda’r e-bost hwnnw’n bodoli eisoes." in duplicate.output
    last_admin = lms("user", "set-role", "lead@example.org", "trainer")
    assert "Gwall: Dyma’r unig weinyddwr." in last_admin.output and "Error" not in last_admin.output
    no_role = lms("user", "set-role", "lead@example.org", "boss")
    assert no_role.exit_code == 2
    assert "Gwall: Nid oes rôl “boss”. Dewiswch un o: trainee, trainer, admin." in no_role.output

    typed = "first try\nsecond try\nkit's passphrase\nkit's passphrase\n"
    asked = lms("user", "create", "kit@example.org", input=typed)
    assert asked.exit_code == 0, asked.output
    assert "Cyfrinair: " in asked.output and "Yr un cyfrinair eto: " in asked.output
    assert "Nid yw’r ddau gyfrinair yr un fath. Rhowch gynnig arall arni." in asked.output
    assert "Crëwyd y cyfrif kit@example.org; ei rôl yw Hyfforddai." in asked.output
    kit = session.scalar(select(User).where(User.email == "kit@example.org"))
    assert verify_password(kit.password_hash, "kit's passphrase")

    promoted = lms("user", "set-role", "kit@example.org", "trainer")
    assert "Rôl kit@example.org bellach yw Hyfforddwr." in promoted.output
    reset = lms("user", "reset-password", "kit@example.org")
    first_line, advice = reset.output.splitlines()[:2]
    assert first_line.startswith("Cyfrinair dros dro ar gyfer kit@example.org: ")
    assert advice.startswith("Rhowch ef iddynt yn breifat.")
    session.expire_all()
    assert verify_password(session.get(User, kit.id).password_hash, first_line.rsplit(": ", 1)[1])
    assert "Mae kit@example.org wedi’i ddadactifadu." in lms("user", "deactivate", "kit@example.org").output
    missing = lms("user", "deactivate", "nobody@example.org")
    assert missing.exit_code == 1 and "Gwall: Nid oes cyfrif â’r e-bost nobody@example.org." in missing.output


def test_the_same_commands_speak_english_to_an_english_or_other_terminal(runner):
    created = runner.invoke(args=["user", "create", "lead@example.org", "--role", "admin", "--password",
                                  "a long enough passphrase"], env=ENGLISH)
    assert "Created lead@example.org with the role Admin." in created.output
    missing = runner.invoke(args=["user", "deactivate", "nobody@example.org"], env=FRENCH)
    assert missing.exit_code == 1 and "Error: No account with the email nobody@example.org." in missing.output
    no_role = runner.invoke(args=["user", "set-role", "lead@example.org", "boss"], env=ENGLISH)
    assert "Error: There is no role “boss”. Choose one of: trainee, trainer, admin." in no_role.output


def test_database_content_jobs_and_printing_commands_speak_welsh(runner, tmp_path):
    def lms(*args):
        return runner.invoke(args=list(args), env=WELSH)

    assert "Mae’r gronfa ddata yn gyfredol." in lms("db", "upgrade").output
    status = lms("db", "status")
    assert "cronfa ddata: " in status.output and "diweddaraf: " in status.output
    reload = lms("reload")
    assert reload.exit_code == 0, reload.output
    assert "Gofynnwyd am ail-lwytho: mae 2 cwrs a 1 senario yn ddilys." in reload.output
    assert "Dim swyddi wedi methu." in lms("jobs", "failed").output
    jobs = lms("jobs", "run", "--once")
    assert "jobs: 0 wedi’u gwneud, 0 i roi cynnig arall arnynt, 0 wedi methu" in jobs.output

    out = str(tmp_path / "all.pdf")
    nothing = lms("certificates", "print", "-o", out)
    assert nothing.exit_code == 2 and "Gwall: Dywedwch beth i’w argraffu" in nothing.output
    bad_day = lms("certificates", "print", "--from", "31/03/2026", "-o", out)
    assert bad_day.exit_code == 2
    assert "Mae angen dyddiad ar ffurf BBBB-MM-DD ar --from, fel 2026-03-31, nid “31/03/2026”." in bad_day.output
    none_match = lms("certificates", "print", "--course", "listening", "-o", out)
    assert none_match.exit_code == 1 and "Nid oes tystysgrifau a gyhoeddwyd yn cyfateb." in none_match.output
    english = runner.invoke(args=["certificates", "print", "--from", "31/03/2026", "-o", out], env=ENGLISH)
    assert "--from needs a date written as YYYY-MM-DD, like 2026-03-31, not “31/03/2026”." in english.output


def test_help_follows_the_terminal_language(runner):
    welsh = runner.invoke(args=["user", "create", "--help"], env=WELSH)
    assert welsh.exit_code == 0, welsh.output
    text = " ".join(welsh.output.split())  # click wraps help to the terminal's width
    for words in ("Defnydd:", "Creu cyfrif gyda rôl.", "Opsiynau", "Rôl y cyfrif.", "diofyn: trainee",
                  "Gofynnir amdano, yn gudd a dwywaith, os na chaiff ei roi.", "Dangos y neges hon a gadael."):
        assert words in text, words
    listed = " ".join(runner.invoke(args=["user", "--help"], env=WELSH).output.split())
    assert "Cyfrifon." in listed and "Gorchmynion" in listed and "Rhoi cyfrinair dros dro i gyfrif" in listed
    english = runner.invoke(args=["user", "create", "--help"], env=ENGLISH)
    assert "Usage:" in english.output and "Create an account with a role." in english.output
    assert "The account's role." in english.output and "Defnydd" not in english.output


def test_the_content_commands_help_is_in_the_terminals_language_without_the_app():
    """`lms --help` and `lms check --help` need no app, and speak Welsh to a Welsh terminal."""
    import subprocess
    import sys
    from pathlib import Path

    environment = {"PATH": "/usr/bin:/bin", "LANG": "cy_GB.UTF-8"}
    lms = [str(Path(sys.executable).with_name("lms"))]
    top = subprocess.run([*lms, "--help"], env=environment, capture_output=True, text=True, timeout=60)
    words = " ".join(top.stdout.split())
    assert top.returncode == 0 and "Defnydd: lms" in words and "Opsiynau:" in words
    assert "LMS hyfforddiant cymorth gan gymheiriaid" in words and "Dangos y fersiwn a gadael." in words
    assert "Rhedeg gweinydd datblygu" in words and "Run a development server" not in words  # Flask's, in our words
    check = subprocess.run([*lms, "check", "--help"], env=environment, capture_output=True, text=True, timeout=60)
    words = " ".join(check.stdout.split())
    assert check.returncode == 0 and "Dilysu ffolder cynnwys" in words and "Gyda --paths: rhybuddio" in words
    english = subprocess.run([*lms, "check", "--help"], env={**environment, "LANG": "en_GB.UTF-8"},
                             capture_output=True, text=True, timeout=60)
    assert "Validate a content folder" in english.stdout and "Dilysu" not in english.stdout


def test_a_cohort_number_in_other_digits_is_a_usage_message(runner, tmp_path):
    """'²' passes `str.isdigit` but `int()` refuses it: the command's own message, not a traceback."""
    for junk in ("²", "99999999999999999999"):
        result = runner.invoke(args=["certificates", "print", "--cohort", junk, "-o", str(tmp_path / "x.pdf")],
                               env=ENGLISH)
        assert result.exit_code == 2, result.output
        assert f"--cohort needs a cohort's number, like 12, not “{junk}”." in result.output
