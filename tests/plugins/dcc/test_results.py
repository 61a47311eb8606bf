"""Freeze, publish, disqualification with prize reallocation (audited), certificates."""

import pytest

from core.audit import AuditLog
from core.extensions import db
from plugins.dcc import competitions as comp
from plugins.dcc import results
from plugins.dcc.members import DccError
from tests.plugins.dcc import helpers as h


@pytest.fixture
def judged(app, factory):
    """A competition with three entries scored 90 / 70 / 50 by two judges, prizes 1 and 2."""
    center = factory.center("RR-01")
    with app.app_context():
        c = h.competition(center, prizes=(1, 2))
        judges = [h.judge(f"judge-r{i}", center) for i in (1, 2)]
        for j in judges:
            comp.add_judge(db.session, c, j)
        people = [h.member(name_en=f"Entrant {i}") for i in range(3)]
        entries = [h.entry_with_link(c, p) for p in people]
        scores = {entries[0].id: 9, entries[1].id: 7, entries[2].id: 5}
        for a in comp.assign_judges(db.session, c):
            comp.save_scores(db.session, a, {c.criteria[0].id: scores[a.entry_id]})
        db.session.commit()
        yield c, entries, people


def test_freeze_then_publish_and_scoring_stops(judged):
    c, entries, _ = judged
    with pytest.raises(DccError, match="Freeze"):
        results.publish(db.session, c)
    rows = results.freeze(db.session, c)
    assert [(r.entry_id, r.rank, r.score, r.prize.rank if r.prize else None) for r in rows] == [
        (entries[0].id, 1, "90.000000", 1), (entries[1].id, 2, "70.000000", 2),
        (entries[2].id, 3, "50.000000", None)]
    a = entries[0].competition and comp.assign_judges(db.session, c)
    assert a == []  # everyone is assigned already
    from plugins.dcc.competition_models import JudgeAssignment
    any_sheet = db.session.execute(db.select(JudgeAssignment)).scalars().first()
    with pytest.raises(DccError, match="frozen"):
        comp.save_scores(db.session, any_sheet, {c.criteria[0].id: 1})
    results.publish(db.session, c)
    assert c.status == "published"


def test_disqualified_winner_prizes_move_up_and_the_change_is_audited(judged):
    c, entries, people = judged
    results.freeze(db.session, c)
    results.publish(db.session, c)
    certs = results.issue_certificates(db.session, c)
    awards = {x.member_id: x for x in certs if x.kind == "award"}
    assert set(awards) == {people[0].id, people[1].id}
    results.disqualify(db.session, entries[0], "Plagiarised code")
    rows = results.result_rows(db.session, c)
    assert [(r.entry_id, r.rank, r.prize.rank if r.prize else None) for r in rows] == [
        (entries[0].id, None, None), (entries[1].id, 1, 1), (entries[2].id, 2, 2)]
    log = db.session.execute(db.select(AuditLog).where(
        AuditLog.action == "dcc.results.reallocate")).scalar_one()
    assert log.changes["reason"] == "Plagiarised code"
    assert log.changes["before"][0] == {"entry_id": entries[0].id, "rank": 1,
                                        "prize_id": c.prizes[0].id}
    assert log.changes["after"][1] == {"entry_id": entries[1].id, "rank": 1,
                                       "prize_id": c.prizes[0].id}
    # The winner's certificates are revoked; second place's old award too (rank changed).
    db.session.refresh(awards[people[0].id])
    assert awards[people[0].id].status == "revoked"
    assert awards[people[1].id].status == "revoked"
    new = results.issue_certificates(db.session, c)
    assert sorted((x.member_id, x.rank) for x in new if x.kind == "award") == [
        (people[1].id, 1), (people[2].id, 2)]
    with pytest.raises(DccError, match="already"):
        results.disqualify(db.session, entries[0], "again")
    with pytest.raises(DccError, match="reason"):
        results.disqualify(db.session, entries[1], "")


def test_disqualified_before_freeze_is_left_out_of_the_ranking(judged):
    c, entries, _ = judged
    results.disqualify(db.session, entries[1], "Late entry")
    rows = results.freeze(db.session, c)
    assert [r.entry_id for r in rows] == [entries[0].id, entries[2].id]
    assert [r.prize.rank for r in rows] == [1, 2]


def test_certificate_numbers_are_sequential_and_verify_through_core(judged, client):
    c, _entries, people = judged
    results.freeze(db.session, c)
    results.publish(db.session, c)
    certs = results.issue_certificates(db.session, c)
    db.session.commit()
    numbers = sorted(x.number for x in certs)
    assert numbers == [f"DCC-RR-01-{certs[0].issued_at.year}-{n:06d}" for n in range(1, 6)]
    assert results.issue_certificates(db.session, c) == []  # idempotent
    award = next(x for x in certs if x.kind == "award" and x.member_id == people[0].id)
    page = client.get(f"/verify/{award.code}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert b"Entrant 0" in page.data and b"DCC award certificate" in page.data
    assert b'data-status="valid"' in page.data
    results.disqualify(db.session, award.entry, "Cheating")
    db.session.commit()
    page = client.get(f"/verify/{award.code}", headers={"Accept-Language": "en"})
    assert b'data-status="revoked"' in page.data and b"Cheating" in page.data


def test_national_competition_certificates_use_the_national_series(app, factory):
    center = factory.center("NN-01")
    with app.app_context():
        c = h.competition(None, prizes=(1,))
        assert c.national
        j = h.judge("judge-n", center)
        comp.add_judge(db.session, c, j)
        e = h.entry_with_link(c, h.member())
        (a,) = comp.assign_judges(db.session, c)
        comp.save_scores(db.session, a, {c.criteria[0].id: 3})
        results.freeze(db.session, c)
        results.publish(db.session, c)
        certs = results.issue_certificates(db.session, c)
        assert sorted(x.number[-6:] for x in certs) == ["000001", "000002"]
        assert all(x.number.startswith("DCC-20") for x in certs)
        assert {x.entry_id for x in certs} == {e.id}


def test_certificate_pdf_renders_and_its_qr_code_opens_the_verification(judged, client):
    from tests.core.test_document_codes_scan import scan

    c, _entries, _people = judged
    results.freeze(db.session, c)
    results.publish(db.session, c)
    cert = results.issue_certificates(db.session, c)[0]
    from core.documents import render_pdf

    pdf = render_pdf("dcc/certificate.html",
                     results.certificate_context(cert, "https://x.example/verify/" + cert.code),
                     "a4-landscape")
    assert pdf.startswith(b"%PDF")
    from core.documents.render import pdf_page_sizes_mm

    (width, height), = pdf_page_sizes_mm(pdf)
    assert round(width) == 297 and round(height) == 210  # A4 landscape, one page
    ((kind, url),) = scan(pdf, dpi=150)[0]
    assert kind == "QRCode" and url == "https://x.example/verify/" + cert.code
    page = client.get("/verify/" + cert.code, headers={"Accept-Language": "en"})
    assert page.status_code == 200 and b'data-status="valid"' in page.data
    import io

    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert cert.number in text and "DCC-RR-01" in text
