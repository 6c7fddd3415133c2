"""Trainee forms: the catalogue filter and reflections.

Question and assessment forms are built from the course content, so their
values are read and checked by the services (questions.parse_selection).
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf

from lms.content.course import RESPONSE_MAX_CHARS

AUDIENCE_CHOICES = [
    SelectChoice("", _l("All courses")),
    SelectChoice("moderator", _l("Moderators")),
    SelectChoice("peer-supporter", _l("Peer supporters")),
    SelectChoice("everyone", _l("Everyone")),
]

UNKNOWN_AUDIENCE = _l("Choose one of the audiences in the list.")


class AudienceForm(FlaskForm):
    """A GET filter: no CSRF token, so that the address can be shared and bookmarked."""

    class Meta:
        csrf = False

    audience = SelectField(
        _l("Show courses for"), choices=AUDIENCE_CHOICES, default="", validate_choice=False,
        validators=[AnyOf([c.value for c in AUDIENCE_CHOICES], message=UNKNOWN_AUDIENCE)],
        description=_l("Courses meant for everyone are listed under every choice."),
    )


class ReflectionForm(FlaskForm):
    # The length is checked by lms.learning.reflections after line endings are normalised: a browser
    # counts a newline as one character against the box's maxlength but sends it as two.
    text = TextAreaField(
        _l("Your reflection"),
        description=_l("Private: only you can see this. You can change, export or delete it at any time."),
    )


class ResponseForm(FlaskForm):
    # The length is checked by lms.learning.responses after line endings are
    # normalised: a browser sends each newline as two characters.
    text = TextAreaField(
        _l("Your response"),
        description=_l("Your cohort trainers will read this. Up to %(count)s characters.",
                       count=format(RESPONSE_MAX_CHARS, ",")),
    )
