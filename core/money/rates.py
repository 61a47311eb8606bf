"""Dated USD->KHR exchange rates per center."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.money.amounts import (
    MoneyError,
    _rate_value,
)
from core.sequences import center_date
from core.tenancy import Center, CenterOwned, utcnow

# -- dated exchange rates -------------------------------------------------------------------


class ExchangeRate(CenterOwned, db.Model):
    """From ``valid_from`` (in the center's calendar) on, one dollar is ``khr_per_usd`` riel."""

    __tablename__ = "exchange_rate"
    __table_args__ = (
        sa.UniqueConstraint("center_id", "valid_from"),
        sa.CheckConstraint("khr_per_usd > 0", name="positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    valid_from: Mapped[date] = mapped_column(sa.Date)
    khr_per_usd: Mapped[int] = mapped_column(sa.Integer)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"),
                                                      nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by = relationship("User", lazy="joined")


def _center_id(center) -> int:
    return center if isinstance(center, int) else center.id


def rate_on(center, day: date | datetime | None = None, *, session=None) -> ExchangeRate:
    """The rate in force at ``center`` on ``day`` (default: today there; a datetime is
    taken on the center's calendar, see :func:`core.sequences.center_date`); MoneyError
    if none."""
    session = session or db.session
    if day is None or isinstance(day, datetime):
        c = center if isinstance(center, Center) else session.get(Center, center)
        day = center_date(c, day)
    rate = session.execute(
        sa.select(ExchangeRate)
        .where(ExchangeRate.center_id == _center_id(center), ExchangeRate.valid_from <= day)
        .order_by(ExchangeRate.valid_from.desc()).limit(1)
    ).scalar_one_or_none()
    if rate is None:
        raise MoneyError(_l("No exchange rate is set for %(day)s. A manager adds one under "
                            "Exchange rates.", day=day.isoformat()))
    return rate


def set_rate(center, valid_from: date, khr_per_usd: int, *, user=None, rate=None,
             session=None) -> ExchangeRate:
    """Add a rate (or correct ``rate``); audited; the caller commits. One rate a day."""
    from core import audit

    session = session or db.session
    _rate_value(khr_per_usd)
    clash = session.execute(sa.select(ExchangeRate.id).where(
        ExchangeRate.center_id == _center_id(center), ExchangeRate.valid_from == valid_from,
    )).scalar_one_or_none()
    if clash is not None and (rate is None or clash != rate.id):
        raise MoneyError(_l("A rate from %(day)s exists already: correct that one instead.",
                            day=valid_from.isoformat()))
    if rate is None:
        rate = ExchangeRate(center_id=_center_id(center), valid_from=valid_from,
                            khr_per_usd=khr_per_usd, created_by_id=getattr(user, "id", None))
        session.add(rate)
        before = {}
    else:
        before = {"valid_from": rate.valid_from, "khr_per_usd": rate.khr_per_usd}
        rate.valid_from, rate.khr_per_usd = valid_from, khr_per_usd
    session.flush()
    after = {"valid_from": valid_from, "khr_per_usd": khr_per_usd}
    changes = {k: [before[k], v] for k, v in after.items()} if before else after
    audit.record("update" if before else "create", rate, changes=changes, session=session)
    return rate


# -- the managers' screen ---------------------------------------------------------------------
