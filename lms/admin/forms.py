"""Admin forms: user search and changes, site settings."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.accounts.models import ROLE_NAMES, ROLES
from lms.core import settings
from lms.core.forms import NOT_A_CHOICE, PASSWORD_TOO_LONG, ActionForm, options, too_long

#: The options of the choice settings (lms.core.settings.EDITABLE), in the reader's language.
CHOICE_NAMES = {"open": _l("Open"), "invite": _l("Invite"), "optional": _l("Optional"), "required": _l("Required"),
                "holder": _l("Holder"), "bilingual": _l("Bilingual")}


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name or email contains"), validators=[Optional(), Length(max=254, message=too_long(254))])
    role = SelectField(_l("Role"), choices=options([("", _l("Any role"))] + [(r, ROLE_NAMES[r]) for r in ROLES]),
                       validators=[Optional()], invalid_choice_message=NOT_A_CHOICE)


def _own_password() -> PasswordField:
    """The admin's own password, asked again before an action that takes over someone's access."""
    return PasswordField(_l("Your own password, to confirm"), validators=[
        DataRequired(message=_l("Enter your own password to confirm this change.")),
        Length(max=1024, message=PASSWORD_TOO_LONG)],
        render_kw={"autocomplete": "current-password"})


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=options((r, ROLE_NAMES[r]) for r in ROLES),
                       invalid_choice_message=NOT_A_CHOICE)
    admin_password = _own_password()


class ConfirmAccessForm(FlaskForm):
    """A button that changes someone's access (deactivate, reset password), confirmed with the admin's password.

    Use a prefix per form on a page, so that each password field has its own id."""

    admin_password = _own_password()


def settings_form(data: dict) -> FlaskForm:
    """A form with one field per admin-editable setting (lms.core.settings.EDITABLE)."""

    class SettingsForm(FlaskForm):
        pass

    for key, (label, kind) in settings.EDITABLE.items():
        if kind.startswith("choice:"):
            field = RadioField(label, choices=options((o, CHOICE_NAMES.get(o, o.title()))
                                                           for o in kind.split(":", 1)[1].split(",")),
                               invalid_choice_message=NOT_A_CHOICE)
        elif kind == "org":
            field = TextAreaField(label, validators=[Length(max=20000, message=too_long(20000))],
                                  description=_l("For the pages of one language, add the language after the name: "
                                                 "support_line.cy = … is shown on Welsh pages, and support_line = …"
                                                 " on the others."),
                                  render_kw={"rows": 12, "spellcheck": "false"})
        elif kind == "textarea":
            field = TextAreaField(label, validators=[Length(max=4000, message=too_long(4000))])
        elif kind == "colour":
            field = StringField(label, validators=[Length(max=7, message=too_long(7))],
                                render_kw={"inputmode": "text", "spellcheck": "false"})
        else:
            field = StringField(label, validators=[Length(max=300, message=too_long(300))])
        setattr(SettingsForm, key, field)
    return SettingsForm(data=data)


__all__ = ["CHOICE_NAMES", "ActionForm", "ConfirmAccessForm", "RoleForm", "UserSearchForm", "settings_form"]
