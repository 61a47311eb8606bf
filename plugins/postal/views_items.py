"""Items: lookup by S10, detail, tracking events, customs declaration, labels, CN23; and
the public tracking page ``/track/<S10>``."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.auth import permission_required, public
from core.downloads import pdf_response
from core.extensions import db, limiter
from core.plugins import plugin_enabled
from core.tenancy import get_or_404, require_center, scoped
from plugins.postal import cash, printing, s10
from plugins.postal.forms import CustomsForm, EventForm, LookupForm
from plugins.postal.models_items import EVENT_LABELS, Item
from plugins.postal.services_items import (
    CustomsLocked,
    ItemError,
    cancelled,
    check_customs_editable,
    customs_form_needed,
    customs_locked,
    find_by_s10,
    record_event,
    save_customs,
)
from plugins.postal.services_sales import current_rate
from plugins.postal.services_settings import sdr_khr
from plugins.postal.views import base_url, bp

S10_REASONS = {
    "type": _l("Type the S10 number."),
    "empty": _l("Type the S10 number."),
    "length": _l("An S10 number has 13 characters (2 letters, 9 digits, 2 letters); "
                 "this one has %(n)s."),
    "non_ascii": _l("The number contains non-ASCII digits; type the digits 0-9."),
    "digits": _l("Characters 3 to 11 must be the digits 0-9."),
    "letters": _l("The number must start and end with two letters A-Z."),
    "reserved": _l("The service indicator %(indicator)s is reserved by the UPU."),
    "unassigned": _l("The service indicator %(indicator)s is not assigned by the UPU."),
    "country": _l("%(country)s is not an ISO 3166 country code."),
    "check": _l("Wrong check digit: %(got)s where %(expected)s was expected."),
}


def s10_reason(exc: ValueError) -> str:
    """The reason an S10 number was refused, in the user's language."""
    key = getattr(exc, "key", None)
    if key not in S10_REASONS:
        return str(exc)
    return str(S10_REASONS[key]) % exc.params if exc.params else str(S10_REASONS[key])


@bp.route("/postal/items")
@permission_required("postal.sell")
def items():
    center = require_center()
    form = LookupForm(request.args)
    if form.code.data:
        try:
            code = s10.normalize(form.code.data)
        except ValueError as exc:
            form.code.errors = [s10_reason(exc)]
        else:
            item = db.session.execute(scoped(Item, center).where(
                Item.s10 == code)).scalar_one_or_none()
            if item is not None:
                return redirect(url_for("postal.item", item_id=item.id))
            form.code.errors = [_("No item of this center has the number %(code)s.", code=code)]
    rows = db.session.execute(scoped(Item, center).order_by(Item.id.desc()).limit(50)).scalars()
    return render_template("postal/items.html", form=form, items=list(rows),
                           event_labels=EVENT_LABELS)


@bp.route("/postal/items/<int:item_id>", methods=["GET", "POST"])
@permission_required("postal.sell")
def item(item_id: int):
    center = require_center()
    row = get_or_404(Item, item_id, center)
    form = EventForm()
    if request.method == "POST":
        from core.auth import can

        if not can("postal.track"):
            abort(403)
        if form.validate_on_submit():
            try:
                record_event(db.session, center, row, form.kind.data,
                             office=form.office.data or center.name_en, note=form.note.data,
                             user=current_user)
                db.session.commit()
                flash(_("Event recorded."), "success")
                return redirect(url_for("postal.item", item_id=row.id))
            except ItemError as exc:
                db.session.rollback()
                form.kind.errors = [str(exc)]
    elif not form.office.data:
        form.office.data = center.name_en
    value_khr = cash.usd_to_khr(row.declared_value_minor, row.sale_line.sale.rate) \
        if row.sale_line else 0
    needs = customs_form_needed(row.service.kind, value_khr, sdr_khr(center)) \
        if row.international else ""
    return render_template("postal/item.html", item=row, form=form, needs=needs,
                           grouped=s10.grouped, customs_locked=customs_locked(row),
                           cancelled=cancelled(row), event_labels=EVENT_LABELS)


@bp.route("/postal/items/<int:item_id>/customs", methods=["GET", "POST"])
@permission_required("postal.sell")
def customs(item_id: int):
    center = require_center()
    row = get_or_404(Item, item_id, center)
    if not row.international:
        abort(404)
    try:
        check_customs_editable(row)
    except CustomsLocked as exc:  # the item has left the counter with its declaration
        flash(str(exc), "warning")
        return redirect(url_for("postal.item", item_id=row.id))
    decl = row.customs
    if request.method == "GET" and decl is not None:
        form = CustomsForm(data={
            "category": decl.category, "explanation": decl.explanation,
            "gross_weight_g": decl.gross_weight_g,
            "total_value": f"{decl.total_value_minor / 100:.2f}",
            "lines": "\n".join(
                f"{ln.description}; {ln.quantity}; {ln.net_weight_g}; "
                f"{ln.value_minor / 100:.2f}; {ln.hs_code}; {ln.origin_country}"
                for ln in decl.lines)})
    else:
        form = CustomsForm()
        if request.method == "GET":
            form.gross_weight_g.data = row.weight_g
    if form.validate_on_submit():
        try:
            lines = parse_customs_lines(form.lines.data)
            rate = (row.sale_line.sale.rate if row.sale_line
                    else current_rate(db.session, center))
            value_khr = cash.usd_to_khr(form.total_value.minor, rate)
            kind = customs_form_needed(row.service.kind, value_khr, sdr_khr(center))
            save_customs(db.session, center, row, category=form.category.data,
                         explanation=form.explanation.data or "",
                         gross_weight_g=form.gross_weight_g.data,
                         total_value_minor=form.total_value.minor, currency="USD",
                         lines=lines, form=kind)
            db.session.commit()
        except ItemError as exc:
            db.session.rollback()
            target = getattr(form, exc.field, None) if exc.field != "total_value" else None
            target = target or (form.total_value if exc.field == "total_value" else form.lines)
            target.errors = [*target.errors, str(exc)]
        else:
            flash(_("Customs declaration saved."), "success")
            return redirect(url_for("postal.item", item_id=row.id))
    return render_template("postal/customs.html", form=form, item=row)


def parse_customs_lines(text: str) -> list[dict]:
    """``description; quantity; net weight g; value USD; HS code; origin`` per line."""
    from core import money

    lines = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        if not raw.strip():
            continue
        parts = [p.strip() for p in raw.split(";")] + [""] * 6
        try:
            value = money.parse(parts[3], "USD").minor if parts[3] else 0
        except money.MoneyError as exc:  # core's message, already in the user's language
            raise ItemError(_("Line %(n)s: %(problem)s", n=number, problem=str(exc)),
                            "lines") from None
        try:
            quantity, weight = int(parts[1] or 0), int(parts[2] or 0)
        except ValueError:
            raise ItemError(_("Line %(n)s: quantity and net weight must be whole numbers.",
                              n=number), "lines") from None
        lines.append({"description": parts[0], "quantity": quantity, "net_weight_g": weight,
                      "value": value, "hs_code": parts[4], "origin_country": parts[5]})
    return lines


@bp.route("/postal/items/<int:item_id>/label.pdf")
@permission_required("postal.sell")
def label(item_id: int):
    row = get_or_404(Item, item_id)
    if cancelled(row):
        return _cancelled_no_label(row)
    if _customs_missing(row):
        return _fill_customs_first(row)
    return pdf_response(printing.render_label(row, base_url()),
                        f"label-{row.s10 or row.id}.pdf")


def _customs_missing(row: Item) -> bool:
    """An international item that declares a value carries goods: no label without its
    CN22/CN23 (documents travel with no value and need none)."""
    return row.international and row.declared_value_minor > 0 and row.customs is None


def _cancelled_no_label(row: Item):
    flash(_("Item %(code)s was cancelled at the counter: it gets no label.",
            code=row.s10 or row.id), "warning")
    return redirect(url_for("postal.item", item_id=row.id))


def _fill_customs_first(row: Item):
    flash(_("Item %(code)s carries goods: fill in its customs declaration before printing "
            "its label.", code=row.s10 or row.id), "warning")
    return redirect(url_for("postal.customs", item_id=row.id))


@bp.route("/postal/items/labels.pdf")
@permission_required("postal.sell")
def label_sheet():
    """An A4 sheet of four labels: ``?id=1&id=2...`` (at most four; the latest by default)."""
    center = require_center()
    ids = [int(i) for i in request.args.getlist("id") if i.isdigit()][:4]
    query = scoped(Item, center)
    query = query.where(Item.id.in_(ids)) if ids else query.order_by(Item.id.desc()).limit(4)
    rows = list(db.session.execute(query).scalars())
    if not rows or (ids and len(rows) != len(set(ids))):
        abort(404)
    gone = next((row for row in rows if cancelled(row)), None)
    if gone is not None:
        return _cancelled_no_label(gone)
    missing = next((row for row in rows if _customs_missing(row)), None)
    if missing is not None:
        return _fill_customs_first(missing)
    return pdf_response(printing.render_label_sheet(rows, base_url()), "labels.pdf")


@bp.route("/postal/items/<int:item_id>/cn23.pdf")
@permission_required("postal.sell")
def cn23(item_id: int):
    row = get_or_404(Item, item_id)
    if row.customs is None:
        abort(404)
    return pdf_response(printing.render_cn23(row.customs), f"cn23-{row.s10 or row.id}.pdf")


# -- public tracking ------------------------------------------------------------------------


@bp.route("/track", methods=["GET"])
@public
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC"])
def track_form():
    code = request.args.get("code", "")
    if code:
        try:
            return redirect(url_for("postal.track", code=s10.normalize(code)))
        except ValueError as exc:
            return render_template("postal/track.html", item=None, code=code,
                                   error=s10_reason(exc)), 400
    return render_template("postal/track.html", item=None, code="", error="")


@bp.route("/track/<code>")
@public
@limiter.limit(lambda: current_app.config["RATELIMIT_PUBLIC"])
def track(code: str):
    try:
        canonical = s10.normalize(code)
    except ValueError as exc:
        return render_template("postal/track.html", item=None, code=code,
                               error=s10_reason(exc)), 400
    if canonical != code:
        return redirect(url_for("postal.track", code=canonical))
    row = find_by_s10(db.session, canonical)
    if row is None or not plugin_enabled("postal", row.center):
        abort(404)
    return render_template("postal/track.html", item=row, code=canonical, error="",
                           grouped=s10.grouped, event_labels=EVENT_LABELS)
