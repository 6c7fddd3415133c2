"""Translatable messages for trainers, without a web framework.

`_("node '{node}' cannot be reached", node=node_id)` marks the English template for extraction
(`make translations` collects every `_` and `_n` call, so templates must be string literals) and keeps
its parameters apart, so one message can be shown in English by `lms check` in CI and in Welsh on the
trainers' pages: `str(message)` is the English text, `message.translate(gettext)` the text in the
language of whatever gettext is given. A parameter that is itself a Message (a "did you mean"
fragment, say) is translated with it. Templates use str.format's named {placeholders}; a
translation must keep exactly the same ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Gettext = Callable[[str], str]
Ngettext = Callable[[str, str, int], str]


@dataclass(frozen=True)
class Message:
    """An English template with named {placeholders} and the values that fill them.

    plural and count: for `_n`, the English plural template and the number that chooses between them;
    marked: False for a template with no words of its own (`untranslated`), which is never looked up.
    """

    template: str
    params: dict[str, Any] = field(default_factory=dict, hash=False)
    plural: str | None = None
    count: int = 1
    marked: bool = True

    def __str__(self) -> str:
        english = self.template if self.plural is None or self.count == 1 else self.plural
        return english.format(**{name: str(value) if isinstance(value, Message) else value
                                 for name, value in self.params.items()})

    def translate(self, gettext: Gettext, ngettext: Ngettext | None = None) -> str:
        """The message in gettext's language; English when the translation does not fit its params."""
        params = {name: value.translate(gettext, ngettext) if isinstance(value, Message) else value
                  for name, value in self.params.items()}
        if not self.marked:
            translated = self.template
        elif self.plural is None:
            translated = gettext(self.template)
        elif ngettext is not None:
            translated = ngettext(self.template, self.plural, self.count)
        else:
            translated = self.template if self.count == 1 else self.plural
        try:
            return translated.format(**params)
        except (KeyError, IndexError, ValueError):
            # A translation with a mistyped placeholder must not hide the problem it reports.
            return (self.template if self.plural is None or self.count == 1 else self.plural).format(**params)


def _(template: str, /, **params: Any) -> Message:
    """Mark an English message for translation; it is formatted later, in the reader's language."""
    return Message(template, params)


def _n(singular: str, plural: str, count: int, /, **params: Any) -> Message:
    """Mark a message whose wording depends on a number; {count} in the templates is that number."""
    return Message(singular, {"count": count, **params}, plural, count)


def untranslated(template: str, /, **params: Any) -> Message:
    """A message made only of its parameters, like '({where}:{line})': nothing in it to translate."""
    return Message(template, params, marked=False)


class ContentError(ValueError):
    """A file or folder that cannot be read at all (no Twee passages, no front matter), its message translatable."""

    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.message = message
