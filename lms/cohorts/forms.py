"""Trainer forms: cohorts, co-trainers, courses, invitations, progress filters."""
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
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
from lms.core import clock, i18n
from lms.core.forms import NOT_A_CHOICE, NOT_A_NUMBER, Showable, options, too_long

DAYS_RANGE = _l("Enter a number of days from 1 to 365.")


class CohortForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the cohort a name.")),
                                               Length(max=200, message=too_long(200)),
                                               Showable(_l("cohort name"))],
                       description=_l("For example “Night moderators, spring intake”."))
    description = TextAreaField(_l("Description (optional)"),
                                validators=[Optional(), Length(max=2000, message=too_long(2000)),
                                            Showable(_l("cohort description"), multiline=True)])
    submit = SubmitField(_l("Save"))


class CoTrainerForm(FlaskForm):
    email = EmailField(_l("Email of a co-trainer"),
                       validators=[DataRequired(message=_l("Enter the email of their trainer account.")),
                                   Length(max=254, message=_l("That is too long for an email address."))],
                       description=_l("They need a trainer account already."),
                       id="co_trainer_email")  # the invitation form on the same page has an "email" too
    submit = SubmitField(_l("Add co-trainer"))


class AssignCourseForm(FlaskForm):
    course_id = SelectField(_l("Course"), validators=[DataRequired(message=_l("Choose a course."))], choices=[],
                            invalid_choice_message=_l("Choose one of the courses in the list."))
    due_on = DateField(_l("Due date (optional)"), validators=[Optional()],
                       invalid_value_message=_l("Enter the due date as a date, like 2026-03-31."),
                       description=_l("Trainees who have not finished by then show as overdue."))
    submit = SubmitField(_l("Assign course"))

    #: How far from today a typed due date may be, in days. A year typed wrong (0026, 2062, 20266) is refused
    #: rather than making every trainee overdue by centuries, or never reminded; the recent past is allowed.
    PAST_DAYS, FUTURE_DAYS = 366, 10 * 366

    def validate_due_on(self, field: DateField) -> None:
        if field.data and not -self.PAST_DAYS <= (field.data - clock.today()).days <= self.FUTURE_DAYS:
            raise ValidationError(gettext("Check the year: a due date can be up to a year before today "
                                          "and up to ten years after it."))


class InviteForm(FlaskForm):
    kind = RadioField(_l("Kind of invitation"), default="single", choices=options([
        ("single", _l("A personal link for one person (works once)")),
        ("link", _l("A cohort link anyone you give it to can use (until you revoke it)")),
    ]), invalid_choice_message=_l("Choose a personal link or a cohort link."))
    email = EmailField(_l("Their email (optional, personal links only)"),
                       validators=[Optional(), Length(max=254, message=_l("That is too long for an email address.")),
                                   Email(message=_l("That is not an email address: check it, or leave it empty."))],
                       description=_l("If given, only this email address can use the link."))
    days = IntegerField(_l("Valid for (days)"), default=14, invalid_value_message=NOT_A_NUMBER, validators=[
        DataRequired(message=DAYS_RANGE), NumberRange(min=1, max=365, message=DAYS_RANGE)])
    send_email = BooleanField(_l("Email this invitation to them"),
                              description=_l("Personal links with an email address only. Sent within a minute or two."))
    language = SelectField(_l("Language of the email"), choices=[], invalid_choice_message=NOT_A_CHOICE,
                           description=_l("For someone without an account yet: choose the language to write to them "
                                          "in. Someone who has one gets it in the language they chose."))
    submit = SubmitField(_l("Create invitation"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = options(i18n.language_options())
        if not self.language.data or self.language.data == "None":  # a SelectField coerces a missing value to "None"
            self.language.data = i18n.default_language()


class NudgeForm(FlaskForm):
    """Send a reminder to the trainees ticked in the progress table."""

    user_ids = SelectMultipleField(_l("Trainees"), coerce=int, choices=[],
                                   invalid_value_message=_l("Tick trainees from the list."),
                                   invalid_choice_message=_l("Tick trainees from the list."),
                                   validators=[DataRequired(message=_l("Tick at least one trainee to remind."))])
    submit = SubmitField(_l("Send a reminder"))


class ProgressFilterForm(FlaskForm):
    """Filters read from the query string (GET: no CSRF, nothing changes)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name contains"), validators=[Optional(), Length(max=80, message=too_long(80))])
    course = SelectField(_l("Course"), choices=[], validators=[Optional()], invalid_choice_message=NOT_A_CHOICE)
    status = SelectField(_l("Status"),
                         choices=options([("", _l("Any status"))] + [(k, v[0]) for k, v in STATUSES.items()]),
                         validators=[Optional()], invalid_choice_message=NOT_A_CHOICE,
                         description=_l("In the chosen course, or in any assigned course."))
    sort = SelectField(_l("Sort by"), choices=options(SORTS.items()), default="name", validators=[Optional()],
                       invalid_choice_message=NOT_A_CHOICE)
    order = SelectField(_l("Order"), choices=options([("asc", _l("Ascending")), ("desc", _l("Descending"))]),
                        default="asc", validators=[Optional()], invalid_choice_message=NOT_A_CHOICE)


class InsightFilterForm(FlaskForm):
    """Which runs a role-play's insight counts, read from the query string (GET: no CSRF, nothing changes)."""

    class Meta:
        csrf = False

    cohort = SelectField(_l("Cohort"), choices=[], validators=[Optional()],
                         invalid_choice_message=_l("Choose one of your cohorts from the list."))
    start = DateField(_l("Started on or after"), validators=[Optional()],
                      invalid_value_message=_l("Enter the first day as a date, like 2026-03-31."))
    end = DateField(_l("Started on or before"), validators=[Optional()],
                    invalid_value_message=_l("Enter the last day as a date, like 2026-03-31."))
    kind = SelectField(_l("Runs"), choices=options([
        ("", _l("Course steps and shared practice")), ("course", _l("Course steps only")),
        ("practice", _l("Shared practice only"))]),
        validators=[Optional()], invalid_choice_message=_l("Choose course steps, shared practice or both."))

    def validate_end(self, field: DateField) -> None:
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(gettext("The last day must be on or after the first day."))
