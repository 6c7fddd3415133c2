"""Role-play forms. Choice buttons and the position are read as integers here."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from lms.core.forms import too_long
from lms.roleplay.checkins import FEELINGS, NOTE_MAX


class StartForm(FlaskForm):
    # Set when the role-play is played as a course step.
    course_id = HiddenField()
    step_id = HiddenField()
    # "1" abandons an unfinished run and starts a new one.
    restart = HiddenField()


#: A choice form whose numbers are missing or wrong: not typed by anyone, so the likely cause is an old page.
STALE_CHOICE = _l("That choice could not be read. Reload the page and choose again.")


class ChooseForm(FlaskForm):
    # The number of choices made before this one: a replayed form is recognised by it.
    position = IntegerField(validators=[InputRequired(STALE_CHOICE),
                                        NumberRange(min=0, max=100_000, message=STALE_CHOICE)],
                            invalid_value_message=STALE_CHOICE)
    choice = IntegerField(validators=[InputRequired(STALE_CHOICE), NumberRange(min=0, max=1_000, message=STALE_CHOICE)],
                          invalid_value_message=STALE_CHOICE)


class CheckinForm(FlaskForm):
    feeling = RadioField(_l("How are you feeling?"), choices=[SelectChoice(v, label) for v, label in FEELINGS.items()],
                         validators=[InputRequired(_l("Choose how you are feeling, or skip the check-in."))],
                         invalid_choice_message=_l("Choose how you are feeling, or skip the check-in."))
    note = TextAreaField(
        _l("A note for yourself (optional)"), validators=[Optional(), Length(max=NOTE_MAX, message=too_long(NOTE_MAX))],
        description=_l("Only you can see this."))
    submit = SubmitField(_l("Save my check-in"))
