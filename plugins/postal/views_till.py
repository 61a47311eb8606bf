"""Till sessions: open with a counted float, cash in and out, close, X and Z reports."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.auth import can, permission_required
from core.downloads import pdf_response
from core.extensions import db
from core.tenancy import get_or_404, require_center, scoped
from plugins.postal import printing
from plugins.postal.forms import CashMoveForm, CloseTillForm, OpenTillForm
from plugins.postal.models import TillSession
from plugins.postal.services_till import (
    TillError,
    close_till,
    move_cash,
    open_till,
    till_totals,
)
from plugins.postal.views import bp, own_open_till

# -- till -------------------------------------------------------------------------------------


@bp.route("/postal/till/open", methods=["GET", "POST"])
@permission_required("postal.sell")
def till_open():
    center = require_center()
    if own_open_till(center) is not None and request.method == "GET":
        return redirect(url_for("postal.index"))
    form = OpenTillForm()
    if form.validate_on_submit():
        try:
            open_till(db.session, center, current_user, counter=form.counter.data.strip(),
                      float_khr=form.float_khr.minor, float_usd=form.float_usd.minor)
            db.session.commit()
        except TillError as exc:
            db.session.rollback()
            form.counter.errors = [*form.counter.errors, str(exc)]
        else:
            flash(_("Till open."), "success")
            return redirect(url_for("postal.index"))
    return render_template("postal/till_open.html", form=form)


def _till_for_view(till_id: int) -> TillSession:
    till = get_or_404(TillSession, till_id)
    if till.clerk_id != current_user.id and not can("postal.manage"):
        abort(403)
    return till


@bp.route("/postal/till")
@permission_required("postal.sell")
def till_current():
    till = own_open_till(require_center())
    if till is None:
        return redirect(url_for("postal.till_open"))
    return redirect(url_for("postal.till", till_id=till.id))


@bp.route("/postal/till/<int:till_id>")
@permission_required("postal.sell")
def till(till_id: int):
    record = _till_for_view(till_id)
    return render_template("postal/till.html", till=record,
                           totals=till_totals(db.session, record),
                           move_form=CashMoveForm(), close_form=CloseTillForm())


@bp.route("/postal/till/<int:till_id>/cash", methods=["POST"])
@permission_required("postal.sell")
def till_cash(till_id: int):
    center = require_center()
    record = _till_for_view(till_id)
    form = CashMoveForm()
    if form.validate_on_submit():
        try:
            from core import money

            amount = money.parse(form.amount.data, form.currency.data).minor
            move_cash(db.session, center, record, direction=form.direction.data,
                      currency=form.currency.data, amount_minor=amount,
                      reason=form.reason.data)
            db.session.commit()
            flash(_("Cash movement recorded."), "success")
            return redirect(url_for("postal.till", till_id=record.id))
        except (TillError, ValueError) as exc:
            db.session.rollback()
            form.amount.errors = [*form.amount.errors, str(exc)]
    return render_template("postal/till.html", till=record,
                           totals=till_totals(db.session, record), move_form=form,
                           close_form=CloseTillForm(formdata=None)), 422


@bp.route("/postal/till/<int:till_id>/close", methods=["POST"])
@permission_required("postal.sell")
def till_close(till_id: int):
    center = require_center()
    record = _till_for_view(till_id)
    form = CloseTillForm()
    if form.validate_on_submit():
        try:
            close_till(db.session, center, record, counted_khr=form.counted_khr.minor,
                       counted_usd=form.counted_usd.minor)
            db.session.commit()
            flash(_("Till closed. Print the Z report."), "success")
            return redirect(url_for("postal.till", till_id=record.id))
        except TillError as exc:
            db.session.rollback()
            form.counted_khr.errors = [*form.counted_khr.errors, str(exc)]
    return render_template("postal/till.html", till=record,
                           totals=till_totals(db.session, record),
                           move_form=CashMoveForm(formdata=None), close_form=form), 422


@bp.route("/postal/till/<int:till_id>/report.pdf")
@permission_required("postal.sell")
def till_report(till_id: int):
    record = _till_for_view(till_id)
    data = printing.render_till_report(record, till_totals(db.session, record))
    kind = "Z" if record.closed_at else "X"
    return pdf_response(data, f"{kind}-report-{record.id}.pdf")


@bp.route("/postal/tills")
@permission_required("postal.manage")
def tills():
    center = require_center()
    rows = db.session.execute(scoped(TillSession, center).order_by(
        TillSession.id.desc()).limit(100)).scalars().all()
    return render_template("postal/tills.html", tills=rows)
