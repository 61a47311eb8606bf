"""The screens through HTTP: join with a code, moderation, competition run, scoping."""

import io
import re

import pytest

from core.extensions import db
from plugins.dcc import competitions as comp
from plugins.dcc.competition_models import Competition, Entry, JudgeAssignment
from plugins.dcc.models import Member
from tests.conftest import login
from tests.plugins.dcc import helpers as h

EN = {"Accept-Language": "en"}


@pytest.fixture
def site(make_app, factory):
    app = make_app(CTC_DCC_NOTIFIER="memory", RATELIMIT_PUBLIC="1000 per minute")
    from core.auth.permissions import sync_builtin_roles

    with app.app_context():
        sync_builtin_roles()
        db.session.commit()
    return app


def code_from(app):
    return app.extensions["dcc_outbox"][-1]["body"].split("code is ")[1][:6]


def test_join_confirm_moderate_and_sign_in(site, factory):
    a = factory.center("VA-01")
    factory.user("mod-a", center_id=a, role="moderator")
    client = site.test_client()
    page = client.get("/dcc/join", headers=EN)
    assert page.status_code == 200 and b"privacy" in page.data.lower()
    form = {"name_km": "សុខ", "name_en": "Sok Join", "category": "student", "province_code": "12",
            "contact": "sok.join@example.com", "password": "long-password-1",
            "password2": "long-password-1", "home_center_id": str(a)}
    bad = client.post("/dcc/join", data=form, headers=EN)  # no privacy consent
    assert bad.status_code == 200 and b"Sok Join" in bad.data  # re-rendered with the input
    resp = client.post("/dcc/join", data={**form, "consent_privacy": "y",
                                          "consent_directory": "y"}, headers=EN)
    assert resp.status_code == 302
    confirm_url = resp.headers["Location"]
    wrong = client.post(confirm_url, data={"code": "12345x"}, headers=EN)
    assert b"not right" in wrong.data
    ok = client.post(confirm_url, data={"code": code_from(site)}, headers=EN)
    assert b"join-done" in ok.data
    # another browser cannot reach the confirmation page
    assert site.test_client().get(confirm_url).status_code == 404
    # the moderator approves
    mod = site.test_client()
    login(mod, "mod-a")
    queue = mod.get("/dcc/moderation", headers=EN)
    assert b"Sok Join" in queue.data
    with site.app_context():
        member_id = db.session.execute(db.select(Member.id)).scalar_one()
    assert mod.post(f"/dcc/moderation/{member_id}/approve").status_code == 302
    member_client = site.test_client()
    login(member_client, "sok.join@example.com", "long-password-1")
    me = member_client.get("/dcc/me", headers=EN)
    assert me.status_code == 200 and b"Sok Join" in me.data
    export = member_client.get("/dcc/me/export.json")
    assert export.json["email"] == "sok.join@example.com"


def test_join_with_a_bad_phone_number_explains_it(site, factory):
    a = factory.center("VA-01")
    client = site.test_client()
    form = {"name_km": "សុខ", "name_en": "Sok Phone", "category": "student",
            "province_code": "12", "contact": "012 34", "password": "long-password-1",
            "password2": "long-password-1", "consent_privacy": "y", "home_center_id": str(a)}
    bad = client.post("/dcc/join", data=form, headers=EN)
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "Enter a valid phone number, e.g. 012 345 678." in html
    assert 'value="Sok Phone"' in html
    km = client.post("/dcc/join", data=form, headers={"Accept-Language": "km"})
    assert km.status_code == 200 and "សូមបញ្ចូលលេខទូរស័ព្ទ" in km.get_data(as_text=True)
    with site.app_context():
        assert db.session.execute(db.select(Member.id)).first() is None
    ok = client.post("/dcc/join", data={**form, "contact": "០១២ ៣៤៥ ៦៧៨"}, headers=EN)
    assert ok.status_code == 302
    with site.app_context():
        assert db.session.execute(db.select(Member.phone)).scalar_one() == "+85512345678"


def test_reject_needs_a_reason_and_other_center_gets_404(site, factory):
    a, b = factory.center("VB-01"), factory.center("VB-02")
    factory.user("mod-b1", center_id=a, role="moderator")
    factory.user("mod-b2", center_id=b, role="moderator")
    with site.app_context():
        m = h.member(approved=False)
        m.home_center_id = a
        db.session.commit()
        member_id = m.id
    other = site.test_client()
    login(other, "mod-b2")
    assert other.post(f"/dcc/moderation/{member_id}/approve").status_code == 404
    assert other.get(f"/dcc/moderation/{member_id}/reject").status_code == 404
    mod = site.test_client()
    login(mod, "mod-b1")
    page = mod.post(f"/dcc/moderation/{member_id}/reject", data={"reason": ""}, headers=EN)
    assert page.status_code == 200 and b"is-invalid" in page.data
    assert mod.post(f"/dcc/moderation/{member_id}/reject",
                    data={"reason": "Fake identity"}).status_code == 302
    with site.app_context():
        assert db.session.get(Member, member_id).status == "rejected"


def test_member_pages_need_a_member_and_staff_pages_a_permission(site, factory):
    a = factory.center("VC-01")
    factory.user("clerk-c", center_id=a, role="clerk")
    anon = site.test_client()
    assert anon.get("/dcc/me").status_code == 302
    clerk = site.test_client()
    login(clerk, "clerk-c")
    assert clerk.get("/dcc/me").status_code == 404
    assert clerk.get("/dcc/moderation").status_code == 403
    assert clerk.get("/dcc/judging").status_code == 403
    assert clerk.get("/dcc/directory").status_code == 200


def test_a_competition_run_through_the_screens(site, factory, tmp_path):
    a = factory.center("VD-01")
    factory.user("mod-d", center_id=a, role="moderator")
    factory.user("judge-d1", center_id=a, role="judge")
    factory.user("judge-d2", center_id=a, role="judge")
    with site.app_context():
        m = h.member(name_en="Dara Entrant", visibility={"name_en": "public"})
        db.session.commit()
        contact = m.email
    mod = site.test_client()
    login(mod, "mod-d")
    form = {"slug": "vd-hack", "title_en": "VD Hack", "rules": "Be kind.",
            "registration_opens_at": "2020-01-01T08:00", "registration_closes_at": "2099-01-01T08:00",
            "submission_opens_at": "2020-01-01T08:00", "submission_closes_at": "2099-01-01T08:00",
            "allow_file": "y", "allow_link": "y", "file_types": "pdf", "max_file_kb": "100",
            "aggregation": "mean", "team_min": "1", "team_max": "1"}
    resp = mod.post("/dcc/admin/competitions/new", data=form)
    assert resp.status_code == 302
    with site.app_context():
        c = db.session.execute(db.select(Competition)).scalar_one()
        cid = c.id
        assert c.registration_opens_at.hour == 1  # 08:00 in Phnom Penh is 01:00 UTC
    public_page = site.test_client().get("/dcc/competitions/vd-hack", headers=EN)
    assert public_page.status_code == 404  # a draft is not public yet
    mod.post(f"/dcc/admin/competitions/{cid}/criteria",
             data={"cr-name_en": "Impact", "cr-weight": "2", "cr-min_score": "0", "cr-max_score": "10"})
    mod.post(f"/dcc/admin/competitions/{cid}/prizes",
             data={"pr-rank": "1", "pr-title_en": "Gold", "pr-amount": "500", "pr-currency": "USD"})
    with site.app_context():
        from core.auth.models import User

        ids = {u.username: u.id for u in db.session.execute(db.select(User)).scalars()}
    for name in ("judge-d1", "judge-d2"):
        mod.post(f"/dcc/admin/competitions/{cid}/judges", data={"user_id": ids[name]})
    assert mod.post(f"/dcc/admin/competitions/{cid}/open").status_code == 302
    public_page = site.test_client().get("/dcc/competitions/vd-hack", headers=EN)
    assert b"2020-01-01 08:00" in public_page.data and b"time zone Asia/Phnom_Penh, UTC+07:00" in public_page.data
    assert b"Ties are broken by" in public_page.data
    member = site.test_client()
    login(member, contact, h.PASSWORD)
    assert member.post("/dcc/competitions/vd-hack/enter", data={}).status_code == 302
    with site.app_context():
        entry_id = db.session.execute(db.select(Entry.id)).scalar_one()
    bad = member.post(f"/dcc/me/entries/{entry_id}", data={"file": (io.BytesIO(b"x"), "a.exe")},
                      content_type="multipart/form-data", headers=EN)
    assert b"not accepted" in bad.data
    ok = member.post(f"/dcc/me/entries/{entry_id}",
                     data={"file": (io.BytesIO(b"%PDF-1.4 work"), "work.pdf")},
                     content_type="multipart/form-data")
    assert ok.status_code == 302
    mod.post(f"/dcc/admin/competitions/{cid}/assign")
    for name, score in (("judge-d1", "8"), ("judge-d2", "6")):
        judge = site.test_client()
        login(judge, name)
        with site.app_context():
            aid = db.session.execute(db.select(JudgeAssignment.id).where(
                JudgeAssignment.judge_user_id == ids[name])).scalar_one()
        page = judge.get(f"/dcc/judging/{aid}", headers=EN)
        assert b"Dara Entrant" in page.data
        sub = re.search(rb'href="(/dcc/submissions/\d+/file)"', page.data).group(1).decode()
        assert judge.get(sub).data == b"%PDF-1.4 work"
        bad = judge.post(f"/dcc/judging/{aid}", data={"c-1": "11"}, headers=EN)
        assert b"a score from 0 to 10" in bad.data and b'value="11"' in bad.data
        with site.app_context():
            crit_id = db.session.get(Competition, cid).criteria[0].id
        assert judge.post(f"/dcc/judging/{aid}", data={f"c-{crit_id}": score}).status_code == 302
    assert mod.get("/dcc/competitions/vd-hack/results").status_code == 404  # not yet published
    mod.post(f"/dcc/admin/competitions/{cid}/freeze")
    mod.post(f"/dcc/admin/competitions/{cid}/publish")
    results = site.test_client().get("/dcc/competitions/vd-hack/results", headers=EN)
    assert results.status_code == 200
    assert b"Dara Entrant" in results.data and b"70.000000" in results.data and b"Gold" in results.data
    mod.post(f"/dcc/admin/competitions/{cid}/certificates")
    admin = mod.get(f"/dcc/admin/competitions/{cid}", headers=EN)
    pdf_url = re.search(rb'href="(/dcc/admin/certificates/\d+\.pdf)"', admin.data).group(1).decode()
    assert mod.get(pdf_url).data.startswith(b"%PDF")
    mine = member.get("/dcc/me/entries", headers=EN)
    assert b"DCC-VD-01-" in mine.data


def test_staff_of_another_center_get_404_on_competition_urls(site, factory):
    a, b = factory.center("VE-01"), factory.center("VE-02")
    factory.user("mgr-e2", center_id=b, role="manager")
    factory.user("judge-e1", center_id=a, role="judge")
    with site.app_context():
        c = h.competition(a)
        from core.auth.models import User

        j = db.session.execute(db.select(User).where(User.username == "judge-e1")).scalar_one()
        comp.add_judge(db.session, c, j)
        e = h.entry_with_link(c, h.member())
        (asg,) = comp.assign_judges(db.session, c)
        db.session.commit()
        ids = (c.id, e.id, asg.id, e.submissions[0].id)
    other = site.test_client()
    login(other, "mgr-e2")
    cid, eid, aid, sid = ids
    for url in (f"/dcc/admin/competitions/{cid}", f"/dcc/admin/competitions/{cid}/edit",
                f"/dcc/admin/entries/{eid}/disqualify", f"/dcc/judging/{aid}",
                f"/dcc/submissions/{sid}/file", f"/dcc/me/entries/{eid}"):
        assert other.get(url).status_code == 404, url
    for url in (f"/dcc/admin/competitions/{cid}/freeze", f"/dcc/admin/competitions/{cid}/criteria",
                f"/dcc/admin/entries/{eid}/disqualify", f"/dcc/judging/{aid}/conflict"):
        assert other.post(url, data={"reason": "x"}).status_code == 404, url
    with site.app_context():
        assert db.session.get(Entry, eid).status == "active"


def test_national_competition_is_for_deployers(site, factory):
    a = factory.center("VF-01")
    factory.user("mgr-f", center_id=a, role="manager")
    factory.user("root-f", deployer=True)
    with site.app_context():
        cid = h.competition(None).id
        db.session.commit()
    mgr = site.test_client()
    login(mgr, "mgr-f")
    assert mgr.get(f"/dcc/admin/competitions/{cid}").status_code == 404
    root = site.test_client()
    login(root, "root-f")
    assert root.get(f"/dcc/admin/competitions/{cid}").status_code == 200
    page = root.get("/dcc/admin/competitions/new", headers=EN)
    assert b"National competition" in page.data


def test_public_pages_answer_404_when_the_dcc_is_off_everywhere(site, factory):
    from core.plugins import set_plugin_enabled
    from core.tenancy import Center

    a = factory.center("VG-01")
    with site.app_context():
        c = h.competition(a)
        slug = c.slug
        set_plugin_enabled(db.session.get(Center, a), "dcc", False)
        db.session.commit()
    anon = site.test_client()
    for url in ("/dcc/join", "/dcc/directory", "/dcc/opportunities", f"/dcc/competitions/{slug}"):
        assert anon.get(url).status_code == 404, url


def test_pages_render_in_khmer(site, factory):
    factory.center("VH-01")
    with site.app_context():
        h.competition(None)
        db.session.commit()
    anon = site.test_client()
    for url in ("/dcc/join", "/dcc/directory", "/dcc/competitions"):
        page = anon.get(url, headers={"Accept-Language": "km"})
        assert page.status_code == 200
    page = anon.get("/dcc/join", headers={"Accept-Language": "km"}).data.decode()
    assert "ចូលរួមសហគមន៍ឌីជីថលកម្ពុជា" in page and "Join the Digital" not in page


def test_dashboard_widget_counts_waiting_members_and_sheets(site, factory):
    a = factory.center("VI-01")
    factory.user("mod-i", center_id=a, role="moderator")
    factory.user("judge-i", center_id=a, role="judge")
    with site.app_context():
        m = h.member(approved=False)
        m.home_center_id = a
        c = h.competition(a)
        from core.auth.models import User

        j = db.session.execute(db.select(User).where(User.username == "judge-i")).scalar_one()
        comp.add_judge(db.session, c, j)
        h.entry_with_link(c, h.member())
        comp.assign_judges(db.session, c)
        db.session.commit()
    mod = site.test_client()
    login(mod, "mod-i")
    assert re.search(rb'id="dcc-pending">1<', mod.get("/", headers=EN).data)
    judge = site.test_client()
    login(judge, "judge-i")
    page = judge.get("/", headers=EN).data
    assert re.search(rb'id="dcc-to-score">1<', page) and b"dcc-pending" not in page


def test_demo_data_is_idempotent_and_covers_both_centers(site):
    from core import demo

    with site.app_context():
        demo.load()
        db.session.commit()
        counts = {m.__tablename__: db.session.query(m).count()
                  for m in (Member, Competition, Entry, JudgeAssignment)}
        demo.load()
        db.session.commit()
        again = {m.__tablename__: db.session.query(m).count()
                 for m in (Member, Competition, Entry, JudgeAssignment)}
        assert counts == again and counts["dcc_competition"] == 2
        centers = {c.center.code for c in db.session.execute(db.select(Competition)).scalars()}
        assert centers == {"PP-01", "SR-01"}


def test_moderator_withdraws_one_judge_from_one_entry(site, factory):
    a, b = factory.center("VJ-01"), factory.center("VJ-02")
    factory.user("mod-j", center_id=a, role="moderator")
    factory.user("mod-j2", center_id=b, role="moderator")
    with site.app_context():
        c = h.competition(a)
        j = h.judge("judge-j", a)
        comp.add_judge(db.session, c, j)
        e1, e2 = h.entry_with_link(c, h.member()), h.entry_with_link(c, h.member())
        rows = {x.entry_id: x.id for x in comp.assign_judges(db.session, c)}
        db.session.commit()
        cid, e1_id, e2_id = c.id, e1.id, e2.id
    other = site.test_client()
    login(other, "mod-j2")
    assert other.post(f"/dcc/admin/assignments/{rows[e1_id]}/withdraw").status_code == 404
    mod = site.test_client()
    login(mod, "mod-j")
    assert mod.post(f"/dcc/admin/assignments/{rows[e1_id]}/withdraw").status_code == 302
    mod.post(f"/dcc/admin/competitions/{cid}/assign")  # re-assigning does not give it back
    with site.app_context():
        got = {x.entry_id: x.recused for x in db.session.execute(
            db.select(JudgeAssignment)).scalars()}
    assert got == {e1_id: True, e2_id: False}


def test_entrant_pages_follow_each_centers_switch(site, factory):
    from core.plugins import set_plugin_enabled
    from core.tenancy import Center
    from plugins.dcc import results

    a, b = factory.center("VL-01"), factory.center("VL-02")
    with site.app_context():
        m = h.member()
        ids = {}
        for center, key in ((a, "a"), (b, "b")):
            c = h.competition(center, prizes=(1,))
            j = h.judge(f"judge-l{key}", center)
            comp.add_judge(db.session, c, j)
            e = h.entry_with_link(c, m)
            (asg,) = comp.assign_judges(db.session, c)
            comp.save_scores(db.session, asg, {c.criteria[0].id: 5})
            results.freeze(db.session, c)
            results.publish(db.session, c)
            certs = results.issue_certificates(db.session, c)
            ids[key] = (e.id, [x.id for x in certs], [x.number for x in certs], c.title_en)
        set_plugin_enabled(db.session.get(Center, a), "dcc", False)
        db.session.commit()
        contact = m.email
    me = site.test_client()
    login(me, contact, h.PASSWORD)
    (ea, certs_a, numbers_a, title_a), (eb, certs_b, numbers_b, title_b) = ids["a"], ids["b"]
    assert me.get(f"/dcc/me/entries/{ea}").status_code == 404
    assert me.get(f"/dcc/me/entries/{eb}").status_code == 200
    for cert_id in certs_a:
        assert me.get(f"/dcc/me/certificates/{cert_id}.pdf").status_code == 404
    listing = me.get("/dcc/me/entries", headers=EN).data.decode()
    assert title_b in listing and all(n in listing for n in numbers_b)
    assert all(f"/dcc/me/certificates/{x}.pdf" in listing for x in certs_b)
    assert title_a not in listing and not any(n in listing for n in numbers_a)
    with site.app_context():
        set_plugin_enabled(db.session.get(Center, a), "dcc", True)
        db.session.commit()
    assert me.get(f"/dcc/me/entries/{ea}").status_code == 200  # the switch, not the entry


def test_competition_page_names_categories_and_provinces(site, factory):
    a = factory.center("VM-01")
    with site.app_context():
        slug = h.competition(a, eligible_categories=["civil_servant", "student"],
                             eligible_provinces=["17", "12"]).slug
        db.session.commit()
    anon = site.test_client()
    en = anon.get(f"/dcc/competitions/{slug}", headers=EN).data.decode()
    assert "Civil servant, Student" in en and "Siemreap" in en and "Phnom Penh" in en
    assert "civil_servant" not in en and ": 17" not in en
    km = anon.get(f"/dcc/competitions/{slug}", headers={"Accept-Language": "km"}).data.decode()
    assert "មន្ត្រីរាជការ" in km and "សៀមរាប" in km and "Siemreap" not in km


def test_blind_judging_hides_an_automatic_recusals_reason(site, factory):
    a = factory.center("VN-01")
    with site.app_context():
        judge = h.judge("judge-n", a)
        blind, open_ = h.competition(a, blind_judging=True), h.competition(a)
        for c in (blind, open_):
            comp.add_judge(db.session, c, judge, organisation_name="Angkor Soft")
            h.entry_with_link(c, h.member(organisation_name="angkor  soft"))
            (asg,) = comp.assign_judges(db.session, c)
            assert asg.recused
        db.session.commit()
        blind_title = blind.title_en
    page = site.test_client()
    login(page, "judge-n", h.PASSWORD)
    text = page.get("/dcc/judging", headers=EN).data.decode()
    rows = {line for line in text.split("<tr>") if "Recused" in line}
    assert len(rows) == 2
    blind_row = next(r for r in rows if blind_title in r)
    open_row = next(r for r in rows if blind_title not in r)
    assert "same organisation" not in blind_row and "same organisation" in open_row
