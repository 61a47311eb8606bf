"""Login throttling kept in the database, so every app process sees the same count."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from core.auth.models import LoginAttempt
from core.extensions import db
from core.tenancy import utcnow


def is_locked(username: str, remote_addr: str) -> bool:
    """Too many recent failures for this user name, or from this address."""
    window = timedelta(seconds=current_app.config["CTC_LOGIN_WINDOW_SECONDS"])
    limit = current_app.config["CTC_LOGIN_MAX_FAILURES"]
    since = utcnow() - window
    by_name = db.session.scalar(
        sa.select(sa.func.count()).select_from(LoginAttempt).where(
            LoginAttempt.username == username.lower(),
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.at >= since,
        )
    )
    by_addr = db.session.scalar(
        sa.select(sa.func.count()).select_from(LoginAttempt).where(
            LoginAttempt.remote_addr == remote_addr,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.at >= since,
        )
    )
    # An address may serve a whole center behind NAT: allow it several users' worth.
    return by_name >= limit or by_addr >= limit * 4


def record(username: str, remote_addr: str, succeeded: bool) -> None:
    db.session.add(
        LoginAttempt(username=username.lower()[:64], remote_addr=remote_addr, succeeded=succeeded)
    )
    db.session.commit()
