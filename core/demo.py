"""Demo data: two centers, a user per role, and each enabled plugin's own demo data.

Idempotent: everything is looked up by its natural key before it is created.
"""

from __future__ import annotations

from core import services
from core.auth.models import User
from core.auth.permissions import sync_builtin_roles
from core.extensions import db
from core.plugins import hooks_for
from core.tenancy import Center

DEMO_CENTERS = [
    dict(code="PP-01", name_en="Phnom Penh CTC (Chaktomuk High School)",
         name_km="មជ្ឈមណ្ឌលបច្ចេកវិទ្យាសហគមន៍ ភ្នំពេញ (វិទ្យាល័យចតុមុខ)", province_code="12",
         address="Preah Sisowath Quay, Daun Penh, Phnom Penh", phone="+85523880880"),
    dict(code="SR-01", name_en="Siem Reap CTC (Angkor High School)",
         name_km="មជ្ឈមណ្ឌលបច្ចេកវិទ្យាសហគមន៍ សៀមរាប (វិទ្យាល័យអង្គរ)", province_code="17",
         address="Sivutha Boulevard, Siem Reap", phone="+85563963963"),
]

# (user name, full name, role code or None for the deployer, password)
DEMO_USERS = [
    ("admin", "Ministry IT (deployer)", None, "admin-demo-2026"),
    ("manager", "Sok Dara", "manager", "manager-demo-2026"),
    ("clerk", "Chan Sreymom", "clerk", "clerk-demo-2026"),
    ("trainer", "Keo Vannak", "trainer", "trainer-demo-2026"),
    ("lab", "Heng Sophea", "lab_officer", "lab-demo-2026"),
    ("moderator", "Lim Bopha", "moderator", "moderator-demo-2026"),
]
# Users of the second center, to show that centers do not see each other.
DEMO_USERS_SECOND = [("sr-manager", "Meas Rithy", "manager", "srmanager-demo-2026")]


def _center(spec: dict) -> Center:
    center = db.session.execute(db.select(Center).where(Center.code == spec["code"])).scalar_one_or_none()
    return center or services.create_center(**spec)


def _user(username, full_name, role, password, center) -> User:
    user = db.session.execute(db.select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        user = services.create_user(username=username, password=password, full_name=full_name,
                                    is_deployer=role is None)
    if role:
        services.grant_role(user, center, role)
    return user


def load() -> None:
    sync_builtin_roles()
    first, second = (_center(spec) for spec in DEMO_CENTERS)
    for spec in DEMO_USERS:
        _user(*spec, first)
    for spec in DEMO_USERS_SECOND:
        _user(*spec, second)
    db.session.flush()
    for center in (first, second):
        hooks_for(center).ctc_demo_data(center=center, session=db.session)
        db.session.flush()


def logins_text() -> str:
    lines = ["Demo logins (change them before real use):"]
    for username, _full, role, password in DEMO_USERS + DEMO_USERS_SECOND:
        where = "all centers" if role is None else ("SR-01" if username.startswith("sr-") else "PP-01")
        lines.append(f"  {username:<11} {password:<20} {role or 'deployer'} ({where})")
    return "\n".join(lines)
