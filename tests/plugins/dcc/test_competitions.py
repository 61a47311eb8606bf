"""Eligibility, windows at their exact boundaries, team sizes, submissions, recusal."""

from datetime import date, timedelta
from pathlib import Path

import pytest

from core.extensions import db
from plugins.dcc import competitions as comp
from plugins.dcc.members import DccError
from tests.plugins.dcc import helpers as h

US = timedelta(microseconds=1)


@pytest.fixture
def ctx(app):
    """The services' refusals are lazy translations; outside a request they would come out
    in the default language (Khmer). These tests read them in English."""
    from flask_babel import force_locale

    with app.app_context(), force_locale("en"):
        yield app


def test_registration_window_is_open_from_opening_inclusive_to_closing_exclusive(ctx):
    opens, closes = h.at(2026, 3, 1, 1), h.at(2026, 3, 10, 17)
    c = h.competition(now=opens)
    c.registration_opens_at, c.registration_closes_at = opens, closes
    people = [h.member() for _ in range(4)]
    with pytest.raises(DccError, match="Registration is closed"):
        comp.create_entry(db.session, c, people[0], now=opens - US)
    comp.create_entry(db.session, c, people[1], now=opens)
    comp.create_entry(db.session, c, people[2], now=closes - US)
    with pytest.raises(DccError, match="Registration is closed"):
        comp.create_entry(db.session, c, people[3], now=closes)


def test_submission_window_boundaries(ctx, tmp_path):
    opens, closes = h.at(2026, 3, 1), h.at(2026, 3, 20, 12)
    c = h.competition(now=opens)
    c.submission_opens_at, c.submission_closes_at = opens, closes
    c.registration_opens_at = opens - timedelta(days=5)
    e = comp.create_entry(db.session, c, h.member(), now=opens)
    for bad in (opens - US, closes):
        with pytest.raises(DccError, match="Submissions are closed"):
            comp.submit(db.session, e, instance_path=str(tmp_path), url="https://a.example/x",
                        now=bad)
    for good in (opens, closes - US):
        comp.submit(db.session, e, instance_path=str(tmp_path), url="https://a.example/x",
                    now=good)
    assert len(e.submissions) == 2 and e.final_submission.submitted_at == closes - US


def test_eligibility_by_category_and_province(ctx):
    c = h.competition(eligible_categories=["student"], eligible_provinces=["17"])
    ok = h.member(category="student", province_code="17")
    wrong_cat = h.member(category="academic", province_code="17")
    wrong_prov = h.member(category="student", province_code="12")
    assert comp.ineligibility(c, ok) == []
    assert "category" in " ".join(comp.ineligibility(c, wrong_cat))
    assert "province" in " ".join(comp.ineligibility(c, wrong_prov))
    with pytest.raises(DccError, match="province"):
        comp.create_entry(db.session, c, wrong_prov)


def test_a_team_mates_reasons_are_never_told_to_the_lead(ctx):
    """The lead's entry never depends on whom a contact belongs to: an ineligible member, a
    pending one and nobody at all are invited alike; only the lead's own reasons show."""
    rules = {"team_entries": True, "team_min": 2, "team_max": 3, "max_age": 30,
             "eligible_categories": ["student"], "eligible_provinces": ["17"]}
    lead = h.member(category="student", province_code="17")
    contacts = [h.member(category="academic", province_code="17").contact,
                h.member(category="student", province_code="12").contact,
                h.member(category="student", province_code="17",
                         date_of_birth=date(1950, 1, 1)).contact,
                h.member(approved=False, category="student", province_code="17").contact,
                "nobody.at.all@example.com"]
    for contact in contacts:
        entry = comp.create_entry(db.session, h.competition(**rules), lead, [contact],
                                  team_name="T")
        assert [(i.contact, i.status) for i in entry.invitations] == [(contact, "pending")]
        assert [m.member_id for m in entry.members] == [lead.id]
    outsider = h.member(category="academic")  # the lead's own reasons are theirs to read
    with pytest.raises(DccError, match="category"):
        comp.create_entry(db.session, h.competition(**rules), outsider, [lead.contact],
                          team_name="T")


def test_team_size_limits_and_one_entry_per_member(ctx):
    c = h.competition(team_entries=True, team_min=2, team_max=3)
    a, b, d, e, f = (h.member() for _ in range(5))
    with pytest.raises(DccError, match="2 to 3"):
        comp.create_entry(db.session, c, a, [], team_name="Solo")
    with pytest.raises(DccError, match="2 to 3"):
        comp.create_entry(db.session, c, a, [b.email, d.email, e.email], team_name="Four")
    with pytest.raises(DccError, match="name"):
        comp.create_entry(db.session, c, a, [b.email], team_name="  ")
    with pytest.raises(DccError, match="listed twice"):
        comp.create_entry(db.session, c, a, [b.email, b.email.upper()], team_name="Twice")
    with pytest.raises(DccError, match="You lead this team"):
        comp.create_entry(db.session, c, a, [a.email], team_name="Myself")
    with pytest.raises(DccError, match="Check not-a-contact"):
        comp.create_entry(db.session, c, a, ["not-a-contact"], team_name="Typo")
    entry = comp.create_entry(db.session, c, a, [b.email, "", d.email], team_name="Angkor Coders")
    assert {m.member_id for m in entry.members} == {a.id}  # the mates have not accepted yet
    assert [i.contact for i in entry.invitations] == [b.email, d.email]
    with pytest.raises(DccError, match="You have entered"):
        comp.create_entry(db.session, c, a, [f.email], team_name="Again")
    individual = h.competition()
    with pytest.raises(DccError, match="individual"):
        comp.create_entry(db.session, individual, a, [b.email])


def test_age_is_counted_on_the_local_day_registration_closes(ctx):
    # Closes 2026-06-30 17:30 UTC = 2026-07-01 00:30 in Phnom Penh: the age day is July 1.
    c = h.competition(min_age=18, max_age=25)
    c.registration_closes_at = h.at(2026, 6, 30, 17, 30)
    turns_18_that_day = h.member(date_of_birth=date(2008, 7, 1))
    turns_18_next_day = h.member(date_of_birth=date(2008, 7, 2))
    still_25 = h.member(date_of_birth=date(2000, 7, 2))
    turned_26 = h.member(date_of_birth=date(2000, 7, 1))
    no_birth_date = h.member(date_of_birth=None)
    assert comp.ineligibility(c, turns_18_that_day) == []
    assert comp.ineligibility(c, turns_18_next_day)
    assert comp.ineligibility(c, still_25) == []
    assert comp.ineligibility(c, turned_26)
    assert "date of birth" in comp.ineligibility(c, no_birth_date)[0]


def test_pending_member_cannot_enter(ctx):
    c = h.competition()
    with pytest.raises(DccError, match="approved"):
        comp.create_entry(db.session, c, h.member(approved=False))


def test_file_submission_type_size_and_random_name(ctx, tmp_path):
    c = h.competition(file_types="pdf,zip", max_file_kb=1)
    e = comp.create_entry(db.session, c, h.member())
    with pytest.raises(DccError, match="type"):
        comp.submit(db.session, e, instance_path=str(tmp_path), filename="x.exe", data=b"MZ")
    with pytest.raises(DccError, match="larger"):
        comp.submit(db.session, e, instance_path=str(tmp_path), filename="x.pdf",
                    data=b"%" * 1025)
    s = comp.submit(db.session, e, instance_path=str(tmp_path),
                    filename="../../etc/passwd.pdf", data=b"%PDF-1.4 hello")
    stored = Path(tmp_path) / "dcc_submissions" / s.stored_name
    assert stored.read_bytes() == b"%PDF-1.4 hello"
    assert "passwd" not in s.stored_name and s.stored_name.endswith(".pdf")
    assert s.original_name == "passwd.pdf"
    with pytest.raises(DccError, match="link"):
        comp.submit(db.session, e, instance_path=str(tmp_path), url="javascript:alert(1)")


def test_judge_of_the_entrants_organisation_is_recused_automatically(ctx, factory):
    center = factory.center("JJ-01")
    c = h.competition(center)
    same_org = h.member(organisation_name="Mekong  Digital Co.")
    other = h.member(organisation_name="Angkor Soft")
    j1 = h.judge("judge-one", center)
    j2 = h.judge("judge-two", center)
    comp.add_judge(db.session, c, j1, organisation_name="mekong digital co.")
    comp.add_judge(db.session, c, j2, organisation_name="Royal University")
    e1 = h.entry_with_link(c, same_org)
    e2 = h.entry_with_link(c, other)
    rows = {(a.entry_id, a.judge_user_id): a for a in comp.assign_judges(db.session, c)}
    assert rows[(e1.id, j1.id)].recused and rows[(e1.id, j1.id)].recused_automatically
    assert not rows[(e1.id, j2.id)].recused
    assert not rows[(e2.id, j1.id)].recused
    with pytest.raises(DccError, match="recused"):
        comp.save_scores(db.session, rows[(e1.id, j1.id)], {c.criteria[0].id: 5})
    # A judge declares another conflict: their sheet stops counting.
    comp.save_scores(db.session, rows[(e2.id, j1.id)], {c.criteria[0].id: 10})
    comp.save_scores(db.session, rows[(e2.id, j2.id)], {c.criteria[0].id: 0})
    comp.save_scores(db.session, rows[(e1.id, j2.id)], {c.criteria[0].id: 4})
    assert {r.entry_id: round(r.score, 6) for r in comp.ranking(db.session, c)} == {
        e2.id: 50.0, e1.id: 40.0}
    comp.declare_conflict(db.session, rows[(e2.id, j1.id)], "My cousin is on this team.")
    assert {r.entry_id: round(r.score, 6) for r in comp.ranking(db.session, c)} == {
        e2.id: 0.0, e1.id: 40.0}
    with pytest.raises(DccError, match="conflict"):
        comp.declare_conflict(db.session, rows[(e1.id, j2.id)], " ")


def test_judge_organisation_by_id_and_judge_who_entered(ctx, factory):
    from plugins.dcc.opportunities import register_organisation, verify_organisation

    center = factory.center("JJ-02")
    c = h.competition(center)
    owner = h.member()
    org = register_organisation(db.session, owner, name_en="Khmer Cloud")
    verify_organisation(db.session, org)
    staff_member = h.member(contact="judge-member@example.com")
    entrant = h.member()
    entrant.organisation_id = org.id
    j = h.judge("judge-three", center)
    comp.add_judge(db.session, c, j, organisation_id=org.id)
    e = h.entry_with_link(c, entrant)
    (a,) = comp.assign_judges(db.session, c)
    assert a.recused and "organisation" in a.recusal_reason
    j2 = db.session.get(type(j), staff_member.user_id)  # the member's own core user
    comp.add_judge(db.session, c, j2)
    h.entry_with_link(c, staff_member)
    recused = [x for x in comp.assign_judges(db.session, c) if x.judge_user_id == j2.id
               and x.entry.lead_member_id == staff_member.id]
    assert recused[0].recused and "entrant" in recused[0].recusal_reason
    assert e.id


def test_scores_must_cover_every_criterion_within_range(ctx, factory):
    center = factory.center("JJ-03")
    c = h.competition(center, criteria=((2, 1, 5), (1, 0, 10)))
    j = h.judge("judge-four", center)
    comp.add_judge(db.session, c, j)
    h.entry_with_link(c, h.member())
    (a,) = comp.assign_judges(db.session, c)
    first, second = c.criteria
    with pytest.raises(DccError, match="missing"):
        comp.save_scores(db.session, a, {first.id: 3})
    with pytest.raises(DccError, match="from 1 to 5"):
        comp.save_scores(db.session, a, {first.id: 0, second.id: 3})
    comp.save_scores(db.session, a, {first.id: 5, second.id: 10})
    assert {s.value for s in a.scores} == {5, 10}


def test_setup_validation(ctx):
    c = h.competition()
    c.registration_closes_at = c.registration_opens_at
    with pytest.raises(DccError, match="open before"):
        comp.validate_setup(c)
    c = h.competition()
    c.team_entries, c.team_min, c.team_max = True, 3, 2
    with pytest.raises(DccError, match="Team sizes"):
        comp.validate_setup(c)
    c = h.competition()
    c.eligible_provinces = ["99"]
    with pytest.raises(DccError, match="province"):
        comp.validate_setup(c)
