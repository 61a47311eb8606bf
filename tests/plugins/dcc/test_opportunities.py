"""Organisations are verified before posting; opportunities are moderated and expire."""

from datetime import date

import pytest

from core.extensions import db
from plugins.dcc import opportunities as svc
from plugins.dcc.members import DccError
from plugins.dcc.models import Interest
from tests.conftest import login
from tests.plugins.dcc import helpers as h

TODAY = date(2026, 6, 1)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def test_unverified_organisation_cannot_post_and_only_its_owner_can(ctx):
    owner, other = h.member(), h.member()
    org = svc.register_organisation(db.session, owner, name_en="Angkor Data")
    with pytest.raises(DccError, match="verify"):
        svc.post_opportunity(db.session, org, owner, kind="job", title="Analyst",
                             expires_on=TODAY, today=TODAY)
    svc.verify_organisation(db.session, org)
    with pytest.raises(DccError, match="owner"):
        svc.post_opportunity(db.session, org, other, kind="job", title="Analyst",
                             expires_on=TODAY, today=TODAY)
    with pytest.raises(DccError, match="past"):
        svc.post_opportunity(db.session, org, owner, kind="job", title="Analyst",
                             expires_on=date(2026, 5, 31), today=TODAY)
    with pytest.raises(DccError):
        svc.register_organisation(db.session, h.member(approved=False), name_en="X")


def test_opportunity_is_moderated_and_expires_after_its_closing_day(ctx):
    owner, fan = h.member(), h.member()
    org = svc.register_organisation(db.session, owner, name_en="Angkor Data")
    svc.verify_organisation(db.session, org)
    opp = svc.post_opportunity(db.session, org, owner, kind="internship", title="Intern",
                               expires_on=TODAY, today=date(2026, 5, 1))
    assert svc.open_opportunities(db.session, today=date(2026, 5, 1)) == []  # pending
    with pytest.raises(DccError, match="closed"):
        svc.express_interest(db.session, opp, fan, today=date(2026, 5, 1))
    with pytest.raises(DccError, match="reason"):
        svc.moderate_opportunity(db.session, opp, False, "")
    svc.moderate_opportunity(db.session, opp, True)
    assert svc.open_opportunities(db.session, today=TODAY) == [opp]  # open on its last day
    assert svc.open_opportunities(db.session, today=date(2026, 6, 2)) == []
    svc.express_interest(db.session, opp, fan, today=TODAY)
    svc.express_interest(db.session, opp, fan, today=TODAY)  # once only
    assert db.session.query(Interest).count() == 1
    with pytest.raises(DccError, match="closed"):
        svc.express_interest(db.session, opp, h.member(), today=date(2026, 6, 2))
    svc.reject_organisation(db.session, org, "Not a real company")
    assert svc.open_opportunities(db.session, today=TODAY) == []


def test_organisation_and_opportunity_through_the_screens(make_app, factory):
    app = make_app(RATELIMIT_PUBLIC="1000 per minute")
    from core.auth.permissions import sync_builtin_roles

    a = factory.center("OP-01")
    factory.user("root-op", deployer=True)
    factory.user("mod-op", center_id=a, role="moderator")
    with app.app_context():
        sync_builtin_roles()
        owner = h.member()
        db.session.commit()
        contact = owner.email
    member = app.test_client()
    login(member, contact, h.PASSWORD)
    assert member.post("/dcc/me/organisations", data={"name_en": "Mekong Apps",
                                                      "kind": "company"}).status_code == 302
    with app.app_context():
        from plugins.dcc.models import Opportunity, Organisation

        org_id = db.session.execute(db.select(Organisation.id)).scalar_one()
    mod = app.test_client()
    login(mod, "mod-op")
    # a national organisation (its owner has no home center) is for the deployers
    assert mod.post(f"/dcc/organisations/{org_id}/verify").status_code == 404
    root = app.test_client()
    login(root, "root-op")
    assert root.post(f"/dcc/organisations/{org_id}/verify").status_code == 302
    resp = member.post(f"/dcc/me/organisations/{org_id}/post",
                       data={"kind": "job", "title": "Flutter developer",
                             "expires_on": "2099-12-31"})
    assert resp.status_code == 302
    assert b"Flutter developer" not in app.test_client().get("/dcc/opportunities").data
    with app.app_context():
        opp_id = db.session.execute(db.select(Opportunity.id)).scalar_one()
    assert root.post(f"/dcc/opportunities/{opp_id}/approve").status_code == 302
    assert b"Flutter developer" in app.test_client().get("/dcc/opportunities").data
    assert member.post(f"/dcc/opportunities/{opp_id}/interest").status_code == 302
    page = member.get("/dcc/me/organisations", headers={"Accept-Language": "en"})
    assert b"Interested members" in page.data
