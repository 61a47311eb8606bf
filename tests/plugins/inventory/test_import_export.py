"""CSV import keeps the good rows and reports the bad ones; CSV and XLSX export."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from core.extensions import db
from plugins.inventory import register_io, services
from plugins.inventory.models import Asset
from tests.conftest import login
from tests.plugins.inventory.conftest import lab_csv

EN = {"Accept-Language": "en"}


def test_import_keeps_good_rows_and_reports_bad_ones_by_line(ctx):
    center, officer = ctx
    text = lab_csv(3) + "\n".join([
        "spaceship,X,Y,SN-9001,computer_lab,good,,,,,,,",          # line 5: bad category
        "desktop,Dell,OptiPlex,SN-0001,computer_lab,good,,,,,,,",  # line 6: serial on line 2
        "desktop,Dell,OptiPlex,SN-9002,moon,good,,,,,,,",          # line 7: bad location
        "desktop,Dell,OptiPlex,SN-9003,store,good,15/01/2026,,,,,,",  # line 8: bad date
        "Desktop,HP,ProDesk,SN-9004,Computer lab,good,,1800000,KHR,,,sophea,",  # line 9: good
        ",,,,,,,,,,,,",                                            # blank line: skipped
    ]) + "\n"
    result = register_io.import_assets(db.session, center, text, user=officer)
    db.session.commit()
    assert [a.tag for a in result.created] == ["PP-01-00001", "PP-01-00002", "PP-01-00003",
                                               "PP-01-00004"]
    assert [line for line, _msg in result.errors] == [5, 6, 7, 8]
    from flask_babel import force_locale

    with force_locale("en"):
        assert "also on line 2" in str(result.errors[1][1])
    hp = result.created[-1]
    assert hp.location == "computer_lab" and hp.custodian_id == officer.id
    assert (hp.cost_minor, hp.currency) == (1_800_000, "KHR")


def test_import_refuses_a_file_without_the_required_columns(ctx):
    center, _ = ctx
    result = register_io.import_assets(db.session, center, "make,model\nDell,X\n")
    assert result.fatal and not result.created


def test_import_and_export_through_the_screens(app, client, officer_id):
    login(client, "sophea")
    sample = client.get("/inventory/import/sample.csv")
    assert sample.status_code == 200 and b"category" in sample.data
    text = lab_csv(20) + "desktop,Dell,OptiPlex,SN-0005,computer_lab,new,,,,,,,\n"
    page = client.post("/inventory/import", headers=EN, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(text.encode("utf-8-sig")), "lab.csv")})
    html = page.get_data(as_text=True)
    assert "20 asset(s) registered, 1 row(s) refused." in html
    assert "<td>22</td>" in html  # the refused row's line number
    exported = client.get("/inventory/export.csv?location=computer_lab")
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["tag", "category", "make"] and len(rows) == 21
    assert rows[1][0] == "PP-01-00001" and rows[1][9] == "450.00"
    xlsx = client.get("/inventory/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.max_row == 21 and sheet["A21"].value == "PP-01-00020"
    # the export reads back in: register the same lab at another center from it
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Asset.id))).scalar() == 20


def test_export_cells_never_run_as_formulas(ctx):
    center, _ = ctx
    asset = services.create_asset(db.session, center, {
        "category": "tool", "location": "store", "notes": "=HYPERLINK(\"http://x\")"})
    row = register_io.register_rows(db.session, [asset])[0]
    assert row[-1].startswith("'=")


def test_the_sample_csv_of_the_docs_registers_a_lab_of_20(ctx):
    from pathlib import Path

    from tests.conftest import PROJECT_DIR

    center, _ = ctx
    doc = Path(PROJECT_DIR, "docs", "inventory.md").read_text(encoding="utf-8")
    sample = doc.split("```csv\n", 1)[1].split("```", 1)[0]
    result = register_io.import_assets(db.session, center, sample)
    assert len(result.created) == 20 and result.errors == []
    assert len(register_io.import_assets(db.session, center, register_io.SAMPLE_CSV).errors) == 20


def test_import_reports_workflow_statuses_as_row_errors(ctx):
    center, _ = ctx
    header = "category,serial,location,status\n"
    text = header + ("desktop,S-1,computer_lab,in_service\n"
                     "desktop,S-2,computer_lab,on_loan\n"
                     "laptop,S-3,store,under repair\n"
                     "desktop,S-4,store,\n")
    result = register_io.import_assets(db.session, center, text)
    assert [a.serial for a in result.created] == ["S-1", "S-4"]
    assert [line for line, _msg in result.errors] == [3, 4]
    assert all(str(msg).startswith("status: ") for _line, msg in result.errors)
    assert {a.status for a in result.created} == {"in_service"}


def test_xlsx_has_numbers_dates_and_text_that_never_runs(ctx):
    from datetime import date, datetime

    center, _ = ctx
    usd = services.create_asset(db.session, center, {
        "category": "desktop", "location": "store", "cost": "1,234.50", "currency": "USD",
        "purchase_date": "2026-01-15", "warranty_end": "2029-01-15",
        "notes": "=HYPERLINK(\"http://x\")", "make": "-Dell", "model": "plain"})
    khr = services.create_asset(db.session, center, {
        "category": "tool", "location": "store", "cost": "1800000", "currency": "KHR",
        "funding_source": "@grant", "notes": "+855 12 345 678"})
    sheet = load_workbook(io.BytesIO(register_io.export_xlsx(db.session, [usd, khr]))).active
    header = [c.value for c in sheet[1]]
    col = {name: header.index(name) + 1 for name in header}
    cost = sheet.cell(2, col["cost"])
    assert cost.data_type == "n" and cost.value == 1234.5 and cost.number_format == "#,##0.00"
    assert sheet.cell(3, col["cost"]).value == 1_800_000
    bought = sheet.cell(2, col["purchase_date"])
    assert bought.is_date and bought.value in (date(2026, 1, 15), datetime(2026, 1, 15))
    assert sheet.cell(2, col["warranty_end"]).is_date
    notes = sheet.cell(2, col["notes"])
    assert notes.data_type == "s" and notes.value == "=HYPERLINK(\"http://x\")"
    assert notes.quotePrefix
    for row, name, text in ((2, "make", "-Dell"), (3, "funding_source", "@grant"),
                            (3, "notes", "+855 12 345 678")):
        cell = sheet.cell(row, col[name])
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    plain = sheet.cell(2, col["model"])
    assert plain.value == "plain" and not plain.quotePrefix
    assert not any(c.data_type == "f" for r in sheet.iter_rows() for c in r)
