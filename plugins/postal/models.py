"""Postal tables: catalogue and tariffs, S10 ranges, till sessions, sales and payments.

Items, customs declarations and tracking events live in :mod:`plugins.postal.models_items`.
Amounts are integers in minor units (riel, cents). Financial rows are never deleted: a void
or refund is a new :class:`Sale` pointing to the original.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.audit import Audited
from core.extensions import db
from core.tenancy import CenterOwned, utcnow

SERVICE_KINDS = ("letter", "registered", "ems", "parcel", "printed", "ar", "counter")
# Kinds whose items carry an S10 identifier.
TRACKED_KINDS = ("registered", "ems", "parcel")
# Kinds that accept an item (sender, addressee, weight).
ITEM_KINDS = ("letter", "registered", "ems", "parcel", "printed")
DOMESTIC = "DOM"
DEFAULT_VAT_BP = 1000  # 10 % in basis points


class PostalService(CenterOwned, Audited, db.Model):
    __tablename__ = "postal_service"
    __table_args__ = (sa.UniqueConstraint("center_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    name_km: Mapped[str] = mapped_column(sa.String(200), default="")
    kind: Mapped[str] = mapped_column(sa.String(16))
    max_weight_g: Mapped[int | None] = mapped_column(nullable=True)
    vat_bp: Mapped[int] = mapped_column(default=DEFAULT_VAT_BP)
    # Counter services without a tariff (photocopy, printing...) have a flat price.
    flat_price_minor: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    flat_currency: Mapped[str] = mapped_column(sa.String(3), default="KHR")
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def tracked(self) -> bool:
        return self.kind in TRACKED_KINDS

    @property
    def takes_item(self) -> bool:
        return self.kind in ITEM_KINDS


class Goods(CenterOwned, Audited, db.Model):
    """Retail goods sold at the counter (envelopes, boxes, stamps), with stock."""

    __tablename__ = "postal_goods"
    __table_args__ = (sa.UniqueConstraint("center_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    name_km: Mapped[str] = mapped_column(sa.String(200), default="")
    price_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3), default="KHR")
    vat_bp: Mapped[int] = mapped_column(default=DEFAULT_VAT_BP)
    stock: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class Zone(CenterOwned, Audited, db.Model):
    """International zone of a destination country (domestic is the zone ``DOM``)."""

    __tablename__ = "postal_zone"
    __table_args__ = (sa.UniqueConstraint("center_id", "country"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(sa.String(2))
    zone: Mapped[str] = mapped_column(sa.String(16))


class Tariff(CenterOwned, Audited, db.Model):
    """Price of a service in a zone up to ``max_weight_g`` inclusive, between two dates.

    Price = ``base_minor`` + ``step_minor`` for every started ``step_g`` above the band's
    lower limit (the previous band's upper limit), in ``currency``.
    """

    __tablename__ = "postal_tariff"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("postal_service.id"), index=True)
    zone: Mapped[str] = mapped_column(sa.String(16))
    max_weight_g: Mapped[int] = mapped_column()
    base_minor: Mapped[int] = mapped_column(sa.BigInteger)
    step_g: Mapped[int | None] = mapped_column(nullable=True)
    step_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    currency: Mapped[str] = mapped_column(sa.String(3), default="KHR")
    valid_from: Mapped[date] = mapped_column(sa.Date)
    valid_to: Mapped[date | None] = mapped_column(sa.Date, nullable=True)

    service = relationship(PostalService, lazy="joined")


class S10Range(CenterOwned, Audited, db.Model):
    """A block of S10 serials the deployer gives a center for one service indicator."""

    __tablename__ = "postal_s10_range"

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator: Mapped[str] = mapped_column(sa.String(2), index=True)
    start: Mapped[int] = mapped_column()
    end: Mapped[int] = mapped_column()
    next_serial: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def remaining(self) -> int:
        return max(0, self.end - self.next_serial + 1)


class TillSession(CenterOwned, Audited, db.Model):
    """One clerk's cash drawer at one counter, from opening float to counted close."""

    __tablename__ = "postal_till_session"
    # open_flag is 1 while open and NULL once closed: one open session per clerk per counter.
    __table_args__ = (sa.UniqueConstraint("center_id", "clerk_id", "counter", "open_flag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clerk_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    counter: Mapped[str] = mapped_column(sa.String(16), default="1")
    open_flag: Mapped[int | None] = mapped_column(nullable=True, default=1)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    float_khr: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    float_usd: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    expected_khr: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    expected_usd: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    counted_khr: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    counted_usd: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)

    clerk = relationship("User", lazy="joined")

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class CashMovement(CenterOwned, Audited, db.Model):
    """Cash put into or taken out of a till outside sales (change top-up, banking)."""

    __tablename__ = "postal_cash_movement"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("postal_till_session.id"), index=True)
    direction: Mapped[str] = mapped_column(sa.String(3))  # "in" or "out"
    currency: Mapped[str] = mapped_column(sa.String(3))
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    reason: Mapped[str] = mapped_column(sa.String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Sale(CenterOwned, Audited, db.Model):
    """A receipt. ``kind`` is sale, void or refund; voids and refunds point to the original
    and carry negative amounts, so sums over a session are always right."""

    __tablename__ = "postal_sale"
    __table_args__ = (sa.UniqueConstraint("center_id", "number"),)
    __audit_exclude__ = ("receipt_pdf", "receipt_copy_pdf")

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(40))
    kind: Mapped[str] = mapped_column(sa.String(8), default="sale")
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("postal_till_session.id"), index=True)
    clerk_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    original_id: Mapped[int | None] = mapped_column(sa.ForeignKey("postal_sale.id"), nullable=True)
    reason: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    rate: Mapped[int] = mapped_column()  # riel per US dollar used for this receipt
    net_khr: Mapped[int] = mapped_column(sa.BigInteger)
    vat_khr: Mapped[int] = mapped_column(sa.BigInteger)
    total_khr: Mapped[int] = mapped_column(sa.BigInteger)  # net + VAT, exact
    rounding_khr: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # cash rounding line
    change_khr: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    change_usd: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # issued; voided or refunded once a void/refund points to it (the original is kept);
    # partial while refunds have given back some of its lines but not all.
    status: Mapped[str] = mapped_column(sa.String(10), default="issued")
    paper: Mapped[str] = mapped_column(sa.String(16), default="receipt-80mm")
    # The receipt as first issued, and its reprint marked COPY: rendered once, then read.
    receipt_pdf: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True, deferred=True)
    receipt_copy_pdf: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True,
                                                           deferred=True)

    clerk = relationship("User", lazy="joined")
    session = relationship(TillSession, lazy="joined")
    original = relationship("Sale", remote_side=[id], foreign_keys=[original_id])
    lines = relationship("SaleLine", back_populates="sale", order_by="SaleLine.id",
                         lazy="selectin")
    payments = relationship("Payment", back_populates="sale", order_by="Payment.id",
                            lazy="selectin")

    @property
    def due_khr(self) -> int:
        return self.total_khr + self.rounding_khr


class SaleLine(CenterOwned, db.Model):
    """A line of a receipt. A void's or refund's line points to the sale line it gives back
    (``original_line_id``) and carries the quantity given back, with negative amounts."""

    __tablename__ = "postal_sale_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[int] = mapped_column(sa.ForeignKey("postal_sale.id"), index=True)
    original_line_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("postal_sale_line.id"), nullable=True, index=True)
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("postal_service.id"), nullable=True)
    goods_id: Mapped[int | None] = mapped_column(sa.ForeignKey("postal_goods.id"), nullable=True)
    description_en: Mapped[str] = mapped_column(sa.String(200))
    description_km: Mapped[str] = mapped_column(sa.String(200), default="")
    quantity: Mapped[int] = mapped_column(default=1)
    weight_g: Mapped[int | None] = mapped_column(nullable=True)
    zone: Mapped[str] = mapped_column(sa.String(16), default="")
    unit_price_minor: Mapped[int] = mapped_column(sa.BigInteger)  # in the tariff's currency
    unit_currency: Mapped[str] = mapped_column(sa.String(3))
    net_khr: Mapped[int] = mapped_column(sa.BigInteger)
    vat_bp: Mapped[int] = mapped_column()
    vat_khr: Mapped[int] = mapped_column(sa.BigInteger)

    sale = relationship(Sale, back_populates="lines")
    service = relationship(PostalService, lazy="joined")
    items = relationship("Item", back_populates="sale_line", lazy="selectin")

    @property
    def total_khr(self) -> int:
        return self.net_khr + self.vat_khr


class Payment(CenterOwned, db.Model):
    """Cash tendered for a sale (or paid back for a void/refund: negative)."""

    __tablename__ = "postal_payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[int] = mapped_column(sa.ForeignKey("postal_sale.id"), index=True)
    currency: Mapped[str] = mapped_column(sa.String(3))
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)

    sale = relationship(Sale, back_populates="payments")


class CartLine(CenterOwned, db.Model):
    """A line being typed at the counter, before the sale is paid (not a financial record:
    removed when the sale is made or the clerk clears it)."""

    __tablename__ = "postal_cart_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("postal_till_session.id"), index=True)
    data: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
