"""Forms more than one feature uses, and the messages every form gives in place of WTForms' own.

WTForms' default messages ("This field is required.", "Not a valid choice.") are English
whatever the reader's language: every validator and every field that can refuse a value is
given one of ours (tests/test_form_messages.py checks every form).
"""
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, ValidationError
from wtforms.fields.choices import SelectChoice

from lms.core import text

#: A choice that is not one of the form's (a changed address or a stale page).
NOT_A_CHOICE = _l("Choose one of the options in the list.")
#: A number field given something else.
NOT_A_NUMBER = _l("Enter a whole number, like 14.")
#: A password longer than any we accept (the password rules give the real limit).
PASSWORD_TOO_LONG = _l("That is too long for a password.")


def too_long(limit: int) -> LazyString:
    """The message of a `Length(max=limit)`: how many characters fit, in the reader's language."""
    return _l("Keep it to %(num)s characters or fewer.", num=format(limit, ","))


def options(pairs) -> list[SelectChoice]:
    """Choices for a select or radio field from (value, label) pairs, or (value, label, lang) triples for labels
    that are content (a course's title), so that an option in another language says which (WCAG 3.1.2)."""
    return [SelectChoice(value, label, render_kw={"lang": rest[0]} if rest and rest[0] else {})
            for value, label, *rest in pairs]


class ActionForm(FlaskForm):
    """A button that changes something: just the CSRF token."""


class Showable:
    """A validator: the field holds no character that cannot be shown (lms.core.text.unshowable).

    `what` names the field in the message as the writer knows it ("cohort name"); `multiline` lets a
    text box keep its line breaks and tabs."""

    def __init__(self, what: LazyString, *, multiline: bool = False) -> None:
        self.what, self.multiline = what, multiline

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if isinstance(field.data, str) and text.unshowable(field.data, multiline=self.multiline):
            raise ValidationError(text.unshowable_message(self.what))
