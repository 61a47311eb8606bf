"""Local time: the zone of a center (or of the installation), today, now, and conversions
between the naive UTC the database stores and local wall-clock time.

Every timestamp column holds a **naive datetime in UTC** (``core.tenancy.utcnow``); people
think in local days and wall-clock times. The functions here are the one place where the
two meet. ``center`` is a ``Center`` (or anything with a ``timezone`` attribute); without
one, the installation's zone, ``CTC_TIMEZONE``, is used (work that belongs to no center,
such as a national registry, counts days there). None of them reads the request.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Phnom_Penh"


def zone_name(center=None) -> str:
    """The IANA name of ``center``'s zone, else ``CTC_TIMEZONE``, else Asia/Phnom_Penh."""
    name = getattr(center, "timezone", None)
    if not name and has_app_context():
        name = current_app.config.get("CTC_TIMEZONE")
    return name or DEFAULT_TIMEZONE


def zone(center=None) -> ZoneInfo:
    """``center``'s time zone (see :func:`zone_name`)."""
    return ZoneInfo(zone_name(center))


def _as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime: naive values are UTC, as the database stores them."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def to_local(moment: datetime | None, center=None) -> datetime | None:
    """The naive local wall-clock time of ``moment`` (naive UTC, or aware) at ``center``."""
    if moment is None:
        return None
    return _as_utc(moment).astimezone(zone(center)).replace(tzinfo=None)


def to_utc(local: datetime | None, center=None) -> datetime | None:
    """The naive UTC datetime, as stored, of ``local``: a naive wall-clock time at ``center``
    (what a person types in a form), or an aware datetime (converted as it is).

    A wall-clock time that a daylight-saving change skips or repeats is taken with
    ``fold=0`` (the earlier offset), as :mod:`zoneinfo` does.
    """
    if local is None:
        return None
    if local.tzinfo is None:
        local = local.replace(tzinfo=zone(center))
    return local.astimezone(UTC).replace(tzinfo=None)


def now_local(center=None) -> datetime:
    """Now, as a naive wall-clock time at ``center``."""
    return datetime.now(zone(center)).replace(tzinfo=None)


def date_of(moment: date | datetime | None, center=None) -> date:
    """The calendar day at ``center`` of ``moment``: a date as it is, a naive datetime as
    UTC (as stored), an aware one converted, None as now."""
    if isinstance(moment, date) and not isinstance(moment, datetime):
        return moment
    if moment is None:
        return datetime.now(zone(center)).date()
    return _as_utc(moment).astimezone(zone(center)).date()


def today(center=None) -> date:
    """Today at ``center``."""
    return date_of(None, center)


def day_bounds(day: date, center=None) -> tuple[datetime, datetime]:
    """``day`` at ``center`` as naive UTC bounds ``[start, end)``, for queries on stored
    timestamps: ``start <= column < end``. A day is 23 or 25 hours long where the clocks
    change."""
    tz = zone(center)
    start, end = (datetime.combine(d, time.min, tz).astimezone(UTC).replace(tzinfo=None)
                  for d in (day, day + timedelta(days=1)))
    return start, end
