"""Core's domain operations: plain functions over plain arguments, shared by views and CLI."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l

from core import audit, clock, phones
from core.auth.models import Membership, Role, User
from core.extensions import db
from core.tenancy import PROVINCES, Center, CenterPlugin


class CoreError(ValueError):
    """A request core refuses; the message is for the user, in the user's language.

    The message is a lazy translation: a screen shows it in the user's language, and the
    command line prints it in English (``core.i18n.english``).
    """


def create_center(*, code: str, name_en: str, name_km: str, province_code: str,
                  address: str = "", phone: str = "", timezone: str | None = None) -> Center:
    """A new center; its time zone is ``timezone`` (an IANA name) or the deployment's
    ``CTC_TIMEZONE``."""
    from core.plugins import registry

    code = code.strip().upper()
    if province_code not in PROVINCES:
        raise CoreError(_l("unknown province code %(code)s", code=repr(province_code)))
    if db.session.execute(db.select(Center).where(Center.code == code)).scalar_one_or_none():
        raise CoreError(_l("a center with the code %(code)s exists already", code=code))
    try:
        phone = phones.normalise(phone)
    except phones.PhoneError as exc:
        raise CoreError(exc.message) from exc
    timezone = (timezone or clock.zone_name()).strip()
    try:
        ZoneInfo(timezone)
    except (ValueError, ZoneInfoNotFoundError):
        raise CoreError(_l("unknown time zone %(zone)s", zone=repr(timezone))) from None
    center = Center(code=code, name_en=name_en.strip(), name_km=name_km.strip(),
                    province_code=province_code, address=address, phone=phone, timezone=timezone)
    db.session.add(center)
    db.session.flush()
    # Record every plugin's starting state, so a later change of a manifest's default
    # does not silently switch plugins at existing centers.
    for name, manifest in registry().manifests.items():
        db.session.add(CenterPlugin(center_id=center.id, plugin=name, enabled=manifest.default_enabled))
    audit.record("create", center, center_id=center.id,
                 changes={"code": code, "name_en": name_en, "province_code": province_code})
    return center


def create_user(*, username: str, password: str, full_name: str = "", email: str = "",
                is_deployer: bool = False, center: Center | None = None) -> User:
    """Create a user; ``center`` is where it happens (a manager's staff page), for the audit."""
    username = username.strip().lower()
    if db.session.execute(db.select(User).where(User.username == username)).scalar_one_or_none():
        raise CoreError(_l("the user name %(name)s is taken", name=username))
    if len(password) < 10:
        raise CoreError(_l("a password needs at least 10 characters"))
    user = User(username=username, full_name=full_name, email=email, is_deployer=is_deployer)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("create", user, object_type="user_account",
                 center_id=center.id if center is not None else None,
                 changes={"username": username, "is_deployer": is_deployer})
    return user


def grant_role(user: User, center: Center, role_code: str) -> Membership:
    role = db.session.execute(db.select(Role).where(Role.code == role_code)).scalar_one_or_none()
    if role is None:
        raise CoreError(_l("no role %(role)s; run `ctc roles sync` to create the built-in roles",
                           role=repr(role_code)))
    existing = db.session.execute(
        db.select(Membership).where(
            Membership.user_id == user.id, Membership.center_id == center.id,
            Membership.role_id == role.id,
        )
    ).scalar_one_or_none()
    if existing:
        return existing
    membership = Membership(user_id=user.id, center_id=center.id, role_id=role.id)
    db.session.add(membership)
    db.session.flush()
    db.session.refresh(user)
    audit.record("grant", center_id=center.id, object_type="membership",
                 object_id=membership.id, changes={"user": user.username, "role": role_code})
    return membership


def center_members(center: Center) -> list[tuple[User, list[Role]]]:
    rows = db.session.execute(
        db.select(Membership).where(Membership.center_id == center.id)
    ).scalars()
    by_user: dict[int, tuple[User, list[Role]]] = {}
    for m in rows:
        by_user.setdefault(m.user_id, (m.user, []))[1].append(m.role)
    return sorted(by_user.values(), key=lambda pair: pair[0].username)
