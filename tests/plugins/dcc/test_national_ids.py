"""Training certificates reach a member through a national ID only once a moderator has
checked it against the ID card (plugins/dcc/identity.py)."""

from datetime import date
from types import SimpleNamespace

import pytest

from core.audit import AuditLog
from core.extensions import db
from core.plugins import hooks_for
from core.tenancy import Center
from plugins.dcc import identity
from plugins.dcc import members as svc
from plugins.dcc.models import CredentialNotice, Member
from tests.conftest import login
from tests.plugins.dcc import helpers as h

EN = {"Accept-Language": "en"}
KM = {"Accept-Language": "km"}
VICTIM_ID = "N0123 4567"  # as printed; stored and compared as N01234567


@pytest.fixture
def site(make_app, factory):
    app = make_app(CTC_DCC_NOTIFIER="memory", RATELIMIT_PUBLIC="1000 per minute")
    from core.auth.permissions import sync_builtin_roles

    a, b = factory.center("NI-01"), factory.center("NI-02")
    with app.app_context():
        sync_builtin_roles()
        db.session.commit()
    factory.user("mod-a", center_id=a, role="moderator")
    factory.user("mod-b", center_id=b, role="moderator")
    factory.user("clerk-a", center_id=a, role="clerk")
    with app.app_context():
        victim = h.member(name_en="Real Holder", national_id=VICTIM_ID,
                          visibility={"name_en": "public", "credentials": "public"})
        squatter = h.member(name_en="Squatter", national_id="n01234567",
                            visibility={"name_en": "public", "credentials": "public"})
        for m in (victim, squatter):
            m.home_center_id = a
        db.session.commit()
        app.config["ids"] = {"a": a, "b": b, "victim": victim.id, "squatter": squatter.id,
                             "victim_email": victim.email, "squatter_email": squatter.email,
                             "victim_token": victim.token, "squatter_token": squatter.token}
    return app


def announce(app, center_id, code, *, national_id="", phone=""):
    """What the training plugin sends through ``ctc_certificate_issued``."""
    with app.app_context():
        center = db.session.get(Center, center_id)
        hooks_for(center).ctc_certificate_issued(certificate={
            "number": f"NI-01-CRT-2026-{code[-5:]}", "code": code, "holder_name_km": "x",
            "holder_name_en": "x", "phone": phone, "national_id": national_id,
            "course_code": "PY101", "course_title_en": f"Course {code}",
            "course_title_km": "វគ្គ", "hours": 20, "issued_on": date(2026, 5, 1)},
            center=center)


def codes(app, member_id) -> list[str]:
    with app.app_context():
        return sorted(c.code for c in db.session.get(Member, member_id).credentials)


def signed_in(app, who, password=None):
    """A member (h.PASSWORD) or a staff user (the factory's default password)."""
    client = app.test_client()
    login(client, who, password or (h.PASSWORD if "@" in who else "correct-horse-battery"))
    return client


def check(client, member_id, card=VICTIM_ID, **headers):
    return client.post(f"/dcc/moderation/{member_id}/national-id",
                       data={"card_number": card}, headers=headers or EN,
                       follow_redirects=True)


def test_a_squatter_gets_nothing_and_the_checked_holder_gets_earlier_and_later_certificates(
        site):
    ids = site.config["ids"]
    announce(site, ids["a"], "EARLIER000000001", national_id="N01234567")
    assert codes(site, ids["victim"]) == [] and codes(site, ids["squatter"]) == []
    victim_page = signed_in(site, ids["victim_email"]).get("/dcc/me", headers=EN)
    assert b'id="national-id-unchecked"' in victim_page.data
    assert b"Show your ID card to the DCC moderators of Center NI-01" in victim_page.data
    anon = site.test_client()
    assert b"Course EARLIER" not in anon.get(f"/dcc/people/{ids['squatter_token']}", headers=EN).data

    mod = signed_in(site, "mod-a")
    queue = mod.get("/dcc/moderation/national-ids", headers=EN)
    assert f'id="id-check-{ids["victim"]}"'.encode() in queue.data
    assert b"N01234567" not in queue.data and b"N0123 4567" not in queue.data  # never shown
    wrong = check(mod, ids["victim"], card="N0123 4568")
    assert b"is not the one the member gave" in wrong.data
    done = check(mod, ids["victim"])
    assert b"The national ID of Real Holder is checked; training certificates added now: 1." \
        in done.data
    assert codes(site, ids["victim"]) == ["EARLIER000000001"]  # the earlier one, at check time
    announce(site, ids["a"], "LATER00000000002", national_id="n0123 4567")
    assert codes(site, ids["victim"]) == ["EARLIER000000001", "LATER00000000002"]
    assert codes(site, ids["squatter"]) == []
    with site.app_context():
        assert db.session.execute(db.select(CredentialNotice)).scalars().all() == []
    # the same number cannot be checked for the squatter: the card belongs to one member
    again = check(mod, ids["squatter"])
    assert b"Another member&#39;s national ID was checked with this number" in again.data
    assert b"Course LATER" in anon.get(f"/dcc/people/{ids['victim_token']}", headers=EN).data
    assert b"Course" not in anon.get(f"/dcc/people/{ids['squatter_token']}", headers=EN).data
    page = signed_in(site, ids["victim_email"]).get("/dcc/me", headers=EN)
    assert b'id="national-id-checked"' in page.data


def test_the_check_is_audited_with_who_and_when(site, factory):
    ids = site.config["ids"]
    check(signed_in(site, "mod-a"), ids["victim"])
    with site.app_context():
        m = db.session.get(Member, ids["victim"])
        row = db.session.execute(db.select(AuditLog).where(
            AuditLog.action == "dcc.member.national_id_check")).scalar_one()
        assert m.national_id == "N01234567" and m.national_id_checked_at is not None
        assert row.user_id == m.national_id_checked_by_id is not None
        assert row.object_id == str(m.id) and "N0123" not in str(row.changes)


def test_changing_the_national_id_clears_the_check(site):
    ids = site.config["ids"]
    check(signed_in(site, "mod-a"), ids["victim"])
    me = signed_in(site, ids["victim_email"])
    form = {"name_en": "Real Holder", "name_km": "", "category": "student",
            "province_code": "12", "vis_name_en": "public", "vis_credentials": "public"}
    # the same number typed with other spaces and case keeps the check
    assert me.post("/dcc/me/edit", data={**form, "national_id": "n01234567 "}).status_code == 302
    with site.app_context():
        assert db.session.get(Member, ids["victim"]).national_id_checked_at is not None
    assert me.post("/dcc/me/edit", data={**form, "national_id": "N7654321"}).status_code == 302
    with site.app_context():
        m = db.session.get(Member, ids["victim"])
        assert m.national_id == "N7654321" and m.national_id_checked_at is None
        assert m.national_id_checked_by_id is None
        assert db.session.execute(db.select(AuditLog.object_id).where(
            AuditLog.action == "dcc.member.national_id_uncheck")).scalars().all() == [str(m.id)]
    announce(site, ids["a"], "AFTERCHANGE00001", national_id="N7654321")
    announce(site, ids["a"], "OLDNUMBER0000001", national_id="N01234567")
    assert codes(site, ids["victim"]) == []
    assert b'id="national-id-unchecked"' in me.get("/dcc/me", headers=EN).data
    # checked again, the new number's certificate arrives; the old number's never does
    done = check(signed_in(site, "mod-a"), ids["victim"], card="N7654321")
    assert b"training certificates added now: 1." in done.data
    assert codes(site, ids["victim"]) == ["AFTERCHANGE00001"]


def test_consent_is_still_required(site):
    ids = site.config["ids"]
    with site.app_context():
        m = db.session.get(Member, ids["victim"])
        svc.set_consent(db.session, m, "credentials", False)
        db.session.commit()
    announce(site, ids["a"], "BEFORECHECK00001", national_id="N01234567")
    check(signed_in(site, "mod-a"), ids["victim"])
    announce(site, ids["a"], "AFTERCHECK000001", national_id="N01234567")
    assert codes(site, ids["victim"]) == []
    with site.app_context():
        assert db.session.execute(db.select(CredentialNotice).where(
            CredentialNotice.member_id == ids["victim"])).scalars().all() == []
    page = signed_in(site, ids["victim_email"]).get("/dcc/me", headers=EN)
    assert b'id="credentials-not-consented"' in page.data


def test_only_the_members_own_moderators_can_check(site, factory):
    ids = site.config["ids"]
    announce(site, ids["a"], "WAITING000000001", national_id="N01234567")
    url = f"/dcc/moderation/{ids['victim']}/national-id"
    member = signed_in(site, ids["victim_email"])  # a member cannot check their own ID
    assert member.post(url, data={"card_number": VICTIM_ID}).status_code in (403, 404)
    assert member.get("/dcc/moderation/national-ids").status_code in (403, 404)
    clerk = signed_in(site, "clerk-a")  # staff of the member's center without dcc.moderate
    assert clerk.post(url, data={"card_number": VICTIM_ID}).status_code == 403
    assert clerk.get("/dcc/moderation/national-ids").status_code == 403
    other = signed_in(site, "mod-b")  # a moderator of another center
    assert other.post(url, data={"card_number": VICTIM_ID}).status_code == 404
    assert f'id="id-check-{ids["victim"]}"'.encode() not in other.get(
        "/dcc/moderation/national-ids").data
    with site.app_context():
        assert db.session.get(Member, ids["victim"]).national_id_checked_at is None
    assert codes(site, ids["victim"]) == []
    # a member's user who also holds staff rights still cannot check their own ID
    with site.app_context():
        m = db.session.get(Member, ids["victim"])
        with pytest.raises(svc.DccError, match="your own national ID"):
            identity.check_national_id(db.session, m, SimpleNamespace(id=m.user_id),
                                       VICTIM_ID)


def test_a_pending_member_or_one_without_a_number_cannot_be_checked(site):
    with site.app_context():
        pending = h.member(approved=False, national_id="P1")
        bare = h.member()
        for m, message in ((pending, "Only an approved member"), (bare, "has not given")):
            with pytest.raises(svc.DccError, match=message):
                identity.check_national_id(db.session, m, None, "P1")


def test_deletion_drops_the_check_and_the_kept_certificates(site):
    ids = site.config["ids"]
    announce(site, ids["a"], "KEPT000000000001", national_id="N01234567")
    with site.app_context():
        m = db.session.get(Member, ids["squatter"])
        assert len(db.session.execute(db.select(CredentialNotice).where(
            CredentialNotice.member_id == m.id)).scalars().all()) == 1
        svc.delete_member(db.session, m)
        db.session.commit()
        assert db.session.execute(db.select(CredentialNotice).where(
            CredentialNotice.member_id == m.id)).scalars().all() == []
        assert m.national_id == "" and m.national_id_checked_at is None


def test_the_profile_explains_in_khmer(site):
    ids = site.config["ids"]
    page = signed_in(site, ids["victim_email"]).get("/dcc/me", headers=KM).data.decode()
    assert "id=\"national-id-unchecked\"" in page and "Your national ID" not in page
    assert "មជ្ឈមណ្ឌល NI-01" in page


def test_a_certificate_issued_by_the_training_plugin_attaches_once_checked(site, factory):
    """Through the real issuer: training's bulk issue and announce, no DCC call."""
    from plugins.training import certificates
    from tests.plugins.training import helpers as th

    ids = site.config["ids"]
    with site.app_context():
        c = db.session.get(Center, ids["a"])
        _crs, coh, enrolments = th.class_of(c, 1)
        enrolments[0].trainee.national_id = "N01234567"
        enrolments[0].trainee.phone = ""
        result = certificates.bulk_issue(db.session, c, coh)
        db.session.commit()
        certificates.announce(c, result.issued)
        number = result.issued[0].number
    with site.app_context():
        assert db.session.get(Member, ids["victim"]).credentials == []
    check(signed_in(site, "mod-a"), ids["victim"])
    with site.app_context():
        assert [c.number for c in db.session.get(Member, ids["victim"]).credentials] == [number]


def test_the_registered_phone_matches_without_a_check(site):
    """The phone is the contact confirmed by code at registration: no visit needed."""
    ids = site.config["ids"]
    with site.app_context():
        m = h.member(contact="012 345 999")
        db.session.commit()
        member_id = m.id
    announce(site, ids["a"], "BYPHONE000000001", phone="+85512345999")
    assert codes(site, member_id) == ["BYPHONE000000001"]
    page = signed_in(site, "+85512345999", h.PASSWORD).get("/dcc/me", headers=EN).data
    assert b"the phone number you registered with, are added" in page
    assert b"Give your national ID number on your profile" in page
