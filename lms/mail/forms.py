"""The account page's reminder choices."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField


class PreferencesForm(FlaskForm):
    due_dates = BooleanField()
    refreshers = BooleanField()
    nudges = BooleanField()
    sign_offs = BooleanField()
    submit = SubmitField("Save my choices")
