"""Deleting a member erases their submissions' links, file names and files, and the
contacts of invitations addressed to them; scores and results stay, anonymous."""

import json
from pathlib import Path

import pytest

from core.audit import AuditLog
from core.extensions import db
from plugins.dcc import competitions as comp
from plugins.dcc import members as svc
from plugins.dcc import results, teams
from plugins.dcc.competition_models import EntryInvitation, ResultRow, Score, Submission
from tests.conftest import login
from tests.plugins.dcc import helpers as h

LINK = "https://github.com/sophal-keo/my-project"
FILE_NAME = "Sophal Keo CV and project.pdf"


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def audit_text() -> str:
    return json.dumps([r.changes for r in db.session.execute(db.select(AuditLog)).scalars()],
                      ensure_ascii=False)


def test_deletion_erases_an_individual_entrys_submissions_and_keeps_the_scores(
        ctx, factory, tmp_path):
    center = factory.center("ER-01")
    c = h.competition(center, prizes=(1,), file_types="pdf")
    judge = h.judge("judge-er", center)
    comp.add_judge(db.session, c, judge)
    m, other = h.member(name_en="Sophal Keo"), h.member()
    entry = comp.create_entry(db.session, c, m)
    comp.submit(db.session, entry, instance_path=str(tmp_path), url=LINK)
    upload = comp.submit(db.session, entry, instance_path=str(tmp_path), filename=FILE_NAME,
                         data=b"%PDF-1.4 my work")
    stored = tmp_path / "dcc_submissions" / upload.stored_name
    h.entry_with_link(c, other)
    for asg, value in zip(comp.assign_judges(db.session, c), (9, 4), strict=True):
        comp.save_scores(db.session, asg, {c.criteria[0].id: value})
    results.freeze(db.session, c)
    db.session.commit()
    before_scores = sorted(db.session.execute(db.select(Score.assignment_id, Score.value)).all())
    before_results = db.session.execute(db.select(
        ResultRow.entry_id, ResultRow.rank, ResultRow.score).order_by(ResultRow.rank)).all()
    sizes = [(s.id, s.kind, s.size_bytes, s.submitted_at) for s in entry.submissions]
    assert stored.is_file()

    svc.delete_member(db.session, m, instance_path=str(tmp_path))
    db.session.commit()

    subs = db.session.execute(db.select(Submission).where(
        Submission.entry_id == entry.id).order_by(Submission.id)).scalars().all()
    assert [(s.url, s.original_name, s.stored_name) for s in subs] == [("", "", "")] * 2
    assert all(s.erased for s in subs)
    assert [(s.id, s.kind, s.size_bytes, s.submitted_at) for s in subs] == sizes
    assert not stored.exists()
    assert sorted(db.session.execute(db.select(Score.assignment_id, Score.value)).all()) \
        == before_scores
    assert db.session.execute(db.select(
        ResultRow.entry_id, ResultRow.rank, ResultRow.score).order_by(ResultRow.rank)).all() \
        == before_results
    assert before_results[0].entry_id == entry.id  # still first, anonymously
    trail = audit_text()
    for secret in (LINK, "sophal-keo", FILE_NAME, "Sophal Keo"):
        assert secret not in trail, secret
    # The other entrant's link is untouched.
    assert db.session.execute(db.select(Submission.url).where(
        Submission.entry_id != entry.id)).scalar_one() == "https://example.com/x"


def test_a_teams_work_stays_while_a_team_mate_remains(ctx):
    c = h.competition(team_entries=True, team_min=2, team_max=3)
    lead, mate = h.member(), h.member()
    entry = comp.create_entry(db.session, c, lead, [mate.email], team_name="Pair")
    teams.accept(db.session, entry.invitations[0], mate)
    comp.submit(db.session, entry, instance_path="", url=LINK)
    svc.delete_member(db.session, lead)
    db.session.refresh(entry)
    assert entry.final_submission.url == LINK  # the mate still stands behind it
    svc.delete_member(db.session, mate)
    db.session.refresh(entry)
    assert entry.final_submission.erased and entry.final_submission.url == ""


def test_deletion_erases_the_contact_of_invitations_addressed_to_the_member(ctx):
    c1, c2 = (h.competition(team_entries=True, team_min=2, team_max=3) for _ in range(2))
    lead, m = h.member(), h.member()
    joined = comp.create_entry(db.session, c1, lead, [m.email], team_name="One")
    teams.accept(db.session, joined.invitations[0], m)
    waiting = comp.create_entry(db.session, c2, lead, [m.email, "someone@example.com"],
                                team_name="Two")
    contact = m.email
    svc.delete_member(db.session, m)
    rows = {(i.entry_id, i.status, i.contact) for i in db.session.execute(
        db.select(EntryInvitation)).scalars()}
    assert rows == {(joined.id, "accepted", ""), (waiting.id, "withdrawn", ""),
                    (waiting.id, "pending", "someone@example.com")}
    assert contact not in audit_text()


def test_deleting_through_the_screen_removes_the_file_judges_saw(make_app, factory):
    app = make_app(RATELIMIT_PUBLIC="1000 per minute")
    center = factory.center("ER-02")
    with app.app_context():
        from core.auth.permissions import sync_builtin_roles

        sync_builtin_roles()
        c = h.competition(center, file_types="pdf")
        comp.add_judge(db.session, c, h.judge("judge-er2", center))
        m = h.member()
        entry = comp.create_entry(db.session, c, m)
        sub = comp.submit(db.session, entry, instance_path=app.instance_path,
                          filename=FILE_NAME, data=b"%PDF-1.4 my work")
        (asg,) = comp.assign_judges(db.session, c)
        db.session.commit()
        contact, sub_id, asg_id = m.email, sub.id, asg.id
        stored = Path(app.instance_path) / "dcc_submissions" / sub.stored_name
    judge = app.test_client()
    login(judge, "judge-er2", h.PASSWORD)
    assert judge.get(f"/dcc/submissions/{sub_id}/file").status_code == 200
    me = app.test_client()
    login(me, contact, h.PASSWORD)
    assert me.post("/dcc/me/delete", data={"confirm": "DELETE"}).status_code == 302
    assert not stored.exists()
    assert judge.get(f"/dcc/submissions/{sub_id}/file").status_code == 404
    en = judge.get(f"/dcc/judging/{asg_id}", headers={"Accept-Language": "en"}).data.decode()
    assert "Removed: the entrant" in en and FILE_NAME not in en
    km = judge.get(f"/dcc/judging/{asg_id}", headers={"Accept-Language": "km"}).data.decode()
    assert "ទិន្នន័យរបស់អ្នកចូលរួមត្រូវបានលុប" in km


def test_an_erasure_that_rolls_back_keeps_the_file_and_the_row(ctx, factory, tmp_path):
    c = h.competition(factory.center("ER-03"), file_types="pdf")
    m = h.member()
    entry = comp.create_entry(db.session, c, m)
    upload = comp.submit(db.session, entry, instance_path=str(tmp_path), filename=FILE_NAME,
                         data=b"%PDF-1.4 my work")
    db.session.commit()
    sub_id, stored = upload.id, tmp_path / "dcc_submissions" / upload.stored_name
    svc.delete_member(db.session, m, instance_path=str(tmp_path))
    assert stored.is_file()  # not before the commit
    db.session.rollback()
    assert stored.is_file()
    assert db.session.get(Submission, sub_id).stored_name == stored.name
    svc.delete_member(db.session, m, instance_path=str(tmp_path))
    db.session.commit()
    assert not stored.exists()


def test_a_submission_that_is_not_committed_leaves_no_file(ctx, factory, tmp_path):
    c = h.competition(factory.center("ER-04"), file_types="pdf")
    entry = comp.create_entry(db.session, c, h.member())
    db.session.commit()
    upload = comp.submit(db.session, entry, instance_path=str(tmp_path), filename=FILE_NAME,
                         data=b"%PDF-1.4 draft")
    stored = tmp_path / "dcc_submissions" / upload.stored_name
    assert stored.is_file()
    db.session.rollback()
    assert not stored.exists()
