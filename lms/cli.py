"""The `lms` command.

The group itself is plain click and needs no configuration: `lms --help`, every
command's `--help`, and the content commands (`check`, `import-twee`, `export-twee`) run with no
SECRET_KEY, database or instance folder, and `check` imports nothing but
lms.content, so a trainer's compile step starts at once. The commands that need the
app live in lms.admin.commands (and Flask's `run`, `shell`, `routes`); they are imported
when asked for, and build the app only when they run.
"""
from __future__ import annotations

import datetime
import importlib
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from lms.core.command_help import N_, LocalisedCommand, LocalisedGroup

if TYPE_CHECKING:
    from flask import Flask

    from lms.content.messages import Message

#: Commands that need the app: name -> "module:attribute", imported on first use.
APP_COMMANDS = {
    "certificates": "lms.admin.commands:certificates_group",
    "db": "lms.admin.commands:db_group",
    "jobs": "lms.admin.commands:jobs_group",
    "keys": "lms.admin.commands:keys_group",
    "demo": "lms.admin.commands:demo",
    "reload": "lms.admin.commands:reload_content",
    "routes": "flask.cli:routes_command",
    "run": "flask.cli:run_command",
    "shell": "flask.cli:shell_command",
    "user": "lms.admin.commands:user_group",
    "worker": "lms.admin.commands:worker",
}
#: Flask's own commands, described in our words so that `lms --help` lists them in the terminal's language.
FLASK_COMMAND_HELP = {
    "routes": N_("Show every address the app answers, with its endpoint and methods (for developers)."),
    "run": N_("Run a development server on this computer (for development only; use gunicorn to serve)."),
    "shell": N_("Open a Python shell with the app loaded (for developers)."),
}


def _create_app() -> Flask:
    from lms import create_app
    from lms.core.config import ConfigError

    try:
        return create_app()
    except ConfigError as exc:
        # A configuration problem is for a person to fix: say what, without a traceback.
        click.echo(str(exc), err=True)
        sys.exit(2)


class LmsGroup(LocalisedGroup):
    """A click group whose app commands are imported only when one is named, or help lists them."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *APP_COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is not None or name not in APP_COMMANDS:
            return command
        from flask.cli import ScriptInfo

        # Flask's commands and `with_appcontext` build the app through the ScriptInfo
        # they find in the context: ours builds it with create_app, when a command runs.
        root = ctx.find_root()
        if not isinstance(root.obj, ScriptInfo):
            root.obj = ScriptInfo(create_app=_create_app)
        module, attribute = APP_COMMANDS[name].split(":")
        found: click.Command = getattr(importlib.import_module(module), attribute)
        if name in FLASK_COMMAND_HELP:  # the same command, with our help: its options keep Flask's words
            return LocalisedCommand(name, context_settings=found.context_settings, callback=found.callback,
                                    params=found.params, help=FLASK_COMMAND_HELP[name])
        return found


Gettext = Callable[[str], str]
Ngettext = Callable[[str, str, int], str]


def _english_plural(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


@contextmanager
def _command_words() -> Iterator[tuple[Gettext, Ngettext]]:
    """gettext and ngettext in the command's language (lms.core.i18n.cli_language), for the content commands.

    English needs no translation, so then nothing of Flask is loaded and `lms check` starts at once, with
    no configuration at all; another language is read from the app's catalogues with Flask-Babel.
    """
    from lms.core.config import command_language

    language = command_language()
    if language.split("-")[0] == "en":
        yield (lambda text: text), _english_plural
        return
    from lms.core.i18n import command_translations

    with command_translations(language) as words:
        yield words


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool | None) -> None:
    # As Flask's own --debug: Flask reads FLASK_DEBUG when the app is built.
    if value is not None:
        os.environ["FLASK_DEBUG"] = "1" if value else "0"


@click.group(cls=LmsGroup, context_settings={"auto_envvar_prefix": "FLASK"},
             help=N_("Peer-support training LMS: serve the app, migrate the database, check content, manage users."))
@click.option("--debug/--no-debug", default=None, expose_value=False, is_eager=True, callback=_set_debug,
              help=N_("Set debug mode (development only)."))
@click.version_option(package_name="lms", message="%(prog)s %(version)s")
def main() -> None:
    """Entry point of the `lms` console script."""


@main.command("check", help=N_("Validate a content folder (default: the configured one); exit 1 on errors."))
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help=N_("Check review dates against this date (YYYY-MM-DD) instead of the real one, "
                      "for reproducible CI."))
@click.option("--paths", is_flag=True, help=N_("Also explore every route through each scenario and report on them."))
@click.option("--worst-allowed", type=int, default=-2, show_default=True,
              help=N_("With --paths: warn when a choice scored this or lower lies on a passing route."))
@click.option("--org-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=N_("Use the organisation variables (ORG) and SUPPORT_CONTACTS of this TOML settings file, such as "
                      "the site's config.toml, over org.yaml's (default: the site's config file, if there is one)."))
def check(directory: Path | None, today: datetime.datetime | None, paths: bool, worst_allowed: int,
          org_file: Path | None) -> None:
    """Validate a content folder (default: the configured one); exit 1 on errors."""
    from lms.content.check import run_check
    from lms.core.config import ConfigError, configured_content_dir, configured_languages, site_org_for_check

    try:
        if directory is None:
            directory = configured_content_dir()
        org, contacts, source = site_org_for_check(org_file)
        languages = configured_languages()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    with _command_words() as (gettext, ngettext):
        if not directory.is_dir():
            raise click.ClickException(gettext("%(folder)s is not a folder.") % {"folder": directory})
        if source:
            click.echo(gettext("Organisation details from %(source)s, over the content's org.yaml.")
                       % {"source": source})
        code = run_check(directory, echo=click.echo, today=today.date() if today else None,
                         paths=paths, worst_allowed=worst_allowed, org=org if source else None,
                         support_contacts=contacts, served=languages, gettext=gettext, ngettext=ngettext)
    sys.exit(code)


@main.command("import-twee", help=N_("Convert a Twine story (a Twee file, several, or a tweego-style folder of "
                                     ".twee/.tw files) into a scenario."))
@click.argument("story", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("scenarios"), show_default=True, help=N_("Folder to write the scenario into."))
def import_twee(story: tuple[Path, ...], out_dir: Path) -> None:
    """Convert a Twine story (a Twee file, several, or a tweego-style folder of .twee/.tw files) into a scenario."""
    from lms.content.twee import write_twee_scenario

    with _command_words() as (gettext, ngettext):
        with _failures_said(gettext, ngettext):
            path, warnings = write_twee_scenario(list(story), out_dir, _translator(gettext, ngettext))
        click.echo(gettext("Wrote %(path)s") % {"path": path})
        # "note: " and "warning: " stay English, as in `lms check`, for tools that read the output.
        for warning in warnings:
            click.echo(warning if warning.startswith("note: ") else f"warning: {warning}")
        problems = [w for w in warnings if not w.startswith("note: ")]
        if problems:
            click.echo(ngettext(
                "%(num)d thing could not be converted; edit %(path)s by hand, then run `lms check`.",
                "%(num)d things could not be converted; edit %(path)s by hand, then run `lms check`.",
                len(problems)) % {"num": len(problems), "path": path})


def _translator(gettext: Gettext, ngettext: Ngettext) -> Callable[[Message], str]:
    return lambda message: message.translate(gettext, ngettext)


@contextmanager
def _failures_said(gettext: Gettext, ngettext: Ngettext) -> Iterator[None]:
    """A story or scenario that cannot be read, or a file that cannot be written: the command's error, no traceback."""
    from lms.content.messages import ContentError

    try:
        yield
    except ContentError as exc:
        raise click.ClickException(exc.message.translate(gettext, ngettext)) from exc
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(str(exc)) from exc


@main.command("export-twee", help=N_("Write a scenario as a Twine story (Twee 3) to lay out and edit in Twine, "
                                     "then bring back with import-twee."))
@click.argument("scenario", type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=N_("The Twee file to write (default: <scenario id>.twee here)."))
def export_twee(scenario: Path, output: Path | None) -> None:
    """Write a scenario as a Twine story (Twee 3) to lay out and edit in Twine, then bring back with import-twee."""
    from lms.content.twee_export import scenario_source, write_twee

    with _command_words() as (gettext, ngettext):
        with _failures_said(gettext, ngettext):
            source = scenario_source(scenario)
            if output is None:
                output = Path(f"{source.parent.name if source.name == 'scenario.md' else source.stem}.twee")
            warnings = write_twee(scenario, output, _translator(gettext, ngettext))
        click.echo(gettext("Wrote %(path)s") % {"path": output})
        for warning in warnings:
            click.echo(f"warning: {warning}")


if __name__ == "__main__":
    main()
