"""The member's own screens: visibility per field, consents, skills, taxonomy, new codes."""

import pytest

from core.extensions import db
from plugins.dcc.models import Member, Skill
from tests.conftest import login
from tests.plugins.dcc import helpers as h

EN = {"Accept-Language": "en"}


@pytest.fixture
def site(make_app, factory):
    app = make_app(CTC_DCC_NOTIFIER="memory", RATELIMIT_PUBLIC="1000 per minute")
    from core.auth.permissions import sync_builtin_roles

    factory.center("MS-01")
    with app.app_context():
        sync_builtin_roles()
        db.session.add(Skill(code="DATA", name_en="Data analysis", name_km="វិភាគទិន្នន័យ"))
        m = h.member(name_en="Vicheka Public", job_title="Secret analyst")
        db.session.commit()
        app.config["member"] = (m.id, m.email, m.token)
    return app


def profile_form(**vis):
    data = {"name_en": "Vicheka Public", "name_km": "", "category": "student",
            "province_code": "12", "job_title": "Secret analyst"}
    data.update({f"vis_{k}": v for k, v in vis.items()})
    return data


def test_visibility_per_field_is_chosen_on_the_profile_form(site):
    _id, email, token = site.config["member"]
    me = site.test_client()
    login(me, email, h.PASSWORD)
    form = me.get("/dcc/me/edit", headers=EN)
    assert b'name="vis_name_en"' in form.data and b'<option selected value="private">' in form.data
    assert me.post("/dcc/me/edit", data=profile_form(name_en="public")).status_code == 302
    public = site.test_client().get(f"/dcc/people/{token}", headers=EN).data
    assert b"Vicheka Public" in public and b"Secret analyst" not in public
    me.post("/dcc/me/edit", data=profile_form(name_en="public", job_title="members"))
    assert b"Secret analyst" not in site.test_client().get(f"/dcc/people/{token}").data
    bad = me.post("/dcc/me/edit", data={**profile_form(), "category": "wizard"}, headers=EN)
    assert bad.status_code == 200 and b"is-invalid" in bad.data


def test_withdrawing_directory_consent_unlists_the_member(site):
    member_id, email, token = site.config["member"]
    me = site.test_client()
    login(me, email, h.PASSWORD)
    assert site.test_client().get(f"/dcc/people/{token}").status_code == 200
    assert me.post("/dcc/me/consents", data={"credentials": "y"}).status_code == 302
    assert site.test_client().get(f"/dcc/people/{token}").status_code == 404
    page = me.get("/dcc/me/consents", headers=EN)
    assert page.data.count(b"2026-11") >= 3  # the terms version of every record
    with site.app_context():
        m = db.session.get(Member, member_id)
        assert not m.has_consent("directory") and m.has_consent("credentials")


def test_member_adds_and_removes_a_skill(site):
    member_id, email, _token = site.config["member"]
    me = site.test_client()
    login(me, email, h.PASSWORD)
    with site.app_context():
        skill_id = db.session.execute(db.select(Skill.id)).scalar_one()
    assert me.post("/dcc/me/skills", data={"skill_id": skill_id, "level": 5}).status_code == 302
    assert b"Data analysis" in me.get("/dcc/me/skills", headers=EN).data
    me.post("/dcc/me/skills", data={"skill_id": skill_id, "level": 9})  # not a level: refused
    with site.app_context():
        assert [s.level for s in db.session.get(Member, member_id).skills] == [5]
    assert me.post("/dcc/me/skills/DATA/remove").status_code == 302
    with site.app_context():
        assert db.session.get(Member, member_id).skills == []


def test_moderator_edits_the_taxonomy(site, factory):
    with site.app_context():
        from core.tenancy import Center

        center_id = db.session.execute(db.select(Center.id)).scalar_one()
    factory.user("mod-ms", center_id=center_id, role="moderator")
    mod = site.test_client()
    login(mod, "mod-ms")
    assert mod.post("/dcc/skills", data={"code": "sec", "name_en": "Security",
                                         "active": "y"}).status_code == 302
    mod.post("/dcc/skills", data={"code": "DATA", "name_en": "Data science"})  # by code
    with site.app_context():
        rows = {s.code: (s.name_en, s.active) for s in db.session.execute(db.select(Skill)).scalars()}
    assert rows == {"SEC": ("Security", True), "DATA": ("Data science", False)}


def test_a_new_code_replaces_the_old_one(site):
    client = site.test_client()
    resp = client.post("/dcc/join", data={
        "name_en": "Nary", "category": "other", "contact": "012 999 111",
        "password": "long-password-1", "password2": "long-password-1",
        "consent_privacy": "y"})
    url = resp.headers["Location"]
    first = site.extensions["dcc_outbox"][-1]["body"].split("code is ")[1][:6]
    assert site.extensions["dcc_outbox"][-1]["to"] == "+85512999111"
    assert client.post(url + "/resend").status_code == 302
    second = site.extensions["dcc_outbox"][-1]["body"].split("code is ")[1][:6]
    if first != second:
        assert b"not right" in client.post(url, data={"code": first}, headers=EN).data
    assert b"join-done" in client.post(url, data={"code": second}, headers=EN).data
