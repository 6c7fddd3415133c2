"""The `lms` command needs no configuration where none is needed.

Each command runs as a real process with an empty environment (only PATH) in an
empty folder: no SECRET_KEY, no database, no instance folder.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import click
import pytest

from lms.cli import main
from tests.conftest import ROOT

LMS = str(Path(sys.executable).with_name("lms"))
CONTENT = Path(__file__).parent / "content" / "fixtures"
GOOD = CONTENT / "good"
STORY = CONTENT / "twee" / "friend-request.twee"


def _bare_env(**extra: str) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **extra}


def _lms(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([LMS, *args], cwd=cwd, env=_bare_env(**env), capture_output=True, text=True, timeout=60)


def _every_command(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    ctx = click.Context(group)
    found = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        found.append(((*path, name), command))
        if isinstance(command, click.Group):
            found.extend(_every_command(command, (*path, name)))
    return found


def test_help_lists_every_command_without_configuration(tmp_path):
    result = _lms(tmp_path, "--help")
    assert result.returncode == 0, result.stderr
    assert "Peer-support training LMS" in result.stdout
    for name in ("check", "import-twee", "export-twee", "db", "user", "demo", "reload", "certificates", "run"):
        assert f"  {name} " in result.stdout
    assert "SECRET_KEY" not in result.stdout + result.stderr
    assert list(tmp_path.iterdir()) == []  # no instance folder, no database


def test_every_command_help_works_without_configuration(tmp_path):
    commands = _every_command(main)
    assert {"check", "import-twee", "export-twee", "db upgrade", "db status", "user create", "user set-role", "demo",
            "reload", "certificates print", "run"} <= {" ".join(path) for path, _ in commands}
    # One process for all of them (a process each would take a second each); its environment is empty.
    script = textwrap.dedent("""
        import sys
        from click.testing import CliRunner
        from lms.cli import main
        failed = []
        for line in sys.stdin.read().splitlines():
            result = CliRunner().invoke(main, [*line.split(), "--help"], prog_name="lms")
            if result.exit_code != 0 or "SECRET_KEY" in result.output:
                failed.append(f"{line}: {result.exit_code} {result.output}")
            else:
                print(line, "|", "".join(result.output.split()))
        print("\\n".join(failed), file=sys.stderr)
        sys.exit(1 if failed else 0)
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=_bare_env(), capture_output=True,
                            text=True, input="\n".join(" ".join(path) for path, _ in commands), timeout=60)
    assert result.returncode == 0, result.stderr
    helps = dict(line.split(" | ", 1) for line in result.stdout.splitlines())
    for path, command in commands:
        # Each command's help shows its own description (compared without the spaces help wraps at).
        assert "".join(command.help.split(".")[0].split()) in helps[" ".join(path)]
    assert list(tmp_path.iterdir()) == []


def test_check_a_folder_without_configuration(tmp_path):
    result = _lms(tmp_path, "check", str(GOOD))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "0 errors, 0 warnings; 1 course and 1 scenario ready"

    broken = tmp_path / "broken" / "courses" / "listening"
    broken.mkdir(parents=True)
    (broken / "course.md").write_text("---\ntitel: Listening\n---\nWelcome.\n")
    result = _lms(tmp_path, "check", str(tmp_path / "broken"))
    assert result.returncode == 1
    assert "courses/listening/course.md:2: error: unknown key 'titel'" in result.stdout

    missing = _lms(tmp_path, "check", str(tmp_path / "nowhere"))
    assert missing.returncode != 0 and "nowhere is not a folder." in missing.stderr
    assert "Traceback" not in missing.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken"]


def test_check_without_a_folder_uses_the_configured_content(tmp_path):
    result = _lms(tmp_path, "check", LMS_CONTENT_DIR=str(GOOD))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "0 errors, 0 warnings; 1 course and 1 scenario ready"

    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.toml").write_text(f"CONTENT_DIR = {str(GOOD)!r}\n")
    result = _lms(tmp_path, "check", LMS_INSTANCE_PATH=str(instance))
    assert result.returncode == 0 and "1 course and 1 scenario ready" in result.stdout

    (instance / "config.toml").write_text("CONTENT_DIR = \n")
    result = _lms(tmp_path, "check", LMS_INSTANCE_PATH=str(instance))
    assert result.returncode == 1 and "Cannot read the config file" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_paths_finds_the_planted_unsafe_route_and_runs_over_the_samples(tmp_path):
    """Issue 13's "Done when": `lms check --paths` finds the planted unsafe passing route, as a CI step would run it."""
    result = _lms(tmp_path, "check", str(CONTENT / "unsafe-route"), "--paths", "--today", "2025-01-01")
    assert result.returncode == 0, result.stderr  # warnings, not errors: the content still loads
    assert ("scenarios/unsafe.md:16: warning: a run can still pass after choosing "
            "'Tell them to stop being dramatic' (-3) at node 'the-post'") in result.stdout
    assert "scenarios/unsafe.md: routes 5, passing 2, best score 7, worst score -3" in result.stdout
    assert "always taking the first listed choice passes" in result.stdout

    samples = _lms(tmp_path, "check", str(ROOT), "--paths")  # every sample course and scenario, every route
    assert samples.returncode == 0, samples.stdout
    assert "scenarios/veiled-goodbye.md: routes" in samples.stdout  # (its time: bench/cli_startup.py)
    assert list(tmp_path.iterdir()) == []


ORG_COURSE = "---\ntitle: Calling {{ org.helpline }}\n---\nCall {{ org.helpline }}.\n\n{{ support.contacts }}\n"


def test_check_uses_the_sites_org_when_the_site_has_a_config_file_or_one_is_named(tmp_path):
    content = tmp_path / "content" / "courses" / "calls"
    content.mkdir(parents=True)
    (content / "course.md").write_text("---\ntitle: Calls\nsummary: Calling for help.\n---\nWelcome.\n")
    (content / "1-call.md").write_text(ORG_COURSE)
    folder = str(tmp_path / "content")
    bare = _lms(tmp_path, "check", folder)
    assert bare.returncode == 1 and "organisation variable 'helpline' has no value" in bare.stdout

    settings = tmp_path / "site.toml"
    settings.write_text('SECRET_KEY = "not read"\n[ORG]\nhelpline = "Harbour Nightline"\n'
                        '[[SUPPORT_CONTACTS]]\nname = "Duty lead"\ncontact = "0800 000 111"\n')
    given = _lms(tmp_path, "check", folder, "--org-file", str(settings))
    assert given.returncode == 0, given.stdout
    assert given.stdout.splitlines()[0] == f"Organisation details from {settings}, over the content's org.yaml."
    from_env = _lms(tmp_path, "check", folder, LMS_CONFIG_FILE=str(settings))
    assert from_env.returncode == 0 and "Organisation details from" in from_env.stdout
    overridden = _lms(tmp_path, "check", folder, LMS_CONFIG_FILE=str(settings), LMS_ORG='{"other": "x"}')
    assert overridden.returncode == 1 and "'helpline' has no value" in overridden.stdout
    unset = _lms(tmp_path, "check", folder, LMS_CONFIG_FILE=str(tmp_path / "not-yet.toml"))
    assert unset.returncode == 1 and "Organisation details from" not in unset.stdout  # no file yet: org.yaml alone
    # On a server the site's own config.toml, in its instance folder, is the one the app reads: so does the check.
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.toml").write_text(settings.read_text())
    site = _lms(tmp_path, "check", folder, LMS_INSTANCE_PATH=str(instance))
    assert site.returncode == 0, site.stdout
    assert site.stdout.splitlines()[0] == (f"Organisation details from {instance / 'config.toml'}, "
                                           "over the content's org.yaml.")

    settings.write_text('[ORG]\n"Helpline" = 3\n')
    bad = _lms(tmp_path, "check", folder, "--org-file", str(settings))
    assert bad.returncode == 1 and "'Helpline' is not a valid variable name" in bad.stderr
    assert "Traceback" not in bad.stderr
    missing = _lms(tmp_path, "check", folder, "--org-file", str(tmp_path / "nowhere.toml"))
    assert missing.returncode == 1 and "Cannot read the settings file" in missing.stderr
    # A language's own values as a table: read, and checked like the others.
    settings.write_text('[ORG]\nhelpline = "Harbour Nightline"\n[ORG.cy]\nhelpline = "Llinell Nos yr Harbwr"\n')
    welsh = _lms(tmp_path, "check", folder, "--org-file", str(settings))
    assert welsh.returncode == 0, welsh.stdout + welsh.stderr
    settings.write_text('[ORG]\nhelpline = "Harbour Nightline"\n[ORG.cy]\n"Llinell" = "x"\n')
    bad = _lms(tmp_path, "check", folder, "--org-file", str(settings))
    assert bad.returncode == 1 and "'Llinell.cy' is not a valid variable name" in bad.stderr


def test_import_twee_without_configuration(tmp_path):
    result = _lms(tmp_path, "import-twee", str(STORY))
    assert result.returncode == 0, result.stderr
    written = tmp_path / "scenarios" / "friend-request.md"
    assert result.stdout.splitlines()[0] == f"Wrote {written.relative_to(tmp_path)}"
    assert "could not be converted; edit" in result.stdout
    check = _lms(tmp_path, "check", ".")
    assert check.returncode == 0 and "0 courses and 1 scenario ready" in check.stdout


def test_export_and_import_twee_without_configuration(tmp_path):
    scenario = GOOD / "scenarios"
    source = next(scenario.iterdir())
    result = _lms(tmp_path, "export-twee", str(source), "-o", "twine/story.twee")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "Wrote twine/story.twee"
    assert (tmp_path / "twine" / "story.twee").read_text().startswith(":: StoryTitle\n")
    result = _lms(tmp_path, "import-twee", "twine", "-o", "back/scenarios")
    assert result.returncode == 0, result.stderr
    # two-am is a folder with assets/, copied next to the story and back into the scenario's folder
    assert result.stdout.splitlines() == ["Wrote back/scenarios/twine/scenario.md"]  # nothing to warn about
    check = _lms(tmp_path, "check", "back")
    assert check.returncode == 0 and "0 courses and 1 scenario ready" in check.stdout, check.stdout
    missing = _lms(tmp_path, "import-twee", str(tmp_path / "back"))
    assert missing.returncode == 1 and "no Twee files (.twee, .tw) found" in missing.stderr
    assert "Traceback" not in missing.stderr


@pytest.mark.parametrize("code", [
    "from lms.cli import main\ntry:\n    main(['check', sys.argv[1]])\n"
    "except SystemExit as exit:\n    assert exit.code == 0",
    "import lms.content, lms.core.config, lms.content.twee, lms.content.twee_export",
])
def test_check_imports_no_web_stack(code):
    script = f"import sys\n{code}\n" + textwrap.dedent("""
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("flask", "sqlalchemy", "weasyprint", "werkzeug"))
        print(" ".join(heavy))
    """)
    result = subprocess.run([sys.executable, "-c", script, str(GOOD)], env=_bare_env(), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == ""
