"""Loans (check-out, check-in, overdue), repair tickets and preventive maintenance."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core import clock
from core.auth import permission_required
from core.extensions import db
from core.forms import choices
from core.tenancy import get_or_404, require_center
from plugins.inventory import loans, repairs, services
from plugins.inventory.constants import TICKET_FLOW, TICKET_STATUSES, label
from plugins.inventory.forms import (
    ActionForm,
    AssignForm,
    CheckinForm,
    CheckoutForm,
    PartForm,
    PlanForm,
    TicketForm,
    TicketStatusForm,
)
from plugins.inventory.models import Asset, Consumable, Loan, MaintenancePlan, RepairTicket
from plugins.inventory.views import apply_errors, bp, me, staff_choices


def _people_choices(center, purpose: str, current: str = "") -> tuple[list, dict]:
    """Choices for a person field, from what the user searched (``?q=``) through the hook."""
    query = request.args.get("q", "").strip()
    people = loans.find_people(db.session, center, query, purpose) if query else []
    names = {p.ref: p.name for p in people}
    items = [("", _("— search first —") if not people else _("— choose —"))]
    items += [(p.ref, f"{p.name} · {p.detail}" if p.detail else p.name) for p in people]
    if current and current not in names:
        items.append((current, request.form.get("borrower_ref_name") or current))
    return choices(items), names


# -- loans ------------------------------------------------------------------------------


@bp.route("/loans")
@permission_required("inventory.manage")
def loans_list():
    center = require_center()
    today = clock.today(center)
    overdue_only = request.args.get("overdue") == "1"
    query = loans.overdue_loans(center, today) if overdue_only else loans.open_loans(center)
    rows = db.session.execute(query).scalars().all()
    recent = db.session.execute(
        db.select(Loan).where(Loan.center_id == center.id, Loan.returned_at.is_not(None))
        .order_by(Loan.returned_at.desc()).limit(20)).scalars().all()
    return render_template("inventory/loans.html", loans=rows, recent=recent, today=today,
                           overdue_only=overdue_only,
                           overdue=loans.overdue_count(db.session, center, today))


@bp.route("/assets/<int:asset_id>/checkout", methods=["GET", "POST"])
@permission_required("inventory.manage")
def checkout(asset_id: int):
    center = require_center()
    asset = get_or_404(Asset, asset_id)
    form = CheckoutForm()
    form.borrower_user.choices = staff_choices(center, _("— choose —"))
    form.borrower_ref.choices, names = _people_choices(center, "loan", form.borrower_ref.data or "")
    if request.method == "GET":
        form.due_on.data = clock.today(center) + timedelta(days=7)
        if request.args.get("q"):
            form.borrower_kind.data = "trainee"
    if form.validate_on_submit():
        kind = form.borrower_kind.data
        ref = (form.borrower_ref.data or "") if kind == "trainee" else ""
        name = form.borrower_name.data or ""
        if kind == "trainee":
            name = request.form.get("borrower_ref_name") or names.get(ref, "") or name
        try:
            loan = loans.check_out(
                db.session, center, asset, borrower_kind=kind,
                borrower_user=services.staff_member(db.session, center, form.borrower_user.data)
                if kind == "staff" else None,
                borrower_ref=ref, borrower_name=name,
                borrower_contact=form.borrower_contact.data or "", due_on=form.due_on.data,
                condition_out=form.condition_out.data, notes=form.notes.data or "", user=me())
        except services.InventoryError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("%(tag)s lent to %(name)s until %(due)s.", tag=asset.tag,
                    name=loan.borrower_name, due=loan.due_on.isoformat()), "success")
            return redirect(url_for("inventory.asset_view", asset_id=asset.id))
    return render_template("inventory/checkout.html", form=form, asset=asset,
                           query=request.args.get("q", ""), names=names)


@bp.route("/loans/<int:loan_id>/checkin", methods=["GET", "POST"])
@permission_required("inventory.manage")
def checkin(loan_id: int):
    loan = get_or_404(Loan, loan_id)
    form = CheckinForm()
    if request.method == "GET":
        form.condition_in.data = loan.condition_out
    if form.validate_on_submit():
        try:
            loans.check_in(db.session, loan, condition_in=form.condition_in.data,
                           notes=form.notes.data or "", user=me())
        except services.InventoryError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("%(tag)s is back.", tag=loan.asset.tag), "success")
            return redirect(url_for("inventory.asset_view", asset_id=loan.asset_id))
    return render_template("inventory/checkin.html", form=form, loan=loan)


# -- repairs ----------------------------------------------------------------------------


@bp.route("/repairs")
@permission_required("inventory.repair")
def repairs_list():
    center = require_center()
    status = request.args.get("status", "")
    status = status if status in TICKET_STATUSES else ""
    open_only = request.args.get("all") != "1" and not status
    rows = db.session.execute(repairs.tickets_query(center, status=status, open_only=open_only)
                              .limit(500)).scalars().all()
    return render_template("inventory/repairs.html", tickets=rows, status=status,
                           open_only=open_only, TICKET_STATUSES=TICKET_STATUSES,
                           downtime=repairs.downtime_text)


@bp.route("/assets/<int:asset_id>/repair", methods=["GET", "POST"])
@permission_required("inventory.repair")
def ticket_new(asset_id: int):
    center = require_center()
    asset = get_or_404(Asset, asset_id)
    form = TicketForm()
    form.technician_id.choices = staff_choices(center, _("— not yet —"))
    if form.validate_on_submit():
        try:
            ticket = repairs.open_ticket(
                db.session, center, asset, problem=form.problem.data,
                priority=form.priority.data, user=me(),
                technician=services.staff_member(db.session, center, form.technician_id.data))
        except services.InventoryError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Repair ticket %(n)s opened.", n=ticket.number), "success")
            return redirect(url_for("inventory.ticket_view", ticket_id=ticket.id))
    return render_template("inventory/ticket_new.html", form=form, asset=asset)


def _ticket_forms(center, ticket):
    status_form = TicketStatusForm(prefix="st")
    status_form.status.choices = choices(
        (s, label(TICKET_STATUSES, s)) for s in TICKET_FLOW[ticket.status])
    assign_form = AssignForm(prefix="as")
    assign_form.technician_id.choices = staff_choices(center, _("— nobody —"))
    assign_form.trainee_ref.choices, names = _people_choices(center, "repair_trainee",
                                                             ticket.trainee_ref)
    if request.method == "GET":
        assign_form.technician_id.data = str(ticket.technician_id or "")
        assign_form.trainee_ref.data = ticket.trainee_ref
    part_form = PartForm(prefix="pt")
    items = db.session.execute(db.select(Consumable).where(
        Consumable.center_id == center.id, Consumable.active.is_(True))
        .order_by(Consumable.name)).scalars().all()
    part_form.consumable_id.choices = choices((str(c.id), f"{c.name} ({c.unit})") for c in items)
    return status_form, assign_form, part_form, names


@bp.route("/repairs/<int:ticket_id>", methods=["GET", "POST"])
@permission_required("inventory.repair")
def ticket_view(ticket_id: int):
    center = require_center()
    ticket = get_or_404(RepairTicket, ticket_id)
    status_form, assign_form, part_form, names = _ticket_forms(center, ticket)
    action = request.form.get("action")
    try:
        if action == "status" and status_form.validate_on_submit():
            cost = services.parse_cost(status_form.cost.data, ticket.currency)
            repairs.advance(db.session, ticket, status_form.status.data,
                            resolution=status_form.resolution.data or "", cost_minor=cost, user=me())
            db.session.commit()
            flash(_("Ticket %(n)s is now %(s)s.", n=ticket.number,
                    s=label(TICKET_STATUSES, ticket.status)), "success")
            return redirect(url_for("inventory.ticket_view", ticket_id=ticket.id))
        if action == "assign" and assign_form.validate_on_submit():
            ref = assign_form.trainee_ref.data or ""
            repairs.assign(db.session, ticket, technician=services.staff_member(
                db.session, center, assign_form.technician_id.data), trainee_ref=ref,
                trainee_name=names.get(ref) or request.form.get("trainee_name")
                or (ticket.trainee_name if ref == ticket.trainee_ref else ""))
            db.session.commit()
            flash(_("Ticket %(n)s assigned.", n=ticket.number), "success")
            return redirect(url_for("inventory.ticket_view", ticket_id=ticket.id))
        if action == "part" and part_form.validate_on_submit():
            item = get_or_404(Consumable, int(part_form.consumable_id.data))
            repairs.use_part(db.session, ticket, item, part_form.location.data,
                             part_form.quantity.data, user=me())
            db.session.commit()
            flash(_("Part recorded and taken out of stock."), "success")
            return redirect(url_for("inventory.ticket_view", ticket_id=ticket.id))
    except services.InventoryError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    from plugins.inventory.models import StockMovement

    parts = db.session.execute(db.select(StockMovement).where(StockMovement.ticket_id == ticket.id)
                               .order_by(StockMovement.id)).scalars().all()
    return render_template("inventory/ticket.html", ticket=ticket, status_form=status_form,
                           assign_form=assign_form, part_form=part_form, parts=parts,
                           query=request.args.get("q", ""), downtime=repairs.downtime_text)


# -- preventive maintenance ---------------------------------------------------------------


@bp.route("/maintenance", methods=["GET", "POST"])
@permission_required("inventory.manage")
def maintenance():
    center = require_center()
    form = PlanForm()
    if form.validate_on_submit():
        try:
            repairs.save_plan(db.session, center, category=form.category.data,
                              every_days=form.every_days.data, task=form.task.data or "",
                              active=form.active.data)
        except services.InventoryError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Maintenance plan saved."), "success")
            return redirect(url_for("inventory.maintenance"))
    plans = db.session.execute(db.select(MaintenancePlan).where(
        MaintenancePlan.center_id == center.id).order_by(MaintenancePlan.category)).scalars().all()
    return render_template("inventory/maintenance.html", form=form, plans=plans,
                           run_form=ActionForm(prefix="run"))


@bp.route("/maintenance/run", methods=["POST"])
@permission_required("inventory.manage")
def maintenance_run():
    center = require_center()
    if ActionForm(prefix="run").validate_on_submit():
        opened = repairs.maintenance_due(db.session, center, user=me())
        db.session.commit()
        flash(_("%(n)s maintenance ticket(s) opened.", n=len(opened)), "success")
    return redirect(url_for("inventory.repairs_list"))
