"""The inventory's tables: assets and their history and photos, loans, repair tickets,
maintenance plans, consumables, stock movements and stock-takes.

Rules the database itself enforces (on SQLite and PostgreSQL alike):
* a serial number is unique per center when it is given (a partial unique index);
* an asset has at most one open loan (a partial unique index on ``asset_id`` where
  ``returned_at IS NULL``), so two simultaneous check-outs cannot both succeed;
* stock movements are never updated or deleted: stock is their sum. The ORM refuses, and
  so do triggers of revision inventory_0002 (PostgreSQL: UPDATE and DELETE; SQLite: UPDATE).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask import has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.audit import Audited
from core.extensions import db
from core.tenancy import CenterOwned, utcnow

# Fields of an asset whose every change is written to the asset's own history.
TRACKED_FIELDS = (
    "category", "make", "model", "serial", "location", "condition", "status",
    "purchase_date", "cost_minor", "currency", "funding_source", "warranty_end",
    "custodian_id", "custodian_name", "notes",
)


class Asset(Audited, CenterOwned, db.Model):
    __tablename__ = "inventory_asset"
    __table_args__ = (
        sa.UniqueConstraint("center_id", "tag"),
        sa.Index(
            "uq_inventory_asset_center_serial", "center_id", "serial", unique=True,
            sqlite_where=sa.text("serial <> ''"), postgresql_where=sa.text("serial <> ''"),
        ),
        sa.Index("ix_inventory_asset_center_status", "center_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tag: Mapped[str] = mapped_column(sa.String(40))
    category: Mapped[str] = mapped_column(sa.String(32))
    make: Mapped[str] = mapped_column(sa.String(100), default="")
    model: Mapped[str] = mapped_column(sa.String(100), default="")
    serial: Mapped[str] = mapped_column(sa.String(100), default="")
    location: Mapped[str] = mapped_column(sa.String(32))
    condition: Mapped[str] = mapped_column(sa.String(16), default="good")
    status: Mapped[str] = mapped_column(sa.String(16), default="in_service")
    purchase_date: Mapped[date | None] = mapped_column(nullable=True)
    cost_minor: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    currency: Mapped[str] = mapped_column(sa.String(3), default="USD")
    funding_source: Mapped[str] = mapped_column(sa.String(200), default="")
    warranty_end: Mapped[date | None] = mapped_column(nullable=True)
    custodian_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id"), nullable=True, index=True)
    custodian_name: Mapped[str] = mapped_column(sa.String(200), default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), nullable=True)

    custodian = relationship("User", foreign_keys=[custodian_id], lazy="joined")
    photos = relationship("AssetPhoto", back_populates="asset", order_by="AssetPhoto.id")
    events = relationship("AssetEvent", back_populates="asset",
                          order_by="(AssetEvent.at.desc(), AssetEvent.id.desc())")

    @property
    def custodian_label(self) -> str:
        if self.custodian is not None:
            return self.custodian.full_name or self.custodian.username
        return self.custodian_name

    def __repr__(self) -> str:
        return f"<Asset {self.tag}>"


class AssetEvent(CenterOwned, db.Model):
    """One line of an asset's history: who, when, what changed from what to what."""

    __tablename__ = "inventory_asset_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(sa.ForeignKey("inventory_asset.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), nullable=True)
    action: Mapped[str] = mapped_column(sa.String(32))  # created, changed, loan, return, repair...
    field: Mapped[str] = mapped_column(sa.String(32), default="")
    old_value: Mapped[str] = mapped_column(sa.Text, default="")
    new_value: Mapped[str] = mapped_column(sa.Text, default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")

    asset = relationship("Asset", back_populates="events")
    user = relationship("User", lazy="joined")


class AssetPhoto(CenterOwned, db.Model):
    __tablename__ = "inventory_asset_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(sa.ForeignKey("inventory_asset.id"), index=True)
    stored_name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    original_name: Mapped[str] = mapped_column(sa.String(200), default="")
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int] = mapped_column()
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), nullable=True)

    asset = relationship("Asset", back_populates="photos")


class Loan(Audited, CenterOwned, db.Model):
    __tablename__ = "inventory_loan"
    __table_args__ = (
        # The database refuses a second open loan of one asset.
        sa.Index(
            "uq_inventory_loan_open_asset", "asset_id", unique=True,
            sqlite_where=sa.text("returned_at IS NULL"),
            postgresql_where=sa.text("returned_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(sa.ForeignKey("inventory_asset.id"), index=True)
    borrower_kind: Mapped[str] = mapped_column(sa.String(16))  # staff, trainee, community
    borrower_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id"), nullable=True)
    borrower_ref: Mapped[str] = mapped_column(sa.String(100), default="")  # PersonRef.ref
    borrower_name: Mapped[str] = mapped_column(sa.String(200))
    borrower_contact: Mapped[str] = mapped_column(sa.String(200), default="")
    out_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_on: Mapped[date] = mapped_column(index=True)
    condition_out: Mapped[str] = mapped_column(sa.String(16))
    out_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), nullable=True)
    returned_at: Mapped[datetime | None] = mapped_column(nullable=True)
    condition_in: Mapped[str] = mapped_column(sa.String(16), default="")
    in_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), nullable=True)
    notes: Mapped[str] = mapped_column(sa.Text, default="")

    asset = relationship("Asset", lazy="joined")

    def is_overdue(self, today: date) -> bool:
        return self.returned_at is None and self.due_on < today


class MaintenancePlan(Audited, CenterOwned, db.Model):
    """Preventive maintenance: every asset of ``category`` is serviced every N days."""

    __tablename__ = "inventory_maintenance_plan"
    __table_args__ = (sa.UniqueConstraint("center_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(sa.String(32))
    every_days: Mapped[int] = mapped_column()
    task: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RepairTicket(Audited, CenterOwned, db.Model):
    __tablename__ = "inventory_repair_ticket"
    __table_args__ = (sa.UniqueConstraint("center_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(40))
    asset_id: Mapped[int] = mapped_column(sa.ForeignKey("inventory_asset.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default="corrective")
    plan_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("inventory_maintenance_plan.id"), nullable=True, index=True)
    problem: Mapped[str] = mapped_column(sa.Text)
    priority: Mapped[str] = mapped_column(sa.String(16), default="normal")
    status: Mapped[str] = mapped_column(sa.String(16), default="reported", index=True)
    technician_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id"), nullable=True)
    trainee_ref: Mapped[str] = mapped_column(sa.String(100), default="")
    trainee_name: Mapped[str] = mapped_column(sa.String(200), default="")
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    reported_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id"), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(nullable=True)  # repaired/unrepairable
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    cost_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    currency: Mapped[str] = mapped_column(sa.String(3), default="USD")
    resolution: Mapped[str] = mapped_column(sa.Text, default="")

    asset = relationship("Asset", lazy="joined")
    technician = relationship("User", foreign_keys=[technician_id], lazy="joined")
    plan = relationship("MaintenancePlan")

    def downtime(self, now: datetime | None = None):
        """How long the asset has been (or was) out: from report to resolution (or now)."""
        end = self.resolved_at or self.closed_at or now or utcnow()
        return end - self.reported_at


class Consumable(Audited, CenterOwned, db.Model):
    __tablename__ = "inventory_consumable"
    __table_args__ = (sa.UniqueConstraint("center_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(200))
    unit: Mapped[str] = mapped_column(sa.String(32), default="")
    reorder_level: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class StockMovement(CenterOwned, db.Model):
    """One change of stock; stock is the sum of these, and they are never changed."""

    __tablename__ = "inventory_stock_movement"
    __table_args__ = (sa.Index("ix_inventory_stock_movement_item_loc", "consumable_id", "location"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consumable_id: Mapped[int] = mapped_column(sa.ForeignKey("inventory_consumable.id"))
    location: Mapped[str] = mapped_column(sa.String(32))
    quantity: Mapped[int] = mapped_column()  # signed: + in, - out
    kind: Mapped[str] = mapped_column(sa.String(16))  # receive, issue, adjust, transfer
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    transfer_ref: Mapped[str] = mapped_column(sa.String(40), default="")
    ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("inventory_repair_ticket.id"), nullable=True, index=True)
    stock_take_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("inventory_stock_take.id"), nullable=True, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    consumable = relationship("Consumable", lazy="joined")
    user = relationship("User", lazy="joined")


class StockTake(Audited, CenterOwned, db.Model):
    __tablename__ = "inventory_stock_take"

    id: Mapped[int] = mapped_column(primary_key=True)
    location: Mapped[str] = mapped_column(sa.String(32))
    status: Mapped[str] = mapped_column(sa.String(16), default="open")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), nullable=True)
    posted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    posted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), nullable=True)

    lines = relationship("StockTakeLine", back_populates="stock_take",
                         order_by="StockTakeLine.id")
    asset_lines = relationship("StockTakeAsset", back_populates="stock_take",
                               order_by="StockTakeAsset.id")


class StockTakeLine(CenterOwned, db.Model):
    __tablename__ = "inventory_stock_take_line"
    __table_args__ = (sa.UniqueConstraint("stock_take_id", "consumable_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stock_take_id: Mapped[int] = mapped_column(sa.ForeignKey("inventory_stock_take.id"), index=True)
    consumable_id: Mapped[int] = mapped_column(sa.ForeignKey("inventory_consumable.id"))
    expected: Mapped[int] = mapped_column(default=0)  # the book stock when the sheet was made
    counted: Mapped[int | None] = mapped_column(nullable=True)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    posted_difference: Mapped[int | None] = mapped_column(nullable=True)

    stock_take = relationship("StockTake", back_populates="lines")
    consumable = relationship("Consumable", lazy="joined")


class StockTakeAsset(CenterOwned, db.Model):
    """An asset expected at the counted location, ticked when seen."""

    __tablename__ = "inventory_stock_take_asset"
    __table_args__ = (sa.UniqueConstraint("stock_take_id", "asset_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stock_take_id: Mapped[int] = mapped_column(sa.ForeignKey("inventory_stock_take.id"), index=True)
    asset_id: Mapped[int] = mapped_column(sa.ForeignKey("inventory_asset.id"), index=True)
    seen: Mapped[bool] = mapped_column(default=False)

    stock_take = relationship("StockTake", back_populates="asset_lines")
    asset = relationship("Asset", lazy="joined")


MODELS = [Asset, AssetEvent, AssetPhoto, Loan, MaintenancePlan, RepairTicket, Consumable,
          StockMovement, StockTake, StockTakeLine, StockTakeAsset]


# -- rules kept whatever code writes ---------------------------------------------------


@event.listens_for(StockMovement, "before_update")
@event.listens_for(StockMovement, "before_delete")
def _refuse_movement_change(mapper, connection, target) -> None:
    raise PermissionError("stock movements are never changed: post a new movement instead")


def _actor_id(obj) -> int | None:
    actor = getattr(obj, "_actor_id", None)
    if actor is not None:
        return actor
    if has_request_context():
        from flask_login import current_user

        if current_user and current_user.is_authenticated:
            return int(current_user.get_id())
    return None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


@event.listens_for(Session, "before_flush")
def _asset_history(session: Session, flush_context, instances) -> None:
    """Write every change of an asset's tracked fields to its history, whoever makes it."""
    for obj in list(session.new):
        if isinstance(obj, Asset) and not getattr(obj, "_history_written", False):
            obj._history_written = True
            initial = "\n".join(f"{key}={_text(getattr(obj, key))}" for key in TRACKED_FIELDS
                                if _text(getattr(obj, key)))
            session.add(AssetEvent(asset=obj, center_id=obj.center_id, action="created",
                                   user_id=_actor_id(obj), new_value=initial,
                                   note=getattr(obj, "_event_note", "")))
    for obj in list(session.dirty):
        if not isinstance(obj, Asset):
            continue
        state = sa.inspect(obj)
        note = getattr(obj, "_event_note", "")
        for key in TRACKED_FIELDS:
            hist = state.attrs[key].history
            if not hist.has_changes():
                continue
            before = hist.deleted[0] if hist.deleted else None
            after = hist.added[0] if hist.added else None
            if _text(before) == _text(after):
                continue
            session.add(AssetEvent(
                asset_id=obj.id, center_id=obj.center_id, action="changed", field=key,
                old_value=_text(before), new_value=_text(after), user_id=_actor_id(obj), note=note,
            ))
        obj._event_note = ""
