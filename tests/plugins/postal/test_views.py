"""The counter through HTTP: till, lines, payment, receipts (kept, COPY), void, refund,
labels, customs, tracking, reports, CSV import; tenancy and permissions."""

import io

import pytest

from core.extensions import db
from plugins.postal.models import Sale
from tests.conftest import login
from tests.plugins.postal.conftest import ADDRESSEE, SENDER, make_counter

EN = {"Accept-Language": "en"}


@pytest.fixture
def clerk_client(app, client, counter):
    login(client, "clerk")
    return client


def open_till(client, khr="100,000", usd="20.00"):
    return client.post("/postal/till/open", data={"counter": "1", "float_khr": khr,
                                                   "float_usd": usd}, headers=EN)


def ids(app, counter, code, goods=False):
    with app.app_context():
        return (counter.goods(code) if goods else counter.service(code)).id


def sell_registered_and_envelopes(app, client, counter, khr="10,000", usd=""):
    open_till(client)
    r = client.post("/postal/cart", data={"service_id": ids(app, counter, "REG"), "weight_g": 45,
                                          "quantity": 1, "addressee_country": "KH", **SENDER,
                                          **ADDRESSEE}, headers=EN)
    assert r.status_code == 302, r.data.decode()[:3000]
    r = client.post("/postal/cart", data={"goods_id": ids(app, counter, "ENV-C5", True),
                                          "quantity": 3, "addressee_country": "KH"}, headers=EN)
    assert r.status_code == 302
    return client.post("/postal/sale", data={"tendered_khr": khr, "tendered_usd": usd,
                                             "paper": "receipt-80mm"}, headers=EN)


def test_counter_asks_to_open_the_till_first(clerk_client):
    r = clerk_client.get("/postal/", headers=EN)
    assert r.status_code == 302 and r.location.endswith("/postal/till/open")
    r = open_till(clerk_client, khr="lots")
    assert r.status_code == 200 and b"lots" in r.data and b"is-invalid" in r.data
    assert open_till(clerk_client).status_code == 302
    page = clerk_client.get("/postal/", headers=EN)
    assert page.status_code == 200
    html = page.data.decode()
    assert 'id="service_id"' in html and "autofocus" in html and 'accesskey="p"' in html


def test_full_sale_receipt_kept_and_copy(app, clerk_client, counter):
    r = sell_registered_and_envelopes(app, clerk_client, counter)
    assert r.status_code == 302
    sale_url = r.location
    page = clerk_client.get(sale_url, headers=EN)
    assert b"7,150" in page.data and b"RR" in page.data
    with app.app_context():
        sale = db.session.execute(db.select(Sale)).scalar_one()
        sale_id, number = sale.id, sale.number
        kept = sale.receipt_pdf
        assert kept.startswith(b"%PDF")  # issued and stored with the sale
    pdf = clerk_client.get(f"/postal/sales/{sale_id}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert kept == pdf.data  # served as issued
    again = clerk_client.get(f"/postal/sales/{sale_id}/receipt.pdf")
    assert again.data == pdf.data  # the same bytes, read back
    copy = clerk_client.get(f"/postal/sales/{sale_id}/copy.pdf")
    assert copy.status_code == 200 and copy.data.startswith(b"%PDF") and copy.data != pdf.data
    text = pdf_text(pdf.data)
    assert number in text and "7,200" in text and "4,100" in text and "COPY" not in text
    assert "COPY" in pdf_text(copy.data)


def test_receipt_is_issued_at_sale_time_and_survives_later_changes(app, clerk_client,
                                                                   counter):
    from core.tenancy import Center

    with app.app_context():
        center = db.session.get(Center, counter.center_id)
        center.address = "Old Market Street 1"
        db.session.commit()
    r = sell_registered_and_envelopes(app, clerk_client, counter)
    assert r.status_code == 302
    with app.app_context():
        sale = db.session.execute(db.select(Sale)).scalar_one()
        sale_id, issued = sale.id, sale.receipt_pdf
        center = db.session.get(Center, counter.center_id)
        center.address = "New Riverside Road 99"
        counter.clerk.full_name = "Renamed Clerk"
        db.session.commit()
    pdf = clerk_client.get(f"/postal/sales/{sale_id}/receipt.pdf")
    assert pdf.data == issued
    text = pdf_text(pdf.data)
    assert "Old Market Street 1" in text and "Riverside" not in text and "Renamed" not in text


def test_receipt_first_fetch_renders_when_not_stored(app, clerk_client, counter):
    r = sell_registered_and_envelopes(app, clerk_client, counter)
    assert r.status_code == 302
    with app.app_context():
        sale = db.session.execute(db.select(Sale)).scalar_one()
        sale.receipt_pdf = None  # as if rendering had failed at sale time
        db.session.commit()
        sale_id = sale.id
    pdf = clerk_client.get(f"/postal/sales/{sale_id}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    with app.app_context():
        assert db.session.get(Sale, sale_id).receipt_pdf == pdf.data


def pdf_text(data: bytes) -> str:
    import pypdf

    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_bad_line_is_shown_with_what_was_typed(app, clerk_client, counter):
    open_till(clerk_client)
    r = clerk_client.post("/postal/cart", data={
        "service_id": ids(app, counter, "LETTER"), "weight_g": 2500, "quantity": 1,
        "addressee_country": "KH", "sender_name": "Dara"}, headers=EN)
    assert r.status_code == 422
    assert b"2500" in r.data and b"limit" in r.data and b'value="Dara"' in r.data


def test_underpayment_is_refused_on_screen(app, clerk_client, counter):
    r = sell_registered_and_envelopes(app, clerk_client, counter, khr="5,000")
    assert r.status_code == 422 and "is-invalid" in r.data.decode()
    with app.app_context():
        assert db.session.execute(db.select(Sale)).first() is None


def test_mixed_payment_through_the_screen(app, clerk_client, counter):
    r = sell_registered_and_envelopes(app, clerk_client, counter, khr="2,000", usd="5")
    assert r.status_code == 302
    with app.app_context():
        sale = db.session.execute(db.select(Sale)).scalar_one()
        assert {p.currency: p.amount_minor for p in sale.payments} == {"KHR": 2000, "USD": 500}
        assert sale.change_usd == 300


def test_void_needs_the_manager_permission_and_a_reason(app, client, counter):
    login(client, "clerk")
    sell_registered_and_envelopes(app, client, counter)
    with app.app_context():
        sale_id = db.session.execute(db.select(Sale.id)).scalar_one()
    assert client.post(f"/postal/sales/{sale_id}/void",
                       data={"void-reason": "x"}).status_code == 403
    client.post("/logout")
    login(client, "boss")
    r = client.post(f"/postal/sales/{sale_id}/void", data={"void-reason": ""}, headers=EN)
    assert r.status_code == 302
    with app.app_context():
        assert db.session.execute(db.select(Sale).where(Sale.kind == "void")).first() is None
    r = client.post(f"/postal/sales/{sale_id}/void", data={"void-reason": "Wrong service"},
                    headers=EN)
    with app.app_context():
        void = db.session.execute(db.select(Sale).where(Sale.kind == "void")).scalar_one()
        assert void.original_id == sale_id and void.reason == "Wrong service"
        assert db.session.get(Sale, sale_id).status == "voided"


def test_close_till_shows_expected_counted_and_z_report(app, clerk_client, counter):
    sell_registered_and_envelopes(app, clerk_client, counter)
    till_page = clerk_client.get("/postal/till", headers=EN)
    assert till_page.status_code == 302
    till_url = till_page.location
    x = clerk_client.get(till_url + "/report.pdf")
    assert x.status_code == 200 and "X REPORT" in pdf_text(x.data)
    r = clerk_client.post(till_url + "/cash", data={"direction": "out", "currency": "KHR",
                                                    "amount": "50,000", "reason": "Bank"},
                          headers=EN)
    assert r.status_code == 302
    r = clerk_client.post(till_url + "/close", data={"counted_khr": "57,000",
                                                     "counted_usd": "20.00"}, headers=EN)
    assert r.status_code == 302
    page = clerk_client.get(till_url, headers=EN).data.decode()
    # expected: 100,000 float + 10,000 tendered - 2,800 change - 50,000 out = 57,200
    assert "57,200" in page and "-200" in page
    z = pdf_text(clerk_client.get(till_url + "/report.pdf").data)
    assert "Z REPORT" in z and "57,200" in z and "4,100" in z


def test_label_sheet_cn23_and_public_tracking(app, clerk_client, counter):
    open_till(clerk_client)
    r = clerk_client.post("/postal/cart", data={
        "service_id": ids(app, counter, "PARCEL"), "weight_g": 1500, "quantity": 1,
        "addressee_country": "TH", "addressee_name": "Somchai", "addressee_address": "Bangkok",
        "declared_value": "35.00", "length_mm": 300, **SENDER}, headers=EN)
    assert r.status_code == 302, r.data.decode()[:2000]
    r = clerk_client.post("/postal/sale", data={"tendered_usd": "20", "paper": "receipt-58mm"})
    assert r.status_code == 302
    with app.app_context():
        from plugins.postal.models_items import Item

        item = db.session.execute(db.select(Item)).scalar_one()
        item_id, code = item.id, item.s10
        assert (item.declared_value_minor, item.length_mm) == (3500, 300)
    assert code.startswith("CP") and code.endswith("KH")
    early = clerk_client.get(f"/postal/items/{item_id}/label.pdf", headers=EN)
    assert early.status_code == 302 and early.location.endswith(f"/postal/items/{item_id}/customs")
    sheet = clerk_client.get(f"/postal/items/labels.pdf?id={item_id}", headers=EN)
    assert sheet.status_code == 302
    page = clerk_client.get(early.location, headers=EN)
    assert b"fill in its customs declaration before printing" in page.data
    bad = clerk_client.post(f"/postal/items/{item_id}/customs", data={
        "category": "sale", "gross_weight_g": 1500, "total_value": "35.00",
        "lines": "Silk scarf; 2; 300; 25.00; ; \nPalm sugar; 1; 400; 10.00; 170199; KH"},
        headers=EN)
    assert bad.status_code == 200 and b"HS code" in bad.data and b"Silk scarf" in bad.data
    ok = clerk_client.post(f"/postal/items/{item_id}/customs", data={
        "category": "gift", "gross_weight_g": 1500, "total_value": "35.00",
        "lines": "Silk scarf; 2; 300; 25.00; 621410; KH\nPalm sugar; 1; 400; 10.00; 170199; KH"},
        headers=EN)
    assert ok.status_code == 302
    label = clerk_client.get(f"/postal/items/{item_id}/label.pdf")
    text = pdf_text(label.data)
    assert f"{code[:2]} {code[2:5]} {code[5:8]} {code[8:11]} {code[11:]}" in text
    cn23 = clerk_client.get(f"/postal/items/{item_id}/cn23.pdf")
    assert cn23.status_code == 200 and "CN 23" in pdf_text(cn23.data)
    sheet = clerk_client.get(f"/postal/items/labels.pdf?id={item_id}")
    assert sheet.status_code == 200 and sheet.data.startswith(b"%PDF")
    clerk_client.post(f"/postal/items/{item_id}", data={"kind": "dispatched", "office": "PP"})
    clerk_client.post("/logout")
    public = app.test_client()
    spaced = f"{code[:2].lower()} {code[2:5]} {code[5:8]} {code[8:]}"
    r = public.get("/track?code=" + spaced, headers=EN)
    assert r.status_code == 302 and r.location.endswith(f"/track/{code}")
    page = public.get(f"/track/{code}", headers=EN)
    assert page.status_code == 200 and b"Dispatched" in page.data
    assert b"+855" not in page.data  # no phone numbers in public
    assert "តាមដាន" in public.get(f"/track/{code}", headers={"Accept-Language": "km"}).data.decode()
    wrong = code[:10] + str((int(code[10]) + 1) % 10) + code[11:]
    r = public.get(f"/track/{wrong}", headers=EN)
    assert r.status_code == 400 and b"check digit" in r.data
    r = public.get(f"/track/{wrong}", headers={"Accept-Language": "km"})
    assert r.status_code == 400 and "ខ្ទង់ត្រួតពិនិត្យខុស" in r.data.decode()  # wrong check digit
    with app.app_context():
        from core.plugins import set_plugin_enabled

        set_plugin_enabled(counter.center, "postal", False)
        db.session.commit()
    assert public.get(f"/track/{code}", headers=EN).status_code == 404


def test_other_center_sees_404(app, client, factory, counter):
    login(client, "clerk")
    sell_registered_and_envelopes(app, client, counter)
    with app.app_context():
        sale_id = db.session.execute(db.select(Sale.id)).scalar_one()
    client.post("/logout")
    make_counter(app, factory, "SR-01", prefix="sr")
    login(client, "srboss")
    for url in (f"/postal/sales/{sale_id}", f"/postal/sales/{sale_id}/receipt.pdf",
                f"/postal/sales/{sale_id}/copy.pdf", "/postal/till/1", "/postal/items/1"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/postal/sales/{sale_id}/void",
                       data={"void-reason": "x"}).status_code == 404


def test_reports_csv_xlsx_and_dashboard(app, client, counter):
    login(client, "clerk")
    sell_registered_and_envelopes(app, client, counter)
    assert client.get("/postal/reports").status_code == 403
    dash = client.get("/", headers=EN).data.decode()
    assert "postal-today-total" in dash and "7,150" in dash
    assert "Sales: 1 · Items accepted: 1" in dash
    client.post("/logout")
    login(client, "boss")
    page = client.get("/postal/reports", headers=EN)
    assert page.status_code == 200 and b"Registered letter" in page.data
    csv_text = client.get("/postal/reports/daily.csv").data.decode("utf-8-sig")
    assert "Registered letter,1,5000,500,5500" in csv_text
    assert ",Clerk,1,0,6500,650,7150" in csv_text
    xlsx = client.get("/postal/reports/daily.xlsx")
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    assert book.sheetnames == ["By service", "By clerk"]
    assert book["By clerk"]["G2"].value == 7150


def test_csv_import_reports_bad_rows_and_keeps_good_ones(app, client, counter):
    login(client, "boss")
    data = (b"code,name_en,name_km,price,currency,vat_percent,stock,active\n"
            b"PEN,Pen,,1500,KHR,10,12,1\nBAD,Bad,,-,KHR,10,1,1\n")
    r = client.post("/postal/catalogue/import", data={
        "kind": "goods", "file": (io.BytesIO(data), "goods.csv")},
        content_type="multipart/form-data", headers=EN)
    assert r.status_code == 200
    assert b"1 created" in r.data and b"<td>3</td>" in r.data
    exported = client.get("/postal/catalogue/goods.csv").data.decode("utf-8-sig")
    assert "PEN,Pen,,1500,KHR,10,12,1" in exported


def test_csv_import_row_errors_speak_khmer(app, client, counter):
    login(client, "boss", lang="km")
    data = (b"code,name_en,name_km,price,currency,vat_percent,stock,active\n"
            b"PEN,Pen,,1500,KHR,10,12,1\nBAD,Bad,,-,KHR,10,1,1\nINK,Ink,,900,EUR,10,1,1\n")
    r = client.post("/postal/catalogue/import", data={
        "kind": "goods", "file": (io.BytesIO(data), "goods.csv")},
        content_type="multipart/form-data", headers={"Accept-Language": "km"})
    assert r.status_code == 200
    page = r.data.decode()
    # row 3: "price must be a whole number, not '-'"; row 4: "currency must be KHR or USD"
    assert "<td>3</td><td>price ត្រូវតែជាចំនួនគត់ មិនមែន &#39;-&#39; ទេ</td>" in page
    assert "<td>4</td><td>រូបិយប័ណ្ណត្រូវតែជា KHR ឬ USD មិនមែន &#39;EUR&#39; ទេ</td>" in page
    assert "whole number" not in page and "must be" not in page
    exported = client.get("/postal/catalogue/goods.csv").data.decode("utf-8-sig")
    assert "PEN,Pen,,1500,KHR,10,12,1" in exported
    assert "BAD," not in exported and "INK," not in exported


def test_s10_ranges_screen_is_for_the_deployer(app, client, factory, counter):
    login(client, "boss")
    assert client.get("/postal/s10-ranges").status_code == 403
    client.post("/logout")
    factory.user("root", deployer=True)
    login(client, "root")
    r = client.post("/postal/s10-ranges", data={"indicator": "EA", "start": 5, "end": 9},
                    headers=EN)
    assert r.status_code == 302
    r = client.post("/postal/s10-ranges", data={"indicator": "EA", "start": 9, "end": 20},
                    headers=EN)
    assert r.status_code == 200 and b"overlaps" in r.data


def test_cli_allocates_a_range(app, counter):
    runner = app.test_cli_runner()
    from plugins.postal.cli import postal_group

    result = runner.invoke(postal_group, ["s10-range", "--center", "PP-01", "--indicator",
                                          "RR", "--start", "50000000", "--end", "50000999"])
    assert result.exit_code == 0, result.output
    assert "1000 numbers" in result.output
    result = runner.invoke(postal_group, ["s10-range", "--center", "PP-01", "--indicator",
                                          "JJ", "--start", "1", "--end", "2"])
    assert result.exit_code != 0 and "not an assigned" in result.output


def test_counter_and_tracking_speak_khmer(app, client, counter):
    login(client, "clerk", lang="km")
    km = {"Accept-Language": "km"}
    page = client.get("/postal/till/open", headers=km).data.decode()
    assert "បើកថតប្រាក់" in page  # "Open the till"
    open_till(client)
    page = client.get("/postal/", headers=km).data.decode()
    assert "បញ្ជរប្រៃសណីយ៍" in page and "បន្ថែមជួរ" in page  # counter, "Add line"


def _exhaust_rr(app, counter):
    from plugins.postal.models import S10Range

    with app.app_context():
        for block in db.session.query(S10Range).filter_by(center_id=counter.center_id,
                                                          indicator="RR"):
            block.next_serial = block.end + 1
        db.session.commit()


def test_no_s10_range_is_a_clear_message_not_a_500(app, clerk_client, counter):
    open_till(clerk_client)
    reg = ids(app, counter, "REG")
    # the line goes in while numbers are left, then the center runs out before payment
    r = clerk_client.post("/postal/cart", data={"service_id": reg, "weight_g": 45,
                                                "quantity": 1, **SENDER, **ADDRESSEE},
                          headers=EN)
    assert r.status_code == 302
    _exhaust_rr(app, counter)
    r = clerk_client.post("/postal/sale", data={"tendered_khr": "12,345", "paper": "receipt-80mm"},
                          headers=EN)
    html = r.data.decode()
    assert r.status_code == 422 and "No S10 numbers are left for RR" in html
    assert "12,345" in html  # what was typed is kept
    # adding another registered line now says so at once, keeping the typed line
    r = clerk_client.post("/postal/cart", data={"service_id": reg, "weight_g": 45,
                                                "quantity": 1, **SENDER, **ADDRESSEE},
                          headers=EN)
    html = r.data.decode()
    assert r.status_code == 422 and "ask the deployer to allocate a range" in html
    assert 'value="Sok Dara"' in html
    with app.app_context():
        assert db.session.execute(db.select(Sale)).first() is None
    clerk_client.post("/postal/cart/clear", headers=EN)
    clerk_client.post("/postal/cart", data={"goods_id": ids(app, counter, "ENV-C5", True),
                                            "quantity": 1}, headers=EN)
    r = clerk_client.post("/postal/sale", data={"tendered_khr": "1,000",
                                                "paper": "receipt-80mm"}, headers=EN)
    assert r.status_code == 302
    with app.app_context():
        assert db.session.execute(db.select(Sale)).scalar_one().number.endswith("000001")


def test_zones_csv_export_and_import(app, client, counter):
    login(client, "boss")
    r = client.get("/postal/catalogue/zones.csv")
    assert r.status_code == 200 and "country,zone" in r.data.decode("utf-8-sig")
    assert "\nTH," in r.data.decode("utf-8-sig")
    assert 'value="zones"' in client.get("/postal/zones", headers=EN).data.decode()
    text = "country,zone\nTH,Z9\nXX,Z1\nKH,Z2\nJP,\nBT,z4\n"
    r = client.post("/postal/catalogue/import", data={
        "kind": "zones", "file": (io.BytesIO(text.encode()), "zones.csv")},
        content_type="multipart/form-data", headers=EN)
    html = r.data.decode()
    assert r.status_code == 200
    assert "1 created, 1 updated, 3 rows refused" in html
    for row in ("3", "4", "5"):
        assert f"<td>{row}</td>" in html
    with app.app_context():
        from plugins.postal.models import Zone

        zones = {z.country: z.zone for z in db.session.query(Zone).filter_by(
            center_id=counter.center_id)}
    assert zones["TH"] == "Z9" and zones["BT"] == "Z4"
    assert "XX" not in zones and "KH" not in zones and zones.get("JP") != ""


def test_partial_refund_through_the_screen(app, client, counter):
    """A manager refunds one envelope, then the rest; refusals keep what was typed."""
    login(client, "clerk")
    sale_url = sell_registered_and_envelopes(app, client, counter).location
    sale_id = int(sale_url.rsplit("/", 1)[1])
    with app.app_context():
        reg_line, env_line = (line.id for line in db.session.get(Sale, sale_id).lines)
    client.post("/logout")
    login(client, "boss")
    page = client.get(sale_url, headers=EN).data.decode()
    assert f'name="refund-qty_{env_line}"' in page and 'id="refund-everything"' in page
    refund_url = f"/postal/sales/{sale_id}/refund"

    def refund(headers=EN, **fields):
        data = {"refund-reason": "Torn envelope", "refund-currency": "KHR",
                "refund-submit": "1"}
        data.update({f"refund-{k}": v for k, v in fields.items()})
        return client.post(refund_url, data=data, headers=headers)

    r = refund(**{f"qty_{env_line}": "1"})  # no open till yet
    assert r.status_code == 422 and "Open your till first" in r.data.decode()
    assert 'value="1"' in r.data.decode() and "Torn envelope" in r.data.decode()
    open_till(client)
    r = refund(**{f"qty_{env_line}": "5"})
    html = r.data.decode()
    assert r.status_code == 422 and "Only 3 of Envelope" in html and 'value="5"' in html
    r = refund(**{f"qty_{env_line}": "", f"qty_{reg_line}": "0"})
    assert r.status_code == 422 and "Choose what to refund" in r.data.decode()
    r = refund(**{f"qty_{env_line}": "two"})
    assert r.status_code == 422 and "Type a whole number" in r.data.decode()
    assert 'value="two"' in r.data.decode()
    r = refund(**{f"qty_{env_line}": "1", "reason": ""})
    assert r.status_code == 422 and "Give the reason." in r.data.decode()
    r = refund(headers={"Accept-Language": "km"}, **{f"qty_{env_line}": ""})
    assert r.status_code == 422 and "Choose what to refund" not in r.data.decode()
    with app.app_context():
        assert db.session.execute(db.select(Sale).where(Sale.kind == "refund")).first() is None

    r = refund(**{f"qty_{env_line}": "១"})  # Khmer digit one
    assert r.status_code == 302
    first_url = r.location
    with app.app_context():
        first = db.session.execute(db.select(Sale).where(Sale.kind == "refund")).scalar_one()
        assert [(line.original_line_id, line.quantity) for line in first.lines] == [
            (env_line, 1)]
        assert db.session.get(Sale, sale_id).status == "partial"
    page = client.get(sale_url, headers=EN).data.decode()
    assert "partly refunded" in page and 'id="void-submit"' not in page
    assert f'name="refund-qty_{env_line}"' in page  # 2 left
    receipt = pdf_text(client.get(first_url + "/receipt.pdf").data)
    assert "REFUND" in receipt and "600" in receipt

    r = client.post(refund_url, data={"refund-reason": "Letter not sent",
                                      "refund-currency": "USD", "refund-everything": "1"},
                    headers=EN)
    assert r.status_code == 302
    with app.app_context():
        rest = db.session.execute(db.select(Sale).where(Sale.kind == "refund")
                                  .order_by(Sale.id.desc())).scalars().first()
        assert sorted((line.original_line_id, line.quantity) for line in rest.lines) == [
            (reg_line, 1), (env_line, 2)]
        assert rest.payments[0].currency == "USD"
        assert db.session.get(Sale, sale_id).status == "refunded"
    page = client.get(sale_url, headers=EN).data.decode()
    assert ">refunded<" in page and 'id="refund-form"' not in page
    till = client.get(client.get("/postal/till").location, headers=EN).data.decode()
    assert "Refunds (2)" in till


def sell_registered_letter_abroad(app, client, counter, value="35.00"):
    open_till(client)
    r = client.post("/postal/cart", data={
        "service_id": ids(app, counter, "REG"), "weight_g": 50, "quantity": 1,
        "addressee_country": "TH", "addressee_name": "Somchai", "addressee_address": "Bangkok",
        "declared_value": value, **SENDER}, headers=EN)
    assert r.status_code == 302, r.data.decode()[:2000]
    assert client.post("/postal/sale", data={"tendered_usd": "20",
                                             "paper": "receipt-80mm"}).status_code == 302
    with app.app_context():
        from plugins.postal.models_items import Item

        return db.session.execute(db.select(Item.id).order_by(Item.id.desc())).scalars().first()


GIFT = {"category": "gift", "gross_weight_g": 50, "total_value": "35.00",
        "lines": "Silk scarf; 1; 40; 35.00; 621410; KH"}


def test_customs_declaration_is_locked_once_dispatched(app, clerk_client, counter):
    item_id = sell_registered_letter_abroad(app, clerk_client, counter)
    url = f"/postal/items/{item_id}/customs"
    assert clerk_client.get(url, headers=EN).status_code == 200
    assert clerk_client.post(url, data=GIFT, headers=EN).status_code == 302
    assert clerk_client.post(url, data=dict(GIFT, category="documents"),
                             headers=EN).status_code == 302  # still at the counter: a draft
    clerk_client.post(f"/postal/items/{item_id}", data={"kind": "dispatched", "office": "PP"})
    for response in (clerk_client.get(url, headers=EN),
                     clerk_client.post(url, data=dict(GIFT, category="sale"), headers=EN)):
        assert response.status_code == 302 and response.location.endswith(f"/postal/items/{item_id}")
    page = clerk_client.get(f"/postal/items/{item_id}", headers=EN).data.decode()
    assert "has left the counter: its customs declaration can no longer be changed" in page
    assert 'id="customs-locked"' in page and 'id="customs-edit"' not in page
    with app.app_context():
        from plugins.postal.models_items import Item

        assert db.session.get(Item, item_id).customs.category == "documents"
    clerk_client.get(url, headers={"Accept-Language": "km"})  # the refusal in Khmer too
    km = clerk_client.get(f"/postal/items/{item_id}", headers={"Accept-Language": "km"})
    assert "has left the counter" not in km.data.decode()


def test_sdr_rate_screen_for_the_manager(app, client, counter):
    login(client, "clerk")
    assert client.get("/postal/settings").status_code == 403
    item_id = sell_registered_letter_abroad(app, client, counter)  # $35 by registered letter
    assert "(CN22)" in client.get(f"/postal/items/{item_id}", headers=EN).data.decode()
    client.post("/logout")
    login(client, "boss")
    page = client.get("/postal/settings", headers=EN).data.decode()
    assert "5,500" in page and "the deployment" in page
    for typed, problem in (("0", "positive whole number"), ("-5", ""), ("55.5", "no decimals"),
                           ("abc", "")):
        r = client.post("/postal/settings", data={"sdr_khr": typed}, headers=EN)
        assert r.status_code == 422 and f'value="{typed}"' in r.data.decode(), typed
        assert problem in r.data.decode() and "is-invalid" in r.data.decode()
    r = client.post("/postal/settings", data={"sdr_khr": "៤០០"}, headers=EN)  # Khmer digits
    assert r.status_code == 302
    with app.app_context():
        from plugins.postal.services_settings import sdr_khr

        assert sdr_khr(counter.center) == 400
    page = client.get("/postal/settings", headers=EN).data.decode()
    assert 'value="400"' in page and "this center" in page
    # 300 SDR is now 120,000 riel: $35 (143,500 riel) needs a CN23
    assert "(CN23)" in client.get(f"/postal/items/{item_id}", headers=EN).data.decode()
    r = client.post(f"/postal/items/{item_id}/customs", data=GIFT, headers=EN)
    assert r.status_code == 302
    with app.app_context():
        from plugins.postal.models_items import Item

        assert db.session.get(Item, item_id).customs.form == "CN23"
    assert client.post("/postal/settings", data={"sdr_khr": ""}).status_code == 302
    with app.app_context():
        from plugins.postal.services_settings import sdr_khr

        assert sdr_khr(counter.center) == 5_500  # back to the deployment's rate
        from core.audit import AuditLog

        changes = [row.changes for row in db.session.execute(db.select(AuditLog).where(
            AuditLog.object_type == "center_plugin")).scalars()]
        assert {"sdr_khr": [None, 400]} in changes and {"sdr_khr": [400, None]} in changes
