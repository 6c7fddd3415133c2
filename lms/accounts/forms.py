"""Account forms."""
from flask import current_app
from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, StopValidation

from lms.core.forms import PASSWORD_TOO_LONG

ENTER_EMAIL = _l("Enter your email address.")
EMAIL_TOO_LONG = _l("That is too long for an email address.")


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"),
                       validators=[DataRequired(message=ENTER_EMAIL), Length(max=254, message=EMAIL_TOO_LONG)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"),
                             validators=[DataRequired(message=_l("Enter your password.")),
                                         Length(max=1024, message=PASSWORD_TOO_LONG)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class RegisterForm(FlaskForm):
    display_name = StringField(
        _l("Display name"),
        validators=[DataRequired(message=_l("Enter a display name.")),
                    Length(max=80, message=_l("Keep it to 80 characters or fewer."))],
        description=_l("What trainers and other people see. It can be a nickname or pseudonym."),
        render_kw={"autocomplete": "nickname"},
    )
    email = EmailField(
        _l("Email"), validators=[DataRequired(message=ENTER_EMAIL), Length(max=254, message=EMAIL_TOO_LONG),
                                 Email(message=_l("Enter an email address like name@example.org."))],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        description=_l("Used to log in. It is never shown to other trainees."),
        render_kw={"autocomplete": "email"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Enter a password.")), Length(max=1024, message=PASSWORD_TOO_LONG)],
        description=_l("At least 8 characters. A few ordinary words together make a strong passphrase; "
                       "any language works."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Password again"),
        validators=[DataRequired(message=_l("Enter the password again.")),
                    EqualTo("password", message=_l("The two passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )
    language = SelectField(
        _l("Language"),
        description=_l("The language of the pages, the training where it is translated, and our emails to you."),
        validate_choice=False,  # the view keeps only a site language; none given: the site's default
    )
    invite = HiddenField()
    submit = SubmitField(_l("Create account"))

    def validate_password(self, field: PasswordField) -> None:
        """The password rules (length only), checked with every other field so that all problems show at once."""
        shortest, longest = current_app.config["PASSWORD_MIN_LENGTH"], current_app.config["PASSWORD_MAX_LENGTH"]
        if len(field.data or "") < shortest:
            raise StopValidation(gettext("Choose a password of at least %(num)d characters. "
                                         "A few words together work well.", num=shortest))
        if len(field.data or "") > longest:
            raise StopValidation(gettext("Choose a password of at most %(num)d characters.", num=longest))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"),
                            validators=[DataRequired(message=_l("Enter your current password."))],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(message=_l("Choose a new password.")), Length(max=1024, message=PASSWORD_TOO_LONG)],
        description=_l("At least 8 characters. This logs you out on every other device."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"), validators=[DataRequired(message=_l("Type the new password again.")),
                                              EqualTo("new", message=_l("The two passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Change password"))


class NewPasswordForm(FlaskForm):
    """After an administrator's reset: a new password, with no current one to give."""

    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(message=_l("Choose a new password.")), Length(max=1024, message=PASSWORD_TOO_LONG)],
        description=_l("At least 8 characters. Only you will know it."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"), validators=[DataRequired(message=_l("Type the new password again.")),
                                              EqualTo("new", message=_l("The two passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Save my new password"))


def _code_field(label: str | LazyString) -> StringField:
    return StringField(
        label, validators=[DataRequired(message=_l("Enter the code.")),
                           Length(max=40, message=_l("That is too long for a code."))],
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "off"})


class SecondFactorCodeForm(FlaskForm):
    """The second step of logging in: a code from the app, or a recovery code."""

    code = _code_field(_l("Code"))
    submit = SubmitField(_l("Continue"))


class ConfirmSecondFactorForm(FlaskForm):
    """Setting up: the code the app shows, to prove it was set up with this key."""

    code = StringField(
        _l("The 6-digit code your app shows now"),
        validators=[DataRequired(message=_l("Enter the 6-digit code from your app.")),
                    Length(max=40, message=_l("That is too long for a code."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"})
    submit = SubmitField(_l("Turn on"))


class SecondFactorChangeForm(FlaskForm):
    """New recovery codes, or turning the second factor off: the password and a current code."""

    password = PasswordField(_l("Your password"), validators=[DataRequired(message=_l("Enter your password.")),
                                                             Length(max=1024, message=PASSWORD_TOO_LONG)],
                             render_kw={"autocomplete": "current-password"})
    code = _code_field(_l("A code from your app, or a recovery code"))
class NamesForm(FlaskForm):
    """The names on the profile page: the one others see, and the one printed on future certificates."""

    display_name = StringField(
        _l("Display name"), validators=[DataRequired(message=_l("Enter a display name.")),
                                        Length(max=80, message=_l("Keep it to 80 characters or fewer."))],
        description=_l("What trainers and other people see. It can be a nickname or pseudonym."),
        render_kw={"autocomplete": "nickname"})
    legal_name = StringField(
        _l("Your full name, for certificates"),
        validators=[Length(max=200, message=_l("Keep it to 200 characters or fewer."))],
        description=_l("Printed on the certificates you get from now on. Other people still see your display name."),
        render_kw={"autocomplete": "name"})
    submit = SubmitField(_l("Save names"))


class EmailForm(FlaskForm):
    """A new login email, with the password again (use prefix "email" beside NamesForm)."""

    new_email = EmailField(
        _l("New email address"),
        validators=[DataRequired(message=ENTER_EMAIL), Length(max=254, message=EMAIL_TOO_LONG)],
        description=_l("We e-mail it a link: you log in with it once you have opened that link. "
                       "It is never shown to other trainees."),
        render_kw={"autocomplete": "email"})
    # Typed twice: a typo would send every message, and the next login, to someone else's address.
    confirm_email = EmailField(
        _l("New email address again"),
        validators=[DataRequired(message=_l("Type the new email address again.")),
                    Length(max=254, message=EMAIL_TOO_LONG)],
        render_kw={"autocomplete": "off"})
    password = PasswordField(
        _l("Your password"), validators=[DataRequired(message=_l("Enter your password to change your email address.")),
                                         Length(max=1024, message=PASSWORD_TOO_LONG)],
        render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Change email address"))

    def validate_confirm_email(self, field: EmailField) -> None:
        if (field.data or "").strip().lower() != (self.new_email.data or "").strip().lower():
            raise StopValidation(_l("The two addresses do not match."))


class ForgotPasswordForm(FlaskForm):
    """The address to send a link to choose a new password to."""

    email = EmailField(_l("Email"),
                       validators=[DataRequired(message=ENTER_EMAIL), Length(max=254, message=EMAIL_TOO_LONG)],
                       description=_l("The address you log in with."),
                       render_kw={"autocomplete": "username"})
    submit = SubmitField(_l("Send me a link"))
