"""Accepted items (letters, parcels), their customs declarations and tracking events."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audited
from core.extensions import db
from core.tenancy import CenterOwned, utcnow

# Events a clerk records on an item (the item screen's list).
EVENT_KINDS = ("accepted", "dispatched", "arrived", "out_for_delivery", "delivered", "returned")
# Events only a void or refund of the item's sale writes (services_sales): the item was
# cancelled at the counter, and its status stays so; it takes no further event.
CANCEL_KINDS = ("voided", "refunded")
# Every kind's label, for the screens and the public tracking page (Khmer in the catalogue).
EVENT_LABELS = {
    "accepted": _l("Accepted"),
    "dispatched": _l("Dispatched"),
    "arrived": _l("Arrived at office"),
    "out_for_delivery": _l("Out for delivery"),
    "delivered": _l("Delivered"),
    "returned": _l("Returned"),
    "voided": _l("Cancelled at the counter (sale voided)"),
    "refunded": _l("Cancelled at the counter (refunded)"),
}
CUSTOMS_CATEGORIES = ("gift", "documents", "sample", "returned", "sale", "other")


def _party(prefix: str) -> dict:
    """The columns of one party (sender or addressee)."""
    return {
        f"{prefix}_name": mapped_column(sa.String(200)),
        f"{prefix}_phone": mapped_column(sa.String(32), default=""),
        f"{prefix}_province": mapped_column(sa.String(2), default=""),
        f"{prefix}_district": mapped_column(sa.String(4), default=""),
        f"{prefix}_commune": mapped_column(sa.String(6), default=""),
        f"{prefix}_address": mapped_column(sa.String(300), default=""),
        f"{prefix}_country": mapped_column(sa.String(2), default="KH"),
    }


class Item(CenterOwned, Audited, db.Model):
    __tablename__ = "postal_item"
    __table_args__ = (sa.UniqueConstraint("s10"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    s10: Mapped[str | None] = mapped_column(sa.String(13), nullable=True)
    sale_line_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("postal_sale_line.id"), nullable=True, index=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("postal_service.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    weight_g: Mapped[int] = mapped_column()
    length_mm: Mapped[int | None] = mapped_column(nullable=True)
    width_mm: Mapped[int | None] = mapped_column(nullable=True)
    height_mm: Mapped[int | None] = mapped_column(nullable=True)
    declared_value_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    declared_currency: Mapped[str] = mapped_column(sa.String(3), default="USD")
    status: Mapped[str] = mapped_column(sa.String(20), default="accepted")
    locals().update(_party("sender"))
    locals().update(_party("addressee"))

    service = relationship("PostalService", lazy="joined")
    sale_line = relationship("SaleLine", back_populates="items")
    customs = relationship("CustomsDeclaration", back_populates="item", uselist=False,
                           lazy="selectin")
    events = relationship("TrackingEvent", back_populates="item",
                          order_by="TrackingEvent.at", lazy="selectin")

    @property
    def international(self) -> bool:
        return (self.addressee_country or "KH") != "KH"


class CustomsDeclaration(CenterOwned, Audited, db.Model):
    """A CN22 or CN23 for an international item with goods."""

    __tablename__ = "postal_customs"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("postal_item.id"), unique=True)
    form: Mapped[str] = mapped_column(sa.String(4))  # CN22 or CN23
    category: Mapped[str] = mapped_column(sa.String(16))
    explanation: Mapped[str] = mapped_column(sa.String(300), default="")
    gross_weight_g: Mapped[int] = mapped_column()
    total_value_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3), default="USD")

    item = relationship(Item, back_populates="customs")
    lines = relationship("CustomsLine", back_populates="declaration",
                         order_by="CustomsLine.id", lazy="selectin")


class CustomsLine(CenterOwned, db.Model):
    __tablename__ = "postal_customs_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(sa.ForeignKey("postal_customs.id"), index=True)
    description: Mapped[str] = mapped_column(sa.String(200))
    quantity: Mapped[int] = mapped_column()
    net_weight_g: Mapped[int] = mapped_column()
    value_minor: Mapped[int] = mapped_column(sa.BigInteger)
    hs_code: Mapped[str] = mapped_column(sa.String(10), default="")
    origin_country: Mapped[str] = mapped_column(sa.String(2), default="")

    declaration = relationship(CustomsDeclaration, back_populates="lines")


class TrackingEvent(CenterOwned, Audited, db.Model):
    __tablename__ = "postal_tracking_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("postal_item.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    office: Mapped[str] = mapped_column(sa.String(200), default="")
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), nullable=True)

    item = relationship(Item, back_populates="events")
