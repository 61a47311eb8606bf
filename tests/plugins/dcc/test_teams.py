"""Team mates by invitation: the lead invites contacts, each mate accepts or declines on their
own pages, and only accepted mates make the team."""

import pytest

from core.extensions import db
from plugins.dcc import competitions as comp
from plugins.dcc import teams
from plugins.dcc.competition_models import Entry, EntryInvitation
from plugins.dcc.members import DccError
from tests.conftest import login
from tests.plugins.dcc import helpers as h

EN = {"Accept-Language": "en"}
KM = {"Accept-Language": "km"}


@pytest.fixture
def ctx(app):
    from flask_babel import force_locale

    with app.app_context(), force_locale("en"):
        yield app


def team_competition(**kw):
    return h.competition(team_entries=True, **{"team_min": 2, "team_max": 3, **kw})


def link(entry):
    return comp.submit(db.session, entry, instance_path="", url="https://example.com/work")


def test_only_accepted_mates_count_and_a_complete_team_can_submit(ctx):
    c = team_competition()
    lead, b, d = h.member(), h.member(), h.member()
    entry = comp.create_entry(db.session, c, lead, [b.email, d.phone or d.email], team_name="T")
    inv_b, inv_d = entry.invitations
    assert not teams.team_complete(entry) and teams.places_taken(entry) == 3
    with pytest.raises(DccError, match="at least 2 members who accepted"):
        link(entry)
    assert [i.id for i in teams.invitations_for(db.session, b)] == [inv_b.id]
    teams.decline(db.session, inv_b, b)
    assert inv_b.status == "declined" and teams.invitations_for(db.session, b) == []
    with pytest.raises(DccError, match="no longer open"):
        teams.accept(db.session, inv_b, b)
    assert not teams.team_complete(entry)
    teams.accept(db.session, inv_d, d)
    assert {m.member_id for m in entry.members} == {lead.id, d.id}
    assert inv_d.status == "accepted" and inv_d.member_id == d.id
    assert teams.team_complete(entry) and link(entry).url == "https://example.com/work"


def test_an_invited_member_reads_their_own_reasons(ctx):
    c = team_competition(eligible_provinces=["17"])
    lead = h.member(province_code="17")
    far, busy, other = h.member(province_code="12"), h.member(province_code="17"), h.member()
    comp.create_entry(db.session, c, busy, [lead.email], team_name="First")
    entry = comp.create_entry(db.session, c, lead, [far.email, busy.email], team_name="T")
    inv_far, inv_busy = entry.invitations
    with pytest.raises(DccError, match="province"):
        teams.accept(db.session, inv_far, far)
    with pytest.raises(DccError, match="You have entered"):
        teams.accept(db.session, inv_busy, busy)
    with pytest.raises(DccError, match="no longer open"):  # not theirs (views answer 404)
        teams.accept(db.session, inv_busy, other)
    assert {m.member_id for m in entry.members} == {lead.id}


def test_invitations_end_when_registration_closes(ctx):
    c = team_competition()
    lead, mate = h.member(), h.member()
    entry = comp.create_entry(db.session, c, lead, [mate.email], team_name="Late")
    after = c.registration_closes_at
    assert teams.invitations_for(db.session, mate, now=after) == []
    with pytest.raises(DccError, match="Registration is closed"):
        teams.accept(db.session, entry.invitations[0], mate, now=after)
    with pytest.raises(DccError, match="Registration is closed"):
        teams.invite(db.session, entry, lead, ["x@example.com"], now=after)
    # Short of members at the deadline: the entry can never submit, so is never ranked.
    with pytest.raises(DccError, match="at least 2 members"):
        link(entry)


def test_places_withdrawal_and_more_invitations(ctx):
    c = team_competition(team_max=2)
    lead, b, d = h.member(), h.member(), h.member()
    entry = comp.create_entry(db.session, c, lead, [b.email], team_name="Pair")
    with pytest.raises(DccError, match="2 to 2"):  # b's place is held, answered or not
        teams.invite(db.session, entry, lead, [d.email])
    teams.decline(db.session, entry.invitations[0], b)
    with pytest.raises(DccError, match="2 to 2"):  # a decline looks like no answer
        teams.invite(db.session, entry, lead, [d.email])
    with pytest.raises(DccError, match="invited already"):
        teams.invite(db.session, entry, lead, [b.email])
    with pytest.raises(DccError, match="team lead"):
        teams.withdraw(db.session, entry.invitations[0], d)
    teams.withdraw(db.session, entry.invitations[0], lead)
    (inv_d,) = teams.invite(db.session, entry, lead, [d.email])
    with pytest.raises(DccError, match="team lead"):
        teams.invite(db.session, entry, d, ["y@example.com"])
    teams.accept(db.session, inv_d, d)
    with pytest.raises(DccError, match="no longer open"):
        teams.withdraw(db.session, inv_d, lead)  # an accepted mate stays
    assert {m.member_id for m in entry.members} == {lead.id, d.id}


def test_a_contact_that_joins_later_finds_its_invitation(ctx):
    c = team_competition()
    lead = h.member()
    entry = comp.create_entry(db.session, c, lead, ["Newcomer@Example.com"], team_name="T")
    newcomer = h.member(contact="newcomer@example.com")
    (inv,) = teams.invitations_for(db.session, newcomer)
    assert inv.entry_id == entry.id
    teams.accept(db.session, inv, newcomer)
    assert teams.team_complete(entry)
    from plugins.dcc.members import export_member

    (exported,) = export_member(newcomer)["team_invitations"]
    assert exported["team_name"] == "T" and exported["status"] == "accepted"


# -- through the screens -------------------------------------------------------------------


@pytest.fixture
def site(make_app):
    app = make_app(CTC_DCC_NOTIFIER="memory", RATELIMIT_PUBLIC="1000 per minute")
    with app.app_context():
        from core.auth.permissions import sync_builtin_roles

        sync_builtin_roles()
        db.session.commit()
    return app


def signed_in(app, contact):
    client = app.test_client()
    login(client, contact, h.PASSWORD)
    return client


def test_a_team_forms_through_the_screens(site, factory):
    a = factory.center("VT-01")
    with site.app_context():
        c = team_competition(center_id=a)
        lead = h.member()
        h.member(contact="+85516222333")  # the mate, found by phone
        decliner = h.member()
        stranger = h.member()
        db.session.commit()
        slug, contacts = c.slug, {"lead": lead.email, "decliner": decliner.email,
                                  "stranger": stranger.email}
    me = signed_in(site, contacts["lead"])
    bad = me.post(f"/dcc/competitions/{slug}/enter", headers=EN,
                  data={"team_name": "Kampot Coders", "teammates": "016 222 333\nnot a contact"})
    assert bad.status_code == 200 and "Check not a contact" in bad.data.decode()
    assert b"Kampot Coders" in bad.data
    ok = me.post(f"/dcc/competitions/{slug}/enter", headers=EN,
                 data={"team_name": "Kampot Coders", "teammates": "016 222 333\nnobody@x.org"})
    assert ok.status_code == 302
    entry_url = ok.headers["Location"]
    page = me.get(entry_url, headers=EN).data.decode()
    assert "+85516222333 · Invited" in page and "nobody@x.org · Invited" in page
    assert 'id="team-incomplete"' in page and 'id="submission-form"' not in page
    assert "បានអញ្ជើញ" in me.get(entry_url, headers=KM).data.decode()
    with site.app_context():
        entry = db.session.execute(db.select(Entry)).scalar_one()
        entry_id = entry.id
        inv_mate, inv_nobody = (i.id for i in entry.invitations)

    # The mate sees the invitation on their own pages, in both languages, and accepts.
    mate_client = signed_in(site, "+85516222333")
    assert b'id="invitations-waiting"' in mate_client.get("/dcc/me", headers=EN).data
    listing = mate_client.get("/dcc/me/entries", headers=EN).data.decode()
    assert "Kampot Coders" in listing and f"/dcc/me/invitations/{inv_mate}/accept" in listing
    assert "ទទួលយក" in mate_client.get("/dcc/me/entries", headers=KM).data.decode()
    assert mate_client.get(f"/dcc/me/entries/{entry_id}").status_code == 404  # not yet
    # Someone else's invitation is a 404, for a stranger as for the lead.
    other = signed_in(site, contacts["stranger"])
    assert other.post(f"/dcc/me/invitations/{inv_mate}/accept").status_code == 404
    assert me.post(f"/dcc/me/invitations/{inv_mate}/accept").status_code == 404
    assert other.post(f"/dcc/me/invitations/{inv_nobody}/withdraw").status_code == 404
    joined = mate_client.post(f"/dcc/me/invitations/{inv_mate}/accept")
    assert joined.status_code == 302 and joined.headers["Location"].endswith(
        f"/dcc/me/entries/{entry_id}")
    assert mate_client.get(f"/dcc/me/entries/{entry_id}").status_code == 200

    page = me.get(entry_url, headers=EN).data.decode()
    assert "+85516222333 · Joined" in page and "nobody@x.org · Invited" in page
    assert 'id="team-incomplete"' not in page and 'id="submission-form"' in page

    empty = me.post(f"/dcc/me/entries/{entry_id}/invite", data={"inv-contacts": " "},
                    follow_redirects=True, headers=EN)
    assert "Give the email address or phone number of a team mate." in empty.data.decode()
    # The lead withdraws the unanswered one and invites someone who declines: still "Invited".
    assert me.post(f"/dcc/me/invitations/{inv_nobody}/withdraw").status_code == 302
    assert me.post(f"/dcc/me/entries/{entry_id}/invite",
                   data={"inv-contacts": contacts["decliner"]}).status_code == 302
    with site.app_context():
        inv_decliner = db.session.execute(db.select(EntryInvitation.id).where(
            EntryInvitation.contact == contacts["decliner"])).scalar_one()
    declining = signed_in(site, contacts["decliner"])
    assert declining.post(f"/dcc/me/invitations/{inv_decliner}/decline").status_code == 302
    assert b"Kampot Coders" not in declining.get("/dcc/me/entries", headers=EN).data
    page = me.get(entry_url, headers=EN).data.decode()
    assert "nobody@x.org" not in page and f"{contacts['decliner']} · Invited" in page
