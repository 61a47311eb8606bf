"""Training forms (Flask-WTF: CSRF on every one; a failed form keeps what was typed)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.forms import choices
from plugins.training.models import PAGE_FORMATS, TEMPLATES


def category_choices():
    return choices([("digital_literacy", _l("Digital literacy")),
                    ("office", _l("Office software")),
                    ("internet", _l("Internet and e-mail")), ("programming", _l("Programming")),
                    ("repair", _l("Computer repair")), ("other", _l("Other"))])


def room_choices():
    return choices([("computer_lab", _l("Computer lab")),
                    ("training_room", _l("Training room"))])


def status_choices():
    return choices([("planned", _l("Planned")), ("running", _l("Running")),
                    ("finished", _l("Finished"))])


def sex_choices():
    return choices([("female", _l("Female")), ("male", _l("Male")), ("other", _l("Other"))])


def age_group_choices():
    return choices([("", _l("(from the date of birth)")), ("under_15", _l("Under 15")),
                    ("15_24", "15-24"), ("25_34", "25-34"), ("35_44", "35-44"),
                    ("45_59", "45-59"), ("60_plus", _l("60 and over"))])


def occupation_choices():
    return choices([("student", _l("Student")), ("civil_servant", _l("Civil servant")),
                    ("private_sector", _l("Private sector")), ("farmer", _l("Farmer")),
                    ("other", _l("Other"))])


IMAGE_TYPES = ["png", "jpg", "jpeg"]


class CourseForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    title_km = StringField(_l("Title in Khmer"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional()])
    hours = IntegerField(_l("Hours"), validators=[InputRequired(), NumberRange(0, 2000)])
    category = SelectField(_l("Category"), choices=category_choices)
    min_attendance_pct = IntegerField(_l("Minimum attendance (%)"), default=80,
                                      validators=[InputRequired(), NumberRange(0, 100)])
    min_score_pct = IntegerField(_l("Minimum score (%)"), default=50,
                                 validators=[InputRequired(), NumberRange(0, 100)])
    template = SelectField(_l("Certificate template"), choices=choices([
        (TEMPLATES[0], _l("Classic (blue frame)")), (TEMPLATES[1], _l("Plain (black and white)"))]))
    page_format = SelectField(_l("Page format"), choices=choices([(PAGE_FORMATS[0], _l("A4 landscape"))]))
    validity_months = IntegerField(_l("Validity in months (empty: no expiry)"),
                                   validators=[Optional(), NumberRange(1, 240)])
    signatory_name = StringField(_l("Signatory's name"), validators=[Optional(), Length(max=200)])
    signatory_title = StringField(_l("Signatory's title"),
                                  validators=[Optional(), Length(max=200)])
    signature = FileField(_l("Signature image (PNG or JPEG, at most 512 KB)"),
                          validators=[FileAllowed(IMAGE_TYPES, _l("PNG or JPEG images only."))])
    seal = FileField(_l("Seal image (PNG or JPEG, at most 512 KB)"),
                     validators=[FileAllowed(IMAGE_TYPES, _l("PNG or JPEG images only."))])
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))


class CohortForm(FlaskForm):
    course_id = SelectField(_l("Course"), coerce=int, validators=[InputRequired()])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    room = SelectField(_l("Room"), choices=room_choices)
    start_date = DateField(_l("First day"), validators=[InputRequired()])
    end_date = DateField(_l("Last day"), validators=[InputRequired()])
    start_time = TimeField(_l("Starts at"), validators=[Optional()])
    end_time = TimeField(_l("Ends at"), validators=[Optional()])
    capacity = IntegerField(_l("Capacity"), default=20,
                            validators=[InputRequired(), NumberRange(1, 500)])
    status = SelectField(_l("Status"), choices=status_choices)
    trainer_ids = SelectMultipleField(_l("Trainers"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Save"))


class TraineeForm(FlaskForm):
    name_km = StringField(_l("Name in Khmer script"), validators=[Optional(), Length(max=200)])
    name_en = StringField(_l("Name in Latin letters"), validators=[Optional(), Length(max=200)])
    sex = SelectField(_l("Sex"), choices=sex_choices)
    date_of_birth = DateField(_l("Date of birth"), validators=[Optional()])
    age_group = SelectField(_l("Age group (when the date of birth is unknown)"),
                            choices=age_group_choices, validators=[Optional()])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])
    national_id = StringField(_l("National ID (optional)"), validators=[Optional(), Length(max=32)])
    occupation = SelectField(_l("Occupation"), choices=occupation_choices)
    school = StringField(_l("School (students)"), validators=[Optional(), Length(max=200)])
    grade = StringField(_l("Grade (students)"), validators=[Optional(), Length(max=32)])
    submit = SubmitField(_l("Save"))


class EnrolForm(FlaskForm):
    trainee_id = SelectField(_l("Trainee"), coerce=int, validators=[InputRequired()])
    submit = SubmitField(_l("Enrol"))


class ImportForm(FlaskForm):
    file = FileField(_l("Class list (CSV, UTF-8)"), validators=[
        FileRequired(_l("Choose a CSV file.")), FileAllowed(["csv", "txt"], _l("CSV files only."))])
    submit = SubmitField(_l("Import"))


class AttendanceForm(FlaskForm):
    day = DateField(_l("Day"), validators=[InputRequired()])
    topic = StringField(_l("Topic"), validators=[Optional(), Length(max=200)])


class AssessmentForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    max_score = IntegerField(_l("Maximum score"), default=100,
                             validators=[InputRequired(), NumberRange(1, 1000)])
    weight = IntegerField(_l("Weight"), default=1, validators=[InputRequired(), NumberRange(1, 100)])
    held_on = DateField(_l("Held on"), validators=[Optional()])
    submit = SubmitField(_l("Add assessment"))


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField(_l("Revoke"))


class ConfirmForm(FlaskForm):
    """An empty form: a button with its CSRF token."""


class MergeForm(FlaskForm):
    keeper_id = SelectField(_l("Keep this record"), coerce=int, validators=[InputRequired()])
    duplicate_id = SelectField(_l("Merge this record into it"), coerce=int,
                               validators=[InputRequired()])
    submit = SubmitField(_l("Merge"))
