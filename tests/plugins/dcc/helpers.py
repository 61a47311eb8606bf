"""Builders for DCC tests: members, competitions, judges (inside an app context)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from core import services
from core.extensions import db
from core.tenancy import Center, utcnow
from plugins.dcc import competitions as comp
from plugins.dcc import members as svc
from plugins.dcc.competition_models import Competition
from plugins.dcc.models import Member
from plugins.dcc.notify import MemoryNotifier

PASSWORD = "member-password-123"
_counter = iter(range(1, 10**6))


def member(*, approved=True, contact=None, consents=None, visibility=None, **profile) -> Member:
    n = next(_counter)
    contact = contact or f"member{n}@example.com"
    data = {"name_en": f"Member {n}", "name_km": f"សមាជិក {n}", "category": "student",
            "province_code": "12", "date_of_birth": date(2000, 1, 1)}
    data.update(profile)
    consents = consents or {"privacy": True, "directory": True, "credentials": True}
    m = svc.register_member(db.session, profile=data, contact=contact, password=PASSWORD,
                            consents=consents)
    outbox = []
    svc.send_code(db.session, m, MemoryNotifier(outbox))
    code = outbox[-1]["body"].split("code is ")[1][:6]
    svc.confirm_code(db.session, m, code)
    if visibility is not None:
        svc.update_profile(db.session, m, {}, visibility)
    if approved:
        svc.approve_member(db.session, m, None)
    db.session.flush()
    return m


def competition(center_id=None, *, now=None, criteria=((1, 0, 10),), prizes=(1, 2),
                **kw) -> Competition:
    now = now or utcnow()
    n = next(_counter)
    c = Competition(center_id=center_id, slug=f"comp-{n}", title_en=f"Competition {n}",
                    registration_opens_at=now - timedelta(days=1),
                    registration_closes_at=now + timedelta(days=1),
                    submission_opens_at=now - timedelta(days=1),
                    submission_closes_at=now + timedelta(days=2), **kw)
    comp.save_competition(db.session, c)
    for i, (weight, lo, hi) in enumerate(criteria, start=1):
        comp.add_criterion(db.session, c, name_en=f"Criterion {i}", weight=weight,
                           min_score=lo, max_score=hi)
    for rank in prizes:
        comp.add_prize(db.session, c, rank=rank, title_en=f"Prize {rank}", amount_minor=100)
    comp.open_competition(db.session, c)
    return c


def judge(username, center_id, **kw):
    user = services.create_user(username=username, password=PASSWORD, full_name=username)
    services.grant_role(user, db.session.get(Center, center_id), "judge")
    return user


def entry_with_link(c, m, now=None, **kw):
    e = comp.create_entry(db.session, c, m, now=now, **kw)
    comp.submit(db.session, e, instance_path="", url="https://example.com/x", now=now)
    return e


def at(year, month, day, hour=0, minute=0, second=0, micro=0) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro)
