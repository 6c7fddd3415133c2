"""The account page's reminder choices (one field per key of lms.mail.services.CATEGORIES)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField


class PreferencesForm(FlaskForm):
    due_dates = BooleanField()
    refreshers = BooleanField()
    nudges = BooleanField()
    sign_offs = BooleanField()
    coach_marks = BooleanField()
    coach_comments = BooleanField()
    coach_confirmations = BooleanField()
    coach_replies = BooleanField()
    contact_requests = BooleanField()
    submit = SubmitField(_l("Save my choices"))
