"""Forms of core's own screens."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from core import phones
from core.tenancy import province_choices

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,15}$")


def choices(pairs) -> list[SelectChoice]:
    """The options of a SelectField/SelectMultipleField/RadioField from (value, label)
    pairs: WTForms 3.3 deprecates raw tuples in favour of SelectChoice objects. Values
    and labels are kept as given (lazy labels stay lazy, coercion is the field's)."""
    return [SelectChoice(value, label) for value, label in pairs]


def validate_phone(_form, field) -> None:
    """A WTForms validator: the field's data becomes E.164 (core.phones), or the form
    shows why the number is refused."""
    try:
        field.data = phones.normalise(field.data)
    except phones.PhoneError as exc:
        raise ValidationError(exc.message) from exc


class CenterForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=16)],
                       description=_l("Short, in capitals, e.g. PP-01"))
    name_km = StringField(_l("Name in Khmer"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=200)])
    province_code = SelectField(_l("Province"), validators=[DataRequired()])
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=1000)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32), validate_phone])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, locale: str = "en", **kwargs):
        super().__init__(*args, **kwargs)
        self.province_code.choices = choices(province_choices(locale))

    def validate_code(self, field) -> None:
        field.data = (field.data or "").strip().upper()
        if not CODE_RE.match(field.data):
            raise ValidationError(_l("Use 2 to 16 capital letters, digits and dashes."))


class UserForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(min=3, max=64)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = StringField(_l("Email"), validators=[Optional(), Length(max=200)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=10, max=200)])
    role = SelectField(_l("Role at this center"), validators=[DataRequired()])
    is_deployer = BooleanField(_l("Deployer (all centers)"))
    submit = SubmitField(_l("Create user"))

    def validate_username(self, field) -> None:
        field.data = (field.data or "").strip().lower()
        if not re.match(r"^[a-z0-9._-]+$", field.data):
            raise ValidationError(_l("Use lower-case letters, digits, dots, dashes and underscores."))


class GrantForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    role = SelectField(_l("Role"), validators=[DataRequired()])
    submit = SubmitField(_l("Grant"))


class ToggleForm(FlaskForm):
    """An empty form: only its CSRF token matters."""
