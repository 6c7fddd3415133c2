"""Coaching forms. Lengths are checked by the services, after line endings are normalised."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired

from lms.coaching.services import COMMENT_MAX, NOTE_MAX
from lms.core.forms import options
from lms.learning.models import RESPONSE_MEETS_STANDARD, RESPONSE_TRY_AGAIN
from lms.learning.responses import REVIEW_COMMENT_MAX

VERDICTS = [(RESPONSE_MEETS_STANDARD, "Meets the standard"), (RESPONSE_TRY_AGAIN, "Try again")]


class QueueFilterForm(FlaskForm):
    """A GET filter: no CSRF token, so that the address can be shared and bookmarked."""

    class Meta:
        csrf = False

    cohort = SelectField("Cohort", validate_choice=True)
    course = SelectField("Course", validate_choice=True)


class ReviewForm(FlaskForm):
    verdict = RadioField("Your verdict", choices=options(VERDICTS),
                         validators=[InputRequired("Choose “Meets the standard” or “Try again”.")])
    comment = TextAreaField(
        "Comment for the trainee",
        description=f"Required for “Try again”: say what to change. The trainee reads it on the step and on "
                    f"My training. Up to {REVIEW_COMMENT_MAX:,} characters.")


class CommentForm(FlaskForm):
    # Empty for the run as a whole, else the choice's position in the run.
    position = HiddenField()
    text = TextAreaField("Your comment", description=f"The trainee reads this in their debrief and on My training. "
                                                     f"Up to {COMMENT_MAX:,} characters.")


class ReplyForm(FlaskForm):
    text = TextAreaField("Your reply", description=f"You can reply once; your trainer reads it. "
                                                   f"Up to {COMMENT_MAX:,} characters.")


class ConfirmForm(FlaskForm):
    course_id = HiddenField()
    step_id = HiddenField()
    note = TextAreaField("A note for the trainee (optional)",
                         description=f"Shown to the trainee on the step. Up to {NOTE_MAX:,} characters.")


class ShareForm(FlaskForm):
    shared = HiddenField()  # "1" shares the run with the trainee's trainers, "0" stops sharing


class ContactForm(FlaskForm):
    want = BooleanField("I’d like my trainer to get in touch")
    note = TextAreaField(
        "A note for your trainer (optional)",
        description="Your trainers will read this note. Your check-in itself stays private: they never see it.")
