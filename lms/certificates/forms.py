"""Certificate forms: claim, verify, search, decide, re-issue, bulk print."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from lms.certificates.services import NAME_MAX, REASON_MAX, clean_name
from lms.core.forms import NOT_A_CHOICE, Showable, too_long
from lms.core.services import ServiceError


class ClaimForm(FlaskForm):
    legal_name = StringField(
        _l("Your full name"), validators=[DataRequired(message=_l("Please enter your name.")),
                                      Length(max=NAME_MAX, message=too_long(NAME_MAX))],
        description=_l("As it should be printed on the certificate. We use it only for your certificates; "
                       "other people still see your display name."),
        render_kw={"autocomplete": "name"},
    )
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Get my certificate"))


class VerifyForm(FlaskForm):
    """A GET form: nothing changes, so no CSRF token (and it works from a bookmark)."""

    class Meta:
        csrf = False

    code = StringField(_l("Certificate code"),
                       validators=[DataRequired(message=_l("Please type the code.")),
                                   Length(max=300, message=_l("That is too long for a certificate code."))],
                       description=_l("Printed under the QR code, like ABCD-EFGH-… "
                                      "Capitals, spaces and dashes do not matter, and you can paste the "
                                      "address the QR code opens."),
                       render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"})
    submit = SubmitField(_l("Check"))


STATUS_CHOICES = [SelectChoice(value, label) for value, label in (
    ("", _l("Any status")), ("pending", _l("Waiting for sign-off")), ("issued", _l("Issued")),
    ("revoked", _l("Revoked")))]


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name or code"), validators=[Optional(), Length(max=200, message=too_long(200))])
    course = SelectField(_l("Course"), choices=[], validate_choice=False, validators=[Optional()])
    status = SelectField(_l("Status"), choices=STATUS_CHOICES, validators=[Optional()],
                         invalid_choice_message=NOT_A_CHOICE)
    date_from = DateField(_l("Completed from"), validators=[Optional()],
                          invalid_value_message=_l("Enter the first day as a date, like 2026-03-31."))
    date_to = DateField(_l("Completed to"), validators=[Optional()],
                        invalid_value_message=_l("Enter the last day as a date, like 2026-03-31."))
    submit = SubmitField(_l("Search"))


class DecideForm(FlaskForm):
    """Approve a pending certificate (the button is the whole form)."""

    submit = SubmitField(_l("Approve and issue"))


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=_l("Please give a reason.")),
                                                     Length(max=REASON_MAX, message=too_long(REASON_MAX)),
                                                     Showable(_l("reason"), multiline=True)],
                           description=_l("Shown to anyone who checks this certificate."))
    submit = SubmitField(_l("Revoke certificate"))


class ReissueForm(FlaskForm):
    holder_name = StringField(_l("Corrected name"), validators=[DataRequired(message=_l("Please enter the name.")),
                                                                Length(max=NAME_MAX, message=too_long(NAME_MAX))],
                              description=_l("A new certificate is issued with a new code; this one is revoked."))
    submit = SubmitField(_l("Re-issue certificate"))

    def validate_holder_name(self, field: StringField) -> None:
        # Every rule the re-issue applies to the name, checked before the confirmation page asks;
        # once (a name already refused as too long is not refused again in other words).
        if field.errors:
            return
        try:
            clean_name(field.data)
        except ServiceError as exc:
            raise ValidationError(str(exc)) from None


class BulkPrintForm(FlaskForm):
    course = SelectField(_l("Course"), choices=[], validate_choice=False, validators=[Optional()])
    cohort = SelectField(_l("Cohort"), choices=[], validate_choice=False, validators=[Optional()])
    date_from = DateField(_l("Completed from"), validators=[Optional()],
                          invalid_value_message=_l("Enter the first day as a date, like 2026-03-31."))
    date_to = DateField(_l("Completed to"), validators=[Optional()],
                        invalid_value_message=_l("Enter the last day as a date, like 2026-03-31."))
    submit = SubmitField(_l("Download one PDF"))
