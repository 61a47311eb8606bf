"""Who holds an email address or phone number: rejected and stale registrations let go,
a recent one blocks with a message that confirms nothing, and the database agrees."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.audit import AuditLog
from core.extensions import db
from core.i18n import english
from core.tenancy import utcnow
from plugins.dcc import members as svc
from plugins.dcc.models import ConfirmationCode, Member
from plugins.dcc.notify import MemoryNotifier
from tests.plugins.dcc import helpers as h

NEUTRAL = "We could not register this contact. If it is yours, sign in or ask the DCC office."
NEUTRAL_KM = ("យើងមិនអាចចុះឈ្មោះទំនាក់ទំនងនេះបានទេ។ ប្រសិនបើវាជារបស់អ្នក "
              "សូមចូលគណនី ឬសួរការិយាល័យ DCC។")


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def register(contact, *, now=None, name="Dara"):
    return svc.register_member(
        db.session, profile={"name_en": name, "category": "student"}, contact=contact,
        password=h.PASSWORD, consents={"privacy": True}, now=now)


def refusal(contact, **kw) -> str:
    with pytest.raises(svc.DccError) as refused:
        register(contact, **kw)
    db.session.rollback()
    return english(refused.value)


def test_a_rejected_registration_lets_its_contact_go(ctx):
    first = register("sreymom@example.com", name="Squatter")
    svc.reject_member(db.session, first, None, "Not the owner of this address")
    db.session.commit()
    again = h.member(contact="SreyMom@example.com", name_en="Srey Mom")  # confirmed, approved
    db.session.commit()
    assert again.status == "approved" and again.email == "sreymom@example.com"
    db.session.refresh(first)
    # The rejected record stays for the audit, with its contact, but holds nothing.
    assert first.status == "rejected" and first.email == "sreymom@example.com"
    assert first.rejection_reason == "Not the owner of this address"
    assert refusal("sreymom@example.com") == NEUTRAL  # now the approved member holds it


def test_a_pending_registration_expires_after_the_configured_days(ctx):
    now = utcnow()
    old = register("+855 12 777 888", now=now - timedelta(days=14))
    svc.send_code(db.session, old, MemoryNotifier([]), now=now - timedelta(days=14))
    db.session.commit()
    fresh = register("012 777 888", now=now)  # 14 days on: the default limit is reached
    db.session.commit()
    db.session.refresh(old)
    assert old.status == "expired" and old.pending_password_hash == ""
    assert old.phone == "+85512777888"  # the record stays
    assert db.session.execute(sa.select(ConfirmationCode).where(
        ConfirmationCode.member_id == old.id)).first() is None
    assert fresh.status == "pending" and fresh.phone == "+85512777888"
    actions = db.session.execute(sa.select(AuditLog.action, AuditLog.object_id).where(
        AuditLog.action == "dcc.member.expire")).all()
    assert actions == [("dcc.member.expire", str(old.id))]
    with pytest.raises(svc.DccError):  # an expired registration cannot be approved
        svc.approve_member(db.session, old, None)


def test_a_younger_pending_registration_blocks_with_a_neutral_message(ctx):
    now = utcnow()
    register("kosal@example.com", now=now - timedelta(days=13, hours=23))
    db.session.commit()
    pending = refusal("kosal@example.com", now=now)
    approved = h.member(contact="vanna@example.com")
    db.session.commit()
    assert {pending, refusal("vanna@example.com"), refusal(approved.email)} == {NEUTRAL}
    assert db.session.execute(sa.select(sa.func.count(Member.id)).where(
        Member.email == "kosal@example.com")).scalar_one() == 1


def test_the_number_of_days_is_a_setting(make_app):
    app = make_app(CTC_DCC_PENDING_DAYS=3)
    with app.app_context():
        now = utcnow()
        assert svc.pending_days() == 3
        register("three@example.com", now=now - timedelta(days=2, hours=23))
        register("four@example.com", now=now - timedelta(days=3))
        db.session.commit()
        assert refusal("three@example.com", now=now) == NEUTRAL
        assert register("four@example.com", now=now).status == "pending"


def test_the_database_lets_one_pending_or_approved_member_hold_a_contact(ctx):
    """The unique indexes catch what the service's check cannot: two registrations of
    the same contact at the same moment."""

    def add(**kw):
        db.session.add(Member(visibility={}, **kw))
        db.session.flush()

    add(email="twice@example.com", status="rejected")
    add(email="twice@example.com", status="expired")
    add(email="twice@example.com", status="pending")
    add(email="", phone="+85512000111", status="approved")
    add(email="", phone="+85512000222", status="pending")  # empty emails never clash
    add(email="", phone="+85512000111", status="deleted")
    db.session.commit()
    for kw in ({"email": "twice@example.com", "status": "approved"},
               {"email": "twice@example.com", "status": "pending"},
               {"phone": "+85512000111", "status": "pending"}):
        with pytest.raises(sa.exc.IntegrityError):
            add(**kw)
        db.session.rollback()


def test_a_registration_racing_another_gets_the_neutral_message(ctx, monkeypatch):
    """The check saw nobody, the index refuses: the same message, nothing written."""
    register("race@example.com")
    db.session.commit()
    monkeypatch.setattr(svc, "_contact_held", lambda *a: False)
    assert refusal("race@example.com") == NEUTRAL
    assert db.session.execute(sa.select(sa.func.count(Member.id))).scalar_one() == 1


# -- through the screens -------------------------------------------------------------------


@pytest.fixture
def site(make_app):
    app = make_app(CTC_DCC_NOTIFIER="memory", RATELIMIT_PUBLIC="1000 per minute")
    with app.app_context():
        from core.auth.permissions import sync_builtin_roles

        sync_builtin_roles()
        db.session.commit()
    return app


def join(client, contact, lang="en", name="Sok Join"):
    return client.post("/dcc/join", headers={"Accept-Language": lang}, data={
        "name_km": "សុខ", "name_en": name, "category": "student", "province_code": "12",
        "contact": contact, "password": "long-password-1", "password2": "long-password-1",
        "home_center_id": "", "consent_privacy": "y"})


def test_join_screen_after_rejection_and_while_pending(site, factory):
    factory.center("VC-01")
    first = join(site.test_client(), "dara.join@example.com", name="First Try")
    assert first.status_code == 302
    for lang, message in (("en", NEUTRAL), ("km", NEUTRAL_KM)):
        page = join(site.test_client(), "dara.join@example.com", lang)
        assert page.status_code == 200 and message in page.data.decode()
        assert "registered already" not in page.data.decode()
    with site.app_context():
        (member,) = db.session.execute(sa.select(Member)).scalars()
        svc.reject_member(db.session, member, None, "Wrong person")
        db.session.commit()
    again = join(site.test_client(), "dara.join@example.com", name="Second Try")
    assert again.status_code == 302
    with site.app_context():
        rows = dict(db.session.execute(sa.select(Member.name_en, Member.status)).all())
    assert rows == {"First Try": "rejected", "Second Try": "pending"}


def test_join_screen_for_an_approved_members_contact(site, factory):
    factory.center("VC-02")
    with site.app_context():
        contact = h.member().email
        db.session.commit()
    for lang, message in (("en", NEUTRAL), ("km", NEUTRAL_KM)):
        page = join(site.test_client(), contact.upper(), lang)
        assert page.status_code == 200 and message in page.data.decode()


def test_the_office_rejects_a_registration_still_waiting_for_its_code(site, factory):
    """What "ask the DCC office" leads to: the moderators see unconfirmed registrations of
    their center and reject the one the contact's owner disowns."""
    from tests.conftest import login

    a = factory.center("VC-03")
    factory.user("mod-vc3", center_id=a, role="moderator")
    squat = join(site.test_client(), "owner@example.com", name="Not The Owner")
    assert squat.status_code == 302
    with site.app_context():
        member = db.session.execute(sa.select(Member)).scalar_one()
        member.home_center_id = a
        db.session.commit()
        member_id = member.id
    mod = site.test_client()
    login(mod, "mod-vc3")
    queue = mod.get("/dcc/moderation", headers={"Accept-Language": "en"}).data.decode()
    unconfirmed = queue[queue.index('id="unconfirmed"'):]
    assert "owner@example.com" in unconfirmed and "for 14 days" in queue
    km = mod.get("/dcc/moderation", headers={"Accept-Language": "km"}).data.decode()
    assert "ការចុះឈ្មោះដែលកំពុងរង់ចាំលេខកូដ" in km
    assert mod.post(f"/dcc/moderation/{member_id}/reject",
                    data={"reason": "The owner of the address says it is not theirs"}
                    ).status_code == 302
    assert join(site.test_client(), "owner@example.com", name="The Owner").status_code == 302
