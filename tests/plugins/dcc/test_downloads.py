"""DCC downloads through HTTP: the directory and score-sheet CSVs start with the BOM Excel
needs for Khmer and pass the formula guard; certificates, the member's data and submitted
files carry core.downloads' headers (never cached, nosniff, a named file)."""

import csv
import io

import pytest

from core.extensions import db
from plugins.dcc import competitions as comp
from plugins.dcc.competition_models import DccCertificate
from tests.conftest import login
from tests.downloads import BOM, assert_download
from tests.plugins.dcc import helpers as h

TRICKY = "=HYPERLINK(\"http://x\",\"សួស្តី\")"


def rows_of(response):
    assert response.data.startswith(BOM) and not response.data.startswith(BOM * 2)
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


@pytest.fixture
def scored(make_app, factory):
    app = make_app(RATELIMIT_PUBLIC="1000 per minute")
    from core.auth.permissions import sync_builtin_roles

    a = factory.center("DL-01")
    factory.user("mod-dl", center_id=a, role="moderator")
    with app.app_context():
        sync_builtin_roles()
        c = h.competition(a, prizes=(1,), allow_file=True, file_types="pdf")
        c.criteria[0].name_en = "=SUM(A1)"
        judge = h.judge("judge-dl", a)
        comp.add_judge(db.session, c, judge)
        tricky = h.member(name_en=TRICKY, name_km="សុខ ដារា", visibility={"name_en": "public"},
                          contact="tricky@example.com")
        plain = h.member(name_en="Plain Entrant", visibility={"name_en": "public"})
        entries = [h.entry_with_link(c, m) for m in (tricky, plain)]
        sub = comp.submit(db.session, entries[0], instance_path=app.instance_path,
                          filename="work.pdf", data=b"%PDF-1.4 work")
        crit = c.criteria[0].id
        for asg, score in zip(comp.assign_judges(db.session, c), (8, 3), strict=True):
            comp.save_scores(db.session, asg, {crit: score})
        db.session.commit()
        ids = {"competition": c.id, "slug": c.slug, "member": tricky.id, "submission": sub.id}
    return app, ids


def test_directory_csv_has_a_bom_and_guards_names(scored):
    app, _ids = scored
    directory = app.test_client().get("/dcc/directory.csv")
    assert_download(directory, "text/csv", "attachment", "dcc-directory.csv")
    assert directory.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = rows_of(directory)
    assert rows[0][0] == "profile"
    cells = {cell for row in rows[1:] for cell in row}
    assert "'" + TRICKY in cells and TRICKY not in cells


def test_score_sheet_has_a_bom_guards_names_and_keeps_numbers(scored):
    app, ids = scored
    mod = app.test_client()
    login(mod, "mod-dl")
    url = f"/dcc/admin/competitions/{ids['competition']}/scores.csv"
    sheet = mod.get(url, headers={"Accept-Language": "en"})
    assert_download(sheet, "text/csv", "attachment", f"{ids['slug']}-scores.csv")
    header, *rows = rows_of(sheet)
    assert header[:3] == ["rank", "final_score", "entry_id"]
    assert header[5] == "'=SUM(A1) [weight 1, 0-10]"  # a criterion typed as a formula
    assert {row[3] for row in rows} == {"'" + TRICKY, "Plain Entrant"}
    assert "សុខ ដារា" in {row[3] for row in rows_of(mod.get(url))}  # Khmer screens: Khmer names
    assert sorted(row[header.index("judge_total")] for row in rows) == [
        "30.000000", "80.000000"]


def test_certificates_export_and_submission_are_private(scored):
    app, ids = scored
    mod = app.test_client()
    login(mod, "mod-dl")
    for step in ("freeze", "publish", "certificates"):
        assert mod.post(f"/dcc/admin/competitions/{ids['competition']}/{step}"
                        ).status_code == 302
    with app.app_context():
        cert = db.session.execute(db.select(DccCertificate).where(
            DccCertificate.member_id == ids["member"]).order_by(DccCertificate.id)
        ).scalars().first()
        cert_id, number = cert.id, cert.number
    staff_copy = mod.get(f"/dcc/admin/certificates/{cert_id}.pdf")
    assert_download(staff_copy, "application/pdf", "inline", f"{number}.pdf")
    member = app.test_client()
    login(member, "tricky@example.com", h.PASSWORD)
    own = member.get(f"/dcc/me/certificates/{cert_id}.pdf")
    assert_download(own, "application/pdf", "inline", f"{number}.pdf")
    assert own.data.startswith(b"%PDF")
    export = member.get("/dcc/me/export.json")
    assert_download(export, "application/json", "attachment", "dcc-my-data.json")
    assert export.json["profile"]["name_km"] == "សុខ ដារា"
    work = member.get(f"/dcc/submissions/{ids['submission']}/file")
    assert_download(work, "application/pdf", "attachment", f"submission-{ids['submission']}.pdf")
    assert work.data == b"%PDF-1.4 work"
