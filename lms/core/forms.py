"""Forms more than one feature uses."""
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice


def options(pairs) -> list[SelectChoice]:
    """Choices for a select or radio field from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class ActionForm(FlaskForm):
    """A button that changes something: just the CSRF token."""
