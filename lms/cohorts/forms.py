"""Trainer forms: cohorts, co-trainers, courses, invitations, progress filters."""
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from lms.cohorts.reports import SORTS, STATUSES
from lms.core.forms import options


class CohortForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(message="Give the cohort a name."), Length(max=200)],
                       description="For example “Night moderators, spring intake”.")
    description = TextAreaField("Description (optional)", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Save")


class CoTrainerForm(FlaskForm):
    email = EmailField("Email of a co-trainer",
                       validators=[DataRequired(message="Enter the email of their trainer account."),
                                   Length(max=254, message="That is too long for an email address.")],
                       description="They need a trainer account already.",
                       id="co_trainer_email")  # the invitation form on the same page has an "email" too
    submit = SubmitField("Add co-trainer")


class AssignCourseForm(FlaskForm):
    course_id = SelectField("Course", validators=[DataRequired()], choices=[])
    due_on = DateField("Due date (optional)", validators=[Optional()],
                       description="Trainees who have not finished by then show as overdue.")
    submit = SubmitField("Assign course")


class InviteForm(FlaskForm):
    kind = RadioField("Kind of invitation", default="single", choices=options([
        ("single", "A personal link for one person (works once)"),
        ("link", "A cohort link anyone you give it to can use (until you revoke it)"),
    ]))
    email = EmailField("Their email (optional, personal links only)",
                       validators=[Optional(), Length(max=254, message="That is too long for an email address."),
                                   Email(message="That is not an email address: check it, or leave it empty.")],
                       description="If given, only this email address can use the link.")
    days = IntegerField("Valid for (days)", default=14, validators=[DataRequired(), NumberRange(min=1, max=365)])
    send_email = BooleanField("Email this invitation to them",
                              description="Personal links with an email address only. Sent within a minute or two.")
    submit = SubmitField("Create invitation")


class NudgeForm(FlaskForm):
    """Send a reminder to the trainees ticked in the progress table."""

    user_ids = SelectMultipleField("Trainees", coerce=int, choices=[],
                                   validators=[DataRequired(message="Tick at least one trainee to remind.")])
    submit = SubmitField("Send a reminder")


class ProgressFilterForm(FlaskForm):
    """Filters read from the query string (GET: no CSRF, nothing changes)."""

    class Meta:
        csrf = False

    q = StringField("Name contains", validators=[Optional(), Length(max=80)])
    course = SelectField("Course", choices=[], validators=[Optional()])
    status = SelectField("Status", choices=options([("", "Any status")] + [(k, v[0]) for k, v in STATUSES.items()]),
                         validators=[Optional()], description="In the chosen course, or in any assigned course.")
    sort = SelectField("Sort by", choices=options(SORTS.items()), default="name", validators=[Optional()])
    order = SelectField("Order", choices=options([("asc", "Ascending"), ("desc", "Descending")]), default="asc",
                        validators=[Optional()])
