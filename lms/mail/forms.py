"""The account page's reminder choices (one field per key of lms.mail.services.CATEGORIES)."""
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
    submit = SubmitField("Save my choices")
