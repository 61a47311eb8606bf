"""Private fields never leak: every page, search and export that shows members is checked."""

import re
from datetime import date, timedelta

import pytest

from core.extensions import db
from core.tenancy import utcnow
from plugins.dcc import competitions as comp
from plugins.dcc import members as svc
from plugins.dcc import opportunities as opp_svc
from plugins.dcc import results
from plugins.dcc.models import Skill
from tests.conftest import login
from tests.plugins.dcc import helpers as h

EN = {"Accept-Language": "en"}
SECRETS = ["Zq Private", "ឈ្មោះឯកជន", "Zqsecretjob", "Zqsecretorg", "Zqexperience",
           "Zqeducation", "zq-secret.example", "zq.secret@example.com", "ZQ999", "1977-07-07"]


@pytest.fixture
def world(make_app, factory):
    app = make_app(RATELIMIT_PUBLIC="1000 per minute")
    from core.auth.permissions import sync_builtin_roles

    center = factory.center("VZ-01")
    with app.app_context():
        sync_builtin_roles()
        skill = Skill(code="PROG", name_en="Programming")
        db.session.add(skill)
        db.session.flush()
        private = h.member(contact="zq.secret@example.com", name_en="Zq Private",
                           name_km="ឈ្មោះឯកជន", job_title="Zqsecretjob",
                           organisation_name="Zqsecretorg", experience="Zqexperience",
                           education="Zqeducation", links="https://zq-secret.example",
                           national_id="ZQ999", date_of_birth=date(1977, 7, 7),
                           province_code="17", category="academic")
        svc.set_skill(db.session, private, skill, 6)
        shown = h.member(name_en="Quinn Public", job_title="Zqmembersonly", province_code="17",
                         category="academic",
                         visibility={"name_en": "public", "job_title": "members",
                                     "province_code": "public", "category": "public",
                                     "skills": "public"})
        svc.set_skill(db.session, shown, skill, 6)
        unlisted = h.member(name_en="Una Unlisted", visibility={"name_en": "public"},
                            consents={"privacy": True})
        owner = h.member()
        org = opp_svc.register_organisation(db.session, owner, name_en="Org")
        opp_svc.verify_organisation(db.session, org)
        opp = opp_svc.post_opportunity(db.session, org, owner, kind="job", title="Job",
                                       expires_on=utcnow().date() + timedelta(days=3))
        opp_svc.moderate_opportunity(db.session, opp, True)
        opp_svc.express_interest(db.session, opp, private)
        c = h.competition(center, prizes=(1,), blind_judging=True)
        from core import services
        from core.tenancy import Center

        judge = services.create_user(username="judge-z", password=h.PASSWORD)
        services.grant_role(judge, db.session.get(Center, center), "judge")
        comp.add_judge(db.session, c, judge)
        h.entry_with_link(c, private)
        (a,) = comp.assign_judges(db.session, c)
        comp.save_scores(db.session, a, {c.criteria[0].id: 7})
        results.freeze(db.session, c)
        results.publish(db.session, c)
        db.session.commit()
        ctx = {"private": private.token, "shown": shown.token, "unlisted": unlisted.token,
               "slug": c.slug, "assignment": a.id, "owner": owner.email,
               "private_contact": private.email, "shown_contact": shown.email}
    return app, ctx


def assert_no_secret(body: bytes, where: str):
    text = body.decode()
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked in {where}"


def test_public_directory_search_and_csv_show_only_public_fields(world):
    app, ctx = world
    anon = app.test_client()
    urls = ["/dcc/directory", "/dcc/directory?province=17", "/dcc/directory?category=academic",
            "/dcc/directory?skill=PROG&level=5", "/dcc/directory?text=Zq",
            "/dcc/directory.csv", "/dcc/directory.csv?province=17&skill=PROG",
            f"/dcc/people/{ctx['private']}", f"/dcc/people/{ctx['shown']}",
            "/dcc/opportunities", "/dcc/competitions", f"/dcc/competitions/{ctx['slug']}",
            f"/dcc/competitions/{ctx['slug']}/results"]
    for url in urls:
        page = anon.get(url, headers=EN)
        assert page.status_code == 200, url
        assert_no_secret(page.data, url)
        assert b"Zqmembersonly" not in page.data, url  # members-only field, anonymous viewer
    listing = anon.get("/dcc/directory", headers=EN).data
    assert b"Quinn Public" in listing and ctx["private"].encode() in listing
    assert ctx["unlisted"].encode() not in listing  # no directory consent: not listed
    assert anon.get(f"/dcc/people/{ctx['unlisted']}").status_code == 404
    # Filters only match through visible fields: the private member never turns up.
    for url in ("/dcc/directory?province=17", "/dcc/directory?category=academic",
                "/dcc/directory?skill=PROG&level=5", "/dcc/directory?text=Zq",
                "/dcc/directory.csv?province=17"):
        body = anon.get(url).data
        assert ctx["private"].encode() not in body, url
    assert ctx["shown"].encode() in anon.get("/dcc/directory?province=17&skill=PROG").data
    assert ctx["shown"].encode() not in anon.get("/dcc/directory?skill=PROG&level=7").data
    results = anon.get(f"/dcc/competitions/{ctx['slug']}/results", headers=EN).data
    assert b"Participant" in results


def test_members_see_member_fields_but_never_private_ones(world):
    app, ctx = world
    member = app.test_client()
    login(member, ctx["shown_contact"], h.PASSWORD)
    page = member.get("/dcc/directory", headers=EN)
    assert b"Zqmembersonly" in page.data
    assert_no_secret(page.data, "members directory")
    csv = member.get("/dcc/directory.csv").data
    assert b"Zqmembersonly" in csv
    assert_no_secret(csv, "members csv")
    assert_no_secret(member.get(f"/dcc/people/{ctx['private']}").data, "person page")
    assert_no_secret(member.get("/dcc/me/export.json").data, "another member's export")


def test_organisation_owner_sees_interest_without_private_fields(world):
    app, ctx = world
    owner = app.test_client()
    login(owner, ctx["owner"], h.PASSWORD)
    page = owner.get("/dcc/me/organisations", headers=EN)
    assert page.status_code == 200 and b"Interested members" in page.data
    assert_no_secret(page.data, "organisation owner page")


def test_blind_judging_hides_names(world):
    app, ctx = world
    judge = app.test_client()
    login(judge, "judge-z", h.PASSWORD)
    for url in ("/dcc/judging", f"/dcc/judging/{ctx['assignment']}"):
        page = judge.get(url, headers=EN)
        assert page.status_code == 200 and b"Entry " in page.data
        assert_no_secret(page.data, url)


def test_own_page_and_export_show_everything_to_the_member(world):
    app, ctx = world
    me = app.test_client()
    login(me, ctx["private_contact"], h.PASSWORD)
    export = me.get("/dcc/me/export.json").data.decode()
    for secret in SECRETS:
        assert secret in export
    assert b"Zqsecretjob" in me.get("/dcc/me", headers=EN).data


def test_deleted_member_results_stay_anonymised(world):
    app, ctx = world
    me = app.test_client()
    login(me, ctx["private_contact"], h.PASSWORD)
    assert me.post("/dcc/me/delete", data={"confirm": "nope"}).status_code == 200
    assert me.post("/dcc/me/delete", data={"confirm": "DELETE"}).status_code == 302
    anon = app.test_client()
    page = anon.get(f"/dcc/competitions/{ctx['slug']}/results", headers=EN)
    assert b"Anonymous participant" in page.data and b"<td>1</td>" in page.data
    assert_no_secret(page.data, "results after deletion")
    again = app.test_client()
    resp = again.post("/login", data={"username": ctx["private_contact"],
                                      "password": h.PASSWORD})
    assert resp.status_code == 200  # the sign-in form again: the account is closed
    with app.app_context():
        from core.audit import AuditLog

        trail = str([r.changes for r in db.session.execute(db.select(AuditLog)).scalars()])
        for secret in SECRETS:
            assert secret not in trail


def test_team_entry_never_reveals_a_would_be_team_mate(world):
    """A lead who types someone's contact learns neither whether they are an approved
    member nor their province, category or age: an ineligible member with a private
    profile and nobody at all are "invited" alike, in both languages. Once the member
    accepts, their private name stays private on the lead's entry page."""
    from plugins.dcc.competition_models import Competition, EntryInvitation

    app, ctx = world
    rules = {"team_entries": True, "team_min": 2, "team_max": 3, "max_age": 40,
             "eligible_provinces": ["12"], "eligible_categories": ["student"]}
    with app.app_context():
        center = db.session.execute(db.select(Competition.center_id).where(
            Competition.slug == ctx["slug"])).scalar_one()
        closed = {(who, lang): h.competition(center, **rules).slug
                  for who in ("private", "nobody") for lang in ("en", "km")}
        wide = h.competition(center, team_entries=True, team_min=2, team_max=3)
        lead = h.member(category="student", province_code="12")
        db.session.commit()
        wide_slug, lead_contact = wide.slug, lead.email
    me = app.test_client()
    login(me, lead_contact, h.PASSWORD)
    leaks = ["Siemreap", "សៀមរាប", "Zq Private", "ឈ្មោះឯកជន", "Academic", "1977"]

    def entered(slug, contact, lang):
        page = me.post(f"/dcc/competitions/{slug}/enter", follow_redirects=True,
                       data={"team_name": "Probe", "teammates": contact},
                       headers={"Accept-Language": lang})
        assert page.status_code == 200
        text = page.data.decode()
        for leak in leaks:
            assert leak not in text, leak
        shown = re.search(r'<ul id="invitations">(.*?)</ul>', text, re.S).group(1)
        alerts = re.findall(r'class="alert[^"]*"[^>]*>(.*?)<', text, re.S)
        return (re.sub(r"/invitations/\d+/", "/invitations/N/", shown.replace(contact, "<c>")),
                [a.strip() for a in alerts])

    for lang in ("en", "km"):
        private = entered(closed["private", lang], ctx["private_contact"], lang)
        nobody = entered(closed["nobody", lang], "nobody.at.all@example.com", lang)
        assert private == nobody
        assert ("Invited" if lang == "en" else "បានអញ្ជើញ") in private[0]
    # In a competition the private member may enter, they accept: the lead sees them
    # joined, without their private name.
    ok = me.post(f"/dcc/competitions/{wide_slug}/enter",
                 data={"team_name": "Mixed", "teammates":
                       f"{ctx['private_contact']}\n{ctx['shown_contact']}"})
    assert ok.status_code == 302
    with app.app_context():
        invitations = dict(db.session.execute(db.select(
            EntryInvitation.contact, EntryInvitation.id).join(Competition, Competition.id ==
            EntryInvitation.competition_id).where(Competition.slug == wide_slug)).all())
    for who in ("private_contact", "shown_contact"):
        mate = app.test_client()
        login(mate, ctx[who], h.PASSWORD)
        assert mate.post(f"/dcc/me/invitations/{invitations[ctx[who]]}/accept").status_code == 302
    for lang in ("en", "km"):
        page = me.get(ok.headers["Location"], headers={"Accept-Language": lang})
        assert page.status_code == 200
        text = page.data.decode()
        assert "Quinn Public" in text
        for leak in ("Zq Private", "ឈ្មោះឯកជន", "Zqsecretjob", "ZQ999", "1977-07-07"):
            assert leak not in text, leak
    assert "Team mate (name not shared)" in me.get(ok.headers["Location"], headers=EN).data.decode()


def test_member_pages_are_core_centerless_views(world):
    """Signed in without a center is enough for core's guard; anonymous visitors are sent
    to sign in, and the pages go when the DCC is off at every center."""
    from core.plugins import set_plugin_enabled
    from core.tenancy import Center

    app, ctx = world
    view = app.view_functions["dcc.me"]
    assert getattr(view, "ctc_centerless", False) and not getattr(view, "ctc_public", False)
    anonymous = app.test_client().get("/dcc/me", headers=EN)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    me = app.test_client()
    login(me, ctx["private_contact"], h.PASSWORD)
    assert me.get("/dcc/me", headers=EN).status_code == 200

    def switch(on: bool):
        with app.app_context():
            for center in db.session.execute(db.select(Center)).scalars():
                set_plugin_enabled(center, "dcc", on)
            db.session.commit()

    switch(False)
    assert me.get("/dcc/me", headers=EN).status_code == 404
    switch(True)
    assert me.get("/dcc/me", headers=EN).status_code == 200
