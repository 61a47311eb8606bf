"""Flask-WTF forms of the inventory screens (CSRF on each; failed forms keep their input)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.forms import choices as select_choices
from plugins.inventory.constants import (
    BORROWER_KINDS,
    CATEGORIES,
    CONDITIONS,
    CURRENCIES,
    LOCATIONS,
    PRIORITIES,
    STATUSES,
)


def choices(mapping: dict, blank=None) -> list[SelectChoice]:
    out = [(code, label) for code, label in mapping.items()]
    return select_choices(([("", blank)] if blank is not None else []) + out)


# The statuses a person may type: a check-out sets "on loan", a repair ticket "under repair".
NEW_ASSET_STATUSES = {code: text for code, text in STATUSES.items()
                      if code not in ("on_loan", "under_repair")}


class AssetForm(FlaskForm):
    category = SelectField(_l("Category"), choices=choices(CATEGORIES), validators=[DataRequired()])
    make = StringField(_l("Make"), validators=[Optional(), Length(max=100)])
    model = StringField(_l("Model"), validators=[Optional(), Length(max=100)])
    serial = StringField(_l("Serial number"), validators=[Optional(), Length(max=100)],
                         description=_l("Unique at this center; leave blank if there is none."))
    location = SelectField(_l("Location"), choices=choices(LOCATIONS), validators=[DataRequired()])
    condition = SelectField(_l("Condition"), choices=choices(CONDITIONS), default="good")
    status = SelectField(_l("Status"), choices=choices(NEW_ASSET_STATUSES), default="in_service",
                         description=_l("Loans and repairs change it by themselves."))
    purchase_date = DateField(_l("Purchase date"), validators=[Optional()])
    cost = StringField(_l("Cost"), validators=[Optional(), Length(max=30)],
                       description=_l("e.g. 450.00 for dollars, 1,800,000 for riel"))
    currency = SelectField(_l("Currency"), choices=select_choices((c, c) for c in CURRENCIES),
                           default="USD")
    funding_source = StringField(_l("Funding source"), validators=[Optional(), Length(max=200)])
    warranty_end = DateField(_l("Warranty ends"), validators=[Optional()])
    custodian_id = SelectField(_l("Custodian (staff)"), coerce=str, validators=[Optional()])
    custodian_name = StringField(_l("Custodian (other person)"),
                                 validators=[Optional(), Length(max=200)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])
    submit = SubmitField(_l("Save"))


class PhotoForm(FlaskForm):
    photo = FileField(_l("Photo"), validators=[FileRequired()],
                      description=_l("JPEG, PNG or WebP, at most 5 MB."))
    submit = SubmitField(_l("Upload"))


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])
    submit = SubmitField(_l("Import"))


class ActionForm(FlaskForm):
    """A button that posts: CSRF only."""

    submit = SubmitField(_l("Go"))


class CheckoutForm(FlaskForm):
    borrower_kind = SelectField(_l("Borrower"), choices=choices(BORROWER_KINDS), default="staff")
    borrower_user = SelectField(_l("Staff member"), coerce=str, validators=[Optional()])
    borrower_ref = SelectField(_l("Trainee found"), coerce=str, validators=[Optional()],
                               validate_choice=False)
    borrower_name = StringField(_l("Name (community member)"),
                                validators=[Optional(), Length(max=200)])
    borrower_contact = StringField(_l("Phone or address"), validators=[Optional(), Length(max=200)])
    due_on = DateField(_l("Due back on"), validators=[DataRequired()])
    condition_out = SelectField(_l("Condition going out"), choices=choices(CONDITIONS),
                                default="good")
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Lend"))


class CheckinForm(FlaskForm):
    condition_in = SelectField(_l("Condition coming back"), choices=choices(CONDITIONS),
                               default="good")
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Check in"))


class TicketForm(FlaskForm):
    problem = TextAreaField(_l("Problem"), validators=[DataRequired(), Length(max=4000)])
    priority = SelectField(_l("Priority"), choices=choices(PRIORITIES), default="normal")
    technician_id = SelectField(_l("Technician"), coerce=str, validators=[Optional()])
    submit = SubmitField(_l("Open the ticket"))


class TicketStatusForm(FlaskForm):
    status = SelectField(_l("New status"), validators=[DataRequired()])
    resolution = TextAreaField(_l("What was done"), validators=[Optional(), Length(max=4000)])
    cost = StringField(_l("Cost so far"), validators=[Optional(), Length(max=30)])
    submit = SubmitField(_l("Update"))


class AssignForm(FlaskForm):
    technician_id = SelectField(_l("Technician"), coerce=str, validators=[Optional()])
    trainee_ref = SelectField(_l("Repair trainee"), coerce=str, validators=[Optional()],
                              validate_choice=False)
    submit = SubmitField(_l("Assign"))


class PartForm(FlaskForm):
    consumable_id = SelectField(_l("Part"), coerce=str, validators=[DataRequired()])
    location = SelectField(_l("Taken from"), choices=choices(LOCATIONS), default="store")
    quantity = IntegerField(_l("Quantity"), validators=[DataRequired(), NumberRange(min=1)],
                            default=1)
    submit = SubmitField(_l("Use part"))


class PlanForm(FlaskForm):
    category = SelectField(_l("Category"), choices=choices(CATEGORIES))
    every_days = IntegerField(_l("Every (days)"), validators=[DataRequired(),
                                                             NumberRange(min=1, max=3650)],
                              default=90)
    task = TextAreaField(_l("What to do"), validators=[Optional(), Length(max=2000)])
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save the plan"))


class ConsumableForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=32)],
                       description=_l("e.g. ream, box, cable"))
    reorder_level = IntegerField(_l("Reorder level"), validators=[Optional(), NumberRange(min=0)],
                                 default=0)
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))


class MovementForm(FlaskForm):
    kind = HiddenField(validators=[DataRequired()])
    location = SelectField(_l("Location"), choices=choices(LOCATIONS), default="store")
    to_location = SelectField(_l("To location"), choices=choices(LOCATIONS, blank="—"),
                              validators=[Optional()])
    quantity = IntegerField(_l("Quantity"), validators=[DataRequired()])
    reason = StringField(_l("Reason or reference"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Record"))


class StockTakeForm(FlaskForm):
    location = SelectField(_l("Location"), choices=choices(LOCATIONS), default="store")
    note = StringField(_l("Note (used as the reason for differences without their own)"),
                       validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Start a count"))
