"""Forms of the postal screens (Flask-WTF: CSRF on every one; errors shown by the field)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    Field,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from core import money
from core.forms import choices
from plugins.postal.models import SERVICE_KINDS
from plugins.postal.models_items import EVENT_KINDS, EVENT_LABELS


class MoneyField(StringField):
    """An amount typed as people write it ("12,400", "3.05"); ``.minor`` holds the integer."""

    def __init__(self, label=None, validators=None, currency="KHR", required=False, **kw):
        super().__init__(label, validators, **kw)
        self.currency = currency
        self.required = required
        self.minor = 0

    def pre_validate(self, form):
        text = (self.data or "").strip()
        if not text:
            if self.required:
                raise ValidationError(_l("Enter an amount."))
            self.minor = 0
            return
        try:
            self.minor = money.parse(text, self.currency).minor
        except money.MoneyError as exc:
            raise ValidationError(str(exc)) from None


class OpenTillForm(FlaskForm):
    counter = StringField(_l("Counter"), default="1", validators=[DataRequired(), Length(max=16)])
    float_khr = MoneyField(_l("Float in riel (counted)"), currency="KHR", required=True)
    float_usd = MoneyField(_l("Float in US dollars (counted)"), currency="USD", required=True)
    submit = SubmitField(_l("Open the till"))


class CashMoveForm(FlaskForm):
    direction = SelectField(_l("Direction"), choices=choices([("in", _l("Cash in")),
                                                              ("out", _l("Cash out"))]))
    currency = SelectField(_l("Currency"), choices=choices([("KHR", "KHR"), ("USD", "USD")]))
    amount = StringField(_l("Amount"), validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Record"))


class CloseTillForm(FlaskForm):
    counted_khr = MoneyField(_l("Riel counted"), currency="KHR", required=True)
    counted_usd = MoneyField(_l("US dollars counted"), currency="USD", required=True)
    submit = SubmitField(_l("Close the till"))


class LineForm(FlaskForm):
    """One counter line; the item fields matter for letters and parcels."""

    service_id = SelectField(_l("Service"), coerce=str, validators=[Optional()])
    goods_id = SelectField(_l("Goods"), coerce=str, validators=[Optional()])
    quantity = IntegerField(_l("Quantity"), default=1,
                            validators=[Optional(), NumberRange(min=1, max=999)])
    weight_g = IntegerField(_l("Weight (g)"), validators=[Optional(), NumberRange(min=1)])
    addressee_country = SelectField(_l("Destination country"), default="KH")
    sender_name = StringField(_l("Sender's name"), validators=[Optional(), Length(max=200)])
    sender_phone = StringField(_l("Sender's phone"), validators=[Optional(), Length(max=32)])
    addressee_name = StringField(_l("Addressee's name"), validators=[Optional(), Length(max=200)])
    addressee_phone = StringField(_l("Addressee's phone"),
                                  validators=[Optional(), Length(max=32)])
    addressee_province = SelectField(_l("Province"), validators=[Optional()])
    addressee_district = SelectField(_l("District"), validators=[Optional()],
                                     validate_choice=False)
    addressee_commune = SelectField(_l("Commune"), validators=[Optional()],
                                    validate_choice=False)
    addressee_address = StringField(_l("Street, house, city / foreign address"),
                                    validators=[Optional(), Length(max=300)])
    sender_province = SelectField(_l("Sender's province"), validators=[Optional()])
    sender_district = SelectField(_l("Sender's district"), validators=[Optional()],
                                  validate_choice=False)
    sender_commune = SelectField(_l("Sender's commune"), validators=[Optional()],
                                 validate_choice=False)
    sender_address = StringField(_l("Sender's street and house"),
                                 validators=[Optional(), Length(max=300)])
    length_mm = IntegerField(_l("Length (mm)"), validators=[Optional(), NumberRange(min=1)])
    width_mm = IntegerField(_l("Width (mm)"), validators=[Optional(), NumberRange(min=1)])
    height_mm = IntegerField(_l("Height (mm)"), validators=[Optional(), NumberRange(min=1)])
    declared_value = MoneyField(_l("Declared value (USD)"), currency="USD")
    submit = SubmitField(_l("Add line"))


class PayForm(FlaskForm):
    tendered_khr = MoneyField(_l("Riel tendered"), currency="KHR")
    tendered_usd = MoneyField(_l("Dollars tendered"), currency="USD")
    paper = SelectField(_l("Receipt paper"), choices=choices([("receipt-80mm", "80 mm"),
                                                              ("receipt-58mm", "58 mm")]))
    submit = SubmitField(_l("Pay and print"))


class ReasonForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(_l("Give the reason.")),
                                                   Length(max=300)])
    submit = SubmitField(_l("Confirm"))


class QuantityField(StringField):
    """A whole number typed in ASCII or Khmer digits; blank is 0; ``.number`` holds it."""

    def __init__(self, label=None, validators=None, **kw):
        super().__init__(label, validators, **kw)
        self.number = 0

    def pre_validate(self, form):
        text = (self.data or "").strip()
        try:
            self.number = int(text) if text else 0  # int() reads Khmer digits too
        except ValueError:
            raise ValidationError(_l("Type a whole number.")) from None
        if self.number < 0:
            raise ValidationError(_l("A quantity to refund cannot be negative."))


class TickedField(Field):
    """Checkboxes of one name (the S10 numbers ticked); ``data`` is the list of values, in
    the order sent. The service says what is wrong with one (not on the sale...)."""

    def process_formdata(self, valuelist):
        self.data = [value.strip() for value in valuelist if value.strip()]

    def process_data(self, value):
        self.data = list(value or ())


class RefundForm(ReasonForm):
    """A refund: the items given back, ticked by S10 number (``s10``), and the quantity
    per line without S10 items (``qty_<line id>`` fields, added by :func:`refund_form`);
    or everything left (the ``everything`` button)."""

    currency = SelectField(_l("Pay back in"), choices=choices([("KHR", "KHR"), ("USD", "USD")]))
    s10 = TickedField(_l("Items given back"))
    submit = SubmitField(_l("Refund what is ticked and typed"))
    everything = SubmitField(_l("Refund everything left"))

    def quantities(self) -> dict[int, int]:
        return {int(f.short_name[4:]): f.number for f in self
                if f.short_name.startswith("qty_")}


def refund_form(line_ids, **kw) -> RefundForm:
    """The refund form of a sale with these line ids (prefix ``refund``)."""
    fields = {f"qty_{line_id}": QuantityField(_l("Quantity to refund")) for line_id in line_ids}
    return type("SaleRefundForm", (RefundForm,), fields)(prefix="refund", **kw)


class SettingsForm(FlaskForm):
    sdr_khr = StringField(_l("Riel per SDR (customs values)"), validators=[Length(max=32)],
                          description=_l("Used to choose CN22 (letter post up to 300 SDR) or "
                                         "CN23. Leave empty to use the deployment's rate."))
    submit = SubmitField(_l("Save"))


class TariffForm(FlaskForm):
    service_id = SelectField(_l("Service"), coerce=int)
    zone = StringField(_l("Zone"), default="DOM", validators=[DataRequired(), Length(max=16)],
                       description=_l("DOM for domestic, or an international zone such as Z1"))
    max_weight_g = IntegerField(_l("Band upper limit (g, inclusive)"),
                                validators=[InputRequired(), NumberRange(min=1)])
    base = IntegerField(_l("Base price (riel or cents)"),
                        validators=[InputRequired(), NumberRange(min=0)])
    step_g = IntegerField(_l("Step (g)"), validators=[Optional(), NumberRange(min=1)])
    step = IntegerField(_l("Price per further step"), default=0,
                        validators=[Optional(), NumberRange(min=0)])
    currency = SelectField(_l("Currency"), choices=choices([("KHR", "KHR"), ("USD", "USD")]))
    valid_from = DateField(_l("Valid from"), validators=[DataRequired()])
    valid_to = DateField(_l("Valid to"), validators=[Optional()])
    submit = SubmitField(_l("Save"))

    def validate_valid_to(self, field):
        if field.data and self.valid_from.data and field.data < self.valid_from.data:
            raise ValidationError(_l("The end comes before the start."))


class ServiceForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=200)])
    name_km = StringField(_l("Name in Khmer"), validators=[Optional(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=choices([(k, k) for k in SERVICE_KINDS]))
    max_weight_g = IntegerField(_l("Maximum weight (g)"), validators=[Optional(),
                                                                      NumberRange(min=1)])
    vat_bp = IntegerField(_l("VAT (basis points: 1000 = 10 %)"), default=1000,
                          validators=[InputRequired(), NumberRange(min=0, max=10000)])
    flat_price_minor = IntegerField(_l("Flat price (counter services)"),
                                    validators=[Optional(), NumberRange(min=0)])
    flat_currency = SelectField(_l("Currency"), choices=choices([("KHR", "KHR"), ("USD", "USD")]))
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))


class GoodsForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=200)])
    name_km = StringField(_l("Name in Khmer"), validators=[Optional(), Length(max=200)])
    price_minor = IntegerField(_l("Price (riel or cents)"),
                               validators=[InputRequired(), NumberRange(min=0)])
    currency = SelectField(_l("Currency"), choices=choices([("KHR", "KHR"), ("USD", "USD")]))
    vat_bp = IntegerField(_l("VAT (basis points: 1000 = 10 %)"), default=1000,
                          validators=[InputRequired(), NumberRange(min=0, max=10000)])
    stock = IntegerField(_l("Stock"), default=0, validators=[InputRequired(), NumberRange(min=0)])
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))


class ZoneForm(FlaskForm):
    country = SelectField(_l("Country"))
    zone = StringField(_l("Zone"), validators=[DataRequired(), Length(max=16)])
    submit = SubmitField(_l("Save"))


class ImportForm(FlaskForm):
    kind = SelectField(_l("What"), choices=choices([("tariffs", _l("Tariffs")),
                                                    ("services", _l("Services")),
                                                    ("goods", _l("Goods")),
                                                    ("zones", _l("Zones"))]))
    file = FileField(_l("CSV file"), validators=[FileRequired()])
    submit = SubmitField(_l("Import"))


class S10RangeForm(FlaskForm):
    indicator = StringField(_l("Service indicator"), validators=[DataRequired(), Length(2, 2)],
                            description=_l("RR registered, EE EMS, CP parcels"))
    start = IntegerField(_l("First serial"), validators=[InputRequired(),
                                                         NumberRange(0, 99_999_999)])
    end = IntegerField(_l("Last serial"), validators=[InputRequired(),
                                                      NumberRange(0, 99_999_999)])
    submit = SubmitField(_l("Allocate"))


class EventForm(FlaskForm):
    # what a clerk records; a void or refund writes the cancelling events itself
    kind = SelectField(_l("Event"), choices=choices([
        (kind, EVENT_LABELS[kind]) for kind in EVENT_KINDS]))
    office = StringField(_l("Office"), validators=[Optional(), Length(max=200)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Record event"))


class CustomsForm(FlaskForm):
    category = SelectField(_l("Category"), choices=choices([
        ("gift", _l("Gift")), ("documents", _l("Documents")),
        ("sample", _l("Commercial sample")), ("returned", _l("Returned goods")),
        ("sale", _l("Sale of goods")), ("other", _l("Other"))]))
    explanation = StringField(_l("Explanation (for other)"),
                              validators=[Optional(), Length(max=300)])
    gross_weight_g = IntegerField(_l("Gross weight (g)"),
                                  validators=[InputRequired(), NumberRange(min=1)])
    total_value = MoneyField(_l("Total declared value (USD)"), currency="USD", required=True)
    lines = TextAreaField(
        _l("Contents, one line each: description; quantity; net weight g; value USD; "
           "HS code; origin country"),
        validators=[DataRequired()])
    submit = SubmitField(_l("Save declaration"))


class LookupForm(FlaskForm):
    class Meta:
        csrf = False

    code = StringField(_l("S10 number"), validators=[DataRequired()])
    submit = SubmitField(_l("Find"))


class ReportForm(FlaskForm):
    class Meta:
        csrf = False

    day = DateField(_l("Day"), validators=[Optional()])

