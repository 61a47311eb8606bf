"""Repair tickets (status flow, technician or trainee, parts, cost, downtime) and
preventive maintenance plans that open tickets when they fall due."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core import clock
from core.tenancy import utcnow
from plugins.inventory import stock
from plugins.inventory.constants import (
    CATEGORIES,
    OPEN_TICKET_STATUSES,
    PRIORITIES,
    TICKET_FLOW,
    TICKET_STATUSES,
)
from plugins.inventory.loans import lock_asset
from plugins.inventory.models import Asset, MaintenancePlan, RepairTicket
from plugins.inventory.services import InventoryError, open_repairs, staff_of

TICKET_SERIES = "inventory.repair"
TICKET_PATTERN = "{center}-R{n:05d}"


def _allocate_number(session, center) -> str:
    from core.sequences import allocate

    return allocate(session, center, TICKET_SERIES, pattern=TICKET_PATTERN, per_year=False)


def _check_technician(session, center, technician) -> None:
    if technician is not None and technician not in staff_of(session, center):
        raise InventoryError(_l("The technician must be a staff member of this center."),
                             "technician_id")


def open_ticket(session, center, asset: Asset, *, problem: str, priority: str = "normal",
                technician=None, trainee_ref: str = "", trainee_name: str = "",
                kind: str = "corrective", plan: MaintenancePlan | None = None,
                user=None) -> RepairTicket:
    """Report a problem (or a maintenance visit). A repair takes the asset out of service."""
    problem = (problem or "").strip()
    if not problem:
        raise InventoryError(_l("Describe the problem."), "problem")
    if priority not in PRIORITIES:
        raise InventoryError(_l("Choose a priority."), "priority")
    _check_technician(session, center, technician)
    locked = lock_asset(session, asset.id)
    if locked.status in ("retired", "lost"):
        raise InventoryError(_l("%(tag)s is retired or lost.", tag=locked.tag))
    if kind == "corrective" and locked.status == "on_loan":
        raise InventoryError(_l("%(tag)s is on loan: check it in first.", tag=locked.tag))
    ticket = RepairTicket(
        center_id=center.id, number=_allocate_number(session, center), asset_id=locked.id,
        kind=kind, plan_id=plan.id if plan else None, problem=problem, priority=priority,
        technician_id=technician.id if technician else None, trainee_ref=trainee_ref or "",
        trainee_name=(trainee_name or "")[:200], reported_by_id=user.id if user else None,
        currency=locked.currency or "USD",
    )
    session.add(ticket)
    session.flush()
    if kind == "corrective" and locked.status == "in_service":
        locked._actor_id = user.id if user else None
        locked._event_note = f"repair ticket {ticket.number}: {problem[:80]}"
        locked.status = "under_repair"
        session.flush()
    return ticket


def assign(session, ticket: RepairTicket, *, technician=None, trainee_ref: str = "",
           trainee_name: str = "") -> RepairTicket:
    _check_technician(session, ticket.center, technician)
    ticket.technician_id = technician.id if technician else None
    ticket.trainee_ref = trainee_ref or ""
    ticket.trainee_name = (trainee_name or "")[:200]
    session.flush()
    return ticket


def advance(session, ticket: RepairTicket, new_status: str, *, resolution: str = "",
            cost_minor: int | None = None, user=None) -> RepairTicket:
    """Move the ticket along its flow; repaired puts the asset back in service (unless
    another open repair ticket of the asset still holds it under repair), and closing an
    unrepairable ticket retires the asset."""
    if new_status not in TICKET_STATUSES or new_status not in TICKET_FLOW[ticket.status]:
        raise InventoryError(_l("A ticket that is %(now)s cannot become %(new)s.",
                                now=TICKET_STATUSES[ticket.status],
                                new=TICKET_STATUSES.get(new_status, new_status)), "status")
    now = utcnow()
    previous, ticket.status = ticket.status, new_status
    if resolution:
        ticket.resolution = (ticket.resolution + "\n" if ticket.resolution else "") + resolution
    if cost_minor is not None:
        if cost_minor < 0:
            raise InventoryError(_l("The cost cannot be negative."), "cost")
        ticket.cost_minor = cost_minor
    asset = lock_asset(session, ticket.asset_id)
    asset._actor_id = user.id if user else None
    asset._event_note = f"repair ticket {ticket.number}: {new_status}"
    if new_status in ("repaired", "unrepairable"):
        ticket.resolved_at = now
        # another open repair ticket of the asset keeps it under repair
        others = open_repairs(session, asset, exclude_id=ticket.id)
        if new_status == "repaired" and asset.status == "under_repair" and not others:
            asset.status = "in_service"
            if asset.condition == "broken":
                asset.condition = "fair"
        if new_status == "unrepairable":
            asset.condition = "broken"
    elif new_status == "closed":
        ticket.closed_at = now
        if ticket.resolved_at is None:
            ticket.resolved_at = now
        if previous == "unrepairable" and asset.status == "under_repair":
            asset.status = "retired"
    session.flush()
    return ticket


def use_part(session, ticket: RepairTicket, consumable, location: str, quantity: int,
             *, user=None):
    """Take parts for the repair out of stock: an issue movement linked to the ticket."""
    if ticket.status not in OPEN_TICKET_STATUSES:
        raise InventoryError(_l("Parts can only be added to an open ticket."))
    return stock.issue(session, ticket.center, consumable, location, quantity,
                       reason=f"repair {ticket.number}", ticket=ticket, user=user)


def downtime_text(delta: timedelta) -> str:
    days, seconds = delta.days, delta.seconds
    return f"{days}d {seconds // 3600}h" if days else f"{seconds // 3600}h {seconds % 3600 // 60}m"


# -- preventive maintenance ------------------------------------------------------------


def save_plan(session, center, *, category: str, every_days: int, task: str = "",
              active: bool = True) -> MaintenancePlan:
    if category not in CATEGORIES:
        raise InventoryError(_l("Choose a category."), "category")
    if not every_days or every_days < 1:
        raise InventoryError(_l("Give the number of days between visits."), "every_days")
    plan = session.execute(sa.select(MaintenancePlan).where(
        MaintenancePlan.center_id == center.id, MaintenancePlan.category == category)
    ).scalar_one_or_none()
    if plan is None:
        plan = MaintenancePlan(center_id=center.id, category=category)
        session.add(plan)
    plan.every_days, plan.task, plan.active = every_days, task or "", active
    session.flush()
    return plan


def _last_visit(session, plan, asset) -> date:
    last = session.execute(
        sa.select(sa.func.max(RepairTicket.reported_at)).where(
            RepairTicket.asset_id == asset.id, RepairTicket.kind == "preventive")
    ).scalar()
    if isinstance(last, datetime):
        return last.date()
    return asset.purchase_date or asset.created_at.date()


def maintenance_due(session, center, *, today: date | None = None, user=None) -> list[RepairTicket]:
    """Open a preventive ticket for every asset whose plan says a visit is due.

    An asset with an open preventive ticket is skipped, so running this twice in a day
    opens nothing twice. The caller commits.
    """
    today = today or clock.today(center)
    plans = session.execute(sa.select(MaintenancePlan).where(
        MaintenancePlan.center_id == center.id, MaintenancePlan.active.is_(True))
    ).scalars().all()
    opened = []
    for plan in plans:
        assets = session.execute(sa.select(Asset).where(
            Asset.center_id == center.id, Asset.category == plan.category,
            Asset.status.in_(("in_service", "on_loan", "under_repair"))).order_by(Asset.tag)
        ).scalars().all()
        for asset in assets:
            pending = session.execute(sa.select(RepairTicket.id).where(
                RepairTicket.asset_id == asset.id, RepairTicket.kind == "preventive",
                RepairTicket.status.in_(OPEN_TICKET_STATUSES))).first()
            if pending:
                continue
            if _last_visit(session, plan, asset) + timedelta(days=plan.every_days) > today:
                continue
            opened.append(open_ticket(
                session, center, asset, kind="preventive", plan=plan, user=user,
                problem=plan.task or f"Preventive maintenance every {plan.every_days} days"))
    return opened


def tickets_query(center, *, status: str = "", open_only: bool = False):
    query = sa.select(RepairTicket).where(RepairTicket.center_id == center.id)
    if status:
        query = query.where(RepairTicket.status == status)
    elif open_only:
        query = query.where(RepairTicket.status.in_(OPEN_TICKET_STATUSES))
    return query.order_by(RepairTicket.reported_at.desc(), RepairTicket.id.desc())
