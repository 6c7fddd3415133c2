"""Free text people type: the characters it may hold.

What a person writes goes into pages, e-mail subjects and bodies, CSV exports and PDFs. A control
character (an escape sequence that recolours a terminal, a bell, a form feed) or a lone surrogate
shows as nothing, as a box, or as an instruction to whatever reads it, so it is refused where the
text is typed: a line of text (a name) may hold none, a text box may hold line breaks and tabs.
A line of text may not hold the bidirectional overrides and isolates either: in a name they would
reverse the words shown after it on a trainer's page (pages mark names `dir="auto"`, which is all
a right-to-left name needs).
"""
import unicodedata

from flask_babel import LazyString, gettext

from lms.core.services import ServiceError

#: Control characters and lone surrogates (Unicode categories Cc and Cs).
_UNSHOWABLE = ("Cc", "Cs")
#: The control characters a text box may hold.
_LAYOUT = "\n\r\t"
#: Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): refused in a line of text.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def unshowable(text: str, *, multiline: bool = False) -> bool:
    """Whether `text` holds a character that cannot be shown: any control character in a line of text;
    one other than a line break or tab in a text box (`multiline`); in a line, a bidirectional override too."""
    allowed = _LAYOUT if multiline else ""
    return any((ch not in allowed and unicodedata.category(ch) in _UNSHOWABLE)
               or (not multiline and ch in _BIDI_CONTROLS) for ch in text)


def unshowable_message(what: str | LazyString) -> str:
    """The refusal, naming the field as the writer knows it ("comment", "cohort name")."""
    return gettext("Your %(what)s contains characters that cannot be shown.", what=what)


def check_showable(text: str, what: str | LazyString, *, multiline: bool = False) -> str:
    """`text` unchanged, or a ServiceError naming `what` when it holds a character that cannot be shown."""
    if unshowable(text, multiline=multiline):
        raise ServiceError(unshowable_message(what))
    return text
