"""The append-only audit trail: who did what to which record, when, where, and what changed.

Models that inherit :class:`Audited` are recorded automatically on every flush (create,
update, delete, with the changed values). Services record other events - a void, a login
as someone else, a plugin switch - with :func:`record`. Audit rows are never updated or
deleted: the ORM refuses, and on PostgreSQL a trigger refuses too.
"""

from __future__ import annotations

import datetime as dt
import decimal
from datetime import datetime

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapped, Mapper, Session, mapped_column

from core.extensions import db
from core.tenancy import utcnow


class AuditLog(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), nullable=True, index=True)
    center_id: Mapped[int | None] = mapped_column(sa.ForeignKey("center.id"), nullable=True, index=True)
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(100), index=True)
    object_id: Mapped[str] = mapped_column(sa.String(64), default="")
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    remote_addr: Mapped[str] = mapped_column(sa.String(64), default="")

    user = db.relationship("User", lazy="joined")


class Audited:
    """Mixin: creates, updates and deletes of this model are written to the audit trail.

    Set ``__audit_exclude__`` to column names that must never be copied (password hashes).
    """

    __audit_exclude__: tuple[str, ...] = ()


@event.listens_for(Mapper, "mapper_configured")
def _keep_old_values(mapper, class_) -> None:
    """Load an audited column's old value before it is overwritten, even when the object
    was expired by a commit; otherwise the trail would record ``[None, new]``."""
    if issubclass(class_, Audited):
        for attr in mapper.column_attrs:
            event.listen(getattr(class_, attr.key), "set", _ignore, active_history=True)


def _ignore(target, value, oldvalue, initiator):
    return value


def _jsonable(value):
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def _actor() -> tuple[int | None, str]:
    if not has_request_context():
        return None, ""
    from flask_login import current_user

    uid = current_user.get_id() if current_user and current_user.is_authenticated else None
    return (int(uid) if uid else None), (request.remote_addr or "")


def _entry(action, obj_type, obj_id, center_id, changes) -> dict:
    user_id, addr = _actor()
    return {
        "at": utcnow(),
        "user_id": user_id,
        "center_id": center_id,
        "action": action,
        "object_type": obj_type,
        "object_id": str(obj_id or ""),
        "changes": _jsonable(changes),
        "remote_addr": addr,
    }


def record(action: str, obj=None, *, center_id=None, changes=None, object_type=None,
           object_id=None, session: Session | None = None) -> None:
    """Write one audit row in the caller's transaction."""
    session = session or db.session
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id or getattr(obj, "id", None)
        center_id = center_id or getattr(obj, "center_id", None)
    session.execute(
        sa.insert(AuditLog).values(
            **_entry(action, object_type or "", object_id, center_id, changes or {})
        )
    )


def _column_changes(obj, only_changed: bool) -> dict:
    state = inspect(obj)
    out = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in obj.__audit_exclude__:
            continue
        hist = state.attrs[key].history
        if only_changed:
            if hist.has_changes():
                before = hist.deleted[0] if hist.deleted else None
                after = hist.added[0] if hist.added else None
                out[key] = [before, after]
        else:
            value = getattr(obj, key, None)
            if value is not None:
                out[key] = value
    return out


@event.listens_for(Session, "after_flush")
def _audit_after_flush(session: Session, flush_context) -> None:
    rows = []
    for obj in session.new:
        if isinstance(obj, Audited):
            rows.append(_entry("create", obj.__tablename__, getattr(obj, "id", None),
                               getattr(obj, "center_id", None), _column_changes(obj, False)))
    for obj in session.dirty:
        if isinstance(obj, Audited) and session.is_modified(obj, include_collections=False):
            changes = _column_changes(obj, True)
            if changes:
                rows.append(_entry("update", obj.__tablename__, getattr(obj, "id", None),
                                   getattr(obj, "center_id", None), changes))
    for obj in session.deleted:
        if isinstance(obj, Audited):
            rows.append(_entry("delete", obj.__tablename__, getattr(obj, "id", None),
                               getattr(obj, "center_id", None), _column_changes(obj, False)))
    if rows:
        session.connection().execute(sa.insert(AuditLog), rows)


@event.listens_for(AuditLog, "before_update")
@event.listens_for(AuditLog, "before_delete")
def _refuse_change(mapper, connection, target) -> None:
    raise PermissionError("the audit trail is append-only")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state) -> None:
    """``session.execute(update(AuditLog))`` and ``query.delete()`` skip the mapper events."""
    if (state.is_update or state.is_delete) and state.bind_mapper is not None \
            and state.bind_mapper.class_ is AuditLog:
        raise PermissionError("the audit trail is append-only")


# On PostgreSQL the database itself refuses, whatever client writes (see the migration).
POSTGRES_APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
"""
