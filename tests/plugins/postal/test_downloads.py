"""Postal downloads through HTTP: receipts, till reports, CSV and XLSX sheets all carry
core.downloads' headers (never cached, nosniff, a named file)."""


from core.extensions import db
from plugins.postal.models import Sale
from tests.conftest import login
from tests.downloads import BOM, assert_download
from tests.plugins.postal.test_views import open_till, sell_registered_and_envelopes


def test_receipt_and_till_report_are_private_and_never_stored(app, client, counter):
    login(client, "clerk")
    assert sell_registered_and_envelopes(app, client, counter).status_code == 302
    with app.app_context():
        sale = db.session.execute(db.select(Sale)).scalar_one()
        sale_id, number, till_id = sale.id, sale.number, sale.session_id
    receipt = client.get(f"/postal/sales/{sale_id}/receipt.pdf")
    assert_download(receipt, "application/pdf", "inline", f"receipt-{number}.pdf")
    assert receipt.data.startswith(b"%PDF")
    copy = client.get(f"/postal/sales/{sale_id}/copy.pdf")
    assert_download(copy, "application/pdf", "inline", f"receipt-{number}-copy.pdf")
    report = client.get(f"/postal/till/{till_id}/report.pdf")
    assert_download(report, "application/pdf", "inline", f"X-report-{till_id}.pdf")


def test_sheets_start_with_a_bom_and_are_never_stored(app, client, counter):
    login(client, "clerk")
    open_till(client)
    client.post("/logout")
    login(client, "boss")
    zones = client.get("/postal/catalogue/zones.csv")
    assert_download(zones, "text/csv", "attachment", "PP-01-zones.csv")
    assert zones.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert zones.data.startswith(BOM + b"country,zone\r\n")
    daily = client.get("/postal/reports/daily.csv?day=2026-03-02")
    assert_download(daily, "text/csv", "attachment", "PP-01-sales-2026-03-02.csv")
    assert daily.data.startswith(BOM) and not daily.data.startswith(BOM * 2)
    xlsx = client.get("/postal/reports/daily.xlsx?day=2026-03-02")
    assert_download(xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "attachment", "PP-01-sales-2026-03-02.xlsx")
    assert xlsx.data.startswith(b"PK")
