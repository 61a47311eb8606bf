"""Users, roles, permissions and login."""

from core.auth.models import LoginAttempt, Membership, Role, RolePermission, User
from core.auth.permissions import (
    BUILTIN_ROLES,
    CORE_PERMISSIONS,
    Permission,
    can,
    deployer_required,
    permission_required,
    public,
    sync_builtin_roles,
    user_permissions,
)

__all__ = [
    "BUILTIN_ROLES",
    "CORE_PERMISSIONS",
    "LoginAttempt",
    "Membership",
    "Permission",
    "Role",
    "RolePermission",
    "User",
    "can",
    "deployer_required",
    "permission_required",
    "public",
    "sync_builtin_roles",
    "user_permissions",
]
