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
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from lms.cohorts.reports import SORTS, STATUSES
from lms.core import i18n
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
    language = SelectField("Language of the email", choices=[],
                           description="They have no account yet, so no language of their own: choose the one to "
                                       "write to them in. Once registered, they choose their own.")
    submit = SubmitField("Create invitation")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = i18n.language_choices()
        if not self.language.data or self.language.data == "None":  # a SelectField coerces a missing value to "None"
            self.language.data = i18n.default_language()


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


class InsightFilterForm(FlaskForm):
    """Which runs a role-play's insight counts, read from the query string (GET: no CSRF, nothing changes)."""

    class Meta:
        csrf = False

    cohort = SelectField("Cohort", choices=[], validators=[Optional()],
                         invalid_choice_message="Choose one of your cohorts from the list.")
    start = DateField("Started on or after", validators=[Optional()],
                      invalid_value_message="Enter the first day as a date, like 2026-03-31.")
    end = DateField("Started on or before", validators=[Optional()],
                    invalid_value_message="Enter the last day as a date, like 2026-03-31.")
    kind = SelectField("Runs", choices=options([
        ("", "Course steps and shared practice"), ("course", "Course steps only"),
        ("practice", "Shared practice only")]),
        validators=[Optional()], invalid_choice_message="Choose course steps, shared practice or both.")

    def validate_end(self, field: DateField) -> None:
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("The last day must be on or after the first day.")
