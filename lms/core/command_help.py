"""Command help (--help) in the terminal's language, without the app: `lms check` and `lms --help` need no Flask.

Help texts are marked with `N_` for the catalogue and looked up when help is shown, with the
standard library's gettext in its default domain, which is pointed at the interface's
catalogues here. click looks up its own words ("Usage:", "Options") the same way, so they come
out in the same language. That language is the terminal's (LANGUAGE, LC_ALL, LC_MESSAGES,
LANG) whenever lms has a catalogue for it: help needs no app, so the site's own list of
languages is not known when it is shown.
"""
from __future__ import annotations

import gettext as standard_gettext
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

#: The interface's catalogues (the same .mo files the pages use).
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def N_(text: str) -> str:
    """Marks a command's help for the catalogue (`make translations`); it is translated when shown."""
    return text


#: click's own words, in our catalogue so that they are translated with ours: click looks them up with the
#: standard library's gettext, in its default domain, which is pointed at our catalogue below.
CLICK_WORDS = (N_("Usage:"), N_("Options"), N_("Commands"), N_("Show this message and exit."),
               N_("default: {default}"), N_("Error: {message}"), N_("Try '{command} {option}' for help."),
               N_("Missing argument"), N_("Missing option"), N_("Missing command."), N_("No such command {name!r}."),
               N_("No such option {name!r}."), N_("Aborted!"),
               N_("Show the version and exit."))
standard_gettext.bindtextdomain("messages", str(TRANSLATIONS))


@contextmanager
def _help_translated(command: click.Command) -> Iterator[None]:
    """The command's help texts (its own, its options') in the terminal's language while help is shown."""
    kept: list[tuple[Any, str, str | None]] = [(command, "help", command.help),
                                               (command, "short_help", command.short_help)]
    kept += [(param, "help", param.help) for param in command.params if isinstance(param, click.Option)]
    for holder, name, text in kept:
        if text:
            setattr(holder, name, standard_gettext.gettext(text))
    # click keeps the --help option it makes on first use, its text in that moment's language: make it anew.
    command._help_option = None
    try:
        yield
    finally:
        for holder, name, text in kept:
            setattr(holder, name, text)
        command._help_option = None


class _HelpInTheTerminalsLanguage(click.Command):
    """--help, and the command's line in its group's list, in the terminal's language."""

    def get_help(self, ctx: click.Context) -> str:
        with _help_translated(self):
            return super().get_help(ctx)

    def get_short_help_str(self, limit: int = 45) -> str:
        with _help_translated(self):
            return super().get_short_help_str(limit)


class LocalisedCommand(_HelpInTheTerminalsLanguage):
    """A command whose --help (and line in its group's list) is in the terminal's language."""


class LocalisedGroup(_HelpInTheTerminalsLanguage, click.Group):
    """A group of `LocalisedCommand`s, its own help in the terminal's language too."""

    command_class = LocalisedCommand
