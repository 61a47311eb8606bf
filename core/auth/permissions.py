"""Permissions, built-in roles, and the checks views use."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import abort, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.extensions import db


@dataclass(frozen=True)
class Permission:
    """A permission declared by core or a plugin.

    ``roles`` names the built-in roles that get it by default (``manager`` gets every
    permission of core and of every plugin).
    """

    code: str
    label: Any
    roles: tuple[str, ...] = ()


# Built-in roles: (code, English name, Khmer name).
BUILTIN_ROLES = [
    ("manager", "Center manager", "អ្នកគ្រប់គ្រងមជ្ឈមណ្ឌល"),
    ("clerk", "Counter clerk", "បុគ្គលិកបញ្ជរ"),
    ("trainer", "Trainer", "គ្រូបង្គោល"),
    ("lab_officer", "Lab officer", "មន្ត្រីបន្ទប់ពិសោធន៍"),
    ("moderator", "Moderator", "អ្នកសម្របសម្រួល"),
    ("judge", "Judge", "គណៈកម្មការវិនិច្ឆ័យ"),
    ("staff", "Staff", "បុគ្គលិក"),
]

CORE_PERMISSIONS = [
    Permission("core.dashboard", _l("See the center's dashboard"),
               ("manager", "clerk", "trainer", "lab_officer", "moderator", "judge", "staff")),
    Permission("core.manage_center", _l("Edit the center's settings and exchange rates"), ("manager",)),
    Permission("core.manage_staff", _l("Manage the center's staff and their roles"), ("manager",)),
    Permission("core.view_audit", _l("Read the audit trail"), ("manager",)),
    Permission("core.view_jobs", _l("Follow background jobs"), ("manager", "clerk", "trainer", "lab_officer", "moderator")),
]


def user_permissions(user, center) -> set[str]:
    """What ``user`` may do at ``center``: role grants, less plugins the center has off."""
    from core.plugins import enabled_plugins, registry

    if user is None or not user.is_authenticated or center is None:
        return set()
    reg = registry()
    enabled = enabled_plugins(center)
    if user.is_deployer:
        granted = set(reg.permissions)
    else:
        granted = set()
        for role in user.roles_at(center):
            granted |= role.permissions
    return {
        code for code in granted
        if code in reg.permissions
        and (reg.permission_plugin.get(code) is None or reg.permission_plugin[code] in enabled)
    }


def can(permission: str, center=None) -> bool:
    from flask import g

    from core.tenancy import current_center

    center = center or current_center()
    if center is None:
        return False
    cache = g.setdefault("_ctc_perms", {})
    if center.id not in cache:
        cache[center.id] = user_permissions(current_user, center)
    return permission in cache[center.id]


def permission_required(*permissions: str):
    """Guard a view: logged in, with every one of ``permissions`` at the current center.

    Anonymous users go to the login page; a missing permission is a 403.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            for code in permissions:
                if not can(code):
                    abort(403)
            return view(*args, **kwargs)

        wrapped.ctc_permissions = permissions
        return wrapped

    return decorator


def deployer_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if not current_user.is_deployer:
            abort(403)
        return view(*args, **kwargs)

    wrapped.ctc_deployer = True
    return wrapped


def public(view):
    """Mark a view as open to anonymous visitors (verify, track, join...)."""
    view.ctc_public = True
    return view


def centerless(view):
    """Mark a view for any signed-in user, with or without a center.

    A national registry's members have an account but belong to no center. For such a
    view core's guard asks for a login, and for the view's plugin to be on at one active
    center at least (:func:`core.plugins.plugin_enabled_anywhere`); it asks for no center
    and no permission: the view decides who sees what.
    """
    view.ctc_centerless = True
    return view


def is_centerless_endpoint(endpoint: str | None) -> bool:
    if endpoint is None:
        return False
    view = current_app.view_functions.get(endpoint)
    return bool(getattr(view, "ctc_centerless", False))


def is_public_endpoint(endpoint: str | None) -> bool:
    if endpoint is None:
        return False
    view = current_app.view_functions.get(endpoint)
    return bool(getattr(view, "ctc_public", False))


def sync_builtin_roles(session=None) -> None:
    """Create the built-in roles and grant them their default permissions.

    Idempotent; run by ``ctc db upgrade``, ``ctc demo`` and ``ctc roles sync``. Grants a
    deployer removed by hand are given back: built-in roles follow the code.
    """
    from core.auth.models import Role, RolePermission
    from core.plugins import registry

    session = session or db.session
    reg = registry()
    roles = {r.code: r for r in session.execute(db.select(Role)).scalars()}
    for code, name_en, name_km in BUILTIN_ROLES:
        if code not in roles:
            roles[code] = Role(code=code, name_en=name_en, name_km=name_km, builtin=True)
            session.add(roles[code])
    session.flush()
    for code, perm in reg.permissions.items():
        wanted = set(perm.roles) | {"manager"}
        for role_code in wanted:
            role = roles.get(role_code)
            if role is not None and code not in role.permissions:
                role.grants.append(RolePermission(permission=code))
    session.flush()


def current_endpoint_is_public() -> bool:
    return is_public_endpoint(request.endpoint)
