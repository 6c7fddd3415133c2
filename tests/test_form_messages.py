"""Every form speaks our words (issue 20): no WTForms default message ("This field is required.",
"Not a valid choice.") can reach a reader, in English or in Welsh.

The forms are found by walking FlaskForm's subclasses after importing every feature's forms,
so a form added later is checked without being listed here.
"""
from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest
import wtforms
from babel.messages.pofile import read_po
from flask_babel import force_locale
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, DateField, DateTimeField, DecimalField, FloatField, IntegerField
from wtforms.fields.choices import SelectFieldBase, SelectMultipleField

import lms
from lms.accounts.models import User
from lms.admin.forms import settings_form
from tests.factories import make_cohort, post


def _wtforms_own_messages() -> list[re.Pattern]:
    """WTForms' (and Flask-WTF's) own messages, in English and in WTForms' Welsh catalogue, as patterns."""
    locale = Path(wtforms.__file__).parent / "locale"
    texts: set[str] = set()
    for path in (locale / "wtforms.pot", locale / "cy" / "LC_MESSAGES" / "wtforms.po"):
        with path.open("rb") as file:
            for message in read_po(file):
                for text in (*(message.id if isinstance(message.id, tuple) else (message.id,)),
                             *(message.string if isinstance(message.string, tuple) else (message.string,))):
                    if text and text.strip():
                        texts.add(text.strip())
    placeholder = re.compile(r"%(\([a-z_]+\))?[sd]")
    return [re.compile(".*".join(re.escape(part) for part in placeholder.split(text)[::2]) + r"\s*")
            for text in texts]


WTFORMS_OWN = _wtforms_own_messages()


def _form_classes() -> list[type[FlaskForm]]:
    """Every FlaskForm subclass of the app (every module named forms or views is imported first)."""
    for module in pkgutil.walk_packages(lms.__path__, "lms."):
        if module.name.rsplit(".", 1)[-1] in ("forms", "views"):
            importlib.import_module(module.name)
    found, todo = [], list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("lms."):
            found.append(cls)
    return sorted(found, key=lambda c: (c.__module__, c.__qualname__))


def _forms(app) -> list[FlaskForm]:
    """An instance of every form (and of the settings form the admin page builds), CSRF off."""
    forms = [cls(meta={"csrf": False}) for cls in _form_classes() if cls.__name__ != "SettingsForm"]
    return [*forms, type(settings_form({}))(meta={"csrf": False})]


def _missing_messages(form: FlaskForm) -> list[str]:
    name = type(form).__qualname__
    problems = []
    for field in form:
        where = f"{name}.{field.name}"
        for validator in field.validators:
            if hasattr(validator, "message") and validator.message is None:
                problems.append(f"{where}: {type(validator).__name__} has no message")
        if isinstance(field, SelectFieldBase) and getattr(field, "validate_choice", False) \
                and field.invalid_choice_message is None:
            problems.append(f"{where}: no invalid_choice_message")
        if isinstance(field, SelectFieldBase) and getattr(field, "coerce", str) is not str \
                and field.invalid_value_message is None:
            problems.append(f"{where}: no invalid_value_message (its values are coerced)")
        if isinstance(field, (DateTimeField, DateField, IntegerField, DecimalField, FloatField)) \
                and field.invalid_value_message is None:
            problems.append(f"{where}: no invalid_value_message")
    return problems


def test_every_validator_and_choice_has_our_own_message(app):
    with app.test_request_context():
        forms = _forms(app)
        names = {type(f).__name__ for f in forms}
        assert {"RegisterForm", "InviteForm", "ChooseForm", "DeleteAccountForm", "SettingsForm"} <= names
        problems = [problem for form in forms for problem in _missing_messages(form)]
    assert not problems, "\n".join(problems)


def _garbage(form: FlaskForm) -> MultiDict:
    """Input that every field refuses if it can: too long, not a number or date, not a choice."""
    data = MultiDict()
    for field in form:
        if isinstance(field, SelectMultipleField):
            data.add(field.name, "not-a-choice")
        elif isinstance(field, BooleanField):
            data.add(field.name, "y")
        elif isinstance(field, (SelectFieldBase, DateTimeField, DateField, IntegerField, DecimalField, FloatField)):
            data.add(field.name, "not-a-value")
        else:
            data.add(field.name, "x" * 30_000)
    return data


@pytest.mark.parametrize("language", ["en", "cy"])
def test_bad_input_to_any_form_gets_none_of_wtforms_own_messages(app, language):
    messages = []
    with app.test_request_context(), force_locale(language):
        for blank in _forms(app):
            for data in (MultiDict({"_": "1"}), _garbage(blank)):  # nothing given, then nonsense everywhere
                form = type(blank)(formdata=data, meta={"csrf": False})
                for field in form:
                    if isinstance(field, SelectFieldBase) and field.choices is None:
                        field.choices = []  # the view sets them from the database
                form.validate()
                messages += [str(m) for errors in form.errors.values() for m in errors]
    assert messages, "bad input must be refused"
    theirs = sorted({m for m in messages if any(p.fullmatch(m.strip()) for p in WTFORMS_OWN)})
    assert not theirs, theirs


def _welsh_trainer(users, session) -> User:
    trainer = users.create(role="trainer", display_name="Tomos Trainer")
    session.get(User, trainer.id).language = "cy"
    session.commit()
    users.login(trainer)
    return trainer


def test_a_welsh_trainer_gets_our_welsh_message_for_a_bad_invitation(client, session, users):
    trainer = _welsh_trainer(users, session)
    cohort = make_cohort(session, trainer)
    page = f"/trainer/cohorts/{cohort.id}"
    wrong = post(client, f"{page}/invites", {"kind": "single", "days": "lots", "language": "cy"}, form_page=page)
    body = wrong.get_data(as_text=True)
    assert wrong.status_code == 400, body
    # Not a number: WTForms would say "Not a valid integer value."; the required check, ours, speaks instead.
    assert "Rhowch nifer o ddyddiau o 1 i 365." in body and "Not a valid integer" not in body
    too_many = post(client, f"{page}/invites", {"kind": "nonsense", "days": "999", "language": "xx"}, form_page=page)
    body = too_many.get_data(as_text=True)
    assert "Rhowch nifer o ddyddiau o 1 i 365." in body
    assert "Dewiswch ddolen bersonol neu ddolen carfan." in body and "Not a valid choice" not in body


def test_a_welsh_trainer_gets_our_welsh_message_for_a_cohort_name_too_long(client, session, users):
    _welsh_trainer(users, session)
    too_long = post(client, "/trainer/cohorts/new", {"name": "x" * 201}, form_page="/trainer/cohorts/new")
    body = too_long.get_data(as_text=True)
    assert "Cadwch ef i 200 nod neu lai." in body and "Field cannot be longer" not in body
