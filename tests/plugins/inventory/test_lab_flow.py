"""The issue's check, through the screens: a new lab officer registers a lab of 20
computers from a CSV, prints their tags on one sheet, lends one, sends one to repair and
runs a stock-take; then reads the results back from the screens and the exports."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

from openpyxl import load_workbook
from pypdf import PdfReader

from tests.conftest import login
from tests.plugins.inventory.conftest import lab_csv

EN = {"Accept-Language": "en"}


def test_a_new_lab_officer_sets_up_a_lab(client, officer_id):
    login(client, "sophea")
    # 1. register the lab from a CSV
    page = client.post("/inventory/import", headers=EN, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(lab_csv(20).encode()), "lab.csv")})
    html = page.get_data(as_text=True)
    assert "20 asset(s) registered, 0 row(s) refused." in html
    # 2. print their tags on one sheet (the link offered after the import)
    sheet_url = re.search(r'id="print-imported" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    sheet = client.get(sheet_url)
    assert sheet.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(sheet.data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert all(f"PP-01-{n:05d}" in text for n in range(1, 21))
    ids = [int(x) for x in re.findall(r"ids=(\d+)", sheet_url)]
    # 3. lend one
    client.post(f"/inventory/assets/{ids[0]}/checkout", headers=EN, data={
        "borrower_kind": "community", "borrower_name": "Chea Sokha",
        "due_on": (date.today() + timedelta(days=7)).isoformat(), "condition_out": "good"})
    # 4. send one to repair
    client.post(f"/inventory/assets/{ids[1]}/repair", headers=EN,
                data={"problem": "Blue screen at start", "priority": "high"})
    # 5. a stock-take of the lab's consumables
    item_url = client.post("/inventory/consumables/new", headers=EN, data={
        "code": "MOUSE", "name": "USB mouse", "unit": "pc", "reorder_level": 2,
        "active": "y"}).location
    client.post(item_url, headers=EN,
                data={"kind": "receive", "location": "computer_lab", "quantity": 22})
    take_url = client.post("/inventory/stocktakes", headers=EN, data={
        "location": "computer_lab", "note": "first count"}).location
    stocktake = client.get(take_url, headers=EN).get_data(as_text=True)
    line = re.search(r'name="count-(\d+)"', stocktake).group(1)
    ticks = re.findall(r'name="(seen-\d+)"', stocktake)
    assert len(ticks) == 19  # the lent computer is out
    data = {f"count-{line}": "21", f"reason-{line}": "one missing", "action": "post"}
    data.update({tick: "1" for tick in ticks[:-1]})  # the last computer is not found
    client.post(take_url, headers=EN, data=data)

    # read back: screens
    register = client.get("/inventory/", headers=EN).get_data(as_text=True)
    assert "In service: <strong>18</strong>" in register
    assert "On loan: <strong>1</strong>" in register and "Under repair: <strong>1</strong>" in register
    assert "Chea Sokha" in client.get("/inventory/loans", headers=EN).get_data(as_text=True)
    repairs = client.get("/inventory/repairs", headers=EN).get_data(as_text=True)
    assert "Blue screen at start" in repairs and "PP-01-00002" in repairs
    assert 'data-total="21"' in client.get("/inventory/consumables", headers=EN).get_data(as_text=True)
    posted = client.get(take_url, headers=EN).get_data(as_text=True)
    assert "Posted" in posted and posted.count("not seen") == 1
    assert "Not seen in a stock-take" in client.get(
        f"/inventory/assets/{ids[-1]}", headers=EN).get_data(as_text=True)
    # read back: exports
    rows = list(csv.DictReader(io.StringIO(
        client.get("/inventory/export.csv").data.decode("utf-8-sig"))))
    assert len(rows) == 20
    by_tag = {r["tag"]: r for r in rows}
    assert by_tag["PP-01-00001"]["status"] == "on_loan"
    assert by_tag["PP-01-00001"]["borrower"] == "Chea Sokha"
    assert by_tag["PP-01-00002"]["status"] == "under_repair"
    book = load_workbook(io.BytesIO(client.get("/inventory/export.xlsx?status=in_service").data))
    assert book.active.max_row == 19
