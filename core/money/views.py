"""The managers' screen for dated exchange rates, and the ``money`` template filter."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from wtforms import DateField, StringField, SubmitField
from wtforms.validators import DataRequired, ValidationError

from core.auth.permissions import permission_required
from core.extensions import db
from core.money.amounts import (
    Money,
    MoneyError,
    format_minor,
    format_money,
    khr,
    parse,
)
from core.money.rates import (
    ExchangeRate,
    rate_on,
    set_rate,
)
from core.sequences import center_date
from core.tenancy import get_or_404, require_center, scoped

bp = Blueprint("money", __name__, url_prefix="/money")
MIN_RATE, MAX_RATE = 1_000, 20_000  # a sanity band for typed rates (41,000 is a typo)


@bp.app_template_filter("money")
def money_filter(value: Money | int | None, currency: str | bool | None = None,
                 symbol: bool = True) -> str:
    """An amount in the current language (Khmer digits on Khmer screens); "" for None.

    ``{{ amount|money }}`` for a :class:`Money`; ``{{ minor|money(currency) }}`` for a whole
    number of minor units (``{{ sale.total_khr|money("KHR") }}``); ``symbol=false`` (or
    ``{{ amount|money(false) }}``) gives the digits only.
    """
    from core.i18n import lang

    if isinstance(currency, bool):  # {{ amount|money(false) }}
        currency, symbol = None, currency
    if value is None:
        return ""
    if isinstance(value, Money):
        if currency not in (None, value.currency):
            raise ValueError(f"money: an amount in {value.currency} shown as {currency}")
        return format_money(value, lang(), symbol=symbol)
    if currency is None:
        raise TypeError("money: a number of minor units needs its currency: |money(currency)")
    return format_minor(value, currency, lang(), symbol=symbol)


class RateForm(FlaskForm):
    valid_from = DateField(_l("Valid from"), validators=[DataRequired()])
    khr_per_usd = StringField(_l("Riel for one US dollar"), validators=[DataRequired()],
                              description=_l("For example 4,100"))
    submit = SubmitField(_l("Save rate"))

    def validate_khr_per_usd(self, field) -> None:
        try:
            value = parse(field.data, "KHR").minor
        except MoneyError as exc:
            raise ValidationError(str(exc)) from exc
        if not MIN_RATE <= value <= MAX_RATE:
            raise ValidationError(_l("A rate between %(low)s and %(high)s riel is expected.",
                                     low=f"{MIN_RATE:,}", high=f"{MAX_RATE:,}"))
        self.rate_value = value


def _save(form: RateForm, center, rate=None):
    try:
        saved = set_rate(center, form.valid_from.data, form.rate_value, user=current_user,
                         rate=rate)
        db.session.commit()
    except MoneyError as exc:
        db.session.rollback()
        form.valid_from.errors.append(str(exc))
    except IntegrityError:  # another manager saved the same day a moment ago
        db.session.rollback()
        form.valid_from.errors.append(_("A rate for this day exists already."))
    else:
        flash(_("Exchange rate saved: %(rate)s for $1 from %(day)s.",
                rate=money_filter(khr(saved.khr_per_usd)), day=saved.valid_from.isoformat()),
              "success")
        return redirect(url_for("money.rates"))
    return None


@bp.route("/rates", methods=["GET", "POST"])
@permission_required("core.manage_center")
def rates():
    center = require_center()
    form = RateForm()
    if form.validate_on_submit() and (done := _save(form, center)):
        return done
    if not form.is_submitted():
        form.valid_from.data = center_date(center)
    rows = db.session.execute(
        scoped(ExchangeRate, center).order_by(ExchangeRate.valid_from.desc())
    ).scalars().all()
    try:
        today = rate_on(center)
    except MoneyError:
        today = None
    return render_template("money/rates.html", form=form, rates=rows, today=today, khr=khr)


@bp.route("/rates/<int:rate_id>/edit", methods=["GET", "POST"])
@permission_required("core.manage_center")
def rate_edit(rate_id: int):
    center = require_center()
    rate = get_or_404(ExchangeRate, rate_id, center)
    form = RateForm(data={"valid_from": rate.valid_from,
                          "khr_per_usd": f"{rate.khr_per_usd:,}"})
    if form.validate_on_submit() and (done := _save(form, center, rate)):
        return done
    return render_template("money/rate_edit.html", form=form, rate=rate)
