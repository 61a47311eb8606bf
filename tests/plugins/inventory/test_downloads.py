"""Inventory downloads through HTTP: tags, the register as CSV and XLSX, the import sample
all carry core.downloads' headers; CSV starts with the BOM Excel needs for Khmer."""

import csv
import io

from core.extensions import db
from plugins.inventory.models import Asset
from tests.conftest import login
from tests.downloads import BOM, assert_download

EN = {"Accept-Language": "en"}


def test_sample_reads_back_and_the_register_exports_with_a_bom(app, client, officer_id):
    login(client, "sophea")
    sample = client.get("/inventory/import/sample.csv")
    assert_download(sample, "text/csv", "attachment", "assets-sample.csv")
    assert sample.data.startswith(BOM + b"category,")
    page = client.post("/inventory/import", headers=EN, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(sample.data), "assets-sample.csv")})
    assert "20 asset(s) registered, 0 row(s) refused." in page.get_data(as_text=True)
    with app.app_context():
        asset = db.session.execute(db.select(Asset).order_by(Asset.id)).scalars().first()
        asset.notes = "=HYPERLINK(\"http://x\")  ម៉ាស៊ីនថ្មី"
        db.session.commit()
    exported = client.get("/inventory/export.csv")
    assert_download(exported, "text/csv", "attachment", "assets-PP-01.csv")
    assert exported.data.startswith(BOM) and not exported.data.startswith(BOM * 2)
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert len(rows) == 21 and rows[1][0] == "PP-01-00001"
    assert rows[1][-1] == "'=HYPERLINK(\"http://x\")  ម៉ាស៊ីនថ្មី"  # guarded, Khmer intact
    xlsx = client.get("/inventory/export.xlsx")
    assert_download(xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "attachment", "assets-PP-01.xlsx")


def test_tags_are_private_pdfs(app, client, officer_id):
    login(client, "sophea")
    client.post("/inventory/import", headers=EN, content_type="multipart/form-data",
                data={"file": (io.BytesIO(client.get("/inventory/import/sample.csv").data),
                               "lab.csv")})
    with app.app_context():
        asset_id = db.session.execute(db.select(Asset.id).order_by(Asset.id)).scalars().first()
    one = client.get(f"/inventory/assets/{asset_id}/tag.pdf")
    assert_download(one, "application/pdf", "inline", "tag-PP-01-00001.pdf")
    sheet = client.get("/inventory/tags.pdf")
    assert_download(sheet, "application/pdf", "inline", "tags-PP-01.pdf")
    assert sheet.data.startswith(b"%PDF")
