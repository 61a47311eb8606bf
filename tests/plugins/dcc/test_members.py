"""Registration with a confirmation code, moderation, consent, deletion, export, credentials."""

import json
from datetime import date

import pytest

from core.auth.models import User
from core.extensions import db
from core.i18n import english
from core.plugins import hooks_for
from core.tenancy import Center, utcnow
from plugins.dcc import members as svc
from plugins.dcc import notify
from plugins.dcc.models import ConfirmationCode, Member
from tests.plugins.dcc import helpers as h


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def register(contact="dara@example.com", **consents):
    given = {"privacy": True, "directory": True, "credentials": True}
    given.update(consents)
    return svc.register_member(db.session, profile={"name_en": "Dara", "name_km": "ដារ៉ា",
                                                    "category": "student"},
                               contact=contact, password=h.PASSWORD, consents=given)


def test_code_is_hashed_expires_and_limits_attempts(ctx):
    m = register()
    outbox = []
    now = utcnow()
    svc.send_code(db.session, m, notify.MemoryNotifier(outbox), now=now)
    code = outbox[0]["body"].split("code is ")[1][:6]
    row = db.session.execute(db.select(ConfirmationCode)).scalar_one()
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert outbox[0]["to"] == "dara@example.com"
    with pytest.raises(svc.DccError, match="expired"):
        svc.confirm_code(db.session, m, code, now=now + svc.CODE_TTL)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(svc.CODE_MAX_ATTEMPTS):
        with pytest.raises(svc.DccError, match="not right"):
            svc.confirm_code(db.session, m, wrong, now=now)
    with pytest.raises(svc.DccError, match="Too many"):
        svc.confirm_code(db.session, m, code, now=now)  # even the right code, now
    svc.send_code(db.session, m, notify.MemoryNotifier(outbox), now=now)
    fresh = outbox[1]["body"].split("code is ")[1][:6]
    if fresh != code:
        with pytest.raises(svc.DccError):
            svc.confirm_code(db.session, m, code, now=now)  # the old code stopped working
    svc.confirm_code(db.session, m, fresh, now=now)
    assert m.contact_confirmed_at == now


def test_codes_per_hour_are_limited(ctx):
    m = register()
    now = utcnow()
    for _ in range(svc.CODES_PER_HOUR):
        svc.send_code(db.session, m, notify.MemoryNotifier([]), now=now)
    with pytest.raises(svc.DccError, match="Too many codes"):
        svc.send_code(db.session, m, notify.MemoryNotifier([]), now=now)


def test_log_notifier_writes_the_code_to_the_log(ctx, caplog):
    m = register(contact="012 345 678")
    assert m.phone == "+85512345678"
    with caplog.at_level("INFO", logger="ctc.dcc"):
        svc.send_code(db.session, m, notify.get_notifier())
    assert "+85512345678" in caplog.text and "code is" in caplog.text


def test_smtp_notifier_is_configured_from_app_config(make_app):
    app = make_app(CTC_DCC_NOTIFIER="smtp", CTC_DCC_SMTP_HOST="mail.example.org",
                   CTC_DCC_SMTP_PORT=2525, CTC_DCC_SMTP_FROM="dcc@example.org")
    n = notify.get_notifier(app)
    assert isinstance(n, notify.SmtpNotifier)
    assert (n.host, n.port, n.sender) == ("mail.example.org", 2525, "dcc@example.org")


def test_registration_rules(ctx):
    with pytest.raises(svc.DccError, match="privacy"):
        register(privacy=False)
    with pytest.raises(svc.DccError, match="email"):
        register(contact="not an address@")
    register()
    with pytest.raises(svc.DccError) as refused:
        register(contact="DARA@example.com")
    assert english(refused.value) == ("We could not register this contact. If it is yours, "
                                      "sign in or ask the DCC office.")


@pytest.mark.parametrize("contact, message", [
    ("012 34", "Enter a valid phone number, e.g. 012 345 678."),   # once stored as +8551234
    ("+855 12", "Enter a valid phone number, e.g. 012 345 678."),
    ("081 234 5678", "Enter a valid phone number, e.g. 012 345 678."),  # Thai, no +66
    ("sokha", "Give an email address or a phone number."),
    ("", "Give an email address or a phone number."),
])
def test_a_bad_phone_number_is_refused_with_a_clear_message(ctx, contact, message):
    with pytest.raises(svc.DccError) as refused:
        register(contact=contact)
    assert english(refused.value) == message
    assert db.session.execute(db.select(Member.id)).first() is None


def test_phone_contacts_are_stored_in_e164(ctx):
    assert svc.normalise_contact("០១២ ៣៤៥ ៦៧៨") == ("phone", "+85512345678")
    assert svc.normalise_contact("+66 81 234 5678") == ("phone", "+66812345678")
    assert register(contact="097 123 4567").phone == "+855971234567"


def test_approval_makes_a_core_user_without_membership_and_reject_needs_reason(ctx):
    m = h.member(approved=False)
    with pytest.raises(svc.DccError, match="reason"):
        svc.reject_member(db.session, m, None, "  ")
    user = svc.approve_member(db.session, m, None)
    assert user.username == m.email and user.memberships == [] and user.check_password(h.PASSWORD)
    assert m.pending_password_hash == "" and m.status == "approved" and m.listed
    other = h.member(approved=False)
    svc.reject_member(db.session, other, None, "Duplicate of another account")
    assert other.status == "rejected" and other.rejection_reason.startswith("Duplicate")
    with pytest.raises(svc.DccError):
        svc.approve_member(db.session, other, None)


def test_unconfirmed_member_cannot_be_approved(ctx):
    m = register()
    with pytest.raises(svc.DccError, match="confirmed"):
        svc.approve_member(db.session, m, None)


def test_directory_consent_can_be_withdrawn(ctx):
    m = h.member()
    assert m.listed
    svc.set_consent(db.session, m, "directory", False)
    assert not m.listed
    with pytest.raises(svc.DccError):
        svc.set_consent(db.session, m, "privacy", False)


def test_delete_anonymises_profile_and_keeps_results(ctx, factory):
    from plugins.dcc import competitions as comp
    from plugins.dcc import results

    m = h.member(name_en="Sophal Keo", name_km="សុផល កែវ", job_title="Engineer",
                 national_id="N123456", date_of_birth=date(1990, 5, 5))
    c = h.competition(prizes=(1,))
    e = h.entry_with_link(c, m)
    db.session.commit()
    center = factory.center("DD-01")
    j = h.judge("judge-d", center)
    comp.add_judge(db.session, c, j)
    (a,) = comp.assign_judges(db.session, c)
    comp.save_scores(db.session, a, {c.criteria[0].id: 8})
    results.freeze(db.session, c)
    results.publish(db.session, c)
    (award, part) = sorted(results.issue_certificates(db.session, c), key=lambda x: x.kind)
    user_id = m.user_id
    svc.delete_member(db.session, m)
    db.session.commit()
    assert m.status == "deleted" and m.name_en == "" and m.national_id == ""
    assert m.date_of_birth is None and m.skills == [] and not m.listed
    user = db.session.get(User, user_id)
    assert not user.active and user.username.startswith("deleted-") and user.email == ""
    assert results.result_rows(db.session, c)[0].entry_id == e.id  # the result stays
    assert award.holder_name_en == "" and award.status == "valid"
    from core.audit import AuditLog

    trail = json.dumps([r.changes for r in db.session.execute(db.select(AuditLog)).scalars()],
                       ensure_ascii=False)
    assert "Sophal" not in trail and "សុផល" not in trail and "N123456" not in trail


def test_export_holds_the_members_own_data(ctx):
    m = h.member(name_en="Export Me", job_title="Analyst")
    data = svc.export_member(m)
    json.dumps(data)
    assert data["profile"]["name_en"] == "Export Me" and data["email"] == m.email
    assert {c["kind"] for c in data["consents"]} == {"privacy", "directory", "credentials"}
    assert "pending_password_hash" not in json.dumps(data)


def test_certificate_issued_hook_adds_a_verified_credential(app, factory):
    """Matched by the phone a member registered with (confirmed by code), or by a national
    ID a moderator checked against the ID card; only for approved, consenting members."""
    from plugins.dcc import identity

    center_id = factory.center("CC-01")
    with app.app_context():
        by_phone = h.member(contact="+855 12 777 888")
        by_id = h.member(national_id="KH-0001")
        identity.check_national_id(db.session, by_id, None, "kh-0001")
        typed_only = h.member(national_id="KH-0002")  # nobody checked it: matches nothing
        refused = h.member(contact="+85512777999", consents={"privacy": True})
        pending = h.member(approved=False, contact="+85512777000")
        db.session.commit()
        center = db.session.get(Center, center_id)
        cert = {"number": "PP-2026-000001", "code": "ABCD1234EFGH5678",
                "holder_name_km": "x", "holder_name_en": "x", "phone": "012777888",
                "national_id": "", "course_code": "PY101", "course_title_en": "Python basics",
                "course_title_km": "មូលដ្ឋាន Python", "hours": 40, "issued_on": date(2026, 5, 1)}
        hooks_for(center).ctc_certificate_issued(certificate=cert, center=center)
        hooks_for(center).ctc_certificate_issued(certificate=cert, center=center)  # idempotent
        hooks_for(center).ctc_certificate_issued(
            certificate={**cert, "code": "ZZZZ1234EFGH5678", "phone": "",
                         "national_id": "KH-0001"}, center=center)
        hooks_for(center).ctc_certificate_issued(
            certificate={**cert, "code": "YYYY1234EFGH5678", "phone": "",
                         "national_id": "KH-0002"}, center=center)
        hooks_for(center).ctc_certificate_issued(  # a bad number matches nobody, raises not
            certificate={**cert, "code": "BADPHONE12345678", "phone": "not-a-phone"},
            center=center)
        for phone in ("+85512777999", "+85512777000"):
            hooks_for(center).ctc_certificate_issued(
                certificate={**cert, "code": "Q" + phone[-6:] + "123456789", "phone": phone},
                center=center)
        db.session.expire_all()
        assert [c.title_en for c in db.session.get(Member, by_phone.id).credentials] == [
            "Python basics"]
        assert [c.code for c in db.session.get(Member, by_id.id).credentials] == [
            "ZZZZ1234EFGH5678"]
        assert db.session.get(Member, typed_only.id).credentials == []
        assert db.session.get(Member, refused.id).credentials == []
        assert db.session.get(Member, pending.id).credentials == []


def test_certificate_hook_is_skipped_where_dcc_is_off(app, factory):
    from core.plugins import set_plugin_enabled

    center_id = factory.center("CC-02")
    with app.app_context():
        m = h.member(contact="+85512555444")
        center = db.session.get(Center, center_id)
        set_plugin_enabled(center, "dcc", False)
        db.session.commit()
        hooks_for(center).ctc_certificate_issued(
            certificate={"code": "ABCDEFGH12345678", "phone": "+85512555444"}, center=center)
        assert db.session.get(Member, m.id).credentials == []
