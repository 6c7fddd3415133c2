"""Trainee forms: the catalogue filter and reflections.

Question and assessment forms are built from the course content, so their
values are read and checked by the services (questions.parse_selection).
"""
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, Length

from lms.content.course import RESPONSE_MAX_CHARS
from lms.learning.reflections import MAX_LENGTH

AUDIENCE_CHOICES = [
    SelectChoice("", "All courses"),
    SelectChoice("moderator", "Moderators"),
    SelectChoice("peer-supporter", "Peer supporters"),
    SelectChoice("everyone", "Everyone"),
]

UNKNOWN_AUDIENCE = "Choose one of the audiences in the list."


class AudienceForm(FlaskForm):
    """A GET filter: no CSRF token, so that the address can be shared and bookmarked."""

    class Meta:
        csrf = False

    audience = SelectField(
        "Show courses for", choices=AUDIENCE_CHOICES, default="", validate_choice=False,
        validators=[AnyOf([c.value for c in AUDIENCE_CHOICES], message=UNKNOWN_AUDIENCE)],
        description="Courses meant for everyone are listed under every choice.",
    )


class ReflectionForm(FlaskForm):
    text = TextAreaField(
        "Your reflection",
        validators=[Length(max=MAX_LENGTH, message=f"That is too long to save: please keep it under {MAX_LENGTH:,} characters.")],
        description="Private: only you can see this. You can change, export or delete it at any time.",
    )


class ResponseForm(FlaskForm):
    # The length is checked by lms.learning.responses after line endings are
    # normalised: a browser sends each newline as two characters.
    text = TextAreaField(
        "Your response",
        description=f"Your cohort trainers will read this. Up to {RESPONSE_MAX_CHARS:,} characters.",
    )
