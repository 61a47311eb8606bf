"""The judges' organisations through the screens: the organiser chooses a judge's
organisation from the DCC registry (or types a name), members choose theirs on their
profile, and assigning the panel recuses a judge from the entries of their organisation."""

import re

import pytest

from core import services
from core.auth.models import User
from core.extensions import db
from core.tenancy import Center
from plugins.dcc import competitions as comp
from plugins.dcc.competition_models import CompetitionJudge, JudgeAssignment
from plugins.dcc.models import Member
from plugins.dcc.opportunities import register_organisation, verify_organisation
from tests.conftest import login
from tests.plugins.dcc import helpers as h

EN = {"Accept-Language": "en"}
KM = {"Accept-Language": "km"}
SAME_ORG = "The judge and an entrant belong to the same organisation."


@pytest.fixture
def site(make_app):
    app = make_app(CTC_DCC_NOTIFIER="memory", RATELIMIT_PUBLIC="1000 per minute")
    from core.auth.permissions import sync_builtin_roles

    with app.app_context():
        sync_builtin_roles()
        db.session.commit()
    return app


def _organisations(home_b):
    """Two verified organisations and one still pending (of another center)."""
    owner = h.member()
    x = register_organisation(db.session, owner, name_en="Khmer Cloud", name_km="ខ្មែរក្លោដ")
    y = register_organisation(db.session, owner, name_en="Angkor Soft")
    pending = register_organisation(db.session, owner, name_en="Hidden Pending Co.")
    pending.home_center_id = home_b
    verify_organisation(db.session, x)
    verify_organisation(db.session, y)
    return x.id, y.id, pending.id


def _ids():
    return {u.username: u.id for u in db.session.execute(db.select(User)).scalars()}


def test_a_judge_of_the_entrants_organisation_is_recused_through_the_screens(site, factory):
    a, b = factory.center("VJ-01"), factory.center("VJ-02")
    factory.user("mod-j", center_id=a, role="moderator")
    factory.user("judge-j1", center_id=a, role="judge")
    factory.user("judge-j2", center_id=a, role="judge")
    with site.app_context():
        x, y, _pending = _organisations(b)
        entrant = h.member(name_en="Dara Cloud", organisation_name="")
        c = h.competition(a)
        db.session.commit()
        cid, contact, entrant_id = c.id, entrant.email, entrant.id
        ids = _ids()
    # The entrant says on their own profile that they work at X (chosen from the registry).
    member = site.test_client()
    login(member, contact, h.PASSWORD)
    edit = member.get("/dcc/me/edit", headers=EN).get_data(as_text=True)
    assert "Khmer Cloud" in edit and "Angkor Soft" in edit and "Hidden Pending" not in edit
    saved = member.post("/dcc/me/edit", data={"name_en": "Dara Cloud", "category": "student",
                                              "organisation_id": str(x)})
    assert saved.status_code == 302
    with site.app_context():
        assert db.session.get(Member, entrant_id).organisation_id == x
    # The organiser puts one judge of X and one of Y on the panel.
    mod = site.test_client()
    login(mod, "mod-j")
    page = mod.get(f"/dcc/admin/competitions/{cid}", headers=EN).get_data(as_text=True)
    assert f'<option value="{x}">Khmer Cloud</option>' in page and "Hidden Pending" not in page
    for judge, org in (("judge-j1", x), ("judge-j2", y)):
        resp = mod.post(f"/dcc/admin/competitions/{cid}/judges",
                        data={"user_id": ids[judge], "organisation_id": str(org)})
        assert resp.status_code == 302
    with site.app_context():
        panel = {j.user_id: j.organisation_id for j in db.session.execute(
            db.select(CompetitionJudge).where(CompetitionJudge.competition_id == cid)).scalars()}
        assert panel == {ids["judge-j1"]: x, ids["judge-j2"]: y}
        e = h.entry_with_link(db.session.get(type(c), cid), db.session.get(Member, entrant_id))
        db.session.commit()
        entry_id = e.id
    assert mod.post(f"/dcc/admin/competitions/{cid}/assign").status_code == 302
    with site.app_context():
        rows = {a.judge_user_id: a for a in db.session.execute(db.select(JudgeAssignment).where(
            JudgeAssignment.entry_id == entry_id)).scalars()}
        assert rows[ids["judge-j1"]].recused and rows[ids["judge-j1"]].recused_automatically
        assert rows[ids["judge-j1"]].recusal_reason == SAME_ORG
        assert not rows[ids["judge-j2"]].recused  # another organisation: not recused
    admin = mod.get(f"/dcc/admin/competitions/{cid}", headers=EN).get_data(as_text=True)
    assignments = admin.split('id="assignments"')[1].split("</table>")[0]
    assert assignments.count("Recused") == 1 and SAME_ORG in assignments
    judges = admin.split('id="judges"')[1].split("</ul>")[0]
    assert "judge-j1 · " in judges and "Khmer Cloud" in judges and "Angkor Soft" in judges
    km = mod.get(f"/dcc/admin/competitions/{cid}", headers=KM).get_data(as_text=True)
    assert "គណៈវិនិច្ឆ័យ និងអ្នកចូលរួមម្នាក់ស្ថិតក្នុងអង្គភាពតែមួយ។" in km


def test_a_refused_organisation_is_explained_and_the_form_keeps_what_was_typed(site, factory):
    a, b = factory.center("VK-01"), factory.center("VK-02")
    factory.user("mod-k", center_id=a, role="moderator")
    factory.user("judge-k1", center_id=a, role="judge")
    with site.app_context():
        _x, _y, pending = _organisations(b)
        c = h.competition(a)
        db.session.commit()
        cid, ids = c.id, _ids()
    mod = site.test_client()
    login(mod, "mod-k")
    messages = {}
    # nobody's id, an organisation not verified (another center's, pending), not a number,
    # a number too large for the database
    for bad in ("999999", str(pending), "abc", "99999999999999999999"):
        resp = mod.post(f"/dcc/admin/competitions/{cid}/judges", headers=EN,
                        data={"user_id": ids["judge-k1"], "organisation_id": bad,
                              "organisation_name": "Typed Org Name"})
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200, bad
        message = f"Organisation {bad[:20]} is not in the DCC registry: choose one from the list, or type its name."
        assert message in html, bad
        assert 'value="Typed Org Name"' in html, bad  # what was typed is still there
        assert re.search(rf'<option selected value="{ids["judge-k1"]}">', html), bad
        messages[bad] = html.count("is not in the DCC registry")
    assert "Hidden Pending" not in html  # the pending organisation is not revealed
    assert len(set(messages.values())) == 1  # the same refusal whoever's id it is
    km = mod.post(f"/dcc/admin/competitions/{cid}/judges", headers=KM,
                  data={"user_id": ids["judge-k1"], "organisation_id": str(pending)})
    assert km.status_code == 200
    assert f"អង្គភាព {pending} មិនមាននៅក្នុងបញ្ជីឈ្មោះ DCC ទេ" in km.get_data(as_text=True)
    with site.app_context():
        assert db.session.execute(db.select(CompetitionJudge)).first() is None
    # A member cannot pick an organisation that is not verified either.
    with site.app_context():
        m = h.member(name_en="Keeps Typing")
        db.session.commit()
        contact, member_id = m.email, m.id
    member = site.test_client()
    login(member, contact, h.PASSWORD)
    refused = member.post("/dcc/me/edit", headers=EN, data={
        "name_en": "Changed Name", "category": "student", "organisation_id": str(pending),
        "organisation_name": "My typed org"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert f"Organisation {pending} is not in the DCC registry" in html
    assert 'value="Changed Name"' in html and 'value="My typed org"' in html
    with site.app_context():
        m = db.session.get(Member, member_id)
        assert m.organisation_id is None and m.name_en == "Keeps Typing"


def test_a_judge_who_is_a_member_takes_the_organisation_of_their_profile(site, factory):
    a = factory.center("VL-01")
    factory.user("mod-l", center_id=a, role="moderator")
    with site.app_context():
        x, _y, _p = _organisations(None)
        judge_member = h.member(contact="judge.member@example.com")
        judge_member.organisation_id = x
        user = db.session.get(User, judge_member.user_id)
        services.grant_role(user, db.session.get(Center, a), "judge")
        entrant = h.member()
        entrant.organisation_id = x
        c = h.competition(a)
        e = h.entry_with_link(c, entrant)
        db.session.commit()
        cid, judge_id, entry_id = c.id, user.id, e.id
    mod = site.test_client()
    login(mod, "mod-l")
    # nothing chosen nor typed: the organisation of the judge's own DCC profile
    assert mod.post(f"/dcc/admin/competitions/{cid}/judges",
                    data={"user_id": judge_id, "organisation_id": ""}).status_code == 302
    with site.app_context():
        row = db.session.execute(db.select(CompetitionJudge)).scalar_one()
        assert row.organisation_id == x
    mod.post(f"/dcc/admin/competitions/{cid}/assign")
    with site.app_context():
        a_row = db.session.execute(db.select(JudgeAssignment).where(
            JudgeAssignment.entry_id == entry_id)).scalar_one()
        assert a_row.recused and a_row.recusal_reason == SAME_ORG


def test_a_registry_organisation_matches_the_name_an_entrant_typed(app_ctx, factory):
    """One side chose the record, the other typed its name (English or Khmer)."""
    center = factory.center("VM-01")
    x, _y, _p = _organisations(None)
    c = h.competition(center)
    by_english = h.member(organisation_name="  khmer   CLOUD ")
    by_khmer = h.member(organisation_name="ខ្មែរក្លោដ")
    elsewhere = h.member(organisation_name="Khmer Cloud Services")
    j = h.judge("judge-m1", center)
    comp.add_judge(db.session, c, j, organisation_id=x)
    entries = {h.entry_with_link(c, m).id: m for m in (by_english, by_khmer, elsewhere)}
    recused = {a.entry_id: a.recused for a in comp.assign_judges(db.session, c)}
    assert [recused[e] for e in entries] == [True, True, False]
