"""The screens through HTTP: register, asset page, photos, loans, repairs, stock, documents."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from PIL import Image

from core.extensions import db
from plugins.inventory.models import Asset, AssetPhoto, Loan, RepairTicket, StockMovement
from tests.conftest import login
from tests.plugins.inventory.conftest import lab_csv

EN = {"Accept-Language": "en"}


@pytest.fixture
def officer_client(client, officer_id):
    login(client, "sophea")
    return client


def _register(client, **overrides):
    data = {"category": "desktop", "make": "Dell", "model": "OptiPlex", "serial": "SN-1",
            "location": "computer_lab", "condition": "good", "status": "in_service",
            "cost": "450.00", "currency": "USD", "purchase_date": "2026-01-15"}
    data.update(overrides)
    return client.post("/inventory/assets/new", data=data, headers=EN)


def _asset(app, **where):
    with app.app_context():
        return db.session.execute(db.select(Asset).filter_by(**where)).scalar_one()


def test_register_an_asset_and_see_it_with_its_history(app, officer_client):
    response = _register(officer_client)
    assert response.status_code == 302
    asset = _asset(app, serial="SN-1")
    page = officer_client.get(f"/inventory/assets/{asset.id}", headers=EN).get_data(as_text=True)
    assert "PP-01-00001" in page and "Registered" in page and "$450.00" in page
    response = officer_client.post(f"/inventory/assets/{asset.id}/edit", headers=EN, data={
        "category": "desktop", "make": "Dell", "model": "OptiPlex", "serial": "SN-1",
        "location": "store", "condition": "fair", "status": "in_service", "cost": "450.00",
        "currency": "USD"})
    assert response.status_code == 302
    page = officer_client.get(f"/inventory/assets/{asset.id}", headers=EN).get_data(as_text=True)
    assert "Computer lab</td><td>Store" in page and "sophea" in page
    listing = officer_client.get("/inventory/?location=store", headers=EN).get_data(as_text=True)
    assert "PP-01-00001" in listing
    listing = officer_client.get("/inventory/?location=computer_lab", headers=EN).get_data(as_text=True)
    assert "PP-01-00001" not in listing


def test_a_refused_form_keeps_what_was_typed(officer_client):
    _register(officer_client)
    response = _register(officer_client, model="Typed model", cost="12x")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Typed model" in page and "The cost is not an amount." in page
    page = _register(officer_client, model="Other").get_data(as_text=True)
    assert "already registered as PP-01-00001" in page


def _png(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_photos_are_checked_and_served_only_to_the_center(app, client, factory, officer_id):
    login(client, "sophea")
    _register(client)
    asset = _asset(app, serial="SN-1")
    url = f"/inventory/assets/{asset.id}/photos"
    client.post(url, data={"photo": (io.BytesIO(b"<script>alert(1)</script>"), "x.png")},
                content_type="multipart/form-data", headers=EN)
    client.post(url, data={"photo": (io.BytesIO(b"A" * (6 * 1024 * 1024)), "big.jpg")},
                content_type="multipart/form-data", headers=EN)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(AssetPhoto.id))).scalar() == 0
    response = client.post(url, data={"photo": (io.BytesIO(_png()), "pc.png")},
                           content_type="multipart/form-data", headers=EN)
    assert response.status_code == 302
    with app.app_context():
        photo = db.session.execute(db.select(AssetPhoto)).scalar_one()
        assert photo.width == 40 and photo.content_type == "image/jpeg"
    served = client.get(f"/inventory/photos/{photo.id}")
    assert served.status_code == 200 and served.data[:3] == b"\xff\xd8\xff"
    client.post("/logout")
    assert client.get(f"/inventory/photos/{photo.id}").status_code == 302  # to the login page
    factory.user("other", center_id=factory.center("SR-01"), role="manager")
    login(client, "other")
    assert client.get(f"/inventory/photos/{photo.id}").status_code == 404
    assert client.get(f"/inventory/assets/{asset.id}").status_code == 404


def test_staff_without_inventory_rights_read_the_asset_page_but_cannot_edit(
        app, client, factory, center_id, officer_id):
    login(client, "sophea")
    _register(client)
    asset = _asset(app, serial="SN-1")
    client.post("/logout")
    factory.user("clerk", center_id=center_id, role="clerk")
    login(client, "clerk")
    assert client.get(f"/inventory/assets/{asset.id}").status_code == 200
    assert client.get("/inventory/").status_code == 403
    assert client.get(f"/inventory/assets/{asset.id}/edit").status_code == 403
    assert client.get("/inventory/consumables").status_code == 403


def test_lend_and_return_through_the_screens(app, officer_client):
    _register(officer_client)
    asset = _asset(app, serial="SN-1")
    due = (date.today() + timedelta(days=5)).isoformat()
    page = officer_client.post(f"/inventory/assets/{asset.id}/checkout", headers=EN, data={
        "borrower_kind": "community", "borrower_name": "", "due_on": due,
        "condition_out": "good"}).get_data(as_text=True)
    assert "Give the borrower" in page
    response = officer_client.post(f"/inventory/assets/{asset.id}/checkout", headers=EN, data={
        "borrower_kind": "community", "borrower_name": "Chea Sokha", "borrower_contact": "012",
        "due_on": due, "condition_out": "good"})
    assert response.status_code == 302
    assert "Chea Sokha" in officer_client.get("/inventory/loans", headers=EN).get_data(as_text=True)
    with app.app_context():
        loan = db.session.execute(db.select(Loan)).scalar_one()
        loan.due_on = date.today() - timedelta(days=3)
        db.session.commit()
        loan_id = loan.id
    dashboard = officer_client.get("/", headers=EN).get_data(as_text=True)
    assert 'id="widget-overdue-loans">1<' in dashboard
    overdue = officer_client.get("/inventory/loans?overdue=1", headers=EN).get_data(as_text=True)
    assert "Chea Sokha" in overdue and "day(s) late" in overdue
    response = officer_client.post(f"/inventory/loans/{loan_id}/checkin", headers=EN,
                                   data={"condition_in": "fair"})
    assert response.status_code == 302
    assert _asset(app, serial="SN-1").status == "in_service"
    assert 'id="widget-overdue-loans">0<' in officer_client.get("/", headers=EN).get_data(as_text=True)


def test_repair_ticket_through_the_screens(app, officer_client):
    _register(officer_client)
    asset = _asset(app, serial="SN-1")
    officer_client.post("/inventory/consumables/new", headers=EN,
                        data={"code": "RAM", "name": "RAM", "unit": "stick", "reorder_level": 1,
                              "active": "y"})
    with app.app_context():
        from plugins.inventory.models import Consumable

        ram_id = db.session.execute(db.select(Consumable.id)).scalar_one()
    officer_client.post(f"/inventory/consumables/{ram_id}", headers=EN,
                        data={"kind": "receive", "location": "store", "quantity": 3})
    response = officer_client.post(f"/inventory/assets/{asset.id}/repair", headers=EN,
                                   data={"problem": "No display", "priority": "high"})
    assert response.status_code == 302
    with app.app_context():
        ticket_id = db.session.execute(db.select(RepairTicket.id)).scalar_one()
    url = f"/inventory/repairs/{ticket_id}"
    officer_client.post(url, data={"action": "status", "st-status": "diagnosing"}, headers=EN)
    officer_client.post(url, data={"action": "part", "pt-consumable_id": str(ram_id),
                                   "pt-location": "store", "pt-quantity": "1"}, headers=EN)
    officer_client.post(url, data={"action": "status", "st-status": "repaired",
                                   "st-cost": "25.00", "st-resolution": "New RAM"}, headers=EN)
    page = officer_client.get(url, headers=EN).get_data(as_text=True)
    assert "Repaired" in page and "$25.00" in page and "RAM" in page
    with app.app_context():
        move = db.session.execute(db.select(StockMovement).where(
            StockMovement.ticket_id == ticket_id)).scalar_one()
        assert move.quantity == -1
    assert _asset(app, serial="SN-1").status == "in_service"
    assert "PP-01-R00001" in officer_client.get("/inventory/repairs?all=1", headers=EN).get_data(as_text=True)


def test_trainer_works_on_repairs_only(app, client, factory, center_id, officer_id):
    factory.user("trainer", center_id=center_id, role="trainer")
    login(client, "trainer")
    assert client.get("/inventory/repairs").status_code == 200
    assert client.get("/inventory/").status_code == 403


def test_maintenance_button_opens_due_tickets(app, officer_client):
    _register(officer_client, purchase_date="2024-01-01")
    officer_client.post("/inventory/maintenance", headers=EN,
                        data={"category": "desktop", "every_days": 90, "task": "Clean", "active": "y"})
    response = officer_client.post("/inventory/maintenance/run", headers=EN)
    assert response.status_code == 302
    with app.app_context():
        ticket = db.session.execute(db.select(RepairTicket)).scalar_one()
        assert ticket.kind == "preventive" and ticket.problem == "Clean"


def test_stock_take_through_the_screens(app, officer_client):
    officer_client.post("/inventory/consumables/new", headers=EN,
                        data={"code": "PAPER", "name": "A4 paper", "unit": "ream",
                              "reorder_level": 5, "active": "y"})
    with app.app_context():
        from plugins.inventory.models import Consumable

        paper_id = db.session.execute(db.select(Consumable.id)).scalar_one()
    officer_client.post(f"/inventory/consumables/{paper_id}", headers=EN,
                        data={"kind": "receive", "location": "store", "quantity": 10})
    page = officer_client.post(f"/inventory/consumables/{paper_id}", headers=EN,
                               data={"kind": "issue", "location": "store", "quantity": 50})
    assert "Only 10" in page.get_data(as_text=True)
    officer_client.post("/inventory/stocktakes", headers=EN, data={"location": "store"})
    with app.app_context():
        from plugins.inventory.models import StockTake

        take = db.session.execute(db.select(StockTake)).scalar_one()
        line_id = take.lines[0].id
    sheet = officer_client.get(f"/inventory/stocktakes/{take.id}/sheet.pdf")
    assert sheet.status_code == 200 and sheet.data[:5] == b"%PDF-"
    url = f"/inventory/stocktakes/{take.id}"
    page = officer_client.post(url, headers=EN, data={f"count-{line_id}": "-3", "action": "save"})
    assert "a count is a whole number" in page.get_data(as_text=True)
    page = officer_client.post(url, headers=EN, data={f"count-{line_id}": "8", "action": "post"})
    assert "Give a reason" in page.get_data(as_text=True)
    response = officer_client.post(url, headers=EN, data={
        f"count-{line_id}": "8", f"reason-{line_id}": "2 reams wet", "action": "post"})
    assert response.status_code == 302
    listing = officer_client.get("/inventory/consumables", headers=EN).get_data(as_text=True)
    assert 'data-total="8"' in listing
    moves = officer_client.get("/inventory/movements", headers=EN).get_data(as_text=True)
    assert "2 reams wet" in moves and "-2" in moves
    dashboard = officer_client.get("/", headers=EN).get_data(as_text=True)
    assert "A4 paper" not in dashboard  # 8 > 5
    officer_client.post(f"/inventory/consumables/{paper_id}", headers=EN,
                        data={"kind": "issue", "location": "store", "quantity": 4})
    assert "A4 paper" in officer_client.get("/", headers=EN).get_data(as_text=True)


def test_tags_print_as_one_pdf(app, officer_client):
    from pypdf import PdfReader

    _register(officer_client)
    asset = _asset(app, serial="SN-1")
    one = officer_client.get(f"/inventory/assets/{asset.id}/tag.pdf")
    assert one.status_code == 200 and one.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(one.data))
    assert len(reader.pages) == 1 and "PP-01-00001" in reader.pages[0].extract_text()
    officer_client.post("/inventory/import", data={"file": (io.BytesIO(lab_csv(25).encode()), "lab.csv")},
                        content_type="multipart/form-data", headers=EN)
    sheet = officer_client.get("/inventory/tags.pdf?category=desktop")
    reader = PdfReader(io.BytesIO(sheet.data))
    assert len(reader.pages) == 2  # 26 tags, 24 a sheet
    text = reader.pages[0].extract_text() + reader.pages[1].extract_text()
    assert "PP-01-00001" in text and "PP-01-00026" in text
    assert officer_client.get("/inventory/tags.pdf?category=printer").status_code == 404
    picked = _asset(app, serial="SN-0003")
    text = PdfReader(io.BytesIO(officer_client.get(f"/inventory/tags.pdf?ids={picked.id}").data)
                     ).pages[0].extract_text()
    assert picked.tag in text and "PP-01-00001" not in text
    assert 'name="ids"' in officer_client.get("/inventory/", headers=EN).get_data(as_text=True)


def test_screens_speak_khmer(app, officer_client):
    _register(officer_client)
    asset = _asset(app, serial="SN-1")
    km = {"Accept-Language": "km"}
    page = officer_client.get("/inventory/", headers=km).get_data(as_text=True)
    assert "បញ្ជីទ្រព្យសម្បត្តិ" in page and "កុំព្យូទ័រលើតុ" in page
    page = officer_client.get(f"/inventory/assets/{asset.id}", headers=km).get_data(as_text=True)
    assert "ប្រវត្តិ" in page and "បោះពុម្ពស្លាក" in page


def test_printed_tags_scan_to_the_tag_number_and_the_asset_page(app, officer_client):
    """Each printed tag, read by a barcode reader: the Code 128 gives the tag number, the
    QR code the asset's page (which opens for the officer). A sheet's tags all scan."""
    from urllib.parse import urlsplit

    from tests.core.test_document_codes_scan import scan

    _register(officer_client)
    asset = _asset(app, serial="SN-1")
    (found,) = scan(officer_client.get(f"/inventory/assets/{asset.id}/tag.pdf").data)
    codes = {kind: text for kind, text in found}
    assert codes["Code128"] == asset.tag and len(found) == 2
    assert urlsplit(codes["QRCode"]).path == f"/inventory/assets/{asset.id}"
    page = officer_client.get(urlsplit(codes["QRCode"]).path, headers=EN)
    assert page.status_code == 200 and asset.tag in page.get_data(as_text=True)

    officer_client.post("/inventory/import", data={"file": (io.BytesIO(lab_csv(25).encode()), "lab.csv")},
                        content_type="multipart/form-data", headers=EN)
    pages = scan(officer_client.get("/inventory/tags.pdf?category=desktop").data)
    bars = [text for page in pages for kind, text in page if kind == "Code128"]
    assert sorted(bars) == [f"PP-01-{n:05d}" for n in range(1, 27)]
    assert sum(kind == "QRCode" for page in pages for kind, _ in page) == 26
