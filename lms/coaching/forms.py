"""Coaching forms. Lengths are checked by the services, after line endings are normalised."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Optional

from lms.coaching.services import COMMENT_MAX, NOTE_MAX
from lms.core.forms import NOT_A_CHOICE, Showable, options
from lms.learning.models import RESPONSE_MEETS_STANDARD, RESPONSE_TRY_AGAIN
from lms.learning.responses import REVIEW_COMMENT_MAX

VERDICTS = [(RESPONSE_MEETS_STANDARD, _l("Meets the standard")), (RESPONSE_TRY_AGAIN, _l("Try again"))]


class QueueFilterForm(FlaskForm):
    """A GET filter: no CSRF token, so that the address can be shared and bookmarked."""

    class Meta:
        csrf = False

    # Optional: the page opened with no filter (from the navigation) is not an error.
    cohort = SelectField(_l("Cohort"), validators=[Optional()], invalid_choice_message=NOT_A_CHOICE)
    course = SelectField(_l("Course"), validators=[Optional()], invalid_choice_message=NOT_A_CHOICE)


class ReviewForm(FlaskForm):
    # The version of the response on the page (coaching.response_version): a verdict is for the words read.
    seen = HiddenField()
    verdict = RadioField(_l("Your verdict"), choices=options(VERDICTS),
                         validators=[InputRequired(_l("Choose “Meets the standard” or “Try again”."))],
                         invalid_choice_message=_l("Choose “Meets the standard” or “Try again”."))
    comment = TextAreaField(
        _l("Comment for the trainee"), validators=[Showable(_l("comment"), multiline=True)],
        description=_l("Required for “Try again”: say what to change. The trainee reads it on the step and on "
                       "My training. Up to %(num)s characters.", num=format(REVIEW_COMMENT_MAX, ",")))


class CommentForm(FlaskForm):
    # Empty for the run as a whole, else the choice's position in the run.
    position = HiddenField()
    text = TextAreaField(_l("Your comment"), description=_l("The trainee reads this in their debrief and on My "
                                                            "training. Up to %(num)s characters.",
                                                            num=format(COMMENT_MAX, ",")))


class ReplyForm(FlaskForm):
    text = TextAreaField(_l("Your reply"), description=_l("You can reply once; your trainer reads it. "
                                                          "Up to %(num)s characters.", num=format(COMMENT_MAX, ",")))


class ConfirmForm(FlaskForm):
    course_id = HiddenField()
    step_id = HiddenField()
    note = TextAreaField(_l("A note for the trainee (optional)"),
                         description=_l("Shown to the trainee on the step. Up to %(num)s characters.",
                                        num=format(NOTE_MAX, ",")))


class ShareForm(FlaskForm):
    shared = HiddenField()  # "1" shares the run with the trainee's trainers, "0" stops sharing


class ContactForm(FlaskForm):
    want = BooleanField(_l("I’d like my trainer to get in touch"))
    note = TextAreaField(
        _l("A note for your trainer (optional)"),
        description=_l("Your trainers will read this note. Your check-in itself stays private: they never see it."))
