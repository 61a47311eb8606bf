"""A competition's clock: in which zone its windows are typed and shown.

A center's competition keeps its center's zone. A national one (no center) is typed and
shown in the installation's zone, ``CTC_TIMEZONE``, whoever looks at it and from whichever
center: two centers in different zones read the same deadline as the same instant. Every
screen names the zone next to the times. ``core.clock`` does the arithmetic; nothing here
names a zone of its own.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core import clock
from core.extensions import db
from core.tenancy import Center, utcnow


def owner_center(c) -> Center | None:
    """The center whose clock competition ``c`` keeps; None for a national competition."""
    if c.center_id is None:
        return None
    center = c.center
    if center is None or center.id != c.center_id:  # set by id, relationship not loaded
        center = db.session.get(Center, c.center_id)
    return center


def to_local(c, moment: datetime | None) -> datetime | None:
    """A stored (naive UTC) time of ``c`` as wall-clock time in the competition's zone."""
    return clock.to_local(moment, owner_center(c))


def to_utc(c, local: datetime | None) -> datetime | None:
    """A wall-clock time typed for ``c`` (in the competition's zone) as stored, naive UTC."""
    return clock.to_utc(local, owner_center(c))


def _offset(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def zone_caption(center: Center | None, moments=()) -> str:
    """The zone's name and its UTC offset at ``moments`` (stored times; now when none), e.g.
    ``Asia/Bangkok, UTC+07:00``; two offsets when a daylight-saving change falls between."""
    tz = clock.zone(center)
    moments = [m for m in moments if m is not None] or [utcnow()]
    offsets = sorted({_offset(m.replace(tzinfo=UTC).astimezone(tz).utcoffset())
                      for m in moments})
    return f"{clock.zone_name(center)}, UTC{' / '.join(offsets)}"


def competition_caption(c) -> str:
    """The zone ``c``'s windows are shown in, as :func:`zone_caption` writes it."""
    return zone_caption(owner_center(c), (c.registration_opens_at, c.registration_closes_at,
                                          c.submission_opens_at, c.submission_closes_at))


def competition_time(c, moment: datetime | None, seconds: bool = False) -> str:
    """A stored time of ``c`` for a screen, in the competition's zone (see the caption)."""
    local = to_local(c, moment)
    if local is None:
        return ""
    return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
