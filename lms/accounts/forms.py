"""Account forms."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

ENTER_EMAIL = "Enter your email address."
EMAIL_TOO_LONG = "That is too long for an email address."


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(message=ENTER_EMAIL), Length(max=254, message=EMAIL_TOO_LONG)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField("Password", validators=[DataRequired(message="Enter your password."), Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField("Keep me logged in on this device")
    next = HiddenField()
    submit = SubmitField("Log in")


class RegisterForm(FlaskForm):
    display_name = StringField(
        "Display name", validators=[DataRequired(), Length(max=80)],
        description="What trainers and other people see. It can be a nickname or pseudonym.",
        render_kw={"autocomplete": "nickname"},
    )
    email = EmailField(
        "Email", validators=[DataRequired(message=ENTER_EMAIL), Length(max=254, message=EMAIL_TOO_LONG)],
        description="Used to log in. It is never shown to other trainees.",
        render_kw={"autocomplete": "email"},
    )
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(max=1024)],
        description="At least 8 characters. A few ordinary words together make a strong passphrase; any language works.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Password again", validators=[DataRequired(), EqualTo("password", message="The two passwords do not match.")],
        render_kw={"autocomplete": "new-password"},
    )
    invite = HiddenField()
    submit = SubmitField("Create account")


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired()], render_kw={"autocomplete": "current-password"})
    new = PasswordField(
        "New password", validators=[DataRequired(), Length(max=1024)],
        description="At least 8 characters. This logs you out on every other device.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "New password again", validators=[DataRequired(), EqualTo("new", message="The two passwords do not match.")],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Change password")


class NewPasswordForm(FlaskForm):
    """After an administrator's reset: a new password, with no current one to give."""

    new = PasswordField(
        "New password", validators=[DataRequired(message="Choose a new password."), Length(max=1024)],
        description="At least 8 characters. Only you will know it.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "New password again", validators=[DataRequired(message="Type the new password again."),
                                          EqualTo("new", message="The two passwords do not match.")],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Save my new password")
