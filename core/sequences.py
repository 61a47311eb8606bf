"""Gapless numbers per center, per series, optionally per year (receipts, certificates...).

A series may also be national (``center=None``): one count for the whole country, kept in
its own table (``sequence_national``) and dated in the app's time zone (``CTC_TIMEZONE``).

A number is allocated inside the caller's transaction, together with the document that
carries it: if that transaction rolls back, so does the counter, and the number is handed
out again. Concurrent allocations queue on the counter row's lock, so numbers never repeat
and never skip.

How: the first statement is a write - ``UPDATE sequence SET next_value = next_value + 1
... RETURNING next_value`` - which on PostgreSQL locks the row until commit (as Odoo's
``no_gap`` sequences do with ``SELECT ... FOR UPDATE``) and on SQLite takes the database's
write lock at once (a read first would hold a WAL snapshot that cannot be upgraded and
fails with "database is locked" instead of waiting). When the counter row does not exist
yet it is created with ``INSERT ... ON CONFLICT DO NOTHING`` (racing creators both succeed;
one row results) and the UPDATE runs again.

PostgreSQL must run at READ COMMITTED (its default), so the repeated UPDATE sees a row
another transaction created and committed meanwhile.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core import clock
from core.extensions import db
from core.tenancy import CenterOwned

DEFAULT_PATTERN = "{center}-{year}-{n:06d}"


class Sequence(CenterOwned, db.Model):
    """The counter of one series at one center (``year`` 0: the series never resets)."""

    __tablename__ = "sequence"
    __table_args__ = (sa.UniqueConstraint("center_id", "series", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series: Mapped[str] = mapped_column(sa.String(64))
    year: Mapped[int] = mapped_column(default=0)
    next_value: Mapped[int] = mapped_column(default=1)


class NationalSequence(db.Model):
    """The counter of one national series (no center), e.g. a registry's certificates."""

    __tablename__ = "sequence_national"
    __table_args__ = (sa.UniqueConstraint("series", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series: Mapped[str] = mapped_column(sa.String(64))
    year: Mapped[int] = mapped_column(default=0)
    next_value: Mapped[int] = mapped_column(default=1)


def center_date(center, on: date | datetime | None = None) -> date:
    """The calendar day at ``center`` (see :func:`core.clock.date_of`).

    ``on``: a date is taken as it is; a naive datetime is UTC (as stored in the database);
    an aware one is converted; None is now.
    """
    return clock.date_of(on, center)


def _insert_missing(session, model, values: dict) -> None:
    table = model.__table__
    dialect = session.get_bind(mapper=model.__mapper__).dialect.name
    keys = [k for k in values if k != "next_value"]
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only PostgreSQL and SQLite are supported
        with session.begin_nested():
            try:
                session.execute(sa.insert(table).values(**values))
            except sa.exc.IntegrityError:
                pass
        return
    session.execute(insert(table).values(**values).on_conflict_do_nothing(index_elements=keys))


def allocate_int(session, center, series: str, *, per_year: bool = True,
                 on: date | datetime | None = None) -> int:
    """The next number of ``series`` at ``center`` (1, 2, 3...), in the session's transaction.

    With ``per_year`` the count starts again at 1 each calendar year at the center (the
    year of ``on``, default today; see :func:`center_date`). ``center=None``: a national
    series (its year in the app's time zone).
    """
    if not series or len(series) > 64:
        raise ValueError("a series name has 1 to 64 characters")
    year = center_date(center, on).year if per_year else 0
    if center is None:
        model, key = NationalSequence, {"series": series, "year": year}
    else:
        model, key = Sequence, {"center_id": center.id, "series": series, "year": year}
    table = model.__table__
    bump = (
        sa.update(table)
        .where(*(table.c[k] == v for k, v in key.items()))
        .values(next_value=table.c.next_value + 1)
        .returning(table.c.next_value)
    )
    value = session.execute(bump).scalar_one_or_none()
    if value is None:
        _insert_missing(session, model, {**key, "next_value": 1})
        value = session.execute(bump).scalar_one()
    return value - 1


def allocate(session, center, series: str, *, pattern: str = DEFAULT_PATTERN,
             per_year: bool = True, on: date | datetime | None = None) -> str:
    """The next number formatted with ``pattern``: ``{center}`` (code), ``{series}``,
    ``{year}`` (the center's calendar year of ``on``, even when not ``per_year``) and
    ``{n}`` (the number; ``{n:06d}`` pads it). E.g. ``PP-01-2026-000042``.

    ``center=None`` numbers a national series; its pattern has no ``{center}``
    (``"REG-{year}-{n:06d}"``)."""
    day = center_date(center, on)
    fields = {"series": series, "year": day.year}
    if center is not None:
        fields["center"] = center.code
    try:
        pattern.format(**fields, n=0)  # refuse a bad pattern before using up a number
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"bad sequence pattern {pattern!r}: {exc!r}") from exc
    return pattern.format(**fields, n=allocate_int(session, center, series,
                                                   per_year=per_year, on=day))
