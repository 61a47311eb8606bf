"""Consumables, their movements and stock-takes."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.auth import permission_required
from core.extensions import db
from core.tenancy import get_or_404, require_center
from plugins.inventory import services, stock
from plugins.inventory.constants import LOCATIONS, MOVEMENT_KINDS
from plugins.inventory.forms import ActionForm, ConsumableForm, MovementForm, StockTakeForm
from plugins.inventory.models import Consumable, StockTake
from plugins.inventory.views import apply_errors, bp, me


@bp.route("/consumables")
@permission_required("inventory.stock")
def consumables():
    center = require_center()
    items = db.session.execute(db.select(Consumable).where(Consumable.center_id == center.id)
                               .order_by(Consumable.active.desc(), Consumable.name)).scalars().all()
    table = stock.stock_table(db.session, center)
    low = {c.id for c, _qty in stock.low_stock(db.session, center)}
    return render_template("inventory/consumables.html", items=items, table=table, low=low,
                           LOCATIONS=LOCATIONS)


@bp.route("/consumables/new", methods=["GET", "POST"])
@bp.route("/consumables/<int:consumable_id>/edit", methods=["GET", "POST"])
@permission_required("inventory.stock")
def consumable_form(consumable_id: int | None = None):
    center = require_center()
    item = get_or_404(Consumable, consumable_id) if consumable_id else None
    form = ConsumableForm(obj=item)
    if form.validate_on_submit():
        try:
            item = stock.save_consumable(db.session, center, code=form.code.data,
                                         name=form.name.data, unit=form.unit.data or "",
                                         reorder_level=form.reorder_level.data or 0,
                                         active=form.active.data, consumable=item)
        except services.InventoryError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("%(name)s saved.", name=item.name), "success")
            return redirect(url_for("inventory.consumable_view", consumable_id=item.id))
    return render_template("inventory/consumable_form.html", form=form, item=item)


@bp.route("/consumables/<int:consumable_id>", methods=["GET", "POST"])
@permission_required("inventory.stock")
def consumable_view(consumable_id: int):
    center = require_center()
    item = get_or_404(Consumable, consumable_id)
    form = MovementForm()
    if form.validate_on_submit():
        kind, qty = form.kind.data, form.quantity.data
        args = dict(reason=form.reason.data or "", user=me())
        try:
            if kind == "receive":
                stock.receive(db.session, center, item, form.location.data, qty, **args)
            elif kind == "issue":
                stock.issue(db.session, center, item, form.location.data, qty, **args)
            elif kind == "adjust":
                stock.adjust(db.session, center, item, form.location.data, qty, **args)
            elif kind == "transfer":
                stock.transfer(db.session, center, item, form.location.data,
                               form.to_location.data, qty, **args)
            else:
                abort(400)
        except services.InventoryError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("%(kind)s of %(qty)s %(unit)s recorded.", kind=MOVEMENT_KINDS[kind],
                    qty=qty, unit=item.unit), "success")
            return redirect(url_for("inventory.consumable_view", consumable_id=item.id))
    rows = db.session.execute(stock.movements(center, consumable_id=item.id).limit(200)).scalars().all()
    by_location = {loc: qty for (cid, loc), qty in stock.stock_table(db.session, center).items()
                   if cid == item.id}
    return render_template("inventory/consumable.html", item=item, form=form, movements=rows,
                           by_location=by_location, LOCATIONS=LOCATIONS,
                           active_kind=form.kind.data or "receive")


@bp.route("/movements")
@permission_required("inventory.stock")
def movements():
    center = require_center()
    location = request.args.get("location", "")
    location = location if location in LOCATIONS else ""
    rows = db.session.execute(stock.movements(center, location=location).limit(500)).scalars().all()
    return render_template("inventory/movements.html", movements=rows, location=location,
                           LOCATIONS=LOCATIONS)


# -- stock-takes ----------------------------------------------------------------------------


@bp.route("/stocktakes", methods=["GET", "POST"])
@permission_required("inventory.stock")
def stocktakes():
    center = require_center()
    form = StockTakeForm()
    if form.validate_on_submit():
        try:
            take = stock.start_stock_take(db.session, center, form.location.data,
                                          note=form.note.data or "", user=me())
        except services.InventoryError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Count sheet ready."), "success")
            return redirect(url_for("inventory.stocktake_view", take_id=take.id))
    takes = db.session.execute(db.select(StockTake).where(StockTake.center_id == center.id)
                               .order_by(StockTake.started_at.desc()).limit(100)).scalars().all()
    return render_template("inventory/stocktakes.html", form=form, takes=takes)


def _counts_from_form(take) -> tuple[dict, list[str]]:
    counts, errors = {}, []
    for line in take.lines:
        raw = request.form.get(f"count-{line.id}", "").strip()
        reason = request.form.get(f"reason-{line.id}", "")
        if raw == "":
            counts[line.id] = (None, reason)
            continue
        try:
            value = int(raw)
            if value < 0:
                raise ValueError(raw)
        except ValueError:
            errors.append(_("%(name)s: a count is a whole number, 0 or more.",
                            name=line.consumable.name))
            continue
        counts[line.id] = (value, reason)
    return counts, errors


@bp.route("/stocktakes/<int:take_id>", methods=["GET", "POST"])
@permission_required("inventory.stock")
def stocktake_view(take_id: int):
    take = get_or_404(StockTake, take_id)
    form = ActionForm()
    typed = {}
    if request.method == "POST" and take.status == "open" and form.validate_on_submit():
        counts, errors = _counts_from_form(take)
        typed = {k: request.form.get(k, "") for k in request.form}
        if errors:
            for message in errors:
                flash(message, "danger")
        else:
            try:
                seen = {line.id for line in take.asset_lines
                        if request.form.get(f"seen-{line.id}")}
                stock.record_counts(db.session, take, counts, seen)
                if request.form.get("action") == "post":
                    posted = stock.post_stock_take(db.session, take, user=me())
                    db.session.commit()
                    flash(_("Stock-take posted: %(n)s adjustment(s).", n=len(posted)), "success")
                else:
                    db.session.commit()
                    flash(_("Counts saved."), "success")
                return redirect(url_for("inventory.stocktake_view", take_id=take.id))
            except services.InventoryError as exc:
                db.session.rollback()
                flash(str(exc), "danger")
    current = {line.id: stock.stock_of(db.session, line.consumable, take.location)
               for line in take.lines}
    return render_template("inventory/stocktake.html", take=take, form=form, typed=typed,
                           current=current, LOCATIONS=LOCATIONS)
