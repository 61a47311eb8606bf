"""Users, roles, memberships and login attempts."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from core.extensions import db
from core.tenancy import Center, utcnow


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200), default="")
    email: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_deployer: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(sa.String(8), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(nullable=True)

    memberships = relationship(
        "Membership", back_populates="user", lazy="selectin", cascade="all, delete-orphan"
    )

    def set_password(self, password: str) -> None:
        from flask import current_app

        # scrypt by default; the test-suite picks a cheaper method to stay fast.
        method = current_app.config.get("CTC_PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive users
        return self.active

    def centers(self) -> list[Center]:
        if self.is_deployer:
            return list(
                db.session.execute(
                    db.select(Center).where(Center.active.is_(True)).order_by(Center.code)
                ).scalars()
            )
        seen: dict[int, Center] = {}
        for m in self.memberships:
            if m.center.active:
                seen.setdefault(m.center_id, m.center)
        return sorted(seen.values(), key=lambda c: c.code)

    def roles_at(self, center: Center | None) -> list[Role]:
        if center is None:
            return []
        return [m.role for m in self.memberships if m.center_id == center.id]

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class Role(db.Model):
    """A named set of permissions; granted per center through a membership."""

    __tablename__ = "role"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(200))
    name_km: Mapped[str] = mapped_column(sa.String(200))
    builtin: Mapped[bool] = mapped_column(default=False)

    grants = relationship(
        "RolePermission", back_populates="role", lazy="selectin", cascade="all, delete-orphan"
    )

    @property
    def permissions(self) -> set[str]:
        return {g.permission for g in self.grants}

    def name(self, locale: str = "en") -> str:
        return self.name_km if locale.startswith("km") else self.name_en


class RolePermission(db.Model):
    __tablename__ = "role_permission"
    __table_args__ = (sa.UniqueConstraint("role_id", "permission"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int] = mapped_column(sa.ForeignKey("role.id"), index=True)
    permission: Mapped[str] = mapped_column(sa.String(100))

    role = relationship("Role", back_populates="grants")


class Membership(db.Model):
    """The user holds ``role`` at ``center``."""

    __tablename__ = "membership"
    __table_args__ = (sa.UniqueConstraint("user_id", "center_id", "role_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    center_id: Mapped[int] = mapped_column(sa.ForeignKey("center.id"), index=True)
    role_id: Mapped[int] = mapped_column(sa.ForeignKey("role.id"), index=True)

    user = relationship("User", back_populates="memberships")
    center = relationship("Center", lazy="joined")
    role = relationship("Role", lazy="joined")


class LoginAttempt(db.Model):
    """Every login attempt, kept for throttling and for the audit of who tried what."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), index=True)
    remote_addr: Mapped[str] = mapped_column(sa.String(64), default="", index=True)
    succeeded: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
